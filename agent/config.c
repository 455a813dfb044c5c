/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <errno.h>
#include <libconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>

#include "config.h"
#include "kdump-listener.h"
#include "nf-session.h"

typedef enum key_kind {
        K_STRING,               /* char * */
        K_SECRET,               /* char *, wiped */
        K_PORT,
        K_CIPHER,
        K_PRIVILEGE,
        K_WORKAROUNDS,
        K_MS_UINT,              /* unsigned, seconds in the file */
        K_MS_U64,               /* uint64_t, seconds in the file */
        K_FINAL_ACTION,
        K_NO_PANIC,
        K_POLICY,
        K_KDUMP_LISTEN,         /* port, or "ADDRESS:PORT" */
        K_KDUMP_SOURCES,
        K_BOOL,
        K_RELEASE,
        K_YES_NO,               /* true/false, or "yes"/"no" */
} key_kind;

typedef struct key_desc {
        const char *name;
        key_kind kind;
        size_t offset;
        uint64_t min_ms, max_ms;
        bool host_only;
} key_desc;

#define H(f) offsetof(nf_host_conf, f)
#define F(f) (offsetof(nf_host_conf, fence) + offsetof(nf_fence_params, f))

static const key_desc keys[] = {
        { "name", K_STRING, H(name), 0, 0, true },
        { "bmc", K_STRING, H(bmc), 0, 0, true },
        { "port", K_PORT, H(port), 0, 0, false },
        { "user", K_STRING, H(user), 0, 0, false },
        { "password", K_SECRET, H(password), 0, 0, false },
        { "password_file", K_STRING, H(password_file), 0, 0, false },
        { "password_script", K_STRING, H(password_script), 0, 0, false },
        { "allow_insecure", K_BOOL, H(allow_insecure), 0, 0, false },
        { "k_g", K_SECRET, H(k_g), 0, 0, false },
        { "cipher_suite", K_CIPHER, H(cipher_suite), 0, 0, false },
        { "privilege", K_PRIVILEGE, H(privilege), 0, 0, false },
        { "workarounds", K_WORKAROUNDS, H(workaround_flags), 0, 0, false },
        { "session_timeout", K_MS_UINT, H(session_timeout_ms), 500, 600000, false },
        { "retransmit_timeout", K_MS_UINT, H(retransmit_timeout_ms), 100, 60000, false },
        { "nmi_timeout", K_MS_U64, F(nmi_timeout_ms), 1000, 3600000, false },
        { "dump_stall_timeout", K_MS_U64, F(stall_timeout_ms), 1000, 86400000, false },
        { "dump_max_time", K_MS_U64, F(max_dump_ms), 1000, 7 * 86400000ULL, false },
        { "power_timeout", K_MS_U64, F(power_timeout_ms), 1000, 3600000, false },
        { "poll_interval", K_MS_U64, F(poll_interval_ms), 100, 60000, false },
        { "final_action", K_FINAL_ACTION, F(final_action), 0, 0, false },
        { "no_panic_policy", K_NO_PANIC, F(no_panic_policy), 0, 0, false },
        { "policy", K_POLICY, H(policy), 0, 0, false },
        { "kdump_listen", K_KDUMP_LISTEN, H(kdump_port), 0, 0, false },
        { "kdump_sources", K_KDUMP_SOURCES, H(kdump_sources), 0, 0, false },
        { "kdump_silence_timeout", K_MS_U64, F(kdump_silence_ms), 0, 86400000, false },
        { "release", K_RELEASE, H(release), 0, 0, false },
        { "release_on_kdump", K_YES_NO, H(release_on_kdump), 0, 0, false },
};

void nf_host_conf_defaults(nf_host_conf *ret) {
        *ret = (nf_host_conf) {
                .port = 623,
                .cipher_suite = 3,
                /* Chassis Control and the SEL need operator, never more. */
                .privilege = NF_PRIV_OPERATOR,
                .session_timeout_ms = 20000,
                .retransmit_timeout_ms = 1000,
                .fence = {
                        .nmi_timeout_ms = 60000,
                        .stall_timeout_ms = 120000,
                        .max_dump_ms = 3600000,
                        .power_timeout_ms = 60000,
                        .poll_interval_ms = 1000,
                        .final_action = NF_FINAL_CYCLE,
                        .no_panic_policy = NF_NO_PANIC_CYCLE,
                },
        };
}

