#!/bin/sh
# setup-tool.sh: tests of tools/d3dkmt-setup: --help, the errors (no prefix, no wine, wrong
# architecture), an install / update / uninstall round trip with backups, the DllOverrides value
# and --wine-libdir, and status and uninstall run from another directory than install (relative
# paths, the gdi32 route, the Wine and the exports status reports), on a scratch copy of the test
# prefix; where the build has the i386 half, both halves (syswow64, PREFIX/d3dkmt/i386-*, a Wine
# tree's i386 library directory of either WoW mode) and a real 32-bit (win32) prefix in which a
# 32-bit program passes.  Proton trees: tests/wine/proton.sh.  Prints "N passed, N failed".
#
# Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
#
# Environment (set by the generated wrapper tests/wine/setup-tool): D3DKMT_WINE64,
# D3DKMT_WINESERVER, D3DKMT_WINE_PREFIX (the shared test prefix, only copied), D3DKMT_SETUP (the
# tool), D3DKMT_DLLDIR (the build's layout, dlls/d3dkmt/wine), D3DKMT_SCRATCH (a work directory);
# with the i386 half: D3DKMT_WINE32 (the 32-bit loader) and D3DKMT_TEST_EXE32 (a 32-bit test
# program that exits 0 when every check passes).
set -u
: "${D3DKMT_WINE64:?}" "${D3DKMT_WINESERVER:?}" "${D3DKMT_WINE_PREFIX:?}" "${D3DKMT_SETUP:?}"
: "${D3DKMT_DLLDIR:?}" "${D3DKMT_SCRATCH:?}"

passed=0
failed=0
check() {
    # check DESCRIPTION COMMAND...: passes when COMMAND succeeds
    desc=$1
    shift
    if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "[  ERROR   ] $desc"; fi
}

scratch=$D3DKMT_SCRATCH
pfx=$scratch/prefix
wl=$scratch/winelib
out=$scratch/out
rm -rf "$scratch"
mkdir -p "$scratch" || exit 99
unset WINEPREFIX D3DKMT_DLLDIR_DEFAULT
export WINE=$D3DKMT_WINE64
setup() { sh "$D3DKMT_SETUP" "$@" > "$out" 2>&1; }
fails_with() {
    # fails_with TEXT ARGS...: the tool exits non-zero and says TEXT
    text=$1
    shift
    if setup "$@"; then echo "  (exited 0)"; cat "$out"; return 1; fi
    grep -q -- "$text" "$out" || { echo "  (no '$text' in:)"; cat "$out"; return 1; }
}
reg_value() {
    WINEPREFIX=$pfx WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" DISPLAY= "$D3DKMT_WINE64" reg query \
        'HKEY_CURRENT_USER\Software\Wine\DllOverrides' /v d3dkmt 2>/dev/null | tr -d '\r' |
        sed -n 's/^[[:space:]]*d3dkmt[[:space:]]*REG_SZ[[:space:]]*//p'
}
reg_set() {
    WINEPREFIX=$pfx WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" DISPLAY= "$D3DKMT_WINE64" reg add \
        'HKEY_CURRENT_USER\Software\Wine\DllOverrides' /v d3dkmt /d "$1" /f >/dev/null 2>&1
}

echo "[ RUN      ] help_and_errors"
check "--help prints usage" sh -c "sh '$D3DKMT_SETUP' --help | grep -q '^Usage: d3dkmt-setup'"
check "no command is an error" fails_with "Usage:"
check "unknown argument" fails_with "unknown argument" --frobnicate install
check "no prefix" fails_with "no prefix" install --dlldir "$D3DKMT_DLLDIR"
check "missing prefix" fails_with "does not exist" install --prefix "$scratch/nonexistent"
mkdir -p "$scratch/empty"
check "uninitialised prefix" fails_with "not an initialised Wine prefix" install --prefix "$scratch/empty"
mkdir -p "$scratch/win32/drive_c/windows/system32" "$scratch/x86_64only"
printf 'WINE REGISTRY Version 2\n\n#arch=win32\n' > "$scratch/win32/system.reg"
ln -s "$D3DKMT_DLLDIR/x86_64-windows" "$D3DKMT_DLLDIR/x86_64-unix" "$scratch/x86_64only/"
check "a 32-bit prefix needs the i386 half" fails_with "i386-windows/d3dkmt.dll' not found" install --prefix "$scratch/win32" --dlldir "$scratch/x86_64only"

