/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The blocking executors (agent/fence-io.c, agent/host-watch.c, ipmi/sel.c)
 * against a scripted BMC (fake-bmc.h) plugged in as a session transport:
 * which requests go out, in which order, and what each action, poll and
 * SEL read reports, with a failure injected at every request in turn.
 * These assert what the programs do on the wire and report, so they hold
 * whatever the executors are built on.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dump-event.h"
#include "fake-bmc.h"
#include "fence-io.h"
#include "host-watch.h"
#include "nf-commands.h"

#define ST NF_NETFN_STORAGE
#define CH NF_NETFN_CHASSIS

static void expect_req(const fake_bmc *b, unsigned n, uint8_t netfn, uint8_t cmd) {
        assert_true(n >= 1 && n <= b->n_req);
        assert_int_equal(b->log[n - 1].netfn, netfn);
        assert_int_equal(b->log[n - 1].cmd, cmd);
}

static uint16_t entry_id(const fake_bmc *b, unsigned n) {
        expect_req(b, n, ST, NF_CMD_GET_SEL_ENTRY);
        return b->log[n - 1].data[2] | b->log[n - 1].data[3] << 8;
}

static uint16_t entry_resv(const fake_bmc *b, unsigned n) {
        expect_req(b, n, ST, NF_CMD_GET_SEL_ENTRY);
        return b->log[n - 1].data[0] | b->log[n - 1].data[1] << 8;
}

typedef struct seen {
        unsigned n;
        uint16_t ids[FAKE_MAX_RECORDS];
        unsigned stop_after;            /* 0: never stop */
} seen;

static int visit(const nf_sel_record *rec, void *userdata) {
        seen *v = userdata;

        v->ids[v->n++] = rec->record_id;
        return v->stop_after && v->n >= v->stop_after;
}

/* ---- ipmi/sel.c ------------------------------------------------------- */

static void sel_cursor_init_empty_and_full(void **state) {
        fake_bmc b = { 0 };
        nf_session *s = fake_bmc_session(&b);
        nf_sel_cursor cur = { .have_last = true, .last_id = 99 };

        assert_int_equal(nf_sel_cursor_init(s, &cur), NF_OK);
        assert_false(cur.have_last);
        assert_int_equal(cur.entries_seen, 0);
        assert_int_equal(b.n_req, 2);
        expect_req(&b, 1, ST, NF_CMD_GET_SEL_INFO);
        assert_int_equal(entry_id(&b, 2), 0xFFFF);
        assert_int_equal(nf_session_last_error(s)->status, NF_OK);

        fake_bmc_add_foreign(&b);
        fake_bmc_add_foreign(&b);
        assert_int_equal(nf_sel_cursor_init(s, &cur), NF_OK);
        assert_true(cur.have_last);
        assert_int_equal(cur.last_id, 2);
        assert_int_equal(cur.entries_seen, 2);

        /* A failure leaves the cursor untouched. */
        b.fail_at = b.n_req + 2;
        b.fail_status = NF_E_COMPLETION;
        b.fail_cc = 0xCC;
        cur = (nf_sel_cursor) { .last_id = 7 };
        assert_int_equal(nf_sel_cursor_init(s, &cur), NF_E_COMPLETION);
        assert_int_equal(cur.last_id, 7);
        assert_int_equal(nf_session_last_error(s)->cc, 0xCC);
        assert_int_equal(nf_session_last_error(s)->cmd, NF_CMD_GET_SEL_ENTRY);
        nf_session_free(s);
}

