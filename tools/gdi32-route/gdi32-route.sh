#!/bin/bash
# gdi32-route.sh: give one application in a Wine prefix a gdi32.dll that exports everything the
# installed Wine's gdi32.dll exports plus the D3DKMT* functions d3dkmt.dll implements, forwarded
# to d3dkmt.dll.  See docs/gdi32-route.md for what it touches, why this way, and its limits.
#
# Copyright 2026 the d3dkmt authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage:
#   gdi32-route.sh install   PREFIX APP.exe [--d3dkmt-dll PATH] [--overlap d3dkmt|wine]
#   gdi32-route.sh uninstall PREFIX APP.exe
#   gdi32-route.sh check     PREFIX [APP.exe]
#   gdi32-route.sh list      PREFIX
#   gdi32-route.sh names     PREFIX [--d3dkmt-dll PATH]
#   gdi32-route.sh generate  OUTDIR [--arch x86_64|i386] [--d3dkmt-dll PATH] [--overlap d3dkmt|wine]
#
# APP.exe is the application's executable: a Unix path, or a Windows path (C:\...) inside PREFIX.
# install puts two files next to it (gdi32.dll, the forwarder, and gdi32wine.dll, the copy of
# Wine's gdi32) and sets HKCU\Software\Wine\AppDefaults\APP.exe\DllOverrides gdi32=native,builtin;
# it records what it did in PREFIX/d3dkmt-gdi32-route/APP.exe/ so that uninstall puts back exactly
# what was there.  Nothing else in the prefix changes.
#
# Exit status: 0 success; 1 failure, or (check) a mismatch that needs a reinstall; 2 usage error.
#
# Environment: WINE (wine64 to use, default: wine64 on PATH, then /usr/lib/wine/wine64),
# WINEDUMP (default: winedump on PATH, then /usr/lib/wine/winedump), WINE_DLLDIR (Wine's library
# directory, the one holding x86_64-windows/gdi32.dll; default: found from WINE), WINE_DLLDIR_I386
# (the one holding i386-windows/gdi32.dll, for a 32-bit application; default: WINE_DLLDIR, else
# found from WINE), MINGW_CC_X86_64 and MINGW_CC_I386 (default x86_64-w64-mingw32-gcc,
# i686-w64-mingw32-gcc).

set -u
set -o pipefail

ROUTE_MODULE=gdi32wine            # the copy of Wine's gdi32.dll is <ROUTE_MODULE>.dll
STATE_DIRNAME=d3dkmt-gdi32-route  # PREFIX/<STATE_DIRNAME>/<app.exe>/
OVERRIDE_VALUE=native,builtin
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GUARD_SRC=${GDI32_ROUTE_GUARD_SRC:-$SCRIPT_DIR/gdi32-route-guard.c}
PROG=$(basename "$0")

die()  { echo "$PROG: error: $*" >&2; exit 1; }
usage_error() { echo "$PROG: $*" >&2; echo "Run '$PROG help' for usage." >&2; exit 2; }
info() { echo "$PROG: $*"; }

