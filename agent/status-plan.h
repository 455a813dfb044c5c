/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The IPMI requests of `nmifence status` for one host, sans I/O, in the
 * shape of action-plan.h: open a session, Get Chassis Status, the SEL
 * reader's read walk over the whole SEL (the latest armed/disarmed
 * record), Get SEL Info.  nf_status_query() runs it over a blocking
 * session, the fleet's status command from its loop (plan-runner.h).
 */

#include "nf-request.h"
#include "sel-reader.h"
#include "status-cmd.h"

typedef enum nf_status_plan_state {
        NF_SPS_OPEN,
        NF_SPS_POWER,
        NF_SPS_SEL,
        NF_SPS_SEL_INFO,
        NF_SPS_DONE,
        _NF_SPS_MAX,
} nf_status_plan_state;

typedef struct nf_status_plan {
        nf_status_plan_state state;
        const nf_host_conf *h;
        nf_sel_reader sel;
        nf_host_status st;              /* the result, filled as it goes */
        size_t notes_len;
} nf_status_plan;

extern const struct nf_plan_ops nf_status_plan_ops;

void nf_status_plan_init(nf_status_plan *p, const nf_host_conf *h);
nf_step nf_status_plan_next(const nf_status_plan *p, nf_ipmi_req *ret_req);
/* As nf_action_plan_feed(). */
void nf_status_plan_feed(nf_status_plan *p, nf_status status, const nf_error *err, const uint8_t *rsp,
                         size_t rsp_len);
/* Once NF_STEP_DONE: the host's status (readiness worked out). */
void nf_status_plan_finish(nf_status_plan *p, nf_host_status *ret);
