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
 *   - the server closes before the answer's end: the read says so at once;
 *   - two answers queued on one fd come back one per read.
 * SIGALRM ends the test (a failure) if a call ignores its deadline.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control-client.h"
#include "fence-run.h"

#define DEADLINE_MS 300
/* Well past DEADLINE_MS even on a loaded machine, well short of "never". */
#define LATE_MS 3000

static int failures;
static char dir[] = "/tmp/nf-control-client-XXXXXX";
static char sock_path[sizeof dir + 16];

#define CHECK(cond, ...)                                                 \
        do {                                                             \
                if (cond)                                                \
                        printf("ok: " __VA_ARGS__);                      \
                else {                                                   \
                        printf("FAIL: " __VA_ARGS__);                    \
                        failures++;                                      \
                }                                                        \
                printf("\n");                                            \
        } while (0)

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
        uint64_t t0 = 0, took = 0;

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
        CHECK(took >= DEADLINE_MS - 10 && took < LATE_MS, "... at its deadline (%llu ms)", (unsigned long long) took);
        while (n > 0)
                close(fds[--n]);
        close(lfd);
}

static void test_no_answer(void) {
        int lfd = listen_at(4), c, s, r;
        char *line = NULL;
        size_t len = 0;
        uint64_t t0, took;

        pair(lfd, &c, &s);
        r = nf_ctl_client_send(c, "{\"command\":\"status\"}\n", 21, nf_now_ms() + LATE_MS);
        CHECK(r == 0, "send a request line (got %d)", r);
        t0 = nf_now_ms();
        r = nf_ctl_client_read_line(c, t0 + DEADLINE_MS, 1000, &line, &len);
        took = nf_now_ms() - t0;
        CHECK(r == -ETIMEDOUT, "a server that never answers: -ETIMEDOUT (got %d)", r);
        CHECK(took >= DEADLINE_MS - 10 && took < LATE_MS, "... at the deadline (%llu ms)", (unsigned long long) took);

        /* Half a line and silence: still the deadline, not a short answer. */
        write_all(s, "{\"ok\"", 5);
        t0 = nf_now_ms();
        r = nf_ctl_client_read_line(c, t0 + DEADLINE_MS, 1000, &line, &len);
        took = nf_now_ms() - t0;
        CHECK(r == -ETIMEDOUT, "half a line, then silence: -ETIMEDOUT (got %d)", r);
        CHECK(took >= DEADLINE_MS - 10 && took < LATE_MS, "... at the deadline (%llu ms)", (unsigned long long) took);
        close(c);
        close(s);

        /* A server that never reads: the send stops at its deadline. */
        pair(lfd, &c, &s);
        size_t big = 16u << 20;
        char *req = malloc(big);
        if (!req)
                exit(99);
        memset(req, ' ', big);
        t0 = nf_now_ms();
        r = nf_ctl_client_send(c, req, big, t0 + DEADLINE_MS);
        took = nf_now_ms() - t0;
        CHECK(r == -ETIMEDOUT, "16 MiB to a server that never reads: -ETIMEDOUT (got %d)", r);
        CHECK(took >= DEADLINE_MS - 10 && took < LATE_MS, "... at the deadline (%llu ms)", (unsigned long long) took);
        free(req);
        close(c);
        close(s);
        close(lfd);
}

