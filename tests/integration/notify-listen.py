#!/usr/bin/env python3
# The test's own systemd notify socket: binds an AF_UNIX datagram socket at
# PATH (the NOTIFY_SOCKET given to nmifenced) and appends every message to
# LOG, one assignment per line, prefixed by CLOCK_MONOTONIC seconds:
#     1234.567 READY=1
# Runs until SIGTERM.  Writes PATH.ready once bound, so the caller can wait.
import os
import signal
import socket
import sys
import time

path, log = sys.argv[1], sys.argv[2]
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s.bind(path)
open(path + ".ready", "w").close()
with open(log, "a", buffering=1) as out:
    while True:
        data = s.recv(65536)
        t = time.clock_gettime(time.CLOCK_MONOTONIC)
        for line in data.decode("utf-8", "replace").split("\n"):
            if line:
                out.write("%.3f %s\n" % (t, line))
