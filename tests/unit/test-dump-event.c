/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the dump-stage protocol codec (ipmi/dump-event.c). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dump-event.h"
#include "sel-record.h"

static const nf_stage all_stages[] = {
        NF_STAGE_ARMED, NF_STAGE_DISARMED, NF_STAGE_DUMP_START,
        NF_STAGE_PROGRESS, NF_STAGE_DUMP_DONE, NF_STAGE_DUMP_FAILED,
        NF_STAGE_CPUS,
};
#define N_STAGES (sizeof all_stages / sizeof all_stages[0])

static nf_event encoded(nf_stage s, uint8_t arg, uint8_t seq) {
        nf_stage_msg m = { .stage = s, .arg = arg, .seq = seq };
        nf_event ev;

        nf_stage_encode(&m, &ev);
        return ev;
}

static void assert_rejected(const nf_event *ev) {
        nf_stage_msg m = { .stage = NF_STAGE_ARMED, .arg = 0x5a, .seq = 0xa5 };

        assert_false(nf_stage_decode(ev, &m));
        /* ret untouched on failure */
        assert_int_equal(m.stage, NF_STAGE_ARMED);
        assert_int_equal(m.arg, 0x5a);
        assert_int_equal(m.seq, 0xa5);
}

static void every_stage_round_trips(void **state) {
        static const uint8_t args[] = { 0, 1, 42, 100 };
        static const uint8_t seqs[] = { 0, 1, 0x7f, 0xff };

        for (size_t i = 0; i < N_STAGES; i++)
                for (size_t a = 0; a < sizeof args; a++)
                        for (size_t q = 0; q < sizeof seqs; q++) {
                                nf_event ev = encoded(all_stages[i], args[a], seqs[q]);
                                nf_stage_msg m;

                                assert_true(nf_stage_decode(&ev, &m));
                                assert_int_equal(m.stage, all_stages[i]);
                                assert_int_equal(m.arg, args[a]);
                                assert_int_equal(m.seq, seqs[q]);
                        }
}

/* What the agent really sees: the event goes through an SEL record. */
static void every_stage_round_trips_through_sel_record(void **state) {
        for (size_t i = 0; i < N_STAGES; i++) {
                nf_event ev = encoded(all_stages[i], 7, (uint8_t) (i + 1));
                uint8_t raw[NF_SEL_RECORD_SIZE];
                nf_sel_record r;
                nf_stage_msg m;

                nf_sel_record_encode_event(&ev, 1000, raw);
                assert_int_equal(nf_sel_record_decode(raw, sizeof raw, &r), NF_SEL_DECODE_OK);
                assert_true(nf_stage_decode(&r.event, &m));
                assert_int_equal(m.stage, all_stages[i]);
                assert_int_equal(m.arg, 7);
                assert_int_equal(m.seq, i + 1);
        }
}

static void assert_event_bytes(const nf_event *ev, uint16_t gen, uint8_t type, uint8_t num, uint8_t dir,
                               uint8_t d1, uint8_t d2, uint8_t d3) {
        assert_int_equal(ev->generator_id, gen);
        assert_int_equal(ev->evm_rev, 0x04);
        assert_int_equal(ev->sensor_type, type);
        assert_int_equal(ev->sensor_number, num);
        assert_int_equal(ev->event_dir_type, dir);
        assert_int_equal(ev->data[0], d1);
        assert_int_equal(ev->data[1], d2);
        assert_int_equal(ev->data[2], d3);
}

static void layout_dump_start(void **state) {
        nf_event ev = encoded(NF_STAGE_DUMP_START, 0, 9);

        /* OS Critical Stop, "run-time critical stop" (offset 1) */
        assert_event_bytes(&ev, 0x4d, 0x20, 9, 0x6f, 0xa1, 0x13, 0x00);
}

