#!/bin/bash
# integration: release=capture (docs/pacemaker.md, "Release modes"):
# fence_nmi reboot succeeds at the release point -- the capture kernel's
# dump-start read back after its own NMI -- once nmifenced took the rest
# on, and never without a supervisor.  Simulated hosts (tests/lab/scale-up,
# a 6 s dump), one NMI per host in every case, counted in the BMC's log.
#   1. no daemon on daemon_socket: validate-all and monitor fail saying so;
#      reboot warns once, goes on as release=power and exits 0 only after
#      dump-done and the verified power cycle;
#   2. a stub socket that refuses the adopt (its request line checked
#      against the interface), then one that never answers (the 5 s
#      bound): the same fall-back, each with its one warning;
#      nmifence dump --release=capture without a daemon: the same, and
#      --json's release object says capture, not released;
#   3. a joiner: while `nmifence dump` (release=power) waits for the dump,
#      fence_nmi reboot release=capture joins it and succeeds at once after
#      its own login, before dump-done; the dump's owner still power-cycles;
#   4. the real nmifenced: validate-all passes; reboot exits 0 while the
#      dump still runs (no dump-done yet), "released to nmifenced at
#      dump-start"; the daemon then sees dump-done and power-cycles the host.
#      Before nmifenced knows the adopt command this part is skipped (exit
#      77 once all else passed), saying so.
set -uo pipefail
NMIFENCED=${1:?usage: $0 NMIFENCED NMIFENCE FENCE_NMI}
NMIFENCE=${2:?usage: $0 NMIFENCED NMIFENCE FENCE_NMI}
FENCE_NMI=${3:?usage: $0 NMIFENCED NMIFENCE FENCE_NMI}
LAB_DIR=$(cd "$(dirname "$0")/../lab" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=nmifenced-lib.sh
. "$(dirname "$0")/nmifenced-lib.sh"
nfd_init release-capture
STUB_PID=
OWNER_PID=
cleanup() {
        [ -n "$STUB_PID" ] && kill -TERM "$STUB_PID" 2>/dev/null
        [ -n "$OWNER_PID" ] && kill -TERM "$OWNER_PID" 2>/dev/null
        nfd_cleanup
}
trap cleanup EXIT

NFD_DUMP_TIME=6 nfd_hosts 4
# fence_nmi, nmifence and the daemon share one lock directory (as on a node)
sed -i '/^  state_dir = /d' "$CONF"
export NMIFENCE_STATE_DIR=$RUN/shared-state
skipped=

port_of() { awk -v h="$1" '$1 == h {print $2}' "$RUN/hosts.txt"; }
simlog() { echo "$RUN/hosts/$1/sim.log"; }
dump_done() { grep -c 'sel dump-done' "$(simlog "$1")"; }
# running HOST: the simulated host booted again after its last fence
running() { grep 'state .* -> ' "$(simlog "$1")" | tail -1 | grep -q -- '-> running'; }

# fnmi NAME HOST ACTION PARAM=VALUE...: fence_nmi with key=value lines (the
# host from the daemon's configuration); rc, and whether the host's
# dump-done was in its SEL when fence_nmi exited (done_at_exit)
fnmi() {
        local name=$1 h=$2 action=$3
        shift 3
        printf '%s\n' "config=$CONF" "plug=$h" "action=$action" "verbose=1" "$@" |
                timeout 90 "$FENCE_NMI" >"$RUN/$name.out" 2>"$RUN/$name.err"
        rc=$?
        done_at_exit=$(dump_done "$h")
        echo "--- $name: fence_nmi $action exit $rc, dump-done at exit: $done_at_exit"
        grep -E 'release|Success|warning|joined|FAILED' "$RUN/$name.out" "$RUN/$name.err" | tail -6
}
warnings() { grep -c 'warning: release=capture' "$RUN/$1.err"; }
json_of() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
# stub MODE: the adopt stub on $RUN/stub.sock for 30 s
stub() {
        rm -f "$RUN/stub.sock" "$RUN/stub.sock.ready"
        python3 "$HERE/adopt-stub.py" "$RUN/stub.sock" "$RUN/stub-$1.log" "$1" 30 &
        STUB_PID=$!
        nfd_wait 5 test -e "$RUN/stub.sock.ready" || { echo "FAIL: adopt stub did not start"; exit 1; }
}
stub_stop() { kill -TERM "$STUB_PID" 2>/dev/null; wait "$STUB_PID" 2>/dev/null; STUB_PID=; }

# 1. No daemon listens.
none=$RUN/no-daemon.sock
fnmi va-none sim001 validate-all release=capture "daemon_socket=$none"
check "validate-all, capture, no daemon: exit 1" test "$rc" = 1
check "validate-all says nmifenced is not reachable at the socket" \
        grep -q "release=capture: nmifenced is not reachable at $none" "$RUN/va-none.err"
fnmi va-power sim001 validate-all "daemon_socket=$none"
check "validate-all, power, no daemon: exit 0 (got $rc)" test "$rc" = 0
fnmi mon-none sim001 monitor release=capture "daemon_socket=$none"
check "monitor, capture, no daemon: exit 1" test "$rc" = 1
check "monitor says so" grep -q "nmifenced is not reachable at $none" "$RUN/mon-none.err"
fnmi none sim001 reboot release=capture "daemon_socket=$none"
check "reboot, capture, no daemon: exit 0 (got $rc)" test "$rc" = 0
check "... as power: dump-done was in the SEL before it exited" test "$done_at_exit" = 1
check "... Success: Rebooted" grep -qx 'Success: Rebooted' "$RUN/none.out"
check "... one warning naming the socket ($(warnings none))" test "$(warnings none)" = 1
check "... the warning: not reachable, not released" \
        grep -q "warning: release=capture: nmifenced is not reachable at $none.*not released" "$RUN/none.err"
check "... power cycled after dump-done" \
        python3 -c 'import sys; t=open(sys.argv[1]).read(); d=t.find("sel dump-done"); o=t.find("power on by=command", d); assert 0 <= d < o' "$(simlog sim001)"
check "... one NMI on sim001 (got $(nfd_nmis sim001))" test "$(nfd_nmis sim001)" = 1

# 2. A socket that refuses, then one that never answers.
stub refuse
fnmi refused sim002 reboot release=capture "daemon_socket=$RUN/stub.sock"
stub_stop
check "reboot, adopt refused: exit 0 (got $rc)" test "$rc" = 0
check "... as power: dump-done before the exit" test "$done_at_exit" = 1
check "... one warning with the daemon's reason ($(warnings refused))" test "$(warnings refused)" = 1
check "... the reason" grep -q "refused: no configured host with BMC 127.0.0.1:$(port_of sim002)" "$RUN/refused.err"
check "... the request line as the interface says" python3 - "$RUN/stub-refuse.log" "$(port_of sim002)" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
r = json.loads(lines[0])
assert list(r) == ["command", "target", "action", "pid"], r
assert r["command"] == "adopt" and r["target"] == "127.0.0.1:" + sys.argv[2] and r["action"] == "reboot", r
assert isinstance(r["pid"], int) and r["pid"] > 1, r
PY
check "... one NMI on sim002 (got $(nfd_nmis sim002))" test "$(nfd_nmis sim002)" = 1

stub silent
t0=$(nf_now_ms)
fnmi silent sim003 reboot release=capture "daemon_socket=$RUN/stub.sock"
stub_stop
check "reboot, no answer: exit 0 (got $rc)" test "$rc" = 0
check "... as power: dump-done before the exit" test "$done_at_exit" = 1
check "... one warning: no answer within 5 s" grep -q "did not answer within 5.0 s" "$RUN/silent.err"
check "... asked once ($(wc -l <"$RUN/stub-silent.log"))" test "$(wc -l <"$RUN/stub-silent.log")" = 1
check "... one NMI on sim003 (got $(nfd_nmis sim003))" test "$(nfd_nmis sim003)" = 1

# nmifence dump --release=capture: the same fall-back, and --json says so
check "sim003 runs again" nfd_wait 15 running sim003
timeout 90 "$NMIFENCE" dump -c "$CONF" --release=capture --daemon-socket="$none" --json sim003 \
        >"$RUN/cli-none.json" 2>"$RUN/cli-none.err"
rc=$?
check "nmifence dump --release=capture, no daemon: exit 0 (got $rc)" test "$rc" = 0
check "... one warning" test "$(warnings cli-none)" = 1
check "... --json: release capture, not released" test \
        "$(json_of "$RUN/cli-none.json" 'j["release"]')" = "{'mode': 'capture', 'released': False, 'at': None, 'to': None}"
check "... dump complete, power cycle verified" test \
        "$(json_of "$RUN/cli-none.json" '(j["dump_result"], j["fenced"], j["final_power"])')" = "('complete', True, 'on')"
check "two fences of sim003, one NMI each (got $(nfd_nmis sim003))" test "$(nfd_nmis sim003)" = 2

# 3. A capture joiner of a running operation past its release point.
check "sim002 runs again" nfd_wait 15 running sim002
before=$(dump_done sim002)
timeout 90 "$NMIFENCE" dump -c "$CONF" sim002 >"$RUN/owner.out" 2>&1 &
OWNER_PID=$!
check "the owner's dump started" nfd_wait 20 eval '[ "$(grep -c "sel dump-start" "$(simlog sim002)")" = 2 ]'
check "its state file has the capture record" nfd_wait 5 grep -q '^capture_records=[1-9]' \
        "$NMIFENCE_STATE_DIR/127.0.0.1_$(port_of sim002).state"
owner_pid=$(sed -n 's/^pid=//p' "$NMIFENCE_STATE_DIR/127.0.0.1_$(port_of sim002).state")
fnmi joiner sim002 reboot release=capture "daemon_socket=$none"
check "joiner, capture: exit 0 (got $rc)" test "$rc" = 0
check "... before dump-done" test "$done_at_exit" = "$before"
check "... released to the owner's pid at dump-start" \
        grep -q "^Success: released to pid $owner_pid at dump-start" "$RUN/joiner.out"
check "... after its own login, no warning" eval "! grep -q warning '$RUN/joiner.err'"
wait "$OWNER_PID"
owner_rc=$?
OWNER_PID=
check "the owner went on to the end: exit 0 (got $owner_rc)" test "$owner_rc" = 0
check "... after dump-done" test "$(dump_done sim002)" = "$((before + 1))"
check "two fences of sim002, one NMI each (got $(nfd_nmis sim002))" test "$(nfd_nmis sim002)" = 2

# 4. The real nmifenced takes the rest on.
nfd_listen
nfd_start
check "sim004 healthy" nfd_wait 15 nfd_state_is sim004 healthy
fnmi va-daemon sim004 validate-all release=capture "daemon_socket=$SOCK"
check "validate-all, capture, daemon there: exit 0 (got $rc)" test "$rc" = 0
fnmi released sim004 reboot release=capture "daemon_socket=$SOCK"
# nmifenced without the adopt command refuses its members or its name
if grep -qE 'refused: (unknown command|unknown member "target")' "$RUN/released.err"; then
        skipped="nmifenced does not know the adopt command yet (issue 12, its daemon side)"
        echo "SKIP part 4: $skipped"
        check "... the fence fell back to power: exit 0 (got $rc)" test "$rc" = 0
        check "... one NMI on sim004 (got $(nfd_nmis sim004))" test "$(nfd_nmis sim004)" = 1
else
        check "reboot, capture, daemon: exit 0 (got $rc)" test "$rc" = 0
        check "... while the dump still ran (no dump-done at exit)" test "$done_at_exit" = 0
        check "... released to nmifenced at dump-start" \
                grep -q '^Success: released to nmifenced at dump-start: the rest of the dump and the power action continue there' \
                "$RUN/released.out"
        check "... no warning" eval "! grep -q warning '$RUN/released.err'"
        check "the dump ended after the release" nfd_wait 30 eval '[ "$(dump_done sim004)" = 1 ]'
        check "the daemon power-cycled the host after dump-done" nfd_wait 60 \
                python3 -c 'import sys; t=open(sys.argv[1]).read(); d=t.find("sel dump-done"); o=t.find("power on by=command", d); assert 0 <= d < o' "$(simlog sim004)"
        check "one NMI on sim004 (got $(nfd_nmis sim004))" test "$(nfd_nmis sim004)" = 1
fi
nfd_stop
check "daemon exit 0 (got $NFD_RC)" test "$NFD_RC" = 0

[ "$failures" = 0 ] || { tail -30 "$RUN/daemon.log"; for f in "$RUN"/*.err; do echo "== $f"; tail -15 "$f"; done; }
[ "$failures" = 0 ] || exit 1
[ -z "$skipped" ] || { echo "SKIP: $skipped"; exit 77; }
exit 0
