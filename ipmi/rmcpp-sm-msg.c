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

#include <stdlib.h>
#include <string.h>

#include <freeipmi/freeipmi.h>

#include "rmcpp-sm-internal.h"
#include "rmcpp-sm-packet.h"

/* A command as bytes: the command byte then its data (request), or the
 * command byte, completion code and data (response); as libfreeipmi's
 * own raw path carries it. */
static fiid_template_t tmpl_rmcpp_raw = {
        { 8 * (RMCPP_REQ_MAX + 2), "raw_data", FIID_FIELD_OPTIONAL | FIID_FIELD_LENGTH_VARIABLE },
        { 0, "", 0 },
};

void rmcpp_objs_free(rmcpp_objs *o) {
        fiid_obj_destroy(o->rmcp);
        fiid_obj_destroy(o->hdr);
        fiid_obj_destroy(o->payload);
        fiid_obj_destroy(o->msg_hdr);
        fiid_obj_destroy(o->msg_trlr);
        fiid_obj_destroy(o->trlr);
        memset(o, 0, sizeof(*o));
}

bool rmcpp_objs_new(rmcpp_objs *o, bool rq) {
        memset(o, 0, sizeof(*o));
        o->rmcp = fiid_obj_create(tmpl_rmcp_hdr);
        o->hdr = fiid_obj_create(tmpl_rmcpplus_session_hdr);
        o->payload = fiid_obj_create(tmpl_rmcpplus_payload);
        o->msg_hdr = fiid_obj_create(rq ? tmpl_lan_msg_hdr_rq : tmpl_lan_msg_hdr_rs);
        o->msg_trlr = fiid_obj_create(tmpl_lan_msg_trlr);
        o->trlr = fiid_obj_create(tmpl_rmcpplus_session_trlr);
        if (o->rmcp && o->hdr && o->payload && o->msg_hdr && o->msg_trlr && o->trlr)
                return true;
        rmcpp_objs_free(o);
        return false;
}

struct nf_rmcpp_scratch {
        rmcpp_objs rq, rs;              /* a request's objects, a reply's */
        fiid_obj_t raw_rq, raw_rs;      /* tmpl_rmcpp_raw */
};

nf_rmcpp_scratch *nf_rmcpp_scratch_free(nf_rmcpp_scratch *x) {
        if (!x)
                return NULL;
        rmcpp_objs_free(&x->rq);
        rmcpp_objs_free(&x->rs);
        fiid_obj_destroy(x->raw_rq);
        fiid_obj_destroy(x->raw_rs);
        free(x);
        return NULL;
}

nf_rmcpp_scratch *nf_rmcpp_scratch_new(void) {
        nf_rmcpp_scratch *x = calloc(1, sizeof(*x));

        if (!x)
                return NULL;
        if (!rmcpp_objs_new(&x->rq, true) || !rmcpp_objs_new(&x->rs, false) ||
            !(x->raw_rq = fiid_obj_create(tmpl_rmcpp_raw)) || !(x->raw_rs = fiid_obj_create(tmpl_rmcpp_raw)))
                return nf_rmcpp_scratch_free(x);
        return x;
}

static bool objs_clear(rmcpp_objs *o) {
        return fiid_obj_clear(o->rmcp) == 0 && fiid_obj_clear(o->hdr) == 0 && fiid_obj_clear(o->payload) == 0 &&
               fiid_obj_clear(o->msg_hdr) == 0 && fiid_obj_clear(o->msg_trlr) == 0 && fiid_obj_clear(o->trlr) == 0;
}

/* One datagram's objects: the scratch's, cleared (*ret points there), or
 * new ones in *own; give them back with objs_put(). */
static bool objs_get(nf_rmcpp *s, bool rq, rmcpp_objs *own, rmcpp_objs **ret) {
        if (s->scratch) {
                *ret = rq ? &s->scratch->rq : &s->scratch->rs;
                return objs_clear(*ret);
        }
        *ret = own;
        return rmcpp_objs_new(own, rq);
}

static void objs_put(nf_rmcpp *s, rmcpp_objs *o) {
        if (!s->scratch)
                rmcpp_objs_free(o);
}

static fiid_obj_t raw_get(nf_rmcpp *s, bool rq) {
        fiid_obj_t o;

        if (!s->scratch)
                return fiid_obj_create(tmpl_rmcpp_raw);
        o = rq ? s->scratch->raw_rq : s->scratch->raw_rs;
        return fiid_obj_clear(o) == 0 ? o : NULL;
}

static void raw_put(nf_rmcpp *s, fiid_obj_t o) {
        if (!s->scratch)
                fiid_obj_destroy(o);
}

bool rmcpp_get(fiid_obj_t obj, const char *field, uint64_t *ret) {
        return FIID_OBJ_GET(obj, field, ret) == 1;
}

static uint8_t next_rq_seq(nf_rmcpp *s) {
        s->rq_seq = (uint8_t) ((s->rq_seq + 1) % (IPMI_LAN_REQUESTER_SEQUENCE_NUMBER_MAX + 1));
        return s->rq_seq;
}

