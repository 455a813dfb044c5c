/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nmifence: the operator CLI.  `nmifence dump HOST` sends one diagnostic
 * NMI through the host's BMC, waits until the target reports its kdump
 * finished (SEL records, docs/protocol.md), then power-cycles or powers
 * off the host and verifies the power state.  `nmifence follow HOST` does
 * the same for a dump someone else started (NMI button, ipmitool, a BMC
 * web UI), without sending anything but the power action.
 */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bmc-options.h"
#include "config.h"
#include "fence-op.h"
#include "fleet-cmd.h"
#include "fleet.h"
#include "hostlist.h"
#include "fence-run.h"
#include "kdump-listener.h"
#include "password.h"
#include "report.h"
#include "daemon-cmd.h"
#include "daemon-config.h"
#include "status-cmd.h"

#include "nmifence-config.h"

#define DEFAULT_CONFIG NF_DEFAULT_CONFIG

static volatile sig_atomic_t interrupted;

static void on_signal(int sig) {
        interrupted = sig;
}

/* TEST ONLY: NMIFENCE_TEST_CRASH_AT=N with NMIFENCE_TEST_HOOKS=crash
 * (nf_fence_op_params.test_crash_at); 0 otherwise. */
static unsigned test_crash_at(void) {
        const char *hooks = getenv("NMIFENCE_TEST_HOOKS"), *at = getenv("NMIFENCE_TEST_CRASH_AT");
        char *end;
        unsigned long n;

        if (!hooks || strcmp(hooks, "crash") || !at)
                return 0;
        errno = 0;
        n = strtoul(at, &end, 10);
        return errno || *end || n > 1000 ? 0 : (unsigned) n;
}

static int run_dump(const nf_host_conf *h, const char *password, bool verbose, bool json, bool follow,
                    unsigned test_extra_nmi, const char *daemon_socket) {
        nf_fence_op_params p = {
                .host = h,
                .release = follow ? NF_RELEASE_POWER : h->release,
                .release_on_kdump = h->release_on_kdump,
                .daemon_socket = daemon_socket,
                .password = password,
                .log = stderr,
                .verbose = verbose,
                .interrupted = &interrupted,
                .follow = follow,
                .test_extra_nmi = test_extra_nmi,
                .test_crash_at = test_crash_at(),
        };
        nf_fence_outcome o;
        int r, code;

        r = nf_fence_op_run(&p, &o);
        if (r < 0 && r != -EINTR)
                return NF_EXIT_FENCE_FAILED;
        if (r == -EINTR)
                fprintf(stderr, "nmifence: %s: interrupted by signal %d in state %s%s\n", h->name, (int) interrupted,
                        nf_fence_state_str(o.fence.state),
                        nf_fence_nmi_may_have_reached(&o.fence) ? "; the NMI was sent and the host may still be dumping" : "");
        else
                nf_report_summary(stderr, &o.report, &o.fence);
        code = r == -EINTR ? NF_EXIT_INTERRUPTED : o.exit_code;
        /* An interrupted run has its document too: how far it got, exit 130. */
        if (json) {
                nf_json j;
                nf_json_begin(&j, stdout);
                nf_report_json_object(&j, NULL, &o.report, &o.fence, code);
                nf_json_end(&j);
        }
        return code;
}

