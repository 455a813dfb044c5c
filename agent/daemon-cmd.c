/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `nmifence status [HOSTS...] --daemon` and `nmifence fence HOST --daemon`:
 * the CLI through nmifenced's control socket (control-proto.h) instead of
 * the BMCs.  The daemon knows each host's liveness and runs the fence; the
 * CLI only asks and prints.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bmc-options.h"
#include "control-client.h"
#include "control-proto.h"
#include "daemon-cmd.h"
#include "daemon-config.h"
#include "fence-run.h"
#include "hostlist.h"
#include "json-reader.h"
#include "report.h"

#define ANSWER_TIMEOUT_MS 10000
#define ANSWER_MAX (64u << 20)

/* Exit codes of the --daemon forms (nmifence(8)). */
enum {
        EXIT_DAEMON_OK = 0,
        EXIT_DAEMON_REFUSED = 1,        /* fence: busy, policy alert, stopping */
        EXIT_DAEMON_UNREACHABLE = 3,    /* no daemon answers on the socket */
        EXIT_DAEMON_USAGE = 4,          /* bad usage, unknown host, bad answer */
};

static int connect_to(const char *path, char *err, size_t errlen) {
        int fd = nf_ctl_client_connect(path, nf_now_ms() + ANSWER_TIMEOUT_MS);

        if (fd == -ENAMETOOLONG)
                snprintf(err, errlen, "socket path %s is too long", path);
        else if (fd < 0)
                snprintf(err, errlen, "cannot reach nmifenced on %s: %s%s", path, strerror(-fd),
                         fd == -ENOENT || fd == -ECONNREFUSED ? " (is nmifenced running?)" : "");
        return fd;
}

/* Sends one request line, reads one answer line (bounded in size and
 * time), parses it.  Returns 0 with *ret (and the line in *ret_raw if
 * asked), or -errno with err. */
static int ask_raw(int fd, nf_ctl_command c, char *const *hosts, size_t n, nf_jv **ret, char **ret_raw, char *err,
                   size_t errlen) {
        uint64_t deadline = nf_now_ms() + ANSWER_TIMEOUT_MS;
        char *req = NULL, *buf = NULL, perr[200];
        size_t req_len = 0, len = 0;
        FILE *f = open_memstream(&req, &req_len);
        int r;

        if (!f) {
                snprintf(err, errlen, "out of memory");
                return -ENOMEM;
        }
        nf_ctl_request_write(f, c, hosts, n);
        fclose(f);
        if ((r = nf_ctl_client_send(fd, req, req_len, deadline)) < 0) {
                snprintf(err, errlen, "sending the request: %s", strerror(-r));
                goto out;
        }
        if ((r = nf_ctl_client_read_line(fd, deadline, ANSWER_MAX, &buf, &len)) < 0) {
                if (r == -ETIMEDOUT)
                        snprintf(err, errlen, "nmifenced did not answer within %d s", ANSWER_TIMEOUT_MS / 1000);
                else if (r == -EMSGSIZE) {
                        r = -E2BIG;
                        snprintf(err, errlen, "nmifenced's answer is larger than 64 MiB");
                } else if (r == -ENOMEM)
                        snprintf(err, errlen, "out of memory");
                else
                        snprintf(err, errlen, "nmifenced closed the connection without an answer");
                goto out;
        }
        if ((r = nf_json_parse(buf, len, ret, perr, sizeof perr)) < 0)
                snprintf(err, errlen, "nmifenced's answer is not JSON: %s", perr);
        else if (ret_raw) {
                *ret_raw = buf;
                buf = NULL;
        }
out:
        free(req);
        free(buf);
        return r;
}

static int ask(int fd, nf_ctl_command c, char *const *hosts, size_t n, nf_jv **ret, char *err, size_t errlen) {
        return ask_raw(fd, c, hosts, n, ret, NULL, err, errlen);
}

static const char *str_or(const nf_jv *v, const char *key, const char *def) {
        return nf_jv_get_str(v, key, def);
}

