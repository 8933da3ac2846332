#!/usr/bin/env bash
# The one test command: installs what is missing, builds, and runs every test suite (unit tests
# beside each module, end-to-end tests in tests/integration/) twice: on the normal build
# (build/) and on an AddressSanitizer + UBSan build (build-asan/), where any sanitizer report in
# a process log fails the run. Ends with the line "tests: N passed, N failed" and exits non-zero
# when a test failed or when no test ran. Extra arguments go to `meson test` (e.g. --suite unit).
# RECO_SKIP_ASAN=1 skips the sanitizer pass (quicker local runs).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh

run_suite() { # build-dir [meson setup options...]
  local dir=$1
  shift
  if [ ! -f "$dir/meson-private/coredata.dat" ]; then
    meson setup "$dir" "$@" >/dev/null
  fi
  rm -f "$dir/meson-logs/testlog.json" # the summary below must never count an earlier run
  meson compile -C "$dir"
  set +e
  meson test -C "$dir" --print-errorlogs "${TEST_ARGS[@]}"
  local status=$?
  set -e
  return $status
}

TEST_ARGS=("$@")
status=0
logs=(build/meson-logs/testlog.json)
run_suite build || status=$?
if [ "${RECO_SKIP_ASAN:-0}" != 1 ]; then
  echo "== again with AddressSanitizer and UndefinedBehaviorSanitizer (build-asan/)"
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
  run_suite build-asan -Db_sanitize=address,undefined -Db_lundef=false || status=$?
  logs+=(build-asan/meson-logs/testlog.json)
fi

python3 - "$status" "${logs[@]}" <<'PY'
import json, sys

meson_status, paths = int(sys.argv[1]), sys.argv[2:]
counts = {}
for path in paths:
    try:
        with open(path) as f:
            for line in f:
                if line.strip():
                    result = json.loads(line).get("result", "?")
                    counts[result] = counts.get(result, 0) + 1
    except FileNotFoundError:
        print("note: %s is missing" % path)
passed = counts.get("OK", 0) + counts.get("EXPECTEDFAIL", 0)
skipped = counts.get("SKIP", 0)
failed = sum(counts.values()) - passed - skipped
if skipped:
    print("note: %d tests skipped" % skipped)
print("tests: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed or passed == 0 or meson_status else 0)
PY
