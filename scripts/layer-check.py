#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The paravisor's layers call only downward (README "Layout").

  scripts/layer-check.py BUILD_DIR

Two checks, both over the sources the paravisor ELF is built from (from
BUILD_DIR/compile_commands.json):
  includes  every #include "..." and %include of a paravisor file names a
            file of its own layer or of a lower one;
  calls     every symbol an object file uses (nm: U) is defined in its own
            layer or in a lower one (an upward call hidden behind a header of
            a lower layer is caught here).
It prints the folder graph (who uses whom, with counts) and each violation,
and exits 1 if there is one.  A cycle between folders needs an upward edge,
so none passing means no cycle.
"""
import json
import os
import re
import subprocess
import sys

# Highest first.  A layer may use itself and everything after it; devices/
# and decoder/ are two engines side by side (neither uses the other).
LAYERS = ["run", "vc", "platform", "core", "devices", "decoder", "lib", "protocol"]
PEERS = {("devices", "decoder"), ("decoder", "devices")}
RANK = {name: i for i, name in enumerate(LAYERS)}
INCLUDE = re.compile(r'^\s*(?:#\s*include\s+"([^"]+)"|%include\s+"([^"]+)")', re.M)


def layer_of(root, path):
    rel = os.path.relpath(os.path.realpath(path), root)
    parts = rel.split(os.sep)
    return parts[0] if parts[0] in RANK else None


def allowed(user, used):
    return user == used or ((user, used) not in PEERS and RANK[used] > RANK[user])


def sources(build):
    with open(os.path.join(build, "compile_commands.json")) as f:
        cmds = json.load(f)
    out = []
    for c in cmds:
        if not re.search(r"paravisor\.elf\.p/|lib(decoder|devices|c)_fs\.a\.p/", c["output"]):
            continue
        src = os.path.normpath(os.path.join(c["directory"], c["file"]))
        out.append((src, os.path.normpath(os.path.join(c["directory"], c["output"]))))
    return out


def resolve(root, src, name):
    """The file an include names: beside the includer, from the root
    (folder-qualified), or in protocol/ or lib/."""
    for base in (os.path.dirname(src), root, os.path.join(root, "protocol"),
                 os.path.join(root, "lib")):
        p = os.path.join(base, name)
        if os.path.isfile(p):
            return p
    return None


def check_includes(root, files, edges, bad):
    seen = set()
    todo = list(files)
    while todo:
        src = todo.pop()
        if src in seen:
            continue
        seen.add(src)
        user = layer_of(root, src)
        if user is None:
            continue
        with open(src, errors="replace") as f:
            text = f.read()
        for m in INCLUDE.finditer(text):
            name = m.group(1) or m.group(2)
            dep = resolve(root, src, name)
            if dep is None:
                continue            # generated (pv_defines.h) or a system header
            used = layer_of(root, dep)
            if used is None:
                continue
            todo.append(dep)
            if used != user:
                edges[(user, used)] = edges.get((user, used), 0) + 1
            if not allowed(user, used):
                bad.append("include: %s includes %s (%s above %s)"
                           % (os.path.relpath(src, root), name, used, user))


def nm(obj):
    out = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        f = line.split()
        if len(f) == 2 and f[0] == "U":
            undefined.add(f[1])
        elif len(f) == 3 and f[1].isupper() and f[1] not in "UW":
            defined.add(f[2])
    return defined, undefined


def check_calls(root, objs, edges, bad):
    owner = {}
    uses = []
    for src, obj in objs:
        user = layer_of(root, src)
        if user is None or not os.path.isfile(obj):
            continue
        defined, undefined = nm(obj)
        for s in defined:
            owner[s] = (user, os.path.relpath(src, root))
        uses.append((user, os.path.relpath(src, root), undefined))
    for user, src, undefined in uses:
        for s in sorted(undefined):
            if s not in owner:
                continue
            used, where = owner[s]
            if used != user:
                edges[(user, used)] = edges.get((user, used), 0) + 1
            if not allowed(user, used):
                bad.append("call: %s uses %s of %s (%s above %s)" % (src, s, where, used, user))


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    objs = sources(argv[1])
    if not objs:
        print("layer-check: no paravisor objects in %s/compile_commands.json" % argv[1],
              file=sys.stderr)
        return 2
    edges, bad = {}, []
    check_includes(root, [s for s, _ in objs], edges, bad)
    check_calls(root, objs, edges, bad)
    print("layer-check: %d sources; layers (highest first): %s" % (len(objs), " > ".join(LAYERS)))
    for (a, b), n in sorted(edges.items(), key=lambda e: (RANK[e[0][0]], RANK[e[0][1]])):
        print("  %-8s -> %-8s %4d%s" % (a, b, n, "" if allowed(a, b) else "   UPWARD"))
    for line in bad:
        print("layer-check: " + line)
    print("layer-check: %d upward use(s)" % len(bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
