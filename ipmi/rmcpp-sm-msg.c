/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RMCP+ datagrams of the session engine, through libfreeipmi's packet
 * layer only: assemble_ipmi_rmcpplus_pkt / unassemble_ipmi_rmcpplus_pkt
 * do the layout, the AES-CBC-128 payload and the HMAC trailer; the
 * ipmi_rmcpplus_check_* and ipmi_lan_check_* functions judge a reply.
 * Here: the packets of the set-up (no session yet) and the requests
 * inside the session, and which received datagram answers the request in
 * flight.
 */

#include <string.h>

#include <freeipmi/freeipmi.h>

#include "rmcpp-sm-internal.h"
#include "rmcpp-sm-packet.h"

static uint8_t next_rq_seq(nf_rmcpp *s) {
        s->rq_seq = (uint8_t) ((s->rq_seq + 1) % (IPMI_LAN_REQUESTER_SEQUENCE_NUMBER_MAX + 1));
        return s->rq_seq;
}

/* One datagram into s->out with the objects o: a set-up message (no
 * session, no keys) when !in_session, else an IPMI message of the session
 * with its keys. */
static nf_status assemble_with(nf_rmcpp *s, rmcpp_objs *o, bool in_session, uint8_t payload_type, uint8_t netfn,
                               fiid_obj_t cmd) {
        int n = -1;

        if (in_session) {
                /* 0 is never a valid session sequence number. */
                if (++s->out_seq == 0)
                        s->out_seq = 1;
        }
        if (fill_rmcp_hdr_ipmi(o->rmcp) < 0 ||
            fill_rmcpplus_session_hdr(payload_type,
                                      in_session && s->integ_alg != IPMI_INTEGRITY_ALGORITHM_NONE
                                              ? IPMI_PAYLOAD_FLAG_AUTHENTICATED
                                              : IPMI_PAYLOAD_FLAG_UNAUTHENTICATED,
                                      in_session && s->conf_alg != IPMI_CONFIDENTIALITY_ALGORITHM_NONE
                                              ? IPMI_PAYLOAD_FLAG_ENCRYPTED
                                              : IPMI_PAYLOAD_FLAG_UNENCRYPTED,
                                      0, 0, in_session ? s->bmc_sid : 0, in_session ? s->out_seq : 0, o->hdr) < 0 ||
            fill_lan_msg_hdr(IPMI_SLAVE_ADDRESS_BMC, netfn, IPMI_BMC_IPMB_LUN_BMC, next_rq_seq(s), o->msg_hdr) < 0 ||
            fill_rmcpplus_session_trlr(o->trlr) < 0)
                goto out;
        if (in_session)
                n = assemble_ipmi_rmcpplus_pkt(s->auth_alg, s->integ_alg, s->conf_alg,
                                               s->k1_p, s->k1_len, s->k2_p, s->k2_len,
                                               s->password_len ? s->password : NULL, (unsigned) s->password_len,
                                               o->rmcp, o->hdr, o->msg_hdr, cmd, o->trlr,
                                               s->out, sizeof(s->out), IPMI_INTERFACE_FLAGS_DEFAULT);
        else
                n = assemble_ipmi_rmcpplus_pkt(IPMI_AUTHENTICATION_ALGORITHM_RAKP_NONE,
                                               IPMI_INTEGRITY_ALGORITHM_NONE,
                                               IPMI_CONFIDENTIALITY_ALGORITHM_NONE,
                                               NULL, 0, NULL, 0, NULL, 0,
                                               o->rmcp, o->hdr, o->msg_hdr, cmd, o->trlr,
                                               s->out, sizeof(s->out), IPMI_INTERFACE_FLAGS_DEFAULT);
out:
        if (n <= 0)
                return nf_error_set(&s->err, NF_E_INTERNAL, 0, 0, "assemble_ipmi_rmcpplus_pkt failed");
        s->out_len = (size_t) n;
        return NF_OK;
}

static nf_status assemble(nf_rmcpp *s, bool in_session, uint8_t payload_type, uint8_t netfn, fiid_obj_t cmd) {
        rmcpp_objs o;
        nf_status st;

        if (!rmcpp_objs_new(s, &o, true))
                return nf_error_set(&s->err, NF_E_NOMEM, 0, 0, NULL);
        st = assemble_with(s, &o, in_session, payload_type, netfn, cmd);
        rmcpp_objs_free(&o);
        return st;
}

nf_status rmcpp_assemble_setup(nf_rmcpp *s, uint8_t payload_type, fiid_obj_t cmd) {
        return assemble(s, false, payload_type, IPMI_NET_FN_APP_RQ, cmd);
}

int rmcpp_unassemble_setup(const uint8_t *pkt, size_t len, rmcpp_objs *o, fiid_obj_t cmd) {
        if (len == 0 || len > NF_RMCPP_DATAGRAM_MAX)
                return -1;
        return unassemble_ipmi_rmcpplus_pkt(IPMI_AUTHENTICATION_ALGORITHM_RAKP_NONE,
                                            IPMI_INTEGRITY_ALGORITHM_NONE,
                                            IPMI_CONFIDENTIALITY_ALGORITHM_NONE,
                                            NULL, 0, NULL, 0, pkt, (unsigned) len,
                                            o->rmcp, o->hdr, o->payload, o->msg_hdr, cmd, o->msg_trlr, o->trlr,
                                            IPMI_INTERFACE_FLAGS_DEFAULT);
}

