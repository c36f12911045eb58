#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check the counters a boot left in its logs, print a summary.

When the guest powers off through ACPI (PM1a_CNT with SLP_EN) or resets the
platform (0xCF9), the paravisor and snpemu print their counters just before
the write that ends QEMU (protocol/acpi_pm.h):

  paravisor log   pv: guest enters ACPI sleep (SLP_TYP n): counters follow
                  pv: exits 0x7b (ioio): N          every exit code VMPL1 took
  snpemu log      snpemu: guest enters ACPI sleep (SLP_TYP n): counters follow
                  snpemu: stat exit 0x81: N         every #VMEXIT snpemu handled
                  snpemu: stat vmpl1 pvalidate=N rmpadjust=N vmgexit=N

Required: the power-off (or reset) line in both logs; VMPL1, the unmodified
guest, executed no PVALIDATE, RMPADJUST or VMGEXIT (all exactly 0); VMPL0,
the paravisor, executed each of them; snpemu counted exits by code; the
paravisor counted guest exits by code, IOIO and NPF among them; snpemu's
IOMMU refused no device DMA anywhere in its log (a refusal means the guest
drove a DMA device that the paravisor neither proxies nor hides).  The last
counter block in each log is the one checked.

    check_counts.py [--logs NAME]                           (run --logs NAME; default last)
    check_counts.py [--snpemu-log F] [--paravisor-log F]
    check_counts.py --self-test                             (canned logs, no boot)
