/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The RMCP+ transport's private parts, shared by session-lan.c (the
 * fence's session) and session-lan-once.c (a request sent at most once).
 * Private to ipmi/.
 */

#include <stdbool.h>
#include <stdint.h>

#include <freeipmi/freeipmi.h>

#include "session-internal.h"

#define LAN_MAX_KG 20

typedef struct lan_session {
        nf_session base;                /* must be first: session.c frees it */
        ipmi_ctx_t ctx;
        bool up;                        /* a session was established */
        char *hostport;                 /* "host" or "host:port" for freeipmi */
        char *host;
        uint16_t port;
        char *user;
        char *password;                 /* NULL: no password */
        uint8_t k_g[LAN_MAX_KG];
        size_t k_g_len;
        uint8_t cipher_suite;
        uint8_t privilege;
        unsigned workaround_flags;
        unsigned session_timeout_ms;
        unsigned retransmit_timeout_ms;
        unsigned flags;
} lan_session;

/* A new libfreeipmi context, opened with these timeouts and the session's
 * credentials.  On failure fills l->base.last_error (with the cipher
 * diagnosis of lan-cipher-probe.c) and returns its status. */
nf_status nf_lan_ctx_open(lan_session *l, unsigned session_timeout_ms, unsigned retransmit_timeout_ms,
                          ipmi_ctx_t *ret_ctx);
/* ctx's error as our typed status, recorded in l->base.last_error against
 * netfn/cmd; up: the context had an established session. */
nf_status nf_lan_fail(lan_session *l, ipmi_ctx_t ctx, bool up, uint8_t netfn, uint8_t cmd);
bool nf_lan_status_is_auth(nf_status st);
uint64_t nf_lan_now_ms(void);
/* How many times libfreeipmi re-sent a request that took ms. */
unsigned nf_lan_inferred_retransmits(uint64_t ms, unsigned retransmit_timeout_ms);

/* nf_session_ops.raw_once (session-lan-once.c). */
nf_status nf_lan_raw_once(nf_session *s, uint8_t netfn, uint8_t cmd,
                          const uint8_t *req, size_t req_len,
                          uint8_t *rsp, size_t rsp_cap, size_t *ret_len);
