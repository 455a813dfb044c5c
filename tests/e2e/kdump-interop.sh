#!/bin/bash
# e2e: fence_kdump interoperability.  The lab host has no nmifence-target
# (no SEL record is ever written); its capture kernel runs fence-agents'
# real fence_kdump_send, which reaches the host's 127.0.0.1 through QEMU
# user networking (tests/lab: lab-up --no-target-helper --kdump-send).
#   kdump-interop.sh FENCE_NMI NMIFENCE_TARGET NMIFENCE
#
# poweroff/fence_nmi  fence_nmi reboot, kdump_sources=127.0.0.1: the dump is
#     detected from the messages, its end from the power-off that follows
#     makedumpfile (kdump final_action poweroff).  Exit 0 (the host is
#     fenced), stderr: "probably complete (inferred: host powered off ...)",
#     evidence fence_kdump; one NMI; valid vmcore; power-on verified and
#     the host boots again.
# poweroff/nmifence   the same through `nmifence dump --json`: exit 1
#     (docs/protocol.md: an inferred completion is not a confirmed dump),
#     dump_evidence fence_kdump, dump_ended_by the power-off, fenced, on.
# silence/fence_nmi   the lab always powers off right after the dump, so
#     "the messages stop and the host stays on" is made by freezing the VM
#     (QEMU monitor `stop`) while fence_kdump_send runs, before makedumpfile
#     (--dump-delay).  kdump_silence_timeout=5 ends the wait: stderr says
#     "unconfirmed (inferred: fence_kdump messages stopped)" and names the
#     silence; exit 0, the host is fenced (power-on verified, boots again);
#     no vmcore exists: silence is not proof of a dump.
# Every case: exactly one NMI (the BMC module's log), no SEL dump record.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
FENCE_NMI=$NMIFENCE
NMIFENCE_DUMP=${3:?usage: $0 FENCE_NMI NMIFENCE_TARGET NMIFENCE}
SENDER=/usr/libexec/fence-agents/fence_kdump_send
e2e_skip_unless qemu-system-x86_64 ipmi_sim ipmitool makedumpfile python3
[ -x "$SENDER" ] || { echo "SKIP: $SENDER missing (fence-agents)"; exit 77; }
grep -q -- '--kdump-send' "$LAB_DIR/lab-up" ||
        { echo "SKIP: this lab-up has no --kdump-send (fence_kdump interoperability mode)"; exit 77; }

# --dump-delay 5: fence_kdump_send runs ~5 s before makedumpfile starts,
# time for several messages (interval 1 s) and for the freeze below.
e2e_start kdump-interop --no-target-helper --kdump-send auto --kdump-interval 1 --dump-delay 5
check "lab: fence_kdump port and source in the env" \
        test -n "$NF_LAB_KDUMP_PORT" -a "$NF_LAB_KDUMP_SOURCE" = 127.0.0.1
check "lab: the host has no nmifence-target" \
        grep -aq 'NF-LAB: first kernel ready.*notify_armed=missing' "$NF_LAB_CONSOLE_LOG"

power() { $NF_LAB_IPMITOOL chassis power status 2>/dev/null | awk '{print $NF}'; }
nmis() { wc -l <"$NF_LAB_NMI_LOG"; }
boots() { count_lines "$NF_LAB_CONSOLE_LOG" 'NF-LAB: first kernel ready'; }
sent() { count_lines "$NF_LAB_CONSOLE_LOG" "message sent to node '10.0.2.2'"; }
no_sel_dump_records() { ! sel_stages | grep -qE '^(dump-start|progress|dump-done|dump-failed)$'; }
qemu_monitor() {
        python3 - "$NF_LAB_QEMU_MONITOR" "$1" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
time.sleep(0.2)
s.recv(4096)                      # banner and prompt
s.sendall((sys.argv[2] + "\n").encode())
time.sleep(0.5)
s.close()
PY
}
kdump_params=("kdump_sources=$NF_LAB_KDUMP_SOURCE" "kdump_listen=$NF_LAB_KDUMP_PORT")

