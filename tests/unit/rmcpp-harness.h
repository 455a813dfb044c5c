/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The RMCP+ engine (ipmi/rmcpp-sm.h) wired to the test BMC (test-bmc.h)
 * on a virtual monotonic clock, for the engine's unit tests and fuzzer:
 * datagrams pass both ways in order, and time jumps to the engine's next
 * deadline when nothing is in flight.
 */

#include <stdbool.h>
#include <stdint.h>

#include "rmcpp-sm.h"
#include "test-bmc.h"

typedef struct rh {
        nf_rmcpp *s;
        tbmc *b;
        uint64_t now;                   /* virtual CLOCK_MONOTONIC, ms */
        unsigned events[_NF_RMCPP_EV_MAX];
        unsigned to_bmc, to_console;    /* datagrams carried */
} rh;

/* Both sides; the engine from p (user/password/cipher ...), the BMC from c. */
void rh_init(rh *h, const nf_lan_params *p, const tbmc_config *c);
/* Both sides with rh_params(cipher_suite) and rh_bmc_config(). */
void rh_init_default(rh *h, uint8_t cipher_suite);
void rh_done(rh *h);

/* Carries datagrams until none is in flight; the last event, if any. */
nf_rmcpp_event rh_pump(rh *h);
/* Pumps and advances the clock deadline by deadline until the event
 * `want` or any failure/close event happens, or `limit_ms` of virtual
 * time has passed (then NF_RMCPP_EV_NONE). */
nf_rmcpp_event rh_run(rh *h, nf_rmcpp_event want, uint64_t limit_ms);

/* nf_rmcpp_open + rh_run(OPENED). */
nf_rmcpp_event rh_open(rh *h);
/* nf_rmcpp_request + rh_run(RESPONSE). */
nf_rmcpp_event rh_request(rh *h, uint8_t netfn, uint8_t cmd, const uint8_t *data, size_t len, bool once);

/* The fiid object cache every harness session shares (nf_lan_params). */
nf_rmcpp_cache *rh_cache(void);
/* Default parameters: user "admin", password "tb-Secret9", suite 3,
 * operator, 1 s retransmit, 10 s bound, rh_cache(). */
nf_lan_params rh_params(uint8_t cipher_suite);
tbmc_config rh_bmc_config(void);
