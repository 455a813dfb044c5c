/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * One dump-aware fence operation on one target, as the programs see it
 * (nmifence dump, fence_nmi off/reboot).  This layer owns what goes around
 * the state machine: the per-target lock that makes a second agent join the
 * operation in progress instead of sending a second NMI, the persisted
 * operation state that survives the agent being killed, and fence_kdump
 * evidence (issue 3).
 */

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "fence-run.h"
#include "fence-sm.h"
#include "prior-check.h"
#include "release-decision.h"
#include "report.h"
#include "state-dir.h"
#include "target-lock.h"

typedef struct nf_fence_op_params {
        const nf_host_conf *host;               /* BMC and fence settings */
        const char *password;
        FILE *log;                              /* progress lines; NULL for none */
        bool verbose;
        const volatile sig_atomic_t *interrupted;       /* may be NULL */

        /* fence_kdump: listen on this UDP port (0 = off; fence_kdump's own
         * is 7410) for messages from these comma separated IP addresses
         * (required when listening: -EINVAL without); silence this long
         * after the last message counts as the dump having ended (0 = off).
         * 0/NULL here fall back to host->kdump_port/kdump_sources and
         * host->fence.kdump_silence_ms. */
        uint16_t kdump_port;
        const char *kdump_sources;
        uint64_t kdump_silence_ms;
        const char *kdump_addr;                 /* bind address; NULL: host->kdump_addr, else any IPv4 */

        /* NULL: $NMIFENCE_STATE_DIR, else NF_STATE_DIR_DEFAULT */
        const char *state_dir;
        /* how long a finished operation whose NMI was sent may be reported
         * to a newcomer instead of starting a new one (prior-decision.h:
         * power off only, after a check of the host); 0: 60 s */
        uint64_t keep_result_ms;

        /* The release point (release-decision.h), for a program that runs
         * this one target and exits: nmifence dump and fence_nmi.  Never
         * set by the fleet engine or nmifenced, the supervisor itself.
         * daemon_socket: nmifenced's control socket for the hand-over
         * (NULL: NF_DAEMON_CONTROL_SOCKET); warn: where the fall-back to
         * release=power is said (NULL: log). */
        nf_release_mode release;
        bool release_on_kdump;
        const char *daemon_socket;
        FILE *warn;

        /* nmifence follow: the machine in follow mode (nf_fence_init_follow,
         * host->fence.follow_window): no NMI, the dump someone else
         * started.  Same lock, join, resume and keep rules as a dump. */
        bool follow;

        /* TEST ONLY: NF_TEST_EXTRA_NMI_* (fence-run.h); 0 in every product
         * path.  Only nmifence dump sets it, behind NMIFENCE_TEST_HOOKS. */
        unsigned test_extra_nmi;
        /* TEST ONLY: 0 in every product path.  N > 0: SIGKILL this
         * process at its Nth crash point (each write of the state file,
         * right before and right after the diag request), for the test
         * that kills the agent at every persisted step (tests/integration/
         * crash-points.sh).  Only nmifence dump sets it, behind
         * NMIFENCE_TEST_HOOKS=crash. */
        unsigned test_crash_at;

        /* Observers put into the run before the machine first moves, so
         * the transition a resume makes reaches them too (nf_fence_run's
         * on_state, on_target_record, userdata); NULL: none. */
        void (*on_state)(nf_fence_run *r, nf_fence_state from, nf_fence_state to, const char *why);
        void (*on_target_record)(nf_fence_run *r, const nf_stage_msg *m);
        void *userdata;
} nf_fence_op_params;

#define NF_KEEP_RESULT_MS_DEFAULT 60000

typedef struct nf_fence_outcome {
        int exit_code;                          /* NF_EXIT_* */
        bool joined;                            /* another agent ran it; we report its result */
        nf_fence fence;                         /* final machine state (t_* relative to its t_start) */
        nf_report report;
} nf_fence_outcome;

