# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers shared by the bench/ scripts: the lab's env files and counters."""

import argparse
import os
import resource
import shlex
import subprocess


def load_env(path):
    """A lab env file (tests/lab/lib.sh nf_env_set: NAME=<shell-quoted>)."""
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                words = shlex.split(v)
                env[k] = words[0] if words else ""
    return env


def lo_packets():
    """Datagrams sent on this network namespace's loopback."""
    with open("/sys/class/net/lo/statistics/tx_packets") as f:
        return int(f.read())


def children_cpu_ms():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (ru.ru_utime + ru.ru_stime) * 1000.0



def agent_state_dir(rundir):
    """RUNDIR/agent-state on a tmpfs of its own, as the agents' default state
    directory /run/nmifence is: a fleet rewrites each host's state file at
    every transition, which costs a disk flush per rename on ext4 and
    nothing on tmpfs.  The mount is made in the benchmark's mount namespace
    (bench/run runs each benchmark under `ip netns exec`, which gives it one)
    and goes with it; release_state_dir() unmounts it earlier."""
    d = os.path.join(rundir, "agent-state")
    os.makedirs(d, mode=0o700, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256m,mode=0700", "nfbench-state", d], check=True)
    return d


def release_state_dir(d):
    subprocess.run(["umount", d], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def lab_args(description):
    """The arguments every lab benchmark takes: BUILD_DIR ROOT WORKDIR."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("build")
    ap.add_argument("root")
    ap.add_argument("work")
    return ap


def scale_up(a, rundir, n, *options):
    """tests/lab/scale-up RUNDIR N OPTIONS...; its env, or None and the
    reason (the last line it printed) when it failed (then scaled down)."""
    r = subprocess.run([os.path.join(a.root, "tests", "lab", "scale-up"), rundir, str(n)] +
                       list(options), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       env=dict(os.environ, NF_LAB_BUILD_DIR=a.build))
    if r.returncode != 0:
        scale_down(a, rundir)
        lines = r.stdout.strip().splitlines()
        return None, "scale-up failed: " + (lines[-1] if lines else f"exit {r.returncode}")
    return load_env(os.path.join(rundir, "env")), None


def scale_down(a, rundir):
    subprocess.run([os.path.join(a.root, "tests", "lab", "scale-down"), rundir],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
