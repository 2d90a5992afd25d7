#!/bin/sh
# Install everything d3dkmt needs to build and test, as root, on Debian 12 (bookworm) or Debian 13
# (trixie).  Idempotent: when every package is already present it only checks and returns (about a
# second), without apt-get update.
#
# Usage: sh tools/install-deps.sh [--print] [GROUP...]
#   GROUP   build  compiler, autotools, Vulkan loader and validation layer, libdrm, cmocka, ncurses
#                  (d3dkmt-top), Mesa
#           wine   Wine (wine, wine64, its headers and tools) and mingw-w64, for the DLL and the
#                  Windows-side tests
#           i386   the 32-bit half (docs/wine-dll.md): the i386 architecture, gcc -m32, mingw-w64's
#                  i686 compilers, Wine's 32-bit loader and i386 headers and libraries, and the
#                  i386 Vulkan loader, validation layer, libdrm and Mesa (the same version as the
#                  amd64 Mesa), for the 32-bit d3dkmt.dll and its tests under the 32-bit Wine
#           check  what tools/check-all.sh adds: clang, its runtime and LLVM (sanitizers, libFuzzer),
#                  valgrind, mmdebstrap and mount (the Debian 13 root of the Wine 10 step)
#           Default: all four.
#   --print print the packages of the groups for this release and exit
#
# i386 packages of a Multi-Arch: same library must have the version of its amd64 twin.  On a fresh
# image the installed amd64 libraries are older than the mirror's, so the i386 group moves each
# twin the i386 packages need to a version the mirror has for both architectures, in the same
# transaction (i386_plan below).  apt-get update is retried when an index fails to download (a
# mirror being updated); apt-get waits up to 15 minutes for another apt or dpkg to finish.
#
# The release decides where Mesa and clang's runtime come from (the table in release_table):
# Mesa's lavapipe must be 25.0 or newer (VK_EXT_memory_priority, VK_EXT_pageable_device_local_memory,
# VK_EXT_memory_budget, sparse binding, timeline semaphores); Debian 12 has 22.3, so there it comes
# from bookworm-backports; Debian 13 has 25.0.7 in the release itself.
set -eu

MESA_MIN=25.0

# ---- The release: the one place that knows which Debian release this is and what it needs ----
# Sets RELEASE (the codename), CLANG_RT (clang's runtime package for the default clang) and
# MESA_SUITE (the suite Mesa comes from when the release's own is too old; empty: the release).
release_table() {
    RELEASE=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release 2>/dev/null | head -n 1)
    case "$RELEASE" in
        bookworm) CLANG_RT=libclang-rt-14-dev; MESA_SUITE=bookworm-backports ;;
        trixie)   CLANG_RT=libclang-rt-19-dev; MESA_SUITE= ;;
        *)
            echo "install-deps.sh: warning: '${RELEASE:-unknown}' is not Debian 12 (bookworm) or 13 (trixie);" \
                "trying as on Debian 13" >&2
            CLANG_RT=libclang-rt-19-dev; MESA_SUITE= ;;
    esac
}

packages() {
    case "$1" in
        build) echo "build-essential autoconf automake libtool pkg-config libvulkan-dev vulkan-validationlayers
                     vulkan-tools libdrm-dev libcmocka-dev libncurses-dev" ;;
        wine)  echo "libwine-dev wine wine64 wine64-tools mingw-w64" ;;
        # mesa-vulkan-drivers:i386 is handled apart (mesa_i386_ok): the version of the amd64 one.
        i386)  echo "gcc-multilib gcc-mingw-w64-i686-win32 g++-mingw-w64-i686-win32 wine32:i386 libwine-dev:i386
                     libvulkan-dev:i386 libdrm-dev:i386 vulkan-validationlayers:i386" ;;
        check) echo "clang llvm $CLANG_RT valgrind mmdebstrap mount" ;;
        *) echo "install-deps.sh: unknown group '$1' (build, wine, i386, check)" >&2; return 1 ;;
    esac
}

