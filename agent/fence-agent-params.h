/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * fence_nmi's parameters, as the fence-agents API passes them: `key=value`
 * lines on stdin (what Pacemaker does), or fence_ipmilan-style options on
 * argv.  One table describes every parameter; the parsers, the validation
 * and the metadata XML (fence-agent-metadata.c) all read it, so a parameter
 * cannot be accepted without being documented or the other way round.
 *
 * Parsing collects raw strings; nf_fa_conf_build() checks every value and
 * turns them into an nf_host_conf plus the agent's own settings.  Nothing
 * here touches a BMC.  Warnings (unknown keys, a password on argv) go to
 * the FILE the caller passes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"

typedef enum nf_fa_key {
        NF_FA_ACTION,
        NF_FA_IP,
        NF_FA_IPPORT,
        NF_FA_USERNAME,
        NF_FA_PASSWORD,
        NF_FA_PASSWORD_SCRIPT,
        NF_FA_LANPLUS,
        NF_FA_CIPHER,
        NF_FA_ALLOW_INSECURE,
        NF_FA_PRIVLVL,
        NF_FA_IPMI_WORKAROUNDS,
        NF_FA_PLUG,
        NF_FA_NODENAME,
        NF_FA_METHOD,
        NF_FA_POWER_TIMEOUT,
        NF_FA_POWER_WAIT,
        NF_FA_SESSION_TIMEOUT,
        NF_FA_RETRANSMIT_TIMEOUT,
        NF_FA_NMI_TIMEOUT,
        NF_FA_DUMP_STALL_TIMEOUT,
        NF_FA_DUMP_MAX_TIME,
        NF_FA_POLL_INTERVAL,
        NF_FA_NO_PANIC_POLICY,
        NF_FA_KDUMP_LISTEN,
        NF_FA_KDUMP_SOURCES,
        NF_FA_KDUMP_SILENCE_TIMEOUT,
        NF_FA_RELEASE,
        NF_FA_RELEASE_ON_KDUMP,
        NF_FA_DAEMON_SOCKET,
        NF_FA_CONFIG,
        NF_FA_VERBOSE,
        NF_FA_DEBUG_FILE,
        _NF_FA_KEY_MAX,
} nf_fa_key;

typedef enum nf_fa_type {
        NF_FA_T_STRING,
        NF_FA_T_INTEGER,
        NF_FA_T_SECOND,
        NF_FA_T_BOOLEAN,
        NF_FA_T_SELECT,
} nf_fa_type;

typedef struct nf_fa_param_desc {
        const char *name;               /* stdin key */
        const char *obsoletes;          /* fence_ipmilan's deprecated alias, or NULL */
        char short_opt;                 /* 0: none */
        const char *long_opt;           /* without "--" */
        const char *arg_name;           /* NULL: a flag (boolean) */
        nf_fa_type type;
        const char *def;                /* default, as shown in the metadata */
        const char *const *options;     /* NF_FA_T_SELECT: NULL-terminated */
        bool required;
        const char *shortdesc;
} nf_fa_param_desc;

extern const nf_fa_param_desc nf_fa_params[_NF_FA_KEY_MAX];

typedef enum nf_fa_action {
        NF_FA_ACT_OFF,
        NF_FA_ACT_ON,
        NF_FA_ACT_REBOOT,
        NF_FA_ACT_STATUS,
        NF_FA_ACT_MONITOR,
        NF_FA_ACT_LIST,
        NF_FA_ACT_METADATA,
        NF_FA_ACT_VALIDATE_ALL,
        NF_FA_ACT_DIAG,
        _NF_FA_ACT_MAX,
} nf_fa_action;

typedef struct nf_fa_action_desc {
        const char *name;
        const char *automatic;          /* metadata attribute, or NULL */
        const char *timeout;            /* recommended timeout, for the docs */
} nf_fa_action_desc;

extern const nf_fa_action_desc nf_fa_actions[_NF_FA_ACT_MAX];

/* "off", also the fence-agents aliases "enable"/"disable"; false if unknown. */
bool nf_fa_parse_action(const char *s, nf_fa_action *ret);

/* Raw values as given; the last one of a key wins. */
typedef struct nf_fa_raw {
        char *value[_NF_FA_KEY_MAX];
        char where[_NF_FA_KEY_MAX][32];         /* "stdin line 3", "--ip" */
        unsigned verbose_count;
        bool help, version;
} nf_fa_raw;

/* Reads key=value lines: '#' comments and blank lines skipped, unknown keys
 * and lines without '=' warned about on warn, never fatal.  Returns 0 or
 * -ENOMEM. */
int nf_fa_raw_parse_stdin(nf_fa_raw *raw, FILE *in, FILE *warn);

/* getopt_long over argv.  A password given there is warned about and then
 * overwritten in place in argv, so /proc/PID/cmdline no longer shows it
 * once parsing is done (it was visible until then).  Returns 0, or -EINVAL
 * (err says why: an unknown option or a missing argument), or -ENOMEM. */
int nf_fa_raw_parse_argv(nf_fa_raw *raw, int argc, char **argv, FILE *warn, char *err, size_t errlen);

/* Frees the strings (the password wiped); the struct can be parsed into again. */
void nf_fa_raw_done(nf_fa_raw *raw);

/* Everything fence_nmi needs, checked. */
typedef struct nf_fa_conf {
        nf_fa_action action;
        nf_host_conf host;              /* name: plug, else nodename, else ip */
        char *password;                 /* secret, wiped */
        const char *password_source;    /* for --verbose */
        char *plug, *nodename, *debug_file;
        bool verbose;
        bool method_cycle;              /* accepted; see docs/pacemaker.md */
        uint64_t power_wait_ms;
        /* fence_kdump evidence, resolved: the parameters, else the
         * configuration's host entry, else off; kdump_listen defaults to
         * 7410 when sources are known (fence_nmi(8)).  port 0 = off. */
        uint16_t kdump_port;
        char *kdump_addr;               /* bind address; NULL: any IPv4 */
        char *kdump_sources;
        uint64_t kdump_silence_ms;      /* 0 = off */
        /* The release point: the parameters over the configuration's host
         * entry (host.release, host.release_on_kdump); nmifenced's socket. */
        char *daemon_socket;
} nf_fa_conf;

#define NF_FA_KDUMP_PORT_DEFAULT 7410
#define NF_FA_KDUMP_SILENCE_MS_DEFAULT 60000

/* Checks every value (ranges, names), loads the optional configuration
 * file for defaults (a host entry named like plug or nodename is used
 * when present), runs password_script, and fills *ret.  Returns 0, or
 * -EINVAL/-ENOENT/-ENOMEM/... with err naming the parameter and the
 * problem. */
int nf_fa_conf_build(const nf_fa_raw *raw, nf_fa_conf *ret, FILE *warn, char *err, size_t errlen);
void nf_fa_conf_done(nf_fa_conf *c);
