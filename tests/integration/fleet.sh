#!/bin/bash
# integration: the fleet CLI against several real ipmi_sim BMCs with fake
# hosts (tests/lab/bmc-up --fake-host), no VM:
#   host lists: an unknown name -> exit 4 naming it, nothing sent
#   status node[1-6]: empty SELs -> exit 1, JSON with 6 hosts; armed records
#     added with ipmitool -> exit 0; Ctrl-C while a query waits on a BMC
#     that never answers -> the table at once, exit 130
#   fence node[1-6] (policy "cycle", --fanout 2): exit 0, every host power
#     cycled (a 2nd fake-host start), no NMI, never more than 2 requests in
#     flight; the alert host is refused (exit 4) and left alone
#   dump node[1-6] --nmi-timeout 6, SIGINT after the NMIs: exit 130; the
#     rerun resumes from the persisted state: exit 2 (no panic, cycled) and
#     still exactly ONE NMI per BMC
set -uo pipefail
NMIFENCE=${1:?usage: $0 NMIFENCE}
LAB_DIR=$(cd "$(dirname "$0")/../lab" && pwd)
for c in ipmi_sim ipmitool python3; do
        command -v $c >/dev/null || { echo "SKIP: $c not installed"; exit 77; }
done
N=6
RUN=$(mktemp -d "${TMPDIR:-/tmp}/nf-fleet.XXXXXX")
failures=0
silent_pid=
cleanup() {
        [ -n "$silent_pid" ] && kill "$silent_pid" 2>/dev/null
        for i in $(seq 1 $N); do "$LAB_DIR/lab-down" "$RUN/bmc$i" >/dev/null 2>&1; done
        [ "$failures" = 0 ] && rm -rf "$RUN"
}
trap cleanup EXIT
check() {
        local what=$1
        shift
        if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
for i in $(seq 1 $N); do
        "$LAB_DIR/bmc-up" "$RUN/bmc$i" --fake-host >"$RUN/bmc-up$i.out" 2>&1 || { cat "$RUN/bmc-up$i.out"; exit 1; }
done
# shellcheck disable=SC1091
. "$RUN/bmc1/env"
printf '%s\n' "$NF_LAB_OPERATOR_PASSWORD" >"$RUN/pw"; chmod 600 "$RUN/pw"
export NMIFENCE_STATE_DIR=$RUN/state
# deadbmc: a UDP socket that takes datagrams and never answers (a closed
# port would be refused by the kernel at once, not wait).
python3 "$(dirname "$0")/udp-silent.py" 300 >"$RUN/silent.port" &
silent_pid=$!
for _ in $(seq 50); do [ -s "$RUN/silent.port" ] && break; sleep 0.1; done
{
        echo 'defaults = {'
        echo "  user = \"$NF_LAB_OPERATOR_USER\"; password_file = \"$RUN/pw\"; workarounds = \"opensesspriv\";"
        echo '  cipher_suite = 3; session_timeout = 3.0; retransmit_timeout = 0.5; poll_interval = 0.5;'
        echo '  power_timeout = 20.0; policy = "cycle";'
        echo '};'
        echo 'hosts = ('
        for i in $(seq 1 $N); do
                port=$(. "$RUN/bmc$i/env"; echo "$NF_LAB_BMC_PORT")
                echo "  { name = \"node$i\"; bmc = \"127.0.0.1\"; port = $port; },"
        done
        # the alert host shares no BMC with the others: nothing may reach it
        echo '  { name = "watchonly"; bmc = "127.0.0.1"; port = 9; policy = "alert"; },'
        # no answer there: a status query that only ends at its timeout
        # A long session timeout of its own: Ctrl-C must not wait for it.
        echo "  { name = \"deadbmc\"; bmc = \"127.0.0.1\"; port = $(cat "$RUN/silent.port"); session_timeout = 30.0; }"
        echo ');'
} >"$RUN/nmifence.conf"
jget() { sed -n '/^{/,$p' "$1" | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"; }
nmi_lines() { local t=0; for i in $(seq 1 $N); do t=$((t + $(wc -l <"$RUN/bmc$i/nmi.log" 2>/dev/null || echo 0))); done; echo $t; }
starts() { grep -c "fake host start" "$RUN/bmc$1/console.log"; }

# --- host lists
timeout 30 "$NMIFENCE" status -c "$RUN/nmifence.conf" 'node[1-2]' nosuch 'node[9-10]' >"$RUN/unknown.out" 2>"$RUN/unknown.err"
rc=$?
cat "$RUN/unknown.err"
check "unknown hosts: exit 4" test "$rc" = 4
check "unknown hosts: each named" bash -c "grep -q \"'nosuch' is not in\" $RUN/unknown.err && grep -q \"'node9' is not in\" $RUN/unknown.err && grep -q \"'node10' is not in\" $RUN/unknown.err"
timeout 30 "$NMIFENCE" status -c "$RUN/nmifence.conf" 'node[2-1]' >/dev/null 2>"$RUN/bad.err"
rc=$?
check "malformed list: exit 4 with the cause" bash -c "[ $rc = 4 ] && grep -q 'goes backwards' $RUN/bad.err"

# --- status
timeout 60 "$NMIFENCE" status -c "$RUN/nmifence.conf" "node[1-$N]" --json >"$RUN/st1.out" 2>"$RUN/st1.err"
rc=$?
cat "$RUN/st1.err"
check "status, empty SELs: exit 1" test "$rc" = 1
check "status JSON: $N hosts, all power on, state unknown" test \
        "$(jget "$RUN/st1.out" "len(d['hosts']), set(h['power'] for h in d['hosts']), set(h['state'] for h in d['hosts'])")" = \
        "$N {'on'} {'unknown'}"
for i in $(seq 1 $N); do
        # armed, all flags (docs/protocol.md; same bytes as nmifence-status.sh)
        (. "$RUN/bmc$i/env"; $NF_LAB_IPMITOOL raw 0x0a 0x44 0x00 0x00 0x02 0x00 0x00 0x00 0x00 0x4d 0x00 0x04 0x12 0x00 0x6f 0xa1 0x11 0x07 >/dev/null)
done
timeout 60 "$NMIFENCE" status -c "$RUN/nmifence.conf" "node[1-$((N - 1))]" "node$N" --json >"$RUN/st2.out" 2>"$RUN/st2.err"
rc=$?
check "status, all armed: exit 0" test "$rc" = 0
check "status JSON: all ready, in the order asked" test \
        "$(jget "$RUN/st2.out" "all(h['ready'] for h in d['hosts']), [h['host'] for h in d['hosts']][-1], d['exit_code']")" = "True node$N 0"

# --- status, Ctrl-C: the table at once, the unanswered hosts interrupted
# Not under timeout(1): it would stand between the test's signals and the
# agent (the meson timeout bounds the test).
"$NMIFENCE" status -c "$RUN/nmifence.conf" deadbmc watchonly node1 --fanout 1 --json \
        >"$RUN/st3.out" 2>"$RUN/st3.err" &
pid=$!
sleep 1
# deadbmc's query takes its own 30 s session timeout.  The first Ctrl-C
# prints the table at once (the query keeps running, read-only); the
# second does not wait for it.  Bounds are half that timeout: a loaded
# machine keeps them, waiting for the query breaks them.
kill -INT "$pid"
t0=$(date +%s%N)
for _ in $(seq 150); do grep -q 'interrupted' "$RUN/st3.err" 2>/dev/null && break; sleep 0.1; done
t_table=$(( ($(date +%s%N) - t0) / 1000000 ))
kill -INT "$pid"
t0=$(date +%s%N)
wait "$pid"
rc=$?
t_exit=$(( ($(date +%s%N) - t0) / 1000000 ))
cat "$RUN/st3.err"
check "status interrupted: exit 130" test "$rc" = 130
check "status interrupted: the table names the unanswered hosts" test \
        "$(grep -cE '^(deadbmc|watchonly|node1) +- +interrupted +no +130' "$RUN/st3.err")" = 3
check "status interrupted: JSON with 3 interrupted hosts" test \
        "$(jget "$RUN/st3.out" "sum(1 for h in d['hosts'] if h.get('interrupted'))")" = 3
check "status interrupted: the table at once, not after deadbmc's 30 s query (${t_table} ms)" test "$t_table" -lt 15000
check "status interrupted twice: gone without waiting for the query (${t_exit} ms)" test "$t_exit" -lt 15000

# --- fence: policy cycle, fanout 2, plus the alert host
before=$(nmi_lines)
timeout 120 "$NMIFENCE" fence -c "$RUN/nmifence.conf" "node[1-$N]" watchonly --fanout 2 --json >"$RUN/f.out" 2>"$RUN/f.err"
rc=$?
cat "$RUN/f.err"
check "fence with an alert host: exit 4 (the alert host refused)" test "$rc" = 4
check "fence: the alert host is refused with the reason" grep -q 'watchonly: policy "alert"' "$RUN/f.err"
check "fence JSON: $N hosts fenced, power on, no NMI, exit 0 each" test \
        "$(jget "$RUN/f.out" "sum(1 for h in d['hosts'] if h['fenced'] and h['final_power'] == 'on' and not h['nmi_sent'] and h['exit_code'] == 0)")" = "$N"
check "fence JSON: dump not asked (power only)" test \
        "$(jget "$RUN/f.out" "set(h.get('dump_result') for h in d['hosts'] if h['host'] != 'watchonly')")" = "{'not asked (power-only fence)'}"
check "fence JSON: watchonly refused, exit 4" test "$(jget "$RUN/f.out" "[h['exit_code'] for h in d['hosts'] if h['host'] == 'watchonly']")" = "[4]"
peak=$(sed -n 's/.*at most \([0-9]*\) requests in flight.*/\1/p' "$RUN/f.err")
check "fence: never more than --fanout 2 requests in flight (peak $peak)" test -n "$peak" -a "${peak:-9}" -le 2
check "fence: no NMI to any BMC" test "$(nmi_lines)" = "$before"
for i in $(seq 1 $N); do
        check "fence: node$i power cycled (a 2nd fake host start)" test "$(starts "$i")" -ge 2
done
# the same without the alert host: exit 0
timeout 120 "$NMIFENCE" fence -c "$RUN/nmifence.conf" "node[1-3]" >"$RUN/f2.out" 2>"$RUN/f2.err"
rc=$?
check "fence node[1-3]: exit 0" test "$rc" = 0
check "fence: final table lists every host" test "$(grep -c '^node[1-3] ' "$RUN/f2.err")" = 3

# --- dump, interrupted, then resumed: one NMI per BMC
: >"$RUN/d1.err"
timeout 60 "$NMIFENCE" dump -c "$RUN/nmifence.conf" "node[1-$N]" --nmi-timeout 6 >"$RUN/d1.out" 2>"$RUN/d1.err" &
pid=$!
for _ in $(seq 1 100); do
        [ "$(grep -c 'diag interrupt accepted' "$RUN/d1.err")" -ge "$N" ] && break
        sleep 0.1
done
kill -INT "$pid"
wait "$pid"
rc=$?
cat "$RUN/d1.err"
check "dump interrupted: exit 130" test "$rc" = 130
check "dump interrupted: one NMI per BMC" test "$(nmi_lines)" = "$N"
timeout 60 "$NMIFENCE" dump -c "$RUN/nmifence.conf" "node[1-$N]" --nmi-timeout 6 --json >"$RUN/d2.out" 2>"$RUN/d2.err"
rc=$?
cat "$RUN/d2.err"
check "dump rerun: exit 2 (no panic from a fake host; cycled)" test "$rc" = 2
check "dump rerun: every host resumed, no NMI from the rerun" test \
        "$(jget "$RUN/d2.out" "sum(1 for h in d['hosts'] if h['resumed'] and h['nmi_sent'] and h['fenced'])")" = "$N"
check "dump rerun: still exactly one NMI per BMC" bash -c "for i in \$(seq 1 $N); do [ \$(wc -l <$RUN/bmc\$i/nmi.log) = 1 ] || exit 1; done"
[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
