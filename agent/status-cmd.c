/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <assert.h>
#include <getopt.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bmc-options.h"
#include "config.h"
#include "dump-event.h"
#include "fleet-cmd.h"
#include "fleet.h"
#include "hostlist.h"
#include "fence-run.h"
#include "json-writer.h"
#include "nf-commands.h"
#include "password.h"
#include "report.h"
#include "session-step.h"
#include "status-cmd.h"
#include "status-plan.h"


static void usage(FILE *f) {
        fprintf(f,
                "Usage: nmifence status [OPTIONS] HOST\n"
                "\n"
                "The target's last armed/disarmed record in the BMC's SEL, the SEL's free space and the power state.\n"
                "  -c, --config FILE   -H, --bmc ADDR   -p, --port N   -U, --user NAME\n"
                "      --password-file FILE   --password-script CMD   --password-env VAR\n"
                "  -C, --cipher N      --allow-insecure (cipher suites without AES and integrity)\n"
                "  -L, --privilege LEVEL   -W, --workarounds LIST   --session-timeout SEC   --retransmit-timeout SEC\n"
                "      --json          print a JSON document on stdout (the lines for people go to stderr)\n"
                "Exit: 0 armed, powered on and ready;\n"
                "      1 not ready (power off, disarmed, a flag missing, no record, SEL full);\n"
                "      3 BMC unreachable or authentication failed; 4 bad usage or configuration.\n");
}

static void flags_text(uint8_t f, char *buf, size_t len) {
        snprintf(buf, len, "capture kernel %s, NMI %s, capture kernel %s apic_extnmi=none",
                 f & NF_ARMED_CRASH_LOADED ? "loaded" : "NOT loaded", f & NF_ARMED_NMI_PANIC ? "panics" : "does NOT panic",
                 f & NF_ARMED_CAPTURE_EXTNMI_NONE ? "has" : "LACKS");
}

void nf_status_query(const nf_host_conf *h, const char *password, nf_host_status *ret) {
        nf_session *s = NULL;
        nf_error open_err = {};
        nf_status_plan p;
        nf_lan_params lp;

        nf_lan_params_from_conf(h, password, &lp);
        nf_status_plan_init(&p, h);
        (void) nf_session_run_plan(&s, &lp, &open_err, &nf_status_plan_ops, &p);
        nf_session_free(s);
        nf_status_plan_finish(&p, ret);
}

void nf_status_print(const nf_host_status *st, FILE *out, FILE *err) {
        const nf_last_arm *a = &st->arm;
        char buf[256];

        for (const char *p = st->notes; *p;) {
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t) (nl - p) : strlen(p);
                fprintf(err, "nmifence: %.*s\n", (int) len, p);
                p += len + (nl ? 1 : 0);
        }
        if (!st->sel_read)
                return;
        if (!a->found)
                fprintf(out, "%s: no armed/disarmed record in the SEL (%u nmifence records): nmifence-target.service "
                       "has not run on this host since the SEL was cleared\n",
                       st->host, a->records);
        else if (st->armed) {
                flags_text(a->msg.arg, buf, sizeof buf);
                fprintf(out, "%s: armed (SEL record 0x%04x, seq %u, flags 0x%02x: %s)%s\n", st->host, a->record_id,
                        a->msg.seq, a->msg.arg, buf, st->ready ? "" : " - NOT ready");
        } else
                fprintf(out, "%s: disarmed (SEL record 0x%04x, seq %u): shut down cleanly, not ready\n", st->host,
                        a->record_id, a->msg.seq);
        if (st->sel_full)
                fprintf(out, "%s: SEL FULL (%u entries, %u bytes free%s): the target cannot post its dump records - "
                        "NOT ready; save and clear it (ipmitool sel save FILE; ipmitool sel clear)\n",
                        st->host, (unsigned) st->sel_entries, (unsigned) st->sel_free_bytes,
                        st->sel_overflow ? ", overflow" : "");
        else if (st->sel_info_known)
                fprintf(out, "%s: SEL %u entries, %u bytes free\n", st->host, (unsigned) st->sel_entries,
                        (unsigned) st->sel_free_bytes);
        fprintf(out, "%s: power %s\n", st->host, st->power_known ? (st->power_on ? "on" : "off") : "unknown");
        if (st->ready)
                fprintf(out, "%s: ready\n", st->host);
        else
                fprintf(out, "%s: NOT ready: %s\n", st->host, st->reason);
}

