/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The RMCP+ engine on a connected, non-blocking UDP socket (lan-link.h).
 *
 * ICMP port unreachable.  A BMC address where nothing listens on the UDP
 * port answers every datagram with an ICMP port unreachable; Linux hands
 * it to a connected UDP socket as ECONNREFUSED on the next recv() (or
 * send()).  On some boards the host's OS refuses a packet while the BMC,
 * sharing the NIC, answers it a little later (a note libfreeipmi took from
 * ipmitool), so one refusal does not end anything: the set-up ends with
 * NF_E_REFUSED only when the engine is about to send again (its
 * retransmission, one retransmission timeout later) and nothing at all
 * came on the socket since the refused datagram.  On an established
 * session a refusal has no effect of its own: a restarting BMC refuses for
 * a moment and may then report a power state it has not read yet, and the
 * request bound (NF_E_SESSION_LOST, then the agent's reopen) already
 * covers it.  The other ICMP errors (host or network unreachable) are
 * read past, so a host that is briefly unreachable still gets the whole
 * session timeout.
 */

#include <assert.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lan-link.h"

#define LAN_DEFAULT_PORT 623
#define LAN_DEFAULT_SESSION_TIMEOUT_MS 20000
#define LAN_DEFAULT_RETRANSMIT_TIMEOUT_MS 1000
#define LAN_MAX_USER 16
#define LAN_MAX_PASSWORD 20     /* IPMI 2.0 passwords are at most 20 bytes */
#define LAN_MAX_KG 20

struct nf_lan_link {
        int fd;
        nf_rmcpp *engine;
        nf_lan_params params;           /* defaults filled in */
        char *host;                     /* params.host points here */
        /* Refusal bookkeeping, per datagram sent (see the top). */
        bool answered;                  /* a datagram came since the last send */
        bool refused;                   /* ECONNREFUSED since then, nothing else */
        /* An event the link itself brought about, handed out by on_time. */
        nf_rmcpp_event pending;
        bool own_error;                 /* error below is the last failure's reason */
        nf_error error;
};

uint64_t nf_lan_link_now_ms(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static nf_status check_params(const nf_lan_params *p, nf_error *ret_err) {
        if (!p->host || !p->host[0])
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0, "no BMC host");
        if (!p->user)
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0, "no user (use \"\" for the null user)");
        if (strlen(p->user) > LAN_MAX_USER)
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0, "user name longer than 16 bytes");
        if (p->password && strlen(p->password) > LAN_MAX_PASSWORD)
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0, "password longer than 20 bytes");
        if (p->k_g_len > LAN_MAX_KG || (p->k_g_len > 0 && !p->k_g))
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0, "K_g longer than 20 bytes");
        if (p->cipher_suite > 17)
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0, "cipher suite id above 17");
        if (p->privilege != 0 && p->privilege != NF_PRIV_USER && p->privilege != NF_PRIV_OPERATOR &&
            p->privilege != NF_PRIV_ADMIN)
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0, "unknown privilege level");
        if (p->session_timeout_ms && p->retransmit_timeout_ms &&
            p->retransmit_timeout_ms >= p->session_timeout_ms)
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0,
                                    "retransmit timeout must be below the session timeout");
        return NF_OK;
}

static void fill_defaults(nf_lan_params *p) {
        if (!p->port)
                p->port = LAN_DEFAULT_PORT;
        if (!p->privilege)
                p->privilege = NF_PRIV_OPERATOR;
        if (!p->session_timeout_ms)
                p->session_timeout_ms = LAN_DEFAULT_SESSION_TIMEOUT_MS;
        if (!p->retransmit_timeout_ms) {
                /* The default per-packet timeout stays below a short
                 * session timeout: at least two tries per request. */
                p->retransmit_timeout_ms = LAN_DEFAULT_RETRANSMIT_TIMEOUT_MS;
                if (p->retransmit_timeout_ms >= p->session_timeout_ms)
                        p->retransmit_timeout_ms = p->session_timeout_ms / 2 ? p->session_timeout_ms / 2 : 1;
        }
}

/* A connected UDP socket to the first address of host:port that takes one
 * (IPv4 or IPv6, whichever the resolver lists first). */
static nf_status connect_socket(const char *host, uint16_t port, int *ret_fd, nf_error *ret_err) {
        struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM,
                                  .ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG };
        struct addrinfo *res = NULL;
        char service[8], detail[sizeof(ret_err->detail)];
        int r, fd = -1, err = 0;

        snprintf(service, sizeof(service), "%u", (unsigned) port);
        r = getaddrinfo(host, service, &hints, &res);
        if (r != 0) {
                snprintf(detail, sizeof(detail), "cannot resolve BMC host %.64s: %s", host, gai_strerror(r));
                if (r == EAI_SYSTEM)
                        return nf_error_set_errno(ret_err, NF_E_IO, errno, detail);
                return nf_error_set(ret_err, r == EAI_NONAME || r == EAI_FAIL ? NF_E_INVALID_ARG : NF_E_IO, 0, 0,
                                    detail);
        }
        for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
                fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
                if (fd < 0) {
                        err = errno;
                        continue;
                }
                if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
                        break;
                err = errno;
                close(fd);
                fd = -1;
        }
        freeaddrinfo(res);
        if (fd < 0) {
                snprintf(detail, sizeof(detail), "no socket to BMC %.64s:%u", host, (unsigned) port);
                return nf_error_set_errno(ret_err, NF_E_IO, err, detail);
        }
        *ret_fd = fd;
        return NF_OK;
}

