#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (their own build directory, build-fuzz/, CC=clang
# -Dfuzz=true) and runs each for a bounded time on its seed corpus (fuzz/corpus/<target>/) and
# its regression inputs (fuzz/regressions/<target>/: inputs that once crashed, replayed every
# run). Fails on any crash, sanitizer report, leak, timeout or broken invariant; prints one
# summary line per target (executions, coverage, corpus size) and a last line
# "fuzz: N targets, N failed". See docs/fuzzing.md.
#
#   bash fuzz/run.sh                    every target, FUZZ_SECONDS (default 20) each
#   FUZZ_SECONDS=600 bash fuzz/run.sh fuzz_http_gravity fuzz_wire
#
# New inputs the fuzzer finds go to build-fuzz/fuzz-corpus/<target>/ (kept between runs, not
# committed); a crashing input is saved as build-fuzz/fuzz-artifacts/<target>/crash-<sha1>.
set -euo pipefail
cd "$(dirname "$0")/.."

ALL=(fuzz_wire fuzz_validate fuzz_scenario fuzz_filter fuzz_recommend_args fuzz_query_op fuzz_ingest_op
  fuzz_http_native fuzz_http_aegeria fuzz_http_advisable fuzz_http_tastehit fuzz_http_gravity
  fuzz_http_yoochoose)
TARGETS=("${ALL[@]}")
if [ $# -gt 0 ]; then TARGETS=("$@"); fi
SECS=${FUZZ_SECONDS:-20}
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}

if ! command -v clang >/dev/null; then
  echo "fuzz: clang is missing (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
if [ ! -f "$BUILD/meson-private/coredata.dat" ]; then
  setup_log=$(mktemp)
  CC=clang meson setup "$BUILD" -Dfuzz=true -Dtests=false >"$setup_log" 2>&1 || { cat "$setup_log" >&2; exit 1; }
  rm -f "$setup_log"
fi
build_log=$(mktemp)
if ! meson compile -C "$BUILD" "${TARGETS[@]/#/fuzz/}" >"$build_log" 2>&1; then
  tail -40 "$build_log" >&2
  rm -f "$build_log"
  exit 1
fi
rm -f "$build_log"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
for t in "${TARGETS[@]}"; do
  work="$BUILD/fuzz-corpus/$t"
  art="$BUILD/fuzz-artifacts/$t"
  log="$BUILD/fuzz-logs/$t.log"
  mkdir -p "$work" "$art" "$(dirname "$log")" "fuzz/corpus/$t"
  dirs=("$work" "fuzz/corpus/$t")
  if [ -d "fuzz/regressions/$t" ]; then dirs+=("fuzz/regressions/$t"); fi
  set +e
  "$BUILD/fuzz/$t" -max_total_time="$SECS" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -dict=fuzz/reco.dict -artifact_prefix="$art/" "${dirs[@]}" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
  if [ "$rc" -eq 0 ]; then
    printf 'fuzz: %-20s ok      %9s execs in %ss, cov %s, ft %s, corpus %s\n' "$t" "${execs:-?}" "$SECS" \
      "${cov:-?}" "${ft:-?}" "${corp:-?}"
  else
    failed=$((failed + 1))
    printf 'fuzz: %-20s FAILED  (exit %d) after %s execs; log %s, inputs in %s\n' "$t" "$rc" "${execs:-?}" "$log" "$art"
    grep -a -E -m 12 'ERROR|SUMMARY|invariant|runtime error|Test unit written|#[0-9]+ in ' "$log" >&2 || tail -20 "$log" >&2
  fi
done
echo "fuzz: ${#TARGETS[@]} targets, $failed failed"
[ "$failed" -eq 0 ]
