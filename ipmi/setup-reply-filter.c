/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IPMI Workaround (libfreeipmi 1.6.10, Debian 12; unchanged in 1.6.18)
 *
 * Symptom: ipmi_ctx_open_outofband_2_0() fails with errnum
 * IPMI_ERR_SUCCESS ("success") or, with a stale errno, INTERNAL_ERROR,
 * when a duplicated or late session set-up response arrives while the
 * next step's reply is awaited: an Open Session Response (payload 11h)
 * while RAKP 2 is awaited, an Open Session Response or RAKP 2 while
 * RAKP 4 is, any of them while Set Session Privilege Level's reply is.
 * Seen with 20 % duplication and 20 % reordering on the path (the relay
 * of tests/faults/udp-impair.py): 22 of 30 opens failed.
 *
 * Cause: api_lan_2_0_cmd_wrapper() (api/ipmi-lan-session-common.c) hands
 * every datagram to unassemble_ipmi_rmcpplus_pkt() with the response
 * object of the step it waits for.  For a set-up payload type, that
 * function (interface/ipmi-rmcpplus-interface.c) checks the object with
 * FIID_OBJ_TEMPLATE_COMPARE() against the template of the payload type
 * *received*; for a different step the compare fails and it returns -1,
 * with the fiid object's errnum set but errno untouched.  The wrapper
 * takes -1 as fatal (API_ERRNO_TO_API_ERRNUM(ctx, errno); return -1) where
 * a mismatch should only be skipped like any other unexpected packet
 * (its verify step returns 0 for a wrong payload type or message tag), so
 * the whole open ends, errno 0 giving "success".  A retried open on a new
 * context meets the same odds at every step.
 *
 * Workaround: such a reply can never be the one awaited, so it is
 * replaced, before libfreeipmi sees it, by a bare 4-byte RMCP header.
 * unassemble_ipmi_rmcpplus_pkt() returns 0 ("malformed packet") for that,
 * and the wrapper goes on waiting with its own timers and retransmits, as
 * for any packet it skips.  Only set-up responses on the socket this
 * thread last sent on are touched; which are stale is decided by
 * rmcpplus-setup.c from the payload type this thread last sent there.
 *
 * A second symptom with the same network: the open fails with "session
 * timeout" after the whole session timeout, every RAKP 4 ignored.  When
 * RAKP 3 or its RAKP 4 is late by more than the retransmission timeout,
 * libfreeipmi sends RAKP 3 again with the message tag incremented
 * (api_lan_2_0_cmd_wrapper increments it on every retransmission) and
 * accepts only a RAKP 4 with the new tag.  But the first RAKP 3 already
 * activated the session on the BMC, which does not answer the copies with
 * a RAKP 4 of their tag (ipmi_sim 2.0.33 answers an authenticated,
 * encrypted payload 15h that libfreeipmi skips as malformed), so the one
 * good RAKP 4, carrying the first copy's tag, is dropped for its tag and
 * the open times out.  A successful, unauthenticated RAKP 4 whose tag is
 * one of the copies of the RAKP 3 just sent is the answer to it (copies
 * differ only in the tag, which RAKP 4's integrity check value does not
 * cover), so its tag is set to the last copy's; libfreeipmi still checks
 * the session ID and the integrity check value.  RAKP 2 is not treated
 * so: a BMC may draw a new random number for each RAKP 1 copy it gets.
 *
 * When that good RAKP 4 was lost rather than late, nothing can complete
 * the open: a valid RAKP 4 needs the session key.  ipmi_sim's answer to
 * a RAKP 3 copy (a payload 15h sent inside the session, authenticated
 * flag set) says the first copy got through; once it comes after at
 * least RAKP3_COPIES_BEFORE_GIVING_UP copies, it is replaced by a RAKP 4
 * of the last copy's tag with status 01h (insufficient resources), so
 * libfreeipmi ends the open at once (IPMI_ERR_BMC_BUSY) instead of after
 * the whole session timeout, and session-lan.c sets up again on a fresh
 * context.  The abandoned session stays on the BMC until it times out
 * there.  Earlier copies are not given up on: a RAKP 4 that is only late
 * still comes and is retagged.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE     /* RTLD_NEXT */
