#!/bin/bash
# faults: session set-up through 30 % loss (matrix case 1a, the set-up
# part).  setup-rate.sh NMIFENCE [RUNS]
#
# RUNS (25) `nmifence status` runs, each through its own
# tests/faults/udp-impair.py relay that drops 30 % of the datagrams in each
# direction (seed = the run's number), retransmit_timeout 0.3 s,
# session_timeout 10 s, against ipmi_sim with a fake host (no VM).  A
# lost RAKP 4 must not cost the set-up (the engine begins it again,
# docs/design.md "The RMCP+ engine").  Asserts that every run opened its
# session: no "cannot log in" in any run's output.
set -uo pipefail
NMIFENCE=${1:?usage: $0 NMIFENCE [RUNS]}
RUNS=${2:-25}
HERE=$(cd "$(dirname "$0")" && pwd)
LAB_DIR=$HERE/../lab
command -v ipmi_sim >/dev/null || { echo "SKIP: ipmi_sim not installed"; exit 77; }
command -v ipmitool >/dev/null || { echo "SKIP: ipmitool not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }

RUN=$(mktemp -d "${TMPDIR:-/tmp}/nf-faults-setup.XXXXXX")
relay=
cleanup() {
        [ -n "$relay" ] && { kill "$relay" 2>/dev/null; wait "$relay" 2>/dev/null; }
        "$LAB_DIR/lab-down" "$RUN" >/dev/null 2>&1
        [ "${failed:-1}" = 0 ] && rm -rf "$RUN"
}
trap cleanup EXIT
"$LAB_DIR/bmc-up" "$RUN" --fake-host >"$RUN/bmc-up.out" 2>&1 || { cat "$RUN/bmc-up.out"; exit 1; }
# shellcheck disable=SC1091
. "$RUN/env"
export NMIFENCE_STATE_DIR=$RUN/state
printf '%s\n' "$NF_LAB_OPERATOR_PASSWORD" >"$RUN/pw"
chmod 600 "$RUN/pw"

opened=0
for i in $(seq "$RUNS"); do
        rm -f "$RUN/relay.port"
        python3 "$HERE/udp-impair.py" --upstream "$NF_LAB_BMC_PORT" --port-file "$RUN/relay.port" \
                --log "$RUN/relay-$i.log" --loss 0.3 --seed "$i" &
        relay=$!
        for _ in $(seq 50); do [ -s "$RUN/relay.port" ] && break; sleep 0.1; done
        t0=$(date +%s%N)
        timeout 60 "$NMIFENCE" status --bmc "$NF_LAB_BMC_HOST" -p "$(cat "$RUN/relay.port")" \
                -W "$NF_LAB_FREEIPMI_WORKAROUNDS" -C "$NF_LAB_CIPHER" -U "$NF_LAB_OPERATOR_USER" \
                --password-file "$RUN/pw" --session-timeout 10 --retransmit-timeout 0.3 labhost \
                >"$RUN/out-$i" 2>&1
        rc=$?
        ms=$(( ($(date +%s%N) - t0) / 1000000 ))
        kill "$relay" 2>/dev/null
        wait "$relay" 2>/dev/null
        relay=
        if grep -q "cannot log in" "$RUN/out-$i" || [ "$rc" = 124 ]; then
                echo "run $i: NOT opened (exit $rc, $ms ms): $(tail -1 "$RUN/out-$i")"
        else
                opened=$((opened + 1))
                echo "run $i: opened (exit $rc, $ms ms; relay: $(tail -1 "$RUN/relay-$i.log"))"
        fi
done
echo "$opened of $RUNS runs opened their session through 30 % loss"
failed=1
[ "$opened" = "$RUNS" ] && failed=0
[ "$failed" = 0 ] || { echo "FAIL: logs in $RUN"; exit 1; }
echo "all checks passed"
