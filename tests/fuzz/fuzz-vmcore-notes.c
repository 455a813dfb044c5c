/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/vmcore's ELF header and PT_NOTE segments: a crashed kernel's data. */
#include <stddef.h>
#include <stdint.h>

#include "vmcore-notes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        nf_vmcore_cpus cpus;
        int r;

        r = nf_vmcore_count_cpus_buf(data, size, &cpus);
        if (r < 0)
                (void) nf_vmcore_strerror(r);
        return 0;
}
