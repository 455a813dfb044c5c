/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The RMCP+ engine's session set-up (ipmi/rmcpp-sm.h) against the
 * packet-level test BMC (test-bmc.h) on a virtual clock: each cipher
 * suite, refused credentials and cipher suites, and the set-up's replies
 * lost, duplicated, late, mistagged or with a bad code; a lost RAKP 4
 * after the BMC activated the session.
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

static void check_stats(rh *h, nf_rmcpp_stats *st) {
        nf_rmcpp_get_stats(h->s, st);
        assert_int_equal(st->datagrams_sent, h->to_bmc);
}

/* One cipher suite: set-up, Get Device ID, Get Chassis Status, one diag
 * interrupt, Close Session; nothing retransmitted or dropped.  With the
 * harness's object cache, or without (cache NULL: objects per datagram). */
static void suite_round_trip_with(uint8_t suite, nf_rmcpp_cache *cache) {
        nf_lan_params p = rh_params(suite);
        tbmc_config c = rh_bmc_config();
        const uint8_t diag = 0x04;
        const uint8_t *rsp;
        nf_rmcpp_stats st;
        size_t len;
        rh h;

        p.cache = cache;
        rh_init(&h, &p, &c);
        assert_int_equal(rh_open(&h), NF_RMCPP_EV_OPENED);
        assert_int_equal(nf_rmcpp_get_state(h.s), NF_RMCPP_ACTIVE);
        assert_true(tbmc_session_active(h.b));

        assert_int_equal(rh_request(&h, APP, 0x01, NULL, 0, false), NF_RMCPP_EV_RESPONSE);
        rsp = nf_rmcpp_response(h.s, &len);
        assert_int_equal(len, 16);
        assert_int_equal(rsp[0], 0x00);
        assert_int_equal(rsp[1], 0x20);        /* the test BMC's device ID */
        assert_int_equal(rsp[5], 0x02);        /* IPMI 2.0 */

        assert_int_equal(rh_request(&h, CHASSIS, 0x01, NULL, 0, false), NF_RMCPP_EV_RESPONSE);
        rsp = nf_rmcpp_response(h.s, &len);
        assert_true(len >= 4);
        assert_int_equal(rsp[1] & 0x01, 0x01); /* power on */

        assert_int_equal(rh_request(&h, CHASSIS, 0x02, &diag, 1, true), NF_RMCPP_EV_RESPONSE);
        assert_int_equal(tbmc_get_counts(h.b)->diag_interrupts, 1);

        assert_int_equal(nf_rmcpp_close(h.s, h.now), NF_OK);
        assert_int_equal(rh_run(&h, NF_RMCPP_EV_CLOSED, 30000), NF_RMCPP_EV_CLOSED);
        assert_int_equal(tbmc_get_counts(h.b)->sessions_closed, 1);
        assert_false(tbmc_session_active(h.b));

        check_stats(&h, &st);
        assert_int_equal(st.setups, 1);
        assert_int_equal(st.retransmits, 0);
        assert_int_equal(st.setup_retransmits, 0);
        assert_int_equal(st.dropped_stale + st.dropped_bad, 0);
        assert_int_equal(tbmc_get_counts(h.b)->ignored, 0);
        rh_done(&h);
}

static void suite_round_trip(uint8_t suite) {
        suite_round_trip_with(suite, rh_cache());
}

static void suite_3(void **state) { suite_round_trip(3); }
static void suite_8(void **state) { suite_round_trip(8); }
static void suite_12(void **state) { suite_round_trip(12); }
static void suite_17(void **state) { suite_round_trip(17); }
static void suite_3_no_cache(void **state) { suite_round_trip_with(3, NULL); }
static void suite_17_no_cache(void **state) { suite_round_trip_with(17, NULL); }

/* Two sessions on one cache, as a fleet's loop runs them: set-ups and
 * requests interleaved, each message of one session assembled between the
 * other's; each gets the answer to its own request (Get Device ID on one,
 * Get Chassis Status on the other) and nothing is dropped. */
