#!/bin/bash
# faults: an impaired network between agent and BMC (matrix case 1).
#   udp-impair.sh NMIFENCE NMIFENCE_TARGET loss|dup|reorder|dup-reorder
#
# The agent talks to the BMC through tests/faults/udp-impair.py on
# 127.0.0.1, which drops 30 % of the datagrams in each direction (loss),
# duplicates 20 % (dup), or holds 20 % back behind the next one, at most
# 0.2 s (reorder), or both (dup-reorder), with a fixed seed.  The QEMU <-> BMC link is not impaired.  retransmit_timeout
# 0.3 s, session_timeout 10 s (about 30 tries per request).  Asserts:
#   - the whole operation still completes: exit 0, dump complete, host
#     fenced with power on verified;
#   - exactly one NMI in the module's log, although the diag request may
#     have been sent more than once on the wire (a retransmission is the
#     same IPMI request; a lost reply must not turn into a second NMI);
#   - the impairment happened and the retransmissions are visible: the
#     relay logged drops and retransmits (loss), duplicates (dup) or
#     swaps (reorder).  libfreeipmi retransmits inside one request and does
#     not report it, so the relay's log is the record of them.
#
# KNOWN FAILURES (docs/reliability.md, "Fault-injection matrix"), so these
# two modes skip (77) unless NF_FAULTS_KNOWN_BUGS=1:
#   loss: the diag request's reply is lost, libfreeipmi retransmits the
#     request inside the one ipmi_cmd call, and ipmi_sim runs it again:
#     two NMIs (reproduced in every run with seed 6);
#   dup-reorder: a reply held back 0.2 s during session setup makes
#     libfreeipmi's open fail ("internal error: success"), and the agent
#     gives up before the NMI (exit 5).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
MODE=${3:?usage: $0 NMIFENCE NMIFENCE_TARGET loss|dup|reorder|dup-reorder}
if { [ "$MODE" = loss ] || [ "$MODE" = dup-reorder ]; } && [ "${NF_FAULTS_KNOWN_BUGS:-0}" != 1 ]; then
        case $MODE in
        loss) echo "SKIP: known bug: a retransmitted diag request gives a second NMI (NF_FAULTS_KNOWN_BUGS=1 runs it)" ;;
        *) echo "SKIP: known bug: a late reply during session setup fails the open (NF_FAULTS_KNOWN_BUGS=1 runs it)" ;;
        esac
        exit 77
fi
case $MODE in
loss) impair=(--loss 0.3 --seed 6) ;;
dup) impair=(--dup 0.2 --seed 6) ;;
reorder) impair=(--reorder 0.2 --seed 6) ;;
dup-reorder) impair=(--dup 0.2 --reorder 0.2 --seed 6) ;;
*) echo "unknown mode $MODE"; exit 2 ;;
esac
e2e_skip_unless qemu-system-x86_64 ipmi_sim ipmitool makedumpfile python3

e2e_start "udp-$MODE"

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

check "exit status 0 (got $rc)" test "$rc" = 0
check "result: complete" test "$(json "$j" 'j["dump_result"]')" = complete
check "host fenced, power on verified" test "$(json "$j" 'j["fenced"] and j["final_power"]')" = on
check "the BMC logged exactly one NMI" test "$(nmi_count)" = 1
check "vmcore is kdump-compressed (KDUMP signature)" \
        test "$(head -c 8 "$NF_LAB_DUMP_DIR/vmcore" 2>/dev/null)" = "KDUMP   "
check "the agent's traffic went through the relay (> 20 requests)" test "$(relay_count c2b)" -gt 20
if [ "$MODE" = loss ]; then
        check "the relay dropped datagrams" test "$(relay_count dropped)" -gt 0
        check "retransmissions seen by the relay" test "$(relay_count retransmits)" -gt 0
else
        [ "$MODE" = reorder ] || check "the relay duplicated datagrams" test "$(relay_count duplicated)" -gt 0
        [ "$MODE" = dup ] || check "the relay swapped datagrams" test "$(relay_count reordered)" -gt 0
fi
e2e_wait_qemu_pidfile

e2e_finish
