/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The engine and the test BMC on a virtual clock (rmcpp-harness.h). */

#include <stdlib.h>
#include <string.h>

#include "rmcpp-harness.h"

nf_rmcpp_cache *rh_cache(void) {
        /* One for the process, as a program's loop has one: every
         * session of every test shares it, each test's sessions after the
         * last's. */
        static nf_rmcpp_cache *cache;

        if (!cache)
                cache = nf_rmcpp_cache_new();
        return cache;
}

nf_lan_params rh_params(uint8_t cipher_suite) {
        return (nf_lan_params) {
                .host = "test-bmc",
                .user = "admin",
                .password = "tb-Secret9",
                .cipher_suite = cipher_suite,
                .privilege = NF_PRIV_OPERATOR,
                .session_timeout_ms = 10000,
                .retransmit_timeout_ms = 1000,
                .cache = rh_cache(),
        };
}

tbmc_config rh_bmc_config(void) {
        return (tbmc_config) { .user = "admin", .password = "tb-Secret9" };
}

void rh_init(rh *h, const nf_lan_params *p, const tbmc_config *c) {
        nf_error err;

        memset(h, 0, sizeof(*h));
        h->now = 1000000;
        if (nf_rmcpp_new(p, &h->s, &err) != NF_OK)
                abort();
        h->b = tbmc_new(c);
}

void rh_init_default(rh *h, uint8_t cipher_suite) {
        nf_lan_params p = rh_params(cipher_suite);
        tbmc_config c = rh_bmc_config();

        rh_init(h, &p, &c);
}

void rh_done(rh *h) {
        h->s = nf_rmcpp_free(h->s);
        h->b = tbmc_free(h->b);
}

static void flush_engine(rh *h) {
        uint8_t buf[NF_RMCPP_DATAGRAM_MAX];
        size_t n;

        while ((n = nf_rmcpp_take_datagram(h->s, buf, sizeof(buf))) > 0) {
                h->to_bmc++;
                tbmc_input(h->b, buf, n);
        }
}

nf_rmcpp_event rh_pump(rh *h) {
        uint8_t buf[TBMC_DATAGRAM_MAX];
        nf_rmcpp_event last = NF_RMCPP_EV_NONE, ev;
        size_t n;

        flush_engine(h);
        /* One reply at a time, and what the engine sends at it before the
         * next: a duplicate arrives after the engine has moved on. */
        while ((n = tbmc_take(h->b, buf, sizeof(buf))) > 0) {
                h->to_console++;
                ev = nf_rmcpp_receive(h->s, buf, n, h->now);
                if (ev != NF_RMCPP_EV_NONE) {
                        h->events[ev]++;
                        last = ev;
                }
                flush_engine(h);
        }
        return last;
}

static bool ends(nf_rmcpp_event ev, nf_rmcpp_event want) {
        return ev == want || ev == NF_RMCPP_EV_OPEN_FAILED || ev == NF_RMCPP_EV_REQUEST_FAILED ||
               ev == NF_RMCPP_EV_CLOSED;
}

nf_rmcpp_event rh_run(rh *h, nf_rmcpp_event want, uint64_t limit_ms) {
        uint64_t end = h->now + limit_ms;
        nf_rmcpp_event ev;

        for (;;) {
                ev = rh_pump(h);
                if (ends(ev, want))
                        return ev;
                uint64_t d = nf_rmcpp_deadline(h->s);
                if (d == UINT64_MAX || d > end)
                        return NF_RMCPP_EV_NONE;
                if (d > h->now)
                        h->now = d;
                ev = nf_rmcpp_tick(h->s, h->now);
                if (ev != NF_RMCPP_EV_NONE) {
                        h->events[ev]++;
                        if (ends(ev, want)) {
                                flush_engine(h);
                                return ev;
                        }
                }
        }
}

nf_rmcpp_event rh_open(rh *h) {
        if (nf_rmcpp_open(h->s, h->now) != NF_OK)
                return NF_RMCPP_EV_OPEN_FAILED;
        return rh_run(h, NF_RMCPP_EV_OPENED, 60000);
}

nf_rmcpp_event rh_request(rh *h, uint8_t netfn, uint8_t cmd, const uint8_t *data, size_t len, bool once) {
        if (nf_rmcpp_request(h->s, netfn, cmd, data, len, once, h->now) != NF_OK)
                return NF_RMCPP_EV_REQUEST_FAILED;
        return rh_run(h, NF_RMCPP_EV_RESPONSE, 60000);
}
