/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * The loop (daemon.h).  Sources on the caller's sd-event:
 *
 *   tick         CLOCK_MONOTONIC, at the earliest host deadline: asks each
 *                idle host's liveness machine what to do (poll, probe,
 *                fence, wait) and does it;
 *   per host, while a poll or a probe is under way: an io source on its
 *                session's socket (the poll's plan, plan-runner.h) or on
 *                the probe's connecting socket, and a time source at its
 *                next deadline;
 *   fleet_io     the engine's epoll fd (every fencing host's session
 *                socket): nf_fleet_process() advances the fences;
 *   fleet_timer  the engine's next deadline.
 *
 * One thread; no call blocks.  Polls, probes and the engine's IPMI work
 * share one fanout cap (fanout.h).
 *
 * A finished poll only feeds its host's machine and re-arms the tick, and
 * the engine is only called from the tick and its own sources: no
 * callback re-enters nf_fleet_process().
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "daemon-adopted.h"
#include "daemon-host.h"
#include "nf-session-lan.h"
#include "plan-runner.h"
#include "fence-run.h"
#include "rmcpp-sm.h"
#include "target-lock.h"

#define MS_TO_USEC(ms) ((uint64_t) (ms) * 1000ULL)
#define TICK_ACCURACY_USEC 100000ULL
/* A poll's or probe's deadline is a retransmission (1 s apart by default)
 * or the end of its bound (seconds): a quarter of a second late changes
 * nothing for liveness, and lets sd-event keep one timerfd expiry for the
 * many hosts' deadlines that fall into one 250 ms slot instead of
 * re-arming it as each reply moves the earliest deadline (perf: a sixth
 * of the daemon's CPU at 1 ms accuracy). */
#define JOB_ACCURACY_USEC 250000ULL
#define FLEET_ACCURACY_USEC 10000ULL

static void status_changed(nf_daemon *d) {
        if (d->p.on_status_changed)
                d->p.on_status_changed(d, d->p.userdata);
}

