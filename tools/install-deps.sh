#!/bin/sh
# Install everything d3dkmt needs to build and test on Debian 12 (bookworm), as root.
# Idempotent: when every package is already present it only checks and returns (a few seconds).
#
# Mesa comes from bookworm-backports: Mesa 25's lavapipe has VK_EXT_memory_priority,
# VK_EXT_pageable_device_local_memory, VK_EXT_memory_budget, sparse binding and timeline
# semaphores; Debian 12's own Mesa 22.3 has none of the extensions.
set -eu

PACKAGES="build-essential autoconf automake libtool pkg-config
 libvulkan-dev vulkan-validationlayers vulkan-tools libdrm-dev libcmocka-dev
 libwine-dev wine64 wine64-tools mingw-w64
 clang llvm libclang-rt-14-dev valgrind"
BACKPORTS_PACKAGES="mesa-vulkan-drivers"

if [ "$(id -u)" != 0 ]; then
    echo "install-deps.sh: run as root (it calls apt-get)" >&2
    exit 1
fi
if ! grep -q '^VERSION_CODENAME=bookworm' /etc/os-release 2>/dev/null; then
    echo "install-deps.sh: warning: written for Debian 12 (bookworm); trying anyway" >&2
fi

# dpkg-query prints one line per package; a package is present when its status is "install ok installed".
missing() {
    for p in $*; do
        s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        [ "$s" = "install ok installed" ] || echo "$p"
    done
}

mesa_is_backport() {
    v=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
    case "$v" in *bpo*) return 0 ;; *) return 1 ;; esac
}

need=$(missing $PACKAGES)
if [ -z "$need" ] && mesa_is_backport; then
    echo "install-deps.sh: all dependencies present"
    exit 0
fi

list=/etc/apt/sources.list.d/bookworm-backports.list
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "deb http://deb.debian.org/debian bookworm-backports main" > "$list"
fi

export DEBIAN_FRONTEND=noninteractive
# A third-party source that cannot be reached must not stop the install of Debian's packages.
apt-get update || echo "install-deps.sh: apt-get update reported errors; continuing" >&2
if [ -n "$need" ]; then
    # shellcheck disable=SC2086
    apt-get install -y --no-install-recommends $need
fi
if ! mesa_is_backport; then
    apt-get install -y --no-install-recommends -t bookworm-backports $BACKPORTS_PACKAGES
fi
echo "install-deps.sh: done"
