#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check the demo initramfs and the boot runner without booting anything:
the gzip'd newc cpio holds a regular executable /init (a shell script),
an executable static bin/busybox, bin/sh, dev/console, the virtio modules
listed in lib/modules/order (each an ELF kernel module); `run --help` works.

    check_artifacts.py INITRAMFS RUNNER
"""
import gzip
import stat
import subprocess
import sys


def read_newc(data):
    """{name: (mode, rdevmajor, rdevminor, data)} of a newc ("070701") archive."""
    entries = {}
    off = 0
    while True:
        if data[off:off + 6] != b"070701":
            raise ValueError("bad newc magic at offset %d" % off)
        f = [int(data[off + 6 + 8 * i:off + 14 + 8 * i], 16) for i in range(13)]
        mode, filesize, rmaj, rmin, namesize = f[1], f[6], f[9], f[10], f[11]
        name_off = off + 110
        name = data[name_off:name_off + namesize - 1].decode()
        data_off = (name_off + namesize + 3) & ~3
        body = data[data_off:data_off + filesize]
        if len(body) != filesize:
            raise ValueError("%s: truncated" % name)
        off = (data_off + filesize + 3) & ~3
        if name == "TRAILER!!!":
            return entries
        entries[name.lstrip("./")] = (mode, rmaj, rmin, body)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    initramfs, runner = sys.argv[1:]
    fails = []

    def check(ok, what):
        print("%s: %s" % ("ok" if ok else "FAIL", what))
        if not ok:
            fails.append(what)

    with open(initramfs, "rb") as f:
        raw = f.read()
    check(raw[:2] == b"\x1f\x8b", "initramfs is gzip")
    ents = read_newc(gzip.decompress(raw))
    print("initramfs: %d entries" % len(ents))

    init = ents.get("init")
    check(init is not None and stat.S_ISREG(init[0]), "/init is a regular file")
    check(init is not None and init[0] & 0o111 == 0o111, "/init is executable")
    check(init is not None and init[3].startswith(b"#!/bin/sh\n"), "/init starts with #!/bin/sh")
    check(init is not None and b"SNP-PARAVISOR-DEMO: userspace up" in init[3],
          "/init prints the marker line")
    bb = ents.get("bin/busybox")
    check(bb is not None and stat.S_ISREG(bb[0]) and bb[0] & 0o111 == 0o111,
          "bin/busybox is an executable regular file")
    check(bb is not None and bb[3][:4] == b"\x7fELF" and b"BusyBox" in bb[3],
          "bin/busybox is a BusyBox ELF")
    sh = ents.get("bin/sh")
    check(sh is not None and stat.S_ISLNK(sh[0]) and sh[3] == b"/bin/busybox",
          "bin/sh -> /bin/busybox")
    con = ents.get("dev/console")
    check(con is not None and stat.S_ISCHR(con[0]) and con[1:3] == (5, 1),
          "dev/console is char device 5:1")
    order = ents.get("lib/modules/order")
    check(order is not None and order[3].split(), "lib/modules/order lists modules")
    names = order[3].decode().split() if order else []
    for m in ("virtio_pci", "virtio_blk", "virtio_scsi", "sr_mod"):
        check(m in names, "%s in lib/modules/order" % m)
    for m in names:
        ko = ents.get("lib/modules/%s.ko" % m)
        check(ko is not None and ko[3][:4] == b"\x7fELF" and b".modinfo" in ko[3],
              "lib/modules/%s.ko is a kernel module" % m)
    for d in ("proc", "sys", "dev"):
        check(d in ents and stat.S_ISDIR(ents[d][0]), "/%s is a directory" % d)

    p = subprocess.run([sys.executable, runner, "--help"], capture_output=True, text=True,
                       timeout=30)
    check(p.returncode == 0 and "--plain" in p.stdout and "--expect" in p.stdout,
          "run --help works")
    if fails:
        print("%d check(s) failed" % len(fails))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