print=no
groups=
for a in "$@"; do
    case "$a" in
        --print) print=yes ;;
        -h|--help) sed -n '2,/^set -eu/{/^set -eu/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        build|wine|i386|check) groups="$groups $a" ;;
        *) echo "install-deps.sh: unknown argument '$a' (see --help)" >&2; exit 2 ;;
    esac
done
[ -n "$groups" ] || groups="build wine i386 check"

release_table
native=$(dpkg --print-architecture 2>/dev/null || echo unknown)
want=
for g in $groups; do want="$want $(packages "$g")"; done
i386=no
case " $groups " in *" i386 "*) i386=yes ;; esac
if [ "$i386" = yes ] && [ "$native" != amd64 ]; then
    echo "install-deps.sh: warning: the i386 group is for amd64 machines (this one is $native); skipped" >&2
    i386=no
    want=$(for p in $want; do case "$p" in *:i386|gcc-multilib|*mingw-w64-i686*) ;; *) echo "$p" ;; esac; done)
fi
mesa=no
# The i386 Mesa takes the amd64 Mesa's version: the i386 group needs the amd64 one as well.
case " $groups " in *" build "*|*" i386 "*) mesa=yes ;; esac

if [ "$print" = yes ]; then
    [ "$mesa" = no ] || want="$want mesa-vulkan-drivers${MESA_SUITE:+/$MESA_SUITE}"
    [ "$i386" = no ] || want="$want mesa-vulkan-drivers:i386${MESA_SUITE:+/$MESA_SUITE}"
    # shellcheck disable=SC2086
    echo $want
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "install-deps.sh: run as root (it calls apt-get)" >&2
    exit 1
fi

# version PKG: the installed version of PKG (NAME:ARCH), or nothing.
version() {
    dpkg-query -W -f='${db:Status-Abbrev} ${Version}\n' "$1" 2>/dev/null | awk '$1 == "ii" { print $2 }'
}

# A package is present when dpkg-query says "install ok installed".  A name without an architecture
# is the native package (or an Architecture: all one): with i386 enabled, the unqualified name of a
# Multi-Arch: same package matches both.
missing() {
    for p in "$@"; do
        case "$p" in
            *:*) s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true) ;;
            *) s=$(dpkg-query -W -f='${Status}' "$p:$native" 2>/dev/null || dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true) ;;
        esac
        [ "$s" = "install ok installed" ] || echo "$p"
    done
}

mesa_ok() {
    [ "$mesa" = yes ] || return 0
    v=$(version "mesa-vulkan-drivers:$native")
    [ -n "$v" ] && dpkg --compare-versions "$v" ge "$MESA_MIN~"
}

# The i386 Mesa is the amd64 one's version (from the same suite).
mesa_i386_ok() {
    [ "$i386" = yes ] || return 0
    v=$(version mesa-vulkan-drivers:i386)
    [ -n "$v" ] && [ "$v" = "$(version mesa-vulkan-drivers:amd64)" ]
}

i386_enabled() {
    [ "$i386" = no ] || dpkg --print-foreign-architectures | grep -qx i386
}

# shellcheck disable=SC2086
need=$(missing $want)
if [ -z "$need" ] && mesa_ok && mesa_i386_ok && i386_enabled; then
    echo "install-deps.sh: all dependencies present (Debian $RELEASE; groups:$groups)"
    exit 0
fi

if [ -n "$MESA_SUITE" ] && ! mesa_ok && ! grep -rqs "$MESA_SUITE" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "deb http://deb.debian.org/debian $MESA_SUITE main" > "/etc/apt/sources.list.d/$MESA_SUITE.list"
fi
i386_enabled || dpkg --add-architecture i386

export DEBIAN_FRONTEND=noninteractive
apt="apt-get -o DPkg::Lock::Timeout=900"

