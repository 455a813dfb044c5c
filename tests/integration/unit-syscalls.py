#!/usr/bin/env python3
# Checks an strace -f log against a unit's SystemCallFilter=: every system
# call the traced process made must be in the allowed set, computed from
# `systemd-analyze syscall-filter` (groups expanded recursively).
# Usage: unit-syscalls.py UNIT STRACE_LOG
# Exit 0: all allowed (prints how many distinct calls); 1: lists the rest.
import re
import subprocess
import sys

unit, log = sys.argv[1], sys.argv[2]
out = subprocess.run(["systemd-analyze", "syscall-filter"], capture_output=True, text=True, check=True).stdout
groups, cur = {}, None
for line in out.splitlines():
    if line.startswith("@"):
        cur = line.split()[0]
        groups[cur] = []
    elif cur and line.strip() and not line.strip().startswith("#"):
        groups[cur].append(line.strip())


def expand(names):
    todo, seen, calls = list(names), set(), set()
    while todo:
        n = todo.pop()
        if n.startswith("@"):
            if n not in seen:
                seen.add(n)
                todo += groups.get(n, [])
        else:
            calls.add(n)
    return calls


allowed, denied = set(), set()
for line in open(unit):
    m = re.match(r"\s*SystemCallFilter=(~?)(.*)", line)
    if not m:
        continue
    words = m.group(2).split()
    if m.group(1):
        denied |= expand(words)
    else:
        allowed |= expand(words)
if not allowed:
    sys.exit("no allow-list SystemCallFilter= in " + unit)
allowed -= denied

used = set()
for line in open(log, errors="replace"):
    m = re.match(r"(?:\d+\s+)?(?:<\.\.\. )?([a-z_0-9]+)(?:\(| resumed>)", line)
    if m:
        used.add(m.group(1))
bad = sorted(used - allowed)
if bad:
    print("system calls the unit's filter refuses:", " ".join(bad))
    sys.exit(1)
print(len(used), "distinct system calls, all allowed by", unit)
