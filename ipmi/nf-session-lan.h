/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A LAN session (nf_session_open_lan) run from the caller's event loop
 * instead of blocking: the program that drives many BMCs in one loop
 * (agent/fleet.c, agent/daemon.c) begins a call, polls
 * nf_session_lan_fd() for input, wakes at nf_session_lan_deadline(), and
 * hands the events over; once one of them returns true the call has ended
 * and nf_session_lan_result() gives what the blocking call would have
 * returned.  The blocking calls of nf-session.h run the very same steps
 * (session-lan.c) in a poll() loop of their own, so a request, a
 * request sent once and a reopen mean the same either way (statuses,
 * last_error, resuming after a lost once-reply, the counters).
 *
 * One call at a time per session; the engine bounds each by the session
 * timeout.  Only for sessions of nf_session_new_lan/nf_session_open_lan.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nf-error.h"
#include "nf-request.h"
#include "nf-session.h"

/* A LAN session with its socket, not set up and nothing sent: begin with
 * nf_session_lan_begin_open().  On failure *ret is untouched. */
nf_status nf_session_new_lan(const nf_lan_params *p, nf_session **ret, nf_error *ret_err);

/* Begins the set-up (as nf_session_reopen()). */
void nf_session_lan_begin_open(nf_session *s);
/* Begins a request (as nf_session_request(): req->once sends it once);
 * *req is read at once. */
void nf_session_lan_begin_request(nf_session *s, const nf_ipmi_req *req);

/* The socket to poll (POLLIN), and when to call on_time
 * (CLOCK_MONOTONIC ms; 0: now, UINT64_MAX: nothing pending). */
int nf_session_lan_fd(nf_session *s);
uint64_t nf_session_lan_deadline(nf_session *s);
/* True when the call begun last has ended (once per call). */
bool nf_session_lan_on_readable(nf_session *s, uint64_t now_ms);
bool nf_session_lan_on_time(nf_session *s, uint64_t now_ms);
/* The ended call's status, as the blocking call returns it (the error in
 * nf_session_last_error()); for a request, the data after the completion
 * code into rsp. */
nf_status nf_session_lan_result(nf_session *s, uint8_t *rsp, size_t rsp_cap, size_t *ret_len);

/* Sends Close Session when the session is up (once, its answer not
 * awaited) and closes the socket, so that nf_session_free() does not
 * block.  Nothing else may be called on s after it but the free. */
void nf_session_lan_close_nowait(nf_session *s, uint64_t now_ms);
