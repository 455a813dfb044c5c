#!/bin/bash
# integration: the fleet engine's shared fence_kdump listener.  Four
# simulated hosts (tests/lab/scale-up, the lab module's sim target) that
# post NO SEL record (sel_records=0: a target without nmifence-target) and
# play fence_kdump_send in their capture kernel, each from its own loopback
# address 127.0.1.i, to one listener; each host's dump lasts i seconds, so
# each sends a different number of datagrams.  One `nmifence dump` of the
# four, kdump_sources = 127.0.1.i per host:
#   - exit 1 (fenced, the dump inferred from the power-off after the
#     fence_kdump messages), exactly one NMI per host, every host cycled;
#   - each host's evidence is its own: every "fence_kdump message from A"
#     line of host i has A = 127.0.1.i; its JSON count is at least 1 and
#     at most what its own simulated host sent (a wrong demultiplexing
#     would count the others' too), kdump_ignored 0, evidence fence_kdump;
#   - a datagram from 127.0.0.2, which no host lists, changes nothing and
#     is logged once per datagram (3) as claimed by no host.
# Then the single-host path on the same lab: sim001 alone with its own
# listener still works (the fleet code did not break the one-host one).
set -uo pipefail
NMIFENCE=${1:?usage: $0 NMIFENCE}
LAB_DIR=$(cd "$(dirname "$0")/../lab" && pwd)
for c in ipmi_sim ipmi-chassis python3; do
        command -v $c >/dev/null || { echo "SKIP: $c not installed"; exit 77; }
done
N=4
RUN=$(mktemp -d "${TMPDIR:-/tmp}/nf-fleet-kdump.XXXXXX")
failures=0
cleanup() {
        [ -f "$RUN/lab/pids" ] && "$LAB_DIR/scale-down" "$RUN/lab" >/dev/null 2>&1
        [ "$failures" = 0 ] && rm -rf "$RUN" || echo "kept $RUN"
}
trap cleanup EXIT
check() {
        local what=$1
        shift
        if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
jq_() {
        python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
kport=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

if ! "$LAB_DIR/scale-up" "$RUN/lab" $N --sim boot_time=0.2 --sim panic_delay=1 --sim 'dump_time=%i' \
        --sim progress=0 --sim sel_records=0 --sim "kdump_to=127.0.0.1:$kport" --sim 'kdump_from=127.0.1.%i' \
        --sim kdump_interval=0.5 --conf poll_interval=0.3 --conf "kdump_listen=\"127.0.0.1:$kport\"" \
        --conf nmi_timeout=20.0 --host-conf 'kdump_sources="127.0.1.%i"' >"$RUN/up.out" 2>&1; then
        cat "$RUN/up.out"
        exit 1
fi
# shellcheck disable=SC1091
. "$RUN/lab/env"
grep -n kdump_sources "$NF_SCALE_CONF"
mkdir -m 700 "$RUN/state"

# A stranger: three datagrams from 127.0.0.2 once the NMIs are out.
(
        for _ in $(seq 1 100); do
                [ "$(cat "$RUN"/lab/hosts/*/nmi.log 2>/dev/null | wc -l)" -ge $N ] && break
                sleep 0.1
        done
        for _ in 1 2 3; do
                python3 -c 'import socket,struct,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.2", 0)); s.sendto(struct.pack("=II", 0x1B302A40, 1), ("127.0.0.1", int(sys.argv[1])))' "$kport"
                sleep 0.3
        done
) &
stranger=$!
NMIFENCE_STATE_DIR=$RUN/state timeout 120 "$NMIFENCE" dump -c "$NF_SCALE_CONF" "$NF_SCALE_HOSTS" --json \
        >"$RUN/d.json" 2>"$RUN/d.err"
rc=$?
wait "$stranger"
cat "$RUN/d.err"
check "dump: exit 1 (fenced; dump inferred from fence_kdump + power-off)" test "$rc" = 1
check "one shared listener announced for every host" test \
        "$(grep -c "fence_kdump messages from 127.0.1.[1-4], on the shared listener 127.0.0.1 port $kport" "$RUN/d.err")" = $N
for i in $(seq 1 $N); do
        h=$(printf 'sim%03d' "$i")
        d=$RUN/lab/hosts/$h
        sent=$(grep -c " kdump sent n=[0-9]* from=127.0.1.$i " "$d/sim.log")
        others=$(grep -c ' kdump sent ' "$d/sim.log")
        got=$(jq_ "$RUN/d.json" "[x['kdump_messages'] for x in j['hosts'] if x['host'] == '$h'][0]")
        echo "$h: sent $sent (all from 127.0.1.$i: $others), counted $got"
        check "$h: its simulated host sent from 127.0.1.$i only, and sent some" test "$sent" = "$others" -a "$sent" -ge 1
        check "$h: counted 1..$sent of its own datagrams (got $got)" test "$got" -ge 1 -a "$got" -le "$sent"
        check "$h: every message line names its own source" test \
                "$(grep -c "^\[ *[0-9.]*\] $h: fence_kdump message from " "$RUN/d.err")" = \
                "$(grep -c "^\[ *[0-9.]*\] $h: fence_kdump message from 127.0.1.$i: " "$RUN/d.err")"
        check "$h: evidence fence_kdump, nothing ignored, power-off inferred, fenced, exit 1" test \
                "$(jq_ "$RUN/d.json" "[(x['dump_evidence'], x['kdump_ignored'], x['dump_result'], x['fenced'], x['exit_code']) for x in j['hosts'] if x['host'] == '$h'][0]")" = \
                "('fence_kdump', 0, 'probably complete (inferred: host powered off after fence_kdump messages)', True, 1)"
        check "$h: exactly one NMI, delivered" test "$(grep -c ' delivered=yes ' "$d/nmi.log")/$(wc -l <"$d/nmi.log")" = 1/1
        check "$h: no SEL record posted" test "$(grep -c ' record=' "$d/sim.log")" = 0
        check "$h: powered on again by the agent's cycle" grep -q ' power on by=command' "$d/sim.log"
done
check "longer dumps sent more: sim004 more datagrams than sim001" test \
        "$(grep -c ' kdump sent ' "$RUN/lab/hosts/sim004/sim.log")" -gt "$(grep -c ' kdump sent ' "$RUN/lab/hosts/sim001/sim.log")"
check "the 127.0.0.2 datagrams: claimed by no host, each logged" test \
        "$(grep -c '^nmifence: fence_kdump datagram from 127.0.0.2 ignored: no host lists it in kdump_sources' "$RUN/d.err")" = 3
check "no host line mentions 127.0.0.2" test "$(grep -c '^\[.*127\.0\.0\.2' "$RUN/d.err")" = 0

# One host, one listener of its own (nmifence dump HOST): the same target
# through the single-host path.
NMIFENCE_STATE_DIR=$RUN/state1 timeout 60 "$NMIFENCE" dump -c "$NF_SCALE_CONF" sim001 --json \
        >"$RUN/one.json" 2>"$RUN/one.err"
rc=$?
tail -5 "$RUN/one.err"
check "single host: exit 1, fence_kdump evidence from 127.0.1.1" test \
        "$rc/$(jq_ "$RUN/one.json" "(j['dump_evidence'], j['kdump_messages'] >= 1)")" = "1/('fence_kdump', True)"
check "single host: sim001 has exactly two NMIs now (one per run)" test "$(wc -l <"$RUN/lab/hosts/sim001/nmi.log")" = 2
[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
