#!/bin/bash
# e2e: two agents fencing one host, started 1 s apart, send ONE NMI.
#   concurrent-join.sh AGENT NMIFENCE_TARGET [nmifence|fence_nmi]
# AGENT is nmifence (`nmifence dump`, the default mode) or fence_nmi
# (action=reboot as key=value on stdin, as Pacemaker calls it).
#
# The second finds the target locked, joins the first's operation and
# reports its result after its own login.  A third one, right after both
# finished, with a wrong password, fails on its own and sends nothing.
# Asserts:
#   - the BMC module logged exactly one NMI;
#   - both exit 0 and report the same dump result and times; the second
#     says it joined and sent nothing;
#   - the third fails (nmifence 3, fence_nmi 1) with its own login failure,
#     never the earlier success; still one NMI.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
MODE=${3:-nmifence}
e2e_skip_unless qemu-system-x86_64 ipmi_sim ipmitool makedumpfile python3

e2e_start "concurrent-join-$MODE"
e2e_agent_setup "$MODE"
export NMIFENCE_STATE_DIR=$RUN/state

timeout 900 "${AGENT_CMD[@]}" <"$AGENT_IN" >"$RUN/first.out" 2>"$RUN/first.log" &
pid_first=$!
sleep 1
timeout 900 "${AGENT_CMD[@]}" <"$AGENT_IN" >"$RUN/second.out" 2>"$RUN/second.log" &
pid_second=$!
wait "$pid_first"
rc_first=$?
wait "$pid_second"
rc_second=$?
for a in first second; do
        echo "--- $a agent"
        cat "$RUN/$a.log"
        echo "stdout: $(cat "$RUN/$a.out")"
done

check "the BMC logged exactly one NMI" test "$(wc -l <"$NF_LAB_NMI_LOG")" = 1
check "the NMI was delivered to the host" grep -q 'delivered=yes' "$NF_LAB_NMI_LOG"
check "first agent exits 0 (got $rc_first)" test "$rc_first" = 0
check "second agent exits 0 (got $rc_second)" test "$rc_second" = 0
check "second agent log: joining, no NMI from here" grep -q 'joining it: no NMI from here' "$RUN/second.log"
check "first agent sent the diagnostic interrupt" grep -q "sending the diagnostic interrupt" "$RUN/first.log"
check "second agent never sent the diagnostic interrupt" \
        bash -c '! grep -q "sending the diagnostic interrupt" "$1"' _ "$RUN/second.log"

# "dump result: complete (dump-start 8.1 s, done 9.2 s after the NMI); host
# fenced (power on verified)": the joiner reports the owner's times.
fence_nmi_result() { grep -o 'dump result: .*' "$1" | head -1; }
if [ "$MODE" = fence_nmi ]; then
        check "first agent: dump complete, host fenced (power on verified)" \
                grep -q "dump result: complete .*host fenced (power on verified)" "$RUN/first.log"
        check "second agent: the same result line (dump result, times, power)" \
                test "$(fence_nmi_result "$RUN/second.log")" = "$(fence_nmi_result "$RUN/first.log")"
        check "second agent says it joined and reports the result" \
                grep -q 'joined it and report its result' "$RUN/second.log"
        check "first agent did not join" bash -c '! grep -q "joined it" "$1"' _ "$RUN/first.log"
else
        check "first agent: dump complete" test "$(json "$RUN/first.out" 'j["dump_result"]')" = complete
        check "second agent: the same dump result" \
                test "$(json "$RUN/second.out" 'j["dump_result"]')" = "$(json "$RUN/first.out" 'j["dump_result"]')"
        check "second agent: the same dump-done time" \
                test "$(json "$RUN/second.out" 'j["times"]["dump_done"]')" = "$(json "$RUN/first.out" 'j["times"]["dump_done"]')"
        check "second agent: fenced, power on verified" \
                test "$(json "$RUN/second.out" 'j["fenced"] and j["final_power"]')" = on
        check "first agent ran the operation" test "$(json "$RUN/first.out" 'j["joined"]')" = False
        check "second agent joined it" test "$(json "$RUN/second.out" 'j["joined"]')" = True
fi
check "vmcore is kdump-compressed (KDUMP signature)" \
        test "$(head -c 8 "$NF_LAB_DUMP_DIR/vmcore" 2>/dev/null)" = "KDUMP   "

# A third request right after, with a wrong password: a finished reboot is
# kept for nobody (docs/design.md, "Kept results"), so it is a new fence,
# which fails at its own login and sends nothing.  The kept "off" and the
# checks before a kept success are in tests/integration/kept-result.
if [ "$MODE" = fence_nmi ]; then
        sed 's/^password=.*/password=not-the-password/' "$AGENT_IN" >"$RUN/wrong.params"
        timeout 300 "${AGENT_CMD[@]}" <"$RUN/wrong.params" >"$RUN/third.out" 2>"$RUN/third.log"
else
        (umask 077 && echo not-the-password >"$RUN/wrong-password")
        conf=${AGENT_CMD[3]}
        sed "s|$RUN/password\"|$RUN/wrong-password\"|" "$conf" >"$RUN/wrong.conf"
        timeout 300 "$NMIFENCE" dump -c "$RUN/wrong.conf" --json labhost >"$RUN/third.out" 2>"$RUN/third.log"
fi
rc_third=$?
echo "--- third agent (wrong password)"
cat "$RUN/third.log"
check "third agent (right after, wrong password) fails (got $rc_third)" test "$rc_third" = "$([ "$MODE" = fence_nmi ] && echo 1 || echo 3)"
check "third agent: not the earlier result (a finished reboot is kept for nobody), its own login failure" \
        bash -c 'grep -q "a finished power cycle is not kept" "$1" && grep -q "authentication failed" "$1" && ! grep -q "reporting its result" "$1"' _ "$RUN/third.log"
check "still exactly one NMI" test "$(wc -l <"$NF_LAB_NMI_LOG")" = 1

e2e_finish
