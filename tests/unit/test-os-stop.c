/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the OS Critical Stop event decoder (ipmi/os-stop.c). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "os-stop.h"
#include "sel-record.h"

/* The SEL record Linux's ipmi_msghandler panic event leaves (generator
 * 0x41 = system software, sensor type 20h, event type 6Fh, data 1 A1h:
 * offset 01h with OEM codes in data 2 and 3). */
static const uint8_t linux_panic[NF_SEL_RECORD_SIZE] = {
        0x20, 0x00, 0x02, 0x00, 0x01, 0x00, 0x06, 0x41, 0x00, 0x04, 0x20, 0x00, 0x6F, 0xA1, 0x4B, 0x65,
};

static void linux_panic_event(void **state) {
        nf_sel_record rec;
        nf_os_stop st;

        assert_int_equal(nf_sel_record_decode(linux_panic, sizeof linux_panic, &rec), NF_SEL_DECODE_OK);
        assert_true(rec.is_event);
        assert_true(nf_os_stop_decode(&rec.event, &st));
        assert_int_equal(st.kind, NF_OS_STOP_CRITICAL_RUNTIME);
        assert_true(st.critical);
        assert_false(st.graceful);
        assert_true(st.have_oem);
        assert_int_equal(st.data2, 0x4B);
        assert_int_equal(st.data3, 0x65);
        assert_string_equal(nf_os_stop_str(st.kind), "run-time critical stop");
}

static void every_offset(void **state) {
        nf_event ev = { .evm_rev = 4, .sensor_type = 0x20, .event_dir_type = 0x6F };
        nf_os_stop st;
        const bool critical[] = { true, true, false, false, false, true };

        for (uint8_t o = 0; o <= 5; o++) {
                ev.data[0] = o;         /* data 2/3 unspecified */
                assert_true(nf_os_stop_decode(&ev, &st));
                assert_int_equal(st.kind, o);
                assert_int_equal(st.critical, critical[o]);
                assert_int_equal(st.graceful, !critical[o]);
                assert_false(st.have_oem);
        }
        for (uint8_t o = 6; o <= 0x0F; o++) {
                ev.data[0] = o;
                assert_false(nf_os_stop_decode(&ev, &st));
        }
}

static void not_an_os_stop(void **state) {
        nf_event ev = { .evm_rev = 4, .sensor_type = 0x20, .event_dir_type = 0x6F, .data = { 0x01 } };
        nf_os_stop st = { .data2 = 0x77 };

        ev.event_dir_type = 0xEF;       /* deassertion */
        assert_false(nf_os_stop_decode(&ev, &st));
        ev.event_dir_type = 0x03;       /* generic discrete, not sensor specific */
        assert_false(nf_os_stop_decode(&ev, &st));
        ev.event_dir_type = 0x6F;
        ev.sensor_type = 0x23;          /* Watchdog 2 */
        assert_false(nf_os_stop_decode(&ev, &st));
        assert_int_equal(st.data2, 0x77);       /* untouched */
        assert_false(nf_os_stop_decode(NULL, &st));
        ev.sensor_type = 0x20;
        assert_false(nf_os_stop_decode(&ev, NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(linux_panic_event),
                cmocka_unit_test(every_offset),
                cmocka_unit_test(not_an_os_stop),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
