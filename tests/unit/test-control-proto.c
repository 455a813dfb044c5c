/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nmifenced's control protocol: the JSON reader (agent/json-reader.c) on
 * valid and malformed text, and request lines (agent/control-proto.c):
 * what parses, what is refused and how the refusal reads. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control-proto.h"
#include "json-reader.h"

static nf_jv *parse_ok(const char *s) {
        nf_jv *v = NULL;
        char err[200] = "";

        if (nf_json_parse(s, strlen(s), &v, err, sizeof err) != 0)
                fail_msg("'%s' did not parse: %s", s, err);
        return v;
}

static void parse_bad(const char *s, const char *want) {
        nf_jv *v = NULL;
        char err[200] = "";

        if (nf_json_parse(s, strlen(s), &v, err, sizeof err) != -EBADMSG)
                fail_msg("'%s' parsed", s);
        assert_null(v);
        if (!strstr(err, want))
                fail_msg("'%s': error '%s' lacks '%s'", s, err, want);
}

static void json_values(void **state) {
        nf_jv *v = parse_ok(" {\"a\": [1, -2.5e3, true, false, null], \"s\": \"x\\u00e9\\ud83d\\ude00\\n\\\"\", "
                            "\"o\": {}} ");
        const nf_jv *a = nf_jv_get(v, "a");

        assert_int_equal(v->type, NF_JV_OBJECT);
        assert_int_equal(nf_jv_len(v), 3);
        assert_int_equal(nf_jv_len(a), 5);
        assert_true(a->child->num == 1.0);
        assert_true(a->child->next->num == -2500.0);
        assert_true(a->child->next->next->b);
        assert_false(a->child->next->next->next->b);
        assert_int_equal(a->child->next->next->next->next->type, NF_JV_NULL);
        assert_string_equal(nf_jv_get_str(v, "s", NULL), "x\xc3\xa9\xf0\x9f\x98\x80\n\"");
        assert_int_equal(nf_jv_get(v, "o")->type, NF_JV_OBJECT);
        assert_null(nf_jv_get(v, "missing"));
        assert_string_equal(nf_jv_get_str(v, "a", "def"), "def");
        nf_jv_free(v);
}

static void json_malformed(void **state) {
        char deep[200];

        parse_bad("", "value expected");
        parse_bad("{", "member name");
        parse_bad("{\"a\" 1}", "':' expected");
        parse_bad("{\"a\":1,}", "member name");
        parse_bad("[1,]", "value expected");
        parse_bad("[1 2]", "',' or ']' expected");
        parse_bad("{\"a\":1,\"a\":2}", "duplicate member");
        parse_bad("\"abc", "unterminated string");
        parse_bad("\"a\\x\"", "bad escape");
        parse_bad("\"\\u00zz\"", "bad hex digit");
        parse_bad("\"\\ud800\"", "lone surrogate");
        parse_bad("\"\\udc00\"", "lone surrogate");
        parse_bad("\"\\u0000\"", "\\u0000");
        parse_bad("\"a\tb\"", "control character");
        parse_bad("01", "trailing characters");
        parse_bad("1.", "digit expected after '.'");
        parse_bad("1e", "digit expected in the exponent");
        parse_bad("-", "bad number");
        parse_bad("1e999", "out of range");
        parse_bad("tru", "value expected");
        parse_bad("{} {}", "trailing characters");
        memset(deep, '[', sizeof deep);
        deep[sizeof deep - 1] = 0;
        parse_bad(deep, "nested deeper than 32");
}

static void json_offset_named(void **state) {
        nf_jv *v = NULL;
        char err[200];

        assert_int_equal(nf_json_parse("{\"a\":1 x", 8, &v, err, sizeof err), -EBADMSG);
        assert_non_null(strstr(err, "offset 7:"));
        /* the length bounds the text, not a NUL */
        assert_int_equal(nf_json_parse("[1]garbage", 3, &v, err, sizeof err), 0);
        nf_jv_free(v);
}

static int req(const char *line, nf_ctl_request *r, char *err, size_t len) {
        return nf_ctl_request_parse(line, strlen(line), r, err, len);
}

static void requests_valid(void **state) {
        nf_ctl_request r;
        char err[200];

        assert_int_equal(req("{\"command\":\"status\"}", &r, err, sizeof err), 0);
        assert_int_equal(r.command, NF_CTL_STATUS);
        assert_int_equal(r.n_hosts, 0);
        nf_ctl_request_done(&r);

        assert_int_equal(req("{\"hosts\":[\"a\",\"b\"],\"command\":\"status\"}", &r, err, sizeof err), 0);
        assert_int_equal(r.n_hosts, 2);
        assert_string_equal(r.hosts[1], "b");
        nf_ctl_request_done(&r);

        assert_int_equal(req("{\"command\":\"fence\",\"hosts\":[\"node07\"]}", &r, err, sizeof err), 0);
        assert_int_equal(r.command, NF_CTL_FENCE);
        assert_string_equal(r.hosts[0], "node07");
        nf_ctl_request_done(&r);
}

static void request_bad(const char *line, const char *want) {
        nf_ctl_request r = { 0 };
        char err[200] = "";

        if (req(line, &r, err, sizeof err) != -EBADMSG)
                fail_msg("'%s' accepted", line);
        if (!strstr(err, want))
                fail_msg("'%s': error '%s' lacks '%s'", line, err, want);
}

static void requests_refused(void **state) {
        request_bad("status", "request is not JSON: offset 0");
        request_bad("[\"status\"]", "must be a JSON object, not array");
        request_bad("{}", "\"command\" (a string: status or fence) is missing");
        request_bad("{\"command\":1}", "\"command\" (a string");
        request_bad("{\"command\":\"reboot\"}", "unknown command \"reboot\" (expected status or fence)");
        request_bad("{\"command\":\"status\",\"host\":\"a\"}", "unknown member \"host\"");
        request_bad("{\"command\":\"status\",\"hosts\":\"a\"}", "must be an array of host names, not string");
        request_bad("{\"command\":\"status\",\"hosts\":[1]}", "non-empty strings, not number");
        request_bad("{\"command\":\"status\",\"hosts\":[\"\"]}", "non-empty strings, not \"\"");
        request_bad("{\"command\":\"fence\"}", "fence takes exactly one host");
        request_bad("{\"command\":\"fence\",\"hosts\":[\"a\",\"b\"]}", "fence takes exactly one host");
}

static void request_line_round_trip(void **state) {
        char *buf = NULL, err[200];
        size_t len = 0;
        char *hosts[] = { "n\"1", "n2" };
        FILE *f = open_memstream(&buf, &len);
        nf_ctl_request r;

        nf_ctl_request_write(f, NF_CTL_STATUS, hosts, 2);
        fclose(f);
        assert_int_equal(buf[len - 1], '\n');
        assert_null(memchr(buf, '\n', len - 1));
        assert_int_equal(nf_ctl_request_parse(buf, len - 1, &r, err, sizeof err), 0);
        assert_int_equal(r.n_hosts, 2);
        assert_string_equal(r.hosts[0], "n\"1");
        nf_ctl_request_done(&r);
        free(buf);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(json_values),
                cmocka_unit_test(json_malformed),
                cmocka_unit_test(json_offset_named),
                cmocka_unit_test(requests_valid),
                cmocka_unit_test(requests_refused),
                cmocka_unit_test(request_line_round_trip),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
