#!/bin/bash
# e2e: an operator's NMI from real ipmitool (`chassis power diag`), and
# `nmifence follow` completing the fence of the real kdump target.
#
#   follow-ipmitool.sh NMIFENCE NMIFENCE_TARGET [panic|no-panic]
#
# Both modes first run `nmifence status` as docs/runbook.md step 0 does:
# the lab host is ready (exit 0, armed flags 07h: the guest arms with
# --extnmi-none because its capture kernel has apic_extnmi=none); without
# NMI panic it is not (exit 1, flags 05h).
# panic (default), one lab host, two incidents:
#   1. ipmitool sends the NMI; once the capture kernel has posted
#      dump-start (it holds the dump for --dump-hold s), `nmifence follow`
#      is started: it finds the dump-start posted before it ran, waits for
#      dump-done, powers the host on (the capture kernel powered off);
#   2. after the host is back and armed again, follow is started first and
#      ipmitool's NMI comes 3 s later: follow reads only this boot's
#      records (not the first dump's), and completes again.
#   Each time: exit 0, dump complete, a valid vmcore, the power action after
#   dump-done, and the BMC's NMI log grows by exactly the one NMI ipmitool
#   sent (follow sends none).
# no-panic: the host ignores NMIs (lab-up --no-nmi-panic); ipmitool's NMI
#   is followed by nothing: "no panic seen", exit 2, policy leave: no power
#   action, the same QEMU still running, still only ipmitool's NMI.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_skip_unless qemu-system-x86_64 ipmi_sim ipmitool makedumpfile python3
MODE=${3:-panic}

# ipmitool's diag, as an operator types it.
ipmitool_nmi() {
        # shellcheck disable=SC2086
        $NF_LAB_IPMITOOL chassis power diag >"$RUN/ipmitool-diag.$1.out" 2>&1
        cat "$RUN/ipmitool-diag.$1.out"
        check "$1: ipmitool chassis power diag accepted" grep -q 'Chassis Power Control: Diag' "$RUN/ipmitool-diag.$1.out"
}
nmis() { if [ -e "$NF_LAB_NMI_LOG" ]; then wc -l <"$NF_LAB_NMI_LOG"; else echo 0; fi; }

# status_check NAME EXIT FLAGS: docs/runbook.md step 0, `nmifence status`
# before the NMI, exits EXIT, and the newest armed record (read with
# ipmitool) carries FLAGS: what the guest's capture kernel really has.
status_check() {
        timeout 60 "$NMIFENCE" status -c "$conf" labhost >"$RUN/status.$1.out" 2>&1
        local src=$?
        cat "$RUN/status.$1.out"
        check "$1: nmifence status exits $2" test "$src" = "$2"
        check "$1: the armed record's flags are $3" test "$(sel_stages --arg | grep '^armed ' | tail -1 | cut -d' ' -f2)" = "$3"
}

# wait_stage STAGE N TIMEOUT_S: the SEL holds at least N STAGE records.
wait_stage() {
        local end=$((SECONDS + $3))
        while [ "$SECONDS" -lt "$end" ]; do
                [ "$(sel_stages | grep -c "^$1\$")" -ge "$2" ] && return 0
                sleep 1
        done
        return 1
}

