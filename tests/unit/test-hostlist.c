/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the host list expander (agent/hostlist.c). */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hostlist.h"

/* Expands the patterns (NULL-terminated) into one list and compares it
 * with the expected names joined by spaces. */
static void expect_list(const char *const *patterns, const char *want) {
        nf_hostlist l = {};
        char err[256] = "", got[4096] = "";

        for (size_t i = 0; patterns[i]; i++) {
                int r = nf_hostlist_add(&l, patterns[i], err, sizeof err);
                if (r != 0)
                        fail_msg("'%s': %d %s", patterns[i], r, err);
        }
        for (size_t i = 0; i < l.n; i++) {
                strcat(got, i ? " " : "");
                strcat(got, l.names[i]);
        }
        assert_string_equal(got, want);
        nf_hostlist_done(&l);
        assert_int_equal(l.n, 0);
}

#define LIST(want, ...) expect_list((const char *const[]) { __VA_ARGS__, NULL }, want)

static void test_plain(void **state) {
        LIST("node07", "node07");
        LIST("a b c", "a,b,c");
        LIST("a b c", "a", "b", "c");
        LIST("bmc-1.example.org", "bmc-1.example.org");
}

static void test_ranges(void **state) {
        LIST("node1 node2 node3 node7", "node[1-3,7]");
        LIST("node01 node02 node03 node04 node05 node06 node07 node08 node09 node10", "node[01-10]");
        LIST("node8 node9 node10 node11", "node[8-11]");
        LIST("n001 n002", "n[001-2]");
        LIST("node0", "node[0]");
        LIST("r1-n1 r1-n2 r2-n1 r2-n2", "r[1-2]-n[1-2]");
        LIST("x5y", "x[5]y");
        LIST("1 2", "[1-2]");
        LIST("a1 a2 b c1", "a[1-2],b,c[1]");
}

static void test_count(void **state) {
        nf_hostlist l = {};
        char err[256];

        assert_int_equal(nf_hostlist_add(&l, "node[01-64]", err, sizeof err), 0);
        assert_int_equal(l.n, 64);
        assert_string_equal(l.names[0], "node01");
        assert_string_equal(l.names[63], "node64");
        /* 200 hosts, the scale lab's size, all distinct */
        nf_hostlist_done(&l);
        assert_int_equal(nf_hostlist_add(&l, "sim[1-200]", err, sizeof err), 0);
        assert_int_equal(l.n, 200);
        assert_string_equal(l.names[199], "sim200");
        nf_hostlist_done(&l);
}

static void test_duplicates_keep_first_place(void **state) {
        LIST("b a c", "b,a,b", "a,c,b");
        LIST("node1 node2 node3", "node[1-2]", "node[2-3]", "node1");
        LIST("n1 n2", "n[1-2,2,1]");
}

/* Every malformed pattern is refused with a message naming the cause. */
static void expect_error(const char *pattern, int want_r, const char *want_in_err) {
        nf_hostlist l = {};
        char err[256] = "";
        int r = nf_hostlist_add(&l, pattern, err, sizeof err);

        if (r != want_r)
                fail_msg("'%s': got %d (%s), want %d", pattern, r, err, want_r);
        if (!strstr(err, want_in_err))
                fail_msg("'%s': error '%s' does not say '%s'", pattern, err, want_in_err);
        if (!strstr(err, pattern))
                fail_msg("'%s': error '%s' does not name the argument", pattern, err);
        nf_hostlist_done(&l);
}

static void test_malformed(void **state) {
        expect_error("", -EINVAL, "empty host name");
        expect_error("a,,b", -EINVAL, "comma too many");
        expect_error(",a", -EINVAL, "comma too many");
        expect_error("a,", -EINVAL, "comma too many");
        expect_error("node[1-3", -EINVAL, "'[' without ']'");
        expect_error("node1-3]", -EINVAL, "']' without '['");
        expect_error("node[]", -EINVAL, "empty brackets");
        expect_error("node[3-1]", -EINVAL, "range 3-1 goes backwards");
        expect_error("node[a-c]", -EINVAL, "not a number or range");
        expect_error("node[1-]", -EINVAL, "empty number");
        expect_error("node[-3]", -EINVAL, "empty number");
        expect_error("node[1,]", -EINVAL, "empty number");
        expect_error("node[,1]", -EINVAL, "empty number");
        expect_error("node[1-2-3]", -EINVAL, "not a number or range");
        expect_error("node[1[2]]", -EINVAL, "brackets inside brackets");
        expect_error("node[ 1]", -EINVAL, "not a number or range");
        expect_error("no de", -EINVAL, "not allowed");
        expect_error("node[1234567890]", -EINVAL, "too long");
        expect_error("node[0-999999]", -E2BIG, "more than");
        expect_error("a[1-300]b[1-300]", -E2BIG, "more than");
}

static void test_name_too_long(void **state) {
        char pattern[400], err[1024] = "";
        nf_hostlist l = {};

        memset(pattern, 'x', 300);
        strcpy(pattern + 300, "[1-2]");
        assert_int_equal(nf_hostlist_add(&l, pattern, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "longer than 255"));
        assert_int_equal(l.n, 0);
        nf_hostlist_done(&l);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_plain),
                cmocka_unit_test(test_ranges),
                cmocka_unit_test(test_count),
                cmocka_unit_test(test_duplicates_keep_first_place),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_name_too_long),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
