#!/bin/bash
# integration: `nmifence dump` error paths against a real ipmi_sim (no VM).
# Each case checks the documented exit code, that the message names the
# cause, and that no NMI was sent.
#   wrong password -> 3 "password invalid" (said once); wrong user -> 3 "username invalid"
#   closed port    -> 3 "connection refused (ICMP port unreachable)" within
#                     about a second, not after the 20 s session timeout
#   bad config     -> 4 "FILE:LINE: ..."; unsafe password file -> 4
#   --password on argv is not an option -> 4
#   --test-extra-nmi without NMIFENCE_TEST_HOOKS=extra-nmi -> 4
set -uo pipefail
NMIFENCE=${1:?usage: $0 NMIFENCE}
LAB_DIR=$(cd "$(dirname "$0")/../lab" && pwd)
command -v ipmi_sim >/dev/null || { echo "SKIP: ipmi_sim not installed"; exit 77; }

RUN=$(mktemp -d "${TMPDIR:-/tmp}/nf-cli-exit.XXXXXX")
failures=0
# Logs stay in RUN when something failed.
trap '"$LAB_DIR/lab-down" "$RUN" >/dev/null 2>&1; [ "$failures" = 0 ] && rm -rf "$RUN"' EXIT
"$LAB_DIR/bmc-up" "$RUN" >"$RUN/bmc-up.out" 2>&1 || { cat "$RUN/bmc-up.out"; exit 1; }
# shellcheck disable=SC1091
. "$RUN/env"
export NMIFENCE_STATE_DIR=$RUN/state

