#!/bin/bash
# integration: a unit (nmifence-target.service, nmifenced.service) passes
# `systemd-analyze verify` and `systemd-analyze security` (exposure at most
# 2.0, "OK") offline; no systemd needs to run.  Skips (77) without
# systemd-analyze.
set -uo pipefail
UNIT=${1:?usage: $0 BUILT_UNIT BUILT_BINARY}
TARGET_BIN=$(realpath "${2:?}")
NAME=$(basename "$UNIT")
BIN_NAME=$(basename "$TARGET_BIN")
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze not installed"; exit 77; }
D=$(mktemp -d "${TMPDIR:-/tmp}/nf-unit.XXXXXX")
trap 'rm -rf "$D"' EXIT
# verify wants ExecStart's binary to exist: point it at the built one.
sed -e "s#^\(Exec[A-Za-z]*=\)[^ ]*/$BIN_NAME\( \|\$\)#\1$TARGET_BIN\2#" "$UNIT" >"$D/$NAME"
grep Exec "$D/$NAME"
out=$(systemd-analyze verify --man=no "$D/$NAME" 2>&1)
rc=$?
echo "$out"
if [ $rc != 0 ] || [ -n "$out" ]; then
        echo "FAIL: systemd-analyze verify (exit $rc)"
        exit 1
fi
echo "ok: systemd-analyze verify"
sec=$(systemd-analyze security --offline=yes "$D/$NAME" 2>&1)
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
