#!/usr/bin/env python3
# A BMC that never answers: a UDP socket on 127.0.0.1 that takes datagrams
# and never replies, so a session open waits its whole timeout (a closed
# port is refused by the kernel at once).  Prints its port, then sleeps
# until killed (by PID, by the test that started it) or for argv[1] s.
import socket
import sys
import time

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(float(sys.argv[1]) if len(sys.argv) > 1 else 300)
