#!/bin/bash
# integration: what a new request does about an operation that finished on
# the same target (docs/design.md, "Kept results"), against one simulated
# host per case (tests/lab/scale-up: ipmi_sim with the lab module's
# simulated kdump target), with the real nmifence and fence_nmi.
#   kept-result.sh NMIFENCE FENCE_NMI
#
#   window:       a finished "off" and a second request within keep_result:
#                 the result is reported after a login and a look at the
#                 host, one NMI in all (nmifence dump and fence_nmi off)
#   wrong-pw:     the same with a wrong password: this request's own
#                 failure (nmifence exit 3, fence_nmi exit 1), no success;
#                 after a reboot too
#   rearmed:      a finished reboot, the host booted and posted armed: the
#                 next request is a new fence with its own NMI; an "off"
#                 whose host was powered on, re-armed and switched off
#                 again: the newer armed record makes it a new operation
#   bmc-restart:  the BMC restarted with an empty SEL (and the host off, or
#                 booting again): a new operation
#   nmi-refused:  the diag refused with 0xD4 (privilege user): persisted as
#                 not sent; the retry with operator privilege fences with
#                 one NMI, and the summary, --json and fence_nmi agree
#   follow:       after a finished dump (reboot) and a new diag from ipmitool,
#                 follow follows the new dump (not the old result) and
#                 power-cycles; a dump after a finished follow sends its NMI
#   join:         two requests at once: one NMI; a joiner with a wrong
#                 password fails on its own
# Every case counts the NMIs in the BMC's own log (nmi.log).
set -uo pipefail
NMIFENCE=${1:?usage: $0 NMIFENCE FENCE_NMI}
FENCE_NMI=${2:?usage: $0 NMIFENCE FENCE_NMI}
for c in ipmi_sim ipmitool python3; do
        command -v "$c" >/dev/null || { echo "SKIP: $c not installed"; exit 77; }
done
RUN=$(mktemp -d "${TMPDIR:-/tmp}/nf-kept.XXXXXX")
failures=0
. "$(dirname "$0")/sim-lib.sh"
. "$LAB_DIR/lib.sh"
trap sim_cleanup EXIT

