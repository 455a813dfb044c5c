/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SEL walk as a step machine (sel-reader.h; IPMI 2.0 section 31).
 * No I/O: every request goes out through the caller.
 */

#include <assert.h>
#include <string.h>

#include "byte-order.h"
#include "sel-reader.h"

#define SEL_INFO_LEN 14
#define SEL_ENTRY_RSP_LEN (2 + NF_SEL_RECORD_SIZE)
#define SEL_ID_FIRST 0x0000
#define SEL_ID_LAST 0xFFFF
#define CC_RESERVATION_CANCELED 0xC5
#define CC_NOT_PRESENT 0xCB
#define CC_INVALID_COMMAND 0xC1

nf_status nf_sel_info_reply(nf_status status, const nf_error *err, const uint8_t *rsp, size_t rsp_len,
                            nf_sel_info *ret, nf_error *ret_err) {
        nf_status r = nf_reply_check(NF_NETFN_STORAGE, NF_CMD_GET_SEL_INFO, status, err, rsp_len, SEL_INFO_LEN,
                                     ret_err);

        if (r != NF_OK)
                return r;
        *ret = (nf_sel_info) {
                .version = rsp[0],
                .entries = nf_get_le16(rsp + 1),
                .free_bytes = nf_get_le16(rsp + 3),
                .last_add_ts = nf_get_le32(rsp + 5),
                .last_erase_ts = nf_get_le32(rsp + 9),
                .operations = rsp[13],
                .overflow = rsp[13] & 0x80,
        };
        return NF_OK;
}

nf_status nf_sel_reserve_reply(nf_status status, const nf_error *err, const uint8_t *rsp, size_t rsp_len,
                               uint16_t *ret_reservation, nf_error *ret_err) {
        nf_status r = nf_reply_check(NF_NETFN_STORAGE, NF_CMD_RESERVE_SEL, status, err, rsp_len, 2, ret_err);

        if (r != NF_OK)
                return r;
        *ret_reservation = nf_get_le16(rsp);
        return NF_OK;
}

nf_ipmi_req nf_sel_entry_req(uint16_t reservation, uint16_t record_id) {
        return (nf_ipmi_req) {
                .netfn = NF_NETFN_STORAGE,
                .cmd = NF_CMD_GET_SEL_ENTRY,
                .data = { reservation & 0xFF, reservation >> 8, record_id & 0xFF, record_id >> 8,
                          0x00,         /* offset into record */
                          0xFF },       /* read entire record */
                .len = 6,
        };
}

nf_status nf_sel_entry_reply(nf_status status, const nf_error *err, const uint8_t *rsp, size_t rsp_len,
                             nf_sel_record *ret, uint16_t *ret_next_id, nf_error *ret_err) {
        nf_sel_record rec;
        nf_sel_decode_status d;
        nf_status r = nf_reply_check(NF_NETFN_STORAGE, NF_CMD_GET_SEL_ENTRY, status, err, rsp_len, 0, ret_err);

        if (r == NF_E_COMPLETION && ret_err->cc == CC_NOT_PRESENT) {
                /* Keep the completion code for the operator, but give
                 * callers a status they can branch on. */
                ret_err->status = NF_E_NOT_FOUND;
                return NF_E_NOT_FOUND;
        }
        if (r != NF_OK)
                return r;
        if (rsp_len < SEL_ENTRY_RSP_LEN)
                return nf_error_set(ret_err, NF_E_SHORT_RESPONSE, NF_NETFN_STORAGE, NF_CMD_GET_SEL_ENTRY, NULL);

        d = nf_sel_record_decode(rsp + 2, rsp_len - 2, &rec);
        if (d == NF_SEL_DECODE_SHORT)
                return nf_error_set(ret_err, NF_E_SHORT_RESPONSE, NF_NETFN_STORAGE, NF_CMD_GET_SEL_ENTRY, NULL);
        if (d != NF_SEL_DECODE_OK) {
                /* A system event with an EvM revision we do not know: still a
                 * record in the chain, so hand it up raw (is_event false)
                 * instead of stopping the walk on someone else's record. */
                memset(&rec, 0, sizeof(rec));
                memcpy(rec.raw, rsp + 2, NF_SEL_RECORD_SIZE);
                rec.record_id = nf_get_le16(rsp + 2);
                rec.record_type = rsp[4];
                rec.timestamp = nf_get_le32(rsp + 5);
        }

        *ret = rec;
        if (ret_next_id)
                *ret_next_id = nf_get_le16(rsp);
        return NF_OK;
}

