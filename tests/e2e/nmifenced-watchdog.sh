#!/bin/bash
# e2e acceptance of nmifenced (issue 7): a real host pets its BMC watchdog
# and hangs; the daemon notices, and the dump-aware fence does the rest.
#
# The lab: ipmi_sim with the project's module (diag NMI, the watchdog as
# IPMI 2.0 section 27 runs it) and a QEMU guest running Debian's kernel with
# kdump armed; its first kernel runs freeipmi's bmc-watchdog (timer use
# SMS/OS, action none: nf.bmc_watchdog) over its KCS interface, as
# docs/operations.md tells a watched host to.  The test owns nmifenced's
# NOTIFY_SOCKET (tests/integration/notify-listen.py) and, once the host is
# healthy, writes RUNDIR/dump/hang: the guest starts one SCHED_FIFO busy
# loop per CPU (nf.hang_trigger), a real hang where the petter starves and
# NMIs still work.  Asserts:
#   - READY=1, then WATCHDOG=1 keeps coming (WATCHDOG_USEC=2 s given),
#     STATUS= lines ("1 healthy", "1 fencing");
#   - the host was healthy from its own pets (the watchdog running), and
#     the daemon's evidence was the watchdog's expiry;
#   - exactly one NMI, delivered; the capture kernel wrote a valid
#     kdump-compressed vmcore whose log shows the NMI panic;
#   - the power action came after dump-done, the host booted again, petted
#     again, and the daemon says healthy, last fence exit 0, one NMI;
#   - SIGTERM: exit 0.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
NMIFENCED=${3:?usage: $0 NMIFENCE NMIFENCE_TARGET NMIFENCED}
e2e_skip_unless qemu-system-x86_64 ipmi_sim ipmitool makedumpfile python3 bmc-watchdog chrt

NOTIFY_LISTEN=$E2E_DIR/../integration/notify-listen.py
DAEMON_PID=
LISTENER_PID=
stop_ours() {
        [ -n "$DAEMON_PID" ] && kill -KILL "$DAEMON_PID" 2>/dev/null
        [ -n "$LISTENER_PID" ] && kill -TERM "$LISTENER_PID" 2>/dev/null
        e2e_cleanup
}

# countdown 10 s, a reset every 2 s: a hang is seen ~10 s after it starts
e2e_start nmifenced-watchdog --append "nf.bmc_watchdog=10:2 nf.hang_trigger=1"
trap stop_ours EXIT
check "the guest runs bmc-watchdog and waits for the hang trigger" \
        grep -aq 'NF-LAB: first kernel ready .*bmc_watchdog=0 hang_trigger=armed' "$NF_LAB_CONSOLE_LOG"

conf=$(e2e_write_config 'nmi_timeout = 180.0;' 'dump_stall_timeout = 180.0;')
cat >>"$conf" <<EOC
daemon = {
  poll_interval = 1; grace = 2; bmc_lost_after = 30;
  max_fences = 1; fence_window = 3600;
  control_socket = "$RUN/nmifenced.sock"; state_dir = "$RUN/state";
};
EOC
python3 "$NOTIFY_LISTEN" "$RUN/notify.sock" "$RUN/notify.log" &
LISTENER_PID=$!
for _ in $(seq 1 50); do [ -e "$RUN/notify.sock.ready" ] && break; sleep 0.1; done
NOTIFY_SOCKET=$RUN/notify.sock WATCHDOG_USEC=2000000 "$NMIFENCED" -c "$conf" --log-target stderr \
        >"$RUN/daemon.log" 2>&1 &
DAEMON_PID=$!
t0=$SECONDS
check "READY=1" wait_for_count "$RUN/notify.log" ' READY=1$' 1 30

state() {
        python3 - "$RUN/nmifenced.sock" <<'EOP'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
s.sendall(b'{"command":"status","hosts":["labhost"]}\n')
h = json.loads(s.makefile().readline())["hosts"][0]
print(h["state"], h["watchdog"]["running"] if h["watchdog"] else None)
EOP
}
# wait_until SECONDS COMMAND...
wait_until() {
        local end=$((SECONDS + $1))
        shift
        until "$@"; do
                [ "$SECONDS" -lt "$end" ] || return 1
                sleep 1
        done
}
healthy_and_petted() { [ "$(state 2>/dev/null)" = "healthy True" ]; }
check "the daemon sees the host healthy, its watchdog running" wait_until 60 healthy_and_petted
check "STATUS= 1 healthy" grep -q ' STATUS=1 hosts: 1 healthy, 0 suspect, 0 fencing' "$RUN/notify.log"
# a few pets seen: the countdown must not run out while the host lives
sleep 12
check "still healthy after more than one countdown (the pets count)" healthy_and_petted
check "no NMI before the hang" test "$(wc -l <"$NF_LAB_NMI_LOG")" = 0