check() {
        local what=$1
        shift
        if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
now_ms() {
        local up
        read -r up _ </proc/uptime
        echo $(( ${up%.*} * 1000 + 10#${up#*.} * 10 ))
}
pwfile() {
        printf '%s\n' "$2" >"$RUN/$1"
        chmod 600 "$RUN/$1"
        echo "$RUN/$1"
}
# run NAME ARGS...: nmifence dump against the BMC; sets rc, leaves NAME.err
run() {
        local name=$1
        shift
        timeout 60 "$NMIFENCE" dump --bmc "$NF_LAB_BMC_HOST" -W opensesspriv -C "$NF_LAB_CIPHER" \
                --session-timeout 3 --retransmit-timeout 0.5 "$@" labhost >"$RUN/$name.out" 2>"$RUN/$name.err"
        rc=$?
        echo "--- $name: exit $rc"
        cat "$RUN/$name.err"
}

good=$(pwfile good "$NF_LAB_PASSWORD")
bad=$(pwfile bad "not-the-password")

run wrong-password -p "$NF_LAB_BMC_PORT" -U "$NF_LAB_USER" --password-file "$bad"
check "wrong password: exit 3" test "$rc" = 3
check "wrong password: message names it" grep -qi "password invalid" "$RUN/wrong-password.err"
check "wrong password: the summary says the cause once" \
        grep -qE '^  error: +authentication failed: password invalid$' "$RUN/wrong-password.err"
check "wrong password: never 'authentication failed: authentication failed'" \
        bash -c '! grep -q "authentication failed: authentication failed" "$1"' _ "$RUN/wrong-password.err"

run wrong-user -p "$NF_LAB_BMC_PORT" -U nosuchuser --password-file "$good"
check "wrong user: exit 3" test "$rc" = 3
check "wrong user: message names it" grep -qi "username invalid" "$RUN/wrong-user.err"

# A UDP port with nothing behind it: bind nothing, just pick one no one has.
closed=$(( NF_LAB_BMC_PORT + 7 ))
while ss -Hlun "sport = :$closed" | grep -q .; do closed=$((closed + 1)); done
# The kernel answers with ICMP port unreachable: that ends it after one
# retransmission timeout (default 1 s), not the session timeout.
t0=$(now_ms)
run closed-port -p "$closed" -U "$NF_LAB_USER" --password-file "$good" --session-timeout 20 --retransmit-timeout 1
elapsed=$(( $(now_ms) - t0 ))
echo "closed port: ${elapsed} ms for a 20000 ms session timeout"
check "closed port: exit 3" test "$rc" = 3
check "closed port: says connection refused, nothing listens there" \
        grep -q "connection refused (ICMP port unreachable): nothing listens on $NF_LAB_BMC_HOST:$closed" \
        "$RUN/closed-port.err"
check "closed port: ended well under the session timeout (< 5 s of 20 s)" test "$elapsed" -lt 5000

cat >"$RUN/bad.conf" <<CONF
defaults = {
  cipher_suite = 3;
  nmi_timout = 10.0;
};
CONF
timeout 10 "$NMIFENCE" dump -c "$RUN/bad.conf" labhost >/dev/null 2>"$RUN/bad-conf.err"
rc=$?
cat "$RUN/bad-conf.err"
check "bad configuration: exit 4" test "$rc" = 4
check "bad configuration: file:line and the cause" grep -q "bad.conf:3: unknown setting 'nmi_timout'" "$RUN/bad-conf.err"

# release (issue 12): a bad value, and capture where there is no NMI of
# nmifence's own to release at: exit 4 naming the option, nothing sent
run release-bad -p "$NF_LAB_BMC_PORT" -U "$NF_LAB_USER" --password-file "$good" --release=soon
check "--release=soon: exit 4" test "$rc" = 4
check "--release=soon: names the option" grep -q "^nmifence: --release 'soon': must be power or capture" "$RUN/release-bad.err"
timeout 10 "$NMIFENCE" follow --bmc "$NF_LAB_BMC_HOST" -p "$NF_LAB_BMC_PORT" -U "$NF_LAB_USER" --password-file "$good" \
        --release=capture labhost >/dev/null 2>"$RUN/release-follow.err"
rc=$?
check "follow --release=capture: exit 4 (got $rc)" test "$rc" = 4
check "follow --release=capture: says why" grep -q "^nmifence: --release=capture is not for follow" "$RUN/release-follow.err"
cat >"$RUN/cycle.conf" <<CONF
hosts = ( { name = "labhost"; bmc = "$NF_LAB_BMC_HOST"; port = $NF_LAB_BMC_PORT; policy = "cycle";
  release = "capture"; } );
CONF
timeout 10 "$NMIFENCE" fence -c "$RUN/cycle.conf" labhost >/dev/null 2>"$RUN/release-cycle.err"
rc=$?
check "release capture with policy cycle: exit 4 (got $rc)" test "$rc" = 4
check "release capture with policy cycle: FILE:LINE names both" \
        grep -q 'cycle.conf:2: release = "capture" needs the NMI, but policy "cycle" is power only' "$RUN/release-cycle.err"

chmod 644 "$good"
run unsafe-pwfile -p "$NF_LAB_BMC_PORT" -U "$NF_LAB_USER" --password-file "$good"
chmod 600 "$good"
check "password file readable by others: exit 4" test "$rc" = 4
check "password file readable by others: says chmod 600" grep -q "chmod 600" "$RUN/unsafe-pwfile.err"

run argv-password -p "$NF_LAB_BMC_PORT" -U "$NF_LAB_USER" --password "$NF_LAB_PASSWORD"
check "--password on argv is refused: exit 4" test "$rc" = 4

# The test-only extra NMIs (tests/e2e/nmi-repeated*.sh) need the option AND
# NMIFENCE_TEST_HOOKS=extra-nmi; either alone is refused before any request.
run test-hook-no-env -p "$NF_LAB_BMC_PORT" -U "$NF_LAB_USER" --password-file "$good" --test-extra-nmi=panic,dump
check "--test-extra-nmi without NMIFENCE_TEST_HOOKS: exit 4" test "$rc" = 4
check "--test-extra-nmi without NMIFENCE_TEST_HOOKS: says it is test-only" grep -q "test-only" "$RUN/test-hook-no-env.err"
NMIFENCE_TEST_HOOKS=yes run test-hook-wrong-env -p "$NF_LAB_BMC_PORT" -U "$NF_LAB_USER" --password-file "$good" --test-extra-nmi=dump
check "--test-extra-nmi with another NMIFENCE_TEST_HOOKS value: exit 4" test "$rc" = 4
NMIFENCE_TEST_HOOKS=extra-nmi run test-hook-bad-value -p "$NF_LAB_BMC_PORT" -U "$NF_LAB_USER" --password-file "$good" --test-extra-nmi=twice
check "--test-extra-nmi=twice: exit 4" test "$rc" = 4
check "--test-extra-nmi is not in --help" bash -c '! "$1" --help | grep -q test-extra' _ "$NMIFENCE"

check "no NMI was sent by any of these" test "$(wc -l <"$NF_LAB_NMI_LOG" 2>/dev/null || echo 0)" = 0

[ "$failures" = 0 ] || { echo "$failures check(s) failed; logs in $RUN"; exit 1; }
echo "all checks passed"
