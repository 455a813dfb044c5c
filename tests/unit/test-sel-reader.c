/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the sans-I/O SEL reader (ipmi/sel-reader.c), driven
 * directly against a scripted BMC (fake-bmc.h): no session, no socket.
 * Links libnfcodec only: the reader needs no transport.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dump-event.h"
#include "fake-bmc.h"
#include "sel-reader.h"

typedef struct seen {
        unsigned n;
        uint16_t ids[FAKE_MAX_RECORDS];
        nf_stage stages[FAKE_MAX_RECORDS];
        unsigned stop_after;
} seen;

static int visit(const nf_sel_record *rec, void *userdata) {
        seen *v = userdata;
        nf_stage_msg m = { 0 };

        if (rec->is_event)
                (void) nf_stage_decode(&rec->event, &m);
        v->stages[v->n] = m.stage;
        v->ids[v->n++] = rec->record_id;
        return v->stop_after && v->n >= v->stop_after;
}

static nf_status drive(nf_sel_reader *r, fake_bmc *b, seen *v) {
        uint8_t rsp[NF_RSP_MAX];
        nf_ipmi_req req;
        nf_error err;
        size_t len;
        nf_status s;

        while (nf_sel_reader_next(r, &req) == NF_STEP_REQUEST) {
                assert_false(req.once);
                s = fake_bmc_reply(b, req.netfn, req.cmd, req.data, req.len, req.once, &err, rsp, sizeof rsp, &len);
                nf_sel_reader_feed(r, s, &err, rsp, len, visit, v);
        }
        return nf_sel_reader_status(r);
}

static uint16_t entry_id(const fake_bmc *b, unsigned n) {
        assert_int_equal(b->log[n - 1].cmd, NF_CMD_GET_SEL_ENTRY);
        return b->log[n - 1].data[2] | b->log[n - 1].data[3] << 8;
}

static void mark(void **state) {
        fake_bmc b = { 0 };
        nf_sel_reader r;
        nf_ipmi_req req;

        nf_sel_reader_init_mark(&r);
        assert_int_equal(drive(&r, &b, NULL), NF_OK);
        assert_int_equal(nf_sel_reader_next(&r, &req), NF_STEP_DONE);
        assert_false(r.cur.have_last);
        assert_int_equal(r.err.status, NF_OK);
        assert_int_equal(b.n_req, 2);

        fake_bmc_add_foreign(&b);
        fake_bmc_add_foreign(&b);
        nf_sel_reader_init_mark(&r);
        assert_int_equal(drive(&r, &b, NULL), NF_OK);
        assert_true(r.cur.have_last);
        assert_int_equal(r.cur.last_id, 2);
        assert_int_equal(r.cur.entries_seen, 2);
}

/* A read over a SEL with records: in order, the cursor on the last. */
static void read_records(void **state) {
        fake_bmc b = { 0 };
        nf_sel_cursor cur;
        nf_sel_reader r;
        seen v = { 0 };

        fake_bmc_add_foreign(&b);
        nf_sel_reader_init_mark(&r);
        assert_int_equal(drive(&r, &b, NULL), NF_OK);
        cur = r.cur;
        fake_bmc_add_stage(&b, NF_STAGE_DUMP_START, 2, 1);
        fake_bmc_add_stage(&b, NF_STAGE_PROGRESS, 40, 2);
        fake_bmc_add_stage(&b, NF_STAGE_DUMP_DONE, 0, 3);
        b.n_req = 0;
        nf_sel_reader_init_read(&r, &cur);
        assert_int_equal(drive(&r, &b, &v), NF_OK);
        assert_false(r.cleared);
        assert_int_equal(v.n, 3);
        assert_int_equal(v.stages[0], NF_STAGE_DUMP_START);
        assert_int_equal(v.stages[2], NF_STAGE_DUMP_DONE);
        assert_int_equal(r.cur.last_id, 4);
        assert_int_equal(r.cur.entries_seen, 4);
        assert_int_equal(b.n_req, 6);
        assert_int_equal(b.log[1].cmd, NF_CMD_RESERVE_SEL);
        assert_int_equal(entry_id(&b, 3), 1);
        assert_int_equal(entry_id(&b, 4), 2);
}

