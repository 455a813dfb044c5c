/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SEL over lanplus against ipmi_sim: info, reserve, get/add entry, posting
 * an event (Platform Event refused with 0xC1 -> Add SEL Entry), and the
 * cursor that follows new records from a remembered id, including a SEL
 * cleared behind its back.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmc-fixture.h"
#include "nf-commands.h"

#define MAX_SEEN 16

static bmc_fixture bmc;

typedef struct seen {
        unsigned n;
        unsigned stop_after;            /* 0: never stop */
        nf_sel_record rec[MAX_SEEN];
} seen;

static int visit(const nf_sel_record *rec, void *userdata) {
        seen *v = userdata;

        if (v->n < MAX_SEEN)
                v->rec[v->n] = *rec;
        v->n++;
        return v->stop_after && v->n >= v->stop_after;
}

static nf_event make_event(uint8_t tag) {
        nf_event ev = {
                .generator_id = 0x004D,
                .evm_rev = 0x04,
                .sensor_type = 0x20,            /* OS critical stop */
                .sensor_number = tag,
                .event_dir_type = 0x6F,
                .data = { 0xA0 | (tag & 0x0F), tag, 0x5A },
        };
        return ev;
}

static uint16_t add(nf_session *s, uint8_t tag) {
        nf_event ev = make_event(tag);
        uint8_t raw[NF_SEL_RECORD_SIZE];
        uint16_t id = 0;

        nf_sel_record_encode_event(&ev, 0x5F000000u + tag, raw);
        CHECK_OK(s, nf_sel_add_entry(s, raw, &id));
        return id;
}

static void check_event(const nf_sel_record *rec, uint8_t tag) {
        nf_event want = make_event(tag);

        CHECK(rec->is_event && rec->record_type == NF_SEL_TYPE_SYSTEM_EVENT, "record type 0x%02x",
              rec->record_type);
        /* Field by field: nf_event has padding. */
        CHECK(rec->event.generator_id == want.generator_id && rec->event.evm_rev == want.evm_rev &&
              rec->event.sensor_type == want.sensor_type && rec->event.sensor_number == want.sensor_number &&
              rec->event.event_dir_type == want.event_dir_type &&
              memcmp(rec->event.data, want.data, sizeof(want.data)) == 0,
              "record 0x%04x: gen 0x%04x rev 0x%02x type 0x%02x num %u dir 0x%02x data %02x %02x %02x (tag %u)",
              rec->record_id, rec->event.generator_id, rec->event.evm_rev, rec->event.sensor_type,
              rec->event.sensor_number, rec->event.event_dir_type, rec->event.data[0], rec->event.data[1],
              rec->event.data[2], tag);
}

static seen read_new(nf_session *s, nf_sel_cursor *cur, unsigned stop_after, bool *ret_cleared) {
        seen v = { .stop_after = stop_after };

        CHECK_OK(s, nf_sel_read_new(s, cur, visit, &v, ret_cleared));
        return v;
}

/* Clear SEL (IPMI 2.0 31.9), not part of the library: nmifence never
 * clears a SEL, but the agent must survive someone else doing it. */
static void clear_sel(nf_session *s) {
        uint16_t res;
        uint8_t req[6], rsp[4];
        size_t len;

        CHECK_OK(s, nf_sel_reserve(s, &res));
        req[0] = res & 0xFF;
        req[1] = res >> 8;
        req[2] = 'C';
        req[3] = 'L';
        req[4] = 'R';
        req[5] = 0xAA;  /* initiate erase */
        CHECK_OK(s, nf_session_raw(s, NF_NETFN_STORAGE, 0x47, req, sizeof(req), rsp, sizeof(rsp), &len));
}

static void stop(void) {
        bmc_fixture_stop(&bmc);
}