/* Every state change goes through here.  A walk that ends keeps the SEL
 * Info it began with in the cursor, valid for skipping only when the walk
 * reached the SEL's end: a walk its visitor stopped (records are left
 * after the cursor), that hit the bound or failed must be followed by a
 * walk. */
static void set_state(nf_sel_reader *r, nf_sel_reader_state to) {
        assert(to < _NF_SR_MAX);
        if (to == NF_SR_DONE && !r->skipped) {
                if (!r->mark)
                        r->cur.entries_seen = r->entries;
                r->cur.info_valid = r->complete;
                r->cur.walks_skipped = 0;
                r->cur.last_add_ts = r->info.last_add_ts;
                r->cur.last_erase_ts = r->info.last_erase_ts;
        } else if (to == NF_SR_FAILED)
                r->cur.info_valid = false;
        r->state = to;
}

static void fail(nf_sel_reader *r, nf_status s) {
        r->fail = s;
        set_state(r, NF_SR_FAILED);
}

/*
 * Whether a read may end after Get SEL Info (IPMI 2.0 section 31.2, table
 * 31-2): the SEL is as the cursor's last complete walk began, so nothing
 * after the cursor is new.  Why that holds:
 *
 * - An Add SEL Entry (or a BMC's own event) raises the entry count and
 *   sets the most recent addition timestamp.  It leaves the count as it
 *   was only together with a deletion (Delete SEL Entry, Clear SEL),
 *   which sets the most recent erase timestamp, or when a full SEL
 *   overwrites its oldest record.
 * - The comparison is on all three, for equality, so a record added in
 *   the same second as the last one still shows as one more entry.
 * - Left are the cases where the three can stay equal over a change: a
 *   full SEL (free space under one record, or the overflow flag; a BMC
 *   that overwrites keeps the count), and a timestamp of FFFFFFFFh
 *   ("unspecified": a BMC that does not keep it) on a SEL with records.
 *   Those walk every time.  An erase and an add that keep the count and
 *   fall both into the second of the last walk's erase and add is the
 *   one change the rule cannot see; the guard below bounds it.
 * - The guard: every NF_SEL_WALK_EVERY-th read walks however unchanged
 *   SEL Info looks, for a BMC whose Get SEL Info is wrong (stale counts,
 *   timestamps never set).  12 makes that at most a minute late at the
 *   daemon's 5 s poll and 12 s at a fence's 1 s poll, for 2/12 of a walk
 *   (two requests) per poll on average.
 *
 * The SEL Info of a complete walk is the one read before it: a record
 * added during the walk raises the count past it, so the next read walks
 * again (and finds nothing new, or the record added after the visit).
 * freeipmi's ipmiseld decides whether to read the SEL from the same three
 * fields (ipmiseld/ipmiseld.c, ipmiseld_check_sel_info()).
 */
#define SEL_TS_UNSPECIFIED 0xFFFFFFFFu

static bool sel_unchanged(const nf_sel_cursor *cur, const nf_sel_info *info) {
        if (!cur->info_valid || cur->walks_skipped + 1 >= NF_SEL_WALK_EVERY)
                return false;
        if (info->overflow || info->free_bytes < NF_SEL_RECORD_SIZE)
                return false;
        if (info->entries != 0 &&
            (info->last_add_ts == SEL_TS_UNSPECIFIED || info->last_erase_ts == SEL_TS_UNSPECIFIED))
                return false;
        return info->entries == cur->entries_seen && info->last_add_ts == cur->last_add_ts &&
               info->last_erase_ts == cur->last_erase_ts;
}

