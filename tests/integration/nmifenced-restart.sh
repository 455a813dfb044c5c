#!/bin/bash
# integration: nmifenced stopped in the middle of a dump never sends a
# second NMI (two simulated hosts, tests/lab/scale-up, 10 s dumps):
#   1. sim001 hangs; once its dump started (NMI sent), the daemon is killed
#      with SIGKILL; a new daemon resumes the fence from the persisted state
#      ("resuming", status fence.resumed), the dump ends, the host is cycled
#      and healthy again: still exactly ONE NMI on sim001;
#   2. sim002 hangs; mid-dump, SIGHUP: RELOADING=1, the same PID starts
#      again (a 2nd READY=1 from it), resumes the fence: ONE NMI on sim002;
#   3. SIGHUP with a broken configuration: logged with FILE:LINE, no reload,
#      the daemon keeps answering; SIGTERM exits 0.
set -uo pipefail
NMIFENCED=${1:?usage: $0 NMIFENCED [NMIFENCE]}
LAB_DIR=$(cd "$(dirname "$0")/../lab" && pwd)
# shellcheck source=nmifenced-lib.sh
. "$(dirname "$0")/nmifenced-lib.sh"
nfd_init nfd-restart

NFD_DUMP_TIME=10 nfd_hosts 2
nfd_listen
nfd_start
check "both healthy" nfd_wait 10 eval 'nfd_state_is sim001 healthy && nfd_state_is sim002 healthy'

# 1. SIGKILL mid-dump
touch "$RUN/hosts/sim001/hang"
check "sim001 dumping after the daemon's NMI" nfd_wait 30 nfd_in_log "$RUN/hosts/sim001/sim.log" 'sel dump-start'
check "one NMI so far" test "$(nfd_nmis sim001)" = 1
first_pid=$DAEMON_PID
nfd_stop KILL
check "the persisted state says the NMI was sent" grep -qx 'nmi_sent=1' "$RUN"/state/127.0.0.1_*.state
check "the dump is still going (no dump-done yet)" sh -c "! grep -q 'sel dump-done' '$RUN/hosts/sim001/sim.log'"
nfd_start
check "a new daemon (pid $DAEMON_PID, not $first_pid)" test "$DAEMON_PID" != "$first_pid"
check "it resumes the fence without an NMI" nfd_in_log "$RUN/daemon.log" 'sim001: liveness unknown -> fencing: an earlier agent (pid [0-9]*) sent the NMI'
ans=$(nfd_ctl '{"command":"status","hosts":["sim001"]}')
check "status: the fence under way is resumed" python3 -c '
import json, sys
h = json.loads(sys.argv[1])["hosts"][0]
assert h["state"] == "fencing" and h["fence"]["resumed"] and h["fence"]["nmi_sent"], h
assert h["nmis"] == 0, h
' "$ans"
check "sim001 fenced and healthy again" nfd_wait 40 nfd_in_log "$RUN/daemon.log" 'sim001: liveness fenced -> healthy'
check "the resumed fence saw dump-done and cycled" \
        eval "sed -n '/sel dump-done/,\$p' '$RUN/hosts/sim001/sim.log' | grep -q 'power on by=command'"
check "still exactly one NMI on sim001 (got $(nfd_nmis sim001))" test "$(nfd_nmis sim001)" = 1

# 2. SIGHUP mid-dump: restart in place
touch "$RUN/hosts/sim002/hang"
check "sim002 dumping" nfd_wait 30 nfd_in_log "$RUN/hosts/sim002/sim.log" 'sel dump-start'
ready_before=$(grep -c ' READY=1$' "$RUN/notify.log")
kill -HUP "$DAEMON_PID"
check "RELOADING=1" nfd_wait 10 grep -q ' RELOADING=1$' "$RUN/notify.log"
check "READY=1 again after the reload" nfd_wait 20 nfd_ready_count_above "$ready_before"
ans=$(nfd_ctl '{"command":"status","hosts":["sim002"]}')
check "same PID after the reload" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["daemon"]["pid"] == int(sys.argv[2]), (d["daemon"]["pid"], sys.argv[2])
' "$ans" "$DAEMON_PID"
check "the fence resumed after the reload" nfd_in_log "$RUN/daemon.log" 'sim002: liveness unknown -> fencing: an earlier agent'
check "sim002 fenced and healthy again" nfd_wait 40 nfd_in_log "$RUN/daemon.log" 'sim002: liveness fenced -> healthy'
check "exactly one NMI on sim002 (got $(nfd_nmis sim002))" test "$(nfd_nmis sim002)" = 1
check "sim001 still one NMI" test "$(nfd_nmis sim001)" = 1

# 3. SIGHUP with a broken file: refused, old configuration kept
cp "$CONF" "$RUN/good.conf"
sed -i 's|grace = 1;|grace = "soon";|' "$CONF"
reloading_before=$(grep -c ' RELOADING=1$' "$RUN/notify.log")
kill -HUP "$DAEMON_PID"
check "the broken file is named with its line" nfd_wait 10 nfd_in_log "$RUN/daemon.log" "error: $CONF:[0-9]*: grace"
check "... and the daemon goes on with the loaded one" nfd_in_log "$RUN/daemon.log" 'going on with the loaded one'
check "no RELOADING=1 for it" test "$(grep -c ' RELOADING=1$' "$RUN/notify.log")" = "$reloading_before"
check "still answering" nfd_state_is sim001 healthy
cp "$RUN/good.conf" "$CONF"
nfd_stop
check "SIGTERM: exit 0 (got $NFD_RC)" test "$NFD_RC" = 0
[ "$failures" = 0 ] || { echo "--- daemon log"; tail -60 "$RUN/daemon.log"; }
echo "$failures failures"
[ "$failures" = 0 ]
