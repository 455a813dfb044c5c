/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the libconfig parsing (agent/config.c).  The only I/O is
 * a temporary file holding the configuration text.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

typedef struct tmpconf {
        char path[256];
} tmpconf;

static void write_conf(tmpconf *t, const char *text) {
        const char *dir = getenv("TMPDIR");
        size_t len = strlen(text);
        int fd;

        snprintf(t->path, sizeof t->path, "%s/nf-unit-XXXXXX.conf", dir && *dir ? dir : "/tmp");
        fd = mkstemps(t->path, 5);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, len), (ssize_t) len);
        assert_int_equal(close(fd), 0);
}

static int load(tmpconf *t, const char *text, nf_config **ret, char *err, size_t errlen) {
        int r;

        write_conf(t, text);
        err[0] = '\0';
        r = nf_config_load(t->path, ret, err, errlen);
        unlink(t->path);
        return r;
}

/* The error must be "PATH:LINE: ..." and mention `what`. */
static void expect_error(const char *text, int line, const char *what) {
        char err[512], want[300];
        nf_config *c = NULL;
        tmpconf t;

        assert_int_equal(load(&t, text, &c, err, sizeof err), -EINVAL);
        assert_null(c);
        snprintf(want, sizeof want, "%s:%d: ", t.path, line);
        if (strncmp(err, want, strlen(want)) != 0 || !strstr(err, what))
                print_message("got error: %s\nwant prefix: %s and '%s'\n", err, want, what);
        assert_memory_equal(err, want, strlen(want));
        assert_non_null(strstr(err, what));
}

static const char full_conf[] =
        "# test configuration\n"                                 /* 1 */
        "defaults = {\n"                                         /* 2 */
        "  cipher_suite = 17;\n"                                 /* 3 */
        "  privilege = \"operator\";\n"                          /* 4 */
        "  workarounds = \"opensesspriv, integritycheckvalue\";\n" /* 5 */
        "  session_timeout = 10.5;\n"                            /* 6 */
        "  retransmit_timeout = 1;\n"                            /* 7 */
        "  nmi_timeout = 45;\n"                                  /* 8 */
        "  dump_stall_timeout = 90.0;\n"                         /* 9 */
        "  dump_max_time = 1800;\n"                              /* 10 */
        "  power_timeout = 30.25;\n"                             /* 11 */
        "  poll_interval = 0.5;\n"                               /* 12 */
        "  final_action = \"off\";\n"                            /* 13 */
        "  no_panic_policy = \"leave\";\n"                       /* 14 */
        "  user = \"fence\";\n"                                  /* 15 */
        "};\n"                                                   /* 16 */
        "hosts = (\n"                                            /* 17 */
        "  {\n"                                                  /* 18 */
        "    name = \"node1\";\n"                                /* 19 */
        "    bmc = \"192.0.2.11\";\n"                            /* 20 */
        "    password_file = \"/etc/nmifence/node1.password\";\n" /* 21 */
        "  },\n"                                                 /* 22 */
        "  {\n"                                                  /* 23 */
        "    name = \"node2\";\n"                                /* 24 */
        "    bmc = \"bmc-node2.example\";\n"                     /* 25 */
        "    port = 6230;\n"                                     /* 26 */
        "    user = \"admin\";\n"                                /* 27 */
        "    password = \"s3cret\";\n"                           /* 28 */
        "    privilege = \"ADMINISTRATOR\";\n"                   /* 29 */
        "    workarounds = \"\";\n"                              /* 30 */
        "    dump_stall_timeout = 300;\n"                        /* 31 */
        "    final_action = \"reboot\";\n"                       /* 32 */
        "    no_panic_policy = \"fence\";\n"                     /* 33 */
        "    cipher_suite = 3;\n"                                /* 34 */
        "  }\n"                                                  /* 35 */
        ");\n";                                                  /* 36 */