void nf_sel_reader_init_mark(nf_sel_reader *r) {
        assert(r);
        *r = (nf_sel_reader) { .state = NF_SR_INFO, .mark = true };
}

void nf_sel_reader_init_read(nf_sel_reader *r, const nf_sel_cursor *cur) {
        assert(r);
        assert(cur);
        *r = (nf_sel_reader) { .state = NF_SR_INFO, .cur = *cur };
}

nf_step nf_sel_reader_next(const nf_sel_reader *r, nf_ipmi_req *ret_req) {
        assert(r);
        assert(ret_req);

        switch (r->state) {
        case NF_SR_INFO:
                *ret_req = nf_ipmi_req_of(NF_NETFN_STORAGE, NF_CMD_GET_SEL_INFO);
                return NF_STEP_REQUEST;
        case NF_SR_LAST:
                *ret_req = nf_sel_entry_req(0, SEL_ID_LAST);
                return NF_STEP_REQUEST;
        case NF_SR_RESERVE:
        case NF_SR_RERESERVE:
                *ret_req = nf_ipmi_req_of(NF_NETFN_STORAGE, NF_CMD_RESERVE_SEL);
                return NF_STEP_REQUEST;
        case NF_SR_RECHECK:
                *ret_req = nf_sel_entry_req(r->reservation, r->cur.last_id);
                return NF_STEP_REQUEST;
        case NF_SR_WALK:
                *ret_req = nf_sel_entry_req(r->reservation, r->id);
                return NF_STEP_REQUEST;
        case NF_SR_DONE:
        case NF_SR_FAILED:
        case _NF_SR_MAX:
                break;
        }
        return NF_STEP_DONE;
}

/* The next record of the walk, or the end of it.  Bounded: a BMC whose
 * next-record-id chain loops must not hang the caller; 65535 is the
 * largest possible SEL. */
static void walk_on(nf_sel_reader *r) {
        if (r->id == SEL_ID_LAST) {
                r->complete = true;
                return set_state(r, NF_SR_DONE);
        }
        set_state(r, r->walked < 0xFFFF ? NF_SR_WALK : NF_SR_DONE);
}

/* A reservation is optional for whole-record reads; BMCs that lack
 * Reserve SEL answer 0xC1 and then reservation 0 is what the spec asks
 * for. */
static nf_status reserved(nf_sel_reader *r, nf_status status, const nf_error *err, const uint8_t *rsp,
                          size_t rsp_len) {
        nf_status s = nf_sel_reserve_reply(status, err, rsp, rsp_len, &r->reservation, &r->err);

        if (s == NF_E_COMPLETION && r->err.cc == CC_INVALID_COMMAND) {
                nf_error_clear(&r->err);
                r->reservation = 0;
                s = NF_OK;
        }
        if (s == NF_OK) {
                r->cur.have_reservation = true;
                r->cur.reservation = r->reservation;
        }
        return s;
}

/* The walk from the remembered record (or the first), with r->reservation. */
static void walk_begin(nf_sel_reader *r) {
        r->id = SEL_ID_FIRST;
        if (r->cur.have_last)
                return set_state(r, NF_SR_RECHECK);
        walk_on(r);
}

static void got_entry(nf_sel_reader *r, nf_status s, const nf_sel_record *rec, uint16_t next,
                      nf_sel_visit_fn fn, void *userdata) {
        if (r->state == NF_SR_RECHECK) {
                if (s == NF_E_NOT_FOUND)
                        r->cleared = true;
                else if (s != NF_OK)
                        return fail(r, s);
                else if (r->entries < r->cur.entries_seen)
                        /* The remembered id exists again but the SEL
                         * shrank: it was cleared and its ids reused. */
                        r->cleared = true;
                else
                        r->id = next;
                if (r->cleared)
                        r->cur.have_last = false;
                return walk_on(r);
        }

        if (s == NF_E_NOT_FOUND && r->id == SEL_ID_FIRST) {
                /* Empty SEL (e.g. right after a clear). */
                nf_error_clear(&r->err);
                r->complete = true;
                return set_state(r, NF_SR_DONE);
        }
        if (s != NF_OK)
                return fail(r, s);
        r->cur.have_last = true;
        r->cur.last_id = rec->record_id;
        if (fn(rec, userdata) != 0)
                return set_state(r, NF_SR_DONE);
        if (next == r->id)
                return set_state(r, NF_SR_DONE);  /* chain points at itself: nothing after it */
        r->id = next;
        r->walked++;
        walk_on(r);
}

