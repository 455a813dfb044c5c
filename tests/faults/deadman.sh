#!/bin/bash
# faults: the capture kernel's dead-man switch (docs/target.md, "The
# dead-man switch").
#   deadman.sh NMIFENCE NMIFENCE_TARGET
#
# The capture kernel gets nmifence.dump_stall_timeout=20 on its command
# line, so nmifence-target arms the BMC watchdog (SMS/OS, action power
# cycle) for 20 + 15 s at dump-start.
#
# 1. Held capture kernel, nobody supervising: `nmifence dump` sends the
#    NMI, the capture kernel posts dump-start and is held (lab-up
#    --dump-hold 300), the agent is killed (SIGKILL) and no nmifenced runs.
#    The BMC's watchdog must expire 35 s after the arm (ipmi_sim.log:
#    "nf_watchdog: timer (use 4) expired, action 3"), power-cycle the guest,
#    which boots its first kernel again; the NMI log has exactly one line.
# 2. A normal dump, NMI from `ipmitool chassis power diag` as an operator
#    sends it, no agent: the capture kernel stops the switch before
#    dump-done and then powers off (the lab's final action).  No expiry
#    may follow within the countdown and more, and the host stays off.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_skip_unless qemu-system-x86_64 ipmi_sim ipmitool python3

STALL=20
COUNTDOWN=$((STALL + 15))       # NF_DEADMAN_GRACE_S (target/deadman.h)
EXPIRY='nf_watchdog: timer (use 4) expired, action 3'
agent_pid=

e2e_start deadman --dump-hold 300 --capture-append "nmifence.dump_stall_timeout=$STALL"
# The agent runs in the background: end it (by PID) whatever happens.
deadman_cleanup() {
        local rc=$?
        [ -n "$agent_pid" ] && kill_agent
        (exit "$rc")
        e2e_cleanup
}
trap deadman_cleanup EXIT

# The agent runs under timeout(1): SIGKILL to timeout alone would leave
# nmifence running on (reparented), still following the dump; so its
# child goes first, by PID.
kill_agent() {
        local child
        child=$(pgrep -P "$agent_pid" 2>/dev/null)
        # shellcheck disable=SC2086
        [ -n "$child" ] && kill -KILL $child 2>/dev/null
        kill -KILL "$agent_pid" 2>/dev/null
}

power_state() {
        # shellcheck disable=SC2086
        $NF_LAB_IPMITOOL chassis power status 2>/dev/null | awk '{print $NF}'
}

# wait_power STATE TIMEOUT_S
wait_power() {
        local end=$((SECONDS + $2))
        while [ "$SECONDS" -lt "$end" ]; do
                [ "$(power_state)" = "$1" ] && return 0
                sleep 1
        done
        return 1
}

echo "=== 1: held capture kernel, agent killed, no daemon"
conf=$(e2e_write_config 'nmi_timeout = 120.0;' 'dump_stall_timeout = 600.0;' 'dump_max_time = 900.0;')
boots=$(count_lines "$NF_LAB_CONSOLE_LOG" '^NF-LAB: first kernel ready')
timeout 900 "$NMIFENCE" dump -v -c "$conf" --json labhost >"$RUN/agent.json" 2>"$RUN/agent.log" &
agent_pid=$!

check "the capture kernel armed the dead-man switch" \
        wait_for_count "$NF_LAB_CONSOLE_LOG" 'nmifence-target: dead-man switch armed' 1 240
check "the capture kernel is held after dump-start" \
        wait_for_count "$NF_LAB_CONSOLE_LOG" '^NF-LAB: dump hold' 1 60
