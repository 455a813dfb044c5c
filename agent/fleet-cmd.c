/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fleet-cmd.h"
#include "fleet.h"
#include "json-writer.h"
#include "report.h"
#include "status-cmd.h"
#include "nf-session-lan.h"
#include "plan-runner.h"
#include "status-plan.h"

#define REDRAW_MS 250

int nf_fleet_cmd_check_hosts(const char *bmc_option, const nf_config *cfg, const char *const *names, size_t n) {
        size_t unknown = 0;

        if (bmc_option) {
                fprintf(stderr, "nmifence: --bmc names one BMC: give one HOST with it\n");
                return NF_EXIT_USAGE;
        }
        for (size_t i = 0; i < n; i++)
                if (!nf_config_find_host(cfg, names[i])) {
                        fprintf(stderr, "nmifence: host '%s' is not in %s\n", names[i], cfg->path);
                        unknown++;
                }
        if (unknown) {
                fprintf(stderr, "nmifence: %zu of %zu hosts are not in the configuration; nothing done\n", unknown, n);
                return NF_EXIT_USAGE;
        }
        return 0;
}

int nf_fleet_exit_code(const int *codes, size_t n) {
        static const int order[] = { NF_EXIT_INTERRUPTED, NF_EXIT_FENCE_FAILED, NF_EXIT_BMC, NF_EXIT_DUMP_FAILED,
                                     NF_EXIT_NO_PANIC, NF_EXIT_USAGE };
        bool any = false;

        for (size_t i = 0; i < n; i++)
                any |= codes[i] != 0;
        if (!any)
                return NF_EXIT_OK;
        for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
                for (size_t i = 0; i < n; i++)
                        if (codes[i] == order[k])
                                return order[k];
        return NF_EXIT_FENCE_FAILED;    /* an unknown code: not known fenced */
}

bool nf_parse_fanout(const char *s, unsigned *ret) {
        char *end;
        unsigned long v;

        if (!s || !*s)
                return false;
        v = strtoul(s, &end, 10);
        if (*end || v < 1 || v > NF_FLEET_FANOUT_MAX)
                return false;
        *ret = (unsigned) v;
        return true;
}

/* ---- the live table ----------------------------------------------------- */

typedef struct view {
        const nf_fleet_cmd *c;
        nf_fleet *fleet;
        size_t *slot;                   /* cmd host index -> engine index, (size_t) -1 refused */
        bool tty;
        unsigned drawn;                 /* lines of the table now on the screen */
        bool redraw;                    /* a line went above the table: draw it again now */
        uint64_t t0;
        /* Not a terminal: the log lines, in a buffer written out once per
         * turn of the loop (out_flush) instead of one write(2) a line; a
         * 1000-host fence logs some 13 000 lines.  NULL: stderr itself. */
        FILE *out;
} view;

/* The stream the log lines go to. */
static FILE *out_of(const view *v) {
        return v->out ? v->out : stderr;
}

/* Lines buffered so far, before anything else is written to stderr and
 * once per turn of the loop: never later than the loop's next wait. */
static void out_flush(const view *v) {
        if (v->out)
                fflush(v->out);
}

/* A buffered copy of stderr when it is not a terminal; stderr itself if
 * that cannot be had. */
static FILE *out_open(bool tty) {
        int fd;
        FILE *f;

        if (tty || (fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)) < 0)
                return NULL;
        if (!(f = fdopen(fd, "w"))) {
                close(fd);
                return NULL;
        }
        setvbuf(f, NULL, _IOFBF, 16384);
        return f;
}

static void term_size(unsigned *ret_rows, unsigned *ret_cols) {
        struct winsize ws;

        *ret_rows = 24;
        *ret_cols = 80;
        if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0) {
                if (ws.ws_row > 4)
                        *ret_rows = ws.ws_row;
                if (ws.ws_col > 20)
                        *ret_cols = ws.ws_col;
        }
}