nf_status nf_lan_link_new(const nf_lan_params *p, nf_lan_link **ret, nf_error *ret_err) {
        nf_lan_link *l;
        nf_status r;

        if (!p || !ret)
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0, "no parameters or output pointer");
        r = check_params(p, ret_err);
        if (r != NF_OK)
                return r;

        l = calloc(1, sizeof(*l));
        if (!l)
                return nf_error_set(ret_err, NF_E_NOMEM, 0, 0, NULL);
        l->fd = -1;
        l->params = *p;
        fill_defaults(&l->params);
        l->host = strdup(p->host);
        if (!l->host) {
                nf_lan_link_free(l);
                return nf_error_set(ret_err, NF_E_NOMEM, 0, 0, NULL);
        }
        l->params.host = l->host;
        /* The engine keeps its own copies of the secrets; the link none. */
        r = nf_rmcpp_new(&l->params, &l->engine, ret_err);
        l->params.password = NULL;
        l->params.k_g = NULL;
        l->params.k_g_len = 0;
        if (r == NF_OK)
                r = connect_socket(l->host, l->params.port, &l->fd, ret_err);
        if (r != NF_OK) {
                nf_lan_link_free(l);
                return r;
        }
        nf_error_clear(ret_err);
        *ret = l;
        return NF_OK;
}

nf_lan_link *nf_lan_link_free(nf_lan_link *l) {
        if (!l)
                return NULL;
        if (l->fd >= 0)
                close(l->fd);
        nf_rmcpp_free(l->engine);
        free(l->host);
        free(l);
        return NULL;
}

int nf_lan_link_fd(const nf_lan_link *l) {
        return l ? l->fd : -1;
}

uint64_t nf_lan_link_deadline(const nf_lan_link *l) {
        if (!l)
                return UINT64_MAX;
        if (l->pending != NF_RMCPP_EV_NONE)
                return 0;
        return nf_rmcpp_deadline(l->engine);
}

static bool in_setup(nf_rmcpp_state st) {
        return st == NF_RMCPP_AUTH_CAPS || st == NF_RMCPP_OPEN_SESSION || st == NF_RMCPP_RAKP1 ||
               st == NF_RMCPP_RAKP3 || st == NF_RMCPP_SET_PRIV;
}

/* The set-up's datagrams were refused by the port and nothing answered:
 * the engine is stopped (CLOSED, no Close Session: there is no session)
 * and the set-up fails with the link's reason. */
static nf_rmcpp_event fail_refused(nf_lan_link *l, uint64_t now_ms) {
        char detail[sizeof(l->error.detail)];

        (void) nf_rmcpp_close(l->engine, now_ms);
        snprintf(detail, sizeof(detail), "nothing listens on %.64s:%u", l->host, (unsigned) l->params.port);
        nf_error_set(&l->error, NF_E_REFUSED, 0, 0, detail);
        l->own_error = true;
        return NF_RMCPP_EV_OPEN_FAILED;
}

/* Errors a connected UDP socket gets from ICMP (net/ipv4/icmp.c,
 * icmp_err_convert, the fatal ones) or from a local neighbour failure. */
static bool icmp_errno(int e) {
        return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH || e == EHOSTDOWN || e == ENONET ||
               e == ENOPROTOOPT || e == EOPNOTSUPP || e == EACCES || e == EPROTO;
}

/* One datagram out.  An ICMP error still pending on the socket belongs to
 * an earlier datagram and makes send() fail without sending: a refusal
 * of a set-up datagram that got no answer ends the set-up (false), any
 * other such error is read past and the datagram sent again, once.  Any
 * other failure (a full send buffer) is a datagram lost on the way, which
 * the engine's own timers cover: a request sent once is then "reply
 * lost", never sent twice. */
static bool send_one(nf_lan_link *l, const uint8_t *buf, size_t len, bool setup) {
        bool answered = l->answered;

        l->answered = l->refused = false;
        for (int tries = 0; tries < 2; tries++) {
                if (send(l->fd, buf, len, MSG_NOSIGNAL) >= 0 || !icmp_errno(errno))
                        return true;
                if (errno == ECONNREFUSED && setup && !answered)
                        return false;
        }
        return true;
}

/* Sends what the engine queued.  Returns NF_RMCPP_EV_OPEN_FAILED when a
 * set-up's send is held back for a refusal (see the top). */
