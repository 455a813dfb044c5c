#!/bin/bash
# integration: fence_nmi's metadata and parameter handling, no BMC needed.
#   - `fence_nmi -o metadata` and `echo action=metadata | fence_nmi` both
#     validate against fence-agents' metadata.rng, and are the same XML;
#   - every parameter has a shortdesc, a content type and a default; the
#     fence_ipmilan aliases are there as deprecated/obsoletes; every action
#     has a recommended timeout (in the longdesc: the schema allows no
#     timeout attribute on <action>);
#   - validate-all: good parameters 0 without touching the BMC (address
#     with nothing behind it); bad values non-zero naming the parameter;
#   - an unknown stdin key is warned about, not fatal;
#   - an unknown action gives exit 1 and a message; --password on argv warns.
set -uo pipefail
FENCE_NMI=${1:?usage: $0 FENCE_NMI}
RNG=/usr/share/cluster/relaxng/metadata.rng
command -v xmllint >/dev/null || { echo "SKIP: xmllint not installed (libxml2-utils)"; exit 77; }
[ -r "$RNG" ] || { echo "SKIP: $RNG missing (fence-agents)"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }

RUN=$(mktemp -d "${TMPDIR:-/tmp}/nf-fence-nmi-meta.XXXXXX")
failures=0
trap '[ "$failures" = 0 ] && rm -rf "$RUN"' EXIT
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

"$FENCE_NMI" -o metadata >"$RUN/argv.xml" 2>"$RUN/argv.err"
check "-o metadata: exit 0" test $? = 0
check "-o metadata validates against metadata.rng" xmllint --noout --relaxng "$RNG" "$RUN/argv.xml"
echo action=metadata | "$FENCE_NMI" >"$RUN/stdin.xml" 2>"$RUN/stdin.err"
check "action=metadata on stdin: exit 0" test $? = 0
check "action=metadata on stdin validates against metadata.rng" xmllint --noout --relaxng "$RNG" "$RUN/stdin.xml"
check "both ways give the same XML" cmp -s "$RUN/argv.xml" "$RUN/stdin.xml"

# Structure beyond what the schema requires.
cat >"$RUN/meta.py" <<'PY'
import re, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
bad = []
params = {p.get("name"): p for p in root.iter("parameter")}
for name, p in params.items():
    c = p.find("content")
    if c is None or not c.get("type"):
        bad.append(name + ": no content type")
    elif c.get("default") is None:
        bad.append(name + ": no default")
    if not (p.findtext("shortdesc") or "").strip():
        bad.append(name + ": no shortdesc")
for new, old in [("ip", "ipaddr"), ("username", "login"), ("password", "passwd"),
                 ("password_script", "passwd_script"), ("plug", "port"), ("debug_file", "debug")]:
    if params.get(new) is None or params[new].get("obsoletes") != old:
        bad.append(new + ": not marked obsoletes=" + old)
    if params.get(old) is None or params[old].get("deprecated") != "1":
        bad.append(old + ": missing or not deprecated")
for name in ["action", "ipport", "lanplus", "cipher", "privlvl", "nodename", "method", "power_timeout",
             "power_wait", "verbose", "nmi_timeout", "dump_stall_timeout", "dump_max_time",
             "no_panic_policy", "kdump_listen", "kdump_sources", "kdump_silence_timeout",
             "ipmi_workarounds", "config", "release", "release_on_kdump", "daemon_socket"]:
    if name not in params:
        bad.append(name + ": missing")
actions = [a.get("name") for a in root.iter("action")]
want = ["on", "off", "reboot", "status", "monitor", "list", "metadata", "validate-all", "diag"]
for a in want:
    if a not in actions:
        bad.append("action " + a + " missing")
longdesc = root.findtext("longdesc") or ""
for a in actions:
    if not re.search(r"\b%s (\d+)s\b" % re.escape(a), longdesc):
        bad.append("action " + a + ": no recommended timeout in the longdesc")
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
check "every parameter: shortdesc, type, default; aliases; actions with timeouts" python3 "$RUN/meta.py" "$RUN/argv.xml"

