#!/usr/bin/env python3
# A stand-in for QEMU's ipmi-bmc-extern on ipmi_sim's system-interface
# port ("serial 15 ... codec VM"), so a BMC-only lab has a host whose power
# really changes: while connected, ipmi_sim reports chassis power on.  It
# exits (power off) on the VM power-off (03h) or reset (04h) command, as
# QEMU does with -no-reboot, and when the BMC goes away.  Started by
# ipmi_sim as its startcmd, so "chassis power on" starts it again.
#
# Usage: fake-vm.py PORT [LOG]   (LOG gets one hex line per read)
import socket
import sys
import time

VM_CMD_CHAR = 0xA1
POWER_OFF, RESET = 0x03, 0x04

port = int(sys.argv[1])
log = open(sys.argv[2], "a") if len(sys.argv) > 2 else None
for _ in range(50):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit(1)
s.settimeout(None)
buf = b""
while True:
    data = s.recv(4096)
    if not data:
        break
    if log:
        log.write(data.hex() + "\n")
        log.flush()
    buf += data
    frames = buf.split(bytes([VM_CMD_CHAR]))
    buf = frames.pop()
    if any(f and f[-1] in (POWER_OFF, RESET) for f in frames):
        break
s.close()