/* Returns 0 with *ret filled, or -EINTR when interrupted (ret->fence then
 * holds the state reached), or another -errno for a local failure (lock
 * directory unusable, ...), with a message logged. */
int nf_fence_op_run(const nf_fence_op_params *p, nf_fence_outcome *ret);

/*
 * The same operation in steps, for a driver that runs many targets in one
 * event loop (agent/fleet.c) and nf_fence_op_run() above.  An op holds the
 * target's lock file open; p (and what it points to) must outlive it.
 * Steps that may block on I/O say so; the others only touch local files.
 */
typedef struct nf_fence_op nf_fence_op;

typedef enum nf_fence_op_prior {
        NF_FENCE_OP_PRIOR_NONE,         /* start a new operation */
        NF_FENCE_OP_PRIOR_RESUME,       /* continue one whose NMI was sent, without an NMI */
        NF_FENCE_OP_PRIOR_REPORT,       /* finished (kept or joined), checked: report it, fence nothing */
        NF_FENCE_OP_PRIOR_LOGIN_FAILED, /* that success was not reported: this request's login failed */
} nf_fence_op_prior;

/* Reads the boot id and opens the target's lock file (state directory:
 * p->state_dir, $NMIFENCE_STATE_DIR, /run/nmifence).  Errors are logged. */
int nf_fence_op_open(const nf_fence_op_params *p, nf_fence_op **ret);
nf_fence_op *nf_fence_op_free(nf_fence_op *op);
/* CLOCK_MONOTONIC ms when the op was opened: time 0 of its log lines. */
uint64_t nf_fence_op_t0(const nf_fence_op *op);

/* One look, without blocking: 1 when this op now owns the target (the
 * lock was free: judge what is there with nf_fence_op_judge_prior()), 2
 * while another agent holds it (ask again later, e.g. every 500 ms; *st
 * holds its state when readable), -errno on error.  Logs what it sees
 * once per change. */
int nf_fence_op_join_step(nf_fence_op *op, nf_op_state *st);
/* Owner only: what the state left by earlier agents (or by the owner this
 * op joined) means: prior-decision.h.  May block for one IPMI session of
 * this request's own (the check before a success is reported). */
nf_fence_op_prior nf_fence_op_judge_prior(nf_fence_op *op, nf_op_state *st);
/* The same in two halves, for an event loop: begin reads the state file;
 * true when the host must be checked first, with the prior plan
 * (prior-check.h, nf_prior_plan_init(&plan, st)) on a session of *ret_lan
 * of its own; end takes what the plan saw (NULL when begin said false). */
bool nf_fence_op_judge_begin(nf_fence_op *op, nf_op_state *st, nf_lan_params *ret_lan);
nf_fence_op_prior nf_fence_op_judge_end(nf_fence_op *op, nf_op_state *st, const nf_prior_seen *seen);
/* Owner only: initialises r for this target (persisting hooks, r->op),
 * resumed from *st with NF_FENCE_OP_PRIOR_RESUME, logs the start line and
 * persists.  own_kdump: open the target's own fence_kdump listener and
 * poll it from nf_fence_run_loop() (a single-target program); a fleet
 * feeds evidence itself.  Then drive r and nf_fence_run_done() it. */
int nf_fence_op_begin(nf_fence_op *op, nf_fence_op_prior pr, const nf_op_state *st, bool own_kdump,
                      nf_fence_run *r);
/* Writes r's state to the target's state file if it changed. */
void nf_fence_op_persist(nf_fence_run *r);
void nf_fence_op_outcome_from_run(nf_fence_run *r, int rc, nf_fence_outcome *ret);
/* The result another agent left in *st (joined or kept). */
void nf_fence_op_outcome_from_state(const nf_fence_op *op, const nf_op_state *st, nf_fence_outcome *ret);
/* After NF_FENCE_OP_PRIOR_LOGIN_FAILED: this request's own failure, the
 * one a new operation reports when its first login fails. */
void nf_fence_op_outcome_login_failed(const nf_fence_op *op, nf_fence_outcome *ret);