const char *nf_status_state_str(const nf_host_status *st) {
        if (!st->sel_read)
                return "unreachable";
        return !st->arm.found ? "unknown" : st->armed ? "armed" : "disarmed";
}

void nf_status_json_object(nf_json *j, const char *key, const nf_host_status *st) {
        const nf_last_arm *a = &st->arm;

        nf_json_object_open(j, key);
        nf_json_string(j, "host", st->host);
        nf_json_string(j, "bmc", st->bmc);
        nf_json_string(j, "power", st->power_known ? (st->power_on ? "on" : "off") : NULL);
        nf_json_string(j, "state", st->sel_read ? nf_status_state_str(st) : NULL);
        nf_json_bool(j, "ready", st->ready);
        nf_json_string(j, "reason", st->ready ? NULL : st->sel_read ? st->reason : st->error);
        nf_json_int(j, "exit_code", st->exit_code);
        if (a->found) {
                nf_json_object_open(j, "record");
                nf_json_int(j, "id", a->record_id);
                nf_json_int(j, "seq", a->msg.seq);
                nf_json_int(j, "timestamp", a->timestamp);
                nf_json_int(j, "flags", st->armed ? a->msg.arg : 0);
                nf_json_bool(j, "crash_loaded", st->armed && (a->msg.arg & NF_ARMED_CRASH_LOADED));
                nf_json_bool(j, "nmi_panic", st->armed && (a->msg.arg & NF_ARMED_NMI_PANIC));
                nf_json_bool(j, "capture_extnmi_none", st->armed && (a->msg.arg & NF_ARMED_CAPTURE_EXTNMI_NONE));
                nf_json_object_close(j);
        }
        if (st->sel_info_known) {
                nf_json_object_open(j, "sel");
                nf_json_int(j, "entries", st->sel_entries);
                nf_json_int(j, "free_bytes", st->sel_free_bytes);
                nf_json_bool(j, "overflow", st->sel_overflow);
                nf_json_bool(j, "full", st->sel_full);
                nf_json_object_close(j);
        }
        if (!st->sel_read)
                nf_json_string(j, "error", st->error);
        nf_json_object_close(j);
}

static volatile sig_atomic_t fleet_interrupted;

static void on_fleet_signal(int sig) {
        fleet_interrupted = sig;
}

/* Several hosts of the configuration, queried from one loop. */
static int status_fleet(const nf_bmc_options *b, const nf_config *cfg, const nf_hostlist *hl, unsigned fanout,
                        bool json) {
        nf_fleet_cmd_host *hosts;
        char err[512];
        size_t n = 0;
        int r = NF_EXIT_USAGE;

        if (nf_fleet_cmd_check_hosts(b->bmc, cfg, (const char *const *) hl->names, hl->n) != 0)
                return NF_EXIT_USAGE;
        if (!(hosts = calloc(hl->n, sizeof *hosts)))
                return NF_EXIT_USAGE;
        for (n = 0; n < hl->n; n++) {
                nf_password_source src;
                bool warning;
                if (nf_bmc_options_host(b, cfg, hl->names[n], &hosts[n].conf, &warning, err, sizeof err) < 0 ||
                    nf_password_resolve(&hosts[n].conf, b->password_file, b->password_script, b->password_env, false,
                                        &hosts[n].password, &src, err, sizeof err) < 0) {
                        fprintf(stderr, "nmifence: %s: %s\n", hl->names[n], err);
                        n++;
                        goto out;
                }
        }
        /* Ctrl-C: the table of what answered so far, now; the queries in
         * flight (read-only) end within their session timeout.  A second
         * Ctrl-C (SA_RESETHAND) does not wait for them. */
        struct sigaction sa = { .sa_handler = on_fleet_signal, .sa_flags = SA_RESETHAND };
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        nf_fleet_cmd c = { .command = "status", .hosts = hosts, .n_hosts = n, .fanout = fanout, .json = json,
                           .interrupted = &fleet_interrupted };
        r = nf_fleet_cmd_status(&c);
out:
        for (size_t i = 0; i < n; i++) {
                nf_host_conf_done(&hosts[i].conf);
                nf_password_free(hosts[i].password);
        }
        free(hosts);
        return r;
}

