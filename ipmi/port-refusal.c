/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Nothing listens on the BMC's UDP port: the kernel answers each request
 * with an ICMP port unreachable, and the open waited the whole session
 * timeout (20 s by default) for a reply that cannot come.
 *
 * libfreeipmi's socket is not connected, and Linux reports ICMP errors on
 * an unconnected UDP socket only with IP_RECVERR, so libfreeipmi never
 * sees them.  The first RMCP datagram on a socket therefore connects it to
 * the address it is sent to (ipmitool's lanplus connects its socket the
 * same way, so real BMCs answer from that address); recvfrom() then fails
 * with ECONNREFUSED once per refused datagram.
 *
 * libfreeipmi 1.6.10 (api/ipmi-lan-session-common.c, _api_lan_cmd_recv)
 * ignores one ECONNREFUSED and reads again, because on some boards the
 * host's OS refuses the packet and the BMC, sharing the NIC, answers it
 * later (a note it took from ipmitool).  That case is kept: a refusal
 * ends the call only when nothing at all came on the socket by the next
 * send (libfreeipmi's retransmission, one retransmission timeout later);
 * that send is then held back with ECONNREFUSED, which makes libfreeipmi
 * end the call (a failed send is fatal to it), and session-lan.c reports
 * "connection refused" from nf_port_refusal_take().
 *
 * Only a session set-up ends early (nf_port_refusal_arm() around it).  On
 * an established session a refusal keeps its old effect, none until the
 * session timeout: a restarting BMC may refuse for a moment and then
 * report a power state it has not read yet, and the fence's own retries
 * already bound that wait.
 *
 * Connected, the socket also gets the other hard ICMP errors (host or
 * network unreachable, ...) that libfreeipmi never saw before.  They keep
 * their old effect, none: recvfrom() hands them on as ECONNRESET, which
 * libfreeipmi reads past like ECONNREFUSED, and a send that meets one
 * still pending is made again.
 */

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>

#include "port-refusal.h"

static _Thread_local struct {
        bool armed;             /* a session set-up is running */
        int fd;                 /* socket of the last RMCP datagram sent, -1 none */
        bool answered;          /* a datagram came on fd since then */
        bool refused;           /* ICMP port unreachable since then, nothing else */
        bool ended;             /* a send was held back for it */
} st = { .fd = -1 };

/* An RMCP datagram (version 06h, class ASF or IPMI) to an IP address. */
static bool is_rmcp(const void *buf, size_t len, __CONST_SOCKADDR_ARG addr) {
        const uint8_t *b = buf;
        const struct sockaddr *sa = addr.__sockaddr__;

        if (!sa || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
                return false;
        return len >= 4 && b[0] == 0x06 && ((b[3] & 0x1F) == 0x06 || (b[3] & 0x1F) == 0x07);
}

/* Errors a connected UDP socket gets from ICMP (net/ipv4/icmp.c,
 * icmp_err_convert, the fatal ones) or from a local neighbour failure. */
static bool icmp_errno(int e) {
        return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH || e == EHOSTDOWN || e == ENONET ||
               e == ENOPROTOOPT || e == EOPNOTSUPP || e == EACCES || e == EPROTO;
}

static void connect_once(int fd, __CONST_SOCKADDR_ARG addr, socklen_t addr_len) {
        struct sockaddr_storage peer;
        socklen_t n = sizeof peer;

        if (getpeername(fd, (struct sockaddr *) &peer, &n) == 0 || errno != ENOTCONN)
                return;
        /* A failure leaves the socket as it was: unconnected, as before. */
        (void) connect(fd, addr.__sockaddr__, addr_len);
}

bool nf_port_refusal_hold(int fd, const void *buf, size_t len, __CONST_SOCKADDR_ARG addr, socklen_t addr_len) {
        if (!is_rmcp(buf, len, addr))
                return false;
        if (st.armed && fd == st.fd && st.refused && !st.answered) {
                st.refused = false;
                st.ended = true;
                errno = ECONNREFUSED;
                return true;
        }
        connect_once(fd, addr, addr_len);
        return false;
}

ssize_t nf_port_refusal_sendto(nf_sendto_fn f, int fd, const void *buf, size_t len, int flags,
                               __CONST_SOCKADDR_ARG addr, socklen_t addr_len) {
        bool rmcp = is_rmcp(buf, len, addr), prev_answered = fd == st.fd && st.answered;
        ssize_t n;

        if (rmcp) {
                st.fd = fd;
                st.answered = st.refused = st.ended = false;
        }
        n = f(fd, buf, len, flags, addr, addr_len);
        if (n >= 0 || !rmcp || !icmp_errno(errno))
                return n;
        /* The error belongs to the previous datagram, and this one was not
         * sent: a refusal of one that got no answer ends the call. */
        if (st.armed && errno == ECONNREFUSED && !prev_answered) {
                st.ended = true;
                return n;
        }
        return f(fd, buf, len, flags, addr, addr_len);
}

int nf_port_refusal_note_recv(int fd, ssize_t n, int err) {
        if (fd != st.fd)
                return err;
        if (n >= 0) {
                st.answered = true;
                st.refused = false;
                return 0;
        }
        if (err == ECONNREFUSED) {
                if (!st.answered)
                        st.refused = true;
                return err;
        }
        return icmp_errno(err) ? ECONNRESET : err;
}

void nf_port_refusal_arm(bool on) {
        st.armed = on;
        /* ended stays set after the set-up, for nf_port_refusal_take() */
        if (on)
                st.ended = false;
}

bool nf_port_refusal_take(void) {
        bool ended = st.ended;

        st.ended = false;
        return ended;
}
