/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dump-event.h"
#include "host-watch.h"
#include "os-stop.h"

static int visit(const nf_sel_record *rec, void *userdata) {
        nf_live_poll *o = userdata;
        nf_stage_msg m;
        nf_os_stop st;

        if (!rec->is_event)
                return 0;
        /* The target's own records are OS Critical Stop events too
         * (docs/protocol.md): ours first, by generator id and version. */
        if (!nf_stage_decode(&rec->event, &m)) {
                if (nf_os_stop_decode(&rec->event, &st)) {
                        if (st.critical) {
                                o->os_critical = true;
                                o->os_critical_kind = st.kind;
                        } else
                                o->os_graceful = true;
                }
                return 0;
        }
        switch (m.stage) {
        case NF_STAGE_DUMP_START:
        case NF_STAGE_PROGRESS:
        case NF_STAGE_CPUS:
                o->dump_record = true;
                break;
        case NF_STAGE_DUMP_DONE:
        case NF_STAGE_DUMP_FAILED:
                o->dump_record = true;
                o->dump_end = true;
                break;
        case NF_STAGE_ARMED:
                /* A fresh boot after a dump: what came before is over. */
                o->dump_record = o->dump_end = false;
                break;
        default:
                break;
        }
        return 0;
}

static bool failed(nf_host_watch *w, nf_status s) {
        if (s == NF_OK)
                return false;
        w->err = *nf_session_last_error(w->session);
        /* Only "no answer" means the session is gone; a completion code
         * is an answer. */
        if (s != NF_E_COMPLETION && s != NF_E_SHORT_RESPONSE && s != NF_E_NOT_FOUND)
                w->session_broken = true;
        return true;
}

void nf_host_watch_poll(nf_host_watch *w, nf_live_poll *o) {
        nf_chassis_status cs;
        bool cleared = false;
        nf_status s;

        memset(o, 0, sizeof *o);
        w->polls++;
        if (!w->session) {
                s = nf_session_open_lan(&w->lan, &w->session, &w->err);
                if (s != NF_OK)
                        goto lost;
        } else if (w->session_broken) {
                if (nf_session_reopen(w->session) != NF_OK) {
                        w->err = *nf_session_last_error(w->session);
                        goto lost;
                }
        }
        w->session_broken = false;

        s = nf_get_chassis_status(w->session, &cs);
        if (failed(w, s)) {
                if (w->session_broken)
                        goto lost;
        } else {
                o->power_known = true;
                o->power_on = cs.power_on;
        }
        o->bmc_ok = true;

        s = nf_get_watchdog(w->session, &o->wd);
        w->wd_error_known = failed(w, s);
        if (w->session_broken)
                goto lost;
        o->wd_known = !w->wd_error_known;

        if (!w->cursor_valid) {
                /* Only what happens from now on: the SEL's past is not news. */
                if (!failed(w, nf_sel_cursor_init(w->session, &w->cursor)))
                        w->cursor_valid = true;
        } else if (failed(w, nf_sel_read_new(w->session, &w->cursor, visit, o, &cleared))) {
                if (w->session_broken)
                        goto lost;
        }
        return;
lost:
        w->failures++;
        memset(o, 0, sizeof *o);
        o->bmc_ok = false;
}

void nf_host_watch_done(nf_host_watch *w) {
        w->session = nf_session_free(w->session);
}

bool nf_tcp_probe(const char *host, uint16_t port, unsigned timeout_ms) {
        struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai = NULL;
        char portstr[8];
        bool ok = false;
        int fd = -1, err = 0;
        socklen_t len = sizeof err;
        struct pollfd pfd;

        snprintf(portstr, sizeof portstr, "%u", (unsigned) port);
        if (getaddrinfo(host, portstr, &hints, &ai) != 0 || !ai)
                return false;
        fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                goto out;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
                ok = true;
                goto out;
        }
        if (errno != EINPROGRESS)
                goto out;
        pfd = (struct pollfd) { .fd = fd, .events = POLLOUT };
        if (poll(&pfd, 1, (int) timeout_ms) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
                ok = true;
out:
        if (fd >= 0)
                close(fd);
        freeaddrinfo(ai);
        return ok;
}
