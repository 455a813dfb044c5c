/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Get / Set / Reset Watchdog Timer (IPMI 2.0 sections 27.5-27.7). */

#include "nf-commands.h"
#include "session-internal.h"

nf_status nf_watchdog_get_reply(nf_status status, const nf_error *err, const uint8_t *rsp, size_t rsp_len,
                                nf_watchdog *ret, nf_error *ret_err) {
        nf_status r = nf_reply_check(NF_NETFN_APP, NF_CMD_GET_WATCHDOG, status, err, rsp_len, NF_WDT_GET_RSP_LEN,
                                     ret_err);
        nf_watchdog w;

        if (r != NF_OK)
                return r;
        if (nf_watchdog_decode(rsp, rsp_len, &w) != NF_WDT_DECODE_OK)
                return nf_error_set(ret_err, NF_E_SHORT_RESPONSE, NF_NETFN_APP, NF_CMD_GET_WATCHDOG, NULL);
        *ret = w;
        return NF_OK;
}

nf_status nf_get_watchdog(nf_session *s, nf_watchdog *ret) {
        uint8_t rsp[NF_RSP_MAX];
        nf_ipmi_req req = nf_ipmi_req_of(NF_NETFN_APP, NF_CMD_GET_WATCHDOG);
        size_t len = 0;
        nf_status r;

        if (!s)
                return NF_E_INVALID_ARG;
        if (!ret)
                return nf_error_set(&s->last_error, NF_E_INVALID_ARG, NF_NETFN_APP, NF_CMD_GET_WATCHDOG,
                                    "no output pointer");

        r = nf_session_request(s, &req, rsp, sizeof(rsp), &len);
        return nf_watchdog_get_reply(r, &s->last_error, rsp, len, ret, &s->last_error);
}

nf_status nf_set_watchdog(nf_session *s, const nf_watchdog *w) {
        uint8_t req[NF_WDT_SET_REQ_LEN];
        size_t len;

        if (!s)
                return NF_E_INVALID_ARG;
        if (!w || w->use < NF_WDT_USE_BIOS_FRB2 || w->use > NF_WDT_USE_OEM || w->action > NF_WDT_ACTION_POWER_CYCLE)
                return nf_error_set(&s->last_error, NF_E_INVALID_ARG, NF_NETFN_APP, NF_CMD_SET_WATCHDOG,
                                    "timer use or action out of range");

        nf_watchdog_encode_set(w, req);
        return nf_session_raw(s, NF_NETFN_APP, NF_CMD_SET_WATCHDOG, req, sizeof(req), NULL, 0, &len);
}

nf_status nf_reset_watchdog(nf_session *s) {
        size_t len;

        if (!s)
                return NF_E_INVALID_ARG;
        /* Completion code 80h here means "the timer was never set"
         * (IPMI 2.0 table 27-5); it reaches the caller as NF_E_COMPLETION. */
        return nf_session_raw(s, NF_NETFN_APP, NF_CMD_RESET_WATCHDOG, NULL, 0, NULL, 0, &len);
}
