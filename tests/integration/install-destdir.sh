#!/bin/bash
# integration: `meson install --destdir` from the build dir puts binaries,
# the unit, the sysctl/modules-load snippets, the examples and the man
# pages where docs/target.md says, under DESTDIR and the configured prefix;
# the installed unit runs the installed nmifence-target.  fence_nmi goes to
# FENCE_AGENT_DIR whatever the prefix (with the default /usr/local too):
# the directory Pacemaker searches for fence agents, /usr/sbin as compiled
# into its libstonithd (checked when Pacemaker is installed).
set -uo pipefail
BUILD=${1:?usage: $0 BUILD_DIR PREFIX SBINDIR MANDIR DATADIR UNITDIR static|dynamic FENCE_AGENT_DIR}
PREFIX=$2 SBINDIR=$3 MANDIR=$4 DATADIR=$5 UNITDIR=$6 LINKAGE=${7:-static} FENCE_AGENT_DIR=${8:-/usr/sbin}
# What is installed is the static helper for a target's initramfs; a
# sanitized build (b_sanitize, scripts/test's build-asan) links it
# dynamically, so the install is checked by the default build only.
if [ "$LINKAGE" != static ]; then
        echo "SKIP: nmifence-target is linked $LINKAGE in this build (b_sanitize); the default build checks the install"
        exit 77
fi
abs() { case $1 in /*) echo "$1" ;; *) echo "$PREFIX/$1" ;; esac; }
D=$(mktemp -d "${TMPDIR:-/tmp}/nf-install.XXXXXX")
trap 'rm -rf "$D"' EXIT
failures=0
check() {
        local what=$1
        shift
        if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}

meson install -C "$BUILD" --destdir "$D" --no-rebuild >"$D.log" 2>&1
rc=$?
[ $rc = 0 ] || cat "$D.log"
rm -f "$D.log"
check "meson install --destdir exits 0" test "$rc" = 0

sbin=$D$(abs "$SBINDIR")
man8=$D$(abs "$MANDIR")/man8
doc=$D$(abs "$DATADIR")/doc/nmifence
for f in "$sbin/nmifence" "$sbin/nmifence-target" "$D$FENCE_AGENT_DIR/fence_nmi"; do
        check "$f is executable" test -x "$f"
done
check "fence_nmi is in $FENCE_AGENT_DIR (prefix $PREFIX), nowhere else" \
        test "$(find "$D" -name fence_nmi -type f)" = "$D$FENCE_AGENT_DIR/fence_nmi"
# Pacemaker's fence agent directory as compiled in: libstonithd builds an
# agent's path as "DIR/%s" (PCMK__FENCE_BINDIR).
stonithd=$(ldconfig -p 2>/dev/null | awk '/libstonithd\.so/ { print $NF; exit }')
if [ -n "$stonithd" ] && command -v strings >/dev/null; then
        pcmk_dir=$(strings "$stonithd" | sed -n 's|^\(/[^%/][^%]*\)/%s$|\1|p' | sort -u)
        echo "Pacemaker's fence agent directory ($stonithd): ${pcmk_dir:-not found}"
        check "fence_nmi's directory is the one Pacemaker searches" test "$pcmk_dir" = "$FENCE_AGENT_DIR"
else
        echo "Pacemaker (libstonithd) not installed: its directory not compared"
fi
for f in "$man8/nmifence.8" "$man8/nmifence-target.8" "$man8/fence_nmi.8" \
        "$D$UNITDIR/nmifence-target.service" \
        "$D$PREFIX/lib/sysctl.d/50-nmifence.conf" "$D$PREFIX/lib/modules-load.d/nmifence.conf" \
        "$doc/nmifence.conf.example" "$doc/examples/kdump-tools.nmifence" \
        "$doc/examples/kdump-sysctl.conf" "$doc/examples/sysconfig-kdump.nmifence"; do
        check "${f#"$D"} installed" test -s "$f"
done
unit=$D$UNITDIR/nmifence-target.service
check "unit runs the installed binary" grep -qx "ExecStart=$(abs "$SBINDIR")/nmifence-target arm" "$unit"
check "unit disarms at stop" grep -qx "ExecStop=$(abs "$SBINDIR")/nmifence-target disarm" "$unit"
# nmifenced is built with libsystemd (the default build has it)
if [ -e "$sbin/nmifenced" ] || [ -e "$D$UNITDIR/nmifenced.service" ]; then
        check "nmifenced installed with its man page and unit" \
                test -x "$sbin/nmifenced" -a -s "$man8/nmifenced.8" -a -s "$D$UNITDIR/nmifenced.service"
        check "nmifenced unit runs the installed binary" \
                grep -qx "ExecStart=$(abs "$SBINDIR")/nmifenced" "$D$UNITDIR/nmifenced.service"
fi
check "sysctl snippet makes an NMI panic" grep -qx "kernel.unknown_nmi_panic = 1" "$D$PREFIX/lib/sysctl.d/50-nmifence.conf"
# The installed static helper runs (the target's initramfs has no libraries).
check "installed nmifence-target runs" "$sbin/nmifence-target" --help
check "installed nmifence-target is static" sh -c "! LC_ALL=C ldd '$sbin/nmifence-target' 2>&1 | grep -q '=>'"
[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
