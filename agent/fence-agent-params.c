/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon-config.h"
#include "fence-agent-params.h"
#include "kdump-listener.h"
#include "nf-session.h"
#include "password.h"

static const char *const method_options[] = { "onoff", "cycle", NULL };
static const char *const privlvl_options[] = { "user", "operator", "administrator", NULL };
static const char *const no_panic_options[] = { "cycle", "leave", NULL };
static const char *const release_options[] = { "power", "capture", NULL };

/* Names, short options and defaults follow fence_ipmilan (fencing.py) where
 * the meaning is the same; the numeric defaults are nf_host_conf_defaults'. */
const nf_fa_param_desc nf_fa_params[_NF_FA_KEY_MAX] = {
        [NF_FA_ACTION] = { "action", NULL, 'o', "action", "action", NF_FA_T_STRING, "reboot", NULL, true,
                           "Fencing action" },
        [NF_FA_IP] = { "ip", "ipaddr", 'a', "ip", "ip", NF_FA_T_STRING, "", NULL, false,
                       "IP address or hostname of the BMC (or from the configuration's host entry)" },
        [NF_FA_IPPORT] = { "ipport", NULL, 'u', "ipport", "port", NF_FA_T_INTEGER, "623", NULL, false,
                           "UDP port of the BMC" },
        [NF_FA_USERNAME] = { "username", "login", 'l', "username", "name", NF_FA_T_STRING, "", NULL, false,
                             "Login name on the BMC" },
        [NF_FA_PASSWORD] = { "password", "passwd", 'p', "password", "password", NF_FA_T_STRING, "", NULL, false,
                             "Login password (on stdin; argv exposes it to other users)" },
        [NF_FA_PASSWORD_SCRIPT] = { "password_script", "passwd_script", 'S', "password-script", "script",
                                    NF_FA_T_STRING, "", NULL, false,
                                    "Script to run to retrieve the password (first line of its output)" },
        [NF_FA_LANPLUS] = { "lanplus", NULL, 'P', "lanplus", NULL, NF_FA_T_BOOLEAN, "1", NULL, false,
                            "Use IPMI 2.0 lanplus (always on: fence_nmi speaks only RMCP+; 0 is refused)" },
        [NF_FA_CIPHER] = { "cipher", NULL, 'C', "cipher", "cipher", NF_FA_T_INTEGER, "3", NULL, false,
                           "RMCP+ cipher suite id (0-17; only 3, 8, 12, 17 without allow_insecure)" },
        [NF_FA_ALLOW_INSECURE] = { "allow_insecure", NULL, 0, "allow-insecure", NULL, NF_FA_T_BOOLEAN, "0", NULL,
                                   false,
                                   "Allow a cipher suite without integrity or AES confidentiality (warned)" },
        [NF_FA_PRIVLVL] = { "privlvl", NULL, 'L', "privlvl", "level", NF_FA_T_SELECT, "operator",
                            privlvl_options, false, "Privilege level on the BMC" },
        [NF_FA_IPMI_WORKAROUNDS] = { "ipmi_workarounds", NULL, 'W', "ipmi-workarounds", "list", NF_FA_T_STRING, "",
                                     NULL, false,
                                     "freeipmi workarounds (ipmi-chassis -W), e.g. opensesspriv" },
        [NF_FA_PLUG] = { "plug", "port", 'n', "plug", "name", NF_FA_T_STRING, "", NULL, false,
                         "Name of the host behind this BMC (its node name)" },
        [NF_FA_NODENAME] = { "nodename", NULL, 0, "nodename", "name", NF_FA_T_STRING, "", NULL, false,
                             "Node being fenced (set by Pacemaker)" },
        [NF_FA_METHOD] = { "method", NULL, 'm', "method", "method", NF_FA_T_SELECT, "onoff", method_options, false,
                           "Method to fence; both verify off before on (see fence_nmi(8))" },
        [NF_FA_POWER_TIMEOUT] = { "power_timeout", NULL, 0, "power-timeout", "seconds", NF_FA_T_SECOND, "60", NULL,
                                  false, "Test X seconds for status change after ON/OFF" },
        [NF_FA_POWER_WAIT] = { "power_wait", NULL, 0, "power-wait", "seconds", NF_FA_T_SECOND, "0", NULL, false,
                               "Wait X seconds after issuing ON before checking the power state" },
        [NF_FA_SESSION_TIMEOUT] = { "session_timeout", NULL, 0, "session-timeout", "seconds", NF_FA_T_SECOND, "20",
                                    NULL, false, "Bound on one IPMI request, including retransmits" },
        [NF_FA_RETRANSMIT_TIMEOUT] = { "retransmit_timeout", NULL, 0, "retransmit-timeout", "seconds",
                                       NF_FA_T_SECOND, "1", NULL, false, "IPMI retransmit interval per packet" },
        [NF_FA_NMI_TIMEOUT] = { "nmi_timeout", NULL, 0, "nmi-timeout", "seconds", NF_FA_T_SECOND, "60", NULL, false,
                                "Wait X seconds after the NMI for the dump to start" },
        [NF_FA_DUMP_STALL_TIMEOUT] = { "dump_stall_timeout", NULL, 0, "dump-stall-timeout", "seconds",
                                       NF_FA_T_SECOND, "120", NULL, false,
                                       "Give up on the dump when no progress record comes for X seconds" },
        [NF_FA_DUMP_MAX_TIME] = { "dump_max_time", NULL, 0, "dump-max-time", "seconds", NF_FA_T_SECOND, "3600",
                                  NULL, false, "Hard cap on the dump, from its start" },
        [NF_FA_POLL_INTERVAL] = { "poll_interval", NULL, 0, "poll-interval", "seconds", NF_FA_T_SECOND, "1", NULL,
                                  false, "SEL poll period while waiting for the dump" },
        [NF_FA_NO_PANIC_POLICY] = { "no_panic_policy", NULL, 0, "no-panic-policy", "policy", NF_FA_T_SELECT, "cycle",
                                    no_panic_options, false,
                                    "When no panic is seen: fence anyway (cycle) or leave the host (fence fails)" },
        /* A string: "[ADDRESS:]PORT" like nmifence --kdump-listen.  The
         * default applies only with kdump_sources: listening without them
         * would take anyone's datagram as dump evidence. */
        [NF_FA_KDUMP_LISTEN] = { "kdump_listen", NULL, 0, "kdump-listen", "[addr:]port", NF_FA_T_STRING, "7410",
                                 NULL, false,
                                 "[ADDRESS:]PORT (UDP) for fence_kdump messages as dump evidence; used when "
                                 "kdump_sources is set; 0 off" },
        [NF_FA_KDUMP_SOURCES] = { "kdump_sources", NULL, 0, "kdump-sources", "addresses", NF_FA_T_STRING, "", NULL,
                                  false,
                                  "Comma separated IP addresses of the node that fence_kdump messages may come "
                                  "from (turns listening on)" },
        [NF_FA_KDUMP_SILENCE_TIMEOUT] = { "kdump_silence_timeout", NULL, 0, "kdump-silence-timeout", "seconds",
                                          NF_FA_T_SECOND, "60", NULL, false,
                                          "Without SEL records, fence_kdump messages stopping this long ends the "
                                          "dump wait (0 off)" },
        [NF_FA_RELEASE] = { "release", NULL, 0, "release", "mode", NF_FA_T_SELECT, "power", release_options, false,
                            "When off/reboot succeed: power (once the final power state is verified) or capture "
                            "(once the capture kernel's record after the NMI is read back; nmifenced finishes the "
                            "dump and the power action)" },
        [NF_FA_RELEASE_ON_KDUMP] = { "release_on_kdump", NULL, 0, "release-on-kdump", NULL, NF_FA_T_BOOLEAN, "0",
                                     NULL, false,
                                     "With release=capture, fence_kdump messages alone (unauthenticated UDP) may "
                                     "release too" },
        [NF_FA_DAEMON_SOCKET] = { "daemon_socket", NULL, 0, "daemon-socket", "path", NF_FA_T_STRING,
                                  NF_DAEMON_CONTROL_SOCKET, NULL, false,
                                  "nmifenced's control socket, which takes over at the release point" },
        [NF_FA_CONFIG] = { "config", NULL, 0, "config", "file", NF_FA_T_STRING, "", NULL, false,
                           "nmifence.conf to take defaults (and a host entry named like plug) from" },
        [NF_FA_VERBOSE] = { "verbose", NULL, 'v', "verbose", NULL, NF_FA_T_BOOLEAN, "0", NULL, false,
                            "Verbose mode" },
        [NF_FA_DEBUG_FILE] = { "debug_file", "debug", 'D', "debug-file", "file", NF_FA_T_STRING, "", NULL, false,
                               "Write progress and debug information to given file" },
};

