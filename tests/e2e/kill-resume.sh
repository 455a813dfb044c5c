#!/bin/bash
# e2e: the agent killed with SIGKILL after the NMI, before dump-done; the
# next one resumes the operation without a second NMI.
#   kill-resume.sh AGENT NMIFENCE_TARGET [nmifence|fence_nmi]
# AGENT is nmifence (`nmifence dump`, the default mode) or fence_nmi
# (action=reboot as key=value on stdin, as Pacemaker calls it).
#
# Asserts:
#   - the persisted state says the NMI was sent and the operation is not
#     finished when the first agent dies;
#   - the restarted agent exits 0 with the dump complete, says it resumed,
#     and never sent the diagnostic interrupt;
#   - the BMC module logged exactly one NMI;
#   - the vmcore was written.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
MODE=${3:-nmifence}
e2e_skip_unless qemu-system-x86_64 ipmi_sim ipmitool makedumpfile python3

e2e_start "kill-resume-$MODE"
e2e_agent_setup "$MODE"
export NMIFENCE_STATE_DIR=$RUN/state

# Not under timeout(1): SIGKILL must reach the agent itself, and it is
# killed within 60 s below anyway.
"${AGENT_CMD[@]}" <"$AGENT_IN" >"$RUN/first.out" 2>"$RUN/first.log" &
pid_first=$!

# Kill it as soon as the BMC saw the NMI and the agent persisted it as
# sent, and the agent waits for the panic: the dump takes ~8 s from there.
nmi_persisted() {
        [ "$(wc -l <"$NF_LAB_NMI_LOG" 2>/dev/null || echo 0)" -ge 1 ] &&
                grep -qx 'nmi_sent=1' "$RUN"/state/*.state 2>/dev/null &&
                grep -q -- '-> wait-panic' "$RUN/first.log"
}
end=$((SECONDS + 60))
while [ "$SECONDS" -lt "$end" ] && ! nmi_persisted; do
        sleep 0.1
done
check "the agent sent the NMI and persisted it within 60 s" nmi_persisted
kill -KILL "$pid_first" 2>/dev/null
wait "$pid_first" 2>/dev/null
check "the first agent died of SIGKILL" bash -c '! kill -0 "$1" 2>/dev/null' _ "$pid_first"
echo "--- first agent (killed)"
cat "$RUN/first.log"
state=$(ls "$RUN"/state/*.state 2>/dev/null | head -1)
echo "--- persisted state $state"
cat "$state" 2>/dev/null

check "the first agent saw no dump-done before it died" bash -c '! grep -q "target: dump-done" "$1"' _ "$RUN/first.log"
check "persisted state: NMI sent" grep -qx 'nmi_sent=1' "$state"
check "persisted state: not finished" grep -qx 'finished=0' "$state"

timeout 900 "${AGENT_CMD[@]}" <"$AGENT_IN" >"$RUN/second.out" 2>"$RUN/second.log"
rc=$?
echo "--- restarted agent"
cat "$RUN/second.log"
echo "exit status $rc; stdout: $(cat "$RUN/second.out")"

check "the BMC logged exactly one NMI" test "$(wc -l <"$NF_LAB_NMI_LOG")" = 1
check "restarted agent exits 0 (got $rc)" test "$rc" = 0
if [ "$MODE" = fence_nmi ]; then
        check "restarted agent: dump complete, host fenced (power on verified)" \
                grep -q "dump result: complete .*host fenced (power on verified)" "$RUN/second.log"
else
        check "restarted agent: dump complete" test "$(json "$RUN/second.out" 'j["dump_result"]')" = complete
        check "restarted agent: fenced, power on verified" \
                test "$(json "$RUN/second.out" 'j["fenced"] and j["final_power"]')" = on
        check "restarted agent says it resumed" test "$(json "$RUN/second.out" 'j["resumed"]')" = True
fi
check "restarted agent log: resumed, no new NMI" grep -q 'resumed an operation whose NMI was sent .*no new NMI' "$RUN/second.log"
check "restarted agent never sent the diagnostic interrupt" \
        bash -c '! grep -q "sending the diagnostic interrupt" "$1"' _ "$RUN/second.log"
check "vmcore is kdump-compressed (KDUMP signature)" \
        test "$(head -c 8 "$NF_LAB_DUMP_DIR/vmcore" 2>/dev/null)" = "KDUMP   "
check "persisted state: finished" grep -qx 'finished=1' "$state"

e2e_finish
