#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Usage: tests/boot/fetch-kernel.sh CACHE_DIR OUT_VMLINUZ [OUT_MODULES_TAR]
#
# Put Debian 12's stock kernel (the one the `linux-image-amd64` dependency
# package points at) in OUT_VMLINUZ without installing anything on the host:
# resolve the concrete linux-image-6.1.0-*-amd64 package and version from
# linux-image-amd64's Depends (apt-cache), `apt-get download` that .deb into
# CACHE_DIR/kernel/ (once), and take boot/vmlinuz-* out of it with dpkg-deb.
# The .deb stays in the cache.  With OUT_MODULES_TAR, the virtio, SCSI,
# CD-ROM, SCSI disk and virtio-net modules of that same package (the demo initramfs loads
# them to read its disks and bring up its NIC) are written there as a tar of lib/modules/<version>/kernel/...
# Without package indexes (offline), the newest cached .deb is used.
set -euo pipefail

die() { echo "fetch-kernel.sh: error: $*" >&2; exit 1; }
note() { echo "fetch-kernel.sh: $*" >&2; }

[ $# -eq 2 ] || [ $# -eq 3 ] || die "usage: $0 CACHE_DIR OUT_VMLINUZ [OUT_MODULES_TAR]"
cache="$1/kernel"
out="$2"
modules_out="${3:-}"
mkdir -p "$cache" || die "cannot create $cache"
cache=$(cd "$cache" && pwd)

command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb not found: a Debian 12 machine is required"

deb_ok() { dpkg-deb --info "$1" >/dev/null 2>&1; }

# "linux-image-6.1.0-56-amd64 6.1.192-2" from the candidate linux-image-amd64.
resolve() {
    command -v apt-cache >/dev/null 2>&1 || return 1
    apt-cache show --no-all-versions linux-image-amd64 2>/dev/null | awk '
        /^Depends:/ {
            sub(/^Depends:[ \t]*/, "")
            n = split($0, alt, /[,|]/)
            for (i = 1; i <= n; i++) {
                if (match(alt[i], /linux-image-[0-9][^ (]*-amd64/)) {
                    pkg = substr(alt[i], RSTART, RLENGTH); ver = ""
                    if (match(alt[i], /\(= *[^)]*\)/)) {
                        ver = substr(alt[i], RSTART + 1, RLENGTH - 2)
                        sub(/^= */, "", ver); sub(/ *$/, "", ver)
                    }
                    print pkg, ver; exit
                }
            }
        }'
}

deb=""
if read -r pkg ver < <(resolve) && [ -n "${pkg:-}" ]; then
    if [ -z "${ver:-}" ]; then
        ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null | awk '/^Version:/ { print $2; exit }')
        [ -n "$ver" ] || die "apt-cache knows no version of $pkg (run scripts/deps.sh / apt-get update)"
    fi
    # Debian file names spell an epoch's ':' as '%3a'.
    deb="$cache/${pkg}_${ver//:/%3a}_amd64.deb"
    if [ -f "$deb" ] && ! deb_ok "$deb"; then
        note "dropping damaged $deb"
        rm -f "$deb"
    fi
    if [ ! -f "$deb" ]; then
        note "downloading $pkg $ver (not installed; cached in $cache)"
        rm -f "$cache"/*.deb.partial "$cache"/*.FAILED
        (cd "$cache" && apt-get -o APT::Sandbox::User=root download -q "$pkg=$ver" >&2) \
            || die "'apt-get download $pkg=$ver' failed (network, or stale indexes: run apt-get update)"
        [ -f "$deb" ] || deb=$(ls -t "$cache/${pkg}"_*_amd64.deb 2>/dev/null | head -n1)
        [ -n "$deb" ] && deb_ok "$deb" || die "no usable $pkg .deb in $cache after download"
    fi
else
    deb=$(ls -t "$cache"/linux-image-*-amd64_*_amd64.deb 2>/dev/null | head -n1 || true)
    [ -n "$deb" ] && deb_ok "$deb" \
        || die "cannot resolve linux-image-amd64's Depends with apt-cache and nothing is cached in $cache (run scripts/deps.sh)"
    note "apt-cache cannot resolve linux-image-amd64; using cached $(basename "$deb")"
fi

tmp=$(mktemp -d "$cache/extract.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*' \
    || die "cannot extract boot/vmlinuz-* from $deb"
set -- "$tmp"/boot/vmlinuz-*
[ $# -eq 1 ] && [ -s "$1" ] || die "expected exactly one boot/vmlinuz-* in $deb"
cp "$1" "$out.tmp" && mv "$out.tmp" "$out" || die "cannot write $out"
note "$(basename "$deb") -> $out ($(basename "$1"))"
if [ -n "$modules_out" ]; then
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards \
        './lib/modules/*/kernel/drivers/virtio/virtio*.ko' \
        './lib/modules/*/kernel/drivers/block/virtio_blk.ko' \
        './lib/modules/*/kernel/drivers/scsi/virtio_scsi.ko' \
        './lib/modules/*/kernel/drivers/scsi/scsi_mod.ko' \
        './lib/modules/*/kernel/drivers/scsi/scsi_common.ko' \
        './lib/modules/*/kernel/drivers/scsi/sr_mod.ko' \
        './lib/modules/*/kernel/drivers/cdrom/cdrom.ko' \
        './lib/modules/*/kernel/drivers/scsi/sd_mod.ko' \
        './lib/modules/*/kernel/block/t10-pi.ko' \
        './lib/modules/*/kernel/lib/crc-t10dif.ko' \
        './lib/modules/*/kernel/crypto/crct10dif_common.ko' \
        './lib/modules/*/kernel/crypto/crct10dif_generic.ko' \
        './lib/modules/*/kernel/lib/crc64.ko' \
        './lib/modules/*/kernel/lib/crc64-rocksoft.ko' \
        './lib/modules/*/kernel/crypto/crc64_rocksoft_generic.ko' \
        './lib/modules/*/kernel/net/core/failover.ko' \
        './lib/modules/*/kernel/drivers/net/net_failover.ko' \
        './lib/modules/*/kernel/drivers/net/virtio_net.ko' \
        './lib/modules/*/kernel/drivers/nvme/host/nvme-core.ko' \
        './lib/modules/*/kernel/drivers/nvme/host/nvme.ko' \
        || die "cannot extract the virtio/SCSI/net modules from $deb"
    tar -C "$tmp" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
        -cf "$modules_out.tmp" lib && mv "$modules_out.tmp" "$modules_out" \
        || die "cannot write $modules_out"
    note "$(basename "$deb") -> $modules_out ($(tar -tf "$modules_out" | grep -c '\.ko$') modules)"
fi