/* Recommended timeouts are for the defaults; docs/pacemaker.md derives
 * them for other settings.  off/reboot: nmi_timeout + dump_max_time +
 * 2 * power_timeout + 2 * session_timeout, rounded up. */
const nf_fa_action_desc nf_fa_actions[_NF_FA_ACT_MAX] = {
        [NF_FA_ACT_ON] = { "on", "0", "100s" },
        [NF_FA_ACT_OFF] = { "off", NULL, "3900s" },
        [NF_FA_ACT_REBOOT] = { "reboot", NULL, "3900s" },
        [NF_FA_ACT_STATUS] = { "status", NULL, "45s" },
        [NF_FA_ACT_MONITOR] = { "monitor", NULL, "45s" },
        [NF_FA_ACT_LIST] = { "list", NULL, "5s" },
        [NF_FA_ACT_METADATA] = { "metadata", NULL, "5s" },
        [NF_FA_ACT_VALIDATE_ALL] = { "validate-all", NULL, "5s" },
        [NF_FA_ACT_DIAG] = { "diag", NULL, "45s" },
};

bool nf_fa_parse_action(const char *s, nf_fa_action *ret) {
        if (!s)
                return false;
        /* fence-agents' old names */
        if (!strcmp(s, "enable"))
                s = "on";
        else if (!strcmp(s, "disable"))
                s = "off";
        for (int i = 0; i < _NF_FA_ACT_MAX; i++)
                if (!strcmp(s, nf_fa_actions[i].name)) {
                        *ret = (nf_fa_action) i;
                        return true;
                }
        return false;
}