static void sel_read_new_records(void **state) {
        fake_bmc b = { 0 };
        nf_session *s = fake_bmc_session(&b);
        nf_sel_cursor cur;
        seen v = { 0 };
        bool cleared = true;
        unsigned i;

        for (i = 0; i < 3; i++)
                fake_bmc_add_foreign(&b);
        assert_int_equal(nf_sel_cursor_init(s, &cur), NF_OK);
        for (i = 0; i < 4; i++)
                fake_bmc_add_stage(&b, NF_STAGE_PROGRESS, 10 * i, 1);
        b.n_req = 0;
        assert_int_equal(nf_sel_read_new(s, &cur, visit, &v, &cleared), NF_OK);
        assert_false(cleared);
        assert_int_equal(v.n, 4);
        for (i = 0; i < 4; i++)
                assert_int_equal(v.ids[i], 4 + i);
        assert_true(cur.have_last);
        assert_int_equal(cur.last_id, 7);
        assert_int_equal(cur.entries_seen, 7);
        /* Info, Reserve, the remembered record, then 4, 5, 6, 7. */
        assert_int_equal(b.n_req, 7);
        expect_req(&b, 1, ST, NF_CMD_GET_SEL_INFO);
        expect_req(&b, 2, ST, NF_CMD_RESERVE_SEL);
        assert_int_equal(entry_id(&b, 3), 3);
        for (i = 0; i < 4; i++)
                assert_int_equal(entry_id(&b, 4 + i), 4 + i);
        assert_int_equal(entry_resv(&b, 4), b.reservation);

        /* Nothing new: Get SEL Info shows the SEL as the walk found it,
         * and the read ends there (sel-reader.c). */
        v.n = 0;
        b.n_req = 0;
        assert_int_equal(nf_sel_read_new(s, &cur, visit, &v, &cleared), NF_OK);
        assert_int_equal(v.n, 0);
        assert_int_equal(b.n_req, 1);
        assert_int_equal(cur.last_id, 7);

        /* The visitor stops: the cursor stays on the record it stopped at. */
        for (i = 0; i < 3; i++)
                fake_bmc_add_foreign(&b);
        v = (seen) { .stop_after = 2 };
        assert_int_equal(nf_sel_read_new(s, &cur, visit, &v, &cleared), NF_OK);
        assert_int_equal(v.n, 2);
        assert_int_equal(cur.last_id, 9);
        nf_session_free(s);
}

static void sel_read_new_cleared(void **state) {
        fake_bmc b = { 0 };
        nf_session *s = fake_bmc_session(&b);
        nf_sel_cursor cur;
        seen v = { 0 };
        bool cleared = false;

        fake_bmc_add_foreign(&b);
        fake_bmc_add_foreign(&b);
        assert_int_equal(nf_sel_cursor_init(s, &cur), NF_OK);
        assert_int_equal(cur.last_id, 2);

        /* Cleared, new ids: the remembered one is gone (0xCB). */
        fake_bmc_clear(&b, false);
        fake_bmc_add_stage(&b, NF_STAGE_ARMED, 0, 0);
        assert_int_equal(nf_sel_read_new(s, &cur, visit, &v, &cleared), NF_OK);
        assert_true(cleared);
        assert_int_equal(v.n, 1);
        assert_int_equal(v.ids[0], 3);
        assert_int_equal(cur.last_id, 3);
        assert_int_equal(cur.entries_seen, 1);

        /* Cleared, ids reused: record 1 exists again but the SEL shrank. */
        fake_bmc_add_foreign(&b);
        fake_bmc_add_foreign(&b);
        assert_int_equal(nf_sel_read_new(s, &cur, visit, &v, &cleared), NF_OK);
        assert_false(cleared);
        assert_int_equal(cur.entries_seen, 3);
        fake_bmc_clear(&b, true);
        fake_bmc_add_foreign(&b);       /* 1 */
        fake_bmc_add_foreign(&b);       /* 2 */
        fake_bmc_add_foreign(&b);       /* 3 */
        fake_bmc_add_foreign(&b);       /* 4 */
        fake_bmc_add_foreign(&b);       /* 5, the remembered id, in a SEL of 5 */
        b.n = 2;                        /* ... of which only 1, 2 stay */
        b.next_id = 3;
        cur.last_id = 2;
        v.n = 0;
        assert_int_equal(nf_sel_read_new(s, &cur, visit, &v, &cleared), NF_OK);
        assert_true(cleared);
        assert_int_equal(v.n, 2);
        assert_int_equal(v.ids[0], 1);
        assert_int_equal(cur.entries_seen, 2);

        /* Cleared to empty: nothing to read, cursor "before the first". */
        fake_bmc_clear(&b, false);
        v.n = 0;
        assert_int_equal(nf_sel_read_new(s, &cur, visit, &v, &cleared), NF_OK);
        assert_true(cleared);
        assert_int_equal(v.n, 0);
        assert_false(cur.have_last);
        assert_int_equal(cur.entries_seen, 0);
        assert_int_equal(nf_session_last_error(s)->status, NF_OK);
        nf_session_free(s);
}

