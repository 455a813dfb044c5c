#!/bin/bash
# e2e: a real three-node Pacemaker cluster fences its hung node by itself.
#
# usage: cluster-fence.sh FENCE_NMI NMIFENCE_TARGET [power|capture [NMIFENCED]]
#
# tests/lab/mcluster-up: nf-node1 and nf-node2 (corosync 3 + Pacemaker in
# network/mount/UTS namespaces) and nf-guest, the Debian guest
# (build-debian-guest --cluster: corosync, pacemaker, kdump-tools and the
# project's hooks) under QEMU on a tap of the lab bridge, behind the lab
# BMC (ipmi_sim + nf_diag on the bridge address).  Configured with crmsh
# as docs/pacemaker.md shows: fence_nmi level 1, fence_ipmilan level 2,
# both kept off the guest, an ocf:pacemaker:Dummy that prefers the guest,
# stonith-enabled=true.  Then the guest hangs for real (SCHED_FIFO
# spinners; NMIs still reach it) and nothing else is done: Pacemaker loses
# the node and fences it with fence_nmi on its own.  Asserts:
#   - Pacemaker's fencing history: one reboot of nf-guest, success,
#     requested by pacemaker-controld (the cluster, not stonith_admin),
#     run by a survivor; pacemaker.log: the scheduler decided to fence,
#     the fencer used fence-guest-nmi and it returned 0;
#   - crm_mon: the guest went offline, Dummy ran on a survivor, the guest
#     came back online;
#   - the BMC logged exactly one NMI, delivered;
#   - the console: hang, dump-done, then the power cycle (a new QEMU),
#     then the guest's second boot; fence_nmi's debug_file: dump complete,
#     power on verified;
#   - the vmcore: the rebooted guest lists /var/crash/<stamp>/dump.<stamp>,
#     and read back from the disk image it is a valid dump with the NMI
#     panic in its log;
#   - power (release "power"): the fence was reported, and Dummy started
#     on a survivor, only after dump-done;
#     capture (release "capture"; nmifenced on both survivors, started
#     with tests/lab/mcluster-nmifenced, the guest's BMC in its
#     configuration with policy alert, so it never fences the guest on
#     its own): the fence was reported and Dummy ran on a survivor BEFORE
#     dump-done; fence_nmi's debug_file: released to nmifenced at the
#     capture kernel's first record, no power action of its own; the
#     nmifenced of the node that ran the device adopted the operation
#     from fence_nmi, resumed it without an NMI and ended it with the
#     power cycle after dump-done (its log: dump complete, power on
#     verified, exit 0), the other one took nothing on, and the power
#     cycle came after dump-done;
#   - every process, namespace, bridge, veth and tap is gone afterwards.
# Prints the timeline (monotonic, s after the hang): hang, node lost,
# fence reported, resource on a survivor, (capture: adopted by nmifenced,
# from its log, polled), dump-done, (capture: nmifenced's fence ended,
# polled), power cycle, node back online.
#
# The scenarios differ only in fence_nmi's parameters (SCENARIO_PARAMS)
# and in what runs beside the agent (scenario_setup), and in the order
# asserted at the end.
#
# Hard limit: NF_CLUSTER_FENCE_TIMEOUT s (default 2400) for the whole
# scenario from the cluster's start (the image build before it has its
# own limits); cleanup runs on every exit.  Exit 77 when not root, a package
# is missing, the Debian image cannot be built here, or the scenario needs
# what this build lacks.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
# shellcheck source=../lab/lib.sh
. "$LAB_DIR/lib.sh"
FENCE_NMI=$NMIFENCE
SCENARIO=${3:-power}
HARD_TIMEOUT=${NF_CLUSTER_FENCE_TIMEOUT:-2400}
t_start_ms=$(nf_now_ms)

e2e_skip_unless qemu-system-x86_64 ipmi_sim ipmitool makedumpfile debugfs e2fsck corosync \
        pacemakerd stonith_admin crm_mon crm unshare nsenter ip
if [ "$(id -u)" != 0 ]; then
        echo "SKIP: needs root (namespaces, corosync, pacemakerd)"
        exit 77
fi
if [ ! -x "$FENCE_NMI" ]; then
        echo "SKIP: fence_nmi not built yet ($FENCE_NMI)"
        exit 77
fi

