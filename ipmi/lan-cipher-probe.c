/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IPMI Workaround (OpenIPMI ipmi_sim 2.0.33, libfreeipmi 1.6.10): asked for
 * a cipher suite it lacks (e.g. 17), ipmi_sim answers the RMCP+ Open
 * Session Request with status 04h (invalid authentication algorithm), and
 * libfreeipmi reports only "internal IPMI error".  An operator must read
 * "cipher suite not supported", so when session setup fails that way we
 * send one Open Session Request ourselves and read the status code.
 * Only the unauthenticated, sessionless first message is involved: no
 * credentials leave this file.
 */

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <freeipmi/freeipmi.h>

#include "lan-cipher-probe.h"

#define RMCP_HDR_LEN 4
#define SESSION_HDR_LEN 12              /* auth type, payload type, id, seq, length */
#define OPEN_SESSION_RQ_LEN 32
#define PAYLOAD_OPEN_SESSION_RQ 0x10
#define PAYLOAD_OPEN_SESSION_RS 0x11
#define PROBE_TAG 0x4E
#define PROBE_CONSOLE_ID 0x464E4D4Eu    /* arbitrary, echoed by the BMC */

static uint64_t now_ms(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static size_t build_request(uint8_t *p, uint8_t auth, uint8_t integ, uint8_t conf, uint8_t privilege) {
        size_t n = 0;

        /* RMCP: version 6, reserved, no ack sequence, class IPMI. */
        p[n++] = 0x06;
        p[n++] = 0x00;
        p[n++] = 0xFF;
        p[n++] = 0x07;
        /* IPMI 2.0 session header: RMCP+, unauthenticated payload, session 0. */
        p[n++] = 0x06;
        p[n++] = PAYLOAD_OPEN_SESSION_RQ;
        memset(p + n, 0, 8);
        n += 8;
        p[n++] = OPEN_SESSION_RQ_LEN;
        p[n++] = 0x00;
        /* Open Session Request (IPMI 2.0 table 13-9). */
        p[n++] = PROBE_TAG;
        p[n++] = privilege;
        p[n++] = 0x00;
        p[n++] = 0x00;
        for (int i = 0; i < 4; i++)
                p[n++] = (PROBE_CONSOLE_ID >> (8 * i)) & 0xFF;
        const uint8_t algs[3] = { auth, integ, conf };
        for (uint8_t type = 0; type < 3; type++) {
                p[n++] = type;
                p[n++] = 0x00;
                p[n++] = 0x00;
                p[n++] = 0x08;
                p[n++] = algs[type];
                p[n++] = 0x00;
                p[n++] = 0x00;
                p[n++] = 0x00;
        }
        return n;
}

int nf_lan_probe_cipher(const char *host, uint16_t port, uint8_t cipher_suite, uint8_t privilege,
                        unsigned timeout_ms) {
        struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM }, *ai = NULL;
        uint8_t auth, integ, conf, req[64], rsp[128];
        char portstr[8];
        uint64_t deadline;
        size_t len;
        int fd, status = -1;

        if (!host || ipmi_cipher_suite_id_to_algorithms(cipher_suite, &auth, &integ, &conf) < 0)
                return -1;
        snprintf(portstr, sizeof(portstr), "%u", port ? port : 623u);
        if (getaddrinfo(host, portstr, &hints, &ai) != 0 || !ai)
                return -1;

        fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                goto out;
        len = build_request(req, auth, integ, conf, privilege);
        if (sendto(fd, req, len, 0, ai->ai_addr, ai->ai_addrlen) != (ssize_t) len)
                goto out;

        deadline = now_ms() + timeout_ms;
        for (;;) {
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                uint64_t now = now_ms();
                ssize_t n;
                int r;

                if (now >= deadline)
                        break;
                r = poll(&pfd, 1, (int) (deadline - now));
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        break;
                n = recv(fd, rsp, sizeof(rsp), 0);
                if (n < 0)
                        break;
                /* Header plus tag and status; anything else is not our answer. */
                if ((size_t) n < RMCP_HDR_LEN + SESSION_HDR_LEN + 2 || rsp[3] != 0x07 ||
                    (rsp[5] & 0x3F) != PAYLOAD_OPEN_SESSION_RS || rsp[16] != PROBE_TAG)
                        continue;
                status = rsp[17];
                break;
        }
out:
        if (fd >= 0)
                close(fd);
        freeaddrinfo(ai);
        return status;
}

bool nf_lan_rmcpplus_status_is_cipher(int status) {
        switch (status) {
        case 0x04:      /* invalid authentication algorithm */
        case 0x05:      /* invalid integrity algorithm */
        case 0x06:      /* no matching authentication payload */
        case 0x07:      /* no matching integrity payload */
        case 0x10:      /* invalid confidentiality algorithm */
        case 0x11:      /* no cipher suite match with proposed security algorithms */
                return true;
        default:
                return false;
        }
}

const char *nf_lan_rmcpplus_status_str(int status) {
        switch (status) {
        case 0x04:
                return "invalid authentication algorithm";
        case 0x05:
                return "invalid integrity algorithm";
        case 0x06:
                return "no matching authentication payload";
        case 0x07:
                return "no matching integrity payload";
        case 0x10:
                return "invalid confidentiality algorithm";
        case 0x11:
                return "no cipher suite match with proposed security algorithms";
        default:
                return "RMCP+ status";
        }
}
