#!/bin/bash
# e2e: lab proof of the NMI / panic / crash_kexec behaviour the target's
# kernel must have (issue 5, item 4), on the lab's Debian 6.1 kernel, which
# has all of the 2015 series that kernel-patches/ carries for v4.4.
#
#   nmi-scenario.sh NMIFENCE NMIFENCE_TARGET MODE
#
# broadcast: first kernel with apic_extnmi=all and 4 vCPUs, one diag NMI.
#   QEMU's NMI reaches every vCPU, and with LINT1 unmasked everywhere every
#   CPU takes it: the crashed kernel logged the unknown NMI on two or more
#   CPUs (with the default apic_extnmi=bsp only CPU 0 can).  In the capture
#   kernel nmifence-target read /proc/vmcore's
#   NT_PRSTATUS notes: 4, all with non-zero registers, and the agent
#   reports "registers saved: 4/4 CPUs" (summary and --json).  One NMI.
# repeated: the lab default capture command line (apic_extnmi=none), and the
#   agent's test-only --test-extra-nmi=panic,dump: a 2nd NMI right after the
#   first (before any dump record: the first kernel is panicking) and a 3rd
#   once dump-start came (the capture kernel is dumping; --dump-hold keeps
#   it in the dump for 10 s).  The dump completes: exit 0, dump-done,
#   a valid vmcore, 3 NMIs delivered, no panic in the capture kernel.
# repeated-negative: the same NMIs, but the capture kernel is loaded without
#   apic_extnmi=none and with sysctl.kernel.unknown_nmi_panic=1.  The 3rd
#   NMI kills the capture: it panics (console), no dump-done, no vmcore,
#   and the agent reports the dump incomplete (exit 1) and still fences the
#   host.  This is why conf/ and the lab load the capture kernel with
#   apic_extnmi=none.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
MODE=${3:?usage: $0 NMIFENCE NMIFENCE_TARGET broadcast|repeated|repeated-negative}
e2e_skip_unless qemu-system-x86_64 ipmi_sim ipmitool makedumpfile python3

case $MODE in
broadcast)
        e2e_start "nmi-$MODE" --smp 4 --append apic_extnmi=all ;;
repeated)
        e2e_start "nmi-$MODE" --dump-hold 10 ;;
repeated-negative)
        e2e_start "nmi-$MODE" --dump-hold 10 --capture-no-extnmi-none \
                --capture-append sysctl.kernel.unknown_nmi_panic=1 ;;
*)
        echo "unknown mode '$MODE'"
        exit 2 ;;
esac

conf=$(e2e_write_config 'nmi_timeout = 180.0;' 'dump_stall_timeout = 120.0;')
boots_before=$(count_lines "$NF_LAB_CONSOLE_LOG" '^NF-LAB: first kernel ready')
agent=("$NMIFENCE" dump -c "$conf" --json labhost)
[ "$MODE" = broadcast ] || agent+=(--test-extra-nmi=panic,dump)

t0=$SECONDS
NMIFENCE_TEST_HOOKS=$([ "$MODE" = broadcast ] || echo extra-nmi) \
        timeout 900 "${agent[@]}" >"$RUN/result.json" 2>"$RUN/agent.log"
rc=$?
cat "$RUN/agent.log"
echo "exit status $rc after $((SECONDS - t0)) s; result: $(cat "$RUN/result.json")"
j() { json "$RUN/result.json" "$1" 2>/dev/null; }

# The console of the crashed boot and its capture kernel: from the first
# "capture kernel" line to the next power-on.
capture_console() {
        awk '/^NF-LAB: capture kernel [0-9]/ { on = 1 } on && /^NF-LAB-HOST: qemu start/ { exit } on' \
                "$NF_LAB_CONSOLE_LOG" | tr -d '\r'
}
capture_console >"$RUN/capture-console.txt"
# The capture kernel's own messages: without the copy of the crashed
# kernel's log that guest/init prints after the dump ("NF-LAB: crashed
# kernel: ..."), which has the first kernel's NMI panic in it.
grep -av '^NF-LAB: crashed kernel:' "$RUN/capture-console.txt" >"$RUN/capture-own.txt"
capture_cmdline=$(sed -n 's/^NF-LAB: capture kernel cmdline: //p' "$RUN/capture-console.txt" | head -1)
echo "capture kernel command line: $capture_cmdline"
stages=$(sel_stages | tr '\n' ' ')
echo "SEL stages: $stages"
nmis=$(wc -l <"$NF_LAB_NMI_LOG")
echo "BMC NMI log:"
cat "$NF_LAB_NMI_LOG"

