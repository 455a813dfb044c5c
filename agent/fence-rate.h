/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The daemon's global fence budget: at most `max` fences started in any
 * window of `window_ms` (a sliding window).  A broken switch or a BMC
 * firmware bug that makes many hosts look dead at once then costs at most
 * `max` hosts per window, not the fleet.  Pure: the caller passes `now`
 * (CLOCK_MONOTONIC ms).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NF_FENCE_RATE_MAX 64

typedef struct nf_fence_rate {
        unsigned max;                   /* 0: no fence is ever allowed */
        uint64_t window_ms;
        uint64_t starts[NF_FENCE_RATE_MAX];     /* ring of the last `max` start times */
        unsigned n, head;
} nf_fence_rate;

/* max is clamped to NF_FENCE_RATE_MAX. */
void nf_fence_rate_init(nf_fence_rate *r, unsigned max, uint64_t window_ms);
/* true and the start counted, or false when the window is full. */
bool nf_fence_rate_take(nf_fence_rate *r, uint64_t now);
/* Starts counted in the window ending at now. */
unsigned nf_fence_rate_used(const nf_fence_rate *r, uint64_t now);
/* When the next start will be allowed: now if it is, UINT64_MAX never (max 0). */
uint64_t nf_fence_rate_next(const nf_fence_rate *r, uint64_t now);
