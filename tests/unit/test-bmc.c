/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The BMC side of RMCP+ for tests (test-bmc.h).
 *
 * libfreeipmi's packet layer is written for the console: its assembler
 * takes only console payload types (Open Session Request, RAKP 1/3, IPMI
 * with a request header) and its disassembler only BMC ones.  So:
 *   - in-session messages go through assemble/unassemble_ipmi_rmcpplus_pkt
 *     with the LAN message header "mirrored": a request and a response
 *     header have one layout (IPMI 2.0 table 13-8, rsAddr/netFn/chk1/
 *     rqAddr/rqSeq), only the field names differ, so a response header is
 *     filled into tmpl_lan_msg_hdr_rq and a request header is read out of
 *     tmpl_lan_msg_hdr_rs.  AES-CBC-128 and the integrity trailer are done
 *     by libfreeipmi either way;
 *   - set-up messages carry no trailer and no encryption: they are the
 *     session header and the payload fiid objects, serialised in order.
 */

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <freeipmi/freeipmi.h>
#include <gcrypt.h>

#include "test-bmc.h"

#define MAX_SESSIONS 8
#define QUEUE_MAX 32
#define SEEN_MAX 64
#define FAULTS_MAX 32
#define RAND_LEN 16
#define KEY_MAX 64              /* SIK, K1, K2: at most a SHA-256 digest */
#define RMCP_HDR_LEN 4
#define SETUP_HDR_LEN 16        /* RMCP header + RMCP+ session header without OEM fields */

typedef struct packet {
        size_t len;
        uint8_t data[TBMC_DATAGRAM_MAX];
} packet;

typedef struct session {
        bool used, rakp2_sent, active;
        uint32_t bmc_id, console_id;
        uint8_t auth, integ, conf;
        uint8_t open_priv;              /* requested in Open Session */
        uint8_t priv;                   /* requested in RAKP 1 */
        uint8_t name_only_lookup;
        uint8_t cur_priv;               /* after Set Session Privilege Level */
        uint8_t rm[RAND_LEN], rc[RAND_LEN];
        char uname[IPMI_MAX_USER_NAME_LENGTH + 1];
        unsigned ulen;
        uint8_t sik[KEY_MAX];
        uint8_t k1[KEY_MAX];
        uint8_t k2[KEY_MAX];
        unsigned sik_len, k1_len, k2_len;
        uint32_t out_seq;               /* last sequence number sent */
        uint32_t in_seq;                /* highest taken in */
        bool in_seq_seen;
        unsigned age;
} session;

typedef struct fault_rule {
        tbmc_kind kind;
        unsigned nth;
        tbmc_fault fault;
        uint8_t arg;
} fault_rule;

/* What applies to the reply being built. */
typedef struct reply_faults {
        bool drop, dup, hold, bad_integrity, wrong_sid, wrong_tag, wrong_rq_seq, old_seq, status;
        uint8_t status_arg;
} reply_faults;

struct tbmc {
        char user[IPMI_MAX_USER_NAME_LENGTH + 1];
        char password[IPMI_2_0_MAX_PASSWORD_LENGTH + 1];
        bool has_password;
        uint8_t k_g[IPMI_MAX_K_G_LENGTH];
        size_t k_g_len;
        uint8_t max_priv;
        uint32_t cipher_mask;
        unsigned quirks;
        tbmc_rakp3_active rakp3_active;
        uint8_t guid[IPMI_MANAGED_SYSTEM_GUID_LENGTH];

        session sessions[MAX_SESSIONS];
        uint32_t next_id;
        unsigned clock;

        fault_rule faults[FAULTS_MAX];
        unsigned n_faults;

        packet out[QUEUE_MAX], held[QUEUE_MAX];
        unsigned out_head, out_n, held_n;

        tbmc_seen seen[SEEN_MAX];
        unsigned seen_n;                /* total; the ring keeps SEEN_MAX */

        tbmc_counts counts;
};

/* A generic request and response body, for the dispatch. */
static fiid_template_t tmpl_any_rq = {
        { 8, "cmd", FIID_FIELD_REQUIRED | FIID_FIELD_LENGTH_FIXED },
        { 2048, "data", FIID_FIELD_OPTIONAL | FIID_FIELD_LENGTH_VARIABLE },
        { 0, "", 0 },
};
static fiid_template_t tmpl_any_rs = {
        { 8, "cmd", FIID_FIELD_REQUIRED | FIID_FIELD_LENGTH_FIXED },
        { 8, "comp_code", FIID_FIELD_REQUIRED | FIID_FIELD_LENGTH_FIXED },
        { 2048, "data", FIID_FIELD_OPTIONAL | FIID_FIELD_LENGTH_VARIABLE },
        { 0, "", 0 },
};

static const char *const kind_names[_TBMC_KIND_MAX] = {
        [TBMC_AUTH_CAPS] = "auth-caps",
        [TBMC_OPEN_SESSION] = "open-session",
        [TBMC_RAKP2] = "rakp2",
        [TBMC_RAKP4] = "rakp4",
        [TBMC_SET_PRIV] = "set-priv",
        [TBMC_DEVICE_ID] = "device-id",
        [TBMC_CHASSIS_STATUS] = "chassis-status",
        [TBMC_CHASSIS_CONTROL] = "chassis-control",
        [TBMC_CLOSE_SESSION] = "close-session",
        [TBMC_OTHER] = "other",
};

const char *tbmc_kind_str(tbmc_kind k) {
        return k < _TBMC_KIND_MAX ? kind_names[k] : "?";
}

/* libfreeipmi failing on objects this file built is a bug of the test. */
#define CHECK(x) do { if ((x) < 0) fail_at(__LINE__); } while (0)

static _Noreturn void fail_at(int line) {
        fprintf(stderr, "test-bmc.c:%d: libfreeipmi call failed: %s\n", line, strerror(errno));
        abort();
}

static fiid_obj_t obj_new(fiid_template_t t) {
        fiid_obj_t o = fiid_obj_create(t);
        if (!o)
                abort();
        return o;
}

static uint64_t get_u(fiid_obj_t o, const char *field) {
        uint64_t v = 0;
        if (FIID_OBJ_GET(o, field, &v) < 0)
                return 0;
        return v;
}

static void set_u(fiid_obj_t o, const char *field, uint64_t v) {
        CHECK(fiid_obj_set(o, field, v));
}

