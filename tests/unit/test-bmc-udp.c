/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The test BMC (test-bmc.h) on a loopback UDP port, so that real ipmitool
 * and freeipmi can check it independently of nmifence's engine
 * (tests/unit/test-bmc-clients.sh).  Test-only.
 *
 *   test-bmc-udp PORT_FILE USER PASSWORD CIPHER_MASK SECONDS
 *
 * Binds 127.0.0.1 on a free port, writes the port to PORT_FILE and serves
 * until SIGTERM or SECONDS have passed.  At exit it prints the counters
 * ("diag_interrupts=N ...") on stdout.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "test-bmc.h"

static volatile sig_atomic_t stop;

static void on_term(int sig) {
        stop = 1;
}

static long long now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv) {
        struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t alen = sizeof(addr);
        uint8_t buf[TBMC_DATAGRAM_MAX];
        long long end;
        FILE *f;
        tbmc *b;
        int fd;

        if (argc != 6) {
                fprintf(stderr, "usage: %s PORT_FILE USER PASSWORD CIPHER_MASK SECONDS\n", argv[0]);
                return 2;
        }
        b = tbmc_new(&(tbmc_config) { .user = argv[2], .password = argv[3],
                                      .cipher_mask = (uint32_t) strtoul(argv[4], NULL, 0) });
        end = now_ms() + atoi(argv[5]) * 1000LL;
        signal(SIGTERM, on_term);
        signal(SIGINT, on_term);

        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *) &addr, sizeof(addr)) < 0
            || getsockname(fd, (struct sockaddr *) &addr, &alen) < 0) {
                perror("test-bmc-udp: socket");
                return 1;
        }
        f = fopen(argv[1], "w");
        if (!f || fprintf(f, "%u\n", ntohs(addr.sin_port)) < 0 || fclose(f)) {
                perror("test-bmc-udp: port file");
                return 1;
        }

        while (!stop && now_ms() < end) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                struct sockaddr_in from;
                socklen_t flen = sizeof(from);
                ssize_t n;
                size_t m;

                if (poll(&p, 1, 200) <= 0)
                        continue;
                n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *) &from, &flen);
                if (n <= 0)
                        continue;
                tbmc_input(b, buf, (size_t) n);
                while ((m = tbmc_take(b, buf, sizeof(buf))) > 0)
                        sendto(fd, buf, m, 0, (struct sockaddr *) &from, flen);
        }

        const tbmc_counts *c = tbmc_get_counts(b);
        printf("diag_interrupts=%u power_commands=%u sessions_activated=%u sessions_closed=%u ignored=%u\n",
               c->diag_interrupts, c->power_commands, c->sessions_activated, c->sessions_closed, c->ignored);
        for (int k = 0; k < _TBMC_KIND_MAX; k++)
                printf("received_%s=%u\n", tbmc_kind_str((tbmc_kind) k), c->received[k]);
        tbmc_free(b);
        close(fd);
        return 0;
}
