/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control socket's client (agent/control-client.c) against servers
 * that misbehave, on a real AF_UNIX socket in a temporary directory:
 *   - no socket, a path too long: connect says so;
 *   - a listener whose queue is full: connect gives up at its deadline;
 *   - a server that never answers (or never reads): read and send give up
 *     at their deadline;
 *   - an answer over the cap is refused, with or without its newline; one
 *     of exactly the cap is taken;
 *   - the server closes before the answer's end: the read says so at once,
 *     and a request after that fails without SIGPIPE;
 *   - two answers queued on one fd come back one per read.
 * SIGALRM ends the test (a failure) if a call ignores its deadline.
 */

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check-count.h"
#include "control-client.h"
#include "fence-run.h"

#define DEADLINE_MS 300
/* Well past DEADLINE_MS even on a loaded machine, well short of "never". */
#define LATE_MS 3000

static char dir[] = "/tmp/nf-control-client-XXXXXX";
static char sock_path[sizeof dir + 16];

/* A listening socket at sock_path that accepts only when told to. */
static int listen_at(int backlog) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        unlink(sock_path);
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock_path);
        if (fd < 0 || bind(fd, (struct sockaddr *) &sa, sizeof sa) < 0 || listen(fd, backlog) < 0) {
                perror("listen_at");
                exit(99);
        }
        return fd;
}

/* A connected pair through the listener: the client's fd and the
 * server's accepted one. */
static void pair(int lfd, int *ret_client, int *ret_server) {
        *ret_client = nf_ctl_client_connect(sock_path, nf_now_ms() + LATE_MS);
        if (*ret_client < 0 || (*ret_server = accept(lfd, NULL, NULL)) < 0) {
                fprintf(stderr, "pair: %s\n", strerror(*ret_client < 0 ? -*ret_client : errno));
                exit(99);
        }
}

static void write_all(int fd, const char *s, size_t n) {
        if (write(fd, s, n) != (ssize_t) n) {
                perror("write");
                exit(99);
        }
}

static void check_took(uint64_t took, bool at_deadline) {
        if (at_deadline)
                CHECK(took >= DEADLINE_MS - 10 && took < LATE_MS, "... at the deadline (%llu ms)",
                      (unsigned long long) took);
        else
                CHECK(took < LATE_MS / 2, "... at once (%llu ms)", (unsigned long long) took);
}

static void test_connect_errors(void) {
        char longp[200];
        int r = nf_ctl_client_connect(sock_path, nf_now_ms() + LATE_MS);

        CHECK(r == -ENOENT, "connect to a missing socket: -ENOENT (got %d)", r);
        memset(longp, 'a', sizeof longp - 1);
        longp[0] = '/';
        longp[sizeof longp - 1] = 0;
        r = nf_ctl_client_connect(longp, nf_now_ms() + LATE_MS);
        CHECK(r == -ENAMETOOLONG, "connect to a path too long: -ENAMETOOLONG (got %d)", r);
}

static void test_connect_deadline(void) {
        int lfd = listen_at(0), fds[32], n = 0, r = 0;
        uint64_t t0, took = 0;

        /* The queue of a listener that never accepts fills after a
         * connection or two; the next connect must stop at its deadline. */
        while (n < 32) {
                t0 = nf_now_ms();
                r = nf_ctl_client_connect(sock_path, t0 + DEADLINE_MS);
                took = nf_now_ms() - t0;
                if (r < 0)
                        break;
                fds[n++] = r;
        }
        CHECK(r == -ETIMEDOUT, "connect to a full listen queue: -ETIMEDOUT after %d connections (got %d)", n, r);
        check_took(took, true);
        while (n > 0)
                close(fds[--n]);
        close(lfd);
}

static void test_send_deadline(int lfd) {
        size_t big = 16u << 20;
        char *req = malloc(big);
        uint64_t t0;
        int c, s, r;

        /* A server that never reads: the send stops at its deadline. */
        if (!req)
                exit(99);
        memset(req, ' ', big);
        pair(lfd, &c, &s);
        t0 = nf_now_ms();
        r = nf_ctl_client_send(c, req, big, t0 + DEADLINE_MS);
        CHECK(r == -ETIMEDOUT, "16 MiB to a server that never reads: -ETIMEDOUT (got %d)", r);
        check_took(nf_now_ms() - t0, true);
        free(req);
        close(c);
        close(s);
}

/* What the server sends (and whether it closes after), and what one read
 * with a cap must give back, when. */
typedef struct read_case {
        const char *what;
        const char *sent;
        size_t sent_len;
        bool close_after;
        size_t cap;
        int want;
        size_t want_len;        /* want == 0 */
        bool at_deadline;       /* else at once */
} read_case;