tbmc *tbmc_new(const tbmc_config *c) {
        tbmc *b = calloc(1, sizeof(*b));

        if (!b)
                abort();
        /* libfreeipmi's crypto needs its own initialisation first (it sets
         * libgcrypt up), the HMACs here then use libgcrypt as it is. */
        CHECK(ipmi_rmcpplus_init());
        if (c->user)
                strncpy(b->user, c->user, IPMI_MAX_USER_NAME_LENGTH);
        if (c->password) {
                strncpy(b->password, c->password, IPMI_2_0_MAX_PASSWORD_LENGTH);
                b->has_password = true;
        }
        if (c->k_g && c->k_g_len) {
                b->k_g_len = c->k_g_len < sizeof(b->k_g) ? c->k_g_len : sizeof(b->k_g);
                memcpy(b->k_g, c->k_g, b->k_g_len);
        }
        b->max_priv = c->max_privilege ? c->max_privilege : IPMI_PRIVILEGE_LEVEL_ADMIN;
        b->cipher_mask = c->cipher_mask ? c->cipher_mask : (1u << 3 | 1u << 8 | 1u << 12 | 1u << 17);
        b->quirks = c->quirks;
        b->rakp3_active = c->rakp3_active;
        for (unsigned i = 0; i < sizeof(b->guid); i++)
                b->guid[i] = (uint8_t) (0xa0 + i);
        b->next_id = 0x5e550001;
        return b;
}

tbmc *tbmc_free(tbmc *b) {
        free(b);
        return NULL;
}

void tbmc_add_fault(tbmc *b, tbmc_kind kind, unsigned nth, tbmc_fault f, uint8_t arg) {
        assert(b->n_faults < FAULTS_MAX);
        b->faults[b->n_faults++] = (fault_rule) { kind, nth, f, arg };
}

const tbmc_counts *tbmc_get_counts(const tbmc *b) {
        return &b->counts;
}

unsigned tbmc_seen_count(const tbmc *b) {
        return b->seen_n < SEEN_MAX ? b->seen_n : SEEN_MAX;
}

bool tbmc_get_seen(const tbmc *b, unsigned i, tbmc_seen *ret) {
        unsigned n = tbmc_seen_count(b);
        if (i >= n)
                return false;
        *ret = b->seen[(b->seen_n - n + i) % SEEN_MAX];
        return true;
}

bool tbmc_session_active(const tbmc *b) {
        for (unsigned i = 0; i < MAX_SESSIONS; i++)
                if (b->sessions[i].used && b->sessions[i].active)
                        return true;
        return false;
}

static void note_seen(tbmc *b, tbmc_seen s) {
        b->counts.received[s.kind]++;
        b->seen[b->seen_n++ % SEEN_MAX] = s;
}

static reply_faults faults_for(tbmc *b, tbmc_kind kind) {
        reply_faults f = { 0 };
        unsigned n = ++b->counts.replied[kind];

        for (unsigned i = 0; i < b->n_faults; i++) {
                const fault_rule *r = &b->faults[i];
                if (r->kind != kind || (r->nth && r->nth != n))
                        continue;
                switch (r->fault) {
                case TBMC_DROP: f.drop = true; break;
                case TBMC_DUPLICATE: f.dup = true; break;
                case TBMC_HOLD: f.hold = true; break;
                case TBMC_BAD_INTEGRITY: f.bad_integrity = true; break;
                case TBMC_WRONG_SESSION_ID: f.wrong_sid = true; break;
                case TBMC_WRONG_TAG: f.wrong_tag = true; break;
                case TBMC_WRONG_RQ_SEQ: f.wrong_rq_seq = true; break;
                case TBMC_OLD_SEQ: f.old_seq = true; break;
                case TBMC_STATUS: f.status = true; f.status_arg = r->arg; break;
                }
        }
        return f;
}

static void push(packet *q, unsigned *n, unsigned head, const uint8_t *data, size_t len) {
        if (*n >= QUEUE_MAX)
                return;         /* a console flooding the test BMC loses replies, like a real one */
        packet *p = &q[(head + *n) % QUEUE_MAX];
        p->len = len;
        memcpy(p->data, data, len);
        (*n)++;
}

/* The reply leaves, subject to the delivery faults. */
static void deliver(tbmc *b, const reply_faults *f, const uint8_t *pkt, size_t len) {
        if (f->drop)
                return;
        if (f->hold) {
                push(b->held, &b->held_n, 0, pkt, len);
                return;
        }
        push(b->out, &b->out_n, b->out_head, pkt, len);
        b->counts.sent++;
        if (f->dup) {
                push(b->out, &b->out_n, b->out_head, pkt, len);
                b->counts.sent++;
        }
}

size_t tbmc_take(tbmc *b, uint8_t *buf, size_t cap) {
        if (!b->out_n)
                return 0;
        packet *p = &b->out[b->out_head];
        size_t len = p->len < cap ? p->len : cap;
        memcpy(buf, p->data, len);
        b->out_head = (b->out_head + 1) % QUEUE_MAX;
        b->out_n--;
        return len;
}

unsigned tbmc_release_held(tbmc *b) {
        unsigned n = b->held_n;
        for (unsigned i = 0; i < n; i++) {
                push(b->out, &b->out_n, b->out_head, b->held[i].data, b->held[i].len);
                b->counts.sent++;
        }
        b->held_n = 0;
        return n;
}

/* ---- sessions ---- */

static session *session_by_id(tbmc *b, uint32_t id) {
        for (unsigned i = 0; i < MAX_SESSIONS; i++)
                if (b->sessions[i].used && b->sessions[i].bmc_id == id)
                        return &b->sessions[i];
        return NULL;
}

/* A free slot, or the least recently used one: a real BMC also runs out. */
static session *session_alloc(tbmc *b) {
        session *pick = &b->sessions[0];
        for (unsigned i = 0; i < MAX_SESSIONS; i++) {
                if (!b->sessions[i].used) {
                        pick = &b->sessions[i];
                        break;
                }
                if (b->sessions[i].age < pick->age)
                        pick = &b->sessions[i];
        }
        memset(pick, 0, sizeof(*pick));
        pick->used = true;
        pick->bmc_id = b->next_id++;
        pick->age = ++b->clock;
        return pick;
}

/* ---- HMACs only the BMC computes (libgcrypt) ---- */

static int gcry_algo(uint8_t auth) {
        switch (auth) {
        case IPMI_AUTHENTICATION_ALGORITHM_RAKP_HMAC_SHA1: return GCRY_MD_SHA1;
        case IPMI_AUTHENTICATION_ALGORITHM_RAKP_HMAC_MD5: return GCRY_MD_MD5;
        case IPMI_AUTHENTICATION_ALGORITHM_RAKP_HMAC_SHA256: return GCRY_MD_SHA256;
        default: return 0;
        }
}

