#!/bin/bash
# scale: fence a fleet of simulated hosts (tests/lab/scale-up: one ipmi_sim
# each, the lab module in simulated-target mode, no QEMU) with one NMI each,
# and check from the BMC side that every host ended fenced:
#   - each host's NMI log has exactly one line, delivered=yes;
#   - its sim log shows dump-start and dump-done, and after dump-done a
#     power command (by=command or by=bmc, never only the host's own
#     power-off), and the host ends powered on again (final action cycle);
#   - each host's SEL, read back over LAN with freeipmi, has the
#     dump-start ... dump-done records nmifence decodes;
#   - every agent run exited 0 (dump complete, fenced).
# Driver: `nmifence dump` on the host range with --fanout when the CLI has
# fleet operation, else one single-host `nmifence dump` per host through
# xargs -P (each with the shared state directory: the lock and state files
# are per BMC address and port, so the runs never meet).  No run listens
# for fence_kdump (kdump_listen is off in the generated configuration), so
# nothing binds UDP 7410.
#
# Usage: scale-fence.sh NMIFENCE [N]   (N defaults to $NF_SCALE_N or 200)
set -uo pipefail
NMIFENCE=${1:?usage: $0 NMIFENCE [N]}
N=${2:-${NF_SCALE_N:-200}}
LAB_DIR=$(cd "$(dirname "$0")/../lab" && pwd)
FANOUT=${NF_SCALE_FANOUT:-32}
command -v ipmi_sim >/dev/null || { echo "SKIP: ipmi_sim not installed"; exit 77; }
command -v ipmi-chassis >/dev/null || { echo "SKIP: freeipmi-tools not installed"; exit 77; }
command -v ipmi-sel >/dev/null || { echo "SKIP: freeipmi-tools not installed"; exit 77; }
# shellcheck source=../lab/lib.sh
. "$LAB_DIR/lib.sh"
nf_find_module >/dev/null || { echo "SKIP: nf_diag.so not built (libopenipmi-dev)"; exit 77; }
nofile=$(ulimit -n)
[ "$nofile" = unlimited ] || [ "$nofile" -ge $((N * 4 + 64)) ] || ulimit -n $((N * 4 + 64)) 2>/dev/null ||
        { echo "SKIP: ulimit -n $nofile is too low for $N BMCs"; exit 77; }

RUN=$(mktemp -d "${TMPDIR:-/tmp}/nf-scale.XXXXXX")
failures=0
cleanup() {
        "$LAB_DIR/scale-down" "$RUN" >"$RUN/scale-down.out" 2>&1 || {
                cat "$RUN/scale-down.out"
                echo "FAIL: scale-down left ipmi_sim running"
                failures=$((failures + 1))
        }
        if [ "$failures" = 0 ] && [ -z "${NF_SCALE_KEEP:-}" ]; then
                rm -rf "$RUN"
        else
                echo "kept $RUN"
        fi
}
trap cleanup EXIT
check() {
        local what=$1
        shift
        if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}

# A short schedule: the fleet's wall time is what matters, not the dump's.
if ! "$LAB_DIR/scale-up" "$RUN" "$N" --sim boot_time=0.5 --sim panic_delay=1 --sim dump_time=2 \
        --sim progress=2 --conf poll_interval=0.5 --conf nmi_timeout=30.0 --conf dump_stall_timeout=30.0 \
        --conf power_timeout=30.0 --conf session_timeout=10.0 >"$RUN/scale-up.out" 2>&1; then
        cat "$RUN/scale-up.out"
        exit 1
fi
cat "$RUN/scale-up.out"
# shellcheck disable=SC1091
. "$RUN/env"
export NMIFENCE_STATE_DIR=$RUN/agent-state
mapfile -t names < <(awk '{print $1}' "$RUN/hosts.txt")
[ "${#names[@]}" = "$N" ] || { echo "FAIL: hosts.txt has ${#names[@]} hosts, not $N"; exit 1; }

mkdir -p "$RUN/agent"
t0=$(nf_now_ms)
if "$NMIFENCE" dump --help 2>&1 | grep -q -- '--fanout'; then
        driver="nmifence dump $NF_SCALE_HOSTS --fanout $FANOUT"
        "$NMIFENCE" dump -c "$NF_SCALE_CONF" --fanout "$FANOUT" --json "$NF_SCALE_HOSTS" \
                >"$RUN/agent/fleet.json" 2>"$RUN/agent/fleet.err"
        rc=$?
        check "fleet nmifence dump exit 0 (got $rc)" test "$rc" = 0
        [ "$rc" = 0 ] || tail -20 "$RUN/agent/fleet.err"
