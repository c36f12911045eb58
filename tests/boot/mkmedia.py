#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the boot tests' data media: a raw disk image (virtio-blk), a CD
image (2048-byte sectors, on virtio-scsi), a second raw disk (the drop-in
test's transitional virtio-blk), and a disk and a CD for Q35's AHCI, with deterministic content, a SHA-256
counter stream seeded with the medium's name.  The guest reads each device
whole and prints its SHA-256; the tests pass the expected values on the
kernel command line, computed here from the same generator.

    mkmedia.py --disk disk.img --cd cd.iso --tdisk tdisk.img [--sata F --satacd F]
                               write them
    mkmedia.py --hashes        print "<disk sha256> <cd sha256> <tdisk sha256>
                               <sata sha256> <satacd sha256>"
"""
import argparse
import hashlib
import os
import sys

MEDIA = {"disk": 2 << 20, "cd": 1 << 20, "tdisk": 2 << 20,   # bytes; the CD: 512 sectors of 2048
         "sata": 4 << 20, "satacd": 1 << 20}                  # the AHCI test's disk and CD


def content(name):
    size = MEDIA[name]
    out = bytearray()
    block = 0
    while len(out) < size:
        out += hashlib.sha256(b"snp-paravisor %s %d" % (name.encode(), block)).digest()
        block += 1
    return bytes(out[:size])


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--disk")
    ap.add_argument("--cd")
    ap.add_argument("--tdisk")
    ap.add_argument("--sata")
    ap.add_argument("--satacd")
    ap.add_argument("--hashes", action="store_true")
    args = ap.parse_args()
    if args.hashes:
        print(" ".join(hashlib.sha256(content(n)).hexdigest() for n in MEDIA))
        return 0
    todo = [(n, getattr(args, n)) for n in MEDIA if getattr(args, n)]
    if not todo:
        ap.error("--disk, --cd, --tdisk, --sata and/or --satacd, or --hashes")
    for name, path in todo:
        with open(path + ".tmp", "wb") as f:
            f.write(content(name))
        os.replace(path + ".tmp", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