static size_t hmac(uint8_t auth, const void *key, size_t key_len, const void *data, size_t len, uint8_t *out) {
        int algo = gcry_algo(auth);
        gcry_md_hd_t h;
        uint8_t zero_key[IPMI_2_0_MAX_PASSWORD_LENGTH] = { 0 };
        size_t dlen;

        if (!algo)
                return 0;
        /* No password: the key is 20 zero bytes (IPMI 2.0 section 13.31). */
        if (!key_len) {
                key = zero_key;
                key_len = sizeof(zero_key);
        }
        if (gcry_md_open(&h, algo, GCRY_MD_FLAG_HMAC) || gcry_md_setkey(h, key, key_len))
                abort();
        gcry_md_write(h, data, len);
        dlen = gcry_md_get_algo_dlen(algo);
        memcpy(out, gcry_md_read(h, algo), dlen);
        gcry_md_close(h);
        return dlen;
}

static size_t put_le32(uint8_t *p, uint32_t v) {
        p[0] = v & 0xff;
        p[1] = (v >> 8) & 0xff;
        p[2] = (v >> 16) & 0xff;
        p[3] = (v >> 24) & 0xff;
        return 4;
}

/* The name and privilege that go into the codes and keys, with the
 * quirks of the BMCs modelled. */
static void code_inputs(const tbmc *b, const session *s, bool rakp3, char *uname, unsigned *ulen,
                        uint8_t *priv, uint8_t *lookup) {
        memset(uname, 0, IPMI_MAX_USER_NAME_LENGTH + 1);
        memcpy(uname, s->uname, s->ulen);
        *ulen = s->ulen;
        *priv = s->priv;
        *lookup = s->name_only_lookup;
        /* Intel SE7520AF2: the name padded to 16 bytes, except in RAKP 3,
         * which it checks with name-only lookup off. */
        if (b->quirks & TBMC_Q_INTEL20) {
                if (rakp3)
                        *lookup = IPMI_USER_NAME_PRIVILEGE_LOOKUP;
                else
                        *ulen = IPMI_MAX_USER_NAME_LENGTH;
        }
        if ((b->quirks & TBMC_Q_OPENSESSPRIV) && !rakp3)
                *priv = s->open_priv;
}

static size_t rakp2_code(const tbmc *b, const session *s, uint8_t *out) {
        uint8_t buf[128];
        size_t n = 0;
        char uname[IPMI_MAX_USER_NAME_LENGTH + 1];
        unsigned ulen;
        uint8_t priv, lookup;

        code_inputs(b, s, false, uname, &ulen, &priv, &lookup);
        n += put_le32(buf + n, s->console_id);
        n += put_le32(buf + n, s->bmc_id);
        memcpy(buf + n, s->rm, RAND_LEN);
        n += RAND_LEN;
        memcpy(buf + n, s->rc, RAND_LEN);
        n += RAND_LEN;
        memcpy(buf + n, b->guid, sizeof(b->guid));
        n += sizeof(b->guid);
        buf[n++] = (uint8_t) (priv | (lookup << 4));
        buf[n++] = (uint8_t) ulen;
        memcpy(buf + n, uname, ulen);
        n += ulen;
        return hmac(s->auth, b->password, strlen(b->password), buf, n, out);
}

static size_t rakp4_icv(const tbmc *b, const session *s, uint8_t *out) {
        uint8_t buf[64], digest[64];
        size_t n = 0, dlen;
        uint8_t auth = s->auth;

        /* Intel SE7520AF2: the value follows the integrity algorithm. */
        if (b->quirks & TBMC_Q_INTEL20) {
                if (s->integ == IPMI_INTEGRITY_ALGORITHM_HMAC_SHA1_96)
                        auth = IPMI_AUTHENTICATION_ALGORITHM_RAKP_HMAC_SHA1;
                else if (s->integ == IPMI_INTEGRITY_ALGORITHM_HMAC_MD5_128)
                        auth = IPMI_AUTHENTICATION_ALGORITHM_RAKP_HMAC_MD5;
        }
        memcpy(buf + n, s->rm, RAND_LEN);
        n += RAND_LEN;
        n += put_le32(buf + n, s->bmc_id);
        memcpy(buf + n, b->guid, sizeof(b->guid));
        n += sizeof(b->guid);
        dlen = hmac(auth, s->sik, s->sik_len, buf, n, digest);
        /* Truncated: HMAC-SHA1-96, HMAC-MD5-128, HMAC-SHA256-128. */
        if (auth == IPMI_AUTHENTICATION_ALGORITHM_RAKP_HMAC_SHA1)
                dlen = 12;
        else if (dlen > 16)
                dlen = 16;
        memcpy(out, digest, dlen);
        return dlen;
}

/* SIK = HMAC_KG(Rm | Rc | role | ULENGTH | UNAME), for the privilege 0
 * ("highest") that only a quirky BMC puts in it and libfreeipmi refuses;
 * K1 and K2 from it by libfreeipmi. */
static void session_keys_any_priv(const tbmc *b, session *s, const char *uname, unsigned ulen,
                                  uint8_t priv, uint8_t lookup) {
        uint8_t buf[64];
        size_t n = 0;
        int len;

        memcpy(buf + n, s->rm, RAND_LEN);
        n += RAND_LEN;
        memcpy(buf + n, s->rc, RAND_LEN);
        n += RAND_LEN;
        buf[n++] = (uint8_t) (priv | (lookup << 4));
        buf[n++] = (uint8_t) ulen;
        memcpy(buf + n, uname, ulen);
        n += ulen;
        if (b->k_g_len)
                s->sik_len = (unsigned) hmac(s->auth, b->k_g, b->k_g_len, buf, n, s->sik);
        else
                s->sik_len = (unsigned) hmac(s->auth, b->password, strlen(b->password), buf, n, s->sik);
        if (s->integ == IPMI_INTEGRITY_ALGORITHM_MD5_128) {
                s->k1_len = (unsigned) strlen(b->password);
                memcpy(s->k1, b->password, s->k1_len);
        } else {
                CHECK(len = ipmi_calculate_k1(s->auth, s->sik, s->sik_len, s->k1, sizeof(s->k1)));
                s->k1_len = (unsigned) len;
        }
        CHECK(len = ipmi_calculate_k2(s->auth, s->sik, s->sik_len, s->k2, sizeof(s->k2)));
        s->k2_len = (unsigned) len;
}

