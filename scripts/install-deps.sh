#!/usr/bin/env bash
# Installs whatever of reco's build, run and test dependencies is missing (Debian/apt only).
# Idempotent: a machine that has everything gets no apt call at all.
set -euo pipefail

PKGS=(
  build-essential pkg-config meson ninja-build
  libzmq3-dev libczmq-dev libmsgpack-dev libhiredis-dev libevent-dev
  libjansson-dev libcmocka-dev
  uthash-dev python3 time
  redis-server redis-tools curl libcurl4-openssl-dev wrk libcsv-dev
  liblapacke-dev libopenblas-dev
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "reco: installing missing packages: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
