#!/usr/bin/env bash
# Builds the dashboard page (GET /dashboard/, docs/dashboard.md) into OUT_DIR: the page's own
# files from SOURCE_DIR, and the uPlot charting library from the npm registry, installed with
# `npm ci` from the committed package-lock.json into NPM_DIR (once per lock: a stamp file holds the
# lock's hash) and copied next to the page, so the page loads nothing from the internet.
# Run by meson (gateway/dashboard/meson.build); needs node and npm (scripts/install-deps.sh).
# Each file is copied to a temporary name and renamed, so a running gateway never serves half a
# file. Usage: build.sh OUT_DIR NPM_DIR SOURCE_DIR
set -euo pipefail
out=$1
npm_dir=$2
src=$3
mkdir -p "$out" "$npm_dir"
want=$(sha256sum "$src/package-lock.json" | cut -d' ' -f1)
stamp=$npm_dir/node_modules/.reco-lock-sha256
exec 9>"$npm_dir/.install.lock"
flock 9
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "reco: installing the dashboard's charting library (npm ci in $npm_dir)" >&2
  cp "$src/package.json" "$src/package-lock.json" "$npm_dir/"
  (cd "$npm_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2) || {
    echo "reco: npm ci failed: the dashboard needs the npm registry at build time (or a filled npm cache)" >&2
    exit 1
  }
  echo "$want" >"$stamp"
fi

copy() { # copy FROM NAME
  install -m 0644 "$1" "$out/.$2.tmp"
  mv -f "$out/.$2.tmp" "$out/$2"
}
for f in index.html dashboard.js dashboard.css; do
  copy "$src/$f" "$f"
done
copy "$npm_dir/node_modules/uplot/dist/uPlot.iife.min.js" uPlot.iife.min.js
copy "$npm_dir/node_modules/uplot/dist/uPlot.min.css" uPlot.min.css
copy "$npm_dir/node_modules/uplot/LICENSE" uPlot.LICENSE.txt
