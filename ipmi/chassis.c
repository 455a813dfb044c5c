/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Get Chassis Status and Chassis Control (IPMI 2.0 sections 28.2, 28.3). */

#include "nf-commands.h"
#include "session-internal.h"

/* Current power state, last power event, misc state; the front panel
 * button byte after them is optional. */
#define CHASSIS_STATUS_MIN_LEN 3

const char *nf_chassis_ctl_str(nf_chassis_ctl c) {
        switch (c) {
        case NF_CHASSIS_OFF:
                return "power off";
        case NF_CHASSIS_ON:
                return "power on";
        case NF_CHASSIS_CYCLE:
                return "power cycle";
        case NF_CHASSIS_HARD_RESET:
                return "hard reset";
        case NF_CHASSIS_DIAG:
                return "pulse diagnostic interrupt";
        case NF_CHASSIS_SOFT_OFF:
                return "soft shutdown";
        }
        return "unknown chassis control";
}

nf_status nf_chassis_status_reply(nf_status status, const nf_error *err, const uint8_t *rsp, size_t rsp_len,
                                  nf_chassis_status *ret, nf_error *ret_err) {
        nf_status r = nf_reply_check(NF_NETFN_CHASSIS, NF_CMD_GET_CHASSIS_STATUS, status, err, rsp_len,
                                     CHASSIS_STATUS_MIN_LEN, ret_err);

        if (r != NF_OK)
                return r;
        *ret = (nf_chassis_status) {
                .power_on = rsp[0] & 0x01,
                .power_overload = rsp[0] & 0x02,
                .interlock = rsp[0] & 0x04,
                .power_fault = rsp[0] & 0x08,
                .control_fault = rsp[0] & 0x10,
                .restore_policy = (rsp[0] >> 5) & 0x03,
                .last_event = rsp[1],
                .misc = rsp[2],
        };
        return NF_OK;
}

nf_status nf_get_chassis_status(nf_session *s, nf_chassis_status *ret) {
        uint8_t rsp[NF_RSP_MAX];
        nf_ipmi_req req = nf_ipmi_req_of(NF_NETFN_CHASSIS, NF_CMD_GET_CHASSIS_STATUS);
        size_t len = 0;
        nf_status r;

        if (!s)
                return NF_E_INVALID_ARG;
        if (!ret)
                return nf_error_set(&s->last_error, NF_E_INVALID_ARG, NF_NETFN_CHASSIS,
                                    NF_CMD_GET_CHASSIS_STATUS, "no output pointer");

        r = nf_session_request(s, &req, rsp, sizeof(rsp), &len);
        return nf_chassis_status_reply(r, &s->last_error, rsp, len, ret, &s->last_error);
}

nf_status nf_chassis_control_req(nf_chassis_ctl c, nf_ipmi_req *ret, nf_error *ret_err) {
        if ((unsigned) c > NF_CHASSIS_SOFT_OFF)
                return nf_error_set(ret_err, NF_E_INVALID_ARG, NF_NETFN_CHASSIS, NF_CMD_CHASSIS_CONTROL,
                                    "unknown chassis control");
        /* Every diag request the BMC receives is an NMI: it is never
         * retransmitted (nf_session_raw_once), whoever asks for it. */
        *ret = (nf_ipmi_req) {
                .netfn = NF_NETFN_CHASSIS,
                .cmd = NF_CMD_CHASSIS_CONTROL,
                .data = { (uint8_t) c },
                .len = 1,
                .once = c == NF_CHASSIS_DIAG,
        };
        return NF_OK;
}

nf_status nf_chassis_control(nf_session *s, nf_chassis_ctl c) {
        nf_ipmi_req req;
        size_t len;

        if (!s)
                return NF_E_INVALID_ARG;
        if (nf_chassis_control_req(c, &req, &s->last_error) != NF_OK)
                return NF_E_INVALID_ARG;
        return nf_session_request(s, &req, NULL, 0, &len);
}
