#!/usr/bin/env python3
# Strict check of what a --json command wrote on stdout: the whole file is
# exactly one JSON document (json.loads of all of it: no text before or
# after), or with --lines one JSON object per line and nothing else; each
# document is an object with the KEYS given, and with --host-keys every
# element of its "hosts" array has those.  With --expr, a Python expression
# over the document d (the last one, with --lines) must be true.
# Usage: json-strict.py FILE [--lines] [--keys K,...] [--host-keys K,...] [--expr EXPR]
# Exit 0, or 1 saying what is wrong.
import argparse
import json
import sys

ap = argparse.ArgumentParser()
ap.add_argument("file")
ap.add_argument("--lines", action="store_true")
ap.add_argument("--keys", default="")
ap.add_argument("--host-keys", default="")
ap.add_argument("--expr")
a = ap.parse_args()

text = open(a.file, encoding="utf-8").read()


def fail(why):
    print(f"{a.file}: {why}; stdout was:\n{text[:2000]}", file=sys.stderr)
    sys.exit(1)


if not text.strip():
    fail("empty: no JSON document")
try:
    docs = [json.loads(line) for line in text.splitlines()] if a.lines else [json.loads(text)]
except json.JSONDecodeError as e:
    fail(f"not strict JSON: {e}")
if a.lines and not text.endswith("\n"):
    fail("the last line has no newline")
for d in docs:
    if not isinstance(d, dict):
        fail(f"a document is a {type(d).__name__}, not an object")
    missing = [k for k in a.keys.split(",") if k and k not in d]
    if missing:
        fail(f"keys missing: {missing}")
    if a.host_keys:
        hosts = d.get("hosts")
        if not isinstance(hosts, list) or not hosts:
            fail("no hosts array")
        for h in hosts:
            missing = [k for k in a.host_keys.split(",") if k not in h]
            if missing:
                fail(f"host {h.get('host')}: keys missing: {missing}")
if a.expr and not eval(a.expr, {"d": docs[-1]}):
    fail(f"not true: {a.expr}")
