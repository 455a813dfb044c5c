/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The release point (agent/release-decision.c) for every combination of
 * its facts, with the promises asserted for each, then the named cases of
 * issue 12 one by one; and the fence machine's side (agent/fence-sm.c):
 * which records it counts as the release point's evidence, and that the
 * count survives a snapshot of the same operation but never reaches
 * another one or a follow.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "fence-sm.h"
#include "release-decision.h"

static nf_release_facts capture_base(void) {
        return (nf_release_facts) {
                .mode = NF_RELEASE_CAPTURE,
                .nmi = NF_RELEASE_NMI_SENT,
                .window = NF_RELEASE_WINDOW_OWN,
        };
}

static nf_release_verdict decide(const nf_release_facts *f) {
        const char *why = NULL;
        nf_release_verdict v = nf_release_decide(f, &why);

        assert_non_null(why);
        assert_true(why[0]);
        return v;
}

static void check_invariants(const nf_release_facts *f, nf_release_verdict v) {
        bool released = v == NF_RELEASE_RELEASED;
        bool point = v == NF_RELEASE_ASK || v == NF_RELEASE_RELEASED || v == NF_RELEASE_FALLBACK;

        assert_true(v < _NF_RELEASE_VERDICT_MAX);
        if (point) {
                /* only capture, an unfinished operation, its own NMI that
                 * may have reached the host, its own window, a panic */
                assert_int_equal(f->mode, NF_RELEASE_CAPTURE);
                assert_false(f->finished);
                assert_int_equal(f->nmi, NF_RELEASE_NMI_SENT);
                assert_int_equal(f->window, NF_RELEASE_WINDOW_OWN);
                assert_false(f->no_panic);
                /* evidence: a capture record or the power off; fence_kdump
                 * only with release_on_kdump; records older than the mark
                 * never */
                assert_true(f->capture_records || f->off_after_nmi || (f->kdump_msgs && f->release_on_kdump));
        }
        /* a release only once nmifenced took the rest on */
        if (released)
                assert_int_equal(f->supervisor, NF_RELEASE_SUPERVISOR_ACCEPTED);
        if (point)
                assert_int_equal(v, f->supervisor == NF_RELEASE_SUPERVISOR_ACCEPTED ? NF_RELEASE_RELEASED :
                                    f->supervisor == NF_RELEASE_SUPERVISOR_ABSENT   ? NF_RELEASE_FALLBACK :
                                                                                       NF_RELEASE_ASK);
        else
                assert_int_equal(v, NF_RELEASE_KEEP);
}

static void test_all_combinations(void **state) {
        static const unsigned counts[] = { 0, 1, 3 };
        unsigned n = 0, released = 0;

        (void) state;
        for (int mode = 0; mode < _NF_RELEASE_MODE_MAX; mode++)
        for (int kd = 0; kd < 2; kd++)
        for (int fin = 0; fin < 2; fin++)
        for (int nmi = 0; nmi < _NF_RELEASE_NMI_MAX; nmi++)
        for (int w = 0; w < _NF_RELEASE_WINDOW_MAX; w++)
        for (size_t cr = 0; cr < 3; cr++)
        for (size_t before = 0; before < 2; before++)
        for (int off = 0; off < 2; off++)
        for (size_t km = 0; km < 3; km++)
        for (int np = 0; np < 2; np++)
        for (int sup = 0; sup < _NF_RELEASE_SUPERVISOR_MAX; sup++) {
                nf_release_facts f = {
                        .mode = (nf_release_mode) mode,
                        .release_on_kdump = kd,
                        .finished = fin,
                        .nmi = (nf_release_nmi) nmi,
                        .window = (nf_release_window) w,
                        .capture_records = counts[cr],
                        .records_before_mark = counts[before],
                        .off_after_nmi = off,
                        .kdump_msgs = counts[km],
                        .no_panic = np,
                        .supervisor = (nf_release_supervisor) sup,
                };
                nf_release_verdict v = decide(&f);

                check_invariants(&f, v);
                n++;
                released += v == NF_RELEASE_RELEASED;
        }
        printf("# %u combinations, %u released\n", n, released);
        assert_true(released > 0);
}

