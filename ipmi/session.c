/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Transport-independent part of an nf_session: argument checks, request
 * accounting and the completion code check, so that every transport and
 * every command treats a non-zero completion code the same way.
 */

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "nf-session.h"
#include "session-internal.h"

nf_status nf_session_request_prepare(nf_session *s, uint8_t netfn, uint8_t cmd, const uint8_t *req,
                                    size_t req_len, const uint8_t *rsp, size_t rsp_cap) {
        if (!s)
                return NF_E_INVALID_ARG;
        if ((req_len > 0 && !req) || (rsp_cap > 0 && !rsp) || req_len > NF_RSP_MAX || netfn > 0x3F)
                return nf_error_set(&s->last_error, NF_E_INVALID_ARG, netfn, cmd, "bad request buffer or netfn");

        assert(s->ops && s->ops->raw);
        nf_error_clear(&s->last_error);
        s->stats.requests++;
        return NF_OK;
}

nf_status nf_session_request_finish(nf_session *s, nf_status r, uint8_t netfn, uint8_t cmd, const uint8_t *buf,
                                    size_t len, uint8_t *rsp, size_t rsp_cap, size_t *ret_rsp_len) {
        size_t data_len;

        if (r != NF_OK) {
                /* Transports fill last_error; make sure it names the request. */
                if (s->last_error.status == NF_OK)
                        nf_error_set(&s->last_error, r, netfn, cmd, NULL);
                s->last_error.netfn = netfn;
                s->last_error.cmd = cmd;
                return r;
        }
        assert(len >= 1 && len <= NF_RSP_MAX);

        if (buf[0] != 0x00)
                return nf_error_set_cc(&s->last_error, netfn, cmd, buf[0]);

        /* Newer firmware may append bytes to a response; callers decode the
         * fields they know, so extra bytes beyond rsp_cap are dropped. */
        data_len = len - 1;
        if (data_len > rsp_cap)
                data_len = rsp_cap;
        if (data_len > 0)
                memcpy(rsp, buf + 1, data_len);
        if (ret_rsp_len)
                *ret_rsp_len = data_len;
        return NF_OK;
}

static nf_status session_request(nf_session *s, bool once, uint8_t netfn, uint8_t cmd,
                                 const uint8_t *req, size_t req_len,
                                 uint8_t *rsp, size_t rsp_cap, size_t *ret_rsp_len) {
        uint8_t buf[NF_RSP_MAX];
        size_t len = 0;
        nf_status r;

        r = nf_session_request_prepare(s, netfn, cmd, req, req_len, rsp, rsp_cap);
        if (r != NF_OK)
                return r;
        if (once && s->ops->raw_once)
                r = s->ops->raw_once(s, netfn, cmd, req, req_len, buf, sizeof(buf), &len);
        else {
                r = s->ops->raw(s, netfn, cmd, req, req_len, buf, sizeof(buf), &len);
                /* A transport without raw_once sends each request once:
                 * its timeout is a reply that did not come. */
                if (once && r == NF_E_TIMEOUT)
                        r = s->last_error.status = NF_E_REPLY_LOST;
        }
        return nf_session_request_finish(s, r, netfn, cmd, buf, len, rsp, rsp_cap, ret_rsp_len);
}

nf_status nf_session_raw(nf_session *s, uint8_t netfn, uint8_t cmd,
                         const uint8_t *req, size_t req_len,
                         uint8_t *rsp, size_t rsp_cap, size_t *ret_rsp_len) {
        return session_request(s, false, netfn, cmd, req, req_len, rsp, rsp_cap, ret_rsp_len);
}

nf_status nf_session_raw_once(nf_session *s, uint8_t netfn, uint8_t cmd,
                              const uint8_t *req, size_t req_len,
                              uint8_t *rsp, size_t rsp_cap, size_t *ret_rsp_len) {
        return session_request(s, true, netfn, cmd, req, req_len, rsp, rsp_cap, ret_rsp_len);
}

nf_status nf_session_request(nf_session *s, const nf_ipmi_req *req, uint8_t *rsp, size_t rsp_cap,
                             size_t *ret_rsp_len) {
        if (!req)
                return NF_E_INVALID_ARG;
        return session_request(s, req->once, req->netfn, req->cmd, req->data, req->len, rsp, rsp_cap, ret_rsp_len);
}

nf_status nf_session_reopen_finish(nf_session *s, nf_status r) {
        if (r != NF_OK && s->last_error.status == NF_OK)
                nf_error_set(&s->last_error, r, 0, 0, NULL);
        return r;
}

nf_status nf_session_reopen(nf_session *s) {
        nf_status r;

        if (!s)
                return NF_E_INVALID_ARG;
        assert(s->ops && s->ops->reopen);
        nf_error_clear(&s->last_error);
        r = s->ops->reopen(s);
        return nf_session_reopen_finish(s, r);
}

nf_session *nf_session_free(nf_session *s) {
        if (!s)
                return NULL;
        assert(s->ops && s->ops->free);
        s->ops->free(s);
        free(s);
        return NULL;
}

const nf_error *nf_session_last_error(const nf_session *s) {
        if (!s)
                return NULL;
        return &s->last_error;
}

uint64_t nf_session_requests(const nf_session *s) {
        if (!s)
                return 0;
        return s->stats.requests;
}

void nf_session_get_stats(const nf_session *s, nf_session_stats *ret) {
        if (!ret)
                return;
        *ret = s ? s->stats : (nf_session_stats) {};
}

nf_status nf_session_cmd(nf_session *s, uint8_t netfn, uint8_t cmd,
                         const uint8_t *req, size_t req_len,
                         uint8_t *rsp, size_t rsp_cap, size_t min_len, size_t *ret_rsp_len) {
        size_t len = 0;
        nf_status r;

        assert(min_len <= rsp_cap);

        r = nf_session_raw(s, netfn, cmd, req, req_len, rsp, rsp_cap, &len);
        if (r != NF_OK)
                return r;
        if (len < min_len)
                return nf_error_set(&s->last_error, NF_E_SHORT_RESPONSE, netfn, cmd, NULL);
        *ret_rsp_len = len;
        return NF_OK;
}