"""
import argparse
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BOOT_BUILD = os.path.join(ROOT, "build", "tests", "boot")

# The lines each side prints before the counters (core/platform.c, tests/snpemu/io.c).
END_OF_BOOT = re.compile(r"guest (enters ACPI sleep|resets the platform)")
SNPEMU_EXIT = re.compile(r"^snpemu: stat exit (0x[0-9a-f]+|other): (\d+)$")
SNPEMU_VMPL = re.compile(r"^snpemu: stat vmpl(\d) pvalidate=(\d+) rmpadjust=(\d+) vmgexit=(\d+)$")
PV_EXIT = re.compile(r"^pv: exits (0x[0-9a-f]+) \(([\w-]+)\): (\d+)(?: \(vCPU [\d:, ]+\))?$")
SNP_INSNS = ("pvalidate", "rmpadjust", "vmgexit")
PV_REQUIRED = ((0x7B, "ioio"), (0x400, "npf"))      # protocol/svm.h SVM_EXIT_IOIO, _NPF
# snpemu's IOMMU refusing a device's DMA (tests/snpemu/iommu.c report_fault)
SNPEMU_DMA_REFUSED = re.compile(r"^snpemu: DMA refused: (.*)$")
SNPEMU_DOORBELL_UNREAD = re.compile(r"^snpemu: (vCPU \d+: VMPL0 runs VMPL\d with #HV doorbell .*)$")


def last_block(text, prefix):
    """(end-of-boot line, the lines after it) for the last such line of `prefix`."""
    lines = [line.strip() for line in text.splitlines()]
    marks = [i for i, line in enumerate(lines)
             if line.startswith(prefix) and END_OF_BOOT.search(line)]
    if not marks:
        return None, []
    return lines[marks[-1]], lines[marks[-1] + 1:]


def parse_snpemu(text):
    mark, lines = last_block(text, "snpemu: ")
    exits, vmpl = {}, {}
    refused = [m.group(1) for m in map(SNPEMU_DMA_REFUSED.match,
                                       (line.strip() for line in text.splitlines())) if m]
    unread = [m.group(1) for m in map(SNPEMU_DOORBELL_UNREAD.match,
                                      (line.strip() for line in text.splitlines())) if m]
    for line in lines:
        m = SNPEMU_EXIT.match(line)
        if m:
            exits[m.group(1)] = int(m.group(2))
        m = SNPEMU_VMPL.match(line)
        if m:
            vmpl[int(m.group(1))] = dict(zip(SNP_INSNS, map(int, m.group(2, 3, 4))))
    return {"mark": mark, "exits": exits, "vmpl": vmpl, "dma_refused": refused,
            "doorbell_unread": unread}


def parse_paravisor(text):
    mark, lines = last_block(text, "pv: ")
    exits = {}
    for line in lines:
        m = PV_EXIT.match(line)
        if m:
            exits[int(m.group(1), 16)] = (m.group(2), int(m.group(3)))
    return {"mark": mark, "exits": exits}


def code_key(code):
    return (1, 0) if code == "other" else (0, int(code, 16))


def summary(emu, pv):
    """Compact lines for the test log."""
    out = []
    if emu["exits"]:
        total = sum(emu["exits"].values())
        out.append("counts: snpemu exits (%d): %s" % (total, ", ".join(
            "%s=%d" % (c, emu["exits"][c]) for c in sorted(emu["exits"], key=code_key))))
    for n in sorted(emu["vmpl"]):
        out.append("counts: snpemu vmpl%d %s" % (n, " ".join(
            "%s=%d" % (k, emu["vmpl"][n][k]) for k in SNP_INSNS)))
    if pv["exits"]:
        total = sum(n for _, n in pv["exits"].values())
        out.append("counts: paravisor guest exits (%d): %s" % (total, ", ".join(
            "%#x %s=%d" % (c, pv["exits"][c][0], pv["exits"][c][1]) for c in sorted(pv["exits"]))))
    return out


def problems(emu, pv):
    """What the counters get wrong; empty when the boot passes."""
    bad = []
    hint = (" (did the guest power off through ACPI? the counters are printed at the "
            "PM1a_CNT SLP_EN or 0xCF9 reset write)")
    if emu["mark"] is None:
        bad.append("snpemu log: no 'guest enters ACPI sleep' / 'guest resets' line" + hint)
    elif not emu["exits"]:
        bad.append("snpemu log: no 'stat exit 0x..: N' lines after %r" % emu["mark"])
    if emu["mark"] is not None:
        v1 = emu["vmpl"].get(1)
        if v1 is None:
            bad.append("snpemu log: no 'stat vmpl1' line")
        else:
            for k in SNP_INSNS:
                if v1[k] != 0:
                    bad.append("VMPL1 (the unmodified guest) executed %s %d time(s): "
                               "must be 0" % (k.upper(), v1[k]))
        v0 = emu["vmpl"].get(0)
        if v0 is None:
            bad.append("snpemu log: no 'stat vmpl0' line")
        else:
            for k in SNP_INSNS:
                if v0[k] <= 0:
                    bad.append("VMPL0 (the paravisor) executed no %s: the counter is "
                               "broken or the paravisor did not run" % k.upper())
    if emu["dma_refused"]:
        bad.append("snpemu's IOMMU refused %d DMA(s) into private memory (first: %s): the guest "
                   "drove a device the paravisor neither proxies nor hides"
                   % (len(emu["dma_refused"]), emu["dma_refused"][0]))
    if emu["doorbell_unread"]:
        bad.append("the paravisor ran its guest with an #HV unread (first: %s): an interrupt "
                   "can be lost" % emu["doorbell_unread"][0])
    if pv["mark"] is None:
        bad.append("paravisor log: no 'guest enters ACPI sleep' / 'guest resets' line" + hint)
    elif not pv["exits"]:
        bad.append("paravisor log: no 'exits 0x..' lines after %r" % pv["mark"])
    else:
        for code, name in PV_REQUIRED:
            if pv["exits"].get(code, ("", 0))[1] <= 0:
                bad.append("paravisor log: no %s exits (%#x) counted" % (name, code))
    return bad


def check(emu_text, pv_text, out=sys.stdout):
    emu, pv = parse_snpemu(emu_text), parse_paravisor(pv_text)
    for line in summary(emu, pv):
        print(line, file=out)
    bad = problems(emu, pv)
    for b in bad:
        print("FAIL: " + b, file=out)
    if not bad:
        print("ok: VMPL1 executed no PVALIDATE, RMPADJUST or VMGEXIT; exit counts in both logs",
              file=out)
    return not bad


# ---- self-test: canned logs, no boot -------------------------------------

GOOD_SNPEMU = """\
snpemu: starting; image at 0x3c000000, 64 MiB reserved
snpemu: guest ACPI PM base 0x600
snpemu: guest enters ACPI sleep (SLP_TYP 0): counters follow
snpemu: stat exit 0x46: 1200
snpemu: stat exit 0x81: 90000
snpemu: stat exit 0x400: 30
snpemu: stat vmpl0 pvalidate=262144 rmpadjust=262144 vmgexit=90000
snpemu: stat vmpl1 pvalidate=0 rmpadjust=0 vmgexit=0
snpemu: stat vmpl2 pvalidate=0 rmpadjust=0 vmgexit=0
snpemu: stat vmpl3 pvalidate=0 rmpadjust=0 vmgexit=0
"""
GOOD_PARAVISOR = """\
pv: guest ACPI PM base 0x600
pv: guest enters ACPI sleep (SLP_TYP 0): counters follow
pv: exits 0x72 (cpuid): 900
pv: exits 0x7b (ioio): 40000
pv: exits 0x400 (npf): 5000
"""


def self_test():
    """The checker on good logs passes, and on each broken variant fails."""
    import io
    cases = [
        ("good logs", GOOD_SNPEMU, GOOD_PARAVISOR, True),
        ("VMPL1 PVALIDATE", GOOD_SNPEMU.replace("vmpl1 pvalidate=0", "vmpl1 pvalidate=1"),
         GOOD_PARAVISOR, False),
        ("VMPL1 RMPADJUST", GOOD_SNPEMU.replace("vmpl1 pvalidate=0 rmpadjust=0",
                                                "vmpl1 pvalidate=0 rmpadjust=3"),
         GOOD_PARAVISOR, False),
        ("VMPL1 VMGEXIT", GOOD_SNPEMU.replace("rmpadjust=0 vmgexit=0\nsnpemu: stat vmpl2",
                                              "rmpadjust=0 vmgexit=7\nsnpemu: stat vmpl2"),
         GOOD_PARAVISOR, False),
        ("VMPL0 no PVALIDATE", GOOD_SNPEMU.replace("vmpl0 pvalidate=262144", "vmpl0 pvalidate=0"),
         GOOD_PARAVISOR, False),
        ("no vmpl1 line", re.sub(r"snpemu: stat vmpl1 .*\n", "", GOOD_SNPEMU),
         GOOD_PARAVISOR, False),
        ("no snpemu exits", re.sub(r"snpemu: stat exit .*\n", "", GOOD_SNPEMU),
         GOOD_PARAVISOR, False),
        ("no power-off in snpemu log", GOOD_SNPEMU.replace("enters ACPI sleep", "slept"),
         GOOD_PARAVISOR, False),
        ("no power-off in paravisor log", GOOD_SNPEMU,
         GOOD_PARAVISOR.replace("enters ACPI sleep", "slept"), False),
        ("DMA refused by the IOMMU", GOOD_SNPEMU.replace(
            "snpemu: guest ACPI PM base 0x600\n", "snpemu: guest ACPI PM base 0x600\n"
            "snpemu: DMA refused: device 00:1f.2 wrote GPA 0x380e6000 (private page)\n"),
         GOOD_PARAVISOR, False),
        ("#HV doorbell unread at RUN_VMPL", GOOD_SNPEMU.replace(
            "snpemu: guest ACPI PM base 0x600\n", "snpemu: guest ACPI PM base 0x600\n"
            "snpemu: vCPU 1: VMPL0 runs VMPL1 with #HV doorbell vector 0xec unread\n"),
         GOOD_PARAVISOR, False),
        ("no paravisor exits", GOOD_SNPEMU, re.sub(r"pv: exits .*\n", "", GOOD_PARAVISOR), False),
        ("no npf exits", GOOD_SNPEMU, GOOD_PARAVISOR.replace("pv: exits 0x400 (npf): 5000\n", ""),
         False),
        ("counters before the power-off do not count",
         GOOD_SNPEMU.replace("snpemu: guest enters ACPI sleep (SLP_TYP 0): counters follow\n", "")
         + "snpemu: guest enters ACPI sleep (SLP_TYP 0): counters follow\n",
         GOOD_PARAVISOR, False),
        ("reset instead of power-off", GOOD_SNPEMU.replace(
            "enters ACPI sleep (SLP_TYP 0)", "resets the platform (0x6 to port 0xcf9)"),
         GOOD_PARAVISOR.replace("enters ACPI sleep (SLP_TYP 0)",
                                "resets the platform (0x6 to port 0xcf9)"), True),
    ]
    failed = 0
    for name, emu, pv, want in cases:
        buf = io.StringIO()
        got = check(emu, pv, buf)
        ok = got == want
        failed += not ok
        print("%s: %s (%s)" % ("ok" if ok else "FAIL", name, "passes" if got else "fails"))
        if not ok:
            sys.stdout.write(buf.getvalue())
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--logs", metavar="NAME", default="last",
                    help="the logs of `run --logs NAME` (default last)")
    ap.add_argument("--snpemu-log", metavar="F")
    ap.add_argument("--paravisor-log", metavar="F")
    ap.add_argument("--self-test", action="store_true",
                    help="check the checker on canned logs (no boot)")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    args.snpemu_log = args.snpemu_log or os.path.join(BOOT_BUILD, args.logs + "-snpemu.log")
    args.paravisor_log = args.paravisor_log or os.path.join(BOOT_BUILD,
                                                            args.logs + "-paravisor.log")
    texts = []
    for f in (args.snpemu_log, args.paravisor_log):
        try:
            with open(f, encoding="utf-8", errors="replace") as fh:
                texts.append(fh.read())
        except OSError as e:
            print("FAIL: cannot read %s: %s" % (f, e.strerror))
            return 1
    return 0 if check(*texts) else 1


if __name__ == "__main__":
    sys.exit(main())
