#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Fleet: the whole fleet's NMI -> dump -> cycle against ipmipower's cycle.

For each fleet size N: tests/lab/scale-up starts N ipmi_sim, each with a
simulated kdump target (short schedule: 1 s NMI -> dump-start, 2 s dump,
kdump final action "halt").  Then, on the same fleet:

  nmifence   `nmifence dump sim[001-N] --fanout F`: one process, NMI, wait
             for every dump, power cycle, verify;
  ipmipower  `ipmipower -h ALL --cycle --wait-until-on -F F`: power cycles
             only (no NMI, no dump), the fastest thing operators run on a
             fleet today.

Wall time, peak RSS and CPU (user+sys) of each, from wait4(); the ratio
nmifence / ipmipower is the figure.  Checks from the BMC side that every
host got exactly one NMI and was power-cycled after its dump-done.

Usage: fleet.py BUILD_DIR ROOT WORKDIR [--sizes 50,200,1000] [--fanout 64]
                [--json FILE]
"""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lablib import agent_state_dir, lab_args, load_env, release_state_dir, scale_down, scale_up  # noqa: E402


def timed(argv, log, env=None):
    """Run argv under GNU time: wall s, peak RSS KiB (of the largest
    process: wait4 from this Python would count its own pages, inherited
    across fork and exec) and CPU s of it and its children."""
    tf = log + ".time"
    with open(log, "a") as f:
        rc = subprocess.run(["/usr/bin/time", "-o", tf, "-f", "%e %M %U %S"] + argv,
                            stdout=f, stderr=subprocess.STDOUT, env=env).returncode
    with open(tf) as f:
        wall, rss, user, sys_ = f.read().split()[-4:]
    return {"rc": rc, "wall_s": float(wall), "max_rss_kb": int(rss),
            "cpu_s": float(user) + float(sys_)}


def sim_events(d):
    with open(os.path.join(d, "sim.log")) as f:
        return [line.split(" ", 1)[1].strip() for line in f if " " in line]


def wait_booted(hostdirs, count, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if all(sum("booting -> running" in e for e in sim_events(d)) >= count for d in hostdirs):
            return True
        time.sleep(0.5)
    return False


# The simulated targets' own time: 1 s from NMI to dump-start, a 2 s dump
# (one_size's --sim settings).
SIM_WAIT_S = 3.0


def one_size(a, n):
    rd = os.path.join(a.work, f"n{n}")
    t = time.monotonic()
    env, why = scale_up(a, rd, n, "--sim", "boot_time=0.5", "--sim", "panic_delay=1",
                        "--sim", "dump_time=2", "--sim", "progress=2", "--sim", "after_dump=stay",
                        "--sim", "wdt_timeout=0", "--conf", "poll_interval=1.0",
                        "--conf", "session_timeout=20.0")
    if env is None:
        return {"n": n, "error": why}
    state = None
    try:
        state = agent_state_dir(rd)
        hosts = []
        with open(os.path.join(rd, "hosts.txt")) as f:
            for line in f:
                name, port = line.split()[:2]
                hosts.append((name, port, os.path.join(rd, "hosts", name)))
        dirs = [h[2] for h in hosts]
        with open(env["NF_SCALE_PASSWORD_FILE"]) as f:
            pw = f.read().strip()
        out = {"n": n, "lab_start_s": time.monotonic() - t,
               "lab_rss_kb": int(env.get("NF_SCALE_RSS_KB", 0))}

        nm = timed([os.path.join(a.build, "agent", "nmifence"), "dump", "-c", env["NF_SCALE_CONF"],
                    "--fanout", str(a.fanout), "--json", env["NF_SCALE_HOSTS"]],
                   os.path.join(rd, "nmifence.out"),
                   dict(os.environ, NMIFENCE_STATE_DIR=state))
        bad = []
        for name, _, d in hosts:
            with open(os.path.join(d, "nmi.log")) as f:
                nmis = len(f.readlines())
            ev = sim_events(d)
            done = [i for i, e in enumerate(ev) if e.startswith("sel dump-done")]
            cyc = [i for i, e in enumerate(ev) if e.startswith("power") and "by=command" in e]
            if nmis != 1 or not done or not cyc or cyc[0] < done[0]:
                bad.append(name)
        nm["hosts_not_fenced_right"] = len(bad)
        out["nmifence"] = nm
        if not wait_booted(dirs, 2, 60 + n / 10):
            out["error"] = "hosts did not boot again after the fence"
            return out

        hostlist = ",".join(f"127.0.0.1:{p}" for _, p, _ in hosts)
        before = {d: len(sim_events(d)) for d in dirs}
        ip = timed(["ipmipower", "-h", hostlist, "-u", "operator", "-p", pw, "-I", "3",
                    "-W", env.get("NF_SCALE_WORKAROUNDS", "opensesspriv"), "-F", str(a.fanout),
                    "--cycle", "--wait-until-on"], os.path.join(rd, "ipmipower.out"))
        # A cycle is a power off by a session's command (ipmi_sim powers on
        # again by itself, by=bmc), in the lines the sim log got since.
        cycled = sum(any(e.startswith("power off by=command") for e in sim_events(d)[before[d]:])
                     for d in dirs)
        ip["hosts_cycled"] = cycled
        out["ipmipower"] = ip
        return out
    finally:
        if state:
            release_state_dir(state)
        scale_down(a, rd)


def main():
    ap = lab_args(__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="50,200,1000")
    ap.add_argument("--fanout", type=int, default=64)
    ap.add_argument("--json")
    a = ap.parse_args()
    rows = [one_size(a, int(n)) for n in a.sizes.split(",")]

    print(f"fanout {a.fanout}; simulated dump 2 s, 1 s NMI -> dump-start\n")
    # "net": nmifence's wall time minus the simulated panic and dump
    # (SIM_WAIT_S), which ipmipower does not wait for.
    print("| hosts | nmifence dump: wall s | net s | peak RSS MiB | CPU s | ok | ipmipower --cycle: wall s "
          "| peak RSS MiB | CPU s | cycled | net x | CPU x |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    failed = False
    for r in rows:
        if "nmifence" not in r or "ipmipower" not in r:
            print(f"| {r['n']} | {r.get('error', 'failed')} ||||||||||")
            failed = True
            continue
        m, p = r["nmifence"], r["ipmipower"]
        ok = r["n"] - m["hosts_not_fenced_right"]
        failed |= ok != r["n"] or m["rc"] != 0
        net = m["wall_s"] - SIM_WAIT_S
        print(f"| {r['n']} | {m['wall_s']:.1f} | {net:.1f} | {m['max_rss_kb'] / 1024:.1f} | {m['cpu_s']:.2f} "
              f"| {ok}/{r['n']} | {p['wall_s']:.1f} | {p['max_rss_kb'] / 1024:.1f} "
              f"| {p['cpu_s']:.2f} | {p['hosts_cycled']}/{r['n']} "
              f"| {net / p['wall_s']:.2f} | {m['cpu_s'] / max(p['cpu_s'], 1e-3):.2f} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=1)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
