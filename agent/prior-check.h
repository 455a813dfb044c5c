/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The facts about the host that a kept or joined success needs before it
 * may stand for a new request (prior-decision.h): this request's own
 * login, the power state, and the SEL since the operation's last record.
 *
 * The requests are a step machine, sans I/O, in the shape of
 * action-plan.h: open a session (this request's credentials), Get
 * Chassis Status, then, when the operation kept a SEL position, the SEL
 * reader's read walk from it.  nf_prior_check() runs it over one blocking
 * session (bounded by the session timeout).
 */

#include "nf-error.h"
#include "nf-request.h"
#include "nf-session.h"
#include "prior-decision.h"
#include "sel-reader.h"
#include "target-lock.h"

typedef struct nf_prior_seen {
        nf_prior_login login;
        nf_prior_power power;
        nf_prior_sel sel;
        nf_error error;                 /* the login's failure, when it failed */
        /* what made sel LIFE or GONE, for the log */
        unsigned newer_records;         /* records of the host after the operation's last */
        char life[96];                  /* the first of them, e.g. "armed (seq 0), SEL record 7" */
} nf_prior_seen;

typedef enum nf_prior_plan_state {
        NF_PPS_OPEN,
        NF_PPS_POWER,
        NF_PPS_SEL,
        NF_PPS_DONE,
        _NF_PPS_MAX,
} nf_prior_plan_state;

typedef struct nf_prior_plan {
        nf_prior_plan_state state;
        /* what the operation left (nf_op_state) */
        bool power_on;
        bool cursor_valid;
        nf_sel_cursor cursor;
        nf_sel_reader sel;
        nf_prior_seen seen;
} nf_prior_plan;

/* For nf_session_run_plan() and the plan runner (session-step.h). */
extern const struct nf_plan_ops nf_prior_plan_ops;

void nf_prior_plan_init(nf_prior_plan *p, const nf_op_state *st);
nf_step nf_prior_plan_next(const nf_prior_plan *p, nf_ipmi_req *ret_req);
/* As nf_action_plan_feed(). */
void nf_prior_plan_feed(nf_prior_plan *p, nf_status status, const nf_error *err, const uint8_t *rsp,
                        size_t rsp_len);

/* Logs in with lan (this request's credentials) and compares the host with
 * what the operation in *st left: its power state, and the SEL records
 * after its cursor.  Fills *ret; never fails otherwise. */
void nf_prior_check(const nf_lan_params *lan, const nf_op_state *st, nf_prior_seen *ret);
