#!/bin/bash
# integration: the fleet CLI's live progress table on a real terminal.
# `nmifence dump` on 4 simulated hosts (tests/lab/scale-up, no QEMU) runs
# with its stderr on a pty (pty-screen.py), and the bytes it wrote are
# replayed on a terminal model that knows only what the table may use:
#   - the table is redrawn in place: one live-table header and one final
#     table in the end, many frames in between, no unknown escape sequence,
#     no cursor move above the screen, no table line wrapped;
#   - each frame shows every host with its state, stage, progress and
#     elapsed time: each host seen "dumping" with the simulated target's
#     progress (33%, 66%), its elapsed time never going back, and the
#     last frame has every host done/fenced;
#   - the final table follows, every host exit 0, NMI yes;
#   - a per-host warning (a corrupt persisted state file of sim002) is
#     shown above the table, once, and not lost; so are engine-wide lines
#     that come while the table is on the screen (fence_kdump datagrams
#     from a source no host lists): the table is erased, the line printed,
#     the table drawn again below it;
#   - a terminal of 6 rows x 50 columns: the table is cut to the screen
#     (it says so) and to the width, still redrawn in place.
set -uo pipefail
NMIFENCE=${1:?usage: $0 NMIFENCE}
HERE=$(cd "$(dirname "$0")" && pwd)
LAB_DIR=$(cd "$HERE/../lab" && pwd)
for c in ipmi_sim ipmi-chassis python3; do
        command -v $c >/dev/null || { echo "SKIP: $c not installed"; exit 77; }