# agent_line PATTERN: line number of the first agent log line matching it
agent_line() {
        grep -n -- "$1" "$RUN/agent.log" | head -1 | cut -d: -f1
}
# before A B: both present and A's line comes first
before() {
        [ -n "$1" ] && [ -n "$2" ] && [ "$1" -lt "$2" ]
}

case $MODE in
broadcast)
        check "nmifence exits 0 (dump complete, host fenced)" test "$rc" = 0
        check "the BMC logged exactly one NMI, delivered" \
                bash -c '[ "$(wc -l <"$1")" = 1 ] && grep -q delivered=yes "$1"' _ "$NF_LAB_NMI_LOG"
        check "first kernel ran with apic_extnmi=all" \
                grep -aq '^\[ *[0-9.]*\] Kernel command line:.* apic_extnmi=all' "$NF_LAB_CONSOLE_LOG"
        check "first kernel brought up 4 CPUs" \
                grep -aq 'smpboot: Total of 4 processors activated' "$NF_LAB_CONSOLE_LOG"
        # The broadcast reached every CPU: each one logged the unknown NMI.
        # (With the default apic_extnmi=bsp only CPU 0 takes it.)
        # The crashed kernel's log, from the vmcore (the agent power-cycles
        # on dump-done, before the capture kernel could copy it).
        check "makedumpfile reads the crashed kernel's log from the vmcore" \
                makedumpfile --dump-dmesg "$NF_LAB_DUMP_DIR/vmcore" "$RUN/dump-dmesg.txt"
        # An AP logs the unknown NMI only if its LINT1 took the BMC's NMI:
        # with apic_extnmi=bsp only CPU 0 can.  Not every CPU need log it:
        # a vCPU that has not taken the external NMI yet when the panicking
        # CPU's crash-stop NMI IPI arrives takes the two as one (NMIs do not
        # queue), which then only saves its registers.
        cpus_nmi=$(grep -o 'NMI received for unknown reason [0-9a-f]* on CPU [0-9]*' "$RUN/dump-dmesg.txt" 2>/dev/null |
                awk '{print $NF}' | sort -u | tr '\n' ' ')
        echo "CPUs that took the broadcast NMI in the crashed kernel: $cpus_nmi"
        check "the broadcast reached the APs: 2 or more distinct CPUs logged the unknown NMI" \
                bash -c 'set -- $1; [ $# -ge 2 ]' _ "$cpus_nmi"
        check "the crashed kernel panicked on the NMI" grep -q 'Kernel panic - not syncing: NMI' "$RUN/dump-dmesg.txt"
        check "nmifence-target counted 4 of 4 CPUs in /proc/vmcore" \
                grep -q 'registers saved for 4 of 4 CPUs' "$RUN/capture-console.txt"
        check "SEL: dump-start, cpus, dump-done in that order" \
                bash -c '[[ " $1" =~ \ dump-start\ cpus\ (.*\ )?dump-done\  ]]' _ "$stages"
        check "summary: registers saved: 4/4 CPUs" grep -q 'registers saved: *4/4 CPUs' "$RUN/agent.log"
        check "--json: registers_saved 4, cpus_in_dump 4" \
                test "$(j '(j["registers_saved"], j["cpus_in_dump"])')" = "(4, 4)"
        check "result says the dump is complete" test "$(j 'j["dump_result"]')" = complete
        ;;
repeated | repeated-negative)
        check "the BMC logged three NMIs (the fence's + 2 test extras), all delivered" \
                bash -c '[ "$(wc -l <"$1")" = 3 ] && [ "$(grep -c delivered=yes "$1")" = 3 ]' _ "$NF_LAB_NMI_LOG"
        check "--json counts 2 test extra NMIs" test "$(j 'j["test_extra_nmis"]')" = 2
        check "summary says the extras were test-only" grep -q 'NMI sent: *yes, once by the fence + 2 extra (TEST ONLY' "$RUN/agent.log"
        first=$(agent_line 'sending the diagnostic interrupt (NMI), once')
        second=$(agent_line 'extra diagnostic interrupt #2 while the first kernel is panicking')
        start=$(agent_line 'target: dump-start')
        third=$(agent_line 'extra diagnostic interrupt #3 while the capture kernel is dumping')
        done_=$(agent_line 'target: dump-done')
        echo "agent log lines: NMI $first, 2nd $second, dump-start $start, 3rd $third, dump-done ${done_:-none}"
        check "2nd NMI: after the fence's NMI, before any dump record" \
                bash -c 'b() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" -lt "$2" ]; }; b "$1" "$2" && b "$2" "$3"' _ "$first" "$second" "$start"
        check "2nd NMI accepted by the BMC" \
                bash -c 'sed -n "$(($1 + 1))p" "$2" | grep -q "extra diag request accepted"' _ "${second:-0}" "$RUN/agent.log"
        check "3rd NMI: after dump-start" before "$start" "$third"
        check "3rd NMI accepted by the BMC" \
                bash -c 'sed -n "$(($1 + 1))p" "$2" | grep -q "extra diag request accepted"' _ "${third:-0}" "$RUN/agent.log"
        ;;
