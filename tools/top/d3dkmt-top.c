/*
 * d3dkmt-top.c: what libd3dkmt is doing in the programs that use it, live (docs/statistics.md).
 * Lists the processes whose statistics region it finds (include/d3dkmt_stats.h) and shows one of
 * them in a refreshing terminal view (ncurses), or prints one snapshot as text or JSON.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Usage: d3dkmt-top [-p PID] [--list] [--once] [--json] [-d SECONDS] [--keep-stale]; see --help.
 */
#include "config.h"

#include <curses.h>
#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stats_read.h"

#define MIB (1024.0 * 1024.0)
#define HINT "a program publishes them when D3DKMT_STATS=1 is in its environment"

static const char *const prio_names[3] = { "LOW", "NORMAL", "HIGH" };

struct options
{
    unsigned int pid;           /* 0: not chosen */
    int list, once, json, keep_stale;
    double interval;            /* seconds between refreshes */
};

/* ---- Output: lines to stdout, or to the curses screen ---- */

struct out
{
    int curses;
    int row, rows, cols;
    int attr;                   /* curses attribute of the next line */
};

static void line(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(struct out *o, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (!o->curses)
    {
        puts(buf);
        return;
    }
    if (o->row >= o->rows) return;
    if ((int)strlen(buf) > o->cols) buf[o->cols > 0 ? o->cols : 0] = 0;
    if (o->attr) attron(o->attr);
    mvaddstr(o->row, 0, buf);
    clrtoeol();
    if (o->attr) attroff(o->attr);
    o->attr = 0;
    o->row++;
}

static const char *size_text(char *buf, size_t size, double bytes)
{
    if (bytes >= 1024.0 * MIB) snprintf(buf, size, "%.2f GiB", bytes / (1024.0 * MIB));
    else if (bytes >= MIB) snprintf(buf, size, "%.1f MiB", bytes / MIB);
    else if (bytes >= 1024.0) snprintf(buf, size, "%.1f KiB", bytes / 1024.0);
    else snprintf(buf, size, "%.0f B", bytes);
    return buf;
}

/* A bar of `width` cells: '#' up to usage, '|' at the budget (both against `scale` bytes). */
static const char *bar(char *buf, int width, uint64_t usage, uint64_t budget, uint64_t scale)
{
    int i, used, mark;

    if (width < 3) width = 3;
    if (!scale) scale = 1;
    used = (int)((double)usage / scale * width + 0.5);
    mark = budget ? (int)((double)budget / scale * width) : -1;
    if (used > width) used = width;
    if (mark >= width) mark = width - 1;
    buf[0] = '[';
    for (i = 0; i < width; i++) buf[1 + i] = i == mark ? '|' : i < used ? '#' : '.';
    buf[width + 1] = ']';
    buf[width + 2] = 0;
    return buf;
}

static uint64_t sum3(const d3dkmt_stats_u64 *v)
{
    return v[0] + v[1] + v[2];
}

/* Resident: ALL minus the nine other gauges (include/d3dkmt_stats.h). */
static uint64_t resident(const d3dkmt_stats_u64 *gauge)
{
    uint64_t v = gauge[D3DKMT_STATS_ALL];
    unsigned int g;

    for (g = D3DKMT_STATS_OFFERED; g < D3DKMT_STATS_GAUGES; g++) v -= gauge[g];
    return v;
}

static const char *mode_text(uint32_t mode)
{
    return mode == 2 ? "pageable memory" : mode == 1 ? "memory priority only" : "no residency control";
}

static const struct d3dkmt_stats_device *find_device(const struct stats_entry *e, uint32_t slot, uint32_t serial)
{
    const struct d3dkmt_stats_device *d;

    if (!e || slot >= D3DKMT_STATS_DEVICES) return NULL;
    d = &e->region.devices[slot];
    return d->state != D3DKMT_STATS_DEVICE_FREE && d->serial == serial ? d : NULL;
}

/* ---- The text view of one process (the live screen and --once) ---- */

static double rate(uint64_t now, uint64_t before, double dt)
{
    return dt > 0 && now >= before ? (now - before) / dt : 0;
}

static void show_process(struct out *o, const struct stats_entry *e, const struct stats_entry *prev, double dt)
{
    const struct d3dkmt_stats_region *r = &e->region;
    uint64_t now = stats_now();
    char a[32], b[32], c[32], bars[160];
    uint32_t i, g;
    int width = o->curses ? o->cols - 44 : 40;

    if (width > 100) width = 100;
    o->attr = A_BOLD;
    line(o, "pid %u  %s  (up %.1f s)%s", e->pid, r->program, (now - r->created) / 1e9,
         e->other_namespace ? "  [another pid namespace]" : "");
    line(o, "  %s", r->command);
    for (i = 0; i < r->adapter_count && i < D3DKMT_STATS_ADAPTERS; i++)
    {
        const struct d3dkmt_stats_adapter *ad = &r->adapters[i];
        if (!ad->present) continue;
        o->attr = A_BOLD;
        line(o, "adapter %u: %s%s  LUID %08x:%08x%s", i, ad->name, ad->software ? " (software)" : "",
             ad->luid_high, ad->luid_low, ad->budget_cap ? "  (budget capped)" : "");
        for (g = 0; g < 2; g++)
        {
            uint64_t scale;
            if (!ad->heap_size[g] && !ad->usage[g]) continue;   /* no such heap */
            scale = ad->budget[g] > ad->usage[g] ? ad->budget[g] : ad->usage[g];
            line(o, "  %-9s %s %9s / %-9s %5.1f%%", g ? "NON_LOCAL" : "LOCAL",
                 bar(bars, width, ad->usage[g], ad->budget[g], scale + scale / 8),
                 size_text(a, sizeof(a), ad->usage[g]), size_text(b, sizeof(b), ad->budget[g]),
                 ad->budget[g] ? 100.0 * ad->usage[g] / ad->budget[g] : 0.0);
        }
    }
    for (i = 0; i < D3DKMT_STATS_DEVICES; i++)
    {
        const struct d3dkmt_stats_device *d = &r->devices[i], *p;
        uint64_t offered = 0, released = 0;

        if (d->state == D3DKMT_STATS_DEVICE_FREE) continue;
        p = find_device(prev, i, d->serial);
        for (g = 0; g < 3; g++)
        {
            offered += d->gauge_bytes[D3DKMT_STATS_OFFERED + g];
            released += d->gauge_bytes[D3DKMT_STATS_DISCARDED + g] + d->gauge_bytes[D3DKMT_STATS_DECOMMITTED + g];
        }
        o->attr = A_BOLD;
        line(o, "device %u (hDevice %#x) on adapter %u: %s; %s; sparse binding %s", d->serial, d->handle, d->adapter,
             d->state == D3DKMT_STATS_DEVICE_LIVE ? "live" : "destroyed", mode_text(d->residency_mode),
             d->sparse_binding ? "on" : "off");
        line(o, "  allocations   %llu live (%llu created); resident %s in %llu; offered %s; discarded %s",
             (unsigned long long)d->allocations, (unsigned long long)d->allocations_created,
             size_text(a, sizeof(a), resident(d->gauge_bytes)), (unsigned long long)resident(d->gauge_count),
             size_text(b, sizeof(b), offered), size_text(c, sizeof(c), released));
        line(o, "  %-16s %18s %18s %18s", "offer priority", "LOW", "NORMAL", "HIGH");
        for (g = 0; g < 3; g++)
        {
            static const char *const names[3] = { "offered now", "discarded now", "decommitted now" };
            static const unsigned int base[3] = { D3DKMT_STATS_OFFERED, D3DKMT_STATS_DISCARDED, D3DKMT_STATS_DECOMMITTED };
            char cells[3][40];
            unsigned int k;

            for (k = 0; k < 3; k++)
                snprintf(cells[k], sizeof(cells[k]), "%s (%llu)", size_text(a, sizeof(a), d->gauge_bytes[base[g] + k]),
                         (unsigned long long)d->gauge_count[base[g] + k]);
            line(o, "  %-16s %18s %18s %18s", names[g], cells[0], cells[1], cells[2]);
        }
        {
            char cells[2][3][40];
            unsigned int k;

            for (k = 0; k < 3; k++)
            {
                if (p)
                {
                    snprintf(cells[0][k], sizeof(cells[0][k]), "%llu %+.1f/s", (unsigned long long)d->offers[k],
                             rate(d->offers[k], p->offers[k], dt));
                    snprintf(cells[1][k], sizeof(cells[1][k]), "%llu %+.1f/s", (unsigned long long)d->discards[k],
                             rate(d->discards[k], p->discards[k], dt));
                }
                else
                {
                    snprintf(cells[0][k], sizeof(cells[0][k]), "%llu", (unsigned long long)d->offers[k]);
                    snprintf(cells[1][k], sizeof(cells[1][k]), "%llu", (unsigned long long)d->discards[k]);
                }
            }
            line(o, "  %-16s %18s %18s %18s", "offers", cells[0][0], cells[0][1], cells[0][2]);
            line(o, "  %-16s %18s %18s %18s", "discards", cells[1][0], cells[1][1], cells[1][2]);
        }
        line(o, "  %-16s %s in all, %llu of them offered with AllowDecommit", "",
             size_text(a, sizeof(a), sum3(d->discarded_bytes)), (unsigned long long)sum3(d->decommits));
        if (p)
            line(o, "  reclaims      OK %llu (%.1f/s)  DISCARDED %llu (%.1f/s)  NOT_COMMITTED %llu (%.1f/s)",
                 (unsigned long long)d->reclaims[0], rate(d->reclaims[0], p->reclaims[0], dt),
                 (unsigned long long)d->reclaims[1], rate(d->reclaims[1], p->reclaims[1], dt),
                 (unsigned long long)d->reclaims[2], rate(d->reclaims[2], p->reclaims[2], dt));
        else
            line(o, "  reclaims      OK %llu  DISCARDED %llu  NOT_COMMITTED %llu", (unsigned long long)d->reclaims[0],
                 (unsigned long long)d->reclaims[1], (unsigned long long)d->reclaims[2]);
        line(o, "  pending       %llu deferred operation(s), the oldest waiting %.1f ms; %llu free(s) behind their bind",
             (unsigned long long)d->deferred_pending,
             d->deferred_oldest && now > d->deferred_oldest ? (now - d->deferred_oldest) / 1e6 : 0.0,
             (unsigned long long)d->bind_waiters);
        line(o, "  residency     MakeResident %llu (%llu allocations, %llu over budget)  Evict %llu (%llu allocations)",
             (unsigned long long)d->make_resident_calls, (unsigned long long)d->make_resident_allocations,
             (unsigned long long)d->make_resident_over_budget, (unsigned long long)d->evict_calls,
             (unsigned long long)d->evict_allocations);
        if (p)
            line(o, "  fence waits   CPU %llu (%.1f/s)  GPU %llu (%.1f/s);  freed %s (%s/s)",
                 (unsigned long long)d->fence_waits_cpu, rate(d->fence_waits_cpu, p->fence_waits_cpu, dt),
                 (unsigned long long)d->fence_waits_gpu, rate(d->fence_waits_gpu, p->fence_waits_gpu, dt),
                 size_text(a, sizeof(a), d->bytes_freed),
                 size_text(b, sizeof(b), rate(d->bytes_freed, p->bytes_freed, dt)));
        else
            line(o, "  fence waits   CPU %llu  GPU %llu;  freed %s", (unsigned long long)d->fence_waits_cpu,
                 (unsigned long long)d->fence_waits_gpu, size_text(a, sizeof(a), d->bytes_freed));
    }
    if (r->devices_unpublished)
        line(o, "(%llu device(s) found no slot and are not shown)", (unsigned long long)r->devices_unpublished);
}

/* ---- JSON ---- */

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++)
    {
        unsigned char c = *s;
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

static void json_prio(const char *key, const d3dkmt_stats_u64 *v)
{
    printf("\"%s\": { \"LOW\": %llu, \"NORMAL\": %llu, \"HIGH\": %llu }", key, (unsigned long long)v[0],
           (unsigned long long)v[1], (unsigned long long)v[2]);
}

static void json_gauge(const char *key, const struct d3dkmt_stats_device *d, unsigned int base)
{
    unsigned int g;

    printf("\"%s\": {", key);
    for (g = 0; g < 3; g++)
        printf(" \"%s\": { \"bytes\": %llu, \"count\": %llu }%s", prio_names[g],
               (unsigned long long)d->gauge_bytes[base + g], (unsigned long long)d->gauge_count[base + g],
               g < 2 ? "," : " }");
}

static void json_process(const struct stats_entry *e, bool last)
{
    const struct d3dkmt_stats_region *r = &e->region;
    uint64_t now = stats_now();
    bool first = true;
    uint32_t i;

    printf("    {\n      \"pid\": %u,\n      \"program\": ", e->pid);
    json_string(r->program);
    printf(",\n      \"command\": ");
    json_string(r->command);
    printf(",\n      \"state\": \"%s\",\n      \"uptime_s\": %.3f,\n      \"other_pid_namespace\": %s,\n",
           r->state == D3DKMT_STATS_LIVE ? "live" : "shut down", (now - r->created) / 1e9,
           e->other_namespace ? "true" : "false");
    printf("      \"devices_created\": %llu,\n      \"devices_unpublished\": %llu,\n      \"adapters\": [",
           (unsigned long long)r->devices_created, (unsigned long long)r->devices_unpublished);
    for (i = 0; i < r->adapter_count && i < D3DKMT_STATS_ADAPTERS; i++)
    {
        const struct d3dkmt_stats_adapter *ad = &r->adapters[i];
        if (!ad->present) continue;
        printf("%s\n        { \"index\": %u, \"name\": ", first ? "" : ",", i);
        json_string(ad->name);
        printf(", \"luid\": \"%08x:%08x\", \"software\": %s, \"vendor_id\": %u, \"device_id\": %u, \"budget_cap\": %llu,\n"
               "          \"local\": { \"budget\": %llu, \"usage\": %llu, \"heap\": %llu },\n"
               "          \"non_local\": { \"budget\": %llu, \"usage\": %llu, \"heap\": %llu },\n"
               "          \"budget_age_ms\": %.1f }",
               ad->luid_high, ad->luid_low, ad->software ? "true" : "false", ad->vendor_id, ad->device_id,
               (unsigned long long)ad->budget_cap, (unsigned long long)ad->budget[0], (unsigned long long)ad->usage[0],
               (unsigned long long)ad->heap_size[0], (unsigned long long)ad->budget[1],
               (unsigned long long)ad->usage[1], (unsigned long long)ad->heap_size[1],
               ad->budget_time && now > ad->budget_time ? (now - ad->budget_time) / 1e6 : -1.0);
        first = false;
    }
    printf("\n      ],\n      \"devices\": [");
    first = true;
    for (i = 0; i < D3DKMT_STATS_DEVICES; i++)
    {
        const struct d3dkmt_stats_device *d = &r->devices[i];
        if (d->state == D3DKMT_STATS_DEVICE_FREE) continue;
        printf("%s\n        {\n          \"serial\": %u, \"handle\": \"%#x\", \"state\": \"%s\", \"adapter\": %u,"
               " \"residency_mode\": %u, \"sparse_binding\": %s, \"vk_ready\": %s,\n",
               first ? "" : ",", d->serial, d->handle, d->state == D3DKMT_STATS_DEVICE_LIVE ? "live" : "destroyed",
               d->adapter, d->residency_mode, d->sparse_binding ? "true" : "false", d->vk_ready ? "true" : "false");
        printf("          \"allocations\": %llu,\n          \"allocations_created\": %llu,\n",
               (unsigned long long)d->allocations, (unsigned long long)d->allocations_created);
        printf("          \"resident\": { \"bytes\": %llu, \"count\": %llu },\n",
               (unsigned long long)resident(d->gauge_bytes), (unsigned long long)resident(d->gauge_count));
        printf("          "); json_gauge("offered", d, D3DKMT_STATS_OFFERED); printf(",\n");
        printf("          "); json_gauge("discarded", d, D3DKMT_STATS_DISCARDED); printf(",\n");
        printf("          "); json_gauge("decommitted", d, D3DKMT_STATS_DECOMMITTED); printf(",\n");
        printf("          "); json_prio("offers", d->offers); printf(",\n");
        printf("          "); json_prio("discards", d->discards); printf(",\n");
        printf("          "); json_prio("discarded_bytes", d->discarded_bytes); printf(",\n");
        printf("          "); json_prio("decommits", d->decommits); printf(",\n");
        printf("          \"reclaims\": { \"ok\": %llu, \"discarded\": %llu, \"not_committed\": %llu },\n",
               (unsigned long long)d->reclaims[0], (unsigned long long)d->reclaims[1],
               (unsigned long long)d->reclaims[2]);
        printf("          \"make_resident\": { \"calls\": %llu, \"allocations\": %llu, \"over_budget\": %llu },\n",
               (unsigned long long)d->make_resident_calls, (unsigned long long)d->make_resident_allocations,
               (unsigned long long)d->make_resident_over_budget);
        printf("          \"evict\": { \"calls\": %llu, \"allocations\": %llu },\n",
               (unsigned long long)d->evict_calls, (unsigned long long)d->evict_allocations);
        printf("          \"fence_waits\": { \"cpu\": %llu, \"gpu\": %llu },\n",
               (unsigned long long)d->fence_waits_cpu, (unsigned long long)d->fence_waits_gpu);
        printf("          \"deferred\": { \"pending\": %llu, \"oldest_age_ms\": %.1f, \"bind_waiters\": %llu },\n",
               (unsigned long long)d->deferred_pending,
               d->deferred_oldest && now > d->deferred_oldest ? (now - d->deferred_oldest) / 1e6 : 0.0,
               (unsigned long long)d->bind_waiters);
        printf("          \"bytes_freed\": %llu\n        }", (unsigned long long)d->bytes_freed);
        first = false;
    }
    printf("\n      ]\n    }%s\n", last ? "" : ",");
}

/* ---- One snapshot: --list and --once ---- */

static const char *status_name(enum stats_status status)
{
    switch (status)
    {
    case STATS_OK: return "ok";
    case STATS_MAKING: return "being made";
    case STATS_STALE: return "stale, removed";
    case STATS_STALE_KEPT: return "stale";
    case STATS_TRUNCATED: return "truncated";
    case STATS_NOT_REGION: return "not a region";
    case STATS_OTHER_VERSION: return "other version";
    case STATS_BAD_LAYOUT: return "corrupt";
    case STATS_UNREADABLE: return "unreadable";
    case STATS_GONE: return "gone";
    }
    return "?";
}

static void print_problems(const struct stats_entry *list, size_t n, bool json)
{
    char buf[512];
    bool first = true;
    size_t i;

    if (json) printf("  \"problems\": [");
    for (i = 0; i < n; i++)
    {
        if (list[i].status == STATS_OK) continue;
        stats_problem(&list[i], buf, sizeof(buf));
        if (!json) fprintf(stderr, "d3dkmt-top: %s\n", buf);
        else
        {
            printf("%s\n    { \"pid\": %u, \"name\": ", first ? "" : ",", list[i].pid);
            json_string(list[i].name);
            printf(", \"status\": \"%s\", \"problem\": ", status_name(list[i].status));
            json_string(buf);
            printf(" }");
        }
        first = false;
    }
    if (json) printf("%s]\n", first ? "" : "\n  ");
}

static uint64_t process_usage(const struct stats_entry *e, uint64_t *budget)
{
    uint64_t usage = 0;
    uint32_t i;

    *budget = 0;
    for (i = 0; i < e->region.adapter_count && i < D3DKMT_STATS_ADAPTERS; i++)
    {
        usage += e->region.adapters[i].usage[0];
        *budget += e->region.adapters[i].budget[0];
    }
    return usage;
}

static uint32_t live_devices(const struct stats_entry *e)
{
    uint32_t i, n = 0;
    for (i = 0; i < D3DKMT_STATS_DEVICES; i++) n += e->region.devices[i].state == D3DKMT_STATS_DEVICE_LIVE;
    return n;
}

static void list_line(struct out *o, const struct stats_entry *e)
{
    char a[32], b[32];
    uint64_t budget, usage = process_usage(e, &budget);

    line(o, "%7u  %-24.24s %8u %7u   %10s / %-10s", e->pid, e->region.program, e->region.adapter_count,
         live_devices(e), size_text(a, sizeof(a), usage), size_text(b, sizeof(b), budget));
}

static int snapshot(const struct options *opts)
{
    struct out o = { 0 };
    struct stats_entry *list;
    size_t n, i, shown = 0, ok = 0;
    int status = 0;

    if (stats_scan(STATS_DIR, getuid(), !opts->keep_stale, &list, &n))
    {
        fprintf(stderr, "d3dkmt-top: cannot read %s: %s\n", STATS_DIR, strerror(errno));
        return 2;
    }
    for (i = 0; i < n; i++)
        if (list[i].status == STATS_OK && (!opts->pid || list[i].pid == opts->pid)) ok++;
    if (opts->pid && !ok)
    {
        for (i = 0; i < n; i++) if (list[i].pid == opts->pid) break;
        if (i == n) fprintf(stderr, "d3dkmt-top: process %u publishes no libd3dkmt statistics (%s)\n", opts->pid, HINT);
        status = 1;
    }
    if (opts->json)
    {
        printf("{\n  \"version\": %u,\n  \"processes\": [\n", D3DKMT_STATS_VERSION);
        for (i = 0; i < n; i++)
            if (list[i].status == STATS_OK && (!opts->pid || list[i].pid == opts->pid))
                json_process(&list[i], ++shown == ok);
        printf("  ],\n");
        print_problems(list, n, true);
        printf("}\n");
    }
    else if (opts->list)
    {
        line(&o, "%7s  %-24s %8s %7s   %s", "PID", "PROGRAM", "ADAPTERS", "DEVICES", "LOCAL USAGE / BUDGET");
        for (i = 0; i < n; i++)
            if (list[i].status == STATS_OK && (!opts->pid || list[i].pid == opts->pid)) list_line(&o, &list[i]);
        print_problems(list, n, false);
    }
    else
    {
        for (i = 0; i < n; i++)
        {
            if (list[i].status != STATS_OK || (opts->pid && list[i].pid != opts->pid)) continue;
            if (shown++) line(&o, "%s", "");
            show_process(&o, &list[i], NULL, 0);
        }
        if (!ok && !opts->pid) fprintf(stderr, "d3dkmt-top: no process publishes libd3dkmt's statistics now (%s)\n", HINT);
        print_problems(list, n, false);
    }
    free(list);
    return status;
}

/* ---- The live view ---- */

struct live
{
    struct stats_entry *list, *prev_list;
    size_t n, prev_n;
    uint64_t time, prev_time;
    unsigned int watching;      /* pid, 0: the process list */
    size_t cursor;
    char message[256];
};

static const struct stats_entry *find_entry(const struct stats_entry *list, size_t n, unsigned int pid)
{
    size_t i;
    for (i = 0; i < n; i++) if (list[i].pid == pid && list[i].status == STATS_OK) return &list[i];
    return NULL;
}

static void draw(struct live *lv, const struct options *opts)
{
    struct out o = { .curses = 1 };
    const struct stats_entry *e;
    char buf[512];
    size_t i, row = 0;

    getmaxyx(stdscr, o.rows, o.cols);
    erase();
    o.attr = A_REVERSE;
    line(&o, "d3dkmt-top  refresh %.1f s  %s", opts->interval,
         lv->watching ? "q quit  l process list  +/- refresh" : "q quit  up/down choose  Enter show  +/- refresh");
    if (lv->watching && (e = find_entry(lv->list, lv->n, lv->watching)))
    {
        const struct stats_entry *p = find_entry(lv->prev_list, lv->prev_n, lv->watching);
        show_process(&o, e, p, p ? (lv->time - lv->prev_time) / 1e9 : 0);
    }
    else
    {
        if (lv->watching)
        {
            snprintf(lv->message, sizeof(lv->message), "pid %u is gone", lv->watching);
            lv->watching = 0;
        }
        o.attr = A_BOLD;
        line(&o, "%7s  %-24s %8s %7s   %s", "PID", "PROGRAM", "ADAPTERS", "DEVICES", "LOCAL USAGE / BUDGET");
        for (i = 0; i < lv->n; i++)
        {
            if (lv->list[i].status != STATS_OK) continue;
            if (row == lv->cursor) o.attr = A_REVERSE;
            list_line(&o, &lv->list[i]);
            row++;
        }
        if (!row) line(&o, "  (no process publishes libd3dkmt's statistics now: %s)", HINT);
        if (lv->cursor >= row && row) lv->cursor = row - 1;
        line(&o, "%s", "");
        for (i = 0; i < lv->n; i++)
            if (lv->list[i].status != STATS_OK) line(&o, "%s", stats_problem(&lv->list[i], buf, sizeof(buf)));
    }
    if (lv->message[0])
    {
        o.row = o.rows - 1;
        line(&o, "%s", lv->message);
    }
    refresh();
}

static void refresh_list(struct live *lv, const struct options *opts)
{
    free(lv->prev_list);
    lv->prev_list = lv->list;
    lv->prev_n = lv->n;
    lv->prev_time = lv->time;
    if (stats_scan(STATS_DIR, getuid(), !opts->keep_stale, &lv->list, &lv->n))
    {
        lv->list = NULL;
        lv->n = 0;
        snprintf(lv->message, sizeof(lv->message), "cannot read %s: %s", STATS_DIR, strerror(errno));
    }
    lv->time = stats_now();
}

static int live(struct options *opts)
{
    struct live lv = { .watching = opts->pid };
    SCREEN *screen;
    bool quit = false;
    size_t i, row;
    int ch;

    if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO))
    {
        fprintf(stderr, "d3dkmt-top: the live view needs a terminal; use --once or --json for scripts\n");
        return 2;
    }
    if (!(screen = newterm(NULL, stdout, stdin)))
    {
        fprintf(stderr, "d3dkmt-top: cannot drive this terminal (TERM=%s); use --once\n",
                getenv("TERM") ? getenv("TERM") : "");
        return 2;
    }
    set_term(screen);
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    curs_set(0);
    refresh_list(&lv, opts);
    /* With one process there is nothing to choose. */
    if (!lv.watching)
    {
        for (i = row = 0; i < lv.n; i++) if (lv.list[i].status == STATS_OK) { row++; lv.watching = lv.list[i].pid; }
        if (row != 1) lv.watching = 0;
    }
    while (!quit)
    {
        uint64_t due = lv.time + (uint64_t)(opts->interval * 1e9), now = stats_now();

        /* Keys do not hold the refresh back: it comes every interval. */
        if (now >= due)
        {
            refresh_list(&lv, opts);
            due = lv.time + (uint64_t)(opts->interval * 1e9);
        }
        draw(&lv, opts);
        now = stats_now();
        timeout(due > now ? (int)((due - now) / 1000000) + 1 : 0);
        ch = getch();
        if (ch != ERR) lv.message[0] = 0;
        switch (ch)
        {
        case 'q': case 'Q': quit = true; break;
        case 'l': case 'L': case 'p': case KEY_LEFT: lv.watching = 0; break;
        case '+': if (opts->interval < 10) opts->interval += opts->interval < 1 ? 0.1 : 0.5; break;
        case '-': if (opts->interval > 0.15) opts->interval -= opts->interval <= 1 ? 0.1 : 0.5; break;
        case KEY_UP: case 'k': if (lv.cursor) lv.cursor--; break;
        case KEY_DOWN: case 'j': lv.cursor++; break;
        case '\n': case '\r': case KEY_ENTER: case KEY_RIGHT:
            if (lv.watching) break;
            for (i = row = 0; i < lv.n; i++)
                if (lv.list[i].status == STATS_OK && row++ == lv.cursor) lv.watching = lv.list[i].pid;
            break;
        default: break;   /* ERR (the refresh is due), KEY_RESIZE (redrawn) */
        }
    }
    endwin();
    delscreen(screen);
    free(lv.list);
    free(lv.prev_list);
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: d3dkmt-top [-p PID] [--list] [--once] [--json] [-d SECONDS] [--keep-stale]\n"
            "\n"
            "Shows what libd3dkmt (the D3DKMT video memory manager on Vulkan, under Wine or native)\n"
            "does in the processes of this user that use it: budget and usage per adapter, bytes\n"
            "offered, discarded and decommitted per offer priority, reclaims by result, rates per\n"
            "second, deferred frees and the oldest one's age, fence waits (docs/statistics.md).\n"
            "A program publishes its statistics when started with D3DKMT_STATS=1 in its environment\n"
            "(under Wine: in the environment of wine; d3dkmt-demo turns it on itself).\n"
            "\n"
            "  -p, --pid=PID       the process to show (default: the only one, else a list to choose from)\n"
            "  -l, --list          list the processes and exit\n"
            "  -1, --once          print one snapshot as text and exit (no terminal needed)\n"
            "  -j, --json          the same as JSON (implies --once unless --list)\n"
            "  -d, --delay=SECONDS refresh interval of the live view (default 1)\n"
            "      --keep-stale    leave the regions of dead processes in /dev/shm (default: remove them)\n"
            "  -h, --help          this text\n"
            "\n"
            "The live view: q quits, l goes back to the process list, up/down and Enter choose, +/- change\n"
            "the refresh interval.  Exit status: 0; 1 the process given with -p publishes nothing;\n"
            "2 bad arguments, no terminal for the live view, or /dev/shm unreadable.\n");
}

