#!/bin/bash
# integration: nmifenced's journal entries, with the structured fields, as
# journald would receive them.  In a private mount namespace (unshare -m;
# skipped without CAP_SYS_ADMIN) a tmpfs hides /run/systemd and
# journal-listen.py binds /run/systemd/journal/socket, where sd_journal_send
# writes.  The daemon runs with its stderr set as $JOURNAL_STREAM (what
# systemd does for a service), so --log-target auto picks the journal.  Two
# simulated hosts; sim002 hangs and is fenced.  Checked entries:
#   liveness healthy -> suspect: NMIFENCE_HOST=sim002, NMIFENCE_MACHINE=
#   liveness, NMIFENCE_PREV_STATE, NMIFENCE_STATE, NMIFENCE_REASON naming
#   the watchdog, PRIORITY 4, its MESSAGE_ID; the fence machine's
#   wait-panic -> wait-dump; the fence's end: NMIFENCE_EXIT_CODE=0,
#   NMIFENCE_NMI_SENT=1; every host line carries NMIFENCE_HOST; nothing
#   about a host went to stderr.
# With strace and the built unit given: the daemon runs under strace -f,
# is reloaded once (SIGHUP: re-exec), and every system call it made is one
# the unit's SystemCallFilter= allows (unit-syscalls.py).
set -uo pipefail
NMIFENCED=${1:?usage: $0 NMIFENCED NMIFENCE [NMIFENCED_UNIT]}
UNIT=${3:-}
LAB_DIR=$(cd "$(dirname "$0")/../lab" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=nmifenced-lib.sh
. "$HERE/nmifenced-lib.sh"
nfd_init_journal nfd-journal "$0" "$@"

nfd_hosts 2
nfd_listen
# stderr is a file; $JOURNAL_STREAM names it, as systemd names its stream
: >"$RUN/daemon.log"
stream=$(stat -c '%d:%i' "$RUN/daemon.log")
TRACE=()
[ -n "$UNIT" ] && command -v strace >/dev/null && TRACE=(strace -f -qq -o "$RUN/strace.log")
# LeakSanitizer cannot run under ptrace (it aborts the daemon at exit): in a
# sanitizer build the traced daemon goes without it; the other nmifenced
# tests check its leaks there.
if ((${#TRACE[@]})) && [ "${NF_B_SANITIZE:-none}" != none ]; then
        export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
fi
NOTIFY_SOCKET=$RUN/notify.sock JOURNAL_STREAM=$stream "${TRACE[@]}" "$NMIFENCED" -c "$CONF" >>"$RUN/daemon.log" 2>&1 &
DAEMON_PID=$!
if ((${#TRACE[@]})); then
        # signals go to the daemon, not to strace
        TRACER_PID=$DAEMON_PID
        nfd_wait 5 eval '[ -n "$(pgrep -P "$TRACER_PID")" ]'
        DAEMON_PID=$(pgrep -P "$TRACER_PID" | head -1)
fi
check "READY=1" nfd_wait 15 grep -q ' READY=1$' "$RUN/notify.log"
check "both healthy" nfd_wait 10 eval 'nfd_state_is sim001 healthy && nfd_state_is sim002 healthy'
if ((${#TRACE[@]})); then
        kill -HUP "$DAEMON_PID"
        check "SIGHUP: READY=1 again" nfd_wait 15 nfd_ready_count_above 1
fi
touch "$RUN/hosts/sim002/hang"
check "the fence ended (journal entry)" nfd_wait 40 grep -q '"NMIFENCE_EXIT_CODE": "0"' "$RUN/journal.log"
check "sim002 healthy again (journal entry)" \
        nfd_wait 20 grep -q '"NMIFENCE_PREV_STATE": "fenced", "NMIFENCE_STATE": "healthy"' "$RUN/journal.log"
if ((${#TRACE[@]})); then
        kill -TERM "$DAEMON_PID"
        wait "$TRACER_PID"
        NFD_RC=$?
        DAEMON_PID=
else
        nfd_stop
fi
check "SIGTERM: exit 0 (got $NFD_RC)" test "$NFD_RC" = 0
if ((${#TRACE[@]})); then
        check "every system call is allowed by $(basename "$UNIT")'s SystemCallFilter=" \
                python3 "$HERE/unit-syscalls.py" "$UNIT" "$RUN/strace.log"
else
        echo "note: no strace or no unit given: the system call check is left out"
fi

check "entries" python3 - "$RUN/journal.log" <<'EOP'
import json, sys
es = [json.loads(l) for l in open(sys.argv[1])]
def one(**kv):
    m = [e for e in es if all(e.get(k) == v for k, v in kv.items())]
    assert m, ("no entry with", kv)
    return m[0]
s = one(NMIFENCE_HOST="sim002", NMIFENCE_MACHINE="liveness", NMIFENCE_PREV_STATE="healthy",
        NMIFENCE_STATE="suspect")
assert "BMC watchdog expired" in s["NMIFENCE_REASON"], s
assert s["PRIORITY"] == "4" and s["MESSAGE_ID"] == "03ac5f24a822473dbbdada4c46618213", s
assert s["MESSAGE"].startswith("sim002: liveness healthy -> suspect: "), s
one(NMIFENCE_HOST="sim002", NMIFENCE_MACHINE="liveness", NMIFENCE_STATE="fencing")
f = one(NMIFENCE_HOST="sim002", NMIFENCE_MACHINE="fence", NMIFENCE_PREV_STATE="wait-panic",
        NMIFENCE_STATE="wait-dump")
assert f["MESSAGE_ID"] == "cbcd73c0c1df4729b44eda6d5fc73d5f", f
d = one(MESSAGE_ID="a961e962038b42988faab7a031dad463")
assert d["NMIFENCE_HOST"] == "sim002" and d["NMIFENCE_EXIT_CODE"] == "0" and d["NMIFENCE_NMI_SENT"] == "1", d
one(NMIFENCE_HOST="sim002", NMIFENCE_MACHINE="liveness", NMIFENCE_PREV_STATE="fenced", NMIFENCE_STATE="healthy")
one(NMIFENCE_HOST="sim001", NMIFENCE_MACHINE="liveness", NMIFENCE_STATE="healthy")
for e in es:
    if e["MESSAGE"].startswith(("sim001:", "sim002:")):
        assert e.get("NMIFENCE_HOST") == e["MESSAGE"].split(":")[0], e
assert not [e for e in es if e.get("NMIFENCE_HOST") == "sim001" and e.get("NMIFENCE_STATE") == "fencing"]
print(len(es), "entries")
EOP
check "nothing about a host on stderr" sh -c "! grep -q 'sim00' '$RUN/daemon.log'"
[ "$failures" = 0 ] || { head -c 3000 "$RUN/journal.log"; cat "$RUN/daemon.log"; }
echo "$failures failures"
[ "$failures" = 0 ]
