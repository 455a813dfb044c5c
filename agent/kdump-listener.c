/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kdump-listener.h"

struct nf_kdump_listener {
        int fd;
        uint16_t port;
        nf_kdump_sources sources;
        bool any_source;                /* the caller demultiplexes */
        nf_ratelimit rl;
};

nf_kdump_decode nf_kdump_msg_decode(const void *buf, size_t len) {
        uint32_t magic, version;

        if (!buf || len != NF_KDUMP_MSG_LEN)
                return NF_KDUMP_MSG_BAD_LENGTH;
        memcpy(&magic, buf, 4);
        memcpy(&version, (const uint8_t *) buf + 4, 4);
        if (magic != NF_KDUMP_MAGIC)
                return NF_KDUMP_MSG_BAD_MAGIC;
        if (version != NF_KDUMP_VERSION)
                return NF_KDUMP_MSG_BAD_VERSION;
        return NF_KDUMP_MSG_OK;
}

const char *nf_kdump_decode_str(nf_kdump_decode d) {
        switch (d) {
        case NF_KDUMP_MSG_OK:
                return "fence_kdump v1 message";
        case NF_KDUMP_MSG_BAD_LENGTH:
                return "not 8 bytes long";
        case NF_KDUMP_MSG_BAD_MAGIC:
                return "wrong magic (not fence_kdump)";
        case NF_KDUMP_MSG_BAD_VERSION:
                return "unsupported fence_kdump version";
        }
        return "invalid";
}

void nf_kdump_msg_encode(uint8_t ret[NF_KDUMP_MSG_LEN]) {
        uint32_t magic = NF_KDUMP_MAGIC, version = NF_KDUMP_VERSION;

        memcpy(ret, &magic, 4);
        memcpy(ret + 4, &version, 4);
}

int nf_kdump_sources_parse(const char *list, nf_kdump_sources *ret, char *err, size_t errlen) {
        nf_kdump_sources s = {};
        const char *p = list;

        if (!list || !ret || !err)
                return -EINVAL;
        while (*p) {
                char item[INET6_ADDRSTRLEN + 1];
                size_t n;

                p += strspn(p, " \t,");
                n = strcspn(p, " \t,");
                if (n == 0)
                        break;
                if (n >= sizeof item) {
                        snprintf(err, errlen, "kdump source '%.*s...' is not an IP address", 20, p);
                        return -EINVAL;
                }
                memcpy(item, p, n);
                item[n] = '\0';
                p += n;
                if (s.n >= NF_KDUMP_MAX_SOURCES) {
                        snprintf(err, errlen, "more than %d kdump sources", NF_KDUMP_MAX_SOURCES);
                        return -EINVAL;
                }
                struct sockaddr_in *a4 = (struct sockaddr_in *) &s.addr[s.n];
                struct sockaddr_in6 *a6 = (struct sockaddr_in6 *) &s.addr[s.n];
                if (inet_pton(AF_INET, item, &a4->sin_addr) == 1)
                        a4->sin_family = AF_INET;
                else if (inet_pton(AF_INET6, item, &a6->sin6_addr) == 1)
                        a6->sin6_family = AF_INET6;
                else {
                        snprintf(err, errlen, "kdump source '%s' is not an IP address", item);
                        return -EINVAL;
                }
                s.n++;
        }
        if (s.n == 0) {
                snprintf(err, errlen, "no kdump source address given");
                return -EINVAL;
        }
        *ret = s;
        return 0;
}

bool nf_kdump_sources_match(const nf_kdump_sources *s, const struct sockaddr *from, socklen_t len) {
        struct in_addr v4;
        bool is_v4 = false;

        if (!s || !from)
                return false;
        if (from->sa_family == AF_INET && len >= (socklen_t) sizeof(struct sockaddr_in)) {
                v4 = ((const struct sockaddr_in *) from)->sin_addr;
                is_v4 = true;
        } else if (from->sa_family == AF_INET6 && len >= (socklen_t) sizeof(struct sockaddr_in6)) {
                const struct in6_addr *a = &((const struct sockaddr_in6 *) from)->sin6_addr;
                if (IN6_IS_ADDR_V4MAPPED(a)) {
                        memcpy(&v4, a->s6_addr + 12, 4);
                        is_v4 = true;
                } else {
                        for (size_t i = 0; i < s->n; i++)
                                if (s->addr[i].ss_family == AF_INET6 &&
                                    !memcmp(&((const struct sockaddr_in6 *) &s->addr[i])->sin6_addr, a, sizeof *a))
                                        return true;
                        return false;
                }
        } else
                return false;
        if (is_v4)
                for (size_t i = 0; i < s->n; i++)
                        if (s->addr[i].ss_family == AF_INET &&
                            ((const struct sockaddr_in *) &s->addr[i])->sin_addr.s_addr == v4.s_addr)
                                return true;
        return false;
}

bool nf_ratelimit_allow(nf_ratelimit *rl, uint64_t now, unsigned burst, uint64_t window_ms) {
        if (rl->in_window == 0 || now >= rl->window_start + window_ms) {
                rl->window_start = now;
                rl->in_window = 0;
        }
        if (rl->in_window < burst) {
                rl->in_window++;
                return true;
        }
        rl->suppressed++;
        return false;
}

static int bind_addr(const char *addr, uint16_t port, struct sockaddr_storage *ss, socklen_t *len) {
        struct sockaddr_in *a4 = (struct sockaddr_in *) ss;
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *) ss;

        memset(ss, 0, sizeof *ss);
        if (!addr || !*addr) {
                a4->sin_family = AF_INET;
                a4->sin_addr.s_addr = htonl(INADDR_ANY);
                a4->sin_port = htons(port);
                *len = sizeof *a4;
        } else if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
                a4->sin_family = AF_INET;
                a4->sin_port = htons(port);
                *len = sizeof *a4;
        } else if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
                a6->sin6_family = AF_INET6;
                a6->sin6_port = htons(port);
                *len = sizeof *a6;
        } else
                return -EINVAL;
        return 0;
}

