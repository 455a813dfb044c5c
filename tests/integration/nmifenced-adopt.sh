#!/bin/bash
# integration: nmifenced takes over an operation another agent hands over
# through its control socket (adopt, docs/operations.md "Control socket"),
# on three simulated hosts (tests/lab/scale-up), its log in a journal of the
# test's own (private mount namespace, as nmifenced-journal.sh).  The
# handed-over state is made by `nmifence dump` killed (SIGKILL, test hook
# NMIFENCE_TEST_HOOKS=crash) at its 6th persisted step, after its diag
# request was accepted: the state file says the NMI was sent.  The daemon
# watches with grace 1 s and dump_stall 1 s: quick to fence by itself.
#   1. sim001 (reboot): adopt-holder.py holds the target's lock; the
#      daemon's own fence (the dump seen stalling) waits on it; then the
#      holder sends adopt: ok, "waiting"; `nmifence status --daemon` shows
#      "adopted from pid N"; nothing is powered while the lock is held; a
#      second adopt answers ok at once ("already"); the lock released, the
#      daemon resumes the operation (no NMI of its own); dump complete,
#      power cycle AFTER dump-done, exactly ONE NMI in the BMC's log; the
#      host healthy again, no second fence right after; the journal's
#      fence-end entry: NMIFENCE_EXIT_CODE=0, NMIFENCE_NMI_SENT=1, the
#      result, and NMIFENCE_REQUESTED_BY naming the pid that handed it over;
#   2. sim003 (off, the daemon's own setting for it being a cycle): adopt
#      with the lock free, resumed at once; SIGKILL of the daemon mid-dump,
#      a new one resumes it again, still naming the pid that handed it over
#      (status, journal); `nmifence dump --off` meanwhile joins
#      it (exit 0); the final action of the state file is done (powered
#      off, never on again), one NMI;
#   3. refusals: an unknown target -> ok:false naming it; sim002 with no
#      state, then with a state whose NMI was not sent (killed before the
#      diag request: its 1st step), then with that state edited to say
#      "NMI sent" in a step that cannot be resumed: each time adopted, then
#      left alone with an error in the journal, no NMI, no power action.
set -uo pipefail
NMIFENCED=${1:?usage: $0 NMIFENCED NMIFENCE}
NMIFENCE=${2:?usage: $0 NMIFENCED NMIFENCE}
LAB_DIR=$(cd "$(dirname "$0")/../lab" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=nmifenced-lib.sh
. "$HERE/nmifenced-lib.sh"
nfd_init_journal nfd-adopt "$0" "$@"
JLOG=$RUN/journal.log

NFD_DUMP_TIME=12 nfd_hosts 3 "dump_stall = 1"
export NMIFENCE_STATE_DIR=$RUN/state
nfd_listen
NFD_LOG_TARGET=journal nfd_start
check "all healthy" nfd_wait 10 eval 'nfd_state_is sim001 healthy && nfd_state_is sim002 healthy && nfd_state_is sim003 healthy'

port_of() { awk -v h="$1" '$1 == h {print $2}' "$RUN/hosts.txt"; }
target_of() { echo "127.0.0.1:$(port_of "$1")"; }
simlog() { echo "$RUN/hosts/$1/sim.log"; }
# crash_run HOST POINT [OPTION...]: nmifence dump killed at its crash point
crash_run() {
        local h=$1 n=$2
        shift 2
        NMIFENCE_TEST_HOOKS=crash NMIFENCE_TEST_CRASH_AT=$n timeout 60 "$NMIFENCE" dump -c "$CONF" "$@" "$h" \
                >"$RUN/crash-$h-$n.log" 2>&1
}
answer_is() { # ANSWER PYTHON-CONDITION over a
        python3 -c 'import json,sys; a=json.loads(sys.argv[1]); assert eval(sys.argv[2]), a' "$1" "$2"
}
fence_ended() { grep -q "$1: fence ended" "$JLOG"; }
fence_phase_is() { # HOST PHASE: the daemon's fence of HOST is in the engine's PHASE
        [ "$(nfd_ctl "{\"command\":\"status\",\"hosts\":[\"$1\"]}" |
                python3 -c 'import json,sys; f=json.load(sys.stdin)["hosts"][0]["fence"]; print(f and f["phase"])')" = "$2" ]
}

# ---- 1. sim001: the daemon's own fence waits on the lock; adopt ---------
t1=$(target_of sim001)
touch "$RUN/hosts/sim001/hang"
check "sim001: hung" nfd_wait 5 nfd_in_log "$(simlog sim001)" 'running -> hung'
crash_run sim001 6
check "sim001: nmifence killed after its diag request was accepted" \
        eval "sed -n '/diag interrupt accepted/,\$p' '$RUN/crash-sim001-6.log' | grep -q 'TEST: crash point 6 '"
check "sim001: the state file says the NMI was sent" grep -qx 'nmi_sent=1' "$RUN/state/127.0.0.1_$(port_of sim001).state"
check "sim001: one NMI (nmifence's)" test "$(nfd_nmis sim001)" = 1
python3 "$HERE/adopt-holder.py" "$RUN/state/127.0.0.1_$(port_of sim001).lock" "$SOCK" "$t1" reboot \
        "$RUN/adopt1.go" "$RUN/adopt1.answer" "$RUN/adopt1.release" &
holder=$!
check "sim001: the holder has the lock" nfd_wait 10 test -e "$RUN/adopt1.answer.held"
# The daemon sees the dump, then (dump_stall = 1) the silence between two
# progress records, and starts its own (power) fence: it waits on the lock.
check "sim001: the daemon's own fence waits on the holder's lock, sending nothing" \
        nfd_wait 15 nfd_in_log "$JLOG" 'sim001: another agent pid [0-9]* is fencing this target'
touch "$RUN/adopt1.go"
check "sim001: the adopt answered" nfd_wait 10 test -e "$RUN/adopt1.answer"
a=$(cat "$RUN/adopt1.answer")
check "sim001: adopt ok, waiting for the lock ($a)" \
        answer_is "$a" "a['ok'] and a['command'] == 'adopt' and a['host'] == 'sim001' and a['target'] == '$t1' and a['state'] == 'waiting' and not a['already']"
"$NMIFENCE" status --daemon -c "$CONF" sim001 >"$RUN/status1.out" 2>&1
check "sim001: status --daemon: fencing, adopted from pid $holder" \
        grep -q "^sim001 *fencing .*fence dump: .*adopted from pid $holder" "$RUN/status1.out"
a=$(nfd_ctl "{\"command\":\"adopt\",\"target\":\"$t1\",\"action\":\"reboot\",\"pid\":$holder}")
check "sim001: a second adopt: ok at once, already ($a)" answer_is "$a" "a['ok'] and a['already']"
sleep 1
check "sim001: nothing powered while the lock is held" sh -c "! grep -q 'by=command' '$(simlog sim001)'"
touch "$RUN/adopt1.release"
wait "$holder"
check "sim001: lock released: the daemon resumes the operation, no NMI" \
        nfd_wait 10 nfd_in_log "$JLOG" 'sim001: fence connect -> wait-[a-z]*: resumed an operation whose NMI was sent'
check "sim001: the dump is still going (no dump-done yet)" sh -c "! grep -q 'sel dump-done' '$(simlog sim001)'"
"$NMIFENCE" status --daemon -c "$CONF" sim001 >"$RUN/status2.out" 2>&1
# Any state of the fence: dump-done may come between the look above and
# this one (a loaded machine), and the point is who runs it.
adopted_re="^sim001 *fencing .*fence dump: [a-z-]+.*NMI sent, resumed, adopted from pid $holder"
check "sim001: status --daemon during the adopted fence: NMI sent, resumed, adopted" \
        grep -Eq "$adopted_re" "$RUN/status2.out"
grep -Eq "$adopted_re" "$RUN/status2.out" || sed 's/^/  status: /' "$RUN/status2.out"
check "sim001: the fence ended" nfd_wait 40 fence_ended sim001
check "sim001: dump complete, power cycled and verified, exit 0" \
        nfd_in_log "$JLOG" 'sim001: fence ended: dump complete; power on (verified) (exit 0, NMI sent)'
# (the simulated capture kernel powers off by itself after dump-done: the
# fence's cycle is then its power-on)
check "sim001: the power cycle came after dump-done" \
        eval "sed -n '/sel dump-done/,\$p' '$(simlog sim001)' | grep -q 'power on by=command'"
check "sim001: no power action before dump-done" \
        eval "! sed -n '1,/sel dump-done/p' '$(simlog sim001)' | grep -q 'by=command'"
# Right after: the host boots and pets its watchdog again; the daemon's own
# watching (grace 1 s) starts no second fence.
check "sim001: healthy again" nfd_wait 20 nfd_state_is sim001 healthy
sleep 3
check "sim001: one fence in all" test "$(grep -c 'sim001: fence ended' "$JLOG")" = 1
check "sim001: still healthy" nfd_state_is sim001 healthy
check "sim001: exactly one NMI (got $(nfd_nmis sim001))" test "$(nfd_nmis sim001)" = 1
a=$(nfd_ctl '{"command":"status","hosts":["sim001"]}')
check "sim001: status: the daemon counts no NMI of its own, one fence, its last one adopted's result" \
        answer_is "$a" "a['hosts'][0]['nmis'] == 0 and a['hosts'][0]['fences'] == 1 and a['hosts'][0]['last_fence']['exit_code'] == 0 and a['hosts'][0]['last_fence']['nmi_sent']"

# ---- 2. sim003: the lock free; the state's final action (off) -----------
t3=$(target_of sim003)
touch "$RUN/hosts/sim003/hang"
check "sim003: hung" nfd_wait 5 nfd_in_log "$(simlog sim003)" 'running -> hung'
crash_run sim003 6 --off
check "sim003: nmifence --off killed after its diag request was accepted" \
        eval "sed -n '/diag interrupt accepted/,\$p' '$RUN/crash-sim003-6.log' | grep -q 'TEST: crash point 6 '"
check "sim003: the state asks for off" grep -qx 'final_action=off' "$RUN/state/127.0.0.1_$(port_of sim003).state"
a=$(nfd_ctl "{\"command\":\"adopt\",\"target\":\"$t3\",\"action\":\"off\",\"pid\":4242}")
check "sim003: adopt ok ($a)" answer_is "$a" "a['ok'] and a['host'] == 'sim003'"
check "sim003: the daemon resumes it at once (the lock is free)" \
        nfd_wait 10 nfd_in_log "$JLOG" 'sim003: fence connect -> wait-[a-z]*: resumed an operation whose NMI was sent'
check "sim003: dumping" nfd_wait 15 nfd_in_log "$(simlog sim003)" 'sel dump-start'
check "sim003: the dump is still going (no dump-done yet)" sh -c "! grep -q 'sel dump-done' '$(simlog sim003)'"
first=$DAEMON_PID
nfd_stop KILL
check "sim003: the daemon's state says off, NMI sent" \
        eval "grep -qx 'final_action=off' '$RUN/state/127.0.0.1_$(port_of sim003).state' && grep -qx 'nmi_sent=1' '$RUN/state/127.0.0.1_$(port_of sim003).state'"
NFD_LOG_TARGET=journal nfd_start
check "sim003: a new daemon (pid $DAEMON_PID, not $first) resumes it without an NMI" \
        nfd_wait 5 nfd_in_log "$JLOG" 'sim003: liveness unknown -> fencing: an earlier agent (pid [0-9]*) sent the NMI'
"$NMIFENCE" status --daemon -c "$CONF" sim003 >"$RUN/status3.out" 2>&1
check "sim003: status --daemon after the restart: still adopted from pid 4242" \
        grep -q "^sim003 *fencing .*fence dump: .*resumed, adopted from pid 4242" "$RUN/status3.out"
# another fence of the same host meanwhile joins the daemon's (its lock)
check "sim003: the daemon runs it (fence phase running)" nfd_wait 10 fence_phase_is sim003 running
"$NMIFENCE" dump -c "$CONF" --off sim003 >"$RUN/join3.out" 2>&1 &
joiner=$!
check "sim003: the fence ended" nfd_wait 40 fence_ended sim003
wait "$joiner"
rc=$?
check "sim003: nmifence dump --off meanwhile joined it: exit 0, no NMI of its own (rc $rc)" \
        eval "[ $rc = 0 ] && grep -q 'joining it: no NMI from here' '$RUN/join3.out'"
check "sim003: dump complete, powered off as the state asked, across the restart (exit 0)" \
        nfd_in_log "$JLOG" 'sim003: fence ended: dump complete; power off (verified) (exit 0, NMI sent)'
check "sim003: off after dump-done, never on again" \
        eval "sed -n '/sel dump-done/,\$p' '$(simlog sim003)' | grep -q 'power off by=' && ! sed -n '/sel dump-done/,\$p' '$(simlog sim003)' | grep -q 'power on'"
check "sim003: no power action before dump-done" \
        eval "! sed -n '1,/sel dump-done/p' '$(simlog sim003)' | grep -q 'by=command'"
check "sim003: exactly one NMI (got $(nfd_nmis sim003))" test "$(nfd_nmis sim003)" = 1
check "sim003: who handed it over is forgotten with the fence" \
        test ! -e "$RUN/state/127.0.0.1_$(port_of sim003).adopted"

# ---- 3. refusals -------------------------------------------------------
a=$(nfd_ctl '{"command":"adopt","target":"127.0.0.1:1","action":"off","pid":4242}')
check "unknown target: ok:false naming it ($a)" answer_is "$a" "not a['ok'] and '127.0.0.1:1' in a['error']"
t2=$(target_of sim002)
a=$(nfd_ctl "{\"command\":\"adopt\",\"target\":\"$t2\",\"action\":\"reboot\",\"pid\":4343}")
check "sim002 (no state): adopt taken ($a)" answer_is "$a" "a['ok'] and a['host'] == 'sim002'"
check "sim002 (no state): left alone, an error in the journal" \
        nfd_wait 10 nfd_in_log "$JLOG" 'sim002: fence ended: failed: not adopted: no operation whose NMI was sent'
crash_run sim002 1
check "sim002: nmifence killed before its diag request" \
        eval "grep -q 'TEST: crash point 1 (state written)' '$RUN/crash-sim002-1.log' && ! grep -q 'send-nmi ->' '$RUN/crash-sim002-1.log'"
check "sim002: the state says no NMI" grep -qx 'nmi_sent=0' "$RUN/state/127.0.0.1_$(port_of sim002).state"
a=$(nfd_ctl "{\"command\":\"adopt\",\"target\":\"$t2\",\"action\":\"reboot\",\"pid\":4444}")
check "sim002 (no NMI sent): adopt taken ($a)" answer_is "$a" "a['ok']"
check "sim002 (no NMI sent): left alone, an error in the journal" \
        nfd_wait 10 eval '[ "$(grep -c "sim002: fence ended: failed: not adopted" "$JLOG")" = 2 ]'
# A state that says "NMI sent" in a step that cannot be resumed (a file
# edited, a future format): never the fresh operation (with its NMI) that a
# fence of the daemon's own would start instead.
st2=$RUN/state/127.0.0.1_$(port_of sim002).state
t_start=$(sed -n 's/^t_start=//p' "$st2")
sed -i -e 's/^nmi_sent=0$/nmi_sent=1/' -e "s/^t_nmi=0\$/t_nmi=$t_start/" "$st2"
check "sim002: the state now says NMI sent in state $(sed -n 's/^state=//p' "$st2")" grep -qx 'nmi_sent=1' "$st2"
a=$(nfd_ctl "{\"command\":\"adopt\",\"target\":\"$t2\",\"action\":\"reboot\",\"pid\":4545}")
check "sim002 (not resumable): adopt taken ($a)" answer_is "$a" "a['ok']"
check "sim002 (not resumable): left alone, an error in the journal" \
        nfd_wait 10 nfd_in_log "$JLOG" 'sim002: fence ended: failed: not adopted: the operation of pid [0-9]* cannot be resumed from state'
sleep 1
check "sim002: no NMI" test "$(nfd_nmis sim002)" = 0
check "sim002: no power action" sh -c "! grep -q 'power off' '$(simlog sim002)'"

nfd_stop
check "daemon exit 0 (got $NFD_RC)" test "$NFD_RC" = 0

check "journal entries" python3 - "$JLOG" "$holder" <<'EOP'
import json, sys
es = [json.loads(l) for l in open(sys.argv[1])]
ends = [e for e in es if e.get("MESSAGE_ID") == "a961e962038b42988faab7a031dad463"]
d = [e for e in ends if e["NMIFENCE_HOST"] == "sim001"]
assert len(d) == 1, ends
d = d[0]
assert d["NMIFENCE_EXIT_CODE"] == "0" and d["NMIFENCE_NMI_SENT"] == "1" and d["PRIORITY"] == "5", d
assert d["NMIFENCE_REASON"] == "dump complete; power on (verified)", d
assert d["NMIFENCE_REQUESTED_BY"] == "python3 pid %s (released at capture)" % sys.argv[2], d
d = [e for e in ends if e["NMIFENCE_HOST"] == "sim003"]
assert len(d) == 1 and d[0]["NMIFENCE_REASON"] == "dump complete; power off (verified)", d
assert " pid 4242 (released at capture)" in d[0]["NMIFENCE_REQUESTED_BY"], d
r = [e for e in ends if e["NMIFENCE_HOST"] == "sim002"]
assert len(r) == 3 and all(e["PRIORITY"] == "3" and e["NMIFENCE_NMI_SENT"] == "0" for e in r), r
assert " pid 4343 (released at capture)" in r[0]["NMIFENCE_REQUESTED_BY"], r
s = [e for e in es if e["MESSAGE"].startswith("sim001: adopting the operation of python3 pid %s " % sys.argv[2])]
assert len(s) == 1 and s[0]["NMIFENCE_HOST"] == "sim001", s
print(len(es), "entries")
EOP
[ "$failures" = 0 ] || { cat "$RUN"/status*.out; grep -o '"MESSAGE": "[^"]*"' "$JLOG" | tail -60; }
echo "$failures failures"
[ "$failures" = 0 ]
