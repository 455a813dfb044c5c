/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nmifenced: watches every configured host through its BMC (watchdog,
 * SEL, power, optional TCP probe) and fences a dead one with the
 * dump-aware fence, within a global rate limit (docs/operations.md,
 * nmifenced(8)).  This file is the process: options, configuration,
 * passwords, systemd's notify protocol (READY=1, WATCHDOG=1, STATUS=,
 * STOPPING=1, RELOADING=1), signals and the control socket; the work is
 * daemon.c's.
 */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "bmc-options.h"
#include "config.h"
#include "control-server.h"
#include "daemon-config.h"
#include "state-dir.h"
#include "daemon-control.h"
#include "daemon-log.h"
#include "daemon.h"
#include "password.h"
#include "report.h"

#include "nmifence-config.h"

typedef struct app {
        const char *config_path;
        const char *control_socket;     /* option; else the config's */
        const char *state_dir;          /* option; else the config's */
        nf_dlog log;
        nf_config *conf;
        nf_daemon_conf dconf;
        char **passwords;
        sd_event *event;
        nf_daemon *daemon;
        nf_ctl_server *ctl;
        char status[400];
        bool reexec;                    /* SIGHUP: start again in place once stopped */
        char **argv;
} app;

static void usage(FILE *out) {
        fprintf(out,
                "Usage: nmifenced [OPTIONS]\n"
                "\n"
                "Watch every host of the configuration through its BMC (watchdog, SEL, power,\n"
                "optional TCP probe) and fence a dead one with the dump-aware fence, at most\n"
                "max_fences per fence_window.  Runs in the foreground (systemd Type=notify).\n"
                "\n"
                "  -c, --config FILE        configuration (default " NF_DEFAULT_CONFIG ")\n"
                "      --control-socket PATH  unix socket for nmifence status/fence --daemon\n"
                "                           (default: the config's control_socket, else " NF_DAEMON_CONTROL_SOCKET ")\n"
                "      --state-dir DIR      locks and persisted fences, shared with nmifence and\n"
                "                           fence_nmi (default: the config's state_dir, else\n"
                "                           $" NF_STATE_DIR_ENV ", else " NF_STATE_DIR_DEFAULT ")\n"
                "      --log-target WHERE   auto (journal under systemd, else stderr), journal, stderr\n"
                "      --check-config       load the configuration and passwords, then exit 0 (or 4)\n"
                "  -v, --verbose            log every IPMI action of the fences, and debug lines\n"
                "      --version, --help\n"
                "\n"
                "Signals: TERM/INT stop (a fence under way is persisted and resumed by the next\n"
                "start, without a second NMI); HUP reloads the configuration by restarting in place.\n"
                "Exit: 0 stopped; 4 bad usage or configuration; 1 could not run.\n");
}

static void free_config(app *a) {
        if (a->passwords && a->conf)
                for (size_t i = 0; i < a->conf->n_hosts; i++)
                        a->passwords[i] = nf_password_free(a->passwords[i]);
        free(a->passwords);
        a->passwords = NULL;
        a->conf = nf_config_free(a->conf);
        nf_daemon_conf_done(&a->dconf);
}

/* Everything the daemon needs from files, checked before anything runs:
 * a bad configuration never half-runs. */
static int load_config(app *a, bool quiet) {
        char err[512];
        int r;

        r = nf_config_load(a->config_path, &a->conf, err, sizeof err);
        if (r < 0) {
                nf_dlogf(&a->log, LOG_ERR, NULL, "%s", err);
                return r;
        }
        r = nf_daemon_conf_load(a->config_path, &a->dconf, err, sizeof err);
        if (r < 0) {
                nf_dlogf(&a->log, LOG_ERR, NULL, "%s", err);
                return r;
        }
        if (a->control_socket) {
                free(a->dconf.control_socket);
                if (!(a->dconf.control_socket = strdup(a->control_socket)))
                        return -ENOMEM;
        }
        if (a->state_dir) {
                free(a->dconf.state_dir);
                if (!(a->dconf.state_dir = strdup(a->state_dir)))
                        return -ENOMEM;
        }
        if (a->conf->n_hosts == 0) {
                nf_dlogf(&a->log, LOG_ERR, NULL, "%s: no hosts to watch (hosts = ( ... ))", a->config_path);
                return -EINVAL;
        }
        a->passwords = calloc(a->conf->n_hosts, sizeof *a->passwords);
        if (!a->passwords)
                return -ENOMEM;
        for (size_t i = 0; i < a->conf->n_hosts; i++) {
                const nf_host_conf *h = &a->conf->hosts[i];
                nf_password_source src;
                bool warn = false;

                if (nf_host_conf_check_security(h, "allow_insecure = true", err, sizeof err, &warn) < 0) {
                        nf_dlogf(&a->log, LOG_ERR, h->name, "%s", err);
                        return -EPERM;
                }
                if (warn && !quiet)
                        nf_dlogf(&a->log, LOG_WARNING, h->name, "%s", err);
                r = nf_password_resolve(h, NULL, NULL, NULL, false, &a->passwords[i], &src, err, sizeof err);
                if (r < 0) {
                        nf_dlogf(&a->log, LOG_ERR, h->name, "%s:%d: %s", a->config_path, h->line, err);
                        return r;
                }
                /* libfreeipmi drops a session idle longer than its
                 * timeout; a poll interval past it re-opens every time */
                if (a->dconf.poll_interval_ms >= h->session_timeout_ms && !quiet)
                        nf_dlogf(&a->log, LOG_WARNING, h->name,
                                "poll_interval (%.1f s) is not below session_timeout (%.1f s): every poll opens a "
                                "new session",
                                (double) a->dconf.poll_interval_ms / 1000.0, h->session_timeout_ms / 1000.0);
        }
        return 0;
}

