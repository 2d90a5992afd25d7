#!/bin/sh
# bench-all.sh: `make bench`'s one table.  Measures the PE -> Unix call cost under Wine through
# `make bench-wine` (tests/wine/callcost.exe: three rounds, the median "noop Unix call" is kept),
# then runs bench/bench_residency, which measures (a)-(h) and prints the table with it.
#
# Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
#
# Environment: D3DKMT_BUILDDIR (the build tree), D3DKMT_MAKE (make); from the generated wrapper.
# Arguments are passed on to bench_residency (--reps=N, --quick).
set -u
cd "$D3DKMT_BUILDDIR" || exit 1
wine_out=$(${D3DKMT_MAKE:-make} -s bench-wine 2>&1)
echo "$wine_out" | sed 's/^/  wine: /' >&2
ns=$(echo "$wine_out" | sed -n 's/^noop Unix call: \([0-9.]*\) ns\/call.*/\1/p' | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }')
if [ -n "$ns" ]; then
    exec ./bench/bench_residency --wine-call-ns="$ns" "$@"
fi
echo "bench-all: no PE -> Unix call cost from make bench-wine" >&2
exec ./bench/bench_residency "$@"
