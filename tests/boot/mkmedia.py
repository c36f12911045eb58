#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the boot tests' data media: a raw disk image (virtio-blk), a CD
image (2048-byte sectors, on virtio-scsi), a second raw disk (the drop-in
test's transitional virtio-blk), a disk and a CD for Q35's AHCI, and a disk
for the NVMe test, with deterministic content, a SHAKE-256 stream per MiB
seeded with the medium's name.  The guest reads each device
whole and prints its SHA-256; the tests pass the expected values on the
kernel command line, computed here from the same generator.

    mkmedia.py --disk disk.img --cd cd.iso --tdisk tdisk.img [--sata F --satacd F] [--ndisk F]
                               write them
    mkmedia.py --hashes        print "<disk sha256> <cd sha256> <tdisk sha256>
                               <sata sha256> <satacd sha256> <ndisk sha256>"
"""
import argparse
import hashlib
import os
import sys

MIB = 1 << 20
# bytes; the CD: 512 sectors of 2048.  The three disks the kernel reads
# through the proxies (transitional virtio-blk, AHCI SATA, NVMe) are 256 MiB.
MEDIA = {"disk": 2 * MIB, "cd": 1 * MIB, "tdisk": 256 * MIB,
         "sata": 256 * MIB, "satacd": 1 * MIB,    # the AHCI test's disk and CD
         "ndisk": 256 * MIB}                       # the NVMe test's disk


def chunks(name):
    """The medium's bytes, 1 MiB at a time: SHAKE-256 of its name and the
    MiB's index (the last chunk cut to the size)."""
    size = MEDIA[name]
    for block in range((size + MIB - 1) // MIB):
        data = hashlib.shake_256(b"snp-paravisor %s %d" % (name.encode(), block)).digest(MIB)
        yield data[:min(MIB, size - block * MIB)]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--disk")
    ap.add_argument("--cd")
    ap.add_argument("--tdisk")
    ap.add_argument("--sata")
    ap.add_argument("--satacd")
    ap.add_argument("--ndisk")
    ap.add_argument("--hashes", action="store_true")
    args = ap.parse_args()
    if args.hashes:
        hashes = []
        for n in MEDIA:
            h = hashlib.sha256()
            for c in chunks(n):
                h.update(c)
            hashes.append(h.hexdigest())
        print(" ".join(hashes))
        return 0
    todo = [(n, getattr(args, n)) for n in MEDIA if getattr(args, n)]
    if not todo:
        ap.error("--disk, --cd, --tdisk, --sata, --satacd and/or --ndisk, or --hashes")
    for name, path in todo:
        with open(path + ".tmp", "wb") as f:
            for c in chunks(name):
                f.write(c)
        os.replace(path + ".tmp", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
