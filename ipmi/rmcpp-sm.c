/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The RMCP+ session engine's states and clock (rmcpp-sm.h): which message
 * goes out when, which reply moves the session on, and when waiting ends.
 * What a message looks like and whether a datagram answers it live in
 * rmcpp-sm-setup.c and rmcpp-sm-msg.c.
 */

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <freeipmi/freeipmi.h>

#include "rmcpp-sm-internal.h"

#define RMCPP_DEFAULT_SESSION_TIMEOUT_MS 20000
#define RMCPP_DEFAULT_RETRANSMIT_TIMEOUT_MS 1000
/* Copies of RAKP 3 sent before the set-up starts again from Open Session
 * (see rmcpp_tick_due). */
#define RMCPP_RAKP3_COPIES 2

static const char *const state_str[_NF_RMCPP_STATE_MAX] = {
        [NF_RMCPP_IDLE] = "idle",
        [NF_RMCPP_AUTH_CAPS] = "get-channel-auth-caps",
        [NF_RMCPP_OPEN_SESSION] = "open-session",
        [NF_RMCPP_RAKP1] = "rakp1",
        [NF_RMCPP_RAKP3] = "rakp3",
        [NF_RMCPP_SET_PRIV] = "set-session-privilege",
        [NF_RMCPP_ACTIVE] = "active",
        [NF_RMCPP_REQUEST] = "request",
        [NF_RMCPP_CLOSING] = "closing",
        [NF_RMCPP_CLOSED] = "closed",
        [NF_RMCPP_FAILED] = "failed",
};

const char *nf_rmcpp_state_str(nf_rmcpp_state st) {
        if ((unsigned) st >= _NF_RMCPP_STATE_MAX)
                return "unknown";
        return state_str[st];
}

/* The one place retransmission timing is decided: copy `copies` (1 = the
 * first) waits retransmit_timeout_ms * (1 + (copies - 1) / 2) for its
 * reply, the backoff of libfreeipmi and ipmipower (backoff count 2):
 * 1, 1, 2, 2, 3, 3 ... times the timeout. */
uint64_t nf_rmcpp_retransmit_wait(unsigned retransmit_timeout_ms, unsigned copies) {
        unsigned n = copies ? copies - 1 : 0;

        return (uint64_t) retransmit_timeout_ms * (1u + n / 2u);
}

static bool state_is_setup(nf_rmcpp_state st) {
        return st == NF_RMCPP_AUTH_CAPS || st == NF_RMCPP_OPEN_SESSION || st == NF_RMCPP_RAKP1 ||
               st == NF_RMCPP_RAKP3 || st == NF_RMCPP_SET_PRIV;
}

static bool state_waits(nf_rmcpp_state st) {
        return state_is_setup(st) || st == NF_RMCPP_REQUEST || st == NF_RMCPP_CLOSING;
}

/* Every transition goes through here (no logging: the caller sees the
 * state and the events). */
static void set_state(nf_rmcpp *s, nf_rmcpp_state st) {
        s->state = st;
        if (!state_waits(st)) {
                s->next_send = UINT64_MAX;
                s->deadline = UINT64_MAX;
        }
}

static void wipe_keys(nf_rmcpp *s) {
        explicit_bzero(s->sik, sizeof(s->sik));
        explicit_bzero(s->k1, sizeof(s->k1));
        explicit_bzero(s->k2, sizeof(s->k2));
        explicit_bzero(s->kex_code, sizeof(s->kex_code));
        explicit_bzero(s->rc_random, sizeof(s->rc_random));
        explicit_bzero(s->ms_random, sizeof(s->ms_random));
        s->sik_p = s->k1_p = s->k2_p = NULL;
        s->sik_len = s->k1_len = s->k2_len = s->kex_code_len = 0;
}

/* The message of the current state, filled into s->netfn/cmd/req for
 * those sent inside the session. */
