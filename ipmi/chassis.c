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

nf_status nf_get_chassis_status(nf_session *s, nf_chassis_status *ret) {
        uint8_t rsp[8];
        size_t len = 0;
        nf_chassis_status st = {};
        nf_status r;

        if (!s)
                return NF_E_INVALID_ARG;
        if (!ret)
                return nf_error_set(&s->last_error, NF_E_INVALID_ARG, NF_NETFN_CHASSIS,
                                    NF_CMD_GET_CHASSIS_STATUS, "no output pointer");

        r = nf_session_cmd(s, NF_NETFN_CHASSIS, NF_CMD_GET_CHASSIS_STATUS, NULL, 0, rsp, sizeof(rsp), CHASSIS_STATUS_MIN_LEN, &len);
        if (r != NF_OK)
                return r;

        st.power_on = rsp[0] & 0x01;
        st.power_overload = rsp[0] & 0x02;
        st.interlock = rsp[0] & 0x04;
        st.power_fault = rsp[0] & 0x08;
        st.control_fault = rsp[0] & 0x10;
        st.restore_policy = (rsp[0] >> 5) & 0x03;
        st.last_event = rsp[1];
        st.misc = rsp[2];

        *ret = st;
        return NF_OK;
}

nf_status nf_chassis_control(nf_session *s, nf_chassis_ctl c) {
        uint8_t req[1];
        size_t len;

        if (!s)
                return NF_E_INVALID_ARG;
        if ((unsigned) c > NF_CHASSIS_SOFT_OFF)
                return nf_error_set(&s->last_error, NF_E_INVALID_ARG, NF_NETFN_CHASSIS,
                                    NF_CMD_CHASSIS_CONTROL, "unknown chassis control");

        req[0] = (uint8_t) c;
        /* Every diag request the BMC receives is an NMI: it is never
         * retransmitted (nf_session_raw_once), whoever asks for it. */
        if (c == NF_CHASSIS_DIAG)
                return nf_session_raw_once(s, NF_NETFN_CHASSIS, NF_CMD_CHASSIS_CONTROL, req, sizeof(req), NULL, 0, &len);
        return nf_session_raw(s, NF_NETFN_CHASSIS, NF_CMD_CHASSIS_CONTROL, req, sizeof(req), NULL, 0, &len);
}
