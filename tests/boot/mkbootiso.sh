#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Usage: tests/boot/mkbootiso.sh OUT_ISO BOOTDISK_IMAGE
#
# A CD the firmware boots by itself, as installer media are built: an
# ISO 9660 image (xorriso) whose El Torito EFI boot image (platform 0xEF,
# no emulation) is mkbootdisk.sh's FAT image.  OVMF mounts that FAT image
# from the CD, its UEFI Shell runs startup.nsh, and the kernel and initrd
# come through OVMF's virtio-scsi driver with READs of several MiB.
set -euo pipefail

die() { echo "mkbootiso.sh: error: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: $0 OUT_ISO BOOTDISK_IMAGE"
out=$1 img=$2
command -v xorriso >/dev/null 2>&1 || die "xorriso not found (package xorriso: scripts/deps.sh)"
[ -s "$img" ] || die "$img is missing"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$img" "$tmp/efiboot.img"
xorriso -as mkisofs -quiet -V SNPDEMO -o "$out.tmp" -e efiboot.img -no-emul-boot "$tmp" \
    || die "xorriso failed"
mv "$out.tmp" "$out"
