#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Usage: tests/boot/mkbootdisk.sh OUT_IMAGE VMLINUZ INITRD 'KERNEL ARGS'
#
# A disk the firmware boots by itself: one FAT file system (mtools, no
# partition table, no root needed) holding the kernel as linux.efi (Debian's
# kernel is an EFI stub), the initrd, and a startup.nsh that OVMF's UEFI
# Shell runs when no boot option works (there is no \EFI\BOOT\BOOTX64.EFI):
#   fs0:\linux.efi initrd=\initrd.gz KERNEL ARGS
# The kernel and initrd then come through the firmware's virtio-blk driver.
set -euo pipefail

die() { echo "mkbootdisk.sh: error: $*" >&2; exit 1; }
[ $# -eq 4 ] || die "usage: $0 OUT_IMAGE VMLINUZ INITRD 'KERNEL ARGS'"
out=$1 kernel=$2 initrd=$3 args=$4
for t in mformat mcopy; do
    command -v $t >/dev/null 2>&1 || die "$t not found (package mtools: scripts/deps.sh)"
done
for f in "$kernel" "$initrd"; do [ -s "$f" ] || die "$f is missing"; done

# Room for both files plus 4 MiB, in 512-byte sectors, whole MiB.
bytes=$(( $(stat -c %s "$kernel") + $(stat -c %s "$initrd") + (4 << 20) ))
mib=$(( (bytes + (1 << 20) - 1) >> 20 ))
tmp="$out.tmp"
rm -f "$tmp"
truncate -s "${mib}M" "$tmp"
export MTOOLS_SKIP_CHECK=1
mformat -i "$tmp" -T $(( mib * 2048 )) -h 64 -s 32 -v SNPDEMO -N 534e5044 :: || die "mformat failed"
printf 'fs0:\r\n\\linux.efi initrd=\\initrd.gz %s\r\n' "$args" > "$out.nsh"
mcopy -i "$tmp" -m "$kernel" ::/linux.efi && mcopy -i "$tmp" -m "$initrd" ::/initrd.gz &&
    mcopy -i "$tmp" -m "$out.nsh" ::/startup.nsh || die "mcopy failed"
rm -f "$out.nsh"
mv "$tmp" "$out"
