#!/usr/bin/env python3
# Plays the requesting agent of an adopt (docs/operations.md, "Control
# socket"): holds the target's lock (flock, as agent/target-lock.c does),
# sends the adopt request while holding it, writes the answer line, and
# releases the lock only once RELEASE exists (at most 60 s).
# Usage: adopt-holder.py LOCKFILE SOCKET TARGET ACTION ANSWER RELEASE
import fcntl
import json
import os
import socket
import sys
import time

lockfile, sock, target, action, answer, release = sys.argv[1:7]
fd = os.open(lockfile, os.O_RDWR)
fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sock)
req = {"command": "adopt", "target": target, "action": action, "pid": os.getpid()}
s.sendall((json.dumps(req) + "\n").encode())
line = s.makefile("r").readline()
with open(answer + ".tmp", "w") as f:
    f.write(line)
os.rename(answer + ".tmp", answer)
deadline = time.monotonic() + 60
while not os.path.exists(release) and time.monotonic() < deadline:
    time.sleep(0.1)
os.close(fd)