# What the scenario changes.  capture: the release point after the
# capture kernel's first record; the rest of the operation is handed to
# nmifenced, which must run where fence_nmi runs (both survivors).
case $SCENARIO in
power) SCENARIO_PARAMS=() ;;
capture)
        SCENARIO_PARAMS=(release=capture)
        NMIFENCED=${4:-$(dirname "$FENCE_NMI")/nmifenced}
        # The guest's name in nmifenced's configuration (e2e_write_config).
        GUEST_HOST=labhost
        if ! "$FENCE_NMI" -o metadata 2>/dev/null | grep -q 'parameter name="release"'; then
                echo "SKIP: this fence_nmi has no release parameter"
                exit 77
        fi
        if [ ! -x "$NMIFENCED" ] || ! grep -aq adopt "$NMIFENCED"; then
                echo "SKIP: no nmifenced with adopt ($NMIFENCED)"
                exit 77
        fi
        ;;
*) echo "unknown scenario $SCENARIO (power or capture)" >&2; exit 2 ;;
esac
# scenario_setup: run once the cluster is up, before the fence devices
# are configured.
scenario_setup() {
        case $SCENARIO in
        power) ;;
        capture)
                # nmifenced on nf-node1 and nf-node2 (either may run the
                # device): its control socket in that node's /run, where
                # its fence_nmi looks (daemon_socket's default); its state
                # directory the node's NMIFENCE_STATE_DIR, the agent's, so
                # the adopted operation's state file is there.  The guest's
                # BMC with policy alert: the daemon takes on what fence_nmi
                # hands over, and never fences the guest by itself.
                # Recorded in mcluster.pids: mcluster-down (cf_cleanup)
                # stops both by PID.
                local conf n
                conf=$(e2e_write_config 'policy = "alert";' 'dump_stall_timeout = 180.0;' 'dump_max_time = 600.0;')
                cat >>"$conf" <<EOC
daemon = { poll_interval = 2; grace = 3600; bmc_lost_after = 3600; };
EOC
                for n in "$NF_MC_NODE1" "$NF_MC_NODE2"; do
                        "$LAB_DIR/mcluster-nmifenced" "$RUN" "$n" "$NMIFENCED" "$conf" "$RUN/agent-state-$n" \
                                --timeout 60 >/dev/null || { echo "FAIL: nmifenced did not start in $n"; exit 1; }
                done
                echo "nmifenced runs on $NF_MC_NODE1 and $NF_MC_NODE2 ($conf)"
                ;;
        esac
}

e2e_debian_image --cluster
echo "guest image: $NF_DEB_IMAGE (kernel $NF_DEB_KVER), ready after $(( ($(nf_now_ms) - t_start_ms) / 1000 )) s"

# Another test cluster (cluster-up or mcluster-up) holds the machine-wide
# lock: it is another test's for a few minutes; wait for it (after the
# image build, which may take minutes itself).
for _ in $(seq 1 120); do
        [ -z "$(nf_cluster_owner)" ] && break
        sleep 5
done
owner=$(nf_cluster_owner)
if [ -n "$owner" ]; then
        echo "SKIP: another test cluster runs ($owner) for more than 10 minutes"
        exit 77
fi

mkdir -p "$NF_E2E_RUNS"
RUN=$(mktemp -d "$NF_E2E_RUNS/cluster-fence-$SCENARIO.XXXXXX")
echo "run directory: $RUN"
links_before=$(ip -o link | awk -F': ' '{print $2}' | sort | tr '\n' ' ')
watchdog_pid='' bg_pid=''
# stop_watchdog: the timer subshell and its sleep, by PID.
stop_watchdog() {
        [ -n "$watchdog_pid" ] || return 0
        kill $(pgrep -P "$watchdog_pid") "$watchdog_pid" 2>/dev/null
        watchdog_pid=
}
# run_bg CMD...: run CMD as a child and wait for it; unlike a foreground
# command, `wait` lets the hard timeout's TERM in at once, and the
# cleanup stops the child by PID.
run_bg() {
        "$@" &
        bg_pid=$!
        wait "$bg_pid"
        local rc=$?
        bg_pid=
        return $rc
}
cf_cleanup() {
        local rc=$?
        stop_watchdog
        [ -z "$bg_pid" ] || kill "$bg_pid" 2>/dev/null
        if [ -e "$RUN/mcluster.pids" ] || [ -e "$RUN/pids" ]; then
                "$LAB_DIR/mcluster-down" "$RUN" >"$RUN/mcluster-down.out" 2>&1 || cat "$RUN/mcluster-down.out"
        fi
        exit "$rc"
}
trap cf_cleanup EXIT
# fd 3: the test's own stdout, also while a redirected command runs.
exec 3>&1
trap 'echo "FAIL: hard timeout (${HARD_TIMEOUT} s) or SIGTERM" >&3; exit 124' TERM
trap 'exit 130' INT
# The hard limit: a TERM to this script; the EXIT trap tears down.
( sleep "$HARD_TIMEOUT"; kill -TERM $$ ) </dev/null >/dev/null 2>&1 &
watchdog_pid=$!

