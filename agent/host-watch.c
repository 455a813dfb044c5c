/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host-watch.h"
#include "session-step.h"
#include "watch-plan.h"

void nf_host_watch_begin(nf_host_watch *w, nf_watch_plan *p) {
        nf_watch_memory m = {
                .session_broken = w->session_broken,
                .cursor = w->cursor,
                .cursor_valid = w->cursor_valid,
                .wd_error_known = w->wd_error_known,
        };

        w->polls++;
        nf_watch_plan_init(p, w->session != NULL, &m);
}

void nf_host_watch_end(nf_host_watch *w, const nf_watch_plan *p, nf_live_poll *o) {
        nf_watch_memory m;

        if (nf_watch_plan_finish(p, o, &m, &w->err))
                w->failures++;
        w->requests += p->requests;
        w->session_broken = m.session_broken;
        w->cursor = m.cursor;
        w->cursor_valid = m.cursor_valid;
        w->wd_error_known = m.wd_error_known;
}

void nf_host_watch_poll(nf_host_watch *w, nf_live_poll *o) {
        nf_watch_plan p;

        nf_host_watch_begin(w, &p);
        (void) nf_session_run_plan(&w->session, &w->lan, &w->err, &nf_watch_plan_ops, &p);
        nf_host_watch_end(w, &p, o);
}

void nf_host_watch_done(nf_host_watch *w) {
        w->session = nf_session_free(w->session);
}

int nf_tcp_probe_begin(const char *host, uint16_t port, bool *ret_ok) {
        struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai = NULL;
        char portstr[8];
        int fd = -1;

        *ret_ok = false;
        snprintf(portstr, sizeof portstr, "%u", (unsigned) port);
        if (getaddrinfo(host, portstr, &hints, &ai) != 0 || !ai)
                return -1;
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
                *ret_ok = true;
        else if (fd >= 0 && errno == EINPROGRESS) {
                freeaddrinfo(ai);
                return fd;
        }
        if (fd >= 0)
                close(fd);
        freeaddrinfo(ai);
        return -1;
}

bool nf_tcp_probe_end(int fd) {
        int err = 0;
        socklen_t len = sizeof err;
        bool ok = getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;

        close(fd);
        return ok;
}

bool nf_tcp_probe(const char *host, uint16_t port, unsigned timeout_ms) {
        bool ok;
        int fd = nf_tcp_probe_begin(host, port, &ok);
        struct pollfd pfd = { .fd = fd, .events = POLLOUT };

        if (fd < 0)
                return ok;
        if (poll(&pfd, 1, (int) timeout_ms) == 1)
                return nf_tcp_probe_end(fd);
        close(fd);
        return false;
}