usage() {
    sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

# ---- Tools ----------------------------------------------------------------------------------

find_tool() {  # find_tool VAR name fallback...
    local var=$1 name=$2 cand
    shift 2
    if [ -n "${!var:-}" ]; then
        command -v "${!var}" >/dev/null 2>&1 || die "$var=${!var} is not executable"
        printf -v "$var" '%s' "$(command -v "${!var}")"
        return 0
    fi
    for cand in "$name" "$@"; do
        if command -v "$cand" >/dev/null 2>&1; then
            printf -v "$var" '%s' "$(command -v "$cand")"
            return 0
        fi
    done
    die "$name not found (Debian: apt-get install wine64 wine64-tools; or set $var)"
}

setup_wine_tools() {
    find_tool WINE wine64 /usr/lib/wine/wine64 wine
    find_tool WINEDUMP winedump /usr/lib/wine/winedump /usr/lib/x86_64-linux-gnu/wine/bin/winedump
}

# The Wine build id (`wine --version`), e.g. "wine-8.0 (Debian 8.0~repack-4)".
wine_build_id() {
    "$WINE" --version 2>/dev/null | head -n 1
}

# Wine's library directory: the one with <arch>-windows/gdi32.dll that this Wine loads.  The i386
# one is a directory of its own in Debian (lib/i386-linux-gnu/wine) and in Proton 8 and older
# (lib/wine beside lib64/wine): WINE_DLLDIR_I386 names it where WINE_DLLDIR names the x86_64 one.
find_wine_dlldir() {
    local arch=$1 real bindir dir given=${WINE_DLLDIR:-}
    [ "$arch" != i386 ] || given=${WINE_DLLDIR_I386:-${WINE_DLLDIR:-}}
    if [ -n "$given" ]; then
        [ -f "$given/$arch-windows/gdi32.dll" ] || die "${WINE_DLLDIR_I386:+WINE_DLLDIR_I386=}$given has no $arch-windows/gdi32.dll"
        echo "$given"
        return 0
    fi
    real=$(readlink -f "$WINE")
    bindir=$(dirname "$real")
    for dir in "$bindir/../lib/$arch-linux-gnu/wine" "$bindir/../$arch-linux-gnu/wine" \
               "$bindir/../lib/wine" "$bindir/../lib64/wine" "$bindir/../lib" \
               "/usr/lib/$arch-linux-gnu/wine" /usr/lib/wine /usr/lib64/wine /usr/local/lib/wine; do
        if [ -f "$dir/$arch-windows/gdi32.dll" ]; then
            (cd -P "$dir" && pwd -P)
            return 0
        fi
    done
    die "cannot find Wine's $arch-windows/gdi32.dll next to $WINE; set WINE_DLLDIR to Wine's library directory"
}

mingw_cc() {
    local arch=$1 var cc
    if [ "$arch" = i386 ]; then var=MINGW_CC_I386; cc=i686-w64-mingw32-gcc
    else var=MINGW_CC_X86_64; cc=x86_64-w64-mingw32-gcc; fi
    cc=${!var:-$cc}
    command -v "$cc" >/dev/null 2>&1 || die "$cc not found: building the forwarding gdi32.dll needs mingw-w64 (Debian: apt-get install gcc-mingw-w64; or set $var)"
    echo "$cc"
}

# ---- PE files ---------------------------------------------------------------------------------

# pe_arch FILE: x86_64 or i386 from the PE header's Machine field, or nothing.
pe_arch() {
    local f=$1 lfanew machine
    [ "$(head -c 2 "$f" 2>/dev/null)" = MZ ] || return 1
    lfanew=$(od -An -t u4 -j 60 -N 4 "$f" | tr -d ' ')
    [ "$(od -An -c -j "$lfanew" -N 4 "$f" | tr -d ' ')" = 'PE\0\0' ] || return 1
    machine=$(od -An -t x2 -j $((lfanew + 4)) -N 2 "$f" | tr -d ' ')
    case $machine in
        8664) echo x86_64 ;;
        014c) echo i386 ;;
        *) return 1 ;;
    esac
}

# is_wine_builtin FILE: true when FILE carries winebuild's "Wine builtin DLL" marker at 0x40.
is_wine_builtin() {
    [ "$(dd if="$1" bs=1 skip=64 count=16 2>/dev/null)" = "Wine builtin DLL" ]
}

# export_list DLL: one "ORDINAL NAME" line per export, by ordinal; NAME is "-" for an export by
# ordinal only.  Taken from winedump's export table dump.
export_list() {
    local out
    out=$("$WINEDUMP" -j export "$1" 2>&1) || die "winedump could not read $1: $out"
    printf '%s\n' "$out" | awk '
        /Entry Pt +Ordn +Name/ { in_table = 1; next }
        in_table && /^ +[0-9A-Fa-f]+ +[0-9]+ / {
            name = $3
            if (name == "<by") name = "-"
            print $2, name
            next
        }
        in_table && NF == 0 { next }
        in_table && /^Done dumping/ { in_table = 0 }'
}

# d3dkmt_names DLL: the D3DKMT* names DLL exports, sorted.
d3dkmt_names() {
    export_list "$1" | awk '$2 ~ /^D3DKMT/ { print $2 }' | LC_ALL=C sort -u
}

sha256() { sha256sum "$1" | cut -d' ' -f1; }

# ---- Generation -------------------------------------------------------------------------------

