/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A BMC port where nothing listens, told by the kernel's ICMP port
 * unreachable instead of by the whole session timeout (port-refusal.c).
 * Private to ipmi/; called by the interposed sendto() (send-gate.c) and
 * recvfrom() (setup-reply-filter.c), per thread.
 */

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

typedef ssize_t (*nf_sendto_fn)(int, const void *, size_t, int, __CONST_SOCKADDR_ARG, socklen_t);

/* Before an RMCP datagram leaves: true (errno ECONNREFUSED) when the
 * previous one on fd was refused and nothing came back since, so the
 * libfreeipmi call ends here instead of retransmitting into the refusal. */
bool nf_port_refusal_hold(int fd, const void *buf, size_t len, __CONST_SOCKADDR_ARG addr, socklen_t addr_len);

/* Sends with f; a refusal still pending on the socket ends the call like
 * nf_port_refusal_hold(), any other pending ICMP error is cleared and the
 * datagram sent again. */
ssize_t nf_port_refusal_sendto(nf_sendto_fn f, int fd, const void *buf, size_t len, int flags,
                               __CONST_SOCKADDR_ARG addr, socklen_t addr_len);

/* After recvfrom() on fd returned n (errno err when n < 0).  Returns the
 * errno to hand to libfreeipmi when n < 0. */
int nf_port_refusal_note_recv(int fd, ssize_t n, int err);

/* A session set-up begins (true) or ends (false): only then does a refusal
 * end the libfreeipmi call early. */
void nf_port_refusal_arm(bool on);

/* Whether this thread's last set-up ended on a refusal; clears it. */
bool nf_port_refusal_take(void);