static void sel_read_new_reservation_canceled(void **state) {
        fake_bmc b = { 0 };
        nf_session *s = fake_bmc_session(&b);
        nf_sel_cursor cur = { 0 };
        seen v = { 0 };
        bool cleared = true;
        unsigned i;

        for (i = 0; i < 4; i++)
                fake_bmc_add_stage(&b, NF_STAGE_PROGRESS, i, 1);
        /* Info 1, Reserve 2, entry 1 (3), entry 2 (4): canceled before 4. */
        b.cancel_at = 4;
        assert_int_equal(nf_sel_read_new(s, &cur, visit, &v, &cleared), NF_OK);
        assert_int_equal(v.n, 4);
        assert_int_equal(entry_id(&b, 4), 2);
        expect_req(&b, 5, ST, NF_CMD_RESERVE_SEL);
        assert_int_equal(entry_id(&b, 6), 2);
        assert_int_equal(entry_resv(&b, 6), b.reservation);
        assert_int_equal(b.n_req, 8);
        assert_int_equal(cur.last_id, 4);

        /* Canceled again right after the new reservation: given up, the
         * completion code kept, the cursor on the last record read. */
        for (i = 0; i < 3; i++)
                fake_bmc_add_foreign(&b);
        b.n_req = 0;
        b.cancel_at = 3;        /* Info, recheck 4 (the reservation kept), entry 5 */
        b.fail_at = 5;          /* the retry of entry 5 */
        b.fail_status = NF_E_COMPLETION;
        b.fail_cc = 0xC5;
        v.n = 0;
        assert_int_equal(nf_sel_read_new(s, &cur, visit, &v, &cleared), NF_E_COMPLETION);
        assert_int_equal(nf_session_last_error(s)->cc, 0xC5);
        assert_int_equal(b.n_req, 5);
        assert_int_equal(v.n, 0);
        assert_int_equal(cur.last_id, 4);

        /* A BMC without Reserve SEL (0xC1): reservation 0. */
        b = (fake_bmc) { .no_reserve = true };
        fake_bmc_add_foreign(&b);
        cur = (nf_sel_cursor) { 0 };
        v.n = 0;
        assert_int_equal(nf_sel_read_new(s, &cur, visit, &v, &cleared), NF_OK);
        assert_int_equal(v.n, 1);
        assert_int_equal(entry_resv(&b, 3), 0);
        nf_session_free(s);
}

/* Every request of a read fails in turn; the read fails with that
 * failure, and the cursor keeps the records read before it. */
