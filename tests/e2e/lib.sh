# shellcheck shell=bash
# Shared by the e2e scenarios.  Sourced, not run.
#
# Each scenario gets a fresh run directory (logs are kept there), brings the
# lab up with tests/lab/lab-up and always takes it down again, by PID,
# through tests/lab/lab-down on exit.

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_DIR=$(cd "$E2E_DIR/../lab" && pwd)

NMIFENCE=${1:?usage: $0 NMIFENCE NMIFENCE_TARGET}
TARGET_HELPER=${2:?usage: $0 NMIFENCE NMIFENCE_TARGET}
: "${NF_E2E_RUNS:=${NF_LAB_BUILD_DIR:-/tmp}/e2e-runs}"

failures=0
RUN=

e2e_skip_unless() {
        for c in "$@"; do
                if ! command -v "$c" >/dev/null 2>&1; then
                        echo "SKIP: $c is not installed (scripts/setup installs it)"
                        exit 77
                fi
        done
}

# NF_E2E_WRAPPER prefixes the agent command ("${E2E_WRAPPER[@]}" "$NMIFENCE"
# ...): "valgrind" is memcheck with a log per process in the run directory,
# checked by e2e_check_wrapper; anything else is split into words and used
# as it is.
E2E_WRAPPER=()

e2e_start() {
        local name=$1
        shift
        [ "${NF_E2E_WRAPPER:-}" = valgrind ] && e2e_skip_unless valgrind
        mkdir -p "$NF_E2E_RUNS"
        RUN=$(mktemp -d "$NF_E2E_RUNS/$name.XXXXXX")
        case ${NF_E2E_WRAPPER:-} in
        '') ;;
        valgrind)
                # Definite and indirect leaks are errors; still-reachable
                # memory at exit (libfreeipmi's, libconfig's) is not.
                E2E_WRAPPER=(valgrind --leak-check=full "--errors-for-leak-kinds=definite,indirect"
                        --error-exitcode=99 --log-file="$RUN/valgrind.%p.log") ;;
        *)
                # shellcheck disable=SC2206 # words, on purpose
                E2E_WRAPPER=($NF_E2E_WRAPPER) ;;
        esac
        ((${#E2E_WRAPPER[@]})) && echo "agent wrapper: ${E2E_WRAPPER[*]}"
        # The agents' per-target lock and state stay inside the run, not in
        # the machine's /run/nmifence.
        export NMIFENCE_STATE_DIR=$RUN/state
        trap e2e_cleanup EXIT
        trap 'exit 130' INT TERM
        echo "run directory: $RUN"
        if ! "$LAB_DIR/lab-up" "$RUN" --target-helper "$TARGET_HELPER" --timeout 300 "$@" >"$RUN/lab-up.out" 2>&1; then
                cat "$RUN/lab-up.out"
                echo "FAIL: the lab did not come up"
                exit 1
        fi
        # shellcheck disable=SC1091
        . "$RUN/env"
        printf '%s\n' "$NF_LAB_PASSWORD" >"$RUN/password"
        chmod 600 "$RUN/password"
}

# ipmi_sim starts QEMU at every power-on, and QEMU writes qemu.pid only
# once it runs.  A scenario that ends right after a verified power-on
# (kill-resume) could run lab-down in between, which then finds the old,
# dead PID and leaves the new QEMU running.  While the BMC says on, wait
# (bounded) for a live QEMU behind qemu.pid.
e2e_wait_qemu_pidfile() {
        local end=$((SECONDS + 20)) qpid
        [ -n "${NF_LAB_IPMITOOL:-}" ] || return 0
        while [ "$SECONDS" -lt "$end" ]; do
                qpid=$(tr -dc 0-9 <"$RUN/qemu.pid" 2>/dev/null)
                [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null && return 0
                # shellcheck disable=SC2086
                [ "$($NF_LAB_IPMITOOL chassis power status 2>/dev/null | awk '{print $NF}')" = on ] || return 0
                sleep 0.5
        done
        echo "warning: the BMC says on but no QEMU wrote $RUN/qemu.pid within 20 s"
}

e2e_cleanup() {
        local rc=$?
        if [ -n "$RUN" ] && [ -e "$RUN/pids" ]; then
                e2e_wait_qemu_pidfile
                "$LAB_DIR/lab-down" "$RUN" >"$RUN/lab-down.out" 2>&1 || cat "$RUN/lab-down.out"
        fi
        exit "$rc"
}

# A configuration file exercising the libconfig path.  Extra settings for
# the host entry come as arguments ('nmi_timeout = 20.0;').
e2e_write_config() {
        local path=$RUN/nmifence.conf
        {
                echo "defaults = {"
                echo "  cipher_suite = $NF_LAB_CIPHER;"
                echo "  workarounds = \"$NF_LAB_FREEIPMI_WORKAROUNDS\";"
                echo "  session_timeout = 10.0;"
                echo "  power_timeout = 60.0;"
                echo "};"
                echo "hosts = ( {"
                echo "  name = \"labhost\";"
                echo "  bmc = \"$NF_LAB_BMC_HOST\";"
                echo "  port = $NF_LAB_BMC_PORT;"
                echo "  user = \"$NF_LAB_USER\";"
                echo "  password_file = \"$RUN/password\";"
                for s in "$@"; do echo "  $s"; done
                echo "} );"
        } >"$path"
        echo "$path"
}

# e2e_fence_nmi_params ACTION [KEY=VALUE...]: fence_nmi's parameters for
# the lab host as stonithd writes them on stdin, the extra ones last (the
# last of a key wins).  verbose=1: the scenarios read fence_nmi's progress
# (state changes, dump result) on stderr, where it goes only with verbose.
e2e_fence_nmi_params() {
        local action=$1
        shift
        echo "action=$action"
        echo "verbose=1"
        echo "ip=$NF_LAB_BMC_HOST"
        echo "ipport=$NF_LAB_BMC_PORT"
        echo "username=$NF_LAB_USER"
        echo "password=$NF_LAB_PASSWORD"
        echo "lanplus=1"
        echo "cipher=$NF_LAB_CIPHER"
        echo "ipmi_workarounds=$NF_LAB_FREEIPMI_WORKAROUNDS"
        echo "plug=labhost"
        echo "nodename=labhost"
        echo "session_timeout=10"
        echo "power_timeout=60"
        echo "nmi_timeout=180"
        echo "dump_stall_timeout=180"
        echo "dump_max_time=600"
        for kv in "$@"; do echo "$kv"; done
}

# e2e_agent_setup MODE: one dump-aware reboot of the lab host, as
#   nmifence   `nmifence dump -c CONF --json labhost` (stdout: JSON), or
#   fence_nmi  fence_nmi with key=value on stdin, as Pacemaker calls it
#              ($1 of the script is then fence_nmi);
# sets AGENT_CMD (run it as "${AGENT_CMD[@]}" <"$AGENT_IN"; a plain command,
# so $! of a background run is the agent itself, for kill -KILL).
e2e_agent_setup() {
        case $1 in
        nmifence)
                local conf
                conf=$(e2e_write_config 'nmi_timeout = 180.0;' 'dump_stall_timeout = 180.0;')
                AGENT_CMD=("$NMIFENCE" dump -c "$conf" --json labhost)
                AGENT_IN=/dev/null
                ;;
        fence_nmi)
                AGENT_IN=$RUN/fence_nmi.params
                e2e_fence_nmi_params reboot >"$AGENT_IN"
                chmod 600 "$AGENT_IN"
                AGENT_CMD=("$NMIFENCE")
                ;;
        *)
                echo "unknown agent mode '$1' (nmifence or fence_nmi)"
                exit 2
                ;;
        esac
}

