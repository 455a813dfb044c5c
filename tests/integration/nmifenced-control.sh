#!/bin/bash
# integration: nmifenced's global fence rate limit and its control socket,
# on four simulated hosts (tests/lab/scale-up, no QEMU):
#   max_fences = 1: sim001..sim003 hang at once -> exactly one of them is
#   fenced (one NMI), the other two are "held" (status, STATUS= "2 held",
#   reason "fence rate limit"); sim004 (policy alert) is never touched;
#   nmifence status --daemon shows it; nmifence fence --daemon --wait on a
#   held host fences it although the window is full (an operator's fence is
#   not rate-limited): exit 0, its one NMI; the third stays held;
#   sim004's BMC stopped (SIGSTOP): bmc-lost, not fenced, healthy again
#   after SIGCONT; then hung: alert (policy), no NMI;
#   refusals: unknown host (exit 4), policy alert (exit 1), no daemon
#   (exit 3); raw requests: bad JSON, unknown command or member, a line
#   over 64 KiB, two requests in one write; the socket is mode 0600; a
#   second nmifenced on the same socket refuses to start; --check-config
#   names FILE:LINE.
set -uo pipefail
NMIFENCED=${1:?usage: $0 NMIFENCED NMIFENCE}
NMIFENCE=${2:?usage: $0 NMIFENCED NMIFENCE}
LAB_DIR=$(cd "$(dirname "$0")/../lab" && pwd)
# shellcheck source=nmifenced-lib.sh
. "$(dirname "$0")/nmifenced-lib.sh"
nfd_init nfd-control

nfd_hosts 4 "max_fences = 1" "bmc_lost_after = 3"
# sim004: policy alert (the host entry is the last line of hosts = ( ... ))
sed -i 's|\(name = "sim004";[^}]*\)}|\1 policy = "alert"; }|' "$CONF"
check "sim004 has policy alert in the config" grep -q 'name = "sim004";.*policy = "alert"' "$CONF"
rc=0; "$NMIFENCED" -c "$CONF" --check-config >"$RUN/check.out" 2>&1 || rc=$?
check "--check-config accepts it (rc $rc)" test "$rc" = 0
nfd_listen
nfd_start
check "socket mode 0600" test "$(stat -c %a "$SOCK")" = 600
rc=0; "$NMIFENCED" -c "$CONF" --log-target stderr >"$RUN/second.out" 2>&1 || rc=$?
check "a second nmifenced on the same socket exits 1 (got $rc)" test "$rc" = 1
check "... saying why" grep -q "another nmifenced answers on $SOCK" "$RUN/second.out"
check "the first one still answers" nfd_wait 5 nfd_state_is sim001 healthy

touch "$RUN/hosts/sim001/hang" "$RUN/hosts/sim002/hang" "$RUN/hosts/sim003/hang"
held_two() {
        local n=0 h
        for h in sim001 sim002 sim003; do [ "$(nfd_host_state $h)" = held ] && n=$((n + 1)); done
        [ "$n" = 2 ]
}
check "two of the three hung hosts held" nfd_wait 30 held_two
check "one fence ended" nfd_wait 30 grep -q 'fence ended: dump complete' "$RUN/daemon.log"
total=$(( $(nfd_nmis sim001) + $(nfd_nmis sim002) + $(nfd_nmis sim003) ))
check "exactly one NMI among the hung hosts (got $total)" test "$total" = 1
check "STATUS= says 2 held" grep -q ' STATUS=4 hosts: .*2 held.*fences 1/1 per 600 s' "$RUN/notify.log"
held=()
for h in sim001 sim002 sim003; do [ "$(nfd_host_state $h)" = held ] && held+=("$h"); done
ans=$(nfd_ctl "{\"command\":\"status\",\"hosts\":[\"${held[0]}\"]}")
check "held reason names the rate limit" python3 -c '
import json, sys
h = json.loads(sys.argv[1])["hosts"][0]
assert h["state"] == "held" and "fence rate limit" in h["reason"], h
assert h["nmis"] == 0 and h["fence"] is None, h
' "$ans"
"$NMIFENCE" status --daemon -c "$CONF" >"$RUN/status.out" 2>&1
check "nmifence status --daemon: exit 0, the table" grep -q "^${held[0]} *held" "$RUN/status.out"
check "status --daemon: sim004 healthy, untouched" grep -q '^sim004 *healthy' "$RUN/status.out"
cat "$RUN/status.out"

