/* SPDX-License-Identifier: GPL-2.0-or-later */

#include "record-budget.h"

#define PROGRESS_STEP 10

void nf_budget_init(nf_record_budget *b, uint64_t keepalive_ms) {
        *b = (nf_record_budget) {
                .last_percent = -1,
                .step_interval_ms = keepalive_ms,
        };
}

/* Records between dump-start and the final one: progress, and the one
 * cpus record, share the NF_BUDGET_PROGRESS_MAX slots. */
static unsigned progress_used(const nf_record_budget *b) {
        /* dump-start is the first record of a dump */
        return b->used > 0 ? b->used - 1 : 0;
}

bool nf_budget_allows(const nf_record_budget *b, nf_stage stage) {
        switch (stage) {
        case NF_STAGE_PROGRESS:
        case NF_STAGE_CPUS:
                return progress_used(b) < NF_BUDGET_PROGRESS_MAX;
        case NF_STAGE_DUMP_START:
        case NF_STAGE_DUMP_DONE:
        case NF_STAGE_DUMP_FAILED:
                return b->used < NF_PROTO_MAX_DUMP_RECORDS;
        default:
                return true;    /* armed/disarmed are not part of a dump */
        }
}

bool nf_budget_want_progress(const nf_record_budget *b, int percent, uint64_t now_ms) {
        if (percent < 0 || percent > 100 || !nf_budget_allows(b, NF_STAGE_PROGRESS))
                return false;
        /* 100% is said by dump-done, not by a progress record. */
        if (percent == 100)
                return false;
        if (b->last_percent < 0)
                return percent >= PROGRESS_STEP || (b->step_interval_ms && now_ms - b->last_post_ms >= b->step_interval_ms);
        if (percent >= b->last_percent + PROGRESS_STEP)
                return true;
        /* A slow dump still shows it is alive, so the agent's stall
         * timer does not fire; the budget still caps the records. */
        return b->step_interval_ms && percent > b->last_percent && now_ms - b->last_post_ms >= b->step_interval_ms;
}

void nf_budget_posted(nf_record_budget *b, nf_stage stage, int percent, uint64_t now_ms) {
        if (stage == NF_STAGE_ARMED || stage == NF_STAGE_DISARMED)
                return;
        b->used++;
        b->last_post_ms = now_ms;
        if (stage == NF_STAGE_PROGRESS)
                b->last_percent = percent;
}