# generate OUTDIR ARCH WINE_GDI32 D3DKMT_DLL OVERLAP
# Writes into OUTDIR: wine-gdi32.exports, d3dkmt.names, gdi32.def, gdi32.dll (the forwarder),
# <ROUTE_MODULE>.dll (Wine's gdi32 with the builtin marker cleared), routed.names.
generate() {
    local out=$1 arch=$2 wine_gdi32=$3 d3dkmt_dll=$4 overlap=$5 cc build_id entry n_wine n_d3d n_extra
    mkdir -p "$out" || die "cannot create $out"
    is_wine_builtin "$wine_gdi32" || die "$wine_gdi32 has no 'Wine builtin DLL' marker: is it Wine's own gdi32.dll?"
    [ "$(pe_arch "$wine_gdi32")" = "$arch" ] || die "$wine_gdi32 is not an $arch PE file"
    [ -f "$d3dkmt_dll" ] || die "$d3dkmt_dll not found: install d3dkmt.dll into the prefix first (the setup tool's install), or pass --d3dkmt-dll"
    [ "$(pe_arch "$d3dkmt_dll")" = "$arch" ] || die "$d3dkmt_dll is not an $arch PE file"

    export_list "$wine_gdi32" > "$out/wine-gdi32.exports"
    d3dkmt_names "$d3dkmt_dll" > "$out/d3dkmt.names"
    n_wine=$(wc -l < "$out/wine-gdi32.exports")
    n_d3d=$(wc -l < "$out/d3dkmt.names")
    [ "$n_wine" -gt 100 ] || die "winedump found only $n_wine exports in $wine_gdi32"
    [ "$n_d3d" -gt 0 ] || die "$d3dkmt_dll exports no D3DKMT* function"

    # The .def file: every Wine export keeps its ordinal and name and forwards to the copy, except
    # D3DKMT names d3dkmt.dll also exports (overlap=d3dkmt), which forward to d3dkmt.dll; the
    # D3DKMT names only d3dkmt.dll exports follow, with new ordinals after Wine's last one.
    awk -v mod="$ROUTE_MODULE" -v overlap="$overlap" -v routed="$out/routed.names" '
        FNR == NR { d3d[$1] = 1; next }
        FNR == 1 { print "LIBRARY gdi32.dll"; print "EXPORTS" }
        {
            ord = $1; name = $2
            if (ord + 0 > max) max = ord + 0
            if (name == "-")
                printf "\"%s_ord%d\" = \"%s.#%d\" @%d NONAME\n", mod, ord, mod, ord, ord
            else if ((name in d3d) && overlap == "d3dkmt") {
                printf "\"%s\" = \"d3dkmt.%s\" @%d\n", name, name, ord
                print name, "overlap" > routed
                seen[name] = 1
            } else {
                printf "\"%s\" = \"%s.%s\" @%d\n", name, mod, name, ord
                seen[name] = 1
            }
        }
        END {
            n = 0
            for (name in d3d) if (!(name in seen)) extra[++n] = name
            # sort the new names so ordinals do not depend on awk hash order
            for (i = 2; i <= n; i++) { v = extra[i]; for (j = i - 1; j > 0 && extra[j] > v; j--) extra[j + 1] = extra[j]; extra[j + 1] = v }
            for (i = 1; i <= n; i++) {
                printf "\"%s\" = \"d3dkmt.%s\" @%d\n", extra[i], extra[i], max + i
                print extra[i], "added" > routed
            }
        }' "$out/d3dkmt.names" "$out/wine-gdi32.exports" > "$out/gdi32.def" || die "cannot write $out/gdi32.def"
    [ -f "$out/routed.names" ] || : > "$out/routed.names"
    n_extra=$(grep -c ' added$' "$out/routed.names")

    cc=$(mingw_cc "$arch") || exit 1
    build_id=$(wine_build_id)
    [ -n "$build_id" ] || die "$WINE --version printed nothing"
    if [ "$arch" = i386 ]; then entry=_DllEntry@12; else entry=DllEntry; fi
    [ -f "$GUARD_SRC" ] || die "$GUARD_SRC not found"
    "$cc" -shared -nostdlib -O2 -fno-stack-protector -fno-asynchronous-unwind-tables \
        -Wl,--entry,"$entry" -Wl,--enable-stdcall-fixup \
        -DGDI32_ROUTE_WINE_BUILD_ID="\"${build_id//\"/\\\"}\"" \
        -DGDI32_ROUTE_WINE_MODULE="\"$ROUTE_MODULE.dll\"" \
        -o "$out/gdi32.dll" "$GUARD_SRC" "$out/gdi32.def" -lkernel32 \
        > "$out/build.log" 2>&1 || { cat "$out/build.log" >&2; die "building the forwarding gdi32.dll failed"; }

    # The copy: Wine's gdi32.dll under another name, builtin marker cleared so that Wine maps this
    # very file as a native DLL instead of looking for a builtin of that name.
    cp "$wine_gdi32" "$out/$ROUTE_MODULE.dll.tmp" || die "cannot copy $wine_gdi32"
    dd if=/dev/zero of="$out/$ROUTE_MODULE.dll.tmp" bs=1 seek=64 count=32 conv=notrunc 2>/dev/null ||
        die "cannot clear the builtin marker"
    mv "$out/$ROUTE_MODULE.dll.tmp" "$out/$ROUTE_MODULE.dll"

    # Self-check: the forwarder exports every Wine export and every d3dkmt.dll D3DKMT name.
    local got want
    got=$(export_list "$out/gdi32.dll" | wc -l)
    want=$((n_wine + n_extra))
    [ "$got" -eq "$want" ] || die "the generated gdi32.dll exports $got names, expected $want"
    printf '%s\n' "$build_id" > "$out/wine-build-id"
    GEN_N_WINE=$n_wine GEN_N_D3D=$n_d3d GEN_N_EXTRA=$n_extra
}

