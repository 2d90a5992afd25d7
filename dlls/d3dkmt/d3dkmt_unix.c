/*
 * d3dkmt_unix.c: the Unix side of d3dkmt.dll (an ELF shared object, d3dkmt.so).
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Each Unix call forwards one D3DKMT entry point to libd3dkmt.  The PE side (d3dkmt_main.c) has
 * validated and copied everything the application passed, so nothing here touches application
 * memory; these functions only translate calls.  Wine 8's loader finds this object next to the PE
 * file (DIR/x86_64-unix/d3dkmt.so beside DIR/x86_64-windows/d3dkmt.dll, DIR in WINEDLLPATH) and
 * resolves __wine_unix_call_funcs from it.  The same file, built with gcc -m32, is the i386 half's
 * Unix side (Wine's classic WoW: DIR/i386-unix/d3dkmt.so); the x86_64 one also serves 32-bit PE
 * code in Wine's new WoW64 mode, through __wine_unix_call_wow64_funcs (d3dkmt_wow64.c).
 *
 * The object links libd3dkmt.so dynamically (docs/wine-dll.md): one copy of the library, one handle
 * table, shared with DXVK / vkd3d-proton when they use the host API of d3dkmt_host.h in the same
 * process.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <ntstatus.h>
#define WIN32_NO_STATUS
#include <windef.h>
#include <winbase.h>
#include <wingdi.h>
#include <winternl.h>

#include "d3dkmt.h"
#include "d3dkmt_host.h"
#include "unixlib.h"
#ifdef _WIN64
# include "wow64.h"
#endif

#define D3DKMT_DEFINE_THUNK(name, type) \
    static NTSTATUS unix_call_##name(void *args) \
    { \
        struct name##_params *params = args; \
        return D3DKMT##name(params->desc); \
    }
D3DKMT_UNIX_CALLS(D3DKMT_DEFINE_THUNK)
#undef D3DKMT_DEFINE_THUNK

/* See unixlib.h.  params->desc->hAsyncEvent is NULL (the PE side cleared it). */
static NTSTATUS unix_call_wait_cpu_poll(void *args)
{
    struct wait_cpu_poll_params *params = args;

    return d3dkmt_host_wait_from_cpu(params->desc, params->timeout_ms == ~0u ? UINT64_MAX
                                     : (uint64_t)params->timeout_ms * 1000000);
}

/* See unixlib.h. */
static NTSTATUS unix_call_next_cpu_event(void *args)
{
    struct next_cpu_event_params *params = args;
    struct d3dkmt_host_cpu_event event;
    NTSTATUS status;

    status = d3dkmt_host_next_cpu_event(params->timeout_ms == ~0u ? UINT64_MAX
                                        : (uint64_t)params->timeout_ms * 1000000, &event);
    params->in_flight = event.in_flight;
    if (status) return status;
    params->event = event.event;
    params->release = event.release;
    return STATUS_SUCCESS;
}

static NTSTATUS unix_call_noop(void *args)
{
    return STATUS_SUCCESS;
}

_Static_assert(sizeof(struct d3dkmt_unix_adapter) == sizeof(struct d3dkmt_host_adapter_desc)
               && offsetof(struct d3dkmt_unix_adapter, device_uuid) == offsetof(struct d3dkmt_host_adapter_desc, device_uuid)
               && offsetof(struct d3dkmt_unix_adapter, luid_from_vulkan) == offsetof(struct d3dkmt_host_adapter_desc, luid_from_vulkan),
               "struct d3dkmt_unix_adapter is not struct d3dkmt_host_adapter_desc");
_Static_assert((int)D3DKMT_UNIX_ADAPTER == (int)D3DKMT_HOST_HANDLE_ADAPTER
               && (int)D3DKMT_UNIX_DEVICE == (int)D3DKMT_HOST_HANDLE_DEVICE, "handle kinds differ");

static NTSTATUS unix_call_enum_adapters(void *args)
{
    struct enum_adapters_params *params = args;

    return d3dkmt_host_enum_adapters((struct d3dkmt_host_adapter_desc *)params->adapters, params->count);
}

static NTSTATUS unix_call_set_adapter_luid(void *args)
{
    struct set_adapter_luid_params *params = args;

    return d3dkmt_host_set_adapter_luid(params->uuid, params->luid);
}

static NTSTATUS unix_call_has_handle(void *args)
{
    struct has_handle_params *params = args;

    *params->result = d3dkmt_host_has_handle(params->handle, params->kind);
    return STATUS_SUCCESS;
}

static NTSTATUS unix_call_share_handle(void *args)
{
    struct share_handle_params *params = args;

    return d3dkmt_host_share_handle(params->own, params->foreign);
}

/* The library's limit on the objects of one signal or wait (src/sync.c: 1 to 64); a longer list
 * is refused before its values are read. */
#define MAX_SYNC_LIST 64

/* The library reads FromGpu2's and the GPU wait's inline FenceValue when a listed object is a fence
 * (src/sync.c: gpu_values); the wow64 thunks ask the same question through this call. */
static NTSTATUS unix_call_lists_fence(void *args)
{
    struct lists_fence_params *params = args;
    uint32_t type;
    UINT i;

    *params->result = 0;
    if (!params->handles || params->count > MAX_SYNC_LIST) return STATUS_SUCCESS;
    for (i = 0; i < params->count && !*params->result; i++)
        *params->result = !d3dkmt_host_get_sync_object_type(params->handles[i], &type) && type == D3DDDI_FENCE;
    return STATUS_SUCCESS;
}

__attribute__((visibility("default"))) const d3dkmt_unixlib_entry_t __wine_unix_call_funcs[] =
{
#define D3DKMT_TABLE_ENTRY(name, type) unix_call_##name,
    D3DKMT_UNIX_CALLS(D3DKMT_TABLE_ENTRY)
#undef D3DKMT_TABLE_ENTRY
    unix_call_wait_cpu_poll,
    unix_call_next_cpu_event,
    unix_call_noop,
    unix_call_enum_adapters,
    unix_call_set_adapter_luid,
    unix_call_has_handle,
    unix_call_share_handle,
    unix_call_lists_fence,
};

_Static_assert(sizeof(__wine_unix_call_funcs) / sizeof(__wine_unix_call_funcs[0]) == unix_funcs_count,
               "__wine_unix_call_funcs does not match enum d3dkmt_unix_funcs");

#ifdef _WIN64
/* Wine's new WoW64 mode: the same calls from the i386 PE side, with 32-bit params structs and
 * descriptors, converted by d3dkmt_wow64.c (wow64.h).  In enum d3dkmt_unix_funcs' order, as above. */
__attribute__((visibility("default"))) const d3dkmt_unixlib_entry_t __wine_unix_call_wow64_funcs[] =
{
#define D3DKMT_WOW64_ENTRY(name, type) wow64_##name,
    D3DKMT_UNIX_CALLS(D3DKMT_WOW64_ENTRY)
#undef D3DKMT_WOW64_ENTRY
    wow64_wait_cpu_poll,
    wow64_next_cpu_event,
    wow64_noop,
    wow64_enum_adapters,
    wow64_set_adapter_luid,
    wow64_has_handle,
    wow64_share_handle,
    wow64_lists_fence,
};

_Static_assert(sizeof(__wine_unix_call_wow64_funcs) / sizeof(__wine_unix_call_wow64_funcs[0]) == unix_funcs_count,
               "__wine_unix_call_wow64_funcs does not match enum d3dkmt_unix_funcs");
#endif