static void load_full_config(void **state) {
        char err[512];
        nf_config *c = NULL;
        const nf_host_conf *h1, *h2;
        tmpconf t;

        assert_int_equal(load(&t, full_conf, &c, err, sizeof err), 0);
        assert_non_null(c);
        assert_string_equal(c->path, t.path);
        assert_int_equal(c->n_hosts, 2);

        h1 = nf_config_find_host(c, "node1");
        h2 = nf_config_find_host(c, "node2");
        assert_non_null(h1);
        assert_non_null(h2);
        assert_null(nf_config_find_host(c, "node3"));
        assert_null(nf_config_find_host(c, NULL));

        /* node1: everything inherited from defaults */
        assert_string_equal(h1->name, "node1");
        assert_string_equal(h1->bmc, "192.0.2.11");
        assert_int_equal(h1->port, 623);
        assert_string_equal(h1->user, "fence");
        assert_null(h1->password);
        assert_string_equal(h1->password_file, "/etc/nmifence/node1.password");
        assert_int_equal(h1->cipher_suite, 17);
        assert_int_equal(h1->privilege, NF_PRIV_OPERATOR);
        assert_int_not_equal(h1->workaround_flags, 0);
        assert_int_equal(h1->session_timeout_ms, 10500);
        assert_int_equal(h1->retransmit_timeout_ms, 1000);
        assert_int_equal(h1->fence.nmi_timeout_ms, 45000);
        assert_int_equal(h1->fence.stall_timeout_ms, 90000);
        assert_int_equal(h1->fence.max_dump_ms, 1800000);
        assert_int_equal(h1->fence.power_timeout_ms, 30250);
        assert_int_equal(h1->fence.poll_interval_ms, 500);
        assert_int_equal(h1->fence.final_action, NF_FINAL_OFF);
        assert_int_equal(h1->fence.no_panic_policy, NF_NO_PANIC_LEAVE);
        assert_int_equal(h1->line, 18);

        /* node2: overrides */
        assert_string_equal(h2->bmc, "bmc-node2.example");
        assert_int_equal(h2->port, 6230);
        assert_string_equal(h2->user, "admin");
        assert_string_equal(h2->password, "s3cret");
        assert_null(h2->password_file);
        assert_int_equal(h2->privilege, NF_PRIV_ADMIN);
        assert_int_equal(h2->workaround_flags, 0);
        assert_int_equal(h2->cipher_suite, 3);
        assert_int_equal(h2->fence.stall_timeout_ms, 300000);
        assert_int_equal(h2->fence.final_action, NF_FINAL_CYCLE);
        assert_int_equal(h2->fence.no_panic_policy, NF_NO_PANIC_CYCLE);
        /* still inherited */
        assert_int_equal(h2->fence.nmi_timeout_ms, 45000);
        assert_int_equal(h2->session_timeout_ms, 10500);
        assert_int_equal(h2->line, 23);

        /* defaults are kept as parsed */
        assert_int_equal(c->defaults.cipher_suite, 17);
        assert_null(c->defaults.name);

        assert_null(nf_config_free(c));
}

static void load_builtin_defaults(void **state) {
        char err[512];
        nf_config *c = NULL;
        nf_host_conf d;
        tmpconf t;

        nf_host_conf_defaults(&d);
        assert_int_equal(load(&t, "hosts = ( { name = \"a\"; bmc = \"10.0.0.1\"; } );\n", &c, err, sizeof err), 0);
        assert_int_equal(c->n_hosts, 1);
        assert_int_equal(c->hosts[0].port, d.port);
        assert_int_equal(c->hosts[0].port, 623);
        assert_int_equal(c->hosts[0].cipher_suite, 3);
        /* operator is enough (docs/reliability.md); never admin by default */
        assert_int_equal(c->hosts[0].privilege, NF_PRIV_OPERATOR);
        assert_false(c->hosts[0].allow_insecure);
        assert_int_equal(c->hosts[0].session_timeout_ms, 20000);
        assert_int_equal(c->hosts[0].fence.nmi_timeout_ms, 60000);
        assert_int_equal(c->hosts[0].fence.stall_timeout_ms, 120000);
        assert_int_equal(c->hosts[0].fence.max_dump_ms, 3600000);
        assert_int_equal(c->hosts[0].fence.poll_interval_ms, 1000);
        assert_int_equal(c->hosts[0].fence.final_action, NF_FINAL_CYCLE);
        assert_int_equal(c->hosts[0].fence.no_panic_policy, NF_NO_PANIC_CYCLE);
        assert_null(c->hosts[0].user);
        nf_config_free(c);
}

