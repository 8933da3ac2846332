#!/usr/bin/env bash
# Installs the npm packages a folder's committed package-lock.json pins (`npm ci`), unless its
# node_modules/ already holds exactly that lock (a stamp file keeps the lock's SHA-256). Safe to
# run concurrently (flock). Needs node and npm (scripts/install-deps.sh installs them).
# Usage: npm-ci.sh DIR "what it installs (for the log line)"
# Used by tests/openapi, tests/dashboard and tests/deploy's install.sh.
set -euo pipefail
cd "$1"
want=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.reco-lock-sha256
exec 9>.install.lock
flock 9
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "reco: installing $2 (npm ci in $1)" >&2
npm ci --no-audit --no-fund --loglevel=error >&2
echo "$want" >"$stamp"
