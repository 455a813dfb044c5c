/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A request that must reach the BMC at most once, over RMCP+: Chassis
 * Control, pulse diagnostic interrupt.  A BMC carries out every copy it
 * receives, and libfreeipmi's ipmi_cmd_raw() re-sends a request whose
 * reply is late with a new session sequence number and rq_seq, so a lost
 * reply on the fence's session would mean a second NMI into the dump.
 *
 * libfreeipmi cannot be told not to retransmit, but its rules allow a
 * context that never does (freeipmi 1.6.10, libfreeipmi/api/
 * ipmi-lan-session-common.c, ipmi_lan_2_0_cmd_wrapper):
 *   - a receive waits until last_send + retransmission_timeout, or at most
 *     session_timeout (_calculate_timeout);
 *   - when it times out, the loop checks _session_timed_out() -- now >
 *     last_received + session_timeout -- BEFORE re-sending, and gives up
 *     with IPMI_ERR_SESSION_TIMEOUT if so.
 * So with session_timeout = retransmission_timeout + ONCE_MARGIN_MS, a
 * request sent more than ONCE_MARGIN_MS (+1 ms: poll() takes whole
 * milliseconds) after the context last received a packet reaches the
 * session-timeout check already past it, and is never re-sent.  That is
 * what this file does: a short-lived context of its own (same
 * credentials, cipher suite and workarounds), ONCE_GAP_MS of idle after
 * the open, one ipmi_cmd_raw(), close.  The set-up's own packets are
 * sent within a millisecond of the previous reply, so each of them still
 * gets one retransmission; a set-up that fails is simply tried again
 * (idempotent: nothing reached the host).
 *
 * The check uses gettimeofday(): a wall-clock step backwards by more than
 * ONCE_GAP_MS - ONCE_MARGIN_MS during the request could still let one
 * retransmission through.  A reply that takes longer than expected is
 * reported (stats.once_overruns): it means these rules no longer hold.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "session-lan.h"

#define ONCE_MARGIN_MS 50
#define ONCE_GAP_MS 100
/* Bounded with the fence session's timeout too: each attempt leaves a
 * half-open session on the BMC at worst, and real BMCs have few slots. */
#define ONCE_OPEN_ATTEMPTS 8

static void sleep_ms(unsigned ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };

        while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
                ;
}

static nf_status not_sent(lan_session *l, uint8_t netfn, uint8_t cmd, unsigned attempts) {
        char why[sizeof(l->base.last_error.detail)], detail[sizeof(l->base.last_error.detail)];

        nf_error_format(&l->base.last_error, why, sizeof(why));
        snprintf(detail, sizeof(detail), "no session to send it on after %u attempt%s: %.80s", attempts,
                 attempts == 1 ? "" : "s", why);
        return nf_error_set(&l->base.last_error, NF_E_NOT_SENT, netfn, cmd, detail);
}

nf_status nf_lan_raw_once(nf_session *s, uint8_t netfn, uint8_t cmd,
                          const uint8_t *req, size_t req_len,
                          uint8_t *rsp, size_t rsp_cap, size_t *ret_len) {
        lan_session *l = (lan_session *) s;
        unsigned wait_ms = l->retransmit_timeout_ms;
        uint64_t t0 = nf_lan_now_ms(), sent, took;
        uint8_t rq[NF_RSP_MAX + 1], rs[NF_RSP_MAX + 1];
        ipmi_ctx_t ctx = NULL;
        char detail[sizeof(s->last_error.detail)];
        nf_status st;
        int n;

        if (req_len + 1 > sizeof(rq))
                return nf_error_set(&s->last_error, NF_E_INVALID_ARG, netfn, cmd, "request too long");

        for (unsigned attempt = 1;; attempt++) {
                st = nf_lan_ctx_open(l, wait_ms + ONCE_MARGIN_MS, wait_ms, &ctx);
                if (st == NF_OK)
                        break;
                if (nf_lan_status_is_auth(st) || st == NF_E_NOMEM || st == NF_E_INVALID_ARG ||
                    attempt >= ONCE_OPEN_ATTEMPTS || nf_lan_now_ms() - t0 >= l->session_timeout_ms)
                        return not_sent(l, netfn, cmd, attempt);
                s->stats.open_retries++;
        }
        s->stats.once_sessions++;

        /* The open's last reply set last_received: stay idle long enough
         * that the request's first timeout finds the session timed out. */
        sleep_ms(ONCE_GAP_MS);

        rq[0] = cmd;
        if (req_len > 0)
                memcpy(rq + 1, req, req_len);
        sent = nf_lan_now_ms();
        n = ipmi_cmd_raw(ctx, 0 /* LUN */, netfn, rq, (unsigned) (req_len + 1), rs, sizeof(rs));
        took = nf_lan_now_ms() - sent;
        /* Sent once, the call ends by wait_ms: a reply or a timeout.  Any
         * later and libfreeipmi re-sent it after all. */
        if (took > (uint64_t) wait_ms + ONCE_MARGIN_MS)
                s->stats.once_overruns++;

        if (n < 0) {
                (void) nf_lan_fail(l, ctx, true, netfn, cmd);
                snprintf(detail, sizeof(detail), "no reply within %u ms; not sent again (%s)", wait_ms,
                         ipmi_ctx_errormsg(ctx));
                st = nf_error_set(&s->last_error, NF_E_REPLY_LOST, netfn, cmd, detail);
        } else if (n < 2) {
                st = nf_error_set(&s->last_error, NF_E_SHORT_RESPONSE, netfn, cmd,
                                  "response without completion code");
        } else {
                if ((size_t) (n - 1) > rsp_cap)
                        n = (int) rsp_cap + 1;
                memcpy(rsp, rs + 1, (size_t) (n - 1));
                *ret_len = (size_t) (n - 1);
                st = NF_OK;
        }
        /* Closes the session: Close Session, which libfreeipmi itself
         * never retransmits. */
        ipmi_ctx_destroy(ctx);
        return st;
}
