/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The fleet engine: dump-aware fences of many hosts in one event loop
 * (docs/design.md, "Many hosts").  Each host is an explicit state machine
 * (nf_fence, agent/fence-sm.c); a due IPMI action is a plan
 * (action-plan.h) that a plan runner (plan-runner.h) sends on the host's
 * RMCP+ session, whose socket is in the engine's epoll set: one thread,
 * no blocking call.  At most `fanout` hosts have IPMI work in flight at
 * once; the others wait their turn.
 *
 * Per host the engine does what agent/fence-op.c does for one target, by
 * calling it: the per-target lock (a second agent joins instead of
 * sending a second NMI), the persisted state (a rerun after Ctrl-C or a
 * crash resumes and never re-NMIs) and kept results.  One fence_kdump
 * UDP listener per distinct listen address serves every host; datagrams
 * are demultiplexed by source address (each host's kdump_sources).
 *
 * Embedding: the engine does not own a loop.  Watch nf_fleet_fd() for
 * POLLIN and wake at nf_fleet_next_deadline() (CLOCK_MONOTONIC ms); then
 * call nf_fleet_process().  With sd-event that is an io source on the fd
 * plus a CLOCK_MONOTONIC time source re-armed to the deadline after every
 * nf_fleet_process() (the deadline is in ms, sd-event wants us); with
 * epoll, add the fd and use the deadline as the timeout; nf_fleet_wait()
 * is a poll() for simple programs.  Every callback runs inside
 * nf_fleet_process(), in the caller's thread.  No global state: several
 * engines may live in one process.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "fence-op.h"
#include "fence-sm.h"

#define NF_FLEET_FANOUT_DEFAULT 32
#define NF_FLEET_FANOUT_MAX 1024
/* host index of engine-wide log lines (a fence_kdump datagram no host claims) */
#define NF_FLEET_NO_HOST ((size_t) -1)

typedef struct nf_fleet nf_fleet;

/* Where a host is, as the engine sees it. */
typedef enum nf_fleet_phase {
        NF_FLEET_PENDING,       /* not started */
        NF_FLEET_PREPARING,     /* taking the lock, reading the persisted state */
        NF_FLEET_JOINED,        /* another agent runs this target's operation; following it */
        NF_FLEET_RUNNING,       /* this engine runs the state machine */
        NF_FLEET_DONE,          /* outcome available */
        _NF_FLEET_PHASE_MAX,
} nf_fleet_phase;

const char *nf_fleet_phase_str(nf_fleet_phase p);

typedef struct nf_fleet_host_info {
        const char *name;
        nf_fleet_phase phase;
        nf_fence_state state;           /* the machine's (the owner's when joined) */
        bool nmi_sent;
        bool resumed;                   /* continues an operation a stopped agent began */
        bool dump_seen;                 /* a dump record came */
        int percent;                    /* last progress record, -1 none */
        uint64_t t_start, t_end;        /* CLOCK_MONOTONIC ms; 0 = not yet */
        int exit_code;                  /* NF_EXIT_*, when DONE */
        /* when DONE, else NULL; an on_demand host's outcome is its
         * on_done's only (it is freed after): NULL, and exit_code 0,
         * once that returned */
        const nf_fence_outcome *outcome;
} nf_fleet_host_info;

typedef struct nf_fleet_callbacks {
        /* A log line of one host ("[  12.345] node07: wait-panic -> ..."),
         * as nmifence dump prints it; msg points past the "[time] name: "
         * prefix.  host is NF_FLEET_NO_HOST for engine-wide lines. */
        void (*on_log)(nf_fleet *f, size_t host, const char *line, const char *msg, void *userdata);
        /* The host's state machine changed state (its own, or, when
         * joined, the owner's as read from the state file: why is then
         * "seen in the owner's state"). */
        void (*on_state)(nf_fleet *f, size_t host, nf_fence_state from, nf_fence_state to, const char *why,
                         void *userdata);
        /* A target record came (dump-start, progress, dump-done, ...). */
        void (*on_record)(nf_fleet *f, size_t host, const nf_stage_msg *m, void *userdata);
        /* The host finished: outcome and exit code are final.  On an
         * on_demand engine *o lives until this returns. */
        void (*on_done)(nf_fleet *f, size_t host, const nf_fence_outcome *o, void *userdata);
        void *userdata;
} nf_fleet_callbacks;

typedef struct nf_fleet_params {
        unsigned fanout;                /* hosts with BMC requests in flight at most; 0: NF_FLEET_FANOUT_DEFAULT */
        const char *state_dir;          /* NULL: $NMIFENCE_STATE_DIR, else /run/nmifence */
        uint64_t keep_result_ms;        /* 0: NF_KEEP_RESULT_MS_DEFAULT */
        bool verbose;                   /* log every IPMI action */
        /* nmifenced: hosts are added idle and fenced when asked
         * (nf_fleet_host_start()), as often as asked; a finished host
         * releases its target lock. */
        bool on_demand;
        /* A fanout cap the caller shares with IPMI work of its own
         * (nmifenced's liveness polls), so one fanout caps every BMC
         * request; borrowed.  NULL: the engine's own, of `fanout`. */
        struct nf_fanout *fanout_shared;
        nf_fleet_callbacks cb;
} nf_fleet_params;

/* Returns 0, or -EINVAL (fanout out of 1..NF_FLEET_FANOUT_MAX), -ENOMEM, -errno. */
int nf_fleet_new(const nf_fleet_params *p, nf_fleet **ret);
/* Drops the requests in flight (their sessions are closed without
 * waiting), releases every lock.  NULL-safe; returns NULL. */
nf_fleet *nf_fleet_free(nf_fleet *f);

/* Adds a host before nf_fleet_start(); h and password are borrowed and
 * must outlive the engine.  h->fence says what to do: the NMI, the final
 * action, or power_only for a power-only fence.  Returns the host's index
 * (0, 1, ...) or -errno (-EEXIST: a BMC address:port already added). */
int nf_fleet_add(nf_fleet *f, const nf_host_conf *h, const char *password);
size_t nf_fleet_size(const nf_fleet *f);

/* Opens the fence_kdump listeners the hosts ask for (a port that cannot
 * be bound is logged and the fence goes on without that evidence) and
 * lets the hosts start at the next nf_fleet_process().  -errno on a bad
 * listen address or source list. */
int nf_fleet_start(nf_fleet *f);

/* Readable when nf_fleet_process() has work (a finished request, a
 * fence_kdump datagram).  Stable for the engine's life. */
int nf_fleet_fd(const nf_fleet *f);
/* When nf_fleet_process() must run next even if the fd stays quiet:
 * CLOCK_MONOTONIC ms, or UINT64_MAX when only the fd can wake it. */
uint64_t nf_fleet_next_deadline(const nf_fleet *f);
/* Dispatches finished requests, reads fence_kdump datagrams, advances
 * every host and submits its due actions.  Never blocks.  Returns the
 * number of hosts not done yet. */
size_t nf_fleet_process(nf_fleet *f, uint64_t now_ms);
/* poll() on the fd until it is readable, the next deadline, or max_ms;
 * returns early (0) on a signal. */
int nf_fleet_wait(nf_fleet *f, uint64_t max_ms);

/* on_demand engines: fence this host now (after nf_fleet_start()).
 * A finished host starts afresh (lock, persisted state: a resumable
 * operation resumes without an NMI).  -EBUSY while it is being fenced,
 * -EINVAL for a bad index or an engine that is not on_demand. */
int nf_fleet_host_start(nf_fleet *f, size_t host);
/* on_demand engines: take over the operation another agent runs on this
 * host's target, which it hands over (nmifenced's adopt).  Resume only:
 * the engine waits for the lock, never sends an NMI, and continues the
 * persisted operation (NF_FENCE_OP_PRIOR_RESUME) with the final action and
 * no-panic policy recorded in its state, not the host's own; a finished
 * one is reported as joined.  Anything else under the lock (no state, an
 * operation whose NMI was not sent, one that cannot be resumed) ends the
 * host as failed, with nothing sent and fenced false.  Returns 0 (started
 * now), 1 (its fence was under way already: from now on resume only,
 * unless it runs its own machine already), -EINVAL. */
int nf_fleet_host_adopt(nf_fleet *f, size_t host);
/* on_demand: true while the host waits for nf_fleet_host_start(). */
bool nf_fleet_host_idle(const nf_fleet *f, size_t host);

/* Ctrl-C: no new request goes out.  Requests in flight finish and are
 * fed (so the persisted state is right); then every unfinished host is
 * done with NF_EXIT_INTERRUPTED.  A rerun resumes or joins, without a
 * second NMI. */
void nf_fleet_interrupt(nf_fleet *f);
bool nf_fleet_interrupted(const nf_fleet *f);
/* Every host done (on_demand: or idle). */
bool nf_fleet_finished(const nf_fleet *f);

/* A snapshot of one host, valid until the next nf_fleet_process(). */
int nf_fleet_host_info_get(const nf_fleet *f, size_t host, nf_fleet_host_info *ret);
/* Hosts per phase, for STATUS= lines and progress counters. */
void nf_fleet_count(const nf_fleet *f, size_t ret_counts[_NF_FLEET_PHASE_MAX]);
/* Most requests seen in flight at once (never above the fanout). */
unsigned nf_fleet_peak_in_flight(const nf_fleet *f);
