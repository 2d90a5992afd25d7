/*
 * sysv-windef.h: the few Windows types include/d3dkmt.h needs, for the freestanding i386 System V
 * layout check in tests/abi (abi-check.sh, configuration "i386-sysv").
 *
 * Copyright 2026 the d3dkmt authors
 *
 * This library is free software; you can redistribute it and/or modify it under the terms of the
 * GNU Lesser General Public License as published by the Free Software Foundation; either version
 * 2.1 of the License, or (at your option) any later version.  See COPYING.LIB.
 *
 * Why: Debian has no i386 multilib here, and Wine's <winnt.h> includes <ctype.h>, so Wine's headers
 * cannot be compiled with `gcc -m32`.  `gcc -m32 -ffreestanding` needs no C library, so this file
 * stands in for <windows.h>: it defines _WINDEF_, which makes d3dkmt.h define every type itself
 * (its mingw-w64 path), and then the i386 System V ABI lays the structs out.
 *
 * The 64-bit types are deliberately plain `unsigned long long`, which i386 System V aligns to 4
 * inside structs (Windows and Wine align them to 8).  Every 64-bit member of d3dkmt.h must carry
 * D3DKMT_ALIGN64 to keep Windows' x86 layout here; abi_layout.c checks that it does.
 */
#ifndef D3DKMT_SYSV_WINDEF_H
#define D3DKMT_SYSV_WINDEF_H

#if !defined(__i386__) || defined(_WIN32)
# error "sysv-windef.h is for the i386 System V (ELF) ABI only: compile with -m32 -ffreestanding"
#endif

#define _WINDEF_
#define WINAPI __attribute__((__stdcall__))
#define VOID void
#define CONST const

typedef int BOOL;
typedef unsigned char BYTE;
typedef unsigned short USHORT, WCHAR;
typedef unsigned int UINT, DWORD, ULONG, UINT32;
typedef int LONG, INT, INT32;
typedef long long LONGLONG, INT64;
typedef unsigned long long ULONGLONG, UINT64, DWORD64;
typedef unsigned long ULONG_PTR, UINT_PTR, SIZE_T;
typedef long LONG_PTR;
typedef void *HANDLE, *PVOID;
typedef struct HDC__ *HDC;
typedef LONG NTSTATUS;

typedef struct _LUID
{
    DWORD LowPart;
    LONG HighPart;
} LUID;

#endif /* D3DKMT_SYSV_WINDEF_H */
