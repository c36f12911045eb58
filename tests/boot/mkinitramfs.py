#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the demo initramfs: a gzip-compressed cpio archive (newc, the format
`cpio -o -H newc --reproducible -R 0:0 | gzip -n` writes) holding Debian's
static busybox, a symlink for every applet it lists, /dev/console and /init.

Deterministic: entries sorted by name, owner 0:0, mtime 0, inodes numbered in
order, device numbers 0, gzip header without name or time.  Written directly
(not by the cpio tool) so /dev/console can be in it without running as root.

    mkinitramfs.py --init tests/boot/init [--busybox /bin/busybox] -o initramfs.cpio.gz
                   [--modules-tar mods.tar --module NAME ...]

With --modules-tar (fetch-kernel.sh's tar of the kernel package's modules),
each --module NAME (in load order) goes to /lib/modules/NAME.ko and its name
to /lib/modules/order, which /init loads when asked to read disks.  Each
module's `depends=` (its .modinfo) must name only modules listed before it.
"""
import argparse
import gzip
import os
import stat
import subprocess
import sys
import tarfile

MTIME = 0


def is_static_elf(path):
    """True for an ELF executable without a PT_INTERP program header."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return False
    phoff = int.from_bytes(data[0x20:0x28], "little")
    phentsize = int.from_bytes(data[0x36:0x38], "little")
    phnum = int.from_bytes(data[0x38:0x3A], "little")
    for i in range(phnum):
        off = phoff + i * phentsize
        if int.from_bytes(data[off:off + 4], "little") == 3:  # PT_INTERP
            return False
    return True


def newc_entry(ino, name, mode, data=b"", nlink=1, rdev=(0, 0)):
    namez = name.encode() + b"\0"
    fields = [ino, mode, 0, 0, nlink, MTIME, len(data), 0, 0, rdev[0], rdev[1], len(namez), 0]
    hdr = b"070701" + b"".join(b"%08X" % v for v in fields)
    out = hdr + namez
    out += b"\0" * (-len(out) % 4)
    out += data
    out += b"\0" * (-len(data) % 4)
    return out


def modinfo_depends(ko):
    """The `depends=` list of a module's .modinfo strings."""
    for field in ko.split(b"\0"):
        if field.startswith(b"depends="):
            return [d for d in field[8:].decode().split(",") if d]
    return []


def read_modules(tar_path, names):
    """[(name, bytes)] in the given order, dependencies checked."""
    found = {}
    with tarfile.open(tar_path) as t:
        for m in t.getmembers():
            base = os.path.basename(m.name)
            if m.isfile() and base.endswith(".ko") and base[:-3] in names:
                if base[:-3] in found:
                    sys.exit("mkinitramfs: %s twice in %s" % (base, tar_path))
                found[base[:-3]] = t.extractfile(m).read()
    out = []
    for n in names:
        if n not in found:
            sys.exit("mkinitramfs: module %s is not in %s" % (n, tar_path))
        for dep in modinfo_depends(found[n]):
            if dep.replace("-", "_") not in [o[0].replace("-", "_") for o in out]:
                sys.exit("mkinitramfs: %s depends on %s, which is not listed before it"
                         % (n, dep))
        out.append((n, found[n]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--init", required=True, help="the /init script")
    ap.add_argument("--busybox", default="/bin/busybox")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--modules-tar", help="fetch-kernel.sh's tar of kernel modules")
    ap.add_argument("--module", action="append", default=[],
                    help="a module to include, in load order (repeat)")
    args = ap.parse_args()
    if args.module and not args.modules_tar:
        sys.exit("mkinitramfs: --module needs --modules-tar")
    modules = read_modules(args.modules_tar, args.module) if args.module else []

    if not os.path.isfile(args.busybox):
        sys.exit("mkinitramfs: %s missing: install busybox-static (scripts/deps.sh)" % args.busybox)
    if not is_static_elf(args.busybox):
        sys.exit("mkinitramfs: %s is not a static x86-64 ELF: install busybox-static, "
                 "not busybox (scripts/deps.sh)" % args.busybox)
    applets = subprocess.run([args.busybox, "--list-full"], check=True,
                             capture_output=True, text=True).stdout.split()
    if "bin/sh" not in applets:
        sys.exit("mkinitramfs: %s --list-full does not list bin/sh" % args.busybox)

    with open(args.busybox, "rb") as f:
        busybox = f.read()
    with open(args.init, "rb") as f:
        init = f.read()

    # name -> (mode, data, rdev)
    entries = {}

    def add_dir(path):
        while path and path not in entries:
            entries[path] = (stat.S_IFDIR | (0o1777 if path == "tmp" else 0o755), b"", (0, 0))
            path = os.path.dirname(path)

    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "dev", "etc", "proc", "sys", "tmp", "root",
              "run", "mnt"):
        add_dir(d)
    entries["dev/console"] = (stat.S_IFCHR | 0o600, b"", (5, 1))
    entries["bin/busybox"] = (stat.S_IFREG | 0o755, busybox, (0, 0))
    entries["init"] = (stat.S_IFREG | 0o755, init, (0, 0))
    entries["etc/profile"] = (stat.S_IFREG | 0o644,
                              b"export PATH=/bin:/sbin:/usr/bin:/usr/sbin\n"
                              b"export PS1='snpdemo:\\w# '\n", (0, 0))
    if modules:
        add_dir("lib/modules")
        for name, data in modules:
            entries["lib/modules/%s.ko" % name] = (stat.S_IFREG | 0o644, data, (0, 0))
        entries["lib/modules/order"] = (stat.S_IFREG | 0o644,
                                        "".join(n + "\n" for n, _ in modules).encode(), (0, 0))
    for a in applets:
        a = a.lstrip("/")
        if a == "bin/busybox" or a in entries:
            continue
        add_dir(os.path.dirname(a))
        entries[a] = (stat.S_IFLNK | 0o777, b"/bin/busybox", (0, 0))

    archive = bytearray()
    for ino, name in enumerate(sorted(entries), start=1):
        mode, data, rdev = entries[name]
        archive += newc_entry(ino, name, mode, data,
                              nlink=2 if stat.S_ISDIR(mode) else 1, rdev=rdev)
    archive += newc_entry(0, "TRAILER!!!", 0)
    archive += b"\0" * (-len(archive) % 512)

    tmp = args.output + ".tmp"
    with open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw,
                           mtime=MTIME) as gz:
            gz.write(archive)
    os.replace(tmp, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