int nf_status_cmd(int argc, char **argv) {
        enum { OPT_JSON = NF_BMC_OPT_COMMAND_BASE, OPT_FANOUT };
        static const struct option opts[] = {
                NF_BMC_LONG_OPTIONS,
                { "json", no_argument, NULL, OPT_JSON },
                { "fanout", required_argument, NULL, OPT_FANOUT },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        nf_bmc_options b = {};
        bool json = false, insecure_warning;
        nf_config *cfg = NULL;
        nf_host_conf h = {};
        char err[512];
        char *password = NULL;
        nf_password_source src;
        nf_host_status st;
        int c, r = NF_EXIT_USAGE;
        unsigned fanout = NF_FLEET_FANOUT_DEFAULT;
        const char *fanout_arg = NULL;
        nf_hostlist hl = {};

        optind = 1;
        while ((c = getopt_long(argc, argv, NF_BMC_SHORT_OPTIONS "h", opts, NULL)) >= 0) {
                if (nf_bmc_options_take(&b, c, optarg))
                        continue;
                switch (c) {
                case OPT_JSON: json = true; break;
                case OPT_FANOUT: fanout_arg = optarg; break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return NF_EXIT_USAGE;
                }
        }
        if (optind >= argc) {
                fprintf(stderr, "nmifence: status needs a HOST (or several, or a list such as node[01-64])\n");
                usage(stderr);
                return NF_EXIT_USAGE;
        }
        if (fanout_arg && !nf_parse_fanout(fanout_arg, &fanout)) {
                fprintf(stderr, "nmifence: --fanout '%s': must be 1..1024\n", fanout_arg);
                return NF_EXIT_USAGE;
        }
        for (int i = optind; i < argc; i++)
                if (nf_hostlist_add(&hl, argv[i], err, sizeof err) < 0) {
                        fprintf(stderr, "nmifence: %s\n", err);
                        goto out;
                }
        if (nf_bmc_options_load_config(&b, &cfg, err, sizeof err) < 0) {
                fprintf(stderr, "nmifence: %s\n", err);
                goto out;
        }
        if (hl.n > 1) {
                r = status_fleet(&b, cfg, &hl, fanout, json);
                goto out;
        }
        const char *host = hl.names[0];

        if (nf_bmc_options_host(&b, cfg, host, &h, &insecure_warning, err, sizeof err) < 0) {
                fprintf(stderr, "nmifence: %s\n", err);
                goto out;
        }
        if (insecure_warning)
                fprintf(stderr, "nmifence: warning: %s\n", err);
        if (nf_bmc_options_password(&b, &h, &password, &src, err, sizeof err) < 0) {
                fprintf(stderr, "nmifence: %s\n", err);
                goto out;
        }

        nf_status_query(&h, password, &st);
        /* --json: stdout is the document alone, for jq and scripts; the
         * lines for people go to stderr.  An unreachable BMC gets its
         * document too (state null, error). */
        nf_status_print(&st, json ? stderr : stdout, stderr);
        r = st.exit_code;
        if (json) {
                nf_json j;
                nf_json_begin(&j, stdout);
                nf_status_json_object(&j, NULL, &st);
                nf_json_end(&j);
        }
out:
        password = nf_password_free(password);
        nf_host_conf_done(&h);
        nf_config_free(cfg);
        nf_hostlist_done(&hl);
        return r;
}
