/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A strict JSON reader (RFC 8259) into a small tree, for nmifenced's
 * control socket: the daemon reads requests with it, `nmifence ... --daemon`
 * reads the answers.  Outside input: bounded depth and size, every error
 * names the byte offset.  Nothing printed.
 */

#include <stdbool.h>
#include <stddef.h>

#define NF_JSON_MAX_DEPTH 32

typedef enum nf_jv_type {
        NF_JV_NULL,
        NF_JV_BOOL,
        NF_JV_NUMBER,
        NF_JV_STRING,
        NF_JV_ARRAY,
        NF_JV_OBJECT,
} nf_jv_type;

typedef struct nf_jv nf_jv;
struct nf_jv {
        nf_jv_type type;
        bool b;
        double num;
        char *str;              /* STRING: the value (no NUL inside: \u0000 is refused); member: its key */
        nf_jv *child;           /* ARRAY/OBJECT: first element/member */
        nf_jv *next;            /* next sibling */
        char *key;              /* as an object member */
};

/* Parses exactly one value (whitespace around it allowed).  Returns 0
 * with *ret set, or -EBADMSG ("offset N: what") / -ENOMEM in err. */
int nf_json_parse(const char *text, size_t len, nf_jv **ret, char *err, size_t errlen);
nf_jv *nf_jv_free(nf_jv *v);

const char *nf_jv_type_str(nf_jv_type t);
/* Member of an object, NULL when absent or v is not an object. */
const nf_jv *nf_jv_get(const nf_jv *v, const char *key);
/* Typed member access: the value, or def when absent/of another type. */
const char *nf_jv_get_str(const nf_jv *v, const char *key, const char *def);
double nf_jv_get_num(const nf_jv *v, const char *key, double def);
bool nf_jv_get_bool(const nf_jv *v, const char *key, bool def);
size_t nf_jv_len(const nf_jv *v);
