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

        assert_int_equal(req("{\"command\":\"adopt\",\"target\":\"10.0.0.7:623\",\"action\":\"reboot\","
                             "\"pid\":4242}", &r, err, sizeof err), 0);
        assert_int_equal(r.command, NF_CTL_ADOPT);
        assert_string_equal(r.target, "10.0.0.7:623");
        assert_int_equal(r.action, NF_FINAL_CYCLE);
        assert_int_equal(r.pid, 4242);
        assert_int_equal(r.n_hosts, 0);
        nf_ctl_request_done(&r);
        assert_null(r.target);

        /* an IPv6 BMC: the port is after the last colon */
        assert_int_equal(req("{\"pid\":1,\"action\":\"off\",\"target\":\"fd00::7:62301\",\"command\":\"adopt\"}", &r,
                             err, sizeof err), 0);
        assert_int_equal(r.action, NF_FINAL_OFF);
        assert_string_equal(r.target, "fd00::7:62301");
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
        request_bad("{}", "\"command\" (a string: status, fence or adopt) is missing");
        request_bad("{\"command\":1}", "\"command\" (a string");
        request_bad("{\"command\":\"reboot\"}", "unknown command \"reboot\" (expected status, fence or adopt)");
        request_bad("{\"command\":\"status\",\"host\":\"a\"}", "unknown member \"host\"");
        request_bad("{\"command\":\"status\",\"hosts\":\"a\"}", "must be an array of host names, not string");
        request_bad("{\"command\":\"status\",\"hosts\":[1]}", "non-empty strings, not number");
        request_bad("{\"command\":\"status\",\"hosts\":[\"\"]}", "non-empty strings, not \"\"");
        request_bad("{\"command\":\"fence\"}", "fence takes exactly one host");
        request_bad("{\"command\":\"fence\",\"hosts\":[\"a\",\"b\"]}", "fence takes exactly one host");
}

#define ADOPT(members) "{\"command\":\"adopt\"" members "}"

static void adopt_refused(void **state) {
        const char *need_target = "adopt needs \"target\": the BMC as \"address:port\"";

        request_bad(ADOPT(",\"action\":\"off\",\"pid\":7"), need_target);
        request_bad(ADOPT(",\"target\":623,\"action\":\"off\",\"pid\":7"), need_target);
        request_bad(ADOPT(",\"target\":\"10.0.0.7\",\"action\":\"off\",\"pid\":7"), need_target);
        request_bad(ADOPT(",\"target\":\":623\",\"action\":\"off\",\"pid\":7"), need_target);
        request_bad(ADOPT(",\"target\":\"10.0.0.7:0\",\"action\":\"off\",\"pid\":7"), need_target);
        request_bad(ADOPT(",\"target\":\"10.0.0.7:65536\",\"action\":\"off\",\"pid\":7"), need_target);
        request_bad(ADOPT(",\"target\":\"10.0.0.7:62x\",\"action\":\"off\",\"pid\":7"), need_target);
        request_bad(ADOPT(",\"target\":\"10.0.0.7:623\",\"pid\":7"), "adopt needs \"action\": \"off\" or \"reboot\"");
        request_bad(ADOPT(",\"target\":\"10.0.0.7:623\",\"action\":\"cycle\",\"pid\":7"),
                    "\"action\" \"cycle\": expected \"off\" or \"reboot\"");
        request_bad(ADOPT(",\"target\":\"10.0.0.7:623\",\"action\":true,\"pid\":7"), "adopt needs \"action\"");
        request_bad(ADOPT(",\"target\":\"10.0.0.7:623\",\"action\":\"off\""), "adopt needs \"pid\"");
        request_bad(ADOPT(",\"target\":\"10.0.0.7:623\",\"action\":\"off\",\"pid\":0"), "adopt needs \"pid\"");
        request_bad(ADOPT(",\"target\":\"10.0.0.7:623\",\"action\":\"off\",\"pid\":1.5"), "adopt needs \"pid\"");
        request_bad(ADOPT(",\"target\":\"10.0.0.7:623\",\"action\":\"off\",\"pid\":\"7\""), "adopt needs \"pid\"");
        request_bad(ADOPT(",\"target\":\"10.0.0.7:623\",\"action\":\"off\",\"pid\":3e9"), "adopt needs \"pid\"");
        request_bad(ADOPT(",\"target\":\"10.0.0.7:623\",\"action\":\"off\",\"pid\":7,\"hosts\":[\"a\"]"),
                    "adopt names its host by \"target\", not \"hosts\"");
        request_bad("{\"command\":\"fence\",\"hosts\":[\"a\"],\"target\":\"10.0.0.7:623\"}",
                    "\"target\" belongs to adopt only");
        request_bad("{\"command\":\"status\",\"pid\":7}", "\"pid\" belongs to adopt only");
        request_bad(ADOPT(",\"target\":\"10.0.0.7:623\",\"action\":\"off\",\"pid\":7,\"force\":true"),
                    "unknown member \"force\"");
}

static void adopt_line_round_trip(void **state) {
        char *buf = NULL, err[200];
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        nf_ctl_request r;

        nf_ctl_adopt_write(f, "127.0.0.1:9001", NF_FINAL_OFF, 31337);
        fclose(f);
        assert_string_equal(buf, "{\"command\":\"adopt\",\"target\":\"127.0.0.1:9001\",\"action\":\"off\",\"pid\":31337}\n");
        assert_int_equal(nf_ctl_request_parse(buf, len - 1, &r, err, sizeof err), 0);
        assert_int_equal(r.command, NF_CTL_ADOPT);
        assert_int_equal(r.action, NF_FINAL_OFF);
        assert_int_equal(r.pid, 31337);
        nf_ctl_request_done(&r);
        free(buf);
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
                cmocka_unit_test(adopt_refused),
                cmocka_unit_test(adopt_line_round_trip),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