# up CASE SIM-OPTIONS...: one simulated host in $RUN/CASE (sim_up), an
# agent state directory, and the same configuration with a wrong password
up() {
        local c=$1 a=() o
        shift
        for o in "$@"; do a+=(--sim "$o"); done
        sim_up "$c" "${a[@]}" || return 1
        mkdir -p "$case_dir/agent-state"
        (umask 077 && echo not-the-password >"$case_dir/wrong-password")
        sed "s|$case_dir/password|$case_dir/wrong-password|" "$case_dir/nmifence.conf" >"$case_dir/wrong.conf"
}
# dump NAME AGENT-ARGS...: nmifence with this case's config and state
# directory; rc in $rc, stderr in $RUN/NAME.err, --json in $RUN/NAME.json
dump() {
        local name=$1
        shift
        NMIFENCE_STATE_DIR=$case_dir/agent-state timeout 60 "$NMIFENCE" "${cmd:-dump}" -c "$case_dir/${conf:-nmifence.conf}" \
                --json "$@" "$host" >"$RUN/$name.json" 2>"$RUN/$name.err"
        rc=$?
        echo "--- $name: exit $rc"
        grep -E 'earlier|operation of pid|SEL since|joining|target:|exit:' "$RUN/$name.err" | tail -8
        return "$rc"
}
# fence NAME PASSWORD PARAM=VALUE...: fence_nmi with stdin parameters
fence() {
        local name=$1 pw=$2
        shift 2
        {
                echo "ip=127.0.0.1"
                echo "ipport=$port"
                echo "username=operator"
                echo "password=$pw"
                echo "lanplus=1"
                echo "cipher=3"
                echo "ipmi_workarounds=opensesspriv"
                echo "privlvl=operator"
                echo "plug=$host"
                echo "session_timeout=3"
                echo "poll_interval=0.2"
                echo "nmi_timeout=10"
                printf '%s\n' "$@"
        } >"$RUN/$name.in"
        NMIFENCE_STATE_DIR=$case_dir/agent-state timeout 60 "$FENCE_NMI" <"$RUN/$name.in" >"$RUN/$name.out" 2>"$RUN/$name.err"
        rc=$?
        echo "--- $name: fence_nmi exit $rc"
}
nmis() { wc -l <"$dir/nmi.log" 2>/dev/null || echo 0; }
power() { $ipmitool chassis power status 2>/dev/null | awk '{print $NF}'; }
# wait_line FILE PATTERN [SECONDS]: the simulated host got there
wait_line() {
        local end=$((SECONDS + ${3:-10}))
        until grep -qF -- "$2" "$1" 2>/dev/null; do
                [ "$SECONDS" -lt "$end" ] || return 1
                sleep 0.1
        done
}
armed_count() { grep -c 'sel armed' "$dir/sim.log"; }
# wait_armed N: the simulated host posted its Nth armed record (booted N times)
wait_armed() {
        local end=$((SECONDS + 15))
        until [ "$(armed_count)" -ge "$1" ]; do
                [ "$SECONDS" -lt "$end" ] || return 1
                sleep 0.1
        done
}
# restart_bmc [SIM-INIT-APPEND]: SIGKILL the host's ipmi_sim and start it
# again with an empty state directory (a BMC that lost its SEL)
restart_bmc() {
        local pid
        read -r _ _ pid _ <"$case_dir/hosts.txt"
        [ -n "${bmc_pid:-}" ] && pid=$bmc_pid
        kill -KILL "$pid"
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
        rm -rf "$dir/state"
        mkdir -p "$dir/state"
        [ -n "${1:-}" ] && sed -i "s|^\(loadlib \".*\" \".*\)\"\$|\1 $1\"|" "$dir/ipmi_sim.conf"
        (cd "$dir" && exec setsid ipmi_sim -n -c "$dir/ipmi_sim.conf" -f "$case_dir/ipmi_sim.emu" -s "$dir/state" \
                </dev/null >>"$dir/ipmi_sim.log" 2>&1) &
        bmc_pid=$!
        nf_record_pid "$case_dir" ipmi_sim "$bmc_pid"
        local end=$((SECONDS + 15))
        until $ipmitool chassis status >/dev/null 2>&1; do
                [ "$SECONDS" -lt "$end" ] || return 1
                sleep 0.2
        done
}

# --- window: the case the kept result exists for ------------------------
if up window; then
        dump window-1 --off
        check "window: first dump --off: exit 0, one NMI, host off" \
                test "$rc:$(nmis):$(power)" = "0:1:off"
        dump window-2 --off
        check "window: second dump --off within keep_result: exit 0" test "$rc" = 0
        check "window: reported after this request's login and check" \
                grep -q 'reporting its result, no new NMI (logged in; power as left' "$RUN/window-2.err"
        check "window: its --json says dump complete" test "$(json "$RUN/window-2.json" 'j["dump_result"]')" = complete
        fence window-fa "$(cat "$case_dir/password")" action=off
        check "window: fence_nmi off within keep_result: exit 0" test "$rc" = 0
        check "window: still one NMI in the BMC's log" test "$(nmis)" = 1
        "$LAB_DIR/scale-down" "$case_dir" >/dev/null
fi

# --- wrong password inside the window -------------------------------------
if up wrong-pw; then
        dump wrong-1 --off
        check "wrong-pw: first dump --off: exit 0, one NMI" test "$rc:$(nmis)" = "0:1"
        conf=wrong.conf dump wrong-2 --off
        check "wrong-pw: nmifence dump with a wrong password: exit 3" test "$rc" = 3
        check "wrong-pw: it says the login failed, not fenced" \
                bash -c "grep -q 'authentication failed' '$RUN/wrong-2.err' && ! grep -q 'success' '$RUN/wrong-2.err'"
        check "wrong-pw: its --json has exit_code 3" test "$(json "$RUN/wrong-2.json" 'j["exit_code"]')" = 3
        fence wrong-fa not-the-password action=off
        check "wrong-pw: fence_nmi off with a wrong password: exit 1" test "$rc" = 1
        fence wrong-fa-reboot not-the-password action=reboot
        check "wrong-pw: fence_nmi reboot with a wrong password: exit 1" test "$rc" = 1
        dump wrong-3 --off
        check "wrong-pw: the right password still gets the kept result (exit 0), one NMI" test "$rc:$(nmis)" = "0:1"
        "$LAB_DIR/scale-down" "$case_dir" >/dev/null
