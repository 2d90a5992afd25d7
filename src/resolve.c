/*
 * resolve.c: handle lists.  The typed lookups of allocations and resources, and the resolve that
 * turns a call's list of allocation or resource handles into allocations, all or nothing: the
 * first step of every residency call and of the destroys.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * The offer / reclaim hot path resolves under device->lock without taking references (the
 * allocations cannot be freed while it is held: their release function takes it first); callers
 * that keep allocations beyond the lock take references (d3dkmt_resolve_referenced).
 *
 * Layer 8 (src/d3dkmt_private.h), beside vidmm.c (neither calls the other): calls handle.c only.
 */
#include "d3dkmt_private.h"
#include "fence.h"
#include "vidmm.h"
#include "resolve.h"

#include <stdlib.h>
#include <string.h>

struct d3dkmt_allocation *d3dkmt_allocation_get(D3DKMT_HANDLE handle, const struct d3dkmt_device *device)
{
    return (struct d3dkmt_allocation *)d3dkmt_handle_get(handle, D3DKMT_OBJ_ALLOCATION, device);
}

struct d3dkmt_resource *d3dkmt_resource_get(D3DKMT_HANDLE handle, const struct d3dkmt_device *device)
{
    return (struct d3dkmt_resource *)d3dkmt_handle_get(handle, D3DKMT_OBJ_RESOURCE, device);
}

void d3dkmt_resource_unlink_locked(struct d3dkmt_allocation *alloc)
{
    struct d3dkmt_allocation **p;

    if (!alloc->resource) return;
    for (p = &alloc->resource->first; *p && *p != alloc; p = &(*p)->next_in_resource) ;
    if (!*p) return;
    *p = alloc->next_in_resource;
    alloc->resource->count--;
}

void d3dkmt_allocation_put_list(struct d3dkmt_allocation **list, UINT count)
{
    UINT i;
    if (!list) return;
    for (i = 0; i < count; i++) d3dkmt_allocation_put(list[i]);
    free(list);
}

NTSTATUS d3dkmt_resolve_referenced(struct d3dkmt_device *device, const D3DKMT_HANDLE *handles, UINT count,
                                   bool resources, struct d3dkmt_allocation ***out, UINT *out_count)
{
    struct d3dkmt_allocation **list;
    struct d3dkmt_resolved r;
    NTSTATUS status;
    UINT i;

    pthread_mutex_lock(&device->lock);
    if (!(status = d3dkmt_resolve_locked(device, handles, count, resources, 0, &r)))
    {
        /* The references are taken under device->lock, while the resolved pointers are valid. */
        if (!(list = malloc((r.count ? r.count : 1) * sizeof(*list)))) status = STATUS_NO_MEMORY;
        else
        {
            for (i = 0; i < r.count; i++)
            {
                /* One whose last reference went meanwhile is as stale as its handle. */
                if (!d3dkmt_object_get_unless_zero(&r.allocs[i]->obj)) break;
                list[i] = r.allocs[i];
            }
            if (i == r.count)
            {
                *out = list;
                *out_count = r.count;
            }
            else
            {
                status = STATUS_INVALID_PARAMETER;
                d3dkmt_resolved_free(&r);
                pthread_mutex_unlock(&device->lock);
                d3dkmt_allocation_put_list(list, i);
                return status;
            }
        }
        d3dkmt_resolved_free(&r);
    }
    pthread_mutex_unlock(&device->lock);
    return status;
}

/* Whether a resolved allocation is usable: not stopped by a racing destroy, none of `reject`. */
static inline bool resolvable(const struct d3dkmt_allocation *a, uint8_t reject)
{
    return !(a->flags & (D3DKMT_ALLOC_DESTROYED | reject))
        && atomic_load_explicit(&a->obj.state, memory_order_relaxed) == D3DKMT_STATE_ACTIVE;
}

