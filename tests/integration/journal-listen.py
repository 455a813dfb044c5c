#!/usr/bin/env python3
# A stand-in for journald's native socket, for one test in its own mount
# namespace: binds an AF_UNIX datagram socket at PATH (the test mounts a
# tmpfs on /run/systemd and binds /run/systemd/journal/socket) and appends
# each entry to LOG as one JSON object per line.  The native protocol
# (systemd's JOURNAL_NATIVE_PROTOCOL): "KEY=VALUE\n", or for a value with a
# newline "KEY\n" + 64-bit little-endian length + VALUE + "\n"; a large
# entry comes as a memfd in SCM_RIGHTS instead.  Writes PATH.ready once
# bound; runs until SIGTERM.
import array
import json
import os
import signal
import socket
import struct
import sys

path, log = sys.argv[1], sys.argv[2]
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
open(path + ".ready", "w").close()


def parse(data):
    entry, i = {}, 0
    while i < len(data):
        nl = data.index(b"\n", i)
        line = data[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:
            k = line
            (n,) = struct.unpack("<Q", data[nl + 1:nl + 9])
            v = data[nl + 9:nl + 9 + n]
            i = nl + 9 + n + 1
        entry[k.decode()] = v.decode("utf-8", "replace")
    return entry


with open(log, "a", buffering=1) as out:
    while True:
        fds = array.array("i")
        data, anc, _, _ = s.recvmsg(1 << 20, socket.CMSG_SPACE(4 * fds.itemsize))
        for level, kind, cdata in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(cdata[:len(cdata) - (len(cdata) % fds.itemsize)])
        for fd in fds:
            with os.fdopen(fd, "rb") as f:
                data = f.read()
        out.write(json.dumps(parse(data)) + "\n")