static void wipe_free(char *s) {
        if (!s)
                return;
        explicit_bzero(s, strlen(s));
        free(s);
}

void nf_fa_raw_done(nf_fa_raw *raw) {
        if (!raw)
                return;
        for (int i = 0; i < _NF_FA_KEY_MAX; i++) {
                if (i == NF_FA_PASSWORD)
                        wipe_free(raw->value[i]);
                else
                        free(raw->value[i]);
                raw->value[i] = NULL;
        }
}

static int raw_set(nf_fa_raw *raw, nf_fa_key k, const char *value, const char *where) {
        char *v = strdup(value);

        if (!v)
                return -ENOMEM;
        if (k == NF_FA_PASSWORD)
                wipe_free(raw->value[k]);
        else
                free(raw->value[k]);
        raw->value[k] = v;
        snprintf(raw->where[k], sizeof raw->where[k], "%s", where);
        return 0;
}

static int key_lookup(const char *name) {
        for (int i = 0; i < _NF_FA_KEY_MAX; i++)
                if (!strcmp(name, nf_fa_params[i].name) ||
                    (nf_fa_params[i].obsoletes && !strcmp(name, nf_fa_params[i].obsoletes)))
                        return i;
        /* "option" is the API's old name for action (fencing.py accepts it). */
        if (!strcmp(name, "option"))
                return NF_FA_ACTION;
        return -1;
}

static char *trim(char *s) {
        char *e;

        while (*s == ' ' || *s == '\t')
                s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
                *--e = '\0';
        return s;
}

int nf_fa_raw_parse_stdin(nf_fa_raw *raw, FILE *in, FILE *warn) {
        char *line = NULL;
        size_t cap = 0;
        unsigned lineno = 0;
        int r = 0;

        while (getline(&line, &cap, in) >= 0) {
                char *s = trim(line), *eq, where[32];
                int k;

                lineno++;
                if (!*s || *s == '#')
                        continue;
                eq = strchr(s, '=');
                if (!eq) {
                        fprintf(warn, "fence_nmi: stdin line %u: ignoring '%s': not key=value\n", lineno, s);
                        continue;
                }
                *eq = '\0';
                s = trim(s);
                k = key_lookup(s);
                if (k < 0) {
                        /* Pacemaker may pass keys other agents know; never fatal. */
                        fprintf(warn, "fence_nmi: stdin line %u: ignoring unknown parameter '%s'\n", lineno, s);
                        continue;
                }
                snprintf(where, sizeof where, "stdin line %u", lineno);
                if (nf_fa_params[k].type == NF_FA_T_BOOLEAN && k == NF_FA_VERBOSE)
                        raw->verbose_count = 1;
                if ((r = raw_set(raw, (nf_fa_key) k, eq + 1, where)) < 0)
                        break;
        }
        if (line) {
                explicit_bzero(line, cap);
                free(line);
        }
        return r;
}

