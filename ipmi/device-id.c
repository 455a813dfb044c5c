/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Get Device ID (IPMI 2.0 section 20.1), decoded with length checks. */

#include "byte-order.h"
#include "nf-commands.h"
#include "session-internal.h"

/* Bytes up to and including the product id; the auxiliary firmware
 * revision after it is optional. */
#define DEVICE_ID_MIN_LEN 11

static uint8_t bcd_to_bin(uint8_t v) {
        return (uint8_t) ((v >> 4) * 10 + (v & 0x0F));
}

nf_status nf_get_device_id(nf_session *s, nf_device_id *ret) {
        uint8_t rsp[32];
        size_t len = 0;
        nf_device_id id = {};
        nf_status r;

        if (!s)
                return NF_E_INVALID_ARG;
        if (!ret)
                return nf_error_set(&s->last_error, NF_E_INVALID_ARG, NF_NETFN_APP, NF_CMD_GET_DEVICE_ID,
                                    "no output pointer");

        r = nf_session_cmd(s, NF_NETFN_APP, NF_CMD_GET_DEVICE_ID, NULL, 0, rsp, sizeof(rsp), DEVICE_ID_MIN_LEN, &len);
        if (r != NF_OK)
                return r;

        id.device_id = rsp[0];
        id.device_revision = rsp[1] & 0x0F;
        /* Bit 7 set means "device firmware, SDR update or self-init in progress". */
        id.device_available = !(rsp[2] & 0x80);
        id.fw_major = rsp[2] & 0x7F;
        id.fw_minor = bcd_to_bin(rsp[3]);
        id.ipmi_major = rsp[4] & 0x0F;
        id.ipmi_minor = rsp[4] >> 4;
        id.manufacturer_id = (uint32_t) rsp[6] | ((uint32_t) rsp[7] << 8) | ((uint32_t) (rsp[8] & 0x0F) << 16);
        id.product_id = nf_get_le16(rsp + 9);

        *ret = id;
        return NF_OK;
}