done
N=4
RUN=$(mktemp -d "${TMPDIR:-/tmp}/nf-fleet-tty.XXXXXX")
failures=0
cleanup() {
        [ -f "$RUN/lab/pids" ] && "$LAB_DIR/scale-down" "$RUN/lab" >/dev/null 2>&1
        [ "$failures" = 0 ] && rm -rf "$RUN" || echo "kept $RUN"
}
trap cleanup EXIT
check() {
        local what=$1
        shift
        if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
# py FILE EXPR: EXPR over the screen JSON as j
py() {
        python3 -c 'import json,re,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

kport=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Every host listens for fence_kdump from 127.0.0.9 (nobody sends from
# there); datagrams from 127.0.0.2 during the run are claimed by no host:
# an engine-wide line, printed above a table already on the screen.
if ! "$LAB_DIR/scale-up" "$RUN/lab" $N --sim boot_time=0.2 --sim panic_delay=1 --sim dump_time=3 \
        --sim progress=2 --conf poll_interval=0.3 --conf "kdump_listen=\"127.0.0.1:$kport\"" \
        --conf 'kdump_sources="127.0.0.9"' >"$RUN/up.out" 2>&1; then
        cat "$RUN/up.out"
        exit 1
fi
# shellcheck disable=SC1091
. "$RUN/lab/env"
port2=$(awk '$1 == "sim002" {print $2}' "$RUN/lab/hosts.txt")
mkdir -m 700 "$RUN/state"
# a state file nobody could have written: the agent warns and starts afresh
echo 'this is not an nmifence state file' >"$RUN/state/127.0.0.1_$port2.state"

(
        sleep 2
        for _ in 1 2 3; do
                python3 -c 'import socket,struct,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.2", 0)); s.sendto(struct.pack("=II", 0x1B302A40, 1), ("127.0.0.1", int(sys.argv[1])))' "$kport"
                sleep 0.5
        done
) &
sender=$!
NMIFENCE_STATE_DIR=$RUN/state timeout 120 python3 "$HERE/pty-screen.py" 24 80 "$RUN/big.json" -- \
        "$NMIFENCE" dump -c "$NF_SCALE_CONF" "$NF_SCALE_HOSTS" --json
wait "$sender"
py "$RUN/big.json" '"\n".join(j["document"])'
echo "--- $(py "$RUN/big.json" 'len(j["frames"])') frames, $(py "$RUN/big.json" 'j["raw_bytes"]') bytes"
check "dump on a pty: exit 0" test "$(py "$RUN/big.json" 'j["rc"]')" = 0
check "no unknown escape sequence, no cursor move off the screen" test "$(py "$RUN/big.json" 'j["errors"]')" = "[]"
check "no table line wrapped" test "$(py "$RUN/big.json" 'j["wraps"]')" = "[]"
check "redrawn in place: one live-table header left in the end" test \
        "$(py "$RUN/big.json" 'sum(1 for l in j["document"] if re.match(r"HOST +STATE +STAGE", l))')" = 1
check "redrawn many times (>= 8 frames)" test "$(py "$RUN/big.json" 'len(j["frames"])')" -ge 8
check "the raw output moves the cursor up (ESC [ n F) to redraw" \
        grep -qaP '\x1b\[[0-9]+F' "$RUN/big.json.raw"
check "every frame lists all $N hosts" test \
        "$(py "$RUN/big.json" 'all(sum(1 for l in f if l.startswith("sim")) == '$N' for f in j["frames"])')" = True
# per host, across the frames: HOST STATE STAGE... PROGRESS ELAPSED
cat >"$RUN/rows.py" <<'PY'
import json, re, sys
j = json.load(open(sys.argv[1]))
row = re.compile(r"^(sim\d+) +(\S+) +(.+?) +(-|\d+%) +(-|[\d.]+ s)$")
seen = {}
for f in j["frames"]:
    for l in f:
        m = row.match(l)
        if m:
            seen.setdefault(m.group(1), []).append(m.groups()[1:])
bad = []
for h, rows in sorted(seen.items()):
    stages = {r[1] for r in rows}
    pct = {r[2] for r in rows}
    el = [float(r[3][:-2]) for r in rows if r[3] != "-"]
    if "dumping" not in stages or not {"33%", "66%"} <= pct:
        bad.append(f"{h}: never seen dumping with 33% and 66% ({sorted(stages)}, {sorted(pct)})")
    if el != sorted(el) or not el or el[-1] <= 0:
        bad.append(f"{h}: elapsed not increasing {el}")
    if rows[-1][0] != "done" or rows[-1][1] != "fenced":
        bad.append(f"{h}: last frame {rows[-1]}")
    if not {"wait-panic", "wait-dump"} <= {r[0] for r in rows}:
        bad.append(f"{h}: states seen {sorted({r[0] for r in rows})}")
print("; ".join(bad) if bad else "ok")
PY
check "each host: dumping with progress, elapsed growing, done/fenced at the end" test \
        "$(python3 "$RUN/rows.py" "$RUN/big.json" | tee /dev/stderr)" = ok
check "the final table follows the live table, every host NMI yes, exit 0" test "$(py "$RUN/big.json" '
(lambda d: (lambda i: sum(1 for l in d[i:] if re.match(r"sim\d+ +yes +on +[\d.]+ s +0  complete", l)))(
    [k for k, l in enumerate(d) if re.match(r"HOST +NMI +POWER", l)][0]))(j["document"])')" = $N
check "the final table comes last" test "$(py "$RUN/big.json" '
any(l.startswith("4 hosts: 4 succeeded, 0 did not") for l in [l for l in j["document"] if l][-2:])')" = True
check "the corrupt-state warning of sim002 is shown once, above the final table" test "$(py "$RUN/big.json" '
(lambda d: [k for k, l in enumerate(d) if "sim002: warning: the persisted operation state" in l] < [
    k for k, l in enumerate(d) if re.match(r"HOST +NMI", l)] and sum(1 for l in d if "is corrupt" in l))(
    j["document"])')" = 1
check "the unclaimed fence_kdump datagrams are shown (3 lines), above the final table" test "$(py "$RUN/big.json" '
(lambda d: [k for k, l in enumerate(d) if "datagram from 127.0.0.2 ignored" in l][-1:] < [
    k for k, l in enumerate(d) if re.match(r"HOST +NMI", l)] and sum(1 for l in d if "datagram from 127.0.0.2 ignored" in l))(
    j["document"])')" = 3
check "a line during the run: the table erased (ESC [ n F ESC [ J), the line, the table again" python3 -c '
import re, sys
raw = open(sys.argv[1], "rb").read()
sys.exit(0 if re.search(rb"\x1b\[[0-9]+F\x1b\[Jnmifence: fence_kdump datagram from 127\.0\.0\.2 ignored[^\r\n]*\r\n\x1b\[KHOST ", raw) else 1)' "$RUN/big.json.raw"
check "--json still on stdout" test "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["hosts"]), d["exit_code"])' "$RUN/big.json.stdout")" = "$N 0"

# A small terminal: 6 rows, 50 columns.  The hosts were cycled (booted
# again); a fresh state directory, so nothing is reported from before.
mkdir -m 700 "$RUN/state2"
NMIFENCE_STATE_DIR=$RUN/state2 timeout 120 python3 "$HERE/pty-screen.py" 6 50 "$RUN/small.json" -- \
        "$NMIFENCE" dump -c "$NF_SCALE_CONF" "$NF_SCALE_HOSTS"
py "$RUN/small.json" '"\n".join(j["document"])'
check "small terminal: exit 0" test "$(py "$RUN/small.json" 'j["rc"]')" = 0
check "small terminal: no unknown sequence, no move off the screen" test "$(py "$RUN/small.json" 'j["errors"]')" = "[]"
check "small terminal: no table line wrapped" test "$(py "$RUN/small.json" 'j["wraps"]')" = "[]"
check "small terminal: frames of 4 lines (header, 2 hosts, summary), cut to 49 columns, saying so" test \
        "$(py "$RUN/small.json" '(all(len(f) == 4 and max(map(len, f)) <= 49 and f[-1].startswith("4 hosts (2 shown): ")
    for f in j["frames"]) and len(j["frames"]) >= 4)')" = True
check "small terminal: one live-table header in the end" test \
        "$(py "$RUN/small.json" 'sum(1 for l in j["document"] if re.match(r"HOST +STATE +STAGE", l))')" = 1
[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
