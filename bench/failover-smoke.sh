#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench: a small run of the failover benchmark through bench/run, so it
# cannot rot: two rows (fence_nmi release=power and release=capture), a 5 s
# simulated dump.
# Asserts from its JSON: both rows ran; each was fenced by fence-guest-nmi
# with one NMI, the dump complete, then a power cycle (off, then the
# fence's on), and the node came back; power: the resource ran on a
# survivor only after dump-done; capture: after dump-start and before
# dump-done (the rest handed to nmifenced); afterwards no process of the
# rows' clusters is left, nothing else either (smoke-lib.sh) and the
# machine's interfaces are as before.
#
# usage: failover-smoke.sh BUILD_DIR SOURCE_ROOT
# Hard limit: NF_FAILOVER_SMOKE_TIMEOUT s (default 900; the run waits up
# to 600 s for another test cluster).  Exit 77 when not root or a package is
# missing.
set -uo pipefail
BUILD=$1 ROOT=$2
. "$ROOT/bench/smoke-lib.sh"
require "namespaces, corosync, pacemakerd" corosync pacemakerd crm crm_mon stonith_admin ipmi_sim \
        ipmitool fence_ipmilan nsenter unshare python3

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nf-failover-smoke.XXXXXX")
links_before=$(ip -o link | awk -F': ' '{print $2}' | sort | tr '\n' ' ')
# In the background, so a TERM to this script reaches it at once: its rows
# tear their clusters down (mcluster-down) before it exits.  timeout(1)'s
# process group of its own keeps meson's SIGKILL away from that teardown.
env TMPDIR="$WORK" NF_BENCH_KEEP=1 NF_BENCH_NO_BUILD=1 NF_BENCH_BUILD="$BUILD" NF_BENCH_OUT="$WORK/out" \
        NF_BENCH_FAILOVER=nmi-power,nmi-capture NF_BENCH_FAILOVER_DUMPS=5 \
        NF_BENCH_FAILOVER_ARGS="--lockup 0 --settle 3 --lock-wait 600" \
        timeout -s TERM -k 60 "${NF_FAILOVER_SMOKE_TIMEOUT:-900}" "$ROOT/bench/run" failover &
bench_pid=$!
trap 'kill -TERM "$bench_pid" 2>/dev/null; wait "$bench_pid"; exit 124' TERM INT
wait "$bench_pid"
rc=$?
trap - TERM INT
check "bench/run failover: exit 0 (every row ran)" test "$rc" = 0
# q EXPR: a Python expression over row r (topology TOPO) is true
q() {
        python3 -c '
import json, sys
rows = {r["topology"]: r for r in json.load(open(sys.argv[1]))["rows"]}
r = rows.get(sys.argv[2])
sys.exit(0 if r and "t" in r and eval(sys.argv[3]) else 1)' "$WORK/out/failover.json" "$1" "$2"
}
for topo in nmi-power nmi-capture; do
        check "$topo: fenced by fence-guest-nmi, one NMI, dump complete, power cycle after it, node back" \
                q "$topo" 'r["fenced_by"] == "fence-guest-nmi" and r["bmc_nmis"] == 1 and r["dump"] == "complete" and r["power_cycle_after_dump"] and r["t"].get("back")'
        check "$topo: no power tie errors" q "$topo" 'not r["tie_errors"]'
done
check "nmi-power: the resource ran on a survivor only after dump-done" \
        q nmi-power 'r["t"]["survivor"] > r["dump_done"]'
check "nmi-capture: the resource ran on a survivor after dump-start, before dump-done" \
        q nmi-capture 'r["dump_start"] < r["t"]["survivor"] < r["dump_done"]'
check "no teardown problem" bash -c '! grep -q "\"teardown\"" "$1"' _ "$WORK/out/failover.json"
check "the machine's interfaces are as before (no bridge, veth or tap left)" \
        test "$(ip -o link | awk -F': ' '{print $2}' | sort | tr '\n' ' ')" = "$links_before"
check "no process is left from the rows' clusters" bash -c '
        . "$1/tests/lab/lib.sh"
        for f in "$2"/nfbench.*/row*/mcluster.pids.stopped; do
                while read -r n p s; do
                        nf_pid_alive "$p" "$s" && ! nf_pid_zombie "$p" && { echo "left: $n $p"; exit 1; }
                done <"$f"
        done; exit 0' _ "$ROOT" "$WORK"
check "nothing else left behind (process, port lock)" nothing_left "$WORK"
[ "$failures" = 0 ] && rm -rf "$WORK" || echo "kept $WORK"
[ "$failures" = 0 ]
