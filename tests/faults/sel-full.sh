#!/bin/bash
# faults: the SEL is full before the NMI (matrix case 6').
#   sel-full.sh NMIFENCE NMIFENCE_TARGET sim|qemu|qemu-kdump
#
# The BMC's SEL is made small (--sel-size 64) and filled by
# tests/lab/sel-fill (OEM filler records, then one more refused with 0xC4,
# which sets the overflow flag), so the target's records are refused.
# nmifence must say so ("SEL full (64 entries, overflow): the target
# cannot post its records; falling back to ...") in its log and --json,
# and not take the missing dump-start for "no panic":
#   sim:        the lab module's simulated target (scale-up, one host, no
#               QEMU): panic 2 s after the NMI, dump 8 s, then it powers
#               itself off.  nmi_timeout 3 s would have cut it; instead
#               the agent waits for the power-off: exit 1, "unconfirmed
#               (SEL full: the host powered itself off after the NMI)",
#               the host's own power-off before any power command from the
#               agent, which then powers it on;
#   qemu:       the same with the QEMU kdump guest and nmifence-target
#               (its posts refused, it dumps anyway, kdump's final action
#               powers off): nmi_timeout 10 s, the capture kernel holds
#               15 s before makedumpfile (lab-up --dump-hold); the vmcore
#               is complete and the agent sent no power-off;
#   qemu-kdump: lab-up --kdump-send: the capture kernel also runs
#               fence_kdump_send, the agent listens (--kdump-listen): the
#               messages are the evidence (nmi_timeout 60 s bounds the wait
#               for the first), "probably complete (inferred: host powered
#               off after fence_kdump messages)", exit 1.
# Every mode: exactly one NMI in the module's log.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
MODE=${3:?usage: $0 NMIFENCE NMIFENCE_TARGET sim|qemu|qemu-kdump}
SEL_SIZE=64
SEL_FULL_NOTE="SEL full ($SEL_SIZE entries, overflow): the target cannot post its records; falling back to"
not() { ! "$@"; }

# sel_full_checks JSON LOG: what every mode asserts about the wording.
sel_full_checks() {
        check "the log says the SEL is full and names the fallback" grep -qF "$SEL_FULL_NOTE" "$2"
        check "JSON: sel_full, $SEL_SIZE entries, overflow" \
                test "$(json "$1" 'j["sel_full"] and j["sel_entries"] == '$SEL_SIZE' and j["sel_overflow"]')" = True
        check "JSON: sel_full_fallback is the same sentence" \
                grep -qF "$SEL_FULL_NOTE" <<<"$(json "$1" 'j["sel_full_fallback"]')"
        check "the summary tells the operator to clear the SEL" grep -q 'clear it (ipmitool sel clear)' "$2"
}

case $MODE in
sim)
        command -v ipmi_sim >/dev/null || { echo "SKIP: ipmi_sim not installed"; exit 77; }
        command -v ipmitool >/dev/null || { echo "SKIP: ipmitool not installed"; exit 77; }
        command -v ipmi-chassis >/dev/null || { echo "SKIP: freeipmi-tools not installed"; exit 77; }
        RUN=$(mktemp -d "${TMPDIR:-/tmp}/nf-selfull.XXXXXX")
        sim_cleanup() {
                local rc=$?
                [ -f "$RUN/lab/pids" ] && "$LAB_DIR/scale-down" "$RUN/lab" >/dev/null 2>&1
                if [ "$rc" = 0 ] && [ "$failures" = 0 ]; then rm -rf "$RUN"; else echo "kept $RUN"; fi
                exit "$rc"
        }
        trap sim_cleanup EXIT
        if ! "$LAB_DIR/scale-up" "$RUN/lab" 1 --sel-size "$SEL_SIZE" --sim boot_time=0.2 --sim panic_delay=2 \
                --sim dump_time=8 --sim wdt_timeout=0 --conf poll_interval=0.5 --conf 'nmi_timeout=3.0' \
                --conf 'dump_stall_timeout=3.0' --conf 'dump_max_time=60.0' >"$RUN/up.out" 2>&1; then
                cat "$RUN/up.out"
                echo "FAIL: scale-up"
                exit 1
        fi
        read -r host port _ dir <"$RUN/lab/hosts.txt"
        NF_LAB_NMI_LOG=$dir/nmi.log
        # shellcheck disable=SC2086
        check "sel-fill: the SEL is full" "$LAB_DIR/sel-fill" ipmitool -I lanplus -C 3 -H 127.0.0.1 -p "$port" \
                -U admin -P nf-admin-pw
        t0=$SECONDS
        NMIFENCE_STATE_DIR=$RUN/agent-state timeout 120 "$NMIFENCE" dump -v -c "$RUN/lab/nmifence.conf" --json \
                "$host" >"$RUN/agent.json" 2>"$RUN/agent.log"
        rc=$?
        echo "--- agent: exit $rc after $((SECONDS - t0)) s"
        cat "$RUN/agent.log"
        echo "--- sim.log"
        cat "$dir/sim.log"
        j=$RUN/agent.json
        sel_full_checks "$j" "$RUN/agent.log"
        check "exactly one NMI" test "$(nmi_count)" = 1
        check "the simulated host's records were refused: SEL full" grep -q 'sel dump-start .* failed: SEL full' "$dir/sim.log"
        check "exit 1 (got $rc)" test "$rc" = 1
        check "result: unconfirmed, the host powered itself off" \
                test "$(json "$j" 'j["dump_result"]')" = "unconfirmed (SEL full: the host powered itself off after the NMI)"
        check "not cut at nmi_timeout: no 'no dump-start within nmi_timeout'" \
                not grep -q 'no dump-start within nmi_timeout' "$RUN/agent.log"
        # The host's own power-off (after its dump) comes before any power
        # command: the agent never cut the dump.
        first_power=$(grep -m1 -E 'power (off|on|cycle|reset) by=(command|host)' "$dir/sim.log" | grep -v 'by=start')
        check "the first power change after start is the host's own power-off ($first_power)" \
                grep -q 'power off by=host' <<<"$first_power"
        check "the agent sent no power off (it found the host off)" not grep -q -- '-> power-off' "$RUN/agent.log"
        check "host fenced, power on verified" test "$(json "$j" 'j["fenced"] and j["final_power"]')" = on
        check "the wait lasted until the power-off (~10.5 s after the NMI), far past nmi_timeout (3 s)" \
                test "$(json "$j" 'j["times"]["dump_done"] - j["times"]["nmi"] > 9.0')" = True
        [ "$failures" = 0 ] || exit 1
        echo "all checks passed"
        exit 0
        ;;