static void test_power_never_releases(void **state) {
        nf_release_facts f = capture_base();

        (void) state;
        f.mode = NF_RELEASE_POWER;
        f.capture_records = 5;
        f.off_after_nmi = true;
        f.kdump_msgs = 3;
        f.release_on_kdump = true;
        f.supervisor = NF_RELEASE_SUPERVISOR_ACCEPTED;
        assert_int_equal(decide(&f), NF_RELEASE_KEEP);
}

static void test_capture_record_after_nmi(void **state) {
        nf_release_facts f = capture_base();

        (void) state;
        assert_int_equal(decide(&f), NF_RELEASE_KEEP);          /* nothing yet */
        f.capture_records = 1;
        assert_int_equal(decide(&f), NF_RELEASE_ASK);
        f.supervisor = NF_RELEASE_SUPERVISOR_ACCEPTED;
        assert_int_equal(decide(&f), NF_RELEASE_RELEASED);
}

static void test_records_before_the_nmi(void **state) {
        nf_release_facts f = capture_base();

        (void) state;
        f.records_before_mark = 4;              /* an earlier dump's, before the mark */
        f.supervisor = NF_RELEASE_SUPERVISOR_ACCEPTED;
        assert_int_equal(decide(&f), NF_RELEASE_KEEP);
}

static void test_records_of_an_earlier_boot(void **state) {
        nf_release_facts f = capture_base();

        (void) state;
        f.capture_records = 3;
        f.supervisor = NF_RELEASE_SUPERVISOR_ACCEPTED;
        f.window = NF_RELEASE_WINDOW_FOLLOW;
        assert_int_equal(decide(&f), NF_RELEASE_KEEP);
        f.window = NF_RELEASE_WINDOW_INHERITED;
        assert_int_equal(decide(&f), NF_RELEASE_KEEP);
}

static void test_nmi_refused_or_not_sent(void **state) {
        nf_release_facts f = capture_base();

        (void) state;
        f.capture_records = 1;
        f.off_after_nmi = true;
        f.supervisor = NF_RELEASE_SUPERVISOR_ACCEPTED;
        f.nmi = NF_RELEASE_NMI_NOT_CARRIED;
        assert_int_equal(decide(&f), NF_RELEASE_KEEP);
        f.nmi = NF_RELEASE_NMI_NONE;
        assert_int_equal(decide(&f), NF_RELEASE_KEEP);
}

static void test_power_off_before_any_record(void **state) {
        nf_release_facts f = capture_base();

        (void) state;
        f.off_after_nmi = true;
        assert_int_equal(decide(&f), NF_RELEASE_ASK);
        f.supervisor = NF_RELEASE_SUPERVISOR_ACCEPTED;
        assert_int_equal(decide(&f), NF_RELEASE_RELEASED);
}

static void test_kdump_only(void **state) {
        nf_release_facts f = capture_base();

        (void) state;
        f.kdump_msgs = 4;
        f.supervisor = NF_RELEASE_SUPERVISOR_ACCEPTED;
        assert_int_equal(decide(&f), NF_RELEASE_KEEP);
        f.release_on_kdump = true;
        assert_int_equal(decide(&f), NF_RELEASE_RELEASED);
}

static void test_no_panic_never(void **state) {
        nf_release_facts f = capture_base();

        (void) state;
        f.no_panic = true;
        f.off_after_nmi = true;                 /* the policy's own power off */
        f.supervisor = NF_RELEASE_SUPERVISOR_ACCEPTED;
        assert_int_equal(decide(&f), NF_RELEASE_KEEP);
}

static void test_no_supervisor(void **state) {
        nf_release_facts f = capture_base();

        (void) state;
        f.capture_records = 2;
        f.supervisor = NF_RELEASE_SUPERVISOR_ABSENT;
        assert_int_equal(decide(&f), NF_RELEASE_FALLBACK);
}

