#!/bin/bash
# e2e: `nmifence dump` fences a real kdump target through the simulated BMC.
#
# The lab: ipmi_sim with the project's diag module, and a QEMU guest
# running Debian's kernel that arms kdump and posts "armed".  Asserts:
#   - exactly one NMI was sent (the BMC module's log), and it reached the host;
#   - the capture kernel wrote a valid kdump-compressed file > 1 MiB, whose
#     log shows the NMI panic;
#   - the SEL holds armed, dump-start, dump-done in that order;
#   - the power action came after dump-done;
#   - the capture console shows nmifence-target's own syncfs of the
#     vmcore's file system, timed, between the dump and dump-done (the
#     lab's capture environment does not sync by hand);
#   - the host came back up in its first kernel.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_skip_unless qemu-system-x86_64 ipmi_sim ipmitool makedumpfile python3

e2e_start dump-fence
conf=$(e2e_write_config 'nmi_timeout = 180.0;' 'dump_stall_timeout = 180.0;')

boots_before=$(count_lines "$NF_LAB_CONSOLE_LOG" '^NF-LAB: first kernel ready')

timeout 900 "${E2E_WRAPPER[@]}" "$NMIFENCE" dump -c "$conf" --json labhost >"$RUN/result.json" 2>"$RUN/agent.log"
rc=$?
cat "$RUN/agent.log"
echo "exit status $rc; result: $(cat "$RUN/result.json")"

check "nmifence exits 0 (dump complete, host fenced; valgrind: 99 on an error)" test "$rc" = 0
check "result says the dump is complete" test "$(json "$RUN/result.json" 'j["dump_result"]')" = complete
check "result says fenced, power on verified" \
        test "$(json "$RUN/result.json" 'j["fenced"] and j["final_power"]')" = on

# One NMI, and it reached the guest.
check "the BMC logged exactly one NMI" test "$(wc -l <"$NF_LAB_NMI_LOG")" = 1
check "the NMI was delivered to the host" grep -q 'delivered=yes' "$NF_LAB_NMI_LOG"

# The dump.
vmcore=$NF_LAB_DUMP_DIR/vmcore
check "vmcore exists" test -f "$vmcore"
check "vmcore is kdump-compressed (KDUMP signature)" test "$(head -c 8 "$vmcore" 2>/dev/null)" = "KDUMP   "
check "vmcore is larger than 1 MiB" test "$(stat -c %s "$vmcore" 2>/dev/null || echo 0)" -gt 1048576
check "makedumpfile reads the dump back (--dump-dmesg)" \
        makedumpfile --dump-dmesg "$vmcore" "$RUN/dump-dmesg.txt"
check "the dumped kernel log shows the NMI panic" grep -q 'nmi_panic\|NMI' "$RUN/dump-dmesg.txt"

# The SEL, read independently with ipmitool.
stages=$(sel_stages | tr '\n' ' ')
echo "SEL stages: $stages"
check "SEL holds armed, dump-start, dump-done in that order" \
        bash -c '[[ " $1" =~ \ armed\ (.*\ )?dump-start\ (.*\ )?dump-done\  ]]' _ "$stages"

# Ordering: the power action came after dump-done.
check "agent's power action is at or after dump-done" \
        test "$(json "$RUN/result.json" 'j["times"]["power_action"] is not None and j["times"]["power_action"] >= j["times"]["dump_done"]')" = True
check "agent log: dump-done record before the first power command" \
        bash -c 'd=$(grep -n "target: dump-done" "$1" | head -1 | cut -d: -f1); p=$(grep -n -- "-> power-o[nf]:" "$1" | head -1 | cut -d: -f1); [ -n "$d" ] && [ -n "$p" ] && [ "$d" -lt "$p" ]' _ "$RUN/agent.log"
check "console: dump written before the next power-on" \
        bash -c 'd=$(grep -a -n "^NF-LAB: dump written" "$1" | head -1 | cut -d: -f1); s=$(grep -a -n "^NF-LAB-HOST: qemu start" "$1" | sed -n 2p | cut -d: -f1); [ -n "$d" ] && [ -n "$s" ] && [ "$d" -lt "$s" ]' _ "$NF_LAB_CONSOLE_LOG"
check "console: nmifence-target synced the vmcore's file system after the dump, before dump-done" \
        bash -c 'w=$(grep -a -n "^NF-LAB: dump written" "$1" | head -1 | cut -d: -f1); y=$(grep -a -n -E "nmifence-target: /dump/vmcore: file system synced \(syncfs\) in [0-9]+ ms" "$1" | head -1 | cut -d: -f1); d=$(grep -a -n "nmifence-target: posted dump-done" "$1" | head -1 | cut -d: -f1); [ -n "$w" ] && [ -n "$y" ] && [ -n "$d" ] && [ "$w" -lt "$y" ] && [ "$y" -lt "$d" ]' _ "$NF_LAB_CONSOLE_LOG"

# The host came back in its first kernel.
check "host booted its first kernel again" \
        wait_for_count "$NF_LAB_CONSOLE_LOG" '^NF-LAB: first kernel ready' $((boots_before + 1)) 240
check "host re-armed after the fence (second armed record)" wait_armed 2 60

e2e_finish
