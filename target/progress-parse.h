/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Reads makedumpfile's progress output ("\rCopying data   : [ 45.2 %] /")
 * from arbitrary chunks of bytes.  Pure: no I/O.
 */

#include <stdbool.h>
#include <stddef.h>

typedef struct nf_progress_parser {
        char line[256];
        size_t len;
} nf_progress_parser;

typedef struct nf_progress_event {
        bool copying;           /* "Copying data" phase: the percent is the dump's */
        int percent;            /* 0..100, rounded down */
} nf_progress_event;

typedef void (*nf_progress_fn)(const nf_progress_event *ev, void *userdata);

void nf_progress_parser_init(nf_progress_parser *p);
/* Feed bytes; fn is called for every complete progress line. */
void nf_progress_parser_feed(nf_progress_parser *p, const char *buf, size_t len, nf_progress_fn fn, void *userdata);

/* Parse one line; false if it is not a progress line. */
bool nf_progress_parse_line(const char *line, nf_progress_event *ret);
