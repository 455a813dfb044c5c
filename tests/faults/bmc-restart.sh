#!/bin/bash
# faults: the BMC process restarts while the agent waits for the dump
# (matrix case 2).
#   bmc-restart.sh NMIFENCE NMIFENCE_TARGET
#
# lab-up --dump-hold 25 keeps the capture kernel between dump-start and
# makedumpfile for 25 s.  As soon as the agent is in wait-dump, ipmi_sim
# is killed (SIGKILL, a crash) and, 3 s later, started again with the same
# configuration, port and state directory (-s, where ipmi_sim keeps its
# SEL), except `startnow false`: startnow is the lab's "AC power-on" that
# runs start-vm, and a BMC restart does not boot the host a second time.
# QEMU's chardev (reconnect=1) connects to the new ipmi_sim.  Asserts:
#   - the agent re-opened its session (session_reopens >= 1) and still
#     exits 0 with the dump complete and the host fenced (power on verified);
#   - it went on from the remembered SEL position: dump-start counted once,
#     dump-done seen, no "SEL was cleared";
#   - exactly one NMI in the module's log (O_APPEND, kept across the
#     restart; the new process starts its seq at 1 again);
#   - the vmcore was written.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_skip_unless qemu-system-x86_64 ipmi_sim ipmitool makedumpfile python3

e2e_start bmc-restart --dump-hold 25
conf=$(e2e_write_config 'nmi_timeout = 60.0;' 'dump_stall_timeout = 60.0;' 'dump_max_time = 300.0;')

t0=$SECONDS
timeout 600 "$NMIFENCE" dump -v -c "$conf" --json labhost >"$RUN/agent.json" 2>"$RUN/agent.log" &
agent=$!

end=$((SECONDS + 90))
while [ "$SECONDS" -lt "$end" ] && ! grep -qs -- '-> wait-dump' "$RUN/agent.log"; do
        sleep 0.2
done
check "the agent reached wait-dump within 90 s" grep -qs -- '-> wait-dump' "$RUN/agent.log"

kill -KILL "$NF_LAB_SIM_PID"
while kill -0 "$NF_LAB_SIM_PID" 2>/dev/null; do sleep 0.1; done
echo "ipmi_sim $NF_LAB_SIM_PID killed at $((SECONDS - t0)) s"
sleep 3
sed 's/^\( *startnow\) true$/\1 false/' "$RUN/ipmi_sim.conf" >"$RUN/ipmi_sim.restart.conf"
(cd "$RUN" && exec setsid ipmi_sim -n -c "$RUN/ipmi_sim.restart.conf" -f "$RUN/ipmi_sim.emu" -s "$RUN/state" \
        </dev/null >>"$RUN/ipmi_sim.log" 2>&1) &
sim2=$!
# lab-down stops what RUNDIR/pids lists (name pid starttime).
echo "ipmi_sim $sim2 $(awk '{sub(/.*\) /, ""); print $20}' "/proc/$sim2/stat")" >>"$RUN/pids"
echo "ipmi_sim restarted as $sim2 at $((SECONDS - t0)) s"

wait "$agent"
rc=$?
echo "--- agent: exit $rc after $((SECONDS - t0)) s"
cat "$RUN/agent.log"
j=$RUN/agent.json

check "the restarted BMC is still running" kill -0 "$sim2"
check "exit status 0 (got $rc)" test "$rc" = 0
check "result: complete" test "$(json "$j" 'j["dump_result"]')" = complete
check "the session was re-opened" test "$(json "$j" 'j["session_reopens"] >= 1')" = True
check "host fenced, power on verified" test "$(json "$j" 'j["fenced"] and j["final_power"]')" = on
check "dump-start counted once (went on from the remembered record)" \
        test "$(json "$j" '[r["stage"] for r in j["records"]].count("dump-start")')" = 1
check "dump-done seen" test "$(json "$j" '"dump-done" in [r["stage"] for r in j["records"]]')" = True
check "no SEL clear reported" test "$(json "$j" 'j["sel_cleared"]')" = False
check "the BMC logged exactly one NMI" test "$(nmi_count)" = 1
check "vmcore is kdump-compressed (KDUMP signature)" \
        test "$(head -c 8 "$NF_LAB_DUMP_DIR/vmcore" 2>/dev/null)" = "KDUMP   "
e2e_wait_qemu_pidfile

e2e_finish