static void wipe_free(char *s) {
        if (!s)
                return;
        explicit_bzero(s, strlen(s));
        free(s);
}

void nf_host_conf_done(nf_host_conf *h) {
        if (!h)
                return;
        free(h->name);
        free(h->bmc);
        free(h->user);
        wipe_free(h->password);
        free(h->password_file);
        free(h->password_script);
        wipe_free(h->k_g);
        free(h->cipher_origin);
        free(h->kdump_addr);
        free(h->kdump_sources);
        h->name = h->bmc = h->user = h->password = h->password_file = h->k_g = NULL;
        h->password_script = h->cipher_origin = NULL;
        h->kdump_addr = h->kdump_sources = NULL;
}

static int dup_str(char **dst, const char *src) {
        *dst = NULL;
        if (!src)
                return 0;
        *dst = strdup(src);
        return *dst ? 0 : -ENOMEM;
}

int nf_host_conf_copy(const nf_host_conf *src, nf_host_conf *ret) {
        nf_host_conf h = *src;

        if (dup_str(&h.name, src->name) < 0 || dup_str(&h.bmc, src->bmc) < 0 || dup_str(&h.user, src->user) < 0 ||
            dup_str(&h.password, src->password) < 0 || dup_str(&h.password_file, src->password_file) < 0 ||
            dup_str(&h.password_script, src->password_script) < 0 ||
            dup_str(&h.cipher_origin, src->cipher_origin) < 0 ||
            dup_str(&h.k_g, src->k_g) < 0 || dup_str(&h.kdump_addr, src->kdump_addr) < 0 ||
            dup_str(&h.kdump_sources, src->kdump_sources) < 0) {
                nf_host_conf_done(&h);
                return -ENOMEM;
        }
        *ret = h;
        return 0;
}

bool nf_parse_seconds_ms(const char *s, uint64_t min_ms, uint64_t max_ms, uint64_t *ret) {
        char *end;
        double v;

        if (!s || !*s)
                return false;
        errno = 0;
        v = strtod(s, &end);
        if (errno || end == s || *end || !isfinite(v) || v < 0)
                return false;
        v *= 1000.0;
        if (v < (double) min_ms || v > (double) max_ms)
                return false;
        *ret = (uint64_t) llround(v);
        return true;
}

bool nf_parse_kdump_listen(const char *s, char **ret_addr, uint16_t *ret_port) {
        const char *colon, *num;
        char *end, *addr = NULL;
        unsigned long v;

        if (!s || !*s)
                return false;
        colon = strrchr(s, ':');
        num = colon ? colon + 1 : s;
        if (*num < '0' || *num > '9')
                return false;
        errno = 0;
        v = strtoul(num, &end, 10);
        if (errno || *end || v > 65535)
                return false;
        if (colon) {
                struct in6_addr a6;
                struct in_addr a4;
                /* "[2001:db8::1]:7410" or "192.0.2.1:7410" */
                const char *b = s, *e = colon;
                if (*b == '[' && e > b && e[-1] == ']') {
                        b++;
                        e--;
                }
                addr = strndup(b, (size_t) (e - b));
                if (!addr)
                        return false;
                if (inet_pton(AF_INET, addr, &a4) != 1 && inet_pton(AF_INET6, addr, &a6) != 1) {
                        free(addr);
                        return false;
                }
        }
        free(*ret_addr);
        *ret_addr = addr;
        *ret_port = (uint16_t) v;
        return true;
}

bool nf_parse_privilege(const char *s, nf_privilege *ret) {
        if (!s)
                return false;
        if (!strcasecmp(s, "user"))
                *ret = NF_PRIV_USER;
        else if (!strcasecmp(s, "operator"))
                *ret = NF_PRIV_OPERATOR;
        else if (!strcasecmp(s, "admin") || !strcasecmp(s, "administrator"))
                *ret = NF_PRIV_ADMIN;
        else
                return false;
        return true;
}

const char *nf_privilege_str(nf_privilege p) {
        switch (p) {
        case NF_PRIV_USER:
                return "user";
        case NF_PRIV_OPERATOR:
                return "operator";
        case NF_PRIV_ADMIN:
                return "admin";
        }
        return "invalid";
}

