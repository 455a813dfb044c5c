/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fence_nmi: the Pacemaker fence agent (FenceAgentAPI).  off and reboot
 * are the dump-aware fence of `nmifence dump` (nf_fence_op_run: one NMI,
 * wait for the kdump to finish, then power, verified); on, status,
 * monitor and diag are plain chassis requests.
 *
 * Exit codes are the API's, not nmifence's: 0 success, 1 failure, and for
 * status 2 when the host is off.  A timeout is a failure.  For off and
 * reboot, success means the final power state was verified.
 *
 * Output follows fence-agents' fencing.py: a result line on stdout
 * ("Success: Powered OFF", "Success: Rebooted", "Status: ON"); progress
 * only with verbose (stderr) or debug_file (appended there); failures and
 * warnings -- a fenced host whose dump is missing is still fenced, so that
 * is a warning -- always on stderr (and in debug_file).  pacemaker-fenced
 * logs every stderr line as a warning, so a good fence writes none.
 */

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fence-agent-metadata.h"
#include "fence-agent-params.h"
#include "fence-op.h"
#include "fence-run.h"
#include "nf-commands.h"
#include "release-handoff.h"
#include "report.h"

#include "nmifence-config.h"

enum {
        FA_EXIT_OK = 0,
        FA_EXIT_FAILURE = 1,
        FA_EXIT_OFF = 2,        /* status only */
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig) {
        interrupted = sig;
}

typedef struct agent {
        const nf_fa_conf *c;
        FILE *log;              /* failures and warnings: stderr, + debug_file */
        FILE *progress;         /* NULL, stderr (verbose), debug_file, or both */
} agent;

static void vsay(FILE *out, const agent *a, const char *fmt, va_list ap) {
        fprintf(out, "fence_nmi: %s: ", a->c->host.name);
        vfprintf(out, fmt, ap);
        fputc('\n', out);
        fflush(out);
}

/* A failure or a warning: always said. */
static void say(const agent *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const agent *a, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vsay(a->log, a, fmt, ap);
        va_end(ap);
}

/* Progress: only with verbose or debug_file. */
static void progress(const agent *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress(const agent *a, const char *fmt, ...) {
        va_list ap;

        if (!a->progress)
                return;
        va_start(ap, fmt);
        vsay(a->progress, a, fmt, ap);
        va_end(ap);
}

/* ---- stderr tee for debug_file ---- */

typedef struct tee {
        FILE *a, *b;
} tee;

static ssize_t tee_write(void *cookie, const char *buf, size_t n) {
        tee *t = cookie;

        fwrite(buf, 1, n, t->a);
        fflush(t->a);
        fwrite(buf, 1, n, t->b);
        fflush(t->b);
        return (ssize_t) n;
}

/* The debug file is shared by both streams and closed by main(). */
static int tee_close(void *cookie) {
        free(cookie);
        return 0;
}

/* a and b together, or stderr alone if that cannot be set up. */
static FILE *open_tee(FILE *a, FILE *b) {
        tee *t = malloc(sizeof *t);
        FILE *out;

        if (!t)
                return stderr;
        *t = (tee) { a, b };
        out = fopencookie(t, "w", (cookie_io_functions_t) { .write = tee_write, .close = tee_close });
        if (!out) {
                free(t);
                return stderr;
        }
        setvbuf(out, NULL, _IOLBF, 0);
        return out;
}

/* a->log and a->progress from verbose and debug_file; returns the debug
 * file (NULL without one) for main() to close after them. */
static FILE *open_logs(agent *a, const char *debug_file, bool verbose) {
        FILE *f = NULL;

        a->log = stderr;
        a->progress = verbose ? stderr : NULL;
        if (!debug_file)
                return NULL;
        f = fopen(debug_file, "ae");
        if (!f) {
                fprintf(stderr, "fence_nmi: debug_file %s: %s; %s\n", debug_file, strerror(errno),
                        verbose ? "logging to stderr only" : "no progress lines");
                return NULL;
        }
        setvbuf(f, NULL, _IOLBF, 0);
        a->log = open_tee(stderr, f);
        a->progress = verbose ? open_tee(stderr, f) : f;
        return f;
}

static void close_logs(agent *a, FILE *debug_file) {
        if (a->progress && a->progress != stderr && a->progress != debug_file)
                fclose(a->progress);
        if (a->log != stderr)
                fclose(a->log);
        if (debug_file)
                fclose(debug_file);
}

/* ---- plain chassis requests ---- */

static int sleep_ms(uint64_t ms) {
        struct timespec ts = { .tv_sec = (time_t) (ms / 1000), .tv_nsec = (long) (ms % 1000) * 1000000 };

        if (interrupted)
                return -EINTR;
        while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR)
                if (interrupted)
                        return -EINTR;
        return 0;
}

