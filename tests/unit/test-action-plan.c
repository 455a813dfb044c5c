/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the sans-I/O plans (agent/action-plan.c, watch-plan.c,
 * prior-check.c's plan), driven directly against a scripted BMC
 * (fake-bmc.h): the driver answers each request the plan asks for and
 * feeds the answer back; no session, no socket.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "action-plan.h"
#include "dump-event.h"
#include "fake-bmc.h"
#include "prior-check.h"
#include "watch-plan.h"

#define ST NF_NETFN_STORAGE
#define CH NF_NETFN_CHASSIS

/* How the driver answers NF_STEP_OPEN. */
typedef struct opener {
        nf_status status;
        nf_error err;
        unsigned opens;
} opener;

static void answer(fake_bmc *b, const nf_ipmi_req *req, nf_status *ret_s, nf_error *err, uint8_t *rsp,
                   size_t *len) {
        *ret_s = fake_bmc_reply(b, req->netfn, req->cmd, req->data, req->len, req->once, err, rsp, NF_RSP_MAX, len);
}

/* Runs an action's plan to its end: the result, the error it names. */
static void run_action(fake_bmc *b, opener *o, const nf_action *a, bool session_up, nf_sel_cursor *cursor,
                       bool *cursor_valid, nf_action_result *ret, nf_error *ret_err, unsigned *foreign) {
        uint8_t rsp[NF_RSP_MAX];
        nf_action_plan p;
        nf_ipmi_req req, again;
        nf_error err;
        size_t len;
        nf_status s;
        bool done = false;

        nf_action_plan_init(&p, a, session_up, cursor, *cursor_valid);
        while (!done) {
                switch (nf_action_plan_next(&p, &req)) {
                case NF_STEP_OPEN:
                        o->opens++;
                        nf_action_plan_feed(&p, o->status, o->status ? &o->err : NULL, NULL, 0);
                        break;
                case NF_STEP_REQUEST:
                        /* next() has no side effect: asking twice gives the same request */
                        assert_int_equal(nf_action_plan_next(&p, &again), NF_STEP_REQUEST);
                        assert_memory_equal(&req, &again, sizeof req);
                        answer(b, &req, &s, &err, rsp, &len);
                        nf_action_plan_feed(&p, s, &err, rsp, len);
                        break;
                case NF_STEP_DONE:
                        done = true;
                        break;
                }
        }
        assert_int_equal(p.state, NF_PS_DONE);
        nf_action_plan_finish(&p, ret, ret_err);
        *cursor = p.cursor;
        *cursor_valid = p.cursor_valid;
        if (foreign)
                *foreign += p.foreign_records;
}

typedef struct host {
        fake_bmc b;
        opener o;
        nf_sel_cursor cursor;
        bool cursor_valid;
        unsigned foreign;
        nf_action_result r;
        nf_error err;
} host;

static void act(host *h, nf_action a) {
        run_action(&h->b, &h->o, &a, true, &h->cursor, &h->cursor_valid, &h->r, &h->err, &h->foreign);
}

static void expect_req(const fake_bmc *b, unsigned n, uint8_t netfn, uint8_t cmd) {
        assert_true(n >= 1 && n <= b->n_req);
        assert_int_equal(b->log[n - 1].netfn, netfn);
        assert_int_equal(b->log[n - 1].cmd, cmd);
}

/* ---- fence actions ----------------------------------------------------- */

static void open_step(void **state) {
        host h = { 0 };
        nf_action a = { .kind = NF_ACT_OPEN };

        run_action(&h.b, &h.o, &a, false, &h.cursor, &h.cursor_valid, &h.r, &h.err, NULL);
        assert_int_equal(h.o.opens, 1);
        assert_int_equal(h.r.status, NF_OK);
        assert_null(h.r.error);
        assert_int_equal(h.b.n_req, 0);

        /* A refused login: its status and error reach the result. */
        h.o.status = NF_E_PASSWORD;
        nf_error_set(&h.o.err, NF_E_PASSWORD, 0, 0, "RAKP 2: unauthorized name");
        run_action(&h.b, &h.o, &a, true, &h.cursor, &h.cursor_valid, &h.r, &h.err, NULL);
        assert_int_equal(h.r.status, NF_E_PASSWORD);
        assert_ptr_equal(h.r.error, &h.err);
        assert_string_equal(h.err.detail, "RAKP 2: unauthorized name");

        /* Failed without an error record: one naming the status. */
        h.o.status = NF_E_TIMEOUT;
        h.o.err = (nf_error) { 0 };
        run_action(&h.b, &h.o, &a, true, &h.cursor, &h.cursor_valid, &h.r, &h.err, NULL);
        assert_int_equal(h.r.status, NF_E_TIMEOUT);
        assert_int_equal(h.err.status, NF_E_TIMEOUT);
}

static void no_session(void **state) {
        static const nf_action_kind kinds[] = { NF_ACT_MARK, NF_ACT_DIAG, NF_ACT_POLL, NF_ACT_CONTROL,
                                                NF_ACT_POWER_STATUS, NF_ACT_WAIT };
        unsigned i;

        for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
                host h = { 0 };
                nf_action a = { .kind = kinds[i] };

                run_action(&h.b, &h.o, &a, false, &h.cursor, &h.cursor_valid, &h.r, &h.err, NULL);
                assert_int_equal(h.r.status, NF_E_SESSION_LOST);
                assert_int_equal(h.err.status, NF_E_SESSION_LOST);
                assert_int_equal(h.b.n_req, 0);
                assert_int_equal(h.o.opens, 0);
        }
}

