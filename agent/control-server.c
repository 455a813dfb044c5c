/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control-server.h"
#include "json-writer.h"

typedef struct conn {
        nf_ctl_server *s;
        int fd;
        sd_event_source *io, *idle;
        struct ucred peer;
        char *in;                       /* NF_CTL_LINE_MAX + 1 */
        size_t in_len;
        bool discarding;                /* the line in progress was too long: drop up to its newline */
        char *out;
        size_t out_len, out_off;
} conn;

struct nf_ctl_server {
        sd_event *e;
        char *path;
        int fd;
        bool bound;                     /* the socket file is ours to remove */
        sd_event_source *io;
        nf_ctl_handler handler;
        void *userdata;
        conn *conns[NF_CTL_MAX_CLIENTS];
};

void nf_ctl_write_error(FILE *out, const char *msg) {
        nf_json j;

        nf_json_begin(&j, out);
        nf_json_object_open(&j, NULL);
        nf_json_bool(&j, "ok", false);
        nf_json_string(&j, "error", msg);
        nf_json_object_close(&j);
        nf_json_end(&j);
}

static void conn_close(conn *c) {
        nf_ctl_server *s = c->s;

        for (size_t i = 0; i < NF_CTL_MAX_CLIENTS; i++)
                if (s->conns[i] == c)
                        s->conns[i] = NULL;
        sd_event_source_disable_unref(c->io);
        sd_event_source_disable_unref(c->idle);
        close(c->fd);
        free(c->in);
        free(c->out);
        free(c);
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000ULL;
}

static void touch(conn *c) {
        (void) sd_event_source_set_time(c->idle, now_usec() + NF_CTL_IDLE_MS * 1000ULL);
        (void) sd_event_source_set_enabled(c->idle, SD_EVENT_ONESHOT);
}

static int flush_out(conn *c) {
        while (c->out_off < c->out_len) {
                ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                break;
                        return -errno;
                }
                c->out_off += (size_t) n;
        }
        if (c->out_off == c->out_len) {
                free(c->out);
                c->out = NULL;
                c->out_len = c->out_off = 0;
        }
        /* wait for room while an answer is pending; otherwise for requests */
        return sd_event_source_set_io_events(c->io, c->out ? EPOLLOUT : EPOLLIN);
}

static void answer(conn *c, const char *line, size_t len, const char *too_long) {
        nf_ctl_request req;
        char perr[300], *buf = NULL;
        size_t blen = 0;
        FILE *f = open_memstream(&buf, &blen);
        int r;

        if (!f)
                return;
        if (too_long)
                c->s->handler(NULL, too_long, &c->peer, f, c->s->userdata);
        else if ((r = nf_ctl_request_parse(line, len, &req, perr, sizeof perr)) < 0)
                c->s->handler(NULL, perr, &c->peer, f, c->s->userdata);
        else {
                c->s->handler(&req, NULL, &c->peer, f, c->s->userdata);
                nf_ctl_request_done(&req);
        }
        fclose(f);
        if (!c->out) {
                c->out = buf;
                c->out_len = blen;
                c->out_off = 0;
                return;
        }
        /* a pipelined request: append */
        char *n = realloc(c->out, c->out_len + blen);
        if (n) {
                memcpy(n + c->out_len, buf, blen);
                c->out = n;
                c->out_len += blen;
        }
        free(buf);
}

static int on_conn(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        conn *c = userdata;
        char too_long[80];

        if (revents & EPOLLOUT) {
                if (flush_out(c) < 0)
                        goto close;
                touch(c);
                return 0;
        }
        if (c->out)                     /* answer the pending one first */
                return sd_event_source_set_io_events(c->io, EPOLLOUT);

        ssize_t n = recv(fd, c->in + c->in_len, NF_CTL_LINE_MAX + 1 - c->in_len, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0)
                goto close;
        touch(c);
        c->in_len += (size_t) n;
        for (;;) {
                char *nl = memchr(c->in, '\n', c->in_len);
                size_t used;
                if (!nl) {
                        if (c->in_len > NF_CTL_LINE_MAX) {
                                if (!c->discarding) {
                                        snprintf(too_long, sizeof too_long, "request line longer than %d bytes",
                                                 NF_CTL_LINE_MAX);
                                        answer(c, NULL, 0, too_long);
                                }
                                c->discarding = true;
                                c->in_len = 0;
                        }
                        break;
                }
                used = (size_t) (nl - c->in);
                if (!c->discarding) {
                        size_t len = used && c->in[used - 1] == '\r' ? used - 1 : used;
                        if (len)
                                answer(c, c->in, len, NULL);
                }
                c->discarding = false;
                memmove(c->in, nl + 1, c->in_len - used - 1);
                c->in_len -= used + 1;
        }
        if (flush_out(c) < 0)
                goto close;
        return 0;
close:
        conn_close(c);
        (void) src;
        return 0;
}

static int on_idle(sd_event_source *src, uint64_t usec, void *userdata) {
        conn_close(userdata);
        (void) src;
        (void) usec;
        return 0;
}

