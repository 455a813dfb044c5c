/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * Per host, an explicit state machine of the engine's own (phase) around
 * the fence machine:
 *
 *   pending -> preparing (lock, persisted state; a kept result's check
 *                        of the host runs as a plan on a session of its own)
 *   preparing -> running (we own the target; new or resumed operation)
 *             -> joined  (another agent owns it; followed every 500 ms)
 *             -> done    (a kept result, or a local error)
 *   joined -> preparing (the owner died: take over) | done (it finished)
 *   running -> done (the machine finished, or interrupted)
 *
 * An adopted host (nf_fleet_host_adopt) goes the same way, except that
 * preparing -> running only resumes: what is not resumable ends it.
 *
 * One thread, the caller's, does everything: a host's IPMI work (the
 * prior check, each action of its fence machine) is a plan
 * (prior-check.h, action-plan.h) run by a plan runner (plan-runner.h) on
 * the host's LAN session, whose socket is in the engine's epoll set and
 * whose deadline is part of nf_fleet_next_deadline().  At most `fanout`
 * hosts have IPMI work in flight; the others wait their turn in FIFO
 * order.
 */

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "fanout.h"
#include "fleet.h"
#include "kdump-listener.h"
#include "nf-session-lan.h"
#include "plan-runner.h"
#include "report.h"
#include "rmcpp-sm.h"

#define JOIN_POLL_MS 500
#define LOG_LINE_MAX 1024

/* A host's IPMI work. */
typedef enum work_kind {
        WORK_NONE,
        WORK_PRIOR,                     /* the kept result's check (prepare) */
        WORK_ACTION,                    /* one action of the fence machine */
} work_kind;

typedef struct fleet_listener {
        char *addr;                     /* NULL: any IPv4 */
        uint16_t port;
        nf_kdump_listener *l;
} fleet_listener;

typedef struct fleet_host fleet_host;
/* What only a fence needs (about 10 KiB): allocated when the host's
 * fence starts.  An on_demand host frees it when the fence ends (after
 * on_done), so a host nmifenced only watches carries none of it; the
 * other hosts keep it for their outcome. */
typedef struct fleet_work {
        nf_op_state st;
        nf_plan_runner runner;
        nf_action_plan action_plan;
        nf_prior_plan prior_plan;       /* WORK_PRIOR, on a session of its own: */
        nf_session *prior_session;
        nf_lan_params prior_lan;
        nf_error prior_err;
        nf_host_conf adopt_conf;        /* conf with the adopted state's final action and no-panic policy */
        nf_fence_run run;
        nf_action action;
        nf_action_result result;
        nf_fence_outcome outcome;
} fleet_work;

struct fleet_host {
        nf_fleet *fleet;
        size_t index;
        const nf_host_conf *conf;
        nf_fence_op_params params;
        nf_fence_op *op;
        nf_op_state *st;                /* &w->st, NULL without w */
        FILE *log;                      /* unbuffered: each whole line goes to on_log at once */
        fleet_work *w;                  /* while a fence needs it */

        nf_fleet_phase phase;
        bool idle;                      /* on_demand: waiting for nf_fleet_host_start() */
        work_kind work;
        bool queued;                    /* waiting for a fanout slot */
        fleet_host *queue_next;
        bool in_flight;                 /* queued or on the wire */
        int reg_fd;                     /* the runner's socket in the epoll set, -1: none */
        nf_fence_op_prior prior;
        bool adopt;                     /* resume only (nf_fleet_host_adopt) */
        bool run_active;
        uint64_t next_at;               /* when to look again (not in flight) */
        nf_fence_state join_state;      /* last owner state reported to on_state */

        bool has_kdump;
        size_t listener;
        nf_kdump_sources *sources;      /* has_kdump only: 2 KiB a host otherwise unused */

        uint64_t t_start, t_end;
};

struct nf_fleet {
        nf_fleet_params p;
        nf_fanout own_fanout;
        nf_fanout *fanout;              /* own_fanout, or the caller's (params) */
        fleet_host *queue_head, *queue_tail;
        int epfd;
        /* The log line being written, and whose: one for the fleet, as
         * one loop writes one line at a time. */
        char line[LOG_LINE_MAX];
        size_t line_len;
        fleet_host *line_host;
        nf_rmcpp_cache *cache;          /* every host's session: one datagram at a time */
        fleet_host **hosts;
        size_t n_hosts, cap_hosts;
        fleet_listener *listeners;
        size_t n_listeners;
        bool started, interrupted;
        size_t n_done, n_idle;
        nf_ratelimit unclaimed_rl;
};

static const char *const phase_names[_NF_FLEET_PHASE_MAX] = {
        [NF_FLEET_PENDING] = "pending",
        [NF_FLEET_PREPARING] = "preparing",
        [NF_FLEET_JOINED] = "joined",
        [NF_FLEET_RUNNING] = "running",
        [NF_FLEET_DONE] = "done",
};

