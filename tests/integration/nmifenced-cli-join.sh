#!/bin/bash
# integration: nmifenced and nmifence share one lock directory by default
# (agent/state-dir.h), so a CLI fence during the daemon's fence of the same
# host joins it instead of sending a second NMI; and the other way round.
# Neither is given a state directory of its own: the daemon's section has no
# state_dir and both get the same $NMIFENCE_STATE_DIR (the default,
# /run/nmifence, is the machine's and stays untouched).  Simulated hosts
# (tests/lab/scale-up), a 6 s dump so the second agent comes mid-dump.
#   1. sim001 hangs; the daemon fences it; while it waits for the dump,
#      `nmifence dump sim001` joins: exit 0, "joined" in its log, ONE NMI;
#   2. `nmifence dump sim002` runs; while it waits, an operator asks the
#      daemon for `fence sim002`: the daemon's fence joins the CLI's
#      operation, ONE NMI on sim002.
set -uo pipefail
NMIFENCED=${1:?usage: $0 NMIFENCED NMIFENCE}
NMIFENCE=${2:?usage: $0 NMIFENCED NMIFENCE}
LAB_DIR=$(cd "$(dirname "$0")/../lab" && pwd)
# shellcheck source=nmifenced-lib.sh
. "$(dirname "$0")/nmifenced-lib.sh"
nfd_init nfd-cli-join

NFD_DUMP_TIME=6 nfd_hosts 2
# No state_dir in the daemon's section: the default, like the CLI's.
sed -i '/^  state_dir = /d' "$CONF"
check "the daemon section has no state_dir" eval "! grep -q state_dir '$CONF'"
export NMIFENCE_STATE_DIR=$RUN/shared-state
nfd_listen
nfd_start
check "both hosts healthy" nfd_wait 10 eval 'nfd_state_is sim001 healthy && nfd_state_is sim002 healthy'

# 1. The daemon's fence first, the CLI joins.
touch "$RUN/hosts/sim001/hang"
check "the daemon sent sim001's NMI" nfd_wait 20 eval '[ "$(nfd_nmis sim001)" = 1 ]'
check "sim001's dump started" nfd_wait 10 nfd_in_log "$RUN/hosts/sim001/sim.log" 'sel dump-start'
"$NMIFENCE" dump -c "$CONF" sim001 >"$RUN/cli1.out" 2>&1
rc=$?
check "nmifence dump sim001 exit 0 (got $rc)" test "$rc" = 0
check "it joined the daemon's fence" grep -qi 'join' "$RUN/cli1.out"
check "the lock file is in the shared directory" test -e "$NMIFENCE_STATE_DIR/127.0.0.1_$(awk '$1 == "sim001" {print $2}' "$RUN/hosts.txt").lock"
check "sim001 back to healthy" nfd_wait 30 nfd_in_log "$RUN/daemon.log" 'sim001: liveness fenced -> healthy'
check "exactly one NMI on sim001 (got $(nfd_nmis sim001))" test "$(nfd_nmis sim001)" = 1

# 2. The CLI's fence first, the daemon's operator fence joins.
"$NMIFENCE" dump -c "$CONF" sim002 >"$RUN/cli2.out" 2>&1 &
cli=$!
check "the CLI sent sim002's NMI" nfd_wait 20 eval '[ "$(nfd_nmis sim002)" = 1 ]'
ans=$(nfd_ctl '{"command":"fence","hosts":["sim002"]}')
check "the daemon accepted the fence request ($ans)" python3 -c 'import json,sys; assert json.loads(sys.argv[1])["ok"]' "$ans"
wait "$cli"
rc=$?
check "nmifence dump sim002 exit 0 (got $rc)" test "$rc" = 0
check "the daemon's fence of sim002 ended" nfd_wait 30 nfd_in_log "$RUN/daemon.log" 'sim002: fence ended'
check "exactly one NMI on sim002 (got $(nfd_nmis sim002))" test "$(nfd_nmis sim002)" = 1

nfd_stop
check "daemon exit 0 (got $NFD_RC)" test "$NFD_RC" = 0
[ "$failures" = 0 ] || { tail -30 "$RUN/daemon.log"; cat "$RUN/cli1.out" "$RUN/cli2.out"; }
[ "$failures" = 0 ]
