#!/bin/sh
# SPDX-License-Identifier: MIT
# Every C file of the tree in the one style of .clang-format (clang-format 14,
# Debian's clang-format package, which scripts/deps.sh installs).  Prints the
# files that differ and exits 1 if there is one; `clang-format -i FILE` fixes
# a file.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
command -v clang-format >/dev/null || { echo "format-check: clang-format is missing (scripts/deps.sh)" >&2; exit 2; }
files=$(find core run vc platform devices decoder protocol lib images tests -name '*.[ch]' | sort)
n=$(echo "$files" | wc -l)
# one run over all files: each violation is reported as "FILE:LINE:COL: error: ..."
bad=$(clang-format --dry-run -Werror $files 2>&1 | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: .*/\1/p' | sort -u)
for f in $bad; do
    echo "format-check: $f differs from .clang-format (clang-format -i $f)"
done
echo "format-check: $n files, $(echo "$bad" | grep -c .) not formatted"
[ -z "$bad" ]
