#!/bin/sh
# vk-drivers.sh: the value of VK_DRIVER_FILES for 32-bit programs: the Vulkan driver manifests in
# /usr/share/vulkan/icd.d whose library the i386 Vulkan loader can load, separated by ':'.
#
# Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
#
# Why: Debian's mesa-vulkan-drivers installs every driver's manifest in the architecture-independent
# /usr/share/vulkan/icd.d, but builds gfxstream's library for amd64 only.  The i386 loader then
# reports "libvulkan_gfxstream.so: cannot open shared object file" as an error through the debug
# messenger, which the library counts as a validation message (fatal in the tests), although
# nothing is wrong with the driver the test uses (lavapipe).  Listing the loadable drivers leaves
# every other one in place, on any machine.
#
# Usage: vk-drivers.sh [MULTIARCH_LIBDIR]   (default /usr/lib/i386-linux-gnu)
# A manifest's library_path is a file name looked up in MULTIARCH_LIBDIR, or an absolute path;
# either way it counts when it is a 32-bit ELF object.  Prints nothing when none is.
set -u
libdir=${1:-/usr/lib/i386-linux-gnu}
files=
for j in /usr/share/vulkan/icd.d/*.json; do
    [ -f "$j" ] || continue
    lib=$(sed -n 's/.*"library_path"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$j" | head -n 1)
    case "$lib" in
        "") continue ;;
        /*) f=$lib ;;
        *) f=$libdir/$lib ;;
    esac
    # ELF class 1 (32-bit) at byte 4.
    [ -f "$f" ] && [ "$(od -An -tu1 -j4 -N1 "$f" 2>/dev/null | tr -d ' ')" = 1 ] || continue
    files=$files${files:+:}$j
done
echo "$files"
