/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The RMCP+ session set-up messages of the engine (IPMI 2.0 sections
 * 13.14-13.20): Get Channel Authentication Capabilities, Open Session,
 * RAKP 1-4.  Every message is filled by libfreeipmi's fill_* functions and
 * every key and code computed and checked by its ipmi_calculate_* and
 * ipmi_rmcpplus_check_* functions; this file decides what to put in and
 * what a reply means.  The IPMI 2.0 workaround flags of ipmi/workarounds.c
 * are honoured here the way libfreeipmi's own session
 * (api/ipmi-lan-session-common.c) and ipmipower honour them.
 *
 * Replies are matched by payload type and message tag; each copy of a
 * message carries a new tag, so a reply to an earlier copy is a stale
 * duplicate (except RAKP 4, see rmcpp_check_rakp4).
 */

#include <stdio.h>
#include <string.h>

#include <freeipmi/freeipmi.h>

#include "rmcpp-sm-internal.h"
#include "rmcpp-sm-packet.h"

#define W(s, flag) (((s)->workarounds & IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_##flag) != 0)

const char *rmcpp_status_str(uint8_t status) {
        switch (status) {
        case RMCPPLUS_STATUS_NO_ERRORS:
                return RMCPPLUS_STATUS_NO_ERRORS_STR;
        case RMCPPLUS_STATUS_INSUFFICIENT_RESOURCES_TO_CREATE_A_SESSION:
                return RMCPPLUS_STATUS_INSUFFICIENT_RESOURCES_TO_CREATE_A_SESSION_STR;
        case RMCPPLUS_STATUS_INVALID_SESSION_ID:
                return RMCPPLUS_STATUS_INVALID_SESSION_ID_STR;
        case RMCPPLUS_STATUS_INVALID_PAYLOAD_TYPE:
                return RMCPPLUS_STATUS_INVALID_PAYLOAD_TYPE_STR;
        case RMCPPLUS_STATUS_INVALID_AUTHENTICATION_ALGORITHM:
                return RMCPPLUS_STATUS_INVALID_AUTHENTICATION_ALGORITHM_STR;
        case RMCPPLUS_STATUS_INVALID_INTEGRITY_ALGORITHM:
                return RMCPPLUS_STATUS_INVALID_INTEGRITY_ALGORITHM_STR;
        case RMCPPLUS_STATUS_NO_MATCHING_AUTHENTICATION_PAYLOAD:
                return RMCPPLUS_STATUS_NO_MATCHING_AUTHENTICATION_PAYLOAD_STR;
        case RMCPPLUS_STATUS_NO_MATCHING_INTEGRITY_PAYLOAD:
                return RMCPPLUS_STATUS_NO_MATCHING_INTEGRITY_PAYLOAD_STR;
        case RMCPPLUS_STATUS_INACTIVE_SESSION_ID:
                return RMCPPLUS_STATUS_INACTIVE_SESSION_ID_STR;
        case RMCPPLUS_STATUS_INVALID_ROLE:
                return RMCPPLUS_STATUS_INVALID_ROLE_STR;
        case RMCPPLUS_STATUS_UNAUTHORIZED_ROLE_OR_PRIVILEGE_LEVEL_REQUESTED:
                return RMCPPLUS_STATUS_UNAUTHORIZED_ROLE_OR_PRIVILEGE_LEVEL_REQUESTED_STR;
        case RMCPPLUS_STATUS_INSUFFICIENT_RESOURCES_TO_CREATE_A_SESSION_AT_THE_REQUESTED_TIME:
                return RMCPPLUS_STATUS_INSUFFICIENT_RESOURCES_TO_CREATE_A_SESSION_AT_THE_REQUESTED_TIME_STR;
        case RMCPPLUS_STATUS_INVALID_NAME_LENGTH:
                return RMCPPLUS_STATUS_INVALID_NAME_LENGTH_STR;
        case RMCPPLUS_STATUS_UNAUTHORIZED_NAME:
                return RMCPPLUS_STATUS_UNAUTHORIZED_NAME_STR;
        case RMCPPLUS_STATUS_UNAUTHORIZED_GUID:
                return RMCPPLUS_STATUS_UNAUTHORIZED_GUID_STR;
        case RMCPPLUS_STATUS_INVALID_INTEGRITY_CHECK_VALUE:
                return RMCPPLUS_STATUS_INVALID_INTEGRITY_CHECK_VALUE_STR;
        case RMCPPLUS_STATUS_INVALID_CONFIDENTIALITY_ALGORITHM:
                return RMCPPLUS_STATUS_INVALID_CONFIDENTIALITY_ALGORITHM_STR;
        case RMCPPLUS_STATUS_NO_CIPHER_SUITE_MATCH_WITH_PROPOSED_SECURITY_ALGORITHMS:
                return RMCPPLUS_STATUS_NO_CIPHER_SUITE_MATCH_WITH_PROPOSED_SECURITY_ALGORITHMS_STR;
        case RMCPPLUS_STATUS_ILLEGAL_OR_UNRECOGNIZED_PARAMETER:
                return RMCPPLUS_STATUS_ILLEGAL_OR_UNRECOGNIZED_PARAMETER_STR;
        default:
                return "unknown RMCP+ status code";
        }
}

