/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SEL access (IPMI 2.0 section 31) and reading it from a remembered
 * position, which is how the agent follows the target's dump progress.
 */

#include <assert.h>
#include <string.h>

#include "byte-order.h"
#include "nf-commands.h"
#include "session-internal.h"

#define SEL_INFO_LEN 14
#define SEL_ENTRY_RSP_LEN (2 + NF_SEL_RECORD_SIZE)
#define SEL_ID_FIRST 0x0000
#define SEL_ID_LAST 0xFFFF
#define CC_RESERVATION_CANCELED 0xC5
#define CC_NOT_PRESENT 0xCB
#define CC_INVALID_COMMAND 0xC1

nf_status nf_sel_get_info(nf_session *s, nf_sel_info *ret) {
        uint8_t rsp[SEL_INFO_LEN + 8];
        size_t len = 0;
        nf_sel_info info = {};
        nf_status r;

        if (!s)
                return NF_E_INVALID_ARG;
        if (!ret)
                return nf_error_set(&s->last_error, NF_E_INVALID_ARG, NF_NETFN_STORAGE, NF_CMD_GET_SEL_INFO,
                                    "no output pointer");

        r = nf_session_cmd(s, NF_NETFN_STORAGE, NF_CMD_GET_SEL_INFO, NULL, 0, rsp, sizeof(rsp), SEL_INFO_LEN, &len);
        if (r != NF_OK)
                return r;

        info.version = rsp[0];
        info.entries = nf_get_le16(rsp + 1);
        info.free_bytes = nf_get_le16(rsp + 3);
        info.last_add_ts = nf_get_le32(rsp + 5);
        info.last_erase_ts = nf_get_le32(rsp + 9);
        info.operations = rsp[13];
        info.overflow = rsp[13] & 0x80;

        *ret = info;
        return NF_OK;
}

nf_status nf_sel_reserve(nf_session *s, uint16_t *ret_reservation) {
        uint8_t rsp[4];
        size_t len = 0;
        nf_status r;

        if (!s)
                return NF_E_INVALID_ARG;
        if (!ret_reservation)
                return nf_error_set(&s->last_error, NF_E_INVALID_ARG, NF_NETFN_STORAGE, NF_CMD_RESERVE_SEL,
                                    "no output pointer");

        r = nf_session_cmd(s, NF_NETFN_STORAGE, NF_CMD_RESERVE_SEL, NULL, 0, rsp, sizeof(rsp), 2, &len);
        if (r != NF_OK)
                return r;
        *ret_reservation = nf_get_le16(rsp);
        return NF_OK;
}

