#!/bin/bash
# e2e: real Pacemaker fences the lab's kdump target through fence_nmi.
#
# usage: pacemaker-reboot.sh FENCE_NMI NMIFENCE_TARGET [reboot|timeout-retry]
#
# The lab (ipmi_sim + nf_diag + QEMU kdump guest, tests/lab/lab-up) and a
# one-node corosync + Pacemaker cluster on 127.0.0.1 (tests/lab/cluster-up)
# in one run directory.  FENCE_NMI is installed as /usr/sbin/fence_nmi for
# the run (cluster-install-agent), registered with `stonith_admin
# --register` for the lab host "nf-lab-host" (pcmk_host_list), and the test
# runs `stonith_admin --reboot nf-lab-host`.  Asserts:
#   - stonith_admin exits 0 and Pacemaker's fencing history has a
#     successful reboot of nf-lab-host;
#   - exactly one NMI was requested from the BMC, and it was delivered;
#   - a vmcore was written: KDUMP signature, > 1 MiB;
#   - the power cycle came after dump-done: on the console
#     "NF-LAB: dump written" comes before the second
#     "NF-LAB-HOST: qemu start", and the host booted its first kernel again.
#
# timeout-retry: what a cluster does when pcmk_reboot_timeout is too short
# for the dump.  The guest waits 15 s before makedumpfile (lab-up
# --dump-delay), the device has pcmk_reboot_timeout=12: the first
# `stonith_admin --reboot` fails after 12 s (pacemaker-fenced kills
# fence_nmi while it waits for the dump, and does not retry a timed-out
# agent itself), then a second request, with a long enough timeout, runs a
# new fence_nmi while the first dump is still being written.  Asserts on
# top of the above: the first request failed with a timeout and is in the
# history as failed; the second agent resumed the operation ("no new
# NMI"), so the BMC still logged exactly one NMI.
# NF_E2E_FENCE_AGENT=/usr/sbin/fence_ipmilan runs the same harness with the
# stock agent instead (a plain power cycle: the dump checks then fail, by
# design; for debugging the harness only).
# Exit 77 when not root, a package is missing, or FENCE_NMI is not built.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
FENCE_NMI=$NMIFENCE
NODE=nf-lab-host
SCENARIO=${3:-reboot}
case $SCENARIO in reboot|timeout-retry) ;; *) echo "unknown scenario $SCENARIO" >&2; exit 2 ;; esac

e2e_skip_unless qemu-system-x86_64 ipmi_sim ipmitool makedumpfile corosync pacemakerd stonith_admin crm_mon
if [ "$(id -u)" != 0 ]; then
        echo "SKIP: needs root (corosync, pacemakerd)"
        exit 77
fi
agent_path=${NF_E2E_FENCE_AGENT:-$FENCE_NMI}
if [ ! -x "$agent_path" ]; then
        echo "SKIP: fence_nmi not built yet ($agent_path)"
        exit 77
fi
# shellcheck source=../lab/lib.sh
owner=$(. "$LAB_DIR/lib.sh"; nf_cluster_owner)
if [ -n "$owner" ]; then
        echo "SKIP: another test cluster runs ($owner)"
        exit 77
fi

pm_cleanup() {
        local rc=$?
        if [ -n "$RUN" ] && [ -e "$RUN/cluster.pids" ]; then
                "$LAB_DIR/cluster-down" "$RUN" >"$RUN/cluster-down.out" 2>&1 || cat "$RUN/cluster-down.out"
        fi
        if [ -n "$RUN" ] && [ -e "$RUN/pids" ]; then
                "$LAB_DIR/lab-down" "$RUN" >"$RUN/lab-down.out" 2>&1 || cat "$RUN/lab-down.out"
        fi
        exit "$rc"
}

lab_args=()
[ "$SCENARIO" = timeout-retry ] && lab_args=(--dump-delay 15)
e2e_start "pacemaker-$SCENARIO" "${lab_args[@]}"
trap pm_cleanup EXIT
mkdir -p "$RUN/agent-state"
if ! "$LAB_DIR/cluster-up" "$RUN" --env NMIFENCE_STATE_DIR="$RUN/agent-state" >"$RUN/cluster-up.out" 2>&1; then
        cat "$RUN/cluster-up.out"
        echo "FAIL: the cluster did not come up"
        exit 1
fi
# shellcheck disable=SC1091
. "$RUN/cluster.env"
echo "cluster $NF_CLUSTER_NAME up in $NF_CLUSTER_UP_MS ms; lab first boot $NF_LAB_BOOT_MS ms"

if [ -n "${NF_E2E_FENCE_AGENT:-}" ]; then
        agent=$("$LAB_DIR/cluster-install-agent" "$RUN" "$agent_path" nfe2e) || exit 1
else
        agent=$("$LAB_DIR/cluster-install-agent" "$RUN" "$agent_path" nmi) || exit 1
fi
echo "agent $agent -> $agent_path"

