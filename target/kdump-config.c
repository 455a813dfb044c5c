/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kdump-config.h"

const char *nf_kdump_tool_str(nf_kdump_tool t) {
        switch (t) {
        case NF_KDUMP_TOOLS:
                return "kdump-tools";
        case NF_KDUMP_UTILS:
                return "kdump-utils";
        default:
                return "none";
        }
}

/* A growable string; on allocation failure it turns into an error state. */
typedef struct sbuf {
        char *s;
        size_t len, cap;
        bool oom;
} sbuf;

static void sb_putn(sbuf *b, const char *p, size_t n) {
        if (b->oom)
                return;
        if (b->len + n + 1 > b->cap) {
                size_t cap = (b->len + n + 1) * 2;
                char *s = realloc(b->s, cap);
                if (!s) {
                        b->oom = true;
                        return;
                }
                b->s = s;
                b->cap = cap;
        }
        memcpy(b->s + b->len, p, n);
        b->len += n;
        b->s[b->len] = '\0';
}

static void sb_puts(sbuf *b, const char *p) {
        sb_putn(b, p, strlen(p));
}

static char *sb_steal(sbuf *b) {
        if (b->oom) {
                free(b->s);
                return NULL;
        }
        if (!b->s)
                return strdup("");
        return b->s;
}

static bool is_name_char(char c) {
        return isalnum((unsigned char) c) || c == '_';
}

/* Variables assigned so far, for $VAR expansion. */
typedef struct shvars {
        char *names[64];
        char *values[64];
        size_t n;
} shvars;

static const char *shvars_lookup(const shvars *v, const char *name, size_t len) {
        for (size_t i = v->n; i-- > 0;)
                if (strlen(v->names[i]) == len && memcmp(v->names[i], name, len) == 0)
                        return v->values[i];
        return NULL;
}

static void shvars_free(shvars *v) {
        for (size_t i = 0; i < v->n; i++) {
                free(v->names[i]);
                free(v->values[i]);
        }
        v->n = 0;
}

/* Expand $NAME / ${NAME} at *pp (pointing at '$'). */
static void expand_var(const char **pp, const shvars *vars, sbuf *out, bool *unexpanded) {
        const char *p = *pp + 1, *name;
        size_t len = 0;
        bool braced = false;

        if (*p == '{') {
                braced = true;
                p++;
        }
        name = p;
        while (is_name_char(p[len]))
                len++;
        if (len == 0 || (braced && p[len] != '}')) {
                /* $(...), ${x:-y} and friends need a shell. */
                *unexpanded = true;
                sb_putn(out, "$", 1);
                *pp += 1;
                return;
        }
        const char *v = shvars_lookup(vars, name, len);
        if (v)
                sb_puts(out, v);
        else
                *unexpanded = true;
        *pp = p + len + (braced ? 1 : 0);
}

/* Parse one shell word starting at p (after '=').  Stops at unquoted
 * whitespace, ';', '#' after whitespace or end of line. */
static const char *parse_word(const char *p, const shvars *vars, sbuf *out, bool *unexpanded) {
        while (*p && *p != '\n') {
                if (*p == ' ' || *p == '\t' || *p == ';')
                        break;
                if (*p == '\'') {
                        const char *e = strchr(p + 1, '\'');
                        if (!e) {
                                *unexpanded = true;
                                e = p + strlen(p);
                                sb_putn(out, p + 1, (size_t) (e - p - 1));
                                return e;
                        }
                        sb_putn(out, p + 1, (size_t) (e - p - 1));
                        p = e + 1;
                } else if (*p == '"') {
                        p++;
                        while (*p && *p != '"') {
                                if (*p == '\\' && p[1] && strchr("\"\\$`\n", p[1])) {
                                        if (p[1] != '\n')
                                                sb_putn(out, p + 1, 1);
                                        p += 2;
                                } else if (*p == '$') {
                                        expand_var(&p, vars, out, unexpanded);
                                } else if (*p == '`') {
                                        *unexpanded = true;
                                        sb_putn(out, p++, 1);
                                } else {
                                        sb_putn(out, p++, 1);
                                }
                        }
                        if (*p == '"')
                                p++;
                        else
                                *unexpanded = true;
                } else if (*p == '\\' && p[1]) {
                        sb_putn(out, p + 1, 1);
                        p += 2;
                } else if (*p == '$') {
                        expand_var(&p, vars, out, unexpanded);
                } else if (*p == '`') {
                        *unexpanded = true;
                        sb_putn(out, p++, 1);
                } else {
                        sb_putn(out, p++, 1);
                }
        }
        return p;
}