static nf_status build_copy(nf_rmcpp *s) {
        switch (s->state) {
        case NF_RMCPP_AUTH_CAPS:
                return rmcpp_build_auth_caps(s);
        case NF_RMCPP_OPEN_SESSION:
                return rmcpp_build_open_session(s);
        case NF_RMCPP_RAKP1:
                return rmcpp_build_rakp1(s);
        case NF_RMCPP_RAKP3:
                return rmcpp_build_rakp3(s);
        case NF_RMCPP_SET_PRIV:
        case NF_RMCPP_REQUEST:
        case NF_RMCPP_CLOSING:
                return rmcpp_build_request(s);
        default:
                assert(false);
                return nf_error_set(&s->err, NF_E_INTERNAL, 0, 0, "no message in this state");
        }
}

/* How long a request waits for its reply.  A request that is sent again
 * has the whole session timeout for its copies.  One sent once waits as
 * long as an ordinary request waits for its first two copies' replies,
 * never longer than the session timeout: a reply that has not come by
 * then is treated as lost, and what the request did is settled from the
 * SEL and the power state by the caller (a later reply is dropped as
 * stale); waiting out the session timeout would only delay that. */
static uint64_t request_bound(const nf_rmcpp *s, bool once) {
        uint64_t w;

        if (!once)
                return s->session_timeout_ms;
        w = nf_rmcpp_retransmit_wait(s->retransmit_timeout_ms, 1) +
            nf_rmcpp_retransmit_wait(s->retransmit_timeout_ms, 2);
        return w < s->session_timeout_ms ? w : s->session_timeout_ms;
}

/* Queues the next copy of the current message and arms its retransmit. */
static nf_status send_copy(nf_rmcpp *s, uint64_t now) {
        nf_status st;

        s->copies++;
        st = build_copy(s);
        if (st != NF_OK)
                return st;
        if (s->copies == 1)
                s->first_rq_seq = s->rq_seq;
        else if (state_is_setup(s->state))
                s->stats.setup_retransmits++;
        else
                s->stats.retransmits++;
        if (s->once || s->copies >= RMCPP_MAX_COPIES)
                s->next_send = UINT64_MAX;
        else
                s->next_send = now + nf_rmcpp_retransmit_wait(s->retransmit_timeout_ms, s->copies);
        return NF_OK;
}

/* A new message in state `st`, first copy out now. */
static nf_status begin(nf_rmcpp *s, nf_rmcpp_state st, uint64_t now) {
        set_state(s, st);
        s->copies = 0;
        if (state_is_setup(st))
                s->deadline = s->setup_deadline;
        return send_copy(s, now);
}

/* Nothing more to send or wait for: the keys go, and so does a copy the
 * caller has not taken. */
static nf_rmcpp_event finish(nf_rmcpp *s, nf_rmcpp_state st, nf_rmcpp_event ev) {
        s->out_len = 0;
        wipe_keys(s);
        set_state(s, st);
        return ev;
}

static nf_rmcpp_event fail_setup(nf_rmcpp *s) {
        return finish(s, NF_RMCPP_FAILED, NF_RMCPP_EV_OPEN_FAILED);
}

static nf_rmcpp_event fail_request(nf_rmcpp *s) {
        return finish(s, NF_RMCPP_FAILED, NF_RMCPP_EV_REQUEST_FAILED);
}

static nf_rmcpp_event closed(nf_rmcpp *s) {
        return finish(s, NF_RMCPP_CLOSED, NF_RMCPP_EV_CLOSED);
}

/* A new remote console session ID (0 is special in IPMI 2.0) and a
 * random first message tag, so that replies to an abandoned set-up
 * never match this one. */
static nf_status new_setup_ids(nf_rmcpp *s) {
        do {
                if (ipmi_get_random(&s->console_sid, sizeof(s->console_sid)) < 0)
                        return nf_error_set(&s->err, NF_E_INTERNAL, 0, 0, "ipmi_get_random failed");
        } while (!s->console_sid);
        if (ipmi_get_random(&s->tag, sizeof(s->tag)) < 0 ||
            ipmi_get_random(&s->rq_seq, sizeof(s->rq_seq)) < 0)
                return nf_error_set(&s->err, NF_E_INTERNAL, 0, 0, "ipmi_get_random failed");
        s->bmc_sid = 0;
        s->out_seq = 0;
        s->in_highest = 0;
        s->in_list = 0;
        return NF_OK;
}