static void arm(sd_event_source *s, uint64_t at_ms) {
        if (at_ms == UINT64_MAX) {
                (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
                return;
        }
        (void) sd_event_source_set_time(s, MS_TO_USEC(at_ms));
        (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

static void kick(nf_daemon *d) {
        if (!d->stopping)
                arm(d->tick, 1);        /* at once (0 would mean "now" too, but reads as off) */
}

static void kick_fleet(nf_daemon *d) {
        arm(d->fleet_timer, 1);
}

static void check_stopped(nf_daemon *d) {
        if (!d->stopping || d->stopped || d->jobs_in_flight || !nf_fleet_finished(d->fleet))
                return;
        d->stopped = true;
        nf_dlogf(d->p.log, LOG_INFO, NULL, "stopped: no request in flight, every fence under way persisted");
        if (d->p.on_stopped)
                d->p.on_stopped(d, d->p.userdata);
}

/* ---- liveness ------------------------------------------------------- */

static int live_priority(nf_live_state s) {
        switch (s) {
        case NF_LS_SUSPECT:
        case NF_LS_HELD:
        case NF_LS_DUMPING:
        case NF_LS_BMC_LOST:
                return LOG_WARNING;
        case NF_LS_FENCING:
        case NF_LS_FENCED:
        case NF_LS_OFF:
                return LOG_NOTICE;
        case NF_LS_ALERT:
                return LOG_CRIT;
        case NF_LS_FAILED:
                return LOG_ERR;
        default:
                return LOG_INFO;
        }
}

static void on_live_transition(const nf_live *l, nf_live_state from, nf_live_state to, const char *why, void *userdata) {
        dhost *h = userdata;

        h->t_live = nf_now_ms();
        if (to == NF_LS_HEALTHY)
                h->alive_since_fence = true;
        nf_dlog_state(h->d->p.log, live_priority(to), h->conf->name, "liveness", nf_live_state_str(from),
                      nf_live_state_str(to), why);
        status_changed(h->d);
        (void) l;
}

/* ---- polls and probes, from the loop --------------------------------- */

static void job_sources_off(dhost *h) {
        if (h->io)
                (void) sd_event_source_set_enabled(h->io, SD_EVENT_OFF);
        if (h->timer)
                (void) sd_event_source_set_enabled(h->timer, SD_EVENT_OFF);
}

static uint64_t consider(dhost *h, uint64_t now);
static void scan(nf_daemon *d);

/* The tick at `at` unless it comes earlier already. */
static void tick_by(nf_daemon *d, uint64_t at) {
        uint64_t usec;
        int enabled = SD_EVENT_OFF;

        if (d->stopping || at == UINT64_MAX)
                return;
        if (sd_event_source_get_enabled(d->tick, &enabled) >= 0 && enabled != SD_EVENT_OFF &&
            sd_event_source_get_time(d->tick, &usec) >= 0 && usec <= MS_TO_USEC(at))
                return;
        arm(d->tick, at ? at : 1);
}

static void job_done(dhost *h) {
        nf_daemon *d = h->d;
        uint64_t now = nf_now_ms();
        char buf[160];

        job_sources_off(h);
        h->in_flight = false;
        d->jobs_in_flight--;
        nf_fanout_put(&d->fanout);
        /* the slot may be a fence's; re-arming the engine's timer for
         * nothing after each poll costs two timerfd_settime() a poll */
        if (!nf_fleet_finished(d->fleet))
                kick_fleet(d);
        if (d->stopping) {
                check_stopped(d);
                return;
        }
        if (h->job_kind == DHOST_JOB_POLL) {
                nf_host_watch_end(&h->watch, &h->plan, &h->poll);
                h->polls++;
                if (!h->poll.bmc_ok) {
                        h->bmc_failures++;
                        snprintf(h->bmc_error, sizeof h->bmc_error, "%s",
                                 nf_error_format(&h->watch.err, buf, sizeof buf));
                } else
                        h->bmc_error[0] = 0;
                nf_live_feed_poll(&h->live, &h->poll, now);
        } else {
                h->probes++;
                if (!h->probe_ok)
                        h->probe_failures++;
                nf_live_feed_probe(&h->live, h->probe_ok, now);
        }
        /* Only this host's machine has news: ask it alone, not every
         * host's (the tick's scan of all of them per finished poll made
         * the loop's cost grow with the square of the hosts).  A poll
         * that waits for a slot, or a job that ends inside the tick's
         * own scan, takes the whole tick. */
        h->next_at = 0;
        if (d->in_tick)
                kick(d);
        else if (d->slot_wanted)
                /* at once, not through the tick: a timer armed in the past
                 * for each freed slot was a timerfd_settime() a poll when
                 * polls bunch up beyond the fanout */
                scan(d);
        else
                tick_by(d, consider(h, now));
}

static int on_job_io(sd_event_source *s, int fd, uint32_t revents, void *userdata);
static int on_job_time(sd_event_source *s, uint64_t usec, void *userdata);

/* Watches fd for `events` and wakes at `at` (CLOCK_MONOTONIC ms). */
static int job_sources(dhost *h, int fd, uint32_t events, uint64_t at) {
        int r;

        if (!h->io) {
                if ((r = sd_event_add_io(h->d->event, &h->io, fd, events, on_job_io, h)) < 0)
                        return r;
        } else if ((r = sd_event_source_set_io_fd(h->io, fd)) < 0 ||
                   (r = sd_event_source_set_io_events(h->io, events)) < 0)
                return r;
        (void) sd_event_source_set_enabled(h->io, SD_EVENT_ON);
        if (!h->timer && (r = sd_event_add_time(h->d->event, &h->timer, CLOCK_MONOTONIC, 0, JOB_ACCURACY_USEC, on_job_time,
                                                  h)) < 0)
                return r;
        arm(h->timer, at);
        return 0;
}

/* The poll's plan waits on its session: watch its socket and deadline. */
static void poll_wait(dhost *h) {
        if (job_sources(h, nf_plan_runner_fd(&h->runner), EPOLLIN, nf_plan_runner_deadline(&h->runner)) < 0) {
                /* no source: the engine's bound still ends it, at the
                 * next tick's look */
                nf_dlogf(h->d->p.log, LOG_ERR, h->conf->name, "cannot watch the poll's socket");
        }
}

/* A new session whose set-up fails is freed by the runner: its socket
 * leaves the loop first, while it is still open. */
static void poll_event(dhost *h, bool readable, uint64_t now) {
        bool done;

        if (h->runner.call.fresh)
                h->io = sd_event_source_disable_unref(h->io);
        done = readable ? nf_plan_runner_on_readable(&h->runner, now) : nf_plan_runner_on_time(&h->runner, now);
        if (done)
                job_done(h);
        else
                poll_wait(h);
}

static void probe_event(dhost *h, bool connected) {
        h->probe_ok = connected ? nf_tcp_probe_end(h->probe_fd) : (close(h->probe_fd), false);
        h->probe_fd = -1;
        /* the socket is closed: its source goes with it */
        h->io = sd_event_source_disable_unref(h->io);
        job_done(h);
}

/* The job's socket is ready (io) or its deadline passed. */
static void job_event(dhost *h, bool io) {
        if (h->in_flight && h->job_kind == DHOST_JOB_POLL)
                poll_event(h, io, nf_now_ms());
        else if (h->in_flight)
                probe_event(h, io);
}

static int on_job_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        job_event(userdata, true);
        (void) s;
        (void) fd;
        (void) revents;
        return 0;
}

static int on_job_time(sd_event_source *s, uint64_t usec, void *userdata) {
        job_event(userdata, false);
        (void) s;
        (void) usec;
        return 0;
}

/* Starts a poll or a probe in a fanout slot; false when none is free (the
 * tick comes back when one is). */
static bool submit(dhost *h, dhost_job kind) {
        nf_daemon *d = h->d;
        const nf_daemon_conf *dc = d->p.dconf;

        if (!nf_fanout_take(&d->fanout)) {
                d->slot_wanted = true;
                return false;
        }
        h->job_kind = kind;
        h->in_flight = true;
        d->jobs_in_flight++;
        if (kind == DHOST_JOB_POLL) {
                nf_host_watch_begin(&h->watch, &h->plan);
                if (nf_plan_runner_start(&h->runner, &nf_watch_plan_ops, &h->plan, &h->watch.session, &h->watch.lan,
                                         &h->watch.err))
                        job_done(h);
                else
                        poll_wait(h);
                return true;
        }
        h->probe_fd = nf_tcp_probe_begin(h->conf->name, dc->probe_port, &h->probe_ok);
        if (h->probe_fd < 0)
                job_done(h);
        else if (job_sources(h, h->probe_fd, EPOLLOUT, nf_now_ms() + dc->probe_timeout_ms) < 0)
                probe_event(h, false);
        return true;
}

/* ---- fences --------------------------------------------------------- */

static const char *state_dir(const nf_daemon *d);

/* A finished operation is reported to a newcomer for keep_result_ms
 * instead of fencing again (fence-op.c: two agents reacting to one hang
 * send one NMI).  A host seen alive after that result has outlived it: a
 * new hang needs a new fence, so the result is forgotten, under the
 * target's lock, and only if it is finished. */
static void forget_outlived_result(dhost *h) {
        nf_target_lock l = { .dir_fd = -1, .lock_fd = -1 };
        nf_op_state *st = malloc(sizeof *st);
        char err[256], name[200];

        if (!st)
                return;
        if (nf_target_lock_open(state_dir(h->d), h->conf->bmc, h->conf->port, &l, err, sizeof err) == 0 &&
            nf_target_lock_try(&l) == 1 && nf_target_lock_read(&l, st, err, sizeof err) == 0 && st->finished) {
                snprintf(name, sizeof name, "%s.state", l.key);
                if (unlinkat(l.dir_fd, name, 0) == 0)
                        nf_dlogf(h->d->p.log, LOG_INFO, h->conf->name,
                                 "the result of the operation of pid %ld is outlived (the host was alive since): "
                                 "a new fence",
                                 (long) st->pid);
        }
        nf_target_lock_close(&l);
        free(st);
}

static void start_fence(dhost *h, const nf_live_action *a, uint64_t now) {
        nf_daemon *d = h->d;
        int r;

        h->fconf.fence.power_only = a->fence == NF_LIVE_FENCE_POWER;
        h->fconf.fence.final_action = a->power_off ? NF_FINAL_OFF : NF_FINAL_CYCLE;
        h->fence_state = NF_FS_CONNECT;
        h->fence_percent = -1;
        h->fence_nmi_sent = false;
        h->t_fence_start = now;
        if (h->alive_since_fence)
                forget_outlived_result(h);
        h->alive_since_fence = false;
        nf_live_fence_started(&h->live, now);
        r = nf_fleet_host_start(d->fleet, h->index);
        if (r < 0) {
                char why[160];
                snprintf(why, sizeof why, "cannot start the fence: %s", strerror(-r));
                nf_live_fence_done(&h->live, false, false, why, now);
                return;
        }
        h->fencing = true;
        nf_dlogf(d->p.log, LOG_NOTICE, h->conf->name, "%s fence started%s%s",
                h->fconf.fence.power_only ? "power-only" : "dump-aware",
                h->fence_requested_by[0] ? ", requested by " : "", h->fence_requested_by);
        kick_fleet(d);
}

static void fleet_on_log(nf_fleet *f, size_t host, const char *line, const char *msg, void *userdata) {
        nf_daemon *d = userdata;

        if (host != NF_FLEET_NO_HOST) {
                /* The machine's "A -> B: why" line comes again right after
                 * as fleet_on_state(), with the structured fields. */
                const char *from = nf_fence_state_str(d->hosts[host].fence_state);
                size_t n = strlen(from);
                if (strncmp(msg, from, n) == 0 && strncmp(msg + n, " -> ", 4) == 0)
                        return;
        }
        nf_dlogf(d->p.log, LOG_INFO, host == NF_FLEET_NO_HOST ? NULL : d->hosts[host].conf->name, "%s", msg);
        (void) f;
        (void) line;
}

static void fleet_on_state(nf_fleet *f, size_t host, nf_fence_state from, nf_fence_state to, const char *why,
                           void *userdata) {
        nf_daemon *d = userdata;
        dhost *h = &d->hosts[host];
        nf_fleet_host_info info;

        h->fence_state = to;
        if (nf_fleet_host_info_get(f, host, &info) == 0) {
                if (info.nmi_sent && !h->fence_nmi_sent) {
                        h->fence_nmi_sent = true;
                        /* a joined owner's NMI (seen in its state) is not ours */
                        if (info.phase == NF_FLEET_RUNNING && !info.resumed)
                                h->nmis++;
                }
                /* an adopted operation resumes once its agent let it go;
                 * its first move (the resume itself) comes while the
                 * fleet still prepares the host, and an adopt is a resume
                 * by construction (never a new operation) */
                if ((info.phase == NF_FLEET_RUNNING && info.resumed) ||
                    (h->adopted_from && info.phase == NF_FLEET_PREPARING))
                        h->fence_resumed = true;
        }
        nf_dlog_state(d->p.log, to == NF_FS_FAILED ? LOG_ERR : LOG_INFO, h->conf->name, "fence",
                      nf_fence_state_str(from), nf_fence_state_str(to), why);
        status_changed(d);
}

static void fleet_on_record(nf_fleet *f, size_t host, const nf_stage_msg *m, void *userdata) {
        nf_daemon *d = userdata;

        if (m->stage == NF_STAGE_PROGRESS)
                d->hosts[host].fence_percent = m->arg;
        (void) f;
}

static void fleet_on_done(nf_fleet *f, size_t host, const nf_fence_outcome *o, void *userdata) {
        nf_daemon *d = userdata;
        dhost *h = &d->hosts[host];
        const nf_fence *fe = &o->fence;
        uint64_t now = nf_now_ms();
        int prio;

        h->fencing = false;
        if (o->exit_code == NF_EXIT_INTERRUPTED && d->stopping) {
                h->fence_requested_by[0] = 0;
                h->adopted_from = 0;
                nf_dlogf(d->p.log, LOG_NOTICE, h->conf->name,
                        "fence interrupted by the stop in state %s%s; its state is persisted and the next "
                        "nmifenced resumes it",
                        nf_fence_state_str(fe->state), nf_fence_nmi_may_have_reached(fe) ? " (NMI sent: no second one)" : "");
                check_stopped(d);
                return;
        }
        if (!h->fence_nmi_sent && nf_fence_nmi_may_have_reached(fe) && !o->report.resumed && !o->joined)
                h->nmis++;
        h->last_known = true;
        h->last_exit = o->exit_code;
        h->last_nmi_sent = nf_fence_nmi_may_have_reached(fe);
        h->last_fenced = fe->fenced;
        if (fe->state == NF_FS_FAILED)
                snprintf(h->last_result, sizeof h->last_result, "failed: %s", fe->fail_reason);
        else
                snprintf(h->last_result, sizeof h->last_result, "dump %s; power %s%s%s", nf_dump_result_str(fe->dump),
                         fe->fenced ? (fe->power_on ? "on" : "off") : "not verified", fe->fenced ? " (verified)" : "",
                         o->joined ? "; another agent's operation" : "");
        prio = !fe->fenced ? LOG_ERR : o->exit_code == 0 ? LOG_NOTICE : LOG_WARNING;
        nf_dlog_fence_done(d->p.log, prio, h->conf->name, o->exit_code, nf_fence_nmi_may_have_reached(fe), h->last_result,
                           h->fence_requested_by);
        if (h->adopted_from)
                nf_adopted_forget(state_dir(d), h->conf->bmc, h->conf->port);
        h->fence_requested_by[0] = 0;
        h->adopted_from = 0;
        /* What the fence wrote to the SEL is not news for the next poll
         * (its dump records would read as a dump of the host's own). */
        h->watch.cursor_valid = false;
        h->fence_resumed = false;
        nf_live_fence_done(&h->live, fe->fenced, fe->fenced && !fe->power_on, h->last_result, now);
        status_changed(d);
        h->next_at = 0;
        kick(d);
        (void) f;
}

/* ---- the sources ---------------------------------------------------- */

/* Asks an idle host's machine what to do and does it; returns when to
 * ask it again (UINT64_MAX: when its job or fence ends, or a slot is
 * free), also kept in h->next_at for the tick. */
static uint64_t consider(dhost *h, uint64_t now) {
        nf_live_action a;

        h->next_at = UINT64_MAX;
        if (h->in_flight || h->fencing)
                return UINT64_MAX;
        a = nf_live_next(&h->live, &h->d->rate, now);
        switch (a.kind) {
        case NF_LACT_POLL:
        case NF_LACT_PROBE:
                /* no free slot: again when one is (the tick a freed slot
                 * brings asks it) */
                if (!submit(h, a.kind == NF_LACT_POLL ? DHOST_JOB_POLL : DHOST_JOB_PROBE))
                        h->next_at = 0;
                return UINT64_MAX;
        case NF_LACT_FENCE:
                start_fence(h, &a, now);
                /* a fence that could not start left a new state */
                if (!h->fencing)
                        h->next_at = now;
                return h->next_at;
        case NF_LACT_WAIT:
                h->next_at = a.not_before;
                return a.not_before;
        }
        return UINT64_MAX;
}

/* Asks every idle host's machine whose time has come, and arms the tick
 * for the next one. */
static void scan(nf_daemon *d) {
        uint64_t now = nf_now_ms(), next = UINT64_MAX;

        if (d->stopping)
                return;
        d->slot_wanted = false;
        d->in_tick = true;
        for (size_t i = 0; i < d->n_hosts; i++) {
                dhost *h = &d->hosts[i];
                /* A machine is asked again at the time it gave (its
                 * answer holds until then: what changes it, a job's end,
                 * a fence's end, a request, resets next_at), not at every
                 * tick: the scan stays cheap at a thousand hosts. */
                uint64_t n = h->next_at > now ? h->next_at : consider(h, now);
                if (n < next)
                        next = n;
        }
        d->in_tick = false;
        /* a job that ended during the scan asked for the tick at once */
        tick_by(d, next);
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        scan(userdata);
        (void) s;
        (void) usec;
        return 0;
}

static void fleet_run(nf_daemon *d) {
        nf_fleet_process(d->fleet, nf_now_ms());
        arm(d->fleet_timer, nf_fleet_next_deadline(d->fleet));
        /* a fence's slot may be free now */
        if (d->slot_wanted)
                kick(d);
        check_stopped(d);
}

static int on_fleet_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        fleet_run(userdata);
        (void) s;
        (void) fd;
        (void) revents;
        return 0;
}

static int on_fleet_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        fleet_run(userdata);
        (void) s;
        (void) usec;
        return 0;
}