/* Defaults apply to hosts even when the group comes after them. */
static void defaults_after_hosts(void **state) {
        char err[512];
        nf_config *c = NULL;
        tmpconf t;

        assert_int_equal(load(&t,
                              "hosts = ( { name = \"a\"; bmc = \"b\"; } );\n"
                              "defaults = { nmi_timeout = 5; };\n",
                              &c, err, sizeof err),
                         0);
        assert_int_equal(c->hosts[0].fence.nmi_timeout_ms, 5000);
        nf_config_free(c);
}

static void empty_config(void **state) {
        char err[512];
        nf_config *c = NULL;
        tmpconf t;

        assert_int_equal(load(&t, "# nothing\n", &c, err, sizeof err), 0);
        assert_int_equal(c->n_hosts, 0);
        assert_null(nf_config_find_host(c, "x"));
        nf_config_free(c);
}

static void error_unknown_key(void **state) {
        expect_error("defaults = {\n"
                     "  nmi_timeout = 30;\n"
                     "  nmi_timout = 30;\n"
                     "};\n",
                     3, "unknown setting 'nmi_timout'");
        expect_error("hosts = (\n"
                     "  { name = \"a\";\n"
                     "    bmc = \"b\";\n"
                     "    colour = \"blue\"; }\n"
                     ");\n",
                     4, "colour");
        expect_error("\n\nfoo = 1;\n", 3, "unknown top-level setting 'foo'");
}

static void error_out_of_range_timeout(void **state) {
        expect_error("defaults = {\n"
                     "  poll_interval = 1;\n"
                     "  nmi_timeout = 0.5;\n"
                     "};\n",
                     3, "nmi_timeout");
        expect_error("hosts = (\n"
                     "  {\n"
                     "    name = \"a\";\n"
                     "    bmc = \"b\";\n"
                     "    power_timeout = 86400;\n"
                     "  }\n"
                     ");\n",
                     5, "power_timeout must be between");
        expect_error("defaults = {\n  dump_max_time = -1;\n};\n", 2, "dump_max_time");
        expect_error("defaults = {\n  poll_interval = \"fast\";\n};\n", 2, "number of seconds");
        expect_error("defaults = {\n  port = 70000;\n};\n", 2, "port");
        expect_error("defaults = {\n  cipher_suite = 18;\n};\n", 2, "cipher_suite");
}

static void error_bad_privilege(void **state) {
        expect_error("defaults = {\n"
                     "  user = \"x\";\n"
                     "  privilege = \"root\";\n"
                     "};\n",
                     3, "privilege must be user, operator or admin (got 'root')");
}

static void error_bad_workaround(void **state) {
        expect_error("defaults = {\n"
                     "  workarounds = \"opensesspriv,idzero\";\n"
                     "};\n",
                     2, "unknown freeipmi workaround 'idzero'");
}

static void error_duplicate_host(void **state) {
        expect_error("hosts = (\n"                 /* 1 */
                     "  {\n"                       /* 2 */
                     "    name = \"a\";\n"         /* 3 */
                     "    bmc = \"b\";\n"          /* 4 */
                     "  },\n"                      /* 5 */
                     "  {\n"                       /* 6 */
                     "    name = \"a\";\n"         /* 7 */
                     "    bmc = \"c\";\n"          /* 8 */
                     "  }\n"                       /* 9 */
                     ");\n",
                     6, "host 'a' is already defined at line 2");
}

