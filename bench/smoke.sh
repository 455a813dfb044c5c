#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench: a tiny run of one benchmark through bench/run (the way
# docs/benchmarks.md runs it, on this build, a few hosts and requests), so
# that a change cannot break it silently.  Fails when bench/run exits
# non-zero, when its table or a figure of its JSON is missing, empty or
# not what the benchmark exists to show (every host fenced right, every
# watched host healthy, ...), or when anything of it is left behind:
# network namespace, process, lab port lock (smoke-lib.sh).
#
# usage: smoke.sh BENCH BUILD_DIR SOURCE_ROOT
#   BENCH: ipmi-ops, fence-overhead, fleet, daemon or footprint
# Hard limit: NF_BENCH_SMOKE_TIMEOUT s (default 150), then bench/run gets
# SIGTERM (and cleans up).  Exit 77 when not root or a package is missing.
set -uo pipefail
BENCH=$1 BUILD=$2 ROOT=$3
. "$ROOT/bench/smoke-lib.sh"

# The sizes: a few hosts, a few requests, short waits.
sizes=()
need=(python3 ip ipmi_sim)
case $BENCH in
ipmi-ops) sizes=(NF_BENCH_IPMI_COUNT=50 NF_BENCH_IPMI_PROCS=3)
        need+=(ipmitool ipmi-chassis ipmipower) ;;
fence-overhead) sizes=(NF_BENCH_DURATIONS=3 NF_BENCH_FIXED=1) need+=(fence_ipmilan) ;;
fleet) sizes=(NF_BENCH_FLEET=3 NF_BENCH_FANOUT=2) need+=(ipmipower /usr/bin/time) ;;
daemon) sizes=(NF_BENCH_DAEMON=3 'NF_BENCH_DAEMON_WINDOW=6,2') ;;
footprint) need=(strip bc ipmitool ipmipower) ;;
*) echo "smoke.sh: unknown benchmark '$BENCH'" >&2; exit 2 ;;
esac
require "bench/run's network namespaces" "${need[@]}"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nf-bench-smoke.XXXXXX")

# timeout(1) runs bench/run in a process group of its own, so meson's
# SIGKILL of this test's group (0.5 s after its SIGTERM) cannot cut short
# bench/run's clean-up; in the background, so that SIGTERM reaches the trap
# at once.
env "${sizes[@]}" TMPDIR="$WORK" NF_BENCH_KEEP=1 NF_BENCH_NO_BUILD=1 NF_BENCH_BUILD="$BUILD" \
        NF_BENCH_OUT="$WORK/out" \
        timeout -s TERM -k 30 "${NF_BENCH_SMOKE_TIMEOUT:-150}" "$ROOT/bench/run" "$BENCH" &
bench_pid=$!
trap 'kill -TERM "$bench_pid" 2>/dev/null; wait "$bench_pid"; exit 124' TERM INT
# bench/run's PID names its namespace (nfbench-PID): checked below even
# if bench/run never wrote it down.
run_pid=''
for _ in $(seq 50); do
        run_pid=$(pgrep -P "$bench_pid" | head -n 1)
        if [ -n "$run_pid" ] || ! kill -0 "$bench_pid" 2>/dev/null; then break; fi
        sleep 0.1
done
wait "$bench_pid"
rc=$?
trap - TERM INT
check "bench/run $BENCH: exit 0 (got $rc)" test "$rc" = 0

# table_rows FILE: the Markdown table's data rows
table_rows() {
        grep -c '^| *[^-| ]' "$1" 2>/dev/null | awk '{print $1 - 1}'
}
# figures EXPR: a Python expression over the JSON result j is true;
# pos(V...): every V is a number above 0
figures() {
        python3 -c '
import json, sys
def pos(*v):
    return all(isinstance(x, (int, float)) and x > 0 for x in v)
j = json.load(open(sys.argv[1]))
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$WORK/out/$BENCH.json" "$1"
}
case $BENCH in
ipmi-ops)
        check "a table of 4 tools" test "$(table_rows "$WORK/out/ipmi-ops.md")" = 4
        check "each tool: latency, CPU and packets per request, set-up cost" figures \
                "sorted(r['tool'] for r in j) == sorted(['nmifence-session', 'ipmitool', 'ipmi-chassis', 'ipmipower'])
                 and all(pos(r['median_ms'], r['p95_ms'], r['packets_per_req']) and r['cpu_ms_per_req'] >= 0
                         and r['median_ms_ratio'] for r in j)
                 and pos(j[0]['open_ms'], j[0]['setup_packets'])"
        ;;
fence-overhead)
        check "a row for the 3 s dump" test "$(table_rows "$WORK/out/fence-overhead.md")" -ge 1
        check "nmifence: one NMI, the dump complete, then the power command" figures \
                "len(j['durations']) == 1 and j['durations'][0]['nmifence']['nmis'] == 1
                 and j['durations'][0]['nmifence']['dump_complete']
                 and j['durations'][0]['nmifence']['latency_ms'] >= 0"
        check "diag and fixed-1: fenced" figures \
                "all(pos(j['durations'][0][m]['fenced_after_s']) for m in ('diag', 'fixed'))"
        check "one whole fence's packets and CPU for both methods" figures \
                "len(j['cost']) == 2 and all(pos(c['packets'], c['cpu_ms']) for c in j['cost'])"
        ;;
fleet)
        check "a row for 3 hosts" test "$(table_rows "$WORK/out/fleet.md")" = 1
        check "nmifence dump: exit 0, every host fenced right; wall, RSS, CPU" figures \
                "len(j) == 1 and j[0]['n'] == 3 and j[0]['nmifence']['rc'] == 0
                 and j[0]['nmifence']['hosts_not_fenced_right'] == 0
                 and pos(j[0]['nmifence']['wall_s'], j[0]['nmifence']['max_rss_kb'])"
        check "ipmipower --cycle: every host cycled; wall, RSS" figures \
                "j[0]['ipmipower']['hosts_cycled'] == 3
                 and pos(j[0]['ipmipower']['wall_s'], j[0]['ipmipower']['max_rss_kb'])"
        ;;
daemon)
        check "a row for 3 hosts" test "$(table_rows "$WORK/out/daemon.md")" = 1
        check "nmifenced READY, every host healthy; RSS, peak RSS, CPU" figures \
                "len(j) == 1 and 'error' not in j[0] and j[0]['healthy'] == 3 == j[0]['hosts']
                 and pos(j[0]['ready_s'], j[0]['rss_kb'], j[0]['hwm_kb']) and j[0]['cpu_share'] >= 0"
        ;;
footprint)
        for b in nmifence fence_nmi nmifenced nmifence-target ipmitool ipmipower; do
                check "$b: stripped size and ratio" grep -Eq "^\| $b \| [1-9][0-9]* \| [0-9.]+ \|$" \
                        "$WORK/out/footprint.md"
        done
        ;;
esac
check "nothing left behind (namespace, process, port lock)" \
        nothing_left "$WORK" ${run_pid:+"nfbench-$run_pid"}
if [ "$failures" = 0 ]; then rm -rf "$WORK"; else echo "kept $WORK"; fi
[ "$failures" = 0 ]
