#!/usr/bin/env python3
# Plays the requesting agent of an adopt (docs/operations.md, "Control
# socket"): holds the target's lock (flock, as agent/target-lock.c does),
# writes ANSWER.held, sends the adopt request while holding it once GO
# exists, writes the
# answer line, and releases the lock only once RELEASE exists (each wait
# at most 60 s).
# Usage: adopt-holder.py LOCKFILE SOCKET TARGET ACTION GO ANSWER RELEASE
import fcntl
import json
import os
import socket
import sys
import time



def wait_for(path):
    deadline = time.monotonic() + 60
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.1)


lockfile, sock, target, action, go, answer, release = sys.argv[1:8]
fd = os.open(lockfile, os.O_RDWR)
fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
with open(answer + ".held", "w"):
    pass
wait_for(go)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sock)
req = {"command": "adopt", "target": target, "action": action, "pid": os.getpid()}
s.sendall((json.dumps(req) + "\n").encode())
line = s.makefile("r").readline()
with open(answer + ".tmp", "w") as f:
    f.write(line)
os.rename(answer + ".tmp", answer)
wait_for(release)
os.close(fd)