static void print_host(FILE *out, const nf_jv *h) {
        const nf_jv *fence = nf_jv_get(h, "fence"), *last = nf_jv_get(h, "last_fence");
        char what[300];

        if (fence && fence->type == NF_JV_OBJECT) {
                double pct = nf_jv_get_num(fence, "percent", -1);
                char p[16] = "";
                if (pct >= 0)
                        snprintf(p, sizeof p, " %.0f%%", pct);
                double from = nf_jv_get_num(fence, "adopted_from_pid", 0);
                char adopted[40] = "";
                if (from > 0)
                        snprintf(adopted, sizeof adopted, ", adopted from pid %.0f", from);
                snprintf(what, sizeof what, "fence %s: %s%s%s%s%s", str_or(fence, "kind", "?"), str_or(fence, "state", "?"),
                         p, nf_jv_get_bool(fence, "nmi_sent", false) ? ", NMI sent" : "",
                         nf_jv_get_bool(fence, "resumed", false) ? ", resumed" : "", adopted);
        } else if (nf_jv_get_str(h, "bmc_error", NULL))
                snprintf(what, sizeof what, "%s; last poll: %s", str_or(h, "reason", ""),
                         nf_jv_get_str(h, "bmc_error", ""));
        else
                snprintf(what, sizeof what, "%s", str_or(h, "reason", ""));
        fprintf(out, "%-16s %-9s %8.1fs %6.0f %5.0f  %s\n", str_or(h, "host", "?"), str_or(h, "state", "?"),
                nf_jv_get_num(h, "since", 0), nf_jv_get_num(h, "fences", 0), nf_jv_get_num(h, "nmis", 0), what);
        if (last && last->type == NF_JV_OBJECT)
                fprintf(out, "%-16s last fence: %s (exit %.0f)\n", "", str_or(last, "result", "?"),
                        nf_jv_get_num(last, "exit_code", -1));
}

static void print_status(FILE *out, const nf_jv *a) {
        const nf_jv *d = nf_jv_get(a, "daemon"), *hosts = nf_jv_get(a, "hosts");

        fprintf(out, "nmifenced pid %.0f, up %.0f s: %s\n", nf_jv_get_num(d, "pid", 0), nf_jv_get_num(d, "uptime", 0),
                str_or(d, "status", "?"));
        fprintf(out, "%-16s %-9s %9s %6s %5s  %s\n", "HOST", "STATE", "SINCE", "FENCES", "NMIS", "WHY / FENCE");
        for (const nf_jv *h = hosts ? hosts->child : NULL; h; h = h->next)
                print_host(out, h);
}

static int answer_error(const nf_jv *a) {
        const char *code = str_or(a, "code", "error");

        fprintf(stderr, "nmifence: nmifenced: %s\n", str_or(a, "error", "request refused"));
        return !strcmp(code, "unknown-host") || !strcmp(code, "error") ? EXIT_DAEMON_USAGE : EXIT_DAEMON_REFUSED;
}

/* The host's fence count and whether one runs, from a status answer. */
static bool host_fence_state(const nf_jv *a, double *ret_fences, bool *ret_running, const nf_jv **ret_host) {
        const nf_jv *hosts = nf_jv_get(a, "hosts");
        const nf_jv *h = hosts ? hosts->child : NULL;
        const nf_jv *fence;

        if (!nf_jv_get_bool(a, "ok", false) || !h)
                return false;
        fence = nf_jv_get(h, "fence");
        *ret_fences = nf_jv_get_num(h, "fences", 0);
        *ret_running = fence && fence->type == NF_JV_OBJECT;
        *ret_host = h;
        return true;
}

static void sleep_ms(unsigned ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };
        nanosleep(&ts, NULL);
}

/* fence --wait: until the daemon's fence of the host ended; its exit code. */
static int wait_fence(int fd, char *host, double fences_before, bool json, char *err, size_t errlen) {
        for (;;) {
                nf_jv *a = NULL;
                const nf_jv *h;
                double fences;
                bool running;
                char *raw = NULL;
                int r = ask_raw(fd, NF_CTL_STATUS, &host, 1, &a, &raw, err, errlen);

                if (r < 0) {
                        fprintf(stderr, "nmifence: %s\n", err);
                        return EXIT_DAEMON_UNREACHABLE;
                }
                if (!host_fence_state(a, &fences, &running, &h)) {
                        r = answer_error(a);
                        nf_jv_free(a);
                        free(raw);
                        return r;
                }
                if (!running && fences > fences_before) {
                        const nf_jv *last = nf_jv_get(h, "last_fence");
                        int code = (int) nf_jv_get_num(last, "exit_code", NF_EXIT_FENCE_FAILED);
                        if (json)
                                printf("%s\n", raw);
                        else
                                print_host(stdout, h);
                        nf_jv_free(a);
                        free(raw);
                        return code;
                }
                nf_jv_free(a);
                free(raw);
                sleep_ms(1000);
        }
}

static void usage(FILE *out) {
        fprintf(out,
                "Usage: nmifence status --daemon[=SOCKET] [--json] [HOSTS...]\n"
                "       nmifence fence --daemon[=SOCKET] [--wait] [--json] HOST\n"
                "\n"
                "Ask nmifenced over its control socket instead of the BMCs: status shows each host's\n"
                "liveness and fence as the daemon sees them (all hosts without HOSTS); fence makes the\n"
                "daemon fence HOST now (no grace period, not rate-limited) and returns, or with --wait\n"
                "returns the fence's exit code once it ended.\n"
                "\n"
                "  -c, --config FILE     where the daemon's control_socket is set (default " NF_DEFAULT_CONFIG ")\n"
                "      --daemon[=SOCKET] the socket (default: the config's, else " NF_DAEMON_CONTROL_SOCKET ")\n"
                "      --wait            fence: wait for the fence to end; exit with its code\n"
                "      --json            print the daemon's answer (one JSON object)\n"
                "\n"
                "Exit: 0 answered / fence started (with --wait: the fence's code, as nmifence dump);\n"
                "      1 fence refused (already fencing, policy alert, daemon stopping);\n"
                "      3 nmifenced unreachable; 4 bad usage or unknown host.\n");
}