const char *nf_fleet_phase_str(nf_fleet_phase p) {
        return p < _NF_FLEET_PHASE_MAX ? phase_names[p] : "invalid";
}

/* ---- per-host log lines ---------------------------------------------
 * fence-op.c and fence-run.c write a host's lines to a FILE.  Here that
 * FILE is an unbuffered cookie stream (no stdio buffer per host): its
 * writer gathers the pieces of a line in the fleet's one line buffer and
 * hands each whole line to on_log as it ends.  A line of one host is
 * written whole before another host's begins (one loop); if a piece of
 * another host's came anyway, the unfinished line goes out as it is. */

static const char *line_msg(const char *line, const char *name) {
        const char *p = strchr(line, ']');
        size_t n = strlen(name);

        if (p && p[1] == ' ' && strncmp(p + 2, name, n) == 0 && p[2 + n] == ':' && p[3 + n] == ' ')
                return p + 4 + n;
        return line;
}

static void line_out(nf_fleet *f) {
        fleet_host *h = f->line_host;

        f->line[f->line_len] = 0;
        f->line_len = 0;
        f->line_host = NULL;
        if (h && f->p.cb.on_log)
                f->p.cb.on_log(f, h->index, f->line, line_msg(f->line, h->conf->name), f->p.cb.userdata);
}

static ssize_t log_write(void *cookie, const char *buf, size_t size) {
        fleet_host *h = cookie;
        nf_fleet *f = h->fleet;

        if (size > 0 && f->line_host && f->line_host != h)
                line_out(f);
        for (size_t i = 0; i < size; i++) {
                f->line_host = h;
                if (buf[i] != '\n') {
                        if (f->line_len + 1 < sizeof f->line)
                                f->line[f->line_len++] = buf[i];
                        continue;
                }
                line_out(f);
        }
        return (ssize_t) size;
}

/* A line of the engine's own about one host (same format as fence-run). */
static void host_log(fleet_host *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void host_log(fleet_host *h, const char *fmt, ...) {
        uint64_t t0 = h->op ? nf_fence_op_t0(h->op) : h->t_start ? h->t_start : nf_now_ms();
        va_list ap;

        if (!h->log)
                return;
        fprintf(h->log, "[%8.3f] %s: ", (double) (nf_now_ms() - t0) / 1000.0, h->conf->name);
        va_start(ap, fmt);
        vfprintf(h->log, fmt, ap);
        va_end(ap);
        fputc('\n', h->log);
}

static void end_run(fleet_host *h);
static void work_free(fleet_host *h);

/* ---- finishing ------------------------------------------------------ */

static void finish(fleet_host *h) {
        nf_fleet *f = h->fleet;

        h->phase = NF_FLEET_DONE;
        h->t_end = nf_now_ms();
        h->next_at = UINT64_MAX;
        f->n_done++;
        /* The target's lock is not held past the operation: an agent that
         * joined it judges the result once the lock is free, and a daemon
         * keeps the engine for good. */
        h->op = nf_fence_op_free(h->op);
        if (f->p.cb.on_done)
                f->p.cb.on_done(f, h->index, &h->w->outcome, f->p.cb.userdata);
        if (f->p.on_demand)
                work_free(h);
}

static void finish_run(fleet_host *h, int rc) {
        nf_fence_op_persist(&h->w->run);
        nf_fence_op_outcome_from_run(&h->w->run, rc, &h->w->outcome);
        end_run(h);
        finish(h);
}

/* Done without a machine of this engine's: nothing was sent, the host is
 * not known fenced (nmifence dump exits 5). */
static void finish_failed(fleet_host *h, const char *what, const char *why) {
        h->w->outcome = (nf_fence_outcome) {
                .exit_code = NF_EXIT_FENCE_FAILED,
                .report = { .host = h->conf->name, .bmc = h->conf->bmc },
        };
        nf_fence_init(&h->w->outcome.fence, &h->conf->fence, nf_now_ms());
        h->w->outcome.fence.state = NF_FS_FAILED;
        h->w->outcome.fence.fail_status = NF_E_INTERNAL;
        snprintf(h->w->outcome.fence.fail_reason, sizeof h->w->outcome.fence.fail_reason, "%s: %.140s", what, why);
        finish(h);
}

static void finish_local_error(fleet_host *h, int r) {
        /* lock directory unusable, ... */
        finish_failed(h, "local error", strerror(-r));
}

static void finish_interrupted(fleet_host *h) {
        if (h->run_active) {
                finish_run(h, -EINTR);
                return;
        }
        if (h->phase == NF_FLEET_JOINED && h->op) {
                nf_fence_op_outcome_from_state(h->op, h->st, &h->w->outcome);
        } else {
                h->w->outcome = (nf_fence_outcome) { .report = { .host = h->conf->name, .bmc = h->conf->bmc } };
                nf_fence_init(&h->w->outcome.fence, &h->conf->fence, nf_now_ms());
        }
        h->w->outcome.exit_code = NF_EXIT_INTERRUPTED;
        finish(h);
}

/* ---- the fence machine's observers ---------------------------------- */

static void run_on_state(nf_fence_run *r, nf_fence_state from, nf_fence_state to, const char *why) {
        fleet_host *h = r->userdata;
        nf_fleet *f = h->fleet;

        if (f->p.cb.on_state)
                f->p.cb.on_state(f, h->index, from, to, why, f->p.cb.userdata);
}

static void run_on_record(nf_fence_run *r, const nf_stage_msg *m) {
        fleet_host *h = r->userdata;
        nf_fleet *f = h->fleet;

        if (f->p.cb.on_record)
                f->p.cb.on_record(f, h->index, m, f->p.cb.userdata);
}

/* ---- IPMI work ------------------------------------------------------ */

/* The runner's socket in the epoll set while it waits on it. */
static void sync_fd(fleet_host *h) {
        int fd = h->in_flight && !h->queued ? nf_plan_runner_fd(&h->w->runner) : -1;
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = h };

        if (fd == h->reg_fd)
                return;
        if (h->reg_fd >= 0)
                (void) epoll_ctl(h->fleet->epfd, EPOLL_CTL_DEL, h->reg_fd, NULL);
        h->reg_fd = -1;
        if (fd >= 0 && epoll_ctl(h->fleet->epfd, EPOLL_CTL_ADD, fd, &ev) == 0)
                h->reg_fd = fd;
}

