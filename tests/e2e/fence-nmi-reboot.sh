#!/bin/bash
# e2e: fence_nmi, called as Pacemaker calls it (key=value on stdin), fences
# the lab's real kdump target.
#   reboot: exit 0; exactly one NMI, delivered; a valid vmcore; the power-on
#           came after dump-done (agent log and console); host back up;
#   off:    exit 0; a second NMI only; dump complete; the BMC reports off.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
FENCE_NMI=$NMIFENCE
e2e_skip_unless qemu-system-x86_64 ipmi_sim ipmitool makedumpfile

e2e_start fence-nmi-reboot

# fence_nmi ACTION NAME: parameters on stdin as stonithd writes them.
fence_nmi() {
        local action=$1 name=$2
        mkdir -p "$RUN/state-$name"
        e2e_fence_nmi_params "$action" |
                NMIFENCE_STATE_DIR=$RUN/state-$name timeout 900 "${E2E_WRAPPER[@]}" "$FENCE_NMI" >"$RUN/$name.out" 2>"$RUN/$name.log"
        rc=$?
        cat "$RUN/$name.log"
        echo "fence_nmi $action: exit status $rc"
}
power() { $NF_LAB_IPMITOOL chassis power status 2>/dev/null | awk '{print $NF}'; }

boots_before=$(count_lines "$NF_LAB_CONSOLE_LOG" '^NF-LAB: first kernel ready')

fence_nmi reboot reboot
check "reboot: fence_nmi exits 0" test "$rc" = 0
check "reboot: the BMC logged exactly one NMI" test "$(wc -l <"$NF_LAB_NMI_LOG")" = 1
check "reboot: the NMI was delivered to the host" grep -q 'delivered=yes' "$NF_LAB_NMI_LOG"
check "reboot: stderr says the dump is complete and the host fenced" \
        grep -q "dump result: complete.*host fenced (power on verified)" "$RUN/reboot.log"
check "reboot: stdout is fence-agents' result line" test "$(cat "$RUN/reboot.out")" = "Success: Rebooted"

vmcore=$NF_LAB_DUMP_DIR/vmcore
check "vmcore exists" test -f "$vmcore"
check "vmcore is kdump-compressed (KDUMP signature)" test "$(head -c 8 "$vmcore" 2>/dev/null)" = "KDUMP   "
check "vmcore is larger than 1 MiB" test "$(stat -c %s "$vmcore" 2>/dev/null || echo 0)" -gt 1048576
check "makedumpfile reads the dump back (--dump-dmesg)" makedumpfile --dump-dmesg "$vmcore" "$RUN/dump-dmesg.txt"

check "agent log: dump-done record before the power-on" \
        bash -c 'd=$(grep -n "target: dump-done" "$1" | head -1 | cut -d: -f1); p=$(grep -n -- "-> power-on:" "$1" | head -1 | cut -d: -f1); [ -n "$d" ] && [ -n "$p" ] && [ "$d" -lt "$p" ]' _ "$RUN/reboot.log"
check "console: dump written before the next power-on" \
        bash -c 'd=$(grep -a -n "^NF-LAB: dump written" "$1" | head -1 | cut -d: -f1); s=$(grep -a -n "^NF-LAB-HOST: qemu start" "$1" | sed -n 2p | cut -d: -f1); [ -n "$d" ] && [ -n "$s" ] && [ "$d" -lt "$s" ]' _ "$NF_LAB_CONSOLE_LOG"
check "host booted its first kernel again" \
        wait_for_count "$NF_LAB_CONSOLE_LOG" '^NF-LAB: first kernel ready' $((boots_before + 1)) 240
check "host re-armed kdump (second armed record)" wait_armed 2 90

rm -f "$vmcore"
fence_nmi off off
check "off: fence_nmi exits 0" test "$rc" = 0
check "off: one more NMI, two in all" test "$(wc -l <"$NF_LAB_NMI_LOG")" = 2
check "off: stderr says the dump is complete and power off verified" \
        grep -q "dump result: complete.*host fenced (power off verified)" "$RUN/off.log"
check "off: stdout is fence-agents' result line" test "$(cat "$RUN/off.out")" = "Success: Powered OFF"
check "off: a new vmcore was written" test "$(head -c 8 "$vmcore" 2>/dev/null)" = "KDUMP   "
check "off: the BMC reports the host off" test "$(power)" = off
sleep 3
check "off: and it stays off (no power-on by the agent)" test "$(power)" = off
check "off: no further boot" \
        test "$(count_lines "$NF_LAB_CONSOLE_LOG" '^NF-LAB-HOST: qemu start')" = 2

e2e_finish
