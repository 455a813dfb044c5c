/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A request that must reach the BMC at most once, over RMCP+: Chassis
 * Control, pulse diagnostic interrupt.  A BMC carries out every copy it
 * receives, and libfreeipmi's ipmi_cmd_raw() re-sends a request whose
 * reply is late, with a new session sequence number and rq_seq, so a lost
 * reply would mean a second NMI into the dump.
 *
 * libfreeipmi cannot be told not to retransmit.  Its receive loop
 * (freeipmi 1.6.10, libfreeipmi/api/ipmi-lan-session-common.c,
 * api_lan_2_0_cmd_wrapper) re-sends as soon as a receive times out and
 * only then checks the session timeout, so no choice of timeouts avoids
 * the first retransmission.  What it does offer: a send that fails ends
 * the call (API_ERRNO_TO_API_ERRNUM, goto cleanup) without another try.
 * So the request is sent with the send gate (send-gate.h) armed for one
 * datagram: the request goes out, a retransmission is refused before it
 * reaches the socket, and the call returns an error instead.
 *
 * It uses a short-lived context of its own (same credentials, cipher suite
 * and workarounds): the fence's session must not be left with a request
 * libfreeipmi thinks failed half-way, and its own set-up packets are sent
 * with the gate open and the usual retransmissions.  A set-up that fails
 * is tried again (idempotent: nothing has reached the host yet).
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "send-gate.h"
#include "session-lan.h"

/* The context's session timeout over its retransmission timeout W: each
 * set-up packet gets tries at 0, W and 2W. */
#define ONCE_SESSION_TIMEOUT_FACTOR 3
/* Bounded with the fence session's timeout too: each failed attempt may
 * leave a half-open session on the BMC, and real BMCs have few slots. */
#define ONCE_OPEN_ATTEMPTS 8

static nf_status not_sent(lan_session *l, uint8_t netfn, uint8_t cmd, const char *what) {
        char why[sizeof(l->base.last_error.detail)], detail[sizeof(l->base.last_error.detail)];

        nf_error_format(&l->base.last_error, why, sizeof(why));
        snprintf(detail, sizeof(detail), "%.45s: %.80s", what, why);
        return nf_error_set(&l->base.last_error, NF_E_NOT_SENT, netfn, cmd, detail);
}

static nf_status open_once_ctx(lan_session *l, uint8_t netfn, uint8_t cmd, ipmi_ctx_t *ret_ctx) {
        unsigned wait_ms = l->retransmit_timeout_ms;
        uint64_t t0 = nf_lan_now_ms();
        char what[64];
        nf_status st;

        for (unsigned attempt = 1;; attempt++) {
                uint64_t seen = nf_send_gate_seen();

                st = nf_lan_ctx_open(l, wait_ms * ONCE_SESSION_TIMEOUT_FACTOR, wait_ms, ret_ctx);
                if (st == NF_OK) {
                        if (nf_send_gate_seen() != seen)
                                return NF_OK;
                        /* The set-up sent packets the gate never saw: the
                         * program does not use send-gate.c's sendto(). */
                        ipmi_ctx_destroy(*ret_ctx);
                        *ret_ctx = NULL;
                        nf_error_set(&l->base.last_error, NF_E_INTERNAL, 0, 0,
                                     "libfreeipmi's packets bypass the send gate");
                        return not_sent(l, netfn, cmd, "no one-send guarantee, so not sent");
                }
                if (nf_lan_status_is_auth(st) || st == NF_E_NOMEM || st == NF_E_INVALID_ARG ||
                    attempt >= ONCE_OPEN_ATTEMPTS || nf_lan_now_ms() - t0 >= l->session_timeout_ms) {
                        snprintf(what, sizeof(what), "no session to send it on after %u attempt%s", attempt,
                                 attempt == 1 ? "" : "s");
                        return not_sent(l, netfn, cmd, what);
                }
                l->base.stats.open_retries++;
        }
}

nf_status nf_lan_raw_once(nf_session *s, uint8_t netfn, uint8_t cmd,
                          const uint8_t *req, size_t req_len,
                          uint8_t *rsp, size_t rsp_cap, size_t *ret_len) {
        lan_session *l = (lan_session *) s;
        uint8_t rq[NF_RSP_MAX + 1], rs[NF_RSP_MAX + 1];
        char detail[sizeof(s->last_error.detail)];
        ipmi_ctx_t ctx = NULL;
        unsigned refused;
        nf_status st;
        int n;

        if (req_len + 1 > sizeof(rq))
                return nf_error_set(&s->last_error, NF_E_INVALID_ARG, netfn, cmd, "request too long");

        st = open_once_ctx(l, netfn, cmd, &ctx);
        if (st != NF_OK)
                return st;
        s->stats.once_sessions++;

        rq[0] = cmd;
        if (req_len > 0)
                memcpy(rq + 1, req, req_len);
        nf_send_gate_arm(1);
        n = ipmi_cmd_raw(ctx, 0 /* LUN */, netfn, rq, (unsigned) (req_len + 1), rs, sizeof(rs));
        refused = nf_send_gate_disarm();
        s->stats.once_refused += refused;

        if (n < 0) {
                (void) nf_lan_fail(l, ctx, true, netfn, cmd);
                snprintf(detail, sizeof(detail), "no reply within %u ms; %s", l->retransmit_timeout_ms,
                         refused ? "libfreeipmi's retransmission was held back" : ipmi_ctx_errormsg(ctx));
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
        /* Close Session, with the gate open again; libfreeipmi itself
         * never retransmits it. */
        ipmi_ctx_destroy(ctx);
        return st;
}