bool nf_shvar_get(const char *text, const char *name, char **ret, bool *ret_unexpanded) {
        shvars vars = {};
        char *found = NULL;
        bool found_unexpanded = false;
        const char *p = text;

        assert(name && ret && ret_unexpanded);
        if (!text)
                return false;
        while (*p) {
                const char *line_end = strchr(p, '\n');
                const char *q = p;

                if (!line_end)
                        line_end = p + strlen(p);
                while (*q == ' ' || *q == '\t')
                        q++;
                if (strncmp(q, "export ", 7) == 0)
                        for (q += 7; *q == ' '; q++)
                                ;
                const char *n0 = q;
                while (is_name_char(*q))
                        q++;
                if (q > n0 && *q == '=' && !isdigit((unsigned char) *n0)) {
                        size_t nlen = (size_t) (q - n0);
                        sbuf val = {};
                        bool unexp = false;

                        const char *e = parse_word(q + 1, &vars, &val, &unexp);
                        char *v = sb_steal(&val);
                        if (!v)
                                break;
                        if (strlen(name) == nlen && memcmp(name, n0, nlen) == 0) {
                                free(found);
                                found = strdup(v);
                                found_unexpanded = unexp;
                        }
                        if (vars.n < 64) {
                                vars.names[vars.n] = strndup(n0, nlen);
                                vars.values[vars.n] = v;
                                if (vars.names[vars.n])
                                        vars.n++;
                                else
                                        free(v);
                        } else {
                                free(v);
                        }
                        /* A multi-line quoted value may run past this line. */
                        if (e > line_end)
                                line_end = e;
                }
                p = *line_end ? line_end + 1 : line_end;
        }
        shvars_free(&vars);
        if (!found)
                return false;
        *ret = found;
        *ret_unexpanded = found_unexpanded;
        return true;
}

size_t nf_cmdline_key_len(const char *word, size_t word_len) {
        const char *eq = memchr(word, '=', word_len);
        return eq ? (size_t) (eq - word) : word_len;
}

/* Iterate the words of a command line (split on whitespace; a word may
 * hold a double-quoted part with spaces, as the kernel allows). */
static const char *next_word(const char *p, size_t *ret_len) {
        const char *s;
        bool quoted = false;

        while (*p && isspace((unsigned char) *p))
                p++;
        if (!*p)
                return NULL;
        s = p;
        while (*p && (quoted || !isspace((unsigned char) *p))) {
                if (*p == '"')
                        quoted = !quoted;
                p++;
        }
        *ret_len = (size_t) (p - s);
        return s;
}

/* The kernel treats '-' and '_' in parameter names alike. */
static bool key_eq(const char *a, size_t alen, const char *b) {
        if (strlen(b) != alen)
                return false;
        for (size_t i = 0; i < alen; i++) {
                char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];
                if (x != y)
                        return false;
        }
        return true;
}

bool nf_cmdline_get(const char *cmdline, const char *key, char *buf, size_t buflen) {
        const char *w, *p = cmdline;
        size_t len;
        bool found = false;

        if (!cmdline)
                return false;
        while ((w = next_word(p, &len))) {
                size_t klen = nf_cmdline_key_len(w, len);
                if (klen < len && key_eq(w, klen, key)) {
                        size_t vlen = len - klen - 1;
                        if (buflen) {
                                if (vlen >= buflen)
                                        vlen = buflen - 1;
                                memcpy(buf, w + klen + 1, vlen);
                                buf[vlen] = '\0';
                        }
                        found = true;
                }
                p = w + len;
        }
        return found;
}

