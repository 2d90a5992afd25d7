/*
 * plain_test.c: a Windows program in the same prefix as a routed application, which must keep
 * Wine's own gdi32.dll (tools/gdi32-route changes one application only; docs/gdi32-route.md).
 *
 * Copyright 2026 the d3dkmt authors
 *
 * This library is free software; you can redistribute it and/or modify it under the terms of the
 * GNU Lesser General Public License as published by the Free Software Foundation; either version
 * 2.1 of the License, or (at your option) any later version.  See COPYING.LIB.
 *
 * Checks that the gdi32.dll mapped in this process is Wine's builtin (winebuild's marker in its
 * DOS header), that neither the route's copy of gdi32 nor d3dkmt.dll is loaded, and that GDI works.
 * Prints "N passed, N failed"; exits 1 when anything failed.
 */
#include <windows.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static unsigned int passed, failed;

static void check(int cond, const char *what, ...)
{
    va_list args;
    va_start(args, what);
    printf("%s: ", cond ? "ok" : "FAIL");
    vprintf(what, args);
    printf("\n");
    va_end(args);
    fflush(stdout);
    if (cond) passed++;
    else failed++;
}

int main(void)
{
    HMODULE gdi32;
    HDC dc;
    HBITMAP bitmap, old;

    dc = CreateCompatibleDC(NULL);
    check(dc != NULL, "CreateCompatibleDC(NULL) gives a DC");
    bitmap = CreateCompatibleBitmap(dc, 8, 4);
    check(bitmap != NULL, "CreateCompatibleBitmap(dc, 8, 4) gives a bitmap");
    old = SelectObject(dc, bitmap);
    SetPixel(dc, 5, 2, RGB(255, 255, 255));
    check(GetPixel(dc, 5, 2) == RGB(255, 255, 255) && GetPixel(dc, 4, 2) == RGB(0, 0, 0),
          "SetPixel/GetPixel round trip");
    SelectObject(dc, old);
    DeleteObject(bitmap);
    DeleteDC(dc);

    gdi32 = GetModuleHandleA("gdi32.dll");
    check(gdi32 != NULL && !memcmp((const char *)gdi32 + 0x40, "Wine builtin DLL", 16),
          "gdi32.dll is Wine's builtin");
    check(GetModuleHandleA("gdi32wine.dll") == NULL, "the route's copy of gdi32 is not loaded");
    check(GetModuleHandleA("d3dkmt.dll") == NULL, "d3dkmt.dll is not loaded");
    printf("%u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
