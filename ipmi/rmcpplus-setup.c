/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RMCP+ session set-up messages: classification (rmcpplus-setup.h). */

#include <stdint.h>
#include <string.h>

#include "rmcpplus-setup.h"

/* RMCP header (4 bytes: version 06h, reserved, sequence, class 07h IPMI),
 * then the session header: authentication type 06h for RMCP+ and the
 * payload type byte (bit 7 encrypted, bit 6 authenticated). */
#define RMCP_HDR_LEN 4
#define RMCP_VERSION_1_0 0x06
#define RMCP_CLASS_IPMI 0x07
#define AUTH_TYPE_RMCPP 0x06
#define PAYLOAD_TYPE_MASK 0x3F
#define PAYLOAD_FLAGS_MASK 0xC0
/* Session header: auth type, payload type, session ID (4), session
 * sequence number (4), payload length (2); then the payload, whose first
 * bytes in a set-up message are the message tag and, in a response, the
 * RMCP+ status code. */
#define SETUP_PAYLOAD_OFFSET (RMCP_HDR_LEN + 12)
#define RMCPP_STATUS_NO_ERRORS 0x00
#define RMCPP_STATUS_INSUFFICIENT_RESOURCES 0x01

int nf_rmcpp_payload_type(const void *pkt, size_t len) {
        const uint8_t *p = pkt;

        if (!p || len < RMCP_HDR_LEN + 2)
                return -1;
        if (p[0] != RMCP_VERSION_1_0 || (p[3] & 0x1F) != RMCP_CLASS_IPMI)
                return -1;
        if ((p[RMCP_HDR_LEN] & 0x0F) != AUTH_TYPE_RMCPP)
                return -1;
        return p[RMCP_HDR_LEN + 1] & PAYLOAD_TYPE_MASK;
}

static bool is_setup_response(int type) {
        return type == NF_RMCPP_OPEN_SESSION_RESPONSE || type == NF_RMCPP_RAKP_2 || type == NF_RMCPP_RAKP_4;
}

bool nf_rmcpp_setup_reply_stale(int sent_type, const void *pkt, size_t len) {
        int got = nf_rmcpp_payload_type(pkt, len);

        if (!is_setup_response(got))
                return false;
        /* Each set-up request is answered by the next payload type:
         * 10h -> 11h, 12h -> 13h, 14h -> 15h. */
        if (sent_type == NF_RMCPP_OPEN_SESSION_REQUEST || sent_type == NF_RMCPP_RAKP_1 ||
            sent_type == NF_RMCPP_RAKP_3)
                return got != sent_type + 1;
        /* After an IPMI request (the session is up) or an IPMI 1.5 one
         * (before set-up), no set-up response answers it. */
        return true;
}

static bool is_setup_type(int type) {
        return type >= NF_RMCPP_OPEN_SESSION_REQUEST && type <= NF_RMCPP_RAKP_4;
}

int nf_rmcpp_setup_tag(const void *pkt, size_t len) {
        const uint8_t *p = pkt;

        if (!is_setup_type(nf_rmcpp_payload_type(pkt, len)) || len < SETUP_PAYLOAD_OFFSET + 1)
                return -1;
        return p[SETUP_PAYLOAD_OFFSET];
}

bool nf_rmcpp_rakp4_answers_earlier_copy(unsigned first_tag, unsigned last_tag, const void *pkt, size_t len) {
        const uint8_t *p = pkt;
        int tag = nf_rmcpp_setup_tag(pkt, len);
        unsigned copies = (last_tag - first_tag) & 0xFF, back;

        if (nf_rmcpp_payload_type(pkt, len) != NF_RMCPP_RAKP_4 || tag < 0 || len < SETUP_PAYLOAD_OFFSET + 2)
                return false;
        /* Set-up messages travel outside a session: neither authenticated
         * nor encrypted, or it is not a RAKP 4 to take. */
        if ((p[RMCP_HDR_LEN + 1] & PAYLOAD_FLAGS_MASK) || p[SETUP_PAYLOAD_OFFSET + 1] != RMCPP_STATUS_NO_ERRORS)
                return false;
        back = (last_tag - (unsigned) tag) & 0xFF;
        return back >= 1 && back <= copies;
}

bool nf_rmcpp_set_setup_tag(void *pkt, size_t len, unsigned tag) {
        uint8_t *p = pkt;

        if (nf_rmcpp_setup_tag(pkt, len) < 0)
                return false;
        p[SETUP_PAYLOAD_OFFSET] = (uint8_t) tag;
        return true;
}

bool nf_rmcpp_rakp4_in_session(const void *pkt, size_t len) {
        const uint8_t *p = pkt;

        return nf_rmcpp_payload_type(pkt, len) == NF_RMCPP_RAKP_4 && (p[RMCP_HDR_LEN + 1] & 0x40);
}

size_t nf_rmcpp_rakp4_refusal(void *buf, unsigned tag) {
        static const uint8_t hdr[] = { RMCP_VERSION_1_0, 0x00, 0xFF, RMCP_CLASS_IPMI, AUTH_TYPE_RMCPP, NF_RMCPP_RAKP_4 };
        uint8_t *p = buf;

        memset(p, 0, NF_RMCPP_RAKP4_REFUSAL_LEN);
        memcpy(p, hdr, sizeof hdr);
        /* session ID and sequence number 0; payload length 8 (LE) */
        p[RMCP_HDR_LEN + 10] = NF_RMCPP_RAKP4_REFUSAL_LEN - SETUP_PAYLOAD_OFFSET;
        p[SETUP_PAYLOAD_OFFSET] = (uint8_t) tag;
        p[SETUP_PAYLOAD_OFFSET + 1] = RMCPP_STATUS_INSUFFICIENT_RESOURCES;
        /* reserved (2) and the remote console session ID (4): 0, which
         * libfreeipmi does not check in a RAKP 4 with an error status */
        return NF_RMCPP_RAKP4_REFUSAL_LEN;
}
