#!/bin/bash
# integration: nmifenced watching three simulated hosts (tests/lab/scale-up:
# ipmi_sim + the lab module's simulated target petting the BMC watchdog), no
# QEMU.  The test owns the NOTIFY_SOCKET (notify-listen.py) and checks:
#   READY=1 once the hosts are scheduled; WATCHDOG=1 every WATCHDOG_USEC/2
#   (WATCHDOG_USEC=1 s given); STATUS= "3 hosts: 3 healthy, ..." lines;
#   sim002 hangs (its trigger file: no more pets): the daemon sees the
#   watchdog expire, fences it (NMI, dump-start ... dump-done, power cycle),
#   and it comes back healthy: exactly ONE NMI on sim002, none on the others;
#   the status over the control socket (last fence exit 0, nmis 1) and the
#   STATUS= line with "1 fencing" on the way; sim002 hangs again within a
#   minute: a second fence (the first result is outlived, not reported);
#   SIGTERM: STOPPING=1, exit 0, the socket file removed.
set -uo pipefail
NMIFENCED=${1:?usage: $0 NMIFENCED}
LAB_DIR=$(cd "$(dirname "$0")/../lab" && pwd)
# shellcheck source=nmifenced-lib.sh
. "$(dirname "$0")/nmifenced-lib.sh"
nfd_init nfd-watch

nfd_hosts 3
nfd_listen
t0=$(nf_now_ms)
nfd_start WATCHDOG_USEC=1000000
echo "READY=1 after $(( $(nf_now_ms) - t0 )) ms"
check "all three hosts healthy" nfd_wait 10 eval 'nfd_state_is sim001 healthy && nfd_state_is sim002 healthy && nfd_state_is sim003 healthy'
check "STATUS= says 3 healthy" nfd_wait 5 grep -q ' STATUS=3 hosts: 3 healthy, 0 suspect, 0 fencing' "$RUN/notify.log"

touch "$RUN/hosts/sim002/hang"
check "sim002 fenced and healthy again" nfd_wait 40 nfd_in_log "$RUN/daemon.log" 'sim002: liveness fenced -> healthy'
check "the watchdog expiry was the evidence" nfd_in_log "$RUN/daemon.log" 'sim002: liveness healthy -> suspect: BMC watchdog expired'
check "the dump completed (dump-done in the sim log)" nfd_in_log "$RUN/hosts/sim002/sim.log" 'sel dump-done'
check "the host was powered on again by the fence" \
        eval "sed -n '/sel dump-done/,\$p' '$RUN/hosts/sim002/sim.log' | grep -q 'power on by=command'"
check "exactly one NMI on sim002 (got $(nfd_nmis sim002))" test "$(nfd_nmis sim002)" = 1
check "it was delivered" grep -q 'delivered=yes' "$RUN/hosts/sim002/nmi.log"
check "no NMI on sim001 (got $(nfd_nmis sim001))" test "$(nfd_nmis sim001)" = 0
check "no NMI on sim003 (got $(nfd_nmis sim003))" test "$(nfd_nmis sim003)" = 0
check "STATUS= showed the fence" grep -q ' STATUS=3 hosts: 2 healthy, 0 suspect, 1 fencing' "$RUN/notify.log"
check "journal-style fence end line" nfd_in_log "$RUN/daemon.log" 'sim002: fence ended: dump complete; power on (verified) (exit 0, NMI sent)'

ans=$(nfd_ctl '{"command":"status","hosts":["sim002"]}')
check "status: sim002 last fence exit 0, one NMI, healthy" python3 -c '
import json, sys
h = json.loads(sys.argv[1])["hosts"][0]
assert h["state"] == "healthy", h
assert h["last_fence"]["exit_code"] == 0 and h["last_fence"]["nmi_sent"] and h["last_fence"]["fenced"], h
assert h["nmis"] == 1 and h["fences"] == 1, h
' "$ans"
ans=$(nfd_ctl '{"command":"status"}')
check "status: three hosts, the others never fenced" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["ok"] and d["daemon"]["hosts"] == 3, d
others = [h for h in d["hosts"] if h["host"] != "sim002"]
assert len(others) == 2 and all(h["fences"] == 0 and h["nmis"] == 0 and h["last_fence"] is None for h in others), others
assert d["daemon"]["fence_rate"]["used"] == 1, d["daemon"]
' "$ans"

# The same host hangs again within the engine's keep_result (60 s) of its
# fence: alive since, so a new fence (a 2nd NMI), not the kept result.
touch "$RUN/hosts/sim002/hang"
check "sim002 hung again: a new fence, the old result outlived" \
        nfd_wait 40 nfd_in_log "$RUN/daemon.log" 'sim002: the result of the operation of pid [0-9]* is outlived'
check "... fenced and healthy again" \
        nfd_wait 40 eval "[ \$(grep -c 'sim002: liveness fenced -> healthy' '$RUN/daemon.log') = 2 ]"
check "two NMIs on sim002 for its two hangs (got $(nfd_nmis sim002))" test "$(nfd_nmis sim002)" = 2
check "still none elsewhere" test "$(( $(nfd_nmis sim001) + $(nfd_nmis sim003) ))" = 0

nw=$(grep -c ' WATCHDOG=1$' "$RUN/notify.log")
up_s=$(( ($(nf_now_ms) - t0) / 1000 ))
# WATCHDOG_USEC/2 = 0.5 s: at least one per second of uptime, with slack
check "WATCHDOG=1 keeps coming ($nw in ~${up_s} s)" test "$nw" -ge "$up_s"
n_ready=$(grep -c ' READY=1$' "$RUN/notify.log")
check "READY=1 sent once (got $n_ready)" test "$n_ready" = 1

nfd_stop
check "SIGTERM: exit 0 (got $NFD_RC)" test "$NFD_RC" = 0
check "STOPPING=1 sent" grep -q ' STOPPING=1$' "$RUN/notify.log"
check "control socket removed" test ! -e "$SOCK"
[ "$failures" = 0 ] || { echo "--- daemon log"; tail -40 "$RUN/daemon.log"; }
echo "$failures failures"
[ "$failures" = 0 ]
