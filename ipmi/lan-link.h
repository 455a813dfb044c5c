/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * One BMC's RMCP+ session (the engine of rmcpp-sm.h) on a connected UDP
 * socket of its own.  The link has no loop: the caller polls
 * nf_lan_link_fd() for input, wakes at nf_lan_link_deadline(), and calls
 * nf_lan_link_on_readable() / nf_lan_link_on_time(); each call feeds the
 * engine and sends the datagrams it asks for.  session-lan.c runs a small
 * poll() loop on one link; a program with many hosts puts every link's
 * fd and deadline in its own loop.
 *
 * The host and port are resolved once, when the link is made.  The socket
 * is connected, so the kernel hands it the ICMP errors of its datagrams:
 * a port unreachable during a session set-up ends the set-up with
 * NF_E_REFUSED (see lan-link.c for when).  Library code: no logging, no
 * global state, CLOCK_MONOTONIC milliseconds only.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nf-error.h"
#include "nf-session.h"
#include "rmcpp-sm.h"

typedef struct nf_lan_link nf_lan_link;

/* Checks p (the limits of nf_session_open_lan), fills in its defaults,
 * resolves the host and makes the socket and the engine.  Sends
 * nothing.  On failure *ret is untouched and ret_err says why. */
nf_status nf_lan_link_new(const nf_lan_params *p, nf_lan_link **ret, nf_error *ret_err);
/* Closes the socket and frees the engine (keys wiped); sends nothing.
 * NULL-safe; returns NULL. */
nf_lan_link *nf_lan_link_free(nf_lan_link *l);

/* The socket to poll for input (POLLIN; errors are input too). */
int nf_lan_link_fd(const nf_lan_link *l);
/* When to call nf_lan_link_on_time() (CLOCK_MONOTONIC ms); UINT64_MAX
 * when nothing is pending, 0 when an event is ready now. */
uint64_t nf_lan_link_deadline(const nf_lan_link *l);

/* The engine's calls, each followed by the sending of what it queued.
 * A failure to send shows as the failure event at the next
 * nf_lan_link_on_time() (the deadline is then 0). */
nf_status nf_lan_link_open(nf_lan_link *l, uint64_t now_ms);
nf_status nf_lan_link_request(nf_lan_link *l, uint8_t netfn, uint8_t cmd, const uint8_t *req, size_t req_len,
                              bool once, uint64_t now_ms);
nf_status nf_lan_link_close(nf_lan_link *l, uint64_t now_ms);

/* The socket is readable: reads datagrams until none is left or one
 * brings an event about (the rest wait for the next call). */
nf_rmcpp_event nf_lan_link_on_readable(nf_lan_link *l, uint64_t now_ms);
/* The deadline passed. */
nf_rmcpp_event nf_lan_link_on_time(nf_lan_link *l, uint64_t now_ms);

nf_rmcpp_state nf_lan_link_state(const nf_lan_link *l);
/* After NF_RMCPP_EV_RESPONSE: completion code first, then data. */
const uint8_t *nf_lan_link_response(const nf_lan_link *l, size_t *ret_len);
/* After a failure event: the link's own reason (NF_E_REFUSED) or the
 * engine's. */
const nf_error *nf_lan_link_error(const nf_lan_link *l);
void nf_lan_link_get_stats(const nf_lan_link *l, nf_rmcpp_stats *ret);
/* The parameters in effect (defaults filled in; host and password are
 * the link's copies). */
const nf_lan_params *nf_lan_link_params(const nf_lan_link *l);

/* CLOCK_MONOTONIC in milliseconds, the time base of every call above. */
uint64_t nf_lan_link_now_ms(void);
