#!/bin/bash
# e2e: real distribution kdump.  A Debian 12 guest built with debootstrap
# (tests/lab/build-debian-guest: kdump-tools, the project installed with
# meson install, its units enabled) boots under real systemd behind the lab
# BMC; `nmifence dump` fences it.  Asserts:
#   - the real kdump-tools.service loaded the capture kernel, and the
#     nmifence-target unit posted armed at boot;
#   - dump-start, progress and dump-done came from inside the capture
#     kernel: the initrd script (dump-start) and the kdump-tools-dump.service
#     drop-in around the real `kdump-config savecore` (its console lines
#     and the SEL, decoded independently with ipmitool raw);
#   - one NMI, delivered; nmifence exits 0, dump complete;
#   - after the reboot the vmcore is in /var/crash/<stamp>/ (the guest lists
#     it; read back from the disk image with debugfs after power-off, and
#     makedumpfile reads it: the crashed kernel's log shows the NMI panic);
#   - `nmifence-target check --json` in that guest reports all pass.
# Skips (77) without debootstrap, root or the Debian mirror.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
e2e_skip_unless qemu-system-x86_64 ipmi_sim ipmitool makedumpfile python3 debugfs e2fsck

t_start=$SECONDS
e2e_debian_image
t_built=$SECONDS
echo "guest image: $NF_DEB_IMAGE (kernel $NF_DEB_KVER), ready after $((t_built - t_start)) s"

mkdir -p "$NF_E2E_RUNS"
RUN=$(mktemp -d "$NF_E2E_RUNS/debian-kdump.XXXXXX")
export NMIFENCE_STATE_DIR=$RUN/state
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM
echo "run directory: $RUN"
# The run writes into its own copy; the cached image stays clean.
cp --sparse=always "$NF_DEB_IMAGE" "$RUN/disk.img"
if ! "$LAB_DIR/lab-up" "$RUN" --kernel "$NF_DEB_KERNEL" --initrd "$NF_DEB_INITRD" \
        --disk "$RUN/disk.img" --append "root=/dev/vda rw" \
        --ready 'NF-DEB: ready' --timeout 600 >"$RUN/lab-up.out" 2>&1; then
        cat "$RUN/lab-up.out"
        echo "FAIL: the Debian guest did not come up"
        exit 1
fi
# shellcheck disable=SC1091
. "$RUN/env"
printf '%s\n' "$NF_LAB_PASSWORD" >"$RUN/password"
chmod 600 "$RUN/password"
t_up=$SECONDS
echo "first boot to 'NF-DEB: ready': $((NF_LAB_BOOT_MS / 1000)) s"
con=$NF_LAB_CONSOLE_LOG
# The guest's report lines, cut loose from anything printed before them on
# the same console line.
nfdeb() {
        grep -a 'NF-DEB: ' "$con" | sed 's/.*NF-DEB: /NF-DEB: /' | tr -d '\r'
}
nfdeb | grep -v check-text

# Boot: real systemd, real kdump-tools, the unit's armed record.
boot1=$(nfdeb | grep -m1 '^NF-DEB: boot ')
check "kdump-tools.service loaded the capture kernel" \
        bash -c '[[ $1 == *crash_loaded=1* && $1 == *kdump-tools=active* ]]' _ "$boot1"
check "nmifence-target.service is active, NMI panics, /dev/ipmi0 present" \
        bash -c '[[ $1 == *nmifence-target=active* && $1 == *unknown_nmi_panic=1* && $1 == *ipmi0=yes* ]]' _ "$boot1"
check "the capture kernel's command line has apic_extnmi=none (kdump-tools kexec_cmd)" \
        bash -c '[[ $1 == *apic_extnmi=none* ]]' _ "$(nfdeb | grep -m1 '^NF-DEB: kexec_cmd ')"
check "the unit posted armed at boot (SEL, ipmitool raw)" wait_armed 1 30

conf=$(e2e_write_config 'nmi_timeout = 600.0;' 'dump_stall_timeout = 300.0;' 'dump_max_time = 1200.0;')
timeout 1800 "$NMIFENCE" dump -c "$conf" --json labhost >"$RUN/result.json" 2>"$RUN/agent.log"
rc=$?
cat "$RUN/agent.log"
echo "exit status $rc; result: $(cat "$RUN/result.json")"
t_fenced=$SECONDS
check "nmifence exits 0 (dump complete, host fenced)" test "$rc" = 0
check "result says the dump is complete" test "$(json "$RUN/result.json" 'j["dump_result"]')" = complete
check "the BMC logged exactly one NMI" test "$(wc -l <"$NF_LAB_NMI_LOG")" = 1
check "the NMI was delivered to the host" grep -q 'delivered=yes' "$NF_LAB_NMI_LOG"