/* A refusal of a set-up step as a typed error, the RMCP+ status in the
 * detail ("RAKP 2: RMCP+ status 0x0D (unauthorized name)"), mapped as
 * libfreeipmi maps them to its error numbers and session-lan.c mapped
 * those. */
static rmcpp_verdict refuse(nf_rmcpp *s, const char *step, uint8_t status) {
        char detail[sizeof(s->err.detail)];
        nf_status st;

        switch (status) {
        case RMCPPLUS_STATUS_INVALID_AUTHENTICATION_ALGORITHM:
        case RMCPPLUS_STATUS_INVALID_INTEGRITY_ALGORITHM:
        case RMCPPLUS_STATUS_NO_MATCHING_AUTHENTICATION_PAYLOAD:
        case RMCPPLUS_STATUS_NO_MATCHING_INTEGRITY_PAYLOAD:
        case RMCPPLUS_STATUS_INVALID_CONFIDENTIALITY_ALGORITHM:
        case RMCPPLUS_STATUS_NO_CIPHER_SUITE_MATCH_WITH_PROPOSED_SECURITY_ALGORITHMS:
                st = NF_E_CIPHER;
                break;
        case RMCPPLUS_STATUS_INVALID_ROLE:
        case RMCPPLUS_STATUS_UNAUTHORIZED_ROLE_OR_PRIVILEGE_LEVEL_REQUESTED:
                st = NF_E_PRIVILEGE;
                break;
        case RMCPPLUS_STATUS_INSUFFICIENT_RESOURCES_TO_CREATE_A_SESSION:
        case RMCPPLUS_STATUS_INSUFFICIENT_RESOURCES_TO_CREATE_A_SESSION_AT_THE_REQUESTED_TIME:
                st = NF_E_BMC_BUSY;
                break;
        case RMCPPLUS_STATUS_UNAUTHORIZED_NAME:
        case RMCPPLUS_STATUS_INVALID_NAME_LENGTH:
                st = NF_E_USERNAME;
                break;
        case RMCPPLUS_STATUS_INVALID_INTEGRITY_CHECK_VALUE:
                /* RAKP 3's key exchange code was wrong: the password (some
                 * BMCs hash another privilege, see "opensesspriv"). */
                st = NF_E_PASSWORD;
                break;
        default:
                st = NF_E_AUTH;
                break;
        }
        if (st == NF_E_CIPHER)
                snprintf(detail, sizeof(detail), "BMC refused cipher suite %u: RMCP+ status 0x%02X (%s)",
                         s->cipher_suite, status, rmcpp_status_str(status));
        else
                snprintf(detail, sizeof(detail), "%s: RMCP+ status 0x%02X (%s)", step, status,
                         rmcpp_status_str(status));
        nf_error_set(&s->err, st, 0, 0, detail);
        return RMCPP_FAIL;
}

static rmcpp_verdict fail(nf_rmcpp *s, nf_status st, const char *detail) {
        nf_error_set(&s->err, st, 0, 0, detail);
        return RMCPP_FAIL;
}

/* The user name as RAKP 1, the RAKP 2 check and the session keys take it.
 * IPMI Workaround (libfreeipmi "intel20"): the Intel SE7520AF2 with the
 * Intel Server Management Module (Professional Edition) wants the name
 * padded with NULs to 16 bytes there, against IPMI 2.0 table 13-11; else
 * its RAKP 2 refuses the name. */
static const char *rakp_user(const nf_rmcpp *s, unsigned *ret_len) {
        if (W(s, INTEL_2_0_SESSION)) {
                *ret_len = RMCPP_MAX_USER;
                return s->user;
        }
        *ret_len = (unsigned) strlen(s->user);
        return *ret_len ? s->user : NULL;
}

