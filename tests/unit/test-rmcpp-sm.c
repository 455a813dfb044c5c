/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The RMCP+ session engine (ipmi/rmcpp-sm.h) without a BMC: parameter
 * checks, the retransmission schedule and its counters, the set-up bound,
 * and what is done with datagrams nobody waits for.  The datagrams it
 * sends are read back with libfreeipmi's own unassemble functions.
 * Replies, duplicates and the workarounds are covered against a scripted
 * BMC and against ipmi_sim (tests/integration/test-rmcpp-sm-sim.c).
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <freeipmi/freeipmi.h>

#include "rmcpp-sm.h"

#define RT 400
#define ST 3000

static nf_lan_params params(uint8_t cipher) {
        return (nf_lan_params){
                .host = "127.0.0.1",
                .user = "admin",
                .password = "secret",
                .cipher_suite = cipher,
                .session_timeout_ms = ST,
                .retransmit_timeout_ms = RT,
        };
}

static void test_new_checks(void **state) {
        nf_lan_params p;
        nf_rmcpp *s = NULL;
        nf_error e;

        (void) state;
        for (unsigned c = 0; c <= 17; c++) {
                p = params((uint8_t) c);
                if (c == 3 || c == 8 || c == 12 || c == 17) {
                        assert_int_equal(nf_rmcpp_new(&p, &s, &e), NF_OK);
                        assert_int_equal(nf_rmcpp_get_state(s), NF_RMCPP_IDLE);
                        assert_int_equal(nf_rmcpp_deadline(s), UINT64_MAX);
                        s = nf_rmcpp_free(s);
                        assert_null(s);
                } else
                        assert_int_equal(nf_rmcpp_new(&p, &s, &e), NF_E_INVALID_ARG);
        }
        p = params(3);
        p.password = "123456789012345678901";
        assert_int_equal(nf_rmcpp_new(&p, &s, &e), NF_E_INVALID_ARG);
        p = params(3);
        p.privilege = 5;
        assert_int_equal(nf_rmcpp_new(&p, &s, &e), NF_E_INVALID_ARG);
        p = params(3);
        p.k_g_len = 21;
        p.k_g = (const uint8_t *) "0123456789012345678901";
        assert_int_equal(nf_rmcpp_new(&p, &s, &e), NF_E_INVALID_ARG);
        assert_null(nf_rmcpp_free(NULL));
}

static void test_backoff(void **state) {
        (void) state;
        assert_int_equal(nf_rmcpp_retransmit_wait(1000, 1), 1000);
        assert_int_equal(nf_rmcpp_retransmit_wait(1000, 2), 1000);
        assert_int_equal(nf_rmcpp_retransmit_wait(1000, 3), 2000);
        assert_int_equal(nf_rmcpp_retransmit_wait(1000, 4), 2000);
        assert_int_equal(nf_rmcpp_retransmit_wait(1000, 5), 3000);
}

/* The datagram is a Get Channel Authentication Capabilities request in an
 * IPMI 1.5 packet; returns its rq_seq. */
static unsigned read_auth_caps(const uint8_t *pkt, size_t len) {
        fiid_obj_t rmcp = fiid_obj_create(tmpl_rmcp_hdr), sess = fiid_obj_create(tmpl_lan_session_hdr),
                   msg = fiid_obj_create(tmpl_lan_msg_hdr_rs), /* the only one unassemble takes */
                   cmd = fiid_obj_create(tmpl_cmd_get_channel_authentication_capabilities_rq),
                   trlr = fiid_obj_create(tmpl_lan_msg_trlr);
        uint64_t v;

        assert_int_equal(unassemble_ipmi_lan_pkt(pkt, (unsigned) len, rmcp, sess, msg, cmd, trlr,
                                                 IPMI_INTERFACE_FLAGS_DEFAULT),
                         1);
        assert_int_equal(FIID_OBJ_GET(sess, "authentication_type", &v), 1);
        assert_int_equal(v, IPMI_AUTHENTICATION_TYPE_NONE);
        assert_int_equal(FIID_OBJ_GET(cmd, "cmd", &v), 1);
        assert_int_equal(v, IPMI_CMD_GET_CHANNEL_AUTHENTICATION_CAPABILITIES);
        assert_int_equal(FIID_OBJ_GET(cmd, "get_ipmi_v2.0_extended_data", &v), 1);
        assert_int_equal(v, 1);
        assert_int_equal(FIID_OBJ_GET(msg, "rq_seq", &v), 1);
        fiid_obj_destroy(rmcp);
        fiid_obj_destroy(sess);
        fiid_obj_destroy(msg);
        fiid_obj_destroy(cmd);
        fiid_obj_destroy(trlr);
        return (unsigned) v;
}

/* No answer: copies at the backoff schedule, each with a new rq_seq,
 * counted; NF_E_TIMEOUT at the set-up bound, and nothing after. */