static void controls(void **state) {
        host h = { .b.power_on = true };

        act(&h, (nf_action) { .kind = NF_ACT_DIAG });
        assert_int_equal(h.r.status, NF_OK);
        assert_int_equal(h.b.n_req, 1);
        expect_req(&h.b, 1, CH, NF_CMD_CHASSIS_CONTROL);
        assert_int_equal(h.b.log[0].data[0], 0x04);
        assert_true(h.b.log[0].once);

        act(&h, (nf_action) { .kind = NF_ACT_CONTROL, .ctl = NF_CHASSIS_OFF });
        assert_true(h.b.log[1].once);   /* every Chassis Control is sent once */
        assert_false(h.b.power_on);
        act(&h, (nf_action) { .kind = NF_ACT_CONTROL, .ctl = NF_CHASSIS_DIAG });
        assert_true(h.b.log[2].once);

        act(&h, (nf_action) { .kind = NF_ACT_POWER_STATUS });
        assert_true(h.r.power_known);
        assert_false(h.r.power_on);

        act(&h, (nf_action) { .kind = NF_ACT_CONTROL, .ctl = (nf_chassis_ctl) 7 });
        assert_int_equal(h.r.status, NF_E_INVALID_ARG);
        assert_int_equal(h.err.cmd, NF_CMD_CHASSIS_CONTROL);
        assert_int_equal(h.b.n_req, 4);

        act(&h, (nf_action) { .kind = NF_ACT_WAIT });
        act(&h, (nf_action) { .kind = NF_ACT_FINISHED });
        assert_int_equal(h.r.status, NF_OK);
        assert_int_equal(h.b.n_req, 4);

        /* The diag's reply lost: "sent once, outcome unknown" reaches the result. */
        h.b.fail_at = 5;
        h.b.fail_status = NF_E_REPLY_LOST;
        act(&h, (nf_action) { .kind = NF_ACT_DIAG });
        assert_int_equal(h.r.status, NF_E_REPLY_LOST);
        assert_int_equal(h.r.error->status, NF_E_REPLY_LOST);
}

/* POLL over a SEL with records: the stage records in SEL order; foreign
 * records counted; the cursor on the last; no power reading (a host that
 * posts is on). */