static void shared_cache_interleaved(void **state) {
        nf_lan_params p3 = rh_params(3), p17 = rh_params(17);
        tbmc_config c = rh_bmc_config();
        const uint8_t *rsp;
        nf_rmcpp_stats st;
        size_t len;
        rh a, b;

        rh_init(&a, &p3, &c);
        rh_init(&b, &p17, &c);
        assert_int_equal(nf_rmcpp_open(a.s, a.now), NF_OK);
        assert_int_equal(nf_rmcpp_open(b.s, b.now), NF_OK);
        for (int i = 0; i < 10 && (nf_rmcpp_get_state(a.s) != NF_RMCPP_ACTIVE ||
                                   nf_rmcpp_get_state(b.s) != NF_RMCPP_ACTIVE); i++) {
                rh_pump(&a);
                rh_pump(&b);
        }
        assert_int_equal(nf_rmcpp_get_state(a.s), NF_RMCPP_ACTIVE);
        assert_int_equal(nf_rmcpp_get_state(b.s), NF_RMCPP_ACTIVE);
        for (int i = 0; i < 3; i++) {
                assert_int_equal(nf_rmcpp_request(a.s, APP, 0x01, NULL, 0, false, a.now), NF_OK);
                assert_int_equal(nf_rmcpp_request(b.s, CHASSIS, 0x01, NULL, 0, false, b.now), NF_OK);
                assert_int_equal(rh_pump(&b), NF_RMCPP_EV_RESPONSE);
                assert_int_equal(rh_pump(&a), NF_RMCPP_EV_RESPONSE);
                rsp = nf_rmcpp_response(a.s, &len);
                assert_int_equal(len, 16);
                assert_int_equal(rsp[1], 0x20);
                rsp = nf_rmcpp_response(b.s, &len);
                assert_true(len >= 4 && len < 16);
                assert_int_equal(rsp[1] & 0x01, 0x01);
        }
        for (rh *h = &a; h; h = h == &a ? &b : NULL) {
                nf_rmcpp_get_stats(h->s, &st);
                assert_int_equal(st.retransmits + st.setup_retransmits, 0);
                assert_int_equal(st.dropped_stale + st.dropped_bad, 0);
                rh_done(h);
        }
}

/* The set-up fails with `want`; nothing is retried after it. */
static void open_fails(const nf_lan_params *p, const tbmc_config *c, nf_status want) {
        rh h;

        rh_init(&h, p, c);
        assert_int_equal(rh_open(&h), NF_RMCPP_EV_OPEN_FAILED);
        assert_int_equal(nf_rmcpp_get_state(h.s), NF_RMCPP_FAILED);
        assert_int_equal(nf_rmcpp_error(h.s)->status, want);
        assert_false(tbmc_session_active(h.b));
        assert_int_equal(nf_rmcpp_deadline(h.s), UINT64_MAX);
        rh_done(&h);
}

static void wrong_password(void **state) {
        nf_lan_params p = rh_params(3);
        tbmc_config c = rh_bmc_config();

        p.password = "not-the-password";
        open_fails(&p, &c, NF_E_PASSWORD);
        p = rh_params(17);
        p.password = "not-the-password";
        open_fails(&p, &c, NF_E_PASSWORD);
}

static void wrong_user(void **state) {
        nf_lan_params p = rh_params(3);
        tbmc_config c = rh_bmc_config();

        p.user = "nobody";
        open_fails(&p, &c, NF_E_USERNAME);
}

static void wrong_k_g(void **state) {
        nf_lan_params p = rh_params(3);
        tbmc_config c = rh_bmc_config();
        static const uint8_t kg[] = "bmc-key-0123456789";

        c.k_g = kg;
        c.k_g_len = 18;
        open_fails(&p, &c, NF_E_KG);
        /* and with the right K_g it works */
        rh h;
        p.k_g = kg;
        p.k_g_len = 18;
        rh_init(&h, &p, &c);
        assert_int_equal(rh_open(&h), NF_RMCPP_EV_OPENED);
        rh_done(&h);
}

/* Suite 17 asked of a BMC offering 3 only; and a BMC refusing with a
 * status code of its own. */
static void cipher_refused(void **state) {
        nf_lan_params p = rh_params(17);
        tbmc_config c = rh_bmc_config();
        rh h;

        c.cipher_mask = 1u << 3;
        open_fails(&p, &c, NF_E_CIPHER);

        p = rh_params(3);
        c = rh_bmc_config();
        rh_init(&h, &p, &c);
        tbmc_add_fault(h.b, TBMC_OPEN_SESSION, 1, TBMC_STATUS,
                       0x11 /* no cipher suite match with proposed security algorithms */);
        assert_int_equal(rh_open(&h), NF_RMCPP_EV_OPEN_FAILED);
        assert_int_equal(nf_rmcpp_error(h.s)->status, NF_E_CIPHER);
        rh_done(&h);
}

/* Every set-up reply lost once: each message is sent again and the
 * set-up completes, the copies counted. */