static void on_status_changed(nf_daemon *d, void *userdata) {
        app *a = userdata;
        char line[400];

        nf_daemon_status_line(d, line, sizeof line);
        if (strcmp(line, a->status) == 0)
                return;
        snprintf(a->status, sizeof a->status, "%s", line);
        (void) sd_notifyf(false, "STATUS=%s", line);
}

static void on_stopped(nf_daemon *d, void *userdata) {
        app *a = userdata;

        (void) sd_event_exit(a->event, 0);
        (void) d;
}

static int on_term(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        app *a = userdata;

        nf_dlogf(&a->log, LOG_INFO, NULL, "signal %s: stopping", strsignal((int) si->ssi_signo));
        (void) sd_notify(false, "STOPPING=1\nSTATUS=stopping: waiting for requests in flight");
        a->reexec = false;
        nf_daemon_stop(a->daemon);
        (void) s;
        return 0;
}

/* SIGHUP: the new configuration is checked here first; a bad one is
 * reported and the daemon goes on with the old.  A good one: stop as for
 * SIGTERM (fences persisted) and exec ourselves, which resumes them with
 * the same PID, so systemd sees a reload (RELOADING=1 ... READY=1). */
static int on_hup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        app *a = userdata;
        app probe = { .config_path = a->config_path, .control_socket = a->control_socket,
                      .state_dir = a->state_dir, .log = a->log };
        int r = load_config(&probe, true);

        free_config(&probe);
        if (r < 0) {
                nf_dlogf(&a->log, LOG_ERR, NULL, "SIGHUP: %s is not usable (above); going on with the loaded one",
                        a->config_path);
                return 0;
        }
        nf_dlogf(&a->log, LOG_NOTICE, NULL,
                "SIGHUP: reloading %s: restarting in place (fences under way are persisted and resumed)",
                a->config_path);
        (void) sd_notify(false, "RELOADING=1\nSTATUS=reloading");
        a->reexec = true;
        nf_daemon_stop(a->daemon);
        (void) s;
        (void) si;
        return 0;
}