static void poll_records(void **state) {
        host h = { .b.power_on = true };

        fake_bmc_add_foreign(&h.b);
        act(&h, (nf_action) { .kind = NF_ACT_MARK });
        assert_true(h.cursor_valid);
        fake_bmc_add_stage(&h.b, NF_STAGE_DUMP_START, 2, 1);
        fake_bmc_add_foreign(&h.b);
        fake_bmc_add_stage(&h.b, NF_STAGE_CPUS, 2, 2);
        fake_bmc_add_stage(&h.b, NF_STAGE_DUMP_DONE, 0, 3);
        h.b.n_req = 0;
        act(&h, (nf_action) { .kind = NF_ACT_POLL });
        assert_int_equal(h.r.status, NF_OK);
        assert_false(h.r.power_known);
        assert_false(h.r.sel_cleared);
        assert_int_equal(h.r.n_msgs, 3);
        assert_int_equal(h.r.msgs[0].stage, NF_STAGE_DUMP_START);
        assert_int_equal(h.r.msgs[1].stage, NF_STAGE_CPUS);
        assert_int_equal(h.r.msgs[2].stage, NF_STAGE_DUMP_DONE);
        assert_int_equal(h.foreign, 1);
        assert_int_equal(h.cursor.last_id, 5);
        assert_int_equal(h.cursor.entries_seen, 5);
        expect_req(&h.b, 1, ST, NF_CMD_GET_SEL_INFO);
        expect_req(&h.b, 2, ST, NF_CMD_RESERVE_SEL);
        assert_int_equal(h.b.n_req, 2 + 1 + 4);
}

/* POLL over a SEL with nothing new of ours: the SEL, then the power; on. */
static void poll_nothing_new(void **state) {
        host h = { .b.power_on = true };

        fake_bmc_add_foreign(&h.b);
        act(&h, (nf_action) { .kind = NF_ACT_MARK });
        fake_bmc_add_foreign(&h.b);
        h.b.n_req = 0;
        act(&h, (nf_action) { .kind = NF_ACT_POLL });
        assert_int_equal(h.r.status, NF_OK);
        assert_int_equal(h.r.n_msgs, 0);
        assert_true(h.r.power_known);
        assert_true(h.r.power_on);
        expect_req(&h.b, 1, ST, NF_CMD_GET_SEL_INFO);
        expect_req(&h.b, h.b.n_req, CH, NF_CMD_GET_CHASSIS_STATUS);
        assert_int_equal(h.b.n_req, 2 + 2 + 1);
}

/* The host posts dump-done and powers off between the poll's SEL read and
 * its power reading: seen off, the SEL is read again, and the poll
 * delivers the dump-done with the off, never "off without dump-done". */
static void poll_off_after_record(void **state) {
        host h = { .b.power_on = true };

        fake_bmc_add_foreign(&h.b);
        act(&h, (nf_action) { .kind = NF_ACT_MARK });
        h.b.n_req = 0;
        h.b.off_at = 2;         /* Info (unchanged: no walk), [status] */
        h.b.off_stage = NF_STAGE_DUMP_DONE;
        act(&h, (nf_action) { .kind = NF_ACT_POLL });
        assert_int_equal(h.r.status, NF_OK);
        expect_req(&h.b, 1, ST, NF_CMD_GET_SEL_INFO);
        expect_req(&h.b, 2, CH, NF_CMD_GET_CHASSIS_STATUS);
        /* then Info, Reserve, recheck 1, entry 2 */
        assert_int_equal(h.b.n_req, 6);
        assert_true(h.r.power_known);
        assert_false(h.r.power_on);
        assert_int_equal(h.r.n_msgs, 1);
        assert_int_equal(h.r.msgs[0].stage, NF_STAGE_DUMP_DONE);
        assert_int_equal(h.cursor.last_id, 2);
}

static void poll_cleared(void **state) {
        host h = { .b.power_on = true };

        fake_bmc_add_foreign(&h.b);
        fake_bmc_add_foreign(&h.b);
        act(&h, (nf_action) { .kind = NF_ACT_MARK });
        fake_bmc_clear(&h.b, true);
        fake_bmc_add_stage(&h.b, NF_STAGE_ARMED, 0, 0);
        act(&h, (nf_action) { .kind = NF_ACT_POLL });
        assert_int_equal(h.r.status, NF_OK);
        assert_true(h.r.sel_cleared);
        assert_int_equal(h.r.n_msgs, 1);
        assert_int_equal(h.r.msgs[0].stage, NF_STAGE_ARMED);
        assert_int_equal(h.cursor.last_id, 1);
        assert_int_equal(h.cursor.entries_seen, 1);
}