static void unregister_fd(fleet_host *h) {
        if (h->reg_fd >= 0)
                (void) epoll_ctl(h->fleet->epfd, EPOLL_CTL_DEL, h->reg_fd, NULL);
        h->reg_fd = -1;
}

/* A session is closed without waiting for the BMC's answer: the loop
 * never blocks. */
static nf_session *drop_session(fleet_host *h, nf_session *s) {
        unregister_fd(h);
        if (s)
                nf_session_lan_close_nowait(s, nf_now_ms());
        return nf_session_free(s);
}

static void end_run(fleet_host *h) {
        h->w->run.io.session = drop_session(h, h->w->run.io.session);
        nf_fence_run_done(&h->w->run);
        h->run_active = false;
}

/* Queued for a fanout slot; nf_fleet_process() starts it. */
static void submit(fleet_host *h, work_kind k) {
        nf_fleet *f = h->fleet;

        h->work = k;
        h->in_flight = true;
        h->queued = true;
        h->queue_next = NULL;
        if (f->queue_tail)
                f->queue_tail->queue_next = h;
        else
                f->queue_head = h;
        f->queue_tail = h;
}

static void prepared(fleet_host *h, int rc);

static void work_done(fleet_host *h) {
        nf_fleet *f = h->fleet;

        unregister_fd(h);
        h->in_flight = false;
        nf_fanout_put(f->fanout);
        if (h->work == WORK_ACTION) {
                nf_fence_io_finish(&h->w->run.io, &h->w->action_plan, h->w->runner.reopens, &h->w->result);
                nf_fence_run_end_action(&h->w->run, &h->w->action, &h->w->result);
                h->next_at = 0;
                return;
        }
        h->w->prior_session = drop_session(h, h->w->prior_session);
        h->prior = nf_fence_op_judge_end(h->op, h->st, &h->w->prior_plan.seen);
        prepared(h, 1);
}

/* Takes a fanout slot and puts the work on the wire. */
static void start_work(fleet_host *h) {
        bool done;

        h->queued = false;
        h->w->run.io.lan.cache = h->w->prior_lan.cache = h->fleet->cache;
        if (h->work == WORK_ACTION) {
                nf_fence_io_plan(&h->w->run.io, &h->w->action, &h->w->action_plan);
                done = nf_plan_runner_start(&h->w->runner, &nf_action_plan_ops, &h->w->action_plan, &h->w->run.io.session,
                                            &h->w->run.io.lan, &h->w->run.io.err);
        } else {
                nf_prior_plan_init(&h->w->prior_plan, h->st);
                done = nf_plan_runner_start(&h->w->runner, &nf_prior_plan_ops, &h->w->prior_plan, &h->w->prior_session,
                                            &h->w->prior_lan, &h->w->prior_err);
        }
        if (done)
                work_done(h);
        else
                sync_fd(h);
}