enum { OPT_PORT_ALIAS = 0x1000, OPT_HELP, OPT_VERSION, OPT_BASE = 0x2000 };

int nf_fa_raw_parse_argv(nf_fa_raw *raw, int argc, char **argv, FILE *warn, char *err, size_t errlen) {
        struct option opts[_NF_FA_KEY_MAX + 4];
        char shortopts[3 * _NF_FA_KEY_MAX + 8], *sp = shortopts;
        size_t n = 0;
        int c, r;

        *sp++ = ':';            /* report a missing argument as ':' */
        for (int i = 0; i < _NF_FA_KEY_MAX; i++) {
                const nf_fa_param_desc *d = &nf_fa_params[i];
                opts[n++] = (struct option) { d->long_opt, d->arg_name ? required_argument : no_argument, NULL,
                                              OPT_BASE + i };
                if (d->short_opt) {
                        *sp++ = d->short_opt;
                        if (d->arg_name)
                                *sp++ = ':';
                }
        }
        opts[n++] = (struct option) { "port", required_argument, NULL, OPT_PORT_ALIAS };
        opts[n++] = (struct option) { "help", no_argument, NULL, OPT_HELP };
        opts[n++] = (struct option) { "version", no_argument, NULL, OPT_VERSION };
        opts[n] = (struct option) {};
        *sp++ = 'h';
        *sp++ = 'V';
        *sp = '\0';

        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) >= 0) {
                int k = -1;
                char where[32];

                if (c == 'h' || c == OPT_HELP) {
                        raw->help = true;
                        continue;
                }
                if (c == 'V' || c == OPT_VERSION) {
                        raw->version = true;
                        continue;
                }
                if (c == OPT_PORT_ALIAS)
                        k = NF_FA_PLUG;
                else if (c >= OPT_BASE && c < OPT_BASE + _NF_FA_KEY_MAX)
                        k = c - OPT_BASE;
                else
                        for (int i = 0; i < _NF_FA_KEY_MAX; i++)
                                if (nf_fa_params[i].short_opt && nf_fa_params[i].short_opt == c)
                                        k = i;
                if (k < 0) {
                        const char *bad = argv[optind - 1];
                        if (c == ':')
                                snprintf(err, errlen, "option '%s' needs a value", bad);
                        else if (optopt && optopt < 0x100)
                                snprintf(err, errlen, "unknown option '-%c'", optopt);
                        else
                                snprintf(err, errlen, "unknown option '%s'", bad);
                        return -EINVAL;
                }
                snprintf(where, sizeof where, "--%s", nf_fa_params[k].long_opt);
                if (k == NF_FA_PASSWORD)
                        fprintf(warn, "fence_nmi: warning: --password on the command line is visible to every "
                                      "user in the process list; pass password on stdin or use --password-script\n");
                if (k == NF_FA_VERBOSE)
                        raw->verbose_count++;
                if ((r = raw_set(raw, (nf_fa_key) k, nf_fa_params[k].arg_name ? optarg : "1", where)) < 0)
                        return r;
                /* Overwrite it where the kernel shows argv (/proc/PID/cmdline,
                 * ps), as mysqld does: optarg points into the argv strings
                 * ("-p SECRET", "-pSECRET", "--password=SECRET"). */
                if (k == NF_FA_PASSWORD)
                        memset(optarg, 'x', strlen(optarg));
        }
        if (optind < argc) {
                snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
                return -EINVAL;
        }
        return 0;
}

/* ---- building the checked configuration ---- */

static int bad(char *err, size_t errlen, const nf_fa_raw *raw, nf_fa_key k, const char *want) {
        snprintf(err, errlen, "%s=%s (%s): %s", nf_fa_params[k].name, k == NF_FA_PASSWORD ? "***" : raw->value[k],
                 raw->where[k], want);
        return -EINVAL;
}

static bool parse_bool(const char *s, bool *ret) {
        if (!strcasecmp(s, "1") || !strcasecmp(s, "yes") || !strcasecmp(s, "on") || !strcasecmp(s, "true") ||
            !strcmp(s, "")) {
                /* fencing.py treats a bare key as set */
                *ret = true;
                return true;
        }
        if (!strcasecmp(s, "0") || !strcasecmp(s, "no") || !strcasecmp(s, "off") || !strcasecmp(s, "false")) {
                *ret = false;
                return true;
        }
        return false;
}

