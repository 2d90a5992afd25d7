#!/bin/sh
# bench-all.sh: `make bench`'s one table.  Measures the PE -> Unix call cost under Wine through
# `make bench-wine` (tests/wine/callcost.exe: three rounds, the median "noop Unix call" is kept),
# and through the 32-bit d3dkmt.dll under the 32-bit loader with `make bench-wine32` (where the
# i386 half is built), then runs bench/bench_residency, which measures (a)-(h) and prints the
# table with them.
#
# Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
#
# Environment: D3DKMT_BUILDDIR (the build tree), D3DKMT_MAKE (make); from the generated wrapper.
# Arguments are passed on to bench_residency (--reps=N, --quick).
set -u
cd "$D3DKMT_BUILDDIR" || exit 1
# median_noop TARGET LABEL: the median "noop Unix call" of `make TARGET` (its output on stderr).
median_noop() {
    out=$(${D3DKMT_MAKE:-make} -s "$1" 2>&1)
    echo "$out" | sed "s/^/  $2: /" >&2
    echo "$out" | sed -n 's/^noop Unix call: \([0-9.]*\) ns\/call.*/\1/p' | sort -n |
        awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}
ns=$(median_noop bench-wine wine)
ns32=$(median_noop bench-wine32 wine32)
[ -n "$ns" ] || echo "bench-all: no PE -> Unix call cost from make bench-wine" >&2
exec ./bench/bench_residency ${ns:+--wine-call-ns="$ns"} ${ns32:+--wine32-call-ns="$ns32"} "$@"
