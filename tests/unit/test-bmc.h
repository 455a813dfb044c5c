/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The BMC side of an IPMI 2.0 RMCP+ session, in process and packet level,
 * for the RMCP+ engine's unit tests and fuzzer (and, behind
 * test-bmc-udp.c, for real ipmitool and freeipmi, which prove it right
 * independently of the engine).  A datagram from the console goes in;
 * the reply datagrams, if any, come out of a queue.  Faults are scripted
 * per kind of reply and per occurrence; quirks make it behave like the
 * BMCs that libfreeipmi's IPMI 2.0 workaround flags are for.
 *
 * It answers: Get Channel Authentication Capabilities (IPMI 1.5 format),
 * Open Session, RAKP 1/3, and in session Set Session Privilege Level, Get
 * Device ID, Get Chassis Status, Chassis Control (counted, diag
 * interrupts apart) and Close Session; anything else gets completion
 * code 0xC1.  Cipher suites 3, 8, 12 and 17.
 *
 * Packets are built and taken apart with libfreeipmi's fiid templates and
 * packet layer; the two HMACs that only the BMC computes (the RAKP 2 key
 * exchange authentication code and the RAKP 4 integrity check value) come
 * from libgcrypt.  Test code: it aborts on a libfreeipmi failure rather
 * than report it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TBMC_DATAGRAM_MAX 1024

typedef struct tbmc tbmc;

/* The exchanges, named by what the BMC sends back. */
typedef enum tbmc_kind {
        TBMC_AUTH_CAPS,         /* Get Channel Authentication Capabilities */
        TBMC_OPEN_SESSION,      /* Open Session Response */
        TBMC_RAKP2,             /* answer to RAKP 1 */
        TBMC_RAKP4,             /* answer to RAKP 3 */
        TBMC_SET_PRIV,          /* Set Session Privilege Level */
        TBMC_DEVICE_ID,         /* Get Device ID */
        TBMC_CHASSIS_STATUS,    /* Get Chassis Status */
        TBMC_CHASSIS_CONTROL,   /* Chassis Control */
        TBMC_CLOSE_SESSION,     /* Close Session */
        TBMC_OTHER,             /* any other in-session request (0xC1) */
        _TBMC_KIND_MAX,
} tbmc_kind;

/* TBMC_DROP on TBMC_RAKP4 is "the session activated, its RAKP 4 lost":
 * the BMC activates a session on RAKP 3; later RAKP 3s for it get what
 * tbmc_config.rakp3_active says. */
typedef enum tbmc_fault {
        TBMC_DROP,              /* reply not sent */
        TBMC_DUPLICATE,         /* reply sent twice */
        TBMC_HOLD,              /* reply kept until tbmc_release_held() */
        TBMC_BAD_INTEGRITY,     /* RAKP 2/4 code or packet authentication code flipped */
        TBMC_WRONG_SESSION_ID,  /* console session ID + 1 (header or RAKP field) */
        TBMC_WRONG_TAG,         /* set-up message tag + 1 */
        TBMC_WRONG_RQ_SEQ,      /* rq_seq + 1 */
        TBMC_OLD_SEQ,           /* session sequence number of the previous reply again */
        TBMC_STATUS,            /* refused: RMCP+ status code / completion code = arg */
} tbmc_fault;

/* Behaviours of real BMCs that a workaround flag of libfreeipmi is for
 * (ipmi/workarounds.c); each names the flag that copes with it. */