static void sel_read_new_failure_at_each_request(void **state) {
        static const nf_status kinds[] = { NF_E_COMPLETION, NF_E_TIMEOUT, NF_E_SHORT_RESPONSE };
        unsigned k, n;

        for (k = 0; k < 3; k++) {
                for (n = 1; n <= 6; n++) {
                        fake_bmc b = { 0 };
                        nf_session *s = fake_bmc_session(&b);
                        nf_sel_cursor cur;
                        seen v = { 0 };
                        bool cleared = false;
                        nf_status r, want;
                        unsigned i;

                        fake_bmc_add_foreign(&b);
                        assert_int_equal(nf_sel_cursor_init(s, &cur), NF_OK);
                        for (i = 0; i < 3; i++)
                                fake_bmc_add_stage(&b, NF_STAGE_PROGRESS, i, 1);
                        b.n_req = 0;
                        if (kinds[k] == NF_E_SHORT_RESPONSE)
                                b.short_at = n;
                        else {
                                b.fail_at = n;
                                b.fail_status = kinds[k];
                                b.fail_cc = 0xCC;
                        }
                        r = nf_sel_read_new(s, &cur, visit, &v, &cleared);
                        /* Info, Reserve, recheck 1, entries 2, 3, 4 */
                        want = kinds[k];
                        if (kinds[k] == NF_E_SHORT_RESPONSE && n == 2)
                                want = NF_E_SHORT_RESPONSE; /* a 1-byte reservation */
                        assert_int_equal(r, want);
                        assert_int_equal(nf_session_last_error(s)->status, want);
                        assert_int_equal(nf_session_last_error(s)->netfn, ST);
                        assert_int_equal(nf_session_last_error(s)->cmd, b.log[n - 1].cmd);
                        if (kinds[k] == NF_E_COMPLETION)
                                assert_int_equal(nf_session_last_error(s)->cc, 0xCC);
                        assert_int_equal(b.n_req, n);
                        assert_int_equal(v.n, n > 4 ? n - 4 : 0);
                        assert_int_equal(cur.last_id, n > 4 ? n - 3 : 1);
                        assert_int_equal(cur.entries_seen, 1);
                        nf_session_free(s);
                }
        }
}

/* ---- agent/fence-io.c ------------------------------------------------- */

static void run(nf_fence_io *io, nf_action_kind kind, nf_action_result *r) {
        nf_action a = { .kind = kind };

        nf_fence_io_run(io, &a, r);
}

static void fence_io_mark_end(void **state) {
        fake_bmc b = { .power_on = true };
        nf_fence_io io = { .session = fake_bmc_session(&b) };
        nf_action_result r;

        fake_bmc_add_foreign(&b);
        fake_bmc_add_stage(&b, NF_STAGE_ARMED, 0, 0);
        run(&io, NF_ACT_MARK, &r);
        assert_int_equal(r.status, NF_OK);
        assert_null(r.error);
        assert_true(io.cursor_valid);
        assert_int_equal(io.cursor.last_id, 2);
        assert_int_equal(io.cursor.entries_seen, 2);
        assert_true(r.sel_info_known);
        assert_int_equal(r.sel_entries, 2);
        assert_int_equal(r.sel_free_bytes, (FAKE_MAX_RECORDS - 2) * 16);
        assert_true(r.power_known);
        assert_true(r.power_on);
        assert_false(r.boundary_found);
        /* Info (also the space), last entry, chassis status */
        assert_int_equal(b.n_req, 3);
        expect_req(&b, 1, ST, NF_CMD_GET_SEL_INFO);
        assert_int_equal(entry_id(&b, 2), 0xFFFF);
        expect_req(&b, 3, CH, NF_CMD_GET_CHASSIS_STATUS);
        nf_fence_io_done(&io);
}

