/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-reader.h"

typedef struct rd {
        const char *s;
        size_t len, pos;
        char *err;
        size_t errlen;
        int rc;
} rd;

static int fail(rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(rd *r, const char *fmt, ...) {
        va_list ap;
        int n;

        if (r->rc)
                return r->rc;
        r->rc = -EBADMSG;
        n = snprintf(r->err, r->errlen, "offset %zu: ", r->pos);
        if (n >= 0 && (size_t) n < r->errlen) {
                va_start(ap, fmt);
                vsnprintf(r->err + n, r->errlen - (size_t) n, fmt, ap);
                va_end(ap);
        }
        return r->rc;
}

static int oom(rd *r) {
        if (!r->rc) {
                snprintf(r->err, r->errlen, "out of memory");
                r->rc = -ENOMEM;
        }
        return r->rc;
}

static void ws(rd *r) {
        while (r->pos < r->len && strchr(" \t\r\n", r->s[r->pos]) && r->s[r->pos])
                r->pos++;
}

static bool lit(rd *r, const char *word) {
        size_t n = strlen(word);

        if (r->len - r->pos < n || memcmp(r->s + r->pos, word, n))
                return false;
        r->pos += n;
        return true;
}

static int hex4(rd *r, unsigned *ret) {
        unsigned v = 0;

        if (r->len - r->pos < 4)
                return fail(r, "truncated \\u escape");
        for (int i = 0; i < 4; i++) {
                char c = r->s[r->pos++];
                v <<= 4;
                if (c >= '0' && c <= '9')
                        v |= (unsigned) (c - '0');
                else if (c >= 'a' && c <= 'f')
                        v |= (unsigned) (c - 'a' + 10);
                else if (c >= 'A' && c <= 'F')
                        v |= (unsigned) (c - 'A' + 10);
                else
                        return fail(r, "bad hex digit in \\u escape");
        }
        *ret = v;
        return 0;
}

static void put_utf8(char *out, size_t *n, unsigned cp) {
        if (cp < 0x80)
                out[(*n)++] = (char) cp;
        else if (cp < 0x800) {
                out[(*n)++] = (char) (0xC0 | (cp >> 6));
                out[(*n)++] = (char) (0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
                out[(*n)++] = (char) (0xE0 | (cp >> 12));
                out[(*n)++] = (char) (0x80 | ((cp >> 6) & 0x3F));
                out[(*n)++] = (char) (0x80 | (cp & 0x3F));
        } else {
                out[(*n)++] = (char) (0xF0 | (cp >> 18));
                out[(*n)++] = (char) (0x80 | ((cp >> 12) & 0x3F));
                out[(*n)++] = (char) (0x80 | ((cp >> 6) & 0x3F));
                out[(*n)++] = (char) (0x80 | (cp & 0x3F));
        }
}

/* At the opening quote.  The decoded string is never longer than its
 * source, so one allocation of the source's size does. */
static int string(rd *r, char **ret) {
        size_t start = ++r->pos, end = start, n = 0;
        char *out;

        while (end < r->len && r->s[end] != '"') {
                if (r->s[end] == '\\')
                        end++;
                end++;
        }
        if (end >= r->len)
                return fail(r, "unterminated string");
        out = malloc(end - start + 1);
        if (!out)
                return oom(r);
        while (r->pos < end) {
                unsigned char c = (unsigned char) r->s[r->pos];
                unsigned cp, lo;
                if (c < 0x20) {
                        free(out);
                        return fail(r, "control character 0x%02x in a string", c);
                }
                if (c != '\\') {
                        out[n++] = (char) c;
                        r->pos++;
                        continue;
                }
                r->pos++;
                switch (r->s[r->pos++]) {
                case '"': out[n++] = '"'; break;
                case '\\': out[n++] = '\\'; break;
                case '/': out[n++] = '/'; break;
                case 'b': out[n++] = '\b'; break;
                case 'f': out[n++] = '\f'; break;
                case 'n': out[n++] = '\n'; break;
                case 'r': out[n++] = '\r'; break;
                case 't': out[n++] = '\t'; break;
                case 'u':
                        if (hex4(r, &cp) < 0)
                                goto bad;
                        if (cp >= 0xD800 && cp < 0xDC00) {
                                if (r->pos + 2 > end || r->s[r->pos] != '\\' || r->s[r->pos + 1] != 'u') {
                                        fail(r, "lone surrogate in \\u escape");
                                        goto bad;
                                }
                                r->pos += 2;
                                if (hex4(r, &lo) < 0)
                                        goto bad;
                                if (lo < 0xDC00 || lo > 0xDFFF) {
                                        fail(r, "bad low surrogate in \\u escape");
                                        goto bad;
                                }
                                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        } else if (cp >= 0xDC00 && cp < 0xE000) {
                                fail(r, "lone surrogate in \\u escape");
                                goto bad;
                        } else if (cp == 0) {
                                fail(r, "\\u0000 in a string");
                                goto bad;
                        }
                        /* 6 source bytes for at most 3 (4 from 12) output */
                        put_utf8(out, &n, cp);
                        break;
                default:
                        r->pos--;
                        fail(r, "bad escape in a string");
                        goto bad;
                }
                if (r->pos > end) {
                        fail(r, "unterminated string");
                        goto bad;
                }
        }
        out[n] = 0;
        r->pos = end + 1;
        *ret = out;
        return 0;
bad:
        free(out);
        return r->rc;
}

static int number(rd *r, double *ret) {
        size_t start = r->pos;
        char buf[64], *endp;

        if (r->pos < r->len && r->s[r->pos] == '-')
                r->pos++;
        if (r->pos >= r->len || r->s[r->pos] < '0' || r->s[r->pos] > '9')
                return fail(r, "bad number");
        if (r->s[r->pos] == '0')
                r->pos++;
        else
                while (r->pos < r->len && r->s[r->pos] >= '0' && r->s[r->pos] <= '9')
                        r->pos++;
        if (r->pos < r->len && r->s[r->pos] == '.') {
                r->pos++;
                if (r->pos >= r->len || r->s[r->pos] < '0' || r->s[r->pos] > '9')
                        return fail(r, "bad number: digit expected after '.'");
                while (r->pos < r->len && r->s[r->pos] >= '0' && r->s[r->pos] <= '9')
                        r->pos++;
        }
        if (r->pos < r->len && (r->s[r->pos] == 'e' || r->s[r->pos] == 'E')) {
                r->pos++;
                if (r->pos < r->len && (r->s[r->pos] == '+' || r->s[r->pos] == '-'))
                        r->pos++;
                if (r->pos >= r->len || r->s[r->pos] < '0' || r->s[r->pos] > '9')
                        return fail(r, "bad number: digit expected in the exponent");
                while (r->pos < r->len && r->s[r->pos] >= '0' && r->s[r->pos] <= '9')
                        r->pos++;
        }
        if (r->pos - start >= sizeof buf)
                return fail(r, "number too long");
        memcpy(buf, r->s + start, r->pos - start);
        buf[r->pos - start] = 0;
        *ret = strtod(buf, &endp);
        if (!isfinite(*ret))
                return fail(r, "number out of range");
        return 0;
}

static int value(rd *r, int depth, nf_jv **ret);

static int container(rd *r, int depth, nf_jv *v) {
        bool obj = v->type == NF_JV_OBJECT;
        char close = obj ? '}' : ']';
        nf_jv **tail = &v->child;

        r->pos++;
        ws(r);
        if (r->pos < r->len && r->s[r->pos] == close) {
                r->pos++;
                return 0;
        }
        for (;;) {
                char *key = NULL;
                nf_jv *e = NULL;
                ws(r);
                if (obj) {
                        if (r->pos >= r->len || r->s[r->pos] != '"')
                                return fail(r, "member name (a string) expected");
                        if (string(r, &key) < 0)
                                return r->rc;
                        for (nf_jv *o = v->child; o; o = o->next)
                                if (strcmp(o->key, key) == 0) {
                                        free(key);
                                        return fail(r, "duplicate member name");
                                }
                        ws(r);
                        if (r->pos >= r->len || r->s[r->pos] != ':') {
                                free(key);
                                return fail(r, "':' expected");
                        }
                        r->pos++;
                }
                if (value(r, depth + 1, &e) < 0) {
                        free(key);
                        nf_jv_free(e);
                        return r->rc;
                }
                e->key = key;
                *tail = e;
                tail = &e->next;
                ws(r);
                if (r->pos < r->len && r->s[r->pos] == ',') {
                        r->pos++;
                        continue;
                }
                if (r->pos < r->len && r->s[r->pos] == close) {
                        r->pos++;
                        return 0;
                }
                return fail(r, obj ? "',' or '}' expected" : "',' or ']' expected");
        }
}

static int value(rd *r, int depth, nf_jv **ret) {
        nf_jv *v;
        char c;

        if (depth > NF_JSON_MAX_DEPTH)
                return fail(r, "nested deeper than %d", NF_JSON_MAX_DEPTH);
        ws(r);
        if (r->pos >= r->len)
                return fail(r, "value expected");
        v = calloc(1, sizeof *v);
        if (!v)
                return oom(r);
        *ret = v;
        c = r->s[r->pos];
        if (c == '{' || c == '[') {
                v->type = c == '{' ? NF_JV_OBJECT : NF_JV_ARRAY;
                return container(r, depth, v);
        }
        if (c == '"') {
                v->type = NF_JV_STRING;
                return string(r, &v->str);
        }
        if (lit(r, "true")) {
                v->type = NF_JV_BOOL;
                v->b = true;
                return 0;
        }
        if (lit(r, "false")) {
                v->type = NF_JV_BOOL;
                return 0;
        }
        if (lit(r, "null"))
                return 0;
        if (c != '-' && (c < '0' || c > '9'))
                return fail(r, "value expected");
        v->type = NF_JV_NUMBER;
        return number(r, &v->num);
}

int nf_json_parse(const char *text, size_t len, nf_jv **ret, char *err, size_t errlen) {
        rd r = { .s = text, .len = len, .err = err, .errlen = errlen };
        nf_jv *v = NULL;

        if (!text || !ret)
                return -EINVAL;
        if (value(&r, 0, &v) == 0) {
                ws(&r);
                if (r.pos < r.len)
                        fail(&r, "trailing characters after the value");
        }
        if (r.rc) {
                nf_jv_free(v);
                return r.rc;
        }
        *ret = v;
        return 0;
}

nf_jv *nf_jv_free(nf_jv *v) {
        while (v) {
                nf_jv *next = v->next;
                nf_jv_free(v->child);
                free(v->str);
                free(v->key);
                free(v);
                v = next;
        }
        return NULL;
}

static const char *const type_names[] = {
        [NF_JV_NULL] = "null",     [NF_JV_BOOL] = "boolean", [NF_JV_NUMBER] = "number",
        [NF_JV_STRING] = "string", [NF_JV_ARRAY] = "array",  [NF_JV_OBJECT] = "object",
};

const char *nf_jv_type_str(nf_jv_type t) {
        return t <= NF_JV_OBJECT ? type_names[t] : "invalid";
}

const nf_jv *nf_jv_get(const nf_jv *v, const char *key) {
        if (!v || v->type != NF_JV_OBJECT)
                return NULL;
        for (const nf_jv *m = v->child; m; m = m->next)
                if (strcmp(m->key, key) == 0)
                        return m;
        return NULL;
}

const char *nf_jv_get_str(const nf_jv *v, const char *key, const char *def) {
        const nf_jv *m = nf_jv_get(v, key);
        return m && m->type == NF_JV_STRING ? m->str : def;
}

double nf_jv_get_num(const nf_jv *v, const char *key, double def) {
        const nf_jv *m = nf_jv_get(v, key);
        return m && m->type == NF_JV_NUMBER ? m->num : def;
}

bool nf_jv_get_bool(const nf_jv *v, const char *key, bool def) {
        const nf_jv *m = nf_jv_get(v, key);
        return m && m->type == NF_JV_BOOL ? m->b : def;
}

size_t nf_jv_len(const nf_jv *v) {
        size_t n = 0;

        if (v && (v->type == NF_JV_ARRAY || v->type == NF_JV_OBJECT))
                for (const nf_jv *e = v->child; e; e = e->next)
                        n++;
        return n;
}
