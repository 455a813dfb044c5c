#!/bin/bash
# integration: nmifence-target.service passes `systemd-analyze verify` and
# `systemd-analyze security` (exposure at most 2.0, "OK") offline; no
# systemd needs to run.  Skips (77) without systemd-analyze.
set -uo pipefail
UNIT=${1:?usage: $0 BUILT_UNIT NMIFENCE_TARGET}
TARGET_BIN=$(realpath "${2:?}")
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze not installed"; exit 77; }
D=$(mktemp -d "${TMPDIR:-/tmp}/nf-unit.XXXXXX")
trap 'rm -rf "$D"' EXIT
# verify wants ExecStart's binary to exist: point it at the built one.
sed -e "s|^\(Exec[A-Za-z]*=\)[^ ]*/nmifence-target |\1$TARGET_BIN |" "$UNIT" >"$D/nmifence-target.service"
grep Exec "$D/nmifence-target.service"
out=$(systemd-analyze verify --man=no "$D/nmifence-target.service" 2>&1)
rc=$?
echo "$out"
if [ $rc != 0 ] || [ -n "$out" ]; then
        echo "FAIL: systemd-analyze verify (exit $rc)"
        exit 1
fi
echo "ok: systemd-analyze verify"
sec=$(systemd-analyze security --offline=yes "$D/nmifence-target.service" 2>&1)
rc=$?
echo "$sec" | tail -1
[ $rc = 0 ] || { echo "$sec"; echo "FAIL: systemd-analyze security exit $rc"; exit 1; }
level=$(echo "$sec" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
[ -n "$level" ] || { echo "FAIL: no exposure level in the output"; exit 1; }
if awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }'; then
        echo "ok: exposure $level <= 2.0"
else
        echo "FAIL: exposure $level > 2.0"
        exit 1
fi