/* IPMI 2.0 table 22-20 (authentication / integrity / confidentiality):
 *   0 none/none/none      1 SHA1/none/none      2 SHA1/SHA1-96/none
 *   3 SHA1/SHA1-96/AES    4 SHA1/SHA1-96/RC4-128  5 SHA1/SHA1-96/RC4-40
 *   6 MD5/none/none       7 MD5/MD5-128/none    8 MD5/MD5-128/AES
 *   9,10 MD5/MD5-128/RC4  11 MD5/MD5/none        12 MD5/MD5/AES
 *   13,14 MD5/MD5/RC4     15 SHA256/none/none   16 SHA256/SHA256-128/none
 *   17 SHA256/SHA256-128/AES
 * Without integrity anyone on the path can inject a Chassis Control;
 * without confidentiality (or with xRC4, 40 or 128 bit) the session is
 * readable.  Only the AES suites are accepted by default. */
const char *nf_cipher_suite_weakness(uint8_t id) {
        switch (id) {
        case 3: case 8: case 12: case 17:
                return NULL;
        case 0:
                return "has no authentication, integrity or confidentiality";
        case 1: case 6: case 15:
                return "has no integrity and no confidentiality";
        case 2: case 7: case 11: case 16:
                return "has no confidentiality (cleartext)";
        case 4: case 5: case 9: case 10: case 13: case 14:
                return "uses the broken xRC4 cipher for confidentiality";
        default:
                return "is not an IPMI 2.0 cipher suite";
        }
}

int nf_host_conf_check_security(const nf_host_conf *h, const char *allow_how, char *err, size_t errlen,
                                bool *ret_warning) {
        const char *weak = nf_cipher_suite_weakness(h->cipher_suite);
        const char *origin = h->cipher_origin ? h->cipher_origin : "default";
        /* a file position reads "FILE:LINE: cipher_suite = N", an option "--cipher N" */
        bool in_file = strchr(origin, ':') != NULL;

        if (ret_warning)
                *ret_warning = false;
        if (!weak)
                return 0;
        snprintf(err, errlen, "%s%scipher_suite = %u %s; %s", in_file ? origin : "", in_file ? ": " : "",
                 (unsigned) h->cipher_suite, weak,
                 h->allow_insecure ? "allowed by allow_insecure"
                                   : "refused (use 3, 8, 12 or 17, or allow it explicitly with ");
        if (!h->allow_insecure) {
                size_t n = strlen(err);
                snprintf(err + n, errlen - n, "%s)", allow_how ? allow_how : "allow_insecure = true");
                if (!in_file && strcmp(origin, "default")) {
                        n = strlen(err);
                        snprintf(err + n, errlen - n, " [set by %s]", origin);
                }
                return -EPERM;
        }
        if (ret_warning)
                *ret_warning = true;
        return 0;
}

static const char *const policy_names[_NF_POLICY_MAX] = {
        [NF_POLICY_DEFAULT] = "default",
        [NF_POLICY_DUMP_CYCLE] = "dump-cycle",
        [NF_POLICY_DUMP_OFF] = "dump-off",
        [NF_POLICY_CYCLE] = "cycle",
        [NF_POLICY_ALERT] = "alert",
};

bool nf_parse_policy(const char *s, nf_policy *ret) {
        for (int i = NF_POLICY_DUMP_CYCLE; s && i < _NF_POLICY_MAX; i++)
                if (strcmp(s, policy_names[i]) == 0) {
                        *ret = (nf_policy) i;
                        return true;
                }
        return false;
}

nf_policy nf_host_policy(const nf_host_conf *h) {
        if (h->policy != NF_POLICY_DEFAULT)
                return h->policy;
        return h->fence.final_action == NF_FINAL_OFF ? NF_POLICY_DUMP_OFF : NF_POLICY_DUMP_CYCLE;
}

const char *nf_policy_str(nf_policy p) {
        return p < _NF_POLICY_MAX ? policy_names[p] : "invalid";
}

bool nf_parse_final_action(const char *s, nf_final_action *ret) {
        if (!s)
                return false;
        if (!strcmp(s, "cycle") || !strcmp(s, "reboot"))
                *ret = NF_FINAL_CYCLE;
        else if (!strcmp(s, "off"))
                *ret = NF_FINAL_OFF;
        else
                return false;
        return true;
}

bool nf_parse_no_panic_policy(const char *s, nf_no_panic_policy *ret) {
        if (!s)
                return false;
        if (!strcmp(s, "cycle") || !strcmp(s, "fence"))
                *ret = NF_NO_PANIC_CYCLE;
        else if (!strcmp(s, "leave"))
                *ret = NF_NO_PANIC_LEAVE;
        else
                return false;
        return true;
}

