/*
 * d3dkmt_main.c: the PE side of d3dkmt.dll (x86_64, and i386 for 32-bit programs: the same code).
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * Every export is a thin thunk, shaped like the kernel side of a Windows system call:
 *   1. a NULL descriptor gives STATUS_INVALID_PARAMETER;
 *   2. the descriptor, and every array it points to (by its count), is copied into memory of this
 *      DLL inside an exception guard; an unreadable one gives STATUS_ACCESS_VIOLATION;
 *   3. every buffer the call writes (the descriptor itself where it has out fields, result arrays)
 *      is probed for writing before the call, so a read-only or unmapped output gives
 *      STATUS_ACCESS_VIOLATION before the library changes any state;
 *   4. one Unix call hands the copies to libd3dkmt (d3dkmt_unix.c);
 *   5. the outputs are copied back, again inside an exception guard.
 * The Unix side therefore only ever sees memory this DLL owns, and a bad pointer from the
 * application never reaches it.  Pointers the library returns (D3DKMT_LOCK2.pData, the fence
 * CPU addresses) are addresses in the process's one address space, usable from Windows code.
 * docs/wine-dll.md explains the choices (why copies and not IsBadReadPtr, limits, async waits).
 *
 * Wine implements part of D3DKMT itself: the adapter, device and escape thunks share the
 * process's one handle space with it through wine.c (docs/decisions/wine-handles.md), and what
 * Wine does and the library does not (Wine-private escapes, shared allocations, Wine's own
 * objects) goes to Wine's functions with the application's descriptor.
 */
#include <stdarg.h>
#include <string.h>

#include "ntstatus.h"
#define WIN32_NO_STATUS
#include "windef.h"
#include "winbase.h"
#include "winternl.h"
#include "wingdi.h"
#include "wine/debug.h"
#include "wine/exception.h"

#include "d3dkmt.h"
#include "d3dkmt_pe.h"

WINE_DEFAULT_DEBUG_CHANNEL(d3dkmt);

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

HMODULE d3dkmt_module;
static NTSTATUS unix_status = STATUS_DLL_NOT_FOUND;

/* Largest array and buffer a call copies: far above the library's own limits (10240 allocations
 * per offer / reclaim, 1024 per create), so anything larger is an error anyway. */
#define MAX_ELEMENTS    (1u << 20)
#define MAX_COPY_BYTES  ((SIZE_T)64 << 20)

/* ---- Guarded memory access ----
 * Faults of application memory: access violations, guard pages (a PAGE_GUARD page raises once),
 * and in-page errors (a file mapping whose file shrank).  Anything else is a bug and propagates. */

static LONG CALLBACK memory_fault_filter(EXCEPTION_POINTERS *ptrs)
{
    switch (ptrs->ExceptionRecord->ExceptionCode)
    {
    case EXCEPTION_ACCESS_VIOLATION:
    case EXCEPTION_GUARD_PAGE:
    case EXCEPTION_IN_PAGE_ERROR:
        return EXCEPTION_EXECUTE_HANDLER;
    default:
        return EXCEPTION_CONTINUE_SEARCH;
    }
}

static NTSTATUS copy_guarded(void *dst, const void *src, SIZE_T size)
{
    NTSTATUS status = STATUS_SUCCESS;

    __TRY
    {
        memcpy(dst, src, size);
    }
    __EXCEPT(memory_fault_filter)
    {
        status = STATUS_ACCESS_VIOLATION;
    }
    __ENDTRY
    return status;
}

/* Touch one byte of every page of [ptr, ptr + size) with a locked read-modify-write that leaves
 * the byte unchanged: faults exactly where a write would, without racing with the application. */
static inline void touch_for_write(volatile char *p)
{
    __asm__ __volatile__("lock orb $0, %0" : "+m"(*p) :: "memory");
}

static NTSTATUS probe_write(void *ptr, SIZE_T size)
{
    NTSTATUS status = STATUS_SUCCESS;
    ULONG_PTR start = (ULONG_PTR)ptr, last;

    if (!size) return STATUS_SUCCESS;
    if (start + size < start) return STATUS_ACCESS_VIOLATION;
    last = start + size - 1;
    __TRY
    {
        ULONG_PTR p;
        for (p = start; p <= last; p = (p | 0xfff) + 1)
        {
            touch_for_write((volatile char *)p);
            if ((p | 0xfff) >= last) break;
        }
        touch_for_write((volatile char *)last);
    }
    __EXCEPT(memory_fault_filter)
    {
        status = STATUS_ACCESS_VIOLATION;
    }
    __ENDTRY
    return status;
}

/* ---- Per-call copies ----
 * A struct thunk holds the copies of one call: small ones in a pool on the stack, larger ones on
 * the process heap; the outputs to copy back; and the pointer fields of copied descriptors that
 * were redirected to copies, restored before the descriptor goes back to the application. */

struct thunk
{
    DECLSPEC_ALIGN(16) char pool[768];
    SIZE_T pool_used;
    void *heap[8];
    unsigned int heap_count;
    struct { void *app; const void *copy; SIZE_T size; } out[8];
    unsigned int out_count;
    struct { void **field; void *value; } restore[8];
    unsigned int restore_count;
    BOOL called;            /* the Unix call ran: outputs are copied back */
};

static void thunk_init(struct thunk *t)
{
    t->pool_used = 0;
    t->heap_count = t->out_count = t->restore_count = 0;
    t->called = FALSE;
}

static void *thunk_alloc(struct thunk *t, SIZE_T size)
{
    void *ptr;

    size = (size + 15) & ~(SIZE_T)15;
    if (!size) size = 16;
    if (size <= sizeof(t->pool) - t->pool_used)
    {
        ptr = t->pool + t->pool_used;
        t->pool_used += size;
        return ptr;
    }
    if (t->heap_count == ARRAY_SIZE(t->heap)) return NULL;
    if (!(ptr = HeapAlloc(GetProcessHeap(), 0, size))) return NULL;
    t->heap[t->heap_count++] = ptr;
    return ptr;
}

/* *ptr: an application pointer to count elements of elem_size bytes, or NULL.  On success *ptr
 * points at a copy (NULL stays NULL; a non-NULL pointer with count 0 becomes a non-NULL empty
 * copy).  writable: the application's buffer is also an output; it is probed for writing now and
 * copied back by thunk_finish.  field_of_copy: *ptr is a field of a copied descriptor, restored
 * to the application's pointer before that descriptor is copied back.
 * STATUS_ACCESS_VIOLATION: unreadable (or, writable, unwritable); STATUS_INVALID_PARAMETER: over
 * MAX_ELEMENTS / MAX_COPY_BYTES; STATUS_NO_MEMORY. */
static NTSTATUS thunk_copy(struct thunk *t, void **ptr, SIZE_T count, SIZE_T elem_size, BOOL writable,
                           BOOL field_of_copy)
{
    void *app = *ptr, *copy;
    SIZE_T size;
    NTSTATUS status;

    if (!app) return STATUS_SUCCESS;
    if (count > MAX_ELEMENTS || count * elem_size > MAX_COPY_BYTES) return STATUS_INVALID_PARAMETER;
    size = count * elem_size;
    if (field_of_copy && t->restore_count == ARRAY_SIZE(t->restore)) return STATUS_NO_MEMORY;
    if (writable && t->out_count == ARRAY_SIZE(t->out)) return STATUS_NO_MEMORY;
    if (!(copy = thunk_alloc(t, size))) return STATUS_NO_MEMORY;
    if ((status = copy_guarded(copy, app, size))) return status;
    if (writable)
    {
        if ((status = probe_write(app, size))) return status;
        t->out[t->out_count].app = app;
        t->out[t->out_count].copy = copy;
        t->out[t->out_count].size = size;
        t->out_count++;
    }
    if (field_of_copy)
    {
        t->restore[t->restore_count].field = ptr;
        t->restore[t->restore_count].value = app;
        t->restore_count++;
    }
    *ptr = copy;
    return STATUS_SUCCESS;
}

#define COPY_DESC_IN(t, d)      thunk_copy(t, (void **)&(d), 1, sizeof(*(d)), FALSE, FALSE)
#define COPY_DESC_INOUT(t, d)   thunk_copy(t, (void **)&(d), 1, sizeof(*(d)), TRUE, FALSE)
#define COPY_ARRAY_IN(t, f, n)    thunk_copy(t, (void **)&(f), n, sizeof(*(f)), FALSE, TRUE)
#define COPY_ARRAY_INOUT(t, f, n) thunk_copy(t, (void **)&(f), n, sizeof(*(f)), TRUE, TRUE)

/* Restore redirected fields, copy outputs back when the Unix call ran, free copies.  Returns
 * status, or STATUS_ACCESS_VIOLATION when an output became unwritable during the call. */
