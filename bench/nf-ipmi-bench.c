/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nf-ipmi-bench: the cost of IPMI operations over one persistent RMCP+
 * session, as the agent uses it (libnfipmi over libfreeipmi).  Opens one
 * session, then runs COUNT requests of one kind and prints one JSON object:
 * the session set-up time, the per-request latencies (min, median, p95,
 * max) and this process's CPU time.  bench/ipmi-ops runs it beside ipmitool
 * and freeipmi's tools against the same lab BMC (docs/benchmarks.md).
 *
 * Usage: nf-ipmi-bench HOST PORT USER COUNT OP
 *   OP: status (Get Chassis Status), devid (Get Device ID), selinfo
 *   The password comes from $NF_BENCH_PASSWORD; cipher suite 3, freeipmi
 *   workarounds from $NF_BENCH_WORKAROUNDS (e.g. "opensesspriv").
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "nf-commands.h"
#include "nf-session.h"

static double now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;

        return (x > y) - (x < y);
}

static double cpu_ms(void) {
        struct rusage ru;

        getrusage(RUSAGE_SELF, &ru);
        return (double) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
               (double) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static nf_status run_op(nf_session *s, const char *op) {
        if (strcmp(op, "status") == 0) {
                nf_chassis_status cs;
                return nf_get_chassis_status(s, &cs);
        }
        if (strcmp(op, "devid") == 0) {
                nf_device_id id;
                return nf_get_device_id(s, &id);
        }
        nf_sel_info si;
        return nf_sel_get_info(s, &si);
}

int main(int argc, char **argv) {
        nf_lan_params p = { 0 };
        nf_session *s = NULL;
        nf_error err = { 0 };
        const char *wa = getenv("NF_BENCH_WORKAROUNDS");
        const char *bad;
        size_t bad_len;
        unsigned long count;
        double *lat, t, cpu0, open_ms;
        char *end;

        if (argc != 6 || (strcmp(argv[5], "status") && strcmp(argv[5], "devid") &&
                          strcmp(argv[5], "selinfo"))) {
                fprintf(stderr, "usage: %s HOST PORT USER COUNT status|devid|selinfo\n", argv[0]);
                return 2;
        }
        errno = 0;
        count = strtoul(argv[4], &end, 10);
        if (errno || *end || count == 0 || count > 1000000) {
                fprintf(stderr, "nf-ipmi-bench: bad COUNT '%s'\n", argv[4]);
                return 2;
        }
        p.host = argv[1];
        p.port = (uint16_t) strtoul(argv[2], NULL, 10);
        p.user = argv[3];
        p.password = getenv("NF_BENCH_PASSWORD");
        p.cipher_suite = 3;
        if (wa && *wa && nf_workarounds_parse(wa, &p.workaround_flags, &bad, &bad_len) != NF_OK) {
                fprintf(stderr, "nf-ipmi-bench: unknown workaround '%.*s'\n", (int) bad_len, bad);
                return 2;
        }
        lat = calloc(count, sizeof(*lat));
        if (!lat)
                return 1;

        cpu0 = cpu_ms();
        t = now_ms();
        if (nf_session_open_lan(&p, &s, &err) != NF_OK) {
                char buf[256];
                fprintf(stderr, "nf-ipmi-bench: %s\n", nf_error_format(&err, buf, sizeof(buf)));
                free(lat);
                return 3;
        }
        open_ms = now_ms() - t;

        for (unsigned long i = 0; i < count; i++) {
                t = now_ms();
                if (run_op(s, argv[5]) != NF_OK) {
                        char buf[256];
                        fprintf(stderr, "nf-ipmi-bench: request %lu: %s\n", i,
                                nf_error_format(nf_session_last_error(s), buf, sizeof(buf)));
                        nf_session_free(s);
                        free(lat);
                        return 3;
                }
                lat[i] = now_ms() - t;
        }
        s = nf_session_free(s);
        double cpu = cpu_ms() - cpu0;

        qsort(lat, count, sizeof(*lat), cmp_double);
        printf("{\"tool\":\"nmifence-session\",\"op\":\"%s\",\"count\":%lu,"
               "\"open_ms\":%.3f,\"min_ms\":%.3f,\"median_ms\":%.3f,\"p95_ms\":%.3f,"
               "\"max_ms\":%.3f,\"cpu_ms\":%.1f}\n",
               argv[5], count, open_ms, lat[0], lat[count / 2], lat[(count * 95) / 100 < count ? (count * 95) / 100 : count - 1],
               lat[count - 1], cpu);
        free(lat);
        return 0;
}