/* RAKP 4 was lost after RAKP 3 reached the BMC (or a copy of RAKP 3 was
 * answered for a session the BMC has already activated): that session
 * can never be completed, so a new one is set up from Open Session with
 * a new console session ID, within the same set-up bound. */
static nf_rmcpp_event restart_setup(nf_rmcpp *s, uint64_t now) {
        s->stats.setup_restarts++;
        wipe_keys(s);
        if (new_setup_ids(s) != NF_OK || begin(s, NF_RMCPP_OPEN_SESSION, now) != NF_OK)
                return fail_setup(s);
        return NF_RMCPP_EV_NONE;
}

nf_status nf_rmcpp_new(const nf_lan_params *p, nf_rmcpp **ret, nf_error *ret_err) {
        uint8_t auth, integ, conf;
        nf_rmcpp *s;

        if (!p || !ret)
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0, "no parameters or output pointer");
        if (p->cipher_suite != 3 && p->cipher_suite != 8 && p->cipher_suite != 12 && p->cipher_suite != 17)
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0, "cipher suite must be 3, 8, 12 or 17");
        if (ipmi_cipher_suite_id_to_algorithms(p->cipher_suite, &auth, &integ, &conf) < 0)
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0, "unknown cipher suite");
        if (p->user && strlen(p->user) > RMCPP_MAX_USER)
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0, "user name longer than 16 bytes");
        if (p->password && strlen(p->password) > RMCPP_MAX_PASSWORD)
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0, "password longer than 20 bytes");
        if (p->k_g_len > RMCPP_KG_LEN || (p->k_g_len > 0 && !p->k_g))
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0, "K_g longer than 20 bytes");
        if (p->privilege != 0 && p->privilege != NF_PRIV_USER && p->privilege != NF_PRIV_OPERATOR &&
            p->privilege != NF_PRIV_ADMIN)
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0, "unknown privilege level");

        /* libgcrypt must be initialised before libfreeipmi hashes or
         * encrypts anything; repeating it is harmless, and the engine runs
         * in one thread. */
        if (ipmi_rmcpplus_init() < 0)
                return nf_error_set(ret_err, NF_E_INTERNAL, 0, 0, "ipmi_rmcpplus_init: crypto library unusable");
        s = calloc(1, sizeof(*s));
        if (!s)
                return nf_error_set(ret_err, NF_E_NOMEM, 0, 0, NULL);
        if (p->user)
                memcpy(s->user, p->user, strlen(p->user));
        if (p->password) {
                s->password_len = strlen(p->password);
                memcpy(s->password, p->password, s->password_len);
        }
        if (p->k_g_len > 0) {
                memcpy(s->k_g, p->k_g, p->k_g_len);
                s->k_g_set = true;
        }
        s->cipher_suite = p->cipher_suite;
        s->auth_alg = auth;
        s->integ_alg = integ;
        s->conf_alg = conf;
        s->privilege = p->privilege ? (uint8_t) p->privilege : NF_PRIV_OPERATOR;
        s->workarounds = p->workaround_flags;
        s->scratch = p->scratch;
        s->session_timeout_ms = p->session_timeout_ms ? p->session_timeout_ms : RMCPP_DEFAULT_SESSION_TIMEOUT_MS;
        s->retransmit_timeout_ms = p->retransmit_timeout_ms ? p->retransmit_timeout_ms
                                                            : RMCPP_DEFAULT_RETRANSMIT_TIMEOUT_MS;
        set_state(s, NF_RMCPP_IDLE);
        nf_error_clear(ret_err);
        *ret = s;
        return NF_OK;
}

nf_rmcpp *nf_rmcpp_free(nf_rmcpp *s) {
        if (!s)
                return NULL;
        explicit_bzero(s, sizeof(*s));
        free(s);
        return NULL;
}

