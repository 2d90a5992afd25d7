#!/bin/sh
# debian-root.sh: a Debian root of another release (made once with mmdebstrap, then reused), and a
# command run in it with chroot, with this source tree mounted at /src.  tools/check-all.sh runs the
# Windows-side tests against Wine 10 this way, in a Debian 13 (trixie) root (docs/wine-versions.md).
#
# Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
#
# Usage: sh tools/debian-root.sh [--include PKG,...] SUITE ROOT [COMMAND [ARG...]]
#   SUITE     the Debian release (bookworm, trixie)
#   ROOT      where the root lives; made when ROOT/.d3dkmt-root (the stamp) is missing
#   --include packages for mmdebstrap to add when it makes the root (comma or space separated, may
#             be given more than once); the project's own dependencies are not listed here: the
#             COMMAND installs them with tools/install-deps.sh, which is quick once they are present
#   COMMAND   run in the root as root, in /src, with /proc, /sys, /dev, /dev/pts, a fresh /dev/shm
#             and the source tree (at /src) mounted.  Every mount is undone when the script ends:
#             on success, on failure and on INT / TERM / HUP (a trap), after the processes still
#             running in the root (a wineserver waiting for its timeout) have been ended.
#
# One user of a root at a time: the script holds ROOT.lock (flock) while it makes or uses the root.
# The root is made in ROOT.new and renamed when complete, so an interrupted make leaves no half root.
# Exit status: COMMAND's, or 1 when the root cannot be made or mounted.
set -eu

prog=debian-root.sh
die() { echo "$prog: error: $*" >&2; exit 1; }

include=
while [ $# -gt 0 ]; do
    case "$1" in
        --include) [ $# -ge 2 ] || die "--include needs packages"; include="$include,$2"; shift 2 ;;
        --include=*) include="$include,${1#--include=}"; shift ;;
        -h|--help) sed -n '2,/^set -eu/{/^set -eu/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) break ;;
    esac
done
[ $# -ge 2 ] || die "usage: $prog [--include PKG,...] SUITE ROOT [COMMAND [ARG...]]"
suite=$1
root=$2
root_arg=$2
shift 2
[ "$(id -u)" = 0 ] || die "run as root (mmdebstrap, mount and chroot need it)"
for t in mount umount flock chroot; do
    command -v $t >/dev/null 2>&1 || die "$t not found (Debian: apt-get install mount util-linux coreutils; tools/install-deps.sh installs them)"
done
src=$(cd "$(dirname "$0")/.." && pwd)
case "$root" in /*) ;; *) root=$(pwd)/$root ;; esac
root=${root%/}
[ -n "$root" ] && [ "$(dirname "$root")" != / ] || die "'$root_arg' cannot be a root: give a directory of its own (e.g. /var/cache/d3dkmt/roots/$suite)"
mkdir -p "$(dirname "$root")"
# Without symbolic links, as /proc/mounts and /proc/PID/root name it.
root=$(cd "$(dirname "$root")" && pwd -P)/$(basename "$root")
case "$root" in "$src"|"$src"/*) die "the root must not be inside the source tree ($src): it is mounted into the root" ;; esac

exec 9> "$root.lock"
if ! flock -n 9; then
    echo "$prog: $root is in use by another run; waiting for it"
    flock -w 3600 9 || die "$root is still in use after an hour"
fi

# mounts_under DIR: the mount points at or below DIR, deepest first (/proc/mounts escapes blanks
# as \040; such a path would not match, and none of ours has one).
mounts_under() {
    awk -v d="$1" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r
}

# processes whose root directory is inside DIR, by process id.
processes_in() {
    for p in /proc/[0-9]*; do
        r=$(readlink "$p/root" 2>/dev/null) || continue
        case "$r" in "$1"|"$1"/*) echo "${p#/proc/}" ;; esac
    done
}

# Undo every mount under DIR; end what still runs in it first (TERM, then KILL after 5 s).
release() {
    d=$1
    pids=$(processes_in "$d")
    if [ -n "$pids" ]; then
        # shellcheck disable=SC2086
        kill $pids 2>/dev/null || true
        i=0
        while [ $i -lt 50 ] && [ -n "$(processes_in "$d")" ]; do sleep 0.1; i=$((i + 1)); done
        pids=$(processes_in "$d")
        # shellcheck disable=SC2086
        [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
    fi
    for m in $(mounts_under "$d"); do
        umount "$m" 2>/dev/null || umount -l "$m" || echo "$prog: warning: cannot unmount $m" >&2
    done
}

# ---- Make the root (once) ----
if [ ! -f "$root/.d3dkmt-root" ]; then
    [ -z "$(mounts_under "$root")" ] || release "$root"
    [ -z "$(mounts_under "$root.new")" ] || release "$root.new"
    [ -z "$(mounts_under "$root")$(mounts_under "$root.new")" ] || die "something is still mounted under $root"
    command -v mmdebstrap >/dev/null 2>&1 || die "mmdebstrap not found (Debian: apt-get install mmdebstrap; tools/install-deps.sh installs it)"
    rm -rf --one-file-system "$root" "$root.new"
    echo "$prog: making a Debian $suite root in $root (mmdebstrap, once)"
    t0=$(date +%s)
    # shellcheck disable=SC2086
    mmdebstrap --variant=apt --include="ca-certificates${include}" "$suite" "$root.new" http://deb.debian.org/debian ||
        { rm -rf --one-file-system "$root.new"; die "mmdebstrap failed"; }
    echo "suite=$suite" > "$root.new/.d3dkmt-root"
    echo "made=$(date -u +%Y-%m-%dT%H:%M:%SZ)" >> "$root.new/.d3dkmt-root"
    mv "$root.new" "$root"
    echo "$prog: made $root in $(($(date +%s) - t0)) s"
fi
made_suite=$(sed -n 's/^suite=//p' "$root/.d3dkmt-root")
[ "$made_suite" = "$suite" ] || die "$root is a $made_suite root, not $suite (remove it, or pass another ROOT)"
[ $# -gt 0 ] || exit 0

# ---- Mount, run, unmount ----
# A run killed with SIGKILL leaves its mounts (and perhaps processes): clear them first.
[ -z "$(mounts_under "$root")" ] || release "$root"
trap 'release "$root"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

mount -t proc proc "$root/proc"
mount --bind /sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
mount -t tmpfs -o mode=1777,nosuid,nodev shm "$root/dev/shm"
mkdir -p "$root/src"
mount --bind "$src" "$root/src"
# apt in the root resolves names as the host does (removed first: a symbolic link there would
# otherwise be followed on the host).
rm -f "$root/etc/resolv.conf"
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

# In the background, so that a signal reaches the trap at once (the shell runs traps only between
# commands; wait returns when a trapped signal arrives); the trap then ends what runs in the root.
chroot "$root" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 JOBS="${JOBS:-2}" sh -c 'cd /src && exec "$@"' sh "$@" &
rc=0
wait $! || rc=$?
exit $rc
