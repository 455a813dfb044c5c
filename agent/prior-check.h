/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The facts about the host that a kept or joined success needs before it
 * may stand for a new request (prior-decision.h): this request's own
 * login, the power state, and the SEL since the operation's last record.
 * One IPMI session, blocking (bounded by the session timeout).
 */

#include "nf-error.h"
#include "nf-session.h"
#include "prior-decision.h"
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

/* Logs in with lan (this request's credentials) and compares the host with
 * what the operation in *st left: its power state, and the SEL records
 * after its cursor.  Fills *ret; never fails otherwise. */
void nf_prior_check(const nf_lan_params *lan, const nf_op_state *st, nf_prior_seen *ret);