static void session_keys(const tbmc *b, session *s) {
        char uname[IPMI_MAX_USER_NAME_LENGTH + 1];
        unsigned ulen;
        uint8_t priv, lookup;
        void *sik = s->sik, *k1 = s->k1, *k2 = s->k2;

        code_inputs(b, s, false, uname, &ulen, &priv, &lookup);
        if (!priv) {
                session_keys_any_priv(b, s, uname, ulen, priv, lookup);
                return;
        }
        s->sik_len = sizeof(s->sik);
        s->k1_len = sizeof(s->k1);
        s->k2_len = sizeof(s->k2);
        CHECK(ipmi_calculate_rmcpplus_session_keys(s->auth, s->integ, s->conf,
                                                   b->has_password ? b->password : NULL,
                                                   (unsigned) strlen(b->password),
                                                   b->k_g_len ? b->k_g : NULL, (unsigned) b->k_g_len,
                                                   s->rm, RAND_LEN, s->rc, RAND_LEN,
                                                   lookup, priv, ulen ? uname : NULL, ulen,
                                                   &sik, &s->sik_len, &k1, &s->k1_len, &k2, &s->k2_len));
}

/* ---- set-up messages ---- */

/* The session header and payload of a set-up message; false if it is not
 * one of payload type `type`. */
static bool parse_setup(const uint8_t *pkt, size_t len, uint8_t type, fiid_obj_t payload) {
        fiid_obj_t hdr = obj_new(tmpl_rmcpplus_session_hdr);
        bool ok = false;
        uint64_t plen;

        if (len <= SETUP_HDR_LEN
            || fiid_obj_set_block(hdr, "authentication_type", "payload_type.encrypted", pkt + RMCP_HDR_LEN, 2) < 0
            || fiid_obj_set_block(hdr, "session_id", "ipmi_payload_len", pkt + 6, 10) < 0)
                goto out;
        plen = get_u(hdr, "ipmi_payload_len");
        if (get_u(hdr, "payload_type") != type || plen > len - SETUP_HDR_LEN)
                goto out;
        ok = fiid_obj_set_all(payload, pkt + SETUP_HDR_LEN, (unsigned) plen) >= 0;
out:
        fiid_obj_destroy(hdr);
        return ok;
}

/* Serialises a set-up reply; `extra` trailing bytes (a quirk) are added
 * to the payload and its length. */
static size_t build_setup(uint8_t type, fiid_obj_t payload, unsigned extra, bool authenticated, uint8_t *pkt) {
        fiid_obj_t rmcp = obj_new(tmpl_rmcp_hdr), hdr = obj_new(tmpl_rmcpplus_session_hdr);
        int n, plen;
        size_t len = 0;

        CHECK(fill_rmcp_hdr_ipmi(rmcp));
        CHECK(fill_rmcpplus_session_hdr(type, 0, 0, 0, 0, 0, 0, hdr));
        set_u(hdr, "payload_type.authenticated", authenticated);
        /* ipmi_sim's RAKP 4 inside the session it activated carries the
         * console's session ID, as every packet of that session does. */
        if (authenticated)
                set_u(hdr, "session_id", get_u(payload, "remote_console_session_id"));
        CHECK(plen = fiid_obj_len_bytes(payload));
        set_u(hdr, "ipmi_payload_len", (uint64_t) plen + extra);
        CHECK(n = fiid_obj_get_all(rmcp, pkt, TBMC_DATAGRAM_MAX));
        len += (size_t) n;
        CHECK(n = fiid_obj_get_block(hdr, "authentication_type", "payload_type.encrypted", pkt + len, TBMC_DATAGRAM_MAX - len));
        len += (size_t) n;
        CHECK(n = fiid_obj_get_block(hdr, "session_id", "ipmi_payload_len", pkt + len, TBMC_DATAGRAM_MAX - len));
        len += (size_t) n;
        CHECK(n = fiid_obj_get_all(payload, pkt + len, TBMC_DATAGRAM_MAX - len));
        len += (size_t) n;
        memset(pkt + len, 0, extra);
        len += extra;
        fiid_obj_destroy(rmcp);
        fiid_obj_destroy(hdr);
        return len;
}

static void setup_reply(tbmc *b, const reply_faults *f, uint8_t type, fiid_obj_t payload, unsigned extra,
                        bool authenticated) {
        uint8_t pkt[TBMC_DATAGRAM_MAX];
        size_t len;

        if (f->wrong_tag)
                set_u(payload, "message_tag", (get_u(payload, "message_tag") + 1) & 0xff);
        if (f->wrong_sid)
                set_u(payload, "remote_console_session_id", get_u(payload, "remote_console_session_id") + 1);
        if (f->status)
                set_u(payload, "rmcpplus_status_code", f->status_arg);
        len = build_setup(type, payload, extra, authenticated, pkt);
        deliver(b, f, pkt, len);
}

static bool cipher_ok(const tbmc *b, uint8_t auth, uint8_t integ, uint8_t conf) {
        uint8_t id;
        if (ipmi_algorithms_to_cipher_suite_id(auth, integ, conf, &id) < 0 || id > 31)
                return false;
        return b->cipher_mask & (1u << id);
}

