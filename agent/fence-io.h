/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Runs one nf_fence action over an IPMI session: its plan (action-plan.h)
 * with blocking requests, each bounded by the session timeout.  A fleet
 * runs the same plan from its event loop (plan-runner.h) between
 * nf_fence_io_plan() and nf_fence_io_finish() (docs/design.md).
 */

#include "action-plan.h"
#include "fence-sm.h"
#include "nf-commands.h"
#include "nf-session.h"

typedef struct nf_fence_io {
        nf_lan_params lan;              /* borrowed strings */
        nf_session *session;
        nf_sel_cursor cursor;
        bool cursor_valid;
        nf_error err;                   /* of the last failed action */
        unsigned reopens;
        unsigned foreign_records;       /* SEL records that are not ours */
        unsigned ignored_records;       /* ours but malformed or stray */
} nf_fence_io;

void nf_fence_io_run(nf_fence_io *io, const nf_action *a, nf_action_result *ret);
/* The action's plan on io's session and SEL position, and its end: the
 * position moved, the counters, the result (reopens: OPEN steps on a
 * session there was). */
void nf_fence_io_plan(const nf_fence_io *io, const nf_action *a, nf_action_plan *p);
void nf_fence_io_finish(nf_fence_io *io, const nf_action_plan *p, unsigned reopens, nf_action_result *ret);
void nf_fence_io_done(nf_fence_io *io);
