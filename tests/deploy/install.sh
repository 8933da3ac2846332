#!/usr/bin/env bash
# Installs the Kubernetes manifest validator of tests/deploy/ (package.json, pinned by package-lock.json) with scripts/npm-ci.sh.
# Called by scripts/install-deps.sh and by tests/integration/test_deploy.py.
exec bash "$(dirname "$0")/../../scripts/npm-ci.sh" "$(cd "$(dirname "$0")" && pwd)" "the Kubernetes manifest validator"
