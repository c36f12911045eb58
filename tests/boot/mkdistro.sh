#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Usage: tests/boot/mkdistro.sh CACHE_DIR OUT_IMAGE FILES_DIR
#
# A small Debian 12 (bookworm) disk with systemd that stock OVMF boots by
# itself, for the boot tests paravisor_distro_systemd_smp*; built as root
# without loop devices or mounts:
#   1. mmdebstrap (--mode=root, variant minbase) installs systemd-sysv, udev,
#      dbus, the stock linux-image-amd64 and its initramfs (initramfs-tools,
#      only the virtio-blk and ext4 modules: FILES_DIR/initramfs-*) into a
#      directory, from this machine's own apt entries for bookworm
#      (scripts/apt-sources.sh); the downloaded .debs are kept in
#      CACHE_DIR/distro-apt/ for the next build, and the kernel .deb that
#      fetch-kernel.sh cached in CACHE_DIR/kernel/ is offered to apt too;
#   2. the boot test's reporter goes in (FILES_DIR/snpdemo-report{,.service}:
#      `SNP-DISTRO: verdict: ...` on ttyS0 once systemd is up, then power
#      off), with a host name, an fstab for the root, and the units that
#      have nothing to do offline (apt and other timers) masked;
#   3. mkfs.ext4 -d turns the directory into the root partition's image;
#   4. the ESP: a FAT image (mtools) holding \EFI\BOOT\BOOTX64.EFI, a GRUB
#      built by grub-mkstandalone whose embedded grub.cfg finds the root by
#      its file system UUID and boots /vmlinuz and /initrd.img from it with
#      `root=UUID=... rw console=ttyS0 panic=-1`;
#   5. a GPT disk (sgdisk), both partition images written into it with
#      dd conv=notrunc, and the table read back and checked.
# OUT_IMAGE is a raw, sparse disk.  A missing tool is an error (packages:
# scripts/deps.sh).
set -euo pipefail

die() { echo "mkdistro.sh: error: $*" >&2; exit 1; }
note() { echo "mkdistro.sh: $*" >&2; }

