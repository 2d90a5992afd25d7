/*
 * resource.h: the declarations of layer 9, resource.c: resources and allocations, the objects.
 * Part of src/d3dkmt_private.h, which includes it at its end: include that header, not this one
 * (the layers, the objects and the lock order are described there).
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 */
#ifndef D3DKMT_RESOURCE_H
#define D3DKMT_RESOURCE_H

/* ==== Layer 9: resources and allocations, the objects (resource.c) ==== */

/* One allocation to make, as a create or open call validated it. */
struct d3dkmt_create_entry
{
    uint64_t size;          /* bytes, rounded up to the allocation granularity */
    uint32_t type;          /* memory type index */
    uint32_t d3d_priority;  /* D3DDDI_ALLOCATIONPRIORITY_* */
    const void *system_mem; /* a standard allocation's existing heap, else NULL */
};

/* A new allocation object of device: no handle, no memory, one reference (the creator's); size in
 * bytes, memory type index, D3DDDI_ALLOCATIONPRIORITY_*.  NULL when out of memory. */
struct d3dkmt_allocation *d3dkmt_allocation_new(struct d3dkmt_device *device, uint64_t size, uint32_t type,
                                                uint32_t d3d_priority);
/* Makes `n` allocations of device from `entries` (each with its buffer and memory, or its existing
 * heap imported; handles reserved, not published), and, when new_resource, a new resource into
 * *resource: all or nothing.  STATUS_SUCCESS; STATUS_NO_MEMORY; STATUS_GRAPHICS_NO_VIDEO_MEMORY;
 * STATUS_NOT_SUPPORTED (an existing heap the device cannot import); STATUS_DEVICE_REMOVED. */
NTSTATUS d3dkmt_resource_create_all(struct d3dkmt_device *device, const struct d3dkmt_create_entry *entries,
                                    UINT n, bool new_resource, struct d3dkmt_resource **resource,
                                    struct d3dkmt_allocation **allocs);
/* Undoes d3dkmt_resource_create_all for one allocation that was never published. */
void d3dkmt_allocation_discard_unpublished(struct d3dkmt_allocation *alloc);
/* Links the `n` new allocations into resource (when not NULL) and publishes them (and a new
 * resource): nothing fails but a racing DestroyDevice (STATUS_INVALID_HANDLE, nothing left,
 * docs/decisions/lifetime.md).  The caller wrote the handles out before.  Consumes the creation
 * references.  objs: scratch room for n + 1 pointers. */
NTSTATUS d3dkmt_resource_publish_all(struct d3dkmt_device *device, struct d3dkmt_resource *resource,
                                     bool new_resource, struct d3dkmt_allocation **allocs, UINT n,
                                     struct d3dkmt_object **objs);
/* The buffer's device address, 0 without bufferDeviceAddress (or without a buffer). */
D3DGPU_VIRTUAL_ADDRESS d3dkmt_allocation_gpu_address(struct d3dkmt_device *device, VkBuffer buffer);

/* The description of a new shared resource over the `n` standard allocations of `entries`, with
 * the private runtime data of desc and its global handle (two references: the resource's and the
 * global entry's).  STATUS_SUCCESS or STATUS_NO_MEMORY. */
NTSTATUS d3dkmt_shared_resource_create(const D3DKMT_CREATEALLOCATION *desc, const struct d3dkmt_create_entry *entries,
                                       UINT n, struct d3dkmt_shared_resource **out);
/* Drops one reference on a shared description (the last frees it). */
void d3dkmt_shared_resource_put(struct d3dkmt_shared_resource *shared);
/* Closes one local handle's count in the global entry of shared; the entry's own reference goes
 * with the last one. */
void d3dkmt_shared_resource_close(struct d3dkmt_shared_resource *shared);
/* Stops res counting in its global entry, once (its destroy, or the release of a resource that a
 * DestroyDevice stopped). */
void d3dkmt_resource_close_global(struct d3dkmt_resource *res);

#endif /* D3DKMT_RESOURCE_H */
