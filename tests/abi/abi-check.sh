#!/bin/sh
# abi-check: check that include/d3dkmt.h lays its structs out as Windows does on x86 and x64, by
# compiling tests/abi/abi_layout.c (static asserts on every size, alignment and field offset) with
# every compiler that matters, and by running the host build (flag bit positions).
#
# Copyright 2026 the d3dkmt authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# `make check` generates tests/abi/abi-check from this file (tests/abi/Makefile.inc) with the
# compilers configure found, and runs it.  By hand, from the build directory:
#     make tests/abi/abi_layout tests/abi/abi-check && tests/abi/abi-check
# Environment overrides: ABI_CC, ABI_MINGW64_CC, ABI_MINGW32_CC, ABI_TOP_SRCDIR, ABI_TOP_BUILDDIR.
#
# Configurations (see abi_layout.c):
#   host       the program tests/abi/abi_layout, built by make with Wine's headers (x64 column)
#   win64      x86_64-w64-mingw32-gcc, header's mingw mode (x64 column)
#   win32      i686-w64-mingw32-gcc, header's mingw mode (x86 column)
#   i386-sysv  $CC -m32 -ffreestanding with tests/abi/sysv-windef.h (x86 column, 4-aligned UINT64);
#              skipped, and said so, only when $CC cannot target i386 at all
#   wow64-host, wow64-win32, wow64-win64
#              tests/abi/abi_wow64.c: the 32-bit layouts of dlls/d3dkmt/wow64.h (the DLL's wow64
#              thunks) against the x86 structs (i686-w64-mingw32-gcc), and the descriptors the
#              thunks pass as they are against the x64 ones (the host program, built by make)
# Output: one PASS/FAIL/SKIP line per configuration (compiler messages under a FAIL), then
# "N passed, N failed".  Exit status 0 when nothing failed, 1 otherwise.

cc=${ABI_CC:-"__ABI_CC__"}
mingw64_cc=${ABI_MINGW64_CC:-"__ABI_MINGW64_CC__"}
mingw32_cc=${ABI_MINGW32_CC:-"__ABI_MINGW32_CC__"}
top_srcdir=${ABI_TOP_SRCDIR:-"__ABI_TOP_SRCDIR__"}
top_builddir=${ABI_TOP_BUILDDIR:-"__ABI_TOP_BUILDDIR__"}

src="$top_srcdir/tests/abi/abi_layout.c"
out="$top_builddir/tests/abi"
passed=0
failed=0

mkdir -p "$out" || exit 1

pass()
{
    echo "PASS: $1"
    passed=$((passed + 1))
}

fail()
{
    echo "FAIL: $1"
    if [ -s "$2" ]; then sed 's/^/    /' "$2"; fi
    failed=$((failed + 1))
}

# check NAME COMMAND...: run COMMAND, log its output to $out/abi-NAME.out, report.
check()
{
    name=$1
    shift
    log="$out/abi-$name.out"
    echo "+ $*" > "$log"
    if "$@" >> "$log" 2>&1; then pass "$name"; else fail "$name" "$log"; fi
}

# compile NAME COMPILER FLAGS...: compile $src (abi_layout.c) to $out/<its name>-NAME.o.
compile()
{
    name=$1
    compiler=$2
    shift 2
    obj="$out/$(basename "$src" .c)-$name.o"
    case $compiler in
    ""|__ABI_*)
        echo "no compiler for $name: configure did not find it (Debian: apt-get install mingw-w64)" \
            > "$out/abi-$name.out"
        fail "$name" "$out/abi-$name.out"
        return
        ;;
    esac
    # $compiler may carry options (e.g. "gcc -m64"): split it on purpose.
    # shellcheck disable=SC2086
    check "$name" $compiler -std=c11 -Wall -Wextra "$@" -c "$src" -o "$obj"
}

# host: the static asserts ran when make built the program; running it checks flag bits.
if [ -x "$out/abi_layout" ]; then
    check host "$out/abi_layout"
else
    echo "$out/abi_layout is missing: run 'make tests/abi/abi_layout' (or make check)" > "$out/abi-host.out"
    fail host "$out/abi-host.out"
fi

compile win64 "$mingw64_cc" -I"$top_srcdir/include"
compile win32 "$mingw32_cc" -I"$top_srcdir/include"

# i386-sysv: needs a compiler that can emit i386 code; no C library is used.
probe="$out/abi-i386-probe.c"
echo 'int abi_probe;' > "$probe"
# shellcheck disable=SC2086
if $cc -m32 -ffreestanding -c "$probe" -o "$out/abi-i386-probe.o" > /dev/null 2>&1; then
    compile i386-sysv "$cc" -m32 -ffreestanding -DD3DKMT_ABI_SYSV \
        -I"$top_srcdir/tests/abi" -I"$top_srcdir/include"
else
    echo "SKIP: i386-sysv ($cc cannot compile with -m32 -ffreestanding)"
fi
rm -f "$probe" "$out/abi-i386-probe.o"

# The wow64 thunks' 32-bit layouts (abi_wow64.c): the host program ran its asserts when make built
# it; the mingw-w64 compilers check them against Windows' x86 structs and the x86 sizes.
if [ -x "$out/abi_wow64" ]; then
    check wow64-host "$out/abi_wow64"
else
    echo "$out/abi_wow64 is missing: run 'make tests/abi/abi_wow64' (or make check)" > "$out/abi-wow64-host.out"
    fail wow64-host "$out/abi-wow64-host.out"
fi
src="$top_srcdir/tests/abi/abi_wow64.c"
compile wow64-win32 "$mingw32_cc" -I"$top_srcdir/include" -I"$top_srcdir/dlls/d3dkmt"
compile wow64-win64 "$mingw64_cc" -I"$top_srcdir/include" -I"$top_srcdir/dlls/d3dkmt"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
