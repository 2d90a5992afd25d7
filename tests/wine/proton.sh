#!/bin/sh
# proton.sh: tools/d3dkmt-setup --wine-libdir on Proton-shaped trees.  Proton itself cannot be
# downloaded here, so each tree is made from the installed Wine's own files, laid out as Proton
# lays them out:
#   proton-new  Proton 9 and newer: files/bin/wine64, files/lib/wine/x86_64-{windows,unix} (and,
#               where the i386 half is built, files/bin/wine and files/lib/wine/i386-{windows,unix})
#   proton-old  Proton 8 and older: files/lib64/wine/x86_64-{windows,unix} beside the 32-bit
#               files/lib/wine/i386-{windows,unix}
# and a version file as Proton has.  For each tree: a program run with the tree's wine64 and no
# WINEDLLPATH, before the tree has the DLL, fails and says why (the DLL's one-time message, with
# WINEDEBUG=-all); install --wine-libdir (given the Proton directory, or files/lib/wine where the
# old layout keeps only the 32-bit half) puts both halves of each architecture into the tree's
# library directory of that architecture; status names the tree's Wine, its layout and the Proton
# version; the program (and, with the i386 half, a 32-bit one under the tree's 32-bit loader)
# then passes with no WINEDLLPATH (validation layer fatal); uninstall leaves the tree as it was.
# Prints "N passed, N failed".
#
# Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
#
# Environment (set by the generated wrapper tests/wine/proton): D3DKMT_WINE64, D3DKMT_WINESERVER,
# D3DKMT_WINE_PREFIX (the shared test prefix, only copied), D3DKMT_SETUP (the tool), D3DKMT_DLLDIR
# (the build's layout), D3DKMT_SCRATCH (a work directory), D3DKMT_TEST_EXE (a Windows test program
# that exits 0 when every check passes), D3DKMT_WINE_LIBDIR (the installed Wine's library
# directory, configure's WINE_LIBDIR); with the i386 half: D3DKMT_WINE32 (the 32-bit loader),
# D3DKMT_TEST_EXE32 (a 32-bit test program) and D3DKMT_WINE_LIBDIR32 (configure's WINE_LIBDIR32).
set -u
: "${D3DKMT_WINE64:?}" "${D3DKMT_WINESERVER:?}" "${D3DKMT_WINE_PREFIX:?}" "${D3DKMT_SETUP:?}"
: "${D3DKMT_DLLDIR:?}" "${D3DKMT_SCRATCH:?}" "${D3DKMT_TEST_EXE:?}" "${D3DKMT_WINE_LIBDIR:?}"

passed=0
failed=0
check() {
    # check DESCRIPTION COMMAND...: passes when COMMAND succeeds
    desc=$1
    shift
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "[  ERROR   ] $desc"; fi
}
has() {
    # has TEXT FILE: FILE contains TEXT (else FILE is shown)
    grep -q -- "$1" "$2" && return 0
    echo "  (no '$1' in $2:)"
    sed 's/^/  | /' "$2" | head -n 40
    return 1
}

scratch=$D3DKMT_SCRATCH
rm -rf "$scratch"
mkdir -p "$scratch" || exit 99
unset WINEPREFIX WINEDLLPATH WINEDLLOVERRIDES DISPLAY WAYLAND_DISPLAY D3DKMT_DLLDIR_DEFAULT
wine64=$(readlink -f "$D3DKMT_WINE64")
winebin=$(dirname "$wine64")
syslib=$(cd "$D3DKMT_WINE_LIBDIR" && pwd -P) || exit 99
[ -f "$syslib/x86_64-unix/ntdll.so" ] || { echo "SETUP ERROR: no $syslib/x86_64-unix/ntdll.so"; exit 99; }
[ ! -e "$syslib/x86_64-windows/d3dkmt.dll" ] || { echo "SETUP ERROR: the installed Wine has a d3dkmt.dll of its own"; exit 99; }
sysdata=
for d in "$winebin/../share/wine" "$winebin/../../share/wine" /usr/share/wine; do
    if [ -f "$d/wine.inf" ]; then sysdata=$(cd "$d" && pwd -P); break; fi