fi

# --- host re-armed inside the window ---------------------------------------
if up rearmed; then
        dump rearmed-1
        check "rearmed: first dump (reboot): exit 0, one NMI" test "$rc:$(nmis)" = "0:1"
        check "rearmed: the host booted again and posted armed (its second armed record)" wait_armed 2
        dump rearmed-2
        check "rearmed: the next dump within keep_result is a new fence: exit 0, a second NMI" \
                test "$rc:$(nmis)" = "0:2"
        check "rearmed: it says why" grep -q 'a finished power cycle is not kept' "$RUN/rearmed-2.err"
        "$LAB_DIR/scale-down" "$case_dir" >/dev/null
fi
if up rearmed-off; then
        dump rearmed-off-1 --off
        check "rearmed-off: first dump --off: exit 0, one NMI, off" test "$rc:$(nmis):$(power)" = "0:1:off"
        $ipmitool chassis power on >/dev/null
        wait_armed 2
        $ipmitool chassis power off >/dev/null
        for _ in $(seq 50); do [ "$(power)" = off ] && break; sleep 0.1; done
        dump rearmed-off-2 --off
        check "rearmed-off: power is off again as left, but the SEL has a newer armed record: a new operation" \
                grep -q 'a new one: the SEL shows the host alive since' "$RUN/rearmed-off-2.err"
        check "rearmed-off: it names the record" grep -q 'the SEL since that operation: armed' "$RUN/rearmed-off-2.err"
        check "rearmed-off: the new operation finds the host off: exit 2, no NMI" test "$rc:$(nmis)" = "2:1"
        "$LAB_DIR/scale-down" "$case_dir" >/dev/null
fi

# --- BMC restarted inside the window -----------------------------------------
if up bmc-restart; then
        dump restart-1
        check "bmc-restart: first dump (reboot): exit 0, one NMI" test "$rc:$(nmis)" = "0:1"
        check "bmc-restart: the BMC restarted with an empty SEL" restart_bmc
        check "bmc-restart: the host booted again behind it and armed" wait_armed 2
        dump restart-2
        check "bmc-restart: the next dump is a new fence: exit 0, a second NMI" test "$rc:$(nmis)" = "0:2"
        "$LAB_DIR/scale-down" "$case_dir" >/dev/null
fi
if up bmc-restart-off; then
        dump restart-off-1 --off
        check "bmc-restart-off: first dump --off: exit 0, one NMI" test "$rc:$(nmis)" = "0:1"
        check "bmc-restart-off: the BMC restarted with an empty SEL, host off" restart_bmc power=off
        check "bmc-restart-off: power off as the operation left it" test "$(power)" = off
        dump restart-off-2 --off
        check "bmc-restart-off: the operation's SEL records are gone: a new operation" \
                grep -q "a new one: the operation's SEL records are gone" "$RUN/restart-off-2.err"
        check "bmc-restart-off: it finds the host off: exit 2, no NMI" test "$rc:$(nmis)" = "2:1"
        "$LAB_DIR/scale-down" "$case_dir" >/dev/null
fi