static void poll_reservation_canceled(void **state) {
        host h = { .b.power_on = true };
        unsigned i;

        act(&h, (nf_action) { .kind = NF_ACT_MARK });
        for (i = 0; i < 4; i++)
                fake_bmc_add_stage(&h.b, NF_STAGE_PROGRESS, 10 * i, i);
        h.b.n_req = 0;
        h.b.cancel_at = 4;      /* Info, Reserve, 1, [2] */
        act(&h, (nf_action) { .kind = NF_ACT_POLL });
        assert_int_equal(h.r.status, NF_OK);
        assert_int_equal(h.r.n_msgs, 4);
        assert_int_equal(h.r.msgs[3].arg, 30);
        expect_req(&h.b, 5, ST, NF_CMD_RESERVE_SEL);
        assert_int_equal(h.b.log[5].data[2], 2);
        assert_int_equal(h.b.n_req, 8);
}

static void poll_full_result(void **state) {
        host h = { 0 };
        unsigned i;

        act(&h, (nf_action) { .kind = NF_ACT_MARK });
        for (i = 0; i < NF_FENCE_MAX_MSGS + 3; i++)
                fake_bmc_add_stage(&h.b, NF_STAGE_PROGRESS, i, 1);
        act(&h, (nf_action) { .kind = NF_ACT_POLL });
        assert_int_equal(h.r.n_msgs, NF_FENCE_MAX_MSGS);
        assert_int_equal(h.cursor.last_id, NF_FENCE_MAX_MSGS);
        act(&h, (nf_action) { .kind = NF_ACT_POLL });
        assert_int_equal(h.r.n_msgs, 3);
        assert_int_equal(h.r.msgs[0].arg, NF_FENCE_MAX_MSGS);
}

/* MARK with the boot boundary search: the latest armed/disarmed record. */
static void mark_boot_boundary(void **state) {
        host h = { .b.power_on = false };
        nf_action a = { .kind = NF_ACT_MARK, .window = NF_SEL_FROM_BOOT };

        fake_bmc_add_stage(&h.b, NF_STAGE_ARMED, 0, 0);         /* 1 */
        fake_bmc_add_stage(&h.b, NF_STAGE_DUMP_START, 1, 1);    /* 2 */
        fake_bmc_add_stage(&h.b, NF_STAGE_DUMP_DONE, 0, 2);     /* 3 */
        fake_bmc_add_stage(&h.b, NF_STAGE_DISARMED, 0, 3);      /* 4 */
        fake_bmc_add_stage(&h.b, NF_STAGE_ARMED, 0, 0);         /* 5 */
        fake_bmc_add_foreign(&h.b);                             /* 6 */
        fake_bmc_add_stage(&h.b, NF_STAGE_DUMP_START, 2, 1);    /* 7 */
        act(&h, a);
        assert_int_equal(h.r.status, NF_OK);
        assert_true(h.r.boundary_found);
        assert_int_equal(h.r.boundary_id, 5);
        assert_int_equal(h.r.boundary.stage, NF_STAGE_ARMED);
        assert_true(h.cursor_valid);
        assert_int_equal(h.cursor.last_id, 5);
        assert_int_equal(h.cursor.entries_seen, 7);
        assert_true(h.r.sel_info_known);
        assert_int_equal(h.r.sel_entries, 7);
        assert_true(h.r.power_known);
        assert_false(h.r.power_on);
        /* Info (also the space), Reserve, entries 0..7, status */
        assert_int_equal(h.b.n_req, 2 + 7 + 1);
        /* The boundary search counts nobody's records. */
        assert_int_equal(h.foreign, 0);

        act(&h, (nf_action) { .kind = NF_ACT_POLL });
        assert_int_equal(h.r.n_msgs, 1);
        assert_int_equal(h.r.msgs[0].stage, NF_STAGE_DUMP_START);
        assert_int_equal(h.foreign, 1);

        /* The walk fails part way: no boundary reported, no cursor taken. */
        h.b.n_req = 0;
        h.b.fail_at = 6;
        h.b.fail_status = NF_E_COMPLETION;
        h.b.fail_cc = 0xCC;
        h.cursor_valid = false;
        h.cursor = (nf_sel_cursor) { .last_id = 42 };
        act(&h, a);
        assert_int_equal(h.r.status, NF_E_COMPLETION);
        assert_false(h.r.boundary_found);
        assert_false(h.cursor_valid);
        assert_int_equal(h.cursor.last_id, 42);
}