static void layout_dump_done(void **state) {
        nf_event ev = encoded(NF_STAGE_DUMP_DONE, NF_DONE_PARTIAL, 10);

        /* OS Critical Stop, "OS graceful stop" (offset 2) */
        assert_event_bytes(&ev, 0x4d, 0x20, 10, 0x6f, 0xa2, 0x15, 0x01);
}

static void layout_other_stages(void **state) {
        nf_event ev;

        ev = encoded(NF_STAGE_PROGRESS, 45, 3);
        assert_event_bytes(&ev, 0x4d, 0x20, 3, 0x6f, 0xa1, 0x14, 45);
        ev = encoded(NF_STAGE_DUMP_FAILED, 2, 4);
        assert_event_bytes(&ev, 0x4d, 0x20, 4, 0x6f, 0xa0, 0x16, 2);
        ev = encoded(NF_STAGE_ARMED, NF_ARMED_CRASH_LOADED | NF_ARMED_NMI_PANIC, 1);
        assert_event_bytes(&ev, 0x4d, 0x12, 1, 0x6f, 0xa1, 0x11, 0x03);
        ev = encoded(NF_STAGE_DISARMED, 0, 2);
        assert_event_bytes(&ev, 0x4d, 0x12, 2, 0x6f, 0xa0, 0x12, 0x00);
}

/* Registers saved (docs/protocol.md): dump-start's ED3 is the number of
 * CPUs with saved registers, the cpus record's ED3 the number of CPUs in
 * the dump; "4/4" is these two records. */
static void layout_registers_saved(void **state) {
        nf_event ev;
        nf_stage_msg m;

        ev = encoded(NF_STAGE_DUMP_START, 4, 5);
        assert_event_bytes(&ev, 0x4d, 0x20, 5, 0x6f, 0xa1, 0x13, 0x04);
        ev = encoded(NF_STAGE_CPUS, 4, 6);
        assert_event_bytes(&ev, 0x4d, 0x20, 6, 0x6f, 0xa1, 0x17, 0x04);
        /* any count up to 255 ("255 or more") decodes */
        for (unsigned n = 0; n <= NF_CPU_COUNT_MAX; n++) {
                ev = encoded(NF_STAGE_CPUS, (uint8_t) n, 1);
                assert_true(nf_stage_decode(&ev, &m));
                assert_int_equal(m.stage, NF_STAGE_CPUS);
                assert_int_equal(m.arg, n);
                ev = encoded(NF_STAGE_DUMP_START, (uint8_t) n, 1);
                assert_true(nf_stage_decode(&ev, &m));
                assert_int_equal(m.stage, NF_STAGE_DUMP_START);
                assert_int_equal(m.arg, n);
        }
}

/* A record written before the cpus stage existed still decodes as it did:
 * dump-start with ED3 0, exactly the bytes of protocol version 1. */
static void old_dump_start_unchanged(void **state) {
        nf_event ev = {
                .generator_id = 0x4d, .evm_rev = 0x04, .sensor_type = 0x20, .sensor_number = 0,
                .event_dir_type = 0x6f, .data = { 0xa1, 0x13, 0x00 },
        };
        nf_stage_msg m;

        assert_true(nf_stage_decode(&ev, &m));
        assert_int_equal(m.stage, NF_STAGE_DUMP_START);
        assert_int_equal(m.arg, 0);
}

static void rejects_other_generator(void **state) {
        static const uint16_t gens[] = { 0x0000, 0x0041, 0x004c, 0x004e, 0x00cd, 0x4d00, 0x0020 };

        for (size_t i = 0; i < sizeof gens / sizeof gens[0]; i++) {
                nf_event ev = encoded(NF_STAGE_DUMP_DONE, 0, 1);

                ev.generator_id = gens[i];
                assert_rejected(&ev);
        }
}

static void generator_channel_lun_byte_ignored(void **state) {
        static const uint16_t gens[] = { 0x014d, 0x034d, 0x0f4d, 0xff4d };

        for (size_t i = 0; i < sizeof gens / sizeof gens[0]; i++) {
                nf_event ev = encoded(NF_STAGE_DUMP_START, 0, 5);
                nf_stage_msg m;

                ev.generator_id = gens[i];
                assert_true(nf_stage_decode(&ev, &m));
                assert_int_equal(m.stage, NF_STAGE_DUMP_START);
                assert_int_equal(m.seq, 5);
        }
}

