/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The owner of one blocking session, running a plan's steps
 * (action-plan.h, watch-plan.h, prior-check.h): NF_STEP_OPEN opens a new
 * session over LAN, or re-opens the one there is; NF_STEP_REQUEST sends
 * the request, once when it says so.  The outcome is what the plan's feed
 * takes.
 */

#include <stddef.h>
#include <stdint.h>

#include "nf-request.h"
#include "nf-session.h"

typedef struct nf_step_outcome {
        nf_status status;
        const nf_error *err;            /* the session's, or *open_err's */
        uint8_t rsp[NF_RSP_MAX];
        size_t len;
} nf_step_outcome;

/* *session may be NULL before an open; a new session's set-up failure is
 * written to *open_err (it has no session to keep it). */
void nf_session_step(nf_session **session, const nf_lan_params *lan, nf_error *open_err, nf_step step,
                     const nf_ipmi_req *req, nf_step_outcome *ret);
