#!/bin/bash
# integration: `nmifence-target check` on this machine (no BMC, no kdump,
# maybe no root) exits with a documented code (0/1/2) without crashing, its
# --json is valid JSON (python3 -m json.tool) whose exit_code matches; on
# the fixture host (tests/unit/fixtures/check/base, no /dev/ipmi0) the only
# non-pass is ipmi-device's warn, so exit 1; --root on the issue's negative
# tree exits 2 naming both capture checks; a dump directory on gfs2 makes
# dump-target warn.
set -uo pipefail
BIN=${1:?usage: $0 NMIFENCE_TARGET FIXTURES}
FIX=${2:?}
failures=0
check() {
        local what=$1
        shift
        if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
T=$(mktemp -d "${TMPDIR:-/tmp}/nf-check.XXXXXX")
trap 'rm -rf "$T"' EXIT

"$BIN" check --json >"$T/live.json" 2>"$T/live.err"
rc=$?
cat "$T/live.json" "$T/live.err"
check "live: exit is 0, 1 or 2 (got $rc)" test "$rc" -le 2
check "live: valid JSON" python3 -m json.tool "$T/live.json" >/dev/null
check "live: exit_code in JSON matches" python3 -c "
import json,sys; d=json.load(open('$T/live.json'))
assert d['exit_code']==$rc and len(d['checks'])==11
assert all(c['status'] in ('pass','warn','fail') for c in d['checks'])
assert all((c['remedy'] is None)==(c['status']=='pass') for c in d['checks'])"
"$BIN" check >"$T/live.txt" 2>&1
check "live: human output exits the same" test $? = "$rc"
check "live: human output has a result line" grep -q "^result: " "$T/live.txt"

mkroot() { rm -rf "$T/root"; cp -a "$FIX/base" "$T/root"
        if [ -n "${1:-}" ]; then
                [ -f "$FIX/$1/.remove" ] && (cd "$T/root" && xargs rm -rf <"$FIX/$1/.remove")
                cp -a "$FIX/$1/." "$T/root"; rm -f "$T/root/.remove"
        fi; }
mkroot
"$BIN" check --json --root "$T/root" >"$T/base.json"
rc=$?
check "fixture host: exit 1 (only ipmi-device warns)" test "$rc" = 1
check "fixture host: JSON says so" python3 -c "
import json; d=json.load(open('$T/base.json'))
bad=[c['name'] for c in d['checks'] if c['status']!='pass']
assert bad==['ipmi-device'], bad
assert 'apic_extnmi=none' in d['capture_cmdline'] and d['kdump_tool']=='kdump-tools'"
"$BIN" arm --dry-run --root "$T/root" >"$T/arm.out" 2>/dev/null
check "arm --dry-run on the fixture host: all three flags" grep -qx "flags=0x07 crash_loaded=1 nmi_panic=1 capture_extnmi_none=1" "$T/arm.out"

mkroot issue-negative
"$BIN" check --json --root "$T/root" >"$T/neg.json"
rc=$?
check "issue negative case: exit 2" test "$rc" = 2
check "issue negative case: capture checks fail" python3 -c "
import json; d=json.load(open('$T/neg.json'))
st={c['name']:c['status'] for c in d['checks']}
assert st['capture-extnmi']=='fail' and st['capture-nmi-panic']=='fail', st"

mkroot dump-kt-gfs2
"$BIN" check --json --root "$T/root" >"$T/gfs2.json"
rc=$?
check "dump directory on gfs2: exit 1" test "$rc" = 1
check "dump directory on gfs2: dump-target warns, naming the mount" python3 -c "
import json; d=json.load(open('$T/gfs2.json'))
c=[c for c in d['checks'] if c['name']=='dump-target'][0]
assert c['status']=='warn' and '/srv/cluster' in c['detail'] and 'release=capture' in c['remedy'], c"

mkroot crash-unloaded
"$BIN" arm --root "$T/root" 2>"$T/arm.err"
rc=$?
check "arm without a loaded capture kernel: exit 78" test "$rc" = 78
check "arm says why" grep -q "no capture kernel is loaded" "$T/arm.err"

"$BIN" check --bogus >/dev/null 2>&1
check "bad option: exit 64" test $? = 64
[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