static void read_cleared(void **state) {
        fake_bmc b = { 0 };
        nf_sel_cursor cur = { .have_last = true, .last_id = 7, .entries_seen = 7 };
        nf_sel_reader r;
        seen v = { 0 };

        /* The remembered record is gone (0xCB): cleared, read from the first. */
        b.next_id = 20;
        fake_bmc_add_stage(&b, NF_STAGE_ARMED, 0, 0);
        fake_bmc_add_stage(&b, NF_STAGE_DUMP_START, 0, 1);
        nf_sel_reader_init_read(&r, &cur);
        assert_int_equal(drive(&r, &b, &v), NF_OK);
        assert_true(r.cleared);
        assert_int_equal(v.n, 2);
        assert_int_equal(v.ids[0], 20);
        assert_int_equal(entry_id(&b, 3), 7);
        assert_int_equal(entry_id(&b, 4), 0);
        assert_int_equal(r.cur.last_id, 21);
        assert_int_equal(r.cur.entries_seen, 2);

        /* The remembered id came back in a smaller SEL: cleared too. */
        b = (fake_bmc) { 0 };
        fake_bmc_add_foreign(&b);
        fake_bmc_add_foreign(&b);
        cur = (nf_sel_cursor) { .have_last = true, .last_id = 2, .entries_seen = 9 };
        v.n = 0;
        nf_sel_reader_init_read(&r, &cur);
        assert_int_equal(drive(&r, &b, &v), NF_OK);
        assert_true(r.cleared);
        assert_int_equal(v.n, 2);

        /* Cleared and empty. */
        b = (fake_bmc) { 0 };
        v.n = 0;
        nf_sel_reader_init_read(&r, &cur);
        assert_int_equal(drive(&r, &b, &v), NF_OK);
        assert_true(r.cleared);
        assert_false(r.cur.have_last);
        assert_int_equal(v.n, 0);
        assert_int_equal(r.err.status, NF_OK);
}

/* The reservation is canceled mid-read: one new reservation, the same
 * record asked again; canceled again at once: the read fails. */
static void read_reservation_canceled(void **state) {
        fake_bmc b = { 0 };
        nf_sel_cursor cur = { 0 };
        nf_sel_reader r;
        seen v = { 0 };
        unsigned i;

        for (i = 0; i < 5; i++)
                fake_bmc_add_stage(&b, NF_STAGE_PROGRESS, i, 1);
        b.cancel_at = 5;        /* Info, Reserve, 1, 2, [3] */
        nf_sel_reader_init_read(&r, &cur);
        assert_int_equal(drive(&r, &b, &v), NF_OK);
        assert_int_equal(v.n, 5);
        assert_int_equal(entry_id(&b, 5), 3);
        assert_int_equal(b.log[5].cmd, NF_CMD_RESERVE_SEL);
        assert_int_equal(entry_id(&b, 7), 3);
        assert_int_equal(entry_id(&b, 8), 4);
        assert_int_equal(r.cur.last_id, 5);

        /* Canceled at 5, and the retry at 7 canceled as well. */
        b.n_req = 0;
        b.fail_at = 7;
        b.fail_status = NF_E_COMPLETION;
        b.fail_cc = 0xC5;
        v.n = 0;
        nf_sel_reader_init_read(&r, &cur);
        assert_int_equal(drive(&r, &b, &v), NF_E_COMPLETION);
        assert_int_equal(r.err.cc, 0xC5);
        assert_int_equal(r.err.cmd, NF_CMD_GET_SEL_ENTRY);
        assert_int_equal(b.n_req, 7);
        assert_int_equal(v.n, 2);
        /* the records read before stay read */
        assert_int_equal(r.cur.last_id, 2);
        assert_int_equal(r.cur.entries_seen, 0);

        /* Each Get SEL Entry has its own retry. */
        b.n_req = 0;
        b.fail_at = 0;
        b.cancel_at = 3;
        nf_sel_reader_init_read(&r, &cur);
        v.n = 0;
        assert_int_equal(drive(&r, &b, &v), NF_OK);
        assert_int_equal(v.n, 5);
}

static void read_without_reserve(void **state) {
        fake_bmc b = { .no_reserve = true };
        nf_sel_cursor cur = { 0 };
        nf_sel_reader r;
        seen v = { 0 };

        fake_bmc_add_foreign(&b);
        nf_sel_reader_init_read(&r, &cur);
        assert_int_equal(drive(&r, &b, &v), NF_OK);
        assert_int_equal(v.n, 1);
        assert_int_equal(b.log[2].data[0] | b.log[2].data[1] << 8, 0);
        assert_int_equal(r.err.status, NF_OK);
}