static void usage(FILE *out) {
        fprintf(out,
                "Usage: nmifence dump [OPTIONS] HOSTS...\n"
                "       nmifence fence [OPTIONS] HOSTS... (as each host's policy says: dump-cycle, dump-off, cycle, alert)\n"
                "       nmifence follow [OPTIONS] [--since boot|now] HOST\n"
                "       nmifence status [OPTIONS] HOSTS... (armed/disarmed and power; status --help)\n"
                "       nmifence status|fence --daemon[=SOCKET] ... (through nmifenced; status --daemon --help)\n"
                "       nmifence --version | --help\n"
                "\n"
                "Dump-aware fence: one diagnostic NMI through the BMC, wait for the host's kdump\n"
                "to report completion, then power-cycle (or power off) and verify.\n"
                "follow sends no NMI: it follows a dump someone else started (NMI button,\n"
                "ipmitool chassis power diag, a BMC web UI) from the SEL, then does the same.\n"
                "\n"
                "HOST is a host name from the configuration file, or a label when --bmc is given.\n"
                "HOSTS: names and lists of the configuration: node07 a,b node[01-64] node[1-3,7];\n"
                "several run at once, at most --fanout BMC requests in flight.\n"
                "\n"
                "  -c, --config FILE          configuration (default " DEFAULT_CONFIG ")\n"
                "  -H, --bmc ADDR             BMC address (instead of the configuration entry)\n"
                "  -p, --port N               BMC UDP port (623)\n"
                "  -U, --user NAME            BMC user\n"
                "      --password-file FILE   file holding the password (mode 0600)\n"
                "      --password-script CMD  command printing the password (run through /bin/sh)\n"
                "      --password-env VAR     environment variable holding it (NMIFENCE_PASSWORD)\n"
                "                             (there is no --password: argv is visible to every user)\n"
                "  -C, --cipher N             RMCP+ cipher suite (3; 3, 8, 12, 17 are secure)\n"
                "      --allow-insecure       allow a cipher suite without AES and integrity (warned)\n"
                "  -L, --privilege LEVEL      user, operator or admin (operator: enough for everything)\n"
                "  -W, --workarounds LIST     freeipmi workarounds, e.g. opensesspriv\n"
                "      --session-timeout SEC  bound on one IPMI request (20)\n"
                "      --retransmit-timeout SEC  per packet (1)\n"
                "      --nmi-timeout SEC      wait this long for the panic (60)\n"
                "      --stall-timeout SEC    give up when no dump record comes this long (120)\n"
                "      --max-dump-time SEC    hard cap on the dump (3600)\n"
                "      --power-timeout SEC    wait this long for a power state (60)\n"
                "      --poll-interval SEC    SEL poll period (1)\n"
                "      --off                  power off at the end instead of a power cycle\n"
                "      --no-panic=POLICY      cycle (default) or leave, when no panic is seen\n"
                "      --kdump-listen [ADDR:]PORT  take fence_kdump messages (UDP, fence_kdump uses 7410)\n"
                "                             as evidence of the dump; 0 = off (default)\n"
                "      --kdump-sources LIST   the target's addresses fence_kdump messages may come from\n"
                "      --kdump-silence-timeout SEC  without SEL records, fence_kdump silence this long\n"
                "                             ends the dump wait (0 = off, default)\n"
                "      --release=MODE         power (default): exit once the final power state is verified;\n"
                "                             capture: exit 0 once the capture kernel's record after the NMI\n"
                "                             is read back, nmifenced finishing the dump and the power action\n"
                "                             (one HOST; not follow, not policy cycle)\n"
                "      --release-on-kdump     with capture, fence_kdump messages alone release too\n"
                "      --daemon-socket PATH   nmifenced's control socket (" NF_DAEMON_CONTROL_SOCKET ")\n"
                "      --json                 print a JSON document on stdout (the lines for people go to stderr)\n"
                "      --fanout N             several hosts: at most N BMC requests at once (32)\n"
                "  -v, --verbose              log every IPMI action\n"
                "      --since WINDOW         follow only: which SEL records count; boot (default): the\n"
                "                             current boot's, after the latest armed/disarmed record, so a\n"
                "                             dump begun before follow ran is found; now: later ones only\n"
                "\n"
                "Exit: 0 dump complete and fenced; 1 dump failed/incomplete, fenced; 2 no panic seen;\n"
                "      3 BMC unreachable, authentication or privilege failed (nothing done);\n"
                "      4 bad usage or configuration; 5 power state not verified (host not known fenced).\n"
                "      Several hosts: 0 when every host succeeded, else the first of 130, 5, 3, 1, 2, 4\n"
                "      that any host has.\n");
}