static NTSTATUS thunk_finish(struct thunk *t, NTSTATUS status)
{
    unsigned int i;

    for (i = t->restore_count; i-- > 0;)
        *t->restore[i].field = t->restore[i].value;
    for (i = 0; t->called && i < t->out_count; i++)
        if (copy_guarded(t->out[i].app, t->out[i].copy, t->out[i].size) && NT_SUCCESS(status))
            status = STATUS_ACCESS_VIOLATION;
    for (i = 0; i < t->heap_count; i++)
        HeapFree(GetProcessHeap(), 0, t->heap[i]);
    t->heap_count = t->out_count = t->restore_count = 0;
    return status;
}

static inline NTSTATUS check_unix(const void *desc)
{
    if (!desc) return STATUS_INVALID_PARAMETER;
    return unix_status;
}

/* Common tail: run the Unix call on the copied descriptor, then finish. */
#define CALL_AND_FINISH(t, name, d) \
    do { \
        struct name##_params params = { d }; \
        status = UNIX_CALL(name, &params); \
        (t)->called = TRUE; \
    } while (0); \
    done: \
    status = thunk_finish(t, status); \
    if (status) WINE_WARN("returning %#lx\n", (long)status); \
    return status

#define TRY(expr) do { if ((status = (expr))) goto done; } while (0)

/* Common tail of a thunk whose body made its calls itself. */
#define CALL_NOTHING_AND_FINISH \
    done: \
    status = thunk_finish(&t, status); \
    if (status) WINE_WARN("returning %#lx\n", (long)status); \
    return status

/* Copies the NUL-terminated string app (at most `size` characters with the NUL) into buf.
 * STATUS_ACCESS_VIOLATION (unreadable); STATUS_INVALID_PARAMETER (longer). */
static NTSTATUS copy_string_guarded(WCHAR *buf, const WCHAR *app, SIZE_T size)
{
    NTSTATUS status = STATUS_INVALID_PARAMETER;

    __TRY
    {
        SIZE_T i;
        for (i = 0; i < size; i++)
            if (!(buf[i] = app[i])) { status = STATUS_SUCCESS; break; }
    }
    __EXCEPT(memory_fault_filter)
    {
        status = STATUS_ACCESS_VIOLATION;
    }
    __ENDTRY
    return status;
}

/* Runs the Unix call `name` on d; when it fails with STATUS_INVALID_PARAMETER and `dev` is a
 * device handle Wine made that the library does not know yet, adopts it (wine.c) and runs the call
 * again.  Only failures pay: a known device costs nothing more. */
#define CALL_ADOPTING_DEVICE(t, name, d, dev) \
    do { \
        struct name##_params params = { d }; \
        status = UNIX_CALL(name, &params); \
        if (status == STATUS_INVALID_PARAMETER && FOREIGN_HANDLE(dev) && !library_has(dev, D3DKMT_UNIX_DEVICE) \
                && !wine_adopt_device(dev)) \
            status = UNIX_CALL(name, &params); \
        (t)->called = TRUE; \
    } while (0)

/* After the library refused a handle it did not make (STATUS_INVALID_PARAMETER): the handle may be
 * Wine's (a global handle of an object shared on a device Wine knows, an allocation or sync object
 * Wine made: docs/decisions/wine-handles.md), so Wine's function answers, with the program's
 * descriptor, unless it is a stub (STATUS_NOT_IMPLEMENTED, Wine 10.0: the library's status
 * stands, so bad input gets the same status whichever Wine runs).  The thunk's copy is then not
 * written back. */
#define CALL_WINE_INSTEAD(t, name, app) \
    do { \
        NTSTATUS wine_status_; \
        if (status == STATUS_INVALID_PARAMETER && wine.name \
                && (wine_status_ = wine.name((void *)(app))) != STATUS_NOT_IMPLEMENTED) \
        { \
            status = wine_status_; \
            (t)->called = FALSE; \
        } \
    } while (0)

/* The same for an adapter handle; *adopt receives the adoption's status (STATUS_NOT_SUPPORTED:
 * Wine's adapter, which the library cannot take: the caller may ask Wine). */
#define CALL_ADOPTING_ADAPTER(t, name, d, adapter, adopt) \
    do { \
        struct name##_params params = { d }; \
        status = UNIX_CALL(name, &params); \
        *(adopt) = STATUS_SUCCESS; \
        if (status == STATUS_INVALID_PARAMETER && FOREIGN_HANDLE(adapter) \
                && !library_has(adapter, D3DKMT_UNIX_ADAPTER) && !(*(adopt) = wine_adopt_adapter(adapter))) \
            status = UNIX_CALL(name, &params); \
        (t)->called = TRUE; \
    } while (0)

/* Common head of a thunk: `d`, the descriptor as the type the copy functions redirect; the thunk
 * state `t` and `status`; a NULL descriptor or a missing Unix side refused; the descriptor copied
 * into the thunk's memory (COPY_DESC_IN, or COPY_DESC_INOUT when the call writes it back). */
#define THUNK_BEGIN(type, copy) \
    type *d = (type *)desc; \
    struct thunk t; \
    NTSTATUS status; \
    WINE_TRACE("desc %p\n", desc); \
    if ((status = check_unix(desc))) return status; \
    thunk_init(&t); \
    TRY(copy(&t, d))

/* CPU notifications: libd3dkmt queues each signal reached, and this thread (one per process,
 * started with the first CPU notification, never stopped: the DLL stays loaded) sets the event.
 * The event is this DLL's duplicate of the application's, made at creation (so the application
 * may close its own), and closed when the library says the object is gone.  The thread never
 * blocks in a Unix call (Wine 8 crashes at process exit on a thread blocked in one): it sleeps on
 * cpu_event_wake, which the signal and destroy thunks set, and polls the library every
 * millisecond while entries are still to come (GPU signals not reached yet). */
static HANDLE cpu_event_wake;
static LONG cpu_events_used;

static DWORD WINAPI cpu_event_thread(void *arg)
{
    struct next_cpu_event_params params;

    for (;;)
    {
        params.timeout_ms = 0;
        if (!UNIX_CALL(next_cpu_event, &params))
        {
            if (params.release) CloseHandle((HANDLE)(ULONG_PTR)params.event);
            else SetEvent((HANDLE)(ULONG_PTR)params.event);
            continue;
        }
        WaitForSingleObject(cpu_event_wake, params.in_flight ? 1 : INFINITE);
    }
    return 0;
}

static INIT_ONCE cpu_event_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK start_cpu_event_thread(INIT_ONCE *once, void *param, void **context)
{
    HMODULE module;
    HANDLE thread;

    /* The thread runs this DLL's code for the rest of the process: keep it loaded. */
    if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                            (const WCHAR *)cpu_event_thread, &module))
        return FALSE;
    if (!(cpu_event_wake = CreateEventW(NULL, FALSE, FALSE, NULL))) return FALSE;
    if (!(thread = CreateThread(NULL, 0, cpu_event_thread, NULL, 0, NULL)))
    {
        CloseHandle(cpu_event_wake);
        cpu_event_wake = NULL;
        return FALSE;
    }
    CloseHandle(thread);
    InterlockedExchange(&cpu_events_used, 1);
    return TRUE;
}

/* After a call that may have signalled or freed a CPU notification: let the thread look. */
static void kick_cpu_events(void)
{
    if (ReadAcquire(&cpu_events_used)) SetEvent(cpu_event_wake);
}

/* ---- Entry points ----
 * Each takes the descriptor of the gdi32.dll function of the same name (include/d3dkmt.h) and
 * returns what libd3dkmt returns (documented at the library's definition in src/), plus, from
 * this thunk: STATUS_INVALID_PARAMETER for a NULL descriptor or an array over MAX_ELEMENTS,
 * STATUS_ACCESS_VIOLATION for an unreadable descriptor or array or an unwritable output,
 * STATUS_NO_MEMORY when the copies cannot be allocated, and STATUS_DLL_NOT_FOUND when d3dkmt.so
 * could not be loaded (see docs/wine-dll.md). */

/* Gives the library adapter handles of an enumeration Wine's names (d3dkmt_host_share_handle)
 * where Wine makes adapters, so that Wine's functions accept them too. */
static void share_adapters(D3DKMT_ADAPTERINFO *infos, UINT count)
{
    UINT i;

    if (!wine.OpenAdapterFromLuid) return;
    for (i = 0; i < count; i++)
    {
        D3DKMT_OPENADAPTERFROMLUID open = { infos[i].AdapterLuid };

        if (wine.OpenAdapterFromLuid(&open)) continue;
        if (!wine_share(infos[i].hAdapter, open.hAdapter)) infos[i].hAdapter = open.hAdapter;
        else
        {
            D3DKMT_CLOSEADAPTER close = { open.hAdapter };
            wine.CloseAdapter(&close);
        }
    }
}

