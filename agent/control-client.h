/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The client's side of nmifenced's control socket (control-proto.h): one
 * connection, then any number of exchanges of one request line out and
 * one answer line back.  Blocking, each step bounded by an absolute
 * deadline on nf_now_ms()'s clock (CLOCK_MONOTONIC, fence-run.h).
 * Nothing is printed: -errno comes back, and the caller words it.
 */

#include <stddef.h>
#include <stdint.h>

/* Connects to the socket at path by deadline.  Returns the connected fd
 * (non-blocking, close-on-exec; the caller closes it), or -ENAMETOOLONG
 * (path does not fit a sockaddr_un), -ETIMEDOUT (the daemon's listen
 * queue stayed full), else connect(2)'s -errno (-ENOENT, -ECONNREFUSED,
 * ...). */
int nf_ctl_client_connect(const char *path, uint64_t deadline_ms);

/* Writes the whole request (req_len bytes, its line included) by
 * deadline.  0, -ETIMEDOUT, or send(2)'s -errno (-EPIPE: the daemon
 * closed). */
int nf_ctl_client_send(int fd, const char *req, size_t req_len, uint64_t deadline_ms);

/* Reads one answer line by deadline, and not a byte past its newline, so
 * that the fd serves the next exchange.  0 with *ret_line (malloc'd,
 * NUL-terminated, without the newline; the caller frees it) and
 * *ret_len; -ETIMEDOUT; -EMSGSIZE when the line is longer than
 * answer_max bytes (the answer is refused, not truncated); -ECONNRESET
 * when the daemon closed before the line's end (or recv(2)'s -errno);
 * -ENOMEM. */
int nf_ctl_client_read_line(int fd, uint64_t deadline_ms, size_t answer_max, char **ret_line, size_t *ret_len);