else
        driver="single-host nmifence dump, xargs -P $FANOUT"
        # Each run records its own exit status; xargs only says "some failed".
        printf '%s\n' "${names[@]}" | xargs -P "$FANOUT" -I{} sh -c \
                '"$1" dump -c "$2" --json "$3" >"$4/$3.json" 2>"$4/$3.err"; echo $? >"$4/$3.rc"' \
                sh "$NMIFENCE" "$NF_SCALE_CONF" {} "$RUN/agent"
        bad_rc=0
        for n in "${names[@]}"; do
                rc=$(cat "$RUN/agent/$n.rc" 2>/dev/null || echo missing)
                if [ "$rc" != 0 ]; then
                        [ "$bad_rc" -lt 5 ] && { echo "$n: exit $rc"; tail -5 "$RUN/agent/$n.err"; }
                        bad_rc=$((bad_rc + 1))
                fi
        done
        check "every nmifence dump exit 0 ($bad_rc of $N not)" test "$bad_rc" = 0
fi
t_fleet=$(( $(nf_now_ms) - t0 ))
echo "fleet of $N fenced by $driver in $t_fleet ms"

# Per host, from the BMC side.  awk reads the sim log in order: the line
# numbers of the last dump-done and of the power commands after it.
bad_nmi=0 bad_fence=0 bad_on=0
for n in "${names[@]}"; do
        d=$RUN/hosts/$n
        lines=$(wc -l <"$d/nmi.log")
        yes=$(grep -c ' delivered=yes reason=sent$' "$d/nmi.log")
        if [ "$lines" != 1 ] || [ "$yes" != 1 ]; then
                [ "$bad_nmi" -lt 5 ] && { echo "$n: NMI log:"; cat "$d/nmi.log"; }
                bad_nmi=$((bad_nmi + 1))
        fi
        verdict=$(awk '
                / sel dump-start / { start = NR }
                / sel dump-done arg=0 / { if (start) done = NR }
                / power (on|off) by=(command|bmc)$/ { if (done && NR > done) fenced = 1 }
                / power on by=/ { on = 1 }
                / power off by=/ { on = 0 }
                END { print (fenced ? "fenced" : "not-fenced"), (on ? "on" : "off") }' "$d/sim.log")
        if [ "${verdict% *}" != fenced ]; then
                [ "$bad_fence" -lt 5 ] && { echo "$n: $verdict:"; tail -8 "$d/sim.log"; }
                bad_fence=$((bad_fence + 1))
        elif [ "${verdict#* }" != on ]; then
                [ "$bad_on" -lt 5 ] && { echo "$n: fenced but left off:"; tail -4 "$d/sim.log"; }
                bad_on=$((bad_on + 1))
        fi
done
check "exactly one NMI per host, delivered ($bad_nmi of $N not)" test "$bad_nmi" = 0
check "every host: a power command after its dump-done ($bad_fence of $N not)" test "$bad_fence" = 0
check "every host powered on again by the cycle ($bad_on of $N not)" test "$bad_on" = 0

# The SEL itself, over LAN from freeipmi, for every host in one process:
# dump-start ("Run-time critical stop"), dump-done ("OS graceful stop"),
# generator 4Dh (nmifence's software id) - the bytes the codec wrote.
hostlist=$(awk '{printf "%s127.0.0.1:%s", (NR > 1 ? "," : ""), $2}' "$RUN/hosts.txt")
ipmi-sel -h "$hostlist" -u admin -p "$NF_SCALE_ADMIN_PASSWORD" -l admin -D LAN_2_0 -I 3 -W opensesspriv \
        --always-prefix -F 64 --ignore-sdr-cache --hex-dump >"$RUN/sel.txt" 2>&1
bad_sel=0
while read -r _ port _ _; do
        # --hex-dump: "RID:[06][00] RT:[02] TS:[..] GID:[4D][00] ER:[04] ST:[20] SN:[04] EDIR:[6F] ED1: [A2] ED2: [15] ED3: [00]"
        sel=$(grep "^127\.0\.0\.1:$port:" "$RUN/sel.txt")
        if ! grep -q 'RT:\[02\] .* GID:\[4D\]\[00\] ER:\[04\] ST:\[20\] .* EDIR:\[6F\] ED1: \[A1\] ED2: \[13\]' <<<"$sel" ||
           ! grep -q 'RT:\[02\] .* GID:\[4D\]\[00\] ER:\[04\] ST:\[20\] .* EDIR:\[6F\] ED1: \[A2\] ED2: \[15\] ED3: \[00\]' <<<"$sel"; then
                [ "$bad_sel" -lt 3 ] && { echo "port $port: SEL:"; head <<<"$sel"; }
                bad_sel=$((bad_sel + 1))
        fi
done <"$RUN/hosts.txt"
check "every SEL has nmifence's dump-start and dump-done records ($bad_sel of $N not)" test "$bad_sel" = 0

echo "scale: N=$N, BMCs up in ${NF_SCALE_START_MS} ms, ipmi_sim PSS $((NF_SCALE_PSS_KB / 1024)) MiB, fleet fenced in $t_fleet ms ($driver)"
[ "$failures" = 0 ]
