/* SPDX-License-Identifier: GPL-2.0-or-later */

#include "action-plan.h"
#include "fence-io.h"

/* The session for NF_PLAN_OPEN: a new one, or the same parameters again
 * after a BMC restart or a lost session.  *ret_err: why it failed. */
static nf_status open_session(nf_fence_io *io, const nf_error **ret_err) {
        nf_status s;

        if (io->session) {
                io->reopens++;
                s = nf_session_reopen(io->session);
                *ret_err = nf_session_last_error(io->session);
                return s;
        }
        s = nf_session_open_lan(&io->lan, &io->session, &io->err);
        *ret_err = &io->err;
        return s;
}

void nf_fence_io_run(nf_fence_io *io, const nf_action *a, nf_action_result *r) {
        uint8_t rsp[NF_RSP_MAX];
        const nf_error *err;
        nf_action_plan p;
        nf_ipmi_req req;
        size_t len;
        nf_status s;

        nf_action_plan_init(&p, a, io->session != NULL, &io->cursor, io->cursor_valid);
        for (;;) {
                switch (nf_action_plan_next(&p, &req)) {
                case NF_PLAN_OPEN:
                        s = open_session(io, &err);
                        nf_action_plan_feed(&p, s, err, NULL, 0);
                        break;
                case NF_PLAN_REQUEST:
                        len = 0;
                        s = nf_session_request(io->session, &req, rsp, sizeof rsp, &len);
                        nf_action_plan_feed(&p, s, nf_session_last_error(io->session), rsp, len);
                        break;
                case NF_PLAN_DONE:
                        io->cursor = p.cursor;
                        io->cursor_valid = p.cursor_valid;
                        io->foreign_records += p.foreign_records;
                        nf_action_plan_finish(&p, r, &io->err);
                        return;
                }
        }
}

void nf_fence_io_done(nf_fence_io *io) {
        io->session = nf_session_free(io->session);
}
