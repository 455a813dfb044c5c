/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * makedumpfile's output, in the chunks a pipe happens to deliver.  The
 * first byte sets the chunk size, so the fuzzer also explores splits.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "progress-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_progress(const nf_progress_event *ev, void *userdata) {
        if (ev->percent < 0 || ev->percent > 100)
                abort();
        (*(unsigned *) userdata)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        nf_progress_parser p;
        nf_progress_event ev;
        unsigned events = 0;
        size_t chunk;
        char *line;

        if (size == 0)
                return 0;
        chunk = (size_t) data[0] + 1;
        data++, size--;

        nf_progress_parser_init(&p);
        for (size_t off = 0; off < size; off += chunk)
                nf_progress_parser_feed(&p, (const char *) data + off, size - off < chunk ? size - off : chunk,
                                        on_progress, &events);

        line = malloc(size + 1);
        if (!line)
                return 0;
        memcpy(line, data, size);
        line[size] = '\0';
        if (nf_progress_parse_line(line, &ev) && (ev.percent < 0 || ev.percent > 100))
                abort();
        free(line);
        return 0;
}
