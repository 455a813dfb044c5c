/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The libconfig file, parsed once into typed structs and range-checked.
 * Errors come back as "FILE:LINE: what is wrong"; nothing is printed here.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fence-sm.h"
#include "nf-session.h"
#include "release-decision.h"

/* What `nmifence fence` (and nmifenced) does to the host: the `policy`
 * key.  Unset, it follows final_action: dump-off when that is off, else
 * dump-cycle.  `nmifence dump` ignores it: it always dumps. */
typedef enum nf_policy {
        NF_POLICY_DEFAULT,              /* not set */
        NF_POLICY_DUMP_CYCLE,           /* NMI, wait for the dump, power cycle */
        NF_POLICY_DUMP_OFF,             /* NMI, wait for the dump, power off */
        NF_POLICY_CYCLE,                /* power cycle only, no NMI */
        NF_POLICY_ALERT,                /* never fence: report only */
        _NF_POLICY_MAX,
} nf_policy;

typedef struct nf_host_conf {
        char *name;
        char *bmc;                      /* address or name */
        uint16_t port;
        char *user;
        char *password;                 /* secret: wiped on free */
        char *password_file;
        char *password_script;          /* run through /bin/sh; first line of its output */
        char *k_g;                      /* secret */
        uint8_t cipher_suite;
        char *cipher_origin;            /* "FILE:LINE" or the option that set it; NULL: built in */
        bool allow_insecure;            /* cipher suites without integrity/AES (docs/reliability.md) */
        nf_privilege privilege;
        unsigned workaround_flags;
        unsigned session_timeout_ms;
        unsigned retransmit_timeout_ms;
        nf_fence_params fence;
        uint16_t kdump_port;            /* fence_kdump listen port, 0 = off */
        char *kdump_addr;               /* listen address, NULL = any */
        char *kdump_sources;            /* comma separated IP addresses */
        nf_policy policy;
        /* When off/reboot report success (release-decision.h); capture
         * hands the rest to nmifenced at the release point. */
        nf_release_mode release;
        bool release_on_kdump;          /* fence_kdump messages alone may release */
        int line;                       /* where the host is defined, 0 if not from a file */
} nf_host_conf;

typedef struct nf_config {
        char *path;
        nf_host_conf defaults;
        nf_host_conf *hosts;
        size_t n_hosts;
} nf_config;

/* Built-in defaults (see conf/nmifence.conf.example). */
void nf_host_conf_defaults(nf_host_conf *ret);

/* Returns 0, or -EINVAL/-ENOENT/-ENOMEM with err filled in. */
int nf_config_load(const char *path, nf_config **ret, char *err, size_t errlen);
nf_config *nf_config_free(nf_config *c);

const nf_host_conf *nf_config_find_host(const nf_config *c, const char *name);

/* Deep copy / free of a host entry (secrets wiped). */
int nf_host_conf_copy(const nf_host_conf *src, nf_host_conf *ret);
void nf_host_conf_done(nf_host_conf *h);

/* Shared parsers for option and config values; false on bad input. */
bool nf_parse_seconds_ms(const char *s, uint64_t min_ms, uint64_t max_ms, uint64_t *ret);
bool nf_parse_privilege(const char *s, nf_privilege *ret);
/* "7410", "192.0.2.1:7410" or "[2001:db8::1]:7410"; port 0 = off.
 * *ret_addr is replaced (freed) by the address or NULL. */
bool nf_parse_kdump_listen(const char *s, char **ret_addr, uint16_t *ret_port);
bool nf_parse_final_action(const char *s, nf_final_action *ret);
bool nf_parse_no_panic_policy(const char *s, nf_no_panic_policy *ret);
bool nf_parse_policy(const char *s, nf_policy *ret);
/* release=capture needs this operation's NMI: NULL when the entry's
 * settings allow it, else why not ("policy \"cycle\" is power only ..."). */
const char *nf_host_release_conflict(const nf_host_conf *h);
const char *nf_policy_str(nf_policy p);
/* The effective policy of an entry (NF_POLICY_DEFAULT resolved). */
nf_policy nf_host_policy(const nf_host_conf *h);
const char *nf_privilege_str(nf_privilege p);

/* RMCP+ cipher suites with authentication, integrity and AES-CBC-128
 * confidentiality (IPMI 2.0 table 22-20: 3, 8, 12, 17) are secure; NULL
 * for those, else what the suite lacks. */
const char *nf_cipher_suite_weakness(uint8_t id);

/* Refuses an insecure cipher suite unless allow_insecure: -EPERM with err
 * naming the setting and where it was set ("FILE:LINE: cipher_suite = 0
 * ..." or "--cipher 0 ...").  When allowed, 0 and *ret_warning (may be
 * NULL) set to a warning the caller prints. */
int nf_host_conf_check_security(const nf_host_conf *h, const char *allow_how, char *err, size_t errlen,
                                bool *ret_warning);
