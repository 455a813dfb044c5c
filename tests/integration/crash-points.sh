#!/bin/bash
# integration: the agent killed at every persisted step of a fence
# (issue 11, item 8), against one simulated host (tests/lab/scale-up).
#   crash-points.sh NMIFENCE
#
# nmifence dump runs with NMIFENCE_TEST_HOOKS=crash NMIFENCE_TEST_CRASH_AT=N
# (test only: it SIGKILLs itself at its Nth crash point: each write of the
# target's state file, right before and right after the diag request), for
# N = 1, 2, ... until a run reaches its end without dying.  After each
# crash the agent runs again, without the hook, on the same state
# directory.  For every crash point, for final action off and for a power
# cycle, it asserts:
#   - the killed run died by SIGKILL at point N (its log says which);
#   - at most one NMI in all, counted in the BMC's own NMI log; the one
#     exception by design: killed after a power cycle's final state was
#     written, the rerun is a new fence (a finished power cycle is not
#     kept, docs/design.md "Kept results"): its NMI comes after the first
#     fence's verified power-on, never into a dump;
#   - the rerun's result agrees with the BMC: one NMI -> exit 0, dump
#     complete (the SEL's dump-done); no NMI (killed after the state said
#     "sent", before the request left) -> exit 2, no panic seen, and no
#     claim of a dump;
#   - the host's power is where the final action puts it.
# The number of crash points is printed.
set -uo pipefail
NMIFENCE=${1:?usage: $0 NMIFENCE}
for c in ipmi_sim ipmitool python3; do
        command -v "$c" >/dev/null || { echo "SKIP: $c not installed"; exit 77; }
done
RUN=$(mktemp -d "${TMPDIR:-/tmp}/nf-crash.XXXXXX")
failures=0
. "$(dirname "$0")/sim-lib.sh"
trap sim_cleanup EXIT

sim_up sim --conf nmi_timeout=3.0 || exit 1
nmis() { wc -l <"$dir/nmi.log" 2>/dev/null || echo 0; }
power() { $ipmitool chassis power status 2>/dev/null | awk '{print $NF}'; }
armed() { grep -c 'sel armed' "$dir/sim.log"; }
# host_ready: the host is on, booted and armed again (power on if off)
host_ready() {
        local n end=$((SECONDS + 20))
        if [ "$(power)" != on ]; then
                n=$(armed)
                $ipmitool chassis power on >/dev/null
                until [ "$(armed)" -gt "$n" ]; do
                        [ "$SECONDS" -lt "$end" ] || return 1
                        sleep 0.1
                done
        fi
        # a booting host takes no NMI: wait until it is running
        until tail -n 5 "$dir/sim.log" | grep -q 'sel armed'; do
                [ "$SECONDS" -lt "$end" ] || return 1
                sleep 0.1
        done
}

points_total=0
for mode in off cycle; do
        opt=()
        [ "$mode" = off ] && opt=(--off)
        want_power=$([ "$mode" = off ] && echo off || echo on)
        n=0
        while :; do
                n=$((n + 1))
                [ "$n" -le 40 ] || { check "$mode: fewer than 40 crash points" false; break; }
                check "$mode/$n: host on and armed" host_ready
                state=$RUN/state-$mode-$n
                mkdir -p "$state"
                before=$(nmis)
                NMIFENCE_TEST_HOOKS=crash NMIFENCE_TEST_CRASH_AT=$n NMIFENCE_STATE_DIR=$state timeout 60 \
                        "$NMIFENCE" dump -c "$RUN/sim/nmifence.conf" "${opt[@]}" "$host" >/dev/null 2>"$RUN/$mode-$n.crash"
                rc=$?
                if [ "$rc" != 137 ]; then
                        # past the last point: the run ended by itself
                        check "$mode: the run with no point left ends by itself, exit 0, one NMI" \
                                test "$rc:$(($(nmis) - before))" = "0:1"
                        echo "$mode: $((n - 1)) crash points"
                        points_total=$((points_total + n - 1))
                        break
                fi
                where=$(sed -n 's/.*TEST: crash point [0-9]* (\(.*\)): SIGKILL/\1/p' "$RUN/$mode-$n.crash")
                check "$mode/$n: killed at crash point $n ($where)" grep -q "TEST: crash point $n " "$RUN/$mode-$n.crash"
                NMIFENCE_STATE_DIR=$state timeout 60 "$NMIFENCE" dump -c "$RUN/sim/nmifence.conf" "${opt[@]}" --json \
                        "$host" >"$RUN/$mode-$n.json" 2>"$RUN/$mode-$n.rerun"
                rc=$?
                sent=$(($(nmis) - before))
                result=$(json "$RUN/$mode-$n.json" 'j["dump_result"]' 2>/dev/null)
                echo "--- $mode/$n ($where): rerun exit $rc, $sent NMI, dump $result, power $(power)"
                if [ "$mode" = cycle ] && [ "$where" = "state written: finished" ]; then
                        # By design (docs/design.md, "Kept results"): a finished
                        # power cycle is kept for nobody; the host runs again.
                        # The rerun is a new fence, whose NMI comes after the
                        # first fence's power-on was verified: no dump runs.
                        check "$mode/$n: killed after the power-on was verified" \
                                grep -q 'verify-on -> done: power on verified' "$RUN/$mode-$n.crash"
                        check "$mode/$n: the rerun is a new fence and says why, one more NMI" \
                                bash -c "grep -q 'a finished power cycle is not kept' '$RUN/$mode-$n.rerun' && [ $sent = 2 ]"
                        check "$mode/$n: power $want_power" test "$(power)" = "$want_power"
                        continue
                fi
                check "$mode/$n: at most one NMI in all" test "$sent" -le 1
                if [ "$sent" = 1 ]; then
                        check "$mode/$n: one NMI: the rerun reports the dump complete, exit 0" \
                                test "$rc:$result" = "0:complete"
                        check "$mode/$n: the BMC's SEL has the dump-done" \
                                bash -c "[ \$(grep -c 'sel dump-done' '$dir/sim.log') -ge 1 ]"
                else
                        check "$mode/$n: no NMI reached the host: the rerun says no panic, exit 2" \
                                test "$rc:$result" = "2:no panic seen"
                fi
                check "$mode/$n: power $want_power as the final action leaves it" test "$(power)" = "$want_power"
        done
done
echo "$points_total crash points checked"
check "at least 8 crash points in all" test "$points_total" -ge 8

[ "$failures" = 0 ]