# validate-all must not touch the BMC: nothing listens on this address.
good="ip=127.0.0.1
ipport=9
username=admin
password=secret
nmi_timeout=30
dump_stall_timeout=60
dump_max_time=600
no_panic_policy=leave
method=cycle
kdump_listen=7410
kdump_sources=10.0.0.5,10.0.0.6"
t0=$(now_ms)
printf '%s\naction=validate-all\n' "$good" | timeout 10 "$FENCE_NMI" >"$RUN/va.out" 2>"$RUN/va.err"
rc=$?
elapsed=$(( $(now_ms) - t0 ))
check "validate-all, good parameters: exit 0" test "$rc" = 0
check "validate-all does not contact the BMC (done in < 1 s)" test "$elapsed" -lt 1000
"$FENCE_NMI" -o validate-all -a 127.0.0.1 -l admin -S 'echo from-script' --nmi-timeout 5 >/dev/null 2>"$RUN/va-argv.err"
check "validate-all on argv with --password-script: exit 0" test $? = 0

# bad: the parameter name and what is wrong must be in the message
badcase() {
        local what=$1 line=$2 pattern=$3
        printf '%s\naction=validate-all\n%s\n' "$good" "$line" | timeout 10 "$FENCE_NMI" >/dev/null 2>"$RUN/bad.err"
        local rc=$?
        cat "$RUN/bad.err"
        check "validate-all, $what: non-zero" test "$rc" != 0
        check "validate-all, $what: message" grep -q -- "$pattern" "$RUN/bad.err"
}
badcase "nmi_timeout not a number" "nmi_timeout=soon" "nmi_timeout=soon (stdin line 13): must be seconds"
badcase "dump_max_time out of range" "dump_max_time=0" "dump_max_time=0.*must be seconds between 1 and"
badcase "stall above the cap" "dump_stall_timeout=900" "dump_stall_timeout (900 s) must not exceed dump_max_time"
badcase "ipport out of range" "ipport=70000" "ipport=70000.*1-65535"
badcase "cipher out of range" "cipher=18" "cipher=18.*0-17"
badcase "bad method" "method=slam" "method=slam.*onoff or cycle"
badcase "bad privlvl" "privlvl=root" "privlvl=root.*user, operator or administrator"
badcase "bad no_panic_policy" "no_panic_policy=maybe" "no_panic_policy=maybe.*cycle or leave"
badcase "bad kdump_listen" "kdump_listen=-1" "kdump_listen=-1.*UDP port"
badcase "unknown workaround" "ipmi_workarounds=opensesspriv,nosuch" "unknown workaround 'nosuch'"
badcase "bad release" "release=later" "release=later (stdin line 13): must be power or capture"
badcase "bad release_on_kdump" "release_on_kdump=perhaps" "release_on_kdump=perhaps.*1 or 0"
# release=capture needs nmifenced to take over: validate-all says when it
# is not there (no socket here)
badcase "capture, no daemon" "release=capture
daemon_socket=$RUN/no-daemon.sock" "release=capture: nmifenced is not reachable at $RUN/no-daemon.sock"

# fence_kdump: listening defaults to 7410 exactly when kdump_sources is set;
# a port without sources is refused (anyone's datagram would be evidence).
kdump_case() {
        local what=$1 want_rc=$2 pattern=$3
        shift 3
        printf 'action=validate-all\nip=127.0.0.1\npassword=x\nverbose=1\n%s\n' "$@" |
                timeout 10 "$FENCE_NMI" >/dev/null 2>"$RUN/kdump.err"
        local rc=$?
        cat "$RUN/kdump.err"
        check "fence_kdump, $what: exit $want_rc (got $rc)" test "$rc" = "$want_rc"
        check "fence_kdump, $what: says so" grep -q -- "$pattern" "$RUN/kdump.err"
}
kdump_case "no sources: off" 0 "fence_kdump: not listening (set kdump_sources"
kdump_case "sources only: default port 7410" 0 \
        "listening on \* port 7410 for messages from 192.0.2.5; silence after 60 s" "kdump_sources=192.0.2.5"
