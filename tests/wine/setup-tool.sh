#!/bin/sh
# setup-tool.sh: tests of tools/d3dkmt-setup: --help, the errors (no prefix, no wine, wrong
# architecture), an install / update / uninstall round trip with backups, the DllOverrides value
# and --wine-libdir, and status and uninstall run from another directory than install (relative
# paths, the gdi32 route, the Wine and the exports status reports), on a scratch copy of the test
# prefix.  Proton trees: tests/wine/proton.sh.  Prints "N passed, N failed".
#
# Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
#
# Environment (set by the generated wrapper tests/wine/setup-tool): D3DKMT_WINE64,
# D3DKMT_WINESERVER, D3DKMT_WINE_PREFIX (the shared test prefix, only copied), D3DKMT_SETUP (the
# tool), D3DKMT_DLLDIR (the build's layout, dlls/d3dkmt/wine), D3DKMT_SCRATCH (a work directory).
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
mkdir -p "$scratch/win32/drive_c/windows/system32"
printf 'WINE REGISTRY Version 2\n\n#arch=win32\n' > "$scratch/win32/system.reg"
check "32-bit prefix" fails_with "wrong architecture" install --prefix "$scratch/win32" --dlldir "$D3DKMT_DLLDIR"

# A scratch prefix: hard links to the shared one, with its own registry files and no d3dkmt.
cp -al "$D3DKMT_WINE_PREFIX" "$pfx" || exit 99
for f in system.reg user.reg userdef.reg; do cp --remove-destination "$D3DKMT_WINE_PREFIX/$f" "$pfx/$f"; done
rm -rf "$pfx/d3dkmt" "$pfx/drive_c/windows/system32/d3dkmt.dll" "$pfx/drive_c/windows/system32/d3dkmt.dll.d3dkmt-backup"
export WINEPREFIX=$pfx
check "no wine" env WINE=/nonexistent/wine64 sh -c "sh '$D3DKMT_SETUP' install --dlldir '$D3DKMT_DLLDIR' 2>&1 | grep -q 'wine not found'"
check "missing dlldir" fails_with "not found" install --dlldir "$scratch/nodll"
mkdir -p "$scratch/i386/x86_64-windows" "$scratch/i386/x86_64-unix"
cp "$D3DKMT_DLLDIR/x86_64-windows/d3dkmt.dll" "$scratch/i386/x86_64-windows/d3dkmt.dll"
cp "$D3DKMT_DLLDIR/x86_64-unix/d3dkmt.so" "$scratch/i386/x86_64-unix/d3dkmt.so"
lfanew=$(od -An -tu4 -j60 -N4 "$scratch/i386/x86_64-windows/d3dkmt.dll" | tr -d ' ')
printf '\114\001' | dd of="$scratch/i386/x86_64-windows/d3dkmt.dll" bs=1 seek=$((lfanew + 4)) conv=notrunc 2>/dev/null
check "i386 PE file" fails_with "wrong architecture" install --dlldir "$scratch/i386"
check "nothing to uninstall" fails_with "not installed" uninstall
echo "[       OK ] help_and_errors"

echo "[ RUN      ] install_uninstall"
sys32=$pfx/drive_c/windows/system32
echo ORIGINAL > "$sys32/d3dkmt.dll"
mkdir -p "$wl/x86_64-windows" "$wl/x86_64-unix"
echo WINEDLL > "$wl/x86_64-windows/d3dkmt.dll"
check "old override set" reg_set native
check "install" setup install --dlldir "$D3DKMT_DLLDIR" --wine-libdir "$wl"
check "system32 has the DLL" cmp -s "$sys32/d3dkmt.dll" "$D3DKMT_DLLDIR/x86_64-windows/d3dkmt.dll"
check "system32 backup kept" grep -q ORIGINAL "$sys32/d3dkmt.dll.d3dkmt-backup"
check "prefix layout: PE" cmp -s "$pfx/d3dkmt/x86_64-windows/d3dkmt.dll" "$D3DKMT_DLLDIR/x86_64-windows/d3dkmt.dll"
check "prefix layout: Unix" cmp -s "$pfx/d3dkmt/x86_64-unix/d3dkmt.so" "$D3DKMT_DLLDIR/x86_64-unix/d3dkmt.so"
check "wine libdir: PE" cmp -s "$wl/x86_64-windows/d3dkmt.dll" "$D3DKMT_DLLDIR/x86_64-windows/d3dkmt.dll"
check "wine libdir: Unix" cmp -s "$wl/x86_64-unix/d3dkmt.so" "$D3DKMT_DLLDIR/x86_64-unix/d3dkmt.so"
check "wine libdir backup" grep -q WINEDLL "$wl/x86_64-windows/d3dkmt.dll.d3dkmt-backup"
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
check "status says not installed" sh -c "sh '$D3DKMT_SETUP' status | grep -q 'not installed'"

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

WINEPREFIX=$pfx "$D3DKMT_WINESERVER" -k >/dev/null 2>&1
WINEPREFIX=$pfx "$D3DKMT_WINESERVER" -w >/dev/null 2>&1
rm -rf "$scratch"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
