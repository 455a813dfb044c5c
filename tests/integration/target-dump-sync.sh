#!/bin/bash
# integration: `nmifence-target dump` makes the dump durable before it
# posts dump-done (docs/target.md, "Durability").  Run under strace -f:
#   - the output (the command's last argument, a file it wrote): one
#     syncfs on an fd of that file, after the command exited and before the
#     dump-done request; the message names the file and the time in ms;
#   - a last argument the command did not write (an input): sync(2), the
#     same order, the message says why and the time;
#   - syncfs failing with EIO (strace's fault injection): no dump-done
#     request, dump-failed 74 instead, exit 74, the message says so.
# The BMC is /dev/null: it opens, and every request is an ioctl that fails
# (ENOTTY), so strace shows when each record would be posted and stderr
# names it ("posting dump-done failed"), with no IPMI device needed.
set -uo pipefail
BIN=$(realpath "${1:?usage: $0 NMIFENCE_TARGET}")
command -v strace >/dev/null || { echo "SKIP: strace not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
strace -f -o /dev/null true 2>/dev/null || { echo "SKIP: strace cannot trace here (ptrace refused)"; exit 77; }
# LeakSanitizer cannot run under ptrace (it aborts at exit): sanitizer
# builds trace the helper without it, as nmifenced-journal does.
if [ "${NF_B_SANITIZE:-none}" != none ]; then
        export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
fi
failures=0
check() {
        local what=$1
        shift
        if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
T=$(mktemp -d "${TMPDIR:-/tmp}/nf-dump-sync.XXXXXX")
trap 'rm -rf "$T"' EXIT

# run NAME [STRACE_OPTION...] -- COMMAND...: the helper under strace, its
# stderr in $T/NAME.err, the trace in $T/NAME.trace, the exit status in rc.
run() {
        local name=$1 opts=()
        shift
        while [ "$1" != -- ]; do opts+=("$1"); shift; done
        shift
        timeout 30 strace -f -y -qq -e signal=none -o "$T/$name.trace" \
                -e trace=sync,syncfs,fsync,fdatasync,ioctl,wait4 "${opts[@]}" \
                "$BIN" -d /dev/null -s "$T/$name.state" dump -- "$@" 2>"$T/$name.err"
        rc=$?
        echo "--- $name: exit $rc; stderr:"
        cat "$T/$name.err"
        echo "--- $name: trace:"
        cat "$T/$name.trace"
}

# order TRACE SYNC_REGEX: in the helper's own trace (the process that posts,
# i.e. makes the IPMI ioctls), the command's exit (wait4 returning a pid),
# then exactly one call matching SYNC_REGEX, then the last request; and no
# sync call of any kind before the command exited.
order() {
        python3 - "$1" "$2" <<'EOF'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
sync_re = re.compile(sys.argv[2])
posters = {l.split()[0] for l in lines if "IPMICTL_SEND_COMMAND" in l}
assert len(posters) == 1, ("one posting process", posters)
me = posters.pop()
mine = [(i, l.split(None, 1)[1]) for i, l in enumerate(lines) if l.split()[0] == me]
waited = [i for i, l in mine if re.search(r"wait4.* = [1-9][0-9]*$", l)]
syncs = [i for i, l in mine if re.match(r"(<\.\.\. )?(sync|syncfs|fsync|fdatasync)\b", l)]
wanted = [i for i, l in mine if sync_re.search(l)]
ioctls = [i for i, l in mine if "IPMICTL_SEND_COMMAND" in l]
assert waited, "no wait4 for the command"
assert len(wanted) == 1, ("one matching sync call", [lines[i] for i in syncs])
assert syncs == wanted, ("no other sync call", [lines[i] for i in syncs])
assert waited[-1] < wanted[0] < ioctls[-1], ("exit < sync < last request", waited[-1], wanted[0], ioctls[-1])
EOF
}

# msg_before FILE REGEX1 REGEX2: a line matching REGEX1 precedes one matching REGEX2.
msg_before() {
        local a b
        a=$(grep -n -E "$2" "$1" | head -1 | cut -d: -f1)
        b=$(grep -n -E "$3" "$1" | head -1 | cut -d: -f1)
        [ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]
}

mkdir -p "$T/crash"
out=$T/crash/vmcore

# 1. The command writes its last argument: syncfs on that file.
run written -- sh -c 'printf "KDUMP   %s\n" data >"$1"' save "$out"
check "written: exit 0" test "$rc" = 0
check "written: syncfs of the output after the command, before dump-done" \
        order "$T/written.trace" "^syncfs\([0-9]+<$out>\) = 0"
check "written: the message names the output and the time" \
        grep -qE "^nmifence-target: $out: file system synced \(syncfs\) in [0-9]+ ms$" "$T/written.err"
check "written: the message comes before dump-done is posted" \
        msg_before "$T/written.err" "synced \(syncfs\) in [0-9]+ ms" "posting dump-done"

# 2. The last argument is an input the command only read: sync(2).
run input -- cat "$out"
check "input: exit 0" test "$rc" = 0
check "input: sync after the command, before dump-done" order "$T/input.trace" "^sync\(\) += 0"
check "input: the message says all file systems, why, and the time" \
        grep -qE "^nmifence-target: all file systems synced \(sync, as the last argument is not a file the command wrote\) in [0-9]+ ms$" "$T/input.err"
check "input: the message comes before dump-done is posted" \
        msg_before "$T/input.err" "synced \(sync, " "posting dump-done"

# 3. syncfs fails (EIO, as a writeback error reports it): never dump-done.
rm -f "$out"
run eio -e inject=syncfs:error=EIO -- sh -c 'echo data >"$1"' save "$out"
check "syncfs EIO: exit 74" test "$rc" = 74
check "syncfs EIO: says the dump is not on stable storage, with the time" \
        grep -qE "^nmifence-target: $out: syncfs failed after [0-9]+ ms: Input/output error; the dump is not on stable storage$" "$T/eio.err"
check "syncfs EIO: dump-failed is posted" grep -q "posting dump-failed" "$T/eio.err"
check "syncfs EIO: dump-done is not" bash -c '! grep -q "dump-done" "$1"' _ "$T/eio.err"
check "syncfs EIO: the syncfs came after the command, before the last request" \
        order "$T/eio.trace" "^syncfs\([0-9]+<$out>\) = -1 EIO"

# 4. The command fails: its status, dump-failed, nothing synced.
run failed -- sh -c 'exit 3'
check "command fails: its exit status" test "$rc" = 3
check "command fails: dump-failed, no sync message" \
        bash -c 'grep -q "posting dump-failed" "$1" && ! grep -q "synced" "$1"' _ "$T/failed.err"

[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all passed"
