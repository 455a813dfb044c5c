#!/bin/bash
# integration: no program defines a socket I/O function of the C library
# (sendto, recvfrom, sendmsg, recvmsg).  Every datagram to a BMC goes
# through the RMCP+ engine (ipmi/rmcpp-sm.h) on a socket it owns
# (ipmi/lan-link.c); a definition here would interpose every library's
# datagrams, as the send gate once did (docs/design.md, "The RMCP+
# engine").  Reads the dynamic and the static symbol tables of each binary
# given as an argument.
set -uo pipefail
[ $# -gt 0 ] || { echo "usage: $0 BINARY..." >&2; exit 2; }
command -v nm >/dev/null || { echo "SKIP: nm (binutils) not installed"; exit 77; }
failures=0
for bin in "$@"; do
        [ -x "$bin" ] || { echo "FAIL: $bin: not an executable"; failures=$((failures + 1)); continue; }
        defined=$( { nm -D --defined-only "$bin" 2>/dev/null; nm --defined-only "$bin" 2>/dev/null; } |
                awk '$2 ~ /^[TtWw]$/ && $3 ~ /^(sendto|recvfrom|sendmsg|recvmsg|__sendto|__recvfrom)$/ { print $3 }' |
                sort -u | tr '\n' ' ')
        if [ -n "$defined" ]; then
                echo "FAIL: $(basename "$bin") defines ${defined% }"
                failures=$((failures + 1))
        else
                echo "ok: $(basename "$bin") defines no socket I/O function of the C library"
        fi
done
[ "$failures" = 0 ]
