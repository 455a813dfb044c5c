/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the per-dump SEL record budget (target/record-budget.c). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "record-budget.h"

typedef struct sim_result {
        unsigned records;               /* everything posted for the dump */
        unsigned progress;
        int percents[NF_PROTO_MAX_DUMP_RECORDS + 8];
        bool final_posted;
} sim_result;

/* A dump as nmifence-target runs it: dump-start, progress from 0.0 to
 * 100.0 % in 0.1 steps with `step_ms` between updates, then dump-done. */
static void simulate(uint64_t keepalive_ms, uint64_t step_ms, sim_result *ret) {
        nf_record_budget b;
        uint64_t now = 5000;

        memset(ret, 0, sizeof *ret);
        nf_budget_init(&b, keepalive_ms);

        assert_true(nf_budget_allows(&b, NF_STAGE_DUMP_START));
        nf_budget_posted(&b, NF_STAGE_DUMP_START, 0, now);
        ret->records++;

        for (int tenths = 0; tenths <= 1000; tenths++) {
                int percent = tenths / 10;

                now += step_ms;
                if (nf_budget_want_progress(&b, percent, now)) {
                        assert_true(nf_budget_allows(&b, NF_STAGE_PROGRESS));
                        nf_budget_posted(&b, NF_STAGE_PROGRESS, percent, now);
                        assert_true(ret->progress < sizeof ret->percents / sizeof ret->percents[0]);
                        ret->percents[ret->progress++] = percent;
                        ret->records++;
                }
        }

        if (nf_budget_allows(&b, NF_STAGE_DUMP_DONE)) {
                nf_budget_posted(&b, NF_STAGE_DUMP_DONE, 0, now);
                ret->records++;
                ret->final_posted = true;
        }
}

static void never_more_than_16_records(void **state) {
        static const uint64_t keepalives[] = { 0, 1000, 10000, 30000, 60000 };
        static const uint64_t steps[] = { 0, 1, 10, 100, 1000, 5000, 30000, 60000, 600000 };

        for (size_t k = 0; k < sizeof keepalives / sizeof keepalives[0]; k++)
                for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
                        sim_result r;

                        simulate(keepalives[k], steps[s], &r);
                        assert_true(r.records <= NF_PROTO_MAX_DUMP_RECORDS);
                        assert_true(r.progress <= NF_BUDGET_PROGRESS_MAX);
                        assert_true(r.final_posted);
                        for (unsigned i = 0; i < r.progress; i++) {
                                /* 100% is said by dump-done */
                                assert_true(r.percents[i] >= 0 && r.percents[i] < 100);
                                /* strictly increasing */
                                if (i > 0)
                                        assert_true(r.percents[i] > r.percents[i - 1]);
                        }
                }
}

static void steps_of_ten_without_keepalive(void **state) {
        sim_result r;

        simulate(0, 0, &r);
        assert_int_equal(r.progress, 9);
        for (unsigned i = 0; i < r.progress; i++)
                assert_int_equal(r.percents[i], 10 * (int) (i + 1));
        assert_int_equal(r.records, 1 + 9 + 1);
}

static void slow_dump_uses_whole_budget(void **state) {
        sim_result r;

        /* every 0.1 % takes a minute: keepalive posts each new percent
         * until the budget is exhausted */
        simulate(30000, 60000, &r);
        assert_int_equal(r.progress, NF_BUDGET_PROGRESS_MAX);
        assert_int_equal(r.records, NF_PROTO_MAX_DUMP_RECORDS);
        assert_true(r.final_posted);
        assert_int_equal(r.percents[0], 0);
        assert_int_equal(r.percents[1], 1);
}

static void hundred_percent_not_posted(void **state) {
        nf_record_budget b;

        nf_budget_init(&b, 1000);
        nf_budget_posted(&b, NF_STAGE_DUMP_START, 0, 0);
        assert_false(nf_budget_want_progress(&b, 100, 0));
        assert_false(nf_budget_want_progress(&b, 100, 1000000));
        nf_budget_posted(&b, NF_STAGE_PROGRESS, 50, 10);
        assert_false(nf_budget_want_progress(&b, 100, 10));
        assert_false(nf_budget_want_progress(&b, 100, 1000000));
}

static void out_of_range_percent_rejected(void **state) {
        nf_record_budget b;

        nf_budget_init(&b, 1000);
        nf_budget_posted(&b, NF_STAGE_DUMP_START, 0, 0);
        assert_false(nf_budget_want_progress(&b, -1, 100000));
        assert_false(nf_budget_want_progress(&b, 101, 100000));
        assert_false(nf_budget_want_progress(&b, 1000, 100000));
}

static void keepalive_after_interval(void **state) {
        nf_record_budget b;

        nf_budget_init(&b, 30000);
        nf_budget_posted(&b, NF_STAGE_DUMP_START, 0, 1000);
        /* small step, before the interval */
        assert_false(nf_budget_want_progress(&b, 3, 1000 + 29999));
        assert_true(nf_budget_want_progress(&b, 3, 1000 + 30000));
        nf_budget_posted(&b, NF_STAGE_PROGRESS, 3, 31000);

        assert_false(nf_budget_want_progress(&b, 4, 31000 + 29999));
        assert_true(nf_budget_want_progress(&b, 4, 31000 + 30000));
        /* a full step needs no interval */
        assert_true(nf_budget_want_progress(&b, 13, 31001));
        /* no movement at all: nothing to say even after the interval */
        assert_false(nf_budget_want_progress(&b, 3, 31000 + 300000));
}

