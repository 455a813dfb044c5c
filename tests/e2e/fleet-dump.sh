#!/bin/bash
# e2e: one `nmifence dump` of a mixed fleet: the QEMU lab host (a real
# kernel, kdump, nmifence-target) plus three simulated hosts
# (tests/lab/scale-up, the lab module's sim target) in the same run, on
# one engine with --fanout 2.  Asserts:
#   - exit 0, every host "complete", fenced, power on verified;
#   - exactly one NMI per host (each BMC's NMI log), delivered;
#   - per host, the power action at or after its own dump-done (JSON
#     times), and for the simulated hosts a power command after dump-done
#     in their own event log;
#   - the QEMU host wrote a valid kdump-compressed vmcore (> 1 MiB, read
#     back by makedumpfile, the NMI panic in its log), its SEL holds
#     armed, dump-start, dump-done, and it booted its first kernel again.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_skip_unless qemu-system-x86_64 ipmi_sim ipmitool ipmi-chassis makedumpfile python3

e2e_start fleet-dump
SIMS=3
if ! "$LAB_DIR/scale-up" "$RUN/sims" $SIMS --sim boot_time=0.5 --sim panic_delay=2 --sim dump_time=6 \
        --sim progress=2 >"$RUN/scale-up.out" 2>&1; then
        cat "$RUN/scale-up.out"
        echo "FAIL: the simulated hosts did not come up"
        exit 1
fi
# lab-down of the QEMU lab runs on exit (e2e_cleanup); the sims too.
trap '"$LAB_DIR/scale-down" "$RUN/sims" >"$RUN/scale-down.out" 2>&1; e2e_cleanup' EXIT
boots_before=$(count_lines "$NF_LAB_CONSOLE_LOG" '^NF-LAB: first kernel ready')

conf=$RUN/nmifence.conf
{
        echo "defaults = {"
        echo "  cipher_suite = $NF_LAB_CIPHER;"
        echo "  workarounds = \"$NF_LAB_FREEIPMI_WORKAROUNDS\";"
        echo "  session_timeout = 10.0;"
        echo "  power_timeout = 60.0;"
        echo "  nmi_timeout = 180.0;"
        echo "  dump_stall_timeout = 180.0;"
        echo "  poll_interval = 1.0;"
        echo "};"
        echo "hosts = ("
        echo "  { name = \"labhost\"; bmc = \"$NF_LAB_BMC_HOST\"; port = $NF_LAB_BMC_PORT;"
        echo "    user = \"$NF_LAB_USER\"; password_file = \"$RUN/password\"; }"
        while read -r name port _ _; do
                echo " ,{ name = \"$name\"; bmc = \"127.0.0.1\"; port = $port; user = \"operator\";"
                echo "    privilege = \"operator\"; password_file = \"$RUN/sims/password\"; }"
        done <"$RUN/sims/hosts.txt"
        echo ");"
} >"$conf"

timeout 900 "$NMIFENCE" dump -c "$conf" --fanout 2 --json labhost "sim[001-00$SIMS]" \
        >"$RUN/result.json" 2>"$RUN/agent.log"
rc=$?
cat "$RUN/agent.log"
check "nmifence dump of the fleet exits 0" test "$rc" = 0
check "JSON: $((SIMS + 1)) hosts, each complete, fenced, power on" test "$(json "$RUN/result.json" \
        'sum(1 for h in j["hosts"] if h["dump_result"] == "complete" and h["fenced"] and h["final_power"] == "on")')" = $((SIMS + 1))
check "JSON: per host, the power action at or after its dump-done" test "$(json "$RUN/result.json" \
        'all(h["times"]["power_action"] is not None and h["times"]["power_action"] >= h["times"]["dump_done"] for h in j["hosts"])')" = True
check "never more than --fanout 2 requests in flight" \
        grep -qE 'at most [12] requests in flight' "$RUN/agent.log"

# One NMI per host, from each BMC's own log.
check "labhost: exactly one NMI, delivered" test "$(grep -c 'delivered=yes' "$NF_LAB_NMI_LOG")/$(wc -l <"$NF_LAB_NMI_LOG")" = 1/1
while read -r name _ _ dir; do
        check "$name: exactly one NMI, delivered" test "$(grep -c 'delivered=yes' "$dir/nmi.log")/$(wc -l <"$dir/nmi.log")" = 1/1
        check "$name: a power command after its dump-done" test "$(awk '
                / sel dump-done arg=0 / { d = NR }
                / power (on|off) by=command$/ { if (d && NR > d) p = 1 }
                END { print p ? "yes" : "no" }' "$dir/sim.log")" = yes
done <"$RUN/sims/hosts.txt"

# The real dump.
vmcore=$NF_LAB_DUMP_DIR/vmcore
check "labhost: vmcore is kdump-compressed (KDUMP signature)" test "$(head -c 8 "$vmcore" 2>/dev/null)" = "KDUMP   "
check "labhost: vmcore is larger than 1 MiB" test "$(stat -c %s "$vmcore" 2>/dev/null || echo 0)" -gt 1048576
check "labhost: makedumpfile reads the dump back (--dump-dmesg)" \
        makedumpfile --dump-dmesg "$vmcore" "$RUN/dump-dmesg.txt"
check "labhost: the dumped kernel log shows the NMI panic" grep -q 'nmi_panic\|NMI' "$RUN/dump-dmesg.txt"
stages=$(sel_stages | tr '\n' ' ')
echo "labhost SEL stages: $stages"
check "labhost: SEL holds armed, dump-start, dump-done in that order" \
        bash -c '[[ " $1" =~ \ armed\ (.*\ )?dump-start\ (.*\ )?dump-done\  ]]' _ "$stages"
check "labhost: booted its first kernel again" \
        wait_for_count "$NF_LAB_CONSOLE_LOG" '^NF-LAB: first kernel ready' $((boots_before + 1)) 240

[ "$failures" = 0 ] && echo "all checks passed" || echo "$failures check(s) failed; logs in $RUN"
exit $((failures > 0))