t_held=$SECONDS
agent_child=$(pgrep -P "$agent_pid" 2>/dev/null)
# nmifence first: timeout(1) reaps it and exits (a zombie left to PID 1
# would still answer kill -0 here).
# shellcheck disable=SC2086
[ -n "$agent_child" ] && kill -KILL $agent_child 2>/dev/null
wait "$agent_pid" 2>/dev/null
check "the agent is gone" bash -c "! kill -0 $agent_pid 2>/dev/null && ! kill -0 ${agent_child:-$agent_pid} 2>/dev/null"
agent_pid=
grep -a 'dead-man switch' "$NF_LAB_CONSOLE_LOG"
check "the switch fires after $COUNTDOWN s (power cycle)" \
        grep -aq "power cycle the host after ${COUNTDOWN}.0 s" "$NF_LAB_CONSOLE_LOG"
# The BMC's power cycle boots the guest again from start-vm: without the
# hold this time, for part 2 (0 is no hold; the words are %q-quoted there).
sed -i 's/nf\.dump_hold=300/nf.dump_hold=0/' "$RUN/start-vm"
dump_stages=$(sel_stages | grep -E '^dump-(start|done|failed)$' | sort -u | tr '\n' ' ')
check "the SEL has dump-start and no dump-done/failed (got: $dump_stages)" test "$dump_stages" = "dump-start "

check "the BMC watchdog expired, action power cycle" wait_for_count "$NF_LAB_SIM_LOG" "$EXPIRY" 1 $((COUNTDOWN + 90))
t_expired=$SECONDS
waited=$((t_expired - t_held))
echo "expiry seen ${waited} s after the hold was seen"
check "no expiry before the stall timeout (${waited} s >= $STALL s)" test "$waited" -ge "$STALL"
check "the expiry came within the countdown and slack (${waited} s <= $((COUNTDOWN + 60)) s)" \
        test "$waited" -le $((COUNTDOWN + 60))
check "the capture kernel never finished the dump" test ! -e "$NF_LAB_DUMP_DIR/vmcore"
check "the guest booted its first kernel again" \
        wait_for_count "$NF_LAB_CONSOLE_LOG" '^NF-LAB: first kernel ready' $((boots + 1)) 240
check "power is on" test "$(power_state)" = on
check "the BMC logged exactly one NMI" test "$(nmi_count)" = 1
e2e_wait_qemu_pidfile

echo "=== 2: a normal dump stops the switch before dump-done"
expiries=$(count_lines "$NF_LAB_SIM_LOG" "$EXPIRY")
armed=$(count_lines "$NF_LAB_CONSOLE_LOG" 'nmifence-target: dead-man switch armed')
# shellcheck disable=SC2086
$NF_LAB_IPMITOOL chassis power diag
check "armed again in the new capture kernel" \
        wait_for_count "$NF_LAB_CONSOLE_LOG" 'nmifence-target: dead-man switch armed' $((armed + 1)) 240
check "the dump was written" wait_for_count "$NF_LAB_CONSOLE_LOG" '^NF-LAB: dump written' 1 240
check "the switch was stopped" wait_for_count "$NF_LAB_CONSOLE_LOG" 'nmifence-target: dead-man switch stopped' 1 60
check "stopped before dump-done was posted" python3 - "$NF_LAB_CONSOLE_LOG" <<'EOF'
import sys
lines = open(sys.argv[1], errors="replace").read().splitlines()
stop = max(i for i, l in enumerate(lines) if "dead-man switch stopped" in l)
done = max(i for i, l in enumerate(lines) if "posted dump-done" in l)
sys.exit(0 if stop < done else 1)
EOF
check "the capture kernel powered off (its final action)" wait_power off 120
t_off=$SECONDS
sleep $((COUNTDOWN + 10))
check "no expiry in the $((COUNTDOWN + 10)) s after the power-off" \
        test "$(count_lines "$NF_LAB_SIM_LOG" "$EXPIRY")" = "$expiries"
check "the host stayed off ($((SECONDS - t_off)) s)" test "$(power_state)" = off
check "the SEL ends with dump-done" test "$(sel_stages | grep -E '^dump-' | tail -n 1)" = dump-done
check "two NMIs in all, one per dump" test "$(nmi_count)" = 2

e2e_finish