/* The password as the keys and codes take it.  IPMI Workaround
 * ("intel20"): the same Intel BMC truncates a password longer than 16
 * bytes to 16 when HMAC-MD5 is the authentication algorithm (cipher
 * suites 6-8, 11, 12), so keys and hashes must be made from 16 bytes. */
static unsigned key_password_len(const nf_rmcpp *s) {
        if (W(s, INTEL_2_0_SESSION) && s->auth_alg == IPMI_AUTHENTICATION_ALGORITHM_RAKP_HMAC_MD5 &&
            s->password_len > IPMI_1_5_MAX_PASSWORD_LENGTH)
                return IPMI_1_5_MAX_PASSWORD_LENGTH;
        return (unsigned) s->password_len;
}

static const char *key_password(const nf_rmcpp *s) {
        return s->password_len ? s->password : NULL;
}

/* ---- Get Channel Authentication Capabilities (an IPMI 1.5 packet) ---- */

nf_status rmcpp_build_auth_caps(nf_rmcpp *s) {
        fiid_obj_t rmcp = fiid_obj_create(tmpl_rmcp_hdr), sess = fiid_obj_create(tmpl_lan_session_hdr),
                   msg = fiid_obj_create(tmpl_lan_msg_hdr_rq),
                   cmd = fiid_obj_create(tmpl_cmd_get_channel_authentication_capabilities_rq);
        int n = -1;

        s->rq_seq = (uint8_t) ((s->rq_seq + 1) % (IPMI_LAN_REQUESTER_SEQUENCE_NUMBER_MAX + 1));
        if (rmcp && sess && msg && cmd && fill_rmcp_hdr_ipmi(rmcp) >= 0 &&
            fill_lan_session_hdr(IPMI_AUTHENTICATION_TYPE_NONE, 0, 0, sess) >= 0 &&
            fill_lan_msg_hdr(IPMI_SLAVE_ADDRESS_BMC, IPMI_NET_FN_APP_RQ, IPMI_BMC_IPMB_LUN_BMC, s->rq_seq, msg) >= 0 &&
            fill_cmd_get_channel_authentication_capabilities(IPMI_CHANNEL_NUMBER_CURRENT_CHANNEL, s->privilege,
                                                             IPMI_GET_IPMI_V20_EXTENDED_DATA, cmd) >= 0)
                n = assemble_ipmi_lan_pkt(rmcp, sess, msg, cmd, NULL, 0, s->out, sizeof(s->out),
                                          IPMI_INTERFACE_FLAGS_DEFAULT);
        fiid_obj_destroy(rmcp);
        fiid_obj_destroy(sess);
        fiid_obj_destroy(msg);
        fiid_obj_destroy(cmd);
        if (n <= 0)
                return nf_error_set(&s->err, NF_E_INTERNAL, 0, 0, "assemble_ipmi_lan_pkt failed");
        s->out_len = (size_t) n;
        return NF_OK;
}

static rmcpp_verdict judge_auth_caps(nf_rmcpp *s, fiid_obj_t sess, fiid_obj_t msg, fiid_obj_t cmd,
                                     fiid_obj_t trlr) {
        char detail[sizeof(s->err.detail)];
        uint64_t v;

        /* An RMCP+ datagram (authentication type 06h) is no answer here. */
        if (!rmcpp_get(sess, "authentication_type", &v) || v != IPMI_AUTHENTICATION_TYPE_NONE)
                return RMCPP_STALE;
        if (!(s->workarounds & IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_NO_CHECKSUM_CHECK) &&
            ipmi_lan_check_checksum(msg, cmd, trlr) != 1)
                return RMCPP_BAD;       /* "nochecksumcheck" here too, as ipmipower checks it */
        if (ipmi_lan_check_rq_seq(msg, s->rq_seq) != 1)
                return RMCPP_STALE;
        if (!rmcpp_get(msg, "net_fn", &v) || v != IPMI_NET_FN_APP_RS ||
            ipmi_check_cmd(cmd, IPMI_CMD_GET_CHANNEL_AUTHENTICATION_CAPABILITIES) != 1)
                return RMCPP_STALE;
        if (!rmcpp_get(cmd, "comp_code", &v))
                return RMCPP_BAD;
        if (v != 0) {
                snprintf(detail, sizeof(detail),
                         "Get Channel Authentication Capabilities: completion code 0x%02X (%s)",
                         (unsigned) v, nf_cc_str((uint8_t) v));
                return fail(s, NF_E_AUTH, detail);
        }
        if (ipmi_check_authentication_capabilities_ipmi_2_0(cmd) != 1)
                return fail(s, NF_E_AUTH, "the BMC does not offer IPMI 2.0 (RMCP+) on this channel");
        /* IPMI Workaround (libfreeipmi "authcap"): the ASUS P5M2 reports
         * its anonymous / null / non-null user name support wrongly, and
         * the ASUS P5MT-R its K_g status; believing them refuses a good
         * login, so with the flag neither is checked. */
        if (W(s, AUTHENTICATION_CAPABILITIES))
                return RMCPP_TAKE;
        if (ipmi_check_authentication_capabilities_username(s->user[0] ? s->user : NULL, key_password(s), cmd) != 1)
                return fail(s, NF_E_USERNAME, "the BMC does not accept this kind of login (null or anonymous user)");
        if (ipmi_check_authentication_capabilities_k_g(s->k_g_set ? s->k_g : NULL, cmd) != 1)
                return fail(s, NF_E_KG, "the BMC's K_g setting does not match");
        return RMCPP_TAKE;
}

