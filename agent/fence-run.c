/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "fence-run.h"
#include "nf-commands.h"

uint64_t nf_now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

void nf_lan_params_from_conf(const nf_host_conf *h, const char *password, nf_lan_params *ret) {
        *ret = (nf_lan_params) {
                .host = h->bmc,
                .port = h->port,
                .user = h->user ? h->user : "",
                .password = password,
                .k_g = (const uint8_t *) h->k_g,
                .k_g_len = h->k_g ? strlen(h->k_g) : 0,
                .cipher_suite = h->cipher_suite,
                .privilege = h->privilege,
                .workaround_flags = h->workaround_flags,
                .session_timeout_ms = h->session_timeout_ms,
                .retransmit_timeout_ms = h->retransmit_timeout_ms,
        };
}

void nf_fence_run_log(nf_fence_run *r, const char *fmt, ...) {
        va_list ap;

        if (!r->log)
                return;
        fprintf(r->log, "[%8.3f] %s: ", (double) (nf_now_ms() - r->t0) / 1000.0, r->host);
        va_start(ap, fmt);
        vfprintf(r->log, fmt, ap);
        va_end(ap);
        fputc('\n', r->log);
        fflush(r->log);
}

static void on_transition(const nf_fence *f, nf_fence_state from, nf_fence_state to, const char *why, void *ud) {
        nf_fence_run *r = ud;

        nf_fence_run_log(r, "%s -> %s: %s", nf_fence_state_str(from), nf_fence_state_str(to), why);
        if (from == NF_FS_MARK && f->sel_full) {
                char note[256];

                nf_fence_sel_full_note(f, note, sizeof note);
                nf_fence_run_log(r, "%s", note);
        }
        if (r->on_state)
                r->on_state(r, from, to, why);
}

static void on_record(const nf_fence *f, const nf_stage_msg *m, void *ud) {
        nf_fence_run *r = ud;
        /* Times relative to the operation's start, which a resumed
         * operation keeps from the agent that began it. */
        uint64_t now = nf_now_ms();

        if (m->stage == NF_STAGE_PROGRESS)
                nf_fence_run_log(r, "target: progress %u%% (seq %u)", m->arg, m->seq);
        else if (m->stage == NF_STAGE_CPUS)
                nf_fence_run_log(r, "target: cpus, %u CPUs in the dump, registers saved for %d (seq %u)", m->arg,
                                 f->regs_saved, m->seq);
        else
                nf_fence_run_log(r, "target: %s, code %u (seq %u)", nf_stage_str(m->stage), m->arg, m->seq);
        if (r->report.n_records < NF_REPORT_MAX_RECORDS)
                r->report.records[r->report.n_records++] =
                        (nf_report_record) { *m, now > f->t_start ? now - f->t_start : 0 };
        if (r->on_target_record)
                r->on_target_record(r, m);
}

static const char *action_str(const nf_action *a) {
        switch (a->kind) {
        case NF_ACT_OPEN:
                return "open session";
        case NF_ACT_MARK:
                return "remember SEL position";
        case NF_ACT_DIAG:
                return "Chassis Control: pulse diagnostic interrupt";
        case NF_ACT_POLL:
                return "poll SEL and power";
        case NF_ACT_CONTROL:
                return a->ctl == NF_CHASSIS_OFF ? "Chassis Control: power off" : "Chassis Control: power on";
        case NF_ACT_POWER_STATUS:
                return "Get Chassis Status";
        default:
                return "wait";
        }
}

static bool interrupted(const nf_fence_run *r) {
        return r->interrupted && *r->interrupted;
}

/* Waits for the deadline or for wake_fd.  Returns 1 when woken by wake_fd
 * (on_wake has run), 0 at the deadline, -EINTR when interrupted. */
static int wait_until(nf_fence_run *r, uint64_t deadline_ms) {
        struct timespec ts = { .tv_sec = (time_t) (deadline_ms / 1000), .tv_nsec = (long) (deadline_ms % 1000) * 1000000 };

        if (r->wake_fd < 0) {
                while (!interrupted(r)) {
                        int e = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
                        if (e == 0)
                                return 0;
                        if (e != EINTR)
                                return -e;
                }
                return -EINTR;
        }
        while (!interrupted(r)) {
                uint64_t now = nf_now_ms();
                struct pollfd pfd = { .fd = r->wake_fd, .events = POLLIN };
                int n;

                if (now >= deadline_ms)
                        return 0;
                /* poll() counts in ms from now: recomputed from the
                 * monotonic clock at every turn, never accumulated. */
                n = poll(&pfd, 1, deadline_ms - now > 60000 ? 60000 : (int) (deadline_ms - now));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n > 0) {
                        if (r->on_wake)
                                r->on_wake(r, nf_now_ms());
                        return 1;
                }
        }
        return -EINTR;
}

/* TEST ONLY: the extra NMIs of --test-extra-nmi (fence-run.h).  Runs
 * after each feed, so "before any dump record" and "a dump record came"
 * are the machine's own view; the machine itself never sees these. */
