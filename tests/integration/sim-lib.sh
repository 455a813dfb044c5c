# Sourced by the integration tests that run the agent against simulated
# hosts (tests/lab/scale-up: one ipmi_sim per host with the lab module's
# simulated kdump target).  Needs RUN (the test's directory) and failures=0
# set by the caller; LAB_DIR is set here.
#
#   sim_cleanup           EXIT trap: scale-down every case in RUN, keep RUN on failure
#   check WHAT CMD...     "ok: WHAT" or "FAIL: WHAT" (counts failures)
#   json FILE EXPR        a Python expression over the JSON document j
#   sim_up CASE [--sim K=V | --conf K=V]...
#                         one simulated host in RUN/CASE (boot 0.2 s, panic
#                         0.5 s, dump 1 s, poll 0.2 s unless given again);
#                         sets case_dir, host, port, dir (its BMC's files:
#                         nmi.log, sim.log) and ipmitool (admin account)
# shellcheck shell=bash
LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../lab" && pwd)

sim_cleanup() {
        local d
        for d in "$RUN"/*/; do
                [ -f "$d/pids" ] && "$LAB_DIR/scale-down" "$d" >/dev/null 2>&1
        done
        [ "$failures" = 0 ] && rm -rf "$RUN" || echo "kept $RUN"
}
check() {
        local what=$1
        shift
        if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
json() {
        python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
sim_up() {
        local c=$1
        shift
        if ! "$LAB_DIR/scale-up" "$RUN/$c" 1 --sim boot_time=0.2 --sim panic_delay=0.5 --sim dump_time=1 \
                --conf poll_interval=0.2 "$@" >"$RUN/$c.up" 2>&1; then
                cat "$RUN/$c.up"
                return 1
        fi
        case_dir=$RUN/$c
        read -r host port _ dir <"$case_dir/hosts.txt"
        ipmitool="ipmitool -I lanplus -C 3 -H 127.0.0.1 -p $port -U admin -P nf-admin-pw"
}