qemu)
        # The capture kernel holds 15 s after (its refused) dump-start, so
        # the dump outlasts nmi_timeout (10 s) by far, whatever the speed of
        # the machine.
        lab_args=(--dump-hold 15)
        kdump_opts=()
        nmi_timeout=10.0
        ;;
qemu-kdump)
        # fence_kdump_send starts in the capture kernel, 10-20 s after the
        # NMI on this machine: nmi_timeout, which still bounds the wait for
        # the first message, is the usual 60 s.
        lab_args=(--kdump-send auto --kdump-interval 1)
        nmi_timeout=60.0
        ;;
*)
        echo "unknown mode $MODE"
        exit 2
        ;;
esac

e2e_skip_unless qemu-system-x86_64 ipmi_sim ipmitool makedumpfile python3
if [ "$MODE" = qemu-kdump ]; then
        [ -x /usr/libexec/fence-agents/fence_kdump_send ] ||
                { echo "SKIP: fence_kdump_send missing (fence-agents)"; exit 77; }
fi
e2e_start "sel-full-$MODE" --sel-size "$SEL_SIZE" "${lab_args[@]}"
# shellcheck disable=SC2086
check "sel-fill: the SEL is full" "$LAB_DIR/sel-fill" $NF_LAB_IPMITOOL
if [ "$MODE" = qemu-kdump ]; then
        kdump_opts=(--kdump-listen "127.0.0.1:$NF_LAB_KDUMP_PORT" --kdump-sources "$NF_LAB_KDUMP_SOURCE")
fi
conf=$(e2e_write_config "nmi_timeout = $nmi_timeout;" 'dump_stall_timeout = 10.0;' 'dump_max_time = 300.0;')
run_agent agent "$conf" "${kdump_opts[@]}"
j=$RUN/agent.json

sel_full_checks "$j" "$RUN/agent.log"
check "exactly one NMI" test "$(nmi_count)" = 1
check "exit 1 (got $rc)" test "$rc" = 1
check "the target dumped anyway: vmcore is kdump-compressed (KDUMP signature)" \
        test "$(head -c 8 "$NF_LAB_DUMP_DIR/vmcore" 2>/dev/null)" = "KDUMP   "
check "the target's posts were refused (0xC4, out of space)" grep -aqi 'out of space' "$NF_LAB_CONSOLE_LOG"
check "host fenced, power on verified" test "$(json "$j" 'j["fenced"] and j["final_power"]')" = on
check "the agent sent no power off: the host powered itself off after its dump" \
        not grep -q -- '-> power-off' "$RUN/agent.log"
check "not cut at nmi_timeout" not grep -q 'no dump-start within nmi_timeout' "$RUN/agent.log"
if [ "$MODE" = qemu ]; then
        check "fallback: power state (no fence_kdump)" grep -qF "$SEL_FULL_NOTE power state evidence (no fence_kdump)" "$RUN/agent.log"
        check "result: unconfirmed, the host powered itself off" \
                test "$(json "$j" 'j["dump_result"]')" = "unconfirmed (SEL full: the host powered itself off after the NMI)"
        check "the wait lasted past the capture kernel's 15 s hold, far past nmi_timeout (10 s)" \
                test "$(json "$j" 'j["times"]["dump_done"] - j["times"]["nmi"] > 15.0')" = True
else
        check "fallback: fence_kdump" grep -qF "$SEL_FULL_NOTE fence_kdump and power state evidence" "$RUN/agent.log"
        check "result: probably complete, from fence_kdump and the power-off" \
                test "$(json "$j" 'j["dump_result"]')" = "probably complete (inferred: host powered off after fence_kdump messages)"
        # fence_kdump_send repeats every few seconds; a dump shorter than
        # that sends one (seen in CI), so one message is the evidence.
        check "dump evidence: fence_kdump, >= 1 message" \
                test "$(json "$j" 'j["dump_evidence"] == "fence_kdump" and j["kdump_messages"] >= 1')" = True
fi
e2e_wait_qemu_pidfile

e2e_finish