static void fence_io_mark_boot(void **state) {
        fake_bmc b = { .power_on = true };
        nf_fence_io io = { .session = fake_bmc_session(&b) };
        nf_action a = { .kind = NF_ACT_MARK, .window = NF_SEL_FROM_BOOT };
        nf_action_result r;

        fake_bmc_add_stage(&b, NF_STAGE_ARMED, 0, 0);           /* 1: an earlier boot */
        fake_bmc_add_stage(&b, NF_STAGE_DUMP_START, 2, 1);      /* 2 */
        fake_bmc_add_stage(&b, NF_STAGE_DISARMED, 0, 2);        /* 3 */
        fake_bmc_add_stage(&b, NF_STAGE_ARMED, 0, 0);           /* 4: this boot */
        fake_bmc_add_foreign(&b);                               /* 5 */
        fake_bmc_add_stage(&b, NF_STAGE_DUMP_START, 1, 1);      /* 6 */
        nf_fence_io_run(&io, &a, &r);
        assert_int_equal(r.status, NF_OK);
        assert_true(r.boundary_found);
        assert_int_equal(r.boundary_id, 4);
        assert_int_equal(r.boundary.stage, NF_STAGE_ARMED);
        assert_true(io.cursor_valid);
        assert_true(io.cursor.have_last);
        assert_int_equal(io.cursor.last_id, 4);
        assert_int_equal(io.cursor.entries_seen, 6);
        assert_int_equal(io.foreign_records, 0);
        /* Info, Reserve, entries 0 (first) .. 6, chassis status */
        assert_int_equal(b.n_req, 2 + 6 + 1);
        expect_req(&b, 2, ST, NF_CMD_RESERVE_SEL);
        assert_int_equal(entry_id(&b, 3), 0);
        expect_req(&b, 9, CH, NF_CMD_GET_CHASSIS_STATUS);

        /* The first poll delivers the records after the boundary. */
        run(&io, NF_ACT_POLL, &r);
        assert_int_equal(r.status, NF_OK);
        assert_int_equal(r.n_msgs, 1);
        assert_int_equal(r.msgs[0].stage, NF_STAGE_DUMP_START);
        assert_int_equal(io.foreign_records, 1);
        assert_int_equal(io.cursor.last_id, 6);

        /* No boundary: the cursor is "before the first record". */
        b.n = 0;
        fake_bmc_add_foreign(&b);
        nf_fence_io_run(&io, &a, &r);
        assert_int_equal(r.status, NF_OK);
        assert_false(r.boundary_found);
        assert_false(io.cursor.have_last);
        assert_int_equal(io.cursor.entries_seen, 1);
        nf_fence_io_done(&io);
}

static void fence_io_poll(void **state) {
        fake_bmc b = { .power_on = true };
        nf_fence_io io = { .session = fake_bmc_session(&b) };
        nf_action_result r;
        unsigned i;

        fake_bmc_add_foreign(&b);
        run(&io, NF_ACT_MARK, &r);
        fake_bmc_add_stage(&b, NF_STAGE_DUMP_START, 2, 1);
        fake_bmc_add_foreign(&b);
        fake_bmc_add_stage(&b, NF_STAGE_PROGRESS, 50, 2);
        b.n_req = 0;
        run(&io, NF_ACT_POLL, &r);
        assert_int_equal(r.status, NF_OK);
        /* Records: no power reading. */
        assert_false(r.power_known);
        assert_false(r.sel_cleared);
        assert_int_equal(r.n_msgs, 2);
        assert_int_equal(r.msgs[0].stage, NF_STAGE_DUMP_START);
        assert_int_equal(r.msgs[1].stage, NF_STAGE_PROGRESS);
        assert_int_equal(r.msgs[1].arg, 50);
        assert_int_equal(io.foreign_records, 1);
        assert_int_equal(io.cursor.last_id, 4);
        /* Info, Reserve, 1, 2, 3, 4 */
        assert_int_equal(b.n_req, 6);
        expect_req(&b, 1, ST, NF_CMD_GET_SEL_INFO);

        /* Nothing new, the host off: the SEL, the power, the SEL again. */
        b.power_on = false;
        b.n_req = 0;
        run(&io, NF_ACT_POLL, &r);
        assert_int_equal(r.status, NF_OK);
        assert_true(r.power_known);
        assert_false(r.power_on);
        assert_int_equal(r.n_msgs, 0);
        /* Info (unchanged: no walk), status, Info (still unchanged) */
        assert_int_equal(b.n_req, 3);
        expect_req(&b, 2, CH, NF_CMD_GET_CHASSIS_STATUS);
        expect_req(&b, 3, ST, NF_CMD_GET_SEL_INFO);
        b.power_on = true;

        /* Cleared: reported, and the whole new SEL is read. */
        fake_bmc_clear(&b, false);
        fake_bmc_add_stage(&b, NF_STAGE_DUMP_DONE, 0, 3);
        run(&io, NF_ACT_POLL, &r);
        assert_int_equal(r.status, NF_OK);
        assert_true(r.sel_cleared);
        assert_int_equal(r.n_msgs, 1);
        assert_int_equal(r.msgs[0].stage, NF_STAGE_DUMP_DONE);

        /* More than a result holds: the rest is the next poll's. */
        for (i = 0; i < NF_FENCE_MAX_MSGS + 5; i++)
                fake_bmc_add_stage(&b, NF_STAGE_PROGRESS, i, 4);
        run(&io, NF_ACT_POLL, &r);
        assert_int_equal(r.n_msgs, NF_FENCE_MAX_MSGS);
        run(&io, NF_ACT_POLL, &r);
        assert_int_equal(r.n_msgs, 5);
        assert_int_equal(r.msgs[4].arg, NF_FENCE_MAX_MSGS + 4);
        nf_fence_io_done(&io);
}

