#!/bin/sh
# Install everything d3dkmt needs to build and test, as root, on Debian 12 (bookworm) or Debian 13
# (trixie).  Idempotent: when every package is already present it only checks and returns (about a
# second), without apt-get update.
#
# Usage: sh tools/install-deps.sh [--print] [GROUP...]
#   GROUP   build  compiler, autotools, Vulkan loader and validation layer, libdrm, cmocka, Mesa
#           wine   Wine (wine, wine64, its headers and tools) and mingw-w64, for the DLL and the
#                  Windows-side tests
#           check  what tools/check-all.sh adds: clang, its runtime and LLVM (sanitizers, libFuzzer),
#                  valgrind, mmdebstrap and mount (the Debian 13 root of the Wine 10 step)
#           Default: all three.
#   --print print the packages of the groups for this release and exit
#
# The release decides where Mesa and clang's runtime come from (the table in release_table):
# Mesa's lavapipe must be 25.0 or newer (VK_EXT_memory_priority, VK_EXT_pageable_device_local_memory,
# VK_EXT_memory_budget, sparse binding, timeline semaphores); Debian 12 has 22.3, so there it comes
# from bookworm-backports; Debian 13 has 25.0.7 in the release itself.
set -eu

MESA_MIN=25.0

# ---- The release: the one place that knows which Debian release this is and what it needs ----
# Sets RELEASE (the codename), CLANG_RT (clang's runtime package for the default clang) and
# MESA_SUITE (the suite Mesa comes from when the release's own is too old; empty: the release).
release_table() {
    RELEASE=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release 2>/dev/null | head -n 1)
    case "$RELEASE" in
        bookworm) CLANG_RT=libclang-rt-14-dev; MESA_SUITE=bookworm-backports ;;
        trixie)   CLANG_RT=libclang-rt-19-dev; MESA_SUITE= ;;
        *)
            echo "install-deps.sh: warning: '${RELEASE:-unknown}' is not Debian 12 (bookworm) or 13 (trixie);" \
                "trying as on Debian 13" >&2
            CLANG_RT=libclang-rt-19-dev; MESA_SUITE= ;;
    esac
}

packages() {
    case "$1" in
        build) echo "build-essential autoconf automake libtool pkg-config libvulkan-dev vulkan-validationlayers
                     vulkan-tools libdrm-dev libcmocka-dev" ;;
        wine)  echo "libwine-dev wine wine64 wine64-tools mingw-w64" ;;
        check) echo "clang llvm $CLANG_RT valgrind mmdebstrap mount" ;;
        *) echo "install-deps.sh: unknown group '$1' (build, wine, check)" >&2; return 1 ;;
    esac
}

print=no
groups=
for a in "$@"; do
    case "$a" in
        --print) print=yes ;;
        -h|--help) sed -n '2,/^set -eu/{/^set -eu/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        build|wine|check) groups="$groups $a" ;;
        *) echo "install-deps.sh: unknown argument '$a' (see --help)" >&2; exit 2 ;;
    esac
done
[ -n "$groups" ] || groups="build wine check"

release_table
want=
for g in $groups; do want="$want $(packages "$g")"; done
mesa=no
case " $groups " in *" build "*) mesa=yes ;; esac

if [ "$print" = yes ]; then
    [ "$mesa" = no ] || want="$want mesa-vulkan-drivers${MESA_SUITE:+/$MESA_SUITE}"
    # shellcheck disable=SC2086
    echo $want
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "install-deps.sh: run as root (it calls apt-get)" >&2
    exit 1
fi

# A package is present when dpkg-query says "install ok installed".
missing() {
    for p in "$@"; do
        s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        [ "$s" = "install ok installed" ] || echo "$p"
    done
}

mesa_ok() {
    [ "$mesa" = yes ] || return 0
    v=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
    [ -n "$v" ] && dpkg --compare-versions "$v" ge "$MESA_MIN~"
}

# shellcheck disable=SC2086
need=$(missing $want)
if [ -z "$need" ] && mesa_ok; then
    echo "install-deps.sh: all dependencies present (Debian $RELEASE; groups:$groups)"
    exit 0
fi

if [ -n "$MESA_SUITE" ] && ! mesa_ok && ! grep -rqs "$MESA_SUITE" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "deb http://deb.debian.org/debian $MESA_SUITE main" > "/etc/apt/sources.list.d/$MESA_SUITE.list"
fi

export DEBIAN_FRONTEND=noninteractive
apt="apt-get -o DPkg::Lock::Timeout=900"
# A third-party source that cannot be reached must not stop the install of Debian's packages.
$apt update || echo "install-deps.sh: apt-get update reported errors; continuing" >&2
if ! mesa_ok && [ -z "$MESA_SUITE" ]; then need="$need mesa-vulkan-drivers"; fi
if [ -n "$need" ]; then
    # shellcheck disable=SC2086
    $apt install -y --no-install-recommends $need
fi
if ! mesa_ok && [ -n "$MESA_SUITE" ]; then
    $apt install -y --no-install-recommends -t "$MESA_SUITE" mesa-vulkan-drivers
fi
mesa_ok || { echo "install-deps.sh: mesa-vulkan-drivers $MESA_MIN or newer could not be installed" >&2; exit 1; }
echo "install-deps.sh: done (Debian $RELEASE; groups:$groups)"
