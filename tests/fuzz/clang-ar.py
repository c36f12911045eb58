#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Compile sources with one compiler and one set of flags into a static
archive, one object at a time (meson has one C compiler per machine, so the
libFuzzer builds of tests/fuzz use this for clang).

Usage: clang-ar.py OUT.a CC [FLAG...] -- SRC...
"""
import os
import subprocess
import sys


def main(argv):
    if len(argv) < 4 or '--' not in argv:
        sys.exit('usage: clang-ar.py OUT.a CC [FLAG...] -- SRC...')
    out, cc = argv[1], argv[2]
    sep = argv.index('--')
    flags, srcs = argv[3:sep], argv[sep + 1:]
    objdir = out + '.p'
    os.makedirs(objdir, exist_ok=True)
    objs = []
    for i, src in enumerate(srcs):
        obj = os.path.join(objdir, '%03d_%s.o' % (i, os.path.basename(src)))
        subprocess.run([cc] + flags + ['-c', src, '-o', obj], check=True)
        objs.append(obj)
    if os.path.exists(out):
        os.unlink(out)
    subprocess.run(['ar', 'rcs', out] + objs, check=True)


if __name__ == '__main__':
    main(sys.argv)
