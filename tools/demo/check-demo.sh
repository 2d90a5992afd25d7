#!/bin/sh
# check-demo.sh: the tests/demo check (part of `make check`): the native demo and the Windows demo
# under Wine play the scenario with a 64 MiB budget; both must exit 0 (every invariant held), and
# --json must report the same.
#
# Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
#
# Environment (from the generated wrapper tests/demo): D3DKMT_DEMO (native program; empty: the
# Windows half only, as tests/demo32 runs the i686 build under the 32-bit Wine loader with
# D3DKMT_WINE_ARCH=i386), D3DKMT_DEMO_EXE (Windows program), D3DKMT_RUN_DEMO_WINE
# (run-demo-wine.sh) and what that needs; D3DKMT_VALIDATION=1 comes from make check.
set -u

budget=64M
fail=0

if [ -n "${D3DKMT_DEMO:-}" ]; then

    echo "== native: $D3DKMT_DEMO --budget=$budget"
    "$D3DKMT_DEMO" --budget=$budget
    rc=$?
    echo "== native exit status: $rc"
    [ $rc -eq 0 ] || fail=1

    echo "== native: --json"
    out=$("$D3DKMT_DEMO" --budget=$budget --json --quiet)
    rc=$?
    echo "$out" | tail -n 4
    case $out in
        *'"result": "pass"'*) [ $rc -eq 0 ] || fail=1 ;;
        *) echo "native --json did not report a pass (status $rc)"; fail=1 ;;
    esac

    echo "== native: --help and a bad argument"
    "$D3DKMT_DEMO" --help > /dev/null || { echo "--help failed"; fail=1; }
    "$D3DKMT_DEMO" --budget=lots > /dev/null 2>&1
    [ $? -eq 2 ] || { echo "--budget=lots was not refused with status 2"; fail=1; }
fi

echo "== windows (wine${D3DKMT_WINE_ARCH:+, $D3DKMT_WINE_ARCH}): d3dkmt-demo.exe --budget=$budget --json"
out=$("${SHELL:-/bin/sh}" "$D3DKMT_RUN_DEMO_WINE" "$D3DKMT_DEMO_EXE" --budget=$budget --json)
rc=$?
echo "$out"
echo "== windows exit status: $rc"
case $out in
    *'"result": "pass"'*) [ $rc -eq 0 ] || fail=1 ;;
    *) echo "the Windows demo did not report a pass"; fail=1 ;;
esac
exit $fail