static void error_host_without_bmc(void **state) {
        expect_error("hosts = (\n"
                     "  { name = \"a\"; bmc = \"b\"; },\n"
                     "  {\n"
                     "    name = \"lonely\";\n"
                     "  }\n"
                     ");\n",
                     3, "host 'lonely' has no bmc address");
        expect_error("hosts = (\n"
                     "  { bmc = \"b\"; }\n"
                     ");\n",
                     2, "without a name");
        expect_error("defaults = {\n  bmc = \"b\";\n};\n", 2, "belongs in a host entry");
}

static void error_syntax(void **state) {
        expect_error("defaults = {\n"
                     "  nmi_timeout = 30;\n"
                     "  poll_interval = ;\n"
                     "};\n",
                     3, "syntax error");
        /* a stray closing brace */
        expect_error("defaults = {\n"
                     "  nmi_timeout = 30;\n"
                     "};\n"
                     "};\n",
                     4, "syntax error");
}

static void error_cross_checks(void **state) {
        expect_error("defaults = {\n"
                     "  dump_stall_timeout = 600;\n"
                     "  dump_max_time = 300;\n"
                     "};\n",
                     1, "dump_stall_timeout must not exceed dump_max_time");
}

static void error_missing_file(void **state) {
        char err[512], want[600];
        nf_config *c = NULL;
        const char *path = "/nonexistent-nmifence-dir/nmifence.conf";

        assert_int_equal(nf_config_load(path, &c, err, sizeof err), -ENOENT);
        assert_null(c);
        snprintf(want, sizeof want, "%s: %s", path, strerror(ENOENT));
        assert_string_equal(err, want);
}

static void error_small_buffer_truncates(void **state) {
        char err[8];
        nf_config *c = NULL;
        tmpconf t;

        memset(err, 'x', sizeof err);
        assert_int_equal(load(&t, "defaults = { bogus = 1; };\n", &c, err, sizeof err), -EINVAL);
        assert_non_null(memchr(err, '\0', sizeof err));
}

static void parse_seconds_ms(void **state) {
        uint64_t v = 12345;

        assert_true(nf_parse_seconds_ms("1", 0, 10000, &v));
        assert_int_equal(v, 1000);
        assert_true(nf_parse_seconds_ms("0.5", 0, 10000, &v));
        assert_int_equal(v, 500);
        assert_true(nf_parse_seconds_ms("2.0005", 0, 10000, &v));
        assert_int_equal(v, 2001);      /* rounded to the nearest ms */
        assert_true(nf_parse_seconds_ms("0", 0, 10000, &v));
        assert_int_equal(v, 0);
        assert_true(nf_parse_seconds_ms("1e1", 0, 10000, &v));
        assert_int_equal(v, 10000);
        /* bounds are inclusive */
        assert_true(nf_parse_seconds_ms("1", 1000, 1000, &v));
        assert_int_equal(v, 1000);
        assert_true(nf_parse_seconds_ms("604800", 1000, 7 * 86400000ULL, &v));
        assert_int_equal(v, 604800000ULL);

        v = 777;
        assert_false(nf_parse_seconds_ms("0.999", 1000, 10000, &v));
        assert_false(nf_parse_seconds_ms("10.001", 0, 10000, &v));
        assert_false(nf_parse_seconds_ms("", 0, 10000, &v));
        assert_false(nf_parse_seconds_ms(NULL, 0, 10000, &v));
        assert_false(nf_parse_seconds_ms("-1", 0, 10000, &v));
        assert_false(nf_parse_seconds_ms("-0.5", 0, 10000, &v));
        assert_false(nf_parse_seconds_ms("abc", 0, 10000, &v));
        assert_false(nf_parse_seconds_ms("5s", 0, 10000, &v));
        assert_false(nf_parse_seconds_ms("5 ", 0, 10000, &v));
        assert_false(nf_parse_seconds_ms("nan", 0, 10000, &v));
        assert_false(nf_parse_seconds_ms("inf", 0, UINT64_MAX, &v));
        assert_false(nf_parse_seconds_ms("1e400", 0, UINT64_MAX, &v));
        assert_false(nf_parse_seconds_ms("1e308", 0, UINT64_MAX, &v));
        /* ret untouched on failure */
        assert_int_equal(v, 777);
}

