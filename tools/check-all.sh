#!/bin/sh
# tools/check-all.sh: everything CI checks (README command (2) runs it after install-deps.sh).
# Stops at the first failing step.  Total on 2 cores: about 7 minutes, 8.5 the first time, when step 2
# makes its Debian 13 root (docs/reliability.md, docs/wine-versions.md).
#
#   1. autoreconf -fi; configure; make -j2 check: every test (host, ABI, Wine: x86_64 and, with the
#      i386 half, i686 under the 32-bit loader), as a developer runs; no compiler warning; then the
#      summary of the Windows-side tests under the host's Wine
#   2. the other Debian release's Wine (Debian 12: Wine 8, Debian 13: Wine 10): in a root of that
#      release, made once with mmdebstrap and reused (tools/debian-root.sh), the build and every
#      test that runs Windows programs, with the ABI checks (tools/check-wine.sh)
#   3. ASan + UBSan build (--enable-sanitizers): make check of the host tests
#   4. TSan build (--enable-tsan): the multi-threaded stress test, bounded in time
#   5. libFuzzer (clang): tests/fuzz/fuzz_api on the seed corpus for FUZZ_SECONDS (60)
#   6. valgrind memcheck over the integration tests: no error, nothing definitely lost
#
# Builds are out of tree, in build-check/{default,asan,tsan,<release>} under the source tree
# (ignored by git), so the source tree itself must not be configured in place (`make distclean`
# there).  The roots of step 2 live outside it, in D3DKMT_ROOTS/<release>.
# Environment: JOBS (2), FUZZ_SECONDS (60), STRESS_SECONDS (20), CHECK_DIR (build-check),
# D3DKMT_ROOTS (/var/cache/d3dkmt/roots), WINE_RELEASES (bookworm trixie: the releases whose Wine
# is tested; step 2 runs for each one that is not the host's).
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
JOBS=${JOBS:-2}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
STRESS_SECONDS=${STRESS_SECONDS:-20}
CHECK_DIR=${CHECK_DIR:-build-check}
D3DKMT_ROOTS=${D3DKMT_ROOTS:-/var/cache/d3dkmt/roots}
WINE_RELEASES=${WINE_RELEASES:-bookworm trixie}
start=$(date +%s)

step() {
    echo
    echo "=== check-all: $* ($(($(date +%s) - start)) s elapsed)"
}

# Runs make check with the given arguments and prints the summary of every test log (cmocka's
# "[  PASSED  ]" / "[  FAILED  ]" lines and automake's totals), failing like make does.
make_check() {
    rc=0
    make -j"$JOBS" check "$@" || rc=$?
    for log in $(find . -name '*.log' -path './tests/*' | sort); do
        grep -H -E '^\[  (PASSED|FAILED)  \]|^(PASS|FAIL)$|[0-9]+ passed, [0-9]+ failed' "$log" 2>/dev/null | tail -3 || true
    done
    [ -f test-suite.log ] && sed -n '1,12p' test-suite.log
    return $rc
}

if [ -f config.status ]; then
    echo "check-all: the source tree is configured in place; run 'make distclean' first" >&2
    exit 1
fi

step "1/6 autoreconf, configure, make check (all tests)"
autoreconf -fi
mkdir -p "$CHECK_DIR/default"
(cd "$CHECK_DIR/default" && "$top/configure" \
    && { make -j"$JOBS" > build.log 2>&1 || { cat build.log; false; }; } \
    && { ! grep -E 'warning:' build.log || { echo "check-all: compiler warnings (build.log)" >&2; false; }; } \
    && make_check)
sh tools/check-wine.sh --summary "$CHECK_DIR/default"