# apt-get update, again after 10 s and 30 s when an index fails to download (a mirror being updated
# answers "File has unexpected size ... Mirror sync in progress?").  A source that still fails does
# not stop the install: a third-party one may be unreachable, and for a Debian one the i386 plan
# below copes with what the indexes it has offer.
update_lists() {
    for wait in 10 30 none; do
        $apt update && return 0
        [ "$wait" = none ] && break
        echo "install-deps.sh: apt-get update could not download every index; again in $wait s" >&2
        sleep "$wait"
    done
    echo "install-deps.sh: apt-get update reported errors; continuing with the indexes it has" >&2
}

# i386_closure PINS SAME PKG...: the names (without :i386) of the i386 packages that installing the
# i386 packages PKG brings, sorted: their dependency closure (Depends and Pre-Depends, with apt's
# candidates under the preferences PINS), where a dependency that an amd64 package can satisfy
# (Multi-Arch: foreign or allowed) counts as satisfied, unless the amd64 package is installed as
# Multi-Arch: same (its i386 twin is then needed).  SAME: the names of those, one a line.  Of a
# group of alternatives the first that can be satisfied counts, as apt picks it.  One apt-cache
# call (each rebuilds apt's cache where, as in Debian's images, it is not kept: seconds): its
# recursive listing holds every package the walk can reach, and the walk is done here.
i386_closure() {
    pins=$1 same=$2
    shift 2
    apt-cache -o Dir::Etc::Preferences="$pins" depends --recurse --important "$@" 2>/dev/null \
        | awk -v same="$same" -v roots="$*" '
            BEGIN { while ((getline l < same) > 0) ms[l] = 1 }
            # the listing: for package p, groups of alternatives; per member its providers
            /^[^ ]/ { p = $1; if (p in ng) p = ""; else ng[p] = 0; open = 0; next }
            p == "" { next }
            /^ [ |](Pre)?Depends: / {
                if (!open) { ng[p]++; nm[p, ng[p]] = 0 }
                g = ng[p]; m = ++nm[p, g]; mem[p, g, m] = $2; np[p, g, m] = 0
                open = substr($0, 2, 1) == "|"
                next
            }
            /^    / { np[p, g, m]++; prov[p, g, m, np[p, g, m]] = $1; next }
            # a native provider that is not installed as Multi-Arch: same satisfies the member
            function native(p, g, m,   j) {
                for (j = 1; j <= np[p, g, m]; j++)
                    if (prov[p, g, m, j] !~ /:i386$/ && !ms[prov[p, g, m, j]]) return 1
                return 0
            }
            # the i386 package a group needs, or "" (satisfied natively, or nothing can)
            function resolve(p, g,   m, j, x) {
                for (m = 1; m <= nm[p, g]; m++) {
                    x = mem[p, g, m]
                    if (x !~ /^</) return (!native(p, g, m) && x ~ /:i386$/) ? x : ""
                    if (!np[p, g, m]) continue
                    if (native(p, g, m)) return ""
                    for (j = 1; j <= np[p, g, m]; j++) if (prov[p, g, m, j] ~ /:i386$/) return prov[p, g, m, j]
                    return ""
                }
                return ""
            }
            END {
                n = split(roots, queue, " ")
                for (i = 1; i <= n; i++) seen[queue[i]] = 1
                for (i = 1; i <= n; i++)
                    for (g = 1; g <= ng[queue[i]]; g++)
                        if ((x = resolve(queue[i], g)) != "" && !(x in seen)) { seen[x] = 1; queue[++n] = x }
                for (x in seen) { sub(/:i386$/, "", x); print x }
            }' | sort -u
}

