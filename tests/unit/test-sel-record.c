/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the pure SEL record codec (ipmi/sel-record.c). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sel-record.h"

/* A system event record as a BMC returns it: IPMI 2.0 table 32-1. */
static const uint8_t sys_event[NF_SEL_RECORD_SIZE] = {
        0x34, 0x12,                     /* record id 0x1234 */
        0x02,                           /* system event record */
        0x78, 0x56, 0x34, 0x12,         /* timestamp 0x12345678 */
        0x4d, 0x03,                     /* generator id 0x034d */
        0x04,                           /* EvM rev */
        0x20,                           /* sensor type */
        0x07,                           /* sensor number */
        0x6f,                           /* event dir/type */
        0xa2, 0x15, 0x2a,               /* event data 1..3 */
};

static void assert_event_equal(const nf_event *a, const nf_event *b) {
        /* field by field: struct padding is unspecified */
        assert_int_equal(a->generator_id, b->generator_id);
        assert_int_equal(a->evm_rev, b->evm_rev);
        assert_int_equal(a->sensor_type, b->sensor_type);
        assert_int_equal(a->sensor_number, b->sensor_number);
        assert_int_equal(a->event_dir_type, b->event_dir_type);
        assert_memory_equal(a->data, b->data, 3);
}

static void decode_system_event_fields(void **state) {
        nf_sel_record r;

        assert_int_equal(nf_sel_record_decode(sys_event, sizeof sys_event, &r), NF_SEL_DECODE_OK);
        assert_int_equal(r.record_id, 0x1234);
        assert_int_equal(r.record_type, 0x02);
        assert_true(r.is_event);
        assert_int_equal(r.timestamp, 0x12345678);
        assert_int_equal(r.event.generator_id, 0x034d);
        assert_int_equal(r.event.evm_rev, 0x04);
        assert_int_equal(r.event.sensor_type, 0x20);
        assert_int_equal(r.event.sensor_number, 0x07);
        assert_int_equal(r.event.event_dir_type, 0x6f);
        assert_int_equal(r.event.data[0], 0xa2);
        assert_int_equal(r.event.data[1], 0x15);
        assert_int_equal(r.event.data[2], 0x2a);
        assert_memory_equal(r.raw, sys_event, NF_SEL_RECORD_SIZE);
}

static void decode_high_bytes_little_endian(void **state) {
        uint8_t b[NF_SEL_RECORD_SIZE];
        nf_sel_record r;

        memcpy(b, sys_event, sizeof b);
        b[0] = 0xfe; b[1] = 0xff;
        b[3] = 0x01; b[4] = 0x00; b[5] = 0x00; b[6] = 0xf0;
        b[7] = 0x41; b[8] = 0x00;
        assert_int_equal(nf_sel_record_decode(b, sizeof b, &r), NF_SEL_DECODE_OK);
        assert_int_equal(r.record_id, 0xfffe);
        assert_int_equal(r.timestamp, 0xf0000001u);
        assert_int_equal(r.event.generator_id, 0x0041);
}

static void decode_evm_rev_03_accepted(void **state) {
        uint8_t b[NF_SEL_RECORD_SIZE];
        nf_sel_record r;

        memcpy(b, sys_event, sizeof b);
        b[9] = 0x03;            /* IPMI 1.0 */
        assert_int_equal(nf_sel_record_decode(b, sizeof b, &r), NF_SEL_DECODE_OK);
        assert_true(r.is_event);
        assert_int_equal(r.event.evm_rev, 0x03);
}

static void decode_bad_evm_rev(void **state) {
        static const uint8_t bad_revs[] = { 0x00, 0x01, 0x02, 0x05, 0x40, 0xff };
        uint8_t b[NF_SEL_RECORD_SIZE];

        for (size_t i = 0; i < sizeof bad_revs; i++) {
                nf_sel_record r;

                memset(&r, 0xaa, sizeof r);
                memcpy(b, sys_event, sizeof b);
                b[9] = bad_revs[i];
                assert_int_equal(nf_sel_record_decode(b, sizeof b, &r), NF_SEL_DECODE_BAD_EVM_REV);
        }
}

static void decode_oem_timestamped(void **state) {
        for (unsigned type = 0xc0; type <= 0xdf; type++) {
                uint8_t b[NF_SEL_RECORD_SIZE] = {
                        0x10, 0x00, (uint8_t) type, 0xef, 0xbe, 0xad, 0xde,
                        /* manufacturer id + OEM data: EvM rev byte (9) is
                         * not checked for OEM records */
                        0x57, 0x01, 0x00, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99,
                };
                nf_sel_record r;

                assert_int_equal(nf_sel_record_decode(b, sizeof b, &r), NF_SEL_DECODE_OK);
                assert_int_equal(r.record_id, 0x0010);
                assert_int_equal(r.record_type, type);
                assert_false(r.is_event);
                assert_int_equal(r.timestamp, 0xdeadbeefu);
                assert_memory_equal(r.raw, b, sizeof b);
        }
}

