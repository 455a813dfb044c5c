/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The reply checks every step machine's request shares (nf-request.h). */

#include "nf-request.h"

nf_status nf_reply_check(uint8_t netfn, uint8_t cmd, nf_status status, const nf_error *err, size_t rsp_len,
                         size_t min_len, nf_error *ret_err) {
        if (status != NF_OK) {
                if (!err || err->status == NF_OK)
                        return nf_error_set(ret_err, status, netfn, cmd, NULL);
                if (ret_err != err)
                        *ret_err = *err;
                return status;
        }
        if (rsp_len < min_len)
                return nf_error_set(ret_err, NF_E_SHORT_RESPONSE, netfn, cmd, NULL);
        return NF_OK;
}
