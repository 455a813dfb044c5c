/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The responses a BMC sends back, decoded by ipmi/'s command functions.
 * A transport for this fuzzer only (session-internal.h lets one plug in)
 * answers every request with the next response from the input: a length
 * byte, then that many bytes (completion code first).  When the input runs
 * out, requests time out, as with a BMC that stopped answering.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dump-event.h"
#include "nf-commands.h"
#include "os-stop.h"
#include "session-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fake_session {
        nf_session base;                /* first: nf_session_free() frees it */
        const uint8_t *p;
        size_t left;
} fake_session;

static nf_status fake_raw(nf_session *s, uint8_t netfn, uint8_t cmd, const uint8_t *req, size_t req_len,
                          uint8_t *rsp, size_t rsp_cap, size_t *ret_len) {
        fake_session *f = (fake_session *) s;
        size_t n;

        if (f->left == 0)
                return nf_error_set(&s->last_error, NF_E_TIMEOUT, netfn, cmd, "fuzz input exhausted");
        n = f->p[0];
        f->p++, f->left--;
        if (n > f->left)
                n = f->left;
        if (n == 0) {
                /* A bare "OK" with no data: the shortest legal response. */
                rsp[0] = 0x00;
                *ret_len = 1;
                return NF_OK;
        }
        if (n > rsp_cap)
                n = rsp_cap;
        memcpy(rsp, f->p, n);
        f->p += n, f->left -= n;
        *ret_len = n;
        return NF_OK;
}

static nf_status fake_reopen(nf_session *s) {
        return NF_OK;
}

static void fake_free(nf_session *s) {
}

static const nf_session_ops fake_ops = {
        .raw = fake_raw,
        .reopen = fake_reopen,
        .free = fake_free,
        .system_interface = true,
};

static int visit(const nf_sel_record *rec, void *userdata) {
        nf_stage_msg msg;

        if (rec->is_event && nf_stage_decode(&rec->event, &msg))
                (*(unsigned *) userdata)++;
        /* Stop after a budget's worth, as the agent would keep polling. */
        return *(unsigned *) userdata > NF_PROTO_MAX_DUMP_RECORDS;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        fake_session *f = calloc(1, sizeof *f);
        nf_device_id id;
        nf_chassis_status cs;
        nf_sel_info info;
        nf_sel_record rec;
        nf_sel_cursor cur;
        nf_event ev = { 0 };
        uint8_t raw[NF_SEL_RECORD_SIZE] = { 0 };
        uint16_t resv = 0, next = 0, added = 0;
        unsigned stages = 0;
        bool cleared = false, used_add = false;

        if (!f)
                return 0;

        /* The watchdog commands on a session of their own over the same
         * script, so the seeds of the commands below keep their order. */
        {
                fake_session *w = calloc(1, sizeof *w);
                nf_watchdog wd = { .use = NF_WDT_USE_SMS_OS, .initial_ds = 300 };

                if (w) {
                        w->base.ops = &fake_ops;
                        w->p = data;
                        w->left = size;
                        if (nf_get_watchdog(&w->base, &wd) == NF_OK) {
                                (void) nf_watchdog_expired(&wd);
                                (void) nf_wdt_use_str(wd.use);
                                (void) nf_wdt_action_str(wd.action);
                        }
                        (void) nf_reset_watchdog(&w->base);
                        (void) nf_set_watchdog(&w->base, &wd);
                        nf_session_free(&w->base);
                }
        }

        f->base.ops = &fake_ops;
        f->p = data;
        f->left = size;

        (void) nf_get_device_id(&f->base, &id);
        (void) nf_get_chassis_status(&f->base, &cs);
        (void) nf_chassis_control(&f->base, NF_CHASSIS_DIAG);
        (void) nf_sel_get_info(&f->base, &info);
        (void) nf_sel_reserve(&f->base, &resv);
        (void) nf_sel_get_entry(&f->base, resv, 0x0000, &rec, &next);
        (void) nf_sel_add_entry(&f->base, raw, &added);
        if (nf_sel_cursor_init(&f->base, &cur) == NF_OK)
                (void) nf_sel_read_new(&f->base, &cur, visit, &stages, &cleared);
        nf_stage_encode(&(nf_stage_msg) { .stage = NF_STAGE_PROGRESS, .arg = 50 }, &ev);
        (void) nf_post_event(&f->base, &ev, &used_add);
        (void) nf_session_last_error(&f->base);

        nf_session_free(&f->base);
        return 0;
}
