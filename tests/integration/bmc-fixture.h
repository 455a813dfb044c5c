/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A BMC-only OpenIPMI ipmi_sim for one integration test, started by the
 * lab's tests/lab/bmc-up (fresh run dir, free loopback port, nf_diag
 * module) and stopped by tests/lab/lab-down.  Without the lab scripts the
 * fixture starts ipmi_sim itself the same way and kills it by PID.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "nf-session.h"

/* meson treats this exit status as "skipped". */
#define TEST_SKIP 77

typedef struct bmc_fixture {
        char dir[64];                   /* scratch dir: config, state, logs */
        char nmi_log[128];              /* nf_diag module's log, "" without it */
        char host[16];
        uint16_t port;
        char user[17];
        char password[21];
        pid_t pid;                      /* ipmi_sim we started, 0 if none */
        char rundir[96];                /* lab run dir when tests/lab/bmc-up is used */
        char lab_down[256];
        pid_t lab_sim_pid;              /* ipmi_sim started by bmc-up for us */
} bmc_fixture;

/* Starts the simulator and waits until it answers.  Returns 0, or
 * TEST_SKIP after printing why (ipmi_sim missing), or 1 on failure. */
int bmc_fixture_start(bmc_fixture *b);

/* TEST_SKIP (with the reason printed) when the lab module, and with it
 * the lab BMC's watchdog (tests/lab/bmc/nf_watchdog.c), is not loaded:
 * stock ipmi_sim answers a 6-byte Get Watchdog Timer and never runs a
 * timer with action none.  0 otherwise. */
int bmc_fixture_need_watchdog(const bmc_fixture *b);

/* Kills the simulator by PID and removes the scratch dir. */
void bmc_fixture_stop(bmc_fixture *b);

/* Kill the simulator (BMC gone) / start it again on the same port. */
void bmc_fixture_kill(bmc_fixture *b);
int bmc_fixture_restart(bmc_fixture *b);

/* Parameters ipmi_sim accepts: cipher suite 3, workaround opensesspriv
 * (see LAB-NOTES), and a short session timeout so failures come fast. */
void bmc_fixture_lan_params(const bmc_fixture *b, nf_lan_params *ret);

/* Number of lines in the nf_diag NMI log (-1 if unreadable). */
int bmc_fixture_nmi_count(const bmc_fixture *b);

/* A loopback UDP port nothing listens on (bound, then released). */
uint16_t bmc_fixture_free_udp_port(void);

/* Test assertion: print file:line and the message, then exit 1. */
#define CHECK(cond, ...)                                                        \
        do {                                                                    \
                if (!(cond)) {                                                  \
                        fprintf(stderr, "%s:%d: FAIL: %s: ", __FILE__, __LINE__, #cond); \
                        fprintf(stderr, __VA_ARGS__);                           \
                        fputc('\n', stderr);                                    \
                        exit(1);                                                \
                }                                                               \
        } while (0)

/* Assert NF_OK, else print the session's formatted last error. */
#define CHECK_OK(s, expr)                                                       \
        do {                                                                    \
                nf_status _r = (expr);                                          \
                char _b[256];                                                   \
                CHECK(_r == NF_OK, "%s", nf_error_format(nf_session_last_error(s), _b, sizeof(_b))); \
        } while (0)