static void on_open_session(tbmc *b, const uint8_t *pkt, size_t len) {
        fiid_obj_t rq = obj_new(tmpl_rmcpplus_open_session_request);
        fiid_obj_t rs = obj_new(tmpl_rmcpplus_open_session_response);
        uint8_t auth, integ, conf, priv, status = RMCPPLUS_STATUS_NO_ERRORS, max_priv, algs[32];
        uint32_t console_id;
        int n;
        session *s = NULL;
        reply_faults f;

        if (!parse_setup(pkt, len, IPMI_PAYLOAD_TYPE_RMCPPLUS_OPEN_SESSION_REQUEST, rq)) {
                b->counts.ignored++;
                goto out;
        }
        auth = (uint8_t) get_u(rq, "authentication_payload.authentication_algorithm");
        integ = (uint8_t) get_u(rq, "integrity_payload.integrity_algorithm");
        conf = (uint8_t) get_u(rq, "confidentiality_payload.confidentiality_algorithm");
        priv = (uint8_t) get_u(rq, "requested_maximum_privilege_level");
        console_id = (uint32_t) get_u(rq, "remote_console_session_id");
        note_seen(b, (tbmc_seen) { .kind = TBMC_OPEN_SESSION, .tag = (uint8_t) get_u(rq, "message_tag"),
                                   .console_session_id = console_id });

        max_priv = b->max_priv;
        if (!cipher_ok(b, auth, integ, conf))
                status = RMCPPLUS_STATUS_NO_CIPHER_SUITE_MATCH_WITH_PROPOSED_SECURITY_ALGORITHMS;
        else if (priv > b->max_priv)
                status = RMCPPLUS_STATUS_UNAUTHORIZED_ROLE_OR_PRIVILEGE_LEVEL_REQUESTED;
        else {
                s = session_alloc(b);
                s->console_id = console_id;
                s->auth = auth;
                s->integ = integ;
                s->conf = conf;
                s->open_priv = priv;
                /* Intel SE7520AF2 echoes the request, "highest" (0) too. */
                if (b->quirks & TBMC_Q_INTEL20)
                        max_priv = priv;
        }

        f = faults_for(b, TBMC_OPEN_SESSION);
        CHECK(fiid_obj_clear(rs));
        set_u(rs, "message_tag", get_u(rq, "message_tag"));
        set_u(rs, "rmcpplus_status_code", status);
        set_u(rs, "maximum_privilege_level", status ? 0 : max_priv);
        set_u(rs, "reserved1", 0);
        set_u(rs, "reserved2", 0);
        set_u(rs, "remote_console_session_id", console_id);
        set_u(rs, "managed_system_session_id", s ? s->bmc_id : 0);
        /* The proposal accepted as it came: the three algorithm payloads
         * have one layout in the request and the response. */
        CHECK(n = fiid_obj_get_block(rq, "authentication_payload.payload_type", "reserved11", algs, sizeof(algs)));
        CHECK(fiid_obj_set_block(rs, "authentication_payload.payload_type", "reserved11", algs, (unsigned) n));
        setup_reply(b, &f, IPMI_PAYLOAD_TYPE_RMCPPLUS_OPEN_SESSION_RESPONSE, rs, 0, false);
out:
        fiid_obj_destroy(rq);
        fiid_obj_destroy(rs);
}

/* Parses a RAKP 1 or 3 into rq and notes it, with the session it names
 * (NULL: none); false when it is not one. */
static bool take_rakp(tbmc *b, const uint8_t *pkt, size_t len, uint8_t type, fiid_obj_t rq, session **ret) {
        session *s;

        if (!parse_setup(pkt, len, type, rq)) {
                b->counts.ignored++;
                return false;
        }
        s = session_by_id(b, (uint32_t) get_u(rq, "managed_system_session_id"));
        note_seen(b, (tbmc_seen) { .kind = type == IPMI_PAYLOAD_TYPE_RAKP_MESSAGE_1 ? TBMC_RAKP2 : TBMC_RAKP4,
                                   .tag = (uint8_t) get_u(rq, "message_tag"), .session_id = s ? s->bmc_id : 0 });
        *ret = s;
        return true;
}

/* RAKP 2 and 4 begin alike: the request's tag, the status, the console's
 * session ID. */
static void rakp_reply_head(fiid_obj_t rs, fiid_obj_t rq, uint8_t status, const session *s) {
        set_u(rs, "message_tag", get_u(rq, "message_tag"));
        set_u(rs, "rmcpplus_status_code", status);
        set_u(rs, "reserved1", 0);
        set_u(rs, "remote_console_session_id", s ? s->console_id : 0);
}

static void on_rakp1(tbmc *b, const uint8_t *pkt, size_t len) {
        fiid_obj_t rq = obj_new(tmpl_rmcpplus_rakp_message_1);
        fiid_obj_t rs = obj_new(tmpl_rmcpplus_rakp_message_2);
        uint8_t status = RMCPPLUS_STATUS_NO_ERRORS, code[64];
        char name[IPMI_MAX_USER_NAME_LENGTH + 1] = { 0 };
        int name_len;
        size_t code_len = 0;
        unsigned extra = 0;
        session *s;
        reply_faults f;

        if (!take_rakp(b, pkt, len, IPMI_PAYLOAD_TYPE_RAKP_MESSAGE_1, rq, &s))
                goto out;
        name_len = fiid_obj_get_data(rq, "user_name", name, IPMI_MAX_USER_NAME_LENGTH);
        if (name_len < 0)
                name_len = 0;
        /* Intel SE7520AF2 takes the name padded with NULs. */
        if (b->quirks & TBMC_Q_INTEL20)
                while (name_len > 0 && !name[name_len - 1])
                        name_len--;

        if (!s || s->active)
                status = RMCPPLUS_STATUS_INVALID_SESSION_ID;
        else if ((size_t) name_len != strlen(b->user) || memcmp(name, b->user, (size_t) name_len))
                status = RMCPPLUS_STATUS_UNAUTHORIZED_NAME;
        else if (get_u(rq, "requested_maximum_privilege_level") > b->max_priv)
                status = RMCPPLUS_STATUS_UNAUTHORIZED_ROLE_OR_PRIVILEGE_LEVEL_REQUESTED;

        if (!status) {
                CHECK(fiid_obj_get_data(rq, "remote_console_random_number", s->rm, RAND_LEN));
                CHECK(ipmi_get_random(s->rc, RAND_LEN));
                s->priv = (uint8_t) get_u(rq, "requested_maximum_privilege_level");
                s->name_only_lookup = (uint8_t) get_u(rq, "name_only_lookup");
                memcpy(s->uname, name, (size_t) name_len);
                s->ulen = (unsigned) name_len;
                s->rakp2_sent = true;
                s->age = ++b->clock;
                session_keys(b, s);
                code_len = rakp2_code(b, s, code);
                /* Supermicro H8QME: the payload is one byte longer;
                 * Sun Fire 4100: an HMAC-SHA1 code one byte too long. */
                if (b->quirks & TBMC_Q_SUPERMICRO20)
                        extra = 1;
                if ((b->quirks & TBMC_Q_SUN20) && s->auth == IPMI_AUTHENTICATION_ALGORITHM_RAKP_HMAC_SHA1)
                        code[code_len++] = 0;
        }

        f = faults_for(b, TBMC_RAKP2);
        if (f.bad_integrity && code_len)
                code[0] ^= 0x5a;
        rakp_reply_head(rs, rq, status, s);
        CHECK(fiid_obj_set_data(rs, "managed_system_random_number", s ? s->rc : (uint8_t[RAND_LEN]) { 0 }, RAND_LEN));
        CHECK(fiid_obj_set_data(rs, "managed_system_guid", b->guid, sizeof(b->guid)));
        if (code_len)
                CHECK(fiid_obj_set_data(rs, "key_exchange_authentication_code", code, (unsigned) code_len));
        setup_reply(b, &f, IPMI_PAYLOAD_TYPE_RAKP_MESSAGE_2, rs, extra, false);
out:
        fiid_obj_destroy(rq);
        fiid_obj_destroy(rs);
}

