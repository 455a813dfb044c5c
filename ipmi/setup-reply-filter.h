/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Stale RMCP+ session set-up replies kept away from libfreeipmi (IPMI
 * workaround for libfreeipmi 1.6.10 up to at least 1.6.18; the cause is in
 * setup-reply-filter.c).  Private to ipmi/.
 *
 * recvfrom() is interposed as send-gate.c interposes sendto(): the
 * program's definition comes first for libfreeipmi's calls through the
 * PLT.  sendto() tells the filter what this thread last sent on which
 * socket; a reply received on that socket that is a set-up response not
 * answering it is replaced before libfreeipmi parses it, and a RAKP 4
 * answering an earlier copy of the RAKP 3 just sent gets the last copy's
 * message tag.
 */

#include <stddef.h>
#include <stdint.h>

/* Called by the interposed sendto() for every datagram this thread sends. */
void nf_setup_reply_note_send(int fd, const void *buf, size_t len);

typedef struct nf_setup_reply_stats {
        uint64_t stale;         /* set-up replies replaced: they answered nothing awaited */
        uint64_t retagged;      /* RAKP 4s to an earlier copy of RAKP 3, given its tag */
        /* opens ended early: RAKP 3 answered from inside an active session,
         * its RAKP 4 lost (the caller sets up again) */
        uint64_t rakp3_given_up;
} nf_setup_reply_stats;

/* This thread's counts so far. */
void nf_setup_reply_get_stats(nf_setup_reply_stats *ret);