static void decode_oem_non_timestamped(void **state) {
        for (unsigned type = 0xe0; type <= 0xff; type++) {
                uint8_t b[NF_SEL_RECORD_SIZE] = {
                        0x11, 0x00, (uint8_t) type, 0xef, 0xbe, 0xad, 0xde,
                        0x00, 0x00, 0x77, 0, 0, 0, 0, 0, 0,
                };
                nf_sel_record r;

                assert_int_equal(nf_sel_record_decode(b, sizeof b, &r), NF_SEL_DECODE_OK);
                assert_int_equal(r.record_id, 0x0011);
                assert_int_equal(r.record_type, type);
                assert_false(r.is_event);
                /* No timestamp field in 0xE0-0xFF records. */
                assert_int_equal(r.timestamp, 0);
                assert_int_equal(r.event.generator_id, 0);
        }
}

static void decode_short_buffers(void **state) {
        uint8_t b[NF_SEL_RECORD_SIZE];
        nf_sel_record r, untouched;

        memcpy(b, sys_event, sizeof b);
        for (size_t len = 0; len < NF_SEL_RECORD_SIZE; len++) {
                memset(&r, 0x5a, sizeof r);
                memcpy(&untouched, &r, sizeof r);
                assert_int_equal(nf_sel_record_decode(b, len, &r), NF_SEL_DECODE_SHORT);
                /* ret_* untouched on failure */
                assert_memory_equal(&r, &untouched, sizeof r);
        }
        assert_int_equal(nf_sel_record_decode(NULL, NF_SEL_RECORD_SIZE, &r), NF_SEL_DECODE_SHORT);
        assert_int_equal(nf_sel_record_decode(b, sizeof b, NULL), NF_SEL_DECODE_SHORT);
}

static void decode_longer_buffer_uses_first_16(void **state) {
        uint8_t b[20];
        nf_sel_record r;

        memcpy(b, sys_event, NF_SEL_RECORD_SIZE);
        memset(b + NF_SEL_RECORD_SIZE, 0xee, 4);
        assert_int_equal(nf_sel_record_decode(b, sizeof b, &r), NF_SEL_DECODE_OK);
        assert_int_equal(r.event.data[2], 0x2a);
}

static void encode_layout(void **state) {
        nf_event ev = {
                .generator_id = 0x024d, .evm_rev = 0x04, .sensor_type = 0x20, .sensor_number = 0x09,
                .event_dir_type = 0x6f, .data = { 0xa1, 0x13, 0x00 },
        };
        static const uint8_t want[NF_SEL_RECORD_SIZE] = {
                0x00, 0x00, 0x02, 0x04, 0x03, 0x02, 0x01, 0x4d, 0x02,
                0x04, 0x20, 0x09, 0x6f, 0xa1, 0x13, 0x00,
        };
        uint8_t out[NF_SEL_RECORD_SIZE];

        memset(out, 0xcc, sizeof out);
        nf_sel_record_encode_event(&ev, 0x01020304, out);
        assert_memory_equal(out, want, sizeof want);
}

static void encode_decode_round_trip(void **state) {
        static const nf_event evs[] = {
                { 0x004d, 0x04, 0x20, 0x00, 0x6f, { 0xa1, 0x13, 0x00 } },
                { 0x0341, 0x03, 0x12, 0xff, 0xef, { 0xff, 0xff, 0xff } },
                { 0xffff, 0x04, 0x00, 0x01, 0x01, { 0x00, 0x00, 0x00 } },
        };
        static const uint32_t stamps[] = { 0, 1, 0x7fffffff, 0xffffffffu };

        for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++)
                for (size_t t = 0; t < sizeof stamps / sizeof stamps[0]; t++) {
                        uint8_t out[NF_SEL_RECORD_SIZE];
                        nf_sel_record r;

                        nf_sel_record_encode_event(&evs[i], stamps[t], out);
                        assert_int_equal(nf_sel_record_decode(out, sizeof out, &r), NF_SEL_DECODE_OK);
                        assert_true(r.is_event);
                        assert_int_equal(r.record_type, NF_SEL_TYPE_SYSTEM_EVENT);
                        assert_int_equal(r.record_id, 0);
                        assert_int_equal(r.timestamp, stamps[t]);
                        assert_event_equal(&r.event, &evs[i]);
                }
}

static void pem_layout(void **state) {
        nf_event ev = {
                .generator_id = 0x034d, .evm_rev = 0x04, .sensor_type = 0x20, .sensor_number = 0x2a,
                .event_dir_type = 0x6f, .data = { 0xa2, 0x15, 0x64 },
        };
        /* System interface form: software id only (low byte), the BMC
         * adds channel/LUN. */
        static const uint8_t want[8] = { 0x4d, 0x04, 0x20, 0x2a, 0x6f, 0xa2, 0x15, 0x64 };
        uint8_t out[8];

        memset(out, 0xcc, sizeof out);
        assert_int_equal(nf_event_encode_pem(&ev, out), 8);
        assert_memory_equal(out, want, sizeof want);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(decode_system_event_fields),
                cmocka_unit_test(decode_high_bytes_little_endian),
                cmocka_unit_test(decode_evm_rev_03_accepted),
                cmocka_unit_test(decode_bad_evm_rev),
                cmocka_unit_test(decode_oem_timestamped),
                cmocka_unit_test(decode_oem_non_timestamped),
                cmocka_unit_test(decode_short_buffers),
                cmocka_unit_test(decode_longer_buffer_uses_first_16),
                cmocka_unit_test(encode_layout),
                cmocka_unit_test(encode_decode_round_trip),
                cmocka_unit_test(pem_layout),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