static void fence_io_controls(void **state) {
        fake_bmc b = { .power_on = true };
        nf_fence_io io = { .session = fake_bmc_session(&b) };
        nf_action a = { .kind = NF_ACT_CONTROL, .ctl = NF_CHASSIS_OFF };
        nf_action_result r;

        run(&io, NF_ACT_DIAG, &r);
        assert_int_equal(r.status, NF_OK);
        assert_int_equal(b.n_req, 1);
        expect_req(&b, 1, CH, NF_CMD_CHASSIS_CONTROL);
        assert_int_equal(b.log[0].data[0], NF_CHASSIS_DIAG);
        assert_true(b.log[0].once);

        nf_fence_io_run(&io, &a, &r);
        assert_int_equal(r.status, NF_OK);
        assert_int_equal(b.log[1].data[0], NF_CHASSIS_OFF);
        assert_true(b.log[1].once);   /* every Chassis Control is sent once */
        assert_false(b.power_on);

        run(&io, NF_ACT_POWER_STATUS, &r);
        assert_int_equal(r.status, NF_OK);
        assert_true(r.power_known);
        assert_false(r.power_on);
        assert_int_equal(b.n_req, 3);

        /* The diag through CONTROL is sent once too. */
        a.ctl = NF_CHASSIS_DIAG;
        nf_fence_io_run(&io, &a, &r);
        assert_true(b.log[3].once);

        /* Refused: the completion code reaches the result. */
        b.fail_at = 5;
        b.fail_status = NF_E_COMPLETION;
        b.fail_cc = 0xD5;
        run(&io, NF_ACT_DIAG, &r);
        assert_int_equal(r.status, NF_E_COMPLETION);
        assert_non_null(r.error);
        assert_int_equal(r.error->cc, 0xD5);
        assert_int_equal(r.error->cmd, NF_CMD_CHASSIS_CONTROL);

        /* An unknown control never leaves. */
        a.ctl = (nf_chassis_ctl) 0x09;
        nf_fence_io_run(&io, &a, &r);
        assert_int_equal(r.status, NF_E_INVALID_ARG);
        assert_int_equal(b.n_req, 5);

        run(&io, NF_ACT_WAIT, &r);
        assert_int_equal(r.status, NF_OK);
        assert_int_equal(b.n_req, 5);

        /* Nothing but OPEN runs without a session. */
        nf_fence_io_done(&io);
        run(&io, NF_ACT_POLL, &r);
        assert_int_equal(r.status, NF_E_SESSION_LOST);
        assert_non_null(r.error);
        assert_int_equal(r.error->status, NF_E_SESSION_LOST);
        run(&io, NF_ACT_WAIT, &r);
        assert_int_equal(r.status, NF_E_SESSION_LOST);
        assert_int_equal(b.n_req, 5);
}

/* MARK with a failure at each of its requests. */
static void fence_io_mark_failure_at_each_request(void **state) {
        unsigned n;

        /* Info, last entry, chassis status */
        for (n = 1; n <= 3; n++) {
                fake_bmc b = { .power_on = true, .fail_at = n, .fail_status = NF_E_COMPLETION, .fail_cc = 0xCC };
                nf_fence_io io = { .session = fake_bmc_session(&b) };
                nf_action_result r;

                fake_bmc_add_foreign(&b);
                run(&io, NF_ACT_MARK, &r);
                {
                        assert_int_equal(r.status, NF_E_COMPLETION);
                        assert_int_equal(r.error->cc, 0xCC);
                        assert_int_equal(r.error->cmd, b.log[n - 1].cmd);
                        assert_false(r.power_known);
                }
                /* The cursor is taken once the SEL part succeeded. */
                assert_int_equal(io.cursor_valid, n > 2);
                assert_int_equal(r.sel_info_known, n > 2);
                assert_int_equal(b.n_req, n);
                nf_fence_io_done(&io);
        }
}