static bool parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *ret) {
        char *end;
        unsigned long v;

        if (!*s || *s == '-' || *s == '+')
                return false;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || *end || v < min || v > max)
                return false;
        *ret = v;
        return true;
}

static int replace_str(char **dst, const char *src) {
        char *v = strdup(src);

        if (!v)
                return -ENOMEM;
        free(*dst);
        *dst = v;
        return 0;
}

void nf_fa_conf_done(nf_fa_conf *c) {
        if (!c)
                return;
        nf_host_conf_done(&c->host);
        c->password = nf_password_free(c->password);
        free(c->plug);
        free(c->nodename);
        free(c->debug_file);
        free(c->kdump_sources);
        free(c->kdump_addr);
        free(c->daemon_socket);
        c->plug = c->nodename = c->debug_file = c->kdump_sources = c->kdump_addr = c->daemon_socket = NULL;
}

/* fence_kdump evidence.  Each setting comes from its parameter, else from
 * the configuration's host entry.  The port then defaults to fence_kdump's
 * 7410 exactly when there are sources to filter on: the demanding user
 * sets kdump_sources and gets evidence, while a device without them never
 * opens a port that would take anyone's datagram as a dump in progress.
 * An explicit port without sources is refused, as nmifence refuses
 * --kdump-listen without --kdump-sources. */
static int build_kdump(const nf_fa_raw *raw, nf_fa_conf *c, FILE *warn, char *err, size_t errlen) {
        char *const *v = raw->value;
        const char *sources = c->host.kdump_sources;
        bool port_given = false;

        if (v[NF_FA_KDUMP_SOURCES] && *v[NF_FA_KDUMP_SOURCES]) {
                nf_kdump_sources parsed;
                char why[200];
                if (nf_kdump_sources_parse(v[NF_FA_KDUMP_SOURCES], &parsed, why, sizeof why) < 0)
                        return bad(err, errlen, raw, NF_FA_KDUMP_SOURCES, why);
                sources = v[NF_FA_KDUMP_SOURCES];
        }
        if (sources && *sources && !(c->kdump_sources = strdup(sources)))
                goto oom;

        if (v[NF_FA_KDUMP_LISTEN] && *v[NF_FA_KDUMP_LISTEN]) {
                if (!nf_parse_kdump_listen(v[NF_FA_KDUMP_LISTEN], &c->kdump_addr, &c->kdump_port))
                        return bad(err, errlen, raw, NF_FA_KDUMP_LISTEN,
                                   "must be a UDP port (0 off, 1-65535) or ADDRESS:PORT");
                port_given = true;
        } else if (c->host.kdump_port) {
                c->kdump_port = c->host.kdump_port;
                if (c->host.kdump_addr && !(c->kdump_addr = strdup(c->host.kdump_addr)))
                        goto oom;
        } else if (c->kdump_sources)
                c->kdump_port = NF_FA_KDUMP_PORT_DEFAULT;

        if (c->kdump_port && !c->kdump_sources) {
                if (port_given)
                        return bad(err, errlen, raw, NF_FA_KDUMP_LISTEN,
                                   "needs kdump_sources (the node's addresses): without them any sender's "
                                   "datagram would count as a dump in progress");
                /* only a configuration without sources, which config.c refuses */
                c->kdump_port = 0;
        }
        if (!c->kdump_port && c->kdump_sources && port_given)
                fprintf(warn, "fence_nmi: kdump_listen=0: fence_kdump messages from %s are not listened for\n",
                        c->kdump_sources);
        return 0;
oom:
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
}

/* The release point: release and release_on_kdump over the configuration's
 * host entry; capture needs the NMI (config.c refuses it with a power-only
 * policy at FILE:LINE). */
static int build_release(const nf_fa_raw *raw, nf_fa_conf *c, char *err, size_t errlen) {
        char *const *v = raw->value;
        const char *conflict;

        if (v[NF_FA_RELEASE] && !nf_parse_release_mode(v[NF_FA_RELEASE], &c->host.release))
                return bad(err, errlen, raw, NF_FA_RELEASE, "must be power or capture");
        if (v[NF_FA_RELEASE_ON_KDUMP] && !parse_bool(v[NF_FA_RELEASE_ON_KDUMP], &c->host.release_on_kdump))
                return bad(err, errlen, raw, NF_FA_RELEASE_ON_KDUMP, "must be 1 or 0");
        if ((conflict = nf_host_release_conflict(&c->host)) && v[NF_FA_RELEASE])
                return bad(err, errlen, raw, NF_FA_RELEASE, conflict);
        if (v[NF_FA_DAEMON_SOCKET] && !*v[NF_FA_DAEMON_SOCKET])
                return bad(err, errlen, raw, NF_FA_DAEMON_SOCKET, "must be a path (empty given)");
        if (!(c->daemon_socket = strdup(v[NF_FA_DAEMON_SOCKET] ? v[NF_FA_DAEMON_SOCKET] : NF_DAEMON_CONTROL_SOCKET))) {
                snprintf(err, errlen, "out of memory");
                return -ENOMEM;
        }
        return 0;
}

