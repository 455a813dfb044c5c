/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <errno.h>
#include <libconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon-config.h"

void nf_daemon_conf_defaults(nf_daemon_conf *ret) {
        *ret = (nf_daemon_conf) {
                .poll_interval_ms = 5000,
                .grace_ms = 30000,
                .bmc_lost_after_ms = 60000,
                .dump_stall_ms = 300000,
                .max_fences = 2,
                .fence_window_ms = 3600000,
                .probe_port = 0,
                .probe_interval_ms = 10000,
                .probe_timeout_ms = 3000,
                .probe_failures = 3,
                .fanout = 32,
        };
}

void nf_daemon_conf_done(nf_daemon_conf *c) {
        if (!c)
                return;
        free(c->control_socket);
        free(c->state_dir);
        c->control_socket = c->state_dir = NULL;
}

typedef struct ctx {
        const char *path;
        char *err;
        size_t errlen;
} ctx;

static int perr(ctx *p, const config_setting_t *s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int perr(ctx *p, const config_setting_t *s, const char *fmt, ...) {
        va_list ap;
        int n = snprintf(p->err, p->errlen, "%s:%d: ", p->path, s ? config_setting_source_line(s) : 0);

        if (n < 0 || (size_t) n >= p->errlen)
                return -EINVAL;
        va_start(ap, fmt);
        vsnprintf(p->err + n, p->errlen - (size_t) n, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

typedef enum kind { K_SECONDS, K_UINT, K_PATH } kind;

static const struct key {
        const char *name;
        kind kind;
        size_t offset;
        double min, max;                /* seconds or integer bounds */
} keys[] = {
#define O(f) offsetof(nf_daemon_conf, f)
        { "poll_interval", K_SECONDS, O(poll_interval_ms), 0.1, 3600 },
        { "grace", K_SECONDS, O(grace_ms), 0, 86400 },
        { "bmc_lost_after", K_SECONDS, O(bmc_lost_after_ms), 1, 86400 },
        { "dump_stall", K_SECONDS, O(dump_stall_ms), 1, 86400 },
        { "max_fences", K_UINT, O(max_fences), 0, 64 },
        { "fence_window", K_SECONDS, O(fence_window_ms), 1, 7 * 86400 },
        { "probe_port", K_UINT, O(probe_port), 0, 65535 },
        { "probe_interval", K_SECONDS, O(probe_interval_ms), 0.1, 3600 },
        { "probe_timeout", K_SECONDS, O(probe_timeout_ms), 0.1, 60 },
        { "probe_failures", K_UINT, O(probe_failures), 1, 100 },
        { "fanout", K_UINT, O(fanout), 1, 1024 },
        { "control_socket", K_PATH, O(control_socket), 0, 0 },
        { "state_dir", K_PATH, O(state_dir), 0, 0 },
#undef O
};

static int apply(ctx *p, const config_setting_t *s, const struct key *k, nf_daemon_conf *c) {
        char *base = (char *) c + k->offset;
        double v;

        switch (k->kind) {
        case K_PATH: {
                const char *str = config_setting_get_string(s);
                char **dst = (char **) base;

                if (!str || str[0] != '/')
                        return perr(p, s, "%s must be an absolute path in quotes", k->name);
                free(*dst);
                if (!(*dst = strdup(str)))
                        return -ENOMEM;
                return 0;
        }
        case K_UINT:
                if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64)
                        return perr(p, s, "%s must be an integer", k->name);
                v = (double) config_setting_get_int64(s);
                if (v < k->min || v > k->max)
                        return perr(p, s, "%s must be between %.0f and %.0f (got %.0f)", k->name, k->min, k->max, v);
                if (k->offset == offsetof(nf_daemon_conf, probe_port))
                        *(uint16_t *) base = (uint16_t) v;
                else
                        *(unsigned *) base = (unsigned) v;
                return 0;
        case K_SECONDS:
                if (config_setting_type(s) == CONFIG_TYPE_FLOAT)
                        v = config_setting_get_float(s);
                else if (config_setting_type(s) == CONFIG_TYPE_INT || config_setting_type(s) == CONFIG_TYPE_INT64)
                        v = (double) config_setting_get_int64(s);
                else
                        return perr(p, s, "%s must be a number of seconds", k->name);
                if (!isfinite(v) || v < k->min || v > k->max)
                        return perr(p, s, "%s must be between %g and %g seconds (got %g)", k->name, k->min, k->max, v);
                *(uint64_t *) base = (uint64_t) llround(v * 1000.0);
                return 0;
        }
        return -EINVAL;
}

int nf_daemon_conf_load(const char *path, nf_daemon_conf *ret, char *err, size_t errlen) {
        ctx p = { .path = path, .err = err, .errlen = errlen };
        nf_daemon_conf c;
        config_t cfg;
        const config_setting_t *g;
        int r = 0;

        if (!path || !ret || !err)
                return -EINVAL;
        nf_daemon_conf_defaults(&c);
        config_init(&cfg);
        if (!config_read_file(&cfg, path)) {
                if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO) {
                        snprintf(err, errlen, "%s: cannot read the configuration", path);
                        r = -ENOENT;
                } else {
                        snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&cfg), config_error_text(&cfg));
                        r = -EINVAL;
                }
                goto out;
        }
        g = config_lookup(&cfg, "daemon");
        if (g) {
                if (!config_setting_is_group(g)) {
                        r = perr(&p, g, "daemon must be a group { ... }");
                        goto out;
                }
                for (int i = 0; i < config_setting_length(g); i++) {
                        const config_setting_t *s = config_setting_get_elem(g, (unsigned) i);
                        const char *name = config_setting_name(s);
                        size_t k;

                        for (k = 0; k < sizeof keys / sizeof keys[0]; k++)
                                if (name && !strcmp(name, keys[k].name))
                                        break;
                        if (k == sizeof keys / sizeof keys[0]) {
                                r = perr(&p, s, "unknown daemon setting '%s'", name ? name : "?");
                                goto out;
                        }
                        if ((r = apply(&p, s, &keys[k], &c)) < 0)
                                goto out;
                }
                if (c.probe_port && c.probe_timeout_ms >= c.probe_interval_ms) {
                        r = perr(&p, g, "probe_timeout must be shorter than probe_interval");
                        goto out;
                }
        }
        if (!c.control_socket && !(c.control_socket = strdup(NF_DAEMON_CONTROL_SOCKET)))
                r = -ENOMEM;
out:
        config_destroy(&cfg);
        if (r < 0)
                nf_daemon_conf_done(&c);
        else
                *ret = c;
        return r;
}
