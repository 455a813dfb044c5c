/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * nmifenced's core: every configured host watched in one sd-event loop
 * (docs/design.md, "nmifenced").  Per host a liveness machine
 * (liveness-sm.c) decides; its BMC polls (watch plans on the host's
 * session) and TCP probes run from the loop, at most `fanout` at once
 * together with the fences' IPMI work (fanout.h); fences run in the fleet engine (fleet.c, on_demand) inside the
 * same loop, with its per-target lock and persisted state, so a restart
 * during a dump resumes the fence and never sends a second NMI.
 *
 * Nothing here reads the configuration file, opens the control socket or
 * talks to systemd's notify socket: nmifenced.c does, and calls in.
 */

#include <stdbool.h>
#include <stddef.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "daemon-config.h"
#include "daemon-log.h"
#include "json-writer.h"

typedef struct nf_daemon nf_daemon;

typedef struct nf_daemon_params {
        const nf_config *conf;          /* the hosts; borrowed, outlives the daemon */
        char *const *passwords;         /* one per conf->hosts[i]; borrowed */
        const nf_daemon_conf *dconf;    /* borrowed */
        const nf_dlog *log;             /* borrowed */
        bool verbose;                   /* the fences' IPMI actions too */
        /* Called when the counts behind the STATUS= line changed. */
        void (*on_status_changed)(nf_daemon *d, void *userdata);
        /* Called once nf_daemon_stop()'s wind-down has finished. */
        void (*on_stopped)(nf_daemon *d, void *userdata);
        void *userdata;
} nf_daemon_params;

/* Returns 0 or -errno with err filled in. */
int nf_daemon_new(const nf_daemon_params *p, sd_event *e, nf_daemon **ret, char *err, size_t errlen);
/* Stops the sources, waits for requests in flight (each bounded by its
 * session timeout).  NULL-safe; returns NULL. */
nf_daemon *nf_daemon_free(nf_daemon *d);

/* Resumes the fences a previous nmifenced left unfinished after their NMI
 * (no second NMI), opens the fence_kdump listeners and schedules every
 * host's first poll.  Returns 0 or -errno with err filled in. */
int nf_daemon_start(nf_daemon *d, char *err, size_t errlen);

/* SIGTERM: no new poll or fence; requests in flight finish, every fence
 * under way is persisted (the next nmifenced resumes it), then
 * on_stopped. */
void nf_daemon_stop(nf_daemon *d);

/* An operator's fence through the control socket: no grace period, not
 * rate-limited.  Returns 0 (the fence starts at once), -ENOENT unknown
 * host, -EBUSY already fencing or dumping, -EPERM policy alert,
 * -ESHUTDOWN stopping; err says it in words. */
int nf_daemon_fence_request(nf_daemon *d, const char *host, const char *who, char *err, size_t errlen);

/* An agent hands over the operation it runs on the host whose BMC is
 * target ("address:port") through the control socket (adopt): the daemon
 * waits for that agent's lock, then continues the persisted operation
 * without an NMI, with the final action and no-panic policy in its state
 * (nf_fleet_host_adopt()); who names the agent for the log and status.
 * Returns 0 (taken on: the host is fencing, by a new fence or by the
 * daemon's own one under way), 1 (adopted already: it runs it), -ENOENT no
 * host with that BMC, -ESHUTDOWN
 * stopping; *ret_host is the host's name; err says it in words. */
int nf_daemon_adopt_request(nf_daemon *d, const char *target, nf_final_action action, long pid, const char *who,
                            const char **ret_host, char *err, size_t errlen);
/* "waiting" while the host's fence waits for another agent's lock (or
 * judges what it left), "running" once it runs the machine, NULL when the
 * host is not fencing. */
const char *nf_daemon_fence_phase(const nf_daemon *d, const char *host);

/* The status answer: the daemon and the listed hosts (n == 0: all) as
 * members of the open JSON object j.  -ENOENT (err names the host) when
 * one is not configured; nothing written then. */
int nf_daemon_status_json(const nf_daemon *d, nf_json *j, char *const *hosts, size_t n, char *err, size_t errlen);
/* One host's liveness and fence as members of the open object j. */
int nf_daemon_host_json(const nf_daemon *d, nf_json *j, const char *host);

/* "3 hosts: 2 healthy, 0 suspect, 1 fencing; fences 1/2 per 3600 s" */
void nf_daemon_status_line(const nf_daemon *d, char *buf, size_t len);
