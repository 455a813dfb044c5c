#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A UDP impairment relay on loopback, for the fault-injection matrix.

    udp-impair.py --upstream PORT --port-file FILE --log FILE
                  [--loss P] [--dup P] [--reorder P] [--seed N]
                  [--drop-reply-after-grow FILE] [--b2c-delay SEC]

Listens on 127.0.0.1 (a free port, written to --port-file once bound) and
relays datagrams between its clients and 127.0.0.1:PORT (the BMC), like a
NAT: each client address (the agent has one UDP socket per session) gets
an upstream socket of its own, and what the BMC sends to that socket goes
back to that client only, so a late reply to an abandoned session never
lands on a newer one.  Each datagram, in
either direction, is independently
  - dropped with probability --loss,
  - else held back with probability --reorder until the next datagram in
    the same direction has gone out (or 0.2 s passed), so the two swap,
  - and sent twice with probability --dup.
The draws come from random.Random(--seed), so the impairment sequence is
the same in every run for the same packet sequence.

--drop-reply-after-grow FILE drops exactly one datagram: the first BMC ->
agent one that goes out after FILE (the lab module's NMI log, written
before the BMC answers the diag request) has grown past its size at
start, i.e. the diag request's reply.  --b2c-delay SEC (default 0.05 in
that mode) holds every BMC -> agent datagram that long first, so that the
log's growth is seen before its reply is passed on.  The relay then
counts the datagrams the agent sends from the diag request's source port
after it (the rest of that session's traffic) and logs them as
"after-drop c2b from port P: N".

The relay logs what it sees: one line per drop, duplicate and swap, and
"retransmit" for a client datagram sent while that client's previous one
has had no answer yet (a session has one request in flight at a time, so
that is a retransmission).  The last line of the log is a summary:
    summary c2b=N b2c=N dropped=N duplicated=N reordered=N retransmits=N
written again after every event, so it is there when the relay is killed.
Stops on SIGTERM/SIGINT.
"""
import argparse
import os
import random
import selectors
import signal
import socket
import sys
import time

HOLD_MAX = 0.2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", type=int, required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--loss", type=float, default=0.0)
    ap.add_argument("--dup", type=float, default=0.0)
    ap.add_argument("--reorder", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--drop-reply-after-grow", metavar="FILE")
    ap.add_argument("--b2c-delay", type=float, default=None)
    a = ap.parse_args()
    if a.b2c_delay is None:
        a.b2c_delay = 0.05 if a.drop_reply_after_grow else 0.0

    def file_size(path):
        try:
            return os.stat(path).st_size
        except FileNotFoundError:
            return 0
    grow_base = file_size(a.drop_reply_after_grow) if a.drop_reply_after_grow else 0

    rng = random.Random(a.seed)
    front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    front.bind(("127.0.0.1", 0))
    upstream = ("127.0.0.1", a.upstream)
    sel = selectors.DefaultSelector()
    backs = {}      # client address -> its upstream socket
    awaiting = {}   # client address -> a request of it is unanswered

    log = open(a.log, "a", buffering=1)
    t0 = time.monotonic()
    counts = dict(c2b=0, b2c=0, dropped=0, duplicated=0, reordered=0, retransmits=0)
    diag = {"dropped": False, "client": None, "after": 0}
    delayed = []  # (release time, payload, client), BMC -> agent, in order
    held = {"c2b": None, "b2c": None}  # (deadline, payload, client)

    def note(msg):
        log.write("%8.3f %s\n" % (time.monotonic() - t0, msg))

    def summary():
        log.write("summary " + " ".join("%s=%d" % kv for kv in counts.items()) + "\n")

    def back_for(client):
        b = backs.get(client)
        if b is None:
            b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            b.connect(upstream)
            backs[client] = b
            sel.register(b, selectors.EVENT_READ, client)
        return b

    def send(direction, data, client):
        try:
            if direction == "c2b":
                back_for(client).send(data)
            else:
                front.sendto(data, client)
        except OSError:
            pass    # ECONNREFUSED from an earlier datagram: the BMC is down

    def release(direction):
        h = held[direction]
        if h is not None:
            held[direction] = None
            send(direction, h[1], h[2])

    def relay(direction, data, client):
        counts[direction] += 1
        n = counts[direction]
        if (direction == "b2c" and a.drop_reply_after_grow and not diag["dropped"]
                and file_size(a.drop_reply_after_grow) > grow_base):
            diag["dropped"] = True
            diag["client"] = client
            counts["dropped"] += 1
            note("b2c #%d dropped: first reply after the NMI log grew (the diag request's), client port %d"
                 % (n, client[1]))
            summary()
            return
        if rng.random() < a.loss:
            counts["dropped"] += 1
            note("%s #%d dropped (%d bytes)" % (direction, n, len(data)))
            summary()
            return
        if held[direction] is None and rng.random() < a.reorder:
            held[direction] = (time.monotonic() + HOLD_MAX, data, client)
            counts["reordered"] += 1
            note("%s #%d held back to go after the next one" % (direction, n))
            summary()
            return
        send(direction, data, client)
        release(direction)
        if rng.random() < a.dup:
            send(direction, data, client)
            counts["duplicated"] += 1
            note("%s #%d duplicated" % (direction, n))
            summary()

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))

    sel.register(front, selectors.EVENT_READ, None)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % front.getsockname()[1])
    os.rename(tmp, a.port_file)
    note("relay 127.0.0.1:%d -> %s:%d loss=%.2f dup=%.2f reorder=%.2f seed=%d"
         % (front.getsockname()[1], upstream[0], upstream[1], a.loss, a.dup, a.reorder, a.seed))
    summary()

    while not stop:
        timeout = 0.5
        now = time.monotonic()
        for h in held.values():
            if h is not None:
                timeout = min(timeout, max(0.0, h[0] - now))
        if delayed:
            timeout = min(timeout, max(0.0, delayed[0][0] - now))
        try:
            events = sel.select(timeout)
        except InterruptedError:
            continue
        for key, _ in events:
            try:
                if key.data is None:
                    direction = "c2b"
                    data, client = front.recvfrom(65536)
                    if diag["dropped"] and client == diag["client"]:
                        diag["after"] += 1
                        note("after-drop c2b from port %d: %d (%d bytes)" % (client[1], diag["after"], len(data)))
                    if awaiting.get(client):
                        counts["retransmits"] += 1
                        note("c2b #%d retransmit (previous request of port %d unanswered)"
                             % (counts["c2b"] + 1, client[1]))
                    awaiting[client] = True
                else:
                    direction = "b2c"
                    client = key.data
                    data = key.fileobj.recv(65536)
                    awaiting[client] = False
            except (ConnectionRefusedError, BlockingIOError):
                continue
            if direction == "b2c" and a.b2c_delay > 0:
                delayed.append((time.monotonic() + a.b2c_delay, data, client))
                continue
            relay(direction, data, client)
        now = time.monotonic()
        while delayed and now >= delayed[0][0]:
            _, data, client = delayed.pop(0)
            relay("b2c", data, client)
        for d, h in held.items():
            if h is not None and now >= h[0]:
                release(d)
    summary()
    return 0


if __name__ == "__main__":
    sys.exit(main())
