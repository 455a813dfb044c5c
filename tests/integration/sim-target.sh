#!/bin/bash
# integration: the lab module's simulated target (tests/lab/bmc/nf_sim_host.c)
# through scale-up with one host, against the real agent:
#   stay:        after_dump=stay: dump-done, the host stays on, the agent
#                powers it off and on (by=command), exit 0
#   no-panic:    failure=no-panic: armed without the NMI-panics flag, the NMI
#                is ignored, exit 2 (no panic seen), cycled anyway
#   hang:        failure=hang: dump-start then nothing, exit 1 (stalled)
#   dump-failed: exit 1, the dump-failed record's code
#   watchdog:    the hang trigger file: the watchdog stops being pet and
#                expires (Stopped, SMS/OS flag 0x10); the file is consumed;
#                after a power cycle it runs again
#   reboot:      after_dump=reboot (kdump-tools' default): an NMI by hand,
#                dump-done, then the host resets itself (by=host) and
#                boots again, with no power command
#   host-off:    the host is off before the fence: no NMI, exit 2 labelled
#                "host was powered off: nothing to dump", not "no panic seen"
#   bad option:  progress=20 is refused at start (16 records per dump)
# The summary's time lines name their two ends (NMI -> dump-start, agent
# start -> ...), and exit 2's label comes from the dump result.
# Each case: exactly one NMI line per diag.
set -uo pipefail
NMIFENCE=${1:?usage: $0 NMIFENCE}
command -v ipmi_sim >/dev/null || { echo "SKIP: ipmi_sim not installed"; exit 77; }
command -v ipmi-chassis >/dev/null || { echo "SKIP: freeipmi-tools not installed"; exit 77; }
command -v ipmitool >/dev/null || { echo "SKIP: ipmitool not installed"; exit 77; }

RUN=$(mktemp -d "${TMPDIR:-/tmp}/nf-simtarget.XXXXXX")
failures=0
. "$(dirname "$0")/sim-lib.sh"
trap sim_cleanup EXIT

# up CASE SIM-OPTIONS...: one simulated host in $RUN/CASE; sets host, dir, ipmitool
up() {
        local c=$1 a=() o
        shift
        for o in "$@"; do a+=(--sim "$o"); done
        sim_up "$c" "${a[@]}"
}
# dump CASE AGENT-OPTIONS...: nmifence dump with the generated config; rc in $rc
dump() {
        local c=$1
        shift
        NMIFENCE_STATE_DIR=$RUN/$c/agent-state timeout 60 "$NMIFENCE" dump -c "$RUN/$c/nmifence.conf" --json "$@" \
                "$host" >"$RUN/$c.json" 2>"$RUN/$c.err"
        rc=$?
        echo "--- $c: exit $rc"
        grep -E 'target:|->|exit:' "$RUN/$c.err" | tail -12
}
in_order() { # FILE PATTERN...: the patterns occur in this order
        local f=$1
        shift
        awk -v pats="$(printf '%s\n' "$@")" 'BEGIN { n = split(pats, p, "\n"); i = 1 }
                i <= n && index($0, p[i]) { i++ } END { exit !(i > n) }' "$f"
}
# wait_line FILE PATTERN: up to 5 s for the simulated host to get there
wait_line() {
        local end=$((SECONDS + 5))
        until grep -qF -- "$2" "$1"; do
                [ "$SECONDS" -lt "$end" ] || return 1
                sleep 0.1
        done
}
one_nmi() {
        [ "$(wc -l <"$dir/nmi.log")" = 1 ] && grep -q ' delivered=yes reason=sent$' "$dir/nmi.log"
}

