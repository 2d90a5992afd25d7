#!/bin/sh
# run-test.sh: run one tests/wine Windows program under wine64 (or, 32-bit, under the 32-bit Wine
# loader), headless, in the prefix that tests/wine/Makefile.inc created (tests/wine/prefix, both
# halves of d3dkmt.dll installed by tools/d3dkmt-setup).
#
# Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
#
# Usage: run-test.sh PROGRAM.exe [ARGS...]   (the generated wrappers tests/wine/<name> call it)
# Environment: D3DKMT_WINE64 (wine64), D3DKMT_WINE_PREFIX (the prefix), both set by the wrappers;
#   D3DKMT_WINE_ARCH (i386: run the program with D3DKMT_WINE32, the 32-bit loader, and only the
#   Vulkan drivers the 32-bit loader can load: tests/wine/vk-drivers.sh says why);
#   D3DKMT_WINE_VALIDATION (default fatal: abort on the first Vulkan validation message; "none"
#   turns validation off); D3DKMT_WINEDEBUG (default -all); D3DKMT_BUDGET_CAP passes through.
set -u

[ $# -ge 1 ] || { echo "usage: $0 PROGRAM.exe [ARGS...]" >&2; exit 99; }
prog=$1
shift
: "${D3DKMT_WINE64:?D3DKMT_WINE64 must name wine64}"
: "${D3DKMT_WINE_PREFIX:?D3DKMT_WINE_PREFIX must name the test prefix}"
[ -f "$D3DKMT_WINE_PREFIX/d3dkmt/install.state" ] || {
    echo "run-test.sh: d3dkmt.dll is not installed in $D3DKMT_WINE_PREFIX (make tests/wine/install.stamp)" >&2
    exit 99
}

WINEPREFIX=$D3DKMT_WINE_PREFIX
WINEDLLPATH=$WINEPREFIX/d3dkmt
WINEDEBUG=${D3DKMT_WINEDEBUG:--all}
WINEDLLOVERRIDES="mscoree,mshtml="
export WINEPREFIX WINEDLLPATH WINEDEBUG WINEDLLOVERRIDES
unset DISPLAY WAYLAND_DISPLAY
case "${D3DKMT_WINE_VALIDATION:-fatal}" in
    none|0) unset D3DKMT_VALIDATION ;;
    *) D3DKMT_VALIDATION=${D3DKMT_WINE_VALIDATION:-fatal}; export D3DKMT_VALIDATION ;;
esac

loader=$D3DKMT_WINE64
if [ "${D3DKMT_WINE_ARCH:-x86_64}" = i386 ]; then
    : "${D3DKMT_WINE32:?D3DKMT_WINE32 must name the 32-bit Wine loader}"
    loader=$D3DKMT_WINE32
    if [ -z "${VK_DRIVER_FILES:-}" ]; then
        VK_DRIVER_FILES=$(sh "$(dirname "$0")/vk-drivers.sh")
        export VK_DRIVER_FILES
    fi
fi

"$loader" "$prog" "$@"
rc=$?
# wine64 reports a program killed by an unhandled exception with a non-zero status too.
exit $rc