/* ---- set-up --------------------------------------------------------- */

static const char *state_dir(const nf_daemon *d) {
        return nf_state_dir(d->p.dconf->state_dir);
}

int nf_daemon_new(const nf_daemon_params *p, sd_event *e, nf_daemon **ret, char *err, size_t errlen) {
        const nf_daemon_conf *dc;
        nf_daemon *d;
        int r;

        if (!p || !p->conf || !p->dconf || !p->log || !p->passwords || !e || !ret)
                return -EINVAL;
        dc = p->dconf;
        d = calloc(1, sizeof *d);
        if (!d)
                return -ENOMEM;
        d->p = *p;
        d->event = sd_event_ref(e);
        d->t_start = nf_now_ms();
        nf_fence_rate_init(&d->rate, dc->max_fences, dc->fence_window_ms);
        d->hosts = calloc(p->conf->n_hosts ? p->conf->n_hosts : 1, sizeof *d->hosts);
        d->cache = nf_rmcpp_cache_new();
        if (!d->hosts || !d->cache) {
                r = -ENOMEM;
                snprintf(err, errlen, "out of memory");
                goto fail;
        }
        d->fanout.cap = dc->fanout;
        nf_fleet_params fp = {
                .fanout = dc->fanout,
                .state_dir = state_dir(d),
                .verbose = p->verbose,
                .on_demand = true,
                .fanout_shared = &d->fanout,
                .cb = {
                        .on_log = fleet_on_log,
                        .on_state = fleet_on_state,
                        .on_record = fleet_on_record,
                        .on_done = fleet_on_done,
                        .userdata = d,
                },
        };
        if ((r = nf_fleet_new(&fp, &d->fleet)) < 0) {
                snprintf(err, errlen, "fence engine: %s", strerror(-r));
                goto fail;
        }
        for (size_t i = 0; i < p->conf->n_hosts; i++) {
                dhost *h = &d->hosts[i];
                const nf_host_conf *c = &p->conf->hosts[i];
                nf_live_params lp = {
                        .poll_interval_ms = dc->poll_interval_ms,
                        .probe_interval_ms = dc->probe_port ? dc->probe_interval_ms : 0,
                        .probe_failures = dc->probe_failures,
                        .grace_ms = dc->grace_ms,
                        .dump_stall_ms = dc->dump_stall_ms,
                        .bmc_lost_after_ms = dc->bmc_lost_after_ms,
                        .policy = nf_host_policy(c),
                };

                h->d = d;
                h->index = i;
                h->conf = c;
                h->password = p->passwords[i];
                h->fence_percent = -1;
                h->probe_fd = -1;
                if ((r = nf_host_conf_copy(c, &h->fconf)) < 0) {
                        snprintf(err, errlen, "out of memory");
                        goto fail;
                }
                d->n_hosts = i + 1;
                nf_lan_params_from_conf(c, h->password, &h->watch.lan);
                h->watch.lan.cache = d->cache;
                nf_live_init(&h->live, &lp, d->t_start);
                h->live.on_transition = on_live_transition;
                h->live.userdata = h;
                h->t_live = d->t_start;
                r = nf_fleet_add(d->fleet, &h->fconf, h->password);
                if (r == -EEXIST) {
                        snprintf(err, errlen, "%s:%d: host %s: BMC %s:%u is already another host's", p->conf->path,
                                 c->line, c->name, c->bmc, (unsigned) c->port);
                        r = -EINVAL;
                        goto fail;
                }
                if (r < 0) {
                        snprintf(err, errlen, "host %s: %s", c->name, strerror(-r));
                        goto fail;
                }
                /* the engine's index is the host's (added in order) */
                if ((size_t) r != i) {
                        snprintf(err, errlen, "host %s: engine index %d, not %zu", c->name, r, i);
                        r = -EINVAL;
                        goto fail;
                }
        }
        /* Accuracy: 100 ms is plenty for polls every few seconds and lets
         * sd-event coalesce the wake-ups of many hosts; the fences' own
         * deadlines (SEL polls, power checks) get 10 ms. */
        if ((r = sd_event_add_time(e, &d->tick, CLOCK_MONOTONIC, 0, TICK_ACCURACY_USEC, on_tick, d)) < 0 ||
            (r = sd_event_add_time(e, &d->fleet_timer, CLOCK_MONOTONIC, 0, FLEET_ACCURACY_USEC, on_fleet_timer,
                                   d)) < 0 ||
            (r = sd_event_add_io(e, &d->fleet_io, nf_fleet_fd(d->fleet), EPOLLIN, on_fleet_io, d)) < 0) {
                snprintf(err, errlen, "event loop: %s", strerror(-r));
                goto fail;
        }
        (void) sd_event_source_set_enabled(d->tick, SD_EVENT_OFF);
        (void) sd_event_source_set_enabled(d->fleet_timer, SD_EVENT_OFF);
        (void) sd_event_source_set_description(d->tick, "nmifenced-tick");
        (void) sd_event_source_set_description(d->fleet_timer, "nmifenced-fences");
        *ret = d;
        return 0;
fail:
        nf_daemon_free(d);
        return r;
}