static void test_finished_keeps_its_result(void **state) {
        nf_release_facts f = capture_base();

        (void) state;
        f.capture_records = 2;
        f.finished = true;
        assert_int_equal(decide(&f), NF_RELEASE_KEEP);
}

static void test_mode_names(void **state) {
        nf_release_mode m;

        (void) state;
        assert_true(nf_parse_release_mode("capture", &m));
        assert_int_equal(m, NF_RELEASE_CAPTURE);
        assert_true(nf_parse_release_mode("power", &m));
        assert_int_equal(m, NF_RELEASE_POWER);
        assert_false(nf_parse_release_mode("Capture", &m));
        assert_false(nf_parse_release_mode("", &m));
        assert_false(nf_parse_release_mode(NULL, &m));
        assert_string_equal(nf_release_mode_str(NF_RELEASE_CAPTURE), "capture");
}

/* ---- the fence machine's evidence ---------------------------------- */

static nf_fence_params params;

/* the built-in defaults of the configuration, a boot window for follow */
static int setup_params(void **state) {
        nf_host_conf h;

        (void) state;
        nf_host_conf_defaults(&h);
        params = h.fence;
        params.follow_window = NF_SEL_FROM_BOOT;
        return 0;
}

static void feed(nf_fence *f, nf_action_kind kind, nf_action_result *r, uint64_t now) {
        nf_action a = nf_fence_next(f, now);

        assert_int_equal(a.kind, kind);
        nf_fence_feed(f, &a, r, now);
}

static void feed_ok(nf_fence *f, nf_action_kind kind, bool power_on, uint64_t now) {
        nf_action_result r = { .status = NF_OK, .power_known = true, .power_on = power_on };

        feed(f, kind, &r, now);
}

static void feed_records(nf_fence *f, const nf_stage *stages, size_t n, uint64_t now) {
        nf_action_result r = { .status = NF_OK, .power_known = true, .power_on = true, .n_msgs = n };

        for (size_t i = 0; i < n; i++)
                r.msgs[i] = (nf_stage_msg) { .stage = stages[i], .seq = (uint8_t) i };
        feed(f, NF_ACT_POLL, &r, now);
}

/* connect, mark, and for a dump the NMI with this completion */
static void start(nf_fence *f, bool follow, nf_status diag, uint64_t now) {
        if (follow)
                nf_fence_init_follow(f, &params, now);
        else
                nf_fence_init(f, &params, now);
        feed_ok(f, NF_ACT_OPEN, true, now);
        feed_ok(f, NF_ACT_MARK, true, now);
        if (follow)
                return;
        nf_action_result r = { .status = diag };
        nf_error e = { .status = diag, .cc = 0xCC };
        r.error = &e;
        feed(f, NF_ACT_DIAG, &r, now);
}

static void test_sm_counts_after_own_nmi(void **state) {
        static const nf_stage armed[] = { NF_STAGE_ARMED };
        static const nf_stage dump[] = { NF_STAGE_DUMP_START, NF_STAGE_CPUS, NF_STAGE_PROGRESS };
        nf_fence f = {};

        (void) state;
        start(&f, false, NF_OK, 1000);
        assert_int_equal(f.capture_records, 0);
        /* a boot record is no capture-kernel record */
        feed_records(&f, armed, 1, 2000);
        assert_int_equal(f.capture_records, 0);
        feed_records(&f, dump, 3, 3000);
        assert_int_equal(f.state, NF_FS_WAIT_DUMP);
        assert_int_equal(f.capture_records, 3);
        assert_int_equal(f.capture_first, NF_STAGE_DUMP_START);
        assert_int_equal(f.t_capture, 3000);
}

static void test_sm_dump_done_counts(void **state) {
        static const nf_stage done[] = { NF_STAGE_DUMP_DONE };
        nf_fence f = {};

        (void) state;
        start(&f, false, NF_OK, 1000);
        feed_records(&f, done, 1, 2000);
        assert_int_equal(f.capture_records, 1);
        assert_int_equal(f.capture_first, NF_STAGE_DUMP_DONE);
}

