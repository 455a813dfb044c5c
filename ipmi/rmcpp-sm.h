/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * One BMC's RMCP+ (IPMI 2.0 lanplus) session as an explicit state machine
 * with no I/O of its own: the caller hands it the datagrams that arrive and
 * the monotonic time, and takes from it the datagram to send and the next
 * deadline.  Built on libfreeipmi's public packet and crypto layer
 * (assemble/unassemble_ipmi_rmcpplus_pkt, fill_rmcpplus_*,
 * ipmi_calculate_rmcpplus_session_keys, ipmi_rmcpplus_check_*,
 * ipmi_check_session_sequence_number_2_0): no packet layout and no crypto
 * is written here.  lan-link.c puts it on a connected UDP socket; the unit
 * tests and the fuzzer drive it directly.
 *
 * Life of a session:
 *
 *   IDLE --open--> AUTH_CAPS -> OPEN_SESSION -> RAKP1 -> RAKP3 -> SET_PRIV
 *        -> ACTIVE <-> REQUEST (one request outstanding at a time)
 *        -> CLOSING -> CLOSED
 *   any set-up or request failure -> FAILED (open again to start over)
 *
 * Sending is the machine's decision, per request (docs/design.md, "The
 * RMCP+ engine"):
 *   - a request marked once (Chassis Control) is sent exactly once; no
 *     reply within its bound (twice retransmit_timeout_ms, at most
 *     session_timeout_ms) is NF_E_REPLY_LOST ("sent once, outcome
 *     unknown");
 *   - other requests and every set-up message are retransmitted every
 *     retransmit_timeout_ms with backoff, each copy of a request with a new
 *     session sequence number and rq_seq, within session_timeout_ms for the
 *     request (or for the whole set-up);
 *   - late and duplicated replies, and copies of set-up replies, are
 *     recognised by state, message tag, rq_seq, session ID, integrity code
 *     and the sequence-number window, and dropped (counted);
 *   - a RAKP 4 that never comes while the BMC may already have activated
 *     the session restarts the set-up from Open Session with a new
 *     console session ID, within the same bound.
 *
 * No global state; not thread-safe (one loop owns it).  Secrets are copied
 * and wiped on free.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nf-error.h"
#include "nf-session.h"

/* Largest datagram either way (IPMI 2.0 over LAN, AES padding included). */
#define NF_RMCPP_DATAGRAM_MAX 1024
/* Largest response kept: completion code plus data. */
#define NF_RMCPP_RSP_MAX 272

typedef struct nf_rmcpp nf_rmcpp;

typedef enum nf_rmcpp_state {
        NF_RMCPP_IDLE,
        NF_RMCPP_AUTH_CAPS,     /* Get Channel Authentication Capabilities */
        NF_RMCPP_OPEN_SESSION,  /* RMCP+ Open Session Request */
        NF_RMCPP_RAKP1,
        NF_RMCPP_RAKP3,
        NF_RMCPP_SET_PRIV,      /* Set Session Privilege Level */
        NF_RMCPP_ACTIVE,        /* session up, no request outstanding */
        NF_RMCPP_REQUEST,       /* session up, one request outstanding */
        NF_RMCPP_CLOSING,       /* Close Session sent */
        NF_RMCPP_CLOSED,
        NF_RMCPP_FAILED,
        _NF_RMCPP_STATE_MAX,
} nf_rmcpp_state;

/* What a call to nf_rmcpp_receive() / nf_rmcpp_tick() brought about. */
typedef enum nf_rmcpp_event {
        NF_RMCPP_EV_NONE,
        NF_RMCPP_EV_OPENED,             /* set-up done: ACTIVE */
        NF_RMCPP_EV_OPEN_FAILED,        /* FAILED; nf_rmcpp_error() says why */
        NF_RMCPP_EV_RESPONSE,           /* the request's response: nf_rmcpp_response() */
        NF_RMCPP_EV_REQUEST_FAILED,     /* timed out / reply lost; nf_rmcpp_error() */
        NF_RMCPP_EV_CLOSED,             /* Close Session answered or given up on */
        _NF_RMCPP_EV_MAX,
} nf_rmcpp_event;

/* Counters for -v and --json (they only grow; never inferred). */
typedef struct nf_rmcpp_stats {
        uint64_t datagrams_sent;
        uint64_t datagrams_received;
        uint64_t requests;              /* requests asked for */
        uint64_t retransmits;           /* request copies sent beyond the first */
        uint64_t setup_retransmits;     /* set-up message copies beyond the first */
        uint64_t setups;                /* set-ups begun */
        uint64_t setup_restarts;        /* set-ups begun again after a lost RAKP 4 */
        uint64_t dropped_stale;         /* late or duplicated replies dropped */
        uint64_t dropped_bad;           /* undecodable, bad integrity code, wrong session */
} nf_rmcpp_stats;

/* Copies everything it keeps from p (host and port are not used here).
 * NF_E_INVALID_ARG for a cipher suite other than 3, 8, 12, 17 or a
 * password/K_g that is too long. */
/* The fiid objects of one datagram, kept for the next: one cache for all
 * the sessions one loop drives (nf_lan_params.cache), which handles one
 * datagram at a time.  NULL when out of memory.  Free it after the last
 * session that uses it. */
nf_rmcpp_cache *nf_rmcpp_cache_new(void);
nf_rmcpp_cache *nf_rmcpp_cache_free(nf_rmcpp_cache *c);

nf_status nf_rmcpp_new(const nf_lan_params *p, nf_rmcpp **ret, nf_error *ret_err);
/* Wipes the keys and the password.  NULL-safe; returns NULL. */
nf_rmcpp *nf_rmcpp_free(nf_rmcpp *s);

/* Begins a session set-up (from IDLE, CLOSED or FAILED; an ACTIVE session
 * is dropped without a Close Session, as after a BMC restart). */
nf_status nf_rmcpp_open(nf_rmcpp *s, uint64_t now_ms);
/* Queues one request in ACTIVE.  once: never retransmitted. */
nf_status nf_rmcpp_request(nf_rmcpp *s, uint8_t netfn, uint8_t cmd,
                           const uint8_t *req, size_t req_len, bool once, uint64_t now_ms);
/* Sends Close Session (once, not retransmitted) from ACTIVE; CLOSED at
 * its reply or at the request bound.  From other states: CLOSED at once. */
nf_status nf_rmcpp_close(nf_rmcpp *s, uint64_t now_ms);

/* The datagram to send now, if any: copies it into buf and returns its
 * length, 0 when there is nothing to send.  Call after every call above
 * and after receive/tick, until it returns 0. */
size_t nf_rmcpp_take_datagram(nf_rmcpp *s, uint8_t *buf, size_t cap);
/* A datagram arrived from the BMC (any bytes: it is checked). */
nf_rmcpp_event nf_rmcpp_receive(nf_rmcpp *s, const uint8_t *pkt, size_t len, uint64_t now_ms);
/* Time passed; runs the deadlines that are due. */
nf_rmcpp_event nf_rmcpp_tick(nf_rmcpp *s, uint64_t now_ms);
/* The next deadline (CLOCK_MONOTONIC ms), UINT64_MAX when none. */
uint64_t nf_rmcpp_deadline(const nf_rmcpp *s);

nf_rmcpp_state nf_rmcpp_get_state(const nf_rmcpp *s);
const char *nf_rmcpp_state_str(nf_rmcpp_state st);
/* After NF_RMCPP_EV_RESPONSE: completion code first, then data; valid
 * until the next request. */
const uint8_t *nf_rmcpp_response(const nf_rmcpp *s, size_t *ret_len);
/* After a failure event: why (typed, with the RMCP+ status code in the
 * detail for a refused set-up, NF_E_REPLY_LOST / NF_E_NOT_SENT for a once
 * request). */
const nf_error *nf_rmcpp_error(const nf_rmcpp *s);
void nf_rmcpp_get_stats(const nf_rmcpp *s, nf_rmcpp_stats *ret);

/* How long copy number `copies` (1 = the first) of a retransmitted
 * message waits for its reply before the next copy: the one place the
 * backoff is decided (1, 1, 2, 2, 3, 3 ... times the timeout). */
uint64_t nf_rmcpp_retransmit_wait(unsigned retransmit_timeout_ms, unsigned copies);
