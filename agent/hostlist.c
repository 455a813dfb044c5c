/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostlist.h"

/* Range bounds: enough digits for any rack, small enough to never wrap. */
#define BOUND_MAX_DIGITS 9

typedef struct expander {
        nf_hostlist *l;
        const char *pattern;            /* the whole argument, for messages */
        char *err;
        size_t errlen;
} expander;

static int fail(const expander *x, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(const expander *x, int r, const char *fmt, ...) {
        char what[200];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        snprintf(x->err, x->errlen, "host list '%s': %s", x->pattern, what);
        return r;
}

static uint64_t hash(const char *s) {
        uint64_t h = 1469598103934665603ULL;    /* FNV-1a */

        for (; *s; s++)
                h = (h ^ (unsigned char) *s) * 1099511628211ULL;
        return h;
}

/* The duplicate index: open addressing over positions in names[], +1 so
 * that 0 means empty.  Kept at most half full. */
static int index_grow(nf_hostlist *l) {
        size_t cap = l->index_cap ? l->index_cap * 2 : 64;
        size_t *idx = calloc(cap, sizeof *idx);

        if (!idx)
                return -ENOMEM;
        for (size_t i = 0; i < l->n; i++) {
                size_t k = hash(l->names[i]) & (cap - 1);
                while (idx[k])
                        k = (k + 1) & (cap - 1);
                idx[k] = i + 1;
        }
        free(l->index);
        l->index = idx;
        l->index_cap = cap;
        return 0;
}

static int append(const expander *x, const char *name) {
        nf_hostlist *l = x->l;
        size_t k;

        if ((l->n + 1) * 2 > l->index_cap && index_grow(l) < 0)
                return -ENOMEM;
        for (k = hash(name) & (l->index_cap - 1); l->index[k]; k = (k + 1) & (l->index_cap - 1))
                if (strcmp(l->names[l->index[k] - 1], name) == 0)
                        return 0;       /* a duplicate: the first one keeps its place */
        if (l->n >= NF_HOSTLIST_MAX)
                return fail(x, -E2BIG, "more than %d hosts", NF_HOSTLIST_MAX);
        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 16;
                char **names = realloc(l->names, cap * sizeof *names);
                if (!names)
                        return -ENOMEM;
                l->names = names;
                l->cap = cap;
        }
        if (!(l->names[l->n] = strdup(name)))
                return -ENOMEM;
        l->index[k] = ++l->n;
        return 0;
}

static bool literal_char_ok(char c) {
        return c && !isspace((unsigned char) c) && c != '[' && c != ']' && c != ',';
}

/* Parses "N" or "N-M" of a bracket; *ret_width is the digits of N when it
 * has a leading zero (zero padded), else 0. */
static int parse_bound(const expander *x, const char *s, size_t len, unsigned long *ret, size_t *ret_digits) {
        unsigned long v = 0;

        if (len == 0)
                return fail(x, -EINVAL, "empty number in brackets");
        if (len > BOUND_MAX_DIGITS)
                return fail(x, -EINVAL, "number '%.*s' is too long", (int) len, s);
        for (size_t i = 0; i < len; i++) {
                if (!isdigit((unsigned char) s[i]))
                        return fail(x, -EINVAL, "'%.*s' in brackets is not a number or range", (int) len, s);
                v = v * 10 + (unsigned long) (s[i] - '0');
        }
        *ret = v;
        *ret_digits = len;
        return 0;
}

static int expand(const expander *x, char *prefix, size_t plen, const char *rest);