bool nf_daemon_cmd_wanted(int argc, char **argv) {
        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--"))
                        return false;
                if (!strcmp(argv[i], "--daemon") || !strncmp(argv[i], "--daemon=", 9))
                        return true;
        }
        return false;
}

int nf_daemon_cmd(const char *cmd, int argc, char **argv) {
        static const struct option opts[] = {
                { "config", required_argument, NULL, 'c' },
                { "daemon", optional_argument, NULL, 'D' },
                { "wait", no_argument, NULL, 'w' },
                { "json", no_argument, NULL, 'j' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        const char *config = NULL, *sock = NULL;
        bool fence = !strcmp(cmd, "fence"), wait = false, json = false;
        nf_daemon_conf dc;
        nf_hostlist hl = {};
        nf_jv *a = NULL;
        char err[512], *raw = NULL;
        int c, fd = -1, r = EXIT_DAEMON_USAGE;
        double fences_before = 0;

        nf_daemon_conf_defaults(&dc);
        optind = 1;
        while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) >= 0) {
                switch (c) {
                case 'c': config = optarg; break;
                case 'D': sock = optarg; break;
                case 'w': wait = true; break;
                case 'j': json = true; break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        fprintf(stderr, "nmifence: %s --daemon takes only -c, --wait (fence), --json\n", cmd);
                        usage(stderr);
                        return EXIT_DAEMON_USAGE;
                }
        }
        if (wait && !fence) {
                fprintf(stderr, "nmifence: --wait is for fence --daemon\n");
                return EXIT_DAEMON_USAGE;
        }
        for (int i = optind; i < argc; i++)
                if (nf_hostlist_add(&hl, argv[i], err, sizeof err) < 0) {
                        fprintf(stderr, "nmifence: %s\n", err);
                        goto out;
                }
        if (fence && hl.n != 1) {
                fprintf(stderr, "nmifence: fence --daemon takes exactly one HOST\n");
                goto out;
        }
        if (!sock) {
                /* the socket the daemon of this configuration listens on */
                const char *path = config ? config : NF_DEFAULT_CONFIG;
                if ((config || access(path, F_OK) == 0) && nf_daemon_conf_load(path, &dc, err, sizeof err) < 0) {
                        fprintf(stderr, "nmifence: %s\n", err);
                        goto out;
                }
                sock = dc.control_socket ? dc.control_socket : NF_DAEMON_CONTROL_SOCKET;
        }
        if ((fd = connect_to(sock, err, sizeof err)) < 0) {
                fprintf(stderr, "nmifence: %s\n", err);
                r = EXIT_DAEMON_UNREACHABLE;
                goto out;
        }
        if (fence && wait) {
                /* the count before, to know which fence ended */
                const nf_jv *h;
                bool running;
                if (ask(fd, NF_CTL_STATUS, hl.names, 1, &a, err, sizeof err) < 0) {
                        fprintf(stderr, "nmifence: %s\n", err);
                        r = EXIT_DAEMON_UNREACHABLE;
                        goto out;
                }
                if (!host_fence_state(a, &fences_before, &running, &h)) {
                        r = answer_error(a);
                        goto out;
                }
                a = nf_jv_free(a);
        }
        if (ask_raw(fd, fence ? NF_CTL_FENCE : NF_CTL_STATUS, hl.names, hl.n, &a, &raw, err, sizeof err) < 0) {
                fprintf(stderr, "nmifence: %s\n", err);
                r = EXIT_DAEMON_UNREACHABLE;
                goto out;
        }
        /* --wait --json: the final status answer only (wait_fence) */
        if (json && !(fence && wait && nf_jv_get_bool(a, "ok", false)))
                printf("%s\n", raw);
        if (!nf_jv_get_bool(a, "ok", false)) {
                r = answer_error(a);
                goto out;
        }
        r = EXIT_DAEMON_OK;
        if (fence && wait) {
                if (!json)
                        printf("nmifence: nmifenced is fencing %s; waiting for the end\n", hl.names[0]);
                r = wait_fence(fd, hl.names[0], fences_before, json, err, sizeof err);
        } else if (fence && !json) {
                const nf_jv *st = nf_jv_get(a, "status");
                printf("nmifence: nmifenced fences %s now (liveness %s)\n", str_or(st, "host", "?"),
                       str_or(st, "state", "?"));
        } else if (!json)
                print_status(stdout, a);
out:
        nf_jv_free(a);
        free(raw);
        if (fd >= 0)
                close(fd);
        nf_daemon_conf_done(&dc);
        nf_hostlist_done(&hl);
        return r;
}
