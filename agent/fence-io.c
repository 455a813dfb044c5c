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
        nf_action_plan p;
        unsigned reopens;

        nf_fence_io_plan(io, a, &p);
        reopens = nf_session_run_plan(&io->session, &io->lan, &io->err, &nf_action_plan_ops, &p);
        nf_fence_io_finish(io, &p, reopens, r);
}

void nf_fence_io_done(nf_fence_io *io) {
        io->session = nf_session_free(io->session);
}
