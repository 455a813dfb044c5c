# shellcheck shell=bash
# Shared by the nmifenced integration tests: simulated hosts (tests/lab/
# scale-up: ipmi_sim + the lab module's simulated target, which pets the BMC
# watchdog and hangs on its trigger file), a daemon configuration, the
# test's own NOTIFY_SOCKET listener, and clean-up by PID.
# Callers set NMIFENCED, LAB_DIR, and call nfd_init NAME first.

# shellcheck source=../lab/lib.sh
. "$LAB_DIR/lib.sh"

nfd_init() {
        for c in ipmi_sim python3; do
                command -v $c >/dev/null || { echo "SKIP: $c not installed"; exit 77; }
        done
        nf_find_module >/dev/null || { echo "SKIP: nf_diag.so not built (libopenipmi-dev)"; exit 77; }
        RUN=$(mktemp -d "${TMPDIR:-/tmp}/nf-$1.XXXXXX")
        failures=0
        DAEMON_PID=
        LISTENER_PID=
        trap nfd_cleanup EXIT
}

nfd_cleanup() {
        [ -n "$DAEMON_PID" ] && kill -KILL "$DAEMON_PID" 2>/dev/null
        [ -n "$LISTENER_PID" ] && kill -TERM "$LISTENER_PID" 2>/dev/null
        [ -n "${JOURNAL_PID:-}" ] && kill -TERM "$JOURNAL_PID" 2>/dev/null
        "$LAB_DIR/scale-down" "$RUN" >"$RUN/scale-down.out" 2>&1 || {
                cat "$RUN/scale-down.out"
                echo "FAIL: scale-down left ipmi_sim running"
                failures=$((failures + 1))
        }
        if [ "$failures" = 0 ] && [ -z "${NF_KEEP:-}" ]; then
                rm -rf "$RUN"
        else
                echo "kept $RUN"
        fi
}

check() {
        local what=$1
        shift
        if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}

# nfd_init_journal NAME SCRIPT ARGS...: nfd_init NAME for a test that reads
# the daemon's journal entries: the test runs again as SCRIPT ARGS in a
# private mount namespace (exit 77 without CAP_SYS_ADMIN), where a tmpfs
# hides /run/systemd and journal-listen.py binds
# /run/systemd/journal/socket, where sd_journal_send writes; one JSON
# entry a line in $RUN/journal.log.
nfd_init_journal() {
        local name=$1
        shift
        if [ -z "${NFD_IN_NAMESPACE:-}" ]; then
                unshare -m --propagation private true 2>/dev/null ||
                        { echo "SKIP: cannot make a mount namespace (needs CAP_SYS_ADMIN)"; exit 77; }
                exec env NFD_IN_NAMESPACE=1 unshare -m --propagation private "$@"
        fi
        nfd_init "$name"
        mkdir -p /run/systemd
        mount -t tmpfs -o mode=0755 nf-journal-test /run/systemd || { echo "FAIL: tmpfs on /run/systemd"; exit 1; }
        mkdir -p /run/systemd/journal
        python3 "$(dirname "${BASH_SOURCE[0]}")/journal-listen.py" /run/systemd/journal/socket "$RUN/journal.log" &
        JOURNAL_PID=$!
        nfd_wait 5 test -e /run/systemd/journal/socket.ready || { echo "FAIL: journal listener"; exit 1; }
}

