#!/bin/bash
# integration: credentials and privilege (docs/reliability.md, "Credentials
# and privilege"), against a real ipmi_sim with a fake host (no VM).
#   operator privilege is enough: nmifence dump and fence_nmi reboot as the
#     lab's operator account (the default privilege) fence the host, one NMI
#   the password never appears in stdout, stderr, --json, -v logs, fence_nmi's
#     verbose output or its debug_file (a distinctive password is grepped for)
#   nmifence --password-script and a 0600 password file work; a password file
#     owned by another user is refused (4), as is one readable by others (4)
#   an insecure configuration is refused: cipher_suite = 0 in the file -> 4,
#     "FILE:LINE: cipher_suite = 0 ..."; --cipher 2 -> 4; fence_nmi cipher=0
#     and lanplus=0 -> 1 naming the setting; nothing reaches the BMC, no NMI
#   with allow_insecure the same is warned about on stderr
#   fence_nmi -p SECRET: warned about, and /proc/PID/cmdline no longer holds
#     SECRET once fence_nmi has started (it is waiting on a BMC port that
#     takes datagrams and never answers)
# The fence_kdump listener's source filter is tested by test-kdump-listener.
set -uo pipefail
NMIFENCE=${1:?usage: $0 NMIFENCE FENCE_NMI}
FENCE_NMI=${2:?usage: $0 NMIFENCE FENCE_NMI}
LAB_DIR=$(cd "$(dirname "$0")/../lab" && pwd)
for c in ipmi_sim ipmitool python3 ss; do
        command -v "$c" >/dev/null || { echo "SKIP: $c not installed"; exit 77; }
done

RUN=$(mktemp -d "${TMPDIR:-/tmp}/nf-credentials.XXXXXX")
failures=0
bg_pid=
silent_pid=
trap '[ -n "$bg_pid" ] && kill "$bg_pid" 2>/dev/null; [ -n "$silent_pid" ] && kill "$silent_pid" 2>/dev/null; "$LAB_DIR/lab-down" "$RUN" >/dev/null 2>&1; [ "$failures" = 0 ] && rm -rf "$RUN"' EXIT

# Distinctive passwords (<= 20 bytes) that cannot occur by chance in a log.
export NF_LAB_OPER_PASSWORD=Qz7opEr-x9Kw2-SeCrt
export NF_LAB_ADMIN_PASSWORD=Vb3adMn-p4Lq8-SeCrt
ARGV_SECRET=Hj5argV-m2Nt6-SeCrt
"$LAB_DIR/bmc-up" "$RUN" --fake-host >"$RUN/bmc-up.out" 2>&1 || { cat "$RUN/bmc-up.out"; exit 1; }
# shellcheck disable=SC1091
. "$RUN/env"
[ "$NF_LAB_OPERATOR_PASSWORD" = "$NF_LAB_OPER_PASSWORD" ] || { echo "FAIL: bmc-up ignored NF_LAB_OPER_PASSWORD"; exit 1; }