static void pump(nf_fleet *f) {
        while (f->queue_head && nf_fanout_take(f->fanout)) {
                fleet_host *h = f->queue_head;

                f->queue_head = h->queue_next;
                if (!f->queue_head)
                        f->queue_tail = NULL;
                start_work(h);
        }
}

/* The runner's socket is readable, or its deadline passed. */
static void on_io(fleet_host *h, bool readable, uint64_t now) {
        bool done;

        if (!h->in_flight || h->queued)
                return;
        /* A new session whose set-up fails is freed by the runner: its
         * socket leaves the epoll set first, while it is still open. */
        if (h->w->runner.call.fresh)
                unregister_fd(h);
        done = readable ? nf_plan_runner_on_readable(&h->w->runner, now) : nf_plan_runner_on_time(&h->w->runner, now);
        if (done)
                work_done(h);
        else
                sync_fd(h);
}

/* The file work of taking a target (fence-op.c: lock, state file), in the
 * loop: nothing in it blocks.  A kept result's check of the host is IPMI
 * work. */
static void prepare(fleet_host *h) {
        int r;

        if (!h->op && (r = nf_fence_op_open(&h->params, &h->op)) < 0)
                return prepared(h, r);
        r = nf_fence_op_join_step(h->op, h->st);
        if (r == 1) {
                if (nf_fence_op_judge_begin(h->op, h->st, &h->w->prior_lan)) {
                        return submit(h, WORK_PRIOR);
                }
                h->prior = nf_fence_op_judge_end(h->op, h->st, NULL);
        }
        prepared(h, r);
}

/* An adopted operation continues as it was asked for: the final action
 * and no-panic policy in its state, not this host's configured ones.
 * Anything but a resumable operation whose NMI was sent is left alone:
 * the engine never starts an operation of its own for an adopt. */
static bool adopt_resumable(fleet_host *h, char *why, size_t len) {
        const nf_op_state *st = h->st;
        nf_fence scratch = { 0 };      /* no observers: nf_fence_init() keeps them */

        if (h->prior != NF_FENCE_OP_PRIOR_RESUME) {
                snprintf(why, len, "%s", "no operation whose NMI was sent is left to continue");
                return false;
        }
        h->w->adopt_conf = *h->conf;
        h->w->adopt_conf.fence.final_action = st->final_action;
        h->w->adopt_conf.fence.no_panic_policy = st->no_panic_policy;
        h->w->adopt_conf.fence.power_only = false;
        /* nf_fence_op_begin() starts afresh (with an NMI) when the state
         * cannot be resumed: find that out first, on a scratch machine. */
        if (nf_fence_init_resume(&scratch, &h->w->adopt_conf.fence, &st->snap, nf_now_ms()) < 0) {
                snprintf(why, len, "the operation of pid %ld cannot be resumed from state %s", (long) st->pid,
                         nf_fence_state_str(st->snap.state));
                return false;
        }
        h->params.host = &h->w->adopt_conf;
        return true;
}

static void finish_adopt_refused(fleet_host *h, const char *why) {
        host_log(h, "not adopted: %s; no NMI, no power action: the host is left alone", why);
        finish_failed(h, "not adopted", why);
}

static void start_owner(fleet_host *h) {
        char why[200];
        int r;

        if (h->prior == NF_FENCE_OP_PRIOR_REPORT) {
                nf_fence_op_outcome_from_state(h->op, h->st, &h->w->outcome);
                finish(h);
                return;
        }
        if (h->prior == NF_FENCE_OP_PRIOR_LOGIN_FAILED) {
                nf_fence_op_outcome_login_failed(h->op, &h->w->outcome);
                finish(h);
                return;
        }
        if (h->adopt && !adopt_resumable(h, why, sizeof why)) {
                finish_adopt_refused(h, why);
                return;
        }
        r = nf_fence_op_begin(h->op, h->prior, h->st, false, &h->w->run);
        if (r < 0) {
                finish_local_error(h, r);
                return;
        }
        h->run_active = true;
        h->phase = NF_FLEET_RUNNING;
        h->next_at = 0;
}

/* The end of preparing: rc 1 own, 2 joined, <0 a local error. */
static void prepared(fleet_host *h, int rc) {
        switch (rc) {
        case 1:
                start_owner(h);
                return;
        case 2:
                h->phase = NF_FLEET_JOINED;
                h->next_at = nf_now_ms() + JOIN_POLL_MS;
                return;
        default:
                finish_local_error(h, rc);
                return;
        }
}

/* ---- the loop ------------------------------------------------------- */