static int run(app *a) {
        char err[512];
        const char *sock;
        int r;

        if ((r = sd_event_default(&a->event)) < 0) {
                nf_dlogf(&a->log, LOG_ERR, NULL, "event loop: %s", strerror(-r));
                return 1;
        }
        if ((r = sd_event_add_signal(a->event, NULL, SIGTERM, on_term, a)) < 0 ||
            (r = sd_event_add_signal(a->event, NULL, SIGINT, on_term, a)) < 0 ||
            (r = sd_event_add_signal(a->event, NULL, SIGHUP, on_hup, a)) < 0) {
                nf_dlogf(&a->log, LOG_ERR, NULL, "signals: %s", strerror(-r));
                return 1;
        }
        /* WATCHDOG=1 at half of $WATCHDOG_USEC, from the loop itself: a
         * loop that hangs stops it (sd_watchdog_enabled()) */
        if ((r = sd_event_set_watchdog(a->event, true)) < 0) {
                nf_dlogf(&a->log, LOG_ERR, NULL, "systemd watchdog: %s", strerror(-r));
                return 1;
        }
        if (r > 0)
                nf_dlogf(&a->log, LOG_INFO, NULL, "systemd watchdog on: WATCHDOG=1 from the event loop");

        nf_daemon_params p = {
                .conf = a->conf,
                .passwords = a->passwords,
                .dconf = &a->dconf,
                .log = &a->log,
                .verbose = a->log.debug,
                .on_status_changed = on_status_changed,
                .on_stopped = on_stopped,
                .userdata = a,
        };
        if ((r = nf_daemon_new(&p, a->event, &a->daemon, err, sizeof err)) < 0) {
                nf_dlogf(&a->log, LOG_ERR, NULL, "%s", err);
                return r == -EINVAL ? NF_EXIT_USAGE : 1;
        }
        sock = a->dconf.control_socket ? a->dconf.control_socket : NF_DAEMON_CONTROL_SOCKET;
        if ((r = nf_ctl_server_new(a->event, sock, 0600, nf_daemon_control_handler, a->daemon, &a->ctl, err,
                                   sizeof err)) < 0) {
                nf_dlogf(&a->log, LOG_ERR, NULL, "%s", err);
                return 1;
        }
        if ((r = nf_daemon_start(a->daemon, err, sizeof err)) < 0) {
                nf_dlogf(&a->log, LOG_ERR, NULL, "%s", err);
                return 1;
        }
        nf_dlogf(&a->log, LOG_INFO, NULL, "control socket %s (mode 0600)", sock);
        /* configuration loaded, first polls scheduled, socket answering */
        (void) sd_notifyf(false, "READY=1\nSTATUS=%s", a->status);
        r = sd_event_loop(a->event);
        if (r < 0) {
                nf_dlogf(&a->log, LOG_ERR, NULL, "event loop: %s", strerror(-r));
                return 1;
        }
        return 0;
}

enum {
        OPT_CONTROL_SOCKET = 0x100,
        OPT_STATE_DIR,
        OPT_LOG_TARGET,
        OPT_CHECK_CONFIG,
        OPT_VERSION,
};

int main(int argc, char **argv) {
        static const struct option opts[] = {
                { "config", required_argument, NULL, 'c' },
                { "control-socket", required_argument, NULL, OPT_CONTROL_SOCKET },
                { "state-dir", required_argument, NULL, OPT_STATE_DIR },
                { "log-target", required_argument, NULL, OPT_LOG_TARGET },
                { "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
                { "verbose", no_argument, NULL, 'v' },
                { "version", no_argument, NULL, OPT_VERSION },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        app a = { .config_path = NF_DEFAULT_CONFIG, .argv = argv };
        nf_dlog_target target = NF_DLOG_AUTO;
        bool verbose = false, check = false;
        int c, rc;
        sigset_t ss;

        while ((c = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
                switch (c) {
                case 'c':
                        a.config_path = optarg;
                        break;
                case OPT_CONTROL_SOCKET:
                        a.control_socket = optarg;
                        break;
                case OPT_STATE_DIR:
                        a.state_dir = optarg;
                        break;
                case OPT_LOG_TARGET:
                        if (!nf_dlog_target_from_str(optarg, &target)) {
                                fprintf(stderr, "nmifenced: --log-target '%s': must be auto, journal or stderr\n",
                                        optarg);
                                return NF_EXIT_USAGE;
                        }
                        break;
                case OPT_CHECK_CONFIG:
                        check = true;
                        break;
                case 'v':
                        verbose = true;
                        break;
                case OPT_VERSION:
                        printf("nmifenced %s\n", NMIFENCE_VERSION);
                        return 0;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return NF_EXIT_USAGE;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "nmifenced: unexpected argument '%s'\n", argv[optind]);
                return NF_EXIT_USAGE;
        }
        nf_dlog_init(&a.log, target, verbose);

        if (load_config(&a, check) < 0) {
                free_config(&a);
                return NF_EXIT_USAGE;
        }
        if (check) {
                printf("%s: %zu hosts, configuration usable\n", a.config_path, a.conf->n_hosts);
                free_config(&a);
                return 0;
        }
        /* sd_event_add_signal() wants them blocked */
        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigaddset(&ss, SIGHUP);
        sigprocmask(SIG_BLOCK, &ss, NULL);

        rc = run(&a);
        a.ctl = nf_ctl_server_free(a.ctl);
        a.daemon = nf_daemon_free(a.daemon);
        a.event = sd_event_unref(a.event);
        free_config(&a);
        if (rc == 0 && a.reexec) {
                execv("/proc/self/exe", a.argv);
                fprintf(stderr, "nmifenced: cannot restart for the reload: %s\n", strerror(errno));
                return 1;
        }
        return rc;
}
