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
          clang libclang-rt-14-dev mtools xorriso)
SRC_FILE=/etc/apt/sources.list.d/snp-paravisor-src.sources
APT_DIR=/etc/apt

die() { echo "deps.sh: error: $*" >&2; exit 1; }
note() { echo "deps.sh: $*" >&2; }

[ "$(id -u)" -eq 0 ] || die "must run as root (apt-get install needs it)"
command -v apt-get >/dev/null 2>&1 || die "apt-get not found: a Debian 12 machine is required"
command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: a Debian 12 machine is required"

codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
[ -n "$codename" ] || die "cannot read VERSION_CODENAME from /etc/os-release"

# Print deb822 deb-src stanzas derived from the enabled `deb` entries whose
# suite is $codename or $codename-* (the distribution's own archives, not
# third-party repositories).  Reads deb822 *.sources and one-line *.list files.
derive_src_entries() {
    local f
    for f in "$APT_DIR"/sources.list.d/*.sources; do
        [ -f "$f" ] && [ "$f" != "$SRC_FILE" ] || continue
        awk -v cn="$codename" -f - "$f" <<'AWK'
function flush(   n, i, s, ok, t) {
    ok = 0
    n = split(F["types"], t, /[ \t]+/)
    for (i = 1; i <= n; i++) if (t[i] == "deb") ok = 1
    if (tolower(F["enabled"]) == "no") ok = 0
    s = ""
    n = split(F["suites"], t, /[ \t]+/)
    for (i = 1; i <= n; i++)
        if (t[i] == cn || index(t[i], cn "-") == 1) s = s (s == "" ? "" : " ") t[i]
    if (ok && s != "" && F["uris"] != "") {
        print "Types: deb-src"
        print "URIs: " F["uris"]
        print "Suites: " s
        if (F["components"] != "") print "Components: " F["components"]
        if (F["signed-by"] != "") print "Signed-By: " F["signed-by"]
        print ""
    }
    delete F; key = ""
}
/^#/ { next }
/^[ \t]*$/ { flush(); next }
/^[ \t]/ { if (key != "") F[key] = F[key] "\n" $0; next }
{
    key = tolower(substr($0, 1, index($0, ":") - 1))
    v = substr($0, index($0, ":") + 1); sub(/^[ \t]+/, "", v); sub(/[ \t]+$/, "", v)
    F[key] = v
}
END { flush() }
AWK
    done
    for f in "$APT_DIR"/sources.list "$APT_DIR"/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk -v cn="$codename" -f - "$f" <<'AWK'
/^[ \t]*deb[ \t]/ {
    sub(/#.*/, ""); opts = ""; line = $0
    if (match(line, /\[[^]]*\]/)) {
        opts = substr(line, RSTART + 1, RLENGTH - 2)
        line = substr(line, 1, RSTART - 1) substr(line, RSTART + RLENGTH)
    }
    n = split(line, w, /[ \t]+/); j = 0
    for (i = 1; i <= n; i++) if (w[i] != "") a[++j] = w[i]
    if (j < 3 || !(a[3] == cn || index(a[3], cn "-") == 1)) next
    comps = ""
    for (i = 4; i <= j; i++) comps = comps (comps == "" ? "" : " ") a[i]
    sb = ""
    m = split(opts, o, /[ \t]+/)
    for (i = 1; i <= m; i++) if (o[i] ~ /^signed-by=/) sb = substr(o[i], 11)
    print "Types: deb-src"; print "URIs: " a[2]; print "Suites: " a[3]
    if (comps != "") print "Components: " comps
    if (sb != "") print "Signed-By: " sb
    print ""
}
AWK
    done
}

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
    entries=$(derive_src_entries)
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