/* One datagram into s->out: a set-up message (no session, no keys) when
 * !in_session, else an IPMI message of the session with its keys. */
static nf_status assemble(nf_rmcpp *s, bool in_session, uint8_t payload_type, uint8_t netfn, fiid_obj_t cmd) {
        rmcpp_objs own, *op;
        int n = -1;

        if (!objs_get(s, true, &own, &op))
                return nf_error_set(&s->err, NF_E_NOMEM, 0, 0, NULL);
        rmcpp_objs o = *op;
        if (in_session) {
                /* 0 is never a valid session sequence number. */
                if (++s->out_seq == 0)
                        s->out_seq = 1;
        }
        if (fill_rmcp_hdr_ipmi(o.rmcp) < 0 ||
            fill_rmcpplus_session_hdr(payload_type,
                                      in_session && s->integ_alg != IPMI_INTEGRITY_ALGORITHM_NONE
                                              ? IPMI_PAYLOAD_FLAG_AUTHENTICATED
                                              : IPMI_PAYLOAD_FLAG_UNAUTHENTICATED,
                                      in_session && s->conf_alg != IPMI_CONFIDENTIALITY_ALGORITHM_NONE
                                              ? IPMI_PAYLOAD_FLAG_ENCRYPTED
                                              : IPMI_PAYLOAD_FLAG_UNENCRYPTED,
                                      0, 0, in_session ? s->bmc_sid : 0, in_session ? s->out_seq : 0, o.hdr) < 0 ||
            fill_lan_msg_hdr(IPMI_SLAVE_ADDRESS_BMC, netfn, IPMI_BMC_IPMB_LUN_BMC, next_rq_seq(s), o.msg_hdr) < 0 ||
            fill_rmcpplus_session_trlr(o.trlr) < 0)
                goto out;
        if (in_session)
                n = assemble_ipmi_rmcpplus_pkt(s->auth_alg, s->integ_alg, s->conf_alg,
                                               s->k1_p, s->k1_len, s->k2_p, s->k2_len,
                                               s->password_len ? s->password : NULL, (unsigned) s->password_len,
                                               o.rmcp, o.hdr, o.msg_hdr, cmd, o.trlr,
                                               s->out, sizeof(s->out), IPMI_INTERFACE_FLAGS_DEFAULT);
        else
                n = assemble_ipmi_rmcpplus_pkt(IPMI_AUTHENTICATION_ALGORITHM_RAKP_NONE,
                                               IPMI_INTEGRITY_ALGORITHM_NONE,
                                               IPMI_CONFIDENTIALITY_ALGORITHM_NONE,
                                               NULL, 0, NULL, 0, NULL, 0,
                                               o.rmcp, o.hdr, o.msg_hdr, cmd, o.trlr,
                                               s->out, sizeof(s->out), IPMI_INTERFACE_FLAGS_DEFAULT);
out:
        objs_put(s, op);
        if (n <= 0)
                return nf_error_set(&s->err, NF_E_INTERNAL, 0, 0, "assemble_ipmi_rmcpplus_pkt failed");
        s->out_len = (size_t) n;
        return NF_OK;
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
        fiid_obj_t cmd = raw_get(s, true);
        nf_status st;

        if (!cmd)
                return nf_error_set(&s->err, NF_E_NOMEM, 0, 0, NULL);
        raw[0] = s->cmd;
        memcpy(raw + 1, s->req, s->req_len);
        if (fiid_obj_set_all(cmd, raw, (unsigned) (s->req_len + 1)) < 0)
                st = nf_error_set(&s->err, NF_E_INTERNAL, s->netfn, s->cmd, "fiid_obj_set_all failed");
        else
                st = assemble(s, true, IPMI_PAYLOAD_TYPE_IPMI, s->netfn, cmd);
        raw_put(s, cmd);
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
        fiid_obj_t cmd;
        rmcpp_objs own, *o;
        rmcpp_verdict v = RMCPP_BAD;
        int parsed;

        if (len == 0 || len > NF_RMCPP_DATAGRAM_MAX)
                return RMCPP_BAD;
        cmd = raw_get(s, false);
        if (!cmd)
                return RMCPP_BAD;
        if (!objs_get(s, false, &own, &o)) {
                raw_put(s, cmd);
                return RMCPP_BAD;
        }
        parsed = unassemble_ipmi_rmcpplus_pkt(s->auth_alg, s->integ_alg, s->conf_alg,
                                              s->k1_p, s->k1_len, s->k2_p, s->k2_len,
                                              pkt, (unsigned) len,
                                              o->rmcp, o->hdr, o->payload, o->msg_hdr, cmd, o->msg_trlr, o->trlr,
                                              IPMI_INTERFACE_FLAGS_DEFAULT);
        if (parsed >= 0)
                v = judge_response(s, pkt, len, parsed, o, cmd);
        objs_put(s, o);
        raw_put(s, cmd);
        return v;
}
