/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What a transport (session-dev.c, session-lan.c) provides to session.c.
 * Private to ipmi/: the public API only sees the opaque nf_session.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nf-session.h"

typedef struct nf_session_ops {
        /* Send one request and wait for its response.  On NF_OK, rsp[0] is
         * the completion code and *ret_len >= 1.  On failure the transport
         * has filled s->last_error. */
        nf_status (*raw)(nf_session *s, uint8_t netfn, uint8_t cmd,
                         const uint8_t *req, size_t req_len,
                         uint8_t *rsp, size_t rsp_cap, size_t *ret_len);
        /* Send one request that must never reach the BMC twice (the diag
         * interrupt): no retransmission, whatever happens to its reply.
         * NF_E_REPLY_LOST when it went out and no reply came,
         * NF_E_NOT_SENT when it never went out.  NULL when raw itself
         * never sends a request more than once (the device interface):
         * then raw is used and its timeout means a lost reply. */
        nf_status (*raw_once)(nf_session *s, uint8_t netfn, uint8_t cmd,
                              const uint8_t *req, size_t req_len,
                              uint8_t *rsp, size_t rsp_cap, size_t *ret_len);
        /* Tear down and establish the transport again. */
        nf_status (*reopen)(nf_session *s);
        /* Release transport resources (wipe secrets); not the nf_session
         * itself. */
        void (*free)(nf_session *s);
        /* Requests go through the system interface (KCS/BT/SSIF via
         * /dev/ipmi0), where a Platform Event Message carries its own
         * generator id; over LAN/IPMB the BMC takes it from the requester. */
        bool system_interface;
} nf_session_ops;

/* Transports embed this as their first member. */
struct nf_session {
        const nf_session_ops *ops;
        nf_error last_error;
        nf_session_stats stats;
};

/* nf_session_raw plus the check every command needs: a response shorter
 * than min_len is NF_E_SHORT_RESPONSE, recorded against netfn/cmd. */
nf_status nf_session_cmd(nf_session *s, uint8_t netfn, uint8_t cmd,
                         const uint8_t *req, size_t req_len,
                         uint8_t *rsp, size_t rsp_cap, size_t min_len, size_t *ret_rsp_len);

/* The halves of a request around the transport, for a transport that
 * also runs requests from the caller's loop (session-lan.c): the checks
 * and accounting before it (NF_OK, or the refusal in last_error), and the
 * verdict after it (r: the transport's status; buf/len: the response,
 * completion code first) with the data after the completion code into
 * rsp. */
nf_status nf_session_request_prepare(nf_session *s, uint8_t netfn, uint8_t cmd, const uint8_t *req,
                                    size_t req_len, const uint8_t *rsp, size_t rsp_cap);
nf_status nf_session_request_finish(nf_session *s, nf_status r, uint8_t netfn, uint8_t cmd, const uint8_t *buf,
                                    size_t len, uint8_t *rsp, size_t rsp_cap, size_t *ret_rsp_len);
/* After a transport's reopen: make sure last_error says why it failed. */
nf_status nf_session_reopen_finish(nf_session *s, nf_status r);
