/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The requester's side of the release point: nmifenced's control socket
 * (control-proto.h) asked to adopt the rest of an operation, or whether it
 * is there at all.  Blocking, bounded by timeout_ms in all (connect, send,
 * answer).  Nothing is printed: errors come back as -errno and a sentence
 * in err that names the socket.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NF_RELEASE_HANDOFF_TIMEOUT_MS 5000

/* Sends {"command":"adopt",...} for target ("address:port") and waits for
 * the answer.  0: the daemon took the host on (ret_host, may be NULL: its
 * name for the host); -EPERM: it refused (err holds its reason);
 * -ECONNREFUSED/-ENOENT/...: no daemon; -ETIMEDOUT; -EBADMSG: not an
 * answer. */
int nf_release_handoff(const char *socket_path, const char *target, bool reboot, pid_t pid, uint64_t timeout_ms,
                       char *ret_host, size_t hostlen, char *err, size_t errlen);

/* Asks {"command":"status"}: 0 when the daemon answers and has a host
 * whose BMC is bmc; -ESRCH when it answers without one (err says so);
 * else -errno as above. */
int nf_release_probe(const char *socket_path, const char *bmc, uint64_t timeout_ms, char *err, size_t errlen);
