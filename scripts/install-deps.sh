#!/usr/bin/env bash
# Installs whatever of reco's build, run and test dependencies is missing (Debian/apt only).
# Idempotent: a machine that has everything gets no apt call at all (and no npm call either).
set -euo pipefail

PKGS=(
  build-essential pkg-config meson ninja-build
  libzmq3-dev libczmq-dev libmsgpack-dev libhiredis-dev libevent-dev
  libjansson-dev libcmocka-dev
  uthash-dev python3 time
  redis-server redis-tools curl libcurl4-openssl-dev wrk libcsv-dev
  liblapacke-dev libopenblas-dev
  libsodium-dev
  chromium
  prometheus # /usr/bin/promtool: integration-metrics runs `promtool check metrics` on a real scrape
  clang libclang-rt-14-dev # fuzz/run.sh (test fuzz-short): libFuzzer and the sanitizer runtimes
  docker-compose # 1.29 (Debian 12): integration-deploy runs `docker-compose config`, no engine needed
  python3-yaml # integration-deploy parses the compose config and deploy/k8s/*.yaml
  binutils util-linux # readelf; unshare (integration-deploy: workers as PID 1 of their own namespaces)
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
# node and npm run the OpenAPI validators of tests/openapi (node >= 18.17): Debian's packages
# unless some node and npm are already there (NodeSource's nodejs package carries its own npm)
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "reco: installing missing packages: ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# The validators themselves: npm ci from the committed lock, once (a no-op when installed).
# Only the tests need them, so a failure here (no registry) is said, not fatal: the OpenAPI test
# installs them again and fails loudly if it cannot.
bash "$(dirname "$0")/../tests/openapi/install.sh" ||
  echo "reco: could not install the OpenAPI validators (tests/openapi); integration-openapi will fail" >&2
# The same for the dashboard's browser test: playwright-core, which drives Debian's chromium (above).
bash "$(dirname "$0")/../tests/dashboard/install.sh" ||
  echo "reco: could not install the dashboard driver (tests/dashboard); integration-dashboard will fail" >&2
# The same for the Kubernetes manifest validator (kubernetes-models' API schemas, offline).
bash "$(dirname "$0")/../tests/deploy/install.sh" ||
  echo "reco: could not install the manifest validator (tests/deploy); integration-deploy will fail" >&2