# check_fence NAME JSON LOG: the follow's result and what the lab saw.
check_fence() {
        local name=$1 j=$2 log=$3
        check "$name: exit 0 (dump complete, host fenced)" test "$rc" = 0
        check "$name: mode follow, dump complete" \
                test "$(json "$j" 'j["mode"] + " " + j["dump_result"]')" = "follow complete"
        check "$name: follow sent no NMI" test "$(json "$j" 'j["nmi_sent"]')" = False
        check "$name: fenced, power on verified" test "$(json "$j" 'j["fenced"] and j["final_power"]')" = on
        check "$name: power action at or after dump-done" \
                test "$(json "$j" 'j["times"]["power_action"] is not None and j["times"]["power_action"] >= j["times"]["dump_done"]')" = True
        check "$name: log: dump-done record before the first power command" \
                bash -c 'd=$(grep -n "target: dump-done" "$1" | head -1 | cut -d: -f1); p=$(grep -n -- "-> power-o[nf]:" "$1" | head -1 | cut -d: -f1); [ -n "$d" ] && [ -n "$p" ] && [ "$d" -lt "$p" ]' _ "$log"
        check "$name: exactly one dump of this boot in the window (one dump-start, one dump-done)" \
                test "$(json "$j" 'sum(r["stage"] == "dump-start" for r in j["records"]), sum(r["stage"] == "dump-done" for r in j["records"])')" = "(1, 1)"
        check "$name: vmcore is kdump-compressed and > 1 MiB" \
                bash -c '[ "$(head -c 8 "$1")" = "KDUMP   " ] && [ "$(stat -c %s "$1")" -gt 1048576 ]' _ "$NF_LAB_DUMP_DIR/vmcore"
        check "$name: makedumpfile reads the dump back, the NMI panic in its log" \
                bash -c 'makedumpfile --dump-dmesg "$1" "$2" >/dev/null 2>&1 && grep -q "nmi_panic\|NMI" "$2"' _ \
                "$NF_LAB_DUMP_DIR/vmcore" "$RUN/dump-dmesg.$name.txt"
}

if [ "$MODE" = no-panic ]; then
        e2e_start follow-ipmitool-no-panic --no-nmi-panic
        conf=$(e2e_write_config 'nmi_timeout = 15.0;' 'no_panic_policy = "leave";')
        qemu_pid=$(tr -dc 0-9 <"$NF_LAB_QEMU_PIDFILE")
        # Not ready only for the missing 02h (NMI panics); the capture
        # kernel's apic_extnmi=none (04h) is there.
        check "no-panic: the target armed" wait_armed 1 60
        status_check no-panic 1 05
        check "no-panic: status names the reason" grep -q 'NMI does NOT panic' "$RUN/status.no-panic.out"
        ipmitool_nmi no-panic
        timeout 300 "$NMIFENCE" follow -c "$conf" --json labhost >"$RUN/no-panic.json" 2>"$RUN/no-panic.log"
        rc=$?
        cat "$RUN/no-panic.log"
        check "no-panic: exit 2" test "$rc" = 2
        check "no-panic: result says no panic seen" \
                test "$(json "$RUN/no-panic.json" 'j["dump_result"]')" = "no panic seen"
        check "no-panic: the summary says no NMI was sent by follow" \
                grep -q 'NMI sent: *no (follow' "$RUN/no-panic.log"
        check "no-panic: waited nmi_timeout (15 s) from the start of the follow" \
                test "$(json "$RUN/no-panic.json" 'j["times"]["dump_done"] - j["times"]["follow"] >= 15.0')" = True
        check "no-panic: leave: no power action" \
                test "$(json "$RUN/no-panic.json" 'j["times"]["power_action"] is None and not j["fenced"]')" = True
        check "no-panic: the BMC logged only ipmitool's NMI, delivered" \
                bash -c '[ "$(wc -l <"$1")" = 1 ] && grep -q delivered=yes "$1"' _ "$NF_LAB_NMI_LOG"
        check "no-panic: the guest kernel saw the NMI and did not panic" \
                grep -a -q 'NMI received for unknown reason\|Uhhuh. NMI' "$NF_LAB_CONSOLE_LOG"
        check "no-panic: the same QEMU is still running" kill -0 "$qemu_pid"
        e2e_finish
fi

# The capture kernel holds 15 s after dump-start, so follow surely starts
# in the middle of the dump.
e2e_start follow-ipmitool --dump-hold 15
conf=$(e2e_write_config 'nmi_timeout = 180.0;' 'dump_stall_timeout = 180.0;')
boots=$(count_lines "$NF_LAB_CONSOLE_LOG" '^NF-LAB: first kernel ready')

