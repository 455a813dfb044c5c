/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <assert.h>

#include "nf-session-lan.h"
#include "session-step.h"

void nf_session_step(nf_session **session, const nf_lan_params *lan, nf_error *open_err, nf_step step,
                     const nf_ipmi_req *req, nf_step_outcome *ret) {
        assert(session);
        assert(ret);

        ret->len = 0;
        if (step == NF_STEP_REQUEST) {
                assert(req);
                ret->status = nf_session_request(*session, req, ret->rsp, sizeof ret->rsp, &ret->len);
                ret->err = nf_session_last_error(*session);
                return;
        }
        assert(step == NF_STEP_OPEN);
        if (*session) {
                /* A BMC restart or a lost session: same parameters again. */
                ret->status = nf_session_reopen(*session);
                ret->err = nf_session_last_error(*session);
                return;
        }
        ret->status = nf_session_open_lan(lan, session, open_err);
        ret->err = open_err;
}

unsigned nf_session_run_plan(nf_session **session, const nf_lan_params *lan, nf_error *open_err,
                             const nf_plan_ops *ops, void *plan) {
        unsigned reopens = 0;
        nf_step_outcome o;
        nf_ipmi_req req;
        nf_step step;

        while ((step = ops->next(plan, &req)) != NF_STEP_DONE) {
                if (step == NF_STEP_OPEN && *session)
                        reopens++;
                nf_session_step(session, lan, open_err, step, &req, &o);
                ops->feed(plan, o.status, o.err, o.rsp, o.len);
        }
        return reopens;
}

/* The same step from the caller's loop: what nf_session_step() does, as
 * a call on the session begun here and ended by nf_session_step_end(). */
bool nf_session_step_begin(nf_step_call *c, nf_session **session, const nf_lan_params *lan, nf_error *open_err,
                           nf_step step, const nf_ipmi_req *req, nf_step_outcome *ret) {
        assert(c && session && ret);

        *c = (nf_step_call) { .session = session, .open_err = open_err };
        ret->len = 0;
        if (step == NF_STEP_REQUEST) {
                assert(req && *session);
                nf_session_lan_begin_request(*session, req);
                return false;
        }
        assert(step == NF_STEP_OPEN);
        if (!*session) {
                /* nf_session_open_lan() in two halves: the socket now, the
                 * set-up in the loop; a set-up that fails drops the new
                 * session again. */
                ret->status = nf_session_new_lan(lan, session, open_err);
                ret->err = open_err;
                if (ret->status != NF_OK)
                        return true;
                c->fresh = true;
        }
        nf_session_lan_begin_open(*session);
        return false;
}

void nf_session_step_end(nf_step_call *c, nf_step_outcome *ret) {
        nf_session *s = *c->session;

        ret->len = 0;
        ret->status = nf_session_lan_result(s, ret->rsp, sizeof ret->rsp, &ret->len);
        ret->err = nf_session_last_error(s);
        if (!c->fresh || ret->status == NF_OK)
                return;
        if (c->open_err)
                *c->open_err = *nf_session_last_error(s);
        ret->err = c->open_err;
        *c->session = nf_session_free(s);
}