static void rejects_wrong_event_type(void **state) {
        /* deassertion, threshold, generic discrete */
        static const uint8_t dirs[] = { 0xef, 0x01, 0x03, 0x6e, 0x70, 0x00 };

        for (size_t i = 0; i < sizeof dirs; i++) {
                nf_event ev = encoded(NF_STAGE_DUMP_DONE, 0, 1);

                ev.event_dir_type = dirs[i];
                assert_rejected(&ev);
        }
}

static void rejects_wrong_ed1_flags(void **state) {
        static const uint8_t flag_bits[] = { 0x00, 0x80, 0x20, 0xb0, 0xe0, 0xf0, 0x90, 0x40 };

        for (size_t i = 0; i < sizeof flag_bits; i++) {
                nf_event ev = encoded(NF_STAGE_DUMP_DONE, 0, 1);

                ev.data[0] = (uint8_t) (flag_bits[i] | 0x02);
                assert_rejected(&ev);
        }
}

static void rejects_unknown_version(void **state) {
        static const uint8_t versions[] = { 0, 2, 3, 15 };

        for (size_t i = 0; i < sizeof versions; i++) {
                nf_event ev = encoded(NF_STAGE_DUMP_DONE, 0, 1);

                ev.data[1] = (uint8_t) ((versions[i] << 4) | NF_STAGE_DUMP_DONE);
                assert_rejected(&ev);
        }
}

static void rejects_unknown_stage(void **state) {
        static const uint8_t stages[] = { 0, 8, 9, 15 };

        for (size_t i = 0; i < sizeof stages; i++) {
                /* keep sensor type and offset of a valid stage */
                nf_event ev = encoded(NF_STAGE_DUMP_START, 0, 1);

                ev.data[1] = (uint8_t) ((NF_PROTO_VERSION << 4) | stages[i]);
                assert_rejected(&ev);
                ev.data[0] = 0xa0;
                assert_rejected(&ev);
        }
}

static void rejects_sensor_type_or_offset_mismatch(void **state) {
        for (size_t i = 0; i < N_STAGES; i++) {
                nf_event good = encoded(all_stages[i], 0, 1), ev;
                nf_stage_msg m;

                assert_true(nf_stage_decode(&good, &m));

                /* every other offset of the same sensor type */
                for (uint8_t off = 0; off < 16; off++) {
                        if (off == (good.data[0] & 0x0f))
                                continue;
                        ev = good;
                        ev.data[0] = (uint8_t) (0xa0 | off);
                        assert_rejected(&ev);
                }
                /* the other sensor type of the protocol, and an unrelated one */
                ev = good;
                ev.sensor_type = good.sensor_type == 0x20 ? 0x12 : 0x20;
                assert_rejected(&ev);
                ev.sensor_type = 0x01;
                assert_rejected(&ev);
        }
}

static void rejects_progress_over_100(void **state) {
        nf_event ev = encoded(NF_STAGE_PROGRESS, 100, 1);
        nf_stage_msg m;

        assert_true(nf_stage_decode(&ev, &m));
        assert_int_equal(m.arg, 100);
        for (unsigned pct = 101; pct <= 255; pct++) {
                ev.data[2] = (uint8_t) pct;
                assert_rejected(&ev);
        }
}

/* drivers/char/ipmi/ipmi_msghandler.c send_panic_events(): generator 0x41,
 * EvM rev 3, OS Critical Stop, ED1 0xA1 and bytes of the panic string. */