# A scratch prefix: hard links to the shared one, with its own registry files and no d3dkmt.
cp -al "$D3DKMT_WINE_PREFIX" "$pfx" || exit 99
for f in system.reg user.reg userdef.reg; do cp --remove-destination "$D3DKMT_WINE_PREFIX/$f" "$pfx/$f"; done
rm -rf "$pfx/d3dkmt" "$pfx/drive_c/windows/system32/d3dkmt.dll" "$pfx/drive_c/windows/system32/d3dkmt.dll.d3dkmt-backup" \
    "$pfx/drive_c/windows/syswow64/d3dkmt.dll" "$pfx/drive_c/windows/syswow64/d3dkmt.dll.d3dkmt-backup"
export WINEPREFIX=$pfx
check "no wine" env WINE=/nonexistent/wine64 sh -c "sh '$D3DKMT_SETUP' install --dlldir '$D3DKMT_DLLDIR' 2>&1 | grep -q 'wine not found'"
check "missing dlldir" fails_with "not found" install --dlldir "$scratch/nodll"
mkdir -p "$scratch/i386/x86_64-windows" "$scratch/i386/x86_64-unix"
cp "$D3DKMT_DLLDIR/x86_64-windows/d3dkmt.dll" "$scratch/i386/x86_64-windows/d3dkmt.dll"
cp "$D3DKMT_DLLDIR/x86_64-unix/d3dkmt.so" "$scratch/i386/x86_64-unix/d3dkmt.so"
lfanew=$(od -An -tu4 -j60 -N4 "$scratch/i386/x86_64-windows/d3dkmt.dll" | tr -d ' ')
printf '\114\001' | dd of="$scratch/i386/x86_64-windows/d3dkmt.dll" bs=1 seek=$((lfanew + 4)) conv=notrunc 2>/dev/null
check "i386 PE file" fails_with "wrong architecture" install --dlldir "$scratch/i386"
if [ -d "$D3DKMT_DLLDIR/i386-windows" ]; then
    # An x86_64 Unix side in the i386 half's place.
    mkdir -p "$scratch/mixed/i386-unix"
    ln -s "$D3DKMT_DLLDIR/x86_64-windows" "$D3DKMT_DLLDIR/x86_64-unix" "$D3DKMT_DLLDIR/i386-windows" "$scratch/mixed/"
    cp "$D3DKMT_DLLDIR/x86_64-unix/d3dkmt.so" "$scratch/mixed/i386-unix/d3dkmt.so"
    check "x86_64 ELF object as the i386 Unix side" fails_with "not an i386 ELF object" install --dlldir "$scratch/mixed"
fi
check "nothing to uninstall" fails_with "not installed" uninstall
echo "[       OK ] help_and_errors"