if ! run_bg "$LAB_DIR/mcluster-up" "$RUN" --env "NMIFENCE_STATE_DIR=$RUN/agent-state-%n" >"$RUN/mcluster-up.out" 2>&1; then
        cat "$RUN/mcluster-up.out"
        echo "FAIL: the namespace nodes did not come up"
        exit 1
fi
# shellcheck disable=SC1091
. "$RUN/mcluster.env"
mkdir -p "$RUN/agent-state-$NF_MC_NODE1" "$RUN/agent-state-$NF_MC_NODE2"
echo "cluster $NF_MC_NAME: $NF_MC_NODE1 and $NF_MC_NODE2 up in $NF_MC_UP_MS ms"
ns_of() { readlink "/proc/$1/ns/net"; }
netns_made="$(ns_of "$NF_MC_LAB_PID") $(ns_of "$NF_MC_NODE1_PID") $(ns_of "$NF_MC_NODE2_PID")"
n1() { "$LAB_DIR/mcluster-exec" "$RUN" "$NF_MC_NODE1" "$@"; }
GUEST=$NF_MC_GUEST

# The guest: QEMU and the BMC in the lab namespace, the run's own disk.
cp --sparse=always "$NF_DEB_IMAGE" "$RUN/disk.img"
if ! run_bg "$LAB_DIR/mcluster-exec" "$RUN" lab "$LAB_DIR/lab-up" "$RUN" \
        --kernel "$NF_DEB_KERNEL" --initrd "$NF_DEB_INITRD" --disk "$RUN/disk.img" \
        --append "root=/dev/vda rw" --ready 'NF-DEB: ready' --timeout 600 --smp 1 \
        --lan-addr "$NF_MC_BMC_ADDR" --tap "$NF_MC_TAP" --mac "$NF_MC_GUEST_MAC" >"$RUN/lab-up.out" 2>&1; then
        cat "$RUN/lab-up.out"
        echo "FAIL: the Debian guest did not come up"
        exit 1
fi
# shellcheck disable=SC1091
. "$RUN/env"
con=$NF_LAB_CONSOLE_LOG
echo "guest first boot to 'NF-DEB: ready': $((NF_LAB_BOOT_MS / 1000)) s"
grep -a 'NF-DEB: cluster' "$con" | tr -d '\r'

# crm_mon's view, one line per fact: "node NAME online|offline|unclean"
# and "rsc ID NODE" for each node a resource runs on.
cluster_view() {
        timeout 20 "$LAB_DIR/mcluster-exec" "$RUN" "$1" crm_mon -1 --output-as=xml 2>/dev/null | awk '
                /<node name=/ && /online=/ {
                        match($0, /name="[^"]*"/); n = substr($0, RSTART + 6, RLENGTH - 7)
                        s = "offline"
                        if ($0 ~ /online="true"/) s = "online"
                        if ($0 ~ /unclean="true"/) s = "unclean"
                        print "node", n, s
                }
                /<resource id=/ { match($0, /id="[^"]*"/); r = substr($0, RSTART + 4, RLENGTH - 5)
                        if ($0 ~ /\/>$/) r = "" }
                /<\/resource>/ { r = "" }
                r != "" && /<node name=/ && !/online=/ {
                        match($0, /name="[^"]*"/); print "rsc", r, substr($0, RSTART + 6, RLENGTH - 7)
                }'
}
# wait_view NODE PATTERN TIMEOUT_S: cluster_view of NODE has a line
# matching PATTERN (grep -E).
wait_view() {
        local end=$((SECONDS + $3))
        while [ "$SECONDS" -lt "$end" ]; do
                cluster_view "$1" | grep -qE "$2" && return 0
                sleep 1
        done
        return 1
}
check "the guest joined the cluster (crm_mon on $NF_MC_NODE1: $GUEST online)" \
        wait_view "$NF_MC_NODE1" "^node $GUEST online$" 300

