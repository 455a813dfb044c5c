/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The RMCP+ engine's requests inside a session (ipmi/rmcpp-sm.h) against
 * the packet-level test BMC (test-bmc.h), each reply fault scripted:
 * lost (retransmitted with a new session sequence number and rq_seq),
 * duplicated, late (held and released while the next request waits), a
 * bad integrity code, another session ID, another rq_seq, an old session
 * sequence number; and the once request (Chassis Control) whose reply is
 * lost: sent once, never again, "reply lost".
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rmcpp-harness.h"

#define APP 0x06
#define CHASSIS 0x00
#define GET_DEVICE_ID 0x01
#define GET_CHASSIS_STATUS 0x01
#define CHASSIS_CONTROL 0x02

static void open_session(rh *h, uint8_t suite) {
        nf_lan_params p = rh_params(suite);
        tbmc_config c = rh_bmc_config();

        rh_init(h, &p, &c);
        assert_int_equal(rh_open(h), NF_RMCPP_EV_OPENED);
}

/* The last two requests of `kind` the BMC took in. */
static void last_two(rh *h, tbmc_kind kind, tbmc_seen *a, tbmc_seen *b) {
        tbmc_seen x;
        unsigned n = 0;

        for (unsigned i = 0; tbmc_get_seen(h->b, i, &x); i++)
                if (x.kind == kind) {
                        *a = *b;
                        *b = x;
                        n++;
                }
        assert_true(n >= 2);
}

static void device_id_ok(rh *h) {
        size_t len;
        const uint8_t *rsp = nf_rmcpp_response(h->s, &len);

        assert_int_equal(len, 16);
        assert_int_equal(rsp[0], 0x00);
        assert_int_equal(rsp[1], 0x20);
}

/* Get Device ID's first reply spoiled by `f`: the engine drops it (counted
 * as `stale` or bad), sends the request again with a new session sequence
 * number and rq_seq, and takes the answer to that copy. */
static void spoiled_once(tbmc_fault f, uint8_t suite, bool stale) {
        nf_rmcpp_stats st;
        tbmc_seen a = { 0 }, b = { 0 };
        rh h;

        open_session(&h, suite);
        tbmc_add_fault(h.b, TBMC_DEVICE_ID, 1, f, 0);
        assert_int_equal(rh_request(&h, APP, GET_DEVICE_ID, NULL, 0, false), NF_RMCPP_EV_RESPONSE);
        device_id_ok(&h);
        nf_rmcpp_get_stats(h.s, &st);
        assert_int_equal(st.retransmits, 1);
        if (f != TBMC_DROP) {
                assert_int_equal(stale ? st.dropped_stale : st.dropped_bad, 1);
                assert_int_equal(stale ? st.dropped_bad : st.dropped_stale, 0);
        }
        assert_int_equal(tbmc_get_counts(h.b)->received[TBMC_DEVICE_ID], 2);
        last_two(&h, TBMC_DEVICE_ID, &a, &b);
        assert_int_not_equal(a.seq, b.seq);
        assert_int_not_equal(a.rq_seq, b.rq_seq);
        rh_done(&h);
}

static void reply_dropped(void **state) {
        spoiled_once(TBMC_DROP, 3, false);
        spoiled_once(TBMC_DROP, 17, false);
}

static void bad_integrity(void **state) {
        spoiled_once(TBMC_BAD_INTEGRITY, 3, false);
        spoiled_once(TBMC_BAD_INTEGRITY, 8, false);
        spoiled_once(TBMC_BAD_INTEGRITY, 12, false);
        spoiled_once(TBMC_BAD_INTEGRITY, 17, false);
}

static void wrong_session_id(void **state) {
        spoiled_once(TBMC_WRONG_SESSION_ID, 3, false);
}

/* A reply with another rq_seq answers an earlier copy: stale. */
static void wrong_rq_seq(void **state) {
        spoiled_once(TBMC_WRONG_RQ_SEQ, 3, true);
}

/* The number of a reply already taken (Set Session Privilege Level's):
 * a replay, outside the sequence window. */
static void old_sequence_number(void **state) {
        nf_rmcpp_stats st;
        rh h;

        open_session(&h, 3);
        tbmc_add_fault(h.b, TBMC_DEVICE_ID, 1, TBMC_OLD_SEQ, 0);
        assert_int_equal(rh_request(&h, APP, GET_DEVICE_ID, NULL, 0, false), NF_RMCPP_EV_RESPONSE);
        device_id_ok(&h);
        nf_rmcpp_get_stats(h.s, &st);
        assert_int_equal(st.retransmits, 1);
        assert_int_equal(st.dropped_stale + st.dropped_bad, 1);
        rh_done(&h);
}

