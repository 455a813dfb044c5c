#!/bin/bash
# integration: `nmifence follow HOST` against a real ipmi_sim (lab module,
# fake host, no VM).  The NMI comes from ipmitool (`chassis power diag`),
# never from nmifence; the target's records are added with ipmitool's raw
# Add SEL Entry, bytes written from docs/protocol.md.  Checks:
#   - the window: a dump of an earlier boot (before the latest armed
#     record) is ignored; the current boot's dump-start, posted before
#     follow ran, is found; dump-done posted later ends the wait; the power
#     action comes after it; the BMC's NMI log holds only ipmitool's NMI;
#   - `nmifence dump` started while a follow runs joins it: no NMI;
#   - a dump that ended before follow ran, host off: powered on, exit 0;
#   - --since now ignores the records already there; nothing new within
#     nmi_timeout: "no panic seen", exit 2, policy leave: no power action;
#   - no armed record at all: the whole SEL is the window, and it says so.
set -uo pipefail
NMIFENCE=${1:?usage: $0 NMIFENCE}
LAB_DIR=$(cd "$(dirname "$0")/../lab" && pwd)
for c in ipmi_sim ipmitool python3; do
        command -v $c >/dev/null || { echo "SKIP: $c not installed"; exit 77; }
done
RUN=$(mktemp -d "${TMPDIR:-/tmp}/nf-follow.XXXXXX")
failures=0
bg=()
cleanup() {
        for p in "${bg[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
        "$LAB_DIR/lab-down" "$RUN" >/dev/null 2>&1
        [ "$failures" = 0 ] && rm -rf "$RUN"
}
trap cleanup EXIT
"$LAB_DIR/bmc-up" "$RUN" --fake-host >"$RUN/bmc-up.out" 2>&1 || { cat "$RUN/bmc-up.out"; exit 1; }
# shellcheck disable=SC1091
. "$RUN/env"
export NMIFENCE_STATE_DIR=$RUN/state
check() {
        local what=$1
        shift
        if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
printf '%s\n' "$NF_LAB_PASSWORD" >"$RUN/pw"
chmod 600 "$RUN/pw"
nf() {
        local cmd=$1
        shift
        timeout 120 "$NMIFENCE" "$cmd" --bmc "$NF_LAB_BMC_HOST" -p "$NF_LAB_BMC_PORT" -U "$NF_LAB_USER" \
                --password-file "$RUN/pw" -W opensesspriv -C "$NF_LAB_CIPHER" --session-timeout 5 \
                --power-timeout 20 --json "$@" labhost
}
# add_record SENSOR_TYPE SEQ ED1 STAGE ARG: a system event record,
# generator 4Dh, event type 6Fh, ED2 = (1 << 4) | stage.
add_record() {
        # shellcheck disable=SC2086
        $NF_LAB_IPMITOOL raw 0x0a 0x44 0x00 0x00 0x02 0x00 0x00 0x00 0x00 0x4d 0x00 0x04 "$1" "$2" 0x6f "$3" "$4" "$5" >/dev/null
}
armed() { add_record 0x12 "$1" 0xa1 0x11 0x07; }
dump_start() { add_record 0x20 "$1" 0xa1 0x13 0x00; }
progress() { add_record 0x20 "$1" 0xa1 0x14 "$2"; }
dump_done() { add_record 0x20 "$1" 0xa2 0x15 0x00; }
# jget FILE EXPR: a Python expression over the JSON as j; a tuple prints
# space-separated.
jget() {
        python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); v=eval(sys.argv[2]); print(*v) if isinstance(v, tuple) else print("" if v is None else v)' "$1" "$2"
}
nmis() { if [ -e "$NF_LAB_NMI_LOG" ]; then wc -l <"$NF_LAB_NMI_LOG"; else echo 0; fi; }
now() { date +%s.%N; }
power() {
        # shellcheck disable=SC2086
        $NF_LAB_IPMITOOL chassis power status 2>/dev/null | awk '{print $NF}'
}

# --- an earlier boot's dump, then the current boot; ipmitool sends the NMI
armed 0x00
dump_start 0x01
dump_done 0x02
armed 0x00
# shellcheck disable=SC2086
$NF_LAB_IPMITOOL chassis power diag >"$RUN/diag.out" 2>&1
check "ipmitool chassis power diag accepted" grep -q 'Chassis Power Control: Diag' "$RUN/diag.out"
check "the BMC logged ipmitool's NMI" test "$(nmis)" = 1
dump_start 0x01
progress 0x02 50

nf follow >"$RUN/a.json" 2>"$RUN/a.log" &
follow_pid=$!
bg+=("$follow_pid")
sleep 3
# While the follow runs, an operator's `nmifence dump` joins it.
nf dump >"$RUN/join.json" 2>"$RUN/join.log" &
join_pid=$!
bg+=("$join_pid")
sleep 2
t_done=$(now)
dump_done 0x03
wait "$follow_pid"
rc=$?
wait "$join_pid"
join_rc=$?
cat "$RUN/a.log" "$RUN/join.log"
check "follow: exit 0" test "$rc" = 0
check "follow: dump complete" test "$(jget "$RUN/a.json" 'j["dump_result"]')" = complete
check "follow: mode follow, no NMI sent" test "$(jget "$RUN/a.json" 'j["mode"], j["nmi_sent"]')" = "follow False"
check "follow: window after the current boot's armed record (id 4)" \
        grep -q 'following the records after SEL record 4 (armed' "$RUN/a.log"
