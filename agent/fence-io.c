/* SPDX-License-Identifier: GPL-2.0-or-later */

#include "action-plan.h"
#include "fence-io.h"
#include "session-step.h"

void nf_fence_io_plan(const nf_fence_io *io, const nf_action *a, nf_action_plan *p) {
        nf_action_plan_init(p, a, io->session != NULL, &io->cursor, io->cursor_valid);
}

void nf_fence_io_finish(nf_fence_io *io, const nf_action_plan *p, unsigned reopens, nf_action_result *r) {
        io->reopens += reopens;
        io->cursor = p->cursor;
        io->cursor_valid = p->cursor_valid;
        io->foreign_records += p->foreign_records;
        nf_action_plan_finish(p, r, &io->err);
}

void nf_fence_io_run(nf_fence_io *io, const nf_action *a, nf_action_result *r) {
        unsigned reopens = 0;
        nf_step_outcome o;
        nf_action_plan p;
        nf_ipmi_req req;
        nf_step step;

        nf_fence_io_plan(io, a, &p);
        while ((step = nf_action_plan_next(&p, &req)) != NF_STEP_DONE) {
                if (step == NF_STEP_OPEN && io->session)
                        reopens++;
                nf_session_step(&io->session, &io->lan, &io->err, step, &req, &o);
                nf_action_plan_feed(&p, o.status, o.err, o.rsp, o.len);
        }
        nf_fence_io_finish(io, &p, reopens, r);
}

void nf_fence_io_done(nf_fence_io *io) {
        io->session = nf_session_free(io->session);
}