bool nf_cmdline_has_key(const char *cmdline, const char *key) {
        const char *w, *p = cmdline;
        size_t len;

        if (!cmdline)
                return false;
        while ((w = next_word(p, &len))) {
                if (key_eq(w, nf_cmdline_key_len(w, len), key))
                        return true;
                p = w + len;
        }
        return false;
}

static bool in_list(const char *w, size_t klen, const char *const *list) {
        for (; *list; list++)
                if (strlen(*list) == klen && memcmp(*list, w, klen) == 0)
                        return true;
        return false;
}

/* Copy cmdline without the words whose key is in `list`; with
 * only_with_value, "key" alone is kept (kdump-tools' sed matches "key=").
 * extra_remove is a whitespace separated list of more keys. */
static void copy_filtered(sbuf *out, const char *cmdline, const char *const *list, bool only_with_value,
                          const char *extra_remove) {
        const char *w, *p = cmdline ? cmdline : "";
        size_t len;

        while ((w = next_word(p, &len))) {
                size_t klen = nf_cmdline_key_len(w, len);
                bool drop = in_list(w, klen, list) && (!only_with_value || klen < len);
                if (!drop && extra_remove) {
                        const char *e, *q = extra_remove;
                        size_t elen;
                        while ((e = next_word(q, &elen))) {
                                if (elen == klen && memcmp(e, w, klen) == 0)
                                        drop = true;
                                q = e + elen;
                        }
                }
                if (!drop) {
                        if (out->len)
                                sb_putn(out, " ", 1);
                        sb_putn(out, w, len);
                }
                p = w + len;
        }
}

static void append_words(sbuf *out, const char *words) {
        const char *w, *p = words ? words : "";
        size_t len;

        while ((w = next_word(p, &len))) {
                if (out->len)
                        sb_putn(out, " ", 1);
                sb_putn(out, w, len);
                p = w + len;
        }
}

char *nf_kdump_tools_capture_cmdline(const char *proc_cmdline, const char *default_text, bool *ret_unexpanded) {
        static const char *const strip[] = {
                "crashkernel", "abm", "isolcpus", "hugepages", "hugepagesz", "default_hugepagesz",
                "edac_core.edac_report", "edac_report", "BOOT_IMAGE", "processor.max_cstate",
                /* x86_64 only, which is what nmifence targets */
                "intel_iommu", "iommu", "intel_idle.max_cstate", NULL,
        };
        char *cmdline = NULL, *append = NULL;
        bool unexp_a = false, unexp_b = false;
        sbuf out = {};

        *ret_unexpanded = false;
        if (nf_shvar_get(default_text, "KDUMP_CMDLINE", &cmdline, &unexp_a) && cmdline[0])
                append_words(&out, cmdline);
        else
                copy_filtered(&out, proc_cmdline, strip, true, NULL);
        /* ${KDUMP_CMDLINE_APPEND:=default}: an empty value takes the default too. */
        if (nf_shvar_get(default_text, "KDUMP_CMDLINE_APPEND", &append, &unexp_b) && append[0])
                append_words(&out, append);
        else
                append_words(&out, NF_KDUMP_TOOLS_DEFAULT_APPEND);
        *ret_unexpanded = unexp_a || unexp_b;
        free(cmdline);
        free(append);
        return sb_steal(&out);
}

