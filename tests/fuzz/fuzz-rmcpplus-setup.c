/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RMCP+ datagrams as the stale set-up reply filter sees them
 * (ipmi/rmcpplus-setup.c, applied to every datagram libfreeipmi receives):
 * any bytes from the network.  Input: the payload type last sent (byte 0,
 * FFh = not RMCP+), the tags of the first and last copy of that request
 * (bytes 1, 2), then the received datagram.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rmcpplus-setup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        int sent, type, tag;
        uint8_t *pkt;
        size_t len;

        if (size < 3)
                return 0;
        sent = data[0] == 0xFF ? -1 : data[0] & 0x3F;
        len = size - 3;
        /* A copy the size of the datagram, so ASan sees any over-read. */
        pkt = malloc(len ? len : 1);
        if (!pkt)
                return 0;
        memcpy(pkt, data + 3, len);

        type = nf_rmcpp_payload_type(pkt, len);
        if (type < -1 || type > 0x3F)
                abort();
        tag = nf_rmcpp_setup_tag(pkt, len);
        if (nf_rmcpp_setup_reply_stale(sent, pkt, len) && (type != 0x11 && type != 0x13 && type != 0x15))
                abort();        /* only set-up responses are ever stale */
        if (nf_rmcpp_rakp4_answers_earlier_copy(data[1], data[2], pkt, len)) {
                if (type != 0x15 || tag < 0 || !nf_rmcpp_set_setup_tag(pkt, len, data[2]) ||
                    nf_rmcpp_setup_tag(pkt, len) != data[2] ||
                    nf_rmcpp_rakp4_answers_earlier_copy(data[1], data[2], pkt, len))
                        abort();        /* retagged, it answers the last copy itself */
        }
        if (nf_rmcpp_rakp4_in_session(pkt, len) && type != 0x15)
                abort();
        free(pkt);
        return 0;
}
