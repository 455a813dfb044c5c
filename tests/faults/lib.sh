# shellcheck shell=bash
# Shared by the fault-injection cases (issue 6, docs/reliability.md).
# Sourced, not run.  Builds on the e2e helpers: a fresh run directory per
# case, the lab brought up with tests/lab/lab-up and taken down by PID on
# exit.
#
# nmi_count: lines in the lab BMC module's NMI log, one per diag request
# (tests/lab/README.md), the number every case asserts.

# shellcheck source=../e2e/lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../e2e" && pwd)/lib.sh"

nmi_count() {
        wc -l <"$NF_LAB_NMI_LOG" 2>/dev/null || echo 0
}

# run_agent NAME CONF [ARGS...]: nmifence dump -v --json against labhost,
# bounded; stdout NAME.json, stderr NAME.log; sets rc and elapsed (s).
run_agent() {
        local name=$1 conf=$2 t0=$SECONDS
        shift 2
        timeout 600 "$NMIFENCE" dump -v -c "$conf" --json "$@" labhost >"$RUN/$name.json" 2>"$RUN/$name.log"
        rc=$?
        elapsed=$((SECONDS - t0))
        echo "--- $name: exit $rc after ${elapsed} s"
        cat "$RUN/$name.log"
}
