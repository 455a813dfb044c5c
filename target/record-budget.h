/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * How many SEL records one dump may write (docs/protocol.md: at most 16),
 * and when a progress record is worth one of them.  Pure: no I/O.
 */

#include <stdbool.h>
#include <stdint.h>

#include "dump-event.h"

/* dump-start and the final record are always kept room for; the cpus
 * record (if any) and progress records share the rest. */
#define NF_BUDGET_PROGRESS_MAX (NF_PROTO_MAX_DUMP_RECORDS - 2)

typedef struct nf_record_budget {
        unsigned used;                  /* records of this dump so far */
        int last_percent;               /* -1: none posted */
        uint64_t last_post_ms;
        uint64_t step_interval_ms;      /* keepalive: post a smaller step after this long */
} nf_record_budget;

void nf_budget_init(nf_record_budget *b, uint64_t keepalive_ms);
/* Should a progress record of `percent` be posted now? */
bool nf_budget_want_progress(const nf_record_budget *b, int percent, uint64_t now_ms);
/* Account a posted record. */
void nf_budget_posted(nf_record_budget *b, nf_stage stage, int percent, uint64_t now_ms);
/* Whether a record of `stage` still fits. */
bool nf_budget_allows(const nf_record_budget *b, nf_stage stage);
