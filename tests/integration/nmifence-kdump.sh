#!/bin/bash
# integration: `nmifence dump` with fence_kdump evidence, through the real
# driver loop (poll on the UDP socket + the next deadline), against
# ipmi_sim with a stand-in host (bmc-up --fake-host) that posts no SEL
# record, like a target without nmifence-target.  The real
# fence_kdump_send plays the capture kernel.
#   silence: 3 messages, then silence > kdump_silence_timeout
#            -> "unconfirmed (inferred: fence_kdump messages stopped)", exit 1
#   power-off: messages, then the host powers off
#            -> "probably complete (inferred: host powered off ...)", exit 1
#   a datagram from 127.0.0.2 (not listed) is ignored and logged
# Each case: exactly one NMI, and the JSON says which evidence ended it.
set -uo pipefail
NMIFENCE=${1:?usage: $0 NMIFENCE}
LAB_DIR=$(cd "$(dirname "$0")/../lab" && pwd)
SENDER=/usr/libexec/fence-agents/fence_kdump_send
command -v ipmi_sim >/dev/null || { echo "SKIP: ipmi_sim not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
[ -x "$SENDER" ] || { echo "SKIP: $SENDER not installed (fence-agents)"; exit 77; }

RUN=$(mktemp -d "${TMPDIR:-/tmp}/nf-kdump.XXXXXX")
failures=0
senders=()
cleanup() {
        for p in "${senders[@]}"; do kill "$p" 2>/dev/null; done
        "$LAB_DIR/lab-down" "$RUN" >/dev/null 2>&1
        [ "$failures" = 0 ] && rm -rf "$RUN"
}
trap cleanup EXIT
"$LAB_DIR/bmc-up" "$RUN" --fake-host >"$RUN/bmc-up.out" 2>&1 || { cat "$RUN/bmc-up.out"; exit 1; }
# shellcheck disable=SC1091
. "$RUN/env"
export NMIFENCE_STATE_DIR=$RUN/state
printf '%s\n' "$NF_LAB_PASSWORD" >"$RUN/pw"
chmod 600 "$RUN/pw"

check() {
        local what=$1
        shift
        if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
json() {
        python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); v=eval(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
}
free_udp_port() {
        python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
nmis() {
        wc -l <"$NF_LAB_NMI_LOG" 2>/dev/null || echo 0
}
wait_nmis() {
        local end=$((SECONDS + 20))
        while [ "$SECONDS" -lt "$end" ] && [ "$(nmis)" -lt "$1" ]; do sleep 0.1; done
}
power() {
        $NF_LAB_IPMITOOL chassis power "$1" >/dev/null 2>&1
}
# start NAME PORT ARGS...: nmifence dump in the background
start() {
        local name=$1 port=$2
        shift 2
        timeout 120 "$NMIFENCE" dump --bmc "$NF_LAB_BMC_HOST" -p "$NF_LAB_BMC_PORT" -U "$NF_LAB_USER" \
                --password-file "$RUN/pw" -W opensesspriv -C "$NF_LAB_CIPHER" --session-timeout 3 \
                --kdump-listen "127.0.0.1:$port" --kdump-sources 127.0.0.1 --nmi-timeout 15 \
                --stall-timeout 30 --power-timeout 10 --off --json "$@" labhost \
                >"$RUN/$name.json" 2>"$RUN/$name.err" &
        agent=$!
}

# --- silence ------------------------------------------------------------
port=$(free_udp_port)
start silence "$port" --kdump-silence-timeout 3
wait_nmis 1
"$SENDER" -p "$port" -c 3 -i 1 -f ipv4 127.0.0.1 >"$RUN/sender1.out" 2>&1
python3 -c 'import socket,struct,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.2", 0)); s.sendto(struct.pack("=II", 0x1B302A40, 1), ("127.0.0.1", int(sys.argv[1])))' "$port"
wait "$agent"
rc=$?
echo "--- silence: exit $rc"
cat "$RUN/silence.err"
check "silence: exit 1 (fenced, dump not confirmed)" test "$rc" = 1
check "silence: exactly one NMI" test "$(nmis)" = 1
check "silence: result names the fence_kdump silence" \
        test "$(json "$RUN/silence.json" 'j["dump_result"]')" = "unconfirmed (inferred: fence_kdump messages stopped)"
check "silence: dump_ended_by names kdump_silence_timeout" \
        grep -q 'kdump_silence_timeout' <<<"$(json "$RUN/silence.json" 'j["dump_ended_by"]')"
check "silence: evidence fence_kdump, 3 messages" \
        test "$(json "$RUN/silence.json" '(j["dump_evidence"], j["kdump_messages"])')" = "('fence_kdump', 3)"
check "silence: the first message counted as the panic" grep -q 'wait-panic -> wait-dump: fence_kdump message' "$RUN/silence.err"
check "silence: the datagram from 127.0.0.2 was ignored and logged" \
        grep -q 'fence_kdump datagram from 127.0.0.2 ignored: not a configured kdump source' "$RUN/silence.err"
check "silence: one datagram ignored in the JSON" test "$(json "$RUN/silence.json" 'j["kdump_ignored"]')" = 1
check "silence: host fenced (off verified)" test "$(json "$RUN/silence.json" 'j["fenced"] and j["final_power"]')" = off

# --- power-off ------------------------------------------------------------
power on
sleep 1
port=$(free_udp_port)
start poweroff "$port" --kdump-silence-timeout 60
wait_nmis 2
"$SENDER" -p "$port" -i 1 -f ipv4 127.0.0.1 >"$RUN/sender2.out" 2>&1 &
senders+=($!)
sleep 3
power off        # the capture kernel's final_action poweroff
wait "$agent"
rc=$?
kill "${senders[@]}" 2>/dev/null
echo "--- poweroff: exit $rc"
cat "$RUN/poweroff.err"
check "power-off: exit 1 (fenced, dump not confirmed)" test "$rc" = 1
check "power-off: exactly one more NMI" test "$(nmis)" = 2
check "power-off: result names the power-off after fence_kdump messages" \
        test "$(json "$RUN/poweroff.json" 'j["dump_result"]')" = "probably complete (inferred: host powered off after fence_kdump messages)"
check "power-off: at least 2 messages" test "$(json "$RUN/poweroff.json" 'j["kdump_messages"] >= 2')" = True
check "power-off: no power command needed, off verified" \
        test "$(json "$RUN/poweroff.json" 'j["fenced"] and j["final_power"] == "off" and j["times"]["power_action"] is None')" = True

[ "$failures" = 0 ] && echo "all checks passed" || echo "$failures check(s) failed; logs in $RUN"
exit $((failures > 0))