static void parse_enums(void **state) {
        nf_privilege p = 0;
        nf_final_action fa = NF_FINAL_OFF;
        nf_no_panic_policy np = NF_NO_PANIC_LEAVE;

        assert_true(nf_parse_privilege("user", &p));
        assert_int_equal(p, NF_PRIV_USER);
        assert_true(nf_parse_privilege("Operator", &p));
        assert_int_equal(p, NF_PRIV_OPERATOR);
        assert_true(nf_parse_privilege("administrator", &p));
        assert_int_equal(p, NF_PRIV_ADMIN);
        assert_false(nf_parse_privilege("callback", &p));
        assert_false(nf_parse_privilege(NULL, &p));
        assert_int_equal(p, NF_PRIV_ADMIN);
        assert_string_equal(nf_privilege_str(NF_PRIV_OPERATOR), "operator");

        assert_true(nf_parse_final_action("reboot", &fa));
        assert_int_equal(fa, NF_FINAL_CYCLE);
        assert_true(nf_parse_final_action("off", &fa));
        assert_int_equal(fa, NF_FINAL_OFF);
        assert_false(nf_parse_final_action("on", &fa));
        assert_int_equal(fa, NF_FINAL_OFF);

        assert_true(nf_parse_no_panic_policy("fence", &np));
        assert_int_equal(np, NF_NO_PANIC_CYCLE);
        assert_true(nf_parse_no_panic_policy("leave", &np));
        assert_int_equal(np, NF_NO_PANIC_LEAVE);
        assert_false(nf_parse_no_panic_policy("ignore", &np));
}

static void host_conf_copy_is_deep(void **state) {
        nf_host_conf a, b;

        nf_host_conf_defaults(&a);
        a.name = strdup("n");
        a.password = strdup("pw");
        assert_int_equal(nf_host_conf_copy(&a, &b), 0);
        assert_ptr_not_equal(a.name, b.name);
        assert_ptr_not_equal(a.password, b.password);
        assert_string_equal(b.password, "pw");
        assert_null(b.bmc);
        nf_host_conf_done(&a);
        assert_null(a.password);
        assert_string_equal(b.name, "n");
        nf_host_conf_done(&b);
        nf_host_conf_done(NULL);
}

/* The commented example shipped in conf/ must stay loadable and mean what
 * its comments say. */
static void shipped_example_loads(void **state) {
        char err[512] = "";
        nf_config *c = NULL;
        const nf_host_conf *h;

        assert_int_equal(nf_config_load(NMIFENCE_EXAMPLE_CONF, &c, err, sizeof err), 0);
        assert_int_equal(c->n_hosts, 2);
        h = nf_config_find_host(c, "node2");
        assert_non_null(h);
        assert_int_equal(h->privilege, NF_PRIV_OPERATOR);
        assert_int_equal(h->fence.stall_timeout_ms, 300000);
        assert_int_equal(h->fence.nmi_timeout_ms, 60000);
        assert_int_equal(h->cipher_suite, 3);
        assert_int_equal(h->fence.final_action, NF_FINAL_CYCLE);
        nf_config_free(c);
}