done
[ -n "$sysdata" ] || { echo "SETUP ERROR: no share/wine/wine.inf next to $wine64"; exit 99; }
# Where this Wine's loader looks for its library and data directories, relative to itself (Debian:
# ../x86_64-linux-gnu/wine and ../../share/wine; Proton's own loader: ../lib/wine or ../lib64/wine,
# and ../share/wine).
loader_lib=$(realpath -m --relative-to="$winebin" "$syslib")
loader_data=$(realpath -m --relative-to="$winebin" "$sysdata")
export WINE=$D3DKMT_WINE64
# The 32-bit half: the installed 32-bit Wine's files, where the i386 half and its tests are built.
i386=no
if [ -d "$D3DKMT_DLLDIR/i386-windows" ] && [ -n "${D3DKMT_TEST_EXE32:-}" ] && [ -n "${D3DKMT_WINE32:-}" ]; then
    i386=yes
    wine32=$(readlink -f "$D3DKMT_WINE32")
    syslib32=$(cd "${D3DKMT_WINE_LIBDIR32:?}" && pwd -P) || exit 99
    [ -f "$syslib32/i386-unix/ntdll.so" ] || { echo "SETUP ERROR: no $syslib32/i386-unix/ntdll.so"; exit 99; }
    loader_lib32=$(realpath -m --relative-to="$(dirname "$wine32")" "$syslib32")
fi

# stand_in TREE FROM TO: a link at TREE/files/bin/FROM (where this Wine's loader looks) to
# TREE/files/TO (where Proton keeps it), unless they are the same place.
stand_in() {
    [ "$2" != "../$3" ] || return 0
    l=$1/files/bin/$2
    mkdir -p "$(dirname "$l")" && ln -s "$(realpath -m --relative-to="$(dirname "$l")" "$1/files/$3")" "$l"
}

