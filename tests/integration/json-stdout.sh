#!/bin/bash
# integration: with --json, stdout is one JSON document and nothing else,
# for every command form (nmifence(8)), parsed strictly by json-strict.py
# (json.loads of the whole stdout; the daemon forms: one object per line);
# the lines for people go to stderr.  Ten simulated hosts (tests/lab/
# scale-up, no QEMU), one host per operation so no kept result is reported:
#   status: ready (exit 0), an unreachable BMC (exit 3, its document with
#     the error), a powered-off host (exit 1, not ready, "power is off" in
#     the JSON and the lines for people);
#   dump, follow (after ipmitool's diag), fence; a dump interrupted by
#     SIGINT (exit 130, its document) and its resumption;
#   fleets: status, dump, fence (one document with a hosts array);
#   nmifenced: status --daemon (all hosts, one host), fence --daemon, the
#     same refused as busy (exit 1, the daemon's answer), fence --daemon
#     --wait; no daemon (exit 3): nothing on stdout.
set -uo pipefail
NMIFENCED=${1:?usage: $0 NMIFENCED NMIFENCE}
NMIFENCE=${2:?usage: $0 NMIFENCED NMIFENCE}
LAB_DIR=$(cd "$(dirname "$0")/../lab" && pwd)
STRICT=$(dirname "$0")/json-strict.py
# shellcheck source=nmifenced-lib.sh
. "$(dirname "$0")/nmifenced-lib.sh"
command -v ipmitool >/dev/null || { echo "SKIP: ipmitool not installed"; exit 77; }
nfd_init json-stdout

nfd_hosts 10
export NMIFENCE_STATE_DIR=$RUN/state

ST_KEYS=host,bmc,power,state,ready,reason,exit_code
OP_KEYS=host,bmc,mode,state,dump_result,nmi_sent,nmi,fenced,final_power,exit_code,times,records
FLEET_KEYS=command,fanout,exit_code,exit_meaning,interrupted,hosts

# run NAME ARGS...: nmifence ARGS, stdout in NAME.out, stderr in NAME.err, exit in $rc
run() {
        local name=$1
        shift
        timeout 90 "$NMIFENCE" "$@" >"$RUN/$name.out" 2>"$RUN/$name.err"
        rc=$?
        echo "--- $name: nmifence $*: exit $rc"
}
# strict NAME JSON-STRICT-ARGS...
strict() {
        local name=$1
        shift
        check "$name: stdout is strict JSON with its keys" python3 "$STRICT" "$RUN/$name.out" "$@"
}
port_of() { awk -v h="$1" '$1 == h {print $2}' "$RUN/hosts.txt"; }
admin_ipmitool() { ipmitool -I lanplus -C 3 -H 127.0.0.1 -p "$(port_of "$1")" -U admin -P nf-admin-pw "${@:2}"; }

# --- status, one host
run status-ready status -c "$CONF" --json sim001
check "status-ready: exit 0 (got $rc)" test "$rc" = 0
strict status-ready --keys "$ST_KEYS,record,sel" --expr "d['ready'] and d['reason'] is None and d['power'] == 'on'"
check "status-ready: the lines for people on stderr" grep -q '^sim001: armed' "$RUN/status-ready.err"
run status-text status -c "$CONF" sim001
check "status without --json: the lines on stdout, ready" \
        bash -c "grep -q '^sim001: armed' '$RUN/status-text.out' && grep -qx 'sim001: ready' '$RUN/status-text.out'"
run status-unreachable status -c "$CONF" --bmc 127.0.0.1 -p 9 --session-timeout 2 --json deadbmc
check "status-unreachable: exit 3 (got $rc)" test "$rc" = 3
strict status-unreachable --keys "$ST_KEYS,error" --expr "d['state'] is None and not d['ready'] and d['exit_code'] == 3"

# --- dump, follow, fence, one host
run dump dump -c "$CONF" --json sim001
check "dump: exit 0 (got $rc)" test "$rc" = 0
strict dump --keys "$OP_KEYS" --expr "d['mode'] == 'dump' and d['nmi_sent'] and d['fenced'] and d['exit_code'] == 0"
check "dump: the summary on stderr" grep -q 'sim001' "$RUN/dump.err"

admin_ipmitool sim002 chassis power diag >/dev/null
check "follow: ipmitool's NMI delivered" nfd_wait 5 test -s "$RUN/hosts/sim002/nmi.log"
run follow follow -c "$CONF" --json sim002
check "follow: exit 0 (got $rc)" test "$rc" = 0
strict follow --keys "$OP_KEYS" --expr "d['mode'] == 'follow' and not d['nmi_sent'] and d['fenced']"

run fence fence -c "$CONF" --json sim003
check "fence: exit 0 (got $rc)" test "$rc" = 0
strict fence --keys "$OP_KEYS" --expr "d['nmi_sent'] and d['fenced'] and d['exit_code'] == 0"

# --- a dump interrupted after its NMI, then resumed
timeout 90 "$NMIFENCE" dump -c "$CONF" --json sim004 >"$RUN/dump-int.out" 2>"$RUN/dump-int.err" &
pid=$!
nfd_wait 20 test -s "$RUN/hosts/sim004/nmi.log"
kill -INT "$pid"
wait "$pid"
rc=$?
echo "--- dump-int: exit $rc"
check "dump-int: exit 130 (got $rc)" test "$rc" = 130
strict dump-int --keys "$OP_KEYS" --expr "d['exit_code'] == 130 and d['nmi_sent'] and not d['fenced']"
run dump-resume dump -c "$CONF" --json sim004
check "dump-resume: exit 0 (got $rc)" test "$rc" = 0
strict dump-resume --keys "$OP_KEYS" --expr "d['resumed'] and d['exit_code'] == 0"
check "sim004: one NMI in all" test "$(nfd_nmis sim004)" = 1

