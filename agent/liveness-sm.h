/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Is this host alive?  One host's liveness for nmifenced, as an explicit
 * state machine without I/O, in the style of fence-sm.h: the daemon polls
 * the BMC (Get Watchdog Timer, new SEL records, chassis power) and
 * optionally a TCP port, feeds what it saw with `now` (CLOCK_MONOTONIC
 * ms), and asks nf_live_next() what to do and when.  Every state change
 * goes through one function that reports "A -> B: why".
 *
 * Evidence of death, each starting the grace period:
 *   - the BMC watchdog expired: the timer this daemon saw running has
 *     stopped with its use's expiration flag set (the host's petter
 *     stopped; with timeout action "none" the BMC does nothing else);
 *     a running timer at 0 counts too;
 *   - a SEL "OS Critical Stop" (critical load/run-time stop, agent not
 *     responding);
 *   - the TCP probe failing `probe_failures` times in a row.
 * Evidence of life ends the grace period: the watchdog running again (a
 * pet after expiry restarts it), the probe answering.
 *
 * What is not evidence of death (docs/operations.md "nmifenced"):
 *   - the BMC not answering.  BMCs sit on their own management network and
 *     power; a switch, a BMC reboot or a firmware hang silences them
 *     without touching the hosts, and for many at once.  Fencing on that
 *     would fence a healthy fleet, and could not work anyway (the fence
 *     goes through that BMC).  State bmc-lost, an alert.
 *   - the watchdog not running (never armed, or stopped by the host's
 *     own shutdown), an expiration flag already set when the daemon first
 *     looked (it predates us), a countdown that does not move (a broken
 *     BMC timer: the source is ignored and reported);
 *   - the host being off, or an OS graceful stop/shutdown record.
 *
 * A host that dumps by itself (its own panic: dump-start in the SEL
 * without our NMI) is "dumping": no NMI; at dump-done, dump-failed or
 * stall the power action of its policy follows.
 *
 * A watchdog that runs with a power action (cycle, power down, reset) is
 * the capture kernel's dead-man switch (docs/target.md): the BMC itself
 * acts when it runs out, so neither its countdown nor its expiry is
 * evidence of death, and a fence (an NMI into the capture kernel) must not
 * follow.  Seen outside a dump the host is "bmc-supervised"; an expiry
 * seen then or while dumping means the BMC has acted: fenced (cycle,
 * reset) or off (power down).  The first kernel's petter (action none)
 * makes it healthy again, as does the switch being stopped.
 *
 * Once the grace period ends the policy decides: alert only, or a fence,
 * which also needs a slot of the global rate limit (fence-rate.h); without
 * one the host is "held" until a slot frees, re-checked all the while.
 */

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "fence-rate.h"
#include "os-stop.h"
#include "watchdog-codec.h"

typedef enum nf_live_state {
        NF_LS_UNKNOWN,          /* not observed yet */
        NF_LS_HEALTHY,          /* alive, or no evidence either way */
        NF_LS_SUSPECT,          /* evidence of death, within the grace period */
        NF_LS_HELD,             /* would be fenced; the rate limit holds it */
        NF_LS_FENCING,          /* the fence (or power action) is running */
        NF_LS_DUMPING,          /* dumping on its own; waiting for the end */
        NF_LS_FENCED,           /* fenced; waiting for it to come back */
        NF_LS_ALERT,            /* dead, policy alert: nothing done */
        NF_LS_FAILED,           /* the fence failed: operator needed */
        NF_LS_BMC_LOST,         /* BMC does not answer: not a dead host */
        NF_LS_OFF,              /* powered off or stopped on purpose */
        NF_LS_SUPERVISED,       /* the BMC watchdog runs with a power action (dead-man switch) */
        _NF_LS_MAX,
} nf_live_state;

typedef enum nf_live_fence_kind {
        NF_LIVE_FENCE_DUMP,     /* the dump-aware fence (policy dump-*) */
        NF_LIVE_FENCE_POWER,    /* power action only: cycle, or the end of a self-started dump */
} nf_live_fence_kind;