typedef struct seconds_key {
        nf_fa_key key;
        uint64_t min_ms, max_ms;
} seconds_key;

int nf_fa_conf_build(const nf_fa_raw *raw, nf_fa_conf *ret, FILE *warn, char *err, size_t errlen) {
        char *const *v = raw->value;
        nf_fa_conf c = { .action = NF_FA_ACT_REBOOT };
        nf_config *cfg = NULL;
        const nf_host_conf *base = NULL;
        unsigned long n;
        uint64_t ms;
        int r;

        if (v[NF_FA_ACTION] && !nf_fa_parse_action(v[NF_FA_ACTION], &c.action)) {
                r = bad(err, errlen, raw, NF_FA_ACTION, "unknown action (on, off, reboot, status, monitor, list, "
                                                        "metadata, validate-all, diag)");
                goto fail;
        }
        if (v[NF_FA_PLUG] && *v[NF_FA_PLUG] && !(c.plug = strdup(v[NF_FA_PLUG])))
                goto oom;
        if (v[NF_FA_NODENAME] && *v[NF_FA_NODENAME] && !(c.nodename = strdup(v[NF_FA_NODENAME])))
                goto oom;

        /* Defaults: built in, then the configuration file's, then its host
         * entry for this node; the parameters given override all of them. */
        if (v[NF_FA_CONFIG] && *v[NF_FA_CONFIG]) {
                char cerr[400];
                if ((r = nf_config_load(v[NF_FA_CONFIG], &cfg, cerr, sizeof cerr)) < 0) {
                        snprintf(err, errlen, "config=%s (%s): %s", v[NF_FA_CONFIG], raw->where[NF_FA_CONFIG], cerr);
                        goto fail;
                }
                if (c.plug)
                        base = nf_config_find_host(cfg, c.plug);
                if (!base && c.nodename)
                        base = nf_config_find_host(cfg, c.nodename);
                if (!base)
                        base = &cfg->defaults;
                if (nf_host_conf_copy(base, &c.host) < 0)
                        goto oom;
        } else
                nf_host_conf_defaults(&c.host);

        if (v[NF_FA_IP] && *v[NF_FA_IP] && replace_str(&c.host.bmc, v[NF_FA_IP]) < 0)
                goto oom;
        free(c.host.name);
        c.host.name = strdup(c.plug ? c.plug : c.nodename ? c.nodename : c.host.bmc ? c.host.bmc : "host");
        if (!c.host.name)
                goto oom;

        if (v[NF_FA_IPPORT]) {
                if (!parse_uint(v[NF_FA_IPPORT], 1, 65535, &n)) {
                        r = bad(err, errlen, raw, NF_FA_IPPORT, "must be a UDP port, 1-65535");
                        goto fail;
                }
                c.host.port = (uint16_t) n;
        }
        if (v[NF_FA_USERNAME] && replace_str(&c.host.user, v[NF_FA_USERNAME]) < 0)
                goto oom;
        if (v[NF_FA_LANPLUS]) {
                bool lanplus;
                if (!parse_bool(v[NF_FA_LANPLUS], &lanplus)) {
                        r = bad(err, errlen, raw, NF_FA_LANPLUS, "must be 1 or 0");
                        goto fail;
                }
                /* IPMI 1.5 has no integrity worth the name (MD5 or a
                 * cleartext password per packet); fence_nmi never speaks it. */
                if (!lanplus) {
                        bool allow = false;
                        if (v[NF_FA_ALLOW_INSECURE])
                                (void) parse_bool(v[NF_FA_ALLOW_INSECURE], &allow);
                        r = bad(err, errlen, raw, NF_FA_LANPLUS,
                                allow ? "IPMI 1.5 (lanplus=0) is not supported, even with "
                                                          "allow_insecure: fence_nmi speaks only IPMI 2.0 RMCP+"
                                                        : "IPMI 1.5 (lanplus=0) is insecure and refused: fence_nmi "
                                                          "speaks only IPMI 2.0 RMCP+");
                        goto fail;
                }
        }
        if (v[NF_FA_CIPHER]) {
                if (!parse_uint(v[NF_FA_CIPHER], 0, 17, &n)) {
                        r = bad(err, errlen, raw, NF_FA_CIPHER, "must be a cipher suite id, 0-17");
                        goto fail;
                }
                c.host.cipher_suite = (uint8_t) n;
                free(c.host.cipher_origin);
                if (asprintf(&c.host.cipher_origin, "cipher parameter (%s)", raw->where[NF_FA_CIPHER]) < 0) {
                        c.host.cipher_origin = NULL;
                        goto oom;
                }
        }
        if (v[NF_FA_ALLOW_INSECURE]) {
                bool allow;
                if (!parse_bool(v[NF_FA_ALLOW_INSECURE], &allow)) {
                        r = bad(err, errlen, raw, NF_FA_ALLOW_INSECURE, "must be 1 or 0");
                        goto fail;
                }
                c.host.allow_insecure = allow;
        }
        {
                bool warn_insecure;
                char why[400];
                if (nf_host_conf_check_security(&c.host, "allow_insecure=1", why, sizeof why, &warn_insecure) < 0) {
                        snprintf(err, errlen, "%s", why);
                        r = -EPERM;
                        goto fail;
                }
                if (warn_insecure)
                        fprintf(warn, "fence_nmi: warning: %s\n", why);
        }
        if (v[NF_FA_PRIVLVL] && !nf_parse_privilege(v[NF_FA_PRIVLVL], &c.host.privilege)) {
                r = bad(err, errlen, raw, NF_FA_PRIVLVL, "must be user, operator or administrator");
                goto fail;
        }
        if (v[NF_FA_IPMI_WORKAROUNDS]) {
                const char *b = NULL;
                size_t blen = 0;
                if (nf_workarounds_parse(v[NF_FA_IPMI_WORKAROUNDS], &c.host.workaround_flags, &b, &blen) != NF_OK) {
                        char want[96];
                        snprintf(want, sizeof want, "unknown workaround '%.*s'", (int) blen, b ? b : "");
                        r = bad(err, errlen, raw, NF_FA_IPMI_WORKAROUNDS, want);
                        goto fail;
                }
        }
        if (v[NF_FA_METHOD]) {
                if (!strcmp(v[NF_FA_METHOD], "cycle"))
                        c.method_cycle = true;
                else if (strcmp(v[NF_FA_METHOD], "onoff")) {
                        r = bad(err, errlen, raw, NF_FA_METHOD, "must be onoff or cycle");
                        goto fail;
                }
        }

        /* Same ranges as the configuration file (agent/config.c). */
        static const seconds_key seconds[] = {
                { NF_FA_POWER_TIMEOUT, 1000, 3600000 },
                { NF_FA_POWER_WAIT, 0, 600000 },
                { NF_FA_SESSION_TIMEOUT, 500, 600000 },
                { NF_FA_RETRANSMIT_TIMEOUT, 100, 60000 },
                { NF_FA_NMI_TIMEOUT, 1000, 3600000 },
                { NF_FA_DUMP_STALL_TIMEOUT, 1000, 86400000 },
                { NF_FA_DUMP_MAX_TIME, 1000, 7 * 86400000ULL },
                { NF_FA_POLL_INTERVAL, 100, 60000 },
                { NF_FA_KDUMP_SILENCE_TIMEOUT, 0, 86400000 },
        };
        /* With a configuration file its kdump_silence_timeout (nmifence's
         * default: off) is the default; without, fence_nmi's 60 s. */
        c.kdump_silence_ms = cfg ? c.host.fence.kdump_silence_ms : NF_FA_KDUMP_SILENCE_MS_DEFAULT;
        for (size_t i = 0; i < sizeof seconds / sizeof seconds[0]; i++) {
                const seconds_key *s = &seconds[i];
                char want[96];

                if (!v[s->key])
                        continue;
                if (!nf_parse_seconds_ms(v[s->key], s->min_ms, s->max_ms, &ms)) {
                        snprintf(want, sizeof want, "must be seconds between %g and %g", (double) s->min_ms / 1000,
                                 (double) s->max_ms / 1000);
                        r = bad(err, errlen, raw, s->key, want);
                        goto fail;
                }
                switch (s->key) {
                case NF_FA_POWER_TIMEOUT: c.host.fence.power_timeout_ms = ms; break;
                case NF_FA_POWER_WAIT: c.power_wait_ms = ms; break;
                case NF_FA_SESSION_TIMEOUT: c.host.session_timeout_ms = (unsigned) ms; break;
                case NF_FA_RETRANSMIT_TIMEOUT: c.host.retransmit_timeout_ms = (unsigned) ms; break;
                case NF_FA_NMI_TIMEOUT: c.host.fence.nmi_timeout_ms = ms; break;
                case NF_FA_DUMP_STALL_TIMEOUT: c.host.fence.stall_timeout_ms = ms; break;
                case NF_FA_DUMP_MAX_TIME: c.host.fence.max_dump_ms = ms; break;
                case NF_FA_POLL_INTERVAL: c.host.fence.poll_interval_ms = ms; break;
                case NF_FA_KDUMP_SILENCE_TIMEOUT: c.kdump_silence_ms = ms; break;
                default: break;
                }
        }
        if (v[NF_FA_NO_PANIC_POLICY] && !nf_parse_no_panic_policy(v[NF_FA_NO_PANIC_POLICY], &c.host.fence.no_panic_policy)) {
                r = bad(err, errlen, raw, NF_FA_NO_PANIC_POLICY, "must be cycle or leave");
                goto fail;
        }
        if ((r = build_kdump(raw, &c, warn, err, errlen)) < 0)
                goto fail;
        if ((r = build_release(raw, &c, err, errlen)) < 0)
                goto fail;
        if (v[NF_FA_VERBOSE] && !parse_bool(v[NF_FA_VERBOSE], &c.verbose)) {
                r = bad(err, errlen, raw, NF_FA_VERBOSE, "must be 1 or 0");
                goto fail;
        }
        if (raw->verbose_count > 0 && !v[NF_FA_VERBOSE])
                c.verbose = true;
        if (v[NF_FA_DEBUG_FILE] && *v[NF_FA_DEBUG_FILE] && !(c.debug_file = strdup(v[NF_FA_DEBUG_FILE])))
                goto oom;

        /* Relations between values. */
        if (c.host.fence.stall_timeout_ms > c.host.fence.max_dump_ms) {
                snprintf(err, errlen, "dump_stall_timeout (%g s) must not exceed dump_max_time (%g s)",
                         (double) c.host.fence.stall_timeout_ms / 1000, (double) c.host.fence.max_dump_ms / 1000);
                r = -EINVAL;
                goto fail;
        }
        if (c.host.retransmit_timeout_ms > c.host.session_timeout_ms) {
                snprintf(err, errlen, "retransmit_timeout (%g s) must not exceed session_timeout (%g s)",
                         (double) c.host.retransmit_timeout_ms / 1000, (double) c.host.session_timeout_ms / 1000);
                r = -EINVAL;
                goto fail;
        }

        /* Only the actions that talk to a BMC need one and a password. */
        if (c.action != NF_FA_ACT_LIST && c.action != NF_FA_ACT_METADATA) {
                if (!c.host.bmc || !*c.host.bmc) {
                        snprintf(err, errlen, "no BMC address: set ip (or ipaddr), or a host entry in config");
                        r = -EINVAL;
                        goto fail;
                }
                if (v[NF_FA_PASSWORD]) {
                        if (!(c.password = strdup(v[NF_FA_PASSWORD])))
                                goto oom;
                        c.password_source = "the password parameter";
                } else if (v[NF_FA_PASSWORD_SCRIPT] && *v[NF_FA_PASSWORD_SCRIPT]) {
                        if ((r = nf_password_run_script(v[NF_FA_PASSWORD_SCRIPT], &c.password, err, errlen)) < 0)
                                goto fail;
                        c.password_source = "password_script";
                } else {
                        nf_password_source src;
                        char perr[300];
                        if ((r = nf_password_resolve(&c.host, NULL, NULL, NULL, false, &c.password, &src, perr,
                                                     sizeof perr)) < 0) {
                                snprintf(err, errlen, "%s%s", r == -ENOKEY ? "no password: set password or "
                                                                             "password_script; " : "",
                                         perr);
                                goto fail;
                        }
                        c.password_source = nf_password_source_str(src);
                }
        }

        nf_config_free(cfg);
        *ret = c;
        return 0;

oom:
        snprintf(err, errlen, "out of memory");
        r = -ENOMEM;
fail:
        nf_config_free(cfg);
        nf_fa_conf_done(&c);
        return r;
}
