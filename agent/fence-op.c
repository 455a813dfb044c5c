/* SPDX-License-Identifier: GPL-2.0-or-later */

/*
 * One operation per target (docs/design.md, "One NMI per target"):
 *
 *   owner    the agent holding KEY.lock.  It runs the state machine and
 *            rewrites KEY.state at every change; before the diag request it
 *            writes the NMI as sent, so no successor can send another.
 *   joiner   an agent finding the lock held.  It sends nothing and follows
 *            KEY.state until the owner lets the target go.  Then it judges
 *            what the owner left like any owner (below), as a joined
 *            result: reported whatever its age, once checked.
 *   resume   an owner finding an unfinished state of this boot whose NMI
 *            may have reached the host: it continues from the persisted
 *            SEL cursor and deadlines, without an NMI.
 *   keep     within keep_result_ms, a finished failure whose NMI was sent
 *            is reported again, and a finished "off" may be (see below).
 *
 * Every success that this request did not produce itself (kept or joined)
 * is reported only after this request logged in to the BMC with its own
 * credentials and saw the host as the operation left it: the rules are in
 * prior-decision.h, the look at the host in prior-check.c.
 *
 * A follow (nmifence follow: the NMI came from someone else) is an
 * operation like any other here: it owns or joins the same lock, and once
 * past its mark it counts as "NMI sent" for resume and, when it saw a
 * dump, for keep.  So a dump started while a follow runs joins it instead
 * of sending an NMI into the dump in progress.  A follow takes a kept
 * success of any final action, checked as any: until the host shows a new
 * boot, the dump in its window is the one that operation handled.
 */

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fence-op.h"
#include "fence-run.h"
#include "kdump-listener.h"
#include "prior-check.h"
#include "prior-decision.h"
#include "daemon-config.h"
#include "release-handoff.h"
#include "target-lock.h"

#define JOIN_POLL_MS 500

struct nf_fence_op {
        const nf_fence_op_params *p;
        uint64_t t0;
        nf_target_lock lock;
        char boot_id[NF_BOOT_ID_LEN + 1];
        char target[128];
        nf_kdump_listener *kdump;
        char *last_written;             /* the state text last persisted */
        bool write_error_logged;
        /* joiner: what was told already */
        bool join_told;
        nf_fence_state join_last;
        pid_t joined_pid;               /* the owner whose running operation this one joined */
        unsigned crash_points;          /* TEST ONLY: p->test_crash_at's count */
        bool diag_fed;
        nf_error login_error;           /* a kept result's check: this request's failed login */
        /* release=capture: nmifenced asked once; what it said */
        bool release_asked;
        bool released;
        bool join_state_ok;             /* joiner: st is the running operation's, of this boot */
        /* nf_fence_op_judge_begin() to _end(): the state file's facts */
        nf_prior_facts judge;
        uint64_t judge_now;
};
typedef struct nf_fence_op op_ctx;

static void release_step(nf_fence_run *r);