/* A completion code at each request: the read fails with it (the
 * completion code and the command kept), except 0xCB on the first record
 * (an empty SEL) and 0xC1 on Reserve SEL. */
static void read_completion_code_at_each_step(void **state) {
        static const uint8_t ccs[] = { 0xCC, 0xCB, 0xC1, 0xFF };
        unsigned c, n;

        for (c = 0; c < sizeof ccs; c++) {
                for (n = 1; n <= 5; n++) {
                        fake_bmc b = { .fail_at = n, .fail_status = NF_E_COMPLETION, .fail_cc = ccs[c] };
                        nf_sel_cursor cur = { .have_last = true, .last_id = 1, .entries_seen = 1 };
                        nf_sel_reader r;
                        seen v = { 0 };
                        nf_status s, want;
                        uint8_t cmd;

                        fake_bmc_add_foreign(&b);
                        fake_bmc_add_foreign(&b);
                        fake_bmc_add_foreign(&b);
                        nf_sel_reader_init_read(&r, &cur);
                        s = drive(&r, &b, &v);
                        /* Info, Reserve, recheck 1, entries 2, 3 */
                        cmd = b.log[n - 1].cmd;
                        want = NF_E_COMPLETION;
                        if (cmd == NF_CMD_GET_SEL_ENTRY && ccs[c] == 0xCB)
                                want = n == 3 ? NF_OK /* the remembered one gone: cleared */ : NF_E_NOT_FOUND;
                        if (cmd == NF_CMD_RESERVE_SEL && ccs[c] == 0xC1)
                                want = NF_OK;
                        assert_int_equal(s, want);
                        if (want == NF_OK)
                                continue;
                        assert_int_equal(r.state, NF_SR_FAILED);
                        assert_int_equal(r.err.status, want);
                        assert_int_equal(r.err.cc, ccs[c]);
                        assert_int_equal(r.err.netfn, NF_NETFN_STORAGE);
                        assert_int_equal(r.err.cmd, cmd);
                        assert_int_equal(b.n_req, n);
                        assert_int_equal(v.n, n > 4 ? 1 : 0);
                        assert_int_equal(r.cur.entries_seen, 1);
                }
        }
}

static void read_short_and_lost(void **state) {
        fake_bmc b = { .short_at = 1 };
        nf_sel_cursor cur = { 0 };
        nf_sel_reader r;
        seen v = { 0 };

        fake_bmc_add_foreign(&b);
        nf_sel_reader_init_read(&r, &cur);
        assert_int_equal(drive(&r, &b, &v), NF_E_SHORT_RESPONSE);
        assert_int_equal(r.err.cmd, NF_CMD_GET_SEL_INFO);

        b = (fake_bmc) { .short_at = 3 };
        fake_bmc_add_foreign(&b);
        nf_sel_reader_init_read(&r, &cur);
        assert_int_equal(drive(&r, &b, &v), NF_E_SHORT_RESPONSE);
        assert_int_equal(r.err.cmd, NF_CMD_GET_SEL_ENTRY);

        /* A transport failure without an error record still names the request. */
        nf_sel_reader_init_read(&r, &cur);
        nf_sel_reader_feed(&r, NF_E_TIMEOUT, NULL, NULL, 0, visit, &v);
        assert_int_equal(nf_sel_reader_status(&r), NF_E_TIMEOUT);
        assert_int_equal(r.err.status, NF_E_TIMEOUT);
        assert_int_equal(r.err.cmd, NF_CMD_GET_SEL_INFO);
}

/* A BMC whose next-record chain loops: the walk ends at 65535 records,
 * and a record that points at itself ends it at once. */
