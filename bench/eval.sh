#!/usr/bin/env bash
# Offline evaluation of the served models on MovieLens ml-latest-small, both hold-outs:
#
#   bench/eval.sh                     # random 75/25 per user (seed 42), then leave-last-out
#   EVAL_ARGS="--models for-user,ease-reference --ease-top-k 500" bench/eval.sh
#
# Fetches the data with scripts/datasets/movielens.sh when it is missing, builds a release build
# in build-release/ (meson --buildtype=release, no tests) unless RECO_BENCH_BUILD names another
# build dir, and runs reco-eval once per split with the options printed before each run; the
# tables go to stdout, the JSON to bench/out/eval-<split>.json (git-ignored). Every row of the
# file is one implicit interaction of weight 1 (the ratings' values are not used); the EASE
# reference is dense over all 9,066 items and takes tens of seconds on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${RECO_BENCH_BUILD:-$ROOT/build-release}
DATA=$ROOT/.cache/datasets/ml-latest-small/ratings.csv
THREADS=${THREADS:-2}
# shellcheck disable=SC2206
EXTRA=(${EVAL_ARGS:-})

. bench/lib.sh
bench_build
EVAL=$BUILD/trainer/eval/reco-eval
[ -x "$EVAL" ] || { log "$EVAL is not built"; exit 1; }
[ -s "$DATA" ] || { show scripts/datasets/movielens.sh; bash scripts/datasets/movielens.sh >&2; }

mkdir -p bench/out
# λ of the EASE reference, tuned per split on this data (the served for-user model keeps the
# trainer's default, RECO_EASE_LAMBDA_DEFAULT)
declare -A REFERENCE_LAMBDA=([random]=250 [last]=100)
for split in random last; do
  cmd=("$EVAL" --split "$split" --seed 42 --k 10,20 --min-user-events 2 --threads "$THREADS"
       --timestamp-unit s --reference-lambda "${REFERENCE_LAMBDA[$split]}"
       --json "bench/out/eval-$split.json" "${EXTRA[@]}" "$DATA")
  show "${cmd[@]}"
  "${cmd[@]}"
  echo
done
echo "($(date -u +%FT%TZ), $(nproc) cores, $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo '+changes'); load average $(cut -d' ' -f1-3 /proc/loadavg): train-ms moves with other work on the machine, the metrics do not)"
