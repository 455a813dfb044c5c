/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the watchdog timer codec (ipmi/watchdog-codec.c). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "watchdog-codec.h"

/* Get Watchdog Timer data (IPMI 2.0 table 27-7): SMS/OS, started, action
 * none, pre-timeout none, SMS/OS expired once, 30.0 s, 12.3 s left. */
static const uint8_t running_rsp[NF_WDT_GET_RSP_LEN] = { 0x44, 0x00, 0x00, 0x10, 0x2C, 0x01, 0x7B, 0x00 };

static void decode_fields(void **state) {
        nf_watchdog w;

        assert_int_equal(nf_watchdog_decode(running_rsp, sizeof running_rsp, &w), NF_WDT_DECODE_OK);
        assert_int_equal(w.use, NF_WDT_USE_SMS_OS);
        assert_true(w.running);
        assert_false(w.dont_log);
        assert_int_equal(w.action, NF_WDT_ACTION_NONE);
        assert_int_equal(w.pretimeout_irq, NF_WDT_PRE_NONE);
        assert_int_equal(w.initial_ds, 300);
        assert_int_equal(w.present_ds, 123);
        assert_int_equal(w.expired_flags, 0x10);
        assert_true(nf_watchdog_expired(&w));
}

static void decode_action_pretimeout_reserved_bits(void **state) {
        /* hard reset + pre-timeout NMI 5 s, don't log, BIOS/POST; the
         * reserved expiration bits 0, 6, 7 are dropped. */
        const uint8_t rsp[] = { 0x82, 0x21, 0x05, 0xC1, 0xFF, 0xFF, 0x00, 0x00 };
        nf_watchdog w;

        assert_int_equal(nf_watchdog_decode(rsp, sizeof rsp, &w), NF_WDT_DECODE_OK);
        assert_int_equal(w.use, NF_WDT_USE_BIOS_POST);
        assert_false(w.running);
        assert_true(w.dont_log);
        assert_int_equal(w.action, NF_WDT_ACTION_HARD_RESET);
        assert_int_equal(w.pretimeout_irq, NF_WDT_PRE_NMI);
        assert_int_equal(w.pretimeout_s, 5);
        assert_int_equal(w.expired_flags, 0x00);
        assert_false(nf_watchdog_expired(&w));
        assert_int_equal(w.initial_ds, 0xFFFF);
}

static void expired_only_for_current_use(void **state) {
        nf_watchdog w = { .use = NF_WDT_USE_SMS_OS, .expired_flags = 1u << NF_WDT_USE_BIOS_FRB2 };

        assert_false(nf_watchdog_expired(&w));
        w.expired_flags |= 1u << NF_WDT_USE_SMS_OS;
        assert_true(nf_watchdog_expired(&w));
        w.use = 0;              /* reserved use: never "expired" */
        assert_false(nf_watchdog_expired(&w));
}

static void decode_short(void **state) {
        nf_watchdog w = { .initial_ds = 77 };

        /* Stock ipmi_sim 2.0.33 answers 6 data bytes. */
        assert_int_equal(nf_watchdog_decode(running_rsp, 6, &w), NF_WDT_DECODE_SHORT);
        assert_int_equal(w.initial_ds, 77);     /* untouched on failure */
        assert_int_equal(nf_watchdog_decode(NULL, 8, &w), NF_WDT_DECODE_SHORT);
        assert_int_equal(nf_watchdog_decode(running_rsp, 8, NULL), NF_WDT_DECODE_SHORT);
}

static void encode_set(void **state) {
        /* What freeipmi's bmc-watchdog -u 4 -a 0 -p 0 -i 30 -F... sends,
         * with "don't stop". */
        nf_watchdog w = { .use = NF_WDT_USE_SMS_OS, .running = true, .action = NF_WDT_ACTION_NONE,
                          .expired_flags = 0x3E, .initial_ds = 300, .present_ds = 5 };
        const uint8_t want[NF_WDT_SET_REQ_LEN] = { 0x44, 0x00, 0x00, 0x3E, 0x2C, 0x01 };
        uint8_t out[NF_WDT_SET_REQ_LEN];

        nf_watchdog_encode_set(&w, out);
        assert_memory_equal(out, want, sizeof want);

        w = (nf_watchdog) { .use = NF_WDT_USE_OEM, .dont_log = true, .action = NF_WDT_ACTION_POWER_CYCLE,
                            .pretimeout_irq = NF_WDT_PRE_MSG_INT, .pretimeout_s = 9, .expired_flags = 0xFF,
                            .initial_ds = 0x1234 };
        nf_watchdog_encode_set(&w, out);
        assert_int_equal(out[0], 0x85);
        assert_int_equal(out[1], 0x33);
        assert_int_equal(out[2], 9);
        assert_int_equal(out[3], 0x3E);         /* reserved bits never sent */
        assert_int_equal(out[4], 0x34);
        assert_int_equal(out[5], 0x12);
}

static void strings(void **state) {
        assert_string_equal(nf_wdt_use_str(NF_WDT_USE_SMS_OS), "SMS/OS");
        assert_string_equal(nf_wdt_use_str(0), "reserved");
        assert_string_equal(nf_wdt_action_str(NF_WDT_ACTION_NONE), "none");
        assert_string_equal(nf_wdt_action_str(NF_WDT_ACTION_POWER_CYCLE), "power cycle");
        assert_string_equal(nf_wdt_action_str(7), "reserved");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(decode_fields),
                cmocka_unit_test(decode_action_pretimeout_reserved_bits),
                cmocka_unit_test(expired_only_for_current_use),
                cmocka_unit_test(decode_short),
                cmocka_unit_test(encode_set),
                cmocka_unit_test(strings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
