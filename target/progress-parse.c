/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <ctype.h>
#include <string.h>

#include "progress-parse.h"

void nf_progress_parser_init(nf_progress_parser *p) {
        p->len = 0;
        p->line[0] = '\0';
}

bool nf_progress_parse_line(const char *line, nf_progress_event *ret) {
        const char *colon, *open, *pct;
        int value = 0, digits = 0;

        if (!line || !ret)
                return false;
        colon = strchr(line, ':');
        if (!colon)
                return false;
        open = strchr(colon, '[');
        if (!open)
                return false;
        pct = strchr(open, '%');
        if (!pct)
                return false;

        for (const char *c = open + 1; c < pct; c++) {
                if (*c == ' ')
                        continue;
                if (*c == '.')
                        break;          /* round down */
                if (!isdigit((unsigned char) *c))
                        return false;
                if (++digits > 3)
                        return false;
                value = value * 10 + (*c - '0');
        }
        if (digits == 0 || value > 100)
                return false;

        ret->percent = value;
        ret->copying = strncmp(line, "Copying data", strlen("Copying data")) == 0;
        return true;
}

/* p->len == sizeof p->line: the current line overflowed and is skipped
 * up to its end. */
#define DISCARDING(p) ((p)->len >= sizeof (p)->line)

static void flush_line(nf_progress_parser *p, nf_progress_fn fn, void *userdata) {
        nf_progress_event ev;

        if (!DISCARDING(p)) {
                p->line[p->len] = '\0';
                if (p->len > 0 && nf_progress_parse_line(p->line, &ev))
                        fn(&ev, userdata);
        }
        p->len = 0;
}

void nf_progress_parser_feed(nf_progress_parser *p, const char *buf, size_t len, nf_progress_fn fn, void *userdata) {
        for (size_t i = 0; i < len; i++) {
                char c = buf[i];

                /* makedumpfile redraws its progress with \r, finishes with \n */
                if (c == '\r' || c == '\n') {
                        flush_line(p, fn, userdata);
                        continue;
                }
                /* An over-long line is not progress output: drop all of
                 * it, not just its head, or its tail could parse. */
                if (p->len >= sizeof p->line - 1) {
                        p->len = sizeof p->line;
                        continue;
                }
                p->line[p->len++] = c;
        }
}