nf_daemon *nf_daemon_free(nf_daemon *d) {
        if (!d)
                return NULL;
        __atomic_store_n(&d->stopping, true, __ATOMIC_RELAXED);
        d->tick = sd_event_source_disable_unref(d->tick);
        d->fleet_timer = sd_event_source_disable_unref(d->fleet_timer);
        d->fleet_io = sd_event_source_disable_unref(d->fleet_io);
        d->fleet = nf_fleet_free(d->fleet);
        for (size_t i = 0; i < d->n_hosts; i++) {
                dhost *h = &d->hosts[i];

                h->io = sd_event_source_disable_unref(h->io);
                h->timer = sd_event_source_disable_unref(h->timer);
                if (h->probe_fd >= 0)
                        close(h->probe_fd);
                /* closed without waiting for the BMC's answer */
                if (h->watch.session)
                        nf_session_lan_close_nowait(h->watch.session, nf_now_ms());
                nf_host_watch_done(&h->watch);
                nf_host_conf_done(&d->hosts[i].fconf);
        }
        free(d->hosts);
        d->cache = nf_rmcpp_cache_free(d->cache);
        sd_event_unref(d->event);
        free(d);
        return NULL;
}

/* A fence a previous nmifenced left after its NMI: resume it at once. */
static int check_resume(dhost *h, const char *boot_id, char *err, size_t errlen) {
        nf_daemon *d = h->d;
        nf_target_lock l = { .dir_fd = -1, .lock_fd = -1 };
        nf_op_state *st = malloc(sizeof *st);
        char rerr[200];
        int r;

        if (!st)
                return -ENOMEM;
        r = nf_target_lock_open(state_dir(d), h->conf->bmc, h->conf->port, &l, err, errlen);
        if (r < 0) {
                free(st);
                return r;
        }
        r = nf_target_lock_read(&l, st, rerr, sizeof rerr);
        nf_target_lock_close(&l);
        if (r == -EBADMSG)
                nf_dlogf(d->p.log, LOG_WARNING, h->conf->name, "persisted fence state is corrupt (%s); not resumed",
                        rerr);
        if (r == 0 && strcmp(st->boot_id, boot_id) == 0 && !st->finished && st->snap.nmi_sent) {
                h->fconf.fence.final_action = st->final_action;
                h->fconf.fence.no_panic_policy = st->no_panic_policy;
                h->fconf.fence.power_only = false;
                h->fence_resumed = true;
                /* an operation handed over to the daemon before it stopped */
                if (nf_adopted_load(state_dir(d), h->conf->bmc, h->conf->port, &h->adopted_from,
                                    h->fence_requested_by, sizeof h->fence_requested_by) < 0)
                        h->adopted_from = 0;
                /* the reason of the liveness change below */
                snprintf(h->live.reason, sizeof h->live.reason,
                         "an earlier agent (pid %ld) sent the NMI and stopped in state %s: resuming its fence, no new NMI",
                         (long) st->pid, nf_fence_state_str(st->snap.state));
                h->fence_state = st->snap.state;
                h->fence_nmi_sent = true;
                h->t_fence_start = nf_now_ms();
                nf_live_fence_started(&h->live, h->t_fence_start);
                /* resume only, as it was asked for (an operation this daemon
                 * adopted, or its own): never a new NMI from here */
                if ((r = nf_fleet_host_adopt(d->fleet, h->index)) < 0) {
                        snprintf(err, errlen, "host %s: cannot resume its fence: %s", h->conf->name, strerror(-r));
                        free(st);
                        return r;
                }
                h->fencing = true;
        } else
                /* nothing to resume: nobody's hand-over is pending */
                nf_adopted_forget(state_dir(d), h->conf->bmc, h->conf->port);
        free(st);
        return 0;
}