# i386_plan PINS TWINS CLOSURE PKG...: how to install the i386 packages PKG.  A Multi-Arch: same
# package must have one version on both architectures; for each such package in the dependency
# closure of PKG that is installed for amd64 (a twin), one version the mirror offers for both:
#   - the installed amd64 version, when the mirror offers it for i386 (Mesa's and libdrm's from
#     backports among them): an i386 pin makes it the i386 candidate;
#   - otherwise the i386 candidate, when the mirror offers it for amd64: the amd64 package moves to
#     it in the same transaction (a fresh image's amd64 libraries are older than the mirror's);
#   - otherwise the newest version offered for both.
# A moved twin's whole source package is pinned to the new version, so that its amd64 siblings
# with exact-version dependencies (libssl-dev on libssl3) move with it.  A move to an older version
# (where an i386 index of the mirror could not be downloaded, the i386 versions lag behind the
# amd64 ones) is said on stderr, and apt lists it as a downgrade.  Writes the apt preferences to
# PINS (Mesa's i386 version is the amd64 one's), the amd64 changes (NAME:amd64=VERSION) to TWINS,
# and the i386 packages of the closure (NAME:i386) to CLOSURE: the install names them all, which
# leaves apt's resolver no choice to get wrong.  Fails when a twin has no version offered for both
# architectures.
i386_plan() {
    pins=$1 twins=$2 closure=$3
    shift 3
    tmp=$(mktemp -d)
    printf 'Package: mesa-vulkan-drivers:i386\nPin: version %s\nPin-Priority: 1001\n\n' \
        "$(version mesa-vulkan-drivers:amd64)" > "$pins"
    : > "$twins"
    # NAME VERSION SOURCE of the installed amd64 Multi-Arch: same packages
    dpkg-query -W -f='${Package} ${Architecture} ${Multi-Arch} ${db:Status-Abbrev} ${Version} ${source:Package}\n' \
        | awk '$2 == "amd64" && $3 == "same" && $4 == "ii" { print $1, $5, $6 }' | sort > "$tmp/installed"
    awk '{ print $1 }' "$tmp/installed" > "$tmp/same"
    : > "$tmp/done"
    # The closure depends on the pins (Mesa's backports version has other dependencies): again
    # until no new twin appears.
    for round in 1 2 3 4; do
        i386_closure "$pins" "$tmp/same" "$@" > "$tmp/closure"
        join "$tmp/closure" "$tmp/installed" | join -v 1 - "$tmp/done" > "$tmp/new"
        [ -s "$tmp/new" ] || break
        names=$(awk '{ print $1 }' "$tmp/new")
        # NAME ARCH VERSION for every version the indexes offer.
        # shellcheck disable=SC2046
        apt-cache madison $(for n in $names; do echo "$n:amd64 $n:i386"; done) 2>/dev/null \
            | awk -F'|' '{ n = $1; gsub(/ /, "", n); sub(/:.*/, "", n); v = $2; gsub(/ /, "", v);
                           k = split($3, w, " "); print n, w[k - 1], v }' > "$tmp/offered"
        # NAME CANDIDATE of the i386 package.
        # shellcheck disable=SC2046
        apt-cache -o Dir::Etc::Preferences="$pins" policy $(for n in $names; do echo "$n:i386"; done) 2>/dev/null \
            | awk '/^[^ ]/ { n = $1; sub(/:i386:$/, "", n) } /^  Candidate:/ { print n, $2 }' > "$tmp/candidate"
        # keep NAME VERSION | move NAME VERSION | common NAME (decided below)
        awk 'FILENAME ~ /offered$/ { have[$1 " " $2 " " $3] = 1; next }
             FILENAME ~ /candidate$/ { cand[$1] = $2; next }
             { n = $1; v = $2
               if (have[n " i386 " v]) print "keep", n, v
               else if (cand[n] != "" && have[n " amd64 " cand[n]]) print "move", n, cand[n]
               else print "common", n }' "$tmp/offered" "$tmp/candidate" "$tmp/new" > "$tmp/decisions"
        while read -r what n v; do
            inst=$(awk -v n="$n" '$1 == n { print $2 }' "$tmp/new")
            if [ "$what" = common ]; then
                v=
                for x in $(awk -v n="$n" '$1 == n && $2 == "i386" { print $3 }' "$tmp/offered"); do
                    grep -qx "$n amd64 $x" "$tmp/offered" || continue
                    if [ -z "$v" ] || dpkg --compare-versions "$x" gt "$v"; then v=$x; fi
                done
                if [ -z "$v" ]; then
                    echo "install-deps.sh: $n is installed for amd64 ($inst) but the mirror offers no version of it for both amd64 and i386" >&2
                    rm -rf "$tmp"
                    return 1
                fi
            fi
            if [ "$what" = keep ]; then
                printf 'Package: %s:i386\nPin: version %s\nPin-Priority: 1001\n\n' "$n" "$v" >> "$pins"
            else
                src=$(awk -v n="$n" '$1 == n { print $3 }' "$tmp/new")
                printf 'Package: %s:i386 src:%s\nPin: version %s\nPin-Priority: 1001\n\n' "$n" "${src:-$n}" "$v" >> "$pins"
                echo "$n:amd64=$v" >> "$twins"
                if dpkg --compare-versions "$v" lt "$inst"; then
                    echo "install-deps.sh: warning: $n:amd64 goes back from $inst to $v: the mirror offers no newer version for i386 (did an i386 index fail to download?)" >&2
                fi
            fi
        done < "$tmp/decisions"
        cat "$tmp/new" "$tmp/done" | sort > "$tmp/done.new" && mv "$tmp/done.new" "$tmp/done"
    done
    sed 's/$/:i386/' "$tmp/closure" > "$closure"
    rm -rf "$tmp"
}

