/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fence_nmi's stdin (key=value lines from Pacemaker or a person), read and
 * then validated.  password_script and config are dropped before
 * validation: the one runs a command, the other reads a file, and neither
 * belongs in a fuzzer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fence-agent-params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        nf_fa_raw raw = { 0 };
        nf_fa_conf conf;
        char err[256];
        FILE *in;

        if (!devnull && !(devnull = fopen("/dev/null", "we")))
                abort();
        if (size == 0)
                return 0;
        in = fmemopen((void *) data, size, "r");
        if (!in)
                return 0;
        if (nf_fa_raw_parse_stdin(&raw, in, devnull) == 0) {
                free(raw.value[NF_FA_PASSWORD_SCRIPT]);
                raw.value[NF_FA_PASSWORD_SCRIPT] = NULL;
                free(raw.value[NF_FA_CONFIG]);
                raw.value[NF_FA_CONFIG] = NULL;
                /* debug_file is only opened by fence_nmi.c, not here. */
                if (nf_fa_conf_build(&raw, &conf, devnull, err, sizeof err) == 0)
                        nf_fa_conf_done(&conf);
        }
        nf_fa_raw_done(&raw);
        fclose(in);
        return 0;
}