/***********************************************************************
 *           D3DKMTEnumAdapters    (D3DKMT.@)
 * desc->NumAdapters, desc->Adapters: out (up to MAX_ENUM_ADAPTERS).  Each handle is accepted by
 * Wine's functions too where Wine makes adapters (docs/decisions/wine-handles.md).
 * https://learn.microsoft.com/windows-hardware/drivers/ddi/d3dkmthk/nf-d3dkmthk-d3dkmtenumadapters
 */
NTSTATUS WINAPI D3DKMTEnumAdapters(D3DKMT_ENUMADAPTERS *desc)
{
    THUNK_BEGIN(D3DKMT_ENUMADAPTERS, COPY_DESC_INOUT);
    wine_init();
    {
        struct EnumAdapters_params params = { d };
        status = UNIX_CALL(EnumAdapters, &params);
        t.called = TRUE;
    }
    if (!status) share_adapters(d->Adapters, d->NumAdapters);
done:
    status = thunk_finish(&t, status);
    if (status) WINE_WARN("returning %#lx\n", (long)status);
    return status;
}

/***********************************************************************
 *           D3DKMTEnumAdapters2    (D3DKMT.@)
 * desc->NumAdapters: in, the number of entries of desc->pAdapters (NULL to query the count); out,
 * the number of adapters.  Each handle is accepted by Wine's functions too where Wine makes
 * adapters.  https://learn.microsoft.com/windows-hardware/drivers/ddi/d3dkmthk/nf-d3dkmthk-d3dkmtenumadapters2
 */
NTSTATUS WINAPI D3DKMTEnumAdapters2(D3DKMT_ENUMADAPTERS2 *desc)
{
    THUNK_BEGIN(D3DKMT_ENUMADAPTERS2, COPY_DESC_INOUT);
    TRY(COPY_ARRAY_INOUT(&t, d->pAdapters, d->NumAdapters));
    wine_init();
    {
        struct EnumAdapters2_params params = { d };
        status = UNIX_CALL(EnumAdapters2, &params);
        t.called = TRUE;
    }
    if (!status && d->pAdapters) share_adapters(d->pAdapters, d->NumAdapters);
done:
    status = thunk_finish(&t, status);
    if (status) WINE_WARN("returning %#lx\n", (long)status);
    return status;
}

/***********************************************************************
 *           D3DKMTOpenAdapterFromLuid    (D3DKMT.@)
 * desc->AdapterLuid: in (under Wine, the LUID Wine gives the GPU); desc->hAdapter: out, a handle
 * both d3dkmt.dll and Wine's functions accept where Wine makes adapters.  A GPU that only Wine can
 * serve (the library has no adapter for it) gets Wine's adapter alone.
 * https://learn.microsoft.com/windows-hardware/drivers/ddi/d3dkmthk/nf-d3dkmthk-d3dkmtopenadapterfromluid
 */
NTSTATUS WINAPI D3DKMTOpenAdapterFromLuid(D3DKMT_OPENADAPTERFROMLUID *desc)
{
    THUNK_BEGIN(D3DKMT_OPENADAPTERFROMLUID, COPY_DESC_INOUT);
    status = open_adapter_from_luid(d->AdapterLuid, &d->hAdapter);
    t.called = TRUE;
done:
    status = thunk_finish(&t, status);
    if (status) WINE_WARN("returning %#lx\n", (long)status);
    return status;
}

/***********************************************************************
 *           D3DKMTOpenAdapterFromGdiDisplayName    (D3DKMT.@)
 * desc->DeviceName: in, a display ("\\.\DISPLAY1"); hAdapter, AdapterLuid, VidPnSourceId: out.
 * Wine's gdi32 finds the display's adapter; the handle is accepted by both sides.
 * Returns Wine's statuses: STATUS_UNSUCCESSFUL for desc NULL, an empty name or a display that is
 * not attached to the desktop (as Windows); STATUS_ACCESS_VIOLATION (unreadable desc);
 * STATUS_NOT_SUPPORTED when the running Wine has no such function.
 * https://learn.microsoft.com/windows-hardware/drivers/ddi/d3dkmthk/nf-d3dkmthk-d3dkmtopenadapterfromgdidisplayname
 */
NTSTATUS WINAPI D3DKMTOpenAdapterFromGdiDisplayName(D3DKMT_OPENADAPTERFROMGDIDISPLAYNAME *desc)
{
    struct thunk t;
    NTSTATUS status;

    WINE_TRACE("desc %p\n", desc);
    if (!desc) return STATUS_UNSUCCESSFUL;
    if ((status = check_unix(desc))) return status;
    thunk_init(&t);
    TRY(COPY_DESC_INOUT(&t, desc));
    status = open_adapter_from_display(desc);
    t.called = TRUE;
done:
    status = thunk_finish(&t, status);
    if (status) WINE_WARN("returning %#lx\n", (long)status);
    return status;
}

/***********************************************************************
 *           D3DKMTOpenAdapterFromHdc    (D3DKMT.@)
 * desc->hDc: in, a display device context; hAdapter, AdapterLuid, VidPnSourceId: out, of the
 * adapter whose display the DC shows.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc NULL, hDc NULL or not a display DC, or a
 * DC that spans the displays of several adapters, as Windows); STATUS_ACCESS_VIOLATION; the
 * statuses of D3DKMTOpenAdapterFromGdiDisplayName.
 * https://learn.microsoft.com/windows-hardware/drivers/ddi/d3dkmthk/nf-d3dkmthk-d3dkmtopenadapterfromhdc
 */
NTSTATUS WINAPI D3DKMTOpenAdapterFromHdc(D3DKMT_OPENADAPTERFROMHDC *desc)
{
    THUNK_BEGIN(D3DKMT_OPENADAPTERFROMHDC, COPY_DESC_INOUT);
    status = open_adapter_from_hdc(d);
    t.called = TRUE;
    CALL_NOTHING_AND_FINISH;
}

/***********************************************************************
 *           D3DKMTOpenAdapterFromDeviceName    (D3DKMT.@)
 * desc->pDeviceName: in, the path of a display adapter's device interface of class
 * GUID_DISPLAY_DEVICE_ARRIVAL (SetupDiGetDeviceInterfaceDetail), compared without case, up to 1024
 * characters; hAdapter, AdapterLuid: out.
 * Returns STATUS_SUCCESS; STATUS_INVALID_PARAMETER (desc or name NULL, a path that is no such
 * interface: GUID_DEVINTERFACE_DISPLAY_ADAPTER paths included, as Windows); STATUS_ACCESS_VIOLATION;
 * D3DKMTOpenAdapterFromLuid's statuses.
 * https://learn.microsoft.com/windows-hardware/drivers/ddi/d3dkmthk/nf-d3dkmthk-d3dkmtopenadapterfromdevicename
 */
NTSTATUS WINAPI D3DKMTOpenAdapterFromDeviceName(D3DKMT_OPENADAPTERFROMDEVICENAME *desc)
{
    WCHAR name[1025];
    const WCHAR *app_name;
    THUNK_BEGIN(D3DKMT_OPENADAPTERFROMDEVICENAME, COPY_DESC_INOUT);
    if (!(app_name = d->pDeviceName)) TRY(STATUS_INVALID_PARAMETER);
    TRY(copy_string_guarded(name, app_name, ARRAY_SIZE(name)));
    d->pDeviceName = name;
    status = open_adapter_from_device_name(d);
    d->pDeviceName = app_name;
    t.called = TRUE;
    CALL_NOTHING_AND_FINISH;
}

/***********************************************************************
 *           D3DKMTCloseAdapter    (D3DKMT.@)
 * Closes the adapter handle on both sides (the library's adapter and Wine's).
 */
NTSTATUS WINAPI D3DKMTCloseAdapter(const D3DKMT_CLOSEADAPTER *desc)
{
    THUNK_BEGIN(D3DKMT_CLOSEADAPTER, COPY_DESC_IN);
    status = close_adapter(d->hAdapter);
    t.called = TRUE;
    CALL_NOTHING_AND_FINISH;
}

/***********************************************************************
 *           D3DKMTQueryAdapterInfo    (D3DKMT.@)
 * desc->pPrivateDriverData: in/out buffer of desc->PrivateDriverDataSize bytes.  An adapter
 * handle of Wine's the library cannot take (several GPUs) gets Wine's answer.
 */
NTSTATUS WINAPI D3DKMTQueryAdapterInfo(const D3DKMT_QUERYADAPTERINFO *desc)
{
    NTSTATUS adopt;
    THUNK_BEGIN(D3DKMT_QUERYADAPTERINFO, COPY_DESC_IN);
    wine_init();
    TRY(thunk_copy(&t, &d->pPrivateDriverData, d->PrivateDriverDataSize, 1, TRUE, TRUE));
    CALL_ADOPTING_ADAPTER(&t, QueryAdapterInfo, d, d->hAdapter, &adopt);
    if (adopt == STATUS_NOT_SUPPORTED && wine.QueryAdapterInfo) status = wine.QueryAdapterInfo(d);
    CALL_NOTHING_AND_FINISH;
}

