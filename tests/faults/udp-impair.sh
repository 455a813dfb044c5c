#!/bin/bash
# faults: an impaired network between agent and BMC (matrix case 1).
#   udp-impair.sh NMIFENCE NMIFENCE_TARGET loss|dup|reorder|dup-reorder|diag-reply-lost
#
# The agent talks to the BMC through tests/faults/udp-impair.py on
# 127.0.0.1, which drops 30 % of the datagrams in each direction (loss),
# duplicates 20 % (dup), or holds 20 % back behind the next one, at most
# 0.2 s (reorder), or both (dup-reorder), with a fixed seed; or drops
# exactly one datagram, the diag request's reply (diag-reply-lost).  The
# QEMU <-> BMC link is not impaired.  retransmit_timeout 0.3 s,
# session_timeout 10 s (about 30 tries per request).  Asserts:
#   - never more than one NMI in the module's log: the diag request is
#     never retransmitted (the RMCP+ engine sends it once, ipmi/rmcpp-sm.h),
#     so a lost reply cannot turn into a second NMI;
#   - the outcome matches the NMI count: one NMI -> exit 0, dump complete,
#     host fenced with power on verified; none (loss only: the request or
#     its session did not get through) -> exit 2, "no panic seen" or "NMI
#     not sent", host power-cycled by the default no_panic_policy;
#     dup, reorder, dup-reorder and diag-reply-lost must give one NMI;
#   - the impairment happened and the retransmissions are visible: the
#     relay logged drops and retransmits (loss), duplicates (dup) or
#     swaps (reorder), and the agent's -v log and --json report the
#     retransmissions the engine counted (loss);
#   - diag-reply-lost: the relay dropped exactly that reply, the agent
#     says "NMI sent, reply lost: delivery unconfirmed" and waits for the
#     panic, and the engine counted no retransmission of the diag request
#     (the agent's -v line for that action).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
MODE=${3:?usage: $0 NMIFENCE NMIFENCE_TARGET loss|dup|reorder|dup-reorder|diag-reply-lost}
case $MODE in
loss) impair=(--loss 0.3 --seed 6) ;;
dup) impair=(--dup 0.2 --seed 6) ;;
reorder) impair=(--reorder 0.2 --seed 6) ;;
dup-reorder) impair=(--dup 0.2 --reorder 0.2 --seed 6) ;;
diag-reply-lost) impair=(--drop-reply-after-grow "__NMI_LOG__" --b2c-delay 0.05) ;;
*) echo "unknown mode $MODE"; exit 2 ;;
esac
e2e_skip_unless qemu-system-x86_64 ipmi_sim ipmitool makedumpfile python3

e2e_start "udp-$MODE"

[ "$MODE" = diag-reply-lost ] && impair[1]=$NF_LAB_NMI_LOG
python3 "$(dirname "$0")/udp-impair.py" --upstream "$NF_LAB_BMC_PORT" --port-file "$RUN/relay.port" \
        --log "$RUN/relay.log" "${impair[@]}" &
relay=$!
relay_cleanup() {
        local rc=$?
        kill "$relay" 2>/dev/null
        wait "$relay" 2>/dev/null
        (exit "$rc")
        e2e_cleanup
}
trap relay_cleanup EXIT
for _ in $(seq 50); do [ -s "$RUN/relay.port" ] && break; sleep 0.1; done
relay_port=$(cat "$RUN/relay.port")
echo "relay on 127.0.0.1:$relay_port -> BMC $NF_LAB_BMC_PORT (${impair[*]})"

conf=$(NF_LAB_BMC_PORT=$relay_port e2e_write_config 'nmi_timeout = 90.0;' 'dump_stall_timeout = 90.0;' \
        'dump_max_time = 300.0;' 'retransmit_timeout = 0.3;')
grep -q "port = $relay_port;" "$conf" || { echo "FAIL: the config does not point at the relay"; exit 1; }

run_agent agent "$conf"
j=$RUN/agent.json
kill "$relay"
wait "$relay"
echo "--- relay: $(tail -1 "$RUN/relay.log")"
relay_count() { tail -1 "$RUN/relay.log" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

nmis=$(nmi_count)
check "never more than one NMI (the BMC logged $nmis)" test "$nmis" -le 1
if [ "$MODE" = loss ] && [ "$nmis" = 0 ]; then
        # Nothing reached the host: the no-panic path, documented exit 2.
        check "no NMI: exit 2 (got $rc)" test "$rc" = 2
        check "no NMI: result no panic seen / NMI not sent" \
                grep -Eq 'dump result: +(no panic seen|NMI not sent)' "$RUN/agent.log"
        check "no NMI: host fenced (no_panic_policy cycle)" test "$(json "$j" 'j["fenced"]')" = True
else
        check "exactly one NMI" test "$nmis" = 1
        check "exit status 0 (got $rc)" test "$rc" = 0
        check "result: complete" test "$(json "$j" 'j["dump_result"]')" = complete
        check "host fenced, power on verified" test "$(json "$j" 'j["fenced"] and j["final_power"]')" = on
        check "vmcore is kdump-compressed (KDUMP signature)" \
                test "$(head -c 8 "$NF_LAB_DUMP_DIR/vmcore" 2>/dev/null)" = "KDUMP   "
fi
check "the agent's traffic went through the relay (> 20 requests)" test "$(relay_count c2b)" -gt 20
case $MODE in
loss)
        check "the relay dropped datagrams" test "$(relay_count dropped)" -gt 0
        check "retransmissions seen by the relay" test "$(relay_count retransmits)" -gt 0
        check "retransmissions named in the agent's debug log (-v)" \
                grep -q ': request retransmitted [0-9]* time' "$RUN/agent.log"
        check "JSON: retransmits (counted) > 0" test "$(json "$j" 'j["retransmits"]')" -gt 0
        ;;
diag-reply-lost)
        check "the relay dropped exactly one datagram, after the NMI" test "$(relay_count dropped)" = 1
        check "the relay dropped the diag's reply" grep -q 'dropped: first reply after the NMI log grew' "$RUN/relay.log"
        check "the agent: NMI sent, reply lost: delivery unconfirmed" \
                grep -q 'send-nmi -> wait-panic: NMI sent, reply lost: delivery unconfirmed' "$RUN/agent.log"
        check "summary: NMI sent once, delivery unconfirmed" \
                grep -q 'NMI sent: *yes, once; reply lost: delivery unconfirmed' "$RUN/agent.log"
        check "JSON: nmi unconfirmed" test "$(json "$j" 'j["nmi"]')" = unconfirmed
        check "the agent's -v log covers the diag action" \
                grep -q 'pulse diagnostic interrupt: sent at most once' "$RUN/agent.log"
        check "the engine counted no retransmission of the diag request" \
                bash -c '! grep -q "pulse diagnostic interrupt: request retransmitted" "$1"' _ "$RUN/agent.log"
        ;;
*)
        echo "--- engine: $(json "$j" 'j["replies_dropped_stale"]') late or duplicated replies dropped," \
                "$(json "$j" 'j["setup_restarts"]') set-ups begun again after a lost RAKP 4;" \
                "duplicated Chassis Control datagrams discarded by the BMC: $(grep -c 'duplicate datagram' "$NF_LAB_SIM_LOG")"
        [ "$MODE" = reorder ] || check "the relay duplicated datagrams" test "$(relay_count duplicated)" -gt 0
        [ "$MODE" = dup ] || check "the relay swapped datagrams" test "$(relay_count reordered)" -gt 0
        ;;
esac
e2e_wait_qemu_pidfile

e2e_finish