typedef struct parse_ctx {
        const char *path;
        char *err;
        size_t errlen;
} parse_ctx;

static int perr(parse_ctx *p, const config_setting_t *s, const char *fmt, ...) {
        va_list ap;
        int n;

        n = snprintf(p->err, p->errlen, "%s:%d: ", p->path, s ? config_setting_source_line(s) : 0);
        if (n < 0 || (size_t) n >= p->errlen)
                return -EINVAL;
        va_start(ap, fmt);
        vsnprintf(p->err + n, p->errlen - (size_t) n, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

static int get_seconds(parse_ctx *p, const config_setting_t *s, const key_desc *k, uint64_t *ret) {
        double v;

        switch (config_setting_type(s)) {
        case CONFIG_TYPE_INT:
        case CONFIG_TYPE_INT64:
                v = (double) config_setting_get_int64(s);
                break;
        case CONFIG_TYPE_FLOAT:
                v = config_setting_get_float(s);
                break;
        default:
                return perr(p, s, "%s must be a number of seconds", k->name);
        }
        v *= 1000.0;
        if (!isfinite(v) || v < (double) k->min_ms || v > (double) k->max_ms)
                return perr(p, s, "%s must be between %g and %g seconds (got %g)", k->name,
                            k->min_ms / 1000.0, k->max_ms / 1000.0, v / 1000.0);
        *ret = (uint64_t) llround(v);
        return 0;
}

static int apply_key(parse_ctx *p, const config_setting_t *s, const key_desc *k, nf_host_conf *h) {
        char *base = (char *) h + k->offset;
        const char *str = NULL;
        uint64_t ms;
        int r;

        if (k->kind == K_STRING || k->kind == K_SECRET || k->kind == K_PRIVILEGE || k->kind == K_WORKAROUNDS ||
            k->kind == K_FINAL_ACTION || k->kind == K_NO_PANIC || k->kind == K_POLICY || k->kind == K_KDUMP_SOURCES ||
            k->kind == K_RELEASE) {
                str = config_setting_get_string(s);
                if (!str)
                        return perr(p, s, "%s must be a string", k->name);
        }

        switch (k->kind) {
        case K_STRING:
        case K_SECRET: {
                char **dst = (char **) base;
                if (*dst) {
                        if (k->kind == K_SECRET)
                                wipe_free(*dst);
                        else
                                free(*dst);
                }
                *dst = strdup(str);
                return *dst ? 0 : -ENOMEM;
        }
        case K_PORT:
        case K_CIPHER: {
                if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64)
                        return perr(p, s, "%s must be an integer", k->name);
                long long v = config_setting_get_int64(s);
                if (k->kind == K_PORT) {
                        if (v < 1 || v > 65535)
                                return perr(p, s, "port must be between 1 and 65535 (got %lld)", v);
                        h->port = (uint16_t) v;
                } else {
                        if (v < 0 || v > 17)
                                return perr(p, s, "cipher_suite must be between 0 and 17 (got %lld)", v);
                        h->cipher_suite = (uint8_t) v;
                        free(h->cipher_origin);
                        if (asprintf(&h->cipher_origin, "%s:%d", p->path, config_setting_source_line(s)) < 0) {
                                h->cipher_origin = NULL;
                                return -ENOMEM;
                        }
                }
                return 0;
        }
        case K_PRIVILEGE:
                if (!nf_parse_privilege(str, &h->privilege))
                        return perr(p, s, "privilege must be user, operator or admin (got '%s')", str);
                return 0;
        case K_WORKAROUNDS: {
                const char *bad = NULL;
                size_t bad_len = 0;
                if (nf_workarounds_parse(str, &h->workaround_flags, &bad, &bad_len) != NF_OK)
                        return perr(p, s, "unknown freeipmi workaround '%.*s'", (int) bad_len, bad ? bad : "");
                return 0;
        }
        case K_MS_UINT:
                if ((r = get_seconds(p, s, k, &ms)) < 0)
                        return r;
                *(unsigned *) base = (unsigned) ms;
                return 0;
        case K_MS_U64:
                if ((r = get_seconds(p, s, k, &ms)) < 0)
                        return r;
                *(uint64_t *) base = ms;
                return 0;
        case K_FINAL_ACTION:
                if (!nf_parse_final_action(str, &h->fence.final_action))
                        return perr(p, s, "final_action must be cycle or off (got '%s')", str);
                return 0;
        case K_NO_PANIC:
                if (!nf_parse_no_panic_policy(str, &h->fence.no_panic_policy))
                        return perr(p, s, "no_panic_policy must be cycle or leave (got '%s')", str);
                return 0;
        case K_POLICY:
                if (!nf_parse_policy(str, &h->policy))
                        return perr(p, s, "policy must be dump-cycle, dump-off, cycle or alert (got '%s')", str);
                return 0;
        case K_KDUMP_LISTEN:
                if (config_setting_type(s) == CONFIG_TYPE_INT || config_setting_type(s) == CONFIG_TYPE_INT64) {
                        long long v = config_setting_get_int64(s);
                        if (v < 0 || v > 65535)
                                return perr(p, s, "kdump_listen must be a port 0..65535 (0 = off) (got %lld)", v);
                        h->kdump_port = (uint16_t) v;
                        free(h->kdump_addr);
                        h->kdump_addr = NULL;
                        return 0;
                }
                str = config_setting_get_string(s);
                if (!str || !nf_parse_kdump_listen(str, &h->kdump_addr, &h->kdump_port))
                        return perr(p, s, "kdump_listen must be a port or \"ADDRESS:PORT\" (got '%s')",
                                    str ? str : "not a string");
                return 0;
        case K_BOOL:
                if (config_setting_type(s) != CONFIG_TYPE_BOOL)
                        return perr(p, s, "%s must be true or false", k->name);
                *(bool *) base = config_setting_get_bool(s);
                return 0;
        case K_RELEASE:
                if (!nf_parse_release_mode(str, &h->release))
                        return perr(p, s, "release must be power or capture (got '%s')", str);
                return 0;
        case K_YES_NO:
                if (config_setting_type(s) == CONFIG_TYPE_BOOL) {
                        *(bool *) base = config_setting_get_bool(s);
                        return 0;
                }
                str = config_setting_get_string(s);
                if (str && (!strcmp(str, "yes") || !strcmp(str, "no"))) {
                        *(bool *) base = !strcmp(str, "yes");
                        return 0;
                }
                return perr(p, s, "%s must be yes or no (or true/false) (got '%s')", k->name,
                            str ? str : "not a string");
        case K_KDUMP_SOURCES: {
                nf_kdump_sources srcs;
                char why[160];
                if (nf_kdump_sources_parse(str, &srcs, why, sizeof why) < 0)
                        return perr(p, s, "kdump_sources: %s", why);
                free(h->kdump_sources);
                h->kdump_sources = strdup(str);
                return h->kdump_sources ? 0 : -ENOMEM;
        }
        }
        return -EINVAL;
}

static int parse_group(parse_ctx *p, const config_setting_t *g, nf_host_conf *h, bool is_host) {
        int n = config_setting_length(g);

        if (!config_setting_is_group(g))
                return perr(p, g, "expected a group { ... }");

        for (int i = 0; i < n; i++) {
                const config_setting_t *s = config_setting_get_elem(g, (unsigned) i);
                const char *name = config_setting_name(s);
                const key_desc *k = NULL;
                int r;

                for (size_t j = 0; j < sizeof keys / sizeof keys[0]; j++)
                        if (name && strcmp(name, keys[j].name) == 0)
                                k = &keys[j];
                if (!k)
                        return perr(p, s, "unknown setting '%s'", name ? name : "?");
                if (k->host_only && !is_host)
                        return perr(p, s, "'%s' belongs in a host entry, not in defaults", name);
                if ((r = apply_key(p, s, k, h)) < 0)
                        return r;
        }

        if (h->fence.stall_timeout_ms > h->fence.max_dump_ms)
                return perr(p, g, "dump_stall_timeout must not exceed dump_max_time");
        if (h->retransmit_timeout_ms > h->session_timeout_ms)
                return perr(p, g, "retransmit_timeout must not exceed session_timeout");
        if (is_host && h->kdump_port && !h->kdump_sources)
                return perr(p, g, "kdump_listen needs kdump_sources (the target's addresses)");
        const char *conflict = nf_host_release_conflict(h);
        if (conflict)
                return perr(p, config_setting_get_member(g, "release") ? config_setting_get_member(g, "release") : g,
                            "%s", conflict);
        return 0;
}

nf_config *nf_config_free(nf_config *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n_hosts; i++)
                nf_host_conf_done(&c->hosts[i]);
        free(c->hosts);
        nf_host_conf_done(&c->defaults);
        free(c->path);
        free(c);
        return NULL;
}