void nf_sel_reader_feed(nf_sel_reader *r, nf_status status, const nf_error *err, const uint8_t *rsp,
                        size_t rsp_len, nf_sel_visit_fn fn, void *userdata) {
        nf_sel_info info;
        nf_sel_record rec;
        uint16_t next = 0;
        nf_status s;

        assert(r);
        assert(r->mark || fn);

        switch (r->state) {
        case NF_SR_INFO:
                s = nf_sel_info_reply(status, err, rsp, rsp_len, &info, &r->err);
                if (s != NF_OK)
                        return fail(r, s);
                r->entries = info.entries;
                r->info = info;
                if (r->mark) {
                        r->cur.entries_seen = info.entries;
                        return set_state(r, NF_SR_LAST);
                }
                if (sel_unchanged(&r->cur, &info)) {
                        r->skipped = true;
                        r->cur.walks_skipped++;
                        return set_state(r, NF_SR_DONE);
                }
                /* A reservation stays valid until the BMC cancels it (a
                 * clear, a deletion, another Reserve SEL: IPMI 2.0 section
                 * 31.4.1); a canceled one answers 0xC5 and is renewed
                 * below.  So a walk reserves only when it has none. */
                if (r->cur.have_reservation) {
                        r->reservation = r->cur.reservation;
                        return walk_begin(r);
                }
                return set_state(r, NF_SR_RESERVE);
        case NF_SR_LAST:
                s = nf_sel_entry_reply(status, err, rsp, rsp_len, &rec, NULL, &r->err);
                /* The mark sees the whole SEL as its SEL Info showed it:
                 * a complete walk. */
                r->complete = true;
                if (s == NF_E_NOT_FOUND) {
                        /* Empty SEL: everything that appears later is new. */
                        nf_error_clear(&r->err);
                        return set_state(r, NF_SR_DONE);
                }
                if (s != NF_OK)
                        return fail(r, s);
                r->cur.have_last = true;
                r->cur.last_id = rec.record_id;
                return set_state(r, NF_SR_DONE);
        case NF_SR_RESERVE:
                s = reserved(r, status, err, rsp, rsp_len);
                if (s != NF_OK)
                        return fail(r, s);
                return walk_begin(r);
        case NF_SR_RERESERVE:
                s = reserved(r, status, err, rsp, rsp_len);
                if (s != NF_OK)
                        return fail(r, s);
                r->retried = true;
                return set_state(r, r->resume);
        case NF_SR_RECHECK:
        case NF_SR_WALK:
                s = nf_sel_entry_reply(status, err, rsp, rsp_len, &rec, &next, &r->err);
                if (s == NF_E_COMPLETION && r->err.cc == CC_RESERVATION_CANCELED && !r->retried) {
                        /* A BMC cancels the reservation when the SEL is
                         * cleared or an entry deleted: reserve again, once. */
                        r->resume = r->state;
                        return set_state(r, NF_SR_RERESERVE);
                }
                r->retried = false;
                return got_entry(r, s, &rec, next, fn, userdata);
        case NF_SR_DONE:
        case NF_SR_FAILED:
        case _NF_SR_MAX:
                break;
        }
        /* Fed with nothing asked: the caller's bug. */
        assert(!"nf_sel_reader_feed without a request");
}

nf_status nf_sel_reader_status(const nf_sel_reader *r) {
        assert(r);
        if (r->state == NF_SR_DONE)
                return NF_OK;
        if (r->state == NF_SR_FAILED)
                return r->fail;
        return NF_E_INTERNAL;
}