static void step_joined(fleet_host *h, uint64_t now) {
        nf_fleet *f = h->fleet;
        int r;

        if (now < h->next_at)
                return;
        r = nf_fence_op_join_step(h->op, h->st);
        if (r == 2) {
                if (h->st->snap.state != h->join_state && h->st->pid) {
                        nf_fence_state from = h->join_state == _NF_FS_MAX ? NF_FS_CONNECT : h->join_state;
                        h->join_state = h->st->snap.state;
                        if (f->p.cb.on_state)
                                f->p.cb.on_state(f, h->index, from, h->join_state, "seen in the owner's state",
                                                 f->p.cb.userdata);
                }
                h->next_at = now + JOIN_POLL_MS;
        } else if (r == 1) {
                /* The owner let the target go: judge what it left (the
                 * check of a success is IPMI work). */
                h->phase = NF_FLEET_PREPARING;
                prepare(h);
        } else
                finish_local_error(h, r);
}

static void step_running(fleet_host *h, uint64_t now) {
        /* Not due: nf_fence_next() gave this time, and everything that
         * feeds the machine between actions (fence_kdump evidence) sets
         * next_at to 0.  Asking again would give the same answer, at
         * every turn of the loop for every waiting host. */
        if (now < h->next_at)
                return;
        nf_action a = nf_fence_next(&h->w->run.fence, now);

        if (a.kind == NF_ACT_FINISHED) {
                finish_run(h, 0);
                return;
        }
        if (a.not_before_ms > now) {
                h->next_at = a.not_before_ms;
                return;
        }
        h->w->action = a;
        nf_fence_run_begin_action(&h->w->run, &h->w->action);
        submit(h, WORK_ACTION);
}

static void step(fleet_host *h, uint64_t now) {
        if (h->in_flight || h->phase == NF_FLEET_DONE || h->idle)
                return;
        if (h->fleet->interrupted) {
                finish_interrupted(h);
                return;
        }
        switch (h->phase) {
        case NF_FLEET_PENDING:
                h->phase = NF_FLEET_PREPARING;
                h->t_start = now;
                prepare(h);
                break;
        case NF_FLEET_JOINED:
                step_joined(h, now);
                break;
        case NF_FLEET_RUNNING:
                step_running(h, now);
                break;
        default:
                break;
        }
}

static void on_kdump(const nf_kdump_event *ev, void *userdata) {
        void **ud = userdata;
        nf_fleet *f = ud[0];
        size_t li = *(size_t *) ud[1];
        uint64_t now = nf_now_ms();
        char buf[200];
        bool claimed = false;

        for (size_t i = 0; i < f->n_hosts; i++) {
                fleet_host *h = f->hosts[i];
                if (!h->has_kdump || h->listener != li ||
                    !nf_kdump_sources_match(h->sources, (const struct sockaddr *) &ev->sa, ev->sa_len))
                        continue;
                claimed = true;
                /* A host whose IPMI work is under way is left alone; the
                 * sender repeats its message. */
                if (!h->run_active || h->in_flight)
                        continue;
                if (ev->kind != NF_KDUMP_EV_ACCEPTED) {
                        h->w->run.report.kdump_ignored++;
                        if (ev->log) {
                                nf_kdump_event_format(ev, buf, sizeof buf);
                                host_log(h, "%s", buf);
                        }
                        continue;
                }
                nf_kdump_event_format(ev, buf, sizeof buf);
                host_log(h, "%s", buf);
                nf_fence_feed_evidence(&h->w->run.fence, NF_EVIDENCE_KDUMP_MSG, now);
                nf_fence_op_persist(&h->w->run);
                h->next_at = 0;
        }
        if (!claimed && nf_ratelimit_allow(&f->unclaimed_rl, now, NF_KDUMP_LOG_BURST, NF_KDUMP_LOG_WINDOW_MS) &&
            f->p.cb.on_log) {
                snprintf(buf, sizeof buf, "fence_kdump datagram from %s ignored: no host lists it in kdump_sources",
                         ev->from);
                f->p.cb.on_log(f, NF_FLEET_NO_HOST, buf, buf, f->p.cb.userdata);
        }
}

size_t nf_fleet_process(nf_fleet *f, uint64_t now) {
        if (!f)
                return 0;
        struct epoll_event evs[64];
        int n;

        /* The epoll fd is level-triggered: it stays readable until the
         * sockets are read below.  A host's session socket carries its
         * host; the fence_kdump listeners carry NULL and are all drained. */
        while ((n = epoll_wait(f->epfd, evs, 64, 0)) > 0) {
                for (int k = 0; k < n; k++)
                        if (evs[k].data.ptr)
                                on_io(evs[k].data.ptr, true, nf_now_ms());
                if (n < 64)
                        break;
        }
        now = nf_now_ms();
        for (size_t i = 0; i < f->n_hosts; i++) {
                fleet_host *h = f->hosts[i];
                if (h->in_flight && !h->queued && nf_plan_runner_deadline(&h->w->runner) <= now)
                        on_io(h, false, now);
        }
        for (size_t li = 0; li < f->n_listeners; li++) {
                void *ud[2] = { f, &li };
                if (f->listeners[li].l)
                        (void) nf_kdump_listener_drain(f->listeners[li].l, now, on_kdump, ud);
        }
        if (!f->started)
                return f->n_hosts - f->n_done - f->n_idle;
        for (size_t i = 0; i < f->n_hosts; i++)
                step(f->hosts[i], now);
        pump(f);
        return f->n_hosts - f->n_done - f->n_idle;
}