int nf_daemon_start(nf_daemon *d, char *err, size_t errlen) {
        char boot_id[NF_BOOT_ID_LEN + 1];
        int r;

        if (!d || d->started)
                return -EINVAL;
        if ((r = nf_boot_id(boot_id)) < 0) {
                snprintf(err, errlen, "cannot read this machine's boot id: %s", strerror(-r));
                return r;
        }
        if ((r = nf_fleet_start(d->fleet)) < 0) {
                snprintf(err, errlen, "fence engine: %s", strerror(-r));
                return r;
        }
        for (size_t i = 0; i < d->n_hosts; i++)
                if ((r = check_resume(&d->hosts[i], boot_id, err, errlen)) < 0)
                        return r;
        d->started = true;
        nf_dlogf(d->p.log, LOG_INFO, NULL,
                "watching %zu hosts: poll every %.1f s, grace %.1f s, at most %u fences per %.0f s, fanout %u, "
                "state in %s",
                d->n_hosts, (double) d->p.dconf->poll_interval_ms / 1000.0, (double) d->p.dconf->grace_ms / 1000.0,
                d->p.dconf->max_fences, (double) d->p.dconf->fence_window_ms / 1000.0, d->p.dconf->fanout,
                state_dir(d));
        kick(d);
        kick_fleet(d);
        status_changed(d);
        return 0;
}

