/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nmifenced's daemon { } section (agent/daemon-config.c): values, defaults,
 * and FILE:LINE errors; the hosts' parser accepts the section. */

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
#include "daemon-config.h"

static char path[64];

static void write_conf(const char *text) {
        int fd;

        strcpy(path, "/tmp/nf-daemon-conf-XXXXXX");
        fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        close(fd);
}

static void values_and_defaults(void **state) {
        nf_daemon_conf c;
        nf_config *hosts = NULL;
        char err[256];

        write_conf("daemon = {\n  poll_interval = 2;\n  grace = 7.5;\n  max_fences = 3;\n  fence_window = 600;\n"
                   "  probe_port = 22;\n  control_socket = \"/tmp/ctl\";\n};\n"
                   "hosts = ( { name = \"n1\"; bmc = \"192.0.2.1\"; } );\n");
        assert_int_equal(nf_daemon_conf_load(path, &c, err, sizeof err), 0);
        assert_int_equal(c.poll_interval_ms, 2000);
        assert_int_equal(c.grace_ms, 7500);
        assert_int_equal(c.max_fences, 3);
        assert_int_equal(c.fence_window_ms, 600000);
        assert_int_equal(c.probe_port, 22);
        assert_string_equal(c.control_socket, "/tmp/ctl");
        assert_null(c.state_dir);      /* unset: nf_state_dir() decides, as for nmifence */
        assert_int_equal(c.fanout, 32);
        nf_daemon_conf_done(&c);
        /* The hosts' parser takes the same file. */
        assert_int_equal(nf_config_load(path, &hosts, err, sizeof err), 0);
        assert_int_equal(hosts->n_hosts, 1);
        nf_config_free(hosts);
        unlink(path);

        write_conf("hosts = ( );\n");
        assert_int_equal(nf_daemon_conf_load(path, &c, err, sizeof err), 0);
        assert_int_equal(c.poll_interval_ms, 5000);
        assert_int_equal(c.grace_ms, 30000);
        assert_string_equal(c.control_socket, NF_DAEMON_CONTROL_SOCKET);
        nf_daemon_conf_done(&c);
        unlink(path);
}

static void errors_name_file_and_line(void **state) {
        static const struct {
                const char *text, *want;
        } cases[] = {
                { "daemon = {\n  grace = -1;\n};\n", ":2: grace must be between 0 and 86400 seconds (got -1)" },
                { "daemon = {\n\n  max_fences = 65;\n};\n", ":3: max_fences must be between 0 and 64 (got 65)" },
                { "daemon = {\n  pol_interval = 1;\n};\n", ":2: unknown daemon setting 'pol_interval'" },
                { "daemon = {\n  control_socket = \"rel/ctl\";\n};\n",
                  ":2: control_socket must be an absolute path in quotes" },
                { "daemon = {\n  fanout = 1.5;\n};\n", ":2: fanout must be an integer" },
                { "daemon = {\n  probe_port = 22;\n  probe_interval = 1;\n  probe_timeout = 2;\n};\n",
                  ":1: probe_timeout must be shorter than probe_interval" },
                { "daemon = 3;\n", ":1: daemon must be a group { ... }" },
        };
        nf_daemon_conf c = { .grace_ms = 42 };
        char err[256];

        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                write_conf(cases[i].text);
                assert_int_equal(nf_daemon_conf_load(path, &c, err, sizeof err), -EINVAL);
                assert_int_equal(strncmp(err, path, strlen(path)), 0);
                assert_string_equal(err + strlen(path), cases[i].want);
                unlink(path);
        }
        assert_int_equal(c.grace_ms, 42);       /* untouched on failure */
        assert_int_equal(nf_daemon_conf_load("/nonexistent/nmifence.conf", &c, err, sizeof err), -ENOENT);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(values_and_defaults),
                cmocka_unit_test(errors_name_file_and_line),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