/* A completion code at each request of each action: which failures fail
 * the action and what stands. */
static void completion_code_at_each_step(void **state) {
        unsigned n;

        /* MARK (end): Info (also the space), last entry, status */
        for (n = 1; n <= 3; n++) {
                host h = { .b = { .power_on = true, .fail_at = n, .fail_status = NF_E_COMPLETION, .fail_cc = 0xC0 } };

                fake_bmc_add_foreign(&h.b);
                act(&h, (nf_action) { .kind = NF_ACT_MARK });
                assert_int_equal(h.r.status, NF_E_COMPLETION);
                assert_int_equal(h.r.sel_info_known, n == 3);
                assert_int_equal(h.cursor_valid, n >= 3);
                assert_false(h.r.power_known);
                assert_int_equal(h.err.cc, 0xC0);
                assert_int_equal(h.err.cmd, h.b.log[n - 1].cmd);
                assert_ptr_equal(h.r.error, &h.err);
        }
        /* POLL with a record: Info, Reserve, recheck 1, entry 2: each
         * failure fails it. */
        for (n = 1; n <= 4; n++) {
                host h = { .b.power_on = true };

                fake_bmc_add_foreign(&h.b);
                act(&h, (nf_action) { .kind = NF_ACT_MARK });
                fake_bmc_add_stage(&h.b, NF_STAGE_DUMP_START, 1, 1);
                h.b.n_req = 0;
                h.b.fail_at = n;
                h.b.fail_status = NF_E_COMPLETION;
                h.b.fail_cc = 0xCC;
                act(&h, (nf_action) { .kind = NF_ACT_POLL });
                assert_int_equal(h.r.status, NF_E_COMPLETION);
                assert_false(h.r.power_known);
                assert_int_equal(h.r.n_msgs, 0);
                assert_int_equal(h.err.cmd, h.b.log[n - 1].cmd);
        }
        /* POLL with nothing new: Info (unchanged: no walk), status: a
         * failed power reading leaves the poll standing, power unknown. */
        for (n = 1; n <= 2; n++) {
                host h = { .b.power_on = true };

                fake_bmc_add_foreign(&h.b);
                act(&h, (nf_action) { .kind = NF_ACT_MARK });
                h.b.n_req = 0;
                h.b.fail_at = n;
                h.b.fail_status = NF_E_COMPLETION;
                h.b.fail_cc = 0xCC;
                act(&h, (nf_action) { .kind = NF_ACT_POLL });
                assert_int_equal(h.r.status, n == 2 ? NF_OK : NF_E_COMPLETION);
                assert_false(h.r.power_known);
                if (n < 2)
                        assert_int_equal(h.err.cmd, h.b.log[n - 1].cmd);
        }
        /* DIAG, CONTROL, POWER_STATUS: their one request. */
        {
                static const nf_action actions[] = {
                        { .kind = NF_ACT_DIAG },
                        { .kind = NF_ACT_CONTROL, .ctl = NF_CHASSIS_CYCLE },
                        { .kind = NF_ACT_POWER_STATUS },
                };

                for (n = 0; n < 3; n++) {
                        host h = { .b = { .fail_at = 1, .fail_status = NF_E_COMPLETION, .fail_cc = 0xD5 } };

                        act(&h, actions[n]);
                        assert_int_equal(h.r.status, NF_E_COMPLETION);
                        assert_int_equal(h.err.cc, 0xD5);
                        assert_int_equal(h.err.netfn, CH);
                        assert_false(h.r.power_known);
                }
        }
}

/* ---- the liveness poll ------------------------------------------------- */

typedef struct watcher {
        fake_bmc b;
        opener o;
        bool session_up;
        nf_watch_memory m;
        nf_error err;
        nf_live_poll poll;
        bool lost;
} watcher;

