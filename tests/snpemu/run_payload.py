#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Boot one snpemu payload under QEMU TCG and check how it ended.

    run_payload.py --qemu Q --bios SNPEMU_ROM --igvm P.igvm
                   [--config 'intercept=rdtsc'] [--mem 512M] [--smp N]
                   [--timeout 60] [--expect-term SET:CODE]
                   [--expect-status N] [--expect-log REGEX]...
                   [--expect-console REGEX]... [--device NAME]...
                   [--name NAME]

Default expectation: QEMU exit status 33 (snpemu: guest asked to
terminate), the snpemu log line "guest termination request: set=3
code=0x0" and the console line "RESULT <name> PASS".  --expect-term
changes the set/code (and drops the RESULT line unless it is 3:0);
--expect-status changes the status and, when it is not 33, drops the
termination line.

With --mkigvm MKIGVM --elf P.elf instead of --igvm, the test packs the ELF
twice, checks that both IGVM files and both printed digests are identical,
boots the image and checks snpemu's "launch digest <hex>" log line against
mkigvm's digest.

QEMU always gets `-device intel-iommu` (q35's VT-d unit: snpemu refuses to
run without it, it enforces the DMA rule with it); --device adds devices
after it, e.g. --device edu.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

EXIT_TERMINATED = 33    # SNPEMU_EXIT_STATUS(SNPEMU_EXIT_GUEST_TERMINATED)
PAYLOAD_TERM_SET = 3
PAYLOAD_TERM_PASS = 0
TAIL_LINES = 40


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--qemu", required=True)
    p.add_argument("--bios", required=True, help="snpemu ROM")
    p.add_argument("--igvm", help="payload IGVM file")
    p.add_argument("--name", help="payload name (default: IGVM file stem)")
    p.add_argument("--config", help="opt/snpemu/config string")
    p.add_argument("--mem", default="512M")
    p.add_argument("--smp", type=int, default=1)
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--expect-term", metavar="SET:CODE")
    p.add_argument("--expect-status", type=int)
    p.add_argument("--expect-log", action="append", default=[],
                   metavar="REGEX")
    p.add_argument("--expect-console", action="append", default=[],
                   metavar="REGEX")
    p.add_argument("--mkigvm", help="digest check: the mkigvm tool")
    p.add_argument("--elf", help="digest check: the payload ELF")
    p.add_argument("--keep", help="copy console/log files to this directory")
    p.add_argument("--device", action="append", default=[], metavar="NAME",
                   help="extra QEMU -device (repeatable)")
    args = p.parse_args(argv)
    if args.mkigvm or args.elf:
        if not (args.mkigvm and args.elf) or args.igvm:
            p.error("--mkigvm and --elf go together, without --igvm")
    elif not args.igvm:
        p.error("--igvm (or --mkigvm with --elf) is required")
    return args


def parse_term(text):
    set_s, _, code_s = text.partition(":")
    return int(set_s, 0), int(code_s, 0)


def build_expectations(args, name):
    """List of (description, kind, value): kind is status/log/console."""
    exp = []
    term = (PAYLOAD_TERM_SET, PAYLOAD_TERM_PASS)
    if args.expect_term:
        term = parse_term(args.expect_term)
    status = args.expect_status if args.expect_status is not None \
        else EXIT_TERMINATED
    exp.append(("QEMU exit status %d" % status, "status", status))
    if status == EXIT_TERMINATED:
        line = r"snpemu: guest termination request: set=%d code=0x%x\b" % term
        exp.append(("log /%s/" % line, "log", line))
    if term == (PAYLOAD_TERM_SET, PAYLOAD_TERM_PASS) and status == EXIT_TERMINATED:
        line = r"^RESULT %s PASS\r?$" % re.escape(name)
        exp.append(("console /%s/" % line, "console", line))
    for rx in args.expect_log:
        exp.append(("log /%s/" % rx, "log", rx))
    for rx in args.expect_console:
        exp.append(("console /%s/" % rx, "console", rx))
    return exp


def qemu_command(args, igvm, console, log):
    cmd = [args.qemu,
           "-machine", "q35", "-accel", "tcg,thread=single", "-cpu", "EPYC,+svm,+npt",
           "-m", args.mem, "-smp", str(args.smp),
           "-bios", args.bios,
           "-nographic", "-no-reboot", "-display", "none",
           "-serial", "file:" + console,
           "-chardev", "file,id=dbg,path=" + log,
           "-device", "isa-debugcon,iobase=0x402,chardev=dbg",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
           # q35's VT-d unit: snpemu enforces the DMA rule with it
           "-device", "intel-iommu",
           "-fw_cfg", "name=opt/snpemu/igvm,file=" + igvm]
    for dev in args.device:
        cmd += ["-device", dev]
    if args.config is not None:
        # fw_cfg's option parser splits on commas; a doubled comma is a
        # literal one.
        cmd += ["-fw_cfg",
                "name=opt/snpemu/config,string=" + args.config.replace(",", ",,")]
    cmd += ["-monitor", "none"]
    return cmd


