/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* nmifenced's per-host record and the daemon object, shared by daemon.c
 * (the loop) and daemon-status.c (the answers).  Internal. */

#include "daemon.h"
#include "fence-rate.h"
#include "fleet.h"
#include "host-watch.h"
#include "liveness-sm.h"
#include <systemd/sd-event.h>

#include "fanout.h"
#include "plan-runner.h"
#include "watch-plan.h"

typedef enum dhost_job {
        DHOST_JOB_POLL,
        DHOST_JOB_PROBE,
} dhost_job;

typedef struct dhost {
        nf_daemon *d;
        size_t index;                   /* in conf->hosts and in the fleet engine */
        const nf_host_conf *conf;
        nf_host_conf fconf;             /* the engine's copy: fence kind set per fence */
        const char *password;

        nf_live live;
        uint64_t t_live;                /* CLOCK_MONOTONIC ms of the last liveness change */
        nf_host_watch watch;
        dhost_job job_kind;
        bool in_flight;                 /* a poll or a probe is under way */
        uint64_t next_at;               /* when the tick asks its machine again; 0: at the next */
        nf_watch_plan plan;             /* the poll's requests */
        nf_plan_runner runner;          /* ... on watch.session */
        sd_event_source *io, *timer;    /* its socket (or the probe's) and deadline */
        int probe_fd;                   /* the probe's connecting socket, -1 none */
        nf_live_poll poll;              /* a poll's result */
        bool probe_ok;
        unsigned polls, bmc_failures, probes, probe_failures;
        char bmc_error[160];            /* the last poll's failure, "" none */

        bool alive_since_fence;         /* seen healthy since the last fence (or since start) */
        bool fencing;                   /* handed to the engine, not done */
        bool fence_resumed;             /* a previous nmifenced's fence, resumed */
        char fence_requested_by[96];    /* "" the daemon's own judgement */
        long adopted_from;              /* the agent whose operation this fence took over (adopt); 0 none */
        nf_fence_state fence_state;
        int fence_percent;
        bool fence_nmi_sent;
        uint64_t t_fence_start;
        /* the last finished fence */
        bool last_known;
        int last_exit;
        bool last_nmi_sent, last_fenced;
        char last_result[200];
        unsigned nmis;                  /* NMIs this daemon sent to the host */
} dhost;

struct nf_daemon {
        nf_daemon_params p;
        sd_event *event;
        sd_event_source *tick, *fleet_io, *fleet_timer;
        nf_fanout fanout;               /* shared with the engine */
        bool slot_wanted;               /* a poll or probe waits for a free slot */
        bool in_tick;                   /* on_tick's scan runs */
        nf_fleet *fleet;
        nf_rmcpp_cache *cache;          /* every poll's session's (one thread) */
        nf_fence_rate rate;
        dhost *hosts;
        size_t n_hosts;
        uint64_t t_start;
        bool started, stopping, stopped;
        unsigned jobs_in_flight;
};

const dhost *nf_daemon_find_host(const nf_daemon *d, const char *name);
