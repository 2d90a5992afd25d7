/*
 * gdi32-route-guard.c: entry point of the forwarding gdi32.dll that tools/gdi32-route/gdi32-route.sh
 * builds for one application (docs/gdi32-route.md).
 *
 * Copyright 2026 the d3dkmt authors
 *
 * This library is free software; you can redistribute it and/or modify it under the terms of the
 * GNU Lesser General Public License as published by the Free Software Foundation; either version
 * 2.1 of the License, or (at your option) any later version.  See COPYING.LIB.
 *
 * The forwarding gdi32.dll has no code of its own besides this entry point: every export is a
 * forwarder, to d3dkmt.dll for the D3DKMT* names d3dkmt.dll exports and to GDI32_ROUTE_WINE_MODULE
 * (a copy of the installed Wine's gdi32.dll, builtin marker cleared) for everything else.
 *
 * That copy is only valid for the Wine build it was taken from: its calls into win32u.dll follow
 * that build's win32u.  So that a Wine update never breaks the application silently, the entry
 * point compares the running Wine's build id (ntdll's wine_get_build_id(), the string
 * `wine --version` prints) with the one recorded at install time (GDI32_ROUTE_WINE_BUILD_ID) and,
 * when they differ, writes what to do on standard error and fails DLL initialisation, so the
 * process stops before the application runs.  Built with -nostdlib: no C runtime, kernel32 only.
 */
#include <windows.h>

#ifndef GDI32_ROUTE_WINE_BUILD_ID
# error "GDI32_ROUTE_WINE_BUILD_ID (the output of `wine --version` at install time) must be defined"
#endif
#ifndef GDI32_ROUTE_WINE_MODULE
# define GDI32_ROUTE_WINE_MODULE "gdi32wine.dll"
#endif

typedef const char *(CDECL *build_id_fn)(void);

static BOOL route_streq(const char *a, const char *b)
{
    while (*a && *a == *b) { a++; b++; }
    return *a == *b;
}

static void route_write(HANDLE out, const char *s)
{
    DWORD written;
    WriteFile(out, s, (DWORD)lstrlenA(s), &written, NULL);
}

/***********************************************************************
 *           DllEntry
 *
 * Entry point of the forwarding gdi32.dll.
 *
 * PARAMS
 *  inst     [I] this module
 *  reason   [I] DLL_PROCESS_ATTACH, DLL_THREAD_ATTACH, DLL_THREAD_DETACH or DLL_PROCESS_DETACH
 *  reserved [I] unused
 *
 * RETURNS
 *  TRUE to go on; FALSE on DLL_PROCESS_ATTACH when the running Wine is not the build the route
 *  was installed for (or is not Wine at all), after a message on standard error.  Follows
 *  DllMain's contract (https://learn.microsoft.com/windows/win32/dlls/dllmain): FALSE from
 *  DLL_PROCESS_ATTACH makes the loader fail the load, which for a static import ends the process.
 */
BOOL WINAPI DllEntry(HINSTANCE inst, DWORD reason, LPVOID reserved)
{
    HMODULE ntdll;
    build_id_fn get_build_id;
    const char *running = NULL;
    HANDLE err;

    if (reason != DLL_PROCESS_ATTACH) return TRUE;
    DisableThreadLibraryCalls(inst);

    if ((ntdll = GetModuleHandleA("ntdll.dll")) &&
        (get_build_id = (build_id_fn)(void *)GetProcAddress(ntdll, "wine_get_build_id")))
        running = get_build_id();
    if (running && route_streq(running, GDI32_ROUTE_WINE_BUILD_ID)) return TRUE;

    err = GetStdHandle(STD_ERROR_HANDLE);
    route_write(err, "d3dkmt gdi32 route: this gdi32.dll forwards to " GDI32_ROUTE_WINE_MODULE
                ", a copy of the gdi32.dll of \"" GDI32_ROUTE_WINE_BUILD_ID "\", but the running Wine is \"");
    route_write(err, running ? running : "(not Wine)");
    route_write(err, "\".\nd3dkmt gdi32 route: refusing to start with a stale copy. Run `gdi32-route.sh check PREFIX`, "
                "then `gdi32-route.sh install PREFIX APP.exe` again (or the setup tool's gdi32 install) to "
                "rebuild it from the installed Wine, or uninstall the route.\n");
    return FALSE;
}