static nf_session *open_session(const agent *a) {
        nf_lan_params lp;
        nf_session *s = NULL;
        nf_error err;
        char buf[256];

        nf_lan_params_from_conf(&a->c->host, a->c->password, &lp);
        progress(a, "opening a session with BMC %s:%u as %s (%s privilege, cipher suite %u)", a->c->host.bmc,
                    a->c->host.port, lp.user[0] ? lp.user : "\"\"", nf_privilege_str(a->c->host.privilege),
                    a->c->host.cipher_suite);
        if (nf_session_open_lan(&lp, &s, &err) != NF_OK) {
                say(a, "cannot log in to BMC %s:%u: %s", a->c->host.bmc, a->c->host.port,
                    nf_error_format(&err, buf, sizeof buf));
                return NULL;
        }
        return s;
}

static const char *session_error(nf_session *s, char *buf, size_t len) {
        return nf_error_format(nf_session_last_error(s), buf, len);
}

/* 0 with *ret_on, or -1 with the cause said. */
static int power_state(const agent *a, nf_session *s, bool *ret_on) {
        nf_chassis_status st;
        char buf[256];

        if (nf_get_chassis_status(s, &st) != NF_OK) {
                say(a, "cannot read the power state: %s", session_error(s, buf, sizeof buf));
                return -1;
        }
        *ret_on = st.power_on;
        return 0;
}

static int act_status(const agent *a) {
        nf_session *s = open_session(a);
        bool on = false;
        int rc = FA_EXIT_FAILURE;

        if (!s)
                return FA_EXIT_FAILURE;
        if (power_state(a, s, &on) == 0) {
                printf("Status: %s\n", on ? "ON" : "OFF");
                rc = on ? FA_EXIT_OK : FA_EXIT_OFF;
        }
        nf_session_free(s);
        return rc;
}

static int act_monitor(const agent *a) {
        nf_session *s = open_session(a);
        nf_device_id id;
        char buf[256];
        int rc = FA_EXIT_FAILURE;

        if (!s)
                return FA_EXIT_FAILURE;
        if (nf_get_device_id(s, &id) != NF_OK)
                say(a, "BMC does not answer Get Device ID: %s", session_error(s, buf, sizeof buf));
        else {
                progress(a, "BMC answers: device id 0x%02x, firmware %u.%02u, IPMI %u.%u, manufacturer %u",
                            id.device_id, id.fw_major, id.fw_minor, id.ipmi_major, id.ipmi_minor,
                            id.manufacturer_id);
                rc = FA_EXIT_OK;
        }
        nf_session_free(s);
        return rc;
}

static int act_diag(const agent *a) {
        nf_session *s = open_session(a);
        char buf[256];
        int rc = FA_EXIT_FAILURE;

        if (!s)
                return FA_EXIT_FAILURE;
        progress(a, "sending the diagnostic interrupt (NMI) only; not waiting for a dump");
        if (nf_chassis_control(s, NF_CHASSIS_DIAG) != NF_OK)
                say(a, "BMC refused the diagnostic interrupt: %s", session_error(s, buf, sizeof buf));
        else {
                progress(a, "diagnostic interrupt accepted by the BMC");
                printf("Success: Diagnostic interrupt sent\n");
                rc = FA_EXIT_OK;
        }
        nf_session_free(s);
        return rc;
}