int nf_config_load(const char *path, nf_config **ret, char *err, size_t errlen) {
        config_t cfg;
        nf_config *c = NULL;
        parse_ctx p = { .path = path, .err = err, .errlen = errlen };
        const config_setting_t *root, *defaults, *hosts;
        int r = 0;
        FILE *f;

        if (!path || !ret || !err || errlen == 0)
                return -EINVAL;

        /* libconfig reports a missing file as an I/O error without the
         * reason; say which. */
        f = fopen(path, "re");
        if (!f) {
                r = -errno;
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
                return r;
        }
        fclose(f);

        config_init(&cfg);
        if (!config_read_file(&cfg, path)) {
                snprintf(err, errlen, "%s:%d: %s", config_error_file(&cfg) ? config_error_file(&cfg) : path,
                         config_error_line(&cfg), config_error_text(&cfg));
                config_destroy(&cfg);
                return -EINVAL;
        }

        c = calloc(1, sizeof *c);
        if (!c || !(c->path = strdup(path))) {
                r = -ENOMEM;
                goto out;
        }
        nf_host_conf_defaults(&c->defaults);

        root = config_root_setting(&cfg);
        for (int i = 0; i < config_setting_length(root); i++) {
                const config_setting_t *s = config_setting_get_elem(root, (unsigned) i);
                const char *n = config_setting_name(s);
                /* "daemon" is nmifenced's own section (daemon-config.c). */
                if (strcmp(n, "defaults") && strcmp(n, "hosts") && strcmp(n, "daemon")) {
                        r = perr(&p, s, "unknown top-level setting '%s' (expected defaults, hosts or daemon)", n);
                        goto out;
                }
        }

        defaults = config_lookup(&cfg, "defaults");
        if (defaults && (r = parse_group(&p, defaults, &c->defaults, false)) < 0)
                goto out;

        hosts = config_lookup(&cfg, "hosts");
        if (hosts) {
                int n = config_setting_length(hosts);
                if (!config_setting_is_list(hosts)) {
                        r = perr(&p, hosts, "hosts must be a list ( { ... }, ... )");
                        goto out;
                }
                c->hosts = calloc((size_t) n + 1, sizeof *c->hosts);
                if (!c->hosts) {
                        r = -ENOMEM;
                        goto out;
                }
                for (int i = 0; i < n; i++) {
                        const config_setting_t *g = config_setting_get_elem(hosts, (unsigned) i);
                        nf_host_conf *h = &c->hosts[c->n_hosts];

                        if ((r = nf_host_conf_copy(&c->defaults, h)) < 0)
                                goto out;
                        c->n_hosts++;
                        h->line = config_setting_source_line(g);
                        if ((r = parse_group(&p, g, h, true)) < 0)
                                goto out;
                        if (!h->name || !*h->name) {
                                r = perr(&p, g, "host entry without a name");
                                goto out;
                        }
                        if (!h->bmc || !*h->bmc) {
                                r = perr(&p, g, "host '%s' has no bmc address", h->name);
                                goto out;
                        }
                        for (size_t j = 0; j + 1 < c->n_hosts; j++)
                                if (strcmp(c->hosts[j].name, h->name) == 0) {
                                        r = perr(&p, g, "host '%s' is already defined at line %d", h->name,
                                                 c->hosts[j].line);
                                        goto out;
                                }
                }
        }

        *ret = c;
        c = NULL;
out:
        config_destroy(&cfg);
        nf_config_free(c);
        return r;
}

const char *nf_host_release_conflict(const nf_host_conf *h) {
        if (h->release != NF_RELEASE_CAPTURE)
                return NULL;
        /* The release point is a capture-kernel record after this
         * operation's NMI: a power-only fence sends none. */
        if (nf_host_policy(h) == NF_POLICY_CYCLE || h->fence.power_only)
                return "release = \"capture\" needs the NMI, but policy \"cycle\" is power only (no NMI): use "
                       "release = \"power\", or policy dump-cycle or dump-off";
        return NULL;
}

const nf_host_conf *nf_config_find_host(const nf_config *c, const char *name) {
        if (!c || !name)
                return NULL;
        for (size_t i = 0; i < c->n_hosts; i++)
                if (strcmp(c->hosts[i].name, name) == 0)
                        return &c->hosts[i];
        return NULL;
}