static void keepalive_disabled(void **state) {
        nf_record_budget b;

        nf_budget_init(&b, 0);
        nf_budget_posted(&b, NF_STAGE_DUMP_START, 0, 0);
        assert_false(nf_budget_want_progress(&b, 9, UINT64_C(1) << 40));
        assert_true(nf_budget_want_progress(&b, 10, 1));
        nf_budget_posted(&b, NF_STAGE_PROGRESS, 10, 1);
        assert_false(nf_budget_want_progress(&b, 19, UINT64_C(1) << 40));
        assert_true(nf_budget_want_progress(&b, 20, 2));
}

static void final_record_allowed_after_max_progress(void **state) {
        nf_record_budget b;

        nf_budget_init(&b, 1);
        nf_budget_posted(&b, NF_STAGE_DUMP_START, 0, 0);
        for (int i = 0; i < NF_BUDGET_PROGRESS_MAX; i++) {
                assert_true(nf_budget_allows(&b, NF_STAGE_PROGRESS));
                assert_true(nf_budget_want_progress(&b, i + 1, (uint64_t) (i + 1) * 10));
                nf_budget_posted(&b, NF_STAGE_PROGRESS, i + 1, (uint64_t) (i + 1) * 10);
        }
        assert_false(nf_budget_allows(&b, NF_STAGE_PROGRESS));
        assert_false(nf_budget_want_progress(&b, 90, 1000000));
        assert_true(nf_budget_allows(&b, NF_STAGE_DUMP_DONE));
        assert_true(nf_budget_allows(&b, NF_STAGE_DUMP_FAILED));
        /* armed/disarmed are outside the dump budget */
        assert_true(nf_budget_allows(&b, NF_STAGE_ARMED));
        nf_budget_posted(&b, NF_STAGE_ARMED, 0, 1000000);
        nf_budget_posted(&b, NF_STAGE_DISARMED, 0, 1000000);
        assert_int_equal(b.used, 1 + NF_BUDGET_PROGRESS_MAX);
        assert_true(nf_budget_allows(&b, NF_STAGE_DUMP_DONE));

        nf_budget_posted(&b, NF_STAGE_DUMP_DONE, 0, 1000000);
        assert_int_equal(b.used, NF_PROTO_MAX_DUMP_RECORDS);
        assert_false(nf_budget_allows(&b, NF_STAGE_DUMP_DONE));
        assert_false(nf_budget_allows(&b, NF_STAGE_DUMP_FAILED));
        assert_false(nf_budget_allows(&b, NF_STAGE_PROGRESS));
}

/* The cpus record (registers saved, docs/protocol.md) comes right after
 * dump-start and takes one of the progress slots: a dump that wants all
 * the progress it can get still ends with its final record in 16. */
static void cpus_record_shares_progress_budget(void **state) {
        nf_record_budget b;
        unsigned records = 0, progress = 0;
        uint64_t now = 0;

        nf_budget_init(&b, 1);
        nf_budget_posted(&b, NF_STAGE_DUMP_START, 0, now);
        records++;
        assert_true(nf_budget_allows(&b, NF_STAGE_CPUS));
        nf_budget_posted(&b, NF_STAGE_CPUS, 4, now);
        records++;
        /* the cpus argument is a CPU count, not a percentage */
        assert_int_equal(b.last_percent, -1);
        for (int percent = 1; percent < 100; percent++) {
                now += 10;
                if (nf_budget_want_progress(&b, percent, now)) {
                        nf_budget_posted(&b, NF_STAGE_PROGRESS, percent, now);
                        records++;
                        progress++;
                }
        }
        assert_int_equal(progress, NF_BUDGET_PROGRESS_MAX - 1);
        assert_false(nf_budget_allows(&b, NF_STAGE_CPUS));
        assert_true(nf_budget_allows(&b, NF_STAGE_DUMP_DONE));
        nf_budget_posted(&b, NF_STAGE_DUMP_DONE, 0, now);
        records++;
        assert_int_equal(records, NF_PROTO_MAX_DUMP_RECORDS);
        assert_false(nf_budget_allows(&b, NF_STAGE_DUMP_FAILED));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(cpus_record_shares_progress_budget),
                cmocka_unit_test(never_more_than_16_records),
                cmocka_unit_test(steps_of_ten_without_keepalive),
                cmocka_unit_test(slow_dump_uses_whole_budget),
                cmocka_unit_test(hundred_percent_not_posted),
                cmocka_unit_test(out_of_range_percent_rejected),
                cmocka_unit_test(keepalive_after_interval),
                cmocka_unit_test(keepalive_disabled),
                cmocka_unit_test(final_record_allowed_after_max_progress),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
