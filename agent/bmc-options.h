/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The BMC options every nmifence command shares (dump, fence, status):
 * where the host entry comes from (-c FILE, or --bmc for an unlisted host),
 * how to log in (-p -U -C -L -W --password-*, --allow-insecure) and the
 * per-request bound (--session-timeout, --retransmit-timeout).  Options
 * are collected as strings while getopt runs and applied over the
 * configuration entry afterwards, so the command line always wins.
 *
 * Nothing here prints: errors come back as -errno with a message in err
 * ("--port '70000': must be 1..65535").  The caller prints it and exits
 * NF_EXIT_USAGE.
 */

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "password.h"

#define NF_DEFAULT_CONFIG "/etc/nmifence/nmifence.conf"

typedef struct nf_bmc_options {
        const char *config, *bmc, *port, *user, *cipher, *privilege, *workarounds;
        const char *password_file, *password_env, *password_script;
        const char *session_timeout, *retransmit_timeout;
        bool allow_insecure;
} nf_bmc_options;

/* getopt values of the long-only options; a command's own start above. */
enum {
        NF_BMC_OPT_PASSWORD_FILE = 0x1000,
        NF_BMC_OPT_PASSWORD_ENV,
        NF_BMC_OPT_PASSWORD_SCRIPT,
        NF_BMC_OPT_ALLOW_INSECURE,
        NF_BMC_OPT_SESSION_TIMEOUT,
        NF_BMC_OPT_RETRANSMIT_TIMEOUT,
        NF_BMC_OPT_COMMAND_BASE = 0x1100,
};

#define NF_BMC_SHORT_OPTIONS "c:H:p:U:C:L:W:"

/* The entries to put in a command's struct option table. */
#define NF_BMC_LONG_OPTIONS                                                                       \
        { "config", required_argument, NULL, 'c' },                                               \
        { "bmc", required_argument, NULL, 'H' },                                                  \
        { "port", required_argument, NULL, 'p' },                                                 \
        { "user", required_argument, NULL, 'U' },                                                 \
        { "password-file", required_argument, NULL, NF_BMC_OPT_PASSWORD_FILE },                   \
        { "password-env", required_argument, NULL, NF_BMC_OPT_PASSWORD_ENV },                     \
        { "password-script", required_argument, NULL, NF_BMC_OPT_PASSWORD_SCRIPT },               \
        { "allow-insecure", no_argument, NULL, NF_BMC_OPT_ALLOW_INSECURE },                       \
        { "cipher", required_argument, NULL, 'C' },                                               \
        { "privilege", required_argument, NULL, 'L' },                                            \
        { "workarounds", required_argument, NULL, 'W' },                                          \
        { "session-timeout", required_argument, NULL, NF_BMC_OPT_SESSION_TIMEOUT },               \
        { "retransmit-timeout", required_argument, NULL, NF_BMC_OPT_RETRANSMIT_TIMEOUT }

/* Takes getopt's result c (with optarg) when it is one of ours. */
bool nf_bmc_options_take(nf_bmc_options *o, int c, const char *arg);

/* Loads -c FILE, or the default configuration unless --bmc alone names
 * the BMC (then *ret is NULL).  -EINVAL/-ENOENT with "FILE:LINE: ..." */
int nf_bmc_options_load_config(const nf_bmc_options *o, nf_config **ret, char *err, size_t errlen);

/* The entry for host: the configuration's, or with --bmc the defaults
 * plus that address, then every command-line option over it, range
 * checked, and the cipher suite's security.  On success *ret is owned by
 * the caller (nf_host_conf_done) and *ret_warning says err holds a
 * warning to print (an insecure suite allowed).  -ENOENT when host is
 * not in the configuration. */
int nf_bmc_options_host(const nf_bmc_options *o, const nf_config *cfg, const char *host, nf_host_conf *ret,
                        bool *ret_warning, char *err, size_t errlen);

/* The command-line options over an existing entry (also used per host of
 * a fleet). */
int nf_bmc_options_apply(const nf_bmc_options *o, nf_host_conf *h, bool *ret_warning, char *err, size_t errlen);

/* The password for h by the order of password.h; may prompt on a terminal. */
int nf_bmc_options_password(const nf_bmc_options *o, const nf_host_conf *h, char **ret,
                            nf_password_source *ret_source, char *err, size_t errlen);
