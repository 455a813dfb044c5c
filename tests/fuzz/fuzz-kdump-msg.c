/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fence_kdump datagrams arrive from the network: any bytes, any length.
 * The kdump_sources list (configuration or fence_nmi stdin) is parsed from
 * the same input after a NUL, if there is one.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kdump-listener.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const uint8_t *nul = memchr(data, 0, size);
        size_t msg_len = nul ? (size_t) (nul - data) : size;
        nf_kdump_sources src;
        char err[128];

        (void) nf_kdump_decode_str(nf_kdump_msg_decode(data, msg_len));

        if (nul) {
                size_t n = size - msg_len - 1;
                char *list = malloc(n + 1);

                if (!list)
                        return 0;
                memcpy(list, nul + 1, n);
                list[n] = '\0';
                if (nf_kdump_sources_parse(list, &src, err, sizeof err) == 0) {
                        struct sockaddr_in sin = { .sin_family = AF_INET };

                        memcpy(&sin.sin_addr, data, msg_len < 4 ? msg_len : 4);
                        (void) nf_kdump_sources_match(&src, (struct sockaddr *) &sin, sizeof sin);
                }
                free(list);
        }
        return 0;
}
