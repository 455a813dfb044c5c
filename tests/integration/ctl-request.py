#!/usr/bin/env python3
# Sends raw lines to nmifenced's control socket and prints one answer line
# per request line: for requests the CLI never sends (malformed JSON,
# unknown members, pipelining).  Usage: ctl-request.py SOCKET LINE...
import socket
import sys

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall("".join(line + "\n" for line in sys.argv[2:]).encode())
f = s.makefile("r")
for _ in sys.argv[2:]:
    print(f.readline(), end="")
