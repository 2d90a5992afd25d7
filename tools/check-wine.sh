#!/bin/sh
# check-wine.sh: build the tree against the installed Wine and run every test that runs Windows
# programs (tests/wine, the gdi32 route, the demo under Wine; x86_64 and, where the i386 half is
# built, i686 under the 32-bit loader) and the ABI checks, with the Vulkan validation layer on; fail
# on any compiler warning.  tools/check-all.sh runs it in a Debian 13 root
# (Wine 10) through tools/debian-root.sh; it works on the host too.
#
# Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
#
# Usage: sh tools/check-wine.sh BUILDDIR            configure (out of tree), make, make check of them
#        sh tools/check-wine.sh --summary BUILDDIR  only print the summary of a build's Windows-side
#                                                   tests (check-all's step 1 uses it)
# The source tree must have been prepared with autoreconf -fi.  Environment: JOBS (2).
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
JOBS=${JOBS:-2}

summary_only=no
if [ "${1:-}" = --summary ]; then summary_only=yes; shift; fi
[ $# = 1 ] || { echo "usage: $0 [--summary] BUILDDIR" >&2; exit 2; }
case "$1" in /*) build=$1 ;; *) build=$top/$1 ;; esac

# summary: one line per Windows-side test (its result and its own count), under a title naming
# the Wine and the Debian release; exit status 1 unless every one passed.
summary() {
    vars=$(cd "$build" && make -s print-windows-tests)
    tests=$(printf '%s\n' "$vars" | sed -n 's/^WINDOWS_TESTS=//p')
    wine64=$(printf '%s\n' "$vars" | sed -n 's/^WINE64=//p')
    wine32=$(printf '%s\n' "$vars" | sed -n 's/^WINE32=//p')
    i386=$(printf '%s\n' "$vars" | sed -n 's/^I386_TESTS=//p')
    release=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
    echo "check-wine: Windows-side tests under $("$wine64" --version 2>/dev/null) ($wine64), ${release:-unknown release}, validation layer on:"
    if [ "$i386" = yes ]; then
        echo "  (*/i386/*, *32: i686 programs through the i386 d3dkmt.dll, under the 32-bit loader $wine32)"
    else
        echo "  (no i686 programs: configure built no i386 half or found no 32-bit loader; its log says why)"
    fi
    bad=0
    for t in $tests; do
        r=$(sed -n 's/^:test-result: //p' "$build/$t.trs" 2>/dev/null | head -n 1)
        n=$(grep -a -E '^[0-9]+ passed, [0-9]+ failed|^\[  PASSED  \] [0-9]+ test' "$build/$t.log" 2>/dev/null | tail -n 1)
        echo "  ${r:-NOT RUN} $t${n:+ ($n)}"
        [ "$r" = PASS ] || bad=1
    done
    return $bad
}

if [ "$summary_only" = yes ]; then
    summary
    exit $?
fi

[ -x "$top/configure" ] || { echo "check-wine.sh: run autoreconf -fi in $top first" >&2; exit 1; }
mkdir -p "$build"
cd "$build"
"$top/configure" > configure.log 2>&1 || { tail -30 configure.log; echo "check-wine.sh: configure failed ($build/configure.log)" >&2; exit 1; }
grep -E 'how the Wine headers declare .*differently|the i386 ' configure.log || true
echo "check-wine.sh: building in $build"
# Everything: the library, the DLL, the demo, and every test program (make check builds them all).
if ! make -j"$JOBS" all > build.log 2>&1 || ! make -j"$JOBS" check TESTS= >> build.log 2>&1; then
    tail -60 build.log
    echo "check-wine.sh: the build failed ($build/build.log)" >&2
    exit 1
fi
if grep -E 'warning:' build.log; then
    echo "check-wine.sh: the build has compiler warnings ($build/build.log)" >&2
    exit 1
fi
echo "check-wine.sh: built without warnings"
rc=0
# shellcheck disable=SC2016
make -j"$JOBS" check TESTS='$(windows_tests)' > check.log 2>&1 || rc=$?
grep -E '^(PASS|FAIL|ERROR|XFAIL|XPASS|SKIP):|^# (TOTAL|PASS|FAIL|ERROR):' check.log || true
[ $rc = 0 ] || { [ -f test-suite.log ] && sed -n '1,200p' test-suite.log; }
summary || rc=1
exit $rc
