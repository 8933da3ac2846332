#!/usr/bin/env bash
# Fetches MovieLens "ml-latest-small" (the 2016 edition: 100,004 ratings by 671 users of 9,066
# movies) and writes it as two CSV files reco-import reads as they are:
#
#   .cache/datasets/ml-latest-small/ratings.csv   user,item,value,timestamp   (epoch seconds)
#   .cache/datasets/ml-latest-small/movies.csv    id,title,year,categories     (genres '|'-separated)
#
# The data is GroupLens' and may not be redistributed, so it is never committed: it is obtained
# at run time from Debian's package r-cran-dslabs, which ships it as the R data frame
# `movielens` (`apt-get download`, unpacked with `dpkg-deb -x`, read with R's lazyLoad()). R
# (r-base-core) is installed when missing. Everything lands in .cache/ (git-ignored); a second
# run reuses what is there (--force fetches again).
#
#   scripts/datasets/movielens.sh                       # fetch and convert only
#   scripts/datasets/movielens.sh --import URL          # then import into tenant "movielens"
#   (RECO_IMPORT=path/to/reco-import, default build/tools/reco-import/reco-import; TENANT=movielens)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CACHE=$ROOT/.cache/datasets
OUT=$CACHE/ml-latest-small
PKG=r-cran-dslabs
TENANT=${TENANT:-movielens}
IMPORTER=${RECO_IMPORT:-$ROOT/build/tools/reco-import/reco-import}

log() { printf 'movielens: %s\n' "$*" >&2; }
usage() { sed -n '2,17s/^# \{0,1\}//p' "$0"; }

IMPORT_URL="" FORCE=0
while [ $# -gt 0 ]; do
  case $1 in
    --import) IMPORT_URL=${2:?--import needs a base URL}; shift 2 ;;
    --import=*) IMPORT_URL=${1#--import=}; shift ;;
    --force) FORCE=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) log "unknown argument '$1'"; usage >&2; exit 2 ;;
  esac
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
APT_UPDATED=0
apt_update_once() {
  if [ "$APT_UPDATED" = 0 ]; then $SUDO apt-get update -qq; APT_UPDATED=1; fi
}

ensure_r() {
  command -v Rscript >/dev/null 2>&1 && return 0
  log "installing r-base-core (needed once to read the R data file)"
  apt_update_once
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends r-base-core >&2
}

download_package() { # leaves exactly one $PKG_*.deb in $CACHE/deb
  mkdir -p "$CACHE/deb"
  if ls "$CACHE/deb/${PKG}"_*.deb >/dev/null 2>&1 && [ "$FORCE" = 0 ]; then return 0; fi
  rm -f "$CACHE/deb/${PKG}"_*.deb
  log "apt-get download $PKG"
  if ! (cd "$CACHE/deb" && apt-get download -qq "$PKG" 2>/dev/null); then
    apt_update_once
    (cd "$CACHE/deb" && apt-get download -qq "$PKG")
  fi
}

convert() {
  local debs=("$CACHE/deb/${PKG}"_*.deb) unpacked=$CACHE/dslabs
  local deb=${debs[0]}
  rm -rf "$unpacked" && mkdir -p "$unpacked"
  dpkg-deb -x "$deb" "$unpacked"
  local base=$unpacked/usr/lib/R/site-library/dslabs/data/Rdata
  [ -f "$base.rdb" ] || { log "$base.rdb not found in $deb"; exit 1; }
  mkdir -p "$OUT"
  log "converting the data frame 'movielens' (R lazyLoad)"
  Rscript --vanilla - "$base" "$OUT" <<'R'
args <- commandArgs(trailingOnly = TRUE)
options(scipen = 100)
e <- new.env()
invisible(lazyLoad(args[1], envir = e))
m <- get("movielens", envir = e)
ratings <- data.frame(user = m$userId, item = m$movieId, value = m$rating,
                      timestamp = as.numeric(m$timestamp))
ratings <- ratings[order(ratings$user, ratings$timestamp, ratings$item), ]
write.csv(ratings, file.path(args[2], "ratings.csv"), row.names = FALSE, quote = FALSE)
movies <- unique(data.frame(id = m$movieId, title = as.character(m$title), year = m$year,
                            categories = as.character(m$genres), stringsAsFactors = FALSE))
movies <- movies[!duplicated(movies$id), ]
movies <- movies[order(movies$id), ]
movies$categories[movies$categories == "(no genres listed)"] <- ""
write.csv(movies, file.path(args[2], "movies.csv"), row.names = FALSE, na = "", fileEncoding = "UTF-8")
cat(sprintf("ratings %d, users %d, movies %d\n", nrow(ratings), length(unique(ratings$user)), nrow(movies)))
R
}

if [ "$FORCE" = 1 ] || [ ! -s "$OUT/ratings.csv" ] || [ ! -s "$OUT/movies.csv" ]; then
  ensure_r
  download_package
  convert
fi

ratings=$(($(wc -l <"$OUT/ratings.csv") - 1))
users=$(tail -n +2 "$OUT/ratings.csv" | cut -d, -f1 | sort -u | wc -l)
movies=$(python3 -c 'import csv,sys; print(sum(1 for _ in csv.DictReader(open(sys.argv[1], encoding="utf-8"))))' "$OUT/movies.csv")
echo "ml-latest-small: $ratings ratings, $users users, $movies movies in $OUT"

if [ -n "$IMPORT_URL" ]; then
  [ -x "$IMPORTER" ] || { log "$IMPORTER is not built (meson compile -C build)"; exit 1; }
  log "importing into tenant '$TENANT' at $IMPORT_URL"
  set -x
  "$IMPORTER" --url "$IMPORT_URL" --tenant "$TENANT" --kind items --rejects "$OUT/movies.rejects.jsonl" \
    "$OUT/movies.csv"
  "$IMPORTER" --url "$IMPORT_URL" --tenant "$TENANT" --kind events --type rating --timestamp-unit s \
    --parallel 4 --rejects "$OUT/ratings.rejects.jsonl" "$OUT/ratings.csv"
fi