echo "[ RUN      ] install_uninstall"
sys32=$pfx/drive_c/windows/system32
wow64=$pfx/drive_c/windows/syswow64
i386=no
[ -d "$D3DKMT_DLLDIR/i386-windows" ] && i386=yes
echo ORIGINAL > "$sys32/d3dkmt.dll"
echo ORIGINAL32 > "$wow64/d3dkmt.dll"
mkdir -p "$wl/x86_64-windows" "$wl/x86_64-unix" "$wl/i386-windows" "$wl/i386-unix"
echo WINEDLL > "$wl/x86_64-windows/d3dkmt.dll"
echo WINEDLL32 > "$wl/i386-windows/d3dkmt.dll"
check "old override set" reg_set native
check "install" setup install --dlldir "$D3DKMT_DLLDIR" --wine-libdir "$wl"
check "system32 has the DLL" cmp -s "$sys32/d3dkmt.dll" "$D3DKMT_DLLDIR/x86_64-windows/d3dkmt.dll"
check "system32 backup kept" grep -q ORIGINAL "$sys32/d3dkmt.dll.d3dkmt-backup"
check "prefix layout: PE" cmp -s "$pfx/d3dkmt/x86_64-windows/d3dkmt.dll" "$D3DKMT_DLLDIR/x86_64-windows/d3dkmt.dll"
check "prefix layout: Unix" cmp -s "$pfx/d3dkmt/x86_64-unix/d3dkmt.so" "$D3DKMT_DLLDIR/x86_64-unix/d3dkmt.so"
check "wine libdir: PE" cmp -s "$wl/x86_64-windows/d3dkmt.dll" "$D3DKMT_DLLDIR/x86_64-windows/d3dkmt.dll"
check "wine libdir: Unix" cmp -s "$wl/x86_64-unix/d3dkmt.so" "$D3DKMT_DLLDIR/x86_64-unix/d3dkmt.so"
check "wine libdir backup" grep -q WINEDLL "$wl/x86_64-windows/d3dkmt.dll.d3dkmt-backup"
if [ "$i386" = yes ]; then
    check "syswow64 has the i386 DLL" cmp -s "$wow64/d3dkmt.dll" "$D3DKMT_DLLDIR/i386-windows/d3dkmt.dll"
    check "syswow64 backup kept" grep -q ORIGINAL32 "$wow64/d3dkmt.dll.d3dkmt-backup"
    check "prefix layout: i386 PE" cmp -s "$pfx/d3dkmt/i386-windows/d3dkmt.dll" "$D3DKMT_DLLDIR/i386-windows/d3dkmt.dll"
    check "prefix layout: i386 Unix" cmp -s "$pfx/d3dkmt/i386-unix/d3dkmt.so" "$D3DKMT_DLLDIR/i386-unix/d3dkmt.so"
    check "prefix layout: the 32-bit libd3dkmt beside it" cmp -s "$pfx/d3dkmt/i386-unix/libd3dkmt.so.0" "$D3DKMT_DLLDIR/i386-unix/libd3dkmt.so.0"
    check "wine libdir: i386 PE" cmp -s "$wl/i386-windows/d3dkmt.dll" "$D3DKMT_DLLDIR/i386-windows/d3dkmt.dll"
    check "wine libdir: i386 Unix" cmp -s "$wl/i386-unix/d3dkmt.so" "$D3DKMT_DLLDIR/i386-unix/d3dkmt.so"
    check "wine libdir: i386 libd3dkmt" cmp -s "$wl/i386-unix/libd3dkmt.so.0" "$D3DKMT_DLLDIR/i386-unix/libd3dkmt.so.0"
    check "wine libdir i386 backup" grep -q WINEDLL32 "$wl/i386-windows/d3dkmt.dll.d3dkmt-backup"
    check "status names both halves" sh -c "sh '$D3DKMT_SETUP' status | grep -q 'halves: x86_64 i386'"
fi
check "override is builtin" test "$(reg_value)" = builtin
check "status says installed" sh -c "sh '$D3DKMT_SETUP' status | grep -q 'installed in'"
# Per D3DKMT name, where calls go: a name both export goes to Wine through gdi32 and to d3dkmt.dll
# (which hands Wine its part) through d3dkmt.dll; a name only d3dkmt.dll exports, to d3dkmt.dll.
check "status lists CreateDevice for both" sh -c "sh '$D3DKMT_SETUP' status | grep -q '^  D3DKMTCreateDevice  *gdi32: Wine   d3dkmt.dll: d3dkmt.dll\*'"
check "status lists OfferAllocations for d3dkmt.dll only" sh -c "sh '$D3DKMT_SETUP' status | grep -q '^  D3DKMTOfferAllocations  *gdi32: -      d3dkmt.dll: d3dkmt.dll\$'"
check "env names WINEDLLPATH" sh -c "sh '$D3DKMT_SETUP' env | grep -q \"WINEDLLPATH='$pfx/d3dkmt'\""
check "update" setup install --dlldir "$D3DKMT_DLLDIR"
check "update keeps the first backup" grep -q ORIGINAL "$sys32/d3dkmt.dll.d3dkmt-backup"
check "uninstall" setup uninstall
check "system32 restored" grep -q ORIGINAL "$sys32/d3dkmt.dll"
check "system32 backup gone" test ! -e "$sys32/d3dkmt.dll.d3dkmt-backup"
check "prefix layout gone" test ! -e "$pfx/d3dkmt"
check "override restored" test "$(reg_value)" = native
check "wine libdir restored" grep -q WINEDLL "$wl/x86_64-windows/d3dkmt.dll"
check "wine libdir Unix side gone" test ! -e "$wl/x86_64-unix/d3dkmt.so"
if [ "$i386" = yes ]; then
    check "syswow64 restored" grep -q ORIGINAL32 "$wow64/d3dkmt.dll"
    check "syswow64 backup gone" test ! -e "$wow64/d3dkmt.dll.d3dkmt-backup"
    check "wine libdir i386 restored" grep -q WINEDLL32 "$wl/i386-windows/d3dkmt.dll"
    check "wine libdir i386 Unix side gone" test -z "$(ls "$wl/i386-unix")"
