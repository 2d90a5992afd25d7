/*
 * stats_read.h: finding and reading the statistics regions of libd3dkmt (include/d3dkmt_stats.h)
 * from another process: d3dkmt-top and the tests use it.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * A region's writer holds a shared flock(2) on it for as long as it lives.  A region nobody holds
 * is stale: its process died, or exec'd another program (its pid may even belong to another
 * process by now); stats_read removes it when asked to.  A held region whose pid names no
 * process here, or one that started at another time than the region says, belongs to a process
 * in another pid namespace (a sandbox sharing /dev/shm): it is read, never removed.  A region of
 * another version, or one too short or not a region at all, is reported as such, never read
 * beyond its first fields.
 */
#ifndef D3DKMT_STATS_READ_H
#define D3DKMT_STATS_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "d3dkmt_stats.h"

#define STATS_DIR "/dev/shm"

enum stats_status
{
    STATS_OK,               /* read: entry->region holds a copy */
    STATS_MAKING,           /* its process is still making it */
    STATS_STALE,            /* its process is gone (dead, exec'd, pid reused): removed */
    STATS_STALE_KEPT,       /* the same, not removed (not asked to, or the unlink failed) */
    STATS_TRUNCATED,        /* shorter than its header, or than the header says */
    STATS_NOT_REGION,       /* not a statistics region (wrong magic) */
    STATS_OTHER_VERSION,    /* a region of another layout version */
    STATS_BAD_LAYOUT,       /* this version, but sizes or counts that are not its own */
    STATS_UNREADABLE,       /* open or mmap failed (entry->error) */
    STATS_GONE,             /* removed between the listing and the read */
};

struct stats_entry
{
    char name[96];                      /* the file's name in the directory */
    unsigned int uid, pid;              /* from the name */
    enum stats_status status;
    int error;                          /* errno of STATS_UNREADABLE */
    uint32_t version;                   /* the version found (STATS_OTHER_VERSION) */
    uint64_t file_size;                 /* bytes */
    bool other_namespace;               /* held, but no process here has its pid and start time */
    struct d3dkmt_stats_region region;  /* the copy (STATS_OK) */
    bool torn[D3DKMT_STATS_DEVICES];    /* device slots that changed hands while being copied */
};

/* Copies a mapped region of `size` bytes into *out with one atomic load per 64-bit word,
 * validating it; torn[] (D3DKMT_STATS_DEVICES entries, may be NULL) says which device slots changed
 * hands meanwhile.  STATS_OK, STATS_MAKING (magic still 0), STATS_TRUNCATED, STATS_NOT_REGION,
 * STATS_OTHER_VERSION (*version: the one found) or STATS_BAD_LAYOUT.  No signal handling: for a
 * mapping no other process can truncate (the library's own, in tests). */
enum stats_status stats_copy(const void *base, uint64_t size, struct d3dkmt_stats_region *out, bool *torn,
                             uint32_t *version);

/* Reads the region `name` of directory `dir` (STATS_DIR) into *entry (name, uid and pid parsed
 * from the name first: false when the name is not a region's name, nothing else done).  Stale
 * regions are removed when `remove_stale`.  A region truncated while it is copied (SIGBUS) is
 * STATS_TRUNCATED. */
bool stats_read(const char *dir, const char *name, bool remove_stale, struct stats_entry *entry);

/* Reads every region of `uid` in `dir`, in pid order, into a malloc'ed array (*count entries; free
 * it with free()).  0, or -1 with errno (the directory cannot be read). */
int stats_scan(const char *dir, unsigned int uid, bool remove_stale, struct stats_entry **entries, size_t *count);

/* A sentence about an entry whose status is not STATS_OK, for the user. */
const char *stats_problem(const struct stats_entry *entry, char *buf, size_t size);

/* The start time of process `pid` (field 22 of /proc/<pid>/stat, clock ticks after boot); false
 * when no such process is visible. */
bool stats_process_start_time(unsigned int pid, uint64_t *start_time);

/* CLOCK_MONOTONIC now, in nanoseconds (the region's clock). */
uint64_t stats_now(void);

#endif
