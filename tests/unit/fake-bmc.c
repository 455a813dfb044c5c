/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "byte-order.h"
#include "dump-event.h"
#include "fake-bmc.h"
#include "nf-commands.h"
#include "session-internal.h"

static uint32_t stamp(fake_bmc *b) {
        return b->clock ? b->clock : ++b->ticks;
}

uint16_t fake_bmc_add_raw(fake_bmc *b, const uint8_t raw[NF_SEL_RECORD_SIZE]) {
        uint16_t id;

        b->last_add_ts = stamp(b);
        assert(b->n < FAKE_MAX_RECORDS);
        if (b->next_id == 0)
                b->next_id = 1;
        id = b->next_id++;
        memcpy(b->recs[b->n], raw, NF_SEL_RECORD_SIZE);
        b->recs[b->n][0] = id & 0xFF;
        b->recs[b->n][1] = id >> 8;
        b->ids[b->n++] = id;
        return id;
}

uint16_t fake_bmc_add_event(fake_bmc *b, const nf_event *ev) {
        uint8_t raw[NF_SEL_RECORD_SIZE];

        nf_sel_record_encode_event(ev, 0x5F000000u + b->n, raw);
        return fake_bmc_add_raw(b, raw);
}

uint16_t fake_bmc_add_stage(fake_bmc *b, int stage, uint8_t arg, uint8_t seq) {
        nf_event ev;

        nf_stage_encode(&(nf_stage_msg) { .stage = (nf_stage) stage, .arg = arg, .seq = seq }, &ev);
        return fake_bmc_add_event(b, &ev);
}

uint16_t fake_bmc_add_foreign(fake_bmc *b) {
        nf_event ev = {
                .generator_id = 0x0020, .evm_rev = 0x04, .sensor_type = 0x01, /* temperature */
                .sensor_number = 0x30, .event_dir_type = 0x01, .data = { 0x57, 0xFF, 0xFF },
        };

        return fake_bmc_add_event(b, &ev);
}

void fake_bmc_delete_first(fake_bmc *b) {
        assert(b->n > 0);
        memmove(b->ids, b->ids + 1, (b->n - 1) * sizeof b->ids[0]);
        memmove(b->recs, b->recs + 1, (b->n - 1) * sizeof b->recs[0]);
        b->n--;
        b->reservation++;
        b->last_erase_ts = stamp(b);
}

void fake_bmc_clear(fake_bmc *b, bool reuse_ids) {
        b->last_erase_ts = stamp(b);
        b->n = 0;
        b->reservation++;
        if (reuse_ids)
                b->next_id = 1;
}

static size_t find(const fake_bmc *b, uint16_t id) {
        size_t i;

        if (b->n == 0)
                return SIZE_MAX;
        if (id == 0x0000)
                return 0;
        if (id == 0xFFFF)
                return b->n - 1;
        for (i = 0; i < b->n; i++)
                if (b->ids[i] == id)
                        return i;
        return SIZE_MAX;
}

static bool failing(const fake_bmc *b) {
        unsigned count = b->fail_count ? b->fail_count : 1;

        return b->fail_at && b->n_req >= b->fail_at && b->n_req < b->fail_at + count;
}

nf_status fake_bmc_raw(fake_bmc *b, uint8_t netfn, uint8_t cmd, const uint8_t *req, size_t req_len, bool once,
                       uint8_t *rsp, size_t rsp_cap, size_t *ret_len) {
        fake_req *l;
        size_t i, len = 1;
        uint16_t resv, id;

        assert(rsp_cap >= 1 + 2 + NF_SEL_RECORD_SIZE);
        b->n_req++;
        if (b->n_req <= FAKE_MAX_LOG) {
                l = &b->log[b->n_req - 1];
                *l = (fake_req) { .netfn = netfn, .cmd = cmd, .len = req_len, .once = once };
                memcpy(l->data, req, req_len < sizeof l->data ? req_len : sizeof l->data);
        }
        if (b->cancel_at == b->n_req)
                b->reservation++;
        if (b->off_at && b->off_at == b->n_req) {
                fake_bmc_add_stage(b, b->off_stage, 0, 9);
                b->power_on = false;
        }
        if (failing(b) && b->fail_status != NF_E_COMPLETION)
                return b->fail_status;

        rsp[0] = 0x00;
        if (failing(b)) {
                rsp[0] = b->fail_cc;
                *ret_len = 1;
                return NF_OK;
        }

        if (netfn == NF_NETFN_CHASSIS && cmd == NF_CMD_GET_CHASSIS_STATUS) {
                rsp[1] = b->power_on ? 0x01 : 0x00;
                rsp[2] = 0x00;
                rsp[3] = 0x00;
                len = 4;
        } else if (netfn == NF_NETFN_CHASSIS && cmd == NF_CMD_CHASSIS_CONTROL) {
                if (req_len != 1 || req[0] > 0x05)
                        rsp[0] = 0xCC;
                else if (req[0] == 0x00)
                        b->power_on = false;
                else if (req[0] == 0x01)
                        b->power_on = true;
        } else if (netfn == NF_NETFN_APP && cmd == NF_CMD_GET_WATCHDOG) {
                /* SMS/OS, running, no action, 300 ds initial, 120 present */
                static const uint8_t wd[8] = { 0x44, 0x00, 0x00, 0x00, 0x2C, 0x01, 0x78, 0x00 };

                len = b->wd_short ? 7 : 9;
                memcpy(rsp + 1, wd, len - 1);
        } else if (netfn == NF_NETFN_STORAGE && cmd == NF_CMD_GET_SEL_INFO) {
                memset(rsp + 1, 0, 14);
                rsp[1] = 0x51;
                rsp[2] = b->n & 0xFF;
                rsp[3] = b->n >> 8;
                rsp[4] = ((FAKE_MAX_RECORDS - b->n) * 16) & 0xFF;
                rsp[5] = ((FAKE_MAX_RECORDS - b->n) * 16) >> 8;
                nf_put_le32(rsp + 6, b->ts_unspecified ? 0xFFFFFFFFu : b->last_add_ts);
                nf_put_le32(rsp + 10, b->ts_unspecified ? 0xFFFFFFFFu : b->last_erase_ts);
                rsp[14] = b->overflow ? 0x80 : 0x00;
                if (b->info_stale && b->info_answered)
                        memcpy(rsp + 1, b->info_first, 14);
                if (!b->info_answered)
                        memcpy(b->info_first, rsp + 1, 14);
                b->info_answered = true;
                len = 15;
        } else if (netfn == NF_NETFN_STORAGE && cmd == NF_CMD_RESERVE_SEL) {
                if (b->no_reserve)
                        rsp[0] = 0xC1;
                else {
                        b->reservation++;
                        if (b->reservation == 0)
                                b->reservation = 1;
                        rsp[1] = b->reservation & 0xFF;
                        rsp[2] = b->reservation >> 8;
                        len = 3;
                }
        } else if (netfn == NF_NETFN_STORAGE && cmd == NF_CMD_GET_SEL_ENTRY && req_len == 6) {
                resv = req[0] | req[1] << 8;
                id = req[2] | req[3] << 8;
                i = find(b, id);
                if (resv != 0 && resv != b->reservation)
                        rsp[0] = 0xC5;
                else if (i == SIZE_MAX)
                        rsp[0] = 0xCB;
                else {
                        uint16_t next = i + 1 < b->n ? b->ids[i + 1] : 0xFFFF;

                        rsp[1] = next & 0xFF;
                        rsp[2] = next >> 8;
                        memcpy(rsp + 3, b->recs[i], NF_SEL_RECORD_SIZE);
                        len = 3 + NF_SEL_RECORD_SIZE;
                }
        } else
                rsp[0] = 0xC1;

        if (b->short_at == b->n_req && rsp[0] == 0x00)
                len = 2;
        *ret_len = len;
        return NF_OK;
}