static void test_cap(void) {
        int lfd = listen_at(4), c, s, r;
        char answer[302], *line = NULL;
        size_t len = 0;
        uint64_t t0, took;

        /* 200 bytes and a newline, cap 100: refused. */
        pair(lfd, &c, &s);
        memset(answer, 'x', 200);
        answer[200] = '\n';
        write_all(s, answer, 201);
        r = nf_ctl_client_read_line(c, nf_now_ms() + LATE_MS, 100, &line, &len);
        CHECK(r == -EMSGSIZE, "an answer of 200 bytes, cap 100: -EMSGSIZE (got %d)", r);
        close(c);
        close(s);

        /* 101 bytes and no newline yet, cap 100: refused now, not at the
         * deadline. */
        pair(lfd, &c, &s);
        write_all(s, answer, 101);
        t0 = nf_now_ms();
        r = nf_ctl_client_read_line(c, t0 + LATE_MS, 100, &line, &len);
        took = nf_now_ms() - t0;
        CHECK(r == -EMSGSIZE, "101 bytes without a newline, cap 100: -EMSGSIZE (got %d)", r);
        CHECK(took < LATE_MS / 2, "... at once (%llu ms)", (unsigned long long) took);
        close(c);
        close(s);

        /* Exactly the cap: taken whole. */
        pair(lfd, &c, &s);
        answer[100] = '\n';
        write_all(s, answer, 101);
        r = nf_ctl_client_read_line(c, nf_now_ms() + LATE_MS, 100, &line, &len);
        CHECK(r == 0 && len == 100 && line && strlen(line) == 100, "an answer of exactly the cap (100): taken (got %d, %zu)",
              r, len);
        free(line);
        line = NULL;
        close(c);
        close(s);

        /* Larger than the first buffer (4 KiB): grows up to the cap. */
        pair(lfd, &c, &s);
        size_t n = 100000;
        char *big = malloc(n + 1);
        if (!big)
                exit(99);
        memset(big, 'y', n);
        big[n] = '\n';
        write_all(s, big, n + 1);
        r = nf_ctl_client_read_line(c, nf_now_ms() + LATE_MS, n, &line, &len);
        CHECK(r == 0 && len == n, "an answer of 100000 bytes, cap 100000: taken (got %d, %zu)", r, len);
        free(line);
        line = NULL;
        free(big);
        close(c);
        close(s);
        close(lfd);
}

static void test_closed(void) {
        int lfd = listen_at(4), c, s, r;
        char *line = NULL;
        size_t len = 0;
        uint64_t t0, took;

        /* Closed without a byte. */
        pair(lfd, &c, &s);
        close(s);
        t0 = nf_now_ms();
        r = nf_ctl_client_read_line(c, t0 + LATE_MS, 1000, &line, &len);
        took = nf_now_ms() - t0;
        CHECK(r == -ECONNRESET, "closed without an answer: -ECONNRESET (got %d)", r);
        CHECK(took < LATE_MS / 2, "... at once (%llu ms)", (unsigned long long) took);
        /* ... and a request to it fails, without SIGPIPE. */
        r = nf_ctl_client_send(c, "{}\n", 3, nf_now_ms() + LATE_MS);
        CHECK(r == -EPIPE, "a request to a closed connection: -EPIPE (got %d)", r);
        close(c);

        /* Closed in the middle of the answer: no answer, not half of one. */
        pair(lfd, &c, &s);
        write_all(s, "{\"ok\":tr", 8);
        close(s);
        r = nf_ctl_client_read_line(c, nf_now_ms() + LATE_MS, 1000, &line, &len);
        CHECK(r == -ECONNRESET && !line, "closed in the middle of the answer: -ECONNRESET (got %d)", r);
        close(c);
        close(lfd);
}

static void test_reuse(void) {
        int lfd = listen_at(4), c, s, r;
        char *line = NULL;
        size_t len = 0;

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
        close(c);
        close(s);
        close(lfd);
}

int main(void) {
        /* A call that ignores its deadline would block for ever. */
        alarm(60);
        if (!mkdtemp(dir)) {
                perror("mkdtemp");
                return 99;
        }
        snprintf(sock_path, sizeof sock_path, "%s/ctl.sock", dir);
        test_connect_errors();
        test_connect_deadline();
        test_no_answer();
        test_cap();
        test_closed();
        test_reuse();
        unlink(sock_path);
        rmdir(dir);
        printf("%d failure(s)\n", failures);
        return failures ? 1 : 0;
}