static void duplicated(void **state) {
        nf_rmcpp_stats st;
        rh h;

        open_session(&h, 3);
        tbmc_add_fault(h.b, TBMC_DEVICE_ID, 1, TBMC_DUPLICATE, 0);
        assert_int_equal(rh_request(&h, APP, GET_DEVICE_ID, NULL, 0, false), NF_RMCPP_EV_RESPONSE);
        device_id_ok(&h);
        rh_pump(&h);
        nf_rmcpp_get_stats(h.s, &st);
        assert_int_equal(st.retransmits, 0);
        assert_int_equal(st.dropped_stale, 1);
        assert_int_equal(h.events[NF_RMCPP_EV_RESPONSE], 1);
        assert_int_equal(nf_rmcpp_get_state(h.s), NF_RMCPP_ACTIVE);
        rh_done(&h);
}

/* Get Device ID's first reply is held; the second copy is answered.  The
 * held reply arrives while Get Chassis Status waits: it must not be taken
 * for that answer. */
static void late_copy(void **state) {
        const uint8_t *rsp;
        nf_rmcpp_stats st;
        size_t len;
        rh h;

        open_session(&h, 3);
        tbmc_add_fault(h.b, TBMC_DEVICE_ID, 1, TBMC_HOLD, 0);
        tbmc_add_fault(h.b, TBMC_CHASSIS_STATUS, 1, TBMC_HOLD, 0);
        assert_int_equal(rh_request(&h, APP, GET_DEVICE_ID, NULL, 0, false), NF_RMCPP_EV_RESPONSE);
        device_id_ok(&h);

        assert_int_equal(nf_rmcpp_request(h.s, CHASSIS, GET_CHASSIS_STATUS, NULL, 0, false, h.now), NF_OK);
        assert_int_equal(rh_pump(&h), NF_RMCPP_EV_NONE);        /* its reply is held too */
        /* Both held replies now: Get Device ID's (late) first. */
        assert_int_equal(tbmc_release_held(h.b), 2);
        assert_int_equal(rh_pump(&h), NF_RMCPP_EV_RESPONSE);
        rsp = nf_rmcpp_response(h.s, &len);
        assert_int_equal(len, 4);                /* Get Chassis Status's, not Device ID's 16 bytes */
        assert_int_equal(rsp[1], 0x01);
        nf_rmcpp_get_stats(h.s, &st);
        assert_int_equal(st.dropped_stale, 1);
        assert_int_equal(h.events[NF_RMCPP_EV_RESPONSE], 2);
        rh_done(&h);
}

/* Chassis Control (diag) is sent once.  Its reply lost or spoiled (a
 * bad integrity code: dropped): "reply lost" at the request bound, never
 * sent again; the BMC saw it once, one diag interrupt. */
static void once_spoiled(tbmc_fault f, uint8_t suite) {
        const uint8_t diag = 0x04;
        nf_rmcpp_stats st;
        rh h;

        open_session(&h, suite);
        tbmc_add_fault(h.b, TBMC_CHASSIS_CONTROL, 1, f, 0);
        uint64_t start = h.now;
        assert_int_equal(rh_request(&h, CHASSIS, CHASSIS_CONTROL, &diag, 1, true), NF_RMCPP_EV_REQUEST_FAILED);
        assert_int_equal(nf_rmcpp_error(h.s)->status, NF_E_REPLY_LOST);
        /* The bound of a once request: as long as an ordinary request
         * waits for its first two copies, not the session timeout. */
        nf_lan_params p = rh_params(suite);
        assert_int_equal(h.now - start, nf_rmcpp_retransmit_wait(p.retransmit_timeout_ms, 1) +
                                                nf_rmcpp_retransmit_wait(p.retransmit_timeout_ms, 2));
        assert_true(h.now - start < p.session_timeout_ms);
        assert_int_equal(tbmc_get_counts(h.b)->received[TBMC_CHASSIS_CONTROL], 1);
        assert_int_equal(tbmc_get_counts(h.b)->diag_interrupts, 1);
        nf_rmcpp_get_stats(h.s, &st);
        assert_int_equal(st.retransmits, 0);
        assert_int_equal(st.dropped_bad, f == TBMC_BAD_INTEGRITY ? 1 : 0);
        rh_done(&h);
}

static void once_reply_lost(void **state) {
        once_spoiled(TBMC_DROP, 3);
}

static void once_reply_bad(void **state) {
        once_spoiled(TBMC_BAD_INTEGRITY, 17);
}