check "follow: the records of this boot only (dump-start seq 1, progress, dump-done seq 3)" \
        test "$(jget "$RUN/a.json" '[(r["stage"], r["seq"]) for r in j["records"]]')" = "[('dump-start', 1), ('progress', 2), ('dump-done', 3)]"
check "follow: the dump-start posted before it ran was found at once" \
        test "$(jget "$RUN/a.json" 'j["times"]["panic"] < 2.0')" = True
check "follow: power action after dump-done (>= 4.5 s in)" \
        test "$(jget "$RUN/a.json" 'j["times"]["power_action"] >= j["times"]["dump_done"] >= 4.5')" = True
check "follow: fenced, power on verified" test "$(jget "$RUN/a.json" 'j["fenced"] and j["final_power"]')" = on
check "the BMC's NMI log: still only ipmitool's one NMI" test "$(nmis)" = 1
check "dump joined the follow: exit 0, joined, no NMI from it" \
        test "$join_rc $(jget "$RUN/join.json" 'j["joined"], j["mode"], j["dump_result"]')" = "0 True follow complete"
check "dump log says it joined and sent nothing" grep -q 'joining it: no NMI from here' "$RUN/join.log"
echo "dump-done posted at $t_done"

# --- a dump that ended before follow ran; the capture kernel powered off
# (the follow just above is within keep_result_ms: a new target key state
# would report it, so start from a clean state directory)
rm -rf "$NMIFENCE_STATE_DIR"
armed 0x00
dump_start 0x01
dump_done 0x02
# shellcheck disable=SC2086
$NF_LAB_IPMITOOL chassis power off >/dev/null
for _ in $(seq 1 20); do [ "$(power)" = off ] && break; sleep 0.5; done
check "host is off before follow" test "$(power)" = off
nf follow >"$RUN/b.json" 2>"$RUN/b.log"
rc=$?
cat "$RUN/b.log"
check "finished dump, host off: exit 0, complete" \
        test "$rc $(jget "$RUN/b.json" 'j["dump_result"]')" = "0 complete"
check "finished dump, host off: powered on (no power off needed)" \
        test "$(jget "$RUN/b.json" 'j["final_power"]')" = on
check "finished dump, host off: one poll delivered the whole dump" \
        grep -q 'verify-off -> power-on: power is off' "$RUN/b.log"
check "the BMC's NMI log: still one NMI" test "$(nmis)" = 1

# --- --since now: what is already there does not count; nothing comes
rm -rf "$NMIFENCE_STATE_DIR"
armed 0x00
dump_start 0x01
nf follow --since now --nmi-timeout 3 --no-panic leave >"$RUN/c.json" 2>"$RUN/c.log"
rc=$?
cat "$RUN/c.log"
check "--since now, no new record: exit 2, no panic seen" \
        test "$rc $(jget "$RUN/c.json" 'j["dump_result"]')" = "2 no panic seen"
check "--since now: the earlier dump-start was not taken" test "$(jget "$RUN/c.json" 'len(j["records"])')" = 0
check "--since now, leave: no power action" test "$(jget "$RUN/c.json" 'j["times"]["power_action"] is None and not j["fenced"]')" = True
check "--since now: waited nmi_timeout (3 s)" test "$(jget "$RUN/c.json" 'j["times"]["dump_done"] >= 3.0')" = True
check "the BMC's NMI log: still one NMI" test "$(nmis)" = 1

# --- no armed record anywhere: the whole SEL
rm -rf "$NMIFENCE_STATE_DIR"
# shellcheck disable=SC2086
$NF_LAB_IPMITOOL sel clear >/dev/null
sleep 1
dump_start 0x00
dump_done 0x01
nf follow --off >"$RUN/d.json" 2>"$RUN/d.log"
rc=$?
cat "$RUN/d.log"
check "no armed record: says it reads the whole SEL" grep -q 'no armed or disarmed record in the SEL' "$RUN/d.log"
check "no armed record: exit 0, complete, powered off (--off)" \
        test "$rc $(jget "$RUN/d.json" 'j["dump_result"], j["final_power"]')" = "0 complete off"

# --- usage
"$NMIFENCE" follow --since yesterday --bmc 127.0.0.1 labhost >/dev/null 2>"$RUN/e.log"
check "--since yesterday: exit 4, says what is allowed" \
        bash -c '[ "$1" = 4 ] && grep -q "must be boot or now" "$2"' _ "$?" "$RUN/e.log"
"$NMIFENCE" dump --since boot --bmc 127.0.0.1 labhost >/dev/null 2>"$RUN/e.log"
check "dump --since: exit 4 (follow only)" bash -c '[ "$1" = 4 ] && grep -q "follow only" "$2"' _ "$?" "$RUN/e.log"

[ "$failures" = 0 ] || { echo "$failures failure(s); logs in $RUN"; exit 1; }
echo "all checks passed"