static void kdump_settings(void **state) {
        static const char text[] =
                "defaults = { kdump_silence_timeout = 30; kdump_sources = \"192.0.2.11\"; };\n"
                "hosts = (\n"
                "  { name = \"a\"; bmc = \"192.0.2.1\"; kdump_listen = 7410; },\n"
                "  { name = \"b\"; bmc = \"192.0.2.2\"; kdump_listen = \"127.0.0.1:17410\";\n"
                "    kdump_sources = \"127.0.0.1, 127.0.0.2\"; kdump_silence_timeout = 0; },\n"
                "  { name = \"c\"; bmc = \"192.0.2.3\"; kdump_listen = \"[::1]:7410\"; },\n"
                "  { name = \"d\"; bmc = \"192.0.2.4\"; }\n"
                ");\n";
        char err[512];
        nf_config *c = NULL;
        tmpconf t;
        const nf_host_conf *h;
        nf_host_conf copy;

        assert_int_equal(load(&t, text, &c, err, sizeof err), 0);
        h = nf_config_find_host(c, "a");
        assert_int_equal(h->kdump_port, 7410);
        assert_null(h->kdump_addr);
        assert_string_equal(h->kdump_sources, "192.0.2.11");
        assert_int_equal(h->fence.kdump_silence_ms, 30000);
        h = nf_config_find_host(c, "b");
        assert_int_equal(h->kdump_port, 17410);
        assert_string_equal(h->kdump_addr, "127.0.0.1");
        assert_string_equal(h->kdump_sources, "127.0.0.1, 127.0.0.2");
        assert_int_equal(h->fence.kdump_silence_ms, 0);
        h = nf_config_find_host(c, "c");
        assert_string_equal(h->kdump_addr, "::1");
        assert_int_equal(h->kdump_port, 7410);
        h = nf_config_find_host(c, "d");
        assert_int_equal(h->kdump_port, 0);     /* off by default */

        h = nf_config_find_host(c, "b");
        assert_int_equal(nf_host_conf_copy(h, &copy), 0);
        assert_ptr_not_equal(copy.kdump_sources, h->kdump_sources);
        assert_string_equal(copy.kdump_addr, "127.0.0.1");
        nf_host_conf_done(&copy);
        assert_null(copy.kdump_sources);
        nf_config_free(c);

        nf_host_conf_defaults(&copy);
        assert_int_equal(copy.kdump_port, 0);
        assert_int_equal(copy.fence.kdump_silence_ms, 0);
}

static void kdump_errors(void **state) {
        expect_error("hosts = ( { name = \"a\"; bmc = \"x\";\n kdump_listen = 70000; kdump_sources = \"192.0.2.1\"; } );\n",
                     2, "kdump_listen must be a port 0..65535");
        expect_error("hosts = ( { name = \"a\"; bmc = \"x\";\n kdump_listen = \"host:7410\"; kdump_sources = \"192.0.2.1\"; } );\n",
                     2, "kdump_listen must be a port or");
        expect_error("hosts = ( { name = \"a\"; bmc = \"x\";\n kdump_listen = \"127.0.0.1:\"; } );\n", 2,
                     "kdump_listen must be a port or");
        expect_error("hosts = ( { name = \"a\"; bmc = \"x\";\n kdump_sources = \"192.0.2.1,node2\"; } );\n", 2,
                     "kdump_sources: kdump source 'node2' is not an IP address");
        expect_error("hosts = ( { name = \"a\"; bmc = \"x\";\n kdump_sources = \"\"; } );\n", 2,
                     "kdump_sources: no kdump source");
        expect_error("hosts = ( { name = \"a\"; bmc = \"x\";\n kdump_sources = 7; } );\n", 2,
                     "kdump_sources must be a string");
        expect_error("defaults = {\n kdump_silence_timeout = -1; };\n", 2, "kdump_silence_timeout must be between");
        expect_error("defaults = {\n kdump_silence_timeout = 86401; };\n", 2, "kdump_silence_timeout must be between");
        /* listening without sources would take any sender's word */
        expect_error("hosts = (\n { name = \"a\"; bmc = \"x\"; kdump_listen = 7410; } );\n", 2,
                     "kdump_listen needs kdump_sources");
}