static void read_looping_chain(void **state) {
        nf_sel_cursor cur = { 0 };
        nf_sel_reader r;
        nf_ipmi_req req;
        uint8_t rsp[2 + NF_SEL_RECORD_SIZE] = { 0 };
        uint8_t info[14] = { 0x51, 2, 0 };
        uint8_t resv[2] = { 1, 0 };
        seen v = { 0 };
        unsigned gets = 0;
        uint16_t id;

        nf_sel_reader_init_read(&r, &cur);
        nf_sel_reader_feed(&r, NF_OK, NULL, info, sizeof info, visit, &v);
        nf_sel_reader_feed(&r, NF_OK, NULL, resv, sizeof resv, visit, &v);
        while (nf_sel_reader_next(&r, &req) == NF_STEP_REQUEST) {
                /* first (id 0) and every other: record 1, else 2 */
                id = gets % 2 ? 2 : 1;
                assert_int_equal(req.data[2] | req.data[3] << 8, gets == 0 ? 0 : id);
                rsp[0] = id == 1 ? 2 : 1;       /* 1 -> 2 -> 1 ... */
                rsp[2] = id;
                gets++;
                v.n = 0;
                nf_sel_reader_feed(&r, NF_OK, NULL, rsp, sizeof rsp, visit, &v);
        }
        assert_int_equal(nf_sel_reader_status(&r), NF_OK);
        assert_int_equal(gets, 0xFFFF);

        nf_sel_reader_init_read(&r, &cur);
        nf_sel_reader_feed(&r, NF_OK, NULL, info, sizeof info, visit, &v);
        nf_sel_reader_feed(&r, NF_OK, NULL, resv, sizeof resv, visit, &v);
        assert_int_equal(nf_sel_reader_next(&r, &req), NF_STEP_REQUEST);
        rsp[0] = 0;                     /* record 0 says: next is 0 */
        rsp[2] = 0;
        nf_sel_reader_feed(&r, NF_OK, NULL, rsp, sizeof rsp, visit, &v);
        assert_int_equal(nf_sel_reader_next(&r, &req), NF_STEP_DONE);
}

/* One read from *cur (advanced); the requests it sent. */
static unsigned read_once(fake_bmc *b, nf_sel_cursor *cur, seen *v) {
        nf_sel_reader r;
        unsigned before = b->n_req;

        nf_sel_reader_init_read(&r, cur);
        assert_int_equal(drive(&r, b, v), NF_OK);
        *cur = r.cur;
        return b->n_req - before;
}

/* A cursor from a complete walk over b's SEL. */
static nf_sel_cursor walked(fake_bmc *b) {
        nf_sel_cursor cur = { 0 };
        seen v = { 0 };

        (void) read_once(b, &cur, &v);
        assert_true(cur.info_valid);
        return cur;
}

/* Nothing added or erased since the last complete walk: Get SEL Info
 * alone.  A record added in the same second as the last one raises the
 * count and is read. */
static void skip_unchanged(void **state) {
        fake_bmc b = { .clock = 1000 };
        nf_sel_cursor cur;
        seen v = { 0 };

        fake_bmc_add_foreign(&b);
        fake_bmc_add_foreign(&b);
        cur = walked(&b);
        assert_int_equal(read_once(&b, &cur, &v), 1);
        assert_int_equal(b.log[b.n_req - 1].cmd, NF_CMD_GET_SEL_INFO);
        assert_int_equal(cur.walks_skipped, 1);
        assert_int_equal(cur.last_id, 2);

        /* same second, same timestamps: the count tells */
        fake_bmc_add_stage(&b, NF_STAGE_DUMP_START, 0, 1);
        /* Info, recheck, the entry: the reservation is the walk's before */
        assert_int_equal(read_once(&b, &cur, &v), 3);
        assert_int_equal(v.n, 1);
        assert_int_equal(v.stages[0], NF_STAGE_DUMP_START);
        assert_int_equal(cur.walks_skipped, 0);
        assert_int_equal(read_once(&b, &cur, &v), 1);

        /* An empty SEL, walked, then a first record. */
        b = (fake_bmc) { .clock = 5 };
        cur = walked(&b);
        v.n = 0;
        assert_int_equal(read_once(&b, &cur, &v), 1);
        fake_bmc_add_foreign(&b);
        assert_int_equal(read_once(&b, &cur, &v), 2);
        assert_int_equal(v.n, 1);

        /* The mark is a complete walk too. */
        b = (fake_bmc) { 0 };
        fake_bmc_add_foreign(&b);
        nf_sel_reader r;
        nf_sel_reader_init_mark(&r);
        assert_int_equal(drive(&r, &b, NULL), NF_OK);
        cur = r.cur;
        assert_true(cur.info_valid);
        assert_int_equal(read_once(&b, &cur, &v), 1);
}

