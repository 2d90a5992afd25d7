/*
 * wine_test.h: a minimal test harness for the Windows programs of tests/wine (mingw-w64, run under
 * wine64 by tests/wine/run-test.sh).
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Output is cmocka's: "[ RUN      ] name", "[       OK ] name" / "[  FAILED  ] name", one line per
 * failed check with file:line, then "[==========] N test(s) run." and the summary line
 * "N passed, N failed" (counting checks; ", N skipped" added when checks were skipped).  The exit
 * status is the number of failed tests (capped at 100), 0 when everything passed.  A test may call
 * skip() when the machine cannot run it (exit status 77 when every test skipped), or
 * wt_skip_checks() for a part of it that cannot run (those checks are counted as skipped).  After
 * each test a line "[  COUNTS  ] name: N passed, N failed, N skipped" gives its own counts.
 */
#ifndef D3DKMT_WINE_TEST_H
#define D3DKMT_WINE_TEST_H

#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "d3dkmt.h"

static unsigned int wt_checks_passed, wt_checks_failed, wt_tests_failed, wt_tests_run, wt_tests_skipped;
static unsigned int wt_current_failed, wt_current_skipped;
static unsigned int wt_checks_skipped, wt_current_passed, wt_current_checks_skipped;

static void wt_check(int ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void wt_check(int ok, const char *file, int line, const char *fmt, ...)
{
    va_list args;

    if (ok)
    {
        wt_checks_passed++;
        wt_current_passed++;
        return;
    }
    wt_checks_failed++;
    wt_current_failed++;
    printf("[  ERROR   ] %s:%d: ", file, line);
    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);
    printf("\n");
    fflush(stdout);
}

/* ok(condition, printf-style message) */
#define ok(cond, ...) wt_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
/* NTSTATUS equality with both values in the message. */
#define ok_status(got, expect) \
    do { NTSTATUS wt_g = (got), wt_e = (expect); \
         wt_check(wt_g == wt_e, __FILE__, __LINE__, "%s: got %#lx, expected %#lx (%s)", #got, \
                  (unsigned long)wt_g, (unsigned long)wt_e, #expect); } while (0)

#define skip(...) do { printf("[  SKIPPED ] "); printf(__VA_ARGS__); printf("\n"); wt_current_skipped = 1; } while (0)

/* Counts `count` checks of the current test as skipped (a part that cannot run here) and prints
 * where and why. */
static inline void wt_skip_checks(unsigned int count, const char *file, int line, const char *reason)
{
    wt_checks_skipped += count;
    wt_current_checks_skipped += count;
    printf("[  SKIPPED ] %s:%d: %u check(s): %s\n", file, line, count, reason);
    fflush(stdout);
}

typedef void (*wt_test_func)(void);
struct wt_test { const char *name; wt_test_func func; };
#define WT_TEST(f) { #f, f }

static inline int wt_run(const struct wt_test *tests, unsigned int count)
{
    unsigned int i;

    printf("[==========] Running %u test(s).\n", count);
    for (i = 0; i < count; i++)
    {
        wt_current_failed = wt_current_skipped = wt_current_passed = wt_current_checks_skipped = 0;
        printf("[ RUN      ] %s\n", tests[i].name);
        fflush(stdout);
        tests[i].func();
        wt_tests_run++;
        if (wt_current_failed)
        {
            wt_tests_failed++;
            printf("[  FAILED  ] %s\n", tests[i].name);
        }
        else if (wt_current_skipped)
        {
            wt_tests_skipped++;
            printf("[  SKIPPED ] %s\n", tests[i].name);
        }
        else printf("[       OK ] %s\n", tests[i].name);
        printf("[  COUNTS  ] %s: %u passed, %u failed, %u skipped\n", tests[i].name, wt_current_passed,
               wt_current_failed, wt_current_checks_skipped);
        fflush(stdout);
    }
    printf("[==========] %u test(s) run.\n", wt_tests_run);
    printf("[  PASSED  ] %u test(s).\n", wt_tests_run - wt_tests_failed - wt_tests_skipped);
    if (wt_tests_failed) printf("[  FAILED  ] %u test(s).\n", wt_tests_failed);
    if (wt_checks_skipped)
        printf("%u passed, %u failed, %u skipped\n", wt_checks_passed, wt_checks_failed, wt_checks_skipped);
    else
        printf("%u passed, %u failed\n", wt_checks_passed, wt_checks_failed);
    fflush(stdout);
    if (wt_tests_failed) return wt_tests_failed > 100 ? 100 : (int)wt_tests_failed;
    if (wt_tests_skipped == wt_tests_run) return 77;
    return 0;
}

#define WT_MAIN(...) \
    int main(void) \
    { \
        static const struct wt_test wt_tests[] = { __VA_ARGS__ }; \
        return wt_run(wt_tests, sizeof(wt_tests) / sizeof(wt_tests[0])); \
    }

#endif /* D3DKMT_WINE_TEST_H */
