#!/bin/bash
# integration: nmifenced's polls skip the SEL walk when Get SEL Info shows
# the SEL as the last complete walk found it (ipmi/sel-reader.c), and miss
# nothing for it.  Two simulated hosts (tests/lab/scale-up), polled every
# 0.5 s:
#   idle: over 8 s of polls the status's poll_requests grow by 3 a poll
#   (chassis status, Get Watchdog Timer, Get SEL Info), plus one SEL walk
#   (at most 2 requests more) every 12th poll at most; a walk on every poll
#   sends 4 or 5 (Reserve SEL kept or not);
#   records added while the daemon polls, three in one ipmitool session
#   (in the same second, as a burst from the host is): two foreign ones
#   and a dump-start, are seen: sim001 goes healthy -> dumping (the
#   dump-start read), sim002, untouched, stays healthy.
set -uo pipefail
NMIFENCED=${1:?usage: $0 NMIFENCED}
LAB_DIR=$(cd "$(dirname "$0")/../lab" && pwd)
# shellcheck source=nmifenced-lib.sh
. "$(dirname "$0")/nmifenced-lib.sh"
command -v ipmitool >/dev/null || { echo "SKIP: ipmitool not installed"; exit 77; }
nfd_init nfd-sel-skip

nfd_hosts 2
nfd_listen
nfd_start
check "both hosts healthy" nfd_wait 15 eval 'nfd_state_is sim001 healthy && nfd_state_is sim002 healthy'

# polls and poll_requests of HOST, "P R"
counters() {
        nfd_ctl "{\"command\":\"status\",\"hosts\":[\"$1\"]}" |
                python3 -c 'import json,sys; h=json.load(sys.stdin)["hosts"][0]; print(h["polls"], h["poll_requests"])'
}
# The first polls marked the SEL (its records are the past); settle first.
sleep 2
read -r p0 r0 < <(counters sim001)
sleep 8
read -r p1 r1 < <(counters sim001)
polls=$((p1 - p0)) reqs=$((r1 - r0))
echo "idle: $polls polls, $reqs requests"
check "idle: enough polls to judge ($polls >= 8)" test "$polls" -ge 8
check "idle: 3 requests a poll, a walk every 12th at most ($reqs <= 3 * $polls + 2 * ($polls / 12 + 1))" \
        test "$reqs" -le $((3 * polls + 2 * (polls / 12 + 1)))
check "idle: at least 3 a poll ($reqs >= 3 * $polls)" test "$reqs" -ge $((3 * polls))

read -r _ port _ < <(grep '^sim001 ' "$RUN/hosts.txt")
# Two foreign system events (a temperature sensor) and the target's
# dump-start (docs/protocol.md; the bytes of nmifence-follow.sh), at once.
printf '%s\n' \
        'raw 0x0a 0x44 0x00 0x00 0x02 0x00 0x00 0x00 0x00 0x20 0x00 0x04 0x01 0x30 0x01 0x57 0xff 0xff' \
        'raw 0x0a 0x44 0x00 0x00 0x02 0x00 0x00 0x00 0x00 0x20 0x00 0x04 0x01 0x30 0x01 0x57 0xff 0xff' \
        'raw 0x0a 0x44 0x00 0x00 0x02 0x00 0x00 0x00 0x00 0x4d 0x00 0x04 0x20 0x01 0x6f 0xa1 0x13 0x00' \
        >"$RUN/records"
timeout 30 ipmitool -I lanplus -C 3 -H 127.0.0.1 -p "$port" -U admin -P "$NF_SCALE_ADMIN_PASSWORD" \
        exec "$RUN/records" >"$RUN/ipmitool.out" 2>&1
check "three records added" test "$(grep -c '^ [0-9a-f][0-9a-f] [0-9a-f][0-9a-f]$' "$RUN/ipmitool.out")" = 3
check "the dump-start was read: sim001 healthy -> dumping" \
        nfd_wait 10 nfd_in_log "$RUN/daemon.log" 'sim001: liveness healthy -> dumping'
check "sim002 stays healthy" nfd_state_is sim002 healthy

nfd_stop
check "nmifenced exit 0 (got $NFD_RC)" test "$NFD_RC" = 0
[ "$failures" = 0 ] || tail -30 "$RUN/daemon.log"
exit $((failures > 0))
