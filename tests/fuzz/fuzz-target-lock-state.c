/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The persisted operation state (KEY.state under /run/nmifence): a file
 * another process, or a crash halfway through a write, left behind.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "target-lock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static nf_op_state st, again;
        static char buf[NF_OP_STATE_MAX_SIZE];
        char err[256];
        int n;

        if (size > NF_OP_STATE_MAX_SIZE)
                return 0;
        if (nf_op_state_parse((const char *) data, size, &st, err, sizeof err) < 0)
                return 0;
        /* What was accepted must format, and the result parse again. */
        n = nf_op_state_format(&st, buf, sizeof buf);
        if (n < 0)
                abort();
        if (nf_op_state_parse(buf, (size_t) n, &again, err, sizeof err) < 0)
                abort();
        return 0;
}
