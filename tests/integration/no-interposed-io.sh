#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# No program defines the C library's datagram calls itself: the RMCP+
# datagrams leave through each session's own socket (ipmi/lan-link.c), so
# sendto, recvfrom, sendmsg and recvmsg appear in `nm -D` only as undefined
# (U), taken from libc, never as the program's own symbols.
#   no-interposed-io.sh PROGRAM...
set -uo pipefail
command -v nm >/dev/null || { echo "SKIP: nm (binutils) is not installed"; exit 77; }
fail=0
for prog in "$@"; do
        own=$(nm -D --defined-only "$prog" | awk '{print $NF}' | grep -xE 'sendto|recvfrom|sendmsg|recvmsg')
        if [ -n "$own" ]; then
                echo "FAIL: $prog defines $(echo $own)"
                fail=1
        else
                echo "ok: $prog defines none of sendto, recvfrom, sendmsg, recvmsg" \
                        "(undefined: $(nm -D --undefined-only "$prog" | awk '{print $NF}' |
                                grep -xE 'sendto|recvfrom|sendmsg|recvmsg' | sort | xargs))"
        fi
done
exit $fail