rmcpp_verdict rmcpp_check_auth_caps(nf_rmcpp *s, const uint8_t *pkt, size_t len) {
        fiid_obj_t rmcp = fiid_obj_create(tmpl_rmcp_hdr), sess = fiid_obj_create(tmpl_lan_session_hdr),
                   msg = fiid_obj_create(tmpl_lan_msg_hdr_rs),
                   cmd = fiid_obj_create(tmpl_cmd_get_channel_authentication_capabilities_rs),
                   trlr = fiid_obj_create(tmpl_lan_msg_trlr);
        rmcpp_verdict v = RMCPP_BAD;

        if (rmcp && sess && msg && cmd && trlr && len > 0 && len <= NF_RMCPP_DATAGRAM_MAX &&
            unassemble_ipmi_lan_pkt(pkt, (unsigned) len, rmcp, sess, msg, cmd, trlr, IPMI_INTERFACE_FLAGS_DEFAULT) == 1)
                v = judge_auth_caps(s, sess, msg, cmd, trlr);
        fiid_obj_destroy(rmcp);
        fiid_obj_destroy(sess);
        fiid_obj_destroy(msg);
        fiid_obj_destroy(cmd);
        fiid_obj_destroy(trlr);
        return v;
}

/* ---- Open Session ---- */

/* The privilege level asked for in the Open Session Request.  IPMI
 * Workarounds: the Intel SE7520AF2 ("intel20") answers "highest level"
 * with that value instead of a level; the Sun Fire 4100 ("sun20"), and
 * Inventec 5441/Dell Xanadu II, Supermicro X8DTH/X8DTG/X8DTU and Intel
 * S5500WBV ("opensesspriv", also needed by OpenIPMI's ipmi_sim) compute
 * the session keys with the privilege of this request rather than that
 * of RAKP 1.  Those three ask for the actual level. */
static uint8_t open_session_privilege(const nf_rmcpp *s) {
        if (W(s, INTEL_2_0_SESSION) || W(s, SUN_2_0_SESSION) || W(s, OPEN_SESSION_PRIVILEGE))
                return s->privilege;
        return IPMI_PRIVILEGE_LEVEL_HIGHEST_LEVEL;
}

static nf_status assemble_with(nf_rmcpp *s, fiid_template_t tmpl, uint8_t payload_type,
                               int (*fill)(nf_rmcpp *s, fiid_obj_t obj)) {
        fiid_obj_t obj = fiid_obj_create(tmpl);
        nf_status st;

        if (!obj)
                return nf_error_set(&s->err, NF_E_NOMEM, 0, 0, NULL);
        s->tag++;
        if (fill(s, obj) < 0)
                st = nf_error_set(&s->err, NF_E_INTERNAL, 0, 0, "filling a set-up message failed");
        else
                st = rmcpp_assemble_setup(s, payload_type, obj);
        fiid_obj_destroy(obj);
        return st;
}

static int fill_open_session(nf_rmcpp *s, fiid_obj_t obj) {
        return fill_rmcpplus_open_session(s->tag, open_session_privilege(s), s->console_sid, s->auth_alg,
                                          s->integ_alg, s->conf_alg, obj);
}

nf_status rmcpp_build_open_session(nf_rmcpp *s) {
        return assemble_with(s, tmpl_rmcpplus_open_session_request, IPMI_PAYLOAD_TYPE_RMCPPLUS_OPEN_SESSION_REQUEST,
                             fill_open_session);
}