# The capture kernel: our hooks around the real kdump-config savecore.
check "capture kernel ran kdump-tools-dump.service through the nmifence drop-in" \
        grep -aq 'Starting kdump-tools (nmifence-target reports to the BMC)' "$con"
check "kdump-config savecore ran makedumpfile into /var/crash" \
        grep -aq 'running makedumpfile .* > /var/crash/2' "$con"
check "kdump-config saved the vmcore" grep -aq 'saved vmcore in /var/crash/2' "$con"
check "nmifence-target posted dump-done in the capture kernel" \
        grep -aq 'nmifence-target: posted dump-done' "$con"
# The dead-man switch (docs/target.md): armed by the initrd's dump-start
# with the guest's nmifence.dump_stall_timeout=300 (+15 s), stopped by
# `nmifence-target dump` before dump-done and kdump-tools' reboot.
check "the capture kernel armed the dead-man switch for 315 s" \
        grep -aq 'nmifence-target: dead-man switch armed: the BMC will power cycle the host after 315.0 s' "$con"
check "console: the switch stopped before dump-done" \
        bash -c 's=$(grep -a -n "dead-man switch stopped" "$1" | head -1 | cut -d: -f1); d=$(grep -a -n "nmifence-target: posted dump-done" "$1" | head -1 | cut -d: -f1); [ -n "$s" ] && [ -n "$d" ] && [ "$s" -lt "$d" ]' _ "$con"
check "console: dump-done posted before the next power-on" \
        bash -c 'd=$(grep -a -n "nmifence-target: posted dump-done" "$1" | head -1 | cut -d: -f1); s=$(grep -a -n "^NF-LAB-HOST: qemu start" "$1" | sed -n 2p | cut -d: -f1); [ -n "$d" ] && [ -n "$s" ] && [ "$d" -lt "$s" ]' _ "$con"

stages=$(sel_stages | tr '\n' ' ')
echo "SEL stages: $stages"
check "SEL: armed, dump-start, progress, dump-done in that order" \
        bash -c '[[ " $1" =~ \ armed\ (.*\ )?dump-start\ (.*\ )?progress\ (.*\ )?dump-done\  ]]' _ "$stages"
check "SEL: no dump-failed" bash -c '[[ " $1 " != *" dump-failed "* ]]' _ "$stages"
# The initrd posts dump-start and the savecore wrapper continues that dump:
# one dump-start, and the dump within its 16 records (docs/protocol.md).
dump_records=$(echo "$stages" | tr ' ' '\n' | grep -c -E '^(dump-start|cpus|progress|dump-done|dump-failed)$')
check "SEL: exactly one dump-start" test "$(echo "$stages" | tr ' ' '\n' | grep -c '^dump-start$')" = 1
check "SEL: the dump wrote at most 16 records ($dump_records)" test "$dump_records" -le 16

# After the reboot: the guest lists /var/crash and runs check.
check "host booted again after the fence" wait_for_count "$con" 'NF-DEB: ready' 2 600
boot2=$(nfdeb | awk '/^NF-DEB: boot /{n++} n==2')
echo "$boot2" | grep -v check-text
check "after the reboot the guest has /var/crash/<stamp>/dump.<stamp> > 1 MiB" \
        bash -c 'echo "$1" | awk '\''/^NF-DEB: crash / && $4 ~ /^\/var\/crash\/2[0-9]+\/dump\.[0-9]+$/ && $3 > 1048576 {ok=1} END {exit !ok}'\''' _ "$boot2"
check "host re-armed after the fence (second armed record)" wait_armed 2 60
json_line=$(echo "$boot2" | sed -n 's/^NF-DEB: check-json //p' | head -1)
echo "$json_line" >"$RUN/check.json"
check "nmifence-target check ran in the guest and exited 0" \
        bash -c 'echo "$1" | grep -q "^NF-DEB: check rc=0$"' _ "$boot2"
check "nmifence-target check --json: every check passes" python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
checks = j.get("checks", j) if isinstance(j, dict) else j
bad = [c for c in checks if c.get("status", c.get("result")) != "pass"]
for c in bad:
    print("  not pass:", c)
sys.exit(1 if bad or not checks else 0)' "$RUN/check.json"

# Power off, then read the disk image independently.
"$LAB_DIR/lab-down" "$RUN" >"$RUN/lab-down.out" 2>&1
rm -f "$RUN/pids"
e2e_debian_vmcore_checks "$RUN/disk.img"

echo "times: guest image $((t_built - t_start)) s, boot $((t_up - t_built)) s, fence $((t_fenced - t_up)) s, total $((SECONDS - t_start)) s"
e2e_finish
