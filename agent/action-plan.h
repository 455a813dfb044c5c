/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The IPMI requests of one nf_fence action (fence-sm.h), sans I/O.  The
 * plan says what the session owner does next and takes the outcome; it
 * produces the nf_action_result the fence machine is fed.  fence-io.c
 * runs it over a blocking session; an event loop can run many at once.
 *
 *   nf_action_plan_init(&p, &action, session_up, &cursor, cursor_valid);
 *   for (;;) switch (nf_action_plan_next(&p, &req)) {
 *   case NF_STEP_OPEN:     (re)open the session;
 *                          nf_action_plan_feed(&p, status, err, NULL, 0);
 *   case NF_STEP_REQUEST:  send req (req.once: never retransmitted);
 *                          nf_action_plan_feed(&p, status, err, rsp, len);
 *   case NF_STEP_DONE:     nf_action_plan_finish(&p, &result, &err_store);
 *                          keep p.cursor, p.cursor_valid; add p.foreign_records
 *   }
 *
 * The requests, per action:
 *   OPEN          the session only
 *   MARK          the SEL reader's mark walk (window "end") or a read walk
 *                 over the whole SEL for the boot boundary (window "boot");
 *                 Get SEL Info (its failure leaves the space unknown);
 *                 Get Chassis Status
 *   DIAG          Chassis Control 04h, once
 *   CONTROL       Chassis Control ctl (once when ctl is the diag)
 *   POWER_STATUS  Get Chassis Status
 *   POLL          Get Chassis Status (its failure leaves the power
 *                 unknown), then the SEL reader's read walk from the cursor
 *   WAIT/FINISHED nothing
 * Any action but OPEN without a session is NF_E_SESSION_LOST at once.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fence-sm.h"
#include "nf-commands.h"
#include "nf-request.h"
#include "sel-reader.h"

typedef enum nf_plan_state {
        NF_PS_OPEN,
        NF_PS_MARK_SEL,         /* the SEL reader: last record or boot boundary */
        NF_PS_MARK_POWER,       /* Get Chassis Status */
        NF_PS_CONTROL,          /* Chassis Control */
        NF_PS_POWER,            /* Get Chassis Status */
        NF_PS_POLL_SEL,         /* the SEL reader from the cursor */
        NF_PS_POLL_POWER,       /* no stage record: Get Chassis Status; a failure is not fatal */
        NF_PS_POLL_SEL_OFF,     /* seen off: the SEL again, for what came before the off */
        NF_PS_DONE,
        _NF_PS_MAX,
} nf_plan_state;

typedef struct nf_action_plan {
        nf_action action;
        nf_plan_state state;
        nf_ipmi_req control;            /* NF_PS_CONTROL's request */
        nf_sel_reader sel;
        /* The host's SEL position: given at init, moved by MARK and POLL
         * (also by a POLL that fails part way: the records it read are in
         * the result). */
        nf_sel_cursor cursor;
        bool cursor_valid;
        unsigned foreign_records;       /* SEL records read that are not ours */
        /* MARK from the boot: the latest armed/disarmed record so far;
         * reported once the walk succeeded. */
        bool boot_found;
        nf_stage_msg boot_boundary;
        uint16_t boot_id;
        nf_action_result res;           /* res.error: see nf_action_plan_finish() */
        nf_error err;
} nf_action_plan;

/* session_up: the session exists (actions but OPEN need it); cursor and
 * cursor_valid: the host's SEL position so far. */
/* For nf_session_run_plan() and the plan runner (session-step.h). */
extern const struct nf_plan_ops nf_action_plan_ops;

void nf_action_plan_init(nf_action_plan *p, const nf_action *a, bool session_up, const nf_sel_cursor *cursor,
                         bool cursor_valid);
/* What to do next; *ret_req is set for NF_STEP_REQUEST only. */
nf_step nf_action_plan_next(const nf_action_plan *p, nf_ipmi_req *ret_req);
/* The outcome of the open or of the request (nf-request.h): status, the
 * error that came with it (NULL allowed on NF_OK), the response data after
 * the completion code. */
void nf_action_plan_feed(nf_action_plan *p, nf_status status, const nf_error *err, const uint8_t *rsp,
                         size_t rsp_len);
/* Once NF_STEP_DONE: the action's result into *ret; on failure the error
 * is copied to *ret_err and ret->error points at it (ret_err untouched on
 * success). */
void nf_action_plan_finish(const nf_action_plan *p, nf_action_result *ret, nf_error *ret_err);
