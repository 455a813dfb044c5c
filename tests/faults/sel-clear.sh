#!/bin/bash
# faults: the SEL is cleared while the agent waits for the dump (matrix
# case 6).
#   sel-clear.sh NMIFENCE NMIFENCE_TARGET
#
# lab-up --dump-hold 20 keeps the capture kernel between dump-start and
# makedumpfile.  As soon as the agent is in wait-dump, `ipmitool sel clear`
# (another client, as an operator or a BMC's SEL policy would) removes the
# record the agent's cursor stands on.  Asserts:
#   - the agent notices: "the SEL was cleared during the wait" in the
#     summary, "sel_cleared": true in --json;
#   - it reads the SEL again from the first record and still finishes: the
#     dump-done posted after the clear ends the wait, exit 0, dump
#     complete, host fenced with power on verified;
#   - exactly one NMI in the module's log; the vmcore was written.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_skip_unless qemu-system-x86_64 ipmi_sim ipmitool makedumpfile python3

e2e_start sel-clear --dump-hold 20
conf=$(e2e_write_config 'nmi_timeout = 60.0;' 'dump_stall_timeout = 60.0;' 'dump_max_time = 300.0;')

t0=$SECONDS
timeout 600 "$NMIFENCE" dump -v -c "$conf" --json labhost >"$RUN/agent.json" 2>"$RUN/agent.log" &
agent=$!

end=$((SECONDS + 90))
while [ "$SECONDS" -lt "$end" ] && ! grep -qs -- '-> wait-dump' "$RUN/agent.log"; do
        sleep 0.2
done
check "the agent reached wait-dump within 90 s" grep -qs -- '-> wait-dump' "$RUN/agent.log"
# shellcheck disable=SC2086
check "ipmitool sel clear" $NF_LAB_IPMITOOL sel clear
echo "SEL cleared at $((SECONDS - t0)) s; stages left: $(sel_stages | tr '\n' ' ')"
check "no nmifence record left in the SEL right after the clear" test -z "$(sel_stages | grep -v '^dump-done$')"

wait "$agent"
rc=$?
echo "--- agent: exit $rc after $((SECONDS - t0)) s"
cat "$RUN/agent.log"
j=$RUN/agent.json

check "exit status 0 (got $rc)" test "$rc" = 0
check "the summary says the SEL was cleared" grep -q 'the SEL was cleared during the wait' "$RUN/agent.log"
check "JSON: sel_cleared" test "$(json "$j" 'j["sel_cleared"]')" = True
check "result: complete" test "$(json "$j" 'j["dump_result"]')" = complete
check "dump-done read after the clear" test "$(json "$j" '"dump-done" in [r["stage"] for r in j["records"]]')" = True
check "host fenced, power on verified" test "$(json "$j" 'j["fenced"] and j["final_power"]')" = on
check "the BMC logged exactly one NMI" test "$(nmi_count)" = 1
check "vmcore is kdump-compressed (KDUMP signature)" \
        test "$(head -c 8 "$NF_LAB_DUMP_DIR/vmcore" 2>/dev/null)" = "KDUMP   "
e2e_wait_qemu_pidfile

e2e_finish
