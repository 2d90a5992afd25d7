#!/bin/sh
# tools/check-all.sh: everything CI checks (README command (2) runs it after install-deps.sh).
# Stops at the first failing step.  Total on 2 cores: about 10 minutes (docs/reliability.md).
#
#   1. autoreconf -fi; configure; make -j2 check: every test (host, ABI, Wine), as a developer runs
#   2. ASan + UBSan build (--enable-sanitizers): make check of the host tests
#   3. TSan build (--enable-tsan): the multi-threaded stress test, bounded in time
#   4. libFuzzer (clang): tests/fuzz/fuzz_api on the seed corpus for FUZZ_SECONDS (60)
#   5. valgrind memcheck over the integration tests: no error, nothing definitely lost
#
# Builds are out of tree, in build-check/{default,asan,tsan} under the source tree (ignored by
# git), so the source tree itself must not be configured in place (`make distclean` there).
# Environment: JOBS (2), FUZZ_SECONDS (60), STRESS_SECONDS (20), CHECK_DIR (build-check).
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
JOBS=${JOBS:-2}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
STRESS_SECONDS=${STRESS_SECONDS:-20}
CHECK_DIR=${CHECK_DIR:-build-check}
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

step "1/5 autoreconf, configure, make check (all tests)"
autoreconf -fi
mkdir -p "$CHECK_DIR/default"
(cd "$CHECK_DIR/default" && "$top/configure" && make_check)

# The host tests only: Wine cannot load an ASan-instrumented Unix library.
HOST_TESTS='$(unit_tests) $(integration_tests) $(mock_tests)'

step "2/5 AddressSanitizer + UndefinedBehaviorSanitizer: host tests"
mkdir -p "$CHECK_DIR/asan"
(cd "$CHECK_DIR/asan" && "$top/configure" --enable-sanitizers \
    && export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    && make_check TESTS="$HOST_TESTS" check_PROGRAMS="$HOST_TESTS" check_SCRIPTS=)

# Under a 256 KiB budget cap, so that releases of offered memory (across the two devices too) and
# the deferred frees behind them run all the time.
step "3/5 ThreadSanitizer: stress test, ${STRESS_SECONDS} s, budget cap 256 KiB"
mkdir -p "$CHECK_DIR/tsan"
(cd "$CHECK_DIR/tsan" && "$top/configure" --enable-tsan && make -j"$JOBS" tests/stress/stress \
    && export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    && { D3DKMT_BUDGET_CAP=256K ./tests/stress/stress --seconds "$STRESS_SECONDS" > stress-tsan.log 2>&1 \
         || { grep -v '^d3dkmt:' stress-tsan.log | tail -80; false; }; } \
    && grep -E '^stress:|^PASS' stress-tsan.log)

step "4/5 libFuzzer: fuzz_api, ${FUZZ_SECONDS} s"
if ! sh tests/fuzz/build.sh "$CHECK_DIR/asan" "$FUZZ_SECONDS" > "$CHECK_DIR/fuzz.log" 2>&1; then
    grep -v -E '^d3dkmt:|^#[0-9]+.*(NEW|REDUCE|pulse)' "$CHECK_DIR/fuzz.log" | tail -80
    echo "check-all: the fuzzer found a problem (log $CHECK_DIR/fuzz.log, input in $CHECK_DIR/asan/tests/fuzz/)" >&2
    exit 1
fi
grep -E '^Done|^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' "$CHECK_DIR/fuzz.log"

step "5/5 valgrind memcheck: integration tests (D3DKMT_VALIDATION=0)"
# The validation layer under valgrind is very slow; the integration tests run with it in step 1.
# One suppression, outside libd3dkmt: glibc 2.36's dynamic loader compares RPATH strings with a
# word-wise strncmp that valgrind cannot redirect (when the Vulkan loader dlopens the driver).
cat > "$CHECK_DIR/valgrind.supp" <<'SUPP'
{
   ld.so-strncmp-is_dst
   Memcheck:Addr8
   fun:strncmp
   fun:is_dst
}
SUPP
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
