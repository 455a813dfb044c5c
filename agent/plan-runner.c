/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <assert.h>

#include "nf-session-lan.h"
#include "plan-runner.h"

/* Feeds what is known and begins steps until one is on the wire or the
 * plan is done (true). */
static bool advance(nf_plan_runner *r) {
        nf_ipmi_req req;
        nf_step step;

        r->waiting = false;
        while ((step = r->ops->next(r->plan, &req)) != NF_STEP_DONE) {
                if (step == NF_STEP_OPEN && *r->session)
                        r->reopens++;
                if (!nf_session_step_begin(&r->call, r->session, r->lan, r->open_err, step, &req, &r->out)) {
                        r->waiting = true;
                        return false;
                }
                r->ops->feed(r->plan, r->out.status, r->out.err, r->out.rsp, r->out.len);
        }
        return true;
}

bool nf_plan_runner_start(nf_plan_runner *r, const nf_plan_ops *ops, void *plan, nf_session **session,
                          const nf_lan_params *lan, nf_error *open_err) {
        assert(r && ops && plan && session && lan);

        *r = (nf_plan_runner) { .ops = ops, .plan = plan, .session = session, .lan = lan, .open_err = open_err };
        return advance(r);
}

int nf_plan_runner_fd(const nf_plan_runner *r) {
        return r->waiting ? nf_session_lan_fd(*r->session) : -1;
}

uint64_t nf_plan_runner_deadline(const nf_plan_runner *r) {
        return r->waiting ? nf_session_lan_deadline(*r->session) : UINT64_MAX;
}

static bool ended(nf_plan_runner *r) {
        nf_session_step_end(&r->call, &r->out);
        r->ops->feed(r->plan, r->out.status, r->out.err, r->out.rsp, r->out.len);
        return advance(r);
}

bool nf_plan_runner_on_readable(nf_plan_runner *r, uint64_t now_ms) {
        if (!r->waiting || !nf_session_lan_on_readable(*r->session, now_ms))
                return false;
        return ended(r);
}

bool nf_plan_runner_on_time(nf_plan_runner *r, uint64_t now_ms) {
        if (!r->waiting || !nf_session_lan_on_time(*r->session, now_ms))
                return false;
        return ended(r);
}