# --- stay ---------------------------------------------------------------
if up stay after_dump=stay progress=3 cpus=4; then
        dump stay
        check "stay: exit 0" test "$rc" = 0
        check "stay: one NMI, delivered" one_nmi
        # The power-on ends the agent; the simulated boot takes boot_time more.
        wait_line "$dir/sim.log" 'sel armed arg=7 seq=0 record=8'
        check "stay: dump-start (4 CPUs), cpus, 3 progress, dump-done, then the agent's off and on" \
                in_order "$dir/sim.log" 'sel dump-start arg=4 seq=0' 'sel cpus arg=4 seq=1' 'sel progress arg=25' \
                'sel progress arg=50' 'sel progress arg=75' 'sel dump-done arg=0 seq=5' \
                'state dumping -> done: dump finished, halted' 'power off by=command' 'power on by=command' \
                'state booting -> running'
        check "stay: the host never powered itself off" bash -c "! grep -q 'power off by=host' '$dir/sim.log'"
        check "stay: the agent saw registers saved 4/4" test "$(json "$RUN/stay.json" 'j["registers_saved"], j["cpus_in_dump"]')" = "(4, 4)"
        check "stay: summary names both ends of each time" bash -c '
                grep -qE "^  time to panic: +[0-9.]+ s  \(NMI -> dump-start\)$" "$1" &&
                grep -qE "^  time to dump done: +[0-9.]+ s  \(agent start -> dump finished or given up\)$" "$1" &&
                grep -qE "^  time to power action: +[0-9.]+ s  \(agent start -> first power command\)$" "$1" &&
                grep -qE "^  power verified: +[0-9.]+ s  \(agent start -> power on verified\)$" "$1"' _ "$RUN/stay.err"
        "$LAB_DIR/scale-down" "$RUN/stay" >/dev/null
fi

# --- no-panic -----------------------------------------------------------
if up no-panic failure=no-panic; then
        dump no-panic --nmi-timeout 2
        check "no-panic: exit 2 (no panic seen)" test "$rc" = 2
        check "no-panic: one NMI, delivered" one_nmi
        check "no-panic: armed flags 5 (no NMI panic), the NMI ignored, then cycled" \
                in_order "$dir/sim.log" 'sel armed arg=5 seq=0' 'nmi state=running action=ignored (failure=no-panic)' \
                'power off by=command' 'power on by='
        check "no-panic: no dump record" bash -c "! grep -q 'sel dump' '$dir/sim.log'"
        check "no-panic: exit line labelled no panic seen" grep -q '^  exit: *2 (no panic seen: no dump)$' "$RUN/no-panic.err"
        "$LAB_DIR/scale-down" "$RUN/no-panic" >/dev/null
fi

# --- hang ---------------------------------------------------------------
if up hang failure=hang; then
        dump hang --stall-timeout 2
        check "hang: exit 1 (stalled)" test "$rc" = 1
        check "hang: result names the stall" grep -q 'stalled' "$RUN/hang.err"
        check "hang: one NMI, delivered" one_nmi
        check "hang: dump-start, hung, then the agent's off" \
                in_order "$dir/sim.log" 'sel dump-start' 'state capture -> dump-hung' 'power off by=command'
        check "hang: no progress or dump-done" bash -c "! grep -qE 'sel (progress|dump-done)' '$dir/sim.log'"
        "$LAB_DIR/scale-down" "$RUN/hang" >/dev/null
fi

# --- dump-failed --------------------------------------------------------
if up dump-failed failure=dump-failed progress=0; then
        dump dump-failed
        check "dump-failed: exit 1" test "$rc" = 1
        check "dump-failed: one NMI, delivered" one_nmi
        check "dump-failed: dump-start, cpus, dump-failed" \
                in_order "$dir/sim.log" 'sel dump-start' 'sel cpus' 'sel dump-failed arg=1 seq=2'
        "$LAB_DIR/scale-down" "$RUN/dump-failed" >/dev/null
fi

