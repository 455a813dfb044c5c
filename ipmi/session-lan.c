/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Out-of-band transport: IPMI 2.0 RMCP+ (lanplus) through the session
 * engine (rmcpp-sm.h) on one UDP socket (lan-link.h).  One session is
 * opened per fence operation and used for every request, the diag's
 * included; each call runs a small poll() loop on the link until the
 * engine reports what became of it, so a call blocks for at most the
 * session timeout (the engine's bound), as nf-session.h promises.
 */

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lan-link.h"
#include "nf-session.h"
#include "session-internal.h"

typedef struct lan_session {
        nf_session base;                /* must be first: session.c frees it */
        nf_lan_link *link;
        /* A request sent once ended without its reply and left the engine
         * without a session: the next request sets one up again first,
         * as the fence's session was never lost. */
        bool resume;
} lan_session;

static void sync_stats(lan_session *l) {
        nf_rmcpp_stats es;

        nf_lan_link_get_stats(l->link, &es);
        l->base.stats.datagrams_sent = es.datagrams_sent;
        l->base.stats.datagrams_received = es.datagrams_received;
        l->base.stats.retransmits = es.retransmits;
        l->base.stats.setups = es.setups;
        l->base.stats.setup_retransmits = es.setup_retransmits;
        l->base.stats.setup_restarts = es.setup_restarts;
        l->base.stats.dropped_stale = es.dropped_stale;
        l->base.stats.dropped_bad = es.dropped_bad;
}

/* Runs the link until it reports an event or `until` (monotonic ms)
 * passes.  NF_RMCPP_EV_NONE: no event by then, or poll() failed (errno). */
static nf_rmcpp_event lan_run(lan_session *l, uint64_t until) {
        struct pollfd pfd = { .fd = nf_lan_link_fd(l->link), .events = POLLIN };

        for (;;) {
                uint64_t now = nf_lan_link_now_ms(), deadline = nf_lan_link_deadline(l->link), wake;
                nf_rmcpp_event ev;
                int r;

                if (now >= deadline) {
                        ev = nf_lan_link_on_time(l->link, now);
                        if (ev != NF_RMCPP_EV_NONE)
                                return ev;
                        continue;
                }
                if (now >= until)
                        return NF_RMCPP_EV_NONE;
                wake = deadline < until ? deadline : until;
                r = poll(&pfd, 1, wake - now > INT_MAX ? INT_MAX : (int) (wake - now));
                if (r < 0 && errno != EINTR)
                        return NF_RMCPP_EV_NONE;
                if (r > 0) {
                        ev = nf_lan_link_on_readable(l->link, nf_lan_link_now_ms());
                        if (ev != NF_RMCPP_EV_NONE)
                                return ev;
                }
        }
}

/* How long a call may take: the engine ends every set-up and request
 * within the session timeout; this only guards against a loop that would
 * otherwise never end. */
static uint64_t lan_guard(const lan_session *l) {
        const nf_lan_params *p = nf_lan_link_params(l->link);

        return nf_lan_link_now_ms() + 2ull * p->session_timeout_ms + p->retransmit_timeout_ms;
}

/* The engine said nothing within the guard: a broken contract, or
 * poll() failed. */
static nf_status lan_stuck(lan_session *l, uint8_t netfn, uint8_t cmd, int err) {
        if (err && err != EINTR)
                return nf_error_set_errno(&l->base.last_error, NF_E_IO, err, "poll");
        return nf_error_set(&l->base.last_error, NF_E_INTERNAL, netfn, cmd, "the RMCP+ engine never answered");
}

/* A failure event's reason, recorded against netfn/cmd. */
static nf_status lan_failed(lan_session *l, uint8_t netfn, uint8_t cmd) {
        const nf_error *e = nf_lan_link_error(l->link);

        l->base.last_error = *e;
        if (l->base.last_error.status == NF_OK)
                l->base.last_error.status = NF_E_INTERNAL;
        l->base.last_error.netfn = netfn;
        l->base.last_error.cmd = cmd;
        return l->base.last_error.status;
}

static nf_status lan_connect(lan_session *l) {
        nf_rmcpp_event ev;
        nf_status r;

        l->resume = false;
        r = nf_lan_link_open(l->link, nf_lan_link_now_ms());
        if (r != NF_OK)
                return lan_failed(l, 0, 0);
        errno = 0;
        ev = lan_run(l, lan_guard(l));
        sync_stats(l);
        switch (ev) {
        case NF_RMCPP_EV_OPENED:
                return NF_OK;
        case NF_RMCPP_EV_NONE:
                return lan_stuck(l, 0, 0, errno);
        default:
                return lan_failed(l, 0, 0);
        }
}

/* One request on the session, sent once or with the engine's
 * retransmissions; the response (completion code first) into rsp. */
static nf_status lan_request(lan_session *l, bool once, uint8_t netfn, uint8_t cmd,
                             const uint8_t *req, size_t req_len,
                             uint8_t *rsp, size_t rsp_cap, size_t *ret_len) {
        const uint8_t *data;
        nf_rmcpp_event ev;
        size_t n = 0;
        nf_status r;

        r = nf_lan_link_request(l->link, netfn, cmd, req, req_len, once, nf_lan_link_now_ms());
        if (r != NF_OK)
                return nf_error_set(&l->base.last_error, r, netfn, cmd, "request refused by the RMCP+ engine");
        errno = 0;
        ev = lan_run(l, lan_guard(l));
        sync_stats(l);
        if (ev == NF_RMCPP_EV_NONE)
                return lan_stuck(l, netfn, cmd, errno);
        if (ev != NF_RMCPP_EV_RESPONSE)
                return lan_failed(l, netfn, cmd);
        data = nf_lan_link_response(l->link, &n);
        if (!data || n < 1)
                return nf_error_set(&l->base.last_error, NF_E_SHORT_RESPONSE, netfn, cmd,
                                    "response without completion code");
        if (n > rsp_cap)
                n = rsp_cap;
        memcpy(rsp, data, n);
        *ret_len = n;
        return NF_OK;
}

static nf_status lan_raw(nf_session *s, uint8_t netfn, uint8_t cmd,
                         const uint8_t *req, size_t req_len,
                         uint8_t *rsp, size_t rsp_cap, size_t *ret_len) {
        lan_session *l = (lan_session *) s;
        nf_status r;

        assert(l && rsp && ret_len);
        if (nf_lan_link_state(l->link) != NF_RMCPP_ACTIVE) {
                if (!l->resume)
                        return nf_error_set(&s->last_error, NF_E_SESSION_LOST, netfn, cmd, "session not open");
                r = lan_connect(l);
                if (r != NF_OK) {
                        /* The BMC answered a moment ago: its silence now
                         * is a session lost (the agent opens it again). */
                        if (r == NF_E_TIMEOUT)
                                s->last_error.status = r = NF_E_SESSION_LOST;
                        s->last_error.netfn = netfn;
                        s->last_error.cmd = cmd;
                        return r;
                }
        }
        r = lan_request(l, false, netfn, cmd, req, req_len, rsp, rsp_cap, ret_len);
        /* No answer on an established session: the BMC went away, which
         * the agent handles (reopen) apart from a BMC that never
         * answered. */
        if (r == NF_E_TIMEOUT)
                s->last_error.status = r = NF_E_SESSION_LOST;
        return r;
}

/* Sent once, on this session (set up first if it is not up): the engine
 * never retransmits it, so a lost reply is NF_E_REPLY_LOST, never a
 * second copy on the wire. */
static nf_status lan_raw_once(nf_session *s, uint8_t netfn, uint8_t cmd,
                              const uint8_t *req, size_t req_len,
                              uint8_t *rsp, size_t rsp_cap, size_t *ret_len) {
        lan_session *l = (lan_session *) s;
        char why[sizeof(s->last_error.detail)], detail[sizeof(s->last_error.detail)];
        nf_status r;

        assert(l && rsp && ret_len);
        if (nf_lan_link_state(l->link) != NF_RMCPP_ACTIVE) {
                r = lan_connect(l);
                if (r != NF_OK) {
                        nf_error_format(&s->last_error, why, sizeof(why));
                        snprintf(detail, sizeof(detail), "no session to send it on: %.90s", why);
                        return nf_error_set(&s->last_error, NF_E_NOT_SENT, netfn, cmd, detail);
                }
        }
        r = lan_request(l, true, netfn, cmd, req, req_len, rsp, rsp_cap, ret_len);
        l->resume = nf_lan_link_state(l->link) != NF_RMCPP_ACTIVE;
        if (r == NF_OK || r == NF_E_REPLY_LOST || r == NF_E_NOT_SENT || r == NF_E_INVALID_ARG)
                return r;
        /* Whatever else ended it after it left, it may have reached the
         * BMC: a reply lost. */
        nf_error_format(&s->last_error, why, sizeof(why));
        snprintf(detail, sizeof(detail), "%.120s", why);
        return nf_error_set(&s->last_error, NF_E_REPLY_LOST, netfn, cmd, detail);
}

static nf_status lan_reopen(nf_session *s) {
        /* The engine drops a session it still thinks ACTIVE without a
         * Close Session: after a BMC restart there is nothing to close. */
        return lan_connect((lan_session *) s);
}

static void lan_free(nf_session *s) {
        lan_session *l = (lan_session *) s;

        if (!l->link)
                return;
        if (nf_lan_link_state(l->link) == NF_RMCPP_ACTIVE &&
            nf_lan_link_close(l->link, nf_lan_link_now_ms()) == NF_OK) {
                const nf_lan_params *p = nf_lan_link_params(l->link);

                /* One retransmission timeout for the BMC's answer at most:
                 * the session ends here either way. */
                (void) lan_run(l, nf_lan_link_now_ms() + p->retransmit_timeout_ms);
        }
        l->link = nf_lan_link_free(l->link);
}

static const nf_session_ops lan_ops = {
        .raw = lan_raw,
        .raw_once = lan_raw_once,
        .reopen = lan_reopen,
        .free = lan_free,
};

nf_status nf_session_open_lan(const nf_lan_params *p, nf_session **ret, nf_error *ret_err) {
        lan_session *l;
        nf_status r;

        if (!p || !ret)
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0, "no parameters or output pointer");
        l = calloc(1, sizeof(*l));
        if (!l)
                return nf_error_set(ret_err, NF_E_NOMEM, 0, 0, NULL);
        l->base.ops = &lan_ops;
        r = nf_lan_link_new(p, &l->link, ret_err);
        if (r != NF_OK) {
                free(l);
                return r;
        }
        r = lan_connect(l);
        if (r != NF_OK) {
                if (ret_err)
                        *ret_err = l->base.last_error;
                nf_session_free(&l->base);
                return r;
        }
        nf_error_clear(ret_err);
        *ret = &l->base;
        return NF_OK;
}
