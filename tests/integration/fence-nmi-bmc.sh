#!/bin/bash
# integration: fence_nmi's FenceAgentAPI exit codes and messages against a
# real ipmi_sim (no VM), parameters given as key=value lines on stdin, as
# Pacemaker passes them.  The host is tests/integration/fake-vm.py on the
# BMC's system-interface port, started by ipmi_sim at every power on and
# gone at power off, so the BMC's power state really changes.
#   status: 0 on, 2 off; monitor 0; list "plug," / nothing without plug
#   off (host on, no kdump): one NMI, no panic, power off verified -> 0
#   off (already off): no NMI, 0, says so; on: 0 and status 0; on again 0
#   off with no_panic_policy=leave: 1, "NOT fenced", host still on
#   reboot (host on): one NMI, then off+on verified -> 0; host off -> no NMI, on -> 0
#   diag: one NMI, 0; wrong password / user -> 1 naming the cause, no NMI
#   unreachable BMC -> 1 within session_timeout + slack, for status and off
#   unknown action -> 1 with a message
# Output as fence-agents' fencing.py: on success stdout is exactly the result
# line ("Success: Powered OFF", ...) and stderr holds no progress line (only
# a WARNING when the dump is missing); progress with verbose=1 on stderr, with
# debug_file=PATH in that file only; failures always on stderr.
set -uo pipefail
FENCE_NMI=${1:?usage: $0 FENCE_NMI}
TEST_DIR=$(cd "$(dirname "$0")" && pwd)
LAB_DIR=$(cd "$TEST_DIR/../lab" && pwd)
for c in ipmi_sim ipmitool python3 ss; do
        command -v "$c" >/dev/null || { echo "SKIP: $c not installed"; exit 77; }
done

RUN=$(mktemp -d "${TMPDIR:-/tmp}/nf-fence-nmi-bmc.XXXXXX")
failures=0
trap '"$LAB_DIR/lab-down" "$RUN" >/dev/null 2>&1; [ "$failures" = 0 ] && rm -rf "$RUN"' EXIT

serial=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$RUN/start-host" <<SH
#!/bin/sh
echo "start \$(cut -d' ' -f1 /proc/uptime)" >>"$RUN/host.log"
exec python3 "$TEST_DIR/fake-vm.py" $serial "$RUN/host-wire.log"
SH
chmod +x "$RUN/start-host"
"$LAB_DIR/bmc-up" "$RUN" --serial-port "$serial" --startcmd "$RUN/start-host" >"$RUN/bmc-up.out" 2>&1 ||
        { cat "$RUN/bmc-up.out"; exit 1; }
# shellcheck disable=SC1091
. "$RUN/env"

