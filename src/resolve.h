/*
 * resolve.h: the declarations of resolve.c (layer 8, beside vidmm.c): handle lists.
 * Part of src/d3dkmt_private.h's description (the layers, the objects, the lock order are there);
 * include it after vidmm.h.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 */
#ifndef D3DKMT_RESOLVE_H
#define D3DKMT_RESOLVE_H

/* ==== Layer 8: handle lists (resolve.c) ==== */
/* Typed lookups: a referenced allocation / resource of `device`, or NULL. */
struct d3dkmt_allocation *d3dkmt_allocation_get(D3DKMT_HANDLE handle, const struct d3dkmt_device *device);
struct d3dkmt_resource *d3dkmt_resource_get(D3DKMT_HANDLE handle, const struct d3dkmt_device *device);
/* Removes alloc from its resource's list if it is still on it (device->lock held). */
void d3dkmt_resource_unlink_locked(struct d3dkmt_allocation *alloc);

/* Allocations resolved under device->lock, without references (the offer / reclaim hot path). */
#define D3DKMT_RESOLVE_INLINE 64
struct d3dkmt_resolved
{
    struct d3dkmt_allocation **allocs;    /* count entries: inline_allocs or the heap */
    UINT *group;                          /* input index of each entry (resource handles only), else NULL */
    UINT count;
    uint8_t flags_or;                     /* the flags of all entries or'ed together */
    struct d3dkmt_allocation *inline_allocs[D3DKMT_RESOLVE_INLINE];
};
/* Resolves `count` allocation handles (or resource handles, each expanded to its allocations) of
 * device while the caller holds device->lock.  No references are taken: an allocation is only
 * ever freed under device->lock (its release function takes it before anything else) and one
 * still found in the handle table had not started to be freed, so every pointer stays valid
 * until the caller releases device->lock.  An allocation being destroyed, or with any of the
 * `reject` flags, counts as a bad handle.  STATUS_SUCCESS; STATUS_INVALID_PARAMETER (a bad,
 * stale, foreign or rejected handle); STATUS_NO_MEMORY.  Release with d3dkmt_resolved_free (any
 * thread, any lock).  A resolved allocation's last reference may go meanwhile (a DestroyDevice on
 * another thread; its release then waits for device->lock): a caller that keeps one takes its
 * reference with d3dkmt_object_get_unless_zero. */
NTSTATUS d3dkmt_resolve_locked(struct d3dkmt_device *device, const D3DKMT_HANDLE *handles, UINT count,
                               bool resources, uint8_t reject, struct d3dkmt_resolved *out);
void d3dkmt_resolved_free(struct d3dkmt_resolved *r);
/* As d3dkmt_resolve_locked (taking device->lock itself), but the allocations are referenced,
 * for callers that keep them beyond the lock.  On success *out is a malloc'ed array of *out_count
 * referenced allocations (release with d3dkmt_allocation_put_list).  Statuses as the resolve. */
NTSTATUS d3dkmt_resolve_referenced(struct d3dkmt_device *device, const D3DKMT_HANDLE *handles, UINT count,
                                   bool resources, struct d3dkmt_allocation ***out, UINT *out_count);
void d3dkmt_allocation_put_list(struct d3dkmt_allocation **list, UINT count);

#endif /* D3DKMT_RESOLVE_H */