/***********************************************************************
 *           D3DKMTQueryVideoMemoryInfo    (D3DKMT.@)
 * desc->hProcess: NULL or a handle of the calling process (the library answers for this process
 * only: another process's handle gives STATUS_NOT_SUPPORTED).  The handle is identified with
 * NtQueryInformationProcess(ProcessBasicInformation), whose failure is returned as Windows
 * returns it: STATUS_INVALID_HANDLE for an invalid handle, STATUS_ACCESS_DENIED for a handle
 * opened without PROCESS_QUERY_(LIMITED_)INFORMATION.
 */
NTSTATUS WINAPI D3DKMTQueryVideoMemoryInfo(D3DKMT_QUERYVIDEOMEMORYINFO *desc)
{
    NTSTATUS adopt;
    HANDLE process;
    struct thunk t;
    NTSTATUS status;

    WINE_TRACE("desc %p\n", desc);
    if ((status = check_unix(desc))) return status;
    wine_init();
    thunk_init(&t);
    TRY(COPY_DESC_INOUT(&t, desc));
    if ((process = desc->hProcess) && process != GetCurrentProcess())
    {
        PROCESS_BASIC_INFORMATION info;
        TRY(NtQueryInformationProcess(process, ProcessBasicInformation, &info, sizeof(info), NULL));
        if (info.UniqueProcessId != GetCurrentProcessId()) TRY(STATUS_NOT_SUPPORTED);
    }
    desc->hProcess = NULL;
    CALL_ADOPTING_ADAPTER(&t, QueryVideoMemoryInfo, desc, desc->hAdapter, &adopt);
    desc->hProcess = process;
    /* An adapter of Wine's the library cannot take (several GPUs): Wine's answer. */
    if (adopt == STATUS_NOT_SUPPORTED && wine.QueryVideoMemoryInfo) status = wine.QueryVideoMemoryInfo(desc);
done:
    status = thunk_finish(&t, status);
    if (status) WINE_WARN("returning %#lx\n", (long)status);
    return status;
}

/***********************************************************************
 *           D3DKMTCreateDevice    (D3DKMT.@)
 * desc->hAdapter: in; desc->hDevice and the legacy command buffer fields: out.
 * On an adapter Wine made (through d3dkmt.dll or not), Wine's device is made first and the
 * library's takes its handle, so both sides accept the device.  An adapter of Wine's the library
 * cannot take (several GPUs, or a GPU only Wine has) gets Wine's device alone.
 */
NTSTATUS WINAPI D3DKMTCreateDevice(D3DKMT_CREATEDEVICE *desc)
{
    D3DKMT_CREATEDEVICE *app = desc;
    THUNK_BEGIN(D3DKMT_CREATEDEVICE, COPY_DESC_INOUT);
    wine_init();
    if (FOREIGN_HANDLE(d->hAdapter) && wine.CreateDevice)
    {
        D3DKMT_CREATEDEVICE wine_desc = *d;

        if (!library_has(d->hAdapter, D3DKMT_UNIX_ADAPTER) && (status = wine_adopt_adapter(d->hAdapter)))
        {
            /* Wine's adapter, not the library's to serve: Wine's device alone. */
            if (status == STATUS_NOT_SUPPORTED) status = wine.CreateDevice(app);
            goto done;
        }
        /* Wine's half first: it checks the adapter handle as Wine knows it. */
        if ((status = wine.CreateDevice(&wine_desc))) goto done;
        wine_note_device(wine_desc.hDevice);
        {
            struct CreateDevice_params params = { d };
            status = UNIX_CALL(CreateDevice, &params);
        }
        if (!status && (status = wine_share(d->hDevice, wine_desc.hDevice)))
        {
            struct DestroyDevice_params params = { &(D3DKMT_DESTROYDEVICE){ d->hDevice } };
            UNIX_CALL(DestroyDevice, &params);
        }
        if (status)
        {
            D3DKMT_DESTROYDEVICE destroy = { wine_desc.hDevice };
            wine.DestroyDevice(&destroy);
            goto done;
        }
        d->hDevice = wine_desc.hDevice;
        t.called = TRUE;
        goto done;
    }
    {
        struct CreateDevice_params params = { d };
        status = UNIX_CALL(CreateDevice, &params);
        t.called = TRUE;
    }
    CALL_NOTHING_AND_FINISH;
}

/***********************************************************************
 *           D3DKMTDestroyDevice    (D3DKMT.@)
 * Destroys the device on both sides: the library's (its allocations, paging queues and fences
 * with it) and Wine's.
 */
NTSTATUS WINAPI D3DKMTDestroyDevice(const D3DKMT_DESTROYDEVICE *desc)
{
    NTSTATUS wine_status = STATUS_INVALID_PARAMETER;
    THUNK_BEGIN(D3DKMT_DESTROYDEVICE, COPY_DESC_IN);
    wine_init();
    {
        struct DestroyDevice_params params = { d };
        status = UNIX_CALL(DestroyDevice, &params);
        t.called = TRUE;
    }
    kick_cpu_events();
    if (FOREIGN_HANDLE(d->hDevice) && wine.DestroyDevice) wine_status = wine.DestroyDevice(d);
    if (!wine_status) status = STATUS_SUCCESS;
    if (!status) wine_device_destroyed(d->hDevice);
    CALL_NOTHING_AND_FINISH;
}

/* CreateAllocation(2): the descriptor, the resource-level private data (for a standard
 * allocation the D3DKMT_CREATESTANDARDALLOCATION in its place), the allocation info array
 * (in/out: hAllocation, GpuVirtualAddress come back) and each element's private driver data
 * (in: D3DKMT_VK_ALLOCATIONDATA) are copied.  pSystemMem is passed through as it is: the existing
 * heap of a standard allocation, which the Unix side imports as GPU memory, probed here for
 * reading and writing over its size first (STATUS_ACCESS_VIOLATION otherwise).  hSection is
 * passed through: the library rejects ExistingSection (docs/private-driver-data.md). */
static NTSTATUS create_allocation(D3DKMT_CREATEALLOCATION *desc, BOOL version2)
{
    SIZE_T elem_size = version2 ? sizeof(D3DDDI_ALLOCATIONINFO2) : sizeof(D3DDDI_ALLOCATIONINFO);
    D3DKMT_CREATEALLOCATION *app = desc;
    d3dkmt_func wine_create;
    void **saved = NULL;
    char *info;
    struct thunk t;
    NTSTATUS status;
    UINT i, count;

    if ((status = check_unix(desc))) return status;
    wine_init();
    wine_create = version2 ? wine.CreateAllocation2 : wine.CreateAllocation;
    thunk_init(&t);
    TRY(COPY_DESC_INOUT(&t, desc));
    /* Shared allocations are Wine's (its sharing functions must know them), on a device Wine
     * knows; where Wine's function is a stub, the library's statuses. */
    if ((desc->Flags.CreateShared || desc->Flags.NtSecuritySharing) && FOREIGN_HANDLE(desc->hDevice) && wine_create)
    {
        if ((status = wine_create(app)) != STATUS_NOT_IMPLEMENTED) goto done;
        status = STATUS_SUCCESS;
    }
    TRY(thunk_copy(&t, (void **)&desc->pPrivateRuntimeData, desc->PrivateRuntimeDataSize, 1, FALSE, TRUE));
    if (desc->Flags.StandardAllocation && !desc->PrivateDriverDataSize)
        /* pStandardAllocation shares pPrivateDriverData's place; its size is not in the descriptor. */
        TRY(thunk_copy(&t, (void **)&desc->pPrivateDriverData, 1, sizeof(D3DKMT_CREATESTANDARDALLOCATION), FALSE, TRUE));
    else
        TRY(thunk_copy(&t, (void **)&desc->pPrivateDriverData, desc->PrivateDriverDataSize, 1, FALSE, TRUE));
    count = desc->NumAllocations;
    TRY(thunk_copy(&t, (void **)&desc->pAllocationInfo, count, elem_size, TRUE, TRUE));
    if (desc->Flags.StandardAllocation && desc->pPrivateDriverData && count == 1)
    {
        /* The existing heap becomes GPU memory (imported by the Unix side): it must be the
         * application's readable and writable memory, for the size it gives. */
        const D3DKMT_CREATESTANDARDALLOCATION *standard = desc->pPrivateDriverData;
        void *heap = (void *)(version2 ? ((D3DDDI_ALLOCATIONINFO2 *)desc->pAllocationInfo)->pSystemMem
                                       : desc->pAllocationInfo->pSystemMem);
        if (heap && standard->ExistingHeapData.Size) TRY(probe_write(heap, standard->ExistingHeapData.Size));
    }
    if ((info = (char *)desc->pAllocationInfo) && count)
    {
        /* One block for the saved element pointers and the element private data copies. */
        SIZE_T total = count * sizeof(void *);
        char *data;

        for (i = 0; i < count; i++)
        {
            UINT size = version2 ? ((D3DDDI_ALLOCATIONINFO2 *)info)[i].PrivateDriverDataSize
                                 : ((D3DDDI_ALLOCATIONINFO *)info)[i].PrivateDriverDataSize;
            if (size > MAX_COPY_BYTES || total + size + 16 > MAX_COPY_BYTES) TRY(STATUS_INVALID_PARAMETER);
            total += (size + 15) & ~15u;
        }
        if (!(saved = thunk_alloc(&t, total))) TRY(STATUS_NO_MEMORY);
        data = (char *)(saved + count);
        for (i = 0; i < count; i++)
            saved[i] = version2 ? ((D3DDDI_ALLOCATIONINFO2 *)info)[i].pPrivateDriverData
                                : ((D3DDDI_ALLOCATIONINFO *)info)[i].pPrivateDriverData;
        for (i = 0; i < count; i++)
        {
            void **field = version2 ? &((D3DDDI_ALLOCATIONINFO2 *)info)[i].pPrivateDriverData
                                    : &((D3DDDI_ALLOCATIONINFO *)info)[i].pPrivateDriverData;
            UINT size = version2 ? ((D3DDDI_ALLOCATIONINFO2 *)info)[i].PrivateDriverDataSize
                                 : ((D3DDDI_ALLOCATIONINFO *)info)[i].PrivateDriverDataSize;
            if (!*field) continue;
            TRY(copy_guarded(data, *field, size));
            *field = data;
            data += (size + 15) & ~15u;
        }
    }
    if (version2) CALL_ADOPTING_DEVICE(&t, CreateAllocation2, desc, desc->hDevice);
    else CALL_ADOPTING_DEVICE(&t, CreateAllocation, desc, desc->hDevice);
done:
    if (saved)
    {
        for (i = 0; i < count; i++)
        {
            if (version2) ((D3DDDI_ALLOCATIONINFO2 *)info)[i].pPrivateDriverData = saved[i];
            else ((D3DDDI_ALLOCATIONINFO *)info)[i].pPrivateDriverData = saved[i];
        }
    }
    status = thunk_finish(&t, status);
    if (status) WINE_WARN("returning %#lx\n", (long)status);
    return status;
}