nf_status nf_rmcpp_open(nf_rmcpp *s, uint64_t now_ms) {
        if (!s)
                return NF_E_INVALID_ARG;
        if (s->state != NF_RMCPP_IDLE && s->state != NF_RMCPP_CLOSED && s->state != NF_RMCPP_FAILED &&
            s->state != NF_RMCPP_ACTIVE)
                return nf_error_set(&s->err, NF_E_INVALID_ARG, 0, 0, "a set-up or request is under way");
        nf_error_clear(&s->err);
        wipe_keys(s);
        s->out_len = 0;
        s->once = false;
        s->stats.setups++;
        s->setup_deadline = now_ms + s->session_timeout_ms;
        if (new_setup_ids(s) != NF_OK || begin(s, NF_RMCPP_AUTH_CAPS, now_ms) != NF_OK) {
                fail_setup(s);
                return s->err.status;
        }
        return NF_OK;
}

nf_status nf_rmcpp_request(nf_rmcpp *s, uint8_t netfn, uint8_t cmd,
                           const uint8_t *req, size_t req_len, bool once, uint64_t now_ms) {
        if (!s || (req_len && !req) || req_len > RMCPP_REQ_MAX)
                return NF_E_INVALID_ARG;
        if (s->state != NF_RMCPP_ACTIVE)
                return nf_error_set(&s->err, NF_E_INVALID_ARG, netfn, cmd, "session not active");
        nf_error_clear(&s->err);
        s->stats.requests++;
        s->netfn = netfn;
        s->cmd = cmd;
        if (req_len)
                memcpy(s->req, req, req_len);
        s->req_len = req_len;
        s->once = once;
        s->rsp_len = 0;
        s->deadline = now_ms + request_bound(s, once);
        if (begin(s, NF_RMCPP_REQUEST, now_ms) != NF_OK) {
                fail_request(s);
                return s->err.status;
        }
        return NF_OK;
}

/* Fills s->netfn/cmd/req from a libfreeipmi command object: the command
 * byte, then its data. */
static nf_status load_cmd(nf_rmcpp *s, uint8_t netfn, fiid_obj_t obj) {
        uint8_t buf[RMCPP_REQ_MAX + 1];
        int n = fiid_obj_get_all(obj, buf, sizeof(buf));

        if (n < 1)
                return nf_error_set(&s->err, NF_E_INTERNAL, 0, 0, "fiid_obj_get_all failed");
        s->netfn = netfn;
        s->cmd = buf[0];
        s->req_len = (size_t) n - 1;
        memcpy(s->req, buf + 1, s->req_len);
        return NF_OK;
}

nf_status nf_rmcpp_close(nf_rmcpp *s, uint64_t now_ms) {
        fiid_obj_t obj;
        nf_status st;

        if (!s)
                return NF_E_INVALID_ARG;
        if (s->state != NF_RMCPP_ACTIVE) {
                closed(s);
                return NF_OK;
        }
        obj = fiid_obj_create(tmpl_cmd_close_session_rq);
        if (!obj || fill_cmd_close_session(s->bmc_sid, NULL, obj) < 0)
                st = nf_error_set(&s->err, NF_E_INTERNAL, 0, 0, "fill_cmd_close_session failed");
        else
                st = load_cmd(s, IPMI_NET_FN_APP_RQ, obj);
        fiid_obj_destroy(obj);
        /* Close Session is sent once: a BMC that closed the session on the
         * first copy answers a second one with "invalid session" at best
         * (libfreeipmi skips its retransmission too). */
        s->once = true;
        s->deadline = now_ms + s->session_timeout_ms;
        if (st != NF_OK || begin(s, NF_RMCPP_CLOSING, now_ms) != NF_OK)
                closed(s);
        return NF_OK;
}

/* Set Session Privilege Level, the last step of the set-up, is the first
 * message inside the session.  libfreeipmi sends it even for the user
 * level, which should be the default ("I don't trust IPMI
 * implementations"); so do we. */
static nf_rmcpp_event begin_set_priv(nf_rmcpp *s, uint64_t now) {
        fiid_obj_t obj = fiid_obj_create(tmpl_cmd_set_session_privilege_level_rq);
        nf_status st;

        if (!obj || fill_cmd_set_session_privilege_level(s->privilege, obj) < 0)
                st = nf_error_set(&s->err, NF_E_INTERNAL, 0, 0, "fill_cmd_set_session_privilege_level failed");
        else
                st = load_cmd(s, IPMI_NET_FN_APP_RQ, obj);
        fiid_obj_destroy(obj);
        s->once = false;
        if (st != NF_OK || begin(s, NF_RMCPP_SET_PRIV, now) != NF_OK)
                return fail_setup(s);
        return NF_RMCPP_EV_NONE;
}