# The BMC password: the fence devices' and nmifenced's.
printf '%s\n' "$NF_LAB_PASSWORD" >"$RUN/password"
chmod 600 "$RUN/password"
scenario_setup

# Configured as an admin does (docs/pacemaker.md, crmsh), in one commit:
# the location constraints must be there before the devices can start.
agent=$(n1 "$LAB_DIR/cluster-install-agent" "$RUN" "$FENCE_NMI" nmi) || exit 1
bmc="ip=$NF_LAB_BMC_HOST ipport=$NF_LAB_BMC_PORT username=$NF_LAB_USER password_script=\"cat $RUN/password\" lanplus=1 cipher=$NF_LAB_CIPHER"
cat >"$RUN/cluster.crm" <<EOF
configure
primitive fence-guest-nmi stonith:$agent \\
    params $bmc ipmi_workarounds=$NF_LAB_FREEIPMI_WORKAROUNDS \\
        nmi_timeout=120 dump_stall_timeout=180 dump_max_time=600 power_timeout=60 \\
        pcmk_host_list=$GUEST pcmk_reboot_timeout=960s pcmk_off_timeout=960s \\
        debug_file=$RUN/fence_nmi.debug ${SCENARIO_PARAMS[*]} \\
    op monitor interval=60s timeout=60s
primitive fence-guest-ipmi stonith:fence_ipmilan \\
    params $bmc method=onoff pcmk_host_list=$GUEST \\
    op monitor interval=60s timeout=60s
location l-fence-guest-nmi fence-guest-nmi -inf: $GUEST
location l-fence-guest-ipmi fence-guest-ipmi -inf: $GUEST
fencing_topology $GUEST: fence-guest-nmi fence-guest-ipmi
primitive dummy ocf:pacemaker:Dummy op monitor interval=10s
location l-dummy-guest dummy 100: $GUEST
property stonith-enabled=true stonith-timeout=1100s
commit
EOF
# HOME: crmsh keeps its cache and history there, not in root's.
crm_configure() {
        n1 env HOME="$NF_MC_DIR/$NF_MC_NODE1" crm -f "$RUN/cluster.crm" >"$RUN/crm.out" 2>&1 ||
                { cat "$RUN/crm.out"; return 1; }
}
check "crmsh configures the devices, the topology, Dummy and stonith-enabled=true" crm_configure
check "stonith-enabled is true" \
        test "$(n1 crm_attribute --type crm_config --name stonith-enabled --query --quiet 2>/dev/null)" = true
check "Dummy runs on the guest" wait_view "$NF_MC_NODE1" "^rsc dummy $GUEST$" 120
check "fence-guest-nmi runs on a survivor" wait_view "$NF_MC_NODE1" "^rsc fence-guest-nmi nf-node[12]$" 120
n1 crm_mon -1 | sed -n '/Node List/,$p'
no_failed_actions() { ! n1 crm_mon -1 | grep -q "Failed Resource Actions"; }
check "no failed actions before the hang" no_failed_actions
check "no NMI before the hang" test "$( (wc -l <"$NF_LAB_NMI_LOG") 2>/dev/null || echo 0)" = 0
boots_before=$(count_lines "$con" 'NF-DEB: ready')

