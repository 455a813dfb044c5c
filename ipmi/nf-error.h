/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Typed errors of the ipmi/ library.  Library code never prints: it returns
 * a status and fills an nf_error, which keeps the IPMI completion code and
 * the command it belonged to all the way up to the agent, which words it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum nf_status {
        NF_OK = 0,
        NF_E_INVALID_ARG,      /* caller passed something unusable */
        NF_E_NOMEM,
        NF_E_TIMEOUT,          /* no answer within the session timeout: BMC unreachable */
        NF_E_USERNAME,         /* BMC rejected the user name */
        NF_E_PASSWORD,         /* BMC rejected the password (or K_g) */
        NF_E_KG,               /* K_g invalid */
        NF_E_PRIVILEGE,        /* requested privilege level cannot be obtained */
        NF_E_CIPHER,           /* cipher suite not supported by the BMC */
        NF_E_AUTH,             /* other authentication/session setup failure */
        NF_E_BMC_BUSY,
        NF_E_SESSION_LOST,     /* established session no longer answers */
        NF_E_COMPLETION,       /* BMC answered with a non-zero completion code */
        NF_E_SHORT_RESPONSE,   /* response shorter than the command defines */
        NF_E_DEVICE,           /* local IPMI device (/dev/ipmi0) unusable; see sys_errno */
        NF_E_IO,               /* other I/O error; see sys_errno */
        NF_E_NOT_FOUND,        /* e.g. SEL record id not present */
        NF_E_INTERNAL,
        /* Of a request sent at most once (nf_session_raw_once): */
        NF_E_REPLY_LOST,       /* sent once, no reply: it may have been carried out */
        NF_E_NOT_SENT,         /* never sent (its session could not be set up) */
        /* Appended: persisted operations store the number. */
        NF_E_REFUSED,          /* ICMP port unreachable: nothing listens on the BMC's port */
        _NF_STATUS_MAX,
} nf_status;

typedef struct nf_error {
        nf_status status;
        uint8_t netfn;         /* request that failed, 0 if not command related */
        uint8_t cmd;
        uint8_t cc;            /* completion code when status == NF_E_COMPLETION */
        int sys_errno;         /* errno when status is NF_E_DEVICE / NF_E_IO */
        char detail[128];      /* library-provided detail, e.g. freeipmi's message */
} nf_error;

/* "authentication failed: password invalid", never NULL. */
const char *nf_status_str(nf_status s);

/* A refusal of the credentials (user, password, K_g, privilege, cipher,
 * other session set-up refusal): asking again will not help. */
bool nf_status_is_auth(nf_status s);

/* Generic IPMI completion code text (IPMI 2.0 table 5-2), never NULL. */
const char *nf_cc_str(uint8_t cc);

/* Name of a request, e.g. "Chassis Control"; "netfn 0xNN cmd 0xNN" style
 * names are produced by nf_error_format for unknown ones. */
const char *nf_cmd_name(uint8_t netfn, uint8_t cmd);

/* Format for an operator, e.g.
 *   "Chassis Control: completion code 0xCC (invalid data field in request)".
 * Returns buf. */
char *nf_error_format(const nf_error *e, char *buf, size_t len);

/* Helpers used inside the library to fill an nf_error. */
void nf_error_clear(nf_error *e);
nf_status nf_error_set(nf_error *e, nf_status s, uint8_t netfn, uint8_t cmd, const char *detail);
nf_status nf_error_set_cc(nf_error *e, uint8_t netfn, uint8_t cmd, uint8_t cc);
nf_status nf_error_set_errno(nf_error *e, nf_status s, int err, const char *detail);
