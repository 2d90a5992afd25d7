#!/bin/sh
# run-demo-wine.sh: run d3dkmt-demo.exe (tools/demo/demo_win.c) under wine64 in the test prefix,
# with d3dkmt.dll installed by tools/d3dkmt-setup (tests/wine/Makefile.inc makes both).
#
# Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
#
# Usage: run-demo-wine.sh DEMO.exe [--budget=SIZE] [--json] [--quiet] [--help]
# The library inside the DLL's Unix side reads D3DKMT_BUDGET_CAP from the Unix environment, which
# the Windows program cannot set: this script sets it from --budget (default 256M), and
# D3DKMT_STATS=1 (the statistics region, for d3dkmt-top) unless it is set, and runs the
# program through tests/wine/run-test.sh (headless, Vulkan validation fatal).
# Environment: D3DKMT_WINE64, D3DKMT_WINE_PREFIX (set by `make demo-wine` and the tests/demo check),
#   D3DKMT_RUN_TEST (path of tests/wine/run-test.sh).
set -u

[ $# -ge 1 ] || { echo "usage: $0 DEMO.exe [ARGS...]" >&2; exit 2; }
exe=$1
shift
: "${D3DKMT_RUN_TEST:?D3DKMT_RUN_TEST must name tests/wine/run-test.sh}"
budget=256M
for arg in "$@"; do
    case $arg in
        --budget=*) budget=${arg#--budget=} ;;
    esac
done
D3DKMT_BUDGET_CAP=$budget
# The statistics region, for d3dkmt-top (docs/statistics.md), unless the environment says otherwise.
: "${D3DKMT_STATS:=1}"
export D3DKMT_BUDGET_CAP D3DKMT_STATS
exec "${SHELL:-/bin/sh}" "$D3DKMT_RUN_TEST" "$exe" "$@"