static void test_sm_follow_never_counts(void **state) {
        static const nf_stage dump[] = { NF_STAGE_DUMP_START, NF_STAGE_PROGRESS };
        nf_fence f = {};

        (void) state;
        start(&f, true, NF_OK, 1000);
        assert_int_equal(f.state, NF_FS_WAIT_PANIC);
        feed_records(&f, dump, 2, 2000);
        assert_int_equal(f.state, NF_FS_WAIT_DUMP);
        assert_true(f.sel_dump_seen);
        assert_int_equal(f.capture_records, 0);
}

static void test_sm_refused_nmi_never_counts(void **state) {
        nf_fence f = {};

        (void) state;
        start(&f, false, NF_E_COMPLETION, 1000);
        assert_int_equal(f.nmi, NF_NMI_REFUSED);
        /* the power phase's verify-off reads it off: no NMI, no release */
        feed_ok(&f, NF_ACT_POWER_STATUS, false, 2000);
        assert_false(f.off_after_nmi);
        assert_int_equal(f.capture_records, 0);
}

static void test_sm_off_after_nmi(void **state) {
        nf_fence f = {};
        nf_action_result off = { .status = NF_OK, .power_known = true, .power_on = false };

        (void) state;
        start(&f, false, NF_OK, 1000);
        /* the capture kernel powered the host off without a record */
        feed(&f, NF_ACT_POLL, &off, 2000);
        assert_false(f.off_after_nmi);          /* seen in a poll, not yet verified */
        feed_ok(&f, NF_ACT_POWER_STATUS, false, 2100);
        assert_true(f.off_after_nmi);
        assert_int_equal(f.state, NF_FS_POWER_ON);
}

static void test_sm_snapshot_keeps_own_drops_foreign(void **state) {
        static const nf_stage dump[] = { NF_STAGE_DUMP_START };
        nf_fence f = {}, g = {};
        nf_fence_snapshot s;

        (void) state;
        start(&f, false, NF_OK, 1000);
        feed_records(&f, dump, 1, 2000);
        nf_fence_snapshot_take(&f, &s, 2500);
        /* a resume of the same operation keeps its own NMI's records */
        assert_int_equal(nf_fence_init_resume(&g, &params, &s, 3000), 0);
        assert_int_equal(g.capture_records, 1);
        assert_int_equal(g.capture_first, NF_STAGE_DUMP_START);
        /* a file claiming them for a follow, or without an NMI that
         * reached the host, is not believed */
        s.follow = true;
        s.nmi_sent = false;
        nf_fence_restore(&g, &params, &s);
        assert_int_equal(g.capture_records, 0);
        s.follow = false;
        s.nmi = NF_NMI_REFUSED;
        nf_fence_restore(&g, &params, &s);
        assert_int_equal(g.capture_records, 0);
        /* a new operation on the same machine starts from none */
        nf_fence_init(&f, &params, 4000);
        assert_int_equal(f.capture_records, 0);
        assert_false(f.off_after_nmi);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_all_combinations),
                cmocka_unit_test(test_power_never_releases),
                cmocka_unit_test(test_capture_record_after_nmi),
                cmocka_unit_test(test_records_before_the_nmi),
                cmocka_unit_test(test_records_of_an_earlier_boot),
                cmocka_unit_test(test_nmi_refused_or_not_sent),
                cmocka_unit_test(test_power_off_before_any_record),
                cmocka_unit_test(test_kdump_only),
                cmocka_unit_test(test_no_panic_never),
                cmocka_unit_test(test_no_supervisor),
                cmocka_unit_test(test_finished_keeps_its_result),
                cmocka_unit_test(test_mode_names),
                cmocka_unit_test(test_sm_counts_after_own_nmi),
                cmocka_unit_test(test_sm_dump_done_counts),
                cmocka_unit_test(test_sm_follow_never_counts),
                cmocka_unit_test(test_sm_refused_nmi_never_counts),
                cmocka_unit_test(test_sm_off_after_nmi),
                cmocka_unit_test(test_sm_snapshot_keeps_own_drops_foreign),
        };

        return cmocka_run_group_tests(tests, setup_params, NULL);
}
