#!/bin/bash
# integration: the dead-man switch of `nmifence-target` (docs/target.md,
# "The dead-man switch") never stops the dump, and it is stopped before
# dump-done.  The BMC is /dev/null, as in target-dump-sync: it opens and
# every request fails (ENOTTY), so stderr names each request in the order
# it is made, with no IPMI device needed.
#   - --deadman cycle: the arm (Set Watchdog Timer) follows dump-start, its
#     failure is said and the command still runs, exit 0; the stop comes
#     before dump-done;
#   - without --deadman outside a capture kernel (no /proc/vmcore here):
#     no watchdog request at all;
#   - --no-deadman: none either; bad --deadman/--dump-stall-timeout: 64.
set -uo pipefail
BIN=$(realpath "${1:?usage: $0 NMIFENCE_TARGET}")
[ -e /proc/vmcore ] && { echo "SKIP: this is a capture kernel (/proc/vmcore)"; exit 77; }
failures=0
check() {
        local what=$1
        shift
        if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
T=$(mktemp -d "${TMPDIR:-/tmp}/nf-deadman.XXXXXX")
trap 'rm -rf "$T"' EXIT

# in_order FILE PATTERN...: each pattern matches a later line than the one before.
in_order() {
        local f=$1 last=0 n
        shift
        for p in "$@"; do
                n=$(grep -n -- "$p" "$f" | head -n 1 | cut -d: -f1)
                [ -n "$n" ] && [ "$n" -gt "$last" ] || return 1
                last=$n
        done
}

run() {
        local name=$1
        shift
        "$BIN" --device /dev/null --state "$T/$name.state" "$@" >"$T/$name.out" 2>"$T/$name.err"
        rc=$?
        echo "--- $name: exit $rc"
        cat "$T/$name.err"
}

run armed --deadman cycle --dump-stall-timeout 20 dump -- sh -c 'echo command ran'
check "exit 0: the failed switch did not stop the dump (got $rc)" test "$rc" = 0
check "the command ran" grep -q 'command ran' "$T/armed.err"
check "arm failure said, the dump goes on" grep -q 'dead-man switch: arming the BMC watchdog failed: Set Watchdog Timer.*the dump goes on without it' "$T/armed.err"
check "order: dump-start, arm, command, stop, dump-done" in_order "$T/armed.err" \
        'posting dump-start failed' 'arming the BMC watchdog failed' 'command ran' \
        'stopping the BMC watchdog failed.*may still power cycle' 'posting dump-done failed'

run failed --deadman off dump -- sh -c 'exit 3'
check "exit 3, the command's" test "$rc" = 3
check "stopped before dump-failed" in_order "$T/failed.err" \
        'arming the BMC watchdog failed' 'stopping the BMC watchdog failed.*may still power off' 'posting dump-failed failed'

run first-kernel dump -- true
check "first kernel, no --deadman: exit 0 (got $rc)" test "$rc" = 0
check "no watchdog request outside a capture kernel" bash -c '! grep -q "dead-man\|Watchdog" "$1"' _ "$T/first-kernel.err"

run none --no-deadman dump -- true
check "--no-deadman: no watchdog request" bash -c '! grep -q "dead-man\|Watchdog" "$1"' _ "$T/none.err"

run bad-action --deadman reboot notify dump-start
check "--deadman reboot: exit 64 (got $rc)" test "$rc" = 64
check "names the values" grep -q 'cycle, off or none' "$T/bad-action.err"
run bad-stall --dump-stall-timeout 0 notify dump-start
check "--dump-stall-timeout 0: exit 64 (got $rc)" test "$rc" = 64

if [ "$failures" -ne 0 ]; then
        echo "$failures check(s) failed"
        exit 1
fi