/* One bracket's content (between [ and ]), each value followed by rest. */
static int expand_bracket(const expander *x, char *prefix, size_t plen, const char *body, size_t body_len,
                          const char *rest) {
        const char *p = body, *end = body + body_len;

        if (body_len == 0)
                return fail(x, -EINVAL, "empty brackets []");
        while (p <= end) {
                const char *comma = memchr(p, ',', (size_t) (end - p));
                const char *elem_end = comma ? comma : end;
                const char *dash = memchr(p, '-', (size_t) (elem_end - p));
                unsigned long lo, hi;
                size_t lo_digits, hi_digits, width;
                int r;

                if ((r = parse_bound(x, p, (size_t) ((dash ? dash : elem_end) - p), &lo, &lo_digits)) < 0)
                        return r;
                hi = lo;
                if (dash && (r = parse_bound(x, dash + 1, (size_t) (elem_end - dash - 1), &hi, &hi_digits)) < 0)
                        return r;
                if (hi < lo)
                        return fail(x, -EINVAL, "range %lu-%lu goes backwards", lo, hi);
                if (hi - lo >= NF_HOSTLIST_MAX)
                        return fail(x, -E2BIG, "range %lu-%lu has more than %d hosts", lo, hi, NF_HOSTLIST_MAX);
                /* pdsh's rule: a leading zero fixes the width */
                width = lo_digits > 1 && p[0] == '0' ? lo_digits : 0;
                for (unsigned long v = lo; v <= hi; v++) {
                        int n = snprintf(prefix + plen, NF_HOSTLIST_NAME_MAX + 1 - plen, "%0*lu", (int) width, v);
                        if (n < 0 || plen + (size_t) n > NF_HOSTLIST_NAME_MAX)
                                return fail(x, -EINVAL, "a name is longer than %d characters", NF_HOSTLIST_NAME_MAX);
                        if ((r = expand(x, prefix, plen + (size_t) n, rest)) < 0)
                                return r;
                }
                if (!comma)
                        break;
                p = comma + 1;
                if (p == end)
                        return fail(x, -EINVAL, "empty number in brackets");
        }
        return 0;
}

/* prefix[0..plen) is fixed; expands rest (no top-level commas) after it. */
static int expand(const expander *x, char *prefix, size_t plen, const char *rest) {
        const char *open = strchr(rest, '[');
        size_t lit = open ? (size_t) (open - rest) : strlen(rest);

        for (size_t i = 0; i < lit; i++) {
                if (rest[i] == ']')
                        return fail(x, -EINVAL, "']' without '['");
                if (!literal_char_ok(rest[i]))
                        return fail(x, -EINVAL, "character '%c' is not allowed in a host name", rest[i]);
        }
        if (plen + lit > NF_HOSTLIST_NAME_MAX)
                return fail(x, -EINVAL, "a name is longer than %d characters", NF_HOSTLIST_NAME_MAX);
        memcpy(prefix + plen, rest, lit);
        plen += lit;
        prefix[plen] = 0;
        if (!open) {
                if (plen == 0)
                        return fail(x, -EINVAL, "empty host name");
                return append(x, prefix);
        }
        const char *close = strchr(open + 1, ']');
        const char *nested = strchr(open + 1, '[');
        if (!close)
                return fail(x, -EINVAL, "'[' without ']'");
        if (nested && nested < close)
                return fail(x, -EINVAL, "brackets inside brackets");
        return expand_bracket(x, prefix, plen, open + 1, (size_t) (close - open - 1), close + 1);
}

int nf_hostlist_add(nf_hostlist *l, const char *pattern, char *err, size_t errlen) {
        expander x = { .l = l, .pattern = pattern, .err = err, .errlen = errlen };
        char prefix[NF_HOSTLIST_NAME_MAX + 1];
        char *item = NULL;
        const char *p = pattern;
        int r = 0;

        if (!l || !pattern)
                return -EINVAL;
        if (!*pattern)
                return fail(&x, -EINVAL, "empty host name");
        /* Split at the commas outside brackets. */
        while (r == 0) {
                const char *q = p;
                int depth = 0;

                while (*q && !(*q == ',' && depth == 0)) {
                        if (*q == '[')
                                depth++;
                        else if (*q == ']' && depth > 0)
                                depth--;
                        q++;
                }
                if (q == p) {
                        r = fail(&x, -EINVAL, "empty host name (a comma too many)");
                        break;
                }
                free(item);
                if (!(item = strndup(p, (size_t) (q - p)))) {
                        r = -ENOMEM;
                        break;
                }
                r = expand(&x, prefix, 0, item);
                if (!*q)
                        break;
                p = q + 1;
                if (!*p)
                        r = r ? r : fail(&x, -EINVAL, "empty host name (a comma too many)");
        }
        free(item);
        if (r == -ENOMEM)
                snprintf(err, errlen, "out of memory");
        return r;
}

void nf_hostlist_done(nf_hostlist *l) {
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                free(l->names[i]);
        free(l->names);
        free(l->index);
        *l = (nf_hostlist) {};
}