/* The allocation-handle form of the resolve. */
static NTSTATUS resolve_allocations_locked(struct d3dkmt_device *device, const D3DKMT_HANDLE *handles,
                                           UINT count, uint8_t reject, struct d3dkmt_resolved *out)
{
    struct d3dkmt_object *objs[64];
    uint8_t flags_or = 0;
    UINT i, j, n, found;

    if (count > D3DKMT_RESOLVE_INLINE && !(out->allocs = malloc(count * sizeof(*out->allocs))))
        return STATUS_NO_MEMORY;
    for (i = 0; i < count; i += n)
    {
        n = count - i < D3DKMT_ARRAY_SIZE(objs) ? count - i : D3DKMT_ARRAY_SIZE(objs);
        found = d3dkmt_handle_peek_list(handles + i, n, D3DKMT_OBJ_ALLOCATION, device, objs);
        for (j = 0; j < n; j++)
        {
            struct d3dkmt_allocation *a = (struct d3dkmt_allocation *)objs[j];
            if (j == found || !resolvable(a, reject))
            {
                d3dkmt_resolved_free(out);
                return STATUS_INVALID_PARAMETER;
            }
            flags_or |= a->flags;
            out->allocs[i + j] = a;
        }
    }
    out->count = count;
    out->flags_or = flags_or;
    return STATUS_SUCCESS;
}

/* The resource-handle form: each resource expands to its allocations.  Their lists are under
 * device->lock, which the caller holds; each resource is referenced while it is walked (an empty
 * one is not kept alive otherwise). */
static NTSTATUS resolve_resources_locked(struct d3dkmt_device *device, const D3DKMT_HANDLE *handles,
                                         UINT count, uint8_t reject, struct d3dkmt_resolved *out)
{
    UINT i, n = 0, total = 0;
    uint8_t flags_or = 0;

    for (i = 0; i < count; i++)
    {
        struct d3dkmt_resource *res = d3dkmt_resource_get(handles[i], device);
        if (!res) return STATUS_INVALID_PARAMETER;
        total += res->count;
        d3dkmt_object_put(&res->obj);
    }
    if (total > D3DKMT_RESOLVE_INLINE && !(out->allocs = malloc(total * sizeof(*out->allocs))))
        return STATUS_NO_MEMORY;
    if (!(out->group = malloc((total ? total : 1) * sizeof(*out->group))))
    {
        d3dkmt_resolved_free(out);
        return STATUS_NO_MEMORY;
    }
    for (i = 0; i < count; i++)
    {
        struct d3dkmt_resource *res = d3dkmt_resource_get(handles[i], device);
        struct d3dkmt_allocation *a;

        if (!res)   /* destroyed between the two passes: device->lock keeps lists, not handles */
        {
            d3dkmt_resolved_free(out);
            return STATUS_INVALID_PARAMETER;
        }
        for (a = res->first; a && n < total; a = a->next_in_resource)
        {
            if (!resolvable(a, reject))
            {
                d3dkmt_object_put(&res->obj);
                d3dkmt_resolved_free(out);
                return STATUS_INVALID_PARAMETER;
            }
            flags_or |= a->flags;
            out->group[n] = i;
            out->allocs[n++] = a;
        }
        d3dkmt_object_put(&res->obj);
    }
    out->count = n;
    out->flags_or = flags_or;
    return STATUS_SUCCESS;
}

NTSTATUS d3dkmt_resolve_locked(struct d3dkmt_device *device, const D3DKMT_HANDLE *handles, UINT count,
                               bool resources, uint8_t reject, struct d3dkmt_resolved *out)
{
    out->allocs = out->inline_allocs;
    out->group = NULL;
    out->count = 0;
    out->flags_or = 0;
    if (resources) return resolve_resources_locked(device, handles, count, reject, out);
    return resolve_allocations_locked(device, handles, count, reject, out);
}

void d3dkmt_resolved_free(struct d3dkmt_resolved *r)
{
    if (r->allocs != r->inline_allocs) free(r->allocs);
    free(r->group);
    r->allocs = r->inline_allocs;
    r->group = NULL;
    r->count = 0;
}