# --- poweroff/fence_nmi ------------------------------------------------------
# Separate state directories: each case is a new fence, not the kept result
# of the previous one.
nmi0=$(nmis) boots0=$(boots)
e2e_fence_nmi_params reboot "${kdump_params[@]}" kdump_silence_timeout=30 >"$RUN/a.params"
NMIFENCE_STATE_DIR=$RUN/state-a timeout 600 "$FENCE_NMI" <"$RUN/a.params" >"$RUN/a.out" 2>"$RUN/a.log"
rc=$?
echo "--- poweroff/fence_nmi (exit $rc)"
cat "$RUN/a.log"
check "poweroff/fence_nmi: exit 0, the host is fenced (got $rc)" test "$rc" = 0
check "poweroff/fence_nmi: exactly one NMI" test "$(nmis)" = $((nmi0 + 1))
check "poweroff/fence_nmi: listened for fence_kdump on the lab's port" \
        grep -q "listening for fence_kdump on \* port $NF_LAB_KDUMP_PORT from 127.0.0.1" "$RUN/a.log"
check "poweroff/fence_nmi: the first fence_kdump message was the panic" \
        grep -q 'wait-panic -> wait-dump: fence_kdump message' "$RUN/a.log"
check "poweroff/fence_nmi: evidence fence_kdump, >= 2 messages accepted, none ignored" \
        grep -qE 'dump evidence: fence_kdump; ([2-9]|[1-9][0-9]+) fence_kdump messages accepted, 0 ignored' "$RUN/a.log"
check "poweroff/fence_nmi: the power-off ended the wait" \
        grep -q 'dump result: probably complete (inferred: host powered off after fence_kdump messages)' "$RUN/a.log"
check "poweroff/fence_nmi: host IS fenced, power on verified" grep -q 'host IS fenced (power on verified)' "$RUN/a.log"
check "poweroff/fence_nmi: vmcore written by the capture kernel (KDUMP signature)" \
        test "$(head -c 8 "$NF_LAB_DUMP_DIR/vmcore" 2>/dev/null)" = "KDUMP   "
check "poweroff/fence_nmi: the host boots its first kernel again" \
        wait_for_count "$NF_LAB_CONSOLE_LOG" 'NF-LAB: first kernel ready' $((boots0 + 1)) 240
check "poweroff/fence_nmi: no SEL dump record (no nmifence-target)" no_sel_dump_records

# --- poweroff/nmifence -------------------------------------------------------
nmi0=$(nmis) boots0=$(boots)
conf=$(e2e_write_config 'nmi_timeout = 180.0;' 'dump_stall_timeout = 180.0;')
NMIFENCE_STATE_DIR=$RUN/state-b timeout 600 "$NMIFENCE_DUMP" dump -c "$conf" --json \
        --kdump-listen "127.0.0.1:$NF_LAB_KDUMP_PORT" --kdump-sources "$NF_LAB_KDUMP_SOURCE" \
        --kdump-silence-timeout 30 labhost >"$RUN/b.json" 2>"$RUN/b.log"
rc=$?
echo "--- poweroff/nmifence (exit $rc)"
cat "$RUN/b.log"
echo "result: $(cat "$RUN/b.json")"
check "poweroff/nmifence: exit 1, inferred completion (got $rc)" test "$rc" = 1
check "poweroff/nmifence: exactly one NMI" test "$(nmis)" = $((nmi0 + 1))
check "poweroff/nmifence: dump_result probably complete (power-off)" \
        test "$(json "$RUN/b.json" 'j["dump_result"]')" = "probably complete (inferred: host powered off after fence_kdump messages)"
check "poweroff/nmifence: dump_evidence fence_kdump, >= 2 messages, none ignored" \
        test "$(json "$RUN/b.json" 'j["dump_evidence"] == "fence_kdump" and j["kdump_messages"] >= 2 and j["kdump_ignored"] == 0')" = True
