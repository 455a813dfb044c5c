/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bmc-options.h"

bool nf_bmc_options_take(nf_bmc_options *o, int c, const char *arg) {
        switch (c) {
        case 'c': o->config = arg; return true;
        case 'H': o->bmc = arg; return true;
        case 'p': o->port = arg; return true;
        case 'U': o->user = arg; return true;
        case 'C': o->cipher = arg; return true;
        case 'L': o->privilege = arg; return true;
        case 'W': o->workarounds = arg; return true;
        case NF_BMC_OPT_PASSWORD_FILE: o->password_file = arg; return true;
        case NF_BMC_OPT_PASSWORD_ENV: o->password_env = arg; return true;
        case NF_BMC_OPT_PASSWORD_SCRIPT: o->password_script = arg; return true;
        case NF_BMC_OPT_ALLOW_INSECURE: o->allow_insecure = true; return true;
        case NF_BMC_OPT_SESSION_TIMEOUT: o->session_timeout = arg; return true;
        case NF_BMC_OPT_RETRANSMIT_TIMEOUT: o->retransmit_timeout = arg; return true;
        default: return false;
        }
}

int nf_bmc_options_load_config(const nf_bmc_options *o, nf_config **ret, char *err, size_t errlen) {
        *ret = NULL;
        if (!o->config && o->bmc)
                return 0;
        return nf_config_load(o->config ? o->config : NF_DEFAULT_CONFIG, ret, err, errlen);
}

static int bad(char *err, size_t errlen, const char *opt, const char *val, const char *want) {
        snprintf(err, errlen, "%s '%s': %s", opt, val, want);
        return -EINVAL;
}

static int dup_into(char **field, const char *value) {
        char *s = strdup(value);

        if (!s)
                return -ENOMEM;
        free(*field);
        *field = s;
        return 0;
}

int nf_bmc_options_apply(const nf_bmc_options *o, nf_host_conf *h, bool *ret_warning, char *err, size_t errlen) {
        uint64_t ms;
        int r;

        *ret_warning = false;
        if (o->port) {
                char *end;
                unsigned long v = strtoul(o->port, &end, 10);
                if (*end || v < 1 || v > 65535)
                        return bad(err, errlen, "--port", o->port, "must be 1..65535");
                h->port = (uint16_t) v;
        }
        if (o->user && (r = dup_into(&h->user, o->user)) < 0)
                return r;
        if (o->cipher) {
                char *end;
                unsigned long v = strtoul(o->cipher, &end, 10);
                if (*end || v > 17)
                        return bad(err, errlen, "--cipher", o->cipher, "must be 0..17");
                h->cipher_suite = (uint8_t) v;
                if ((r = dup_into(&h->cipher_origin, "--cipher")) < 0)
                        return r;
        }
        if (o->allow_insecure)
                h->allow_insecure = true;
        if (nf_host_conf_check_security(h, "--allow-insecure or allow_insecure = true", err, errlen, ret_warning) < 0)
                return -EPERM;
        if (o->privilege && !nf_parse_privilege(o->privilege, &h->privilege))
                return bad(err, errlen, "--privilege", o->privilege, "must be user, operator or admin");
        if (o->workarounds) {
                const char *b = NULL;
                size_t b_len = 0;
                if (nf_workarounds_parse(o->workarounds, &h->workaround_flags, &b, &b_len) != NF_OK) {
                        snprintf(err, errlen, "--workarounds: unknown workaround '%.*s'", (int) b_len, b ? b : "");
                        return -EINVAL;
                }
        }
        if (o->session_timeout) {
                if (!nf_parse_seconds_ms(o->session_timeout, 500, 600000, &ms))
                        return bad(err, errlen, "--session-timeout", o->session_timeout,
                                   "must be seconds between 0.5 and 600");
                h->session_timeout_ms = (unsigned) ms;
                /* freeipmi wants the per-packet timeout below the session
                 * one; a shorter session alone shortens it too. */
                if (!o->retransmit_timeout && h->retransmit_timeout_ms > h->session_timeout_ms)
                        h->retransmit_timeout_ms = h->session_timeout_ms;
        }
        if (o->retransmit_timeout) {
                if (!nf_parse_seconds_ms(o->retransmit_timeout, 100, 60000, &ms))
                        return bad(err, errlen, "--retransmit-timeout", o->retransmit_timeout,
                                   "must be seconds between 0.1 and 60");
                h->retransmit_timeout_ms = (unsigned) ms;
        }
        if (h->retransmit_timeout_ms > h->session_timeout_ms) {
                snprintf(err, errlen, "the retransmit timeout must not exceed the session timeout");
                return -EINVAL;
        }
        return 0;
}

int nf_bmc_options_host(const nf_bmc_options *o, const nf_config *cfg, const char *host, nf_host_conf *ret,
                        bool *ret_warning, char *err, size_t errlen) {
        nf_host_conf h = {};
        int r;

        *ret_warning = false;
        if (cfg && !o->bmc) {
                const nf_host_conf *e = nf_config_find_host(cfg, host);
                if (!e) {
                        snprintf(err, errlen, "host '%s' is not in %s (use --bmc for an unlisted host)", host,
                                 cfg->path);
                        return -ENOENT;
                }
                if (nf_host_conf_copy(e, &h) < 0)
                        goto oom;
        } else {
                if (cfg) {
                        if (nf_host_conf_copy(&cfg->defaults, &h) < 0)
                                goto oom;
                } else
                        nf_host_conf_defaults(&h);
                if (dup_into(&h.name, host) < 0 || dup_into(&h.bmc, o->bmc) < 0)
                        goto oom;
        }
        r = nf_bmc_options_apply(o, &h, ret_warning, err, errlen);
        if (r < 0) {
                if (r == -ENOMEM)
                        snprintf(err, errlen, "out of memory");
                nf_host_conf_done(&h);
                return r;
        }
        *ret = h;
        return 0;

oom:
        nf_host_conf_done(&h);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
}

int nf_bmc_options_password(const nf_bmc_options *o, const nf_host_conf *h, char **ret,
                            nf_password_source *ret_source, char *err, size_t errlen) {
        return nf_password_resolve(h, o->password_file, o->password_script, o->password_env, isatty(STDIN_FILENO),
                                   ret, ret_source, err, errlen);
}
