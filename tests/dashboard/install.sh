#!/usr/bin/env bash
# Installs the dashboard driver of tests/dashboard/ (playwright-core) (package.json, pinned by package-lock.json)
# with `npm ci`, unless node_modules/ already holds exactly that lock. Needs node and npm
# (scripts/install-deps.sh installs Debian's when they are missing). Called by
# scripts/install-deps.sh and by tests/integration/test_dashboard.py; safe to run concurrently.
set -euo pipefail
cd "$(dirname "$0")"
want=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.reco-lock-sha256
exec 9>.install.lock
flock 9
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "reco: installing the dashboard driver (npm ci in tests/dashboard)" >&2
npm ci --no-audit --no-fund --loglevel=error >&2
echo "$want" >"$stamp"
