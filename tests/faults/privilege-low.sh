#!/bin/bash
# faults: an account whose privilege is too low for Chassis Control
# (matrix case 7, the privilege part; wrong password/user/cipher are in
# integration-cli-exit-codes, test-lan-errors and integration-credentials).
#   privilege-low.sh NMIFENCE
#
# Stock ipmi_sim does not check privilege on Chassis Control; the lab
# module (tests/lab/bmc/nf_diag_module.c) refuses it with 0xD4 below
# operator, as real BMCs do.  The lab's user-privilege account logs in at
# user privilege (privilege = "user") against a BMC with a fake host (no
# VM: nothing reaches a host here).  Asserts:
#   - exit 3 (credentials that cannot do Chassis Control are an
#     authorisation failure; nothing was done to the host), with
#     "privilege too low for Chassis Control" and completion code 0xD4
#     (212) in the summary and --json, and "NMI sent: no";
#   - no retry storm: exactly one Chassis Control request (the diag,
#     refused once; no power command follows, it would be refused the
#     same way), and the run ends at once (< 5 s);
#   - the BMC logged no NMI (the refused request never reached the
#     module's NMI path) and the fake host is still on.
set -uo pipefail
NMIFENCE=${1:?usage: $0 NMIFENCE}
LAB_DIR=$(cd "$(dirname "$0")/../lab" && pwd)
command -v ipmi_sim >/dev/null || { echo "SKIP: ipmi_sim not installed"; exit 77; }
command -v ipmitool >/dev/null || { echo "SKIP: ipmitool not installed"; exit 77; }

RUN=$(mktemp -d "${TMPDIR:-/tmp}/nf-faults-priv.XXXXXX")
failures=0
# Logs stay in RUN when something failed.
trap '"$LAB_DIR/lab-down" "$RUN" >/dev/null 2>&1; [ "$failures" = 0 ] && rm -rf "$RUN"' EXIT
"$LAB_DIR/bmc-up" "$RUN" --fake-host >"$RUN/bmc-up.out" 2>&1 || { cat "$RUN/bmc-up.out"; exit 1; }
# shellcheck disable=SC1091
. "$RUN/env"
export NMIFENCE_STATE_DIR=$RUN/state
check() {
        local what=$1
        shift
        if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
json() {
        python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); v=eval(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
}

printf '%s\n' "$NF_LAB_USER_PASSWORD" >"$RUN/pw"
chmod 600 "$RUN/pw"
t0=$SECONDS
timeout 60 "$NMIFENCE" dump -v --bmc "$NF_LAB_BMC_HOST" -p "$NF_LAB_BMC_PORT" -W "$NF_LAB_FREEIPMI_WORKAROUNDS" \
        -C "$NF_LAB_CIPHER" -U "$NF_LAB_USER_USER" --password-file "$RUN/pw" --privilege user \
        --session-timeout 5 --power-timeout 30 --json labhost >"$RUN/out.json" 2>"$RUN/err"
rc=$?
elapsed=$((SECONDS - t0))
echo "--- exit $rc after ${elapsed} s"
cat "$RUN/err"

check "exit 3: authorisation failure, nothing done (got $rc)" test "$rc" = 3
check "the summary names the privilege" grep -q 'privilege too low for Chassis Control' "$RUN/err"
check "the completion code is kept: 0xD4 insufficient privilege level" \
        grep -q '0xD4 (insufficient privilege level)' "$RUN/err"
check "JSON: completion_code 212, not fenced" \
        test "$(json "$RUN/out.json" 'j["error"]["completion_code"] == 212 and not j["fenced"]')" = True
check "no retry storm: one Chassis Control request" \
        test "$(grep -c -- '-> Chassis Control' "$RUN/err")" = 1
check "the summary says no NMI was sent" grep -q 'NMI sent: *no: the BMC refused the diag request' "$RUN/err"
check "JSON: nmi refused, nmi_sent false" \
        test "$(json "$RUN/out.json" 'j["nmi"] == "refused" and not j["nmi_sent"]')" = True
check "ended at once (< 5 s, got ${elapsed} s)" test "$elapsed" -lt 5
check "the BMC logged no NMI" test "$(wc -l <"$NF_LAB_NMI_LOG")" = 0
# shellcheck disable=SC2086
check "the fake host is still on" bash -c "$NF_LAB_IPMITOOL chassis power status 2>/dev/null | grep -q 'is on'"

[ "$failures" = 0 ] || { echo "$failures check(s) failed; logs in $RUN"; exit 1; }
echo "all checks passed"