enum {
        OPT_NMI_TIMEOUT = NF_BMC_OPT_COMMAND_BASE,
        OPT_STALL_TIMEOUT,
        OPT_MAX_DUMP,
        OPT_POWER_TIMEOUT,
        OPT_POLL_INTERVAL,
        OPT_OFF,
        OPT_NO_PANIC,
        OPT_JSON,
        OPT_KDUMP_LISTEN,
        OPT_KDUMP_SOURCES,
        OPT_KDUMP_SILENCE,
        OPT_TEST_EXTRA_NMI,
        OPT_SINCE,
        OPT_FANOUT,
        OPT_RELEASE,
        OPT_RELEASE_ON_KDUMP,
        OPT_DAEMON_SOCKET,
};

/*
 * TEST ONLY: --test-extra-nmi=panic,dump sends a 2nd diag NMI right after
 * the fence's one (the first kernel is panicking) and/or a 3rd once a dump
 * record came (the capture kernel is dumping): the lab's proof that a
 * capture kernel with apic_extnmi=none survives them (tests/e2e/
 * nmi-repeated*.sh).  It defeats the one-NMI guarantee on purpose, so it is
 * not in --help, and it is refused unless the environment also says
 * NMIFENCE_TEST_HOOKS=extra-nmi: neither a typo nor a copied command line
 * alone can turn it on.  fence_nmi has no such option.
 */
static int bad_option(const char *opt, const char *val, const char *want) {
        fprintf(stderr, "nmifence: %s '%s': %s\n", opt, val, want);
        return NF_EXIT_USAGE;
}

#define TEST_HOOKS_ENV "NMIFENCE_TEST_HOOKS"

static int parse_test_extra_nmi(const char *v, unsigned *ret) {
        const char *hooks = getenv(TEST_HOOKS_ENV);
        unsigned bits = 0;
        char buf[64], *save = NULL;

        if (!hooks || strcmp(hooks, "extra-nmi") != 0) {
                fprintf(stderr, "nmifence: --test-extra-nmi is a test-only option that sends more than one NMI; "
                                "it needs " TEST_HOOKS_ENV "=extra-nmi in the environment\n");
                return -1;
        }
        if (strlen(v) >= sizeof buf)
                return bad_option("--test-extra-nmi", v, "must be panic, dump or panic,dump"), -1;
        snprintf(buf, sizeof buf, "%s", v);
        for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
                if (!strcmp(w, "panic"))
                        bits |= NF_TEST_EXTRA_NMI_PANIC;
                else if (!strcmp(w, "dump"))
                        bits |= NF_TEST_EXTRA_NMI_DUMP;
                else
                        return bad_option("--test-extra-nmi", v, "must be panic, dump or panic,dump"), -1;
        }
        if (!bits)
                return bad_option("--test-extra-nmi", v, "must be panic, dump or panic,dump"), -1;
        *ret = bits;
        return 0;
}

/* The fence options of dump (and fence), collected while getopt runs. */
typedef struct fence_options {
        const char *test_extra_nmi, *no_panic, *kdump_listen, *kdump_sources, *kdump_silence, *since;
        const char *nmi_timeout, *stall_timeout, *max_dump, *power_timeout, *poll_interval;
        const char *release, *daemon_socket;
        bool off, json, verbose, release_on_kdump;
} fence_options;

/* The fence options over one host entry.  Prints the cause and returns
 * NF_EXIT_USAGE on bad input, 0 when applied. */
