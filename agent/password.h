/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Where the BMC password comes from.  Never argv: a password file (mode
 * 0600 or stricter, owned by the user running the agent), a password
 * script, the configuration, an environment variable, or a prompt on the
 * terminal, in that order.  Every copy made here is wiped when freed,
 * stdio buffers included.
 */

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

typedef enum nf_password_source {
        NF_PW_NONE,
        NF_PW_FILE_OPTION,
        NF_PW_SCRIPT_OPTION,
        NF_PW_CONFIG_FILE,
        NF_PW_CONFIG_SCRIPT,
        NF_PW_CONFIG,
        NF_PW_ENV,
        NF_PW_PROMPT,
} nf_password_source;

const char *nf_password_source_str(nf_password_source s);

/* Read the first line of a password file; refuses files readable or
 * writable by group or others, and files not owned by the effective user.
 * Returns 0 or -errno, err filled in. */
int nf_password_read_file(const char *path, char **ret, char *err, size_t errlen);

/* Run a password script through /bin/sh, as fencing.py does, and keep
 * the first line of its output.  Returns 0 or -errno, err filled in. */
int nf_password_run_script(const char *script, char **ret, char *err, size_t errlen);

/* Resolve per the order above.  option_file, option_script and env_var
 * may be NULL (env_var: NMIFENCE_PASSWORD).  Returns 0 or -errno with err
 * filled in. */
int nf_password_resolve(const nf_host_conf *h, const char *option_file, const char *option_script,
                        const char *env_var, bool may_prompt, char **ret, nf_password_source *ret_source, char *err,
                        size_t errlen);

/* Wipe and free; returns NULL. */
char *nf_password_free(char *p);
