# shellcheck shell=bash
# smoke-lib.sh - what the bench smoke tests share: require, check,
# nothing_left.  Sourced, not run.

# shellcheck source=../tests/lab/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../tests/lab/lib.sh"

# require WHY_ROOT CMD...: exit 77 (skipped) unless every CMD is installed
# and this runs as root (for WHY_ROOT)
require() {
        local why=$1 c
        shift
        for c in "$@"; do
                command -v "$c" >/dev/null || { echo "SKIP: $c not installed (scripts/setup)"; exit 77; }
        done
        [ "$(id -u)" = 0 ] || { echo "SKIP: needs root ($why)"; exit 77; }
}

# check WHAT CMD...: CMD's status as an "ok:" or "FAIL:" line; failures
# counts the latter
failures=0
check() {
        local what=$1
        shift
        if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}

# nothing_left WORK [NETNS...]: print what bench/run left behind from its
# runs under WORK (run with TMPDIR=WORK and NF_BENCH_KEEP=1, so its run
# directories stay there for this check): a network namespace named in
# WORK/nfbench.*/netns or given, a process whose PID a lab recorded there
# or whose command line names WORK (ipmi_sim, fake-host, nmifenced all
# take a path in their run directory), a lab port lock owned by a
# directory under WORK.  Status 0 when nothing is left.
nothing_left() {
        local work=$1 f n pid st left=0 d
        shift
        local names=("$@")
        for f in "$work"/nfbench.*/netns; do
                [ -f "$f" ] && names+=("$(cat "$f")")
        done
        for n in "${names[@]}"; do
                if ip netns list | awk '{print $1}' | grep -qxF -- "$n"; then
                        echo "left: network namespace $n"
                        left=1
                fi
        done
        while read -r f; do
                while read -r n pid st; do
                        if nf_pid_alive "$pid" "$st" && ! nf_pid_zombie "$pid"; then
                                echo "left: $n $pid (recorded in $f)"
                                left=1
                        fi
                done <"$f"
        done < <(find "$work" \( -name pids -o -name pids.stopped \) -type f)
        # No grep here: its own command line would name WORK.
        local cmd
        for d in /proc/[0-9]*; do
                pid=${d#/proc/}
                cmd=$(tr '\0' ' ' 2>/dev/null <"$d/cmdline") || continue
                [[ $cmd == *"$work/"* ]] || continue
                nf_pid_zombie "$pid" && continue
                echo "left: process $pid: $cmd"
                left=1
        done
        for f in "$NF_LAB_PORT_LOCKS"/*/owner; do
                [ -f "$f" ] || continue
                case $(cat "$f" 2>/dev/null) in
                "$work"/*) echo "left: port lock ${f%/owner}"; left=1 ;;
                esac
        done
        return "$left"
}