# The hang.  From here on nothing is done to the cluster; the loop only
# watches and notes when each step is first seen (monotonic ms).
t_hang=$(nf_now_ms)
touch "$NF_LAB_DUMP_DIR/hang"
t_lost='' t_fenced='' t_survivor='' t_dumpdone='' t_back='' survivor='' t_adopt='' t_dended=''
# nmifenced's logs (capture): they have no time stamps; noted when seen.
dlogs=("$RUN"/nmifenced-nf-node[12].log)
end=$((SECONDS + 1500))
while [ "$SECONDS" -lt "$end" ]; do
        now=$(nf_now_ms)
        # One of the survivors always answers; nf-node2 when nf-node1 is busy.
        view=$(cluster_view "$NF_MC_NODE1")
        [ -n "$view" ] || view=$(cluster_view "$NF_MC_NODE2")
        if [ -z "$t_lost" ] && echo "$view" | grep -qE "^node $GUEST (offline|unclean)$"; then
                t_lost=$now
        fi
        if [ -z "$t_survivor" ] && echo "$view" | grep -qE '^rsc dummy nf-node[12]$'; then
                t_survivor=$now
                survivor=$(echo "$view" | awk '$1 == "rsc" && $2 == "dummy" {print $3; exit}')
        fi
        if [ -z "$t_fenced" ] && timeout 10 "$LAB_DIR/mcluster-exec" "$RUN" "$NF_MC_NODE1" \
                stonith_admin --history "$GUEST" --output-as=xml 2>/dev/null | grep -q 'status="success"'; then
                t_fenced=$now
        fi
        if [ -z "$t_dumpdone" ] && grep -aq 'nmifence-target: posted dump-done' "$con"; then
                t_dumpdone=$now
        fi
        if [ "$SCENARIO" = capture ]; then
                if [ -z "$t_adopt" ] && grep -aqs "$GUEST_HOST: fence .*resumed an operation whose NMI was sent" "${dlogs[@]}"; then
                        t_adopt=$now
                fi
                if [ -z "$t_dended" ] && grep -aqs "$GUEST_HOST: fence ended: " "${dlogs[@]}"; then
                        t_dended=$now
                fi
        fi
        if [ -n "$t_fenced" ] && [ -z "$t_back" ] && echo "$view" | grep -qE "^node $GUEST online$"; then
                t_back=$now
                break
        fi
        sleep 0.5
done
echo "cluster after the fence:"
n1 crm_mon -1 | sed -n '/Node List/,$p'

# Times the lab itself stamped: the NMI (nf_diag's log) and the power-on
# of the second QEMU (lab-up's start-vm), both /proc/uptime's clock.
t_nmi=$(awk 'NR == 1 {printf "%d", $1 * 1000}' "$NF_LAB_NMI_LOG" 2>/dev/null)
t_cycle=$(grep -a '^NF-LAB-HOST: qemu start ' "$con" | sed -n 2p | awk '{printf "%d", $4 * 1000}')
rel() { [ -n "$1" ] && awk -v t="$1" -v h="$t_hang" 'BEGIN {printf "%7.1f", (t - h) / 1000}' || echo "      -"; }
echo "timeline ($SCENARIO; s after the hang, CLOCK_MONOTONIC; polled every ~1 s unless noted):"
echo "  hang                        $(rel "$t_hang")"
echo "  node lost (crm_mon)         $(rel "$t_lost")"
echo "  NMI (BMC log)               $(rel "$t_nmi")"
echo "  fence reported (history)    $(rel "$t_fenced")"
echo "  resource on survivor        $(rel "$t_survivor")  ${survivor:+($survivor)}"
[ "$SCENARIO" = capture ] && echo "  resumed by nmifenced (log)  $(rel "$t_adopt")"
echo "  dump-done (console)         $(rel "$t_dumpdone")"
[ "$SCENARIO" = capture ] && echo "  nmifenced: fence ended     $(rel "$t_dended")"
echo "  power cycle (QEMU start)    $(rel "$t_cycle")"
echo "  node back online (crm_mon)  $(rel "$t_back")"
{
        echo "scenario=$SCENARIO"
        for v in t_hang t_lost t_nmi t_fenced t_survivor t_adopt t_dumpdone t_dended t_cycle t_back; do
                echo "$v=${!v}"
        done
} >"$RUN/timeline.env"

check "the guest hung (console: SCHED_FIFO spinners)" grep -aq 'NF-DEB: hang: ' "$con"
check "Pacemaker lost the guest" test -n "$t_lost"
check "the fence was reported" test -n "$t_fenced"
check "Dummy ran on a survivor" test -n "$t_survivor"
check "the dump completed (console: dump-done)" test -n "$t_dumpdone"
check "the guest was power-cycled (a new QEMU)" test -n "$t_cycle"
check "the guest came back online in the cluster" test -n "$t_back"

# Pacemaker's own records.
timeout 30 "$LAB_DIR/mcluster-exec" "$RUN" "$NF_MC_NODE2" \
        stonith_admin --history "$GUEST" --verbose --output-as=xml >"$RUN/history.xml" 2>&1
