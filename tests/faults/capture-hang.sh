#!/bin/bash
# faults: the capture kernel hangs after dump-start (matrix case 3).
#   capture-hang.sh NMIFENCE NMIFENCE_TARGET
#
# lab-up --dump-hold 120: the capture kernel posts dump-start (and cpus),
# then sleeps inside its save step, so no further SEL record comes.  With
# dump_stall_timeout 10 s the agent must
#   - report "incomplete (stalled)" and exit 1 (fenced, dump not confirmed);
#   - power-cycle the host anyway and verify it is on again;
#   - never send a second NMI: the BMC module logged exactly one;
#   - end within the stall bound (stall timeout + power cycle, < 120 s,
#     i.e. well before the hold would have ended).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_skip_unless qemu-system-x86_64 ipmi_sim ipmitool python3

e2e_start capture-hang --dump-hold 120
conf=$(e2e_write_config 'nmi_timeout = 60.0;' 'dump_stall_timeout = 10.0;' 'dump_max_time = 300.0;')
boots=$(count_lines "$NF_LAB_CONSOLE_LOG" '^NF-LAB: first kernel ready')

run_agent hang "$conf"
j=$RUN/hang.json

check "exit status 1 (fenced, dump incomplete) (got $rc)" test "$rc" = 1
check "result: incomplete (stalled)" test "$(json "$j" 'j["dump_result"]')" = "incomplete (stalled)"
check "the summary names the stall" grep -q 'no dump record for dump_stall_timeout' "$RUN/hang.log"
check "the capture kernel did post dump-start" \
        test "$(json "$j" '"dump-start" in [r["stage"] for r in j["records"]]')" = True
check "the guest really was held after dump-start" grep -a -q '^NF-LAB: dump hold' "$NF_LAB_CONSOLE_LOG"
check "no dump was written (the hold outlasts the test)" test ! -e "$NF_LAB_DUMP_DIR/vmcore"
check "host fenced, power on verified" test "$(json "$j" 'j["fenced"] and j["final_power"]')" = on
check "the power action came >= 10 s after the panic" \
        test "$(json "$j" 'j["times"]["power_action"] - j["times"]["panic"] >= 10.0')" = True
check "ended within 120 s (got ${elapsed} s)" test "$elapsed" -lt 120
check "the BMC logged exactly one NMI" test "$(nmi_count)" = 1
check "the host booted its first kernel again" \
        wait_for_count "$NF_LAB_CONSOLE_LOG" '^NF-LAB: first kernel ready' $((boots + 1)) 120
e2e_wait_qemu_pidfile

e2e_finish