# ---- Prefix, application and registry helpers -------------------------------------------------

check_prefix() {
    local p=$1
    [ -d "$p" ] || die "prefix $p does not exist"
    [ -f "$p/system.reg" ] && [ -d "$p/drive_c/windows" ] || die "$p is not an initialised Wine prefix (run: WINEPREFIX=$p wineboot -i)"
    PREFIX=$(cd -P "$p" && pwd -P)
}

winecmd() {  # run a Wine program in PREFIX, quietly
    WINEPREFIX=$PREFIX WINEDEBUG=-all "$WINE" "$@"
}

# resolve_app APP: sets APP_PATH (absolute Unix path), APP_DIR, APP_NAME (basename, as on disk).
resolve_app() {
    local a=$1
    case $a in
        [A-Za-z]:*|*\\*)
            a=$(winecmd winepath -u "$a" 2>/dev/null | tr -d '\r') || true
            [ -n "$a" ] || die "cannot convert $1 to a Unix path" ;;
    esac
    [ -f "$a" ] || die "application $a not found (give the path of the .exe)"
    APP_DIR=$(cd -P "$(dirname "$a")" && pwd -P)
    APP_NAME=$(basename "$a")
    APP_PATH=$APP_DIR/$APP_NAME
    case $APP_NAME in
        *.exe|*.EXE|*.Exe) ;;
        *) die "$APP_NAME is not an .exe" ;;
    esac
}

state_dir_for() {  # state_dir_for APP_NAME
    echo "$PREFIX/$STATE_DIRNAME/$(echo "$1" | tr 'A-Z' 'a-z')"
}

# system_dir_for ARCH: where the prefix keeps DLLs of that architecture: i386 in syswow64 in a
# 64-bit prefix, in system32 in a 32-bit one (which has no syswow64).
system_dir_for() {
    if [ "$1" = i386 ] && [ -d "$PREFIX/drive_c/windows/syswow64" ]; then echo "$PREFIX/drive_c/windows/syswow64"
    else echo "$PREFIX/drive_c/windows/system32"; fi
}

app_key() { echo "HKCU\\Software\\Wine\\AppDefaults\\$1"; }

reg_key_exists() { winecmd reg query "$1" >/dev/null 2>&1; }

# reg_value KEY NAME: prints "TYPE<TAB>DATA" of the value, or fails when it does not exist.
reg_value() {
    local out line
    out=$(winecmd reg query "$1" /v "$2" 2>/dev/null | tr -d '\r') || return 1
    line=$(printf '%s\n' "$out" | grep -i "^    $2    REG_" | head -n 1) || return 1
    printf '%s\n' "$line" | sed -e "s/^    [^ ]*    \(REG_[A-Z_]*\)    \{0,1\}/\1\t/"
}

# key_is_empty KEY: true when KEY has no value and no subkey.
key_is_empty() {
    local out
    out=$(winecmd reg query "$1" 2>/dev/null | tr -d '\r' | grep -v '^$' | tail -n +2)
    [ -z "$out" ]
}

# ---- Subcommands ------------------------------------------------------------------------------

cmd_generate() {
    local out="" arch=x86_64 d3dkmt_dll="" overlap=d3dkmt dlldir
    [ $# -ge 1 ] || usage_error "generate needs OUTDIR"
    out=$1; shift
    while [ $# -gt 0 ]; do
        case $1 in
            --arch) arch=${2:?}; shift 2 ;;
            --d3dkmt-dll) d3dkmt_dll=${2:?}; shift 2 ;;
            --overlap) overlap=${2:?}; shift 2 ;;
            *) usage_error "generate: unknown option $1" ;;
        esac
    done
    case $overlap in d3dkmt|wine) ;; *) usage_error "--overlap takes d3dkmt or wine" ;; esac
    [ -n "$d3dkmt_dll" ] || usage_error "generate needs --d3dkmt-dll PATH"
    setup_wine_tools
    dlldir=$(find_wine_dlldir "$arch") || exit 1
    generate "$out" "$arch" "$dlldir/$arch-windows/gdi32.dll" "$d3dkmt_dll" "$overlap"
    info "generated $out/gdi32.dll ($GEN_N_WINE exports of Wine's gdi32, $GEN_N_D3D D3DKMT names of d3dkmt.dll, $GEN_N_EXTRA added)"
}

