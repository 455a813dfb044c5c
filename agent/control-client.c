/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "control-client.h"
#include "fence-run.h"

/* Waits for fd to be ready for events until deadline (monotonic ms). */
static int wait_fd(int fd, short events, uint64_t deadline) {
        for (;;) {
                uint64_t now = nf_now_ms();
                struct pollfd pfd = { .fd = fd, .events = events };
                uint64_t left;
                int n;

                if (now >= deadline)
                        return -ETIMEDOUT;
                left = deadline - now;
                n = poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int) left);
                if (n > 0)
                        return 0;
                if (n < 0 && errno != EINTR)
                        return -errno;
        }
}

int nf_ctl_client_connect(const char *path, uint64_t deadline_ms) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd, r;

        if (!path)
                return -EINVAL;
        if (strlen(path) >= sizeof sa.sun_path)
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
                return -errno;
        for (;;) {
                uint64_t now = nf_now_ms(), left;
                struct timeval tv;

                if (now >= deadline_ms) {
                        r = -ETIMEDOUT;
                        goto fail;
                }
                left = deadline_ms - now;
                tv = (struct timeval) { .tv_sec = (time_t) (left / 1000), .tv_usec = (suseconds_t) (left % 1000) * 1000 };
                /* A blocking connect(2) to an AF_UNIX socket whose listen
                 * queue is full waits for room, bounded by SO_SNDTIMEO
                 * (then EAGAIN); a non-blocking one fails at once with
                 * EAGAIN and gives nothing to poll for.  left >= 1 ms
                 * here, so tv is never 0 (which means "no bound"). */
                if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0) {
                        r = -errno;
                        goto fail;
                }
                if (connect(fd, (struct sockaddr *) &sa, sizeof sa) == 0)
                        break;
                /* Interrupted or timed out before anything was queued:
                 * the socket is still unconnected, so trying again (or
                 * seeing the deadline passed) is right. */
                if (errno != EAGAIN && errno != EINTR) {
                        r = -errno;
                        goto fail;
                }
        }
        /* Send and read wait in poll(2), against the caller's deadline. */
        if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
                r = -errno;
                goto fail;
        }
        return fd;
fail:
        close(fd);
        return r;
}

int nf_ctl_client_send(int fd, const char *req, size_t req_len, uint64_t deadline_ms) {
        if (fd < 0)
                return -EBADF;
        if (!req && req_len)
                return -EINVAL;
        for (size_t off = 0; off < req_len;) {
                ssize_t w;
                int r;

                if ((r = wait_fd(fd, POLLOUT, deadline_ms)) < 0)
                        return r;
                w = send(fd, req + off, req_len - off, MSG_NOSIGNAL);
                if (w < 0 && errno != EAGAIN && errno != EINTR)
                        return -errno;
                if (w > 0)
                        off += (size_t) w;
        }
        return 0;
}

int nf_ctl_client_read_line(int fd, uint64_t deadline_ms, size_t answer_max, char **ret_line, size_t *ret_len) {
        /* The line and its newline: more than this without one is refused. */
        size_t limit = answer_max + 1, len = 0, cap = 0;
        char *buf = NULL;
        int r;

        if (fd < 0)
                return -EBADF;
        if (!ret_line || !ret_len || answer_max > SIZE_MAX / 2)
                return -EINVAL;
        for (;;) {
                ssize_t got, take;
                char *nl;

                if (len == cap) {
                        size_t ncap = cap ? cap * 2 : 4096;
                        char *nb;

                        if (ncap > limit)
                                ncap = limit;
                        if (!(nb = realloc(buf, ncap))) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        buf = nb;
                        cap = ncap;
                }
                if ((r = wait_fd(fd, POLLIN, deadline_ms)) < 0)
                        goto fail;
                /* Peeked first, then only up to the newline taken: what
                 * the daemon sent after it belongs to the next exchange
                 * on this fd. */
                got = recv(fd, buf + len, cap - len, MSG_PEEK);
                if (got < 0 && (errno == EAGAIN || errno == EINTR))
                        continue;
                if (got <= 0) {
                        r = got < 0 ? -errno : -ECONNRESET;
                        goto fail;
                }
                nl = memchr(buf + len, '\n', (size_t) got);
                take = nl ? nl - (buf + len) + 1 : got;
                /* The bytes just peeked: queued, and this reader's alone. */
                got = recv(fd, buf + len, (size_t) take, 0);
                if (got != take) {
                        r = got < 0 ? -errno : -EIO;
                        goto fail;
                }
                len += (size_t) take;
                if (nl) {
                        buf[len - 1] = 0;
                        *ret_line = buf;
                        *ret_len = len - 1;
                        return 0;
                }
                if (len == limit) {
                        r = -EMSGSIZE;
                        goto fail;
                }
        }
fail:
        free(buf);
        return r;
}
