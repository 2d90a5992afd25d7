/*
 * d3dkmt_pe.h: what the PE-side files of d3dkmt.dll share: the Unix call, and the interface of
 * wine.c (Wine's own D3DKMT functions in the same process) to the thunks of d3dkmt_main.c.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * docs/decisions/wine-handles.md is the design: one handle space per process, shared by the
 * library's objects and Wine's.
 */
#ifndef D3DKMT_PE_H
#define D3DKMT_PE_H

#include "unixlib.h"

/* From libwinecrt0.a (Wine 8's <wine/unixlib.h>, which Debian does not ship). */
extern d3dkmt_unixlib_handle_t __wine_unixlib_handle;
extern NTSTATUS (WINAPI *__wine_unix_call_dispatcher)(d3dkmt_unixlib_handle_t, unsigned int, void *);
extern NTSTATUS WINAPI __wine_init_unix_call(void);

#define UNIX_CALL(func, params) __wine_unix_call_dispatcher(__wine_unixlib_handle, unix_##func, params)

/* A value the library's handle table made (include/d3dkmt_host.h's D3DKMT_HOST_OWN_HANDLE). */
#define OWN_HANDLE(h) (((UINT)(h) & 0xe000003fu) == 0x60000000u)
/* A value another maker in the process may have made: nonzero and not the library's. */
#define FOREIGN_HANDLE(h) ((h) && !OWN_HANDLE(h))

typedef NTSTATUS (WINAPI *d3dkmt_func)(void *desc);

/* Wine's own implementation of the D3DKMT functions d3dkmt.dll exports too, where the running
 * Wine has one: the function its gdi32.dll exports (win32u's NtGdiDdDDI* for all but
 * OpenAdapterFromGdiDisplayName, which gdi32 implements itself), never d3dkmt.dll's own (the gdi32
 * route forwards those names here).  NULL where Wine has none. */
struct wine_d3dkmt
{
#define WINE_D3DKMT_FUNCS(X) \
    X(OpenAdapterFromLuid) \
    X(OpenAdapterFromGdiDisplayName) \
    X(CloseAdapter) \
    X(CreateDevice) \
    X(DestroyDevice) \
    X(QueryAdapterInfo) \
    X(QueryVideoMemoryInfo) \
    X(Escape) \
    X(CreateAllocation) \
    X(CreateAllocation2) \
    X(DestroyAllocation) \
    X(DestroyAllocation2) \
    X(CreateSynchronizationObject2) \
    X(OpenSynchronizationObject) \
    X(DestroySynchronizationObject) \
    X(QueryResourceInfo) \
    X(OpenResource) \
    X(OpenResource2)
#define X(name) d3dkmt_func name;
    WINE_D3DKMT_FUNCS(X)
#undef X
};
extern struct wine_d3dkmt wine;

/* wine.c.  wine_init runs once, before the first call that opens, creates, closes or destroys an
 * adapter or device: it finds Wine's functions, reads Wine's GPUs (their LUIDs and Vulkan device
 * UUIDs, from SetupAPI) and gives the library's adapters Wine's LUIDs. */
void wine_init(void);

/* Whether Wine lists a GPU with this LUID. */
BOOL wine_has_gpu(LUID luid);

/* After the library made `own` (an adapter or device handle, not handed out yet) and Wine made
 * `foreign` for the same adapter or device: one name for both (d3dkmt_host_share_handle).
 * STATUS_SUCCESS, or the share's failure. */
NTSTATUS wine_share(D3DKMT_HANDLE own, D3DKMT_HANDLE foreign);

/* Whether the library knows h as an adapter (D3DKMT_UNIX_ADAPTER) or device (D3DKMT_UNIX_DEVICE). */
BOOL library_has(D3DKMT_HANDLE h, UINT kind);

/* An adapter or device handle Wine made, which d3dkmt.dll did not see made: give the library an
 * object under it, when Wine confirms the handle and the adapter it belongs to is known.
 * STATUS_SUCCESS (the library knows h now, or knew it already); STATUS_INVALID_PARAMETER (not a
 * handle Wine made); STATUS_NOT_SUPPORTED (Wine's, but its adapter cannot be told, or the library
 * has none for that GPU: Wine's object alone; docs/decisions/wine-handles.md). */
NTSTATUS wine_adopt_adapter(D3DKMT_HANDLE h);
NTSTATUS wine_adopt_device(D3DKMT_HANDLE h);

/* A device d3dkmt.dll destroyed (on either side): its value of Wine's counter is not adopted again. */
void wine_device_destroyed(D3DKMT_HANDLE h);

/* A device value Wine made through d3dkmt.dll's CreateDevice (Wine's device counter, for
 * wine_adopt_device). */
void wine_note_device(D3DKMT_HANDLE h);

/* Opens the adapter with this LUID as d3dkmt.dll's D3DKMTOpenAdapterFromLuid does (a library
 * adapter under Wine's handle where Wine makes adapters; Wine's adapter alone for a GPU only Wine
 * has).  *out: the handle.  D3DKMTOpenAdapterFromLuid's statuses. */
NTSTATUS open_adapter_from_luid(LUID luid, D3DKMT_HANDLE *out);

/* Closes an adapter handle of either side (D3DKMTCloseAdapter's logic). */
NTSTATUS close_adapter(D3DKMT_HANDLE h);

/* The adapter of a display ("\\.\DISPLAY1"), opened as D3DKMTOpenAdapterFromGdiDisplayName does:
 * desc->DeviceName in; hAdapter, AdapterLuid, VidPnSourceId out (desc is d3dkmt.dll's copy). */
NTSTATUS open_adapter_from_display(D3DKMT_OPENADAPTERFROMGDIDISPLAYNAME *desc);

/* D3DKMTOpenAdapterFromHdc and D3DKMTOpenAdapterFromDeviceName on d3dkmt.dll's copy of the
 * descriptor (hDc / the copied device name in; the rest out). */
NTSTATUS open_adapter_from_hdc(D3DKMT_OPENADAPTERFROMHDC *desc);
NTSTATUS open_adapter_from_device_name(D3DKMT_OPENADAPTERFROMDEVICENAME *desc);

#endif /* D3DKMT_PE_H */