cmd_install() {
    local d3dkmt_dll="" overlap=d3dkmt arch dlldir sdir prev_state f
    [ $# -ge 2 ] || usage_error "install needs PREFIX APP.exe"
    local prefix_arg=$1 app_arg=$2
    shift 2
    while [ $# -gt 0 ]; do
        case $1 in
            --d3dkmt-dll) d3dkmt_dll=${2:?}; shift 2 ;;
            --overlap) overlap=${2:?}; shift 2 ;;
            *) usage_error "install: unknown option $1" ;;
        esac
    done
    case $overlap in d3dkmt|wine) ;; *) usage_error "--overlap takes d3dkmt or wine" ;; esac
    setup_wine_tools
    check_prefix "$prefix_arg"
    resolve_app "$app_arg"
    arch=$(pe_arch "$APP_PATH") || die "$APP_PATH is not an x86_64 or i386 PE executable"
    [ -n "$d3dkmt_dll" ] || d3dkmt_dll=$(system_dir_for "$arch")/d3dkmt.dll
    # Recorded in the state and read by check from any directory: make it absolute.
    case $d3dkmt_dll in /*) ;; *) d3dkmt_dll=$(pwd)/$d3dkmt_dll ;; esac
    dlldir=$(find_wine_dlldir "$arch") || exit 1
    sdir=$(state_dir_for "$APP_NAME")

    # A second install of the same application refreshes it and keeps the registry state recorded
    # by the first; another application with the same file name is refused (AppDefaults is keyed
    # by file name only).
    prev_state=""
    if [ -f "$sdir/state" ]; then
        prev_state=$(
            # shellcheck disable=SC1091
            . "$sdir/state"; [ "$app_path" = "$APP_PATH" ] && echo same || echo "$app_path")
        [ "$prev_state" = same ] || die "a route is already installed for another $APP_NAME ($prev_state); uninstall it first"
        info "refreshing the route of $APP_PATH"
    fi
    for f in gdi32.dll "$ROUTE_MODULE.dll"; do
        if [ -e "$APP_DIR/$f" ] && [ "$prev_state" != same ]; then
            die "$APP_DIR/$f exists already; it is not ours, so it is left alone (the route needs that name)"
        fi
    done

    tmp=$(mktemp -d "${TMPDIR:-/tmp}/gdi32-route.XXXXXX") || die "mktemp failed"
    trap 'rm -rf "$tmp"' EXIT
    generate "$tmp/gen" "$arch" "$dlldir/$arch-windows/gdi32.dll" "$d3dkmt_dll" "$overlap"

    # Registry state before the first install, so that uninstall restores it exactly.
    local key had_appdefaults had_app had_overrides old_value
    key=$(app_key "$APP_NAME")
    if [ "$prev_state" = same ]; then
        # shellcheck disable=SC1091
        . "$sdir/state"
    else
        reg_key_exists 'HKCU\Software\Wine\AppDefaults' && had_appdefaults=1 || had_appdefaults=0
        reg_key_exists "$key" && had_app=1 || had_app=0
        reg_key_exists "$key\\DllOverrides" && had_overrides=1 || had_overrides=0
        old_value=$(reg_value "$key\\DllOverrides" gdi32) || old_value=""
    fi

    # Files first, then the registry value that makes Wine use them.
    mkdir -p "$sdir" || die "cannot create $sdir"
    cp "$tmp/gen/gdi32.dll" "$APP_DIR/gdi32.dll.route-tmp" &&
        cp "$tmp/gen/$ROUTE_MODULE.dll" "$APP_DIR/$ROUTE_MODULE.dll.route-tmp" &&
        mv -f "$APP_DIR/gdi32.dll.route-tmp" "$APP_DIR/gdi32.dll" &&
        mv -f "$APP_DIR/$ROUTE_MODULE.dll.route-tmp" "$APP_DIR/$ROUTE_MODULE.dll" ||
        { rm -f "$APP_DIR"/*.route-tmp; die "cannot write into $APP_DIR"; }
    winecmd reg add "$key\\DllOverrides" /v gdi32 /t REG_SZ /d "$OVERRIDE_VALUE" /f >/dev/null 2>&1 ||
        die "cannot set $key\\DllOverrides gdi32=$OVERRIDE_VALUE"

    cp "$tmp/gen/wine-gdi32.exports" "$tmp/gen/d3dkmt.names" "$tmp/gen/routed.names" "$tmp/gen/gdi32.def" "$sdir/"
    {
        printf 'app_path=%q\n' "$APP_PATH"
        printf 'app_dir=%q\n' "$APP_DIR"
        printf 'app_name=%q\n' "$APP_NAME"
        printf 'arch=%q\n' "$arch"
        printf 'overlap=%q\n' "$overlap"
        printf 'wine_build_id=%q\n' "$(cat "$tmp/gen/wine-build-id")"
        printf 'wine_gdi32=%q\n' "$dlldir/$arch-windows/gdi32.dll"
        printf 'wine_gdi32_sha256=%q\n' "$(sha256 "$dlldir/$arch-windows/gdi32.dll")"
        printf 'd3dkmt_dll=%q\n' "$d3dkmt_dll"
        printf 'gdi32_sha256=%q\n' "$(sha256 "$APP_DIR/gdi32.dll")"
        printf 'copy_sha256=%q\n' "$(sha256 "$APP_DIR/$ROUTE_MODULE.dll")"
        printf 'had_appdefaults=%q\n' "$had_appdefaults"
        printf 'had_app=%q\n' "$had_app"
        printf 'had_overrides=%q\n' "$had_overrides"
        printf 'old_value=%q\n' "$old_value"
    } > "$sdir/state" || die "cannot write $sdir/state"

    info "installed for $APP_PATH ($arch): gdi32.dll and $ROUTE_MODULE.dll in $APP_DIR, $key\\DllOverrides gdi32=$OVERRIDE_VALUE"
    info "$GEN_N_WINE exports of Wine's gdi32 ($(cat "$tmp/gen/wine-build-id")); D3DKMT names forwarded to d3dkmt.dll: $(awk '{printf "%s%s", sep, $1; sep=" "}' "$tmp/gen/routed.names")"
    if [ "$overlap" = d3dkmt ] && grep -q ' overlap$' "$tmp/gen/routed.names"; then
        info "note: these names also exist in Wine's gdi32 and now go to d3dkmt.dll: $(awk '$2=="overlap"{printf "%s%s", sep, $1; sep=" "}' "$tmp/gen/routed.names")"
    fi
}

cmd_uninstall() {
    [ $# -eq 2 ] || usage_error "uninstall needs PREFIX APP.exe"
    setup_wine_tools
    check_prefix "$1"
    local app_arg=$2 name sdir key f want
    # The application may be gone already: accept its path or its file name.
    name=$(basename "${app_arg//\\//}")
    sdir=$(state_dir_for "$name")
    [ -f "$sdir/state" ] || die "no route installed for $name in $PREFIX"
    local app_path app_dir app_name had_appdefaults had_app had_overrides old_value gdi32_sha256 copy_sha256
    # shellcheck disable=SC1091
    . "$sdir/state"
    key=$(app_key "$app_name")

    # Registry: the old value back, or no value; then the keys this route created, if empty.
    if [ -n "$old_value" ]; then
        winecmd reg add "$key\\DllOverrides" /v gdi32 /t "${old_value%%	*}" /d "${old_value#*	}" /f >/dev/null 2>&1 ||
            die "cannot restore $key\\DllOverrides gdi32"
    elif reg_value "$key\\DllOverrides" gdi32 >/dev/null; then
        winecmd reg delete "$key\\DllOverrides" /v gdi32 /f >/dev/null 2>&1 || die "cannot delete $key\\DllOverrides gdi32"
    fi
    if [ "$had_overrides" = 0 ] && reg_key_exists "$key\\DllOverrides" && key_is_empty "$key\\DllOverrides"; then
        winecmd reg delete "$key\\DllOverrides" /f >/dev/null 2>&1 || die "cannot delete $key\\DllOverrides"
    fi
    if [ "$had_app" = 0 ] && reg_key_exists "$key" && key_is_empty "$key"; then
        winecmd reg delete "$key" /f >/dev/null 2>&1 || die "cannot delete $key"
    fi
    if [ "$had_appdefaults" = 0 ] && reg_key_exists 'HKCU\Software\Wine\AppDefaults' &&
       key_is_empty 'HKCU\Software\Wine\AppDefaults'; then
        winecmd reg delete 'HKCU\Software\Wine\AppDefaults' /f >/dev/null 2>&1 || die "cannot delete HKCU\\Software\\Wine\\AppDefaults"
    fi

    # Files: only ours (same content as installed); a changed file is reported and left.
    for f in gdi32.dll "$ROUTE_MODULE.dll"; do
        [ -e "$app_dir/$f" ] || continue
        if [ "$f" = gdi32.dll ]; then want=$gdi32_sha256; else want=$copy_sha256; fi
        if [ "$(sha256 "$app_dir/$f")" = "$want" ]; then
            rm -f "$app_dir/$f" || die "cannot remove $app_dir/$f"
        else
            echo "$PROG: warning: $app_dir/$f changed since install; left in place" >&2
        fi
    done
    rm -rf "$sdir"
    rmdir "$PREFIX/$STATE_DIRNAME" 2>/dev/null
    info "uninstalled the route of $app_path"
}

# check_one SDIR: prints findings; returns 0 when the route is intact and current, 1 otherwise.
check_one() {
    local sdir=$1 bad=0 now cur_list d3d_now
    local app_path app_dir app_name arch overlap wine_build_id wine_gdi32 wine_gdi32_sha256 d3dkmt_dll \
          gdi32_sha256 copy_sha256 had_appdefaults had_app had_overrides old_value
    # shellcheck disable=SC1091
    . "$sdir/state"
    local fix="run: $PROG install $PREFIX $app_path   (rebuilds the route from the installed Wine and d3dkmt.dll)"
    now=$(wine_build_id)
    if [ "$now" != "$wine_build_id" ]; then
        echo "MISMATCH $app_name: installed for \"$wine_build_id\", Wine is now \"$now\""; bad=1
    fi
    if [ ! -f "$wine_gdi32" ]; then
        echo "MISMATCH $app_name: Wine's gdi32.dll ($wine_gdi32) is gone"; bad=1
    else
        if [ "$(sha256 "$wine_gdi32")" != "$wine_gdi32_sha256" ]; then
            echo "MISMATCH $app_name: Wine's gdi32.dll changed since install; $ROUTE_MODULE.dll in $app_dir is a stale copy"; bad=1
        fi
        cur_list=$(export_list "$wine_gdi32")
        if [ "$cur_list" != "$(cat "$sdir/wine-gdi32.exports")" ]; then
            echo "MISMATCH $app_name: Wine's gdi32 exports changed:"
            diff <(cat "$sdir/wine-gdi32.exports") <(printf '%s\n' "$cur_list") | grep '^[<>]' | sed 's/^</  removed/; s/^>/  added  /' | head -n 20
            bad=1
        fi
    fi
    if [ ! -f "$d3dkmt_dll" ]; then
        echo "MISMATCH $app_name: $d3dkmt_dll is missing: the forwarded D3DKMT functions cannot load"; bad=1
    else
        d3d_now=$(d3dkmt_names "$d3dkmt_dll")
        if [ "$d3d_now" != "$(cat "$sdir/d3dkmt.names")" ]; then
            echo "MISMATCH $app_name: d3dkmt.dll's D3DKMT exports changed:"
            diff <(cat "$sdir/d3dkmt.names") <(printf '%s\n' "$d3d_now") | grep '^[<>]' | sed 's/^</  removed/; s/^>/  added  /' | head -n 20
            bad=1
        fi
    fi
    if [ ! -f "$app_dir/gdi32.dll" ] || [ "$(sha256 "$app_dir/gdi32.dll")" != "$gdi32_sha256" ]; then
        echo "MISMATCH $app_name: $app_dir/gdi32.dll is missing or was replaced"; bad=1
    fi
    if [ ! -f "$app_dir/$ROUTE_MODULE.dll" ] || [ "$(sha256 "$app_dir/$ROUTE_MODULE.dll")" != "$copy_sha256" ]; then
        echo "MISMATCH $app_name: $app_dir/$ROUTE_MODULE.dll is missing or was replaced"; bad=1
    fi
    local v
    v=$(reg_value "$(app_key "$app_name")\\DllOverrides" gdi32) || v=""
    if [ "${v#*	}" != "$OVERRIDE_VALUE" ]; then
        echo "MISMATCH $app_name: $(app_key "$app_name")\\DllOverrides gdi32 is \"${v#*	}\", not \"$OVERRIDE_VALUE\""; bad=1
    fi
    [ -f "$app_path" ] || echo "warning: $app_path no longer exists (uninstall with: $PROG uninstall $PREFIX $app_name)"
    if [ $bad = 0 ]; then
        echo "OK $app_name: $app_path uses the route ($(wc -l < "$sdir/routed.names") D3DKMT names to d3dkmt.dll, the rest to Wine's gdi32 of \"$wine_build_id\")"
    else
        echo "  fix: $fix"
    fi
    return $bad
}

cmd_check() {
    [ $# -ge 1 ] && [ $# -le 2 ] || usage_error "check needs PREFIX [APP.exe]"
    setup_wine_tools
    check_prefix "$1"
    local rc=0 sdir any=0
    if [ $# = 2 ]; then
        sdir=$(state_dir_for "$(basename "${2//\\//}")")
        [ -f "$sdir/state" ] || { echo "no route installed for $(basename "${2//\\//}") in $PREFIX"; return 1; }
        check_one "$sdir" || rc=1
        return $rc
    fi
    for sdir in "$PREFIX/$STATE_DIRNAME"/*/; do
        [ -f "$sdir/state" ] || continue
        any=1
        check_one "${sdir%/}" || rc=1
    done
    [ $any = 1 ] || echo "no gdi32 route installed in $PREFIX"
    return $rc
}