kdump_case "ADDRESS:PORT, silence off" 0 \
        "listening on 127.0.0.1 port 7411 for messages from 127.0.0.1; silence does not end" \
        "kdump_sources=127.0.0.1" "kdump_listen=127.0.0.1:7411" "kdump_silence_timeout=0"
kdump_case "kdump_listen=0 turns it off" 0 "fence_kdump: not listening (kdump_listen=0)" \
        "kdump_sources=192.0.2.5" "kdump_listen=0"
kdump_case "port without sources: refused" 1 "kdump_listen=7410 (stdin line 5): needs kdump_sources" \
        "kdump_listen=7410"
kdump_case "a source that is no address: refused" 1 "kdump_sources=node2 (stdin line 5).*not an IP address" \
        "kdump_sources=node2"
kdump_case "bad ADDRESS:PORT: refused" 1 "kdump_listen=localhost:7410.*ADDRESS:PORT" \
        "kdump_sources=127.0.0.1" "kdump_listen=localhost:7410"

printf 'action=validate-all\nip=127.0.0.1\npassword_script=exit 3\n' | "$FENCE_NMI" >/dev/null 2>"$RUN/pwscript.err"
check "validate-all, failing password_script: non-zero, says so" \
        bash -c '[ "$1" != 0 ] && grep -q "password_script .exit 3. failed" "$2"' _ $? "$RUN/pwscript.err"
printf 'action=validate-all\npassword=x\n' | "$FENCE_NMI" >/dev/null 2>"$RUN/noip.err"
check "validate-all without ip: non-zero" test $? != 0
check "validate-all without ip: says so" grep -q "no BMC address" "$RUN/noip.err"
printf 'action=validate-all\nip=127.0.0.1\n' | env -u NMIFENCE_PASSWORD "$FENCE_NMI" >/dev/null 2>"$RUN/nopw.err"
check "validate-all without a password: non-zero, says so" \
        bash -c '[ "$1" != 0 ] && grep -q "no password" "$2"' _ $? "$RUN/nopw.err"

# Unknown keys: warned, not fatal (Pacemaker passes keys other agents know).
printf '%s\naction=validate-all\nfrobnicate=yes\nnot a key value line\n' "$good" |
        "$FENCE_NMI" >/dev/null 2>"$RUN/unknown.err"
check "unknown key: still exit 0" test $? = 0
check "unknown key: warned on stderr" grep -q "ignoring unknown parameter 'frobnicate'" "$RUN/unknown.err"

# Deprecated aliases work on stdin.
printf 'action=validate-all\nipaddr=127.0.0.1\nlogin=admin\npasswd=x\nport=node1\n' | "$FENCE_NMI" >/dev/null 2>&1
check "fence_ipmilan aliases ipaddr/login/passwd/port accepted" test $? = 0
printf 'option=list\nport=node1\nnodename=node1.example\n' | "$FENCE_NMI" >"$RUN/list.out" 2>/dev/null
check "option=list (old name of action) prints plug,alias" test "$(cat "$RUN/list.out")" = "node1,node1.example"

echo action=explode | "$FENCE_NMI" >/dev/null 2>"$RUN/unknown-action.err"
check "unknown action on stdin: exit 1" test $? = 1
check "unknown action: message" grep -q "unknown action 'explode'" "$RUN/unknown-action.err"
"$FENCE_NMI" -o explode -a 127.0.0.1 -p x >/dev/null 2>"$RUN/unknown-action2.err"
check "unknown action on argv: exit 1" test $? = 1
check "--password on argv: warned" grep -q "visible to every user" "$RUN/unknown-action2.err"
"$FENCE_NMI" --no-such-option >/dev/null 2>&1
check "unknown option: exit 1" test $? = 1

[ "$failures" = 0 ] || { echo "$failures check(s) failed; logs in $RUN"; exit 1; }
echo "all checks passed"
