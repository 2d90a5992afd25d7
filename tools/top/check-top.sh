#!/bin/sh
# check-top.sh: the tests/top check (part of `make check`): d3dkmt-top on a running d3dkmt-demo,
# native and under Wine (docs/statistics.md).
#
# Copyright 2026 the d3dkmt authors.  LGPL-2.1-or-later, see COPYING.LIB.
#
# Each demo runs with --linger, so that it is still alive, with its final statistics in its
# region, once it printed its results; `d3dkmt-top --once --json` must then report the numbers
# the demo printed: offers and discards per offer priority (the demo's "offered" and "released"
# per class), reclaims by result, CPU fence waits, GPU fence waits (one gate wait per frame plus
# the paging fence waits), live allocations, pending deferred operations, LOCAL budget and usage.
# Natively also: the text forms (--once, --list), the live view in a pseudo-terminal (script(1))
# and its refusal without a terminal, and a killed demo's stale region, which d3dkmt-top removes.
# Under Wine: the region names the Windows program, and the demo's normal exit removes it.
#
# Environment (from the generated wrapper tests/top): D3DKMT_TOP, D3DKMT_DEMO, D3DKMT_DEMO_EXE,
# D3DKMT_RUN_DEMO_WINE and what that needs; D3DKMT_VALIDATION=1 comes from make check.
set -u

budget=64M
fail=0
uid=$(id -u)
tmp=$(mktemp -d)
demo_pid=
cleanup() {
    [ -n "$demo_pid" ] && kill -9 "$demo_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

bad() {
    echo "FAIL: $*"
    fail=1
}

# waits up to $2 seconds for the demo's JSON in $1 to be complete.
wait_results() {
    i=0
    while [ $i -lt $(($2 * 5)) ]; do
        grep -q '"exit_status"' "$1" 2>/dev/null && return 0
        sleep 0.2
        i=$((i + 1))
    done
    return 1
}

# descends PID ANCESTOR: whether process PID has ANCESTOR among its parents (up to 16 levels).
# (Shell functions share the caller's variables: these names are the function's own.)
descends() {
    desc_pid=$1
    desc_n=0
    while [ -n "$desc_pid" ] && [ "$desc_pid" -gt 1 ] && [ $desc_n -lt 16 ]; do
        [ "$desc_pid" = "$2" ] && return 0
        desc_pid=$(awk '{ print $4 }' "/proc/$desc_pid/stat" 2>/dev/null)
        desc_n=$((desc_n + 1))
    done
    return 1
}

# the first match of sed expression $2 (with one \(...\) group per value) in file $1
get() {
    sed -n "s/$2/\\1/p" "$1" | head -n 1
}

# same NAME DEMO_VALUE TOP_VALUE
same() {
    if [ -n "$2" ] && [ "$2" = "$3" ]; then echo "  $1: $2"; else bad "$1: the demo printed '$2', d3dkmt-top reports '$3'"; fi
}

# compare DEMO_JSON TOP_JSON: the demo's final numbers against d3dkmt-top's
compare() {
    d=$1
    t=$2
    for c in LOW NORMAL HIGH; do
        same "offers $c" "$(get "$d" ".*\"$c\": { \"offered\": \([0-9]*\),.*")" \
            "$(get "$t" ".*\"offers\": {.*\"$c\": \([0-9]*\).*")"
        same "discards $c (released)" "$(get "$d" ".*\"$c\": {.*\"released\": \([0-9]*\),.*")" \
            "$(get "$t" ".*\"discards\": {.*\"$c\": \([0-9]*\).*")"
    done
    same "reclaims OK" "$(get "$d" '.*"reclaims_ok": \([0-9]*\).*')" "$(get "$t" '.*"reclaims": { "ok": \([0-9]*\).*')"
    same "reclaims DISCARDED" "$(get "$d" '.*"reclaims_discarded": \([0-9]*\).*')" \
        "$(get "$t" '.*"reclaims": {.*"discarded": \([0-9]*\).*')"
    same "reclaims NOT_COMMITTED" "$(get "$d" '.*"reclaims_not_committed": \([0-9]*\).*')" \
        "$(get "$t" '.*"reclaims": {.*"not_committed": \([0-9]*\).*')"
    same "fence waits on the CPU" "$(get "$d" '.*"fences_waited_cpu": \([0-9]*\).*')" \
        "$(get "$t" '.*"fence_waits": { "cpu": \([0-9]*\).*')"
    frames=$(get "$d" '.*"frames": \([0-9]*\).*')
    paging=$(get "$d" '.*"fences_waited_gpu": \([0-9]*\).*')
    same "fence waits on the GPU (frames + paging)" "$((frames + paging))" \
        "$(get "$t" '.*"fence_waits": {.*"gpu": \([0-9]*\).*')"
    same "allocations live" "$(get "$d" '.*"allocations_live_after": \([0-9]*\).*')" \
        "$(get "$t" '.*"allocations": \([0-9]*\),.*')"
    same "deferred operations pending" "$(get "$d" '.*"deferred_pending_after": \([0-9]*\).*')" \
        "$(get "$t" '.*"deferred": { "pending": \([0-9]*\).*')"
    same "LOCAL usage" "$(get "$d" '.*"usage_after": \([0-9]*\).*')" "$(get "$t" '.*"local": {.*"usage": \([0-9]*\).*')"
    same "LOCAL budget" "$(get "$d" '.*"budget_after": \([0-9]*\).*')" "$(get "$t" '.*"local": { "budget": \([0-9]*\).*')"
    grep -q '"state": "destroyed"' "$t" || bad "the demo's device is not reported destroyed"
}