void nf_daemon_stop(nf_daemon *d) {
        if (!d || d->stopping)
                return;
        __atomic_store_n(&d->stopping, true, __ATOMIC_RELAXED);
        nf_dlogf(d->p.log, LOG_INFO, NULL, "stopping: %u polls in flight, fences persisted for the next start",
                d->jobs_in_flight);
        (void) sd_event_source_set_enabled(d->tick, SD_EVENT_OFF);
        nf_fleet_interrupt(d->fleet);
        kick_fleet(d);
        check_stopped(d);
}

static dhost *find(const nf_daemon *d, const char *name) {
        for (size_t i = 0; i < d->n_hosts; i++)
                if (strcmp(d->hosts[i].conf->name, name) == 0)
                        return &d->hosts[i];
        return NULL;
}

int nf_daemon_fence_request(nf_daemon *d, const char *host, const char *who, char *err, size_t errlen) {
        dhost *h;
        int r;

        if (!d || !host)
                return -EINVAL;
        if (d->stopping) {
                snprintf(err, errlen, "nmifenced is stopping");
                return -ESHUTDOWN;
        }
        if (!(h = find(d, host))) {
                snprintf(err, errlen, "unknown host '%s' (not in %s)", host, d->p.conf->path);
                return -ENOENT;
        }
        if (h->fencing) {
                snprintf(err, errlen, "%s is being fenced already (fence state %s)", host,
                         nf_fence_state_str(h->fence_state));
                return -EBUSY;
        }
        r = nf_live_fence_requested(&h->live, who, nf_now_ms());
        if (r == -EBUSY) {
                snprintf(err, errlen, "%s is %s: no second fence", host, nf_live_state_str(h->live.state));
                return r;
        }
        if (r == -EPERM) {
                snprintf(err, errlen, "%s has policy alert: nmifenced never fences it", host);
                return r;
        }
        snprintf(h->fence_requested_by, sizeof h->fence_requested_by, "%s", who ? who : "an operator");
        nf_dlogf(d->p.log, LOG_NOTICE, host, "fence requested by %s through the control socket",
                h->fence_requested_by);
        /* the tick starts it unless a poll is in flight; then right after */
        h->next_at = 0;
        kick(d);
        return 0;
}