# names PREFIX: every D3DKMT name of the installed Wine's gdi32.dll and of the prefix's d3dkmt.dll,
# and where a call through each way goes: gdi32.dll without a route, gdi32.dll of each routed
# application, d3dkmt.dll (docs/gdi32-route.md, docs/decisions/wine-handles.md).
cmd_names() {
    local d3dkmt_dll="" dlldir wine_names d3d_names sdir apps="" app name w d r line
    [ $# -ge 1 ] || usage_error "names needs PREFIX"
    local prefix_arg=$1
    shift
    while [ $# -gt 0 ]; do
        case $1 in
            --d3dkmt-dll) d3dkmt_dll=${2:?}; shift 2 ;;
            *) usage_error "names: unknown option $1" ;;
        esac
    done
    setup_wine_tools
    check_prefix "$prefix_arg"
    dlldir=$(find_wine_dlldir x86_64) || exit 1
    [ -n "$d3dkmt_dll" ] || d3dkmt_dll=$(system_dir_for x86_64)/d3dkmt.dll
    wine_names=$(export_list "$dlldir/x86_64-windows/gdi32.dll" | awk '$2 ~ /^D3DKMT/ { print $2 }' | LC_ALL=C sort -u)
    d3d_names=""
    [ -f "$d3dkmt_dll" ] && d3d_names=$(d3dkmt_names "$d3dkmt_dll")
    for sdir in "$PREFIX/$STATE_DIRNAME"/*/; do
        [ -f "$sdir/state" ] && [ -f "$sdir/routed.names" ] && apps="$apps ${sdir%/}"
    done
    echo "D3DKMT names of Wine \"$(wine_build_id)\"'s gdi32.dll ($(printf '%s\n' "$wine_names" | grep -c .)) and of"
    echo "${d3dkmt_dll} ($(printf '%s\n' "$d3d_names" | grep -c .)); where a call goes:"
    echo "  gdi32: through gdi32.dll without a route;  route: through the gdi32.dll of a routed application;"
    echo "  d3dkmt.dll*: d3dkmt.dll, which hands Wine's part to Wine's function (docs/decisions/wine-handles.md)"
    { printf '%s\n' "$wine_names"; printf '%s\n' "$d3d_names"; } | grep . | LC_ALL=C sort -u | while read -r name; do
        w=no; d=no
        printf '%s\n' "$wine_names" | grep -qx "$name" && w=yes
        printf '%s\n' "$d3d_names" | grep -qx "$name" && d=yes
        if [ $w = yes ] && [ $d = yes ]; then line="gdi32: Wine   d3dkmt.dll: d3dkmt.dll*"
        elif [ $w = yes ]; then line="gdi32: Wine   d3dkmt.dll: -"
        else line="gdi32: -      d3dkmt.dll: d3dkmt.dll"
        fi
        for sdir in $apps; do
            app=$(basename "$sdir")
            r=$(awk -v n="$name" '$1 == n { print $2 }' "$sdir/routed.names")
            case $r in
                overlap) line="$line   route $app: d3dkmt.dll*" ;;
                added) line="$line   route $app: d3dkmt.dll" ;;
                *) if [ $w = yes ]; then line="$line   route $app: Wine"; else line="$line   route $app: -"; fi ;;
            esac
        done
        printf '  %-42s %s\n' "$name" "$line"
    done
    return 0
}

cmd_list() {
    [ $# -eq 1 ] || usage_error "list needs PREFIX"
    local sdir
    [ -d "$1" ] || die "prefix $1 does not exist"
    for sdir in "$1/$STATE_DIRNAME"/*/; do
        [ -f "$sdir/state" ] || continue
        (
            # shellcheck disable=SC1091
            . "$sdir/state"; echo "$app_path"
        )
    done
    return 0
}

[ $# -ge 1 ] || usage_error "no command given"
cmd=$1
shift
case $cmd in
    install)   cmd_install "$@" ;;
    uninstall) cmd_uninstall "$@" ;;
    check)     cmd_check "$@" ;;
    list)      cmd_list "$@" ;;
    names)     cmd_names "$@" ;;
    generate)  cmd_generate "$@" ;;
    help|-h|--help) usage ;;
    *) usage_error "unknown command $cmd" ;;
esac