/* Payload type, then message tag (the last copy's unless any_copy):
 * what every set-up reply is matched by; its status code in *ret_status. */
static rmcpp_verdict match_setup_reply(const nf_rmcpp *s, const rmcpp_objs *o, fiid_obj_t cmd, uint8_t type,
                                       bool any_copy, uint64_t *ret_status) {
        uint64_t v;

        if (!rmcpp_get(o->hdr, "payload_type", &v))
                return RMCPP_BAD;
        if (v != type)
                return RMCPP_STALE;
        if (!rmcpp_get(cmd, "message_tag", &v))
                return RMCPP_BAD;
        if (any_copy ? (uint8_t) (s->tag - (uint8_t) v) >= s->copies : v != s->tag)
                return RMCPP_STALE;
        if (!rmcpp_get(cmd, "rmcpplus_status_code", ret_status))
                return RMCPP_BAD;
        /* A refusal may be short; a success without all its fields is
         * a damaged datagram. */
        if (*ret_status == RMCPPLUS_STATUS_NO_ERRORS && fiid_obj_packet_valid(cmd) != 1)
                return RMCPP_BAD;
        return RMCPP_TAKE;
}

/* The reply of the last copy, matched; a refusal in its status code ends
 * the set-up; with no error, it must be for our console session ID
 * (libfreeipmi checks the ID only then too). */
static rmcpp_verdict accept_setup_reply(nf_rmcpp *s, const rmcpp_objs *o, fiid_obj_t cmd, uint8_t type,
                                        const char *step) {
        uint64_t status;
        rmcpp_verdict r = match_setup_reply(s, o, cmd, type, false, &status);

        if (r != RMCPP_TAKE)
                return r;
        if (status != RMCPPLUS_STATUS_NO_ERRORS)
                return refuse(s, step, (uint8_t) status);
        if (ipmi_rmcpplus_check_remote_console_session_id(cmd, s->console_sid) != 1)
                return RMCPP_BAD;
        return RMCPP_TAKE;
}

static rmcpp_verdict judge_open_session(nf_rmcpp *s, const rmcpp_objs *o, fiid_obj_t cmd) {
        rmcpp_verdict r = accept_setup_reply(s, o, cmd, IPMI_PAYLOAD_TYPE_RMCPPLUS_OPEN_SESSION_RESPONSE,
                                             "Open Session");
        uint64_t v;
        int ok;

        if (r != RMCPP_TAKE)
                return r;
        /* IPMI Workaround ("intel20"): the Intel SE7520AF2 answers with the
         * level asked for, not the session's maximum. */
        if (W(s, INTEL_2_0_SESSION))
                ok = rmcpp_get(cmd, "maximum_privilege_level", &v) && v == open_session_privilege(s);
        else
                ok = ipmi_check_open_session_maximum_privilege(s->privilege, cmd) == 1;
        if (!ok)
                return fail(s, NF_E_PRIVILEGE, "Open Session: the BMC grants a lower maximum privilege level");
        if (!rmcpp_get(cmd, "managed_system_session_id", &v) || v == 0)
                return RMCPP_BAD;
        s->bmc_sid = (uint32_t) v;
        return RMCPP_TAKE;
}

typedef rmcpp_verdict (*setup_judge)(nf_rmcpp *s, const rmcpp_objs *o, fiid_obj_t cmd);

/* Unassembles a set-up reply with the template `tmpl` and judges it.  A
 * datagram libfreeipmi cannot parse whole (truncated, or longer than its
 * header says) is dropped, as libfreeipmi's own session drops it: read
 * anyway, a cut-off RAKP 2 would look like a wrong password.  The one
 * exception is what `partial` says of a partly parsed one (its session
 * header is filled).  "Whole" is more than what unassemble says (it
 * parses the bytes there are): as many payload bytes as the session
 * header announces, and the fields match_setup_reply asks for. */
static rmcpp_verdict check_setup(nf_rmcpp *s, const uint8_t *pkt, size_t len, fiid_template_t tmpl,
                                 setup_judge judge, setup_judge partial) {
        fiid_obj_t cmd = fiid_obj_create(tmpl);
        rmcpp_verdict v = RMCPP_BAD;
        rmcpp_objs o;
        int parsed;

        if (!cmd)
                return RMCPP_BAD;
        if (!rmcpp_objs_new(s, &o, false)) {
                fiid_obj_destroy(cmd);
                return RMCPP_BAD;
        }
        parsed = rmcpp_unassemble_setup(pkt, len, &o, cmd);
        if (parsed == 1 && rmcpp_setup_reply_whole(&o, cmd))
                v = judge(s, &o, cmd);
        else if (parsed == 0 && partial)
                v = partial(s, &o, cmd);
        rmcpp_objs_free(&o);
        fiid_obj_destroy(cmd);
        return v;
}