/* POLL with a failure at each of its requests. */
static void fence_io_poll_failure_at_each_request(void **state) {
        unsigned n;

        for (n = 1; n <= 5; n++) {
                fake_bmc b = { .power_on = true };
                nf_fence_io io = { .session = fake_bmc_session(&b) };
                nf_action_result r;

                fake_bmc_add_foreign(&b);
                run(&io, NF_ACT_MARK, &r);
                fake_bmc_add_stage(&b, NF_STAGE_DUMP_START, 2, 1);
                fake_bmc_add_stage(&b, NF_STAGE_PROGRESS, 5, 2);
                b.n_req = 0;
                b.fail_at = n;
                b.fail_status = NF_E_TIMEOUT;
                run(&io, NF_ACT_POLL, &r);
                /* Info, Reserve, recheck 1, entries 2, 3 (no power
                 * reading: there are records) */
                {
                        assert_int_equal(r.status, NF_E_TIMEOUT);
                        assert_int_equal(r.error->status, NF_E_TIMEOUT);
                        assert_int_equal(r.error->cmd, b.log[n - 1].cmd);
                        assert_false(r.power_known);
                        /* Records read before the failure stay read. */
                        assert_int_equal(r.n_msgs, n == 5 ? 1 : 0);
                        assert_int_equal(io.cursor.last_id, n == 5 ? 2 : 1);
                }
                assert_int_equal(b.n_req, n);
                nf_fence_io_done(&io);
        }
}

/* ---- agent/host-watch.c ----------------------------------------------- */

static void host_watch_polls(void **state) {
        fake_bmc b = { .power_on = true };
        nf_host_watch w = { .session = fake_bmc_session(&b) };
        nf_event crit = {
                .generator_id = 0x0041, .evm_rev = 0x04, .sensor_type = 0x20, .sensor_number = 0x01,
                .event_dir_type = 0x6F, .data = { 0x01, 0xFF, 0xFF },
        };
        nf_live_poll o;

        fake_bmc_add_foreign(&b);
        nf_host_watch_poll(&w, &o);
        assert_true(o.bmc_ok);
        assert_true(o.power_known);
        assert_true(o.power_on);
        assert_true(o.wd_known);
        assert_int_equal(o.wd.initial_ds, 300);
        assert_true(w.cursor_valid);
        assert_int_equal(w.cursor.last_id, 1);
        /* status, watchdog, then the mark: Info, last entry */
        assert_int_equal(b.n_req, 4);
        expect_req(&b, 1, CH, NF_CMD_GET_CHASSIS_STATUS);
        expect_req(&b, 2, NF_NETFN_APP, NF_CMD_GET_WATCHDOG);
        expect_req(&b, 3, ST, NF_CMD_GET_SEL_INFO);

        fake_bmc_add_event(&b, &crit);
        fake_bmc_add_stage(&b, NF_STAGE_DUMP_START, 2, 1);
        nf_host_watch_poll(&w, &o);
        assert_true(o.bmc_ok);
        assert_true(o.os_critical);
        assert_true(o.dump_record);
        assert_false(o.dump_end);
        assert_int_equal(w.cursor.last_id, 3);

        /* The watchdog answers short (stock ipmi_sim): unknown, not lost. */
        b.wd_short = true;
        nf_host_watch_poll(&w, &o);
        assert_true(o.bmc_ok);
        assert_false(o.wd_known);
        assert_true(w.wd_error_known);
        assert_int_equal(w.err.status, NF_E_SHORT_RESPONSE);
        assert_false(w.session_broken);
        b.wd_short = false;

        /* The BMC stops answering: lost, re-opened next time. */
        b.fail_at = b.n_req + 1;
        b.fail_status = NF_E_TIMEOUT;
        nf_host_watch_poll(&w, &o);
        assert_false(o.bmc_ok);
        assert_false(o.power_known);
        assert_true(w.session_broken);
        assert_int_equal(w.failures, 1);
        assert_int_equal(w.err.status, NF_E_TIMEOUT);
        nf_host_watch_poll(&w, &o);
        assert_true(o.bmc_ok);
        assert_int_equal(b.opens, 1);
        assert_false(w.session_broken);
        assert_int_equal(w.polls, 5);
        nf_host_watch_done(&w);
}

