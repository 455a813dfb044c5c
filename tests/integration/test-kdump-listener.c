/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fence_kdump listener (agent/kdump-listener.c) against the real
 * sender, /usr/libexec/fence-agents/fence_kdump_send (fence-agents), on
 * 127.0.0.1 and a free port:
 *   - its messages are accepted from a listed source;
 *   - the same messages are ignored, and a log line says so, when the
 *     sender's address is not listed;
 *   - a crafted datagram from 127.0.0.2 is ignored unless 127.0.0.2 is
 *     listed; malformed ones from a listed source are ignored;
 *   - a flood of ignored datagrams gives a bounded number of log lines.
 * Exits 77 when fence_kdump_send is not installed.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check-count.h"
#include "kdump-listener.h"

#define SENDER "/usr/libexec/fence-agents/fence_kdump_send"

extern char **environ;

static uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

typedef struct tally {
        unsigned accepted, ignored_source, malformed, logged;
        char last_log[256];
        char last_from[64];
} tally;

static void on_event(const nf_kdump_event *ev, void *ud) {
        tally *t = ud;

        if (ev->kind == NF_KDUMP_EV_ACCEPTED)
                t->accepted++;
        else if (ev->kind == NF_KDUMP_EV_IGNORED_SOURCE)
                t->ignored_source++;
        else
                t->malformed++;
        snprintf(t->last_from, sizeof t->last_from, "%s", ev->from);
        if (ev->log) {
                t->logged++;
                nf_kdump_event_format(ev, t->last_log, sizeof t->last_log);
                printf("  log: %s\n", t->last_log);
        }
}

/* Collect events until `want` datagrams arrived or timeout_ms passed. */
static void collect(nf_kdump_listener *l, tally *t, unsigned want, uint64_t timeout_ms) {
        uint64_t end = now_ms() + timeout_ms;

        while (t->accepted + t->ignored_source + t->malformed < want) {
                uint64_t now = now_ms();
                struct pollfd p = { .fd = nf_kdump_listener_fd(l), .events = POLLIN };

                if (now >= end)
                        return;
                if (poll(&p, 1, (int) (end - now)) > 0)
                        (void) nf_kdump_listener_drain(l, now_ms(), on_event, t);
        }
}

