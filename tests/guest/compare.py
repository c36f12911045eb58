#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The guest conformance suite's runner: boots the conformance guest
(tests/guest/conf.c on a FAT disk) on plain QEMU TCG and through the
paravisor in snpemu, each with 2 vCPUs, and requires the same case lines
from both.

A guest line is `CONF <case> ok|FAIL <hex words>`, the last `CONF-DONE <n>
failed <m>` (hex).  The run fails when either side did not finish, a case
failed its own check (FAIL) on either side, a case is missing on one side
or twice on one, the two sides' words differ, or there are fewer than
--min-cases cases.

  compare.py --runner tests/boot/run --disk conf.img    the two boots
  compare.py --plain-log A --paravisor-log B            compare two console logs
  compare.py --self-test                                the checker on canned logs
"""
import argparse
import os
import re
import subprocess
import sys

LINE = re.compile(r"^CONF (\S+) (ok|FAIL)((?: [0-9a-f]+)*)\s*$")
DONE = re.compile(r"^CONF-DONE ([0-9a-f]+) failed ([0-9a-f]+)\s*$")


def parse(text):
    """Console text -> (cases {name: (verdict, words)}, duplicates, done n or None, crash lines)."""
    cases, dups, done, crashes = {}, [], None, []
    for raw in text.splitlines():
        line = raw.replace("\r", "")
        # OVMF's and the terminal's escape sequences can precede a line.
        i = line.find("CONF")
        if i < 0:
            continue
        line = line[i:]
        if line.startswith("CONF-CRASH"):
            crashes.append(line)
            continue
        m = DONE.match(line)
        if m:
            done = int(m.group(1), 16)
            continue
        m = LINE.match(line)
        if not m:
            continue
        name = m.group(1)
        if name in cases:
            dups.append(name)
        cases[name] = (m.group(2), m.group(3).split())
    return cases, dups, done, crashes


def compare(plain_text, pv_text, min_cases):
    """The verdict: (ok, report lines)."""
    out, ok = [], True
    sides = {"plain": parse(plain_text), "paravisor": parse(pv_text)}
    for side, (cases, dups, done, crashes) in sides.items():
        for c in crashes:
            out.append("%s: guest crashed: %s" % (side, c))
            ok = False
        if done is None:
            out.append("%s: no CONF-DONE line: the guest did not finish" % side)
            ok = False
        elif done != len(cases) + len(dups):
            out.append("%s: CONF-DONE says %d cases, %d lines seen" % (side, done, len(cases)))
            ok = False
        for d in dups:
            out.append("%s: case %s printed twice" % (side, d))
            ok = False
        for name, (verdict, words) in sorted(cases.items()):
            if verdict != "ok":
                out.append("%s: case %s failed its own check: %s" % (side, name, " ".join(words)))
                ok = False
    plain, pv = sides["plain"][0], sides["paravisor"][0]
    same = 0
    for name in sorted(set(plain) | set(pv)):
        if name not in pv:
            out.append("case %s missing through the paravisor" % name)
            ok = False
        elif name not in plain:
            out.append("case %s missing on plain QEMU" % name)
            ok = False
        elif plain[name][1] != pv[name][1]:
            out.append("case %s differs: plain %s, paravisor %s"
                       % (name, " ".join(plain[name][1]), " ".join(pv[name][1])))
            ok = False
        elif plain[name][0] == "ok" and pv[name][0] == "ok":
            same += 1
    if len(plain) < min_cases:
        out.append("only %d cases (at least %d expected)" % (len(plain), min_cases))
        ok = False
    out.append("conformance: %d of %d cases pass and agree on both sides"
               % (same, len(set(plain) | set(pv))))
    return ok, out


def boot(runner, disk, logs, plain, timeout):
    cmd = [runner, "--disk", disk, "--smp", "2", "--logs", logs, "--quiet",
           "--expect", "CONF-END", "--timeout", str(timeout)]
    if plain:
        cmd.append("--plain")
    # The runner keeps each boot's console in <tree>/build/tests/boot/NAME-console.log.
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(runner))))
    path = os.path.join(root, "build", "tests", "boot", logs + "-console.log")
    if os.path.exists(path):
        os.unlink(path)
    print("compare.py: " + " ".join(cmd), flush=True)
    rc = subprocess.run(cmd).returncode
    text = ""
    if os.path.exists(path):
        with open(path, errors="replace") as f:
            text = f.read()
    if rc != 0:
        print("compare.py: %s boot ended with status %d" % (logs, rc))
    return text


def self_test():
    good = "".join("CONF c%d ok %x 1\r\n" % (i, i) for i in range(3)) + "CONF-DONE 3 failed 0\r\n"
    cases = [
        ("identical", good, good, True),
        ("a word differs", good, good.replace("c1 ok 1 1", "c1 ok 2 1"), False),
        ("a case missing", good, good.replace("CONF c2 ok 2 1\r\n", ""), False),
        ("a self-check failed", good.replace("c0 ok", "c0 FAIL"),
         good.replace("c0 ok", "c0 FAIL"), False),
        ("no CONF-DONE", good, good.replace("CONF-DONE 3 failed 0\r\n", ""), False),
        ("a crash", good, "CONF-CRASH vector d rip 1 error 0\r\n" + good, False),
        ("a case twice", good, good.replace("CONF-DONE 3", "CONF c0 ok 0 1\r\nCONF-DONE 4"), False),
        ("escape codes before a line", good, "\x1b[0m" + good, True),
    ]
    bad = 0
    for name, a, b, want in cases:
        got, _ = compare(a, b, 3)
        if got != want:
            print("self-test %s: got %s, want %s" % (name, got, want))
            bad += 1
    if compare(good, good, 4)[0]:
        print("self-test min-cases: fewer cases than the minimum passed")
        bad += 1
    print("self-test: %d of %d checks right" % (len(cases) + 1 - bad, len(cases) + 1))
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runner", help="tests/boot/run")
    ap.add_argument("--disk", help="the conformance guest's FAT disk")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per boot")
    ap.add_argument("--min-cases", type=int, default=40)
    ap.add_argument("--plain-log")
    ap.add_argument("--paravisor-log")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    if args.plain_log and args.paravisor_log:
        with open(args.plain_log, errors="replace") as f:
            plain = f.read()
        with open(args.paravisor_log, errors="replace") as f:
            pv = f.read()
    elif args.runner and args.disk:
        plain = boot(args.runner, args.disk, "conf-plain", True, args.timeout)
        pv = boot(args.runner, args.disk, "conf-paravisor", False, args.timeout)
    else:
        ap.error("--runner and --disk, or --plain-log and --paravisor-log, or --self-test")
    ok, lines = compare(plain, pv, args.min_cases)
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