static void test_extra_nmis(nf_fence_run *r) {
        const nf_fence *f = &r->fence;
        unsigned want = 0;
        const char *when = NULL;
        char buf[256];

        if (!r->test_extra_nmi || !f->nmi_sent || !r->io.session)
                return;
        if ((r->test_extra_nmi & NF_TEST_EXTRA_NMI_PANIC) && !(r->test_extra_nmi_sent & NF_TEST_EXTRA_NMI_PANIC) &&
            f->state == NF_FS_WAIT_PANIC && !f->sel_dump_seen) {
                want = NF_TEST_EXTRA_NMI_PANIC;
                when = "the first kernel is panicking (no dump record yet)";
        } else if ((r->test_extra_nmi & NF_TEST_EXTRA_NMI_DUMP) && !(r->test_extra_nmi_sent & NF_TEST_EXTRA_NMI_DUMP) &&
                   f->state == NF_FS_WAIT_DUMP && f->sel_dump_seen) {
                want = NF_TEST_EXTRA_NMI_DUMP;
                when = "the capture kernel is dumping (dump record seen, no dump-done)";
        }
        if (!want)
                return;
        r->test_extra_nmi_sent |= want;
        r->report.test_extra_nmis++;
        nf_fence_run_log(r, "TEST HOOK --test-extra-nmi: sending extra diagnostic interrupt #%u while %s",
                         1 + r->report.test_extra_nmis, when);
        if (nf_chassis_control(r->io.session, NF_CHASSIS_DIAG) != NF_OK)
                nf_fence_run_log(r, "TEST HOOK: extra diag request failed: %s",
                                 nf_error_format(nf_session_last_error(r->io.session), buf, sizeof buf));
        else
                nf_fence_run_log(r, "TEST HOOK: extra diag request accepted");
}

void nf_fence_run_init(nf_fence_run *r, const nf_host_conf *h, const char *password, FILE *log, bool verbose) {
        *r = (nf_fence_run) {
                .host = h->name,
                .report = { .host = h->name, .bmc = h->bmc },
                .log = log,
                .verbose = verbose,
                .t0 = nf_now_ms(),
                .wake_fd = -1,
        };
        nf_lan_params_from_conf(h, password, &r->io.lan);
        r->fence.on_transition = on_transition;
        r->fence.on_record = on_record;
        r->fence.userdata = r;
        nf_fence_init(&r->fence, &h->fence, r->t0);
}

/* What the session did on the wire during one action, as the RMCP+
 * engine counted it: debug output (-v). */
static void log_wire(nf_fence_run *r, const nf_action *a, const nf_session_stats *before) {
        nf_session_stats now;
        uint64_t setups, setup_rx, restarts, stale, bad, rx;

        nf_session_get_stats(r->io.session, &now);
        if (r->io.session)
                r->report.ipmi = now;
        if (!r->verbose)
                return;
        setups = now.setups - before->setups;
        setup_rx = now.setup_retransmits - before->setup_retransmits;
        restarts = now.setup_restarts - before->setup_restarts;
        if (setup_rx || restarts)
                nf_fence_run_log(r, "%s: session set-up: %llu set-up message%s retransmitted, %llu set-up%s begun "
                                 "again after a lost RAKP 4 (%llu set-up%s)",
                                 action_str(a), (unsigned long long) setup_rx, setup_rx == 1 ? "" : "s",
                                 (unsigned long long) restarts, restarts == 1 ? "" : "s",
                                 (unsigned long long) setups, setups == 1 ? "" : "s");
        stale = now.dropped_stale - before->dropped_stale;
        bad = now.dropped_bad - before->dropped_bad;
        if (stale || bad)
                nf_fence_run_log(r, "%s: %llu late or duplicated repl%s and %llu bad datagram%s dropped",
                                 action_str(a), (unsigned long long) stale, stale == 1 ? "y" : "ies",
                                 (unsigned long long) bad, bad == 1 ? "" : "s");
        if (a->kind == NF_ACT_DIAG && r->io.session)
                nf_fence_run_log(r, "%s: sent at most once: the engine never retransmits it", action_str(a));
        rx = now.retransmits - before->retransmits;
        if (rx)
                nf_fence_run_log(r, "%s: request retransmitted %llu time%s", action_str(a), (unsigned long long) rx,
                                 rx == 1 ? "" : "s");
}

void nf_fence_run_begin_action(nf_fence_run *r, const nf_action *a) {
        if (r->before_action)
                r->before_action(r, a);
        nf_session_get_stats(r->io.session, &r->wire_before);
        if (r->verbose)
                nf_fence_run_log(r, "-> %s", action_str(a));
        if (a->kind == NF_ACT_DIAG)
                nf_fence_run_log(r, "sending the diagnostic interrupt (NMI), once");
}

void nf_fence_run_end_action(nf_fence_run *r, const nf_action *a, const nf_action_result *res) {
        char buf[256];

        log_wire(r, a, &r->wire_before);
        if (res->status != NF_OK && (r->verbose || a->kind != NF_ACT_POLL))
                nf_fence_run_log(r, "%s failed: %s", action_str(a), nf_error_format(res->error, buf, sizeof buf));
        else if (res->status != NF_OK)
                nf_fence_run_log(r, "poll failed (%s); will retry", nf_status_str(res->status));
        nf_fence_feed(&r->fence, a, res, nf_now_ms());
        r->report.reopens = r->io.reopens;
        if (r->after_feed)
                r->after_feed(r);
        test_extra_nmis(r);
}

int nf_fence_run_loop(nf_fence_run *r) {
        for (;;) {
                uint64_t now = nf_now_ms();
                nf_action a = nf_fence_next(&r->fence, now);
                nf_action_result res;

                if (a.kind == NF_ACT_FINISHED)
                        break;
                if (a.not_before_ms > now) {
                        int w = wait_until(r, a.not_before_ms);
                        if (w < 0)
                                break;
                        if (r->stop)
                                break;
                        if (w > 0)
                                continue;       /* evidence may have changed what comes next */
                }
                if (interrupted(r))
                        break;
                nf_fence_run_begin_action(r, &a);
                nf_fence_io_run(&r->io, &a, &res);
                nf_fence_run_end_action(r, &a, &res);
                if (r->stop)
                        break;
        }

        r->report.reopens = r->io.reopens;
        return interrupted(r) ? -EINTR : 0;
}

void nf_fence_run_done(nf_fence_run *r) {
        nf_fence_io_done(&r->io);
}