/* Power on and poll until the BMC reports on, within power_timeout. */
static int power_on_verified(const agent *a, nf_session *s) {
        uint64_t deadline, interval = a->c->host.fence.poll_interval_ms;
        char buf[256];
        bool on = false;

        progress(a, "powering on");
        if (nf_chassis_control(s, NF_CHASSIS_ON) != NF_OK) {
                say(a, "BMC refused power on: %s", session_error(s, buf, sizeof buf));
                return FA_EXIT_FAILURE;
        }
        deadline = nf_now_ms() + a->c->host.fence.power_timeout_ms;
        if (a->c->power_wait_ms && sleep_ms(a->c->power_wait_ms) < 0)
                goto intr;
        for (;;) {
                nf_chassis_status st;
                if (nf_get_chassis_status(s, &st) == NF_OK) {
                        on = st.power_on;
                        if (on) {
                                progress(a, "power on verified");
                                return FA_EXIT_OK;
                        }
                } else
                        progress(a, "power state read failed (%s); retrying", session_error(s, buf, sizeof buf));
                if (nf_now_ms() >= deadline) {
                        say(a, "power on not verified within power_timeout (%g s): timeout is a failure",
                            (double) a->c->host.fence.power_timeout_ms / 1000);
                        return FA_EXIT_FAILURE;
                }
                if (sleep_ms(interval) < 0)
                        goto intr;
        }
intr:
        say(a, "interrupted by signal %d while waiting for power on", (int) interrupted);
        return FA_EXIT_FAILURE;
}

static int act_on(const agent *a) {
        nf_session *s = open_session(a);
        bool on = false;
        int rc = FA_EXIT_FAILURE;

        if (!s)
                return FA_EXIT_FAILURE;
        if (power_state(a, s, &on) == 0) {
                if (on) {
                        progress(a, "host is already on");
                        printf("Success: Already ON\n");
                        rc = FA_EXIT_OK;
                } else if ((rc = power_on_verified(a, s)) == FA_EXIT_OK)
                        printf("Success: Powered ON\n");
        }
        nf_session_free(s);
        return rc;
}

/* ---- off and reboot: the dump-aware fence ---- */

/* What fence_kdump evidence the fence will use, resolved from the
 * parameters, the configuration and the defaults. */
static void say_kdump(const agent *a) {
        const nf_fa_conf *c = a->c;

        if (!c->kdump_port) {
                if (c->kdump_sources)
                        progress(a, "fence_kdump: not listening (kdump_listen=0)");
                else
                        progress(a, "fence_kdump: not listening (set kdump_sources to listen on UDP %u)",
                            NF_FA_KDUMP_PORT_DEFAULT);
                return;
        }
        if (c->kdump_silence_ms)
                progress(a, "fence_kdump: listening on %s port %u for messages from %s; silence after %g s ends the wait",
                    c->kdump_addr ? c->kdump_addr : "*", (unsigned) c->kdump_port, c->kdump_sources,
                    (double) c->kdump_silence_ms / 1000);
        else
                progress(a, "fence_kdump: listening on %s port %u for messages from %s; silence does not end the wait",
                    c->kdump_addr ? c->kdump_addr : "*", (unsigned) c->kdump_port, c->kdump_sources);
}

static double since_nmi(const nf_fence *f, uint64_t t) {
        return t && f->t_nmi ? (double) (t - f->t_nmi) / 1000.0 : 0.0;
}