/* release (issue 12): power (default) or capture; release_on_kdump. */
static void release_settings(void **state) {
        char err[512];
        nf_config *c = NULL;
        tmpconf t;

        (void) state;
        assert_int_equal(load(&t,
                              "defaults = { release = \"capture\"; release_on_kdump = \"yes\"; };\n"
                              "hosts = ( { name = \"a\"; bmc = \"x\"; },\n"
                              "          { name = \"b\"; bmc = \"y\"; release = \"power\"; release_on_kdump = false; } );\n",
                              &c, err, sizeof err),
                         0);
        assert_int_equal(nf_config_find_host(c, "a")->release, NF_RELEASE_CAPTURE);
        assert_true(nf_config_find_host(c, "a")->release_on_kdump);
        assert_int_equal(nf_config_find_host(c, "b")->release, NF_RELEASE_POWER);
        assert_false(nf_config_find_host(c, "b")->release_on_kdump);
        c = nf_config_free(c);
        assert_int_equal(load(&t, "hosts = ( { name = \"a\"; bmc = \"x\"; } );\n", &c, err, sizeof err), 0);
        assert_int_equal(c->hosts[0].release, NF_RELEASE_POWER);
        assert_false(c->hosts[0].release_on_kdump);
        nf_config_free(c);

        expect_error("defaults = {\n release = \"dump\"; };\n", 2, "release must be power or capture (got 'dump')");
        expect_error("defaults = {\n release = 1; };\n", 2, "release must be a string");
        expect_error("defaults = {\n release_on_kdump = \"maybe\"; };\n", 2, "release_on_kdump must be yes or no");
        /* capture needs this operation's NMI: a power-only policy has none */
        expect_error("hosts = ( { name = \"a\"; bmc = \"x\"; policy = \"cycle\";\n release = \"capture\"; } );\n", 2,
                     "release = \"capture\" needs the NMI, but policy \"cycle\" is power only");
        expect_error("defaults = { release = \"capture\"; };\nhosts = (\n { name = \"a\"; bmc = \"x\"; policy = \"cycle\"; } );\n",
                     3, "policy \"cycle\" is power only");
}

static void parse_kdump_listen(void **state) {
        char *addr = strdup("old");
        uint16_t port = 1;

        assert_true(nf_parse_kdump_listen("7410", &addr, &port));
        assert_null(addr);
        assert_int_equal(port, 7410);
        assert_true(nf_parse_kdump_listen("0", &addr, &port));
        assert_int_equal(port, 0);
        assert_true(nf_parse_kdump_listen("127.0.0.1:9", &addr, &port));
        assert_string_equal(addr, "127.0.0.1");
        assert_int_equal(port, 9);
        assert_false(nf_parse_kdump_listen("65536", &addr, &port));
        assert_false(nf_parse_kdump_listen("-1", &addr, &port));
        assert_false(nf_parse_kdump_listen("", &addr, &port));
        assert_false(nf_parse_kdump_listen("127.0.0.1:x", &addr, &port));
        assert_false(nf_parse_kdump_listen("name:7410", &addr, &port));
        /* unchanged after a failure */
        assert_string_equal(addr, "127.0.0.1");
        assert_int_equal(port, 9);
        free(addr);
}

/* IPMI 2.0 table 22-20: only the suites with integrity and AES pass. */
static void cipher_suite_classes(void **state) {
        for (unsigned id = 0; id <= 17; id++) {
                bool secure = id == 3 || id == 8 || id == 12 || id == 17;
                if (secure)
                        assert_null(nf_cipher_suite_weakness((uint8_t) id));
                else
                        assert_non_null(nf_cipher_suite_weakness((uint8_t) id));
        }
        assert_non_null(strstr(nf_cipher_suite_weakness(0), "no authentication"));
        assert_non_null(strstr(nf_cipher_suite_weakness(2), "no confidentiality"));
        assert_non_null(strstr(nf_cipher_suite_weakness(6), "no integrity"));
        assert_non_null(strstr(nf_cipher_suite_weakness(4), "RC4"));
}

