#!/bin/sh
# run-test.sh: run one tests/wine Windows program under wine64, headless, in the prefix that
# tests/wine/Makefile.inc created (tests/wine/prefix, d3dkmt.dll installed by tools/d3dkmt-setup).
#
# Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
#
# Usage: run-test.sh PROGRAM.exe [ARGS...]   (the generated wrappers tests/wine/<name> call it)
# Environment: D3DKMT_WINE64 (wine64), D3DKMT_WINE_PREFIX (the prefix), both set by the wrappers;
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

"$D3DKMT_WINE64" "$prog" "$@"
rc=$?
# wine64 reports a program killed by an unhandled exception with a non-zero status too.
exit $rc