static int act_fence(const agent *a, bool reboot) {
        const nf_fa_conf *c = a->c;
        nf_host_conf h = c->host;       /* shallow: only fence.final_action differs */
        nf_fence_op_params p;
        nf_fence_outcome o;
        char buf[256];
        int r;

        h.fence.final_action = reboot ? NF_FINAL_CYCLE : NF_FINAL_OFF;
        /* fence_kdump as resolved by nf_fa_conf_build (parameters over the
         * configuration file): through the host, so 0 can mean off. */
        h.kdump_port = c->kdump_port;
        h.kdump_addr = c->kdump_addr;
        h.kdump_sources = c->kdump_sources;
        h.fence.kdump_silence_ms = c->kdump_port ? c->kdump_silence_ms : 0;
        if (reboot && c->method_cycle)
                progress(a, "method=cycle: the power cycle is done as verified off, then on (see fence_nmi(8))");
        p = (nf_fence_op_params) {
                .host = &h,
                .password = c->password,
                .log = a->progress,
                .verbose = c->verbose,
                .interrupted = &interrupted,
                .release = c->host.release,
                .release_on_kdump = c->host.release_on_kdump,
                .daemon_socket = c->daemon_socket,
                .warn = a->log,
        };

        r = nf_fence_op_run(&p, &o);
        if (r == -EINTR) {
                say(a, "interrupted by signal %d in state %s%s", (int) interrupted, nf_fence_state_str(o.fence.state),
                    nf_fence_nmi_may_have_reached(&o.fence) ? "; the NMI was sent and the host may still be dumping" : "");
                return FA_EXIT_FAILURE;
        }
        if (r < 0) {
                say(a, "the fence operation could not run: %s", strerror(-r));
                return FA_EXIT_FAILURE;
        }
        /* The summary's exit line is nmifence's code, not ours: verbose only. */
        if (c->verbose && a->progress)
                nf_report_summary(a->progress, &o.report, &o.fence);
        if (o.report.released) {
                /* Success at the release point: the crashed kernel is gone
                 * (this operation's NMI, its capture kernel's own record
                 * read back through the BMC); the rest is supervised. */
                progress(a, "released to %s at %s: the rest of the dump and the power action continue there",
                         o.report.release_to, o.report.release_at);
                printf("Success: released to %s at %s: the rest of the dump and the power action continue there\n",
                       o.report.release_to, o.report.release_at);
                return FA_EXIT_OK;
        }
        if (o.joined)
                progress(a, "another agent was already fencing this host; joined it and report its result");

        if (o.fence.kdump_msgs || o.report.kdump_ignored)
                progress(a, "dump evidence: %s; %u fence_kdump message%s accepted, %u ignored%s%s",
                    o.fence.sel_dump_seen ? "SEL records" : o.fence.kdump_msgs ? "fence_kdump" : "none",
                    o.fence.kdump_msgs, o.fence.kdump_msgs == 1 ? "" : "s", o.report.kdump_ignored,
                    o.fence.dump_reason[0] ? "; wait ended by: " : "", o.fence.dump_reason);
        if (o.fence.fenced) {
                if (o.fence.dump == NF_DUMP_HOST_OFF)
                        progress(a, reboot ? "host was off: no NMI sent (nothing to dump); powered on and verified"
                                      : "host was already off: no NMI sent; power off verified");
                else if (nf_dump_result_ok(o.fence.dump))
                        progress(a, "dump result: %s (dump-start %.1f s, done %.1f s after the NMI); host fenced (power "
                               "%s verified)",
                            nf_dump_result_str(o.fence.dump), since_nmi(&o.fence, o.fence.t_panic),
                            since_nmi(&o.fence, o.fence.t_done), reboot ? "on" : "off");
                else if (o.fence.dump == NF_DUMP_KDUMP_POWERED_OFF || o.fence.dump == NF_DUMP_KDUMP_SILENT ||
                         o.fence.dump == NF_DUMP_SEL_FULL_POWERED_OFF)
                        /* fence_kdump says "dumping", never "done": only the
                         * node itself could confirm the vmcore. */
                        say(a, "WARNING: dump result: %s: the node did not confirm the crash dump; the host IS "
                               "fenced (power %s verified)",
                            nf_dump_result_str(o.fence.dump), reboot ? "on" : "off");
                else
                        say(a, "WARNING: dump result: %s: the crash dump is missing or incomplete; the host IS "
                               "fenced (power %s verified)",
                            nf_dump_result_str(o.fence.dump), reboot ? "on" : "off");
                /* fencing.py's words for the same outcome */
                printf("%s\n", reboot ? "Success: Rebooted"
                                      : o.fence.dump == NF_DUMP_HOST_OFF ? "Success: Already OFF" : "Success: Powered OFF");
                return FA_EXIT_OK;
        }
        if (o.fence.state == NF_FS_DONE) {
                /* no_panic_policy=leave: the machine stopped without power. */
                say(a, "fence FAILED: %s and no_panic_policy=leave: the host was left alone and is NOT fenced",
                    nf_dump_result_str(o.fence.dump));
                return FA_EXIT_FAILURE;
        }
        say(a, "fence FAILED in state %s: %s; %s", nf_fence_state_str(o.fence.state),
            o.fence.fail_reason[0] ? nf_fence_failure_text(&o.fence, buf, sizeof buf) : "power state not verified",
            nf_fence_nmi_may_have_reached(&o.fence) ? "the NMI was sent; the host is NOT known to be fenced"
                                                   : "no NMI was sent; the host is NOT fenced");
        return FA_EXIT_FAILURE;
}

