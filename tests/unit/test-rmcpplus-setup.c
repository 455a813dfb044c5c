/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the RMCP+ set-up message classification
 * (ipmi/rmcpplus-setup.c) behind the stale set-up reply filter. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rmcpplus-setup.h"

/* An RMCP+ set-up datagram as a BMC sends it: RMCP header, auth type 06h,
 * payload type, session ID 0, sequence 0, payload length, then message
 * tag, status and 6 more payload bytes. */
static size_t setup_pkt(uint8_t *p, uint8_t payload_type, uint8_t tag, uint8_t status) {
        static const uint8_t hdr[] = { 0x06, 0x00, 0xFF, 0x07, 0x06 };

        memset(p, 0, 24);
        memcpy(p, hdr, sizeof hdr);
        p[5] = payload_type;
        p[14] = 8;      /* payload length, little endian */
        p[16] = tag;
        p[17] = status;
        return 24;
}

static void payload_types(void **state) {
        uint8_t p[24];
        /* IPMI 1.5 Get Channel Authentication Capabilities response:
         * auth type 00h, no payload type. */
        static const uint8_t v15[] = { 0x06, 0x00, 0xFF, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
        static const uint8_t asf_ping[] = { 0x06, 0x00, 0xFF, 0x06, 0x00, 0x00, 0x11, 0xBE };

        (void) state;
        setup_pkt(p, NF_RMCPP_RAKP_2, 1, 0);
        assert_int_equal(nf_rmcpp_payload_type(p, sizeof p), NF_RMCPP_RAKP_2);
        p[5] = 0xC0 | NF_RMCPP_PAYLOAD_IPMI;    /* authenticated, encrypted */
        assert_int_equal(nf_rmcpp_payload_type(p, sizeof p), NF_RMCPP_PAYLOAD_IPMI);
        assert_int_equal(nf_rmcpp_payload_type(v15, sizeof v15), -1);
        assert_int_equal(nf_rmcpp_payload_type(asf_ping, sizeof asf_ping), -1);
        assert_int_equal(nf_rmcpp_payload_type(p, 5), -1);
        assert_int_equal(nf_rmcpp_payload_type(NULL, 24), -1);
}

/* The failure seen through the impairment relay: a duplicated Open
 * Session Response arriving while RAKP 2 is awaited. */
static void stale_replies(void **state) {
        uint8_t p[24];
        size_t n;

        (void) state;
        n = setup_pkt(p, NF_RMCPP_OPEN_SESSION_RESPONSE, 0xAE, 0);
        assert_false(nf_rmcpp_setup_reply_stale(NF_RMCPP_OPEN_SESSION_REQUEST, p, n));
        assert_true(nf_rmcpp_setup_reply_stale(NF_RMCPP_RAKP_1, p, n));
        assert_true(nf_rmcpp_setup_reply_stale(NF_RMCPP_RAKP_3, p, n));
        assert_true(nf_rmcpp_setup_reply_stale(NF_RMCPP_PAYLOAD_IPMI, p, n));
        assert_true(nf_rmcpp_setup_reply_stale(-1, p, n));

        n = setup_pkt(p, NF_RMCPP_RAKP_2, 0xAF, 0);
        assert_false(nf_rmcpp_setup_reply_stale(NF_RMCPP_RAKP_1, p, n));
        assert_true(nf_rmcpp_setup_reply_stale(NF_RMCPP_RAKP_3, p, n));
        assert_true(nf_rmcpp_setup_reply_stale(NF_RMCPP_OPEN_SESSION_REQUEST, p, n));

        n = setup_pkt(p, NF_RMCPP_RAKP_4, 0xB0, 0);
        assert_false(nf_rmcpp_setup_reply_stale(NF_RMCPP_RAKP_3, p, n));
        assert_true(nf_rmcpp_setup_reply_stale(NF_RMCPP_PAYLOAD_IPMI, p, n));

        /* Not set-up responses: left to libfreeipmi's own checks. */
        n = setup_pkt(p, NF_RMCPP_PAYLOAD_IPMI, 0, 0);
        assert_false(nf_rmcpp_setup_reply_stale(NF_RMCPP_RAKP_1, p, n));
        n = setup_pkt(p, NF_RMCPP_RAKP_1, 0, 0);
        assert_false(nf_rmcpp_setup_reply_stale(NF_RMCPP_RAKP_1, p, n));
}

static void rakp4_of_an_earlier_copy(void **state) {
        uint8_t p[24];
        size_t n;

        (void) state;
        /* RAKP 3 sent with tags 53h, 54h, 55h (two retransmissions). */
        n = setup_pkt(p, NF_RMCPP_RAKP_4, 0x53, 0);
        assert_true(nf_rmcpp_rakp4_answers_earlier_copy(0x53, 0x55, p, n));
        assert_int_equal(nf_rmcpp_setup_tag(p, n), 0x53);
        assert_true(nf_rmcpp_set_setup_tag(p, n, 0x55));
        assert_int_equal(nf_rmcpp_setup_tag(p, n), 0x55);
        /* The last copy's own answer needs nothing. */
        assert_false(nf_rmcpp_rakp4_answers_earlier_copy(0x53, 0x55, p, n));
        /* A tag from before the series, or none sent again. */
        p[16] = 0x52;
        assert_false(nf_rmcpp_rakp4_answers_earlier_copy(0x53, 0x55, p, n));
        p[16] = 0x53;
        assert_false(nf_rmcpp_rakp4_answers_earlier_copy(0x53, 0x53, p, n));
        /* Wrapping past FFh. */
        p[16] = 0xFF;
        assert_true(nf_rmcpp_rakp4_answers_earlier_copy(0xFE, 0x01, p, n));
        /* An error status, or a packet sent inside a session (ipmi_sim's
         * answer to a RAKP 3 copy), is never taken. */
        p[16] = 0x53;
        p[17] = 0x02;
        assert_false(nf_rmcpp_rakp4_answers_earlier_copy(0x53, 0x55, p, n));
        p[17] = 0;
        p[5] = 0xC0 | NF_RMCPP_RAKP_4;
        assert_false(nf_rmcpp_rakp4_answers_earlier_copy(0x53, 0x55, p, n));
        /* Nor a RAKP 2. */
        n = setup_pkt(p, NF_RMCPP_RAKP_2, 0x53, 0);
        assert_false(nf_rmcpp_rakp4_answers_earlier_copy(0x53, 0x55, p, n));
        /* Too short for a tag. */
        n = setup_pkt(p, NF_RMCPP_RAKP_4, 0x53, 0);
        assert_int_equal(nf_rmcpp_setup_tag(p, 16), -1);
        assert_false(nf_rmcpp_set_setup_tag(p, 16, 1));
}

/* ipmi_sim's answer to a RAKP 3 copy of a session it has activated, and
 * the refusal that ends libfreeipmi's open early instead. */
static void rakp4_in_session_and_refusal(void **state) {
        uint8_t p[24], r[NF_RMCPP_RAKP4_REFUSAL_LEN];
        size_t n;

        (void) state;
        n = setup_pkt(p, NF_RMCPP_RAKP_4, 0x53, 0);
        assert_false(nf_rmcpp_rakp4_in_session(p, n));
        p[5] = 0xC0 | NF_RMCPP_RAKP_4;  /* authenticated, encrypted */
        assert_true(nf_rmcpp_rakp4_in_session(p, n));
        p[5] = 0xC0 | NF_RMCPP_PAYLOAD_IPMI;
        assert_false(nf_rmcpp_rakp4_in_session(p, n));

        n = nf_rmcpp_rakp4_refusal(r, 0x57);
        assert_int_equal(n, sizeof r);
        assert_int_equal(nf_rmcpp_payload_type(r, n), NF_RMCPP_RAKP_4);
        assert_int_equal(nf_rmcpp_setup_tag(r, n), 0x57);
        assert_int_equal(r[17], 0x01);  /* insufficient resources to create a session */
        assert_int_equal(r[14] | r[15] << 8, 8);        /* payload length: tag, status, reserved, console ID */
        assert_false(nf_rmcpp_rakp4_in_session(r, n));
        /* it answers the RAKP 3 sent, so the filter would not drop it */
        assert_false(nf_rmcpp_setup_reply_stale(NF_RMCPP_RAKP_3, r, n));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(payload_types),
                cmocka_unit_test(stale_replies),
                cmocka_unit_test(rakp4_of_an_earlier_copy),
                cmocka_unit_test(rakp4_in_session_and_refusal),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
