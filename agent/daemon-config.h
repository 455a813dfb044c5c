/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * nmifenced's `daemon { ... }` section of the libconfig file (the hosts
 * and their BMC settings are config.c's).  Parsed once, range-checked,
 * errors as "FILE:LINE: what is wrong"; nothing printed here.
 */

#include <stddef.h>
#include <stdint.h>

typedef struct nf_daemon_conf {
        uint64_t poll_interval_ms;      /* BMC poll per host */
        uint64_t grace_ms;              /* evidence of death -> decision */
        uint64_t bmc_lost_after_ms;     /* BMC silence -> bmc-lost (an alert) */
        uint64_t dump_stall_ms;         /* a host's own dump: silence that ends it */
        unsigned max_fences;            /* fences the daemon starts per window (0: none) */
        uint64_t fence_window_ms;
        uint16_t probe_port;            /* TCP probe port, 0 = off */
        uint64_t probe_interval_ms;
        uint64_t probe_timeout_ms;
        unsigned probe_failures;
        unsigned fanout;                /* BMC requests in flight at once */
        char *control_socket;           /* unix socket path */
        char *state_dir;                /* locks and persisted fences; NULL: nf_state_dir() */
} nf_daemon_conf;

#define NF_DAEMON_CONTROL_SOCKET "/run/nmifence/nmifenced.sock"

void nf_daemon_conf_defaults(nf_daemon_conf *ret);
/* Reads only the daemon section of path (absent: the defaults).  Returns
 * 0, or -EINVAL/-ENOENT/-ENOMEM with err filled in. */
int nf_daemon_conf_load(const char *path, nf_daemon_conf *ret, char *err, size_t errlen);
void nf_daemon_conf_done(nf_daemon_conf *c);
