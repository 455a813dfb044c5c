/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <assert.h>
#include <string.h>

#include "fence-rate.h"

void nf_fence_rate_init(nf_fence_rate *r, unsigned max, uint64_t window_ms) {
        assert(r);
        memset(r, 0, sizeof *r);
        r->max = max > NF_FENCE_RATE_MAX ? NF_FENCE_RATE_MAX : max;
        r->window_ms = window_ms;
}

/* The oldest start still in the ring (valid when n > 0). */
static uint64_t oldest(const nf_fence_rate *r) {
        return r->starts[(r->head + NF_FENCE_RATE_MAX - r->n) % NF_FENCE_RATE_MAX];
}

static bool in_window(const nf_fence_rate *r, uint64_t t, uint64_t now) {
        return t + r->window_ms > now;
}

unsigned nf_fence_rate_used(const nf_fence_rate *r, uint64_t now) {
        unsigned used = 0;

        assert(r);
        for (unsigned i = 0; i < r->n; i++) {
                uint64_t t = r->starts[(r->head + NF_FENCE_RATE_MAX - 1 - i) % NF_FENCE_RATE_MAX];
                if (in_window(r, t, now))
                        used++;
        }
        return used;
}

uint64_t nf_fence_rate_next(const nf_fence_rate *r, uint64_t now) {
        assert(r);
        if (r->max == 0)
                return UINT64_MAX;
        if (nf_fence_rate_used(r, now) < r->max)
                return now;
        /* Full: the ring holds exactly the last max starts, all in the
         * window; a slot frees when the oldest leaves it. */
        return oldest(r) + r->window_ms;
}

bool nf_fence_rate_take(nf_fence_rate *r, uint64_t now) {
        assert(r);
        if (nf_fence_rate_next(r, now) != now)
                return false;
        r->starts[r->head] = now;
        r->head = (r->head + 1) % NF_FENCE_RATE_MAX;
        if (r->n < r->max)
                r->n++;
        return true;
}