boots_before=$(count_lines "$NF_LAB_CONSOLE_LOG" '^NF-LAB: first kernel ready')
touch "$NF_LAB_DUMP_DIR/hang"
check "the guest hangs (SCHED_FIFO spinners)" wait_for_count "$NF_LAB_CONSOLE_LOG" '^NF-LAB: hang: ' 1 30
check "the daemon takes the watchdog's expiry as evidence" \
        wait_for_count "$RUN/daemon.log" 'labhost: liveness healthy -> suspect: BMC watchdog expired' 1 60
check "... and fences" wait_for_count "$RUN/daemon.log" 'labhost: liveness suspect -> fencing' 1 30
check "STATUS= 1 fencing" wait_for_count "$RUN/notify.log" ' STATUS=1 hosts: 0 healthy, 0 suspect, 1 fencing' 1 10
check "the capture kernel wrote the dump" wait_for_count "$NF_LAB_CONSOLE_LOG" '^NF-LAB: dump written' 1 300
check "the fence ended: dump complete, power verified" \
        wait_for_count "$RUN/daemon.log" 'labhost: fence ended: dump complete; power on (verified) (exit 0, NMI sent)' 1 300
check "the host booted its first kernel again" \
        wait_for_count "$NF_LAB_CONSOLE_LOG" '^NF-LAB: first kernel ready' $((boots_before + 1)) 240
check "... and pets its watchdog again: healthy" wait_until 90 healthy_and_petted

# One NMI, and it reached the guest.
check "the BMC logged exactly one NMI" test "$(wc -l <"$NF_LAB_NMI_LOG")" = 1
check "the NMI was delivered to the host" grep -q 'delivered=yes' "$NF_LAB_NMI_LOG"
# The dump.
vmcore=$NF_LAB_DUMP_DIR/vmcore
check "vmcore is kdump-compressed (KDUMP signature)" test "$(head -c 8 "$vmcore" 2>/dev/null)" = "KDUMP   "
check "vmcore is larger than 1 MiB" test "$(stat -c %s "$vmcore" 2>/dev/null || echo 0)" -gt 1048576
check "makedumpfile reads the dump back (--dump-dmesg)" makedumpfile --dump-dmesg "$vmcore" "$RUN/dump-dmesg.txt"
check "the dumped kernel log shows the NMI panic" grep -q 'nmi_panic\|NMI' "$RUN/dump-dmesg.txt"
check "daemon log: dump-done before the first power command" \
        bash -c 'd=$(grep -n "labhost: target: dump-done" "$1" | head -1 | cut -d: -f1); p=$(grep -n -- "fence [a-z-]* -> power-o[nf]:" "$1" | head -1 | cut -d: -f1); [ -n "$d" ] && [ -n "$p" ] && [ "$d" -lt "$p" ]' _ "$RUN/daemon.log"
python3 - "$RUN/nmifenced.sock" >"$RUN/status.json" <<'EOP'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
s.sendall(b'{"command":"status","hosts":["labhost"]}\n')
print(s.makefile().readline(), end="")
EOP
check "status: last fence exit 0, one NMI from the daemon" \
        test "$(json "$RUN/status.json" 'j["hosts"][0]["last_fence"]["exit_code"] == 0 and j["hosts"][0]["nmis"] == 1')" = True

up=$((SECONDS - t0))
nw=$(count_lines "$RUN/notify.log" ' WATCHDOG=1$')
check "WATCHDOG=1 kept coming ($nw in ${up} s, one per second expected)" test "$nw" -ge $((up * 3 / 4))
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
rc=$?
DAEMON_PID=
check "SIGTERM: exit 0 (got $rc)" test "$rc" = 0
check "STOPPING=1" grep -q ' STOPPING=1$' "$RUN/notify.log"
[ "$failures" = 0 ] || tail -50 "$RUN/daemon.log"
e2e_finish
