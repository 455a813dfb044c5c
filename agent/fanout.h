/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The fanout cap: at most `cap` hosts with IPMI work in flight at once in
 * one loop.  nmifenced shares one between its liveness polls and the
 * fence engine (fleet.h), so one fanout caps every BMC request.
 */

#include <stdbool.h>

typedef struct nf_fanout {
        unsigned cap;
        unsigned busy;
        unsigned peak;                  /* the most at once (tests: the cap holds) */
} nf_fanout;

/* Takes a slot: false when all are busy (wait for a nf_fanout_put()). */
static inline bool nf_fanout_take(nf_fanout *f) {
        if (f->busy >= f->cap)
                return false;
        if (++f->busy > f->peak)
                f->peak = f->busy;
        return true;
}

static inline void nf_fanout_put(nf_fanout *f) {
        f->busy--;
}
