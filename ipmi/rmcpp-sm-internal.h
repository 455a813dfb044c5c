/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The RMCP+ session engine's private parts, shared by rmcpp-sm.c (states,
 * timers, the public API), rmcpp-sm-setup.c (Get Channel Authentication
 * Capabilities, Open Session, RAKP 1-4) and rmcpp-sm-msg.c (messages
 * inside the session).  Private to ipmi/.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rmcpp-sm.h"

#define RMCPP_MAX_USER 16
#define RMCPP_MAX_PASSWORD 20
#define RMCPP_KG_LEN 20
#define RMCPP_RANDOM_LEN 16
#define RMCPP_GUID_LEN 16
/* SIK, K1 and K2 are at most one HMAC-SHA256 digest. */
#define RMCPP_KEY_MAX 32
/* Largest request data kept for a request's copies. */
#define RMCPP_REQ_MAX 255
/* Copies of one request kept apart by rq_seq (6 bits): never more than
 * this many are sent, so every copy's rq_seq is distinct. */
#define RMCPP_MAX_COPIES 32

/* What rmcpp-sm-setup.c and rmcpp-sm-msg.c tell the state machine about a
 * received datagram. */
typedef enum rmcpp_verdict {
        RMCPP_TAKE,             /* the awaited reply: act on it */
        RMCPP_STALE,            /* late or duplicated reply: drop, count */
        RMCPP_BAD,              /* undecodable, bad integrity, other session: drop, count */
        RMCPP_FAIL,             /* the awaited reply, and it ends the set-up: s->err says why */
        RMCPP_RESTART,          /* RAKP 4 lost, the BMC activated the session: set up again */
} rmcpp_verdict;

struct nf_rmcpp {
        nf_rmcpp_state state;

        /* Parameters (secrets wiped on free). */
        char user[RMCPP_MAX_USER + 1];
        char password[RMCPP_MAX_PASSWORD + 1];
        size_t password_len;
        uint8_t k_g[RMCPP_KG_LEN];      /* zero padded, as libfreeipmi passes it */
        bool k_g_set;
        uint8_t cipher_suite;
        uint8_t auth_alg, integ_alg, conf_alg;
        uint8_t privilege;
        unsigned workarounds;           /* IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_* */
        nf_rmcpp_scratch *scratch;      /* borrowed (nf_lan_params), may be NULL */
        unsigned session_timeout_ms;
        unsigned retransmit_timeout_ms;

        /* Set-up. */
        uint32_t console_sid;           /* ours: the BMC addresses us with it */
        uint32_t bmc_sid;               /* the BMC's: we address it with it */
        uint8_t tag;                    /* message tag of the last set-up copy sent */
        uint8_t rc_random[RMCPP_RANDOM_LEN];
        uint8_t ms_random[RMCPP_RANDOM_LEN];
        uint8_t ms_guid[RMCPP_GUID_LEN];
        uint8_t sik[RMCPP_KEY_MAX], k1[RMCPP_KEY_MAX], k2[RMCPP_KEY_MAX];
        void *sik_p, *k1_p, *k2_p;      /* libfreeipmi's choice of the keys above */
        unsigned sik_len, k1_len, k2_len;
        uint8_t kex_code[RMCPP_KEY_MAX]; /* RAKP 3's key exchange code */
        unsigned kex_code_len;
        uint64_t setup_deadline;        /* the whole set-up's bound */
        bool setup_done;                /* a set-up succeeded since the last open */

        /* Inside the session. */
        uint32_t out_seq;               /* last session sequence number sent */
        uint32_t in_highest;            /* ipmi_check_session_sequence_number_2_0's window */
        uint32_t in_list;
        uint8_t rq_seq;                 /* rq_seq of the last message sent */

        /* The message in flight (set-up step, request or Close Session). */
        uint8_t netfn, cmd;
        uint8_t req[RMCPP_REQ_MAX];
        size_t req_len;
        bool once;                      /* never sent again */
        unsigned copies;                /* copies sent of this message */
        uint8_t first_rq_seq;           /* rq_seq of its first copy */
        uint64_t next_send;             /* when the next copy goes, if no reply */
        uint64_t deadline;              /* the request's bound (set-up: setup_deadline) */

        /* The datagram waiting to be taken by the caller. */
        uint8_t out[NF_RMCPP_DATAGRAM_MAX];
        size_t out_len;

        uint8_t rsp[NF_RMCPP_RSP_MAX];
        size_t rsp_len;
        nf_error err;
        nf_rmcpp_stats stats;
};

/* rmcpp-sm-setup.c: build the set-up message of the current state (a new
 * message tag per copy) into s->out; NF_OK or a failure in s->err. */
nf_status rmcpp_build_auth_caps(nf_rmcpp *s);
nf_status rmcpp_build_open_session(nf_rmcpp *s);
nf_status rmcpp_build_rakp1(nf_rmcpp *s);
nf_status rmcpp_build_rakp3(nf_rmcpp *s);
/* ... and judge a datagram received in that state. */
rmcpp_verdict rmcpp_check_auth_caps(nf_rmcpp *s, const uint8_t *pkt, size_t len);
rmcpp_verdict rmcpp_check_open_session(nf_rmcpp *s, const uint8_t *pkt, size_t len);
rmcpp_verdict rmcpp_check_rakp2(nf_rmcpp *s, const uint8_t *pkt, size_t len);
rmcpp_verdict rmcpp_check_rakp4(nf_rmcpp *s, const uint8_t *pkt, size_t len);

/* rmcpp-sm-msg.c: a copy of s->netfn/cmd/req inside the session (new
 * session sequence number and rq_seq) into s->out. */
nf_status rmcpp_build_request(nf_rmcpp *s);
/* A datagram received while a message inside the session is
 * outstanding: RMCPP_TAKE puts completion code and data in s->rsp. */
rmcpp_verdict rmcpp_check_response(nf_rmcpp *s, const uint8_t *pkt, size_t len);

/* rmcpp-sm-setup.c: the RMCP+ status code's name (IPMI 2.0 table 13-15). */
const char *rmcpp_status_str(uint8_t status);
