#!/bin/bash
# e2e: nmifenced and the capture kernel's dead-man switch share the BMC
# watchdog (docs/target.md, "The dead-man switch"; docs/operations.md,
# state bmc-supervised).
#
# The guest's first kernel pets the watchdog for the daemon (bmc-watchdog,
# action none, 30 s).  An operator sends the NMI with `ipmitool chassis
# power diag` (not the daemon: a dump the host started by itself, from the
# daemon's view); the capture kernel posts dump-start, arms the switch
# (nmifence.dump_stall_timeout=20: power cycle 35 s after the last record)
# and is held (--dump-hold 300).  The daemon's own dump_stall is 300 s, so
# only the BMC can end this.  Asserts:
#   - the daemon goes healthy -> dumping, never fencing, and sends no NMI;
#   - the switch expires (ipmi_sim.log) and power-cycles the guest; the
#     daemon says dumping -> fenced ("the BMC acted"), with no power
#     command of its own;
#   - the guest boots again and pets: healthy; one NMI in all.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
NMIFENCED=${3:?usage: $0 NMIFENCE NMIFENCE_TARGET NMIFENCED}
e2e_skip_unless qemu-system-x86_64 ipmi_sim ipmitool python3 bmc-watchdog

DAEMON_PID=
stop_ours() {
        local rc=$?
        [ -n "$DAEMON_PID" ] && kill -KILL "$DAEMON_PID" 2>/dev/null
        (exit "$rc")
        e2e_cleanup
}

e2e_start nmifenced-deadman --append "nf.bmc_watchdog=30:2" --dump-hold 300 \
        --capture-append "nmifence.dump_stall_timeout=20"
trap stop_ours EXIT
check "the guest runs bmc-watchdog" grep -aq 'NF-LAB: first kernel ready .*bmc_watchdog=0' "$NF_LAB_CONSOLE_LOG"

conf=$(e2e_write_config 'nmi_timeout = 180.0;' 'dump_stall_timeout = 300.0;')
cat >>"$conf" <<EOC
daemon = {
  poll_interval = 1; grace = 2; bmc_lost_after = 30; dump_stall = 300;
  max_fences = 1; fence_window = 3600;
  control_socket = "$RUN/nmifenced.sock"; state_dir = "$RUN/state";
};
EOC
"$NMIFENCED" -c "$conf" --log-target stderr >"$RUN/daemon.log" 2>&1 &
DAEMON_PID=$!

status_json() {
        python3 - "$RUN/nmifenced.sock" <<'EOP'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
s.sendall(b'{"command":"status","hosts":["labhost"]}\n')
print(s.makefile().readline(), end="")
EOP
}
check "the daemon sees the host healthy from its pets" \
        wait_for_count "$RUN/daemon.log" 'labhost: liveness unknown -> healthy: BMC watchdog petted' 1 60

boots=$(count_lines "$NF_LAB_CONSOLE_LOG" '^NF-LAB: first kernel ready')
# shellcheck disable=SC2086
$NF_LAB_IPMITOOL chassis power diag
check "the capture kernel armed the dead-man switch" \
        wait_for_count "$NF_LAB_CONSOLE_LOG" 'nmifence-target: dead-man switch armed: the BMC will power cycle the host after 35.0 s' 1 240
check "the daemon: healthy -> dumping (a dump it did not start)" \
        wait_for_count "$RUN/daemon.log" 'labhost: liveness healthy -> dumping' 1 60
check "the BMC watchdog expired, action power cycle" \
        wait_for_count "$NF_LAB_SIM_LOG" 'nf_watchdog: timer (use 4) expired, action 3' 1 150
check "the daemon: dumping -> fenced, the BMC acted" \
        wait_for_count "$RUN/daemon.log" 'labhost: liveness dumping -> fenced: BMC watchdog expired with action power cycle: the BMC acted' 1 30
check "the guest booted its first kernel again" \
        wait_for_count "$NF_LAB_CONSOLE_LOG" '^NF-LAB: first kernel ready' $((boots + 1)) 240
check "... pets again: healthy" wait_for_count "$RUN/daemon.log" 'labhost: liveness fenced -> healthy' 1 90

status_json >"$RUN/status.json"
check "the daemon never fenced (no fencing state)" bash -c '! grep -q "liveness [a-z-]* -> fencing" "$1"' _ "$RUN/daemon.log"
check "status: no NMI and no fence from the daemon" \
        test "$(json "$RUN/status.json" 'j["hosts"][0]["nmis"] == 0 and j["hosts"][0]["fences"] == 0')" = True
check "the BMC logged exactly one NMI (the operator's)" test "$(wc -l <"$NF_LAB_NMI_LOG")" = 1
[ "$failures" = 0 ] || tail -30 "$RUN/daemon.log"
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
DAEMON_PID=
e2e_wait_qemu_pidfile
e2e_finish