fi
check "status says not installed" sh -c "sh '$D3DKMT_SETUP' status | grep -q 'not installed'"
rm -f "$wow64/d3dkmt.dll"

# A Wine tree of the new WoW64 mode (--enable-archs): i386-windows/ but no i386-unix/; the 32-bit
# PE file calls the x86_64 Unix side, so only it goes into the tree.
if [ "$i386" = yes ]; then
    wl2=$scratch/winelib-wow64
    mkdir -p "$wl2/x86_64-windows" "$wl2/x86_64-unix" "$wl2/i386-windows"
    check "install into a new-WoW64 tree" setup install --dlldir "$D3DKMT_DLLDIR" --wine-libdir "$wl2"
    check "... says which Unix side the 32-bit PE file calls" grep -q "no i386-unix/ (Wine's new WoW64 mode)" "$out"
    check "... the i386 PE file is in its i386-windows" cmp -s "$wl2/i386-windows/d3dkmt.dll" "$D3DKMT_DLLDIR/i386-windows/d3dkmt.dll"
    check "... and no i386-unix was made" test ! -e "$wl2/i386-unix"
    check "uninstall (new-WoW64 tree)" setup uninstall
    check "... the tree is empty again" test -z "$(find "$wl2" -type f)"
fi

# Without an old override and without an old file, uninstall leaves none.
rm -f "$sys32/d3dkmt.dll"
WINEPREFIX=$pfx WINEDEBUG=-all DISPLAY= "$D3DKMT_WINE64" reg delete 'HKEY_CURRENT_USER\Software\Wine\DllOverrides' /v d3dkmt /f >/dev/null 2>&1
check "install (clean)" setup install --dlldir "$D3DKMT_DLLDIR"
check "uninstall (clean)" setup uninstall
check "no system32 file left" test ! -e "$sys32/d3dkmt.dll"
check "no override left" test -z "$(reg_value)"
if [ "$failed" = 0 ]; then echo "[       OK ] install_uninstall"; else echo "[  FAILED  ] install_uninstall"; fi

# From any directory: paths given relative to where install ran are recorded absolute, so that
# status (and the gdi32 route's check) run elsewhere find everything.
echo "[ RUN      ] any_directory"
n_failed=$failed
work=$scratch/work
mkdir -p "$work" "$pfx/drive_c/app" "$scratch/elsewhere"
cp "$D3DKMT_DLLDIR/x86_64-windows/d3dkmt.dll" "$pfx/drive_c/app/app.exe"  # any x86_64 PE file
ln -s "$D3DKMT_DLLDIR" "$work/dll"
check "install with a relative --dlldir and a gdi32 route" \
    sh -c "cd '$work' && sh '$D3DKMT_SETUP' install --dlldir dll --gdi32-route '$pfx/drive_c/app/app.exe' > '$out' 2>&1"
check "the source is recorded absolute" grep -qx "source=$work/dll" "$pfx/d3dkmt/install.state"
(cd "$scratch/elsewhere" && sh "$D3DKMT_SETUP" status) > "$scratch/status.out" 2>&1
status_rc=$?
sed 's/^/    | /' "$scratch/status.out" | grep -v '    gdi32: '
check "status elsewhere exits 0" test "$status_rc" = 0
check "status elsewhere: no MISMATCH" sh -c "! grep -q MISMATCH '$scratch/status.out'"
check "status elsewhere: the route is OK" grep -q '^OK app.exe' "$scratch/status.out"
check "status names the Wine and its version" grep -q "^d3dkmt-setup: Wine: wine-[0-9]" "$scratch/status.out"
check "status names the library directory and layout" grep -q "^d3dkmt-setup:   library directory /.*, layout: " "$scratch/status.out"
check "status compares every D3DKMT export with Wine's gdi32" \
    test "$(grep -c '^    gdi32: \(yes\|no \) *D3DKMT' "$scratch/status.out")" -ge 30
