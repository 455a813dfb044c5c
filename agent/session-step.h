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

/* A plan's two calls (action-plan.h, prior-check.h, watch-plan.h,
 * status-plan.h each have a table of them), for the code that runs any
 * plan: nf_session_run_plan() and plan-runner.h. */
typedef struct nf_plan_ops {
        nf_step (*next)(const void *plan, nf_ipmi_req *ret_req);
        void (*feed)(void *plan, nf_status status, const nf_error *err, const uint8_t *rsp, size_t rsp_len);
} nf_plan_ops;

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

/* Runs the plan's steps with nf_session_step() until NF_STEP_DONE.
 * Returns the OPEN steps taken on a session there was (re-opens). */
unsigned nf_session_run_plan(nf_session **session, const nf_lan_params *lan, nf_error *open_err,
                             const nf_plan_ops *ops, void *plan);

/* The same step from the caller's event loop, on a LAN session
 * (nf-session-lan.h).  Begin it; true means the outcome is in *ret
 * already (the socket could not be made).  Otherwise poll *session's fd
 * and deadline until nf_session_lan_on_readable()/_on_time() returns
 * true, then nf_session_step_end() fills *ret as nf_session_step() would
 * have (a new session whose set-up failed is freed, *session NULL). */
typedef struct nf_step_call {
        nf_session **session;
        nf_error *open_err;
        bool fresh;                     /* made by this open */
} nf_step_call;

bool nf_session_step_begin(nf_step_call *c, nf_session **session, const nf_lan_params *lan, nf_error *open_err,
                           nf_step step, const nf_ipmi_req *req, nf_step_outcome *ret);
void nf_session_step_end(nf_step_call *c, nf_step_outcome *ret);
