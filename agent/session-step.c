/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <assert.h>

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