check() {
        local what=$1
        shift
        if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
nmis() { wc -l <"$NF_LAB_NMI_LOG" 2>/dev/null || echo 0; }
power() { $NF_LAB_IPMITOOL chassis power status 2>/dev/null | awk '{print $NF}'; }
wait_power() {
        local want=$1 end=$((SECONDS + 20))
        while [ "$SECONDS" -lt "$end" ]; do [ "$(power)" = "$want" ] && return 0; sleep 0.5; done
        return 1
}
# no_secret FILE...: none of the files holds any of the passwords
no_secret() {
        ! grep -l -F -e "$NF_LAB_OPER_PASSWORD" -e "$NF_LAB_ADMIN_PASSWORD" -e "$ARGV_SECRET" "$@"
}

check "lab: the fake host is on" wait_power on

pwfile=$RUN/oper.pw
printf '%s\n' "$NF_LAB_OPERATOR_PASSWORD" >"$pwfile"
chmod 600 "$pwfile"

# ---- operator is enough: nmifence dump, verbose and --json ----
cat >"$RUN/oper.conf" <<CONF
defaults = {
  user = "$NF_LAB_OPERATOR_USER";
  password_file = "$pwfile";
  workarounds = "$NF_LAB_FREEIPMI_WORKAROUNDS";
  cipher_suite = $NF_LAB_CIPHER;
  session_timeout = 3.0;
  retransmit_timeout = 0.5;
  nmi_timeout = 2.0;
  power_timeout = 20.0;
};
hosts = ( { name = "labhost"; bmc = "$NF_LAB_BMC_HOST"; port = $NF_LAB_BMC_PORT; } );
CONF
n0=$(nmis)
NMIFENCE_STATE_DIR=$RUN/state-dump timeout 120 "$NMIFENCE" dump -c "$RUN/oper.conf" -v --json labhost \
        >"$RUN/dump.json" 2>"$RUN/dump.err"
rc=$?
echo "--- nmifence dump as operator: exit $rc"
tail -20 "$RUN/dump.err"
# No kdump behind the fake host: "no panic seen" (2), fenced all the same.
check "nmifence dump as operator: exit 2 (no panic seen, host fenced)" test "$rc" = 2
check "nmifence dump as operator: logged in at operator privilege" grep -q "operator" "$RUN/dump.err"
check "nmifence dump as operator: exactly one NMI" test "$(nmis)" = $((n0 + 1))
check "nmifence dump as operator: --json says fenced" grep -q '"fenced": *true' "$RUN/dump.json"
check "nmifence dump as operator: the host is on again (power cycle verified)" wait_power on
check "nmifence dump: the password is in none of stdout, --json, -v stderr" no_secret "$RUN/dump.json" "$RUN/dump.err"

# --password-script, and status as operator
NMIFENCE_STATE_DIR=$RUN/state-status timeout 60 "$NMIFENCE" status -c "$RUN/oper.conf" \
        --password-script "cat $pwfile" labhost >"$RUN/status.out" 2>"$RUN/status.err"
rc=$?
echo "--- nmifence status --password-script: exit $rc"; cat "$RUN/status.err"
check "nmifence status as operator with --password-script: logged in (not 3 or 4)" test "$rc" != 3 -a "$rc" != 4
check "nmifence status: no password in the output" no_secret "$RUN/status.out" "$RUN/status.err"

# ---- fence_nmi reboot as operator, verbose and debug_file ----
n0=$(nmis)
{
        echo "ip=$NF_LAB_BMC_HOST"
        echo "ipport=$NF_LAB_BMC_PORT"
        echo "username=$NF_LAB_OPERATOR_USER"
        echo "password=$NF_LAB_OPERATOR_PASSWORD"
        echo "cipher=$NF_LAB_CIPHER"
        echo "ipmi_workarounds=$NF_LAB_FREEIPMI_WORKAROUNDS"
        echo "plug=labhost"
        echo "action=reboot"
        echo "session_timeout=3"
        echo "retransmit_timeout=0.5"
        echo "nmi_timeout=2"
        echo "power_timeout=20"
        echo "verbose=1"
        echo "debug_file=$RUN/fence_nmi.debug"
} >"$RUN/fence.in"
NMIFENCE_STATE_DIR=$RUN/state-fence timeout 120 "$FENCE_NMI" <"$RUN/fence.in" >"$RUN/fence.out" 2>"$RUN/fence.err"
rc=$?
echo "--- fence_nmi reboot as operator: exit $rc"; tail -12 "$RUN/fence.err"
check "fence_nmi reboot as operator (default privlvl): exit 0" test "$rc" = 0
check "fence_nmi reboot: at operator privilege" grep -q "(operator privilege" "$RUN/fence.err"
check "fence_nmi reboot: exactly one NMI" test "$(nmis)" = $((n0 + 1))
check "fence_nmi reboot: debug_file written" test -s "$RUN/fence_nmi.debug"
check "fence_nmi: the password is in none of stdout, stderr, debug_file" \
        no_secret "$RUN/fence.out" "$RUN/fence.err" "$RUN/fence_nmi.debug"

# ---- password files ----
run_pw() {
        local name=$1
        shift
        NMIFENCE_STATE_DIR=$RUN/state-$name timeout 30 "$NMIFENCE" dump --bmc "$NF_LAB_BMC_HOST" -p "$NF_LAB_BMC_PORT" \
                -U "$NF_LAB_OPERATOR_USER" -W opensesspriv --session-timeout 3 --retransmit-timeout 0.5 "$@" labhost \
                >"$RUN/$name.out" 2>"$RUN/$name.err"
        rc=$?
        echo "--- $name: exit $rc"; cat "$RUN/$name.err"
}
n0=$(nmis)
chmod 640 "$pwfile"
run_pw pw-group-readable --password-file "$pwfile"
chmod 600 "$pwfile"
check "password file readable by the group: exit 4" test "$rc" = 4
check "password file readable by the group: says chmod 600" grep -q "chmod 600" "$RUN/pw-group-readable.err"
if [ "$(id -u)" = 0 ] && getent passwd nobody >/dev/null; then
        cp -p "$pwfile" "$RUN/nobody.pw"
        chown nobody "$RUN/nobody.pw"
        run_pw pw-other-owner --password-file "$RUN/nobody.pw"
        check "password file owned by another user: exit 4" test "$rc" = 4
        check "password file owned by another user: says so" grep -q "owned by uid .*not by the user running" \
                "$RUN/pw-other-owner.err"
else
        echo "skip: ownership check needs root to chown a file to nobody"
fi

# ---- insecure configurations are refused ----
cat >"$RUN/insecure.conf" <<CONF
defaults = {
  user = "$NF_LAB_OPERATOR_USER";
  password_file = "$pwfile";
  cipher_suite = 0;
};
hosts = ( { name = "labhost"; bmc = "$NF_LAB_BMC_HOST"; port = $NF_LAB_BMC_PORT; } );
CONF
NMIFENCE_STATE_DIR=$RUN/state-c0 timeout 30 "$NMIFENCE" dump -c "$RUN/insecure.conf" labhost \
        >"$RUN/cipher0.out" 2>"$RUN/cipher0.err"
rc=$?
echo "--- cipher_suite = 0 in the file: exit $rc"; cat "$RUN/cipher0.err"
check "cipher_suite = 0 in the configuration: exit 4" test "$rc" = 4
check "cipher_suite = 0: FILE:LINE names the setting" grep -q "insecure.conf:4: cipher_suite = 0 has no authentication" \
        "$RUN/cipher0.err"
check "cipher_suite = 0: says how to allow it" grep -q "allow_insecure" "$RUN/cipher0.err"

run_pw cipher2-option --password-file "$pwfile" -C 2
check "--cipher 2 (no confidentiality): exit 4" test "$rc" = 4
check "--cipher 2: names the setting" grep -q "cipher_suite = 2 has no confidentiality.*--allow-insecure" \
        "$RUN/cipher2-option.err"

# Allowed: warned.  A closed port so nothing insecure goes to the lab BMC.
closed=$(( NF_LAB_BMC_PORT + 7 ))
while ss -Hlun "sport = :$closed" | grep -q .; do closed=$((closed + 1)); done
NMIFENCE_STATE_DIR=$RUN/state-c0a timeout 30 "$NMIFENCE" dump -c "$RUN/insecure.conf" --allow-insecure -p "$closed" \
        --session-timeout 1 --retransmit-timeout 0.5 --bmc "$NF_LAB_BMC_HOST" labhost >/dev/null 2>"$RUN/cipher0-allowed.err"
rc=$?
echo "--- cipher_suite = 0 with --allow-insecure: exit $rc"; cat "$RUN/cipher0-allowed.err"
check "cipher_suite = 0 with --allow-insecure: not refused as configuration (exit 3, unreachable)" test "$rc" = 3
check "cipher_suite = 0 with --allow-insecure: warned on stderr" \
        grep -q "warning: .*cipher_suite = 0 has no authentication.*allowed by allow_insecure" "$RUN/cipher0-allowed.err"

fa() {
        local name=$1
        shift
        printf '%s\n' "ip=$NF_LAB_BMC_HOST" "ipport=$closed" "username=u" "password=$NF_LAB_OPERATOR_PASSWORD" \
                "session_timeout=1" "retransmit_timeout=0.5" "$@" >"$RUN/$name.in"
        NMIFENCE_STATE_DIR=$RUN/state-$name timeout 30 "$FENCE_NMI" <"$RUN/$name.in" >"$RUN/$name.out" 2>"$RUN/$name.err"
        rc=$?
        echo "--- fence_nmi $name: exit $rc"; cat "$RUN/$name.err"
}
fa fa-cipher0 action=status cipher=0
check "fence_nmi cipher=0: exit 1" test "$rc" = 1
check "fence_nmi cipher=0: names the setting and allow_insecure=1" \
        grep -q "cipher_suite = 0 has no authentication.*allow_insecure=1.*cipher parameter (stdin line" "$RUN/fa-cipher0.err"
fa fa-cipher0-allowed action=status cipher=0 allow_insecure=1
check "fence_nmi cipher=0 allow_insecure=1: warned" grep -q "warning: .*cipher_suite = 0.*allowed" "$RUN/fa-cipher0-allowed.err"
fa fa-lanplus0 action=status lanplus=0
check "fence_nmi lanplus=0: exit 1" test "$rc" = 1
check "fence_nmi lanplus=0: IPMI 1.5 refused" grep -q "lanplus=0 .*IPMI 1.5 (lanplus=0) is insecure and refused" "$RUN/fa-lanplus0.err"
fa fa-lanplus0-allowed action=status lanplus=0 allow_insecure=1
check "fence_nmi lanplus=0 allow_insecure=1: still refused, unsupported" test "$rc" = 1
check "fence_nmi lanplus=0 allow_insecure=1: says not supported" grep -q "not supported" "$RUN/fa-lanplus0-allowed.err"
check "fence_nmi: no password in any of these outputs" no_secret "$RUN"/fa-*.err "$RUN"/fa-*.out
check "no NMI from any refused or insecure case" test "$(nmis)" = "$n0"

# ---- fence_nmi -p SECRET is gone from /proc/PID/cmdline after start-up ----
# A BMC that never answers, with a long session timeout, keeps fence_nmi
# alive.  A silent socket, not a closed port: that one is refused at once.
python3 "$(dirname "$0")/udp-silent.py" 120 >"$RUN/silent.port" &
silent_pid=$!
for _ in $(seq 50); do [ -s "$RUN/silent.port" ] && break; sleep 0.1; done
silent=$(cat "$RUN/silent.port")
NMIFENCE_STATE_DIR=$RUN/state-argv "$FENCE_NMI" -o status -a "$NF_LAB_BMC_HOST" -u "$silent" -l u -p "$ARGV_SECRET" \
        --session-timeout 20 --retransmit-timeout 1 >"$RUN/argv.out" 2>"$RUN/argv.err" &
bg_pid=$!
seen=
for _ in $(seq 50); do
        # wait until it is past parsing: the warning is printed while parsing
        if grep -q "visible to every user" "$RUN/argv.err" 2>/dev/null; then
                sleep 0.3
                seen=$(tr '\0' ' ' <"/proc/$bg_pid/cmdline" 2>/dev/null)
                break
        fi
        sleep 0.1
done
echo "cmdline after start-up: $seen"
check "fence_nmi -p: still running while the cmdline is read" kill -0 "$bg_pid"
check "fence_nmi -p: a warning about argv on stderr" grep -q "visible to every user" "$RUN/argv.err"
check "fence_nmi -p: cmdline read" test -n "$seen"
check "fence_nmi -p: the password is not in /proc/PID/cmdline" bash -c '! grep -qF -- "$1" "/proc/$2/cmdline"' _ \
        "$ARGV_SECRET" "$bg_pid"
check "fence_nmi -p: overwritten in place (xxx... where it was)" \
        bash -c '[[ "$1" == *"-p xxxxxxxxxxxxxxxxxxx "* ]]' _ "$seen"
kill "$bg_pid" 2>/dev/null
wait "$bg_pid" 2>/dev/null
bg_pid=
kill "$silent_pid" 2>/dev/null
wait "$silent_pid" 2>/dev/null
silent_pid=
check "fence_nmi -p: the password is not in its output" no_secret "$RUN/argv.out" "$RUN/argv.err"

[ "$failures" = 0 ] || { echo "$failures check(s) failed; logs in $RUN"; exit 1; }
echo "all checks passed"