int main(int argc, char **argv)
{
    struct options opts = { .interval = 1.0 };
    int i;

    setlocale(LC_ALL, "");
    for (i = 1; i < argc; i++)
    {
        const char *a = argv[i], *value = NULL;
        char *end;

        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); return 0; }
        else if (!strcmp(a, "-l") || !strcmp(a, "--list")) opts.list = 1;
        else if (!strcmp(a, "-1") || !strcmp(a, "--once")) opts.once = 1;
        else if (!strcmp(a, "-j") || !strcmp(a, "--json")) opts.json = 1;
        else if (!strcmp(a, "--keep-stale")) opts.keep_stale = 1;
        else if (!strcmp(a, "-p") || !strcmp(a, "-d"))
        {
            if (i + 1 >= argc) { fprintf(stderr, "d3dkmt-top: %s needs a value\n", a); return 2; }
            value = argv[++i];
        }
        else if (!strncmp(a, "--pid=", 6) || !strncmp(a, "--delay=", 8)) value = strchr(a, '=') + 1;
        else { fprintf(stderr, "d3dkmt-top: unknown argument '%s' (see --help)\n", a); usage(stderr); return 2; }
        if (!value) continue;
        errno = 0;
        if (a[1] == 'p' || a[2] == 'p')
        {
            unsigned long pid = strtoul(value, &end, 10);
            if (errno || *end || !pid || pid > 0x7fffffff) { fprintf(stderr, "d3dkmt-top: bad pid '%s'\n", value); return 2; }
            opts.pid = pid;
        }
        else
        {
            opts.interval = strtod(value, &end);
            if (errno || *end || opts.interval < 0.1 || opts.interval > 3600)
            {
                fprintf(stderr, "d3dkmt-top: bad delay '%s' (seconds, 0.1 to 3600)\n", value);
                return 2;
            }
        }
    }
    if (opts.list || opts.once || opts.json) return snapshot(&opts);
    return live(&opts);
}