check "... D3DKMTOfferAllocations is not in Wine's gdi32" grep -q '^    gdi32: no   D3DKMTOfferAllocations$' "$scratch/status.out"
rm -f "$work/dll"
check "uninstall from elsewhere, with the build's layout gone from where install saw it" \
    sh -c "cd '$scratch/elsewhere' && sh '$D3DKMT_SETUP' uninstall > '$out' 2>&1"
check "the route is gone" test ! -e "$pfx/drive_c/app/gdi32.dll"
if [ "$failed" = "$n_failed" ]; then echo "[       OK ] any_directory"; else echo "[  FAILED  ] any_directory"; fi

# A real 32-bit (win32) prefix: the i386 half goes into its system32 and PREFIX/d3dkmt/i386-*, no
# x86_64 half; a 32-bit program passes there; uninstall takes it all away.
if [ "$i386" = yes ] && [ -n "${D3DKMT_WINE32:-}" ] && [ -n "${D3DKMT_TEST_EXE32:-}" ]; then
    echo "[ RUN      ] win32_prefix"
    n_failed=$failed
    p32=$scratch/prefix32
    WINEARCH=win32 WINEPREFIX=$p32 WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" DISPLAY= \
        "$D3DKMT_WINE32" wineboot -i > "$scratch/wineboot32.log" 2>&1
    WINEPREFIX=$p32 "$D3DKMT_WINESERVER" -w >/dev/null 2>&1
    check "a win32 prefix was made" grep -q '^#arch=win32' "$p32/system.reg"
    check "install into the win32 prefix" env WINE32="$D3DKMT_WINE32" sh "$D3DKMT_SETUP" --prefix "$p32" --dlldir "$D3DKMT_DLLDIR" install
    check "... system32 has the i386 DLL" cmp -s "$p32/drive_c/windows/system32/d3dkmt.dll" "$D3DKMT_DLLDIR/i386-windows/d3dkmt.dll"
    check "... the prefix layout has the i386 half only" test -f "$p32/d3dkmt/i386-unix/libd3dkmt.so.0" -a ! -e "$p32/d3dkmt/x86_64-windows"
    check "... status names it" sh -c "sh '$D3DKMT_SETUP' --prefix '$p32' status | grep -q 'win32 prefix; halves: i386'"
    WINEPREFIX=$p32 WINEDLLPATH=$p32/d3dkmt WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" DISPLAY= \
        D3DKMT_VALIDATION=fatal VK_DRIVER_FILES=$(sh "$(dirname "$0")/vk-drivers.sh") \
        timeout 300 "$D3DKMT_WINE32" "$D3DKMT_TEST_EXE32" > "$scratch/win32-run.log" 2>&1
    check "a 32-bit program passes in the win32 prefix" grep -q '^[1-9][0-9]* passed, 0 failed' "$scratch/win32-run.log"
    check "uninstall from the win32 prefix" env WINE32="$D3DKMT_WINE32" sh "$D3DKMT_SETUP" --prefix "$p32" uninstall
    check "... system32 has no d3dkmt.dll" test ! -e "$p32/drive_c/windows/system32/d3dkmt.dll"
    check "... no override left" sh -c "! WINEPREFIX='$p32' WINEDEBUG=-all '$D3DKMT_WINE32' reg query 'HKEY_CURRENT_USER\\Software\\Wine\\DllOverrides' /v d3dkmt >/dev/null 2>&1"
    WINEPREFIX=$p32 "$D3DKMT_WINESERVER" -k >/dev/null 2>&1
    if [ "$failed" = "$n_failed" ]; then echo "[       OK ] win32_prefix"; else echo "[  FAILED  ] win32_prefix"; tail -n 30 "$scratch/win32-run.log"; fi
fi

WINEPREFIX=$pfx "$D3DKMT_WINESERVER" -k >/dev/null 2>&1
WINEPREFIX=$pfx "$D3DKMT_WINESERVER" -w >/dev/null 2>&1
rm -rf "$scratch"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
