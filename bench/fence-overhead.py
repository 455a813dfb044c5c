#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Fence overhead: nmifence against the fence set-ups users deploy today.

For each dump duration D, three simulated kdump targets (tests/lab/scale-up:
ipmi_sim with the lab module in simulated-target mode, kdump final action
"halt" so only a power command ends the capture kernel) are fenced at the
same time, each by one method, all with real tools:

  nmifence   `nmifence dump HOST` with the shipped defaults (poll 1 s):
             NMI, wait for dump-done, power cycle, verify;
  diag       `fence_ipmilan -o diag` then at once `fence_ipmilan -o reboot`
             (a diag level followed by the power level: nothing waits);
  fixed-T    `fence_ipmilan -o diag`, a fixed wait of T s (the
             fence_kdump-timeout topology, default T = 60), then
             `fence_ipmilan -o reboot`.

Every time comes from the BMC side, on one clock (CLOCK_MONOTONIC, the lab
module's NMI and sim logs): the NMI, the target's dump-done record, the
first power command.  A dump is lost when a power command comes before its
dump-done.  The agent's own latency is dump-done -> power command.

Usage: fence-overhead.py BUILD_DIR ROOT WORKDIR [--durations 10,30,...]
                         [--fixed 60] [--panic-delay 2] [--json FILE]
"""

import json
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lablib import (agent_state_dir, children_cpu_ms, lab_args, lo_packets, load_env,  # noqa: E402
                    release_state_dir, scale_down, scale_up)

EVENT = re.compile(r"^(\d+\.\d+) (.*)$")


def events(path):
    out = []
    with open(path) as f:
        for line in f:
            m = EVENT.match(line.strip())
            if m:
                out.append((float(m.group(1)), m.group(2)))
    return out


def verdict(hostdir):
    """NMI time, dump-done time (if before the first power command), first
    power command time, from the lab module's logs."""
    nmis = events(os.path.join(hostdir, "nmi.log"))
    if not nmis:
        return None
    t_nmi = nmis[0][0]
    t_done = t_power = None
    for t, what in events(os.path.join(hostdir, "sim.log")):
        if t < t_nmi:
            continue
        if what.startswith("sel dump-done") and t_power is None:
            t_done = t
        if re.match(r"power (on|off|cycle)\b.*by=command", what) and t_power is None:
            t_power = t
    return {"nmis": len(nmis), "t_nmi": t_nmi, "t_done": t_done, "t_power": t_power}


def run(argv, log, env=None):
    with open(log, "a") as f:
        f.write("$ " + " ".join(argv) + "\n")
        f.flush()
        return subprocess.run(argv, stdout=f, stderr=subprocess.STDOUT, env=env).returncode


def sim_options(a, dump_s):
    """The simulated target of every host here: kdump final action halt."""
    return ["--sim", "boot_time=0.5", "--sim", f"panic_delay={a.panic_delay}",
            "--sim", f"dump_time={dump_s}", "--sim", "progress=4", "--sim", "after_dump=stay",
            "--sim", "wdt_timeout=0"]


def cost(a, nmifence, dump_s=10.0):
    """Packets and client CPU of one whole fence, one method at a time on
    one simulated target, alone in the namespace: the loopback counter
    counts only this traffic.  The host is powered on again between the
    two and has booted (armed) before each."""
    rd = os.path.join(a.work, "cost")
    env, why = scale_up(a, rd, 1, *sim_options(a, dump_s))
    if env is None:
        sys.exit(f"fence-overhead: {why}")
    state = None
    try:
        state = agent_state_dir(rd)
        with open(env["NF_SCALE_PASSWORD_FILE"]) as f:
            pw = f.read().strip()
        with open(os.path.join(rd, "hosts.txt")) as f:
            port = f.readline().split()[1]
        fi = ["fence_ipmilan", "--ip=127.0.0.1", f"--ipport={port}", "--username=operator",
              f"--password={pw}", "--lanplus", "--cipher=3", "--privlvl=operator"]
        simlog = os.path.join(rd, "hosts", "sim001", "sim.log")

        def wait_booted(n):
            end = time.monotonic() + 30
            while time.monotonic() < end:
                with open(simlog) as f:
                    if f.read().count("booting -> running") >= n:
                        return
                time.sleep(0.1)
            sys.exit("fence-overhead: the simulated host did not boot again")

        def measure(name, cmds, env=None):
            p0, c0 = lo_packets(), children_cpu_ms()
            for c in cmds:
                run(c, os.path.join(rd, "cost.out"), env)
            return {"method": name, "packets": lo_packets() - p0,
                    "cpu_ms": children_cpu_ms() - c0}

        wait_booted(1)
        rows = [measure("nmifence dump", [[nmifence, "dump", "-c", env["NF_SCALE_CONF"], "sim001"]],
                        dict(os.environ, NMIFENCE_STATE_DIR=state))]
        wait_booted(2)
        rows.append(measure("fence_ipmilan diag + reboot", [fi + ["--action=diag"],
                                                             fi + ["--action=reboot"]]))
        return rows
    finally:
        if state:
            release_state_dir(state)
        scale_down(a, rd)


def main():
    ap = lab_args(__doc__.splitlines()[0])
    ap.add_argument("--durations", default="10,30,50,70,90")
    ap.add_argument("--fixed", type=float, default=60.0)
    ap.add_argument("--panic-delay", type=float, default=2.0)
    ap.add_argument("--json")
    a = ap.parse_args()
    durations = [float(x) for x in a.durations.split(",")]
    nmifence = os.path.join(a.build, "agent", "nmifence")
    labs = []
    try:
        for d in durations:
            rd = os.path.join(a.work, f"d{int(d)}")
            env, why = scale_up(a, rd, 3, *sim_options(a, d))
            if env is None:
                sys.exit(f"fence-overhead: {why}")
            labs.append((d, rd, env))

        threads = []
        for d, rd, env in labs:
            with open(env["NF_SCALE_PASSWORD_FILE"]) as f:
                pw = f.read().strip()
            ports = {}
            with open(os.path.join(rd, "hosts.txt")) as f:
                for line in f:
                    name, port = line.split()[:2]
                    ports[name] = port
            fi = ["fence_ipmilan", "--ip=127.0.0.1", "--username=operator", f"--password={pw}",
                  "--lanplus", "--cipher=3", "--privlvl=operator"]
            agent_env = dict(os.environ, NMIFENCE_STATE_DIR=agent_state_dir(rd))

            def nmifence_job(rd=rd, env=env, agent_env=agent_env):
                run([nmifence, "dump", "-c", env["NF_SCALE_CONF"], "--json", "sim001"],
                    os.path.join(rd, "nmifence.out"), agent_env)

            def diag_job(rd=rd, port=ports["sim002"], fi=fi):
                log = os.path.join(rd, "diag.out")
                run(fi + [f"--ipport={port}", "--action=diag"], log)
                run(fi + [f"--ipport={port}", "--action=reboot"], log)

            def fixed_job(rd=rd, port=ports["sim003"], fi=fi):
                log = os.path.join(rd, "fixed.out")
                run(fi + [f"--ipport={port}", "--action=diag"], log)
                time.sleep(a.fixed)
                run(fi + [f"--ipport={port}", "--action=reboot"], log)

            for job in (nmifence_job, diag_job, fixed_job):
                t = threading.Thread(target=job)
                t.start()
                threads.append(t)
        for t in threads:
            t.join()

        rows = []
        for d, rd, env in labs:
            row = {"dump_s": d}
            for method, host in (("nmifence", "sim001"), ("diag", "sim002"), ("fixed", "sim003")):
                v = verdict(os.path.join(rd, "hosts", host))
                if v is None or v["t_power"] is None:
                    sys.exit(f"fence-overhead: {method} on D={d}: no NMI or no power command "
                             f"(see {rd})")
                v["fenced_after_s"] = v["t_power"] - v["t_nmi"]
                v["dump_complete"] = v["t_done"] is not None
                if v["dump_complete"]:
                    v["latency_ms"] = (v["t_power"] - v["t_done"]) * 1000.0
                row[method] = v
            rows.append(row)
    finally:
        for _, rd, _ in labs:
            release_state_dir(os.path.join(rd, "agent-state"))
            scale_down(a, rd)

    fx = int(a.fixed)
    print(f"| dump s | nmifence: fenced after s | agent latency ms | latency / dump "
          f"| diag+reboot: fenced after s | dump | fixed-{fx}: fenced after s | dump "
          f"| nmifence saves vs fixed-{fx} s |")
    print("|---:|---:|---:|---:|---:|---|---:|---|---:|")
    lost = {"nmifence": 0, "diag": 0, "fixed": 0}
    for r in rows:
        n, g, f = r["nmifence"], r["diag"], r["fixed"]
        for m in lost:
            lost[m] += 0 if r[m]["dump_complete"] else 1
        lat = n.get("latency_ms")
        print(f"| {r['dump_s']:.0f} | {n['fenced_after_s']:.1f} "
              f"| {lat:.0f} | {lat / (r['dump_s'] * 1000.0):.4f} " if lat is not None else
              f"| {r['dump_s']:.0f} | {n['fenced_after_s']:.1f} | lost | - ", end="")
        print(f"| {g['fenced_after_s']:.1f} | {'complete' if g['dump_complete'] else 'LOST'} "
              f"| {f['fenced_after_s']:.1f} | {'complete' if f['dump_complete'] else 'LOST'} "
              + (f"| {f['fenced_after_s'] - n['fenced_after_s']:+.1f} |"
                 if f["dump_complete"] and n["dump_complete"] else f"| fixed-{fx} lost the dump |"))
    k = len(rows)
    print(f"\ndumps lost over {k} durations: nmifence {lost['nmifence']}/{k}, "
          f"diag+reboot {lost['diag']}/{k}, fixed-{fx} {lost['fixed']}/{k}")
    nm = [r["nmifence"]["nmis"] for r in rows]
    print(f"NMIs per nmifence fence: {nm}")

    costs = cost(a, nmifence)
    base = costs[0]
    print("\nOne whole fence, 10 s dump (client side; the wait of a fixed-timeout set-up adds "
          "no packets):\n")
    print("| method | packets | client CPU ms | packets x | CPU x |")
    print("|---|---:|---:|---:|---:|")
    for c in costs:
        print(f"| {c['method']} | {c['packets']} | {c['cpu_ms']:.0f} "
              f"| {c['packets'] / base['packets']:.2f} | {c['cpu_ms'] / base['cpu_ms']:.2f} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"durations": rows, "cost": costs}, f, indent=1)


if __name__ == "__main__":
    main()
