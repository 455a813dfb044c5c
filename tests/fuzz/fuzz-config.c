/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The configuration file, through libconfig and nmifence's own checks.
 * The input goes into a memfd and is loaded by its /proc/self/fd path, the
 * way nmifence loads a real file.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char path[64], err[512];
        nf_config *cfg = NULL;
        int fd;

        /* libconfig's @include opens whatever file it names (/dev/zero,
         * a FIFO): not the parser under test, and a fuzzer would hang. */
        if (memmem(data, size, "include", 7))
                return 0;

        fd = memfd_create("nf-fuzz-config", MFD_CLOEXEC);
        if (fd < 0)
                return 0;
        if (size > 0 && write(fd, data, size) != (ssize_t) size) {
                close(fd);
                return 0;
        }
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        if (nf_config_load(path, &cfg, err, sizeof err) == 0) {
                for (size_t i = 0; i < cfg->n_hosts; i++)
                        (void) nf_config_find_host(cfg, cfg->hosts[i].name);
                cfg = nf_config_free(cfg);
        }
        close(fd);
        return 0;
}
