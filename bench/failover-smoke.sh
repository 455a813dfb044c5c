#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench: a small run of bench/failover.py, so it cannot rot: two rows
# (fence_ipmilan reboot, fence_nmi release=power), a 5 s simulated dump.
# Asserts from its JSON: both rows ran; fence_ipmilan fenced the node, its
# resource ran on a survivor, no dump (no panic), the node came back;
# fence_nmi: fenced by fence-guest-nmi, one NMI, the dump complete, then
# a power cycle, the resource on a survivor only after dump-done, the node
# back; afterwards the machine's interfaces and the cluster lock are as
# before.
#
# usage: failover-smoke.sh BUILD_DIR SOURCE_ROOT
# Hard limit: NF_FAILOVER_SMOKE_TIMEOUT s (default 900; the run waits up
# to 600 s for another test cluster).  Exit 77 when not root or a package is
# missing.
set -uo pipefail
BUILD=$1 ROOT=$2
for c in corosync pacemakerd crm crm_mon stonith_admin ipmi_sim ipmitool fence_ipmilan nsenter unshare python3; do
        command -v "$c" >/dev/null || { echo "SKIP: $c not installed (scripts/setup)"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (namespaces, corosync, pacemakerd)"; exit 77; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nf-failover-smoke.XXXXXX")
failures=0
check() {
        local what=$1
        shift
        if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
links_before=$(ip -o link | awk -F': ' '{print $2}' | sort | tr '\n' ' ')
# In the background, so a TERM to this script reaches it at once: its rows
# tear their clusters down (mcluster-down) before it exits.
timeout -s TERM -k 60 "${NF_FAILOVER_SMOKE_TIMEOUT:-900}" python3 "$ROOT/bench/failover.py" "$BUILD" "$ROOT" "$WORK" \
        --topologies ipmilan,nmi-power --dumps 5 --lockup 0 --settle 3 --lock-wait 600 \
        --json "$WORK/failover.json" >"$WORK/failover.md" &
bench_pid=$!
trap 'kill -TERM "$bench_pid" 2>/dev/null; wait "$bench_pid"; exit 124' TERM INT
wait "$bench_pid"
rc=$?
trap - TERM INT
cat "$WORK/failover.md"
check "failover.py: exit 0 (every row ran)" test "$rc" = 0
# q EXPR: a Python expression over row r (topology TOPO) is true
q() {
        python3 -c '
import json, sys
rows = {r["topology"]: r for r in json.load(open(sys.argv[1]))["rows"]}
r = rows.get(sys.argv[2])
sys.exit(0 if r and "t" in r and eval(sys.argv[3]) else 1)' "$WORK/failover.json" "$1" "$2"
}
check "fence_ipmilan: fenced, resource on a survivor, node back" \
        q ipmilan 'r["t"].get("fenced") and r["t"].get("survivor") and r["t"].get("back")'
check "fence_ipmilan: fenced by fence-guest-ipmi, no NMI, no dump" \
        q ipmilan 'r["fenced_by"] == "fence-guest-ipmi" and r["bmc_nmis"] == 0 and r["dump"] == "none (no panic)"'
check "fence_nmi power: fenced by fence-guest-nmi, one NMI, dump complete, power cycle after it" \
        q nmi-power 'r["fenced_by"] == "fence-guest-nmi" and r["bmc_nmis"] == 1 and r["dump"] == "complete" and r["power_cycle_after_dump"]'
check "fence_nmi power: the resource ran on a survivor only after dump-done; node back" \
        q nmi-power 'r["t"]["survivor"] > r["dump_done"] and r["t"].get("back")'
check "no power tie errors" q nmi-power 'not r["tie_errors"]'
check "no teardown problem" bash -c '! grep -q "\"teardown\"" "$1"' _ "$WORK/failover.json"
check "the machine's interfaces are as before (no bridge, veth or tap left)" \
        test "$(ip -o link | awk -F': ' '{print $2}' | sort | tr '\n' ' ')" = "$links_before"
check "no process is left from the rows' clusters" bash -c '
        . "$1/tests/lab/lib.sh"
        for f in "$2"/row*/mcluster.pids.stopped; do
                while read -r n p s; do
                        nf_pid_alive "$p" "$s" && ! nf_pid_zombie "$p" && { echo "left: $n $p"; exit 1; }
                done <"$f"
        done; exit 0' _ "$ROOT" "$WORK"
[ "$failures" = 0 ] && rm -rf "$WORK" || echo "kept $WORK"
[ "$failures" = 0 ]
