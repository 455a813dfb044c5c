/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Drives one host's nf_fence to its end over a blocking session: the loop
 * shared by `nmifence dump` and `fence_nmi`.  Logs one line per state
 * change and per target record, with the time since the start.
 */

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "config.h"
#include "fence-io.h"
#include "fence-sm.h"
#include "report.h"

typedef struct nf_fence_run nf_fence_run;

struct nf_fence_run {
        const char *host;
        nf_report report;
        nf_fence_io io;
        nf_fence fence;
        FILE *log;                      /* NULL: no progress lines */
        bool verbose;
        uint64_t t0;
        const volatile sig_atomic_t *interrupted;       /* may be NULL */
        nf_session_stats wire_before;   /* the session's counters when the action began */

        /* Hooks of the operation layer (fence-op.c); all may be NULL.
         * wake_fd (-1: none) is polled together with the next action's
         * deadline; when it is readable on_wake runs and the loop asks
         * the machine again.  before_action runs before each IPMI action
         * (the NMI intent is persisted there), after_feed after each. */
        int wake_fd;
        void (*on_wake)(nf_fence_run *r, uint64_t now);
        void (*before_action)(nf_fence_run *r, const nf_action *a);
        void (*after_feed)(nf_fence_run *r);
        void *op;
        /* Set by a hook: nf_fence_run_loop() returns after this step, the
         * machine unfinished (the release point: the rest is nmifenced's). */
        bool stop;

        /* Observers for an embedding caller (the fleet engine); may be
         * NULL.  Called after the log line of a state change or a target
         * record. */
        void (*on_state)(nf_fence_run *r, nf_fence_state from, nf_fence_state to, const char *why);
        void (*on_target_record)(nf_fence_run *r, const nf_stage_msg *m);
        void *userdata;

        /* TEST ONLY (nmifence dump --test-extra-nmi, guarded by
         * NMIFENCE_TEST_HOOKS; tests/e2e/nmi-repeated*.sh): NMI_TEST_EXTRA_*
         * bits asking this driver for more diag NMIs after the machine's
         * one, to show what a target does with them.  Sent here, outside
         * the state machine, whose one-NMI guarantee stays as it is;
         * fence_nmi never sets it. */
        unsigned test_extra_nmi;
        unsigned test_extra_nmi_sent;   /* NF_TEST_EXTRA_NMI_* bits done */
};

#define NF_TEST_EXTRA_NMI_PANIC 0x1     /* right after the NMI, before any dump record */
#define NF_TEST_EXTRA_NMI_DUMP  0x2     /* once a dump record came, before the dump ended */

uint64_t nf_now_ms(void);

/* lan parameters of a host entry; strings are borrowed from h/password. */
void nf_lan_params_from_conf(const nf_host_conf *h, const char *password, nf_lan_params *ret);

void nf_fence_run_init(nf_fence_run *r, const nf_host_conf *h, const char *password, FILE *log, bool verbose);
/* Runs until the machine finishes (0) or *interrupted is set (-EINTR). */
int nf_fence_run_loop(nf_fence_run *r);

/* The loop's one step, split for a driver that runs the action's plan
 * from its own event loop (the fleet engine, docs/design.md): begin
 * (hooks, log lines), then the plan on r->io (nf_fence_io_plan() ...
 * nf_fence_io_finish(), or nf_fence_io_run() blocking), then end (log
 * the failure, feed the machine, hooks). */
void nf_fence_run_begin_action(nf_fence_run *r, const nf_action *a);
void nf_fence_run_end_action(nf_fence_run *r, const nf_action *a, const nf_action_result *res);
void nf_fence_run_done(nf_fence_run *r);

void nf_fence_run_log(nf_fence_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
