#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Usage: scripts/zydis-src.sh DIR
# Fetch and unpack Debian 12's `zydis` source package into DIR (once; a stamp
# file records the unpacked directory) and print that directory's absolute
# path on stdout.  Needs the deb-src entry and dpkg-dev from scripts/deps.sh.
set -euo pipefail

die() { echo "zydis-src.sh: error: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: $0 DIR"
mkdir -p "$1" || die "cannot create $1"
dir=$(cd "$1" && pwd)
stamp="$dir/.zydis-src.stamp"

if [ -f "$stamp" ]; then
    src=$(cat "$stamp")
    if [ -f "$dir/$src/src/Decoder.c" ]; then
        echo "$dir/$src"
        exit 0
    fi
    rm -f "$stamp"
fi

command -v apt-get >/dev/null 2>&1 || die "apt-get not found: a Debian 12 machine is required"
command -v dpkg-source >/dev/null 2>&1 || die "dpkg-source not found: run scripts/deps.sh (installs dpkg-dev)"

# Fresh attempt: drop leftovers of an interrupted one.
rm -rf "$dir"/zydis-* "$dir"/zydis_*
(cd "$dir" && apt-get -o APT::Sandbox::User=root source -q zydis >&2) \
    || die "'apt-get source zydis' failed: is deb-src enabled? (run scripts/deps.sh)"

src=""
for d in "$dir"/zydis-*/; do
    [ -f "$d/src/Decoder.c" ] && src=$(basename "$d")
done
[ -n "$src" ] || die "no unpacked zydis-*/src/Decoder.c under $dir"
echo "$src" > "$stamp"
echo "$dir/$src"
