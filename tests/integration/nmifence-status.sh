#!/bin/bash
# integration: `nmifence status HOST` against a real ipmi_sim.  Records are
# added with ipmitool's raw Add SEL Entry, bytes written from
# docs/protocol.md (so the agent's decoder is checked against the spec,
# not against itself):
#   empty SEL -> exit 1 "no armed/disarmed record"
#   armed 0x07 -> exit 0, JSON ready, all flags, reason null; power on
#   then disarmed -> exit 1, state disarmed (the LAST record counts)
#   then armed 0x01 -> exit 1, not ready (flags missing)
#   then armed 0x07 and the SEL (40 entries) filled to 15 free entries,
#   less than one dump's 16 records -> exit 1, "SEL FULL", JSON sel.full;
#   filled up -> the overflow flag too
#   wrong password -> exit 3
set -uo pipefail
NMIFENCE=${1:?usage: $0 NMIFENCE}
LAB_DIR=$(cd "$(dirname "$0")/../lab" && pwd)
for c in ipmi_sim ipmitool python3; do
        command -v $c >/dev/null || { echo "SKIP: $c not installed"; exit 77; }
done
RUN=$(mktemp -d "${TMPDIR:-/tmp}/nf-status.XXXXXX")
failures=0
trap '"$LAB_DIR/lab-down" "$RUN" >/dev/null 2>&1; [ "$failures" = 0 ] && rm -rf "$RUN"' EXIT
"$LAB_DIR/bmc-up" "$RUN" --fake-host --sel-size 40 >"$RUN/bmc-up.out" 2>&1 || { cat "$RUN/bmc-up.out"; exit 1; }
# shellcheck disable=SC1091
. "$RUN/env"
check() {
        local what=$1
        shift
        if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
printf '%s\n' "$NF_LAB_PASSWORD" >"$RUN/pw"; chmod 600 "$RUN/pw"
printf 'wrong\n' >"$RUN/bad"; chmod 600 "$RUN/bad"
status() {
        timeout 30 "$NMIFENCE" status --bmc "$NF_LAB_BMC_HOST" -p "$NF_LAB_BMC_PORT" -U "$NF_LAB_USER" \
                -W opensesspriv -C "$NF_LAB_CIPHER" --session-timeout 3 --json "$@" labhost >"$RUN/out" 2>"$RUN/err"
        rc=$?
        echo "--- exit $rc"; cat "$RUN/out" "$RUN/err"
}
# add_record SEQ ED1 STAGE ARG: a system event record, generator 4Dh,
# sensor type 12h (System Event), event type 6Fh, ED2 = (1 << 4) | stage.
add_record() {
        # shellcheck disable=SC2086
        $NF_LAB_IPMITOOL raw 0x0a 0x44 0x00 0x00 0x02 0x00 0x00 0x00 0x00 0x4d 0x00 0x04 0x12 "$1" 0x6f "$2" "$3" "$4" >/dev/null
}
# --json: stdout is the document alone (the lines for people on stderr)
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)" <"$RUN/out"; }

status --password-file "$RUN/pw"
check "empty SEL: exit 1" test "$rc" = 1
check "empty SEL: says no record" grep -q "no armed/disarmed record" "$RUN/err"
check "empty SEL: JSON state unknown" test "$(jget "d['state']")" = unknown

add_record 0x00 0xa1 0x11 0x07
status --password-file "$RUN/pw"
check "armed 0x07: exit 0" test "$rc" = 0
check "armed 0x07: JSON ready with all flags" test "$(jget "d['ready'], d['record']['flags'], d['record']['crash_loaded'], d['record']['capture_extnmi_none']")" = "True 7 True True"
check "armed 0x07: power on" test "$(jget "d['power']")" = on
check "armed 0x07: JSON reason null" test "$(jget "d['reason']")" = None

add_record 0x01 0xa0 0x12 0x00
status --password-file "$RUN/pw"
check "disarmed last: exit 1" test "$rc" = 1
check "disarmed last: JSON state disarmed" test "$(jget "d['state']")" = disarmed

add_record 0x02 0xa1 0x11 0x01
status --password-file "$RUN/pw"
check "armed 0x01: exit 1 (flags missing)" test "$rc" = 1
check "armed 0x01: says NOT ready" grep -q "NOT ready" "$RUN/err"
check "armed 0x01: nmi_panic false" test "$(jget "d['record']['nmi_panic']")" = False
check "armed 0x01: JSON reason names the missing flags" \
        test "$(jget "d['reason']")" = "NMI does not panic; capture kernel lacks apic_extnmi=none"

check "room in the SEL: JSON sel not full, 3 entries" test "$(jget "d['sel']['full'], d['sel']['entries']")" = "False 3"
check "room in the SEL: the free space is printed" grep -q "labhost: SEL 3 entries, 592 bytes free" "$RUN/err"

add_record 0x03 0xa1 0x11 0x07
# shellcheck disable=SC2086
"$LAB_DIR/sel-fill" --leave 15 $NF_LAB_IPMITOOL >/dev/null
status --password-file "$RUN/pw"
check "15 entries free: exit 1 (no room for a dump's 16 records)" test "$rc" = 1
check "15 entries free: says SEL FULL, NOT ready" grep -q "SEL FULL (25 entries, 240 bytes free): .* NOT ready" "$RUN/err"
check "15 entries free: JSON sel full, no overflow, not ready" \
        test "$(jget "d['sel']['full'], d['sel']['overflow'], d['ready'], d['state']")" = "True False False armed"
# shellcheck disable=SC2086
"$LAB_DIR/sel-fill" $NF_LAB_IPMITOOL >/dev/null
status --password-file "$RUN/pw"
check "filled up: overflow reported" grep -q "SEL FULL (40 entries, 0 bytes free, overflow)" "$RUN/err"

status --password-file "$RUN/bad"
check "wrong password: exit 3" test "$rc" = 3
[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
