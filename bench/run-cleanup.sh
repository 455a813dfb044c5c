#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench: bench/run leaves nothing behind when a benchmark does not end
# well.  Four runs of `bench/run ipmi-ops`, each stopped another way once
# its BMC (ipmi_sim, fake host) runs in its network namespace:
#   fails    NF_BENCH_IPMI_COUNT=0: ipmi-ops.py refuses it, after bmc-up
#   term     SIGTERM to bench/run alone, while nf-ipmi-bench runs
#   int      SIGINT to bench/run's process group (Ctrl-C), same moment
#   timeout  bench/run under timeout(1), which gets SIGTERM at that moment
#            and signals its whole group, as when it expires
# Each must exit non-zero within 30 s and leave no network namespace, no
# process (neither one of the namespace's PIDs seen while it ran nor one
# naming the run's directory) and no lab port lock (smoke-lib.sh).
#
# usage: run-cleanup.sh BUILD_DIR SOURCE_ROOT
# Exit 77 when not root or a package is missing.
set -uo pipefail
BUILD=$1 ROOT=$2
. "$ROOT/bench/smoke-lib.sh"
require "bench/run's network namespaces" python3 ip ipmi_sim setsid timeout

TOP=$(mktemp -d "${TMPDIR:-/tmp}/nf-bench-cleanup.XXXXXX")
pid=''
# On our own SIGTERM (meson's timeout): the run under way cleans up.
trap '[ -z "$pid" ] || kill -TERM "$pid" 2>/dev/null; exit 124' TERM INT

# start CASE COUNT LAUNCHER...: bench/run ipmi-ops in the background under
# LAUNCHER, its run directories in $TOP/CASE; sets pid and W
start() {
        W=$TOP/$1
        mkdir -p "$W"
        env TMPDIR="$W" NF_BENCH_KEEP=1 NF_BENCH_NO_BUILD=1 NF_BENCH_BUILD="$BUILD" \
                NF_BENCH_OUT="$W/out" NF_BENCH_IPMI_COUNT="$2" NF_BENCH_IPMI_PROCS=3 \
                "${@:3}" "$ROOT/bench/run" ipmi-ops >"$W/log" 2>&1 &
        pid=$!
}

# running: wait (60 s) until nf-ipmi-bench runs in the namespace named in
# the run directory; record every PID of the namespace in $W/pids (name
# pid starttime, as the lab does) for nothing_left
running() {
        local f ns p q end=$((SECONDS + 60))
        while [ "$SECONDS" -lt "$end" ] && kill -0 "$pid" 2>/dev/null; do
                for f in "$W"/nfbench.*/netns; do
                        [ -f "$f" ] || continue
                        ns=$(cat "$f")
                        for p in $(ip netns pids "$ns" 2>/dev/null); do
                                [ "$(cat "/proc/$p/comm" 2>/dev/null)" = nf-ipmi-bench ] || continue
                                for q in $(ip netns pids "$ns"); do
                                        echo "$(cat "/proc/$q/comm") $q $(nf_proc_starttime "$q")"
                                done >"$W/pids"
                                return 0
                        done
                done
                sleep 0.2
        done
        return 1
}

# ended: bench/run (pid) exited within 30 s, non-zero; kill it otherwise
ended() {
        local end=$((SECONDS + 30)) rc
        while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$end" ]; do sleep 0.2; done
        if kill -0 "$pid" 2>/dev/null; then
                echo "bench/run ($pid) still runs 30 s on"
                kill -KILL "$pid"
                wait "$pid"
                return 1
        fi
        wait "$pid"
        rc=$?
        echo "bench/run exited $rc"
        [ "$rc" != 0 ]
}

for case in fails term int timeout; do
        echo "== $case"
        ns=''
        case $case in
        fails)
                start fails 0
                check "fails: bench/run exits non-zero" ended
                ns=nfbench-$pid
                check "fails: it failed after its BMC ran in the namespace" \
                        test -f "$(echo "$W"/nfbench.*/bmc/pids.stopped)"
                ;;
        term | int)
                # A background job of this script ignores SIGINT; env gives
                # it back, setsid makes the process group to send it to.
                start "$case" 999999 env --default-signal=INT setsid
                check "$case: the benchmark runs in its namespace" running
                if [ "$case" = term ]; then kill -TERM "$pid"; else kill -INT -- "-$pid"; fi
                check "$case: bench/run exits non-zero within 30 s" ended
                ns=nfbench-$pid
                ;;
        timeout)
                start timeout 999999 timeout -k 30 600
                check "timeout: the benchmark runs in its namespace" running
                kill -TERM "$pid"
                check "timeout: bench/run exits non-zero within 30 s" ended
                ;;
        esac
        check "$case: nothing left behind" nothing_left "$W" ${ns:+"$ns"}
        pid=''
done
if [ "$failures" = 0 ]; then rm -rf "$TOP"; else echo "kept $TOP"; tail -n 20 "$TOP"/*/log; fi
[ "$failures" = 0 ]
