#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turn the '->SYM value' markers of a compiled asm_offsets.s into nasm %defines."""
import re
import sys

src, dst = sys.argv[1], sys.argv[2]
out = ["; generated from asm_offsets.c; do not edit"]
for line in open(src):
    m = re.search(r"->(\w+)\s+\$?(-?\d+)", line)
    if m:
        out.append("%%define %s %s" % (m.group(1), m.group(2)))
if len(out) == 1:
    sys.exit("gen_offsets: no offsets found in " + src)
open(dst, "w").write("\n".join(out) + "\n")