static void test_read(int lfd, const read_case *k) {
        char *line = NULL;
        size_t len = 0;
        uint64_t t0;
        int c, s, r;

        pair(lfd, &c, &s);
        r = nf_ctl_client_send(c, "{\"command\":\"status\"}\n", 21, nf_now_ms() + LATE_MS);
        CHECK(r == 0, "%s: the request is sent (got %d)", k->what, r);
        if (k->sent_len)
                write_all(s, k->sent, k->sent_len);
        if (k->close_after) {
                /* The request read first, as a daemon does before it
                 * dies: an orderly end of stream (a close with it unread
                 * would reset the connection instead). */
                char req[21];
                if (read(s, req, sizeof req) != (ssize_t) sizeof req)
                        exit(99);
                close(s);
        }
        t0 = nf_now_ms();
        r = nf_ctl_client_read_line(c, t0 + (k->at_deadline ? DEADLINE_MS : LATE_MS), k->cap, &line, &len);
        CHECK(r == k->want && (r < 0 ? !line : line && len == k->want_len && strlen(line) == len),
              "%s: %d (got %d, %zu bytes)", k->what, k->want, r, r < 0 ? 0 : len);
        check_took(nf_now_ms() - t0, k->at_deadline);
        free(line);
        close(c);
        if (!k->close_after)
                close(s);
}

static void test_reuse(int lfd) {
        char *line = NULL;
        size_t len = 0;
        int c, s, r;

        /* Two answers queued at once: one per read, nothing lost. */
        pair(lfd, &c, &s);
        write_all(s, "{\"n\":1}\n{\"n\":22}\n", 17);
        r = nf_ctl_client_read_line(c, nf_now_ms() + LATE_MS, 1000, &line, &len);
        CHECK(r == 0 && line && !strcmp(line, "{\"n\":1}") && len == 7, "first of two queued answers (got %d, %s)", r,
              line ? line : "-");
        free(line);
        line = NULL;
        r = nf_ctl_client_read_line(c, nf_now_ms() + LATE_MS, 1000, &line, &len);
        CHECK(r == 0 && line && !strcmp(line, "{\"n\":22}") && len == 8, "second of two queued answers (got %d, %s)", r,
              line ? line : "-");
        free(line);

        /* ... and a request to a connection the server closed fails,
         * without SIGPIPE. */
        close(s);
        r = nf_ctl_client_send(c, "{}\n", 3, nf_now_ms() + LATE_MS);
        CHECK(r == -EPIPE, "a request to a closed connection: -EPIPE (got %d)", r);
        close(c);
}

int main(void) {
        static char x200[201], x100[101], y[100001];
        const read_case cases[] = {
                { "a server that never answers", "", 0, false, 1000, -ETIMEDOUT, 0, true },
                { "half a line, then silence", "{\"ok\"", 5, false, 1000, -ETIMEDOUT, 0, true },
                { "200 bytes and newline, cap 100", x200, sizeof x200, false, 100, -EMSGSIZE, 0, false },
                { "101 bytes without newline, cap 100", x200, 101, false, 100, -EMSGSIZE, 0, false },
                { "exactly the cap (100)", x100, sizeof x100, false, 100, 0, 100, false },
                { "100000 bytes, past the first buffer", y, sizeof y, false, 100000, 0, 100000, false },
                { "closed without a byte", "", 0, true, 1000, -ECONNRESET, 0, false },
                { "closed in the middle of the answer", "{\"ok\":tr", 8, true, 1000, -ECONNRESET, 0, false },
        };
        int lfd;

        /* A call that ignores its deadline would block for ever. */
        alarm(60);
        memset(x200, 'x', sizeof x200 - 1);
        x200[sizeof x200 - 1] = '\n';
        memset(x100, 'x', sizeof x100 - 1);
        x100[sizeof x100 - 1] = '\n';
        memset(y, 'y', sizeof y - 1);
        y[sizeof y - 1] = '\n';
        if (!mkdtemp(dir)) {
                perror("mkdtemp");
                return 99;
        }
        snprintf(sock_path, sizeof sock_path, "%s/ctl.sock", dir);
        test_connect_errors();
        test_connect_deadline();
        lfd = listen_at(8);
        test_send_deadline(lfd);
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
                test_read(lfd, &cases[i]);
        test_reuse(lfd);
        close(lfd);
        unlink(sock_path);
        rmdir(dir);
        printf("%d failure(s)\n", check_failures);
        return check_failures ? 1 : 0;
}
