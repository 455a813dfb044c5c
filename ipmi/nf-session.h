/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * An IPMI session: out-of-band RMCP+ (the engine of rmcpp-sm.h on libfreeipmi's
 * packet layer, on a UDP socket of its own: lan-link.h), or in-band through
 * the Linux IPMI device interface (/dev/ipmi0, raw ioctl, no libfreeipmi so
 * the target helper links statically).  Calls block for at most the
 * configured session timeout.  A session is used by one thread at a time;
 * a program with many hosts runs their LAN sessions from its own event
 * loop instead (nf-session-lan.h, docs/design.md).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nf-error.h"
#include "nf-request.h"

typedef struct nf_session nf_session;

typedef enum nf_privilege {
        NF_PRIV_USER = 2,
        NF_PRIV_OPERATOR = 3,
        NF_PRIV_ADMIN = 4,
} nf_privilege;

/* The libfreeipmi fiid objects the RMCP+ engine assembles each request
 * and unassembles each reply with (rmcpp-sm-msg.c), reused: creating and
 * destroying fourteen of them per request was the largest part of
 * nmifenced's CPU per poll (perf).  One scratch serves any number of
 * sessions driven by one thread (a datagram is assembled or
 * unassembled within one call); it must outlive them. */
typedef struct nf_rmcpp_scratch nf_rmcpp_scratch;
nf_rmcpp_scratch *nf_rmcpp_scratch_new(void);   /* NULL: out of memory */
nf_rmcpp_scratch *nf_rmcpp_scratch_free(nf_rmcpp_scratch *x);

typedef struct nf_lan_params {
        const char *host;            /* name or address */
        uint16_t port;               /* 0 means 623 */
        const char *user;            /* may be "" (null user) */
        const char *password;        /* may be NULL; copied and wiped on free */
        const uint8_t *k_g;          /* may be NULL */
        size_t k_g_len;              /* <= 20 */
        uint8_t cipher_suite;        /* 0..17; 3 is the default */
        nf_privilege privilege;      /* 0 means NF_PRIV_OPERATOR: enough to fence */
        unsigned workaround_flags;   /* freeipmi IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_* */
        unsigned session_timeout_ms; /* whole request bound, 0 => 20000 */
        unsigned retransmit_timeout_ms; /* per packet, 0 => 1000 */
        nf_rmcpp_scratch *scratch;   /* borrowed; NULL: objects per datagram */
} nf_lan_params;

/* Parse a comma separated list of freeipmi workaround names as used by
 * ipmi-chassis -W (e.g. "opensesspriv,integritycheckvalue").  On failure
 * returns NF_E_INVALID_ARG and *ret_bad points at the unknown word. */
nf_status nf_workarounds_parse(const char *list, unsigned *ret_flags, const char **ret_bad, size_t *ret_bad_len);

nf_status nf_session_open_lan(const nf_lan_params *p, nf_session **ret, nf_error *ret_err);
nf_status nf_session_open_dev(const char *path /* NULL => /dev/ipmi0 */,
                              unsigned timeout_ms, nf_session **ret, nf_error *ret_err);

/* Close and establish the same session again, e.g. after the BMC restarted. */
nf_status nf_session_reopen(nf_session *s);

nf_session *nf_session_free(nf_session *s);

/* Send a raw request.  rsp receives the data after the completion code.
 * A non-zero completion code returns NF_E_COMPLETION with the code kept in
 * the session's last error. */
nf_status nf_session_raw(nf_session *s, uint8_t netfn, uint8_t cmd,
                         const uint8_t *req, size_t req_len,
                         uint8_t *rsp, size_t rsp_cap, size_t *ret_rsp_len);

const nf_error *nf_session_last_error(const nf_session *s);

/* A step machine's request (nf-request.h): nf_session_raw_once when
 * req->once, nf_session_raw otherwise. */
nf_status nf_session_request(nf_session *s, const nf_ipmi_req *req, uint8_t *rsp, size_t rsp_cap,
                             size_t *ret_rsp_len);

/* Like nf_session_raw, for a request that must reach the BMC at most once
 * (Chassis Control: pulse diagnostic interrupt).  It is never
 * retransmitted: over LAN the engine sends it once on this session, set
 * up first if it is not up (docs/design.md, "One NMI on the wire").
 * Besides the statuses of nf_session_raw:
 *   NF_E_REPLY_LOST  it was sent once and no reply came: it may have been
 *                    carried out; do not send it again;
 *   NF_E_NOT_SENT    it never left (the session could not be set up
 *                    within the session timeout); the detail says why. */
nf_status nf_session_raw_once(nf_session *s, uint8_t netfn, uint8_t cmd,
                              const uint8_t *req, size_t req_len,
                              uint8_t *rsp, size_t rsp_cap, size_t *ret_rsp_len);

/* What a session did on the wire, for logs (counters only grow). */
typedef struct nf_session_stats {
        uint64_t requests;           /* requests asked for, either kind */
        /* Counted by the RMCP+ engine (rmcpp-sm.h, nf_rmcpp_stats); 0 on
         * /dev/ipmi0, which never retransmits. */
        uint64_t datagrams_sent;
        uint64_t datagrams_received;
        uint64_t retransmits;        /* request copies sent beyond the first */
        uint64_t setups;             /* session set-ups begun (open, reopen) */
        uint64_t setup_retransmits;  /* set-up message copies beyond the first */
        uint64_t setup_restarts;     /* set-ups begun again after a lost RAKP 4 */
        uint64_t dropped_stale;      /* late or duplicated replies dropped */
        uint64_t dropped_bad;        /* undecodable, bad integrity code, wrong session */
} nf_session_stats;

/* Number of requests sent by this session. */
uint64_t nf_session_requests(const nf_session *s);
/* All counters; zeros for NULL. */
void nf_session_get_stats(const nf_session *s, nf_session_stats *ret);
