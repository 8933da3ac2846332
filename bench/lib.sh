# Shared by the bench scripts (sourced after they cd to the repository root and set BUILD):
# their log lines, and the release build they measure.
log() { printf 'bench: %s\n' "$*" >&2; }
show() { printf '+ %s\n' "$*" >&2; }

# Installs what is missing and builds $BUILD (release, no tests), unless RECO_BENCH_BUILD names an
# existing build dir to use as it is.
bench_build() {
  [ -n "${RECO_BENCH_BUILD:-}" ] && return 0
  bash scripts/install-deps.sh
  if [ ! -f "$BUILD/meson-private/coredata.dat" ]; then
    show meson setup "$BUILD" --buildtype=release -Dtests=false
    meson setup "$BUILD" --buildtype=release -Dtests=false >/dev/null
  fi
  show meson compile -C "$BUILD"
  meson compile -C "$BUILD" >/dev/null || { meson compile -C "$BUILD"; exit 1; }
}