/* fence_kdump_send -p PORT -c COUNT -i 1 127.0.0.1; returns its exit status. */
static int run_sender(uint16_t port, int count) {
        char p[16], c[16];
        char *argv[] = { SENDER, "-p", p, "-c", c, "-i", "1", "-f", "ipv4", "127.0.0.1", NULL };
        pid_t pid;
        int st;

        snprintf(p, sizeof p, "%u", (unsigned) port);
        snprintf(c, sizeof c, "%d", count);
        if (posix_spawn(&pid, SENDER, NULL, NULL, argv, environ) != 0)
                return -1;
        if (waitpid(pid, &st, 0) != pid)
                return -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int send_from(const char *src, uint16_t port, const void *buf, size_t len) {
        struct sockaddr_in a = { .sin_family = AF_INET }, d = { .sin_family = AF_INET, .sin_port = htons(port) };
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        int r = -1;

        inet_pton(AF_INET, src, &a.sin_addr);
        inet_pton(AF_INET, "127.0.0.1", &d.sin_addr);
        if (fd >= 0 && bind(fd, (struct sockaddr *) &a, sizeof a) == 0 &&
            sendto(fd, buf, len, 0, (struct sockaddr *) &d, sizeof d) == (ssize_t) len)
                r = 0;
        if (fd >= 0)
                close(fd);
        return r;
}

static nf_kdump_listener *open_listener(const char *sources) {
        nf_kdump_listener *l = NULL;
        char err[256];

        if (nf_kdump_listener_open("127.0.0.1", 0, sources, &l, err, sizeof err) < 0) {
                printf("FAIL: cannot open the listener: %s\n", err);
                exit(1);
        }
        return l;
}

int main(void) {
        nf_kdump_listener *l;
        uint8_t msg[NF_KDUMP_MSG_LEN];
        tally t;
        int rc;

        if (access(SENDER, X_OK) < 0) {
                printf("SKIP: %s is not installed (package fence-agents)\n", SENDER);
                return 77;
        }
        nf_kdump_msg_encode(msg);

        /* 1. The real sender, listed source. */
        l = open_listener("127.0.0.1");
        printf("listening on 127.0.0.1:%u for 127.0.0.1\n", nf_kdump_listener_port(l));
        t = (tally) {};
        rc = run_sender(nf_kdump_listener_port(l), 2);
        CHECK(rc == 0, "fence_kdump_send -c 2 exits 0 (got %d)", rc);
        collect(l, &t, 2, 5000);
        CHECK(t.accepted == 2, "both fence_kdump_send messages accepted from a listed source (got %u)", t.accepted);
        CHECK(t.ignored_source == 0 && t.malformed == 0, "nothing ignored");
        CHECK(!strcmp(t.last_from, "127.0.0.1"), "source reported as 127.0.0.1 (got %s)", t.last_from);
        CHECK(strstr(t.last_log, "the target is in kdump") != NULL, "accepted message logged");

        /* 2. Crafted datagrams from 127.0.0.2, not listed: ignored and logged. */
        t = (tally) {};
        CHECK(send_from("127.0.0.2", nf_kdump_listener_port(l), msg, sizeof msg) == 0, "sent from 127.0.0.2");
        collect(l, &t, 1, 3000);
        CHECK(t.accepted == 0 && t.ignored_source == 1, "a valid message from 127.0.0.2 is ignored (accepted %u, ignored %u)",
              t.accepted, t.ignored_source);
        CHECK(t.logged == 1 && strstr(t.last_log, "127.0.0.2") && strstr(t.last_log, "not a configured kdump source"),
              "the ignored message is logged with its source");

        /* 3. Malformed from the listed source: ignored, logged. */
        t = (tally) {};
        uint8_t bad[8];
        memcpy(bad, msg, 8);
        bad[0] ^= 0xff;
        send_from("127.0.0.1", nf_kdump_listener_port(l), bad, sizeof bad);
        send_from("127.0.0.1", nf_kdump_listener_port(l), msg, 4);
        collect(l, &t, 2, 3000);
        CHECK(t.accepted == 0 && t.malformed == 2, "bad magic and short datagram ignored (malformed %u)", t.malformed);

        /* 4. A flood of ignored datagrams: a bounded number of log lines. */
        t = (tally) {};
        for (int i = 0; i < 50; i++)
                send_from("127.0.0.2", nf_kdump_listener_port(l), msg, sizeof msg);
        collect(l, &t, 50, 5000);
        CHECK(t.ignored_source == 50, "50 datagrams from 127.0.0.2 seen (got %u)", t.ignored_source);
        CHECK(t.logged <= NF_KDUMP_LOG_BURST, "at most %d of them logged (got %u)", NF_KDUMP_LOG_BURST, t.logged);
        l = nf_kdump_listener_free(l);

        /* 5. The real sender, its address not listed. */
        l = open_listener("127.0.0.2");
        t = (tally) {};
        rc = run_sender(nf_kdump_listener_port(l), 1);
        CHECK(rc == 0, "fence_kdump_send -c 1 exits 0 (got %d)", rc);
        collect(l, &t, 1, 5000);
        CHECK(t.accepted == 0 && t.ignored_source == 1,
              "fence_kdump_send from 127.0.0.1 ignored when only 127.0.0.2 is listed (accepted %u, ignored %u)",
              t.accepted, t.ignored_source);
        CHECK(t.logged == 1 && strstr(t.last_log, "127.0.0.1 ignored"), "and logged");
        /* the listed 127.0.0.2 is accepted */
        t = (tally) {};
        send_from("127.0.0.2", nf_kdump_listener_port(l), msg, sizeof msg);
        collect(l, &t, 1, 3000);
        CHECK(t.accepted == 1, "a message from the listed 127.0.0.2 is accepted");
        l = nf_kdump_listener_free(l);

        printf("%s\n", check_failures ? "some checks failed" : "all checks passed");
        return check_failures ? 1 : 0;
}
