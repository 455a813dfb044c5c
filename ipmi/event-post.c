/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Posting an event into the BMC's SEL: Platform Event Message first, Add
 * SEL Entry as the fallback.
 */

#include <stddef.h>

#include "nf-commands.h"
#include "session-internal.h"

/* Add SEL Entry answers the new record id (2 bytes). */
static nf_status post_via_sel_add(nf_session *s, const nf_event *ev) {
        uint8_t raw[NF_SEL_RECORD_SIZE];
        uint16_t id;

        /* Timestamp 0: the BMC stamps the record on Add SEL Entry (OpenIPMI
         * ipmi_sim too, with seconds since its own start). */
        nf_sel_record_encode_event(ev, 0, raw);
        return nf_sel_add_entry(s, raw, &id);
}

nf_status nf_post_event(nf_session *s, const nf_event *ev, bool *ret_used_sel_add) {
        uint8_t req[8];
        size_t req_len, rsp_len;
        uint8_t rsp[4];
        nf_status r;

        if (!s)
                return NF_E_INVALID_ARG;
        if (!ev)
                return nf_error_set(&s->last_error, NF_E_INVALID_ARG, NF_NETFN_SENSOR_EVENT,
                                    NF_CMD_PLATFORM_EVENT, "no event");

        req_len = nf_event_encode_pem(ev, req);
        /* IPMI 2.0 table 29-5: only the system interface form has the
         * generator id byte; elsewhere the BMC uses the requester's
         * address, so the message starts at EvM Rev. */
        const uint8_t *body = req;
        if (!s->ops->system_interface) {
                body = req + 1;
                req_len -= 1;
        }
        r = nf_session_raw(s, NF_NETFN_SENSOR_EVENT, NF_CMD_PLATFORM_EVENT, body, req_len,
                           rsp, sizeof(rsp), &rsp_len);
        if (r == NF_OK) {
                if (ret_used_sel_add)
                        *ret_used_sel_add = false;
                return NF_OK;
        }

        /* IPMI Workaround (OpenIPMI ipmi_sim 2.0.33): Platform Event Message
         * from the system interface is answered 0xC1 (invalid command).
         * Every real BMC we know implements it; Add SEL Entry stores the same
         * event bytes, so the agent reads the same record either way. */
        if (r != NF_E_COMPLETION || s->last_error.cc != 0xC1)
                return r;

        r = post_via_sel_add(s, ev);
        if (r != NF_OK)
                return r;
        if (ret_used_sel_add)
                *ret_used_sel_add = true;
        return NF_OK;
}
