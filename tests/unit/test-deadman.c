/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the capture kernel's dead-man switch (target/deadman.c):
 * when it is armed, restarted and stopped, its settings, the countdown and
 * the Set Watchdog Timer request bytes. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "deadman.h"

static void test_steps(void **state) {
        (void) state;
        assert_int_equal(nf_deadman_step_for(NF_STAGE_ARMED), NF_DEADMAN_STEP_NOTHING);
        assert_int_equal(nf_deadman_step_for(NF_STAGE_DISARMED), NF_DEADMAN_STEP_NOTHING);
        assert_int_equal(nf_deadman_step_for(NF_STAGE_DUMP_START), NF_DEADMAN_STEP_ARM);
        assert_int_equal(nf_deadman_step_for(NF_STAGE_PROGRESS), NF_DEADMAN_STEP_RESTART);
        assert_int_equal(nf_deadman_step_for(NF_STAGE_CPUS), NF_DEADMAN_STEP_RESTART);
        assert_int_equal(nf_deadman_step_for(NF_STAGE_DUMP_DONE), NF_DEADMAN_STEP_STOP);
        assert_int_equal(nf_deadman_step_for(NF_STAGE_DUMP_FAILED), NF_DEADMAN_STEP_STOP);
}

static void test_defaults(void **state) {
        nf_deadman d;

        (void) state;
        nf_deadman_init(&d);
        assert_int_equal(d.action, NF_DEADMAN_CYCLE);
        /* The agent's dump_stall_timeout default. */
        assert_int_equal(d.stall_s, 120);
}

static void test_parse(void **state) {
        nf_deadman_action a = NF_DEADMAN_NONE;
        unsigned s = 7;

        (void) state;
        assert_true(nf_deadman_parse_action("cycle", &a));
        assert_int_equal(a, NF_DEADMAN_CYCLE);
        assert_true(nf_deadman_parse_action("off", &a));
        assert_int_equal(a, NF_DEADMAN_OFF);
        assert_true(nf_deadman_parse_action("poweroff", &a));
        assert_int_equal(a, NF_DEADMAN_OFF);
        assert_true(nf_deadman_parse_action("none", &a));
        assert_int_equal(a, NF_DEADMAN_NONE);
        assert_false(nf_deadman_parse_action("reboot", &a));
        assert_false(nf_deadman_parse_action("", &a));
        assert_false(nf_deadman_parse_action(NULL, &a));
        assert_string_equal(nf_deadman_action_str(NF_DEADMAN_OFF), "off");

        assert_true(nf_deadman_parse_stall("1", &s));
        assert_int_equal(s, 1);
        assert_true(nf_deadman_parse_stall("300", &s));
        assert_int_equal(s, 300);
        assert_false(nf_deadman_parse_stall("0", &s));
        assert_false(nf_deadman_parse_stall("-5", &s));
        assert_false(nf_deadman_parse_stall("20s", &s));
        assert_false(nf_deadman_parse_stall("", &s));
        assert_true(nf_deadman_parse_stall("6538", &s));
        assert_int_equal(NF_DEADMAN_MAX_STALL_S, 6538);
        assert_false(nf_deadman_parse_stall("6539", &s));
        assert_int_equal(s, 6538);
}

static void test_cmdline(void **state) {
        nf_deadman d;
        char bad[96];

        (void) state;
        nf_deadman_init(&d);
        assert_true(nf_deadman_from_cmdline(&d, "console=ttyS0 apic_extnmi=none nr_cpus=1", bad, sizeof bad));
        assert_int_equal(d.action, NF_DEADMAN_CYCLE);
        assert_int_equal(d.stall_s, 120);

        assert_true(nf_deadman_from_cmdline(&d, "nmifence.deadman=off reset_devices nmifence.dump_stall_timeout=600",
                                            bad, sizeof bad));
        assert_int_equal(d.action, NF_DEADMAN_OFF);
        assert_int_equal(d.stall_s, 600);

        /* The last word wins, as the kernel's own parameters. */
        assert_true(nf_deadman_from_cmdline(&d, "nmifence.deadman=off nmifence.deadman=none", bad, sizeof bad));
        assert_int_equal(d.action, NF_DEADMAN_NONE);

        /* A bad value is named and leaves the setting alone. */
        nf_deadman_init(&d);
        assert_false(nf_deadman_from_cmdline(&d, "nmifence.deadman=reboot", bad, sizeof bad));
        assert_string_equal(bad, "nmifence.deadman=reboot");
        assert_int_equal(d.action, NF_DEADMAN_CYCLE);
        assert_false(nf_deadman_from_cmdline(&d, "nmifence.dump_stall_timeout=0", bad, sizeof bad));
        assert_string_equal(bad, "nmifence.dump_stall_timeout=0");
        assert_int_equal(d.stall_s, 120);

        assert_true(nf_deadman_from_cmdline(&d, NULL, bad, sizeof bad));
}

static void test_countdown(void **state) {
        (void) state;
        /* stall + NF_DEADMAN_GRACE_S (15 s), in 100 ms units */
        assert_int_equal(nf_deadman_countdown_ds(120), 1350);
        assert_int_equal(nf_deadman_countdown_ds(20), 350);
        assert_int_equal(nf_deadman_countdown_ds(1), 160);
        assert_int_equal(nf_deadman_countdown_ds(NF_DEADMAN_MAX_STALL_S), 65530);
        /* Never wraps the 16-bit field. */
        assert_int_equal(nf_deadman_countdown_ds(100000), 0xFFFF);
}

static void test_arm_bytes(void **state) {
        nf_deadman d;
        nf_watchdog w;
        uint8_t req[NF_WDT_SET_REQ_LEN];

        (void) state;
        nf_deadman_init(&d);
        nf_deadman_arm_timer(&d, &w);
        nf_watchdog_encode_set(&w, req);
        /* SMS/OS + don't stop; power cycle, no pre-timeout; pre-timeout 0;
         * clear every expiration flag; 1350 = 0546h, LS byte first. */
        const uint8_t cycle[] = { 0x44, 0x03, 0x00, 0x3E, 0x46, 0x05 };
        assert_memory_equal(req, cycle, sizeof cycle);

        d.action = NF_DEADMAN_OFF;
        d.stall_s = 20;
        nf_deadman_arm_timer(&d, &w);
        nf_watchdog_encode_set(&w, req);
        const uint8_t off[] = { 0x44, 0x02, 0x00, 0x3E, 0x5E, 0x01 };
        assert_memory_equal(req, off, sizeof off);
}

static void test_stop_bytes(void **state) {
        nf_deadman d;
        nf_watchdog w;
        uint8_t req[NF_WDT_SET_REQ_LEN];

        (void) state;
        nf_deadman_init(&d);
        nf_deadman_stop_timer(&d, &w);
        nf_watchdog_encode_set(&w, req);
        /* SMS/OS without "don't stop": the Set stops the timer; action
         * none, so a stray Reset cannot bring the power action back; no
         * flags cleared. */
        const uint8_t stop[] = { 0x04, 0x00, 0x00, 0x00, 0x46, 0x05 };
        assert_memory_equal(req, stop, sizeof stop);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_steps),     cmocka_unit_test(test_defaults),  cmocka_unit_test(test_parse),
                cmocka_unit_test(test_cmdline),   cmocka_unit_test(test_countdown), cmocka_unit_test(test_arm_bytes),
                cmocka_unit_test(test_stop_bytes),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
