# SPDX-License-Identifier: GPL-2.0-or-later
"""Helpers shared by the bench/ scripts: the lab's env files and counters."""

import resource
import shlex


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