# nfd_hosts N [DAEMON-SETTINGS...]: N simulated hosts and $RUN/d.conf with
# a daemon section (short intervals; settings override).
nfd_hosts() {
        local n=$1
        shift
        "$LAB_DIR/scale-up" "$RUN" "$n" --sim boot_time=0.5 --sim panic_delay=1 --sim "dump_time=${NFD_DUMP_TIME:-2}" \
                --sim progress=2 --sim wdt_timeout=3 --sim wdt_interval=0.5 --conf session_timeout=10.0 \
                --conf poll_interval=0.5 --conf nmi_timeout=30.0 --conf dump_stall_timeout=30.0 \
                --conf power_timeout=30.0 >"$RUN/scale-up.out" 2>&1 || { cat "$RUN/scale-up.out"; exit 1; }
        # shellcheck disable=SC1091
        . "$RUN/env"
        local defaults=("poll_interval = 0.5" "grace = 1" "bmc_lost_after = 10" "dump_stall = 30"
                "max_fences = 2" "fence_window = 600" "fanout = 8"
                "control_socket = \"$RUN/ctl.sock\"" "state_dir = \"$RUN/state\"") d s
        {
                cat "$NF_SCALE_CONF"
                echo "daemon = {"
                for d in "${defaults[@]}"; do
                        for s in "$@"; do [ "${s%% *}" = "${d%% *}" ] && continue 2; done
                        echo "  $d;"
                done
                for s in "$@"; do echo "  $s;"; done
                echo "};"
        } >"$RUN/d.conf"
        CONF=$RUN/d.conf
        SOCK=$RUN/ctl.sock
}

# nfd_listen: the notify socket listener (NOTIFY_SOCKET=$RUN/notify.sock).
nfd_listen() {
        python3 "$(dirname "${BASH_SOURCE[0]}")/notify-listen.py" "$RUN/notify.sock" "$RUN/notify.log" &
        LISTENER_PID=$!
        nfd_wait 5 test -e "$RUN/notify.sock.ready" || { echo "FAIL: notify listener did not start"; exit 1; }
}

# nfd_start [ENV=VALUE...]: nmifenced in the background, stderr appended
# to $RUN/daemon.log (its log too, unless NFD_LOG_TARGET=journal); waits for
# its next READY=1.
nfd_start() {
        local ready_before
        ready_before=$(grep -c ' READY=1$' "$RUN/notify.log" 2>/dev/null)
        env NOTIFY_SOCKET="$RUN/notify.sock" "$@" "$NMIFENCED" -c "$CONF" --log-target "${NFD_LOG_TARGET:-stderr}" \
                >>"$RUN/daemon.log" 2>&1 &
        DAEMON_PID=$!
        if ! nfd_wait 15 nfd_ready_count_above "$ready_before"; then
                echo "FAIL: no READY=1 from nmifenced within 15 s"
                tail -20 "$RUN/daemon.log"
                exit 1
        fi
}

nfd_ready_count_above() {
        [ "$(grep -c ' READY=1$' "$RUN/notify.log" 2>/dev/null)" -gt "$1" ]
}

# nfd_stop [SIGNAL]: SIGTERM (or SIGNAL), wait (20 s) and reap; the exit
# status in NFD_RC (not in a subshell: only this shell can reap it).
nfd_stop() {
        local i
        kill -"${1:-TERM}" "$DAEMON_PID"
        for i in $(seq 1 200); do
                kill -0 "$DAEMON_PID" 2>/dev/null || break
                nf_pid_zombie "$DAEMON_PID" && break
                sleep 0.1
        done
        wait "$DAEMON_PID"
        NFD_RC=$?
        DAEMON_PID=
}

# nfd_wait SECONDS COMMAND...: until COMMAND succeeds (polled every 0.2 s).
nfd_wait() {
        local deadline=$(( $(nf_now_ms) + $1 * 1000 ))
        shift
        until "$@"; do
                [ "$(nf_now_ms)" -lt "$deadline" ] || return 1
                sleep 0.2
        done
}

# nfd_ctl LINE...: raw request lines to the control socket.
nfd_ctl() {
        python3 "$(dirname "${BASH_SOURCE[0]}")/ctl-request.py" "$SOCK" "$@"
}

# nfd_host_state HOST: the host's liveness state from the daemon.
nfd_host_state() {
        nfd_ctl "{\"command\":\"status\",\"hosts\":[\"$1\"]}" |
                python3 -c 'import json,sys; print(json.load(sys.stdin)["hosts"][0]["state"])'
}

nfd_state_is() {
        [ "$(nfd_host_state "$1")" = "$2" ]
}

# nfd_nmis HOST: lines of the host's NMI log (one per diag request).
nfd_nmis() {
        local f=$RUN/hosts/$1/nmi.log
        [ -e "$f" ] && wc -l <"$f" || echo 0
}

nfd_in_log() {
        grep -q -- "$2" "$1" 2>/dev/null
}