int main(void) {
        nf_session *s = NULL;
        nf_lan_params p;
        nf_error err;
        nf_sel_info info;
        nf_sel_record rec, untouched;
        nf_sel_cursor cur, cur2;
        uint16_t res, next, id_a, id_c, id_d, id_g;
        bool cleared, used_sel_add;
        char buf[256];
        nf_event ev;
        seen v;
        nf_status r;
        int rc;

        rc = bmc_fixture_start(&bmc);
        if (rc != 0)
                return rc;
        atexit(stop);
        bmc_fixture_lan_params(&bmc, &p);
        r = nf_session_open_lan(&p, &s, &err);
        CHECK(r == NF_OK, "open: %s", nf_error_format(&err, buf, sizeof(buf)));

        CHECK_OK(s, nf_sel_get_info(s, &info));
        CHECK(info.version == 0x51, "SEL version 0x%02x", info.version);
        CHECK(info.entries == 0, "fresh SEL has %u entries", info.entries);
        CHECK_OK(s, nf_sel_reserve(s, &res));

        /* Empty SEL: not found, with 0xCB kept for the operator, and the
         * output untouched. */
        memset(&rec, 0xEE, sizeof(rec));
        untouched = rec;
        r = nf_sel_get_entry(s, 0, 0x0000, &rec, &next);
        CHECK(r == NF_E_NOT_FOUND, "get entry on empty SEL: %s", nf_status_str(r));
        CHECK(nf_session_last_error(s)->cc == 0xCB, "cc 0x%02x", nf_session_last_error(s)->cc);
        CHECK(memcmp(&rec, &untouched, sizeof(rec)) == 0, "output written on failure");

        CHECK_OK(s, nf_sel_cursor_init(s, &cur));
        CHECK(!cur.have_last, "cursor on empty SEL remembers id 0x%04x", cur.last_id);

        id_a = add(s, 1);
        CHECK_OK(s, nf_sel_get_entry(s, res, id_a, &rec, &next));
        CHECK(rec.record_id == id_a, "record id 0x%04x, added 0x%04x", rec.record_id, id_a);
        CHECK(next == 0xFFFF, "next after the only record 0x%04x", next);
        check_event(&rec, 1);
        printf("added record timestamp: 0x%08x (sent 0x5f000001)\n", rec.timestamp);

        /* Everything after an empty SEL is new. */
        v = read_new(s, &cur, 0, &cleared);
        CHECK(v.n == 1 && !cleared, "read %u records, cleared %d", v.n, cleared);
        check_event(&v.rec[0], 1);
        CHECK(cur.have_last && cur.last_id == id_a, "cursor at 0x%04x", cur.last_id);

        v = read_new(s, &cur, 0, &cleared);
        CHECK(v.n == 0, "nothing new, but read %u", v.n);

        /* Posting an event: ipmi_sim refuses Platform Event with 0xC1, so
         * the fallback must have been used and the record must be there. */
        ev = make_event(2);
        used_sel_add = false;
        CHECK_OK(s, nf_post_event(s, &ev, &used_sel_add));
        CHECK(used_sel_add, "Platform Event accepted by ipmi_sim?");
        v = read_new(s, &cur, 0, &cleared);
        CHECK(v.n == 1, "after post: %u new records", v.n);
        check_event(&v.rec[0], 2);

        /* A cursor remembered now points at the last record (0xFFFF read). */
        id_c = add(s, 3);
        id_d = add(s, 4);
        CHECK_OK(s, nf_sel_cursor_init(s, &cur2));
        CHECK(cur2.have_last && cur2.last_id == id_d, "cursor2 at 0x%04x, last added 0x%04x", cur2.last_id,
              id_d);
        CHECK_OK(s, nf_sel_get_entry(s, 0, 0xFFFF, &rec, NULL));
        CHECK(rec.record_id == id_d, "0xFFFF gave 0x%04x", rec.record_id);

        v = read_new(s, &cur, 0, &cleared);
        CHECK(v.n == 2 && !cleared, "read %u", v.n);
        CHECK(v.rec[0].record_id == id_c && v.rec[1].record_id == id_d, "order 0x%04x 0x%04x",
              v.rec[0].record_id, v.rec[1].record_id);
        check_event(&v.rec[0], 3);
        check_event(&v.rec[1], 4);

        /* A visitor that stops leaves the cursor on the last record it saw. */
        add(s, 5);
        add(s, 6);
        v = read_new(s, &cur, 1, &cleared);
        CHECK(v.n == 1, "stopping visitor saw %u", v.n);
        check_event(&v.rec[0], 5);
        v = read_new(s, &cur, 0, &cleared);
        CHECK(v.n == 1, "after stop, %u", v.n);
        check_event(&v.rec[0], 6);

        CHECK_OK(s, nf_sel_get_info(s, &info));
        CHECK(info.entries == 6, "SEL has %u entries, expected 6", info.entries);

        /* Someone clears the SEL, then a new record arrives. */
        clear_sel(s);
        id_g = add(s, 7);
        v = read_new(s, &cur, 0, &cleared);
        CHECK(cleared, "clear not detected (cursor 0x%04x, new id 0x%04x)", cur.last_id, id_g);
        CHECK(v.n == 1, "after clear read %u", v.n);
        check_event(&v.rec[0], 7);
        CHECK(cur.last_id == id_g, "cursor 0x%04x", cur.last_id);

        /* Cleared and empty: no records, cleared reported, cursor reset. */
        clear_sel(s);
        v = read_new(s, &cur, 0, &cleared);
        CHECK(cleared && v.n == 0 && !cur.have_last, "empty after clear: cleared %d n %u", cleared, v.n);

        /* Argument checks never reach the BMC. */
        CHECK(nf_sel_get_info(NULL, &info) == NF_E_INVALID_ARG, "NULL session");
        CHECK(nf_sel_read_new(s, NULL, visit, NULL, NULL) == NF_E_INVALID_ARG, "NULL cursor");
        CHECK(nf_post_event(s, NULL, NULL) == NF_E_INVALID_ARG, "NULL event");

        nf_session_free(s);
        printf("ok\n");
        return 0;
}