#endif
#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "port-refusal.h"
#include "rmcpplus-setup.h"
#include "setup-reply-filter.h"

typedef ssize_t (*recvfrom_fn)(int, void *, size_t, int, __SOCKADDR_ARG, socklen_t *);

/* libfreeipmi sends and receives a request on one socket in one thread,
 * one request at a time, so the last send of this thread is the one a
 * reply on that socket has to answer. */
static _Thread_local struct {
        int fd;                 /* -1: nothing sent yet */
        int sent_type;          /* nf_rmcpp_payload_type() of it */
        int sent_tag;           /* its set-up message tag, or -1 */
        int first_tag;          /* the tag of the first copy of it */
        nf_setup_reply_stats stats;
} last = { .fd = -1 };

/* Copies of RAKP 3 after the first (libfreeipmi's retransmissions, at 1
 * and 2 retransmission timeouts) before an answer from inside the session
 * ends the attempt: by then a RAKP 4 that is only late would have come. */
#define RAKP3_COPIES_BEFORE_GIVING_UP 2

/* What the replaced datagram becomes: an RMCP header with nothing after
 * it (version 1.0, reserved, sequence FFh: no RMCP ACK, class IPMI). */
static const unsigned char rmcp_header_only[4] = { 0x06, 0x00, 0xFF, 0x07 };

void nf_setup_reply_note_send(int fd, const void *buf, size_t len) {
        int type = nf_rmcpp_payload_type(buf, len), tag = nf_rmcpp_setup_tag(buf, len);

        /* The same set-up request again on the same socket: a copy
         * (libfreeipmi's retransmission), so the series goes on. */
        if (fd != last.fd || type != last.sent_type || tag < 0 || last.sent_tag < 0)
                last.first_tag = tag;
        last.fd = fd;
        last.sent_type = type;
        last.sent_tag = tag;
}

void nf_setup_reply_get_stats(nf_setup_reply_stats *ret) {
        *ret = last.stats;
}

static recvfrom_fn next_recvfrom(void) {
        static recvfrom_fn fn;
        recvfrom_fn f = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);

        if (!f) {
                f = (recvfrom_fn) dlsym(RTLD_NEXT, "recvfrom");
                __atomic_store_n(&fn, f, __ATOMIC_RELEASE);
        }
        return f;
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags, __SOCKADDR_ARG addr, socklen_t *addr_len) {
        recvfrom_fn f = next_recvfrom();
        size_t got;
        ssize_t n;

        if (!f) {
                errno = ENOSYS;
                return -1;
        }
        n = f(fd, buf, len, flags, addr, addr_len);
        if (n < 0) {
                errno = nf_port_refusal_note_recv(fd, n, errno);
                return n;
        }
        (void) nf_port_refusal_note_recv(fd, n, 0);
        if (n == 0 || fd != last.fd || (flags & MSG_PEEK) || len < sizeof(rmcp_header_only))
                return n;
        /* A datagram larger than the buffer was truncated to `len`; the
         * header bytes the check reads are there either way. */
        got = (size_t) n < len ? (size_t) n : len;
        if (nf_rmcpp_setup_reply_stale(last.sent_type, buf, got)) {
                last.stats.stale++;
                memcpy(buf, rmcp_header_only, sizeof(rmcp_header_only));
                return (ssize_t) sizeof(rmcp_header_only);
        }
        if (last.sent_type == NF_RMCPP_RAKP_3 &&
            nf_rmcpp_rakp4_answers_earlier_copy((unsigned) last.first_tag, (unsigned) last.sent_tag, buf, got)) {
                last.stats.retagged++;
                (void) nf_rmcpp_set_setup_tag(buf, got, (unsigned) last.sent_tag);
        } else if (last.sent_type == NF_RMCPP_RAKP_3 && len >= NF_RMCPP_RAKP4_REFUSAL_LEN &&
                   (((unsigned) last.sent_tag - (unsigned) last.first_tag) & 0xFF) >= RAKP3_COPIES_BEFORE_GIVING_UP &&
                   nf_rmcpp_rakp4_in_session(buf, got)) {
                last.stats.rakp3_given_up++;
                return (ssize_t) nf_rmcpp_rakp4_refusal(buf, (unsigned) last.sent_tag);
        }
        return n;
}