# --- a refused NMI is not remembered as sent ----------------------------------
if up nmi-refused; then
        dump refused-1 --privilege user
        check "nmi-refused: privilege user: exit 3, 0xD4, no NMI" \
                bash -c "[ $rc = 3 ] && grep -q 'privilege too low for Chassis Control' '$RUN/refused-1.err' && [ $(nmis) = 0 ]"
        check "nmi-refused: summary says no NMI" grep -q 'NMI sent: *no: the BMC refused' "$RUN/refused-1.err"
        check "nmi-refused: --json nmi_sent false" test "$(json "$RUN/refused-1.json" 'j["nmi_sent"]')" = False
        check "nmi-refused: persisted as not sent" \
                bash -c "grep -qx 'nmi_sent=0' '$case_dir'/agent-state/*.state && grep -qx 'nmi=refused' '$case_dir'/agent-state/*.state"
        dump refused-2
        check "nmi-refused: retry with operator privilege: a real fence, exit 0, one NMI" test "$rc:$(nmis)" = "0:1"
        check "nmi-refused: summary NMI sent: yes, once" grep -q 'NMI sent: *yes, once' "$RUN/refused-2.err"
        check "nmi-refused: --json nmi_sent true" test "$(json "$RUN/refused-2.json" 'j["nmi_sent"]')" = True
        check "nmi-refused: dump complete" test "$(json "$RUN/refused-2.json" 'j["dump_result"]')" = complete
        "$LAB_DIR/scale-down" "$case_dir" >/dev/null
fi
if up nmi-refused-fa; then
        fence refused-fa-1 "$(cat "$case_dir/password")" action=off privlvl=user
        check "nmi-refused (fence_nmi): privlvl=user: exit 1, no NMI" test "$rc:$(nmis)" = "1:0"
        check "nmi-refused (fence_nmi): it says no NMI was sent, never that it was" \
                bash -c "grep -q 'no NMI was sent' '$RUN/refused-fa-1.err' && ! grep -q 'the NMI was sent' '$RUN/refused-fa-1.err'"
        fence refused-fa-2 "$(cat "$case_dir/password")" action=off
        check "nmi-refused (fence_nmi): retry as operator: exit 0, one NMI, host off" \
                test "$rc:$(nmis):$(power)" = "0:1:off"
        "$LAB_DIR/scale-down" "$case_dir" >/dev/null
fi

# --- follow and dump after each other --------------------------------------------
if up follow; then
        dump follow-1
        check "follow: first dump (reboot): exit 0, one NMI" test "$rc:$(nmis)" = "0:1"
        wait_armed 2
        $ipmitool chassis power diag >/dev/null
        cmd=follow dump follow-2
        check "follow: the follow after an operator's diag: exit 0" test "$rc" = 0
        check "follow: it followed the new dump, not the earlier result" \
                bash -c "! grep -q 'reporting its result' '$RUN/follow-2.err' && grep -q 'target: dump-done' '$RUN/follow-2.err'"
        check "follow: two NMIs in all (the dump's, ipmitool's)" test "$(nmis)" = 2
        check "follow: the host was power-cycled after the new dump" \
                bash -c "[ \$(grep -c 'power on by=command' '$dir/sim.log') = 2 ]"
        wait_armed 3
        dump follow-3
        check "follow: a dump after the finished follow sends its NMI: exit 0, three NMIs" test "$rc:$(nmis)" = "0:3"
        "$LAB_DIR/scale-down" "$case_dir" >/dev/null
fi

# --- two requests at once ------------------------------------------------------------
if up join dump_time=3; then
        NMIFENCE_STATE_DIR=$case_dir/agent-state timeout 60 "$NMIFENCE" dump -c "$case_dir/nmifence.conf" "$host" \
                >/dev/null 2>"$RUN/join-owner.err" &
        owner=$!
        until grep -qs 'send-nmi -> wait-panic' "$RUN/join-owner.err"; do sleep 0.1; done
        dump join-2 &
        joiner=$!
        conf=wrong.conf dump join-3 &
        badjoiner=$!
        wait "$owner"
        orc=$?
        wait "$joiner"
        jrc=$?
        wait "$badjoiner"
        brc=$?
        check "join: the owner exits 0" test "$orc" = 0
        check "join: the joiner reports the same fence: exit 0" test "$jrc" = 0
        check "join: the joiner joined" grep -q 'joining it: no NMI from here' "$RUN/join-2.err"
        check "join: the joiner with a wrong password fails on its own: exit 3" test "$brc" = 3
        check "join: one NMI in all, although the host armed again before the joiners looked" \
                bash -c "[ $(nmis) = 1 ] && grep -q 'this request came while that operation ran' '$RUN/join-2.err'"
        "$LAB_DIR/scale-down" "$case_dir" >/dev/null
fi

[ "$failures" = 0 ]