nf_status fake_bmc_reply(fake_bmc *b, uint8_t netfn, uint8_t cmd, const uint8_t *req, size_t req_len, bool once,
                         nf_error *ret_err, uint8_t *rsp, size_t rsp_cap, size_t *ret_len) {
        uint8_t buf[300];
        size_t len = 0;
        nf_status s = fake_bmc_raw(b, netfn, cmd, req, req_len, once, buf, sizeof buf, &len);

        nf_error_clear(ret_err);
        *ret_len = 0;
        if (s != NF_OK)
                return nf_error_set(ret_err, s, netfn, cmd, "scripted failure");
        if (buf[0] != 0x00)
                return nf_error_set_cc(ret_err, netfn, cmd, buf[0]);
        assert(len - 1 <= rsp_cap);
        memcpy(rsp, buf + 1, len - 1);
        *ret_len = len - 1;
        return NF_OK;
}

/* ---- a session transport on the fake BMC ----------------------------- */

typedef struct fake_session {
        nf_session base;                /* first: nf_session_free() frees it */
        fake_bmc *bmc;
} fake_session;

static nf_status fs_send(nf_session *s, bool once, uint8_t netfn, uint8_t cmd, const uint8_t *req,
                         size_t req_len, uint8_t *rsp, size_t rsp_cap, size_t *ret_len) {
        nf_status r = fake_bmc_raw(((fake_session *) s)->bmc, netfn, cmd, req, req_len, once, rsp, rsp_cap, ret_len);

        if (r != NF_OK)
                return nf_error_set(&s->last_error, r, netfn, cmd, "scripted failure");
        return NF_OK;
}

static nf_status fs_raw(nf_session *s, uint8_t netfn, uint8_t cmd, const uint8_t *req, size_t req_len,
                        uint8_t *rsp, size_t rsp_cap, size_t *ret_len) {
        return fs_send(s, false, netfn, cmd, req, req_len, rsp, rsp_cap, ret_len);
}

static nf_status fs_raw_once(nf_session *s, uint8_t netfn, uint8_t cmd, const uint8_t *req, size_t req_len,
                             uint8_t *rsp, size_t rsp_cap, size_t *ret_len) {
        return fs_send(s, true, netfn, cmd, req, req_len, rsp, rsp_cap, ret_len);
}

static nf_status fs_reopen(nf_session *s) {
        ((fake_session *) s)->bmc->opens++;
        return NF_OK;
}

static void fs_free(nf_session *s) {
}

static const nf_session_ops fake_ops = {
        .raw = fs_raw,
        .raw_once = fs_raw_once,
        .reopen = fs_reopen,
        .free = fs_free,
};

nf_session *fake_bmc_session(fake_bmc *b) {
        fake_session *f = calloc(1, sizeof *f);

        assert(f);
        f->base.ops = &fake_ops;
        f->bmc = b;
        return &f->base;
}

unsigned fake_bmc_count(const fake_bmc *b, uint8_t netfn, uint8_t cmd) {
        unsigned i, n = 0;

        for (i = 0; i < b->n_req && i < FAKE_MAX_LOG; i++)
                n += b->log[i].netfn == netfn && b->log[i].cmd == cmd;
        return n;
}