rmcpp_verdict rmcpp_check_open_session(nf_rmcpp *s, const uint8_t *pkt, size_t len) {
        return check_setup(s, pkt, len, tmpl_rmcpplus_open_session_response, judge_open_session, NULL);
}

/* ---- RAKP 1 and 2 ---- */

static int fill_rakp1(nf_rmcpp *s, fiid_obj_t obj) {
        unsigned ulen;
        const char *user = rakp_user(s, &ulen);

        /* A new Rm for each copy: the BMC keeps the last one it saw, and
         * only the reply to the last copy is taken. */
        if (ipmi_get_random(s->rc_random, sizeof(s->rc_random)) < 0)
                return -1;
        return fill_rmcpplus_rakp_message_1(s->tag, s->bmc_sid, s->rc_random, sizeof(s->rc_random), s->privilege,
                                            IPMI_NAME_ONLY_LOOKUP, user, ulen, obj);
}

nf_status rmcpp_build_rakp1(nf_rmcpp *s) {
        return assemble_with(s, tmpl_rmcpplus_rakp_message_1, IPMI_PAYLOAD_TYPE_RAKP_MESSAGE_1, fill_rakp1);
}

/* RAKP 2's key exchange code, as long as the algorithm's digest.
 * IPMI Workarounds: the Supermicro H8QME with a SIMSO daughter card
 * ("supermicro20") sends a RAKP 2 payload one byte too long, and the Sun
 * Fire 4100 ("sun20", HMAC-SHA1 suites) a key exchange code one byte too
 * long; the extra byte is cut off before the check. */
static int fix_rakp2_code_len(const nf_rmcpp *s, fiid_obj_t cmd) {
        uint8_t buf[RMCPP_KEY_MAX + 2];
        unsigned want = 0;
        int n;

        if (!W(s, SUPERMICRO_2_0_SESSION) && !W(s, SUN_2_0_SESSION))
                return 0;
        n = fiid_obj_get_data(cmd, "key_exchange_authentication_code", buf, sizeof(buf));
        if (n < 0)
                return 0;
        if (s->auth_alg == IPMI_AUTHENTICATION_ALGORITHM_RAKP_HMAC_SHA1)
                want = IPMI_HMAC_SHA1_DIGEST_LENGTH;
        else if (W(s, SUPERMICRO_2_0_SESSION) && s->auth_alg == IPMI_AUTHENTICATION_ALGORITHM_RAKP_HMAC_MD5)
                want = IPMI_HMAC_MD5_DIGEST_LENGTH;
        else if (W(s, SUPERMICRO_2_0_SESSION) && s->auth_alg == IPMI_AUTHENTICATION_ALGORITHM_RAKP_HMAC_SHA256)
                want = IPMI_HMAC_SHA256_DIGEST_LENGTH;
        if (!want || (unsigned) n != want + 1)
                return 0;
        if (fiid_obj_clear_field(cmd, "key_exchange_authentication_code") < 0)
                return -1;
        return fiid_obj_set_data(cmd, "key_exchange_authentication_code", buf, want) < 0 ? -1 : 0;
}