update_lists
native_need=$(for p in $need; do case "$p" in *:i386) ;; *) printf '%s ' "$p" ;; esac; done)
i386_need=$(for p in $need; do case "$p" in *:i386) printf '%s ' "$p" ;; esac; done)
if ! mesa_ok && [ -z "$MESA_SUITE" ]; then native_need="$native_need mesa-vulkan-drivers"; fi
if [ -n "$native_need" ]; then
    # shellcheck disable=SC2086
    $apt install -y --no-install-recommends $native_need
fi
if ! mesa_ok && [ -n "$MESA_SUITE" ]; then
    $apt install -y --no-install-recommends -t "$MESA_SUITE" mesa-vulkan-drivers
fi
mesa_ok || { echo "install-deps.sh: mesa-vulkan-drivers $MESA_MIN or newer could not be installed" >&2; exit 1; }

if [ "$i386" = yes ] && { [ -n "$i386_need" ] || ! mesa_i386_ok; }; then
    plan=$(mktemp -d)
    # shellcheck disable=SC2086
    i386_plan "$plan/pins" "$plan/twins" "$plan/closure" $i386_need mesa-vulkan-drivers:i386 || exit 1
    if [ -s "$plan/twins" ]; then
        echo "install-deps.sh: amd64 packages that move to the version of their i386 twins: $(awk -F= '{ printf "%s%s", sep, $0; sep = " " }' "$plan/twins")"
    fi
    # shellcheck disable=SC2046
    new=$(missing $(cat "$plan/closure"))
    # One transaction: the amd64 twins move with the i386 packages; nothing is removed.  The pins
    # decide every version, downgrades included (said above; apt lists them too).
    # shellcheck disable=SC2046,SC2086
    $apt install -y --no-install-recommends --no-remove --allow-downgrades -o Dir::Etc::Preferences="$plan/pins" \
        $(cat "$plan/twins") $(cat "$plan/closure") || { rm -rf "$plan"; exit 1; }
    # What was named only because the closure needs it is a dependency, as apt would have marked it.
    auto=$(for p in $new; do case " $i386_need mesa-vulkan-drivers:i386 " in *" $p "*) ;; *) printf '%s ' "$p" ;; esac; done)
    # shellcheck disable=SC2086
    [ -z "$auto" ] || apt-mark auto $auto > /dev/null
    rm -rf "$plan"
    mesa_i386_ok || { echo "install-deps.sh: mesa-vulkan-drivers:i386 could not be installed at the amd64 version $(version mesa-vulkan-drivers:amd64)" >&2; exit 1; }
fi
echo "install-deps.sh: done (Debian $RELEASE; groups:$groups)"