/***********************************************************************
 *           D3DKMTCreateAllocation    (D3DKMT.@)
 * desc->pAllocationInfo: desc->NumAllocations D3DDDI_ALLOCATIONINFO, in/out.
 */
NTSTATUS WINAPI D3DKMTCreateAllocation(D3DKMT_CREATEALLOCATION *desc)
{
    WINE_TRACE("desc %p\n", desc);
    return create_allocation(desc, FALSE);
}

/***********************************************************************
 *           D3DKMTCreateAllocation2    (D3DKMT.@)
 * desc->pAllocationInfo2: desc->NumAllocations D3DDDI_ALLOCATIONINFO2, in/out.
 */
NTSTATUS WINAPI D3DKMTCreateAllocation2(D3DKMT_CREATEALLOCATION *desc)
{
    WINE_TRACE("desc %p\n", desc);
    return create_allocation(desc, TRUE);
}

/***********************************************************************
 *           D3DKMTDestroyAllocation    (D3DKMT.@)
 * desc->phAllocationList: desc->AllocationCount handles, in.
 */
NTSTATUS WINAPI D3DKMTDestroyAllocation(const D3DKMT_DESTROYALLOCATION *desc)
{
    const D3DKMT_DESTROYALLOCATION *app = desc;
    THUNK_BEGIN(D3DKMT_DESTROYALLOCATION, COPY_DESC_IN);
    wine_init();
    TRY(COPY_ARRAY_IN(&t, d->phAllocationList, d->AllocationCount));
    {
        struct DestroyAllocation_params params = { d };
        status = UNIX_CALL(DestroyAllocation, &params);
        t.called = TRUE;
    }
    /* Allocations or a resource the library did not make are Wine's. */
    if (FOREIGN_HANDLE(d->hResource) || (d->AllocationCount && d->phAllocationList
                                         && FOREIGN_HANDLE(d->phAllocationList[0])))
        CALL_WINE_INSTEAD(&t, DestroyAllocation, app);
    CALL_NOTHING_AND_FINISH;
}

/***********************************************************************
 *           D3DKMTDestroyAllocation2    (D3DKMT.@)
 * desc->phAllocationList: desc->AllocationCount handles, in.
 * https://learn.microsoft.com/windows-hardware/drivers/ddi/d3dkmthk/nf-d3dkmthk-d3dkmtdestroyallocation2
 */
NTSTATUS WINAPI D3DKMTDestroyAllocation2(const D3DKMT_DESTROYALLOCATION2 *desc)
{
    const D3DKMT_DESTROYALLOCATION2 *app = desc;
    THUNK_BEGIN(D3DKMT_DESTROYALLOCATION2, COPY_DESC_IN);
    wine_init();
    TRY(COPY_ARRAY_IN(&t, d->phAllocationList, d->AllocationCount));
    {
        struct DestroyAllocation2_params params = { d };
        status = UNIX_CALL(DestroyAllocation2, &params);
        t.called = TRUE;
    }
    /* Allocations or a resource the library did not make are Wine's. */
    if (FOREIGN_HANDLE(d->hResource) || (d->AllocationCount && d->phAllocationList
                                         && FOREIGN_HANDLE(d->phAllocationList[0])))
        CALL_WINE_INSTEAD(&t, DestroyAllocation2, app);
    CALL_NOTHING_AND_FINISH;
}

/***********************************************************************
 *           D3DKMTQueryResourceInfo    (D3DKMT.@)
 * desc: in/out.  pPrivateRuntimeData is neither read nor written (the library gives the data with
 * D3DKMTOpenResource).
 */
NTSTATUS WINAPI D3DKMTQueryResourceInfo(D3DKMT_QUERYRESOURCEINFO *desc)
{
    D3DKMT_QUERYRESOURCEINFO *app = desc;
    THUNK_BEGIN(D3DKMT_QUERYRESOURCEINFO, COPY_DESC_INOUT);
    wine_init();
    CALL_ADOPTING_DEVICE(&t, QueryResourceInfo, d, d->hDevice);
    CALL_WINE_INSTEAD(&t, QueryResourceInfo, app);
    CALL_NOTHING_AND_FINISH;
}

/* OpenResource(2): the descriptor and the buffers the call writes (the allocation info array by
 * NumAllocations, the runtime data, the resource and total driver data buffers by their sizes)
 * are copied in and back.  The allocations' own pPrivateDriverData is not written. */
static NTSTATUS open_resource(D3DKMT_OPENRESOURCE *desc, BOOL version2)
{
    SIZE_T elem_size = version2 ? sizeof(D3DDDI_OPENALLOCATIONINFO2) : sizeof(D3DDDI_OPENALLOCATIONINFO);
    D3DKMT_OPENRESOURCE *app = desc;
    struct thunk t;
    NTSTATUS status;

    if ((status = check_unix(desc))) return status;
    wine_init();
    thunk_init(&t);
    TRY(COPY_DESC_INOUT(&t, desc));
    TRY(thunk_copy(&t, (void **)&desc->pOpenAllocationInfo, desc->NumAllocations, elem_size, TRUE, TRUE));
    TRY(thunk_copy(&t, &desc->pPrivateRuntimeData, desc->PrivateRuntimeDataSize, 1, TRUE, TRUE));
    TRY(thunk_copy(&t, &desc->pResourcePrivateDriverData, desc->ResourcePrivateDriverDataSize, 1, TRUE, TRUE));
    TRY(thunk_copy(&t, &desc->pTotalPrivateDriverDataBuffer, desc->TotalPrivateDriverDataBufferSize, 1, TRUE, TRUE));
    if (version2)
    {
        CALL_ADOPTING_DEVICE(&t, OpenResource2, desc, desc->hDevice);
        CALL_WINE_INSTEAD(&t, OpenResource2, app);
    }
    else
    {
        CALL_ADOPTING_DEVICE(&t, OpenResource, desc, desc->hDevice);
        CALL_WINE_INSTEAD(&t, OpenResource, app);
    }
done:
    status = thunk_finish(&t, status);
    if (status) WINE_WARN("returning %#lx\n", (long)status);
    return status;
}

/***********************************************************************
 *           D3DKMTOpenResource    (D3DKMT.@)
 * desc->pOpenAllocationInfo: desc->NumAllocations D3DDDI_OPENALLOCATIONINFO, in/out.
 * https://learn.microsoft.com/windows-hardware/drivers/ddi/d3dkmthk/nf-d3dkmthk-d3dkmtopenresource
 */