bool rmcpp_setup_reply_whole(const rmcpp_objs *o, fiid_obj_t cmd) {
        uint64_t announced;
        int have = fiid_obj_field_len_bytes(o->payload, "payload_data");

        return fiid_obj_packet_sufficient(cmd) == 1 && rmcpp_get(o->hdr, "ipmi_payload_len", &announced) && have >= 0 &&
               (uint64_t) have == announced;
}

nf_status rmcpp_build_request(nf_rmcpp *s) {
        uint8_t raw[RMCPP_REQ_MAX + 1];
        rmcpp_objs o;
        nf_status st;

        if (!rmcpp_objs_new(s, &o, true))
                return nf_error_set(&s->err, NF_E_NOMEM, 0, 0, NULL);
        raw[0] = s->cmd;
        memcpy(raw + 1, s->req, s->req_len);
        if (fiid_obj_set_all(o.raw, raw, (unsigned) (s->req_len + 1)) < 0)
                st = nf_error_set(&s->err, NF_E_INTERNAL, s->netfn, s->cmd, "fiid_obj_set_all failed");
        else
                st = assemble_with(s, &o, true, IPMI_PAYLOAD_TYPE_IPMI, s->netfn, o.raw);
        rmcpp_objs_free(&o);
        return st;
}

/* The rq_seq of one of the copies of the request in flight: a reply to
 * any copy answers the request (each copy is the same request). */
static bool rq_seq_of_a_copy(const nf_rmcpp *s, fiid_obj_t msg_hdr) {
        for (unsigned i = 0; i < s->copies; i++)
                if (ipmi_lan_check_rq_seq(msg_hdr, (uint8_t) ((s->first_rq_seq + i) %
                                                               (IPMI_LAN_REQUESTER_SEQUENCE_NUMBER_MAX + 1))) == 1)
                        return true;
        return false;
}

static rmcpp_verdict judge_response(nf_rmcpp *s, const uint8_t *pkt, size_t len, int parsed, rmcpp_objs *o,
                                    fiid_obj_t cmd) {
        uint8_t raw[RMCPP_REQ_MAX + 2];
        uint64_t v;
        int n;

        if (!rmcpp_get(o->hdr, "payload_type", &v))
                return RMCPP_BAD;
        /* A copy of a set-up reply (RAKP 4 ...) after the set-up moved on. */
        if (v != IPMI_PAYLOAD_TYPE_IPMI)
                return RMCPP_STALE;
        if (parsed != 1 || ipmi_rmcpplus_check_session_id(o->hdr, s->console_sid) != 1)
                return RMCPP_BAD;
        /* IPMI Workaround (libfreeipmi "nochecksumcheck"): Supermicro
         * X9SCM-iiF and X9DRi-F compute the IPMI message checksums
         * wrongly; without the flag every reply would be dropped as
         * corrupt and the request time out. */
        if (!(s->workarounds & IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_NO_CHECKSUM_CHECK) &&
            ipmi_lan_check_checksum(o->msg_hdr, cmd, o->msg_trlr) != 1)
                return RMCPP_BAD;
        if (ipmi_rmcpplus_check_packet_session_authentication_code(s->integ_alg, pkt, (unsigned) len,
                                                                   s->k1_p, s->k1_len,
                                                                   s->password_len ? s->password : NULL,
                                                                   (unsigned) s->password_len, o->trlr) != 1)
                return RMCPP_BAD;
        /* Authentic: a reply outside the window is a duplicate. */
        if (!rmcpp_get(o->hdr, "session_sequence_number", &v) ||
            ipmi_check_session_sequence_number_2_0((uint32_t) v, &s->in_highest, &s->in_list, 0) != 1)
                return RMCPP_STALE;
        if (!rq_seq_of_a_copy(s, o->msg_hdr))
                return RMCPP_STALE;
        n = fiid_obj_get_all(cmd, raw, sizeof(raw));
        if (!rmcpp_get(o->msg_hdr, "net_fn", &v) || v != (uint64_t) (s->netfn | 1) || n < 1 || raw[0] != s->cmd)
                return RMCPP_STALE;
        /* A reply without its completion code answers nothing usable. */
        if (n < 2)
                return RMCPP_BAD;
        s->rsp_len = (size_t) n - 1 < sizeof(s->rsp) ? (size_t) n - 1 : sizeof(s->rsp);
        memcpy(s->rsp, raw + 1, s->rsp_len);
        return RMCPP_TAKE;
}

rmcpp_verdict rmcpp_check_response(nf_rmcpp *s, const uint8_t *pkt, size_t len) {
        rmcpp_objs o;
        rmcpp_verdict v = RMCPP_BAD;
        int parsed;

        if (len == 0 || len > NF_RMCPP_DATAGRAM_MAX)
                return RMCPP_BAD;
        if (!rmcpp_objs_new(s, &o, false))
                return RMCPP_BAD;
        parsed = unassemble_ipmi_rmcpplus_pkt(s->auth_alg, s->integ_alg, s->conf_alg,
                                              s->k1_p, s->k1_len, s->k2_p, s->k2_len,
                                              pkt, (unsigned) len,
                                              o.rmcp, o.hdr, o.payload, o.msg_hdr, o.raw, o.msg_trlr, o.trlr,
                                              IPMI_INTERFACE_FLAGS_DEFAULT);
        if (parsed >= 0)
                v = judge_response(s, pkt, len, parsed, &o, o.raw);
        rmcpp_objs_free(&o);
        return v;
}
