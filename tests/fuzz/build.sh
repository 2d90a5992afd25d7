#!/bin/sh
# tests/fuzz/build.sh: builds the libFuzzer target tests/fuzz/fuzz_api.c with clang (libFuzzer,
# AddressSanitizer, UndefinedBehaviorSanitizer) from the library sources and the mock Vulkan
# driver, outside automake (the normal gcc build never sees it), and optionally runs it.
#
# Usage: sh tests/fuzz/build.sh BUILDDIR [SECONDS [JOBS]]
#   BUILDDIR  a configured build tree: config.h and include/d3dkmt-wine.h come from it; the
#             binary is written to BUILDDIR/tests/fuzz/fuzz_api.
#   SECONDS   when given, runs the target that long on a scratch copy of tests/fuzz/corpus (the
#             tree is never written) and fails on any finding; crash inputs land in
#             BUILDDIR/tests/fuzz/ as crash-*, leak-*, timeout-*.
#   JOBS      parallel fuzzing processes (default 1).
# Needs clang and libclang-rt-14-dev (tools/install-deps.sh).  docs/reliability.md has the
# longer runs and how to replay a crash.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: build.sh BUILDDIR [SECONDS [JOBS]]}" && pwd)
seconds=${2:-}
jobs=${3:-1}
CLANG=${CLANG:-clang}

wine_cppflags=$(sed -n 's/^WINE_CPPFLAGS = //p' "$build/Makefile")
mkdir -p "$build/tests/fuzz"
out="$build/tests/fuzz/fuzz_api"
# shellcheck disable=SC2046,SC2086
$CLANG -std=gnu11 -g -O1 -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -D_GNU_SOURCE -I"$build" -I"$build/include" -I"$top/include" -I"$top/src" $wine_cppflags \
    $(pkg-config --cflags vulkan libdrm) -pthread -Wno-unused-command-line-argument -Wno-pragma-pack \
    "$top"/src/*.c "$top/tests/unit/mock_vulkan.c" "$top/tests/fuzz/fuzz_api.c" \
    $(pkg-config --libs vulkan libdrm) -pthread -o "$out"
echo "built $out"

[ -n "$seconds" ] || exit 0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp "$top"/tests/fuzz/corpus/* "$scratch/"
cd "$build/tests/fuzz"
# -timeout: one input may take at most 10 s (the mock reports a hang after 5 s).
set -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
[ "$jobs" -gt 1 ] && set -- "$@" -jobs="$jobs" -workers="$jobs"
"$out" "$@" "$scratch"