static void on_rakp3(tbmc *b, const uint8_t *pkt, size_t len) {
        fiid_obj_t rq = obj_new(tmpl_rmcpplus_rakp_message_3);
        fiid_obj_t rs = obj_new(tmpl_rmcpplus_rakp_message_4);
        uint8_t status = RMCPPLUS_STATUS_NO_ERRORS, got[64], want[64], icv[64];
        char uname[IPMI_MAX_USER_NAME_LENGTH + 1];
        unsigned ulen;
        uint8_t priv, lookup;
        int got_len, want_len;
        size_t icv_len = 0;
        bool in_session = false;
        session *s;
        reply_faults f;

        if (!take_rakp(b, pkt, len, IPMI_PAYLOAD_TYPE_RAKP_MESSAGE_3, rq, &s))
                goto out;
        /* A console giving up (non-zero status) gets no answer. */
        if (get_u(rq, "rmcpplus_status_code") || (s && s->active && b->rakp3_active == TBMC_RAKP3_IGNORE)) {
                b->counts.ignored++;
                goto out;
        }
        if (s && s->active) {
                /* A copy of RAKP 3 after its RAKP 4 was lost. */
                if (b->rakp3_active == TBMC_RAKP3_REFUSE)
                        status = RMCPPLUS_STATUS_INVALID_SESSION_ID;
                else {
                        in_session = true;
                        icv_len = rakp4_icv(b, s, icv);
                }
        } else if (!s || !s->rakp2_sent)
                status = RMCPPLUS_STATUS_INVALID_SESSION_ID;
        else {
                code_inputs(b, s, true, uname, &ulen, &priv, &lookup);
                /* The console sends the name unpadded in RAKP 3's code. */
                ulen = s->ulen;
                got_len = fiid_obj_get_data(rq, "key_exchange_authentication_code", got, sizeof(got));
                CHECK(want_len = ipmi_calculate_rakp_3_key_exchange_authentication_code(
                              s->auth, b->has_password ? b->password : NULL, (unsigned) strlen(b->password),
                              s->rc, RAND_LEN, s->console_id, lookup, priv,
                              ulen ? uname : NULL, ulen, want, sizeof(want)));
                if (got_len != want_len || memcmp(got, want, (size_t) want_len))
                        status = RMCPPLUS_STATUS_INVALID_INTEGRITY_CHECK_VALUE;
        }
        if (!status && !in_session) {
                /* Active from here on, whether or not RAKP 4 arrives. */
                s->active = true;
                s->cur_priv = IPMI_PRIVILEGE_LEVEL_USER;
                s->age = ++b->clock;
                b->counts.sessions_activated++;
                icv_len = rakp4_icv(b, s, icv);
        }

        f = faults_for(b, TBMC_RAKP4);
        if (f.bad_integrity && icv_len)
                icv[0] ^= 0x5a;
        rakp_reply_head(rs, rq, status, s);
        if (icv_len)
                CHECK(fiid_obj_set_data(rs, "integrity_check_value", icv, (unsigned) icv_len));
        setup_reply(b, &f, IPMI_PAYLOAD_TYPE_RAKP_MESSAGE_4, rs, 0, in_session);
out:
        fiid_obj_destroy(rq);
        fiid_obj_destroy(rs);
}

/* ---- in-session requests ---- */

typedef struct request {
        uint8_t netfn, cmd, rq_seq, rq_lun;
        uint8_t data[256];
        size_t data_len;
} request;

/* The response header, filled into the request template (see the top). */
static void mirror_hdr(fiid_obj_t hdr, const request *rq, bool bad_checksum, bool wrong_rq_seq) {
        uint8_t two[2];
        int n;

        CHECK(fiid_obj_clear(hdr));
        set_u(hdr, "rs_addr", IPMI_LAN_SOFTWARE_ID_REMOTE_CONSOLE_SOFTWARE);
        set_u(hdr, "rs_lun", rq->rq_lun);
        set_u(hdr, "net_fn", rq->netfn | 1);
        CHECK(n = fiid_obj_get_block(hdr, "rs_addr", "net_fn", two, sizeof(two)));
        /* Supermicro X9SCM-iiF: a wrong checksum. */
        set_u(hdr, "checksum1", (uint8_t) (ipmi_checksum(two, (unsigned) n) + (bad_checksum ? 1 : 0)));
        set_u(hdr, "rq_addr", IPMI_SLAVE_ADDRESS_BMC);
        set_u(hdr, "rq_lun", 0);
        set_u(hdr, "rq_seq", (rq->rq_seq + (wrong_rq_seq ? 1 : 0)) & 0x3f);
}

static void session_reply(tbmc *b, session *s, const reply_faults *f, const request *rq, uint8_t cc,
                          const uint8_t *data, size_t data_len) {
        fiid_obj_t rmcp = obj_new(tmpl_rmcp_hdr), hdr = obj_new(tmpl_rmcpplus_session_hdr);
        fiid_obj_t msg = obj_new(tmpl_lan_msg_hdr_rq), body = obj_new(tmpl_any_rs);
        fiid_obj_t trlr = obj_new(tmpl_rmcpplus_session_trlr);
        uint8_t pkt[TBMC_DATAGRAM_MAX];
        uint32_t seq;
        int len;

        if (f->status)
                cc = f->status_arg;
        if (f->old_seq && s->out_seq)
                seq = s->out_seq;       /* the previous reply's number again */
        else
                seq = ++s->out_seq;
        CHECK(fill_rmcp_hdr_ipmi(rmcp));
        CHECK(fill_rmcpplus_session_hdr(IPMI_PAYLOAD_TYPE_IPMI,
                                        s->integ != IPMI_INTEGRITY_ALGORITHM_NONE,
                                        s->conf != IPMI_CONFIDENTIALITY_ALGORITHM_NONE,
                                        0, 0, s->console_id + (f->wrong_sid ? 1 : 0), seq, hdr));
        mirror_hdr(msg, rq, b->quirks & TBMC_Q_BAD_CHECKSUM, f->wrong_rq_seq);
        set_u(body, "cmd", rq->cmd);
        set_u(body, "comp_code", cc);
        if (data_len && cc == IPMI_COMP_CODE_COMMAND_SUCCESS)
                CHECK(fiid_obj_set_data(body, "data", data, (unsigned) data_len));
        CHECK(fill_rmcpplus_session_trlr(trlr));
        CHECK(len = assemble_ipmi_rmcpplus_pkt(s->auth, s->integ, s->conf, s->k1, s->k1_len, s->k2, s->k2_len,
                                               b->has_password ? b->password : NULL,
                                               (unsigned) strlen(b->password),
                                               rmcp, hdr, msg, body, trlr, pkt, sizeof(pkt), 0));
        if (f->bad_integrity)
                pkt[len - 1] ^= 0x5a;   /* the last byte of the authentication code */
        deliver(b, f, pkt, (size_t) len);
        fiid_obj_destroy(rmcp);
        fiid_obj_destroy(hdr);
        fiid_obj_destroy(msg);
        fiid_obj_destroy(body);
        fiid_obj_destroy(trlr);
}