esac

case $MODE in
repeated)
        check "capture kernel ran with apic_extnmi=none" bash -c '[[ " $1 " == *" apic_extnmi=none "* ]]' _ "$capture_cmdline"
        check "3rd NMI before dump-done (the capture kernel was still dumping)" before "$third" "$done_"
        check "nmifence exits 0 (dump complete, host fenced)" test "$rc" = 0
        check "result says the dump is complete" test "$(j 'j["dump_result"]')" = complete
        check "SEL holds dump-start then dump-done" bash -c '[[ " $1" =~ \ dump-start\ (.*\ )?dump-done\  ]]' _ "$stages"
        check "console: the capture kernel held the dump open (dump hold)" grep -q '^NF-LAB: dump hold 10s' "$RUN/capture-console.txt"
        check "console: dump written" grep -q '^NF-LAB: dump written' "$RUN/capture-console.txt"
        check "console: the capture kernel neither took nor panicked on an NMI" \
                bash -c '! grep -qE "NMI received|Kernel panic" "$1"' _ "$RUN/capture-own.txt"
        vmcore=$NF_LAB_DUMP_DIR/vmcore
        check "vmcore is kdump-compressed (KDUMP signature)" test "$(head -c 8 "$vmcore" 2>/dev/null)" = "KDUMP   "
        check "makedumpfile reads the dump back (--dump-dmesg)" \
                makedumpfile --dump-dmesg "$vmcore" "$RUN/dump-dmesg.txt"
        check "the dumped kernel log shows the NMI panic" grep -q 'Kernel panic - not syncing: NMI' "$RUN/dump-dmesg.txt"
        ;;
repeated-negative)
        check "capture kernel ran WITHOUT apic_extnmi=none" bash -c '[[ " $1 " != *" apic_extnmi="* ]]' _ "$capture_cmdline"
        check "capture kernel ran with sysctl.kernel.unknown_nmi_panic=1" \
                bash -c '[[ " $1 " == *" sysctl.kernel.unknown_nmi_panic=1 "* ]]' _ "$capture_cmdline"
        check "no dump-done record" test -z "$done_"
        check "SEL: dump-start, and no dump-done" \
                bash -c '[[ " $1 " == *" dump-start "* && " $1 " != *" dump-done "* ]]' _ "$stages"
        check "console: the capture kernel took the NMI (unknown reason)" \
                grep -qE 'NMI received for unknown reason [0-9a-f]+ on CPU' "$RUN/capture-own.txt"
        check "console: ... and panicked on it" \
                grep -qE 'Kernel panic - not syncing: NMI' "$RUN/capture-own.txt"
        check "console: the dump was never written" bash -c '! grep -q "^NF-LAB: dump written" "$1"' _ "$RUN/capture-console.txt"
        check "no vmcore" test ! -s "$NF_LAB_DUMP_DIR/vmcore"
        check "nmifence exits 1 (dump incomplete, host fenced)" test "$rc" = 1
        result=$(j 'j["dump_result"]')
        echo "dump result: $result; ended by: $(j 'j["dump_ended_by"]')"
        check "the agent reports the dump incomplete (powered off without dump-done, or stalled)" \
                bash -c '[[ $1 == "incomplete (host powered off without dump-done)" || $1 == "incomplete (stalled)" ]]' _ "$result"
        ;;
esac

check "host fenced: power on verified" test "$(j 'j["fenced"] and j["final_power"]')" = on
check "host booted its first kernel again" \
        wait_for_count "$NF_LAB_CONSOLE_LOG" '^NF-LAB: first kernel ready' $((boots_before + 1)) 240
e2e_finish
