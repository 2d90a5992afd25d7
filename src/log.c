/*
 * log.c: the debug log channel.  D3DKMT_DEBUG selects levels in WINEDEBUG style: a comma-separated
 * list of [+|-]level with level one of err, warn, fixme, trace, all; "+trace" adds tracing to the
 * default (err, warn, fixme), "-all" silences everything.  Messages go to stderr as
 * "d3dkmt:level:function message".
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 */
#include "d3dkmt_private.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MASK ((1u << D3DKMT_LOG_ERR) | (1u << D3DKMT_LOG_WARN) | (1u << D3DKMT_LOG_FIXME))

unsigned int d3dkmt_log_mask = DEFAULT_MASK;

static const char *const level_names[] = { "err", "warn", "fixme", "trace" };

/* Parses a D3DKMT_DEBUG value into a level mask. */
unsigned int d3dkmt_log_parse(const char *spec)
{
    unsigned int mask = DEFAULT_MASK;
    char buf[256], *tok, *save = NULL;

    if (!spec) return mask;
    snprintf(buf, sizeof(buf), "%s", spec);
    for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
    {
        bool on = true;
        unsigned int bits = 0, i;

        if (*tok == '+' || *tok == '-') on = (*tok++ == '+');
        if (!strcmp(tok, "all") || !strcmp(tok, "d3dkmt")) bits = 0xf;
        for (i = 0; i < 4; i++) if (!strcmp(tok, level_names[i])) bits = 1u << i;
        if (on) mask |= bits; else mask &= ~bits;
    }
    return mask;
}

void d3dkmt_log_init(void)
{
    d3dkmt_log_mask = d3dkmt_log_parse(getenv("D3DKMT_DEBUG"));
}

void d3dkmt_log(enum d3dkmt_log_level level, const char *func, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "d3dkmt:%s:%s %s\n", level_names[level], func, msg);
}
