/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Host lists as operators write them (pdsh/ipmipower style):
 *
 *   node07                 one name
 *   a,b,c                  several, comma separated
 *   node[01-64]            a range; the width of the first bound ("01")
 *                          is kept, so node01 .. node64
 *   node[1-3,7]            ranges and single numbers
 *   rack[1-2]-n[1-4]       several brackets: every combination, in order
 *
 * libfreeipmi keeps its hostlist code internal, so this is a small one of
 * our own.  Pure: no I/O, nothing printed; errors say what is wrong and
 * where ("node[3-1]: range 3-1 goes backwards").
 */

#include <stddef.h>

/* Expansion refuses to produce more names than this in one list. */
#define NF_HOSTLIST_MAX 65536
#define NF_HOSTLIST_NAME_MAX 255

typedef struct nf_hostlist {
        char **names;                   /* in first-seen order, no duplicates */
        size_t n;
        /* internal: allocation size and the duplicate index */
        size_t cap;
        size_t *index;
        size_t index_cap;
} nf_hostlist;

/* Expands pattern and appends each name not already in l.  Returns 0,
 * -EINVAL with err naming the fault, -E2BIG past NF_HOSTLIST_MAX names,
 * or -ENOMEM.  On error, names already appended by this call stay. */
int nf_hostlist_add(nf_hostlist *l, const char *pattern, char *err, size_t errlen);

/* Frees the names; l is empty again and may be reused. */
void nf_hostlist_done(nf_hostlist *l);
