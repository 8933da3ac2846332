#!/usr/bin/env bash
# The one test command: installs what is missing, builds into build/, runs every test suite
# (unit tests beside each module, end-to-end tests in tests/integration/) and ends with the
# line "tests: N passed, N failed". Exits non-zero when a test failed or when no test ran.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
if [ ! -f build/meson-private/coredata.dat ]; then
  meson setup build
fi
meson compile -C build

set +e
meson test -C build --print-errorlogs "$@"
status=$?
set -e

python3 - build/meson-logs/testlog.json "$status" <<'PY'
import json, sys

path, meson_status = sys.argv[1], int(sys.argv[2])
counts = {}
try:
    with open(path) as f:
        for line in f:
            if line.strip():
                result = json.loads(line).get("result", "?")
                counts[result] = counts.get(result, 0) + 1
except FileNotFoundError:
    pass
passed = counts.get("OK", 0) + counts.get("EXPECTEDFAIL", 0)
skipped = counts.get("SKIP", 0)
failed = sum(counts.values()) - passed - skipped
if skipped:
    print("note: %d tests skipped" % skipped)
print("tests: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed or passed == 0 or meson_status else 0)
PY