int nf_kdump_listener_open(const char *addr, uint16_t port, const char *sources, nf_kdump_listener **ret, char *err,
                           size_t errlen) {
        nf_kdump_listener *l;
        struct sockaddr_storage ss;
        socklen_t len;
        int r;

        if (!ret || !err)
                return -EINVAL;
        l = calloc(1, sizeof *l);
        if (!l)
                return -ENOMEM;
        l->fd = -1;
        l->any_source = !sources;
        if (sources && (r = nf_kdump_sources_parse(sources, &l->sources, err, errlen)) < 0)
                goto fail;
        if (bind_addr(addr, port, &ss, &len) < 0) {
                snprintf(err, errlen, "kdump listen address '%s' is not an IP address", addr);
                r = -EINVAL;
                goto fail;
        }
        l->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (l->fd < 0 || bind(l->fd, (struct sockaddr *) &ss, len) < 0) {
                r = -errno;
                snprintf(err, errlen, "cannot listen for fence_kdump on %s port %u: %s",
                         addr && *addr ? addr : "*", (unsigned) port, strerror(errno));
                goto fail;
        }
        len = sizeof ss;
        if (getsockname(l->fd, (struct sockaddr *) &ss, &len) < 0) {
                r = -errno;
                snprintf(err, errlen, "getsockname: %s", strerror(errno));
                goto fail;
        }
        l->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *) &ss)->sin_port
                                                : ((struct sockaddr_in6 *) &ss)->sin6_port);
        *ret = l;
        return 0;
fail:
        nf_kdump_listener_free(l);
        return r;
}

nf_kdump_listener *nf_kdump_listener_free(nf_kdump_listener *l) {
        if (!l)
                return NULL;
        if (l->fd >= 0)
                close(l->fd);
        free(l);
        return NULL;
}

int nf_kdump_listener_fd(const nf_kdump_listener *l) {
        return l ? l->fd : -1;
}

uint16_t nf_kdump_listener_port(const nf_kdump_listener *l) {
        return l ? l->port : 0;
}

static void addr_str(const struct sockaddr_storage *ss, char *buf, size_t len) {
        const void *a = ss->ss_family == AF_INET ? (const void *) &((const struct sockaddr_in *) ss)->sin_addr
                                                 : (const void *) &((const struct sockaddr_in6 *) ss)->sin6_addr;
        if (!inet_ntop(ss->ss_family, a, buf, (socklen_t) len))
                snprintf(buf, len, "?");
}

int nf_kdump_listener_drain(nf_kdump_listener *l, uint64_t now, nf_kdump_event_fn fn, void *userdata) {
        int accepted = 0;

        if (!l)
                return -EINVAL;
        /* bounded: a flood cannot keep the caller here */
        for (int i = 0; i < 256; i++) {
                uint8_t buf[64];
                struct sockaddr_storage from;
                socklen_t flen = sizeof from;
                nf_kdump_event ev = {};
                ssize_t n = recvfrom(l->fd, buf, sizeof buf, MSG_TRUNC, (struct sockaddr *) &from, &flen);

                if (n < 0) {
                        if (errno == EAGAIN || errno == EWOULDBLOCK)
                                break;
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                ev.len = (size_t) n;
                addr_str(&from, ev.from, sizeof ev.from);
                ev.sa = from;
                ev.sa_len = flen;
                if (!l->any_source && !nf_kdump_sources_match(&l->sources, (struct sockaddr *) &from, flen))
                        ev.kind = NF_KDUMP_EV_IGNORED_SOURCE;
                else {
                        ev.decode = nf_kdump_msg_decode(buf, (size_t) n > sizeof buf ? sizeof buf + 1 : (size_t) n);
                        ev.kind = ev.decode == NF_KDUMP_MSG_OK ? NF_KDUMP_EV_ACCEPTED : NF_KDUMP_EV_MALFORMED;
                }
                if (ev.kind == NF_KDUMP_EV_ACCEPTED) {
                        accepted++;
                        ev.log = true;
                } else {
                        unsigned before = l->rl.suppressed;
                        ev.log = nf_ratelimit_allow(&l->rl, now, NF_KDUMP_LOG_BURST, NF_KDUMP_LOG_WINDOW_MS);
                        if (ev.log) {
                                ev.suppressed = before;
                                l->rl.suppressed = 0;
                        }
                }
                if (fn)
                        fn(&ev, userdata);
        }
        return accepted;
}

void nf_kdump_event_format(const nf_kdump_event *ev, char *buf, size_t len) {
        int n;

        switch (ev->kind) {
        case NF_KDUMP_EV_ACCEPTED:
                n = snprintf(buf, len, "fence_kdump message from %s: the target is in kdump", ev->from);
                break;
        case NF_KDUMP_EV_IGNORED_SOURCE:
                n = snprintf(buf, len, "fence_kdump datagram from %s ignored: not a configured kdump source",
                             ev->from);
                break;
        default:
                n = snprintf(buf, len, "fence_kdump datagram from %s ignored: %zu bytes, %s", ev->from, ev->len,
                             nf_kdump_decode_str(ev->decode));
                break;
        }
        if (ev->suppressed && n >= 0 && (size_t) n < len)
                snprintf(buf + n, len - (size_t) n, " (%u similar ones not logged)", ev->suppressed);
}