static nf_rmcpp_event set_priv_answered(nf_rmcpp *s) {
        uint8_t cc = s->rsp[0];
        char detail[sizeof(s->err.detail)];

        if (cc == 0x00) {
                s->setup_done = true;
                set_state(s, NF_RMCPP_ACTIVE);
                return NF_RMCPP_EV_OPENED;
        }
        if (cc == IPMI_COMP_CODE_SET_SESSION_PRIVILEGE_LEVEL_REQUESTED_LEVEL_NOT_AVAILABLE_FOR_USER ||
            cc == IPMI_COMP_CODE_SET_SESSION_PRIVILEGE_LEVEL_REQUESTED_LEVEL_EXCEEDS_USER_PRIVILEGE_LIMIT)
                nf_error_set(&s->err, NF_E_PRIVILEGE, 0, 0, NULL);
        else {
                snprintf(detail, sizeof(detail), "Set Session Privilege Level: completion code 0x%02X (%s)",
                         cc, nf_cc_str(cc));
                nf_error_set(&s->err, NF_E_AUTH, 0, 0, detail);
        }
        return fail_setup(s);
}

/* A set-up reply the state accepted: on to the next step. */
static nf_rmcpp_event setup_step(nf_rmcpp *s, uint64_t now) {
        nf_rmcpp_state next;

        switch (s->state) {
        case NF_RMCPP_AUTH_CAPS:
                next = NF_RMCPP_OPEN_SESSION;
                break;
        case NF_RMCPP_OPEN_SESSION:
                next = NF_RMCPP_RAKP1;
                break;
        case NF_RMCPP_RAKP1:
                next = NF_RMCPP_RAKP3;
                break;
        case NF_RMCPP_RAKP3:
                return begin_set_priv(s, now);
        case NF_RMCPP_SET_PRIV:
                return set_priv_answered(s);
        default:
                assert(false);
                return NF_RMCPP_EV_NONE;
        }
        if (begin(s, next, now) != NF_OK)
                return fail_setup(s);
        return NF_RMCPP_EV_NONE;
}

static rmcpp_verdict check(nf_rmcpp *s, const uint8_t *pkt, size_t len) {
        switch (s->state) {
        case NF_RMCPP_AUTH_CAPS:
                return rmcpp_check_auth_caps(s, pkt, len);
        case NF_RMCPP_OPEN_SESSION:
                return rmcpp_check_open_session(s, pkt, len);
        case NF_RMCPP_RAKP1:
                return rmcpp_check_rakp2(s, pkt, len);
        case NF_RMCPP_RAKP3:
                return rmcpp_check_rakp4(s, pkt, len);
        case NF_RMCPP_SET_PRIV:
        case NF_RMCPP_REQUEST:
        case NF_RMCPP_CLOSING:
                return rmcpp_check_response(s, pkt, len);
        default:
                /* Nothing is awaited: a late or duplicated reply. */
                return RMCPP_STALE;
        }
}

nf_rmcpp_event nf_rmcpp_receive(nf_rmcpp *s, const uint8_t *pkt, size_t len, uint64_t now_ms) {
        if (!s || !pkt)
                return NF_RMCPP_EV_NONE;
        s->stats.datagrams_received++;
        switch (check(s, pkt, len)) {
        case RMCPP_STALE:
                s->stats.dropped_stale++;
                return NF_RMCPP_EV_NONE;
        case RMCPP_BAD:
                s->stats.dropped_bad++;
                return NF_RMCPP_EV_NONE;
        case RMCPP_FAIL:
                return fail_setup(s);
        case RMCPP_RESTART:
                return restart_setup(s, now_ms);
        case RMCPP_TAKE:
                break;
        }
        if (state_is_setup(s->state))
                return setup_step(s, now_ms);
        if (s->state == NF_RMCPP_CLOSING)
                return closed(s);
        assert(s->state == NF_RMCPP_REQUEST);
        set_state(s, NF_RMCPP_ACTIVE);
        return NF_RMCPP_EV_RESPONSE;
}