static void setup_replies_dropped(void **state) {
        nf_rmcpp_stats st;
        rh h;

        rh_init_default(&h, 3);
        for (tbmc_kind k = TBMC_AUTH_CAPS; k <= TBMC_SET_PRIV; k++)
                if (k != TBMC_RAKP4)    /* that one is rakp4_lost */
                        tbmc_add_fault(h.b, k, 1, TBMC_DROP, 0);
        assert_int_equal(rh_open(&h), NF_RMCPP_EV_OPENED);
        check_stats(&h, &st);
        assert_int_equal(st.setup_retransmits, 4);
        assert_int_equal(st.setup_restarts, 0);
        assert_int_equal(tbmc_get_counts(h.b)->received[TBMC_AUTH_CAPS], 2);
        assert_int_equal(tbmc_get_counts(h.b)->received[TBMC_SET_PRIV], 2);
        /* The second Set Session Privilege Level is a new message: new
         * session sequence number and rq_seq. */
        tbmc_seen a = { 0 }, b = { 0 };
        for (unsigned i = 0, n = 0; i < tbmc_seen_count(h.b); i++) {
                tbmc_seen x;
                tbmc_get_seen(h.b, i, &x);
                if (x.kind == TBMC_SET_PRIV)
                        *(n++ ? &b : &a) = x;
        }
        assert_int_not_equal(a.seq, b.seq);
        assert_int_not_equal(a.rq_seq, b.rq_seq);
        rh_done(&h);
}

/* Set-up replies duplicated, or one late copy released after the
 * engine sent the message again: the copies are dropped, the set-up
 * goes on. */
static void setup_replies_duplicated_and_late(void **state) {
        nf_rmcpp_stats st;
        rh h;

        rh_init_default(&h, 3);
        for (tbmc_kind k = TBMC_AUTH_CAPS; k <= TBMC_SET_PRIV; k++)
                tbmc_add_fault(h.b, k, 1, TBMC_DUPLICATE, 0);
        assert_int_equal(rh_open(&h), NF_RMCPP_EV_OPENED);
        check_stats(&h, &st);
        assert_int_equal(st.dropped_stale + st.dropped_bad, 5);
        assert_int_equal(st.setup_retransmits, 0);
        rh_done(&h);

        /* RAKP 2 held: RAKP 1 goes again, the BMC answers that copy with a
         * new random number; the first RAKP 2, released late, is dropped. */
        rh_init_default(&h, 3);
        tbmc_add_fault(h.b, TBMC_RAKP2, 1, TBMC_HOLD, 0);
        assert_int_equal(nf_rmcpp_open(h.s, h.now), NF_OK);
        assert_int_equal(rh_run(&h, NF_RMCPP_EV_OPENED, 60000), NF_RMCPP_EV_OPENED);
        assert_int_equal(tbmc_release_held(h.b), 1);
        assert_int_equal(rh_pump(&h), NF_RMCPP_EV_NONE);
        assert_int_equal(nf_rmcpp_get_state(h.s), NF_RMCPP_ACTIVE);
        check_stats(&h, &st);
        assert_int_equal(st.setup_retransmits, 1);
        assert_int_equal(st.dropped_stale + st.dropped_bad, 1);
        assert_int_equal(rh_request(&h, APP, 0x01, NULL, 0, false), NF_RMCPP_EV_RESPONSE);
        rh_done(&h);
}

/* A set-up reply with the wrong message tag or console session ID is
 * not the answer: dropped, and the message is sent again. */
static void setup_replies_mismatched(void **state) {
        static const tbmc_kind kinds[] = { TBMC_OPEN_SESSION, TBMC_RAKP2, TBMC_RAKP4 };
        static const tbmc_fault faults[] = { TBMC_WRONG_TAG, TBMC_WRONG_SESSION_ID };
        nf_rmcpp_stats st;
        rh h;

        for (unsigned k = 0; k < 3; k++)
                for (unsigned f = 0; f < 2; f++) {
                        rh_init_default(&h, 3);
                        tbmc_add_fault(h.b, kinds[k], 1, faults[f], 0);
                        assert_int_equal(rh_open(&h), NF_RMCPP_EV_OPENED);
                        check_stats(&h, &st);
                        assert_int_equal(st.dropped_stale + st.dropped_bad, 1);
                        rh_done(&h);
                }
}

/* A RAKP 2 whose code does not check is a wrong password (the BMC
 * computed it with another one); a RAKP 4 that does not check, a wrong
 * K_g. */
