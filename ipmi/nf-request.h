/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * One IPMI request as a value, for the sans-I/O step machines
 * (sel-reader.h, agent/action-plan.h, agent/watch-plan.h): they say which
 * request goes out next and take its reply; whoever owns the session sends
 * it, blocking (nf_session_request) or from an event loop.
 *
 * A reply is handed back as the transport saw it: the status of
 * nf_session_raw / nf_session_raw_once, the error that came with it (its
 * completion code when the status is NF_E_COMPLETION; may be NULL on
 * NF_OK) and the data after the completion code.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nf-error.h"

/* Largest IPMI response accepted: completion code plus data.  IPMI
 * messages are bounded well below this on every transport. */
#define NF_RSP_MAX 272

/* The longest request a step machine sends: Get SEL Entry's 6 bytes. */
#define NF_REQ_DATA_MAX 8

typedef struct nf_ipmi_req {
        uint8_t netfn, cmd;
        uint8_t data[NF_REQ_DATA_MAX];
        size_t len;
        /* Must reach the BMC at most once (Chassis Control: the diag
         * interrupt): sent with nf_session_raw_once, never retransmitted. */
        bool once;
} nf_ipmi_req;

/* A request without data. */
static inline nf_ipmi_req nf_ipmi_req_of(uint8_t netfn, uint8_t cmd) {
        return (nf_ipmi_req) { .netfn = netfn, .cmd = cmd };
}

/* What a step machine asks of whoever owns the session. */
typedef enum nf_step {
        NF_STEP_OPEN,           /* open the session, or re-open the one there is */
        NF_STEP_REQUEST,        /* send the request it gave */
        NF_STEP_DONE,           /* finished: its result can be taken */
} nf_step;

/* The verdict on a reply to netfn/cmd whose data must hold at least
 * min_len bytes: NF_OK, or the failure with *ret_err filled (a copy of
 * err, or an error naming the request when err is NULL or the data is
 * short).  ret_err may be err itself. */
nf_status nf_reply_check(uint8_t netfn, uint8_t cmd, nf_status status, const nf_error *err, size_t rsp_len,
                         size_t min_len, nf_error *ret_err);