/* A deletion and an addition that keep the count: the erase timestamp
 * moved, so the read walks and finds the new record; so does a new
 * addition timestamp alone (a BMC whose count lags). */
static void walk_after_erase_or_add(void **state) {
        fake_bmc b = { 0 };
        nf_sel_cursor cur;
        seen v = { 0 };

        fake_bmc_add_foreign(&b);
        fake_bmc_add_foreign(&b);
        cur = walked(&b);
        fake_bmc_delete_first(&b);
        fake_bmc_add_stage(&b, NF_STAGE_DUMP_DONE, 0, 2);
        assert_int_equal(b.n, cur.entries_seen);
        assert_int_not_equal(read_once(&b, &cur, &v), 1);
        assert_int_equal(v.n, 1);
        assert_int_equal(v.stages[0], NF_STAGE_DUMP_DONE);

        /* only the addition timestamp moved */
        b.last_add_ts += 7;
        v.n = 0;
        assert_int_not_equal(read_once(&b, &cur, &v), 1);
        assert_int_equal(read_once(&b, &cur, &v), 1);

        /* cleared and refilled to the same count, ids reused */
        b.clock = 0;
        fake_bmc_clear(&b, true);
        fake_bmc_add_stage(&b, NF_STAGE_ARMED, 0, 0);
        fake_bmc_add_stage(&b, NF_STAGE_DUMP_START, 0, 1);
        v.n = 0;
        assert_int_not_equal(read_once(&b, &cur, &v), 1);
        assert_int_equal(v.n, 2);
}

/* Full (less than a record free), the overflow flag, an unspecified
 * timestamp on a SEL with records: the read walks every time. */
static void walk_when_full_or_unspecified(void **state) {
        fake_bmc b = { .clock = 77 };
        nf_sel_cursor cur;
        seen v = { 0 };
        unsigned i;

        for (i = 0; i < FAKE_MAX_RECORDS; i++)
                fake_bmc_add_foreign(&b);
        cur = walked(&b);
        /* A BMC that overwrites keeps count and, within a second, stamp:
         * only a walk sees its new record (here: none, still 2 requests:
         * Info and the recheck). */
        assert_int_equal(read_once(&b, &cur, &v), 2);
        assert_int_equal(read_once(&b, &cur, &v), 2);

        b = (fake_bmc) { .clock = 77, .overflow = true };
        fake_bmc_add_foreign(&b);
        cur = walked(&b);
        assert_int_equal(read_once(&b, &cur, &v), 2);
        b.overflow = false;
        assert_int_equal(read_once(&b, &cur, &v), 1);

        b = (fake_bmc) { .ts_unspecified = true };
        fake_bmc_add_foreign(&b);
        cur = walked(&b);
        assert_int_equal(read_once(&b, &cur, &v), 2);
        assert_int_equal(read_once(&b, &cur, &v), 2);
        /* unspecified on an empty SEL: a first record raises the count */
        b = (fake_bmc) { .ts_unspecified = true };
        cur = walked(&b);
        assert_int_equal(read_once(&b, &cur, &v), 1);
}

/* The reservation of one walk serves the next ones (IPMI 2.0 31.4.1: it
 * stays valid until canceled); canceled (0xC5), it is renewed and the
 * walk goes on; a BMC without Reserve SEL (0xC1) is asked once. */