cat "$RUN/history.xml"
check "fencing history: exactly one fence event for $GUEST" test "$(grep -c '<fence_event ' "$RUN/history.xml")" = 1
check "fencing history: reboot of $GUEST succeeded" \
        grep -q "<fence_event action=\"reboot\" target=\"$GUEST\" .*status=\"success\"" "$RUN/history.xml"
check "fencing history: requested by pacemaker-controld (the cluster decided, not stonith_admin)" \
        grep -q "<fence_event .*client=\"pacemaker-controld" "$RUN/history.xml"
check "fencing history: carried out by a survivor" \
        grep -qE "<fence_event .*delegate=\"nf-node[12]\"" "$RUN/history.xml"
logs=("$NF_MC_DIR"/nf-node*/log/pacemaker.log)
check "pacemaker.log: the scheduler decided to fence $GUEST" \
        grep -aqE "(Cluster node|Node) $GUEST will be fenced" "${logs[@]}"
check "pacemaker.log: the fencer ran fence-guest-nmi and it returned 0" \
        grep -aqE "Operation 'reboot' .*targeting $GUEST using fence-guest-nmi returned 0" "${logs[@]}"
check "pacemaker.log: fence-guest-ipmi (level 2) was never needed" \
        bash -c '! grep -aqE "targeting $1 using fence-guest-ipmi" "${@:2}"' _ "$GUEST" "${logs[@]}"
grep -ahE "will be fenced|targeting $GUEST using|Peer $GUEST was terminated" "${logs[@]}" | sort | head -n 12

# The BMC, the agent, the console.
check "the BMC logged exactly one NMI" test "$(wc -l <"$NF_LAB_NMI_LOG")" = 1
check "the NMI was delivered to the guest" grep -q 'delivered=yes' "$NF_LAB_NMI_LOG"
case $SCENARIO in
power)
        check "fence_nmi's debug_file: dump complete, power on verified" \
                grep -aq "dump result: complete.*host fenced (power on verified)" "$RUN/fence_nmi.debug"
        ;;
capture)
        check "fence_nmi's debug_file: released to nmifenced at the capture kernel's first record" \
                grep -aq "released to nmifenced (its host $GUEST_HOST) at " "$RUN/fence_nmi.debug"
        check "fence_nmi's debug_file: no warning (the adopt was not refused)" \
                bash -c '! grep -aq "warning: release=capture" "$1"' _ "$RUN/fence_nmi.debug"
        check "fence_nmi's debug_file: no power action of its own" \
                bash -c '! grep -aqE "power (off|on|cycle|reset) accepted|host fenced" "$1"' _ "$RUN/fence_nmi.debug"
        ;;
esac
state_in_run() { compgen -G "$RUN/agent-state-nf-node[12]/${NF_LAB_BMC_HOST}_$NF_LAB_BMC_PORT.state" >/dev/null; }
check "fence_nmi kept its state in the run (NMIFENCE_STATE_DIR through pacemakerd)" state_in_run
# The guest's report comes a while after it is back in the cluster.
check "the guest booted again ('NF-DEB: ready' count +1)" wait_for_count "$con" 'NF-DEB: ready' $((boots_before + 1)) 120
check "console: hang, dump-done, power cycle, second boot in this order" bash -c '
        h=$(grep -a -n "NF-DEB: hang: " "$1" | head -1 | cut -d: -f1)
        d=$(grep -a -n "nmifence-target: posted dump-done" "$1" | head -1 | cut -d: -f1)
        s=$(grep -a -n "^NF-LAB-HOST: qemu start" "$1" | sed -n 2p | cut -d: -f1)
        r=$(grep -a -n "NF-DEB: ready" "$1" | sed -n 2p | cut -d: -f1)
        [ -n "$h" ] && [ -n "$d" ] && [ -n "$s" ] && [ -n "$r" ] && [ "$h" -lt "$d" ] && [ "$d" -lt "$s" ] && [ "$s" -lt "$r" ]' _ "$con"
check "after the reboot the guest lists /var/crash/<stamp>/dump.<stamp> > 1 MiB" bash -c '
        grep -a "NF-DEB: " "$1" | sed "s/.*NF-DEB: /NF-DEB: /" | tr -d "\r" | awk "/^NF-DEB: boot /{n++} n==2" |
        awk '\''/^NF-DEB: crash / && $4 ~ /^\/var\/crash\/2[0-9]+\/dump\.[0-9]+$/ && $3 > 1048576 {ok=1} END {exit !ok}'\''' _ "$con"