/* release=capture needs nmifenced to take over at the release point:
 * validate-all and monitor fail when it cannot (FA_EXIT_FAILURE). */
static int check_supervisor(const agent *a) {
        const nf_fa_conf *c = a->c;
        char err[400];

        if (c->host.release != NF_RELEASE_CAPTURE)
                return FA_EXIT_OK;
        if (nf_release_probe(c->daemon_socket, c->host.bmc, NF_RELEASE_HANDOFF_TIMEOUT_MS, err, sizeof err) < 0) {
                say(a, "release=capture: %s; a fence would fall back to release=power", err);
                return FA_EXIT_FAILURE;
        }
        progress(a, "release=capture: nmifenced at %s answers and has BMC %s", c->daemon_socket, c->host.bmc);
        return FA_EXIT_OK;
}

static int act_list(const nf_fa_conf *c) {
        /* One BMC fences one host: list it as "name,alias". */
        if (c->plug)
                printf("%s,%s\n", c->plug, c->nodename && strcmp(c->nodename, c->plug) ? c->nodename : "");
        return FA_EXIT_OK;
}

static void usage(FILE *out) {
        fputs("Usage: fence_nmi [OPTIONS]      (or key=value lines on stdin, without options)\n"
              "\n"
              "Dump-aware fence agent: one IPMI diagnostic interrupt (NMI), wait until the host's\n"
              "kdump reports the dump complete, then power off/cycle and verify.\n"
              "\n",
              out);
        for (int i = 0; i < _NF_FA_KEY_MAX; i++) {
                const nf_fa_param_desc *d = &nf_fa_params[i];
                char opt[64];
                snprintf(opt, sizeof opt, "%s%c%s--%s%s%s", d->short_opt ? "-" : "", d->short_opt ? d->short_opt : ' ',
                         d->short_opt ? ", " : "   ", d->long_opt, d->arg_name ? "=" : "", d->arg_name ? d->arg_name : "");
                fprintf(out, "  %-36s %s%s%s%s\n", d->short_opt ? opt : opt + 1, d->shortdesc,
                        *d->def ? " (" : "", d->def, *d->def ? ")" : "");
        }
        fputs("  -h, --help                           this help\n"
              "  -V, --version                        version\n"
              "\n"
              "Actions: on, off, reboot, status, monitor, list, metadata, validate-all, diag.\n"
              "Exit: 0 success; 1 failure (a timeout is a failure); status: 0 on, 2 off.\n",
              out);
}

