/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * One liveness poll of one host's BMC: the I/O half of liveness-sm.h.
 * The requests are watch-plan.h's; nmifenced runs them from its sd-event
 * loop (plan-runner.h) between nf_host_watch_begin() and _end(), and
 * nf_host_watch_poll() runs them over a blocking session (bounded by the
 * session timeout).  It reads Get Watchdog Timer, the SEL records added since the last
 * poll (OS Critical Stop, the target's dump records) and the chassis
 * power, and fills an nf_live_poll.  A BMC that stops answering is
 * reported as such (bmc_ok false) and the session is re-opened next time.
 */

#include <stdbool.h>
#include <stdint.h>

#include "liveness-sm.h"
#include "nf-commands.h"
#include "nf-session.h"
#include "watch-plan.h"

typedef struct nf_host_watch {
        nf_lan_params lan;              /* borrowed strings */
        nf_session *session;
        bool session_broken;            /* re-open before the next poll */
        nf_sel_cursor cursor;
        bool cursor_valid;
        nf_error err;                   /* of the last failed request */
        bool wd_error_known;            /* Get Watchdog Timer failed; err says why */
        unsigned polls, failures;
        uint64_t requests;              /* IPMI requests of its polls (nf_watch_plan.requests) */
} nf_host_watch;

/* Fills *ret from one poll; never fails as a call: a failure is in
 * ret->bmc_ok / ret->wd_known and w->err. */
void nf_host_watch_poll(nf_host_watch *w, nf_live_poll *ret);
void nf_host_watch_done(nf_host_watch *w);
/* The poll's plan on w's session and memory, and its end: *ret filled
 * and w updated as nf_host_watch_poll() does. */
void nf_host_watch_begin(nf_host_watch *w, nf_watch_plan *p);
void nf_host_watch_end(nf_host_watch *w, const nf_watch_plan *p, nf_live_poll *ret);

/* TCP connect to host:port within timeout_ms (blocking): true when it
 * connected (refused or timed out: false). */
bool nf_tcp_probe(const char *host, uint16_t port, unsigned timeout_ms);
/* The same from an event loop: begin returns the connecting socket (wait
 * for POLLOUT, then nf_tcp_probe_end(), which closes it; at the timeout
 * close it: false), or -1 when it is decided already (*ret_ok). */
int nf_tcp_probe_begin(const char *host, uint16_t port, bool *ret_ok);
bool nf_tcp_probe_end(int fd);