enum {
        /* authcap: ASUS P5M2/P5MT-R report wrong user name and K_g
         * capabilities (here: anonymous login only, K_g set). */
        TBMC_Q_AUTHCAP = 1u << 0,
        /* intel20: Intel SE7520AF2 pads the user name to 16 bytes in the
         * RAKP 2 code and the session keys, checks RAKP 3 with name-only
         * lookup off, and echoes the requested privilege (0 = highest)
         * in the Open Session Response. */
        TBMC_Q_INTEL20 = 1u << 1,
        /* supermicro20: Supermicro H8QME's RAKP 2 payload is one byte
         * longer than it is (a byte after the code). */
        TBMC_Q_SUPERMICRO20 = 1u << 2,
        /* sun20: Sun Fire 4100's HMAC-SHA1 RAKP 2 code is one byte too
         * long. */
        TBMC_Q_SUN20 = 1u << 3,
        /* opensesspriv: the BMC computes the keys with the privilege of
         * the Open Session Request instead of that of RAKP 1. */
        TBMC_Q_OPENSESSPRIV = 1u << 4,
        /* nochecksumcheck: Supermicro X9SCM-iiF computes the LAN message
         * checksums wrongly (here checksum 1). */
        TBMC_Q_BAD_CHECKSUM = 1u << 5,
};

/* What the BMC does with a RAKP 3 for a session it has already activated
 * (a copy sent because RAKP 4 was lost). */
typedef enum tbmc_rakp3_active {
        TBMC_RAKP3_IGNORE,      /* no answer */
        TBMC_RAKP3_REFUSE,      /* RAKP 4 with status "invalid session ID" */
        TBMC_RAKP3_IN_SESSION,  /* RAKP 4 flagged authenticated, as ipmi_sim 2.0.33 */
} tbmc_rakp3_active;

typedef struct tbmc_config {
        const char *user;               /* "" or NULL: the null user */
        const char *password;           /* NULL: no password */
        const uint8_t *k_g;             /* NULL: the password is K_g */
        size_t k_g_len;
        uint8_t max_privilege;          /* 0 => ADMIN */
        uint32_t cipher_mask;           /* bit N: suite N; 0 => 3, 8, 12, 17 */
        unsigned quirks;                /* TBMC_Q_* */
        tbmc_rakp3_active rakp3_active;
} tbmc_config;

/* One request the BMC took in, in order (the last 64 are kept). */
typedef struct tbmc_seen {
        tbmc_kind kind;
        uint32_t session_id;            /* header session ID (BMC's) or 0 */
        uint32_t seq;                   /* session sequence number, 0 in set-up */
        uint8_t rq_seq;                 /* in-session requests */
        uint8_t tag;                    /* set-up messages */
        uint32_t console_session_id;    /* Open Session */
} tbmc_seen;

typedef struct tbmc_counts {
        unsigned received[_TBMC_KIND_MAX];      /* requests taken in */
        unsigned replied[_TBMC_KIND_MAX];       /* replies built (faults included) */
        unsigned sent;                          /* datagrams put in the queue */
        unsigned diag_interrupts;               /* Chassis Control 04h */
        unsigned power_commands;                /* other Chassis Control */
        unsigned ignored;                       /* undecodable, unknown session, bad code */
        unsigned sessions_activated;
        unsigned sessions_closed;
} tbmc_counts;

tbmc *tbmc_new(const tbmc_config *c);
tbmc *tbmc_free(tbmc *b);

/* The nth (from 1) reply of this kind gets the fault; nth 0: every one. */
void tbmc_add_fault(tbmc *b, tbmc_kind kind, unsigned nth, tbmc_fault f, uint8_t arg);

/* A datagram from the console. */
void tbmc_input(tbmc *b, const uint8_t *pkt, size_t len);
/* The next reply datagram: its length, 0 when none is queued. */
size_t tbmc_take(tbmc *b, uint8_t *buf, size_t cap);
/* Queues the held replies (TBMC_HOLD) behind what is queued; how many. */
unsigned tbmc_release_held(tbmc *b);

const tbmc_counts *tbmc_get_counts(const tbmc *b);
/* i-th request taken in (0 = oldest kept); false past the end. */
bool tbmc_get_seen(const tbmc *b, unsigned i, tbmc_seen *ret);
unsigned tbmc_seen_count(const tbmc *b);
bool tbmc_session_active(const tbmc *b);
const char *tbmc_kind_str(tbmc_kind k);