[ $# -eq 3 ] || die "usage: $0 CACHE_DIR OUT_IMAGE FILES_DIR"
cache_root=$1 out=$2
files=$(cd "$3" && pwd) || die "no directory $3"
here=$(cd "$(dirname "$0")" && pwd)
apt_sources="$here/../../scripts/apt-sources.sh"

[ "$(id -u)" -eq 0 ] || die "must run as root (mmdebstrap --mode=root, and mkfs.ext4 -d keeps the files' owners)"
for t in mmdebstrap:mmdebstrap sgdisk:gdisk grub-mkstandalone:grub-common \
         mkfs.ext4:e2fsprogs mformat:mtools mmd:mtools mcopy:mtools dd:coreutils; do
    command -v "${t%%:*}" >/dev/null 2>&1 \
        || die "${t%%:*} not found (package ${t#*:}: run scripts/deps.sh as root)"
done
[ -f /usr/lib/grub/x86_64-efi/linux.mod ] \
    || die "GRUB's x86_64-efi modules are missing (package grub-efi-amd64-bin: run scripts/deps.sh as root)"
for f in snpdemo-report snpdemo-report.service initramfs-hook initramfs.conf; do
    [ -f "$files/$f" ] || die "$files/$f is missing"
done
codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
[ "$codename" = bookworm ] \
    || die "the image is Debian 12 from this machine's own bookworm apt entries; this is '${codename:-?}'"

# Fixed identities: the root file system's UUID (grub.cfg, root=, fstab),
# the disk's and the partitions' GPT GUIDs.
ROOT_FS_UUID=5e3d6c1a-8f2b-4c47-9a0e-2b7d51c0f3a4
DISK_GUID=8b1f0d2e-4a63-4e7c-b5d9-0c6a2f19e7b1
ESP_PART_GUID=c3a9e4f1-62d0-4b8e-8f17-5d2b0a9c6e30
ROOT_PART_GUID=1d74b0c2-9e58-4f3a-a6c1-7e20d8b5f942
IMG_HOSTNAME=snpdemo
KERNEL_ARGS="root=UUID=$ROOT_FS_UUID rw console=ttyS0 panic=-1"
ESP_MIB=8

mkdir -p "$cache_root/distro-apt" || die "cannot create $cache_root/distro-apt"
apt_cache=$(cd "$cache_root/distro-apt" && pwd)
kernel_cache=$(cd "$cache_root" && pwd)/kernel

out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
work="$out.work"
rm -rf --one-file-system "$work"
mkdir -p "$work" || die "cannot create $work"
# --one-file-system: should mmdebstrap have left anything mounted in there.
trap 'rm -rf --one-file-system "$work"' EXIT
root="$work/root"
start=$SECONDS

# ---- 1. the root file system --------------------------------------------
sources=$("$apt_sources" deb) \
    || die "no enabled '$codename' deb entry in /etc/apt/sources.list{,.d/} (scripts/apt-sources.sh)"
mkdir -p "$work/cache.in" "$work/cache.out"
# What apt may reuse: the last build's .debs and the cached kernel .deb.
find "$apt_cache" -maxdepth 1 -name '*.deb' -exec ln -t "$work/cache.in" {} + 2>/dev/null ||
    find "$apt_cache" -maxdepth 1 -name '*.deb' -exec cp -t "$work/cache.in" {} +
if [ -d "$kernel_cache" ]; then
    find "$kernel_cache" -maxdepth 1 -name 'linux-image-*.deb' -exec cp -t "$work/cache.in" {} +
fi
note "mmdebstrap bookworm (minbase + systemd + linux-image-amd64; $(find "$work/cache.in" -name '*.deb' | wc -l) cached .debs)"
# Documentation, translations and the kernel modules for hardware this VM
# has not (GPUs, sound, media, wireless and wired NICs, InfiniBand, staging)
# are not unpacked.  The patterns name files only: an excluded directory
# makes dpkg fail on the files below it.
dpkg_opts=()
for p in /usr/share/doc/* /usr/share/man/*.gz /usr/share/info/*.gz \
         /usr/share/locale/*.mo /usr/share/lintian/overrides/*; do
    dpkg_opts+=("--dpkgopt=path-exclude=$p")
done
for d in sound drivers/gpu drivers/media drivers/net/wireless drivers/net/ethernet \
         drivers/infiniband drivers/staging drivers/isdn drivers/bluetooth net/bluetooth \
         net/mac80211 net/wireless; do
    dpkg_opts+=("--dpkgopt=path-exclude=/lib/modules/*/kernel/$d/*.ko")
done
dpkg_opts+=("--dpkgopt=path-include=/usr/share/doc/*/copyright")
# No fsync for every unpacked file: the tree is thrown away if this fails.
dpkg_opts+=("--dpkgopt=force-unsafe-io")
printf '%s\n' "$sources" | SNPDEMO_FILES=$files mmdebstrap --mode=root --variant=minbase \
    --include=systemd-sysv,udev,dbus,kmod,linux-image-amd64,initramfs-tools \
    "${dpkg_opts[@]}" \
    --skip=essential/unlink \
    --setup-hook='mkdir -p "$1/var/cache/apt/archives"' \
    --setup-hook="sync-in $work/cache.in /var/cache/apt/archives/" \
    --setup-hook='install -D -m 644 "$SNPDEMO_FILES/initramfs.conf" "$1/etc/initramfs-tools/conf.d/snpdemo"' \
    --setup-hook='install -D -m 755 "$SNPDEMO_FILES/initramfs-hook" "$1/etc/initramfs-tools/hooks/snpdemo"' \
    --customize-hook="sync-out /var/cache/apt/archives $work/cache.out" \
    bookworm "$root" - || die "mmdebstrap failed"
# Keep exactly this build's .debs for the next one.
if compgen -G "$work/cache.out/*.deb" >/dev/null; then
    rm -rf "$apt_cache.new" && mv "$work/cache.out" "$apt_cache.new" &&
        rm -rf "$apt_cache" && mv "$apt_cache.new" "$apt_cache" || die "cannot update $apt_cache"
fi
note "root file system installed after $((SECONDS - start)) s"

# ---- 2. the test's pieces -------------------------------------------------
for f in vmlinuz initrd.img; do
    [ -e "$root/$f" ] && continue
    set -- "$root"/boot/"${f%.img}"-*
    [ $# -eq 1 ] && [ -f "$1" ] || die "expected exactly one /boot/${f%.img}-* in the image"
    ln -s "boot/$(basename "$1")" "$root/$f"
done
for f in vmlinuz initrd.img; do
    [ -s "$root/$f" ] || die "/$f in the image does not lead to a file"
done
install -m 755 "$files/snpdemo-report" "$root/usr/local/sbin/snpdemo-report"
install -m 644 "$files/snpdemo-report.service" "$root/etc/systemd/system/snpdemo-report.service"
echo "$IMG_HOSTNAME" > "$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' \
    "$IMG_HOSTNAME" > "$root/etc/hosts"
printf '# <file system>\t<mount point>\t<type>\t<options>\t<dump>\t<pass>\nUUID=%s\t/\text4\terrors=remount-ro\t0\t0\n' \
    "$ROOT_FS_UUID" > "$root/etc/fstab"
rm -f "$root/etc/resolv.conf"
: > "$root/etc/resolv.conf"
systemctl --root="$root" --quiet enable snpdemo-report.service \
    || die "cannot enable snpdemo-report.service"
# Timers that would only reach for the network or tidy up, and the network
# wait (there is no network).
systemctl --root="$root" --quiet mask apt-daily.timer apt-daily-upgrade.timer \
    dpkg-db-backup.timer e2scrub_all.timer fstrim.timer systemd-networkd-wait-online.service \
    || die "cannot mask the timers"

# ---- 3. the root partition image -------------------------------------------
used_mib=$(du -sm --apparent-size "$root" | cut -f1)
nfiles=$(find "$root" -xdev | wc -l)
root_mib=$(( (used_mib * 5 / 4 + 96 + 7) / 8 * 8 ))
note "root file system: $used_mib MiB in $nfiles files -> a $root_mib MiB ext4"
truncate -s "${root_mib}M" "$work/root.img"
mkfs.ext4 -q -F -d "$root" -U "$ROOT_FS_UUID" -L snpdemo-root -N $(( nfiles * 2 + 8192 )) \
    -E root_owner=0:0 "$work/root.img" || die "mkfs.ext4 -d failed"
rm -rf "$root"

# ---- 4. the ESP ---------------------------------------------------------------
cat > "$work/grub.cfg" <<EOF
set timeout=0
search --no-floppy --fs-uuid --set=root $ROOT_FS_UUID
echo 'snpdemo: booting /vmlinuz from the root file system'
linux /vmlinuz $KERNEL_ARGS
initrd /initrd.img
boot
EOF
grub-mkstandalone -O x86_64-efi -o "$work/BOOTX64.EFI" \
    --modules="part_gpt ext2" \
    --install-modules="part_gpt ext2 search search_fs_uuid linux normal configfile echo boot" \
    --locales= --fonts= --themes= \
    "boot/grub/grub.cfg=$work/grub.cfg" || die "grub-mkstandalone failed"
truncate -s "${ESP_MIB}M" "$work/esp.img"
export MTOOLS_SKIP_CHECK=1
mformat -i "$work/esp.img" -T $(( ESP_MIB * 2048 )) -h 64 -s 32 -v ESP -N 534e5045 :: \
    || die "mformat failed"
mmd -i "$work/esp.img" ::/EFI ::/EFI/BOOT && mcopy -i "$work/esp.img" "$work/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI \
    || die "mmd/mcopy onto the ESP failed"

# ---- 5. the GPT disk ------------------------------------------------------------
esp_start=2048
esp_sectors=$(( ESP_MIB * 2048 ))
root_start=$(( esp_start + esp_sectors ))
root_sectors=$(( root_mib * 2048 ))
disk_mib=$(( 1 + ESP_MIB + root_mib + 1 ))    # 1 MiB before, 1 MiB after (backup GPT)
rm -f "$work/disk.img"
truncate -s "${disk_mib}M" "$work/disk.img"
sgdisk --clear --disk-guid="$DISK_GUID" \
    --new=1:$esp_start:$(( esp_start + esp_sectors - 1 )) --typecode=1:EF00 \
    --change-name=1:ESP --partition-guid=1:"$ESP_PART_GUID" \
    --new=2:$root_start:$(( root_start + root_sectors - 1 )) --typecode=2:8300 \
    --change-name=2:root --partition-guid=2:"$ROOT_PART_GUID" \
    "$work/disk.img" >/dev/null || die "sgdisk could not write the partition table"
# Read the table back: both partitions where they were meant to be.
sgdisk -v "$work/disk.img" | grep -q "No problems found" \
    || { sgdisk -v "$work/disk.img" >&2; die "sgdisk -v finds problems in the new table"; }
check_part() {  # NUMBER START SECTORS GUID
    local info first last guid
    info=$(sgdisk -i "$1" "$work/disk.img") || die "sgdisk -i $1 failed"
    first=$(awk '/^First sector:/ { print $3 }' <<<"$info")
    last=$(awk '/^Last sector:/ { print $3 }' <<<"$info")
    guid=$(awk '/^Partition unique GUID:/ { print tolower($4) }' <<<"$info")
    [ "$first" = "$2" ] && [ "$last" = "$(( $2 + $3 - 1 ))" ] && [ "$guid" = "$4" ] || {
        echo "$info" >&2
        die "partition $1 is sectors ${first:-?}-${last:-?} ($guid), meant $2-$(( $2 + $3 - 1 )) ($4)"
    }
}
check_part 1 $esp_start $esp_sectors "$ESP_PART_GUID"
check_part 2 $root_start $root_sectors "$ROOT_PART_GUID"
dd if="$work/esp.img" of="$work/disk.img" bs=512 seek=$esp_start conv=notrunc,sparse status=none \
    && dd if="$work/root.img" of="$work/disk.img" bs=1M seek=$(( root_start / 2048 )) \
        conv=notrunc,sparse status=none || die "dd of the partition images failed"
# The table survived the partitions' writes, and the root file system
# starts where the table says.
check_part 2 $root_start $root_sectors "$ROOT_PART_GUID"
[ "$(dd if="$work/disk.img" bs=512 skip=$(( root_start + 2 )) count=1 status=none |
     od -An -tx1 -j56 -N2 | tr -d ' ')" = 53ef ] || die "no ext4 superblock at the root partition's start"
mv "$work/disk.img" "$out"
note "$out: $disk_mib MiB (GPT: ESP $ESP_MIB MiB, root $root_mib MiB ext4), $(du -m "$out" | cut -f1) MiB allocated, built in $((SECONDS - start)) s"