check() {
        local what=$1
        shift
        if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
now_ms() {
        local up
        read -r up _ </proc/uptime
        echo $(( ${up%.*} * 1000 + 10#${up#*.} * 10 ))
}
nmis() { wc -l <"$NF_LAB_NMI_LOG" 2>/dev/null || echo 0; }

# agent NAME [key=value ...]: fence_nmi with the lab's parameters on stdin,
# the extra lines after them; sets rc, leaves NAME.out / NAME.err.
agent() {
        local name=$1
        shift
        {
                echo "# fence_nmi parameters, as stonithd writes them"
                echo "ip=$NF_LAB_BMC_HOST"
                echo "ipport=$NF_LAB_BMC_PORT"
                echo "username=$NF_LAB_USER"
                echo "password=$NF_LAB_PASSWORD"
                echo "lanplus=1"
                echo "cipher=$NF_LAB_CIPHER"
                echo "ipmi_workarounds=$NF_LAB_FREEIPMI_WORKAROUNDS"
                echo "plug=labhost"
                echo "session_timeout=3"
                echo "retransmit_timeout=0.5"
                echo "power_timeout=20"
                echo "nmi_timeout=1"
                echo "dump_stall_timeout=5"
                echo "dump_max_time=10"
                echo
                printf '%s\n' "$@"
        } >"$RUN/$name.in"
        # A state directory per call: each call here is a new operation, not
        # one joining the previous call's (the lock/join has its own tests).
        mkdir -p "$RUN/state-$name"
        NMIFENCE_STATE_DIR=$RUN/state-$name timeout 120 "$FENCE_NMI" <"$RUN/$name.in" >"$RUN/$name.out" 2>"$RUN/$name.err"
        rc=$?
        echo "--- $name: exit $rc"
        cat "$RUN/$name.out" "$RUN/$name.err"
}
# no_progress NAME: NAME.err has no progress line (state changes "a -> b",
# "[   1.234] host:" log lines, "opening a session").
no_progress() {
        ! grep -qE -- ' -> |^\[ *[0-9.]+\] |opening a session|dump-aware fence' "$RUN/$1.err"
}
power() { $NF_LAB_IPMITOOL chassis power status 2>/dev/null | awk '{print $NF}'; }
wait_power() {
        local want=$1 end=$((SECONDS + 20))
        while [ "$SECONDS" -lt "$end" ]; do [ "$(power)" = "$want" ] && return 0; sleep 0.5; done
        return 1
}

check "lab: the fake host is on after bmc-up" wait_power on

agent status-on action=status
check "status of a host that is on: exit 0" test "$rc" = 0
check "status of a host that is on: says ON" grep -q "Status: ON" "$RUN/status-on.out"

agent monitor action=monitor
check "monitor: exit 0" test "$rc" = 0

agent list action=list
check "list: exit 0" test "$rc" = 0
check "list: prints plug as name,alias" test "$(cat "$RUN/list.out")" = "labhost,"
agent list-noplug action=list plug=
check "list without plug: exit 0 and nothing printed" test "$rc" = 0 -a ! -s "$RUN/list-noplug.out"

n0=$(nmis)
agent off-on action=off
check "off of a host that is on (no kdump behind it): exit 0, power off verified" test "$rc" = 0
check "off: exactly one NMI sent" test "$(nmis)" = $((n0 + 1))
check "off: dump result logged as missing, host fenced" grep -q "WARNING: dump result: no panic seen.*IS fenced" "$RUN/off-on.err"
check "off: the BMC reports power off" test "$(power)" = off
check "off: stdout is exactly the result line" test "$(cat "$RUN/off-on.out")" = "Success: Powered OFF"
check "off: stderr has the warning and no progress line" no_progress off-on

agent status-off action=status
check "status of a host that is off: exit 2" test "$rc" = 2
check "status of a host that is off: says OFF" grep -q "Status: OFF" "$RUN/status-off.out"

n0=$(nmis)
agent off-off action=off
check "off of a host already off: exit 0" test "$rc" = 0
check "off of a host already off: stdout says so" test "$(cat "$RUN/off-off.out")" = "Success: Already OFF"
check "off of a host already off: nothing on stderr" test ! -s "$RUN/off-off.err"
check "off of a host already off: no NMI" test "$(nmis)" = "$n0"
agent off-off-verbose action=off verbose=1
check "off, verbose=1: exit 0, the same result line" test "$rc $(cat "$RUN/off-off-verbose.out")" = "0 Success: Already OFF"
check "off, verbose=1: progress on stderr (session, state changes, no NMI)" bash -c '
        grep -q "dump-aware fence through BMC" "$1" && grep -q "connect -> mark-sel" "$1" && grep -q "already off: no NMI sent" "$1"' \
        _ "$RUN/off-off-verbose.err"

agent on action=on
check "on: exit 0" test "$rc" = 0
check "on: stdout is exactly the result line" test "$(cat "$RUN/on.out")" = "Success: Powered ON"
check "on: nothing on stderr" test ! -s "$RUN/on.err"
check "on: the BMC reports power on" test "$(power)" = on
agent status-on2 action=status
check "status after on: exit 0" test "$rc" = 0
agent on-again action=on
check "on of a host already on: exit 0" test "$rc" = 0
check "on of a host already on: says so on stdout" test "$(cat "$RUN/on-again.out")" = "Success: Already ON"

n0=$(nmis)
agent off-leave action=off no_panic_policy=leave
check "off, no panic, no_panic_policy=leave: exit 1" test "$rc" = 1
check "off, leave: says the host is NOT fenced" grep -q "NOT fenced" "$RUN/off-leave.err"
check "off, leave: one NMI, host left on" test "$(nmis)" = $((n0 + 1)) -a "$(power)" = on

n0=$(nmis)
starts=$(wc -l <"$RUN/host.log")
agent reboot-on action=reboot "debug_file=$RUN/reboot.debug"
check "reboot of a host that is on: exit 0" test "$rc" = 0
check "reboot: stdout is exactly the result line" test "$(cat "$RUN/reboot-on.out")" = "Success: Rebooted"
check "reboot with debug_file: no progress on stderr" no_progress reboot-on
check "reboot with debug_file: the progress is in the file (NMI, off, on)" bash -c '
        grep -q "send-nmi -> wait-panic" "$1" && grep -q -- "-> power-off:" "$1" && grep -q -- "-> power-on:" "$1"' \
        _ "$RUN/reboot.debug"
check "reboot with debug_file: the warning is in the file too" grep -q "WARNING: dump result" "$RUN/reboot.debug"
check "reboot: exactly one NMI" test "$(nmis)" = $((n0 + 1))
check "reboot: off verified before on (power-off then power-on in the log)" \
        bash -c 'o=$(grep -n -- "-> power-off:" "$1" | head -1 | cut -d: -f1); n=$(grep -n -- "-> power-on:" "$1" | head -1 | cut -d: -f1); [ -n "$o" ] && [ -n "$n" ] && [ "$o" -lt "$n" ]' _ "$RUN/reboot.debug"
check "reboot: the host was started again" test "$(wc -l <"$RUN/host.log")" -gt "$starts"
check "reboot: the BMC reports power on" test "$(power)" = on

$NF_LAB_IPMITOOL chassis power off >/dev/null 2>&1
wait_power off
n0=$(nmis)
agent reboot-off action=reboot
check "reboot of a host that is off (fence-agents #596): exit 0" test "$rc" = 0
check "reboot of a host that is off: no NMI" test "$(nmis)" = "$n0"
check "reboot of a host that is off: powered on" test "$(power)" = on

n0=$(nmis)
agent diag action=diag
check "diag: exit 0" test "$rc" = 0
check "diag: exactly one NMI" test "$(nmis)" = $((n0 + 1))
check "diag: stdout is exactly the result line" test "$(cat "$RUN/diag.out")" = "Success: Diagnostic interrupt sent"

n0=$(nmis)
agent bad-password action=status password=not-the-password
check "wrong password: exit 1" test "$rc" = 1
check "wrong password: stderr names the cause" grep -q "password invalid" "$RUN/bad-password.err"
agent bad-password-off action=off password=not-the-password
check "wrong password, off: exit 1" test "$rc" = 1
check "wrong password, off: stderr names the cause" grep -q "password invalid" "$RUN/bad-password-off.err"
check "wrong password, off: nothing on stdout" test ! -s "$RUN/bad-password-off.out"
agent bad-user action=monitor username=nosuchuser
check "wrong user, monitor: exit 1" test "$rc" = 1
check "wrong user: stderr names the cause" grep -q "username invalid" "$RUN/bad-user.err"
check "no NMI from the failed logins" test "$(nmis)" = "$n0"

closed=$(( NF_LAB_BMC_PORT + 7 ))
while ss -Hlun "sport = :$closed" | grep -q .; do closed=$((closed + 1)); done
for act in status off; do
        t0=$(now_ms)
        agent "unreachable-$act" "action=$act" "ipport=$closed"
        elapsed=$(( $(now_ms) - t0 ))
        echo "unreachable $act: ${elapsed} ms for a 3000 ms session timeout"
        check "unreachable BMC, $act: exit 1" test "$rc" = 1
        check "unreachable BMC, $act: says so" grep -qi "BMC did not answer\|unreachable" "$RUN/unreachable-$act.err"
        check "unreachable BMC, $act: within the bound (3 s + 2 s slack)" test "$elapsed" -le 5000
done

agent unknown-action action=explode
check "unknown action: exit 1" test "$rc" = 1
check "unknown action: message names it" grep -q "unknown action 'explode'" "$RUN/unknown-action.err"

[ "$failures" = 0 ] || { echo "$failures check(s) failed; logs in $RUN"; exit 1; }
echo "all checks passed"