static void reservation_kept(void **state) {
        fake_bmc b = { .clock = 11 };
        nf_sel_cursor cur = { 0 };
        seen v = { 0 };

        fake_bmc_add_foreign(&b);
        assert_int_equal(read_once(&b, &cur, &v), 3);   /* Info, Reserve, entry 1 */
        assert_true(cur.have_reservation);
        assert_int_equal(cur.reservation, b.reservation);
        fake_bmc_add_stage(&b, NF_STAGE_DUMP_START, 0, 1);
        b.n_req = 0;
        assert_int_equal(read_once(&b, &cur, &v), 3);   /* Info, recheck 1, entry 2 */
        assert_int_equal(b.log[1].cmd, NF_CMD_GET_SEL_ENTRY);
        assert_int_equal(b.log[1].data[0] | b.log[1].data[1] << 8, cur.reservation);
        assert_int_equal(v.n, 2);

        /* Canceled since (someone else reserved, an entry was deleted):
         * 0xC5, a new reservation, the same request again. */
        fake_bmc_add_stage(&b, NF_STAGE_PROGRESS, 50, 2);
        b.n_req = 0;
        b.cancel_at = 2;
        assert_int_equal(read_once(&b, &cur, &v), 5);   /* Info, [recheck], Reserve, recheck, entry 3 */
        assert_int_equal(b.log[2].cmd, NF_CMD_RESERVE_SEL);
        assert_int_equal(cur.reservation, b.reservation);
        assert_int_equal(v.n, 3);
        assert_int_equal(v.stages[2], NF_STAGE_PROGRESS);

        /* No Reserve SEL: asked once, then reservation 0 every walk. */
        b = (fake_bmc) { .clock = 11, .no_reserve = true };
        cur = (nf_sel_cursor) { 0 };
        fake_bmc_add_foreign(&b);
        assert_int_equal(read_once(&b, &cur, &v), 3);
        assert_true(cur.have_reservation);
        assert_int_equal(cur.reservation, 0);
        fake_bmc_add_foreign(&b);
        b.n_req = 0;
        assert_int_equal(read_once(&b, &cur, &v), 3);   /* Info, recheck, entry */
        for (unsigned i = 0; i < b.n_req; i++)
                assert_int_not_equal(b.log[i].cmd, NF_CMD_RESERVE_SEL);
}

/* Every NF_SEL_WALK_EVERY-th read walks, however unchanged SEL Info
 * looks: a BMC whose count and timestamps never move still has its new
 * record read. */
static void walk_every_nth(void **state) {
        fake_bmc b = { .clock = 9 };
        nf_sel_cursor cur;
        seen v = { 0 };
        unsigned i;

        fake_bmc_add_foreign(&b);
        cur = walked(&b);
        /* A broken BMC: the record is there, SEL Info does not say so. */
        b.info_stale = true;
        fake_bmc_add_stage(&b, NF_STAGE_DUMP_START, 0, 1);
        for (i = 1; i < NF_SEL_WALK_EVERY; i++)
                assert_int_equal(read_once(&b, &cur, &v), 1);
        assert_int_equal(v.n, 0);
        assert_int_equal(read_once(&b, &cur, &v), 3);
        assert_int_equal(v.n, 1);
        assert_int_equal(v.stages[0], NF_STAGE_DUMP_START);
        assert_int_equal(cur.walks_skipped, 0);
        assert_int_equal(read_once(&b, &cur, &v), 1);
}

/* A walk that does not reach the SEL's end leaves no SEL Info to skip
 * on: its visitor stopped (records are left), or it failed. */
static void no_skip_after_partial_walk(void **state) {
        fake_bmc b = { .clock = 3 };
        nf_sel_cursor cur = { 0 };
        seen v = { .stop_after = 1 };
        nf_sel_reader r;

        fake_bmc_add_foreign(&b);
        fake_bmc_add_foreign(&b);
        (void) read_once(&b, &cur, &v);
        assert_false(cur.info_valid);
        assert_int_equal(cur.last_id, 1);
        v = (seen) { 0 };
        assert_int_equal(read_once(&b, &cur, &v), 3);
        assert_int_equal(v.n, 1);
        assert_int_equal(v.ids[0], 2);
        assert_true(cur.info_valid);

        b.fail_at = b.n_req + 2;        /* the recheck fails */
        b.fail_status = NF_E_TIMEOUT;
        fake_bmc_add_foreign(&b);
        nf_sel_reader_init_read(&r, &cur);
        assert_int_equal(drive(&r, &b, &v), NF_E_TIMEOUT);
        assert_false(r.cur.info_valid);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(mark),
                cmocka_unit_test(read_records),
                cmocka_unit_test(read_cleared),
                cmocka_unit_test(read_reservation_canceled),
                cmocka_unit_test(read_without_reserve),
                cmocka_unit_test(read_completion_code_at_each_step),
                cmocka_unit_test(read_short_and_lost),
                cmocka_unit_test(read_looping_chain),
                cmocka_unit_test(skip_unchanged),
                cmocka_unit_test(walk_after_erase_or_add),
                cmocka_unit_test(walk_when_full_or_unspecified),
                cmocka_unit_test(walk_every_nth),
                cmocka_unit_test(reservation_kept),
                cmocka_unit_test(no_skip_after_partial_walk),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