echo "== native: $D3DKMT_DEMO --budget=$budget --json --linger=120, then d3dkmt-top"
"$D3DKMT_DEMO" --budget=$budget --json --quiet --linger=120 > "$tmp/demo.json" 2> "$tmp/demo.err" &
demo_pid=$!
if ! wait_results "$tmp/demo.json" 300; then
    cat "$tmp/demo.err"
    bad "the native demo printed no results"
else
    grep -q '"result": "pass"' "$tmp/demo.json" || bad "the native demo did not pass"
    "$D3DKMT_TOP" --once --json -p "$demo_pid" > "$tmp/top.json" || bad "d3dkmt-top --once --json -p $demo_pid failed"
    grep -q '"program": "d3dkmt-demo"' "$tmp/top.json" || bad "d3dkmt-top does not name the program"
    compare "$tmp/demo.json" "$tmp/top.json"

    echo "== native: the text forms, without a terminal"
    "$D3DKMT_TOP" --once -p "$demo_pid" > "$tmp/top.txt" || bad "d3dkmt-top --once failed"
    grep -q "reclaims *OK [0-9]" "$tmp/top.txt" && grep -q "^  offers  " "$tmp/top.txt" && grep -q "d3dkmt-demo" "$tmp/top.txt" \
        || bad "d3dkmt-top --once shows no offers or reclaims"
    "$D3DKMT_TOP" --list > "$tmp/list.txt" || bad "d3dkmt-top --list failed"
    grep -q "^ *$demo_pid  *d3dkmt-demo" "$tmp/list.txt" || bad "d3dkmt-top --list does not list the demo"
    "$D3DKMT_TOP" -p "$demo_pid" < /dev/null > "$tmp/noterm.txt" 2>&1
    rc=$?
    [ $rc -eq 2 ] && grep -q "needs a terminal" "$tmp/noterm.txt" || bad "the live view without a terminal: status $rc"

    echo "== native: the live view in a pseudo-terminal (q after one refresh)"
    if command -v script > /dev/null; then
        (sleep 1; printf q) | TERM=xterm script -q -e -c "'$D3DKMT_TOP' -p $demo_pid -d 0.2" /dev/null \
            > "$tmp/live.out" 2>&1
        rc=$?
        [ $rc -eq 0 ] || bad "the live view ended with status $rc"
        grep -q "reclaims" "$tmp/live.out" && grep -q "d3dkmt-demo" "$tmp/live.out" || bad "the live view drew nothing"
    else
        echo "  script(1) not found: skipped"
    fi

    echo "== native: a killed demo leaves a stale region, which d3dkmt-top removes"
    kill -9 "$demo_pid"
    wait "$demo_pid" 2> /dev/null
    [ -e "/dev/shm/d3dkmt-stats-$uid-$demo_pid" ] || bad "no region left behind by the killed demo"
    "$D3DKMT_TOP" --list > /dev/null 2> "$tmp/stale.txt" || bad "d3dkmt-top --list failed"
    cat "$tmp/stale.txt"
    grep -q "pid $demo_pid: .*removed stale" "$tmp/stale.txt" || bad "d3dkmt-top did not report the stale region"
    [ -e "/dev/shm/d3dkmt-stats-$uid-$demo_pid" ] && bad "the stale region is still there"
    "$D3DKMT_TOP" --once --json -p "$demo_pid" > /dev/null 2>&1 && bad "d3dkmt-top still finds the dead demo"
fi
demo_pid=

echo "== windows (wine): d3dkmt-demo.exe --budget=$budget --json --linger=10, then d3dkmt-top"
"${SHELL:-/bin/sh}" "$D3DKMT_RUN_DEMO_WINE" "$D3DKMT_DEMO_EXE" --budget=$budget --json --quiet --linger=10 \
    > "$tmp/wdemo.json" 2> "$tmp/wdemo.err" &
wine_job=$!
if ! wait_results "$tmp/wdemo.json" 300; then
    cat "$tmp/wdemo.err"
    bad "the Windows demo printed no results"
else
    grep -q '"result": "pass"' "$tmp/wdemo.json" || bad "the Windows demo did not pass"
    "$D3DKMT_TOP" --list --json > "$tmp/wlist.json"
    # This run's demo: other processes of this user (another build's tests) may run one too.
    wpid=
    for cand in $(awk '/"pid":/ { gsub(/[^0-9]/, ""); pid = $0 } /"program": "d3dkmt-demo.exe"/ { print pid }' "$tmp/wlist.json"); do
        if descends "$cand" "$wine_job"; then wpid=$cand; break; fi
    done
    if [ -z "$wpid" ]; then
        cat "$tmp/wlist.json"
        bad "d3dkmt-top lists no d3dkmt-demo.exe"
    else
        echo "  d3dkmt-demo.exe is pid $wpid"
        "$D3DKMT_TOP" --once --json -p "$wpid" > "$tmp/wtop.json" || bad "d3dkmt-top --once --json -p $wpid failed"
        compare "$tmp/wdemo.json" "$tmp/wtop.json"
    fi
    echo "== windows (wine): the demo's exit removes its region"
    wait "$wine_job"
    [ -n "$wpid" ] && [ -e "/dev/shm/d3dkmt-stats-$uid-$wpid" ] && bad "the region of the exited Windows demo is still there"
fi
exit $fail
