/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The IPMI requests of one liveness poll of one host (host-watch.h), sans
 * I/O, in the same shape as action-plan.h: nf_watch_plan_next() says
 * what the session owner does next, nf_watch_plan_feed() takes the
 * outcome, nf_watch_plan_finish() gives the nf_live_poll and what the
 * host keeps for its next poll.
 *
 *   open       when there is no session, or the last poll found it broken
 *   power      Get Chassis Status (a completion code leaves the power
 *              unknown; no answer: the BMC is lost)
 *   watchdog   Get Watchdog Timer (likewise: unknown, or lost)
 *   sel        the first poll: the SEL reader's mark walk, only what
 *              happens from now on is news; later polls: its read walk
 *              from the cursor, visiting OS Critical Stop and the
 *              target's dump records.  A mark that gets no answer marks
 *              the session broken but the poll stands.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "liveness-sm.h"
#include "nf-commands.h"
#include "nf-request.h"
#include "sel-reader.h"

/* What a host keeps between polls. */
typedef struct nf_watch_memory {
        bool session_broken;            /* re-open before the next poll */
        nf_sel_cursor cursor;
        bool cursor_valid;
        bool wd_error_known;            /* Get Watchdog Timer failed; the error says why */
} nf_watch_memory;

typedef enum nf_watch_plan_state {
        NF_WPS_OPEN,
        NF_WPS_POWER,
        NF_WPS_WATCHDOG,
        NF_WPS_SEL,
        NF_WPS_DONE,
        NF_WPS_LOST,                    /* the BMC did not answer: poll reports bmc_ok false */
        _NF_WPS_MAX,
} nf_watch_plan_state;

typedef struct nf_watch_plan {
        nf_watch_plan_state state;
        nf_watch_memory m;
        nf_sel_reader sel;
        nf_live_poll poll;
        bool err_set;                   /* a request of this poll failed: */
        nf_error err;                   /* the last one's error */
        unsigned requests;              /* answered or failed, set-up and retransmissions not counted */
} nf_watch_plan;

/* session_up: there is a session (possibly broken, see m->session_broken). */
/* For nf_session_run_plan() and the plan runner (session-step.h). */
extern const struct nf_plan_ops nf_watch_plan_ops;

void nf_watch_plan_init(nf_watch_plan *p, bool session_up, const nf_watch_memory *m);
nf_step nf_watch_plan_next(const nf_watch_plan *p, nf_ipmi_req *ret_req);
/* As nf_action_plan_feed(). */
void nf_watch_plan_feed(nf_watch_plan *p, nf_status status, const nf_error *err, const uint8_t *rsp,
                        size_t rsp_len);
/* Once NF_STEP_DONE: the poll into *ret, the host's memory into *m, and
 * the error of the poll's last failed request into *ret_err (untouched
 * when none failed).  Returns true when the BMC was lost (ret->bmc_ok
 * false). */
bool nf_watch_plan_finish(const nf_watch_plan *p, nf_live_poll *ret, nf_watch_memory *m, nf_error *ret_err);