/* A request read through the mirrored header (see the top): "rs_lun" of
 * the response template is the request's rq_lun. */
static void read_request(fiid_obj_t msg, fiid_obj_t body, request *rq) {
        int n;

        rq->netfn = (uint8_t) get_u(msg, "net_fn");
        rq->rq_seq = (uint8_t) get_u(msg, "rq_seq");
        rq->rq_lun = (uint8_t) get_u(msg, "rs_lun");
        rq->cmd = (uint8_t) get_u(body, "cmd");
        n = fiid_obj_get_data(body, "data", rq->data, sizeof(rq->data));
        rq->data_len = n > 0 ? (size_t) n : 0;
}

static tbmc_kind request_kind(const request *rq) {
        if (rq->netfn == IPMI_NET_FN_APP_RQ) {
                switch (rq->cmd) {
                case IPMI_CMD_SET_SESSION_PRIVILEGE_LEVEL: return TBMC_SET_PRIV;
                case IPMI_CMD_GET_DEVICE_ID: return TBMC_DEVICE_ID;
                case IPMI_CMD_CLOSE_SESSION: return TBMC_CLOSE_SESSION;
                }
        } else if (rq->netfn == IPMI_NET_FN_CHASSIS_RQ) {
                switch (rq->cmd) {
                case IPMI_CMD_GET_CHASSIS_STATUS: return TBMC_CHASSIS_STATUS;
                case IPMI_CMD_CHASSIS_CONTROL: return TBMC_CHASSIS_CONTROL;
                }
        }
        return TBMC_OTHER;
}

static void on_request(tbmc *b, session *s, const request *rq) {
        static const uint8_t device_id[] = {
                0x20, 0x01, 0x01, 0x00, 0x02, 0xbf, /* id, rev, fw 1.00, IPMI 2.0, support */
                0x00, 0x00, 0x00,                   /* manufacturer */
                0x00, 0x00,                         /* product */
                0x00, 0x00, 0x00, 0x00,             /* aux firmware */
        };
        tbmc_kind kind = request_kind(rq);
        uint8_t cc = IPMI_COMP_CODE_COMMAND_SUCCESS, data[8];
        size_t data_len = 0;
        bool close_after = false;
        reply_faults f;

        switch (kind) {
        case TBMC_SET_PRIV: {
                uint8_t want = rq->data_len ? rq->data[0] & 0x0f : 0;
                if (want > s->priv || want > b->max_priv)
                        cc = IPMI_COMP_CODE_SET_SESSION_PRIVILEGE_LEVEL_REQUESTED_LEVEL_EXCEEDS_USER_PRIVILEGE_LIMIT;
                else if (want)
                        s->cur_priv = want;
                data[data_len++] = s->cur_priv;
                break;
        }
        case TBMC_DEVICE_ID:
                break;
        case TBMC_CHASSIS_STATUS:
                data[0] = 0x01;         /* power on */
                data[1] = 0x00;
                data[2] = 0x00;
                data_len = 3;
                break;
        case TBMC_CHASSIS_CONTROL:
                if (!rq->data_len || rq->data[0] > 5)
                        cc = IPMI_COMP_CODE_INVALID_DATA_FIELD_IN_REQUEST;
                else if (s->cur_priv < IPMI_PRIVILEGE_LEVEL_OPERATOR)
                        cc = IPMI_COMP_CODE_INSUFFICIENT_PRIVILEGE_LEVEL;
                else if (rq->data[0] == IPMI_CHASSIS_CONTROL_PULSE_DIAGNOSTIC_INTERRUPT)
                        b->counts.diag_interrupts++;
                else
                        b->counts.power_commands++;
                break;
        case TBMC_CLOSE_SESSION:
                close_after = true;
                break;
        default:
                cc = IPMI_COMP_CODE_INVALID_COMMAND;
                break;
        }

        f = faults_for(b, kind);
        if (kind == TBMC_DEVICE_ID)
                session_reply(b, s, &f, rq, cc, device_id, sizeof(device_id));
        else
                session_reply(b, s, &f, rq, cc, data, data_len);
        if (close_after) {
                s->used = false;
                b->counts.sessions_closed++;
        }
}

static void on_session_packet(tbmc *b, const uint8_t *pkt, size_t len) {
        fiid_obj_t rmcp = obj_new(tmpl_rmcp_hdr), hdr = obj_new(tmpl_rmcpplus_session_hdr);
        fiid_obj_t payload = obj_new(tmpl_rmcpplus_payload), msg = obj_new(tmpl_lan_msg_hdr_rs);
        fiid_obj_t body = obj_new(tmpl_any_rq), trlr = obj_new(tmpl_lan_msg_trlr);
        fiid_obj_t strlr = obj_new(tmpl_rmcpplus_session_trlr), peek = obj_new(tmpl_rmcpplus_session_hdr);
        session *s;
        request rq = { 0 };
        uint32_t seq;

        if (len <= SETUP_HDR_LEN || fiid_obj_set_block(peek, "session_id", "ipmi_payload_len", pkt + 6, 10) < 0)
                goto bad;
        s = session_by_id(b, (uint32_t) get_u(peek, "session_id"));
        if (!s || !s->active)
                goto bad;
        if (unassemble_ipmi_rmcpplus_pkt(s->auth, s->integ, s->conf, s->k1, s->k1_len, s->k2, s->k2_len,
                                         pkt, (unsigned) len, rmcp, hdr, payload, msg, body, trlr, strlr,
                                         IPMI_INTERFACE_FLAGS_DEFAULT) != 1)
                goto bad;
        if (ipmi_rmcpplus_check_packet_session_authentication_code(
                    s->integ, pkt, (unsigned) len, s->k1, s->k1_len,
                    b->has_password ? b->password : NULL, (unsigned) strlen(b->password), strlr) != 1)
                goto bad;
        seq = (uint32_t) get_u(hdr, "session_sequence_number");
        /* A copy of a request already taken (the same number) is not
         * carried out twice; a retransmission has a new number. */
        if (s->in_seq_seen && seq <= s->in_seq)
                goto bad;
        s->in_seq = seq;
        s->in_seq_seen = true;
        s->age = ++b->clock;
        read_request(msg, body, &rq);
        note_seen(b, (tbmc_seen) { .kind = request_kind(&rq), .session_id = s->bmc_id, .seq = seq,
                                   .rq_seq = rq.rq_seq });
        on_request(b, s, &rq);
        goto out;
bad:
        b->counts.ignored++;
out:
        fiid_obj_destroy(rmcp);
        fiid_obj_destroy(hdr);
        fiid_obj_destroy(payload);
        fiid_obj_destroy(msg);
        fiid_obj_destroy(body);
        fiid_obj_destroy(trlr);
        fiid_obj_destroy(strlr);
        fiid_obj_destroy(peek);
}