static void op_log(const nf_fence_op_params *p, uint64_t t0, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void op_log(const nf_fence_op_params *p, uint64_t t0, const char *fmt, ...) {
        va_list ap;

        if (!p->log)
                return;
        fprintf(p->log, "[%8.3f] %s: ", (double) (nf_now_ms() - t0) / 1000.0, p->host->name);
        va_start(ap, fmt);
        vfprintf(p->log, fmt, ap);
        va_end(ap);
        fputc('\n', p->log);
        fflush(p->log);
}

static void fill_state(const op_ctx *c, const nf_fence_run *r, uint64_t now, nf_op_state *s) {
        memset(s, 0, sizeof *s);
        memcpy(s->boot_id, c->boot_id, sizeof s->boot_id);
        s->pid = getpid();
        snprintf(s->target, sizeof s->target, "%s", c->target);
        nf_fence_snapshot_take(&r->fence, &s->snap, now);
        s->finished = s->snap.state == NF_FS_DONE || s->snap.state == NF_FS_FAILED;
        s->t_finished = s->finished ? now : 0;
        s->final_action = r->fence.p.final_action;
        s->no_panic_policy = r->fence.p.no_panic_policy;
        s->released = c->released;
        s->cursor_valid = r->io.cursor_valid;
        s->cursor = r->io.cursor;
        s->n_records = r->report.n_records;
        memcpy(s->records, r->report.records, sizeof s->records);
}

/* TEST ONLY (p->test_crash_at): dies here at the Nth point, as an agent
 * killed by SIGKILL there would. */
static void crash_point(op_ctx *c, const char *where) {
        if (!c->p->test_crash_at || ++c->crash_points != c->p->test_crash_at)
                return;
        op_log(c->p, c->t0, "TEST: crash point %u (%s): SIGKILL", c->crash_points, where);
        raise(SIGKILL);
}

/* Writes the state when it changed since the last write. */
void nf_fence_op_persist(nf_fence_run *r) {
        op_ctx *c = r->op;
        uint64_t now = nf_now_ms();
        nf_op_state s;
        char *text;
        int n, e;

        fill_state(c, r, now, &s);
        /* Nothing has happened to the host before the mark: an operation
         * that has not logged in yet, or whose login failed, leaves the
         * file of the one before as it is (a kept result survives a
         * request with a wrong password). */
        if (!s.cursor_valid && !s.snap.nmi_sent && !s.snap.power_action_done &&
            (s.snap.state == NF_FS_CONNECT || s.snap.state == NF_FS_FAILED))
                return;
        /* t_finished changes every call: compare without it */
        uint64_t t_fin = s.t_finished;
        s.t_finished = 0;
        text = malloc(NF_OP_STATE_MAX_SIZE);
        if (!text)
                return;
        n = nf_op_state_format(&s, text, NF_OP_STATE_MAX_SIZE);
        if (n >= 0 && c->last_written && !strcmp(text, c->last_written)) {
                free(text);
                return;
        }
        s.t_finished = t_fin;
        /* The text compared is the text written, but for a finished
         * operation's time. */
        e = n >= 0 && !t_fin ? nf_target_lock_write_text(&c->lock, text, (size_t) n)
                             : nf_target_lock_write(&c->lock, &s);
        if (e < 0) {
                if (!c->write_error_logged)
                        nf_fence_run_log(r, "warning: cannot persist the operation state in %s: %s",
                                         c->p->state_dir ? c->p->state_dir : "the state directory", strerror(-e));
                c->write_error_logged = true;
                free(text);
                return;
        }
        free(c->last_written);
        /* Kept until the next write, once per host of a fleet: its own
         * size, not the format buffer's 64 KiB. */
        {
                char *fit = n >= 0 ? realloc(text, strnlen(text, NF_OP_STATE_MAX_SIZE - 1) + 1) : NULL;

                c->last_written = fit ? fit : text;
        }
        crash_point(c, s.finished ? "state written: finished" : "state written");
}

static void before_action(nf_fence_run *r, const nf_action *a) {
        /* The snapshot taken in send-nmi records the NMI as sent: written
         * before the request, it stops a successor from sending another
         * if this agent dies while the request is on its way. */
        if (a->kind == NF_ACT_DIAG) {
                nf_fence_op_persist(r);
                crash_point(r->op, "right before the diag request");
        }
}

static void after_feed(nf_fence_run *r) {
        op_ctx *c = r->op;

        if (r->fence.nmi_sent && !c->diag_fed) {
                c->diag_fed = true;
                crash_point(c, "right after the diag request, its answer not persisted");
        }
        nf_fence_op_persist(r);
        release_step(r);
}

/* ---- the release point (release-decision.h) ---- */

/* The facts the machine holds.  Its capture records and off reading are
 * its own NMI's only (fence-sm.c); a follow's window is never. */
static void release_facts(const nf_fence_op_params *p, const nf_fence *f, nf_release_facts *ret) {
        *ret = (nf_release_facts) {
                .mode = p->release,
                .release_on_kdump = p->release_on_kdump,
                .finished = f->state == NF_FS_DONE || f->state == NF_FS_FAILED,
                .nmi = nf_fence_nmi_may_have_reached(f) ? NF_RELEASE_NMI_SENT :
                       f->nmi == NF_NMI_REFUSED || f->nmi == NF_NMI_NOT_SENT ? NF_RELEASE_NMI_NOT_CARRIED :
                                                                               NF_RELEASE_NMI_NONE,
                .window = f->follow ? NF_RELEASE_WINDOW_FOLLOW : NF_RELEASE_WINDOW_OWN,
                .capture_records = f->capture_records,
                .off_after_nmi = f->off_after_nmi,
                /* messages before the NMI are the host's own crash, not ours */
                .kdump_msgs = f->t_nmi && f->t_last_kdump >= f->t_nmi ? f->kdump_msgs : 0,
                .no_panic = f->dump == NF_DUMP_NO_PANIC,
        };
}

static const char *release_stage(const nf_fence *f) {
        if (f->capture_records)
                return nf_stage_str(f->capture_first);
        return f->off_after_nmi ? "power-off" : "fence_kdump";
}

static const char *daemon_socket(const nf_fence_op_params *p) {
        return p->daemon_socket ? p->daemon_socket : NF_DAEMON_CONTROL_SOCKET;
}

/* After each step: at the release point, hand the rest to nmifenced while
 * the lock is still ours; on its ok the loop stops, the state is
 * persisted (released=1) and the lock goes with the op.  Asked once: a
 * daemon that is not there now is not waited for. */
static void release_step(nf_fence_run *r) {
        op_ctx *c = r->op;
        const nf_fence_op_params *p = c->p;
        nf_release_facts facts;
        nf_release_verdict v;
        const char *why;
        char err[400], host[128] = "";
        int e;

        if (p->release != NF_RELEASE_CAPTURE || c->release_asked || r->stop)
                return;
        release_facts(p, &r->fence, &facts);
        if (nf_release_decide(&facts, &why) != NF_RELEASE_ASK)
                return;
        c->release_asked = true;
        nf_fence_op_persist(r);
        nf_fence_run_log(r, "release point (%s: %s); asking nmifenced at %s to adopt the rest", release_stage(&r->fence),
                         why, daemon_socket(p));
        e = nf_release_handoff(daemon_socket(p), c->target, r->fence.p.final_action == NF_FINAL_CYCLE, getpid(),
                               NF_RELEASE_HANDOFF_TIMEOUT_MS, host, sizeof host, err, sizeof err);
        facts.supervisor = e == 0 ? NF_RELEASE_SUPERVISOR_ACCEPTED : NF_RELEASE_SUPERVISOR_ABSENT;
        v = nf_release_decide(&facts, &why);
        if (v != NF_RELEASE_RELEASED) {
                FILE *w = p->warn ? p->warn : p->log;
                if (w) {
                        fprintf(w, "%s: warning: release=capture: %s; not released: %s\n", p->host->name, err, why);
                        fflush(w);
                }
                if (w != p->log)
                        nf_fence_run_log(r, "not released (%s): going on as release=power", err);
                return;
        }
        c->released = true;
        r->report.released = true;
        snprintf(r->report.release_at, sizeof r->report.release_at, "%s", release_stage(&r->fence));
        snprintf(r->report.release_to, sizeof r->report.release_to, "nmifenced");
        r->stop = true;
        nf_fence_op_persist(r);
        nf_fence_run_log(r, "released to nmifenced (its host %s) at %s: the rest of the dump and the power action "
                         "continue there", host, r->report.release_at);
}

static void on_kdump_event(const nf_kdump_event *ev, void *ud) {
        nf_fence_run *r = ud;
        char buf[200];

        if (ev->kind != NF_KDUMP_EV_ACCEPTED)
                r->report.kdump_ignored++;
        if (ev->log) {
                nf_kdump_event_format(ev, buf, sizeof buf);
                nf_fence_run_log(r, "%s", buf);
        }
        if (ev->kind == NF_KDUMP_EV_ACCEPTED)
                nf_fence_feed_evidence(&r->fence, NF_EVIDENCE_KDUMP_MSG, nf_now_ms());
}

static void on_wake(nf_fence_run *r, uint64_t now) {
        op_ctx *c = r->op;
        int n = nf_kdump_listener_drain(c->kdump, now, on_kdump_event, r);

        if (n < 0)
                nf_fence_run_log(r, "fence_kdump socket: %s", strerror(-n));
        nf_fence_op_persist(r);
        release_step(r);
}

void nf_fence_op_outcome_from_state(const nf_fence_op *op, const nf_op_state *s, nf_fence_outcome *ret) {
        const nf_fence_op_params *p = op->p;
        const nf_fence_params *fp = &p->host->fence;

        *ret = (nf_fence_outcome) {
                .joined = true,
                .report = { .host = p->host->name, .bmc = p->host->bmc, .joined = true, .owner_pid = s->pid },
        };
        nf_fence_restore(&ret->fence, fp, &s->snap);
        ret->report.n_records = s->n_records;
        memcpy(ret->report.records, s->records, sizeof ret->report.records);
        ret->exit_code = nf_fence_exit_code(&ret->fence);
}

static bool interrupted(const nf_fence_op_params *p) {
        return p->interrupted && *p->interrupted;
}

static void sleep_ms(uint64_t ms) {
        struct timespec ts = { .tv_sec = (time_t) (ms / 1000), .tv_nsec = (long) (ms % 1000) * 1000000 };
        /* a signal ends it early; the caller checks *interrupted */
        (void) clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
}

typedef nf_fence_op_prior prior;
#define PRIOR_NONE NF_FENCE_OP_PRIOR_NONE
#define PRIOR_RESUME NF_FENCE_OP_PRIOR_RESUME
#define PRIOR_REPORT NF_FENCE_OP_PRIOR_REPORT
#define PRIOR_LOGIN_FAILED NF_FENCE_OP_PRIOR_LOGIN_FAILED

static nf_prior_nmi nmi_fact(const nf_fence_snapshot *s) {
        if (s->nmi_sent)
                return NF_PRIOR_NMI_SENT;
        if (s->follow && s->t_follow)
                return NF_PRIOR_NMI_FOLLOWED;
        if (s->nmi == NF_NMI_REFUSED || s->nmi == NF_NMI_NOT_SENT)
                return NF_PRIOR_NMI_NOT_CARRIED;
        return NF_PRIOR_NMI_NONE;
}

/* The facts of the state file r/st for nf_prior_decide(); the host's are
 * left to nf_prior_check(). */
static void file_facts(const op_ctx *c, int r, const nf_op_state *st, uint64_t now, nf_prior_facts *f) {
        const nf_fence_op_params *p = c->p;
        uint64_t keep = p->keep_result_ms ? p->keep_result_ms : NF_KEEP_RESULT_MS_DEFAULT;

        *f = (nf_prior_facts) { .lock = NF_PRIOR_LOCK_FREE, .follow = p->follow };
        if (r == -ENOENT) {
                f->file = NF_PRIOR_FILE_ABSENT;
                return;
        }
        if (r < 0) {
                f->file = NF_PRIOR_FILE_CORRUPT;
                return;
        }
        if (strcmp(st->boot_id, c->boot_id)) {
                f->file = NF_PRIOR_FILE_OTHER_BOOT;
                return;
        }
        f->file = st->finished ? NF_PRIOR_FILE_FINISHED : NF_PRIOR_FILE_RUNNING;
        f->nmi = nmi_fact(&st->snap);
        f->succeeded = st->snap.state == NF_FS_DONE && st->snap.fenced;
        f->dump_seen = st->snap.sel_dump_seen || st->snap.kdump_msgs;
        f->final_off = st->final_action == NF_FINAL_OFF;
        f->same_request = st->final_action == p->host->fence.final_action &&
                          st->no_panic_policy == p->host->fence.no_panic_policy;
        f->within_window = st->t_finished <= now && now - st->t_finished < keep;
        f->joined = c->joined_pid != 0 && st->pid == c->joined_pid;
}

/* What the state file left by earlier agents means for the owner
 * (prior-decision.h).  A success is checked against the host through a
 * session of this request's own: the prior plan between the two halves. */
bool nf_fence_op_judge_begin(nf_fence_op *c, nf_op_state *st, nf_lan_params *ret_lan) {
        const nf_fence_op_params *p = c->p;
        uint64_t t0 = c->t0;
        char err[256];
        uint64_t now = nf_now_ms();
        int r = nf_target_lock_read(&c->lock, st, err, sizeof err);
        const char *why;

        if (r == -EBADMSG)
                op_log(p, t0, "warning: the persisted operation state %s.state is corrupt (%s); treated as stale",
                       c->lock.key, err);
        else if (r < 0 && r != -ENOENT)
                op_log(p, t0, "warning: cannot read the persisted operation state: %s; treated as stale", err);
        file_facts(c, r, st, now, &c->judge);
        c->judge_now = now;
        if (nf_prior_decide(&c->judge, &why) != NF_PRIOR_CHECK)
                return false;
        op_log(p, t0, "the %s of pid %ld on this target succeeded %.1f s ago; checking the host before "
               "reporting it",
               st->snap.follow ? "follow" : "operation", (long) st->pid, (double) (now - st->t_finished) / 1000.0);
        nf_lan_params_from_conf(p->host, p->password, ret_lan);
        return true;
}

nf_fence_op_prior nf_fence_op_judge_end(nf_fence_op *c, nf_op_state *st, const nf_prior_seen *seen) {
        const nf_fence_op_params *p = c->p;
        uint64_t t0 = c->t0, now = c->judge_now;
        nf_prior_facts f = c->judge;
        const char *why;
        nf_prior_verdict v;

        if (seen) {
                f.login = seen->login;
                f.power = seen->power;
                f.sel = seen->sel;
                c->login_error = seen->error;
        }
        v = nf_prior_decide(&f, &why);
        if (seen && seen->life[0])
                op_log(p, t0, "the SEL since that operation: %s", seen->life);
        switch (v) {
        case NF_PRIOR_REPORT:
                op_log(p, t0, "the %s of pid %ld on this target finished %.1f s ago; reporting its result, no new "
                       "NMI (%s)",
                       st->snap.follow ? "follow" : "operation", (long) st->pid,
                       (double) (now - st->t_finished) / 1000.0, why);
                return PRIOR_REPORT;
        case NF_PRIOR_RESUME:
                return PRIOR_RESUME;
        case NF_PRIOR_LOGIN_FAILED:
                op_log(p, t0, "not reporting the earlier operation's result: %s", why);
                return PRIOR_LOGIN_FAILED;
        case NF_PRIOR_NEW:
        default:
                if (f.file == NF_PRIOR_FILE_OTHER_BOOT)
                        op_log(p, t0, "the persisted operation state (pid %ld) is from an earlier boot of this "
                               "machine; discarded", (long) st->pid);
                else if (f.file == NF_PRIOR_FILE_RUNNING)
                        op_log(p, t0, "the agent before (pid %ld) stopped before %s; starting afresh",
                               (long) st->pid, st->snap.follow ? "reading the SEL window" : "any NMI reached the host");
                else if (f.file == NF_PRIOR_FILE_FINISHED)
                        op_log(p, t0, "the operation of pid %ld finished %.1f s ago; a new one: %s", (long) st->pid,
                               (double) (now - st->t_finished) / 1000.0, why);
                return PRIOR_NONE;
        }
}

nf_fence_op_prior nf_fence_op_judge_prior(nf_fence_op *c, nf_op_state *st) {
        nf_prior_seen seen;
        nf_lan_params lan;

        if (!nf_fence_op_judge_begin(c, st, &lan))
                return nf_fence_op_judge_end(c, st, NULL);
        nf_prior_check(&lan, st, &seen);
        return nf_fence_op_judge_end(c, st, &seen);
}

void nf_fence_op_outcome_login_failed(const nf_fence_op *c, nf_fence_outcome *ret) {
        const nf_fence_op_params *p = c->p;
        nf_action open = { .kind = NF_ACT_OPEN };
        nf_action_result res = { .status = c->login_error.status, .error = &c->login_error };
        uint64_t now = nf_now_ms();

        *ret = (nf_fence_outcome) { .report = { .host = p->host->name, .bmc = p->host->bmc } };
        /* The machine's own verdict on a failed first login: the same
         * failure a new operation would have reported, nothing sent. */
        nf_fence_init(&ret->fence, &p->host->fence, now);
        nf_fence_feed(&ret->fence, &open, &res, now);
        ret->exit_code = nf_fence_exit_code(&ret->fence);
}

int nf_fence_op_join_step(nf_fence_op *c, nf_op_state *st) {
        const nf_fence_op_params *p = c->p;
        uint64_t t0 = c->t0;
        char err[256];
        int r = nf_target_lock_try(&c->lock);

        if (r < 0) {
                op_log(p, t0, "cannot lock %s.lock: %s", c->lock.key, strerror(-r));
                return r;
        }
        if (r > 0)
                return 1;
        r = nf_target_lock_read(&c->lock, st, err, sizeof err);
        c->join_state_ok = r == 0 && strcmp(st->boot_id, c->boot_id) == 0;
        if (!c->join_told) {
                op_log(p, t0, "another agent%s%.0ld is fencing this target (BMC %s); joining it: no NMI from here",
                       r == 0 ? " pid " : "", r == 0 ? (long) st->pid : 0L, c->target);
                c->join_told = true;
        }
        if (r == 0 && strcmp(st->boot_id, c->boot_id) == 0) {
                /* Its result is judged once its agent lets the target go
                 * (nf_fence_op_judge_prior), as this operation's joined
                 * result: checked against the host like a kept one. */
                c->joined_pid = st->pid;
                if (st->snap.state != c->join_last) {
                        op_log(p, t0, "owner (pid %ld): %s%s", (long) st->pid, nf_fence_state_str(st->snap.state),
                               st->snap.nmi_sent ? ", NMI sent" : st->snap.follow ? ", following (no NMI)" : "");
                        c->join_last = st->snap.state;
                        if (st->finished)
                                op_log(p, t0, "the operation of pid %ld finished: %s", (long) st->pid,
                                       nf_dump_result_str(st->snap.dump));
                }
        }
        return 2;
}

/* A joiner asking for capture: the operation it joined, still run by a
 * live owner (fence_nmi, nmifence or nmifenced: the lock is held), has
 * passed its release point after its own NMI.  Its success is reported
 * after this request's own login, as any joined result (prior-decision.h). */
static bool joined_past_release(op_ctx *c, const nf_op_state *st) {
        const nf_fence_op_params *p = c->p;
        nf_release_facts facts;
        nf_fence f = {};

        if (p->release != NF_RELEASE_CAPTURE || !c->join_state_ok || p->follow)
                return false;
        nf_fence_restore(&f, &p->host->fence, &st->snap);
        release_facts(p, &f, &facts);
        facts.finished = facts.finished || st->finished;
        /* the lock is held: its owner supervises the rest */
        facts.supervisor = NF_RELEASE_SUPERVISOR_ACCEPTED;
        return nf_release_decide(&facts, NULL) == NF_RELEASE_RELEASED;
}

static void joined_release_outcome(op_ctx *c, const nf_op_state *st, nf_fence_outcome *ret) {
        const nf_fence_op_params *p = c->p;
        nf_lan_params lan;
        nf_prior_seen seen;

        nf_fence_op_outcome_from_state(c, st, ret);
        op_log(p, c->t0, "the operation of pid %ld passed its release point (%s after its NMI) and goes on there; "
               "release=capture: reporting it after this request's own login", (long) st->pid,
               release_stage(&ret->fence));
        nf_lan_params_from_conf(p->host, p->password, &lan);
        nf_prior_check(&lan, st, &seen);
        if (seen.login != NF_PRIOR_LOGIN_OK) {
                c->login_error = seen.error;
                op_log(p, c->t0, "not reporting the joined operation's release: this request's login failed");
                nf_fence_op_outcome_login_failed(c, ret);
                return;
        }
        ret->report.released = true;
        ret->report.release_capture = true;
        snprintf(ret->report.release_at, sizeof ret->report.release_at, "%s", release_stage(&ret->fence));
        snprintf(ret->report.release_to, sizeof ret->report.release_to, "pid %ld", (long) st->pid);
        ret->exit_code = NF_EXIT_OK;
}

/* Follows the owner's state file until the lock is free (returns 1: the
 * caller takes over and judges what the owner left), or, with capture,
 * until the joined operation passed its release point (returns 3). */
static int join(op_ctx *c, nf_op_state *st) {
        for (;;) {
                int r = nf_fence_op_join_step(c, st);
                if (r != 2)
                        return r;
                if (joined_past_release(c, st))
                        return 3;
                if (interrupted(c->p))
                        return -EINTR;
                sleep_ms(JOIN_POLL_MS);
        }
}

int nf_fence_op_begin(nf_fence_op *c, nf_fence_op_prior pr, const nf_op_state *st, bool own_kdump,
                      nf_fence_run *rp) {
        const nf_fence_op_params *p = c->p;
        const nf_host_conf *h = p->host;
        nf_fence_params fp = h->fence;
        char err[256];
        int rc;
#define r (*rp)

        if (p->kdump_silence_ms)
                fp.kdump_silence_ms = p->kdump_silence_ms;

        nf_fence_run_init(&r, h, p->password, p->log, p->verbose);
        r.t0 = c->t0;
        r.interrupted = p->interrupted;
        r.op = c;
        r.before_action = before_action;
        r.after_feed = after_feed;
        r.test_extra_nmi = p->test_extra_nmi;
        r.on_state = p->on_state;
        r.on_target_record = p->on_target_record;
        r.userdata = p->userdata;
        r.report.release_capture = p->release == NF_RELEASE_CAPTURE;
        r.fence.p.kdump_silence_ms = fp.kdump_silence_ms;
        uint16_t kport = p->kdump_port ? p->kdump_port : h->kdump_port;
        /* fence_kdump is listened for (here or by the fleet's shared
         * listener): with a full SEL it is the dump's evidence. */
        fp.kdump_evidence = kport != 0;
        r.fence.p.kdump_evidence = fp.kdump_evidence;
        if (p->follow)
                nf_fence_init_follow(&r.fence, &fp, r.t0);

        if (kport && own_kdump) {
                const char *addr = p->kdump_addr ? p->kdump_addr : h->kdump_addr;
                const char *src = p->kdump_sources ? p->kdump_sources : h->kdump_sources;
                rc = nf_kdump_listener_open(addr, kport, src, &c->kdump, err, sizeof err);
                if (rc == -EINVAL) {
                        nf_fence_run_log(&r, "%s", err);
                        nf_fence_run_done(&r);
                        return rc;
                }
                /* The fence matters more than the evidence: go on without
                 * it (a port taken by another fence, for instance). */
                if (rc < 0)
                        nf_fence_run_log(&r, "warning: %s; going on without fence_kdump evidence", err);
                else {
                        r.wake_fd = nf_kdump_listener_fd(c->kdump);
                        r.on_wake = on_wake;
                        nf_fence_run_log(&r, "listening for fence_kdump on %s port %u from %s",
                                         addr && *addr ? addr : "*", (unsigned) nf_kdump_listener_port(c->kdump), src);
                }
        }

        if (pr == PRIOR_RESUME) {
                if (nf_fence_init_resume(&r.fence, &fp, &st->snap, nf_now_ms()) < 0) {
                        nf_fence_run_log(&r, "the persisted state of pid %ld cannot be resumed; starting afresh",
                                         (long) st->pid);
                        pr = PRIOR_NONE;
                } else {
                        r.io.cursor = st->cursor;
                        r.io.cursor_valid = st->cursor_valid;
                        r.report.n_records = st->n_records;
                        memcpy(r.report.records, st->records, sizeof r.report.records);
                        r.report.resumed = true;
                        r.report.owner_pid = st->pid;
                }
        }
        if (pr != PRIOR_RESUME && p->follow)
                nf_fence_run_log(&r, "following a dump started outside nmifence, through BMC %s:%u as %s "
                                 "(%s privilege, cipher suite %u); SEL window: %s; this agent sends no NMI",
                                 h->bmc, h->port, h->user ? h->user : "\"\"", nf_privilege_str(h->privilege),
                                 h->cipher_suite, fp.follow_window == NF_SEL_FROM_BOOT ?
                                 "the current boot's records (after the latest armed/disarmed)" : "records from now on");
        else if (pr != PRIOR_RESUME)
                nf_fence_run_log(&r, "dump-aware fence through BMC %s:%u as %s (%s privilege, cipher suite %u)", h->bmc,
                                 h->port, h->user ? h->user : "\"\"", nf_privilege_str(h->privilege), h->cipher_suite);
        nf_fence_op_persist(&r);
        return 0;
#undef r
}

void nf_fence_op_outcome_from_run(nf_fence_run *r, int rc, nf_fence_outcome *ret) {
        *ret = (nf_fence_outcome) {
                .exit_code = rc < 0 ? NF_EXIT_INTERRUPTED : r->report.released ? NF_EXIT_OK : nf_fence_exit_code(&r->fence),
                .fence = r->fence,
                .report = r->report,
        };
        /* The copy must not call back into the run. */
        ret->fence.on_transition = NULL;
        ret->fence.on_record = NULL;
        ret->fence.userdata = NULL;
}

static int run_owner(op_ctx *c, prior pr, const nf_op_state *st, nf_fence_outcome *ret) {
        nf_fence_run r;
        int rc = nf_fence_op_begin(c, pr, st, true, &r);

        if (rc < 0)
                return rc;
        rc = nf_fence_run_loop(&r);
        nf_fence_op_persist(&r);
        nf_fence_op_outcome_from_run(&r, rc, ret);
        nf_fence_run_done(&r);
        return rc;
}

int nf_fence_op_open(const nf_fence_op_params *p, nf_fence_op **ret) {
        nf_fence_op *c;
        const char *dir;
        char err[300];
        int r;

        if (!p || !p->host || !p->host->bmc || !p->host->name || !ret)
                return -EINVAL;
        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        *c = (nf_fence_op) { .p = p, .t0 = nf_now_ms(), .lock = { .dir_fd = -1, .lock_fd = -1 },
                             .join_last = _NF_FS_MAX };

        dir = nf_state_dir(p->state_dir);
        snprintf(c->target, sizeof c->target, "%s:%u", p->host->bmc, (unsigned) p->host->port);

        if ((r = nf_boot_id(c->boot_id)) < 0) {
                op_log(p, c->t0, "cannot read the boot id: %s", strerror(-r));
                free(c);
                return r;
        }
        /* Without the lock two agents could each send an NMI: refuse. */
        if ((r = nf_target_lock_open(dir, p->host->bmc, p->host->port, &c->lock, err, sizeof err)) < 0) {
                op_log(p, c->t0, "%s", err);
                free(c);
                return r;
        }
        *ret = c;
        return 0;
}

nf_fence_op *nf_fence_op_free(nf_fence_op *c) {
        if (!c)
                return NULL;
        c->kdump = nf_kdump_listener_free(c->kdump);
        free(c->last_written);
        nf_target_lock_close(&c->lock);
        free(c);
        return NULL;
}

uint64_t nf_fence_op_t0(const nf_fence_op *c) {
        return c->t0;
}

int nf_fence_op_run(const nf_fence_op_params *p, nf_fence_outcome *ret) {
        nf_fence_op *c = NULL;
        nf_op_state *st = NULL;
        int r;

        if (!p || !p->host || !p->host->bmc || !p->host->name || !ret)
                return -EINVAL;
        if ((r = nf_fence_op_open(p, &c)) < 0)
                return r;
        st = calloc(1, sizeof *st);
        if (!st) {
                r = -ENOMEM;
                goto out;
        }

        r = join(c, st);
        if (r == 3) {
                joined_release_outcome(c, st, ret);
                r = 0;
                goto out;
        }
        if (r == -EINTR) {
                /* Interrupted while joined: how far the owner got. */
                nf_fence_op_outcome_from_state(c, st, ret);
                goto out;
        }
        if (r < 0)
                goto out;

        prior pr = nf_fence_op_judge_prior(c, st);
        if (pr == PRIOR_REPORT) {
                nf_fence_op_outcome_from_state(c, st, ret);
                r = 0;
                goto out;
        }
        if (pr == PRIOR_LOGIN_FAILED) {
                nf_fence_op_outcome_login_failed(c, ret);
                r = 0;
                goto out;
        }
        r = run_owner(c, pr, st, ret);
out:
        free(st);
        nf_fence_op_free(c);
        return r;
}
