#!/bin/sh
# Runs test_reco_supermarket (bought-with against brute force) on supermarket.arff, the 4,627
# shopping baskets Debian's weka package ships as an example. weka itself is not needed (it
# would pull in a Java runtime): the package is only downloaded (apt-get download, no install)
# and the one file is extracted into the build directory, once. Without the file and without a
# way to download it, the test is skipped (exit 77).
# Usage: test_supermarket.sh <test program> <build dir>
set -u
program=$1
dir=$2
arff=$dir/supermarket.arff
member=./usr/share/doc/weka/examples/supermarket.arff

if [ ! -s "$arff" ]; then
    if [ -s /usr/share/doc/weka/examples/supermarket.arff ]; then
        cp /usr/share/doc/weka/examples/supermarket.arff "$arff.tmp" && mv "$arff.tmp" "$arff"
    else
        tmp=$(mktemp -d "$dir/weka-download.XXXXXX") || exit 1
        if (cd "$tmp" && apt-get download weka >/dev/null 2>&1); then
            dpkg-deb --fsys-tarfile "$tmp"/weka_*.deb | tar -xO "$member" >"$arff.tmp" 2>/dev/null
            [ -s "$arff.tmp" ] && mv "$arff.tmp" "$arff"
        fi
        rm -rf "$tmp" "$arff.tmp"
    fi
fi
if [ ! -s "$arff" ]; then
    echo "SKIP: supermarket.arff unavailable (apt-get download weka failed; apt-get update?)"
    exit 77
fi
exec "$program" "$arff"
