#!/bin/bash
# e2e: a host that never panics on the NMI (kernel.unknown_nmi_panic=0).
#
# First with no_panic_policy "leave": nmifence reports "no panic seen"
# (exit 2) and does not touch the power.  Then with "cycle": same report
# and exit status, but the host is power-cycled and verified.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_skip_unless qemu-system-x86_64 ipmi_sim ipmitool python3

e2e_start no-panic --no-nmi-panic

# --- policy: leave the host alone -----------------------------------------
conf=$(e2e_write_config 'nmi_timeout = 15.0;' 'no_panic_policy = "leave";')
qemu_pid=$(tr -dc 0-9 <"$NF_LAB_QEMU_PIDFILE")
boots=$(count_lines "$NF_LAB_CONSOLE_LOG" '^NF-LAB: first kernel ready')

timeout 300 "$NMIFENCE" dump -c "$conf" --json labhost >"$RUN/leave.json" 2>"$RUN/leave.log"
rc=$?
cat "$RUN/leave.log"
check "leave: exit status 2 (no panic seen)" test "$rc" = 2
check "leave: result says no panic seen" test "$(json "$RUN/leave.json" 'j["dump_result"]')" = "no panic seen"
check "leave: the summary says so" grep -q 'no panic seen' "$RUN/leave.log"
check "leave: no power action" test "$(json "$RUN/leave.json" 'j["times"]["power_action"] is None and not j["fenced"]')" = True
check "leave: the BMC logged exactly one NMI, delivered" \
        bash -c '[ "$(wc -l <"$1")" = 1 ] && grep -q delivered=yes "$1"' _ "$NF_LAB_NMI_LOG"
check "leave: the guest kernel saw the NMI and did not panic" \
        grep -a -q 'NMI received for unknown reason\|Uhhuh. NMI' "$NF_LAB_CONSOLE_LOG"
check "leave: the same QEMU is still running" kill -0 "$qemu_pid"
# shellcheck disable=SC2086
check "leave: the BMC still reports power on" bash -c "$NF_LAB_IPMITOOL chassis power status 2>/dev/null | grep -q 'is on'"
check "leave: no dump was written" test ! -e "$NF_LAB_DUMP_DIR/vmcore"

# --- policy: power-cycle anyway --------------------------------------------
conf=$(e2e_write_config 'nmi_timeout = 15.0;' 'no_panic_policy = "cycle";')
timeout 300 "$NMIFENCE" dump -c "$conf" --json labhost >"$RUN/cycle.json" 2>"$RUN/cycle.log"
rc=$?
cat "$RUN/cycle.log"
check "cycle: exit status 2 (no panic seen)" test "$rc" = 2
check "cycle: result says no panic seen" test "$(json "$RUN/cycle.json" 'j["dump_result"]')" = "no panic seen"
check "cycle: host fenced, power on verified" \
        test "$(json "$RUN/cycle.json" 'j["fenced"] and j["final_power"]')" = on
check "cycle: the power action came after the NMI timeout" \
        test "$(json "$RUN/cycle.json" 'j["times"]["power_action"] is not None and j["times"]["power_action"] - j["times"]["nmi"] >= 15.0')" = True
check "cycle: one more NMI, two in all" test "$(wc -l <"$NF_LAB_NMI_LOG")" = 2
check "cycle: the old QEMU is gone (powered off)" bash -c '! kill -0 "$1" 2>/dev/null' _ "$qemu_pid"
check "cycle: the host booted its first kernel again" \
        wait_for_count "$NF_LAB_CONSOLE_LOG" '^NF-LAB: first kernel ready' $((boots + 1)) 240

e2e_finish