NTSTATUS WINAPI D3DKMTOpenResource(D3DKMT_OPENRESOURCE *desc)
{
    WINE_TRACE("desc %p\n", desc);
    return open_resource(desc, FALSE);
}

/***********************************************************************
 *           D3DKMTOpenResource2    (D3DKMT.@)
 * desc->pOpenAllocationInfo2: desc->NumAllocations D3DDDI_OPENALLOCATIONINFO2, in/out.
 */
NTSTATUS WINAPI D3DKMTOpenResource2(D3DKMT_OPENRESOURCE *desc)
{
    WINE_TRACE("desc %p\n", desc);
    return open_resource(desc, TRUE);
}

/***********************************************************************
 *           D3DKMTLock2    (D3DKMT.@)
 * desc->pData: out, the CPU address of the allocation, valid until D3DKMTUnlock2; Windows code can
 * use it directly (one address space).
 */
NTSTATUS WINAPI D3DKMTLock2(D3DKMT_LOCK2 *desc)
{
    THUNK_BEGIN(D3DKMT_LOCK2, COPY_DESC_INOUT);
    CALL_AND_FINISH(&t, Lock2, d);
}

/***********************************************************************
 *           D3DKMTUnlock2    (D3DKMT.@)
 */
NTSTATUS WINAPI D3DKMTUnlock2(const D3DKMT_UNLOCK2 *desc)
{
    THUNK_BEGIN(D3DKMT_UNLOCK2, COPY_DESC_IN);
    CALL_AND_FINISH(&t, Unlock2, d);
}

/***********************************************************************
 *           D3DKMTOfferAllocations    (D3DKMT.@)
 * desc->pResources, desc->HandleList: desc->NumAllocations handles each, in (one is NULL).
 * https://learn.microsoft.com/windows-hardware/drivers/ddi/d3dkmthk/nf-d3dkmthk-d3dkmtofferallocations
 */
NTSTATUS WINAPI D3DKMTOfferAllocations(const D3DKMT_OFFERALLOCATIONS *desc)
{
    THUNK_BEGIN(D3DKMT_OFFERALLOCATIONS, COPY_DESC_IN);
    TRY(COPY_ARRAY_IN(&t, d->pResources, d->NumAllocations));
    TRY(COPY_ARRAY_IN(&t, d->HandleList, d->NumAllocations));
    CALL_AND_FINISH(&t, OfferAllocations, d);
}

/***********************************************************************
 *           D3DKMTReclaimAllocations    (D3DKMT.@)
 * desc->pDiscarded: NULL or desc->NumAllocations BOOL, out.
 */
NTSTATUS WINAPI D3DKMTReclaimAllocations(D3DKMT_RECLAIMALLOCATIONS *desc)
{
    THUNK_BEGIN(D3DKMT_RECLAIMALLOCATIONS, COPY_DESC_IN);
    TRY(COPY_ARRAY_IN(&t, d->pResources, d->NumAllocations));
    TRY(COPY_ARRAY_IN(&t, d->HandleList, d->NumAllocations));
    TRY(COPY_ARRAY_INOUT(&t, d->pDiscarded, d->NumAllocations));
    CALL_AND_FINISH(&t, ReclaimAllocations, d);
}

/***********************************************************************
 *           D3DKMTReclaimAllocations2    (D3DKMT.@)
 * desc->pResults (or pDiscarded): NULL or desc->NumAllocations entries, out;
 * desc->PagingFenceValue: out.
 * https://learn.microsoft.com/windows-hardware/drivers/ddi/d3dkmthk/nf-d3dkmthk-d3dkmtreclaimallocations2
 */
NTSTATUS WINAPI D3DKMTReclaimAllocations2(D3DKMT_RECLAIMALLOCATIONS2 *desc)
{
    THUNK_BEGIN(D3DKMT_RECLAIMALLOCATIONS2, COPY_DESC_INOUT);
    TRY(COPY_ARRAY_IN(&t, d->pResources, d->NumAllocations));
    TRY(COPY_ARRAY_IN(&t, d->HandleList, d->NumAllocations));
    TRY(COPY_ARRAY_INOUT(&t, d->pResults, d->NumAllocations));
    CALL_AND_FINISH(&t, ReclaimAllocations2, d);
}

/***********************************************************************
 *           D3DKMTMakeResident    (D3DKMT.@)
 * desc->AllocationList, desc->PriorityList: desc->NumAllocations entries, in; NumAllocations,
 * PagingFenceValue, NumBytesToTrim: out.
 */
NTSTATUS WINAPI D3DKMTMakeResident(D3DDDI_MAKERESIDENT *desc)
{
    THUNK_BEGIN(D3DDDI_MAKERESIDENT, COPY_DESC_INOUT);
    TRY(COPY_ARRAY_IN(&t, d->AllocationList, d->NumAllocations));
    TRY(COPY_ARRAY_IN(&t, d->PriorityList, d->NumAllocations));
    CALL_AND_FINISH(&t, MakeResident, d);
}

/***********************************************************************
 *           D3DKMTEvict    (D3DKMT.@)
 * desc->AllocationList: desc->NumAllocations handles, in; NumBytesToTrim: out.
 */
NTSTATUS WINAPI D3DKMTEvict(D3DKMT_EVICT *desc)
{
    THUNK_BEGIN(D3DKMT_EVICT, COPY_DESC_INOUT);
    TRY(COPY_ARRAY_IN(&t, d->AllocationList, d->NumAllocations));
    CALL_AND_FINISH(&t, Evict, d);
}

/* Priorities: one per listed allocation, or a single one for hResource with no list. */
static UINT priority_count(D3DKMT_HANDLE resource, UINT count)
{
    return count ? count : (resource ? 1 : 0);
}

/***********************************************************************
 *           D3DKMTSetAllocationPriority    (D3DKMT.@)
 * desc->phAllocationList: desc->AllocationCount handles, in; desc->pPriorities: one per allocation
 * (one for desc->hResource when the list is empty), in.
 */
NTSTATUS WINAPI D3DKMTSetAllocationPriority(const D3DKMT_SETALLOCATIONPRIORITY *desc)
{
    THUNK_BEGIN(D3DKMT_SETALLOCATIONPRIORITY, COPY_DESC_IN);
    TRY(COPY_ARRAY_IN(&t, d->phAllocationList, d->AllocationCount));
    TRY(COPY_ARRAY_IN(&t, d->pPriorities, priority_count(d->hResource, d->AllocationCount)));
    CALL_AND_FINISH(&t, SetAllocationPriority, d);
}

/***********************************************************************
 *           D3DKMTGetAllocationPriority    (D3DKMT.@)
 * As D3DKMTSetAllocationPriority, with desc->pPriorities out.
 */
NTSTATUS WINAPI D3DKMTGetAllocationPriority(const D3DKMT_GETALLOCATIONPRIORITY *desc)
{
    THUNK_BEGIN(D3DKMT_GETALLOCATIONPRIORITY, COPY_DESC_IN);
    TRY(COPY_ARRAY_IN(&t, d->phAllocationList, d->AllocationCount));
    TRY(COPY_ARRAY_INOUT(&t, d->pPriorities, priority_count(d->hResource, d->AllocationCount)));
    CALL_AND_FINISH(&t, GetAllocationPriority, d);
}

/***********************************************************************
 *           D3DKMTCreatePagingQueue    (D3DKMT.@)
 * desc->hPagingQueue, hSyncObject, FenceValueCPUVirtualAddress: out.  The fence address is
 * readable from Windows code until the queue is destroyed.
 */
NTSTATUS WINAPI D3DKMTCreatePagingQueue(D3DKMT_CREATEPAGINGQUEUE *desc)
{
    THUNK_BEGIN(D3DKMT_CREATEPAGINGQUEUE, COPY_DESC_INOUT);
    CALL_ADOPTING_DEVICE(&t, CreatePagingQueue, d, d->hDevice);
    CALL_NOTHING_AND_FINISH;
}

/***********************************************************************
 *           D3DKMTDestroyPagingQueue    (D3DKMT.@)
 */
NTSTATUS WINAPI D3DKMTDestroyPagingQueue(D3DDDI_DESTROYPAGINGQUEUE *desc)
{
    THUNK_BEGIN(D3DDDI_DESTROYPAGINGQUEUE, COPY_DESC_IN);
    CALL_AND_FINISH(&t, DestroyPagingQueue, d);
}

/***********************************************************************
 *           D3DKMTCreateSynchronizationObject2    (D3DKMT.@)
 * desc->hSyncObject, Info.SharedHandle and the monitored fence's CPU / GPU addresses: out.
 * A CPU notification's Info.CPUNotification.Event must be an event handle of the process
 * (STATUS_INVALID_HANDLE otherwise); this DLL keeps a duplicate of it, which it sets each time a
 * signal of the object is reached.
 */
