/*
 * demo_win.c: d3dkmt-demo.exe, the same scenario (scenario.c) as a Windows program built with
 * mingw-w64 against d3dkmt.dll's import library and run under Wine.  It has no Vulkan interop:
 * a frame's GPU work is the scenario's own GPU wait on the gate fence (hContext = the device,
 * docs/decisions/fences.md) and GPU signal of the frame fence; released memory is seen through
 * Lock2 and the reclaim results; statistics come through D3DKMTEscape.
 *
 * Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
 *
 * The budget cap: the library (the DLL's Unix side) reads D3DKMT_BUDGET_CAP from the Unix
 * environment, which a Windows program cannot change.  Run it through tools/demo/d3dkmt-demo-wine
 * (`make demo-wine`), which passes --budget on as D3DKMT_BUDGET_CAP; when the budget is above the
 * one asked for, the demo stops with status 2.
 */
#include "scenario.h"

static void win_sleep_ms(unsigned int ms)
{
    Sleep(ms);
}

int main(int argc, char **argv)
{
    struct demo_platform platform = { 0 };
    struct demo_options opts;
    int status;

    platform.name = "windows (wine)";
    platform.sleep_ms = win_sleep_ms;
    if ((status = demo_parse_args(argc, argv, "d3dkmt-demo.exe",
                                  "\nUnder Wine the cap is D3DKMT_BUDGET_CAP in the Unix environment: run this through\n"
                                  "tools/demo/d3dkmt-demo-wine, which sets it from --budget.\n", &opts)) >= 0)
        return status;
    return demo_run(&opts, &platform);
}
