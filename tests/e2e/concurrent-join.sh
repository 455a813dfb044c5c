#!/bin/bash
# e2e: two `nmifence dump` for one host, started 1 s apart, send ONE NMI.
#
# The second finds the target locked, joins the first's operation and
# reports its result.  A third one, right after both finished (Pacemaker's
# retry after a success), gets the kept result and sends no NMI either.
# Asserts:
#   - the BMC module logged exactly one NMI;
#   - both exit 0 and report the same dump result and times; the second
#     says it joined and sent nothing;
#   - the third exits 0 with the kept result, still one NMI.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_skip_unless qemu-system-x86_64 ipmi_sim ipmitool makedumpfile python3

e2e_start concurrent-join
conf=$(e2e_write_config 'nmi_timeout = 180.0;' 'dump_stall_timeout = 180.0;')
export NMIFENCE_STATE_DIR=$RUN/state

timeout 900 "$NMIFENCE" dump -c "$conf" --json labhost >"$RUN/first.json" 2>"$RUN/first.log" &
pid_first=$!
sleep 1
timeout 900 "$NMIFENCE" dump -c "$conf" --json labhost >"$RUN/second.json" 2>"$RUN/second.log" &
pid_second=$!
wait "$pid_first"
rc_first=$?
wait "$pid_second"
rc_second=$?
for a in first second; do
        echo "--- $a agent"
        cat "$RUN/$a.log"
        echo "result: $(cat "$RUN/$a.json")"
done

check "the BMC logged exactly one NMI" test "$(wc -l <"$NF_LAB_NMI_LOG")" = 1
check "first agent exits 0 (got $rc_first)" test "$rc_first" = 0
check "second agent exits 0 (got $rc_second)" test "$rc_second" = 0
check "first agent: dump complete" test "$(json "$RUN/first.json" 'j["dump_result"]')" = complete
check "second agent: the same dump result" \
        test "$(json "$RUN/second.json" 'j["dump_result"]')" = "$(json "$RUN/first.json" 'j["dump_result"]')"
check "second agent: the same dump-done time" \
        test "$(json "$RUN/second.json" 'j["times"]["dump_done"]')" = "$(json "$RUN/first.json" 'j["times"]["dump_done"]')"
check "second agent: fenced, power on verified" \
        test "$(json "$RUN/second.json" 'j["fenced"] and j["final_power"]')" = on
check "first agent ran the operation" test "$(json "$RUN/first.json" 'j["joined"]')" = False
check "second agent joined it" test "$(json "$RUN/second.json" 'j["joined"]')" = True
check "second agent log: joining, no NMI from here" grep -q 'joining it: no NMI from here' "$RUN/second.log"
check "second agent never sent the diagnostic interrupt" \
        bash -c '! grep -q "sending the diagnostic interrupt" "$1"' _ "$RUN/second.log"

# Pacemaker's retry right after the success: the kept result, no NMI.
timeout 300 "$NMIFENCE" dump -c "$conf" --json labhost >"$RUN/third.json" 2>"$RUN/third.log"
rc_third=$?
echo "--- third agent"
cat "$RUN/third.log"
check "third agent (right after) exits 0 (got $rc_third)" test "$rc_third" = 0
check "third agent reports the kept result" grep -q 'reporting its result, no new NMI' "$RUN/third.log"
check "third agent: dump complete" test "$(json "$RUN/third.json" 'j["dump_result"]')" = complete
check "still exactly one NMI" test "$(wc -l <"$NF_LAB_NMI_LOG")" = 1

e2e_finish