# --- fleets
run fleet-status status -c "$CONF" --json 'sim[005-008]'
check "fleet-status: exit 0 (got $rc)" test "$rc" = 0
strict fleet-status --keys command,exit_code,hosts --host-keys "$ST_KEYS" \
        --expr "d['command'] == 'status' and [h['ready'] for h in d['hosts']] == [True] * 4"
run fleet-dump dump -c "$CONF" --json sim005,sim006
check "fleet-dump: exit 0 (got $rc)" test "$rc" = 0
strict fleet-dump --keys "$FLEET_KEYS" --host-keys "$OP_KEYS" \
        --expr "d['command'] == 'dump' and [h['exit_code'] for h in d['hosts']] == [0, 0]"
run fleet-fence fence -c "$CONF" --json 'sim[007-008]'
check "fleet-fence: exit 0 (got $rc)" test "$rc" = 0
strict fleet-fence --keys "$FLEET_KEYS" --host-keys "$OP_KEYS" \
        --expr "d['command'] == 'fence' and [h['fenced'] for h in d['hosts']] == [True, True]"

# --- a powered-off host is not ready (armed is its last record)
admin_ipmitool sim009 chassis power off >/dev/null
check "sim009 powered off" nfd_wait 5 nfd_in_log "$RUN/hosts/sim009/sim.log" 'power off by=command'
run status-off status -c "$CONF" --json sim009
check "status-off: exit 1, not ready (got $rc)" test "$rc" = 1
strict status-off --keys "$ST_KEYS" \
        --expr "d['state'] == 'armed' and d['power'] == 'off' and not d['ready'] and d['reason'] == 'power is off'"
check "status-off: stderr says NOT ready: power is off" grep -qx 'sim009: NOT ready: power is off' "$RUN/status-off.err"
run status-off-text status -c "$CONF" sim009
check "status-off without --json: exit 1, NOT ready: power is off on stdout" \
        bash -c "[ $rc = 1 ] && grep -qx 'sim009: NOT ready: power is off' '$RUN/status-off-text.out'"
run fleet-status-off status -c "$CONF" --json sim009,sim010
check "fleet-status-off: exit 1 (got $rc)" test "$rc" = 1
strict fleet-status-off --keys command,exit_code,hosts --host-keys "$ST_KEYS" \
        --expr "[(h['ready'], h['reason']) for h in d['hosts']] == [(False, 'power is off'), (True, None)]"
check "fleet-status-off: the table names the reason" grep -q '^sim009 .*power is off' "$RUN/fleet-status-off.err"
admin_ipmitool sim009 chassis power on >/dev/null
check "sim009 booted again" nfd_wait 10 eval \
        "[ \"\$(grep -c 'state booting -> running' '$RUN/hosts/sim009/sim.log')\" -ge 2 ]"

# --- through nmifenced
nfd_listen
nfd_start
check "the daemon sees sim009 and sim010 healthy" \
        nfd_wait 15 eval 'nfd_state_is sim009 healthy && nfd_state_is sim010 healthy'
run daemon-status status --daemon -c "$CONF" --json
check "daemon-status: exit 0 (got $rc)" test "$rc" = 0
strict daemon-status --lines --keys ok,daemon,hosts --expr "d['ok'] and len(d['hosts']) == 10"
run daemon-status-one status --daemon -c "$CONF" --json sim010
check "daemon-status-one: exit 0 (got $rc)" test "$rc" = 0
strict daemon-status-one --lines --keys ok,daemon,hosts --expr "[h['host'] for h in d['hosts']] == ['sim010']"
run daemon-fence fence --daemon -c "$CONF" --json sim009
check "daemon-fence: exit 0 (got $rc)" test "$rc" = 0
strict daemon-fence --lines --keys ok --expr "d['ok']"
run daemon-fence-busy fence --daemon -c "$CONF" --json sim009
check "daemon-fence-busy: exit 1 (got $rc)" test "$rc" = 1
strict daemon-fence-busy --lines --keys ok,error --expr "not d['ok'] and d['code'] == 'busy'"
run daemon-fence-wait fence --daemon -c "$CONF" --wait --json sim010
check "daemon-fence-wait: exit 0 (got $rc)" test "$rc" = 0
strict daemon-fence-wait --lines --keys ok,daemon,hosts \
        --expr "d['hosts'][0]['host'] == 'sim010' and d['hosts'][0]['last_fence']['exit_code'] == 0"
check "no line for people on stdout of fence --daemon --wait --json" \
        test "$(wc -l <"$RUN/daemon-fence-wait.out")" = 1
run daemon-none status --daemon="$RUN/nothing.sock" --json
check "no daemon: exit 3 (got $rc), nothing on stdout" bash -c "[ $rc = 3 ] && [ ! -s '$RUN/daemon-none.out' ]"
check "sim009's fence ended" nfd_wait 30 nfd_in_log "$RUN/daemon.log" 'sim009: fence ended'
nfd_stop

[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
