#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install the Debian 12 packages snp-paravisor needs, and enable deb-src so
# scripts/zydis-src.sh can fetch the zydis source package.  Idempotent: it
# installs only what is missing and runs `apt-get update` at most once, only
# when something must be installed or the deb-src entry is new (or its
# indexes are missing).
set -euo pipefail

PACKAGES=(meson ninja-build nasm gcc make qemu-system-x86 ovmf libcmocka-dev
          libzycore-dev libssl-dev python3 dpkg-dev busybox-static cpio
          clang clang-format libclang-rt-14-dev mtools xorriso
          mmdebstrap gdisk grub-efi-amd64-bin e2fsprogs qemu-utils lld)
SRC_FILE=/etc/apt/sources.list.d/snp-paravisor-src.sources
APT_DIR=/etc/apt
HERE=$(cd "$(dirname "$0")" && pwd)

die() { echo "deps.sh: error: $*" >&2; exit 1; }
note() { echo "deps.sh: $*" >&2; }

[ "$(id -u)" -eq 0 ] || die "must run as root (apt-get install needs it)"
command -v apt-get >/dev/null 2>&1 || die "apt-get not found: a Debian 12 machine is required"
command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: a Debian 12 machine is required"

codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
[ -n "$codename" ] || die "cannot read VERSION_CODENAME from /etc/os-release"

# True when some source other than ours already provides deb-src for $codename.
have_foreign_deb_src() {
    local f
    for f in "$APT_DIR"/sources.list "$APT_DIR"/sources.list.d/*.list; do
        [ -f "$f" ] && grep -Eq "^[[:space:]]*deb-src[[:space:]].*[[:space:]]$codename([[:space:]]|-)" "$f" && return 0
    done
    for f in "$APT_DIR"/sources.list.d/*.sources; do
        [ -f "$f" ] && [ "$f" != "$SRC_FILE" ] || continue
        awk -v cn="$codename" '
            /^[ \t]*$/ { if (src && suite) found = 1; src = 0; suite = 0; next }
            tolower($1) == "types:" && / deb-src( |$)/ { src = 1 }
            tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == cn || index($i, cn "-") == 1) suite = 1 }
            tolower($1) == "enabled:" && tolower($2) == "no" { src = 0 }
            END { if (src && suite) found = 1; exit !found }' "$f" && return 0
    done
    return 1
}

have_src_indexes() {
    compgen -G "/var/lib/apt/lists/*_source_Sources*" >/dev/null
}

need_update=0
if ! have_foreign_deb_src; then
    # The deb-src twins of this machine's own $codename deb entries (apt-sources.sh).
    entries=$(APT_DIR="$APT_DIR" "$HERE/apt-sources.sh" deb-src "$SRC_FILE" || true)
    [ -n "$entries" ] || die "no enabled '$codename' deb entry found in $APT_DIR/sources.list{,.d/} to derive a deb-src entry from"
    entries="# Written by snp-paravisor scripts/deps.sh: deb-src twins of this machine's
# $codename entries, for 'apt-get source zydis'.
$entries"
    if [ ! -f "$SRC_FILE" ] || [ "$(cat "$SRC_FILE")" != "$entries" ]; then
        printf '%s\n' "$entries" > "$SRC_FILE" || die "cannot write $SRC_FILE"
        note "wrote $SRC_FILE"
        need_update=1
    fi
fi
have_src_indexes || need_update=1

missing=()
for p in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = installed ] || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] || need_update=1

if [ "$need_update" -eq 1 ]; then
    note "apt-get update"
    apt-get update -q || die "apt-get update failed (network or sources problem; see above)"
fi
if [ "${#missing[@]}" -gt 0 ]; then
    note "installing: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" \
        || die "apt-get install failed for: ${missing[*]}"
fi
exit 0
