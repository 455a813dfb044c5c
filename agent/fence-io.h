/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Runs one nf_fence action over an IPMI session: its plan (action-plan.h)
 * with blocking requests, each bounded by the session timeout; a fleet
 * runs these on a worker pool (docs/design.md).
 */

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
void nf_fence_io_done(nf_fence_io *io);
