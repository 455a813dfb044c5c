#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""nmifenced's cost of watching: RSS and CPU while it watches N healthy hosts.

For each size N: tests/lab/scale-up starts N simulated targets, each petting
its BMC watchdog (10 s timer, petted every 1 s); nmifenced watches them with
the shipped daemon defaults (poll every 5 s per host: power, Get Watchdog
Timer, new SEL records).  After READY=1 (on a notify socket this script
owns) and a warm-up, it samples /proc/PID over a window: CPU (utime+stime)
as a share of one core, VmRSS at the end and VmHWM (peak), and checks
through the control socket that every host is healthy.  One BMC poll
costs little; the figure is how that adds up per host.

Usage: daemon.py BUILD_DIR ROOT WORKDIR [--sizes 64,200,1000]
                 [--window 30] [--json FILE]
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lablib import lab_args, load_env, scale_down, scale_up  # noqa: E402


# The shipped daemon default: each host polled every 5 s.
POLL_S = 5.0


def proc_cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_mem_kb(pid):
    mem = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                mem[k] = int(v.split()[0])
    return mem


def control(path, request):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(path)
    s.sendall((json.dumps(request) + "\n").encode())
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()
    return json.loads(buf)


def one_size(a, n):
    rd = os.path.join(a.work, f"d{n}")
    env, why = scale_up(a, rd, n, "--sim", "boot_time=0.5")
    if env is None:
        return {"n": n, "error": why}
    daemon = None
    notify = None
    try:
        conf = env["NF_SCALE_CONF"]
        sock = os.path.join(rd, "control.sock")
        with open(conf, "a") as f:
            f.write(f'\ndaemon = {{ control_socket = "{sock}"; '
                    f'state_dir = "{os.path.join(rd, "state")}"; }};\n')
        notify_path = os.path.join(rd, "notify.sock")
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind(notify_path)
        notify.settimeout(1)
        log = open(os.path.join(rd, "nmifenced.log"), "w")
        t = time.monotonic()
        daemon = subprocess.Popen([os.path.join(a.build, "agent", "nmifenced"), "-c", conf,
                                   "--log-target", "stderr"], stdout=log, stderr=subprocess.STDOUT,
                                  env=dict(os.environ, NOTIFY_SOCKET=notify_path))
        # Drain the notify socket all the time, as PID 1 does: sd_notify()
        # blocks when the socket's queue is full (net.unix.max_dgram_qlen).
        ready_evt = threading.Event()
        stop = threading.Event()

        def drain():
            while not stop.is_set():
                try:
                    msg = notify.recv(4096).decode()
                except (socket.timeout, OSError):
                    continue
                if "READY=1" in msg.split("\n"):
                    ready_evt.set()

        drainer = threading.Thread(target=drain, daemon=True)
        drainer.start()
        ready = None
        while time.monotonic() - t < 60 and ready is None:
            if ready_evt.wait(0.2):
                ready = time.monotonic() - t
            elif daemon.poll() is not None:
                stop.set()
                return {"n": n, "error": f"nmifenced exited {daemon.returncode}"}
        if ready is None:
            stop.set()
            return {"n": n, "error": "no READY=1 within 60 s"}
        time.sleep(a.warmup)
        c0, t0 = proc_cpu_s(daemon.pid), time.monotonic()
        time.sleep(a.window)
        cpu = proc_cpu_s(daemon.pid) - c0
        elapsed = time.monotonic() - t0
        mem = proc_mem_kb(daemon.pid)
        st = control(sock, {"command": "status"})
        hosts = st.get("hosts", [])
        healthy = sum(1 for h in hosts if h.get("state") == "healthy")
        stop.set()
        return {"n": n, "ready_s": ready, "cpu_share": cpu / elapsed, "rss_kb": mem["VmRSS"],
                "hwm_kb": mem["VmHWM"], "healthy": healthy, "hosts": len(hosts)}
    finally:
        if daemon and daemon.poll() is None:
            daemon.terminate()
            try:
                daemon.wait(30)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
        if notify:
            notify.close()
        scale_down(a, rd)


def main():
    ap = lab_args(__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="64,200,1000")
    ap.add_argument("--window", type=float, default=30.0)
    ap.add_argument("--warmup", type=float, default=10.0)
    ap.add_argument("--json")
    a = ap.parse_args()
    rows = [one_size(a, int(n)) for n in a.sizes.split(",")]
    base = next((r for r in rows if "error" not in r), None)
    print(f"nmifenced watching N healthy simulated hosts, shipped daemon defaults (poll 5 s); "
          f"CPU over {a.window:.0f} s after READY and {a.warmup:.0f} s warm-up\n")
    # CPU per host-poll: every host is polled every POLL_S seconds.
    print("| hosts | READY after s | CPU % of a core | ms CPU per host-poll | RSS MiB | peak RSS MiB "
          "| KiB per host | healthy | CPU x | RSS x |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    failed = False
    for r in rows:
        if "error" in r:
            print(f"| {r['n']} | {r['error']} |||||||||")
            failed = True
            continue
        failed |= r["healthy"] != r["n"]
        per_poll_ms = r["cpu_share"] * 1000.0 / (r["n"] / POLL_S)
        print(f"| {r['n']} | {r['ready_s']:.1f} | {r['cpu_share'] * 100:.2f} | {per_poll_ms:.4f} "
              f"| {r['rss_kb'] / 1024:.1f} | {r['hwm_kb'] / 1024:.1f} | {r['rss_kb'] / r['n']:.0f} "
              f"| {r['healthy']}/{r['hosts']} "
              f"| {r['cpu_share'] / max(base['cpu_share'], 1e-6):.2f} "
              f"| {r['rss_kb'] / base['rss_kb']:.2f} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