check "poweroff/nmifence: dump_ended_by names the power-off" \
        grep -q 'host powered off after fence_kdump messages' <<<"$(json "$RUN/b.json" 'j["dump_ended_by"]')"
check "poweroff/nmifence: summary line 'wait ended by:'" grep -q 'wait ended by:' "$RUN/b.log"
check "poweroff/nmifence: fenced, power on verified" \
        test "$(json "$RUN/b.json" 'j["fenced"] and j["final_power"]')" = on
check "poweroff/nmifence: JSON exit_code 1" test "$(json "$RUN/b.json" 'j["exit_code"]')" = 1
check "poweroff/nmifence: vmcore written (KDUMP signature)" \
        test "$(head -c 8 "$NF_LAB_DUMP_DIR/vmcore" 2>/dev/null)" = "KDUMP   "
check "poweroff/nmifence: the host boots its first kernel again" \
        wait_for_count "$NF_LAB_CONSOLE_LOG" 'NF-LAB: first kernel ready' $((boots0 + 1)) 240
check "poweroff/nmifence: no SEL dump record" no_sel_dump_records

# --- silence/fence_nmi -------------------------------------------------------
nmi0=$(nmis) boots0=$(boots) sent0=$(sent)
dstart0=$(count_lines "$NF_LAB_CONSOLE_LOG" 'NF-LAB: dump start at')
e2e_fence_nmi_params reboot "${kdump_params[@]}" kdump_silence_timeout=5 >"$RUN/c.params"
NMIFENCE_STATE_DIR=$RUN/state-c timeout 600 "$FENCE_NMI" <"$RUN/c.params" >"$RUN/c.out" 2>"$RUN/c.log" &
pid_c=$!
# Freeze the capture kernel after two messages, inside the dump delay.
frozen=no
if wait_for_count "$NF_LAB_CONSOLE_LOG" "message sent to node '10.0.2.2'" $((sent0 + 2)) 120; then
        qemu_monitor stop
        sleep 1
        echo "froze the VM after $(( $(sent) - sent0 )) messages"
        # A frozen guest prints nothing more: makedumpfile must not have begun.
        [ "$(count_lines "$NF_LAB_CONSOLE_LOG" 'NF-LAB: dump start at')" = "$dstart0" ] && frozen=yes
fi
check "silence: the VM was frozen while fence_kdump_send ran, before makedumpfile" test "$frozen" = yes
wait "$pid_c"
rc=$?
echo "--- silence/fence_nmi (exit $rc)"
cat "$RUN/c.log"
check "silence/fence_nmi: exit 0, the host is fenced (got $rc)" test "$rc" = 0
check "silence/fence_nmi: exactly one NMI" test "$(nmis)" = $((nmi0 + 1))
check "silence/fence_nmi: the silence ended the wait" \
        grep -q 'dump result: unconfirmed (inferred: fence_kdump messages stopped)' "$RUN/c.log"
check "silence/fence_nmi: says what ended it (kdump_silence_timeout) and the evidence" \
        grep -qE 'dump evidence: fence_kdump; [0-9]+ fence_kdump messages? accepted, 0 ignored; wait ended by: no fence_kdump message for kdump_silence_timeout' "$RUN/c.log"
check "silence/fence_nmi: host IS fenced, power on verified" grep -q 'host IS fenced (power on verified)' "$RUN/c.log"
check "silence/fence_nmi: no vmcore (the dump never ran)" test ! -e "$NF_LAB_DUMP_DIR/vmcore"
check "silence/fence_nmi: the host boots its first kernel again" \
        wait_for_count "$NF_LAB_CONSOLE_LOG" 'NF-LAB: first kernel ready' $((boots0 + 1)) 240
check "silence/fence_nmi: the BMC reports on" test "$(power)" = on
check "no SEL dump record in the whole run" no_sel_dump_records

e2e_finish