typedef enum nf_live_act_kind {
        NF_LACT_WAIT,           /* nothing before not_before */
        NF_LACT_POLL,           /* BMC: watchdog, new SEL records, power */
        NF_LACT_PROBE,          /* TCP connect */
        NF_LACT_FENCE,          /* start the fence of `fence` kind; then nf_live_fence_started() */
} nf_live_act_kind;

typedef struct nf_live_action {
        nf_live_act_kind kind;
        nf_live_fence_kind fence;
        bool power_off;         /* for NF_LACT_FENCE: end powered off (dump-off) */
        uint64_t not_before;
} nf_live_action;

typedef struct nf_live_params {
        uint64_t poll_interval_ms;      /* BMC poll */
        uint64_t probe_interval_ms;     /* 0: no TCP probe */
        unsigned probe_failures;        /* consecutive failures that count as death */
        uint64_t grace_ms;              /* evidence of death -> decision */
        uint64_t dump_stall_ms;         /* self-started dump: silence that ends it */
        uint64_t bmc_lost_after_ms;     /* BMC silent this long -> bmc-lost */
        nf_policy policy;               /* the host's, resolved (nf_host_policy()) */
} nf_live_params;

/* One BMC poll's result. */
typedef struct nf_live_poll {
        bool bmc_ok;                    /* false: the BMC did not answer */
        bool wd_known;                  /* Get Watchdog Timer answered and decoded */
        nf_watchdog wd;
        bool power_known, power_on;
        bool os_critical;               /* an OS Critical Stop (critical) record came */
        nf_os_stop_kind os_critical_kind;
        bool os_graceful;               /* an OS graceful stop/shutdown record came */
        bool dump_record;               /* dump-start/progress/cpus record */
        bool dump_end;                  /* dump-done/failed record */
} nf_live_poll;

typedef struct nf_live nf_live;
typedef void (*nf_live_transition_fn)(const nf_live *h, nf_live_state from, nf_live_state to, const char *why,
                                      void *userdata);

struct nf_live {
        nf_live_params p;
        nf_live_state state;
        char reason[160];               /* why the current state */

        bool wd_armed_seen;             /* the watchdog ran while we watched */
        bool wd_stuck;                  /* source ignored: countdown frozen */
        uint8_t wd_power_action;        /* a power action seen running (0: none seen) */
        nf_watchdog wd_last;
        bool wd_last_known;
        unsigned wd_same;               /* polls with the same running countdown */
        uint64_t t_wd_same;

        unsigned probe_fail_streak;
        bool probe_seen_ok;

        uint64_t next_poll, next_probe;
        uint64_t t_last_bmc_ok;         /* 0: never */
        uint64_t grace_deadline;
        uint64_t dump_deadline;         /* DUMPING: stall */
        bool dump_self;                 /* the dump in progress was started by the host */
        bool operator_request;          /* the due fence was asked for by a person */
        unsigned fences;                /* fences started for this host */

        nf_live_transition_fn on_transition;
        void *userdata;
};

void nf_live_init(nf_live *h, const nf_live_params *p, uint64_t now);

/* What to do next.  rate is the daemon's global limit, consulted (and a
 * slot taken) only when a fence is due: a held host stays held. */
nf_live_action nf_live_next(nf_live *h, nf_fence_rate *rate, uint64_t now);

void nf_live_feed_poll(nf_live *h, const nf_live_poll *o, uint64_t now);
void nf_live_feed_probe(nf_live *h, bool connected, uint64_t now);
/* The fence of NF_LACT_FENCE was handed to the engine / ended. */
void nf_live_fence_started(nf_live *h, uint64_t now);
void nf_live_fence_done(nf_live *h, bool ok, bool host_off, const char *why, uint64_t now);
/* An operator's `nmifence fence HOST` through the daemon: 0 when the fence
 * is due now (no grace period, no rate limit), -EBUSY when the host is
 * already fencing, dumping or supervised by its BMC, -EPERM for policy
 * alert. */
int nf_live_fence_requested(nf_live *h, const char *who, uint64_t now);

const char *nf_live_state_str(nf_live_state s);