static void setup_bad_codes(void **state) {
        rh h;

        rh_init_default(&h, 3);
        tbmc_add_fault(h.b, TBMC_RAKP2, 0, TBMC_BAD_INTEGRITY, 0);
        assert_int_equal(rh_open(&h), NF_RMCPP_EV_OPEN_FAILED);
        assert_int_equal(nf_rmcpp_error(h.s)->status, NF_E_PASSWORD);
        rh_done(&h);

        rh_init_default(&h, 3);
        tbmc_add_fault(h.b, TBMC_RAKP4, 0, TBMC_BAD_INTEGRITY, 0);
        assert_int_equal(rh_open(&h), NF_RMCPP_EV_OPEN_FAILED);
        assert_int_equal(nf_rmcpp_error(h.s)->status, NF_E_KG);
        rh_done(&h);
}

/* The BMC activates the session on RAKP 3 and its RAKP 4 is lost; the
 * copies of RAKP 3 that follow are ignored, refused ("invalid session
 * ID") or answered inside the session (ipmi_sim).  The engine starts
 * over from Open Session with a new console session ID and gets a second
 * session. */
static void rakp4_lost_with(tbmc_rakp3_active mode) {
        nf_lan_params p = rh_params(3);
        tbmc_config c = rh_bmc_config();
        nf_rmcpp_stats st;
        tbmc_seen x;
        uint32_t first = 0, second = 0;
        rh h;

        c.rakp3_active = mode;
        rh_init(&h, &p, &c);
        tbmc_add_fault(h.b, TBMC_RAKP4, 1, TBMC_DROP, 0);
        uint64_t start = h.now;
        assert_int_equal(rh_open(&h), NF_RMCPP_EV_OPENED);
        check_stats(&h, &st);
        assert_int_equal(st.setup_restarts, 1);
        /* An answer to the copy is taken as the sign at once (one
         * retransmit wait), silence only after the last copy's wait. */
        if (mode == TBMC_RAKP3_IGNORE)
                assert_true(h.now - start >= 2 * p.retransmit_timeout_ms);
        else {
                assert_true(h.now - start < 2 * p.retransmit_timeout_ms);
                assert_int_equal(st.dropped_stale + st.dropped_bad, 0);
        }
        assert_int_equal(tbmc_get_counts(h.b)->sessions_activated, 2);
        assert_int_equal(tbmc_get_counts(h.b)->received[TBMC_OPEN_SESSION], 2);
        for (unsigned i = 0; tbmc_get_seen(h.b, i, &x); i++)
                if (x.kind == TBMC_OPEN_SESSION)
                        *(first ? &second : &first) = x.console_session_id;
        assert_int_not_equal(first, second);
        assert_int_equal(rh_request(&h, APP, 0x01, NULL, 0, false), NF_RMCPP_EV_RESPONSE);
        rh_done(&h);
}

static void rakp4_lost(void **state) {
        rakp4_lost_with(TBMC_RAKP3_IGNORE);
        rakp4_lost_with(TBMC_RAKP3_REFUSE);
        rakp4_lost_with(TBMC_RAKP3_IN_SESSION);
}

/* No answer at all: the set-up gives up at its bound with a timeout. */
static void setup_bound(void **state) {
        nf_lan_params p = rh_params(3);
        tbmc_config c = rh_bmc_config();
        rh h;

        rh_init(&h, &p, &c);
        tbmc_add_fault(h.b, TBMC_OPEN_SESSION, 0, TBMC_DROP, 0);
        uint64_t start = h.now;
        assert_int_equal(rh_open(&h), NF_RMCPP_EV_OPEN_FAILED);
        assert_int_equal(nf_rmcpp_error(h.s)->status, NF_E_TIMEOUT);
        assert_true(h.now - start <= p.session_timeout_ms);
        assert_true(tbmc_get_counts(h.b)->received[TBMC_OPEN_SESSION] >= 3);
        rh_done(&h);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(suite_3),
                cmocka_unit_test(suite_8),
                cmocka_unit_test(suite_12),
                cmocka_unit_test(suite_17),
                cmocka_unit_test(suite_3_no_cache),
                cmocka_unit_test(suite_17_no_cache),
                cmocka_unit_test(shared_cache_interleaved),
                cmocka_unit_test(wrong_password),
                cmocka_unit_test(wrong_user),
                cmocka_unit_test(wrong_k_g),
                cmocka_unit_test(cipher_refused),
                cmocka_unit_test(setup_replies_dropped),
                cmocka_unit_test(setup_replies_duplicated_and_late),
                cmocka_unit_test(setup_replies_mismatched),
                cmocka_unit_test(setup_bad_codes),
                cmocka_unit_test(rakp4_lost),
                cmocka_unit_test(setup_bound),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
