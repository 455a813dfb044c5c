#!/bin/bash
# integration: the unit tests' RMCP+ test BMC (tests/unit/test-bmc.h) is
# right by the word of two independent clients, not of nmifence's engine.
# On a loopback port (tests/unit/test-bmc-udp):
#   ipmitool -I lanplus -C 3/8/17: raw 6 1 (Get Device ID) and chassis
#     status; ipmitool has no cipher suite 12 (MD5-128 integrity);
#   freeipmi's ipmi-raw -D LAN_2_0 -I 3/8/12/17: Get Device ID and Get
#     Chassis Status, and ipmi-chassis --get-chassis-status;
#   ipmitool chassis power diag reaches it as one diag interrupt;
#   a wrong password and an unknown user are refused by both clients, and
#     a cipher suite the BMC does not offer is refused.
set -uo pipefail
TEST_BMC_UDP=${1:?usage: $0 TEST_BMC_UDP}
for c in ipmitool ipmi-raw ipmi-chassis; do
        command -v "$c" >/dev/null || { echo "SKIP: $c not installed"; exit 77; }
done

RUN=$(mktemp -d "${TMPDIR:-/tmp}/nf-test-bmc.XXXXXX")
bmc_pid=
failures=0
trap '[ -n "$bmc_pid" ] && kill "$bmc_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$RUN"' EXIT

fail() {
        echo "FAIL: $*"
        failures=$((failures + 1))
}

# start_bmc CIPHER_MASK: the test BMC for 120 s at most.
start_bmc() {
        rm -f "$RUN/port"
        "$TEST_BMC_UDP" "$RUN/port" admin 'tb-Secret9' "$1" 120 >"$RUN/counters" 2>"$RUN/bmc.err" &
        bmc_pid=$!
        for _ in $(seq 50); do
                [ -s "$RUN/port" ] && break
                sleep 0.1
        done
        PORT=$(cat "$RUN/port" 2>/dev/null) || { echo "FAIL: test-bmc-udp did not start"; cat "$RUN/bmc.err"; exit 1; }
}

stop_bmc() {
        kill "$bmc_pid" 2>/dev/null
        wait "$bmc_pid"
        bmc_pid=
}

ipmitool_() {
        local c=$1
        shift
        timeout 20 ipmitool -I lanplus -H 127.0.0.1 -p "$PORT" -U admin -P "${PW:-tb-Secret9}" -C "$c" -N 1 -R 2 "$@"
}

freeipmi_() {
        local tool=$1 c=$2
        shift 2
        timeout 20 "$tool" -D LAN_2_0 -h "127.0.0.1:$PORT" -u "${USR:-admin}" -p "${PW:-tb-Secret9}" -I "$c" \
                --session-timeout=5000 --retransmission-timeout=1000 "$@"
}

DEVICE_ID='20 01 01 00 02 bf 00 00 00 00 00 00 00 00 00'

start_bmc 0
for c in 3 8 17; do
        out=$(ipmitool_ "$c" raw 6 1 2>&1) || fail "ipmitool -C $c raw 6 1: $out"
        [ "$(echo $out)" = "$DEVICE_ID" ] || fail "ipmitool -C $c raw 6 1 answered '$out'"
        out=$(ipmitool_ "$c" chassis status 2>&1) || fail "ipmitool -C $c chassis status: $out"
        grep -q 'System Power *: on' <<<"$out" || fail "ipmitool -C $c chassis status: $out"
done
for c in 3 8 12 17; do
        out=$(freeipmi_ ipmi-raw "$c" 00 06 01 2>&1) || fail "ipmi-raw -I $c Get Device ID: $out"
        [ "$(echo $out)" = "rcvd: 01 00 20 01 01 00 02 BF 00 00 00 00 00 00 00 00 00" ] || fail "ipmi-raw -I $c Get Device ID answered '$out'"
        out=$(freeipmi_ ipmi-raw "$c" 00 00 01 2>&1) || fail "ipmi-raw -I $c Get Chassis Status: $out"
        [ "$(echo $out)" = "rcvd: 01 00 01 00 00" ] || fail "ipmi-raw -I $c Get Chassis Status answered '$out'"
        out=$(freeipmi_ ipmi-chassis "$c" --get-chassis-status 2>&1) || fail "ipmi-chassis -I $c: $out"
        grep -q 'System Power *: on' <<<"$out" || fail "ipmi-chassis -I $c --get-chassis-status: $out"
done
out=$(ipmitool_ 3 chassis power diag 2>&1) || fail "ipmitool chassis power diag: $out"

out=$(PW=wrong-password ipmitool_ 3 raw 6 1 2>&1) && fail "ipmitool took a wrong password: $out"
out=$(PW=wrong-password freeipmi_ ipmi-raw 3 00 06 01 2>&1) && fail "ipmi-raw took a wrong password: $out"
grep -q 'password invalid' <<<"$out" || fail "ipmi-raw, wrong password: '$out' (want 'password invalid')"
out=$(USR=nobody freeipmi_ ipmi-raw 3 00 06 01 2>&1) && fail "ipmi-raw took an unknown user: $out"
grep -q 'username invalid' <<<"$out" || fail "ipmi-raw, unknown user: '$out' (want 'username invalid')"
stop_bmc
grep -qx 'diag_interrupts=1' <(tr ' ' '\n' <"$RUN/counters") || fail "one diag interrupt expected: $(head -1 "$RUN/counters")"
[ -s "$RUN/bmc.err" ] && fail "test BMC stderr: $(cat "$RUN/bmc.err")"

# Only cipher suite 17 offered: 3 is refused, 17 works.
start_bmc $((1 << 17))
out=$(freeipmi_ ipmi-raw 3 00 06 01 2>&1) && fail "ipmi-raw -I 3 accepted by a BMC without suite 3: $out"
out=$(freeipmi_ ipmi-raw 17 00 06 01 2>&1) || fail "ipmi-raw -I 17 with only suite 17 offered: $out"
stop_bmc

if [ "$failures" != 0 ]; then
        echo "$failures failure(s)"
        exit 1
fi
echo "PASS: ipmitool (3, 8, 17) and freeipmi (3, 8, 12, 17) agree with the test BMC"