static int apply_fence_options(const fence_options *o, nf_host_conf *h) {
        char err[512];
        uint64_t ms;

#define SECONDS_OPT(field, name, target, min, max, cast)                                          \
        if (o->field) {                                                                            \
                if (!nf_parse_seconds_ms(o->field, min, max, &ms))                                 \
                        return bad_option(name, o->field, "must be seconds between " #min "/1000 and " #max "/1000"); \
                target = (cast) ms;                                                                \
        }
        SECONDS_OPT(nmi_timeout, "--nmi-timeout", h->fence.nmi_timeout_ms, 1000, 3600000, uint64_t)
        SECONDS_OPT(stall_timeout, "--stall-timeout", h->fence.stall_timeout_ms, 1000, 86400000, uint64_t)
        SECONDS_OPT(max_dump, "--max-dump-time", h->fence.max_dump_ms, 1000, 604800000, uint64_t)
        SECONDS_OPT(power_timeout, "--power-timeout", h->fence.power_timeout_ms, 1000, 3600000, uint64_t)
        SECONDS_OPT(poll_interval, "--poll-interval", h->fence.poll_interval_ms, 100, 60000, uint64_t)
        SECONDS_OPT(kdump_silence, "--kdump-silence-timeout", h->fence.kdump_silence_ms, 0, 86400000, uint64_t)
#undef SECONDS_OPT
        if (o->off)
                h->fence.final_action = NF_FINAL_OFF;
        if (o->no_panic && !nf_parse_no_panic_policy(o->no_panic, &h->fence.no_panic_policy))
                return bad_option("--no-panic", o->no_panic, "must be cycle or leave");
        if (o->kdump_listen && !nf_parse_kdump_listen(o->kdump_listen, &h->kdump_addr, &h->kdump_port))
                return bad_option("--kdump-listen", o->kdump_listen, "must be PORT or ADDRESS:PORT");
        if (o->kdump_sources) {
                nf_kdump_sources srcs;
                if (nf_kdump_sources_parse(o->kdump_sources, &srcs, err, sizeof err) < 0)
                        return bad_option("--kdump-sources", o->kdump_sources, err);
                free(h->kdump_sources);
                if (!(h->kdump_sources = strdup(o->kdump_sources))) {
                        fprintf(stderr, "nmifence: out of memory\n");
                        return NF_EXIT_USAGE;
                }
        }
        if (h->kdump_port && !h->kdump_sources) {
                fprintf(stderr, "nmifence: --kdump-listen needs --kdump-sources (the target's addresses)\n");
                return NF_EXIT_USAGE;
        }
        if (h->fence.stall_timeout_ms > h->fence.max_dump_ms) {
                fprintf(stderr, "nmifence: the stall timeout must not exceed the maximum dump time\n");
                return NF_EXIT_USAGE;
        }
        if (o->release && !nf_parse_release_mode(o->release, &h->release))
                return bad_option("--release", o->release, "must be power or capture");
        if (o->release_on_kdump)
                h->release_on_kdump = true;
        h->fence.follow_window = NF_SEL_FROM_BOOT;
        if (o->since) {
                if (!strcmp(o->since, "boot"))
                        h->fence.follow_window = NF_SEL_FROM_BOOT;
                else if (!strcmp(o->since, "now"))
                        h->fence.follow_window = NF_SEL_FROM_END;
                else
                        return bad_option("--since", o->since, "must be boot or now");
        }
        return 0;
}

/* fence: what the host's policy asks for.  Returns NULL, or why the host
 * is refused. */
static const char *apply_policy(nf_host_conf *h) {
        switch (nf_host_policy(h)) {
        case NF_POLICY_DUMP_OFF:
                h->fence.final_action = NF_FINAL_OFF;
                return NULL;
        case NF_POLICY_CYCLE:
                h->fence.power_only = true;
                h->fence.final_action = NF_FINAL_CYCLE;
                return NULL;
        case NF_POLICY_ALERT:
                return "policy \"alert\": nmifence fence leaves this host alone (nmifence dump HOST overrides it)";
        default:
                h->fence.final_action = NF_FINAL_CYCLE;
                return NULL;
        }
}

/* Several hosts (or a pattern): expanded against the configuration and
 * run on the fleet engine.  Returns the exit code. */
static int run_fleet(const char *command, const nf_bmc_options *b, const fence_options *o, const nf_config *cfg,
                     const nf_hostlist *hl, unsigned fanout) {
        nf_fleet_cmd_host *hosts = NULL;
        char err[512], *prompted = NULL;
        size_t n = 0;
        int r = NF_EXIT_USAGE;

        if (b->bmc)
                return nf_fleet_cmd_check_hosts(b->bmc, cfg, NULL, 0);
        if (o->test_extra_nmi) {
                fprintf(stderr, "nmifence: --test-extra-nmi takes one HOST\n");
                return NF_EXIT_USAGE;
        }
        /* The release hands one operation to nmifenced and exits: the
         * fleet runs every host to its end (a configured capture is
         * power here). */
        if (o->release && strcmp(o->release, "power")) {
                fprintf(stderr, "nmifence: --release=%s takes one HOST\n", o->release);
                return NF_EXIT_USAGE;
        }
        if (nf_fleet_cmd_check_hosts(NULL, cfg, (const char *const *) hl->names, hl->n) != 0)
                return NF_EXIT_USAGE;
        hosts = calloc(hl->n, sizeof *hosts);
        if (!hosts) {
                fprintf(stderr, "nmifence: out of memory\n");
                return NF_EXIT_USAGE;
        }
        for (n = 0; n < hl->n; n++) {
                nf_fleet_cmd_host *h = &hosts[n];
                nf_password_source src;
                bool warning;

                if (nf_bmc_options_host(b, cfg, hl->names[n], &h->conf, &warning, err, sizeof err) < 0) {
                        fprintf(stderr, "nmifence: %s: %s\n", hl->names[n], err);
                        goto out;
                }
                if (warning)
                        fprintf(stderr, "nmifence: %s: warning: %s\n", hl->names[n], err);
                if (apply_fence_options(o, &h->conf) != 0)
                        goto out;
                if (!strcmp(command, "fence"))
                        h->refused = apply_policy(&h->conf);
                /* One prompt for the whole fleet, not one per host. */
                if (nf_password_resolve(&h->conf, b->password_file, b->password_script, b->password_env, false,
                                        &h->password, &src, err, sizeof err) < 0) {
                        if (!prompted &&
                            nf_bmc_options_password(b, &h->conf, &prompted, &src, err, sizeof err) < 0) {
                                fprintf(stderr, "nmifence: %s: %s\n", hl->names[n], err);
                                goto out;
                        }
                        if (!(h->password = strdup(prompted))) {
                                fprintf(stderr, "nmifence: out of memory\n");
                                goto out;
                        }
                }
        }

        struct sigaction sa = { .sa_handler = on_signal };
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);

        nf_fleet_cmd c = {
                .command = command,
                .hosts = hosts,
                .n_hosts = n,
                .fanout = fanout,
                .json = o->json,
                .verbose = o->verbose,
                .interrupted = &interrupted,
        };
        r = nf_fleet_cmd_fence(&c);
out:
        for (size_t i = 0; i < hl->n; i++) {
                nf_host_conf_done(&hosts[i].conf);
                nf_password_free(hosts[i].password);
        }
        free(hosts);
        nf_password_free(prompted);
        return r;
}

