#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Usage: scripts/apt-sources.sh TYPE [SKIP_FILE]
#
# Print, as deb822 stanzas of `Types: TYPE` (deb or deb-src), this machine's
# own apt entries for its release: every enabled `deb` entry whose suite is
# $VERSION_CODENAME or $VERSION_CODENAME-* (the distribution's archives, not
# third-party repositories), with its URIs, components and Signed-By.  Reads
# the deb822 *.sources and one-line sources.list / *.list files under
# $APT_DIR (default /etc/apt), except SKIP_FILE.  Nothing is downloaded and
# no mirror is named here: the entries are whatever this machine uses.
#   scripts/deps.sh       writes the deb-src twins (for the zydis source)
#   tests/boot/mkdistro.sh  gives the deb entries to mmdebstrap
# Exit status 1 (and no output) when no such entry exists.
set -euo pipefail

die() { echo "apt-sources.sh: error: $*" >&2; exit 2; }

[ $# -eq 1 ] || [ $# -eq 2 ] || die "usage: $0 deb|deb-src [SKIP_FILE]"
type=$1
skip=${2:-}
case "$type" in deb|deb-src) ;; *) die "TYPE must be deb or deb-src, not '$type'" ;; esac
APT_DIR=${APT_DIR:-/etc/apt}

codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
[ -n "$codename" ] || die "cannot read VERSION_CODENAME from /etc/os-release"

entries() {
    local f
    for f in "$APT_DIR"/sources.list.d/*.sources; do
        [ -f "$f" ] && [ "$f" != "$skip" ] || continue
        awk -v cn="$codename" -v ty="$type" -f - "$f" <<'AWK'
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
        print "Types: " ty
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
        [ -f "$f" ] && [ "$f" != "$skip" ] || continue
        awk -v cn="$codename" -v ty="$type" -f - "$f" <<'AWK'
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
    print "Types: " ty; print "URIs: " a[2]; print "Suites: " a[3]
    if (comps != "") print "Components: " comps
    if (sb != "") print "Signed-By: " sb
    print ""
}
AWK
    done
}

out=$(entries)
[ -n "$out" ] || exit 1
printf '%s\n' "$out"