host_release=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release 2>/dev/null | head -n 1)
n=0
for r in $WINE_RELEASES; do
    [ "$r" = "$host_release" ] && continue
    n=$((n + 1))
    step "2/6 the Wine of Debian $r, in a Debian $r root ($D3DKMT_ROOTS/$r): build and Windows-side tests"
    t0=$(date +%s)
    # The root sees the source tree at /src: the build directory is named relative to it.
    case "$CHECK_DIR" in /*) wine_build=build-check/$r ;; *) wine_build=$CHECK_DIR/$r ;; esac
    sh tools/debian-root.sh "$r" "$D3DKMT_ROOTS/$r" \
        sh -c "sh tools/install-deps.sh build wine i386 && sh tools/check-wine.sh '$wine_build'"
    echo "check-all: the Wine of Debian $r: $(($(date +%s) - t0)) s"
done
[ $n -gt 0 ] || step "2/6 no other Debian release in WINE_RELEASES ($WINE_RELEASES) than the host's"

# The host tests only: Wine cannot load an ASan-instrumented Unix library.
HOST_TESTS='$(unit_tests) $(integration_tests) $(mock_tests)'
# The Vulkan loader keeps the driver and layer libraries loaded at vkDestroyInstance: memory they
# still point to at exit is then not reported as leaked, and real leaks get whole stacks (Debian 13's
# Mesa leaves 128 bytes that LeakSanitizer reports from "<unknown module>" once the driver is unloaded).
# Debian 12's loader (1.3.239) ignores this variable: there tests/common.c keeps them loaded, and
# tests/lsan.supp names the one leak of the validation layer's own.
VK_LOADER_DISABLE_DYNAMIC_LIBRARY_UNLOADING=1
export VK_LOADER_DISABLE_DYNAMIC_LIBRARY_UNLOADING

step "3/6 AddressSanitizer + UndefinedBehaviorSanitizer: host tests"
mkdir -p "$CHECK_DIR/asan"
# (--disable-i386: the i386 half runs only under Wine, which these steps do not run.)
(cd "$CHECK_DIR/asan" && "$top/configure" --enable-sanitizers --disable-i386 \
    && export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0" \
    && make_check TESTS="$HOST_TESTS" check_PROGRAMS="$HOST_TESTS" check_SCRIPTS=)

# Under a 256 KiB budget cap, so that releases of offered memory (across the two devices too) and
# the deferred frees behind them run all the time.
step "4/6 ThreadSanitizer: stress test, ${STRESS_SECONDS} s, budget cap 256 KiB"
mkdir -p "$CHECK_DIR/tsan"
(cd "$CHECK_DIR/tsan" && "$top/configure" --enable-tsan --disable-i386 && make -j"$JOBS" tests/stress/stress \
    && export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    && { D3DKMT_BUDGET_CAP=256K ./tests/stress/stress --seconds "$STRESS_SECONDS" > stress-tsan.log 2>&1 \
         || { grep -v '^d3dkmt:' stress-tsan.log | tail -80; false; }; } \
    && grep -E '^stress:|^PASS' stress-tsan.log)

step "5/6 libFuzzer: fuzz_api, ${FUZZ_SECONDS} s"
if ! sh tests/fuzz/build.sh "$CHECK_DIR/asan" "$FUZZ_SECONDS" > "$CHECK_DIR/fuzz.log" 2>&1; then
    grep -v -E '^d3dkmt:|^#[0-9]+.*(NEW|REDUCE|pulse)' "$CHECK_DIR/fuzz.log" | tail -80
    echo "check-all: the fuzzer found a problem (log $CHECK_DIR/fuzz.log, input in $CHECK_DIR/asan/tests/fuzz/)" >&2
    exit 1
fi
grep -E '^Done|^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' "$CHECK_DIR/fuzz.log"

step "6/6 valgrind memcheck: integration tests (D3DKMT_VALIDATION=0)"
# The validation layer under valgrind is very slow; the integration tests run with it in step 1.
# Suppressions, outside libd3dkmt: glibc 2.36's dynamic loader compares RPATH strings with a
# word-wise strncmp that valgrind cannot redirect (when the Vulkan loader dlopens the driver).
cat > "$CHECK_DIR/valgrind.supp" <<'SUPP'
{
   ld.so-strncmp-is_dst
   Memcheck:Addr8
   fun:strncmp
   fun:is_dst
}
SUPP
# Valgrind 3.21 and newer (Debian 13) also report realloc(p, 0), which Mesa's lavapipe does; the
# kind is unknown to older versions, so the entry is added only where valgrind has it.
if valgrind --help 2>/dev/null | grep -q -- '--show-realloc-size-zero'; then
    cat >> "$CHECK_DIR/valgrind.supp" <<'SUPP'
{
   mesa-lavapipe-realloc-size-zero
   Memcheck:ReallocZero
   fun:realloc
   obj:*/libvulkan_lvp.so*
}
SUPP
fi
(cd "$CHECK_DIR/default"
 for t in tests/integration/test_core tests/integration/test_residency tests/integration/test_fence \
          tests/integration/test_sharing tests/integration/test_sync_types; do
     echo "--- valgrind $t"
     D3DKMT_VALIDATION=0 timeout 900 valgrind -q --error-exitcode=99 --suppressions=../valgrind.supp --leak-check=full --errors-for-leak-kinds=definite \
         --show-leak-kinds=definite --num-callers=30 "./$t" > "$t.valgrind.log" 2>&1 || {
         cat "$t.valgrind.log"
         echo "check-all: valgrind reported errors in $t" >&2
         exit 1
     }
     grep -E '^\[  (PASSED|FAILED)  \]' "$t.valgrind.log"
 done)

step "all checks passed"
