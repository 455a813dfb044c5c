/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A scripted BMC for the unit tests of the SEL reader and the plans: a
 * SEL of records, a chassis, a watchdog, and failures on request number
 * n.  Pure data, no sockets.  It answers at the transport's level (the
 * completion code first), so the same BMC serves a step machine driven
 * directly and ipmi/'s blocking functions over a session transport built
 * on it (fake_bmc_session).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nf-session.h"
#include "sel-record.h"

#define FAKE_MAX_RECORDS 160
#define FAKE_MAX_LOG 1024

typedef struct fake_req {
        uint8_t netfn, cmd;
        uint8_t data[8];
        size_t len;
        bool once;
} fake_req;

typedef struct fake_bmc {
        uint16_t ids[FAKE_MAX_RECORDS];
        uint8_t recs[FAKE_MAX_RECORDS][NF_SEL_RECORD_SIZE];
        size_t n;
        uint16_t next_id;               /* id of the next record added; 0: start at 1 */
        uint16_t reservation;           /* the valid one; 0: none given yet */
        bool no_reserve;                /* Reserve SEL answers 0xC1 */
        /* Get SEL Info's timestamps: each add or erase stamps its own
         * with `clock`, or, while clock is 0, with one second more than
         * the stamp before (ticks).  ts_unspecified answers FFFFFFFFh for
         * both; overflow sets the overflow flag. */
        uint32_t clock, ticks;
        uint32_t last_add_ts, last_erase_ts;
        bool ts_unspecified, overflow;
        /* Get SEL Info answers as it did the first time (a BMC whose SEL
         * Info is never updated) */
        bool info_stale, info_answered;
        uint8_t info_first[14];
        bool power_on;
        bool wd_short;                  /* Get Watchdog Timer answers 6 bytes */
        /* Request number fail_at (1-based; 0: none) fails: fail_status
         * NF_E_COMPLETION answers fail_cc, others are the transport's. */
        unsigned fail_at;
        nf_status fail_status;
        uint8_t fail_cc;
        unsigned fail_count;            /* fail this many requests from fail_at on (0 = 1) */
        /* Before answering request number cancel_at, the reservation is
         * canceled (as a SEL clear or an entry deletion does). */
        unsigned cancel_at;
        /* Before answering request number off_at, the host posts a record
         * of stage off_stage and powers off (a capture kernel's dump-done
         * and poweroff, between two of the agent's requests). */
        unsigned off_at;
        int off_stage;
        unsigned short_at;              /* request number answered with 1 data byte */
        unsigned n_req;
        fake_req log[FAKE_MAX_LOG];
        unsigned opens;
} fake_bmc;

/* Appends a record; returns its id. */
uint16_t fake_bmc_add_raw(fake_bmc *b, const uint8_t raw[NF_SEL_RECORD_SIZE]);
uint16_t fake_bmc_add_event(fake_bmc *b, const nf_event *ev);
/* A record of the target (dump-event.h). */
uint16_t fake_bmc_add_stage(fake_bmc *b, int stage, uint8_t arg, uint8_t seq);
/* Someone else's system event (a temperature sensor). */
uint16_t fake_bmc_add_foreign(fake_bmc *b);
/* Clear SEL: every record goes, the reservation is canceled; with
 * reuse_ids the next record gets id 1 again. */
void fake_bmc_clear(fake_bmc *b, bool reuse_ids);
/* Delete SEL Entry of the oldest record (the reservation is canceled). */
void fake_bmc_delete_first(fake_bmc *b);

/* One request as a transport sends it: NF_OK with rsp[0] the completion
 * code, or a transport failure (nothing in rsp). */
nf_status fake_bmc_raw(fake_bmc *b, uint8_t netfn, uint8_t cmd, const uint8_t *req, size_t req_len, bool once,
                       uint8_t *rsp, size_t rsp_cap, size_t *ret_len);

/* The same answer as a step machine's feed takes it (nf-request.h):
 * status, error, data after the completion code. */
nf_status fake_bmc_reply(fake_bmc *b, uint8_t netfn, uint8_t cmd, const uint8_t *req, size_t req_len, bool once,
                         nf_error *ret_err, uint8_t *rsp, size_t rsp_cap, size_t *ret_len);

/* An nf_session whose transport is b (freed with nf_session_free). */
nf_session *fake_bmc_session(fake_bmc *b);

/* The number of requests logged with this netfn/cmd. */
unsigned fake_bmc_count(const fake_bmc *b, uint8_t netfn, uint8_t cmd);