def read_text(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def tail(text, n=TAIL_LINES):
    lines = text.splitlines()
    return "\n".join(lines[-n:])


def run_qemu(args, igvm, workdir):
    """Boot; returns (status or None on timeout, console text, log text)."""
    console = os.path.join(workdir, "console.txt")
    log = os.path.join(workdir, "snpemu.log")
    cmd = qemu_command(args, igvm, console, log)
    print("run: " + " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        out, _ = proc.communicate(timeout=args.timeout)
        status = proc.returncode
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        status = None
    qemu_out = out.decode("utf-8", "replace").strip()
    if qemu_out:
        print("qemu output:\n" + tail(qemu_out))
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        for path in (console, log):
            if os.path.exists(path):
                shutil.copy(path, args.keep)
    return status, read_text(console), read_text(log)


def check(expectations, status, console, log):
    """Returns the list of failure reasons; prints each check."""
    failures = []
    for desc, kind, value in expectations:
        if kind == "status":
            ok = status == value
            got = "timeout" if status is None else str(status)
        else:
            text = log if kind == "log" else console
            ok = re.search(value, text, re.MULTILINE) is not None
            got = "found" if ok else "not found"
        print("check %-60s %s (%s)" % (desc, "ok" if ok else "FAILED", got))
        if not ok:
            failures.append("%s: %s" % (desc, got))
    return failures


def report(failures, console, log):
    if not failures:
        print("PASS")
        return 0
    print("---- snpemu log (tail) ----")
    print(tail(log) or "(empty)")
    print("---- console (tail) ----")
    print(tail(console) or "(empty)")
    print("---- reasons ----")
    for f in failures:
        print("FAIL: " + f)
    return 1


def mkigvm_pack(mkigvm, elf, out):
    res = subprocess.run([mkigvm, "payload", "--elf", elf, "--out", out],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         check=False)
    text = res.stdout.decode("utf-8", "replace")
    if res.returncode != 0:
        raise RuntimeError("mkigvm failed (%d):\n%s" % (res.returncode, text))
    m = re.search(r"launch digest: ([0-9a-fA-F]+)", text)
    if not m:
        raise RuntimeError("mkigvm printed no 'launch digest: <hex>':\n" + text)
    return m.group(1).lower()


def digest_check(args, workdir):
    """Pack twice, compare, boot, compare with snpemu's digest."""
    failures = []
    igvm = [os.path.join(workdir, "a.igvm"), os.path.join(workdir, "b.igvm")]
    try:
        digests = [mkigvm_pack(args.mkigvm, args.elf, p) for p in igvm]
    except RuntimeError as e:
        print("FAIL: %s" % e)
        return [str(e)], None
    print("mkigvm digests: %s, %s" % tuple(digests))
    with open(igvm[0], "rb") as fa, open(igvm[1], "rb") as fb:
        same_file = fa.read() == fb.read()
    print("check %-60s %s" % ("two packs give identical IGVM files",
                              "ok" if same_file else "FAILED"))
    if not same_file:
        failures.append("two mkigvm runs wrote different files")
    ok = digests[0] == digests[1]
    print("check %-60s %s" % ("two packs print the same digest",
                              "ok" if ok else "FAILED"))
    if not ok:
        failures.append("two mkigvm runs printed different digests")
    return failures, (igvm[0], digests[0])


def main(argv):
    args = parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="snpemu-payload-")
    try:
        failures = []
        digest = None
        igvm = args.igvm
        if args.mkigvm:
            failures, packed = digest_check(args, workdir)
            if packed is None:
                return 1
            igvm, digest = packed
        name = args.name or os.path.splitext(os.path.basename(
            args.elf if args.mkigvm else igvm))[0]
        expectations = build_expectations(args, name)
        if digest is not None:
            rx = r"snpemu: launch digest %s\b" % digest
            expectations.append(("log /%s/ (case-insensitive hex)" % rx,
                                 "log", "(?i)" + rx))
        status, console, log = run_qemu(args, igvm, workdir)
        if status is None:
            failures.append("timeout after %gs: QEMU killed" % args.timeout)
        failures += check(expectations, status, console, log)
        return report(failures, console, log)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