/* RAKP 2 checked: the session keys and RAKP 3's key exchange code. */
static rmcpp_verdict make_keys(nf_rmcpp *s) {
        unsigned ulen, plen = key_password_len(s);
        const char *user = rakp_user(s, &ulen);
        int n;

        s->sik_p = s->sik;
        s->k1_p = s->k1;
        s->k2_p = s->k2;
        s->sik_len = s->k1_len = s->k2_len = RMCPP_KEY_MAX;
        if (ipmi_calculate_rmcpplus_session_keys(s->auth_alg, s->integ_alg, s->conf_alg,
                                                 key_password(s), plen,
                                                 s->k_g_set ? s->k_g : NULL, s->k_g_set ? RMCPP_KG_LEN : 0,
                                                 s->rc_random, sizeof(s->rc_random),
                                                 s->ms_random, sizeof(s->ms_random),
                                                 IPMI_NAME_ONLY_LOOKUP, s->privilege, user, ulen,
                                                 &s->sik_p, &s->sik_len, &s->k1_p, &s->k1_len,
                                                 &s->k2_p, &s->k2_len) < 0)
                return fail(s, NF_E_INTERNAL, "ipmi_calculate_rmcpplus_session_keys failed");
        /* IPMI Workaround ("intel20"): the Intel SE7520AF2 computes RAKP 3's
         * code with "name only lookup" off, and from the unpadded name
         * (ipmitool does the same). */
        user = s->user[0] ? s->user : NULL;
        n = ipmi_calculate_rakp_3_key_exchange_authentication_code(
                s->auth_alg, key_password(s), plen, s->ms_random, sizeof(s->ms_random), s->console_sid,
                W(s, INTEL_2_0_SESSION) ? IPMI_USER_NAME_PRIVILEGE_LOOKUP : IPMI_NAME_ONLY_LOOKUP,
                s->privilege, user, (unsigned) strlen(s->user), s->kex_code, sizeof(s->kex_code));
        if (n < 0)
                return fail(s, NF_E_INTERNAL, "ipmi_calculate_rakp_3_key_exchange_authentication_code failed");
        s->kex_code_len = (unsigned) n;
        return RMCPP_TAKE;
}

static rmcpp_verdict judge_rakp2(nf_rmcpp *s, const rmcpp_objs *o, fiid_obj_t cmd) {
        unsigned ulen;
        const char *user = rakp_user(s, &ulen);
        rmcpp_verdict r = accept_setup_reply(s, o, cmd, IPMI_PAYLOAD_TYPE_RAKP_MESSAGE_2, "RAKP 2");
        int ok;

        if (r != RMCPP_TAKE)
                return r;
        if (fiid_obj_get_data(cmd, "managed_system_random_number", s->ms_random, sizeof(s->ms_random)) !=
                    (int) sizeof(s->ms_random) ||
            fiid_obj_get_data(cmd, "managed_system_guid", s->ms_guid, sizeof(s->ms_guid)) != (int) sizeof(s->ms_guid))
                return RMCPP_BAD;
        if (fix_rakp2_code_len(s, cmd) < 0)
                return RMCPP_BAD;
        ok = ipmi_rmcpplus_check_rakp_2_key_exchange_authentication_code(
                s->auth_alg, key_password(s), key_password_len(s), s->console_sid, s->bmc_sid,
                s->rc_random, sizeof(s->rc_random), s->ms_random, sizeof(s->ms_random),
                s->ms_guid, sizeof(s->ms_guid), IPMI_NAME_ONLY_LOOKUP, s->privilege, user, ulen, cmd);
        /* The BMC proved knowledge of another password.  (Some BMCs also
         * fail here when the privilege is too high for the user, which
         * they did not refuse at Open Session; libfreeipmi cannot tell
         * either.) */
        if (ok != 1)
                return fail(s, NF_E_PASSWORD, NULL);
        return make_keys(s);
}

rmcpp_verdict rmcpp_check_rakp2(nf_rmcpp *s, const uint8_t *pkt, size_t len) {
        return check_setup(s, pkt, len, tmpl_rmcpplus_rakp_message_2, judge_rakp2, NULL);
}

/* ---- RAKP 3 and 4 ---- */

static int fill_rakp3(nf_rmcpp *s, fiid_obj_t obj) {
        return fill_rmcpplus_rakp_message_3(s->tag, RMCPPLUS_STATUS_NO_ERRORS, s->bmc_sid, s->kex_code,
                                            s->kex_code_len, obj);
}

nf_status rmcpp_build_rakp3(nf_rmcpp *s) {
        return assemble_with(s, tmpl_rmcpplus_rakp_message_3, IPMI_PAYLOAD_TYPE_RAKP_MESSAGE_3, fill_rakp3);
}

/* The algorithm RAKP 4's integrity check value is made with.  IPMI
 * Workaround ("intel20"): the Intel SE7520AF2 uses the one matching the
 * integrity algorithm instead of the authentication algorithm (found by
 * ipmitool).  libfreeipmi has no answer for MD5-128 (cipher suite 12). */