int main(int argc, char **argv) {
        nf_fa_raw raw = {};
        nf_fa_conf c = {};
        nf_fa_action action = NF_FA_ACT_REBOOT;
        agent a = { .c = &c, .log = stderr };
        FILE *debug_file = NULL;
        /* stdin's buffer holds the password line: ours, so it can be wiped */
        static char stdin_buf[BUFSIZ];
        char err[512];
        int rc = FA_EXIT_FAILURE, r;

        /* FenceAgentAPI: options on argv, or, with none, key=value on stdin. */
        if (argc > 1)
                r = nf_fa_raw_parse_argv(&raw, argc, argv, stderr, err, sizeof err);
        else {
                setvbuf(stdin, stdin_buf, _IOFBF, sizeof stdin_buf);
                r = nf_fa_raw_parse_stdin(&raw, stdin, stderr);
                explicit_bzero(stdin_buf, sizeof stdin_buf);
                if (r < 0)
                        snprintf(err, sizeof err, "%s", strerror(-r));
        }
        if (r < 0) {
                fprintf(stderr, "fence_nmi: %s\n", err);
                if (r == -EINVAL)
                        fputs("fence_nmi: try --help\n", stderr);
                goto out;
        }
        if (raw.help) {
                usage(stdout);
                rc = FA_EXIT_OK;
                goto out;
        }
        if (raw.version) {
                printf("fence_nmi %s\n", NMIFENCE_VERSION);
                rc = FA_EXIT_OK;
                goto out;
        }
        if (raw.value[NF_FA_ACTION] && !nf_fa_parse_action(raw.value[NF_FA_ACTION], &action)) {
                fprintf(stderr, "fence_nmi: unknown action '%s' (%s); known: on, off, reboot, status, monitor, list, "
                                "metadata, validate-all, diag\n",
                        raw.value[NF_FA_ACTION], raw.where[NF_FA_ACTION]);
                goto out;
        }
        if (action == NF_FA_ACT_METADATA) {
                nf_fa_metadata_print(stdout);
                rc = FA_EXIT_OK;
                goto out;
        }

        if (nf_fa_conf_build(&raw, &c, stderr, err, sizeof err) < 0) {
                fprintf(stderr, "fence_nmi: invalid parameters: %s\n", err);
                goto out;
        }
        nf_fa_raw_done(&raw);
        debug_file = open_logs(&a, c.debug_file, c.verbose);
        if (c.password_source)
                progress(&a, "action %s, password from %s", nf_fa_actions[c.action].name, c.password_source);

        struct sigaction sa = { .sa_handler = on_signal };
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);

        switch (c.action) {
        case NF_FA_ACT_VALIDATE_ALL:
                progress(&a, "parameters are valid (BMC %s:%u not contacted)", c.host.bmc, c.host.port);
                say_kdump(&a);
                rc = check_supervisor(&a);
                break;
        case NF_FA_ACT_LIST: rc = act_list(&c); break;
        case NF_FA_ACT_STATUS: rc = act_status(&a); break;
        case NF_FA_ACT_MONITOR:
                rc = act_monitor(&a);
                if (rc == FA_EXIT_OK)
                        rc = check_supervisor(&a);
                break;
        case NF_FA_ACT_ON: rc = act_on(&a); break;
        case NF_FA_ACT_DIAG: rc = act_diag(&a); break;
        case NF_FA_ACT_OFF: rc = act_fence(&a, false); break;
        case NF_FA_ACT_REBOOT: rc = act_fence(&a, true); break;
        case NF_FA_ACT_METADATA:
        case _NF_FA_ACT_MAX:
                break;
        }

out:
        fflush(stdout);
        close_logs(&a, debug_file);
        nf_fa_conf_done(&c);
        nf_fa_raw_done(&raw);
        return rc;
}