static nf_rmcpp_event flush(nf_lan_link *l, uint64_t now_ms) {
        uint8_t buf[NF_RMCPP_DATAGRAM_MAX];
        size_t n;

        while ((n = nf_rmcpp_take_datagram(l->engine, buf, sizeof(buf))) > 0) {
                bool setup = in_setup(nf_rmcpp_get_state(l->engine));

                assert(n <= sizeof(buf));
                if (setup && l->refused && !l->answered)
                        return fail_refused(l, now_ms);
                if (!send_one(l, buf, n, setup))
                        return fail_refused(l, now_ms);
        }
        return NF_RMCPP_EV_NONE;
}

/* After a call that sends: a failure shows at the next on_time. */
static nf_status after_call(nf_lan_link *l, nf_status r, uint64_t now_ms) {
        nf_rmcpp_event ev;

        if (r != NF_OK)
                return r;
        ev = flush(l, now_ms);
        if (ev != NF_RMCPP_EV_NONE)
                l->pending = ev;
        return NF_OK;
}

nf_status nf_lan_link_open(nf_lan_link *l, uint64_t now_ms) {
        if (!l)
                return NF_E_INVALID_ARG;
        l->own_error = false;
        l->pending = NF_RMCPP_EV_NONE;
        l->answered = l->refused = false;
        return after_call(l, nf_rmcpp_open(l->engine, now_ms), now_ms);
}

nf_status nf_lan_link_request(nf_lan_link *l, uint8_t netfn, uint8_t cmd, const uint8_t *req, size_t req_len,
                              bool once, uint64_t now_ms) {
        if (!l)
                return NF_E_INVALID_ARG;
        l->own_error = false;
        return after_call(l, nf_rmcpp_request(l->engine, netfn, cmd, req, req_len, once, now_ms), now_ms);
}

nf_status nf_lan_link_close(nf_lan_link *l, uint64_t now_ms) {
        if (!l)
                return NF_E_INVALID_ARG;
        l->pending = NF_RMCPP_EV_NONE;
        return after_call(l, nf_rmcpp_close(l->engine, now_ms), now_ms);
}

nf_rmcpp_event nf_lan_link_on_readable(nf_lan_link *l, uint64_t now_ms) {
        uint8_t buf[NF_RMCPP_DATAGRAM_MAX];

        if (!l)
                return NF_RMCPP_EV_NONE;
        for (;;) {
                ssize_t n = recv(l->fd, buf, sizeof(buf), MSG_TRUNC);
                nf_rmcpp_event ev, fev;

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == ECONNREFUSED) {
                                if (!l->answered)
                                        l->refused = true;
                                continue;
                        }
                        if (icmp_errno(errno))
                                continue;
                        /* EAGAIN: read everything; anything else leaves
                         * the socket to the engine's timers. */
                        return NF_RMCPP_EV_NONE;
                }
                l->answered = true;
                l->refused = false;
                /* Larger than any RMCP+ datagram (MSG_TRUNC shows the real
                 * length): not from a BMC session, dropped. */
                if ((size_t) n > sizeof(buf))
                        continue;
                ev = nf_rmcpp_receive(l->engine, buf, (size_t) n, now_ms);
                fev = flush(l, now_ms);
                if (fev != NF_RMCPP_EV_NONE)
                        return fev;
                if (ev != NF_RMCPP_EV_NONE)
                        return ev;
        }
}

nf_rmcpp_event nf_lan_link_on_time(nf_lan_link *l, uint64_t now_ms) {
        nf_rmcpp_event ev, fev;

        if (!l)
                return NF_RMCPP_EV_NONE;
        if (l->pending != NF_RMCPP_EV_NONE) {
                ev = l->pending;
                l->pending = NF_RMCPP_EV_NONE;
                return ev;
        }
        ev = nf_rmcpp_tick(l->engine, now_ms);
        fev = flush(l, now_ms);
        return fev != NF_RMCPP_EV_NONE ? fev : ev;
}

nf_rmcpp_state nf_lan_link_state(const nf_lan_link *l) {
        return l ? nf_rmcpp_get_state(l->engine) : NF_RMCPP_FAILED;
}

const uint8_t *nf_lan_link_response(const nf_lan_link *l, size_t *ret_len) {
        return nf_rmcpp_response(l->engine, ret_len);
}

const nf_error *nf_lan_link_error(const nf_lan_link *l) {
        return l->own_error ? &l->error : nf_rmcpp_error(l->engine);
}

void nf_lan_link_get_stats(const nf_lan_link *l, nf_rmcpp_stats *ret) {
        if (!ret)
                return;
        if (!l) {
                *ret = (nf_rmcpp_stats) {};
                return;
        }
        nf_rmcpp_get_stats(l->engine, ret);
}

const nf_lan_params *nf_lan_link_params(const nf_lan_link *l) {
        return &l->params;
}
