#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""IPMI operation cost: one persistent session against a process per command.

Runs inside a network namespace of its own (bench/run makes it), so every
datagram on its loopback is this benchmark's: the packet counts are the
lo interface counters read before and after each measurement.

Against one lab BMC (tests/lab/bmc-up --fake-host, ipmi_sim), for the same
operation (Get Chassis Status, "power status"):
  - nmifence-session: bench/nf-ipmi-bench, one RMCP+ session through
    libnfipmi (the agent's way), COUNT requests;
  - ipmitool: one `ipmitool -I lanplus -C 3 ... chassis power status` process
    per request, what fence_ipmilan does for every step;
  - ipmi-chassis and ipmipower (freeipmi tools), one process per request.
Reports per request: median and p95 latency, CPU (user+sys of the process
or processes), packets; and each as a ratio to nmifence-session.

Usage: ipmi-ops.py BUILD_DIR RUNDIR [--count N] [--procs M] [--json FILE]
(RUNDIR: the BMC's tests/lab/bmc-up run directory, whose env it reads)
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lablib import children_cpu_ms, load_env, lo_packets  # noqa: E402


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * p / 100))]


def per_process(name, argv, procs):
    """Run argv `procs` times; each run is one request."""
    lat = []
    cpu0, pk0 = children_cpu_ms(), lo_packets()
    for _ in range(procs):
        t = time.monotonic()
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lat.append((time.monotonic() - t) * 1000.0)
        if r.returncode != 0:
            sys.exit(f"ipmi-ops: {name} failed ({r.returncode}): {r.stderr.strip()}")
    cpu, pk = children_cpu_ms() - cpu0, lo_packets() - pk0
    return {"tool": name, "requests": procs, "median_ms": statistics.median(lat),
            "p95_ms": pct(lat, 95), "cpu_ms_per_req": cpu / procs,
            "packets_per_req": pk / procs}


def session(build, env, count):
    """One session, `count` requests; the per-request packets exclude the
    session set-up and close, measured apart with a 1-request run."""
    argv = [os.path.join(build, "bench", "nf-ipmi-bench"), env["NF_LAB_BMC_HOST"],
            env["NF_LAB_BMC_PORT"], env["NF_LAB_OPERATOR_USER"]]
    e = dict(os.environ, NF_BENCH_PASSWORD=env["NF_LAB_OPERATOR_PASSWORD"],
             NF_BENCH_WORKAROUNDS=env.get("NF_LAB_FREEIPMI_WORKAROUNDS", ""))

    def run(n):
        pk0 = lo_packets()
        r = subprocess.run(argv + [str(n), "status"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, env=e)
        if r.returncode != 0:
            sys.exit(f"ipmi-ops: nf-ipmi-bench failed: {r.stderr.strip()}")
        return json.loads(r.stdout), lo_packets() - pk0

    one, pk_one = run(1)
    res, pk_all = run(count + 1)
    per_req = (pk_all - pk_one) / count
    return {"tool": "nmifence-session", "requests": count, "median_ms": res["median_ms"],
            "p95_ms": res["p95_ms"], "cpu_ms_per_req": res["cpu_ms"] / (count + 1),
            "packets_per_req": per_req, "open_ms": one["open_ms"],
            "setup_packets": pk_one - per_req}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("rundir")
    ap.add_argument("--count", type=int, default=500)
    ap.add_argument("--procs", type=int, default=40)
    ap.add_argument("--json")
    a = ap.parse_args()
    # nf-ipmi-bench runs COUNT + 1 requests, at most 1000000
    if not 1 <= a.count < 1000000 or a.procs < 1:
        ap.error("--count must be 1..999999 and --procs at least 1")
    env = load_env(os.path.join(a.rundir, "env"))
    host, port = env["NF_LAB_BMC_HOST"], env["NF_LAB_BMC_PORT"]
    user, pw = env["NF_LAB_OPERATOR_USER"], env["NF_LAB_OPERATOR_PASSWORD"]
    wa = env.get("NF_LAB_FREEIPMI_WORKAROUNDS", "")
    fi = ["-h", f"{host}:{port}", "-u", user, "-p", pw, "-I", "3"] + (["-W", wa] if wa else [])

    rows = [session(a.build, env, a.count),
            per_process("ipmitool", ["ipmitool", "-I", "lanplus", "-C", "3", "-H", host, "-p", port,
                                     "-U", user, "-P", pw, "-L", "OPERATOR",
                                     "chassis", "power", "status"], a.procs),
            per_process("ipmi-chassis", ["ipmi-chassis"] + fi + ["-l", "operator",
                                                                 "--get-chassis-status"], a.procs),
            per_process("ipmipower", ["ipmipower"] + fi + ["--stat"], a.procs)]
    base = rows[0]
    for r in rows:
        for k in ("median_ms", "cpu_ms_per_req", "packets_per_req"):
            r[k + "_ratio"] = r[k] / base[k] if base[k] else None

    print("| tool | requests | median ms | p95 ms | CPU ms/req | packets/req "
          "| latency x | CPU x | packets x |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['tool']} | {r['requests']} | {r['median_ms']:.3f} | {r['p95_ms']:.3f} "
              f"| {r['cpu_ms_per_req']:.3f} | {r['packets_per_req']:.1f} "
              f"| {r['median_ms_ratio']:.1f} | {r['cpu_ms_per_req_ratio']:.1f} "
              f"| {r['packets_per_req_ratio']:.1f} |")
    print(f"\nnmifence-session set-up: {base['open_ms']:.2f} ms, "
          f"{base['setup_packets']:.0f} packets (open + close)")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