static dhost *find_target(const nf_daemon *d, const char *target) {
        char t[300];

        for (size_t i = 0; i < d->n_hosts; i++) {
                snprintf(t, sizeof t, "%s:%u", d->hosts[i].conf->bmc, (unsigned) d->hosts[i].conf->port);
                if (strcmp(t, target) == 0)
                        return &d->hosts[i];
        }
        return NULL;
}

/* The hand-over is this fence's from now on: named in the status, the
 * journal, and (KEY.adopted) after a restart. */
static void set_adopted(dhost *h, long pid, const char *who) {
        int r;

        h->adopted_from = pid;
        snprintf(h->fence_requested_by, sizeof h->fence_requested_by, "%s", who);
        r = nf_adopted_save(state_dir(h->d), h->conf->bmc, h->conf->port, pid, who);
        if (r < 0)
                nf_dlogf(h->d->p.log, LOG_WARNING, h->conf->name,
                         "cannot record who handed the operation over (%s): a restart will not name it",
                         strerror(-r));
}

int nf_daemon_adopt_request(nf_daemon *d, const char *target, nf_final_action action, long pid, const char *who,
                            const char **ret_host, char *err, size_t errlen) {
        uint64_t now = nf_now_ms();
        dhost *h;
        int r;

        if (!d || !target || !who || !ret_host)
                return -EINVAL;
        if (d->stopping) {
                snprintf(err, errlen, "nmifenced is stopping");
                return -ESHUTDOWN;
        }
        if (!(h = find_target(d, target))) {
                snprintf(err, errlen, "no host in %s has BMC %s: not adopted", d->p.conf->path, target);
                return -ENOENT;
        }
        *ret_host = h->conf->name;
        if (h->fencing) {
                /* Its fence runs: the daemon's own waits for the same lock
                 * (from now on resume only), or this adopt came twice. */
                if ((r = nf_fleet_host_adopt(d->fleet, h->index)) < 0) {
                        snprintf(err, errlen, "%s: %s", h->conf->name, strerror(-r));
                        return r;
                }
                if (h->adopted_from) {
                        nf_dlogf(d->p.log, LOG_INFO, h->conf->name, "adopt from %s: already running it", who);
                        return 1;
                }
                set_adopted(h, pid, who);
                nf_dlogf(d->p.log, LOG_NOTICE, h->conf->name,
                         "adopting the operation of %s: the fence under way takes it over, no NMI from here", who);
                return 0;
        }
        /* The handed-over action, until the state under the lock says
         * what the operation asked for (that one is resumed). */
        h->fconf.fence.final_action = action;
        h->fconf.fence.power_only = false;
        h->fence_state = NF_FS_CONNECT;
        h->fence_percent = -1;
        h->fence_nmi_sent = false;
        h->t_fence_start = now;
        /* The result of the operation handed over must be read, not
         * forgotten as outlived: no forget_outlived_result() here. */
        h->alive_since_fence = false;
        snprintf(h->live.reason, sizeof h->live.reason, "adopting the operation of %s", who);
        nf_live_fence_started(&h->live, now);
        if ((r = nf_fleet_host_adopt(d->fleet, h->index)) < 0) {
                snprintf(err, errlen, "%s: cannot adopt its operation: %s", h->conf->name, strerror(-r));
                nf_live_fence_done(&h->live, false, false, err, now);
                return r;
        }
        h->fencing = true;
        set_adopted(h, pid, who);
        nf_dlogf(d->p.log, LOG_NOTICE, h->conf->name,
                 "adopting the operation of %s on BMC %s: waiting for its lock, then resuming it; no NMI from here",
                 who, target);
        kick_fleet(d);
        status_changed(d);
        return 0;
}

const char *nf_daemon_fence_phase(const nf_daemon *d, const char *host) {
        const dhost *h = find(d, host);
        nf_fleet_host_info info;

        if (!h || !h->fencing || nf_fleet_host_info_get(d->fleet, h->index, &info) < 0)
                return NULL;
        return info.phase == NF_FLEET_RUNNING ? "running" : "waiting";
}

const dhost *nf_daemon_find_host(const nf_daemon *d, const char *name) {
        return find(d, name);
}