uint64_t nf_fleet_next_deadline(const nf_fleet *f) {
        uint64_t d = UINT64_MAX;

        if (!f || !f->started)
                return d;
        for (size_t i = 0; i < f->n_hosts; i++) {
                const fleet_host *h = f->hosts[i];
                if (h->in_flight) {
                        uint64_t w = h->queued ? UINT64_MAX : nf_plan_runner_deadline(&h->w->runner);
                        if (w < d)
                                d = w;
                        continue;
                }
                if (h->phase == NF_FLEET_DONE || h->idle)
                        continue;
                if (f->interrupted)
                        return 0;
                if (h->next_at < d)
                        d = h->next_at;
        }
        return d;
}

int nf_fleet_fd(const nf_fleet *f) {
        return f ? f->epfd : -1;
}

int nf_fleet_wait(nf_fleet *f, uint64_t max_ms) {
        uint64_t now = nf_now_ms(), d = nf_fleet_next_deadline(f);
        uint64_t until = d < now + max_ms ? d : now + max_ms;
        struct pollfd pfd = { .fd = f->epfd, .events = POLLIN };
        int n;

        if (until <= now)
                return 0;
        n = poll(&pfd, 1, (int) (until - now));
        if (n < 0 && errno != EINTR)
                return -errno;
        return n > 0;
}

void nf_fleet_interrupt(nf_fleet *f) {
        if (f)
                f->interrupted = true;
}

bool nf_fleet_interrupted(const nf_fleet *f) {
        return f && f->interrupted;
}

bool nf_fleet_finished(const nf_fleet *f) {
        return f && f->n_done + f->n_idle == f->n_hosts;
}

size_t nf_fleet_size(const nf_fleet *f) {
        return f ? f->n_hosts : 0;
}

unsigned nf_fleet_peak_in_flight(const nf_fleet *f) {
        return f ? f->fanout->peak : 0;
}

int nf_fleet_host_info_get(const nf_fleet *f, size_t i, nf_fleet_host_info *ret) {
        const fleet_host *h;

        if (!f || i >= f->n_hosts || !ret)
                return -EINVAL;
        h = f->hosts[i];
        *ret = (nf_fleet_host_info) {
                .name = h->conf->name,
                .phase = h->phase,
                .state = NF_FS_CONNECT,
                .percent = -1,
                .t_start = h->t_start,
                .t_end = h->t_end,
        };
        if (h->phase == NF_FLEET_DONE && h->w) {
                const nf_fence *fe = &h->w->outcome.fence;
                ret->state = fe->state;
                ret->nmi_sent = nf_fence_nmi_may_have_reached(fe);
                ret->dump_seen = fe->sel_dump_seen || fe->kdump_msgs;
                ret->percent = fe->last_percent;
                ret->resumed = h->w->outcome.report.resumed;
                ret->exit_code = h->w->outcome.exit_code;
                ret->outcome = &h->w->outcome;
        } else if (h->run_active && !h->in_flight) {
                const nf_fence *fe = &h->w->run.fence;
                ret->state = fe->state;
                ret->nmi_sent = nf_fence_nmi_may_have_reached(fe);
                ret->dump_seen = fe->sel_dump_seen || fe->kdump_msgs;
                ret->percent = fe->last_percent;
                ret->resumed = h->w->run.report.resumed;
        } else if (h->run_active) {
                /* a worker holds the machine: what the last look saw */
                ret->state = h->w->run.fence.state;
                ret->nmi_sent = nf_fence_nmi_may_have_reached(&h->w->run.fence) || h->w->action.kind == NF_ACT_DIAG;
                ret->resumed = h->w->run.report.resumed;
                ret->percent = h->w->run.fence.last_percent;
                ret->dump_seen = h->w->run.fence.sel_dump_seen;
        } else if (h->phase == NF_FLEET_JOINED && h->join_state != _NF_FS_MAX) {
                ret->state = h->st->snap.state;
                ret->nmi_sent = h->st->snap.nmi_sent;
                ret->percent = h->st->snap.last_percent;
                ret->dump_seen = h->st->snap.sel_dump_seen;
        }
        return 0;
}