static int rakp4_algorithm(const nf_rmcpp *s) {
        if (!W(s, INTEL_2_0_SESSION))
                return s->auth_alg;
        switch (s->integ_alg) {
        case IPMI_INTEGRITY_ALGORITHM_NONE:
                return IPMI_AUTHENTICATION_ALGORITHM_RAKP_NONE;
        case IPMI_INTEGRITY_ALGORITHM_HMAC_SHA1_96:
                return IPMI_AUTHENTICATION_ALGORITHM_RAKP_HMAC_SHA1;
        case IPMI_INTEGRITY_ALGORITHM_HMAC_MD5_128:
                return IPMI_AUTHENTICATION_ALGORITHM_RAKP_HMAC_MD5;
        case IPMI_INTEGRITY_ALGORITHM_HMAC_SHA256_128:
                return IPMI_AUTHENTICATION_ALGORITHM_RAKP_HMAC_SHA256;
        default:
                return -1;
        }
}

/* ipmi_sim 2.0.33 answers a copy of RAKP 3 whose first copy activated
 * the session with a RAKP 4 inside that session (authenticated flag set,
 * which set-up messages never have; libfreeipmi parses it only partly):
 * the RAKP 4 of the first copy was lost, and the session can never be
 * completed from here.  One for the session of an abandoned set-up
 * (another console session ID) is late.  Anything else is no answer. */
static rmcpp_verdict rakp4_in_session(nf_rmcpp *s, const rmcpp_objs *o, fiid_obj_t cmd) {
        uint64_t v;

        (void) cmd;
        if (rmcpp_get(o->hdr, "payload_type", &v) && v == IPMI_PAYLOAD_TYPE_RAKP_MESSAGE_4 &&
            rmcpp_get(o->hdr, "payload_type.authenticated", &v) && v == IPMI_PAYLOAD_FLAG_AUTHENTICATED)
                return ipmi_rmcpplus_check_session_id(o->hdr, s->console_sid) == 1 ? RMCPP_RESTART : RMCPP_STALE;
        return RMCPP_BAD;
}

static rmcpp_verdict judge_rakp4(nf_rmcpp *s, const rmcpp_objs *o, fiid_obj_t cmd) {
        uint64_t status, v;
        rmcpp_verdict r;
        int alg;

        /* Any copy's RAKP 4 will do: the tag is the only field that differs
         * between the answers to copies of one RAKP 3 (the integrity check
         * value covers Rm, the BMC's session ID and GUIDc). */
        r = match_setup_reply(s, o, cmd, IPMI_PAYLOAD_TYPE_RAKP_MESSAGE_4, true, &status);
        if (r != RMCPP_TAKE)
                return r;
        if (status != RMCPPLUS_STATUS_NO_ERRORS) {
                /* Only the last copy's refusal counts. */
                if (!rmcpp_get(cmd, "message_tag", &v) || v != s->tag)
                        return RMCPP_STALE;
                /* A copy of RAKP 3 for a session an earlier copy activated:
                 * another BMC's way of saying what ipmi_sim says with
                 * an in-session RAKP 4 (rakp4_in_session). */
                if (s->copies > 1 && (status == RMCPPLUS_STATUS_INVALID_SESSION_ID ||
                                      status == RMCPPLUS_STATUS_INACTIVE_SESSION_ID))
                        return RMCPP_RESTART;
                return refuse(s, "RAKP 4", (uint8_t) status);
        }
        if (ipmi_rmcpplus_check_remote_console_session_id(cmd, s->console_sid) != 1)
                return RMCPP_BAD;
        alg = rakp4_algorithm(s);
        if (alg < 0)
                return fail(s, NF_E_AUTH, "workaround intel20 cannot check RAKP 4 with MD5-128 integrity");
        /* IPMI Workaround ("integritycheckvalue"): the Supermicro X8DTG and
         * X8DTU and Intel S5500WBV send RAKP 4 with an integrity check
         * value under cipher suite 0, where it must be empty; libfreeipmi
         * and ipmipower clear it then, and only then.  The engine speaks
         * cipher suites 3, 8, 12 and 17, which all carry the value, so the
         * flag is accepted and changes nothing here. */
        if (ipmi_rmcpplus_check_rakp_4_integrity_check_value((uint8_t) alg, s->sik_p, s->sik_len,
                                                             s->rc_random, sizeof(s->rc_random), s->bmc_sid,
                                                             s->ms_guid, sizeof(s->ms_guid), cmd) != 1)
                /* SIK is made from K_g: the password was proven by RAKP 2. */
                return fail(s, NF_E_KG, NULL);
        return RMCPP_TAKE;
}

rmcpp_verdict rmcpp_check_rakp4(nf_rmcpp *s, const uint8_t *pkt, size_t len) {
        return check_setup(s, pkt, len, tmpl_rmcpplus_rakp_message_4, judge_rakp4, rakp4_in_session);
}
