/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes the binary seeds of the committed corpus with the project's own
 * encoders, so they stay valid inputs: SEL records carrying every stage,
 * fence_kdump datagrams, persisted operation states and IPMI response
 * scripts.  Run by hand (tests/fuzz/gen-corpus), never by the tests.
 *
 * Usage: gen-seeds CORPUS_DIR
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump-event.h"
#include "kdump-listener.h"
#include "sel-record.h"
#include "target-lock.h"

static const char *dir;

static void put(const char *sub, const char *name, const void *buf, size_t len) {
        char path[512];
        FILE *f;

        snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
        f = fopen(path, "we");
        if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
                fprintf(stderr, "gen-seeds: %s: %s\n", path, strerror(errno));
                exit(1);
        }
}

/* One response in fuzz-ipmi-responses' script: length, completion code, data. */
static size_t rsp(uint8_t *out, size_t off, const uint8_t *bytes, size_t len) {
        out[off] = (uint8_t) len;
        memcpy(out + off + 1, bytes, len);
        return off + 1 + len;
}

int main(int argc, char **argv) {
        static const nf_stage_msg msgs[] = {
                { NF_STAGE_ARMED, NF_ARMED_CRASH_LOADED | NF_ARMED_NMI_PANIC, 0 },
                { NF_STAGE_DISARMED, 0, 1 },
                { NF_STAGE_DUMP_START, 4, 0 },
                { NF_STAGE_CPUS, 4, 1 },
                { NF_STAGE_PROGRESS, 45, 2 },
                { NF_STAGE_DUMP_DONE, NF_DONE_COMPLETE, 3 },
                { NF_STAGE_DUMP_FAILED, 2, 4 },
        };
        uint8_t sel[NF_SEL_RECORD_SIZE], buf[4096];
        char name[64];
        nf_event ev;

        if (argc != 2) {
                fprintf(stderr, "usage: gen-seeds CORPUS_DIR\n");
                return 2;
        }
        dir = argv[1];

        for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
                nf_stage_encode(&msgs[i], &ev);
                nf_sel_record_encode_event(&ev, 0x6000000 + (uint32_t) i, sel);
                sel[0] = (uint8_t) (i + 1);     /* record id */
                snprintf(name, sizeof name, "stage-%s", nf_stage_str(msgs[i].stage));
                put("fuzz-sel-record", name, sel, sizeof sel);
        }
        /* An OEM record (not an event), and a short one. */
        memset(sel, 0, sizeof sel);
        sel[2] = 0xC0;
        put("fuzz-sel-record", "oem-timestamped", sel, sizeof sel);
        put("fuzz-sel-record", "short", sel, 7);
        /* OS Critical Stop as Linux's panic event posts it (offset 01h,
         * OEM data 2 and 3), and a graceful shutdown. */
        ev = (nf_event) { .generator_id = 0x0041, .evm_rev = 0x04, .sensor_type = 0x20,
                          .event_dir_type = 0x6F, .data = { 0xA1, 0x4B, 0x65 } };
        nf_sel_record_encode_event(&ev, 0x6000100, sel);
        sel[0] = 0x20;
        put("fuzz-sel-record", "os-critical-stop", sel, sizeof sel);
        ev.data[0] = 0x03;
        nf_sel_record_encode_event(&ev, 0x6000101, sel);
        put("fuzz-sel-record", "os-graceful-shutdown", sel, sizeof sel);

        nf_kdump_msg_encode(buf);
        put("fuzz-kdump-msg", "v1", buf, NF_KDUMP_MSG_LEN);
        memcpy(buf + NF_KDUMP_MSG_LEN, "\0192.0.2.1, 192.0.2.2,2001:db8::1", 33);
        put("fuzz-kdump-msg", "v1-with-sources", buf, NF_KDUMP_MSG_LEN + 33);
        buf[4] = 2;
        put("fuzz-kdump-msg", "v2", buf, NF_KDUMP_MSG_LEN);
        put("fuzz-kdump-msg", "short", buf, 5);

        {
                static nf_op_state st;
                int n;

                memset(&st, 0, sizeof st);
                strcpy(st.boot_id, "0b3a5f53-8c1e-4f7e-9a3b-7b5c2d1e0f42");
                st.pid = 4242;
                strcpy(st.target, "127.0.0.1:623");
                st.cursor_valid = true;
                st.cursor.have_last = true;
                st.cursor.last_id = 17;
                st.cursor.entries_seen = 17;
                st.snap.regs_saved = st.snap.cpus_in_dump = -1;
                st.snap.nmi_sent = true;
                st.snap.t_nmi = 1000;
                n = nf_op_state_format(&st, (char *) buf, sizeof buf);
                if (n < 0)
                        return 1;
                put("fuzz-target-lock-state", "waiting", buf, (size_t) n);

                st.finished = true;
                st.t_finished = 9000;
                st.snap.dump = 1;
                st.snap.fenced = true;
                st.n_records = 2;
                st.records[0].msg = msgs[2];
                st.records[0].t_ms = 8000;
                st.records[1].msg = msgs[5];
                st.records[1].t_ms = 9000;
                strcpy(st.snap.dump_reason, "dump-done record, result 0");
                n = nf_op_state_format(&st, (char *) buf, sizeof buf);
                if (n < 0)
                        return 1;
                put("fuzz-target-lock-state", "finished", buf, (size_t) n);
        }

        {
                /* Device ID, chassis status, chassis control, SEL info,
                 * reserve, get entry, add entry, then the cursor and a
                 * read of two new records carrying dump-start and done. */
                static const uint8_t devid[] = { 0, 0x20, 0x01, 0x02, 0x15, 0x02, 0xBF, 0x57, 0x01, 0x00, 0x01, 0x00 };
                static const uint8_t chassis[] = { 0, 0x01, 0x00, 0x00, 0x00 };
                static const uint8_t ok[] = { 0 };
                static const uint8_t info[] = { 0, 0x51, 2, 0, 0x00, 0x10, 1, 0, 0, 0x60, 0, 0, 0, 0, 0x0F };
                static const uint8_t resv[] = { 0, 0x34, 0x12 };
                static const uint8_t added[] = { 0, 0x03, 0x00 };
                static const uint8_t not_found[] = { 0xCB };
                uint8_t entry[1 + 2 + NF_SEL_RECORD_SIZE];
                size_t off = 0;

                off = rsp(buf, off, devid, sizeof devid);
                off = rsp(buf, off, chassis, sizeof chassis);
                off = rsp(buf, off, ok, sizeof ok);
                off = rsp(buf, off, info, sizeof info);
                off = rsp(buf, off, resv, sizeof resv);
                for (int i = 0; i < 2; i++) {
                        nf_stage_encode(&msgs[i ? 5 : 2], &ev);
                        nf_sel_record_encode_event(&ev, 0x6000000, entry + 3);
                        entry[0] = 0;
                        entry[1] = i ? 0xFF : 0x02;     /* next record id */
                        entry[2] = i ? 0xFF : 0x00;
                        entry[3] = (uint8_t) (i + 1);
                        entry[4] = 0;
                        off = rsp(buf, off, entry, sizeof entry);
                }
                off = rsp(buf, off, added, sizeof added);
                put("fuzz-ipmi-responses", "healthy-bmc", buf, off);
                /* Every command answered 0xCB. */
                off = 0;
                for (int i = 0; i < 12; i++)
                        off = rsp(buf, off, not_found, sizeof not_found);
                put("fuzz-ipmi-responses", "all-not-found", buf, off);
                /* Responses of zero data bytes: every command short. */
                memset(buf, 0, 16);
                put("fuzz-ipmi-responses", "all-empty", buf, 16);
                /* Get Watchdog Timer of a running SMS/OS timer (30.0 s,
                 * 12.3 s left), then Reset and Set answered OK. */
                static const uint8_t wdt[] = { 0, 0x44, 0x00, 0x00, 0x10, 0x2C, 0x01, 0x7B, 0x00 };
                off = 0;
                off = rsp(buf, off, wdt, sizeof wdt);
                off = rsp(buf, off, ok, sizeof ok);
                off = rsp(buf, off, ok, sizeof ok);
                put("fuzz-ipmi-responses", "watchdog-running", buf, off);
        }
        return 0;
}