static void test_setup_unanswered(void **state) {
        nf_lan_params p = params(3);
        uint64_t now = 1000000, sent_at[16];
        uint8_t buf[NF_RMCPP_DATAGRAM_MAX];
        unsigned seq[16], copies = 0;
        nf_rmcpp_stats st;
        nf_rmcpp *s;
        nf_error e;
        size_t n;

        (void) state;
        assert_int_equal(nf_rmcpp_new(&p, &s, &e), NF_OK);
        assert_int_equal(nf_rmcpp_open(s, now), NF_OK);
        assert_int_equal(nf_rmcpp_get_state(s), NF_RMCPP_AUTH_CAPS);
        for (;;) {
                nf_rmcpp_event ev;

                n = nf_rmcpp_take_datagram(s, buf, sizeof(buf));
                if (n) {
                        assert_true(copies < 16);
                        seq[copies] = read_auth_caps(buf, n);
                        sent_at[copies++] = now;
                        assert_int_equal(nf_rmcpp_take_datagram(s, buf, sizeof(buf)), 0);
                }
                now = nf_rmcpp_deadline(s);
                assert_true(now != UINT64_MAX);
                ev = nf_rmcpp_tick(s, now);
                if (ev != NF_RMCPP_EV_NONE) {
                        assert_int_equal(ev, NF_RMCPP_EV_OPEN_FAILED);
                        break;
                }
        }
        assert_int_equal(now, 1000000 + ST);
        assert_int_equal(nf_rmcpp_get_state(s), NF_RMCPP_FAILED);
        assert_int_equal(nf_rmcpp_error(s)->status, NF_E_TIMEOUT);
        assert_int_equal(nf_rmcpp_deadline(s), UINT64_MAX);
        assert_int_equal(nf_rmcpp_take_datagram(s, buf, sizeof(buf)), 0);
        /* 400, 400, 800, 800 ms waits fit in 3000 ms: 5 copies (0, 400,
         * 800, 1600, 2400), the next one would be at 3600. */
        assert_int_equal(copies, 5);
        for (unsigned i = 1; i < copies; i++) {
                assert_int_equal(sent_at[i] - sent_at[i - 1], nf_rmcpp_retransmit_wait(RT, i));
                assert_int_not_equal(seq[i], seq[i - 1]);
        }
        nf_rmcpp_get_stats(s, &st);
        assert_int_equal(st.setups, 1);
        assert_int_equal(st.setup_retransmits, 4);
        assert_int_equal(st.datagrams_sent, 5);
        assert_int_equal(st.retransmits, 0);
        nf_rmcpp_free(s);
}

/* Datagrams nobody waits for are counted, never acted on; the calls that
 * need another state say so. */
static void test_unexpected(void **state) {
        static const uint8_t junk[] = { 0x06, 0x00, 0xff, 0x07, 0x06, 0x15, 0x01 };
        nf_lan_params p = params(17);
        uint8_t buf[NF_RMCPP_DATAGRAM_MAX];
        nf_rmcpp_stats st;
        nf_rmcpp *s;
        nf_error e;
        size_t n;

        (void) state;
        assert_int_equal(nf_rmcpp_new(&p, &s, &e), NF_OK);
        assert_int_equal(nf_rmcpp_receive(s, junk, sizeof(junk), 5), NF_RMCPP_EV_NONE);
        assert_int_equal(nf_rmcpp_request(s, 0x06, 0x01, NULL, 0, false, 5), NF_E_INVALID_ARG);
        assert_int_equal(nf_rmcpp_open(s, 10), NF_OK);
        assert_int_equal(nf_rmcpp_open(s, 10), NF_E_INVALID_ARG);
        /* Too small a buffer: the datagram stays. */
        assert_int_equal(nf_rmcpp_take_datagram(s, buf, 4), 0);
        n = nf_rmcpp_take_datagram(s, buf, sizeof(buf));
        assert_true(n > 0);
        assert_int_equal(nf_rmcpp_receive(s, junk, sizeof(junk), 11), NF_RMCPP_EV_NONE);
        assert_int_equal(nf_rmcpp_receive(s, buf, 0, 11), NF_RMCPP_EV_NONE);
        /* Our own request is no answer either. */
        assert_int_equal(nf_rmcpp_receive(s, buf, n, 11), NF_RMCPP_EV_NONE);
        assert_int_equal(nf_rmcpp_get_state(s), NF_RMCPP_AUTH_CAPS);
        nf_rmcpp_get_stats(s, &st);
        assert_int_equal(st.datagrams_received, 4);
        assert_int_equal(st.dropped_stale + st.dropped_bad, 4);
        /* Stale: anything in IDLE, and our own request (a request's
         * net_fn); bad: what does not parse whole as an IPMI 1.5 packet
         * (the junk, the empty one). */
        assert_int_equal(st.dropped_stale, 2);
        /* Close from a set-up: closed at once, nothing sent. */
        assert_int_equal(nf_rmcpp_close(s, 12), NF_OK);
        assert_int_equal(nf_rmcpp_get_state(s), NF_RMCPP_CLOSED);
        assert_int_equal(nf_rmcpp_take_datagram(s, buf, sizeof(buf)), 0);
        assert_int_equal(nf_rmcpp_deadline(s), UINT64_MAX);
        assert_string_equal(nf_rmcpp_state_str(NF_RMCPP_RAKP3), "rakp3");
        nf_rmcpp_free(s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_new_checks),
                cmocka_unit_test(test_backoff),
                cmocka_unit_test(test_setup_unanswered),
                cmocka_unit_test(test_unexpected),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