static void watch(watcher *w) {
        uint8_t rsp[NF_RSP_MAX];
        nf_watch_plan p;
        nf_ipmi_req req;
        nf_error err;
        size_t len;
        nf_status s;
        bool done = false;

        nf_watch_plan_init(&p, w->session_up, &w->m);
        while (!done) {
                switch (nf_watch_plan_next(&p, &req)) {
                case NF_STEP_OPEN:
                        w->o.opens++;
                        nf_watch_plan_feed(&p, w->o.status, &w->o.err, NULL, 0);
                        if (!w->o.status)
                                w->session_up = true;
                        break;
                case NF_STEP_REQUEST:
                        answer(&w->b, &req, &s, &err, rsp, &len);
                        nf_watch_plan_feed(&p, s, &err, rsp, len);
                        break;
                case NF_STEP_DONE:
                        done = true;
                        break;
                }
        }
        w->lost = nf_watch_plan_finish(&p, &w->poll, &w->m, &w->err);
}

static void watch_polls(void **state) {
        watcher w = { .b.power_on = true };
        nf_event crit = {
                .generator_id = 0x0041, .evm_rev = 0x04, .sensor_type = 0x20, .sensor_number = 0x01,
                .event_dir_type = 0x6F, .data = { 0x01, 0xFF, 0xFF },
        };

        /* No session yet: open first, then status, watchdog, the mark. */
        fake_bmc_add_stage(&w.b, NF_STAGE_DUMP_START, 1, 1);
        watch(&w);
        assert_false(w.lost);
        assert_int_equal(w.o.opens, 1);
        assert_true(w.poll.bmc_ok);
        assert_true(w.poll.wd_known);
        assert_true(w.poll.power_on);
        assert_false(w.poll.dump_record);      /* the past is not news */
        assert_true(w.m.cursor_valid);
        assert_int_equal(w.b.n_req, 4);
        expect_req(&w.b, 2, NF_NETFN_APP, NF_CMD_GET_WATCHDOG);
        assert_int_equal(w.b.log[3].data[2] | w.b.log[3].data[3] << 8, 0xFFFF);

        fake_bmc_add_event(&w.b, &crit);
        fake_bmc_add_stage(&w.b, NF_STAGE_DUMP_DONE, 0, 2);
        watch(&w);
        assert_int_equal(w.o.opens, 1);
        assert_true(w.poll.os_critical);
        assert_true(w.poll.dump_record);
        assert_true(w.poll.dump_end);
        assert_int_equal(w.m.cursor.last_id, 3);

        /* A fresh boot's armed record: what came before is over. */
        fake_bmc_add_stage(&w.b, NF_STAGE_DUMP_DONE, 0, 3);
        fake_bmc_add_stage(&w.b, NF_STAGE_ARMED, 0, 0);
        watch(&w);
        assert_false(w.poll.dump_end);

        /* The watchdog refused: unknown, the poll stands. */
        w.b.fail_at = w.b.n_req + 2;
        w.b.fail_status = NF_E_COMPLETION;
        w.b.fail_cc = 0xC1;
        watch(&w);
        assert_false(w.lost);
        assert_false(w.poll.wd_known);
        assert_true(w.m.wd_error_known);
        assert_int_equal(w.err.cc, 0xC1);
        assert_false(w.m.session_broken);

        /* The BMC stops answering at the power read: lost, broken. */
        w.b.fail_at = w.b.n_req + 1;
        w.b.fail_status = NF_E_TIMEOUT;
        watch(&w);
        assert_true(w.lost);
        assert_false(w.poll.bmc_ok);
        assert_true(w.m.session_broken);
        assert_int_equal(w.err.status, NF_E_TIMEOUT);

        /* Broken: re-opened; the re-open fails: lost with its error. */
        w.o.status = NF_E_TIMEOUT;
        nf_error_set(&w.o.err, NF_E_TIMEOUT, 0, 0, "set-up timed out");
        watch(&w);
        assert_true(w.lost);
        assert_int_equal(w.o.opens, 2);
        assert_string_equal(w.err.detail, "set-up timed out");
        assert_true(w.m.session_broken);
        w.o.status = NF_OK;
        watch(&w);
        assert_false(w.lost);
        assert_false(w.m.session_broken);
        assert_true(w.poll.wd_known);
        assert_false(w.m.wd_error_known);
}

/* ---- the prior check ---------------------------------------------------- */