# The order this scenario promises.
before() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" -lt "$2" ]; }
check "the power cycle came after dump-done" before "$t_dumpdone" "$t_cycle"
case $SCENARIO in
power)
        # Both may be first seen in the same poll (the power cycle takes
        # about 1 s after dump-done): "not before" is what the polls can
        # tell; fence_nmi's debug_file above shows the order itself.
        not_before() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" -le "$2" ]; }
        check "power: the fence was not reported before dump-done" not_before "$t_dumpdone" "$t_fenced"
        check "power: Dummy did not start on a survivor before dump-done" not_before "$t_dumpdone" "$t_survivor"
        ;;
capture)
        check "capture: the fence was reported before dump-done" before "$t_fenced" "$t_dumpdone"
        check "capture: Dummy ran on a survivor before dump-done" before "$t_survivor" "$t_dumpdone"
        # The node that ran the device (the history's delegate) adopted.
        delegate=$(sed -n 's/.*<fence_event .*delegate="\([^"]*\)".*/\1/p' "$RUN/history.xml" | head -1)
        other=$NF_MC_NODE1
        [ "$delegate" = "$NF_MC_NODE1" ] && other=$NF_MC_NODE2
        dlog=$RUN/nmifenced-$delegate.log
        # Its account of the fence, without the per-request debug lines.
        grep -a "$GUEST_HOST: " "$dlog" 2>/dev/null | grep -av ": -> " | head -n 20
        check "capture: nmifenced on $delegate adopted the operation of fence_nmi" \
                grep -aqE "$GUEST_HOST: adopting the operation of [^ ]+ pid [0-9]+ \(released at capture\) on BMC $NF_LAB_BMC_HOST:$NF_LAB_BMC_PORT" "$dlog"
        check "capture: ... resumed it without an NMI of its own" \
                grep -aq "$GUEST_HOST: fence .*resumed an operation whose NMI was sent" "$dlog"
        check "capture: ... and ended it: dump complete, power on verified, exit 0" \
                grep -aq "$GUEST_HOST: fence ended: dump complete; power on (verified) (exit 0, NMI sent)" "$dlog"
        check "capture: ... one fence in all" test "$(grep -ac "$GUEST_HOST: fence ended: " "$dlog")" = 1
        check "capture: the resumed operation was seen before dump-done, its end after it" \
                bash -c '[ -n "$1" ] && [ -n "$2" ] && [ -n "$3" ] && [ "$1" -le "$2" ] && [ "$2" -le "$3" ]' _ \
                "$t_adopt" "$t_dumpdone" "$t_dended"
        check "capture: nmifenced on $other took nothing on" \
                bash -c '! grep -aqE "$1: (adopting|fence ended)" "$2"' _ "$GUEST_HOST" "$RUN/nmifenced-$other.log"
        ;;
esac

# Teardown, checked: then the disk image can be read.
stop_watchdog
"$LAB_DIR/mcluster-down" "$RUN" >"$RUN/mcluster-down.out" 2>&1
check "mcluster-down: everything stopped" test "$?" = 0
check "no recorded process is left" bash -c '
        . "$1/lib.sh"
        while read -r n p s; do
                nf_pid_alive "$p" "$s" && ! nf_pid_zombie "$p" && { echo "left: $n $p"; exit 1; }
        done <"$2/mcluster.pids.stopped"; exit 0' _ "$LAB_DIR" "$RUN"
check "no process is left in the namespaces the test made (lab, nodes): they are gone" bash -c '
        for d in /proc/[0-9]*; do
                ns=$(readlink "$d/ns/net" 2>/dev/null) || continue
                case " $1 " in *" $ns "*) grep -q "^State:.*Z" "$d/status" 2>/dev/null || { echo "left: ${d#/proc/} $ns"; exit 1; } ;; esac
        done' _ "$netns_made"
check "the machine's own network interfaces are as before (no bridge, veth or tap left)" \
        test "$(ip -o link | awk -F': ' '{print $2}' | sort | tr '\n' ' ')" = "$links_before"
check "the fence agent symlink is gone" test ! -e "/usr/sbin/$agent"
e2e_debian_vmcore_checks "$RUN/disk.img"

echo "total $(( ($(nf_now_ms) - t_start_ms) / 1000 )) s"
e2e_finish
