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
#include "nf-session-lan.h"
#include "nf-session.h"
#include "session-internal.h"

/* What a call on the session is doing.  A blocking call (nf_session_raw,
 * _raw_once, _reopen) and a call from the caller's loop
 * (nf-session-lan.h) run the same steps: a set-up when one is needed,
 * then the request, each ended by the link's next event. */
typedef enum lan_op {
        LAN_OP_NONE,
        LAN_OP_CONNECT,                 /* open or reopen */
        LAN_OP_RAW,                     /* a request the engine may retransmit */
        LAN_OP_ONCE,                    /* a request sent once */
} lan_op;

typedef struct lan_session {
        nf_session base;                /* must be first: session.c frees it */
        nf_lan_link *link;
        /* A request sent once ended without its reply and left the engine
         * without a session: the next request sets one up again first,
         * as the fence's session was never lost. */
        bool resume;

        /* The call under way (LAN_OP_NONE: none). */
        lan_op op;
        bool connecting;                /* its set-up runs; the request follows */
        bool ended;                     /* a loop call ended: its caller has not looked yet */
        uint8_t netfn, cmd;
        const uint8_t *req;             /* borrowed until the call ends */
        size_t req_len;
        nf_status status;               /* of the ended call */
        uint8_t rsp[NF_RSP_MAX];        /* its response, completion code first */
        size_t rsp_len;
        lan_op began;                   /* what the loop's call was */
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

/* How long a blocking call may wait for one event: the engine ends every
 * set-up and request within the session timeout; this only guards
 * against a loop that would otherwise never end. */
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

static void call_end(lan_session *l, nf_status r) {
        sync_stats(l);
        l->status = r;
        l->op = LAN_OP_NONE;
        l->connecting = false;
        l->ended = true;
}

/* The request's outcome, as the kind of call reports it. */
static void request_done(lan_session *l, nf_status r) {
        nf_session *s = &l->base;
        char why[sizeof(s->last_error.detail)], detail[sizeof(s->last_error.detail)];

        if (l->op == LAN_OP_RAW) {
                /* No answer on an established session: the BMC went away,
                 * which the agent handles (reopen) apart from a BMC that
                 * never answered. */
                if (r == NF_E_TIMEOUT)
                        s->last_error.status = r = NF_E_SESSION_LOST;
                return call_end(l, r);
        }
        l->resume = nf_lan_link_state(l->link) != NF_RMCPP_ACTIVE;
        if (r != NF_OK && r != NF_E_REPLY_LOST && r != NF_E_NOT_SENT && r != NF_E_INVALID_ARG) {
                /* Whatever else ended it after it left, it may have
                 * reached the BMC: a reply lost. */
                nf_error_format(&s->last_error, why, sizeof(why));
                snprintf(detail, sizeof(detail), "%.120s", why);
                r = nf_error_set(&s->last_error, NF_E_REPLY_LOST, l->netfn, l->cmd, detail);
        }
        call_end(l, r);
}

/* Hands the request to the engine: sent once or with its
 * retransmissions. */
static void request_begin(lan_session *l) {
        nf_status r;

        l->connecting = false;
        r = nf_lan_link_request(l->link, l->netfn, l->cmd, l->req, l->req_len, l->op == LAN_OP_ONCE,
                                nf_lan_link_now_ms());
        if (r != NF_OK)
                request_done(l, nf_error_set(&l->base.last_error, r, l->netfn, l->cmd,
                                             "request refused by the RMCP+ engine"));
}

/* The set-up's outcome, as the kind of call reports it. */
static void connect_done(lan_session *l, nf_status r) {
        nf_session *s = &l->base;
        char why[sizeof(s->last_error.detail)], detail[sizeof(s->last_error.detail)];

        l->connecting = false;
        if (l->op == LAN_OP_CONNECT || r == NF_OK) {
                if (l->op == LAN_OP_CONNECT)
                        return call_end(l, r);
                return request_begin(l);
        }
        if (l->op == LAN_OP_RAW) {
                /* The BMC answered a moment ago: its silence now is a
                 * session lost (the agent opens it again). */
                if (r == NF_E_TIMEOUT)
                        s->last_error.status = r = NF_E_SESSION_LOST;
                s->last_error.netfn = l->netfn;
                s->last_error.cmd = l->cmd;
                return call_end(l, r);
        }
        nf_error_format(&s->last_error, why, sizeof(why));
        snprintf(detail, sizeof(detail), "no session to send it on: %.90s", why);
        call_end(l, nf_error_set(&s->last_error, NF_E_NOT_SENT, l->netfn, l->cmd, detail));
}

static void connect_begin(lan_session *l) {
        l->resume = false;
        l->connecting = true;
        if (nf_lan_link_open(l->link, nf_lan_link_now_ms()) != NF_OK)
                connect_done(l, lan_failed(l, 0, 0));
}

/* An event of the link for the call under way. */
static void call_event(lan_session *l, nf_rmcpp_event ev) {
        const uint8_t *data;
        size_t n = 0;

        if (l->op == LAN_OP_NONE || ev == NF_RMCPP_EV_NONE)
                return;
        if (l->connecting)
                return connect_done(l, ev == NF_RMCPP_EV_OPENED ? NF_OK : lan_failed(l, 0, 0));
        if (ev != NF_RMCPP_EV_RESPONSE)
                return request_done(l, lan_failed(l, l->netfn, l->cmd));
        data = nf_lan_link_response(l->link, &n);
        if (!data || n < 1)
                return request_done(l, nf_error_set(&l->base.last_error, NF_E_SHORT_RESPONSE, l->netfn, l->cmd,
                                                    "response without completion code"));
        if (n > sizeof l->rsp)
                n = sizeof l->rsp;
        memcpy(l->rsp, data, n);
        l->rsp_len = n;
        request_done(l, NF_OK);
}

/* Starts a call; it ends at once (a refusal) or at a later event. */
static void call_begin(lan_session *l, lan_op op, uint8_t netfn, uint8_t cmd, const uint8_t *req, size_t req_len) {
        *l = (lan_session) {
                .base = l->base, .link = l->link, .resume = l->resume,
                .op = op, .netfn = netfn, .cmd = cmd, .req = req, .req_len = req_len,
        };
        if (op == LAN_OP_CONNECT)
                return connect_begin(l);
        if (nf_lan_link_state(l->link) == NF_RMCPP_ACTIVE)
                return request_begin(l);
        if (op == LAN_OP_RAW && !l->resume)
                return call_end(l, nf_error_set(&l->base.last_error, NF_E_SESSION_LOST, netfn, cmd,
                                                "session not open"));
        connect_begin(l);
}

/* Runs the call begun to its end, blocking. */
static nf_status call_block(lan_session *l) {
        while (l->op != LAN_OP_NONE) {
                nf_rmcpp_event ev;

                errno = 0;
                ev = lan_run(l, lan_guard(l));
                if (ev != NF_RMCPP_EV_NONE) {
                        call_event(l, ev);
                        continue;
                }
                if (l->connecting)
                        connect_done(l, lan_stuck(l, 0, 0, errno));
                else
                        request_done(l, lan_stuck(l, l->netfn, l->cmd, errno));
        }
        l->ended = false;
        return l->status;
}

/* A blocking request: the response (completion code first) into rsp. */
static nf_status lan_request(nf_session *s, lan_op op, uint8_t netfn, uint8_t cmd, const uint8_t *req,
                             size_t req_len, uint8_t *rsp, size_t rsp_cap, size_t *ret_len) {
        lan_session *l = (lan_session *) s;
        nf_status r;

        assert(l && rsp && ret_len);
        call_begin(l, op, netfn, cmd, req, req_len);
        r = call_block(l);
        if (r != NF_OK)
                return r;
        *ret_len = l->rsp_len < rsp_cap ? l->rsp_len : rsp_cap;
        memcpy(rsp, l->rsp, *ret_len);
        return NF_OK;
}

static nf_status lan_raw(nf_session *s, uint8_t netfn, uint8_t cmd,
                         const uint8_t *req, size_t req_len,
                         uint8_t *rsp, size_t rsp_cap, size_t *ret_len) {
        return lan_request(s, LAN_OP_RAW, netfn, cmd, req, req_len, rsp, rsp_cap, ret_len);
}

/* Sent once, on this session (set up first if it is not up): the engine
 * never retransmits it, so a lost reply is NF_E_REPLY_LOST, never a
 * second copy on the wire. */
static nf_status lan_raw_once(nf_session *s, uint8_t netfn, uint8_t cmd,
                              const uint8_t *req, size_t req_len,
                              uint8_t *rsp, size_t rsp_cap, size_t *ret_len) {
        return lan_request(s, LAN_OP_ONCE, netfn, cmd, req, req_len, rsp, rsp_cap, ret_len);
}

static nf_status lan_connect(lan_session *l) {
        call_begin(l, LAN_OP_CONNECT, 0, 0, NULL, 0);
        return call_block(l);
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

static lan_session *lan_of(nf_session *s) {
        assert(s && s->ops == &lan_ops);
        return (lan_session *) s;
}

nf_status nf_session_new_lan(const nf_lan_params *p, nf_session **ret, nf_error *ret_err) {
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
        nf_error_clear(ret_err);
        *ret = &l->base;
        return NF_OK;
}

void nf_session_lan_begin_open(nf_session *s) {
        lan_session *l = lan_of(s);

        nf_error_clear(&s->last_error);
        call_begin(l, LAN_OP_CONNECT, 0, 0, NULL, 0);
        l->began = LAN_OP_CONNECT;
}

void nf_session_lan_begin_request(nf_session *s, const nf_ipmi_req *req) {
        lan_session *l = lan_of(s);
        nf_status r;

        assert(req);
        r = nf_session_request_prepare(s, req->netfn, req->cmd, req->data, req->len, NULL, 0);
        if (r != NF_OK) {
                l->op = LAN_OP_NONE;
                l->status = r;
                l->ended = true;
        } else
                call_begin(l, req->once ? LAN_OP_ONCE : LAN_OP_RAW, req->netfn, req->cmd, req->data, req->len);
        l->netfn = req->netfn;
        l->cmd = req->cmd;
        l->began = req->once ? LAN_OP_ONCE : LAN_OP_RAW;
}

int nf_session_lan_fd(nf_session *s) {
        return nf_lan_link_fd(lan_of(s)->link);
}

uint64_t nf_session_lan_deadline(nf_session *s) {
        lan_session *l = lan_of(s);

        return l->ended ? 0 : nf_lan_link_deadline(l->link);
}

/* True once per ended call. */
static bool take_ended(lan_session *l) {
        bool e = l->ended;

        l->ended = false;
        return e;
}

bool nf_session_lan_on_readable(nf_session *s, uint64_t now_ms) {
        lan_session *l = lan_of(s);

        call_event(l, nf_lan_link_on_readable(l->link, now_ms));
        return take_ended(l);
}

bool nf_session_lan_on_time(nf_session *s, uint64_t now_ms) {
        lan_session *l = lan_of(s);

        if (!l->ended)
                call_event(l, nf_lan_link_on_time(l->link, now_ms));
        return take_ended(l);
}

nf_status nf_session_lan_result(nf_session *s, uint8_t *rsp, size_t rsp_cap, size_t *ret_len) {
        lan_session *l = lan_of(s);

        if (l->began == LAN_OP_CONNECT)
                return nf_session_reopen_finish(s, l->status);
        return nf_session_request_finish(s, l->status, l->netfn, l->cmd, l->rsp, l->rsp_len, rsp, rsp_cap,
                                         ret_len);
}

void nf_session_lan_close_nowait(nf_session *s, uint64_t now_ms) {
        lan_session *l = lan_of(s);

        if (!l->link)
                return;
        if (nf_lan_link_state(l->link) == NF_RMCPP_ACTIVE)
                (void) nf_lan_link_close(l->link, now_ms);
        l->link = nf_lan_link_free(l->link);
}

nf_status nf_session_open_lan(const nf_lan_params *p, nf_session **ret, nf_error *ret_err) {
        nf_session *s;
        nf_status r;

        r = nf_session_new_lan(p, &s, ret_err);
        if (r != NF_OK)
                return r;
        r = lan_connect((lan_session *) s);
        if (r != NF_OK) {
                if (ret_err)
                        *ret_err = s->last_error;
                nf_session_free(s);
                return r;
        }
        *ret = s;
        return NF_OK;
}