nf_status nf_sel_get_entry(nf_session *s, uint16_t reservation, uint16_t record_id,
                           nf_sel_record *ret, uint16_t *ret_next_id) {
        uint8_t req[6], rsp[SEL_ENTRY_RSP_LEN + 4];
        size_t len = 0;
        nf_sel_record rec;
        nf_sel_decode_status d;
        nf_status r;

        if (!s)
                return NF_E_INVALID_ARG;
        if (!ret)
                return nf_error_set(&s->last_error, NF_E_INVALID_ARG, NF_NETFN_STORAGE, NF_CMD_GET_SEL_ENTRY,
                                    "no output pointer");

        req[0] = reservation & 0xFF;
        req[1] = reservation >> 8;
        req[2] = record_id & 0xFF;
        req[3] = record_id >> 8;
        req[4] = 0x00;          /* offset into record */
        req[5] = 0xFF;          /* read entire record */

        r = nf_session_raw(s, NF_NETFN_STORAGE, NF_CMD_GET_SEL_ENTRY, req, sizeof(req), rsp, sizeof(rsp), &len);
        if (r == NF_E_COMPLETION && s->last_error.cc == CC_NOT_PRESENT) {
                /* Keep the completion code in last_error for the operator,
                 * but give callers a status they can branch on. */
                s->last_error.status = NF_E_NOT_FOUND;
                return NF_E_NOT_FOUND;
        }
        if (r != NF_OK)
                return r;
        if (len < SEL_ENTRY_RSP_LEN)
                return nf_error_set(&s->last_error, NF_E_SHORT_RESPONSE, NF_NETFN_STORAGE, NF_CMD_GET_SEL_ENTRY,
                                    NULL);

        d = nf_sel_record_decode(rsp + 2, len - 2, &rec);
        if (d == NF_SEL_DECODE_SHORT)
                return nf_error_set(&s->last_error, NF_E_SHORT_RESPONSE, NF_NETFN_STORAGE, NF_CMD_GET_SEL_ENTRY,
                                    NULL);
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

nf_status nf_sel_add_entry(nf_session *s, const uint8_t raw[NF_SEL_RECORD_SIZE], uint16_t *ret_id) {
        uint8_t rsp[4];
        size_t len = 0;
        nf_status r;

        if (!s)
                return NF_E_INVALID_ARG;
        if (!raw)
                return nf_error_set(&s->last_error, NF_E_INVALID_ARG, NF_NETFN_STORAGE, NF_CMD_ADD_SEL_ENTRY,
                                    "no record");

        r = nf_session_cmd(s, NF_NETFN_STORAGE, NF_CMD_ADD_SEL_ENTRY, raw, NF_SEL_RECORD_SIZE,
                           rsp, sizeof(rsp), 2, &len);
        if (r != NF_OK)
                return r;
        if (ret_id)
                *ret_id = nf_get_le16(rsp);
        return NF_OK;
}

nf_status nf_sel_cursor_init(nf_session *s, nf_sel_cursor *ret) {
        nf_sel_cursor cur = {};
        nf_sel_info info;
        nf_sel_record rec;
        nf_status r;

        if (!s)
                return NF_E_INVALID_ARG;
        if (!ret)
                return nf_error_set(&s->last_error, NF_E_INVALID_ARG, NF_NETFN_STORAGE, NF_CMD_GET_SEL_ENTRY,
                                    "no output pointer");

        r = nf_sel_get_info(s, &info);
        if (r != NF_OK)
                return r;
        cur.entries_seen = info.entries;

        r = nf_sel_get_entry(s, 0, SEL_ID_LAST, &rec, NULL);
        if (r == NF_E_NOT_FOUND) {
                /* Empty SEL: everything that appears later is new. */
                nf_error_clear(&s->last_error);
                *ret = cur;
                return NF_OK;
        }
        if (r != NF_OK)
                return r;

        cur.have_last = true;
        cur.last_id = rec.record_id;
        *ret = cur;
        return NF_OK;
}

/* A reservation is optional for whole-record reads; BMCs that lack Reserve
 * SEL answer 0xC1 and then reservation 0 is what the spec asks for. */
static nf_status sel_reserve_optional(nf_session *s, uint16_t *ret_reservation) {
        nf_status r = nf_sel_reserve(s, ret_reservation);

        if (r == NF_E_COMPLETION && s->last_error.cc == CC_INVALID_COMMAND) {
                nf_error_clear(&s->last_error);
                *ret_reservation = 0;
                return NF_OK;
        }
        return r;
}

/* Get an entry, reserving again once if the reservation was canceled (a
 * BMC cancels it when the SEL is cleared or an entry deleted). */
static nf_status sel_get_reserved(nf_session *s, uint16_t *reservation, uint16_t id,
                                  nf_sel_record *ret, uint16_t *ret_next) {
        nf_status r = nf_sel_get_entry(s, *reservation, id, ret, ret_next);

        if (r == NF_E_COMPLETION && s->last_error.cc == CC_RESERVATION_CANCELED) {
                r = sel_reserve_optional(s, reservation);
                if (r != NF_OK)
                        return r;
                r = nf_sel_get_entry(s, *reservation, id, ret, ret_next);
        }
        return r;
}

nf_status nf_sel_read_new(nf_session *s, nf_sel_cursor *cur, nf_sel_visit_fn fn, void *userdata,
                          bool *ret_cleared) {
        uint16_t reservation, id, next;
        nf_sel_record rec;
        nf_sel_info info;
        bool cleared = false;
        unsigned walked;
        nf_status r;

        if (!s)
                return NF_E_INVALID_ARG;
        if (!cur || !fn)
                return nf_error_set(&s->last_error, NF_E_INVALID_ARG, NF_NETFN_STORAGE, NF_CMD_GET_SEL_ENTRY,
                                    "no cursor or visitor");

        r = nf_sel_get_info(s, &info);
        if (r != NF_OK)
                return r;
        r = sel_reserve_optional(s, &reservation);
        if (r != NF_OK)
                return r;

        id = SEL_ID_FIRST;
        if (cur->have_last) {
                r = sel_get_reserved(s, &reservation, cur->last_id, &rec, &next);
                if (r == NF_E_NOT_FOUND) {
                        cleared = true;
                } else if (r != NF_OK) {
                        return r;
                } else if (info.entries < cur->entries_seen) {
                        /* The remembered id exists again but the SEL shrank:
                         * it was cleared and its ids reused. */
                        cleared = true;
                } else {
                        id = next;
                }
                if (cleared)
                        cur->have_last = false;
        }

        /* Bounded walk: a BMC whose next-record-id chain loops must not hang
         * the fence operation.  65535 is the largest possible SEL. */
        for (walked = 0; id != SEL_ID_LAST && walked < 0xFFFF; walked++) {
                r = sel_get_reserved(s, &reservation, id, &rec, &next);
                if (r == NF_E_NOT_FOUND && id == SEL_ID_FIRST) {
                        /* Empty SEL (e.g. right after a clear). */
                        nf_error_clear(&s->last_error);
                        break;
                }
                if (r != NF_OK)
                        return r;

                cur->have_last = true;
                cur->last_id = rec.record_id;
                if (fn(&rec, userdata) != 0)
                        break;
                if (next == id)
                        break;  /* chain points at itself: nothing after it */
                id = next;
        }

        cur->entries_seen = info.entries;
        if (ret_cleared)
                *ret_cleared = cleared;
        return NF_OK;
}