/* A poll with a failure at each request: what is lost and what stands. */
static void host_watch_failure_at_each_request(void **state) {
        static const nf_status kinds[] = { NF_E_COMPLETION, NF_E_TIMEOUT };
        unsigned k, n;

        for (k = 0; k < 2; k++) {
                for (n = 1; n <= 6; n++) {
                        fake_bmc b = { .power_on = true };
                        nf_host_watch w = { .session = fake_bmc_session(&b) };
                        nf_live_poll o;
                        bool lost;

                        fake_bmc_add_foreign(&b);
                        nf_host_watch_poll(&w, &o);
                        fake_bmc_add_stage(&b, NF_STAGE_DUMP_DONE, 0, 2);
                        b.n_req = 0;
                        b.fail_at = n;
                        b.fail_status = kinds[k];
                        b.fail_cc = 0xCC;
                        nf_host_watch_poll(&w, &o);
                        /* status, watchdog, Info, Reserve, recheck 1, entry 2 */
                        lost = kinds[k] == NF_E_TIMEOUT;
                        assert_int_equal(o.bmc_ok, !lost);
                        assert_int_equal(w.session_broken, lost);
                        assert_int_equal(w.failures, lost);
                        assert_int_equal(w.err.status, kinds[k]);
                        assert_int_equal(w.err.cmd, b.log[n - 1].cmd);
                        if (!lost) {
                                assert_int_equal(o.power_known, n != 1);
                                assert_int_equal(o.wd_known, n != 2);
                                assert_int_equal(w.wd_error_known, n == 2);
                                /* the SEL read failed before the record */
                                assert_int_equal(o.dump_end, n < 3);
                        }
                        /* a failed SEL read ends at the failure */
                        assert_int_equal(b.n_req, lost || n > 2 ? n : 6);
                        nf_host_watch_done(&w);
                }
        }
}

/* The first poll's mark gets no answer: the session is broken, the poll
 * stands, the next poll re-opens and marks again. */
static void host_watch_mark_unanswered(void **state) {
        fake_bmc b = { .power_on = true, .fail_at = 3, .fail_status = NF_E_TIMEOUT };
        nf_host_watch w = { .session = fake_bmc_session(&b) };
        nf_live_poll o;

        nf_host_watch_poll(&w, &o);
        assert_true(o.bmc_ok);
        assert_true(o.power_known);
        assert_true(w.session_broken);
        assert_false(w.cursor_valid);
        assert_int_equal(w.failures, 0);
        nf_host_watch_poll(&w, &o);
        assert_int_equal(b.opens, 1);
        assert_true(w.cursor_valid);
        nf_host_watch_done(&w);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(sel_cursor_init_empty_and_full),
                cmocka_unit_test(sel_read_new_records),
                cmocka_unit_test(sel_read_new_cleared),
                cmocka_unit_test(sel_read_new_reservation_canceled),
                cmocka_unit_test(sel_read_new_failure_at_each_request),
                cmocka_unit_test(fence_io_mark_end),
                cmocka_unit_test(fence_io_mark_boot),
                cmocka_unit_test(fence_io_poll),
                cmocka_unit_test(fence_io_controls),
                cmocka_unit_test(fence_io_mark_failure_at_each_request),
                cmocka_unit_test(fence_io_poll_failure_at_each_request),
                cmocka_unit_test(host_watch_polls),
                cmocka_unit_test(host_watch_failure_at_each_request),
                cmocka_unit_test(host_watch_mark_unanswered),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