rc=0; "$NMIFENCE" fence --daemon -c "$CONF" --wait "${held[0]}" >"$RUN/fence.out" 2>&1 || rc=$?
cat "$RUN/fence.out"
check "fence --daemon --wait ${held[0]} (held, window full): exit 0 (got $rc)" test "$rc" = 0
check "its one NMI (got $(nfd_nmis "${held[0]}"))" test "$(nfd_nmis "${held[0]}")" = 1
check "requested_by logged" grep -q "${held[0]}: fence requested by pid [0-9]* (nmifence, uid $(id -u))" "$RUN/daemon.log"
check "the third still held" nfd_state_is "${held[1]}" held
check "... and has no NMI" test "$(nfd_nmis "${held[1]}")" = 0
check "sim004 never got an NMI" test "$(nfd_nmis sim004)" = 0

rc=0; "$NMIFENCE" fence --daemon -c "$CONF" sim099 2>"$RUN/e.out" || rc=$?
check "fence --daemon unknown host: exit 4 (got $rc)" test "$rc" = 4
check "... naming it" grep -q "unknown host 'sim099'" "$RUN/e.out"
rc=0; "$NMIFENCE" fence --daemon -c "$CONF" sim004 2>"$RUN/e.out" || rc=$?
check "fence --daemon policy alert: exit 1 (got $rc)" test "$rc" = 1
check "... saying so" grep -q "sim004 has policy alert" "$RUN/e.out"
rc=0; "$NMIFENCE" status --daemon="$RUN/nothing.sock" 2>"$RUN/e.out" || rc=$?
check "no daemon: exit 3 (got $rc)" test "$rc" = 3
rc=0; "$NMIFENCE" fence --daemon -c "$CONF" sim001 sim002 2>"$RUN/e.out" || rc=$?
check "fence --daemon two hosts: exit 4 (got $rc)" test "$rc" = 4

# A BMC that stops answering is not a dead host: bmc-lost, no fence.
sim_pid=$(awk '$1 == "sim004" {print $3}' "$RUN/hosts.txt")
kill -STOP "$sim_pid"
check "sim004's silent BMC: bmc-lost" nfd_wait 40 nfd_state_is sim004 bmc-lost
check "... reported as such" nfd_in_log "$RUN/daemon.log" 'sim004: liveness healthy -> bmc-lost: BMC silent for [0-9.]* s: not evidence of a dead host'
check "STATUS= counts it" grep -q ' STATUS=4 hosts: .*1 bmc-lost' "$RUN/notify.log"
kill -CONT "$sim_pid"
check "... and healthy once it answers again" nfd_wait 30 nfd_state_is sim004 healthy
check "no NMI and no fence for sim004" test "$(nfd_nmis sim004)" = 0
check "no fence started for it" sh -c "! grep -q 'sim004: .*fence started' '$RUN/daemon.log'"
# Dead with policy alert: reported, nothing done.
touch "$RUN/hosts/sim004/hang"
check "sim004 hung, policy alert: state alert" nfd_wait 30 nfd_state_is sim004 alert
check "... reason says so" nfd_in_log "$RUN/daemon.log" 'sim004: liveness suspect -> alert: .*policy alert: nothing done'
check "... still no NMI" test "$(nfd_nmis sim004)" = 0

out=$(nfd_ctl 'status' '{"command":"reboot"}' '{"command":"status","host":"a"}' '{"command":"status","hosts":["sim004"]}')
echo "$out"
check "bad JSON named" eval "echo '$out' | sed -n 1p | grep -q '\"ok\":false,\"error\":\"request is not JSON: offset 0'"
check "unknown command named" eval "echo '$out' | sed -n 2p | grep -q 'unknown command'"
check "unknown member named" eval "echo '$out' | sed -n 3p | grep -q 'unknown member'"
check "pipelined request answered after the bad ones" eval "echo '$out' | sed -n 4p | grep -q '\"ok\":true,\"command\":\"status\"'"
long=$(python3 -c 'print("{\"command\":\"status\",\"hosts\":[\"" + "x" * 70000 + "\"]}")')
out=$(nfd_ctl "$long" '{"command":"status","hosts":["sim001"]}')
check "a 70 kB line refused" eval "echo '${out:0:200}' | head -1 | grep -q 'longer than 65536 bytes'"
check "the next line still answered" eval "echo \"\$out\" | sed -n 2p | grep -q '\"host\":\"sim001\"'"

nfd_stop
check "SIGTERM: exit 0 (got $NFD_RC)" test "$NFD_RC" = 0
sed -i 's|max_fences = 1;|max_fences = "two";|' "$CONF"
rc=0; "$NMIFENCED" -c "$CONF" --check-config >"$RUN/check.out" 2>&1 || rc=$?
check "--check-config: bad value -> exit 4 (got $rc)" test "$rc" = 4
cat "$RUN/check.out"
check "... with FILE:LINE naming max_fences" grep -q "$CONF:[0-9]*:.*max_fences" "$RUN/check.out"
[ "$failures" = 0 ] || { echo "--- daemon log"; tail -40 "$RUN/daemon.log"; }
echo "$failures failures"
[ "$failures" = 0 ]