/* A completion code is an answer, kept for the caller. */
static void completion_code_kept(void **state) {
        const uint8_t *rsp;
        size_t len;
        rh h;

        open_session(&h, 3);
        tbmc_add_fault(h.b, TBMC_DEVICE_ID, 1, TBMC_STATUS, 0xC3);
        assert_int_equal(rh_request(&h, APP, GET_DEVICE_ID, NULL, 0, false), NF_RMCPP_EV_RESPONSE);
        rsp = nf_rmcpp_response(h.s, &len);
        assert_int_equal(len, 1);
        assert_int_equal(rsp[0], 0xC3);
        rh_done(&h);
}

/* No reply to a retransmitted request at all: the session is lost at
 * the request bound, after several copies. */
static void request_bound(void **state) {
        nf_rmcpp_stats st;
        rh h;

        open_session(&h, 3);
        tbmc_add_fault(h.b, TBMC_DEVICE_ID, 0, TBMC_DROP, 0);
        uint64_t start = h.now;
        assert_int_equal(rh_request(&h, APP, GET_DEVICE_ID, NULL, 0, false), NF_RMCPP_EV_REQUEST_FAILED);
        assert_int_equal(nf_rmcpp_error(h.s)->status, NF_E_SESSION_LOST);
        assert_true(h.now - start <= 10000);
        nf_rmcpp_get_stats(h.s, &st);
        assert_true(st.retransmits >= 2);
        assert_int_equal(tbmc_get_counts(h.b)->received[TBMC_DEVICE_ID], st.retransmits + 1);
        rh_done(&h);
}

/* Two sessions (suites 3 and 17) reusing one cache's fiid objects,
 * requests interleaved: each reply is judged and read as with objects of
 * its own, a spoiled one dropped and the retransmission's taken, and the
 * objects of one reply leave nothing behind for the next. */
static void shared_cache(void **state) {
        nf_rmcpp_cache *x = nf_rmcpp_cache_new();
        nf_lan_params pa = rh_params(3), pb = rh_params(17);
        tbmc_config c = rh_bmc_config();
        nf_rmcpp_stats st;
        uint8_t off = 0x00;
        rh a, b;

        assert_non_null(x);
        pa.cache = pb.cache = x;
        rh_init(&a, &pa, &c);
        rh_init(&b, &pb, &c);
        assert_int_equal(rh_open(&a), NF_RMCPP_EV_OPENED);
        assert_int_equal(rh_open(&b), NF_RMCPP_EV_OPENED);
        tbmc_add_fault(a.b, TBMC_DEVICE_ID, 1, TBMC_BAD_INTEGRITY, 0);
        for (unsigned i = 0; i < 3; i++) {
                assert_int_equal(rh_request(&a, APP, GET_DEVICE_ID, NULL, 0, false), NF_RMCPP_EV_RESPONSE);
                device_id_ok(&a);
                assert_int_equal(rh_request(&b, APP, GET_DEVICE_ID, NULL, 0, false), NF_RMCPP_EV_RESPONSE);
                device_id_ok(&b);
        }
        /* a shorter reply after a longer one: its own length */
        assert_int_equal(rh_request(&b, CHASSIS, GET_CHASSIS_STATUS, NULL, 0, false), NF_RMCPP_EV_RESPONSE);
        size_t len;
        (void) nf_rmcpp_response(b.s, &len);
        assert_true(len >= 4 && len < 16);
        assert_int_equal(rh_request(&a, CHASSIS, CHASSIS_CONTROL, &off, 1, true), NF_RMCPP_EV_RESPONSE);
        nf_rmcpp_get_stats(a.s, &st);
        assert_int_equal(st.dropped_bad, 1);
        assert_int_equal(st.retransmits, 1);
        nf_rmcpp_get_stats(b.s, &st);
        assert_int_equal(st.dropped_bad + st.dropped_stale + st.retransmits, 0);
        rh_done(&a);
        rh_done(&b);
        nf_rmcpp_cache_free(x);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(reply_dropped),
                cmocka_unit_test(bad_integrity),
                cmocka_unit_test(wrong_session_id),
                cmocka_unit_test(wrong_rq_seq),
                cmocka_unit_test(old_sequence_number),
                cmocka_unit_test(duplicated),
                cmocka_unit_test(late_copy),
                cmocka_unit_test(once_reply_lost),
                cmocka_unit_test(once_reply_bad),
                cmocka_unit_test(completion_code_kept),
                cmocka_unit_test(request_bound),
                cmocka_unit_test(shared_cache),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