void nf_fleet_count(const nf_fleet *f, size_t ret_counts[_NF_FLEET_PHASE_MAX]) {
        memset(ret_counts, 0, sizeof(size_t) * _NF_FLEET_PHASE_MAX);
        for (size_t i = 0; f && i < f->n_hosts; i++)
                ret_counts[f->hosts[i]->phase]++;
}

/* ---- set-up --------------------------------------------------------- */

int nf_fleet_new(const nf_fleet_params *p, nf_fleet **ret) {
        nf_fleet *f;
        unsigned fanout;
        int r;

        if (!p || !ret)
                return -EINVAL;
        fanout = p->fanout ? p->fanout : NF_FLEET_FANOUT_DEFAULT;
        if (fanout > NF_FLEET_FANOUT_MAX)
                return -EINVAL;
        f = calloc(1, sizeof *f);
        if (!f)
                return -ENOMEM;
        f->p = *p;
        f->own_fanout.cap = fanout;
        f->fanout = p->fanout_shared ? p->fanout_shared : &f->own_fanout;
        f->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (f->epfd < 0) {
                r = -errno;
                free(f);
                return r;
        }
        f->cache = nf_rmcpp_cache_new();
        if (!f->cache) {
                close(f->epfd);
                free(f);
                return -ENOMEM;
        }
        *ret = f;
        return 0;
}

/* The fence's part of a host, for a fence about to start. */
static int work_new(fleet_host *h) {
        if (!h->w && !(h->w = calloc(1, sizeof *h->w)))
                return -ENOMEM;
        h->st = &h->w->st;
        return 0;
}

static void work_free(fleet_host *h) {
        if (!h->w)
                return;
        if (h->run_active)
                end_run(h);
        h->w->prior_session = drop_session(h, h->w->prior_session);
        h->op = nf_fence_op_free(h->op);
        h->st = NULL;
        free(h->w);
        h->w = NULL;
}

static void host_free(fleet_host *h) {
        if (!h)
                return;
        work_free(h);
        if (h->log)
                fclose(h->log);
        if (h->fleet && h->fleet->line_host == h)
                h->fleet->line_host = NULL;
        free(h->sources);
        free(h);
}

nf_fleet *nf_fleet_free(nf_fleet *f) {
        if (!f)
                return NULL;
        for (size_t i = 0; i < f->n_hosts; i++)
                host_free(f->hosts[i]);
        free(f->hosts);
        for (size_t i = 0; i < f->n_listeners; i++) {
                nf_kdump_listener_free(f->listeners[i].l);
                free(f->listeners[i].addr);
        }
        free(f->listeners);
        close(f->epfd);
        nf_rmcpp_cache_free(f->cache);
        free(f);
        return NULL;
}

int nf_fleet_add(nf_fleet *f, const nf_host_conf *c, const char *password) {
        static const cookie_io_functions_t io = { .write = log_write };
        fleet_host *h;

        if (!f || !c || !c->name || !c->bmc || f->started)
                return -EINVAL;
        /* One operation per BMC: a second entry for the same target would
         * only join the first and wait for itself. */
        for (size_t i = 0; i < f->n_hosts; i++)
                if (f->hosts[i]->conf->port == c->port && strcmp(f->hosts[i]->conf->bmc, c->bmc) == 0)
                        return -EEXIST;
        if (f->n_hosts == f->cap_hosts) {
                size_t cap = f->cap_hosts ? f->cap_hosts * 2 : 16;
                fleet_host **n = realloc(f->hosts, cap * sizeof *n);
                if (!n)
                        return -ENOMEM;
                f->hosts = n;
                f->cap_hosts = cap;
        }
        h = calloc(1, sizeof *h);
        if (!h)
                return -ENOMEM;
        h->log = fopencookie(h, "w", io);
        /* A host of the CLI's fleet is fenced: its fence's part now; an
         * on_demand host's when it is started. */
        if (!h->log || (!f->p.on_demand && work_new(h) < 0)) {
                host_free(h);
                return -ENOMEM;
        }
        /* no stdio buffer (BUFSIZ a host): log_write gathers the line */
        setvbuf(h->log, NULL, _IONBF, 0);
        h->fleet = f;
        h->index = f->n_hosts;
        h->conf = c;
        h->reg_fd = -1;
        h->join_state = _NF_FS_MAX;
        if (f->p.on_demand) {
                h->idle = true;
                h->next_at = UINT64_MAX;
                f->n_idle++;
        }
        h->params = (nf_fence_op_params) {
                .host = c,
                .password = password,
                .log = h->log,
                .verbose = f->p.verbose,
                .state_dir = f->p.state_dir,
                .keep_result_ms = f->p.keep_result_ms,
                .on_state = run_on_state,
                .on_target_record = run_on_record,
                .userdata = h,
        };
        f->hosts[f->n_hosts++] = h;
        return (int) h->index;
}