/* `dump` (always the NMI and the configured final action), `fence` (the
 * host's policy) or `follow` (one host, no NMI: --since, no test hook). */
static int cmd_fence(const char *cmd, int argc, char **argv) {
        bool follow = !strcmp(cmd, "follow");
        static const struct option opts[] = {
                NF_BMC_LONG_OPTIONS,
                { "nmi-timeout", required_argument, NULL, OPT_NMI_TIMEOUT },
                { "stall-timeout", required_argument, NULL, OPT_STALL_TIMEOUT },
                { "max-dump-time", required_argument, NULL, OPT_MAX_DUMP },
                { "power-timeout", required_argument, NULL, OPT_POWER_TIMEOUT },
                { "poll-interval", required_argument, NULL, OPT_POLL_INTERVAL },
                { "off", no_argument, NULL, OPT_OFF },
                { "no-panic", required_argument, NULL, OPT_NO_PANIC },
                { "json", no_argument, NULL, OPT_JSON },
                { "kdump-listen", required_argument, NULL, OPT_KDUMP_LISTEN },
                { "kdump-sources", required_argument, NULL, OPT_KDUMP_SOURCES },
                { "kdump-silence-timeout", required_argument, NULL, OPT_KDUMP_SILENCE },
                { "test-extra-nmi", required_argument, NULL, OPT_TEST_EXTRA_NMI },
                { "since", required_argument, NULL, OPT_SINCE },
                { "fanout", required_argument, NULL, OPT_FANOUT },
                { "release", required_argument, NULL, OPT_RELEASE },
                { "release-on-kdump", no_argument, NULL, OPT_RELEASE_ON_KDUMP },
                { "daemon-socket", required_argument, NULL, OPT_DAEMON_SOCKET },
                { "verbose", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        nf_bmc_options b = {};
        fence_options o = {};
        bool insecure_warning;
        nf_config *cfg = NULL;
        nf_host_conf h = {};
        char err[512];
        char *password = NULL;
        nf_password_source pw_source = NF_PW_NONE;
        int c, r = NF_EXIT_USAGE;
        unsigned test_extra_nmi = 0, fanout = NF_FLEET_FANOUT_DEFAULT;
        const char *fanout_arg = NULL;
        nf_hostlist hl = {};

        optind = 1;
        while ((c = getopt_long(argc, argv, NF_BMC_SHORT_OPTIONS "vh", opts, NULL)) >= 0) {
                if (nf_bmc_options_take(&b, c, optarg))
                        continue;
                switch (c) {
                case OPT_NMI_TIMEOUT: o.nmi_timeout = optarg; break;
                case OPT_STALL_TIMEOUT: o.stall_timeout = optarg; break;
                case OPT_MAX_DUMP: o.max_dump = optarg; break;
                case OPT_POWER_TIMEOUT: o.power_timeout = optarg; break;
                case OPT_POLL_INTERVAL: o.poll_interval = optarg; break;
                case OPT_OFF: o.off = true; break;
                case OPT_NO_PANIC: o.no_panic = optarg; break;
                case OPT_JSON: o.json = true; break;
                case OPT_KDUMP_LISTEN: o.kdump_listen = optarg; break;
                case OPT_KDUMP_SOURCES: o.kdump_sources = optarg; break;
                case OPT_KDUMP_SILENCE: o.kdump_silence = optarg; break;
                case OPT_TEST_EXTRA_NMI: o.test_extra_nmi = optarg; break;
                case OPT_SINCE: o.since = optarg; break;
                case OPT_FANOUT: fanout_arg = optarg; break;
                case OPT_RELEASE: o.release = optarg; break;
                case OPT_RELEASE_ON_KDUMP: o.release_on_kdump = true; break;
                case OPT_DAEMON_SOCKET: o.daemon_socket = optarg; break;
                case 'v': o.verbose = true; break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return NF_EXIT_USAGE;
                }
        }
        if (optind >= argc || (follow && optind + 1 != argc)) {
                fprintf(stderr, follow ? "nmifence: follow takes exactly one HOST\n"
                                       : "nmifence: %s needs a HOST (or several, or a list such as node[01-64])\n", cmd);
                usage(stderr);
                return NF_EXIT_USAGE;
        }
        if (fanout_arg && !nf_parse_fanout(fanout_arg, &fanout))
                return bad_option("--fanout", fanout_arg, "must be 1..1024");
        for (int i = optind; i < argc; i++)
                if (nf_hostlist_add(&hl, argv[i], err, sizeof err) < 0) {
                        fprintf(stderr, "nmifence: %s\n", err);
                        nf_hostlist_done(&hl);
                        return NF_EXIT_USAGE;
                }
        if (follow && hl.n != 1) {
                fprintf(stderr, "nmifence: follow takes exactly one HOST\n");
                nf_hostlist_done(&hl);
                return NF_EXIT_USAGE;
        }
        if (nf_bmc_options_load_config(&b, &cfg, err, sizeof err) < 0) {
                fprintf(stderr, "nmifence: %s\n", err);
                nf_hostlist_done(&hl);
                return NF_EXIT_USAGE;
        }
        if (hl.n > 1) {
                if (o.since) {
                        fprintf(stderr, "nmifence: --since is for follow only\n");
                        goto out;
                }
                r = run_fleet(cmd, &b, &o, cfg, &hl, fanout);
                goto out;
        }
        const char *host = hl.names[0];

        if (nf_bmc_options_host(&b, cfg, host, &h, &insecure_warning, err, sizeof err) < 0) {
                fprintf(stderr, "nmifence: %s\n", err);
                goto out;
        }
        if (insecure_warning)
                fprintf(stderr, "nmifence: warning: %s\n", err);
        if (follow && o.test_extra_nmi) {
                fprintf(stderr, "nmifence: --test-extra-nmi is for dump only; follow sends no NMI\n");
                goto out;
        }
        if (!follow && o.since) {
                fprintf(stderr, "nmifence: --since is for follow only; dump reads the records after its own NMI\n");
                goto out;
        }
        if ((r = apply_fence_options(&o, &h)) != 0)
                goto out;
        r = NF_EXIT_USAGE;
        if (!strcmp(cmd, "fence")) {
                const char *refused = apply_policy(&h);
                if (refused) {
                        fprintf(stderr, "nmifence: %s: %s\n", h.name, refused);
                        goto out;
                }
        }
        /* A follow sends no NMI, and its window may hold an earlier
         * boot's records: it never releases (a configured capture is
         * power there); asked for on the command line, it is an error. */
        if (follow && o.release && h.release == NF_RELEASE_CAPTURE) {
                fprintf(stderr, "nmifence: --release=capture is not for follow: the release point is a capture "
                                "record after nmifence's own NMI, and follow sends none\n");
                goto out;
        }
        /* dump always sends the NMI, whatever the policy says */
        if (!strcmp(cmd, "fence") && nf_host_release_conflict(&h)) {
                fprintf(stderr, "nmifence: %s: %s%s\n", o.release ? "--release=capture" : h.name,
                        nf_host_release_conflict(&h), o.release ? "" : " (the configuration's release)");
                goto out;
        }
        if (o.test_extra_nmi && parse_test_extra_nmi(o.test_extra_nmi, &test_extra_nmi) < 0)
                goto out;

        if (nf_bmc_options_password(&b, &h, &password, &pw_source, err, sizeof err) < 0) {
                fprintf(stderr, "nmifence: %s\n", err);
                goto out;
        }

        if (o.verbose)
                fprintf(stderr, "nmifence: password from %s\n", nf_password_source_str(pw_source));

        struct sigaction sa = { .sa_handler = on_signal };
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);

        r = run_dump(&h, password, o.verbose, o.json, follow, test_extra_nmi, o.daemon_socket);

out:
        password = nf_password_free(password);
        nf_host_conf_done(&h);
        nf_config_free(cfg);
        nf_hostlist_done(&hl);
        return r;
}

int main(int argc, char **argv) {
        if (argc < 2) {
                usage(stderr);
                return NF_EXIT_USAGE;
        }
        if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
                usage(stdout);
                return 0;
        }
        if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
                printf("nmifence %s\n", NMIFENCE_VERSION);
                return 0;
        }
        if ((!strcmp(argv[1], "status") || !strcmp(argv[1], "fence")) && nf_daemon_cmd_wanted(argc - 1, argv + 1))
                return nf_daemon_cmd(argv[1], argc - 1, argv + 1);
        if (!strcmp(argv[1], "status"))
                return nf_status_cmd(argc - 1, argv + 1);
        if (!strcmp(argv[1], "dump") || !strcmp(argv[1], "fence") || !strcmp(argv[1], "follow"))
                return cmd_fence(argv[1], argc - 1, argv + 1);

        fprintf(stderr, "nmifence: unknown command '%s'\n", argv[1]);
        usage(stderr);
        return NF_EXIT_USAGE;
}
