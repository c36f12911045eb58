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
bad=0
n=0
for f in $(find core run vc platform devices decoder protocol images tests \
               -name '*.[ch]' -not -path '*/build/*' | sort); do
    n=$((n + 1))
    if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
        echo "format-check: $f differs from .clang-format (clang-format -i $f)"
        bad=$((bad + 1))
    fi
done
echo "format-check: $n files, $bad not formatted"
[ "$bad" -eq 0 ]
