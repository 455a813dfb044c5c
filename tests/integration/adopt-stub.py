#!/usr/bin/env python3
# A stand-in for nmifenced's control socket in the release-capture test,
# ONLY for the answers that must not release (the success path runs against
# the real nmifenced): it logs each request line to LOG and then
#   refuse: answers {"ok":false,"error":"..."} as the daemon does for a host
#           it does not have;
#   silent: answers nothing (the requester's 5 s bound).
# It exits after LIFETIME seconds whatever happens.
# Usage: adopt-stub.py SOCKET LOG refuse|silent LIFETIME
import json
import os
import socket
import sys
import time

path, log, mode, lifetime = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
end = time.monotonic() + lifetime
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(4)
open(path + ".ready", "w").close()
held = []
while time.monotonic() < end:
    s.settimeout(max(0.1, end - time.monotonic()))
    try:
        c, _ = s.accept()
    except socket.timeout:
        break
    c.settimeout(5)
    line = c.makefile("r").readline()
    with open(log, "a") as f:
        f.write(line if line.endswith("\n") else line + "\n")
    if mode == "refuse":
        req = json.loads(line)
        c.sendall((json.dumps({"ok": False, "error": "no configured host with BMC " + req.get("target", "?")},
                              separators=(",", ":")) + "\n").encode())
        c.close()
    else:
        held.append(c)
for c in held:
    c.close()
os.unlink(path)