char *nf_kdump_utils_capture_cmdline(const char *proc_cmdline, const char *sysconfig_text, bool *ret_unexpanded) {
        static const char *const always[] = {
                "crashkernel", "panic_on_warn", "root", "rd.lvm.lv", "rd.luks.uuid", "rd.dm.uuid",
                "rd.md.uuid", "fcoe", "netroot", "rd.iscsi.initiator", "iscsi_initiator", NULL,
        };
        char *cmdline = NULL, *remove = NULL, *append = NULL;
        bool u1 = false, u2 = false, u3 = false;
        sbuf out = {};

        if (!nf_shvar_get(sysconfig_text, "KDUMP_COMMANDLINE_REMOVE", &remove, &u2))
                remove = strdup("hugepages hugepagesz slub_debug");
        (void) nf_shvar_get(sysconfig_text, "KDUMP_COMMANDLINE_APPEND", &append, &u3);
        if (nf_shvar_get(sysconfig_text, "KDUMP_COMMANDLINE", &cmdline, &u1) && cmdline[0])
                copy_filtered(&out, cmdline, always, false, remove);
        else
                copy_filtered(&out, proc_cmdline, always, false, remove);
        append_words(&out, append);
        *ret_unexpanded = u1 || u2 || u3;
        free(cmdline);
        free(remove);
        free(append);
        return sb_steal(&out);
}

bool nf_kdump_conf_get(const char *text, const char *key, char *buf, size_t buflen) {
        const char *p = text;
        size_t klen = strlen(key);
        bool found = false;

        if (!text)
                return false;
        while (*p) {
                const char *e = strchr(p, '\n'), *q = p;
                if (!e)
                        e = p + strlen(p);
                while (q < e && isspace((unsigned char) *q))
                        q++;
                if ((size_t) (e - q) > klen && memcmp(q, key, klen) == 0 && isspace((unsigned char) q[klen])) {
                        const char *v = q + klen;
                        while (v < e && isspace((unsigned char) *v))
                                v++;
                        const char *ve = e;
                        while (ve > v && isspace((unsigned char) ve[-1]))
                                ve--;
                        size_t n = (size_t) (ve - v);
                        if (buflen) {
                                if (n >= buflen)
                                        n = buflen - 1;
                                memcpy(buf, v, n);
                                buf[n] = '\0';
                        }
                        found = true;
                }
                p = *e ? e + 1 : e;
        }
        return found;
}

bool nf_sysctl_conf_get(const char *text, const char *name, long *ret) {
        const char *p = text;
        bool found = false;

        if (!text)
                return false;
        while (*p) {
                const char *e = strchr(p, '\n'), *q = p;
                char key[128];
                size_t k = 0;

                if (!e)
                        e = p + strlen(p);
                while (q < e && isspace((unsigned char) *q))
                        q++;
                if (q < e && *q == '-')
                        q++;
                while (q < e && *q != '=' && !isspace((unsigned char) *q) && k + 1 < sizeof key) {
                        key[k++] = *q == '/' ? '.' : *q;
                        q++;
                }
                key[k] = '\0';
                while (q < e && isspace((unsigned char) *q))
                        q++;
                if (k && q < e && *q == '=' && strcmp(key, name) == 0) {
                        char *end;
                        long v = strtol(q + 1, &end, 10);
                        if (end != q + 1) {
                                *ret = v;
                                found = true;
                        }
                }
                p = *e ? e + 1 : e;
        }
        return found;
}

bool nf_cmdline_sets_nmi_panic(const char *cmdline, char *buf, size_t buflen) {
        static const char *const keys[] = {
                "sysctl.kernel.unknown_nmi_panic", "sysctl.kernel/unknown_nmi_panic",
                "sysctl.kernel.panic_on_unrecovered_nmi", "sysctl.kernel/panic_on_unrecovered_nmi",
        };
        char val[64];

        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
                if (nf_cmdline_get(cmdline, keys[i], val, sizeof val) && strtol(val, NULL, 10) != 0) {
                        snprintf(buf, buflen, "%s=%s", keys[i], val);
                        return true;
                }
        /* arch/x86/kernel/nmi.c: __setup("unknown_nmi_panic", ...) sets it
         * whatever follows. */
        if (nf_cmdline_has_key(cmdline, "unknown_nmi_panic")) {
                snprintf(buf, buflen, "unknown_nmi_panic");
                return true;
        }
        return false;
}