static int on_accept(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        nf_ctl_server *s = userdata;
        socklen_t len = sizeof(struct ucred);
        size_t slot;
        conn *c;
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (cfd < 0)
                return 0;
        for (slot = 0; slot < NF_CTL_MAX_CLIENTS && s->conns[slot]; slot++)
                ;
        if (slot == NF_CTL_MAX_CLIENTS) {
                static const char busy[] = "{\"ok\":false,\"error\":\"too many control connections\"}\n";
                (void) send(cfd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
                close(cfd);
                return 0;
        }
        c = calloc(1, sizeof *c);
        if (!c || !(c->in = malloc(NF_CTL_LINE_MAX + 1))) {
                free(c);
                close(cfd);
                return 0;
        }
        c->s = s;
        c->fd = cfd;
        if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &c->peer, &len) < 0)
                c->peer = (struct ucred) { .pid = 0, .uid = (uid_t) -1, .gid = (gid_t) -1 };
        if (sd_event_add_io(s->e, &c->io, cfd, EPOLLIN, on_conn, c) < 0 ||
            sd_event_add_time(s->e, &c->idle, CLOCK_MONOTONIC, 0, 0, on_idle, c) < 0) {
                sd_event_source_disable_unref(c->io);
                close(cfd);
                free(c->in);
                free(c);
                return 0;
        }
        s->conns[slot] = c;
        touch(c);
        (void) src;
        (void) revents;
        return 0;
}

/* A socket file left by a daemon that died is replaced; one that a live
 * daemon answers on is not (two daemons would fence the same hosts). */
static int clear_stale(const struct sockaddr_un *sa, char *err, size_t errlen) {
        struct stat st;
        int fd, r;

        if (lstat(sa->sun_path, &st) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISSOCK(st.st_mode)) {
                snprintf(err, errlen, "%s exists and is not a socket", sa->sun_path);
                return -EEXIST;
        }
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        r = connect(fd, (const struct sockaddr *) sa, sizeof *sa);
        close(fd);
        if (r == 0) {
                snprintf(err, errlen, "another nmifenced answers on %s", sa->sun_path);
                return -EADDRINUSE;
        }
        if (unlink(sa->sun_path) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

int nf_ctl_server_new(sd_event *e, const char *path, mode_t mode, nf_ctl_handler h, void *userdata,
                      nf_ctl_server **ret, char *err, size_t errlen) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        nf_ctl_server *s;
        mode_t old;
        int r;

        if (!e || !path || !h || !ret)
                return -EINVAL;
        if (strlen(path) >= sizeof sa.sun_path) {
                snprintf(err, errlen, "control socket path %s is longer than %zu bytes", path, sizeof sa.sun_path - 1);
                return -ENAMETOOLONG;
        }
        strcpy(sa.sun_path, path);
        s = calloc(1, sizeof *s);
        if (!s || !(s->path = strdup(path))) {
                free(s);
                snprintf(err, errlen, "out of memory");
                return -ENOMEM;
        }
        s->e = e;
        s->fd = -1;
        s->handler = h;
        s->userdata = userdata;
        /* Under systemd RuntimeDirectory= made it; by hand, make the last
         * level (0700, as the state directory) */
        char *slash = strrchr(sa.sun_path, '/');
        if (slash && slash != sa.sun_path) {
                *slash = 0;
                if (mkdir(sa.sun_path, 0700) < 0 && errno != EEXIST) {
                        r = -errno;
                        snprintf(err, errlen, "control socket directory %s: %s", sa.sun_path, strerror(-r));
                        *slash = '/';
                        goto fail;
                }
                *slash = '/';
        }
        if ((r = clear_stale(&sa, err, errlen)) < 0) {
                if (r != -EEXIST && r != -EADDRINUSE)
                        snprintf(err, errlen, "control socket %s: %s", path, strerror(-r));
                goto fail;
        }
        s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (s->fd < 0) {
                r = -errno;
                snprintf(err, errlen, "control socket: %s", strerror(-r));
                goto fail;
        }
        /* created with the final mode: no window where others may connect */
        old = umask(~mode & 0777);
        r = bind(s->fd, (const struct sockaddr *) &sa, sizeof sa) < 0 ? -errno : 0;
        umask(old);
        s->bound = r == 0;
        if (r == 0 && chmod(path, mode) < 0)
                r = -errno;
        if (r == 0 && listen(s->fd, 16) < 0)
                r = -errno;
        if (r < 0) {
                snprintf(err, errlen, "control socket %s: %s", path, strerror(-r));
                goto fail;
        }
        if ((r = sd_event_add_io(e, &s->io, s->fd, EPOLLIN, on_accept, s)) < 0) {
                snprintf(err, errlen, "control socket: event loop: %s", strerror(-r));
                goto fail;
        }
        *ret = s;
        return 0;
fail:
        nf_ctl_server_free(s);
        return r;
}

nf_ctl_server *nf_ctl_server_free(nf_ctl_server *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < NF_CTL_MAX_CLIENTS; i++)
                if (s->conns[i])
                        conn_close(s->conns[i]);
        sd_event_source_disable_unref(s->io);
        if (s->fd >= 0)
                close(s->fd);
        if (s->bound)
                (void) unlink(s->path);
        free(s->path);
        free(s);
        return NULL;
}