# make_tree DIR LIBREL: a Proton-shaped tree in DIR with the x86_64 library directory at
# DIR/files/LIBREL.  x86_64-unix (ntdll.so with it: Wine takes its library directory from where
# ntdll.so is), wine64 and wineserver are copies; x86_64-windows is a directory of symbolic links to
# the installed Wine's PE files and files/share/wine a link to its data (hundreds of MB, read only).
# The pieces Proton does not have: links from where this Wine's loader looks for its library and
# data directories to the tree's, standing in for Proton's own loader, which looks in the tree.
make_tree() {
    t=$1 rel=$2
    mkdir -p "$t/files/bin" "$t/files/$rel/x86_64-windows" "$t/files/share" || return 1
    cp "$wine64" "$t/files/bin/wine64" || return 1
    # Debian's wineserver is a script that picks wineserver64; Proton ships the program itself.
    if [ -x "$winebin/wineserver64" ]; then server=$winebin/wineserver64; else server=$(readlink -f "$D3DKMT_WINESERVER"); fi
    cp "$server" "$t/files/bin/wineserver" || return 1
    [ ! -f "$winebin/wine64-preloader" ] || cp "$winebin/wine64-preloader" "$t/files/bin/" || return 1
    cp -a "$syslib/x86_64-unix" "$t/files/$rel/x86_64-unix" || return 1
    for f in "$syslib/x86_64-windows"/*; do ln -s "$f" "$t/files/$rel/x86_64-windows/" || return 1; done
    ln -s "$sysdata" "$t/files/share/wine" || return 1
    if [ "$i386" = yes ]; then
        # The 32-bit half, in files/lib/wine in both layouts, and the 32-bit loader (which wine64
        # starts for a 32-bit program) beside wine64.
        mkdir -p "$t/files/lib/wine/i386-windows" || return 1
        cp -a "$syslib32/i386-unix" "$t/files/lib/wine/i386-unix" || return 1
        for f in "$syslib32/i386-windows"/*; do ln -s "$f" "$t/files/lib/wine/i386-windows/" || return 1; done
        cp "$wine32" "$t/files/bin/wine" || return 1
        stand_in "$t" "$loader_lib32" lib/wine || return 1
    elif [ "$rel" = lib64/wine ]; then
        mkdir -p "$t/files/lib/wine/i386-windows" "$t/files/lib/wine/i386-unix"
    fi
    echo "1700000000 proton-shaped-$(basename "$t")" > "$t/version"
    stand_in "$t" "$loader_lib" "$rel" && stand_in "$t" "$loader_data" share/wine
}

# A scratch prefix: hard links to the shared one, with its own registry files and no d3dkmt.
pfx=$scratch/prefix
cp -al "$D3DKMT_WINE_PREFIX" "$pfx" || exit 99
for f in system.reg user.reg userdef.reg; do cp --remove-destination "$D3DKMT_WINE_PREFIX/$f" "$pfx/$f"; done
rm -rf "$pfx/d3dkmt" "$pfx/drive_c/windows/system32/d3dkmt.dll" "$pfx/drive_c/windows/system32/d3dkmt.dll.d3dkmt-backup" \
    "$pfx/drive_c/windows/syswow64/d3dkmt.dll" "$pfx/drive_c/windows/syswow64/d3dkmt.dll.d3dkmt-backup"
export WINEPREFIX=$pfx
cp "$D3DKMT_TEST_EXE" "$scratch/test.exe" || exit 99
[ "$i386" = no ] || cp "$D3DKMT_TEST_EXE32" "$scratch/test32.exe" || exit 99

# run_tree TREE LOG: the test program under the tree's wine64, without WINEDLLPATH.
run_tree() {
    WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" D3DKMT_VALIDATION=fatal \
        timeout 300 "$1/files/bin/wine64" "$scratch/test.exe" > "$2" 2>&1
}

fails_tree() { ! run_tree "$@"; }

# run_tree32 TREE LOG: the 32-bit test program under the tree's 32-bit loader, without
# WINEDLLPATH, with the Vulkan drivers the 32-bit loader can load (tests/wine/vk-drivers.sh).
run_tree32() {
    WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" D3DKMT_VALIDATION=fatal \
        VK_DRIVER_FILES=$(sh "$(dirname "$0")/vk-drivers.sh") \
        timeout 300 "$1/files/bin/wine" "$scratch/test32.exe" > "$2" 2>&1
}

for layout in proton-new proton-old; do
    echo "[ RUN      ] $layout"
    t=$scratch/$layout
    case $layout in
        proton-new) rel=lib/wine; given=$t; name="Proton 9 or newer" ;;
        proton-old) rel=lib64/wine; given=$t/files/lib/wine; name="Proton 8 or older" ;;
    esac
    n_failed=$failed
    make_tree "$t" "$rel" || { echo "SETUP ERROR: cannot make $t"; exit 99; }
    (cd "$t" && find . | LC_ALL=C sort) > "$scratch/$layout.before"

    # Installed in the prefix only: the tree's Wine has no WINEDLLPATH to find the Unix side.
    check "$layout: install in the prefix" sh "$D3DKMT_SETUP" install --dlldir "$D3DKMT_DLLDIR"
    check "$layout: without the DLL in the tree the program fails" fails_tree "$t" "$scratch/$layout.nodll.log"
    check "$layout: ... and says why, once" has "d3dkmt.dll: cannot load its Unix side d3dkmt.so" "$scratch/$layout.nodll.log"
    check "$layout: ... once" test "$(grep -c 'cannot load its Unix side' "$scratch/$layout.nodll.log")" = 1
    check "$layout: ... and names WINEDLLPATH" has "WINEDLLPATH=" "$scratch/$layout.nodll.log"

    # Into the tree as well (an update of the install, which the tool refuses: uninstall first).
    check "$layout: uninstall" sh "$D3DKMT_SETUP" uninstall
    check "$layout: install --wine-libdir $(basename "$given")" sh -c "sh '$D3DKMT_SETUP' install --dlldir '$D3DKMT_DLLDIR' --wine-libdir '$given' > '$scratch/$layout.install.log' 2>&1"
    check "$layout: PE side in files/$rel" cmp -s "$t/files/$rel/x86_64-windows/d3dkmt.dll" "$D3DKMT_DLLDIR/x86_64-windows/d3dkmt.dll"
    check "$layout: Unix side in files/$rel" cmp -s "$t/files/$rel/x86_64-unix/d3dkmt.so" "$D3DKMT_DLLDIR/x86_64-unix/d3dkmt.so"
    if [ "$i386" = yes ]; then
        check "$layout: i386 PE side in files/lib/wine" cmp -s "$t/files/lib/wine/i386-windows/d3dkmt.dll" "$D3DKMT_DLLDIR/i386-windows/d3dkmt.dll"
        check "$layout: i386 Unix side in files/lib/wine" cmp -s "$t/files/lib/wine/i386-unix/d3dkmt.so" "$D3DKMT_DLLDIR/i386-unix/d3dkmt.so"
        check "$layout: the 32-bit libd3dkmt beside it" cmp -s "$t/files/lib/wine/i386-unix/libd3dkmt.so.0" "$D3DKMT_DLLDIR/i386-unix/libd3dkmt.so.0"
    fi
    (cd /tmp && sh "$D3DKMT_SETUP" status) > "$scratch/$layout.status" 2>&1
    grep -v '^    gdi32: ' "$scratch/$layout.status" | sed 's/^/    | /'
    check "$layout: status names the tree's library directory" has "library directory $t/files/$rel, layout: $name" "$scratch/$layout.status"
    check "$layout: status gives the tree's Wine version" has "Wine: wine-[0-9].* ($t/files/bin/wine64)" "$scratch/$layout.status"
    check "$layout: status gives the Proton version" has "Proton: 1700000000 proton-shaped-$layout" "$scratch/$layout.status"
    check "$layout: status says no WINEDLLPATH is needed" has "programs find it without WINEDLLPATH" "$scratch/$layout.status"
    check "$layout: status compares with the tree's gdi32" has "gdi32: no   D3DKMTOfferAllocations" "$scratch/$layout.status"
    check "$layout: the program passes without WINEDLLPATH" run_tree "$t" "$scratch/$layout.run.log"
    check "$layout: ... every check of it" has " 0 failed" "$scratch/$layout.run.log"
    if [ "$i386" = yes ]; then
        check "$layout: the 32-bit program passes under the tree's 32-bit loader, without WINEDLLPATH" run_tree32 "$t" "$scratch/$layout.run32.log"
        check "$layout: ... every check of it" has " 0 failed" "$scratch/$layout.run32.log"
    fi
    "$t/files/bin/wineserver" -k >/dev/null 2>&1
    "$t/files/bin/wineserver" -w >/dev/null 2>&1
    check "$layout: uninstall" sh "$D3DKMT_SETUP" uninstall
    (cd "$t" && find . | LC_ALL=C sort) > "$scratch/$layout.after"
    check "$layout: the tree is as before" cmp -s "$scratch/$layout.before" "$scratch/$layout.after"
    if [ "$failed" = "$n_failed" ]; then echo "[       OK ] $layout"; else
        echo "[  FAILED  ] $layout"
        for f in "$scratch/$layout".*.log; do echo "--- $f"; tail -n 20 "$f"; done
    fi
done

refused() {
    if sh "$D3DKMT_SETUP" install --dlldir "$D3DKMT_DLLDIR" --wine-libdir "$scratch" > "$scratch/refused.log" 2>&1; then
        cat "$scratch/refused.log"
        return 1
    fi
    has "not a Wine or Proton tree" "$scratch/refused.log" && test ! -e "$pfx/d3dkmt"
}
check "a directory that is no Wine tree is refused, and nothing installed" refused

"$D3DKMT_WINESERVER" -k >/dev/null 2>&1
"$D3DKMT_WINESERVER" -w >/dev/null 2>&1
[ "$failed" = 0 ] && rm -rf "$scratch"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