static void prior(fake_bmc *b, opener *o, const nf_op_state *st, nf_prior_seen *ret) {
        uint8_t rsp[NF_RSP_MAX];
        nf_prior_plan p;
        nf_ipmi_req req;
        nf_error err;
        size_t len;
        nf_status s;

        nf_prior_plan_init(&p, st);
        for (;;) {
                nf_step step = nf_prior_plan_next(&p, &req);

                if (step == NF_STEP_DONE)
                        break;
                if (step == NF_STEP_OPEN) {
                        o->opens++;
                        nf_prior_plan_feed(&p, o->status, &o->err, NULL, 0);
                        continue;
                }
                answer(b, &req, &s, &err, rsp, &len);
                nf_prior_plan_feed(&p, s, &err, rsp, len);
        }
        *ret = p.seen;
}

static void prior_checks(void **state) {
        fake_bmc b = { .power_on = false };
        opener o = { .status = NF_E_PASSWORD };
        nf_op_state st = { 0 };
        nf_prior_seen seen;

        nf_error_set(&o.err, NF_E_PASSWORD, 0, 0, "wrong");
        prior(&b, &o, &st, &seen);
        assert_int_equal(seen.login, NF_PRIOR_LOGIN_REFUSED);
        assert_int_equal(seen.error.status, NF_E_PASSWORD);
        assert_int_equal(b.n_req, 0);
        o.status = NF_E_TIMEOUT;
        prior(&b, &o, &st, &seen);
        assert_int_equal(seen.login, NF_PRIOR_LOGIN_UNREACHABLE);

        /* No SEL position kept: the power only. */
        o.status = NF_OK;
        prior(&b, &o, &st, &seen);
        assert_int_equal(seen.login, NF_PRIOR_LOGIN_OK);
        assert_int_equal(seen.power, NF_PRIOR_POWER_MATCHES);
        assert_int_equal(seen.sel, NF_PRIOR_SEL_UNKNOWN);
        assert_int_equal(b.n_req, 1);

        /* Nothing of the host's after the operation's last record. */
        fake_bmc_add_stage(&b, NF_STAGE_DUMP_DONE, 0, 4);       /* 1 */
        fake_bmc_add_foreign(&b);                               /* 2 */
        st.cursor_valid = true;
        st.cursor = (nf_sel_cursor) { .have_last = true, .last_id = 1, .entries_seen = 1 };
        st.snap.power_on = true;
        prior(&b, &o, &st, &seen);
        assert_int_equal(seen.power, NF_PRIOR_POWER_DIFFERS);
        assert_int_equal(seen.sel, NF_PRIOR_SEL_CONTINUOUS);

        /* A new boot's armed record: life. */
        fake_bmc_add_stage(&b, NF_STAGE_ARMED, 0, 0);           /* 3 */
        prior(&b, &o, &st, &seen);
        assert_int_equal(seen.sel, NF_PRIOR_SEL_LIFE);
        assert_int_equal(seen.newer_records, 1);
        assert_string_equal(seen.life, "armed (seq 0), SEL record 3");

        /* Cleared: gone. */
        fake_bmc_clear(&b, false);
        prior(&b, &o, &st, &seen);
        assert_int_equal(seen.sel, NF_PRIOR_SEL_GONE);
        assert_string_equal(seen.life, "SEL record 1 is gone");

        /* The SEL read fails: unknown. */
        b.fail_at = b.n_req + 3;
        b.fail_status = NF_E_TIMEOUT;
        prior(&b, &o, &st, &seen);
        assert_int_equal(seen.login, NF_PRIOR_LOGIN_OK);
        assert_int_equal(seen.sel, NF_PRIOR_SEL_UNKNOWN);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(open_step),
                cmocka_unit_test(no_session),
                cmocka_unit_test(controls),
                cmocka_unit_test(poll_records),
                cmocka_unit_test(poll_nothing_new),
                cmocka_unit_test(poll_off_after_record),
                cmocka_unit_test(poll_cleared),
                cmocka_unit_test(poll_reservation_canceled),
                cmocka_unit_test(poll_full_result),
                cmocka_unit_test(mark_boot_boundary),
                cmocka_unit_test(completion_code_at_each_step),
                cmocka_unit_test(watch_polls),
                cmocka_unit_test(prior_checks),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