# --- reboot -------------------------------------------------------------
if up reboot after_dump=reboot off_delay=0.2; then
        $ipmitool chassis power diag >/dev/null 2>&1
        wait_line "$dir/sim.log" 'sel armed arg=7 seq=0 record=7'
        check "reboot: one NMI, delivered" one_nmi
        check "reboot: dump-done, then the host resets itself and boots again" \
                in_order "$dir/sim.log" 'sel dump-done arg=0' 'dump finished, rebooting (after_dump=reboot)' \
                'reset by=host' 'state done -> booting: kdump final action reboot' 'state booting -> running' \
                'sel armed arg=7 seq=0 record=7'
        check "reboot: no power command, no power off" bash -c "! grep -qE 'power (off|on) by=(command|host)' '$dir/sim.log'"
        "$LAB_DIR/scale-down" "$RUN/reboot" >/dev/null
else
        check "reboot: a host with after_dump=reboot comes up" false
fi

# --- host-off -----------------------------------------------------------
if up host-off; then
        $ipmitool chassis power off >/dev/null 2>&1
        wait_line "$dir/sim.log" 'power off by=command'
        dump host-off --off
        check "host-off: exit 2" test "$rc" = 2
        check "host-off: no NMI" test ! -s "$dir/nmi.log"
        check "host-off: result host was off" test "$(json "$RUN/host-off.json" 'j["dump_result"]')" = "host was off"
        check "host-off: exit line says the host was off, not no panic" \
                grep -q '^  exit: *2 (host was powered off: nothing to dump)$' "$RUN/host-off.err"
        check "host-off: --json exit_meaning the same" \
                test "$(json "$RUN/host-off.json" 'j["exit_meaning"]')" = "host was powered off: nothing to dump"
        "$LAB_DIR/scale-down" "$RUN/host-off" >/dev/null
fi

# --- watchdog and the hang trigger ---------------------------------------
wdt() { $ipmitool mc watchdog get 2>&1; }
if up watchdog wdt_timeout=2 wdt_interval=0.5; then
        w1=$(wdt)
        check "watchdog: running while the host pets it" grep -q 'Is: *Started/Running' <<<"$w1"
        check "watchdog: action none, 2 s" bash -c "grep -q 'No action' <<<'$w1' && grep -q 'Initial Countdown: *2.0 sec' <<<'$w1'"
        sleep 2.5
        check "watchdog: still running after 2.5 s (pets arrive)" bash -c "$ipmitool mc watchdog get | grep -q 'Started/Running'"
        touch "$dir/hang"
        sleep 3.5
        w2=$(wdt)
        check "watchdog: expired after the trigger (Stopped, SMS/OS flag 0x10)" \
                bash -c "grep -q 'Is: *Stopped' <<<'$w2' && grep -q 'Expiration Flags: *(0x10)' <<<'$w2'"
        check "watchdog: trigger consumed, state running -> hung" \
                bash -c "[ ! -e '$dir/hang' ] && grep -q 'state running -> hung' '$dir/sim.log'"
        $ipmitool chassis power cycle >/dev/null 2>&1
        sleep 2
        check "watchdog: running again after a power cycle, flag cleared" \
                bash -c "$ipmitool mc watchdog get | grep -q 'Started/Running' && $ipmitool mc watchdog get | grep -q 'Expiration Flags: *None'"
        "$LAB_DIR/scale-down" "$RUN/watchdog" >/dev/null
fi

# --- a bad option ---------------------------------------------------------
if "$LAB_DIR/scale-up" "$RUN/bad" 1 --sim progress=14 --sim cpus=2 --timeout 5 >"$RUN/bad.up" 2>&1; then
        check "bad option: scale-up refused progress=14 with cpus" false
else
        # The module's reason and ipmi_sim's verdict, on its stderr, passed on by scale-up.
        check "bad option: refused, the module says why" \
                bash -c "grep -q 'exceeds 16 records per dump' '$RUN/bad.up' && grep -q 'Error from module .*nf_diag.so init' '$RUN/bad.up'"
fi

[ "$failures" = 0 ]