static const char *setup_step_str(nf_rmcpp_state st) {
        switch (st) {
        case NF_RMCPP_AUTH_CAPS:
                return "no answer to Get Channel Authentication Capabilities";
        case NF_RMCPP_OPEN_SESSION:
                return "no answer to the RMCP+ Open Session Request";
        case NF_RMCPP_RAKP1:
                return "no answer to RAKP message 1";
        case NF_RMCPP_RAKP3:
                return "no answer to RAKP message 3";
        default:
                return "no answer to Set Session Privilege Level";
        }
}

/* The bound of the message in flight has passed. */
static nf_rmcpp_event expire(nf_rmcpp *s) {
        if (state_is_setup(s->state)) {
                nf_error_set(&s->err, NF_E_TIMEOUT, 0, 0, setup_step_str(s->state));
                return fail_setup(s);
        }
        if (s->state == NF_RMCPP_CLOSING)
                return closed(s);
        assert(s->state == NF_RMCPP_REQUEST);
        if (!s->once)
                nf_error_set(&s->err, NF_E_SESSION_LOST, s->netfn, s->cmd, NULL);
        else if (s->out_len)
                /* The caller never took the only copy: it never left. */
                nf_error_set(&s->err, NF_E_NOT_SENT, s->netfn, s->cmd, "the request was never handed over");
        else
                nf_error_set(&s->err, NF_E_REPLY_LOST, s->netfn, s->cmd, NULL);
        return fail_request(s);
}

nf_rmcpp_event nf_rmcpp_tick(nf_rmcpp *s, uint64_t now_ms) {
        if (!s || !state_waits(s->state))
                return NF_RMCPP_EV_NONE;
        if (now_ms >= s->deadline)
                return expire(s);
        if (now_ms < s->next_send)
                return NF_RMCPP_EV_NONE;
        /* No RAKP 4 for RAKP 3's copies: the BMC may have activated the
         * session on one whose RAKP 4 was lost, and some BMCs then never
         * answer again; start over rather than wait out the bound. */
        if (s->state == NF_RMCPP_RAKP3 && s->copies >= RMCPP_RAKP3_COPIES)
                return restart_setup(s, now_ms);
        if (send_copy(s, now_ms) != NF_OK)
                return state_is_setup(s->state) ? fail_setup(s) : fail_request(s);
        return NF_RMCPP_EV_NONE;
}

uint64_t nf_rmcpp_deadline(const nf_rmcpp *s) {
        if (!s || !state_waits(s->state))
                return UINT64_MAX;
        return s->next_send < s->deadline ? s->next_send : s->deadline;
}

size_t nf_rmcpp_take_datagram(nf_rmcpp *s, uint8_t *buf, size_t cap) {
        size_t n;

        if (!s || !buf || !s->out_len || cap < s->out_len)
                return 0;
        n = s->out_len;
        memcpy(buf, s->out, n);
        s->out_len = 0;
        s->stats.datagrams_sent++;
        return n;
}

nf_rmcpp_state nf_rmcpp_get_state(const nf_rmcpp *s) {
        return s ? s->state : NF_RMCPP_FAILED;
}

const uint8_t *nf_rmcpp_response(const nf_rmcpp *s, size_t *ret_len) {
        if (!s || !s->rsp_len) {
                if (ret_len)
                        *ret_len = 0;
                return NULL;
        }
        if (ret_len)
                *ret_len = s->rsp_len;
        return s->rsp;
}

const nf_error *nf_rmcpp_error(const nf_rmcpp *s) {
        return s ? &s->err : NULL;
}

void nf_rmcpp_get_stats(const nf_rmcpp *s, nf_rmcpp_stats *ret) {
        if (!ret)
                return;
        if (!s) {
                memset(ret, 0, sizeof(*ret));
                return;
        }
        *ret = s->stats;
}