/* cipher_suite = 0 loads (the file is well formed) but the security check
 * refuses it naming FILE:LINE; allow_insecure turns the refusal into a
 * warning. */
static void insecure_cipher_refused(void **state) {
        char err[512], why[512], want[300];
        nf_config *c = NULL;
        tmpconf t;
        bool warn = true;

        assert_int_equal(load(&t,
                              "defaults = {\n"
                              "  port = 623;\n"
                              "  cipher_suite = 0;\n"
                              "};\n"
                              "hosts = ( { name = \"a\"; bmc = \"x\"; },\n"
                              "  { name = \"b\"; bmc = \"y\"; cipher_suite = 17; },\n"
                              "  { name = \"c\"; bmc = \"z\"; allow_insecure = true; } );\n",
                              &c, err, sizeof err),
                         0);
        assert_int_equal(nf_host_conf_check_security(&c->hosts[0], NULL, why, sizeof why, &warn), -EPERM);
        assert_false(warn);
        snprintf(want, sizeof want, "%s:3: cipher_suite = 0 ", t.path);
        if (strncmp(why, want, strlen(want)))
                print_message("got: %s\nwant prefix: %s\n", why, want);
        assert_memory_equal(why, want, strlen(want));
        assert_non_null(strstr(why, "allow_insecure = true"));

        assert_int_equal(nf_host_conf_check_security(&c->hosts[1], NULL, why, sizeof why, &warn), 0);
        assert_false(warn);

        assert_int_equal(nf_host_conf_check_security(&c->hosts[2], NULL, why, sizeof why, &warn), 0);
        assert_true(warn);
        assert_non_null(strstr(why, "allowed by allow_insecure"));
        nf_config_free(c);

        expect_error("defaults = {\n  allow_insecure = 1;\n};\n", 2, "allow_insecure must be true or false");
}

static void password_script_key(void **state) {
        char err[512];
        nf_config *c = NULL;
        nf_host_conf h;
        tmpconf t;

        assert_int_equal(load(&t, "hosts = ( { name = \"a\"; bmc = \"x\"; password_script = \"echo s\"; } );\n",
                              &c, err, sizeof err),
                         0);
        assert_string_equal(c->hosts[0].password_script, "echo s");
        assert_int_equal(nf_host_conf_copy(&c->hosts[0], &h), 0);
        assert_string_equal(h.password_script, "echo s");
        assert_ptr_not_equal(h.password_script, c->hosts[0].password_script);
        nf_host_conf_done(&h);
        nf_config_free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(load_full_config),
                cmocka_unit_test(load_builtin_defaults),
                cmocka_unit_test(defaults_after_hosts),
                cmocka_unit_test(empty_config),
                cmocka_unit_test(error_unknown_key),
                cmocka_unit_test(error_out_of_range_timeout),
                cmocka_unit_test(error_bad_privilege),
                cmocka_unit_test(error_bad_workaround),
                cmocka_unit_test(error_duplicate_host),
                cmocka_unit_test(error_host_without_bmc),
                cmocka_unit_test(error_syntax),
                cmocka_unit_test(error_cross_checks),
                cmocka_unit_test(error_missing_file),
                cmocka_unit_test(error_small_buffer_truncates),
                cmocka_unit_test(parse_seconds_ms),
                cmocka_unit_test(parse_enums),
                cmocka_unit_test(host_conf_copy_is_deep),
                cmocka_unit_test(shipped_example_loads),
                cmocka_unit_test(kdump_settings),
                cmocka_unit_test(kdump_errors),
                cmocka_unit_test(parse_kdump_listen),
                cmocka_unit_test(release_settings),
                cmocka_unit_test(cipher_suite_classes),
                cmocka_unit_test(insecure_cipher_refused),
                cmocka_unit_test(password_script_key),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