static const char *stage_text(const nf_fleet_host_info *i) {
        switch (i->phase) {
        case NF_FLEET_PENDING:
                return "queued";
        case NF_FLEET_PREPARING:
                return "taking the target";
        case NF_FLEET_JOINED:
                return "joined another agent";
        default:
                break;
        }
        if (i->state == NF_FS_DONE)
                return "fenced";
        if (i->state == NF_FS_FAILED)
                return "failed";
        if (i->state >= NF_FS_POWER_OFF)
                return "power action";
        if (i->dump_seen)
                return "dumping";
        if (i->nmi_sent)
                return "waiting for the panic";
        return "logging in";
}

static void fmt_elapsed(const nf_fleet_host_info *i, uint64_t now, char *buf, size_t len) {
        if (!i->t_start)
                snprintf(buf, len, "-");
        else
                snprintf(buf, len, "%.1f s", (double) ((i->t_end ? i->t_end : now) - i->t_start) / 1000.0);
}

/* One table line, cut to the terminal's width: a line that wrapped would
 * make the cursor-up count of the next redraw wrong. */
static void table_line(FILE *out, unsigned cols, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void table_line(FILE *out, unsigned cols, const char *fmt, ...) {
        char line[512];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(line, sizeof line, fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        if ((unsigned) n > cols - 1 || (size_t) n >= sizeof line)
                n = (int) (cols - 1 < sizeof line - 1 ? cols - 1 : sizeof line - 1);
        fprintf(out, "\033[K%.*s\n", n, line);
}

/* Moves back to the table's first line and clears it and everything
 * below: what is drawn next replaces it.  ESC [ n F (cursor previous
 * line) and ESC [ J (erase below), ECMA-48. */
static void erase_table(view *v, FILE *out) {
        if (v->drawn)
                fprintf(out, "\033[%uF\033[J", v->drawn);
        v->drawn = 0;
}

static void draw(view *v) {
        uint64_t now = nf_now_ms();
        unsigned rows, cols, lines = 0;
        size_t n = nf_fleet_size(v->fleet), shown = 0, counts[_NF_FLEET_PHASE_MAX];
        char el[32], pct[16], *frame = NULL;
        size_t frame_len = 0;
        FILE *out;

        /* The whole frame leaves in one write: no half-drawn table. */
        out = open_memstream(&frame, &frame_len);
        if (!out)
                return;
        term_size(&rows, &cols);
        rows -= 2;
        erase_table(v, out);
        table_line(out, cols, "%-20s %-11s %-22s %8s %9s", "HOST", "STATE", "STAGE", "PROGRESS", "ELAPSED");
        lines++;
        /* Hosts still at work first; done ones fill what is left. */
        for (int pass = 0; pass < 2; pass++)
                for (size_t k = 0; k < n && lines + 1 < rows; k++) {
                        nf_fleet_host_info i;
                        nf_fleet_host_info_get(v->fleet, k, &i);
                        if ((pass == 0) == (i.phase == NF_FLEET_DONE))
                                continue;
                        fmt_elapsed(&i, now, el, sizeof el);
                        if (i.percent >= 0)
                                snprintf(pct, sizeof pct, "%d%%", i.percent);
                        else
                                snprintf(pct, sizeof pct, "-");
                        table_line(out, cols, "%-20.20s %-11s %-22s %8s %9s", i.name, nf_fence_state_str(i.state),
                                   stage_text(&i), pct, el);
                        lines++;
                        shown++;
                }
        nf_fleet_count(v->fleet, counts);
        /* What was cut first: the line itself may be cut to the width. */
        if (shown < n)
                snprintf(el, sizeof el, " (%zu shown)", shown);
        else
                el[0] = 0;
        table_line(out, cols, "%zu hosts%s: %zu done, %zu running, %zu joined, %zu queued%s; %.1f s", n, el,
                   counts[NF_FLEET_DONE], counts[NF_FLEET_RUNNING], counts[NF_FLEET_JOINED],
                   counts[NF_FLEET_PENDING] + counts[NF_FLEET_PREPARING],
                   nf_fleet_interrupted(v->fleet) ? ", interrupted: finishing requests in flight" : "",
                   (double) (now - v->t0) / 1000.0);
        lines++;
        v->drawn = lines;
        v->redraw = false;
        if (fclose(out) == 0)
                fwrite(frame, 1, frame_len, stderr);
        free(frame);
        fflush(stderr);
}

/* On a terminal the table shows where each host is; a line that says
 * something the table cannot (a warning, a failed request, an ignored
 * fence_kdump datagram, an engine-wide problem) is printed above it, so
 * it stays in the scrollback.  With -v every line is. */
static bool notable(const char *msg) {
        static const char *const words[] = { "warning", "failed", "ignored", "cannot", "error", "refused" };

        for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
                if (strstr(msg, words[k]))
                        return true;
        return false;
}

static void on_log(nf_fleet *f, size_t host, const char *line, const char *msg, void *ud) {
        view *v = ud;

        if (v->tty && host != NF_FLEET_NO_HOST && !v->c->verbose && !notable(msg))
                return;
        if (v->tty && v->drawn) {
                erase_table(v, stderr);
                v->redraw = true;
        }
        if (host == NF_FLEET_NO_HOST)
                fprintf(out_of(v), "nmifence: %s\n", line);
        else
                fprintf(out_of(v), "%s\n", line);
}

/* ---- the final table and JSON ---------------------------------------- */

static const char *result_text(const nf_fleet_cmd_host *h, const nf_fence_outcome *o, char *buf, size_t len) {
        if (h->refused)
                return h->refused;
        if (!o)
                return "not started";
        if (o->exit_code == NF_EXIT_INTERRUPTED)
                snprintf(buf, len, "interrupted in %s%s", nf_fence_state_str(o->fence.state),
                         nf_fence_nmi_may_have_reached(&o->fence) ? " (NMI sent; a rerun resumes)" : "");
        else if (o->fence.state == NF_FS_FAILED)
                snprintf(buf, len, "failed: %s", o->fence.fail_reason);
        else
                snprintf(buf, len, "%s%s", nf_dump_result_str(o->fence.dump),
                         o->joined ? " (joined another agent)" : o->report.resumed ? " (resumed)" : "");
        return buf;
}

static void final_table(const view *v, const int *codes) {
        const nf_fleet_cmd *c = v->c;
        char buf[256], el[32];
        size_t ok = 0;

        fprintf(stderr, "%-20s %-4s %-5s %9s %4s  %s\n", "HOST", "NMI", "POWER", "ELAPSED", "EXIT", "RESULT");
        for (size_t k = 0; k < c->n_hosts; k++) {
                const nf_fleet_cmd_host *h = &c->hosts[k];
                nf_fleet_host_info i = { .name = h->conf.name };
                const nf_fence_outcome *o = NULL;

                if (v->slot[k] != (size_t) -1) {
                        nf_fleet_host_info_get(v->fleet, v->slot[k], &i);
                        o = i.outcome;
                }
                fmt_elapsed(&i, nf_now_ms(), el, sizeof el);
                fprintf(stderr, "%-20.20s %-4s %-5s %9s %4d  %s\n", h->conf.name,
                        o && nf_fence_nmi_may_have_reached(&o->fence) ? "yes" : "no",
                        o && o->fence.fenced ? (o->fence.power_on ? "on" : "off") : "-", el, codes[k],
                        result_text(h, o, buf, sizeof buf));
                ok += codes[k] == 0;
        }
        int code = nf_fleet_exit_code(codes, c->n_hosts);
        fprintf(stderr, "%zu hosts: %zu succeeded, %zu did not; fanout %u, at most %u requests in flight; exit %d (%s)\n",
                c->n_hosts, ok, c->n_hosts - ok, c->fanout, nf_fleet_peak_in_flight(v->fleet), code,
                nf_exit_code_str(code));
}

static void json_doc(const view *v, const int *codes) {
        const nf_fleet_cmd *c = v->c;
        int code = nf_fleet_exit_code(codes, c->n_hosts);
        nf_json j;

        nf_json_begin(&j, stdout);
        nf_json_object_open(&j, NULL);
        nf_json_string(&j, "command", c->command);
        nf_json_int(&j, "fanout", c->fanout);
        nf_json_int(&j, "exit_code", code);
        nf_json_string(&j, "exit_meaning", nf_exit_code_str(code));
        nf_json_bool(&j, "interrupted", v->fleet && nf_fleet_interrupted(v->fleet));
        nf_json_array_open(&j, "hosts");
        for (size_t k = 0; k < c->n_hosts; k++) {
                const nf_fleet_cmd_host *h = &c->hosts[k];
                nf_fleet_host_info i = {};

                if (v->slot[k] != (size_t) -1)
                        nf_fleet_host_info_get(v->fleet, v->slot[k], &i);
                if (i.outcome) {
                        nf_report_json_object(&j, NULL, &i.outcome->report, &i.outcome->fence, codes[k]);
                        continue;
                }
                nf_json_object_open(&j, NULL);
                nf_json_string(&j, "host", h->conf.name);
                nf_json_string(&j, "bmc", h->conf.bmc);
                nf_json_string(&j, "refused", h->refused);
                nf_json_bool(&j, "nmi_sent", false);
                nf_json_bool(&j, "fenced", false);
                nf_json_int(&j, "exit_code", codes[k]);
                nf_json_string(&j, "exit_meaning", nf_exit_code_str(codes[k]));
                nf_json_object_close(&j);
        }
        nf_json_array_close(&j);
        nf_json_object_close(&j);
        nf_json_end(&j);
}

/* ---- dump / fence ------------------------------------------------------ */

int nf_fleet_cmd_fence(const nf_fleet_cmd *c) {
        nf_fleet_params fp = { .fanout = c->fanout, .verbose = c->verbose };
        view v = { .c = c, .tty = isatty(STDERR_FILENO), .t0 = nf_now_ms() };
        int *codes = calloc(c->n_hosts, sizeof *codes);

        v.out = out_open(v.tty);
        int r, code = NF_EXIT_FENCE_FAILED;
        uint64_t next_draw = 0;
        bool told = false;

        v.slot = calloc(c->n_hosts, sizeof *v.slot);
        if (!codes || !v.slot) {
                fprintf(stderr, "nmifence: out of memory\n");
                goto out;
        }
        fp.cb = (nf_fleet_callbacks) { .on_log = on_log, .userdata = &v };
        if ((r = nf_fleet_new(&fp, &v.fleet)) < 0) {
                fprintf(stderr, "nmifence: cannot set up the fleet: %s\n", strerror(-r));
                goto out;
        }
        for (size_t k = 0; k < c->n_hosts; k++) {
                v.slot[k] = (size_t) -1;
                if (c->hosts[k].refused) {
                        codes[k] = NF_EXIT_USAGE;
                        fprintf(stderr, "nmifence: %s: %s\n", c->hosts[k].conf.name, c->hosts[k].refused);
                        continue;
                }
                r = nf_fleet_add(v.fleet, &c->hosts[k].conf, c->hosts[k].password);
                out_flush(&v);
                if (r == -EEXIST) {
                        fprintf(stderr, "nmifence: %s: BMC %s:%u is also another listed host's; one operation per BMC\n",
                                c->hosts[k].conf.name, c->hosts[k].conf.bmc, c->hosts[k].conf.port);
                        code = NF_EXIT_USAGE;
                        goto out;
                }
                if (r < 0) {
                        fprintf(stderr, "nmifence: %s: %s\n", c->hosts[k].conf.name, strerror(-r));
                        goto out;
                }
                v.slot[k] = (size_t) r;
        }
        r = nf_fleet_start(v.fleet);
        out_flush(&v);
        if (r < 0) {
                code = r == -EINVAL ? NF_EXIT_USAGE : NF_EXIT_FENCE_FAILED;
                goto out;
        }
        if (!v.tty)
                fprintf(stderr, "nmifence: %s of %zu hosts, fanout %u\n", c->command, nf_fleet_size(v.fleet),
                        c->fanout);
        while (!nf_fleet_finished(v.fleet)) {
                uint64_t now;

                out_flush(&v);
                (void) nf_fleet_wait(v.fleet, v.tty ? REDRAW_MS : 1000);
                if (c->interrupted && *c->interrupted && !nf_fleet_interrupted(v.fleet)) {
                        nf_fleet_interrupt(v.fleet);
                        if (!v.tty && !told)
                                fprintf(stderr, "nmifence: interrupted: no new request; waiting for those in flight "
                                                "(each within its session timeout); the state of every host is kept "
                                                "and a rerun resumes without a second NMI\n");
                        told = true;
                }
                now = nf_now_ms();
                nf_fleet_process(v.fleet, now);
                if (v.tty && (now >= next_draw || v.redraw)) {
                        draw(&v);
                        next_draw = now + REDRAW_MS;
                }
        }
        out_flush(&v);
        if (v.tty)
                draw(&v);
        for (size_t k = 0; k < c->n_hosts; k++) {
                nf_fleet_host_info i;
                if (v.slot[k] != (size_t) -1 && nf_fleet_host_info_get(v.fleet, v.slot[k], &i) == 0)
                        codes[k] = i.exit_code;
        }
        final_table(&v, codes);
        if (c->json)
                json_doc(&v, codes);
        code = nf_fleet_exit_code(codes, c->n_hosts);
out:
        v.fleet = nf_fleet_free(v.fleet);
        if (v.out)
                fclose(v.out);
        free(v.slot);
        free(codes);
        return code;
}

/* ---- status --------------------------------------------------------------- */

/* One host's status query: its plan on a session of its own, run from
 * this loop (plan-runner.h). */
typedef struct status_job {
        const nf_fleet_cmd_host *h;
        nf_lan_params lan;
        nf_session *session;
        nf_error open_err;
        nf_status_plan plan;
        nf_plan_runner runner;
        bool started;
        nf_host_status st;
        bool done;
} status_job;

static void status_done(status_job *s) {
        s->done = true;
        if (s->session)
                nf_session_lan_close_nowait(s->session, nf_now_ms());
        s->session = nf_session_free(s->session);
        nf_status_plan_finish(&s->plan, &s->st);
        nf_status_print(&s->st, stderr, stderr);
}

static void status_start(status_job *s) {
        s->started = true;
        nf_lan_params_from_conf(&s->h->conf, s->h->password, &s->lan);
        nf_status_plan_init(&s->plan, &s->h->conf);
        if (nf_plan_runner_start(&s->runner, &nf_status_plan_ops, &s->plan, &s->session, &s->lan, &s->open_err))
                status_done(s);
}

/* Runs every query, at most `fanout` at once, in one poll() loop. */
static void status_run_all(const nf_fleet_cmd *c, status_job *jobs, struct pollfd *pfds, size_t *running) {
        size_t next = 0, pending = c->n_hosts;

        for (;;) {
                uint64_t now = nf_now_ms(), wake = UINT64_MAX;
                size_t n = 0;
                int r;

                *running = 0;
                for (size_t k = 0; k < next; k++)
                        *running += jobs[k].started && !jobs[k].done;
                while (next < c->n_hosts && *running < c->fanout) {
                        status_start(&jobs[next++]);
                        *running += !jobs[next - 1].done;
                }
                pending = c->n_hosts - next + *running;
                if (!pending)
                        return;
                if (c->interrupted && *c->interrupted) {
                        fprintf(stderr, "nmifence: interrupted: %zu quer%s unanswered\n", pending,
                                pending == 1 ? "y" : "ies");
                        return;
                }
                for (size_t k = 0; k < next; k++) {
                        status_job *s = &jobs[k];
                        if (s->done)
                                continue;
                        if (nf_plan_runner_deadline(&s->runner) < wake)
                                wake = nf_plan_runner_deadline(&s->runner);
                        pfds[n++] = (struct pollfd) { .fd = nf_plan_runner_fd(&s->runner), .events = POLLIN };
                }
                /* at most a second between looks at *c->interrupted */
                r = poll(pfds, n, wake <= now ? 0 : wake - now > 1000 ? 1000 : (int) (wake - now));
                if (r < 0 && errno != EINTR)
                        return;
                n = 0;
                now = nf_now_ms();
                for (size_t k = 0; k < next; k++) {
                        status_job *s = &jobs[k];
                        bool readable;
                        if (s->done)
                                continue;
                        readable = r > 0 && (pfds[n++].revents & (POLLIN | POLLERR | POLLHUP));
                        if ((readable && nf_plan_runner_on_readable(&s->runner, now)) ||
                            (nf_plan_runner_deadline(&s->runner) <= now && nf_plan_runner_on_time(&s->runner, now)))
                                status_done(s);
                }
        }
}

int nf_fleet_cmd_status(const nf_fleet_cmd *c) {
        status_job *jobs = calloc(c->n_hosts, sizeof *jobs);
        struct pollfd *pfds = calloc(c->n_hosts ? c->n_hosts : 1, sizeof *pfds);
        int *codes = calloc(c->n_hosts, sizeof *codes);
        int code = NF_EXIT_BMC;
        size_t ok = 0, running = 0;

        if (!jobs || !codes || !pfds) {
                fprintf(stderr, "nmifence: out of memory\n");
                goto out;
        }
        for (size_t k = 0; k < c->n_hosts; k++)
                jobs[k].h = &c->hosts[k];
        status_run_all(c, jobs, pfds, &running);
        fprintf(stderr, "%-20s %-5s %-11s %-5s %4s  %s\n", "HOST", "POWER", "STATE", "READY", "EXIT", "NOTE");
        for (size_t k = 0; k < c->n_hosts; k++) {
                const nf_host_status *st = &jobs[k].st;
                codes[k] = jobs[k].done ? st->exit_code : NF_EXIT_INTERRUPTED;
                fprintf(stderr, "%-20.20s %-5s %-11s %-5s %4d  %s\n", c->hosts[k].conf.name,
                        !jobs[k].done ? "-" : st->power_known ? (st->power_on ? "on" : "off") : "?",
                        jobs[k].done ? nf_status_state_str(st) : "interrupted", st->ready ? "yes" : "no", codes[k],
                        !jobs[k].done ? "" : !st->sel_read ? st->error : st->ready ? "" : st->reason);
                ok += codes[k] == 0;
        }
        code = nf_fleet_exit_code(codes, c->n_hosts);
        fprintf(stderr, "%zu hosts: %zu ready, %zu not; exit %d\n", c->n_hosts, ok, c->n_hosts - ok, code);
        if (c->json) {
                nf_json j;
                nf_json_begin(&j, stdout);
                nf_json_object_open(&j, NULL);
                nf_json_string(&j, "command", "status");
                nf_json_int(&j, "exit_code", code);
                nf_json_array_open(&j, "hosts");
                for (size_t k = 0; k < c->n_hosts; k++) {
                        if (jobs[k].done) {
                                nf_status_json_object(&j, NULL, &jobs[k].st);
                                continue;
                        }
                        nf_json_object_open(&j, NULL);
                        nf_json_string(&j, "host", c->hosts[k].conf.name);
                        nf_json_string(&j, "bmc", c->hosts[k].conf.bmc);
                        nf_json_bool(&j, "interrupted", true);
                        nf_json_int(&j, "exit_code", codes[k]);
                        nf_json_object_close(&j);
                }
                nf_json_array_close(&j);
                nf_json_object_close(&j);
                nf_json_end(&j);
        }
out:
        for (size_t k = 0; jobs && k < c->n_hosts; k++) {
                if (jobs[k].session)
                        nf_session_lan_close_nowait(jobs[k].session, nf_now_ms());
                nf_session_free(jobs[k].session);
        }
        free(pfds);
        free(codes);
        free(jobs);
        return code;
}
