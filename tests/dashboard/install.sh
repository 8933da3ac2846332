#!/usr/bin/env bash
# Installs the dashboard driver (playwright-core) of tests/dashboard/ (package.json, pinned by
# package-lock.json) with scripts/npm-ci.sh.
# Called by scripts/install-deps.sh and by tests/integration/test_dashboard.py.
exec bash "$(dirname "$0")/../../scripts/npm-ci.sh" "$(cd "$(dirname "$0")" && pwd)" "the dashboard driver (playwright-core)"