NTSTATUS WINAPI D3DKMTCreateSynchronizationObject2(D3DKMT_CREATESYNCHRONIZATIONOBJECT2 *desc)
{
    D3DKMT_CREATESYNCHRONIZATIONOBJECT2 *app = desc;
    HANDLE event = NULL;
    THUNK_BEGIN(D3DKMT_CREATESYNCHRONIZATIONOBJECT2, COPY_DESC_INOUT);
    wine_init();
    /* Shared sync objects are Wine's (its sharing functions must know them), on a device Wine
     * knows; where Wine's function is a stub, the library's statuses. */
    if ((d->Info.Flags.Shared || d->Info.Flags.NtSecuritySharing) && FOREIGN_HANDLE(d->hDevice)
            && wine.CreateSynchronizationObject2)
    {
        if ((status = wine.CreateSynchronizationObject2(app)) != STATUS_NOT_IMPLEMENTED) goto done;
    }
    if (d->Info.Type == D3DDDI_CPU_NOTIFICATION && d->Info.CPUNotification.Event)
    {
        if (!DuplicateHandle(GetCurrentProcess(), d->Info.CPUNotification.Event, GetCurrentProcess(), &event,
                             EVENT_MODIFY_STATE, FALSE, 0))
            TRY(STATUS_INVALID_HANDLE);
        if (!InitOnceExecuteOnce(&cpu_event_once, start_cpu_event_thread, NULL, NULL))
        {
            CloseHandle(event);
            TRY(STATUS_NO_MEMORY);
        }
        /* The library keeps the duplicate; the application gets its own handle back. */
        t.restore[t.restore_count].field = (void **)&d->Info.CPUNotification.Event;
        t.restore[t.restore_count].value = d->Info.CPUNotification.Event;
        t.restore_count++;
        d->Info.CPUNotification.Event = event;
    }
    CALL_ADOPTING_DEVICE(&t, CreateSynchronizationObject2, d, d->hDevice);
    if (status && event) CloseHandle(event);
    CALL_NOTHING_AND_FINISH;
}

/***********************************************************************
 *           D3DKMTCreateSynchronizationObject    (D3DKMT.@)
 * desc->hSyncObject: out.
 */
NTSTATUS WINAPI D3DKMTCreateSynchronizationObject(D3DKMT_CREATESYNCHRONIZATIONOBJECT *desc)
{
    THUNK_BEGIN(D3DKMT_CREATESYNCHRONIZATIONOBJECT, COPY_DESC_INOUT);
    wine_init();
    CALL_ADOPTING_DEVICE(&t, CreateSynchronizationObject, d, d->hDevice);
    CALL_NOTHING_AND_FINISH;
}

/***********************************************************************
 *           D3DKMTOpenSynchronizationObject    (D3DKMT.@)
 * desc->hSharedHandle: in; desc->hSyncObject: out.
 */
NTSTATUS WINAPI D3DKMTOpenSynchronizationObject(D3DKMT_OPENSYNCHRONIZATIONOBJECT *desc)
{
    D3DKMT_OPENSYNCHRONIZATIONOBJECT *app = desc;
    THUNK_BEGIN(D3DKMT_OPENSYNCHRONIZATIONOBJECT, COPY_DESC_INOUT);
    wine_init();
    {
        struct OpenSynchronizationObject_params params = { d };
        status = UNIX_CALL(OpenSynchronizationObject, &params);
        t.called = TRUE;
    }
    CALL_WINE_INSTEAD(&t, OpenSynchronizationObject, app);
    CALL_NOTHING_AND_FINISH;
}

/***********************************************************************
 *           D3DKMTDestroySynchronizationObject    (D3DKMT.@)
 * A sync object the library did not make is Wine's: Wine's function destroys it.
 */
NTSTATUS WINAPI D3DKMTDestroySynchronizationObject(const D3DKMT_DESTROYSYNCHRONIZATIONOBJECT *desc)
{
    const D3DKMT_DESTROYSYNCHRONIZATIONOBJECT *app = desc;
    THUNK_BEGIN(D3DKMT_DESTROYSYNCHRONIZATIONOBJECT, COPY_DESC_IN);
    wine_init();
    {
        struct DestroySynchronizationObject_params params = { d };
        status = UNIX_CALL(DestroySynchronizationObject, &params);
        t.called = TRUE;
    }
    kick_cpu_events();
    if (FOREIGN_HANDLE(d->hSyncObject)) CALL_WINE_INSTEAD(&t, DestroySynchronizationObject, app);
    CALL_NOTHING_AND_FINISH;
}

/***********************************************************************
 *           D3DKMTSignalSynchronizationObjectFromCpu    (D3DKMT.@)
 * desc->ObjectHandleArray, desc->FenceValueArray: desc->ObjectCount entries each, in.
 */
NTSTATUS WINAPI D3DKMTSignalSynchronizationObjectFromCpu(const D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMCPU *desc)
{
    THUNK_BEGIN(D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMCPU, COPY_DESC_IN);
    TRY(COPY_ARRAY_IN(&t, d->ObjectHandleArray, d->ObjectCount));
    TRY(COPY_ARRAY_IN(&t, d->FenceValueArray, d->ObjectCount));
    {
        struct SignalSynchronizationObjectFromCpu_params params = { d };
        status = UNIX_CALL(SignalSynchronizationObjectFromCpu, &params);
        t.called = TRUE;
    }
    kick_cpu_events();
done:
    status = thunk_finish(&t, status);
    if (status) WINE_WARN("returning %#lx\n", (long)status);
    return status;
}

/* The hAsyncEvent form of WaitForSynchronizationObjectFromCpu: a thread of this DLL waits through
 * a blocking Unix call on its own copy of the descriptor, then sets the event. */
struct async_wait
{
    D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU desc;
    HANDLE event;
    HMODULE module;
    /* then ObjectCount handles and ObjectCount UINT64 values */
};

static DWORD WINAPI async_wait_thread(void *arg)
{
    struct async_wait *wait = arg;
    struct wait_cpu_poll_params params = { &wait->desc, INFINITE };
    HMODULE module = wait->module;
    NTSTATUS status;

    status = UNIX_CALL(wait_cpu_poll, &params);
    WINE_TRACE("async wait %p done, status %#lx\n", wait, (long)status);
    if (status == STATUS_SUCCESS) SetEvent(wait->event);
    else WINE_WARN("async wait failed with %#lx; the event stays unsignalled\n", (long)status);
    CloseHandle(wait->event);
    HeapFree(GetProcessHeap(), 0, wait);
    FreeLibraryAndExitThread(module, 0);
    return 0;
}

static NTSTATUS start_async_wait(const D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU *d, HANDLE event)
{
    SIZE_T count = d->ObjectCount;
    struct async_wait *wait;
    HANDLE thread;
    UINT64 *values;
    D3DKMT_HANDLE *handles;

    if (!(wait = HeapAlloc(GetProcessHeap(), 0, sizeof(*wait) + count * (sizeof(UINT64) + sizeof(D3DKMT_HANDLE)))))
        return STATUS_NO_MEMORY;
    values = (UINT64 *)(wait + 1);
    handles = (D3DKMT_HANDLE *)(values + count);
    wait->desc = *d;
    wait->desc.hAsyncEvent = NULL;
    if (d->FenceValueArray) memcpy(values, d->FenceValueArray, count * sizeof(*values));
    if (d->ObjectHandleArray) memcpy(handles, d->ObjectHandleArray, count * sizeof(*handles));
    wait->desc.FenceValueArray = d->FenceValueArray ? values : NULL;
    wait->desc.ObjectHandleArray = d->ObjectHandleArray ? handles : NULL;
    wait->event = event;
    if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS, (const WCHAR *)async_wait_thread,
                            &wait->module))
    {
        HeapFree(GetProcessHeap(), 0, wait);
        return STATUS_NO_MEMORY;
    }
    if (!(thread = CreateThread(NULL, 0, async_wait_thread, wait, 0, NULL)))
    {
        FreeLibrary(wait->module);
        HeapFree(GetProcessHeap(), 0, wait);
        return STATUS_NO_MEMORY;
    }
    CloseHandle(thread);
    return STATUS_SUCCESS;
}

/***********************************************************************
 *           D3DKMTWaitForSynchronizationObjectFromCpu    (D3DKMT.@)
 * desc->ObjectHandleArray, desc->FenceValueArray: desc->ObjectCount entries each, in.
 * desc->hAsyncEvent NULL: blocks until the objects reach their values.  Otherwise returns at once
 * and sets that event (a Windows event handle) when they do; an invalid event handle gives
 * STATUS_INVALID_HANDLE.  docs/wine-dll.md describes the waiter thread.
 */
