#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Usage: tests/guest/mkconfdisk.sh OUT_IMAGE BOOTX64.EFI
#
# A FAT disk (mtools, no partition table, no root needed) with the
# conformance guest as \EFI\BOOT\BOOTX64.EFI, the removable-media boot path
# stock OVMF tries on a disk without boot options (UEFI 2.10 §3.5.1.1).
set -euo pipefail

die() { echo "mkconfdisk.sh: error: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: $0 OUT_IMAGE BOOTX64.EFI"
out=$1 app=$2
for t in mformat mmd mcopy; do
    command -v $t >/dev/null 2>&1 || die "$t not found (package mtools: scripts/deps.sh)"
done
[ -s "$app" ] || die "$app is missing"
tmp="$out.tmp"
rm -f "$tmp"
truncate -s 4M "$tmp"
export MTOOLS_SKIP_CHECK=1
mformat -i "$tmp" -v SNPCONF -N 534e5043 :: || die "mformat failed"
mmd -i "$tmp" ::/EFI ::/EFI/BOOT || die "mmd failed"
mcopy -i "$tmp" -m "$app" ::/EFI/BOOT/BOOTX64.EFI || die "mcopy failed"
mv "$tmp" "$out"