static int listener_for(nf_fleet *f, fleet_host *h, char *err, size_t errlen) {
        const nf_host_conf *c = h->conf;
        const char *addr = c->kdump_addr && *c->kdump_addr ? c->kdump_addr : NULL;
        fleet_listener *n;
        int r;

        if (!h->sources && !(h->sources = malloc(sizeof *h->sources)))
                return -ENOMEM;
        if ((r = nf_kdump_sources_parse(c->kdump_sources ? c->kdump_sources : "", h->sources, err, errlen)) < 0)
                return r;
        for (size_t i = 0; i < f->n_listeners; i++)
                if (f->listeners[i].port == c->kdump_port &&
                    ((!addr && !f->listeners[i].addr) ||
                     (addr && f->listeners[i].addr && strcmp(addr, f->listeners[i].addr) == 0))) {
                        h->listener = i;
                        h->has_kdump = true;
                        return 0;
                }
        n = realloc(f->listeners, (f->n_listeners + 1) * sizeof *n);
        if (!n)
                return -ENOMEM;
        f->listeners = n;
        n = &f->listeners[f->n_listeners];
        *n = (fleet_listener) { .port = c->kdump_port };
        if (addr && !(n->addr = strdup(addr)))
                return -ENOMEM;
        h->listener = f->n_listeners++;
        h->has_kdump = true;
        r = nf_kdump_listener_open(addr, c->kdump_port, NULL, &n->l, err, errlen);
        if (r == -EINVAL)
                return r;
        if (r < 0) {
                /* As for one host: the fence matters more than the
                 * evidence (a port another agent holds, for instance). */
                char line[400];
                snprintf(line, sizeof line, "warning: %s; going on without fence_kdump evidence", err);
                if (f->p.cb.on_log)
                        f->p.cb.on_log(f, NF_FLEET_NO_HOST, line, line, f->p.cb.userdata);
                return 0;
        }
        struct epoll_event ev = { .events = EPOLLIN };
        if (epoll_ctl(f->epfd, EPOLL_CTL_ADD, nf_kdump_listener_fd(n->l), &ev) < 0)
                return -errno;
        return 0;
}

int nf_fleet_start(nf_fleet *f) {
        char err[300];
        int r;

        if (!f || f->started)
                return -EINVAL;
        for (size_t i = 0; i < f->n_hosts; i++) {
                fleet_host *h = f->hosts[i];
                if (!h->conf->kdump_port)
                        continue;
                if ((r = listener_for(f, h, err, sizeof err)) < 0) {
                        host_log(h, "fence_kdump: %s", r == -ENOMEM ? "out of memory" : err);
                        return r;
                }
                if (f->listeners[h->listener].l)
                        host_log(h, "fence_kdump messages from %s, on the shared listener %s port %u",
                                 h->conf->kdump_sources, f->listeners[h->listener].addr ? f->listeners[h->listener].addr : "*",
                                 (unsigned) nf_kdump_listener_port(f->listeners[h->listener].l));
        }
        f->started = true;
        return 0;
}

int nf_fleet_host_start(nf_fleet *f, size_t i) {
        fleet_host *h;

        if (!f || !f->p.on_demand || i >= f->n_hosts)
                return -EINVAL;
        h = f->hosts[i];
        if (!h->idle && !(h->phase == NF_FLEET_DONE && !h->in_flight))
                return -EBUSY;
        if (work_new(h) < 0)
                return -ENOMEM;
        if (h->idle) {
                h->idle = false;
                f->n_idle--;
        } else {
                /* afresh: finish() released the op; the persisted state
                 * decides (nf_fence_op_judge_prior) */
                f->n_done--;
                h->op = nf_fence_op_free(h->op);
                h->phase = NF_FLEET_PENDING;
                h->w->outcome = (nf_fence_outcome) { 0 };
                h->prior = NF_FENCE_OP_PRIOR_NONE;
                h->join_state = _NF_FS_MAX;
                h->t_start = h->t_end = 0;
        }
        h->adopt = false;
        h->params.host = h->conf;
        h->next_at = 0;
        return 0;
}

int nf_fleet_host_adopt(nf_fleet *f, size_t i) {
        int r;

        if (!f || !f->p.on_demand || i >= f->n_hosts)
                return -EINVAL;
        r = nf_fleet_host_start(f, i);
        if (r == -EBUSY) {
                /* Under way: the lock is still another agent's (pending,
                 * preparing, joined), or this engine runs its machine
                 * already (running: the flag changes nothing there). */
                f->hosts[i]->adopt = true;
                return 1;
        }
        if (r < 0)
                return r;
        f->hosts[i]->adopt = true;
        return 0;
}

bool nf_fleet_host_idle(const nf_fleet *f, size_t i) {
        return f && i < f->n_hosts && f->hosts[i]->idle;
}
