#!/bin/bash
# integration: one thread owns every datagram (issue 13, item 4).  Samples
# /proc/PID/task every 20 ms and fails if a program ever runs more than
# one thread:
#   nmifence status over four hosts (--fanout 2), a fleet dump of two
#     (NMI, simulated panic and dump, power cycle) and a fleet fence of
#     two with policy "cycle";
#   fence_nmi reboot of one host (NMI, dump, cycle);
#   nmifenced watching four hosts, and while it fences one that hangs.
# The hosts are tests/lab/scale-up's (ipmi_sim + the lab module's
# simulated target), as in the nmifenced tests.
set -uo pipefail
NMIFENCE=${1:?usage: $0 NMIFENCE FENCE_NMI NMIFENCED}
FENCE_NMI=${2:?usage: $0 NMIFENCE FENCE_NMI NMIFENCED}
NMIFENCED=${3:?usage: $0 NMIFENCE FENCE_NMI NMIFENCED}
LAB_DIR=$(cd "$(dirname "$0")/../lab" && pwd)
# shellcheck source=nmifenced-lib.sh
. "$(dirname "$0")/nmifenced-lib.sh"
nfd_init single-thread
export NMIFENCE_STATE_DIR=$RUN/state

# most_threads PID [SECONDS [FILE]]: the most threads PID ran, sampled
# every 20 ms until it exits (or for SECONDS); also kept in FILE as it
# grows, for a sampler that is stopped.
most_threads() {
        local pid=$1 until=$(( $(nf_now_ms) + ${2:-3600} * 1000 )) file=${3:-/dev/null} most=0 n
        while [ -d "/proc/$pid/task" ] && ! nf_pid_zombie "$pid" && [ "$(nf_now_ms)" -lt "$until" ]; do
                n=$(find "/proc/$pid/task" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
                if [ "$n" -gt "$most" ]; then most=$n; echo "$most" >"$file"; fi
                sleep 0.02
        done
        echo "$most"
}

# run_sampled NAME COMMAND...: runs it in the background (not under
# timeout(1): the process sampled is the program itself), stdin from
# $RUN/NAME.in when there is one, stdout/stderr in $RUN/NAME.out/.err,
# checks it never ran more than one thread; killed after 120 s; rc in RC.
run_sampled() {
        local name=$1 pid most in=/dev/null
        shift
        [ -e "$RUN/$name.in" ] && in=$RUN/$name.in
        "$@" <"$in" >"$RUN/$name.out" 2>"$RUN/$name.err" &
        pid=$!
        most=$(most_threads "$pid" 120)
        kill -KILL "$pid" 2>/dev/null
        wait "$pid"
        RC=$?
        check "$name: one thread at most (saw $most; exit $RC)" test "$most" = 1
}

nfd_hosts 4
sed 's/^defaults = {/&\n  policy = "cycle";/' "$CONF" >"$RUN/cycle.conf"
grep -q 'policy = "cycle"' "$RUN/cycle.conf" || { echo "FAIL: no defaults section to set the policy in"; exit 1; }

# A BMC that never answers keeps the status command running for its
# 2 s session timeout, long enough to be sampled.
python3 "$(dirname "$0")/udp-silent.py" 120 >"$RUN/silent.port" &
silent_pid=$!
trap 'kill "$silent_pid" 2>/dev/null; nfd_cleanup' EXIT
nfd_wait 5 test -s "$RUN/silent.port" || { echo "FAIL: udp-silent.py did not start"; exit 1; }
sed 's/^);$/, { name = "silent"; bmc = "127.0.0.1"; port = '"$(cat "$RUN/silent.port")"'; session_timeout = 2.0; }\n);/' \
        "$CONF" >"$RUN/status.conf"
grep -q 'name = "silent"' "$RUN/status.conf" || { echo "FAIL: cannot add the silent host"; exit 1; }
run_sampled status "$NMIFENCE" status -c "$RUN/status.conf" 'sim00[1-4]' silent --fanout 2 --json
kill "$silent_pid" 2>/dev/null
check "status: the four hosts answered" test \
        "$(python3 -c 'import json,sys; print(sum(1 for h in json.load(sys.stdin)["hosts"] if h["power"]))' <"$RUN/status.out")" = 4
run_sampled dump "$NMIFENCE" dump -c "$CONF" sim001 sim002 --fanout 2 --json
check "dump: exit 0 (both dumped and cycled)" test "$RC" = 0
run_sampled fence-cycle "$NMIFENCE" fence -c "$RUN/cycle.conf" sim003 sim004 --fanout 2 --json
check "fence, policy cycle: exit 0" test "$RC" = 0

port=$(awk '$1 == "sim003" { print $2 }' "$RUN/hosts.txt")
cat >"$RUN/fence_nmi.in" <<IN
ip=127.0.0.1
ipport=$port
username=$NF_SCALE_USER
password=$(cat "$NF_SCALE_PASSWORD_FILE")
lanplus=1
cipher=3
ipmi_workarounds=opensesspriv
plug=sim003
session_timeout=10
power_timeout=30
nmi_timeout=30
action=reboot
IN
run_sampled fence_nmi "$FENCE_NMI"
check "fence_nmi reboot: exit 0" test "$RC" = 0

nfd_listen
nfd_start
check "nmifenced: the four hosts healthy" nfd_wait 20 eval 'for h in sim001 sim002 sim003 sim004; do nfd_state_is $h healthy || exit 1; done'
most=$(most_threads "$DAEMON_PID" 3)
check "nmifenced watching four hosts: one thread at most (saw $most)" test "$most" = 1
touch "$RUN/hosts/sim004/hang"
most_threads "$DAEMON_PID" 60 "$RUN/fencing.most" >/dev/null &
sampler=$!
nfd_wait 60 nfd_in_log "$RUN/daemon.log" 'sim004: liveness fenced -> healthy'
fenced=$?
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
most=$(cat "$RUN/fencing.most" 2>/dev/null)
check "nmifenced fenced sim004 and saw it healthy again" test "$fenced" = 0
check "nmifenced while fencing: one thread at most (saw $most)" test "$most" = 1
nfd_stop
check "nmifenced: exit 0 (got $NFD_RC)" test "$NFD_RC" = 0
[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