/* ---- IPMI 1.5: Get Channel Authentication Capabilities ---- */

static void on_ipmi15(tbmc *b, const uint8_t *pkt, size_t len) {
        fiid_obj_t rmcp = obj_new(tmpl_rmcp_hdr), shdr = obj_new(tmpl_lan_session_hdr);
        fiid_obj_t msg = obj_new(tmpl_lan_msg_hdr_rs), body = obj_new(tmpl_any_rq), trlr = obj_new(tmpl_lan_msg_trlr);
        fiid_obj_t rs = obj_new(tmpl_cmd_get_channel_authentication_capabilities_rs), out_hdr = obj_new(tmpl_lan_msg_hdr_rq);
        uint8_t out[TBMC_DATAGRAM_MAX];
        bool null_user = !b->user[0], quirk = b->quirks & TBMC_Q_AUTHCAP;
        request rq = { 0 };
        reply_faults f;
        int n;

        if (unassemble_ipmi_lan_pkt(pkt, (unsigned) len, rmcp, shdr, msg, body, trlr, IPMI_INTERFACE_FLAGS_DEFAULT) != 1)
                goto bad;
        read_request(msg, body, &rq);
        if (rq.netfn != IPMI_NET_FN_APP_RQ || rq.cmd != IPMI_CMD_GET_CHANNEL_AUTHENTICATION_CAPABILITIES
            || get_u(shdr, "session_id") || !rq.data_len)
                goto bad;
        note_seen(b, (tbmc_seen) { .kind = TBMC_AUTH_CAPS, .rq_seq = rq.rq_seq });

        f = faults_for(b, TBMC_AUTH_CAPS);
        set_u(rs, "cmd", rq.cmd);
        set_u(rs, "comp_code", f.status ? f.status_arg : IPMI_COMP_CODE_COMMAND_SUCCESS);
        set_u(rs, "channel_number", 1);
        set_u(rs, "authentication_type.none", 1);
        set_u(rs, "authentication_type.md2", 0);
        set_u(rs, "authentication_type.md5", 1);
        set_u(rs, "authentication_type.reserved1", 0);
        set_u(rs, "authentication_type.straight_password_key", 1);
        set_u(rs, "authentication_type.oem_prop", 0);
        set_u(rs, "authentication_type.reserved2", 0);
        /* Asked with bit 7 of the channel byte: IPMI 2.0 capabilities. */
        set_u(rs, "authentication_type.ipmi_v2.0_extended_capabilities_available", (rq.data[0] & 0x80) ? 1 : 0);
        /* ASUS P5M2: anonymous login claimed, named users denied, K_g
         * claimed set. */
        set_u(rs, "authentication_status.anonymous_login", quirk ? 1 : 0);
        set_u(rs, "authentication_status.null_username", quirk ? 0 : null_user);
        set_u(rs, "authentication_status.non_null_username", quirk ? 0 : !null_user);
        set_u(rs, "authentication_status.user_level_authentication", 1);
        set_u(rs, "authentication_status.per_message_authentication", 1);
        set_u(rs, "authentication_status.k_g", quirk ? 1 : (b->k_g_len ? 1 : 0));
        set_u(rs, "authentication_status.reserved", 0);
        set_u(rs, "channel_supports_ipmi_v1.5_connections", 1);
        set_u(rs, "channel_supports_ipmi_v2.0_connections", 1);
        set_u(rs, "reserved", 0);
        set_u(rs, "oem_id", 0);
        set_u(rs, "oem_auxiliary_data", 0);
        mirror_hdr(out_hdr, &rq, false, f.wrong_rq_seq);
        CHECK(fill_lan_session_hdr(IPMI_AUTHENTICATION_TYPE_NONE, 0, 0, shdr));
        CHECK(fill_rmcp_hdr_ipmi(rmcp));
        CHECK(n = assemble_ipmi_lan_pkt(rmcp, shdr, out_hdr, rs, NULL, 0, out, sizeof(out), IPMI_INTERFACE_FLAGS_DEFAULT));
        deliver(b, &f, out, (size_t) n);
        goto out;
bad:
        b->counts.ignored++;
out:
        fiid_obj_destroy(rmcp);
        fiid_obj_destroy(shdr);
        fiid_obj_destroy(msg);
        fiid_obj_destroy(body);
        fiid_obj_destroy(trlr);
        fiid_obj_destroy(rs);
        fiid_obj_destroy(out_hdr);
}

void tbmc_input(tbmc *b, const uint8_t *pkt, size_t len) {
        uint8_t type;

        /* RMCP class IPMI (byte 3), then the authentication type: 06h
         * is RMCP+, anything else IPMI 1.5. */
        if (len < SETUP_HDR_LEN || pkt[0] != 0x06 || (pkt[3] & 0x1f) != 0x07) {
                b->counts.ignored++;
                return;
        }
        if (pkt[RMCP_HDR_LEN] != IPMI_AUTHENTICATION_TYPE_RMCPPLUS) {
                on_ipmi15(b, pkt, len);
                return;
        }
        type = pkt[RMCP_HDR_LEN + 1] & 0x3f;
        switch (type) {
        case IPMI_PAYLOAD_TYPE_RMCPPLUS_OPEN_SESSION_REQUEST: on_open_session(b, pkt, len); break;
        case IPMI_PAYLOAD_TYPE_RAKP_MESSAGE_1: on_rakp1(b, pkt, len); break;
        case IPMI_PAYLOAD_TYPE_RAKP_MESSAGE_3: on_rakp3(b, pkt, len); break;
        case IPMI_PAYLOAD_TYPE_IPMI: on_session_packet(b, pkt, len); break;
        default: b->counts.ignored++; break;
        }
}