check() {
        local what=$1
        shift
        if "$@"; then
                echo "ok: $what"
        else
                echo "FAIL: $what"
                failures=$((failures + 1))
        fi
}

# json FILE EXPR: evaluate a Python expression over the parsed JSON as j.
json() {
        python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); v=eval(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
}

# The nmifence stages in the SEL, oldest first, read with ipmitool (an
# independent client) and decoded here from the raw bytes per
# docs/protocol.md: generator 4Dh, event type 6Fh, ED2 = 1Xh.
# sel_stages --arg: "STAGE ED3" per line, ED3 (the stage's argument, e.g.
# armed's flags) as two hex digits.
sel_stages() {
        local id=0 out bytes next gen etype ed2 with_arg=
        [ "${1:-}" = --arg ] && with_arg=1
        local -a names=([1]=armed [2]=disarmed [3]=dump-start [4]=progress [5]=dump-done [6]=dump-failed [7]=cpus)
        for _ in $(seq 1 512); do
                # shellcheck disable=SC2086
                out=$($NF_LAB_IPMITOOL raw 0x0a 0x43 0x00 0x00 $((id & 0xff)) $((id >> 8)) 0x00 0xff 2>/dev/null) || break
                read -r -a bytes <<<"$(echo "$out" | tr '\n' ' ')"
                [ "${#bytes[@]}" -ge 18 ] || break
                next=$((16#${bytes[1]}${bytes[0]}))
                gen=$((16#${bytes[9]}))
                etype=$((16#${bytes[14]}))
                ed2=$((16#${bytes[16]}))
                if [ "$((16#${bytes[4]}))" = 2 ] && [ "$gen" = $((0x4d)) ] && [ "$etype" = $((0x6f)) ] &&
                   [ $((ed2 >> 4)) = 1 ] && [ -n "${names[$((ed2 & 15))]:-}" ]; then
                        echo "${names[$((ed2 & 15))]}${with_arg:+ ${bytes[17]}}"
                fi
                [ "$next" = $((0xffff)) ] && break
                id=$next
        done
}

# count_lines FILE PATTERN
count_lines() {
        grep -a -c -- "$2" "$1" 2>/dev/null || true
}

# wait_for_count FILE PATTERN N TIMEOUT_S
wait_for_count() {
        local end=$((SECONDS + $4))
        while [ "$SECONDS" -lt "$end" ]; do
                [ "$(count_lines "$1" "$2")" -ge "$3" ] && return 0
                sleep 1
        done
        return 1
}

# e2e_check_wrapper: under NF_E2E_WRAPPER=valgrind, every agent process
# ran under memcheck and its log reports no errors and no leaks.
e2e_check_wrapper() {
        local logs=("$RUN"/valgrind.*.log) f
        [ "${NF_E2E_WRAPPER:-}" = valgrind ] || return 0
        check "valgrind: the agent ran under memcheck" test -s "${logs[0]}"
        for f in "${logs[@]}"; do
                [ -e "$f" ] || continue
                echo "--- ${f##*/}: $(grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|All heap blocks' "$f" | sed 's/^==[0-9]*== *//' | tr '\n' ';')"
                check "valgrind ${f##*/}: ERROR SUMMARY: 0 errors" grep -q 'ERROR SUMMARY: 0 errors from 0 contexts' "$f"
                check "valgrind ${f##*/}: nothing definitely or indirectly lost" \
                        bash -c '! grep -Eq "(definitely|indirectly) lost: [1-9]" "$1"' _ "$f"
                grep -q 'ERROR SUMMARY: 0 errors' "$f" || cat "$f"
        done
}

e2e_finish() {
        e2e_check_wrapper
        if [ "$failures" -ne 0 ]; then
                echo "$failures check(s) failed; logs in $RUN"
                exit 1
        fi
        echo "all checks passed; logs in $RUN"
        exit 0
}

# wait_armed N TIMEOUT_S: the SEL holds at least N armed records.
wait_armed() {
        local end=$((SECONDS + $2))
        while [ "$SECONDS" -lt "$end" ]; do
                [ "$(sel_stages | grep -c '^armed$')" -ge "$1" ] && return 0
                sleep 2
        done
        return 1
}

# e2e_debian_vmcore_checks DISK: the Debian guest's disk image (the run's
# copy, the guest powered off) holds the vmcore kdump-tools saved, and it
# is a real one: e2fsck, then debugfs reads /var/crash/<stamp>/ out,
# makedumpfile rebuilds and reads it, the crashed kernel's log shows the
# NMI panic.  The image (2 GiB sparse) is removed when no check failed.
e2e_debian_vmcore_checks() {
        local disk=$1 stamp
        # debugfs reads blocks in place and ignores the journal: what the
        # guest wrote last may be only there.  e2fsck replays it.
        e2fsck -fy "$disk" >"$RUN/e2fsck.log" 2>&1
        check "e2fsck: the guest's file system is consistent after the power-off (exit < 4)" test "$?" -lt 4
        debugfs -R 'ls -p /var/crash' "$disk" 2>"$RUN/debugfs.err" >"$RUN/crash-ls.txt"
        stamp=$(awk -F/ '$6 ~ /^2[0-9]+$/ {print $6}' "$RUN/crash-ls.txt" | sort | tail -1)
        echo "debugfs: /var/crash/$stamp"
        debugfs -R "ls -l /var/crash/$stamp" "$disk" 2>/dev/null
        check "disk image holds /var/crash/<stamp>/" test -n "$stamp"
        debugfs -R "dump /var/crash/$stamp/dump.$stamp $RUN/vmcore.flat" "$disk" >/dev/null 2>&1
        debugfs -R "dump /var/crash/$stamp/dmesg.$stamp $RUN/dmesg.saved" "$disk" >/dev/null 2>&1
        check "kdump-tools' dmesg file shows the NMI panic" grep -q 'NMI' "$RUN/dmesg.saved"
        check "makedumpfile -R rebuilds the flattened vmcore" \
                bash -c 'makedumpfile -R "$1/vmcore" <"$1/vmcore.flat" >/dev/null 2>&1' _ "$RUN"
        check "makedumpfile reads the vmcore back (--dump-dmesg), NMI panic in it" \
                bash -c 'makedumpfile --dump-dmesg "$1/vmcore" "$1/vmcore-dmesg.txt" >/dev/null 2>&1 && grep -q NMI "$1/vmcore-dmesg.txt"' _ "$RUN"
        rm -f "$RUN/vmcore.flat" "$RUN/vmcore"
        [ "$failures" -ne 0 ] || rm -f "$disk"
}

# e2e_debian_image [--cluster]: build (or take from the cache) the Debian
# guest with tests/lab/build-debian-guest, and set NF_DEB_IMAGE,
# NF_DEB_KERNEL, NF_DEB_INITRD, NF_DEB_KVER.  Exits 77 when the build
# cannot run here (no root, debootstrap or mirror), 1 when it fails.
e2e_debian_image() {
        local build_dir out rc
        build_dir=${NF_LAB_BUILD_DIR:-$(cd "$(dirname "$NMIFENCE")/.." && pwd)}
        out=$(mktemp)
        "$LAB_DIR/build-debian-guest" --build-dir "$build_dir" "$@" >"$out" 2>"$out.err"
        rc=$?
        if [ "$rc" = 3 ]; then
                echo "SKIP: $(grep -m1 'unavailable:' "$out.err" | sed 's/.*unavailable: //')"
                rm -f "$out" "$out.err"
                exit 77
        fi
        cat "$out.err"
        if [ "$rc" != 0 ]; then
                rm -f "$out" "$out.err"
                echo "FAIL: build-debian-guest exited $rc"
                exit 1
        fi
        # shellcheck disable=SC1090
        . "$out"
        rm -f "$out" "$out.err"
}
