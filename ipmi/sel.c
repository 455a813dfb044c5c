/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SEL access (IPMI 2.0 section 31) and reading it from a remembered
 * position, which is how the agent follows the target's dump progress.
 */

#include "byte-order.h"
#include "nf-commands.h"
#include "sel-reader.h"
#include "session-internal.h"

/* A step machine over a blocking session: the walk's requests go out one
 * by one; the failure it ends with is the session's last error, as for
 * any command. */
static nf_status run_reader(nf_session *s, nf_sel_reader *r, nf_sel_visit_fn fn, void *userdata) {
        uint8_t rsp[NF_RSP_MAX];
        nf_ipmi_req req;
        size_t len;
        nf_status st;

        while (nf_sel_reader_next(r, &req) == NF_STEP_REQUEST) {
                len = 0;
                st = nf_session_request(s, &req, rsp, sizeof(rsp), &len);
                nf_sel_reader_feed(r, st, &s->last_error, rsp, len, fn, userdata);
        }
        st = nf_sel_reader_status(r);
        if (st == NF_OK)
                nf_error_clear(&s->last_error);
        else
                s->last_error = r->err;
        return st;
}

/* One request and its reply, for the single-command functions. */
static nf_status request(nf_session *s, const nf_ipmi_req *req, uint8_t rsp[static NF_RSP_MAX], size_t *ret_len) {
        *ret_len = 0;
        return nf_session_request(s, req, rsp, NF_RSP_MAX, ret_len);
}

nf_status nf_sel_get_info(nf_session *s, nf_sel_info *ret) {
        uint8_t rsp[NF_RSP_MAX];
        nf_ipmi_req req = nf_ipmi_req_of(NF_NETFN_STORAGE, NF_CMD_GET_SEL_INFO);
        size_t len;
        nf_status r;

        if (!s)
                return NF_E_INVALID_ARG;
        if (!ret)
                return nf_error_set(&s->last_error, NF_E_INVALID_ARG, NF_NETFN_STORAGE, NF_CMD_GET_SEL_INFO,
                                    "no output pointer");

        r = request(s, &req, rsp, &len);
        return nf_sel_info_reply(r, &s->last_error, rsp, len, ret, &s->last_error);
}

nf_status nf_sel_reserve(nf_session *s, uint16_t *ret_reservation) {
        uint8_t rsp[NF_RSP_MAX];
        nf_ipmi_req req = nf_ipmi_req_of(NF_NETFN_STORAGE, NF_CMD_RESERVE_SEL);
        size_t len;
        nf_status r;

        if (!s)
                return NF_E_INVALID_ARG;
        if (!ret_reservation)
                return nf_error_set(&s->last_error, NF_E_INVALID_ARG, NF_NETFN_STORAGE, NF_CMD_RESERVE_SEL,
                                    "no output pointer");

        r = request(s, &req, rsp, &len);
        return nf_sel_reserve_reply(r, &s->last_error, rsp, len, ret_reservation, &s->last_error);
}

nf_status nf_sel_get_entry(nf_session *s, uint16_t reservation, uint16_t record_id,
                           nf_sel_record *ret, uint16_t *ret_next_id) {
        uint8_t rsp[NF_RSP_MAX];
        nf_ipmi_req req = nf_sel_entry_req(reservation, record_id);
        size_t len;
        nf_status r;

        if (!s)
                return NF_E_INVALID_ARG;
        if (!ret)
                return nf_error_set(&s->last_error, NF_E_INVALID_ARG, NF_NETFN_STORAGE, NF_CMD_GET_SEL_ENTRY,
                                    "no output pointer");

        r = request(s, &req, rsp, &len);
        return nf_sel_entry_reply(r, &s->last_error, rsp, len, ret, ret_next_id, &s->last_error);
}

nf_status nf_sel_add_entry(nf_session *s, const uint8_t raw[NF_SEL_RECORD_SIZE], uint16_t *ret_id) {
        uint8_t rsp[4];
        size_t len = 0;
        nf_status r;

        if (!s)
                return NF_E_INVALID_ARG;
        if (!raw)
                return nf_error_set(&s->last_error, NF_E_INVALID_ARG, NF_NETFN_STORAGE, NF_CMD_ADD_SEL_ENTRY,
                                    "no record");

        r = nf_session_cmd(s, NF_NETFN_STORAGE, NF_CMD_ADD_SEL_ENTRY, raw, NF_SEL_RECORD_SIZE,
                           rsp, sizeof(rsp), 2, &len);
        if (r != NF_OK)
                return r;
        if (ret_id)
                *ret_id = nf_get_le16(rsp);
        return NF_OK;
}

nf_status nf_sel_cursor_init(nf_session *s, nf_sel_cursor *ret) {
        nf_sel_reader r;
        nf_status st;

        if (!s)
                return NF_E_INVALID_ARG;
        if (!ret)
                return nf_error_set(&s->last_error, NF_E_INVALID_ARG, NF_NETFN_STORAGE, NF_CMD_GET_SEL_ENTRY,
                                    "no output pointer");

        nf_sel_reader_init_mark(&r);
        st = run_reader(s, &r, NULL, NULL);
        if (st == NF_OK)
                *ret = r.cur;
        return st;
}

nf_status nf_sel_read_new(nf_session *s, nf_sel_cursor *cur, nf_sel_visit_fn fn, void *userdata,
                          bool *ret_cleared) {
        nf_sel_reader r;
        nf_status st;

        if (!s)
                return NF_E_INVALID_ARG;
        if (!cur || !fn)
                return nf_error_set(&s->last_error, NF_E_INVALID_ARG, NF_NETFN_STORAGE, NF_CMD_GET_SEL_ENTRY,
                                    "no cursor or visitor");

        nf_sel_reader_init_read(&r, cur);
        st = run_reader(s, &r, fn, userdata);
        /* A read that failed part way keeps the records it visited behind
         * the cursor. */
        *cur = r.cur;
        if (st == NF_OK && ret_cleared)
                *ret_cleared = r.cleared;
        return st;
}