static void linux_panic_event_not_ours(void **state) {
        static const char *const strs[] = { "NMI: Not continuing", "Kernel panic", "\x01\x13\x00" };

        for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
                const char *s = strs[i];
                nf_event ev = {
                        .generator_id = 0x0041, .evm_rev = 0x03, .sensor_type = 0x20,
                        .sensor_number = (uint8_t) s[0], .event_dir_type = 0x6f,
                        .data = { 0xa1, (uint8_t) s[1], (uint8_t) s[2] },
                };

                assert_rejected(&ev);
                /* also with a channel/LUN byte as stored in the SEL */
                ev.generator_id = 0x0341;
                assert_rejected(&ev);
        }
}

static void decode_rejects_null(void **state) {
        nf_event ev = encoded(NF_STAGE_DUMP_START, 0, 1);
        nf_stage_msg m;

        assert_false(nf_stage_decode(NULL, &m));
        assert_false(nf_stage_decode(&ev, NULL));
}

static void stage_names(void **state) {
        static const struct {
                const char *s;
                nf_stage st;
        } names[] = {
                { "armed", NF_STAGE_ARMED },         { "disarmed", NF_STAGE_DISARMED },
                { "dump-start", NF_STAGE_DUMP_START }, { "progress", NF_STAGE_PROGRESS },
                { "dump-done", NF_STAGE_DUMP_DONE },   { "dump-failed", NF_STAGE_DUMP_FAILED },
                { "cpus", NF_STAGE_CPUS },
                /* aliases */
                { "start", NF_STAGE_DUMP_START },      { "panic", NF_STAGE_DUMP_START },
                { "done", NF_STAGE_DUMP_DONE },        { "failed", NF_STAGE_DUMP_FAILED },
                { "disarm", NF_STAGE_DISARMED },
        };

        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
                nf_stage st = 0;

                assert_true(nf_stage_from_str(names[i].s, &st));
                assert_int_equal(st, names[i].st);
        }
        /* str and from_str agree for the canonical names */
        for (size_t i = 0; i < N_STAGES; i++) {
                nf_stage st = 0;

                assert_true(nf_stage_from_str(nf_stage_str(all_stages[i]), &st));
                assert_int_equal(st, all_stages[i]);
        }
}

static void stage_names_unknown(void **state) {
        static const char *const bad[] = { "", "dump", "Dump-Start", "dump-start ", "arm", "unknown-stage", "7" };

        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                nf_stage st = NF_STAGE_PROGRESS;

                assert_false(nf_stage_from_str(bad[i], &st));
                assert_int_equal(st, NF_STAGE_PROGRESS);
        }
        assert_false(nf_stage_from_str(NULL, &(nf_stage) { 0 }));
        assert_false(nf_stage_from_str("done", NULL));

        assert_string_equal(nf_stage_str(NF_STAGE_DUMP_DONE), "dump-done");
        assert_string_equal(nf_stage_str((nf_stage) 0), "unknown-stage");
        assert_string_equal(nf_stage_str((nf_stage) 8), "unknown-stage");
        assert_string_equal(nf_stage_str((nf_stage) 200), "unknown-stage");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(every_stage_round_trips),
                cmocka_unit_test(every_stage_round_trips_through_sel_record),
                cmocka_unit_test(layout_dump_start),
                cmocka_unit_test(layout_dump_done),
                cmocka_unit_test(layout_other_stages),
                cmocka_unit_test(layout_registers_saved),
                cmocka_unit_test(old_dump_start_unchanged),
                cmocka_unit_test(rejects_other_generator),
                cmocka_unit_test(generator_channel_lun_byte_ignored),
                cmocka_unit_test(rejects_wrong_event_type),
                cmocka_unit_test(rejects_wrong_ed1_flags),
                cmocka_unit_test(rejects_unknown_version),
                cmocka_unit_test(rejects_unknown_stage),
                cmocka_unit_test(rejects_sensor_type_or_offset_mismatch),
                cmocka_unit_test(rejects_progress_over_100),
                cmocka_unit_test(linux_panic_event_not_ours),
                cmocka_unit_test(decode_rejects_null),
                cmocka_unit_test(stage_names),
                cmocka_unit_test(stage_names_unknown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
