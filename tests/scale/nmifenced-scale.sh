#!/bin/bash
# scale: nmifenced watching N simulated hosts (default 100; tests/lab/
# scale-up, one ipmi_sim each, no QEMU) with fanout 16:
#   every host healthy from its own watchdog pets; two hang: each fenced
#   with one NMI, none elsewhere, both healthy again; the daemon's CPU time
#   stays a small share of the wall time (no busy loop: it sleeps between
#   deadlines) and its open files stay near one session per host; SIGTERM
#   exits 0.
# Usage: nmifenced-scale.sh NMIFENCED [N]
set -uo pipefail
NMIFENCED=${1:?usage: $0 NMIFENCED [N]}
N=${2:-100}
LAB_DIR=$(cd "$(dirname "$0")/../lab" && pwd)
# shellcheck source=../integration/nmifenced-lib.sh
. "$(dirname "$0")/../integration/nmifenced-lib.sh"
nfd_init nfd-scale
nofile=$(ulimit -n)
[ "$nofile" = unlimited ] || [ "$nofile" -ge $((N * 4 + 64)) ] || ulimit -n $((N * 4 + 64)) 2>/dev/null ||
        { echo "SKIP: ulimit -n $nofile is too low for $N BMCs"; exit 77; }

nfd_hosts "$N" "poll_interval = 2" "grace = 2" "fanout = 16" "max_fences = 2"
nfd_listen
nfd_start
all_healthy() {
        nfd_ctl '{"command":"status"}' | python3 -c '
import json, sys
d = json.load(sys.stdin)
sys.exit(0 if d["daemon"]["states"]["healthy"] == int(sys.argv[1]) else 1)' "$N"
}
check "all $N hosts healthy" nfd_wait 60 all_healthy
a=sim$(printf '%03d' $((N * 2 / 5))) b=sim$(printf '%03d' $((N * 4 / 5)))
ticks() { awk '{print $14 + $15}' "/proc/$DAEMON_PID/stat"; }
hz=$(getconf CLK_TCK)
t0=$(nf_now_ms) c0=$(ticks)
touch "$RUN/hosts/$a/hang" "$RUN/hosts/$b/hang"
for h in "$a" "$b"; do
        check "$h fenced and healthy again" nfd_wait 90 nfd_in_log "$RUN/daemon.log" "$h: liveness fenced -> healthy"
done
check "all $N healthy at the end" nfd_wait 30 all_healthy
wall=$(( $(nf_now_ms) - t0 )) cpu=$(( ($(ticks) - c0) * 1000 / hz ))
echo "daemon CPU ${cpu} ms in ${wall} ms of wall time with $N hosts"
check "CPU below 25 % of the wall time" test $((cpu * 4)) -lt "$wall"
fds=$(ls "/proc/$DAEMON_PID/fd" | wc -l)
check "open files ($fds) near one session per host" test "$fds" -le $((N + 64))
total=0
for d in "$RUN"/hosts/*/; do total=$((total + $(nfd_nmis "$(basename "$d")"))); done
check "two NMIs in all ($total)" test "$total" = 2
check "one on $a" test "$(nfd_nmis "$a")" = 1
check "one on $b" test "$(nfd_nmis "$b")" = 1
nfd_stop
check "SIGTERM: exit 0 (got $NFD_RC)" test "$NFD_RC" = 0
[ "$failures" = 0 ] || tail -30 "$RUN/daemon.log"
echo "$failures failures"
[ "$failures" = 0 ]
