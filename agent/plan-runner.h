/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Runs a plan's steps (action-plan.h, prior-check.h, watch-plan.h) on a
 * host's LAN session from the caller's event loop, the way fence-io.c,
 * prior-check.c and host-watch.c run them blocking: the same step
 * semantics (session-step.h: OPEN opens a new session or re-opens the
 * one there is; a request is sent once when it says so).  The session
 * (*session) belongs to the caller and lives across plans, as a fence's
 * session lives across its actions.
 *
 *   nf_plan_runner_start(&r, &nf_action_plan_ops, &plan, &session, &lan, &err);
 *   until done: poll nf_plan_runner_fd(&r) for input, wake at
 *   nf_plan_runner_deadline(&r), call nf_plan_runner_on_readable/on_time
 *   (true: the plan is at NF_STEP_DONE; take its result).
 */

#include <stdbool.h>
#include <stdint.h>

#include "nf-request.h"
#include "nf-session.h"
#include "session-step.h"

typedef struct nf_plan_runner {
        const nf_plan_ops *ops;
        void *plan;
        nf_session **session;
        const nf_lan_params *lan;
        nf_error *open_err;
        unsigned reopens;               /* OPEN steps on a session there was */
        bool waiting;                   /* a step is on the wire */
        nf_step_call call;
        nf_step_outcome out;
} nf_plan_runner;

/* Runs the plan up to its first step on the wire; true when it is done
 * already (it needed none, or the socket could not be made). */
bool nf_plan_runner_start(nf_plan_runner *r, const nf_plan_ops *ops, void *plan, nf_session **session,
                          const nf_lan_params *lan, nf_error *open_err);
/* While waiting: the session's socket (POLLIN) and when to call
 * on_time; -1 / UINT64_MAX when the plan waits for nothing. */
int nf_plan_runner_fd(const nf_plan_runner *r);
uint64_t nf_plan_runner_deadline(const nf_plan_runner *r);
/* The socket is readable / the deadline passed: true once the plan is
 * done. */
bool nf_plan_runner_on_readable(nf_plan_runner *r, uint64_t now_ms);
bool nf_plan_runner_on_time(nf_plan_runner *r, uint64_t now_ms);
