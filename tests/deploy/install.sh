#!/usr/bin/env bash
# Installs the Kubernetes manifest validator of tests/deploy/ (package.json, pinned by
# package-lock.json) with `npm ci`, unless node_modules/ already holds exactly that lock. Needs node and npm
# (scripts/install-deps.sh installs Debian's when they are missing). Called by
# scripts/install-deps.sh and by tests/integration/test_deploy.py; safe to run concurrently.
set -euo pipefail
cd "$(dirname "$0")"
want=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.reco-lock-sha256
exec 9>.install.lock
flock 9
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "reco: installing the Kubernetes manifest validator (npm ci in tests/deploy)" >&2
npm ci --no-audit --no-fund --loglevel=error >&2
echo "$want" >"$stamp"