NTSTATUS WINAPI D3DKMTWaitForSynchronizationObjectFromCpu(const D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU *desc)
{
    struct wait_cpu_poll_params poll;
    HANDLE event = NULL;
    THUNK_BEGIN(D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMCPU, COPY_DESC_IN);
    TRY(COPY_ARRAY_IN(&t, d->ObjectHandleArray, d->ObjectCount));
    TRY(COPY_ARRAY_IN(&t, d->FenceValueArray, d->ObjectCount));
    if (!d->hAsyncEvent)
    {
        struct WaitForSynchronizationObjectFromCpu_params params = { d };
        status = UNIX_CALL(WaitForSynchronizationObjectFromCpu, &params);
        t.called = TRUE;
        goto done;
    }

    if (!DuplicateHandle(GetCurrentProcess(), d->hAsyncEvent, GetCurrentProcess(), &event,
                         EVENT_MODIFY_STATE, FALSE, 0))
        TRY(STATUS_INVALID_HANDLE);
    d->hAsyncEvent = NULL;
    poll.desc = d;
    poll.timeout_ms = 0;
    status = UNIX_CALL(wait_cpu_poll, &poll);
    t.called = TRUE;
    if (status == STATUS_SUCCESS)
    {
        SetEvent(event);
    }
    else if (status == STATUS_TIMEOUT || status == STATUS_NOT_SUPPORTED)
    {
        /* Not reached yet (or the library cannot tell without blocking): wait in a thread. */
        if (!(status = start_async_wait(d, event))) event = NULL;
    }
done:
    if (event) CloseHandle(event);
    status = thunk_finish(&t, status);
    if (status) WINE_WARN("returning %#lx\n", (long)status);
    return status;
}

/* The GPU forms carry a union of a value array pointer and inline values; which one is meant
 * depends on the objects' types, which only the library knows.  The pointer is copied when it
 * points at ObjectCount readable UINT64; otherwise the union is passed as it is (docs/wine-dll.md).
 * FromGpu2's signal and the GPU wait first ask the Unix side (lists_fence): with a fence
 * (D3DDDI_FENCE) listed, the union is the inline FenceValue, never copied. */
static void copy_value_array_if_readable(struct thunk *t, const UINT64 **array, UINT count)
{
    const UINT64 *app = *array;
    UINT64 *copy;

    if (!app || !count || count > MAX_ELEMENTS || (ULONG_PTR)app < 0x10000) return;
    if (t->restore_count == ARRAY_SIZE(t->restore)) return;
    if (!(copy = thunk_alloc(t, count * sizeof(UINT64)))) return;
    if (copy_guarded(copy, app, count * sizeof(UINT64))) return;
    t->restore[t->restore_count].field = (void **)array;
    t->restore[t->restore_count].value = (void *)app;
    t->restore_count++;
    *array = copy;
}

/* Whether handles (ObjectCount entries, the thunk's copy) name a fence (D3DDDI_FENCE): the union of
 * FromGpu2's signal and the GPU wait is then the inline FenceValue (unix_lists_fence). */
static BOOL lists_fence(const D3DKMT_HANDLE *handles, UINT count)
{
    UINT result = 0;
    struct lists_fence_params params = { handles, count, &result };

    return !UNIX_CALL(lists_fence, &params) && result;
}

/***********************************************************************
 *           D3DKMTSignalSynchronizationObjectFromGpu    (D3DKMT.@)
 */
NTSTATUS WINAPI D3DKMTSignalSynchronizationObjectFromGpu(const D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU *desc)
{
    THUNK_BEGIN(D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU, COPY_DESC_IN);
    TRY(COPY_ARRAY_IN(&t, d->ObjectHandleArray, d->ObjectCount));
    copy_value_array_if_readable(&t, &d->MonitoredFenceValueArray, d->ObjectCount);
    {
        struct SignalSynchronizationObjectFromGpu_params params = { d };
        status = UNIX_CALL(SignalSynchronizationObjectFromGpu, &params);
        t.called = TRUE;
    }
    kick_cpu_events();
done:
    status = thunk_finish(&t, status);
    if (status) WINE_WARN("returning %#lx\n", (long)status);
    return status;
}

/***********************************************************************
 *           D3DKMTSignalSynchronizationObjectFromGpu2    (D3DKMT.@)
 */
NTSTATUS WINAPI D3DKMTSignalSynchronizationObjectFromGpu2(const D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU2 *desc)
{
    THUNK_BEGIN(D3DKMT_SIGNALSYNCHRONIZATIONOBJECTFROMGPU2, COPY_DESC_IN);
    TRY(COPY_ARRAY_IN(&t, d->ObjectHandleArray, d->ObjectCount));
    TRY(COPY_ARRAY_IN(&t, d->BroadcastContextArray, d->BroadcastContextCount));
    if (!lists_fence(d->ObjectHandleArray, d->ObjectCount))
        copy_value_array_if_readable(&t, &d->MonitoredFenceValueArray, d->ObjectCount);
    {
        struct SignalSynchronizationObjectFromGpu2_params params = { d };
        status = UNIX_CALL(SignalSynchronizationObjectFromGpu2, &params);
        t.called = TRUE;
    }
    kick_cpu_events();
done:
    status = thunk_finish(&t, status);
    if (status) WINE_WARN("returning %#lx\n", (long)status);
    return status;
}

/***********************************************************************
 *           D3DKMTWaitForSynchronizationObjectFromGpu    (D3DKMT.@)
 */
NTSTATUS WINAPI D3DKMTWaitForSynchronizationObjectFromGpu(const D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMGPU *desc)
{
    THUNK_BEGIN(D3DKMT_WAITFORSYNCHRONIZATIONOBJECTFROMGPU, COPY_DESC_IN);
    TRY(COPY_ARRAY_IN(&t, d->ObjectHandleArray, d->ObjectCount));
    if (!lists_fence(d->ObjectHandleArray, d->ObjectCount))
        copy_value_array_if_readable(&t, &d->MonitoredFenceValueArray, d->ObjectCount);
    CALL_AND_FINISH(&t, WaitForSynchronizationObjectFromGpu, d);
}

/***********************************************************************
 *           D3DKMTEscape    (D3DKMT.@)
 * desc->pPrivateDriverData: in/out buffer of desc->PrivateDriverDataSize bytes (for
 * D3DKMT_ESCAPE_DRIVERPRIVATE, a D3DKMT_VK_STATISTICS request, include/d3dkmt.h).  Other escape
 * types go to Wine's D3DKMTEscape where the running Wine has one, and return its status.
 */
NTSTATUS WINAPI D3DKMTEscape(const D3DKMT_ESCAPE *desc)
{
    const D3DKMT_ESCAPE *app = desc;
    THUNK_BEGIN(D3DKMT_ESCAPE, COPY_DESC_IN);
    wine_init();
    /* Driver-private escapes are the library's (it is the driver: docs/private-driver-data.md);
     * every other type, Wine-private ones (D3DKMT_ESCAPE_UPDATE_RESOURCE_WINE, ...) above all, is
     * Wine's, with the application's descriptor, where Wine has escapes. */
    if (d->Type != D3DKMT_ESCAPE_DRIVERPRIVATE && wine.Escape)
    {
        status = wine.Escape((void *)app);
        goto done;
    }
    TRY(thunk_copy(&t, &d->pPrivateDriverData, d->PrivateDriverDataSize, 1, TRUE, TRUE));
    CALL_ADOPTING_DEVICE(&t, Escape, d, d->hDevice);
    CALL_NOTHING_AND_FINISH;
}

/***********************************************************************
 *           __wine_d3dkmt_noop    (D3DKMT.@)
 * Not a Windows API: one Unix call that does nothing, to measure the PE -> Unix transition
 * (tests/wine/callcost.c).  Returns STATUS_SUCCESS, or STATUS_DLL_NOT_FOUND without d3dkmt.so.
 */
NTSTATUS WINAPI __wine_d3dkmt_noop(void)
{
    struct noop_params params = { 0 };

    if (unix_status) return unix_status;
    return UNIX_CALL(noop, &params);
}

BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, void *reserved)
{
    if (reason != DLL_PROCESS_ATTACH) return TRUE;
    d3dkmt_module = instance;
    DisableThreadLibraryCalls(instance);
    /* Once per process, whatever WINEDEBUG says (Proton runs with -all): without its Unix side
     * every call fails with STATUS_DLL_NOT_FOUND, and this line is the only hint why. */
    if ((unix_status = __wine_init_unix_call()))
        WINE_MESSAGE("d3dkmt.dll: cannot load its Unix side d3dkmt.so (status %#lx); every D3DKMT call will "
            "return STATUS_DLL_NOT_FOUND.  Run the program with WINEDLLPATH=<prefix>/d3dkmt (d3dkmt-setup env "
            "prints it), or install with d3dkmt-setup --wine-libdir\n", (long)unix_status);
    return TRUE;
}
