#!/bin/sh
# tests/layers.sh: checks that libd3dkmt's files call one way only.
#
# Reads the layer of each file of src/ from the list at the top of src/d3dkmt_private.h, then, from
# the compiled objects (nm: what each object defines and what it needs from elsewhere), every call
# from one file of src/ to a function defined in another.  A call into a file of a higher layer, or
# of the same layer (the entry-point files of the top layer never call each other), fails the test.
# Static inline functions of the header are not calls between files; functions handed over as
# pointers (release functions, deferred operations) are not calls either: they are how a lower
# layer reaches a higher one.
#
# Usage: layers.sh [--list]    --list also prints every cross-file call, "caller -> callee: names".
# Environment: top_srcdir, top_builddir (set by make check).
set -eu
srcdir=${top_srcdir:-$(dirname "$0")/..}
builddir=${top_builddir:-.}
objdir="$builddir/src/.libs"
header="$srcdir/src/d3dkmt_private.h"
list=0
[ "${1:-}" = --list ] && list=1

[ -d "$objdir" ] || { echo "layers.sh: no objects in $objdir (build libd3dkmt-core.la first)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The layer list: " *   N. file[, file]  description" starts layer N; " *      file.c  description"
# adds a file to the layer above it; deeper-indented lines continue a description.  The list ends
# at the first line of the comment that is none of these, once it has started.
awk '
    /Layers \(bottom to top\)/ { on = 1; next }
    !on { next }
    match($0, /^ \*  +[0-9]+\. /) {
        head = substr($0, 1, RLENGTH); gsub(/[^0-9]/, "", head); n = head + 0
        rest = substr($0, RSTART + RLENGTH)
        split(rest, w, /  +/); split(w[1], files, /, */)
        for (i in files) print files[i], n
        started = 1; next
    }
    started && match($0, /^ \*      [a-z_]+\.[ch]  /) {
        f = substr($0, RSTART + 8); sub(/ .*/, "", f); print f, n; next
    }
    started && /^ \*          / { next }
    started { exit }
' "$header" > "$tmp/layers"
[ -s "$tmp/layers" ] || { echo "layers.sh: no layer list found in $header" >&2; exit 1; }

# Each object's file name: libd3dkmt_core_la-<name>.o -> <name>.c
for o in "$objdir"/*.o; do
    f=$(basename "$o" .o); f=${f#*-}.c
    grep -q "^$f " "$tmp/layers" || { echo "layers.sh: src/$f has no layer in $header" >&2; exit 1; }
    nm --defined-only "$o" | awk -v f="$f" '$2 ~ /^[TDBR]$/ { print $3, f }' >> "$tmp/defs"
    nm --undefined-only "$o" | awk -v f="$f" '{ print f, $2 }' >> "$tmp/uses"
done

sort -k1,1 "$tmp/defs" > "$tmp/defs.sorted"
# caller callee-file symbol, for the symbols another file of src/ defines
sort -k2,2 "$tmp/uses" | join -1 2 -2 1 -o 1.1,2.2,0 - "$tmp/defs.sorted" | sort -u > "$tmp/calls"

awk -v list="$list" '
    FNR == NR { layer[$1] = $2; next }
    {
        caller = $1; callee = $2; sym = $3
        if (caller == callee) next
        pair = caller " -> " callee
        if (!(pair in names)) { order[++pairs] = pair; names[pair] = sym } else names[pair] = names[pair] ", " sym
        if (layer[callee] >= layer[caller]) {
            printf "layers.sh: src/%s (layer %d) calls %s of src/%s (layer %d)\n", caller, layer[caller], sym, callee, layer[callee]
            bad++
        }
    }
    END {
        if (list) for (i = 1; i <= pairs; i++) printf "%s: %s\n", order[i], names[order[i]]
        printf "layers.sh: %d cross-file call pairs, %d against the layering\n", pairs, bad
        exit bad ? 1 : 0
    }
' "$tmp/layers" "$tmp/calls"