# --- 1: follow started after the NMI, mid-dump -----------------------------
check "1: the target armed" wait_armed 1 60
status_check 1 0 07
ipmitool_nmi 1
check "1: the capture kernel posted dump-start before follow runs" wait_stage dump-start 1 180
check "1: no dump-done yet (follow starts mid-dump)" test "$(sel_stages | grep -c '^dump-done$')" = 0
timeout 600 "$NMIFENCE" follow -c "$conf" --json labhost >"$RUN/after.json" 2>"$RUN/after.log"
rc=$?
cat "$RUN/after.log"
check_fence after "$RUN/after.json" "$RUN/after.log"
check "after: the dump-start posted before follow ran came with its first poll" \
        test "$(json "$RUN/after.json" 'j["times"]["panic"] - j["times"]["follow"] < 2.0')" = True
check "after: the BMC logged exactly one NMI (ipmitool's), delivered" \
        bash -c '[ "$(wc -l <"$1")" = 1 ] && grep -q delivered=yes "$1"' _ "$NF_LAB_NMI_LOG"
check "after: console: dump written before the next power-on" \
        bash -c 'd=$(grep -a -n "^NF-LAB: dump written" "$1" | head -1 | cut -d: -f1); s=$(grep -a -n "^NF-LAB-HOST: qemu start" "$1" | sed -n 2p | cut -d: -f1); [ -n "$d" ] && [ -n "$s" ] && [ "$d" -lt "$s" ]' _ "$NF_LAB_CONSOLE_LOG"

# A second follow right away (the host is still rebooting) must not take
# the finished dump for a new one: within keep_result_ms it reports the
# result just reached and touches nothing.
timeout 120 "$NMIFENCE" follow -c "$conf" --json labhost >"$RUN/again.json" 2>"$RUN/again.log"
rc=$?
cat "$RUN/again.log"
check "again: exit 0, the kept result of the follow before" \
        bash -c '[ "$1" = 0 ] && grep -q "the follow of pid .* finished .* reporting its result, no new NMI" "$2"' _ "$rc" "$RUN/again.log"
check "again: no power action of its own" bash -c '! grep -q -- "-> power-o[nf]:" "$1"' _ "$RUN/again.log"

# --- 2: follow started before the NMI --------------------------------------
# A new incident: past the kept result (fresh state directory instead of
# waiting out keep_result_ms, 60 s).
export NMIFENCE_STATE_DIR=$RUN/state2
check "2: host booted its first kernel again" \
        wait_for_count "$NF_LAB_CONSOLE_LOG" '^NF-LAB: first kernel ready' $((boots + 1)) 240
check "2: the target armed again" wait_armed 2 60
mv "$NF_LAB_DUMP_DIR/vmcore" "$RUN/vmcore.1"
timeout 600 "$NMIFENCE" follow -c "$conf" --json labhost >"$RUN/before.json" 2>"$RUN/before.log" &
follow_pid=$!
sleep 3
check "2: follow is waiting before the NMI" kill -0 "$follow_pid"
ipmitool_nmi 2
wait "$follow_pid"
rc=$?
cat "$RUN/before.log"
check_fence before "$RUN/before.json" "$RUN/before.log"
check "before: window after the second armed record" \
        grep -q 'following the records after SEL record .* (armed' "$RUN/before.log"
check "before: the dump-start came after the follow began (>= 3 s)" \
        test "$(json "$RUN/before.json" 'j["times"]["panic"] - j["times"]["follow"] >= 3.0')" = True
check "before: two NMIs in all, one per ipmitool diag" test "$(nmis)" = 2

# The SEL as an operator reads it, kept with the run.
# shellcheck disable=SC2086
$NF_LAB_IPMITOOL sel elist >"$RUN/sel-elist.txt" 2>/dev/null
cat "$RUN/sel-elist.txt"
e2e_finish