# register PCMK_REBOOT_TIMEOUT: dump timeouts as in the other e2e
# scenarios; pacemaker-fenced kills the agent after pcmk_reboot_timeout.
register() {
        timeout 30 stonith_admin --register nf-nmi --agent "$agent" \
        --option ip="$NF_LAB_BMC_HOST" --option ipport="$NF_LAB_BMC_PORT" \
        --option username="$NF_LAB_USER" --option password="$NF_LAB_PASSWORD" \
        --option lanplus=1 --option cipher="$NF_LAB_CIPHER" \
        --option ipmi_workarounds="$NF_LAB_FREEIPMI_WORKAROUNDS" \
        --option power_timeout=60 --option nmi_timeout=180 \
        --option dump_stall_timeout=180 --option dump_max_time=600 \
        --option pcmk_host_list="$NODE" --option pcmk_reboot_timeout="$1" \
        --option debug_file="$RUN/fence_nmi.debug"
}
# reboot TIMEOUT NAME: stonith_admin --reboot, exit status in $rc.
reboot() {
        local t0=$SECONDS
        timeout $(($1 + 100)) stonith_admin --reboot "$NODE" --timeout "$1" >"$RUN/stonith-$2.out" 2>&1
        rc=$?
        cat "$RUN/stonith-$2.out"
        echo "stonith_admin --reboot ($2): exit status $rc after $((SECONDS - t0)) s"
}

boots_before=$(count_lines "$NF_LAB_CONSOLE_LOG" '^NF-LAB: first kernel ready')
if [ "$SCENARIO" = timeout-retry ]; then
        check "stonith_admin --register $agent, pcmk_reboot_timeout=12" register 12
        reboot 12 first
        check "first request fails: the agent timed out while the dump is delayed" test "$rc" != 0
        check "pacemaker-fenced timed the agent out" \
                grep -aq "Fence agent ${agent}_reboot.* timed out after 12s" "$NF_CLUSTER_PACEMAKER_LOG"
        check "no dump written yet when the first request ended" \
                bash -c '! grep -aq "^NF-LAB: dump written" "$1"' _ "$NF_LAB_CONSOLE_LOG"
        check "one NMI so far" test "$(wc -l <"$NF_LAB_NMI_LOG")" = 1
fi
check "stonith_admin --register $agent for $NODE" register 900
check "the device can fence $NODE" bash -c 'stonith_admin --list "$1" | grep -qx nf-nmi' _ "$NODE"

reboot 900 reboot
check "stonith_admin --reboot $NODE exits 0" test "$rc" = 0

timeout 30 stonith_admin --history "$NODE" --verbose --output-as=xml >"$RUN/history.xml" 2>&1
cat "$RUN/history.xml"
check "Pacemaker's history: reboot of $NODE succeeded" \
        grep -q "<fence_event action=\"reboot\" target=\"$NODE\" .*status=\"success\"" "$RUN/history.xml"
if [ "$SCENARIO" = timeout-retry ]; then
        check "Pacemaker's history: the first, timed-out reboot failed" \
                grep -q "<fence_event action=\"reboot\" target=\"$NODE\" .*status=\"failed\"" "$RUN/history.xml"
        check "the second fence_nmi resumed the operation without a new NMI (its debug_file)" \
                grep -aq "resumed an operation whose NMI was sent .*no new NMI" "$RUN/fence_nmi.debug"
else
        check "Pacemaker's history: no failed attempt" \
                bash -c '! grep -q "status=\"failed\"" "$1"' _ "$RUN/history.xml"
fi
grep -a "$agent\[" "$NF_CLUSTER_PACEMAKER_LOG" | grep -v metadata | tail -n 30 || true

if [ -z "${NF_E2E_FENCE_AGENT:-}" ]; then
        # pacemaker-fenced logs every stderr line of the agent as a warning:
        # a good fence writes none there (fence-agents' convention); its
        # progress and verdict go to debug_file.  The state file shows the
        # run's NMIFENCE_STATE_DIR (cluster-up --env) reached the agent
        # through pacemakerd/fenced.
        check "fence_nmi's debug_file: dump complete, power on verified" \
                grep -aq "dump result: complete.*host fenced (power on verified)" "$RUN/fence_nmi.debug"
        if [ "$SCENARIO" != timeout-retry ]; then
                check "pacemaker-fenced logged no stderr line of fence_nmi (no warning for a good fence)" \
                        bash -c '! grep -aq "$1\[[0-9]*\] stderr:" "$2"' _ "$agent" "$NF_CLUSTER_PACEMAKER_LOG"
        fi
        check "fence_nmi kept its state in the run's NMIFENCE_STATE_DIR" \
                test -s "$RUN/agent-state/${NF_LAB_BMC_HOST}_$NF_LAB_BMC_PORT.state"
fi

# One NMI, and it reached the guest.
check "the BMC logged exactly one NMI" test "$(wc -l <"$NF_LAB_NMI_LOG")" = 1
check "the NMI was delivered to the host" grep -q 'delivered=yes' "$NF_LAB_NMI_LOG"

# The dump.
vmcore=$NF_LAB_DUMP_DIR/vmcore
check "vmcore exists" test -f "$vmcore"
check "vmcore is kdump-compressed (KDUMP signature)" test "$(head -c 8 "$vmcore" 2>/dev/null)" = "KDUMP   "
check "vmcore is larger than 1 MiB" test "$(stat -c %s "$vmcore" 2>/dev/null || echo 0)" -gt 1048576

# The power cycle came after dump-done.
check "console: dump written before the next power-on" \
        bash -c 'd=$(grep -a -n "^NF-LAB: dump written" "$1" | head -1 | cut -d: -f1); s=$(grep -a -n "^NF-LAB-HOST: qemu start" "$1" | sed -n 2p | cut -d: -f1); [ -n "$d" ] && [ -n "$s" ] && [ "$d" -lt "$s" ]' _ "$NF_LAB_CONSOLE_LOG"
check "host booted its first kernel again" \
        wait_for_count "$NF_LAB_CONSOLE_LOG" '^NF-LAB: first kernel ready' $((boots_before + 1)) 240

e2e_finish
