/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the --json writer (agent/json-writer.c), into memory. */

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json-writer.h"
#include "report.h"

/* ---- a tiny strict JSON validator (RFC 8259 grammar) ---------------- */

static const char *ws(const char *p) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
                p++;
        return p;
}

static const char *value(const char *p, int depth);

static const char *string(const char *p) {
        if (*p++ != '"')
                return NULL;
        for (;;) {
                unsigned char c = (unsigned char) *p++;

                if (c == '"')
                        return p;
                if (c < 0x20)
                        return NULL;            /* raw control char */
                if (c == '\\') {
                        c = (unsigned char) *p++;
                        if (c == 'u') {
                                for (int i = 0; i < 4; i++)
                                        if (!isxdigit((unsigned char) *p++))
                                                return NULL;
                        } else if (!strchr("\"\\/bfnrt", c) || c == '\0')
                                return NULL;
                }
        }
}

static const char *number(const char *p) {
        const char *start;

        if (*p == '-')
                p++;
        if (*p == '0')
                p++;
        else if (*p >= '1' && *p <= '9')
                while (isdigit((unsigned char) *p))
                        p++;
        else
                return NULL;
        if (*p == '.') {
                start = ++p;
                while (isdigit((unsigned char) *p))
                        p++;
                if (p == start)
                        return NULL;
        }
        if (*p == 'e' || *p == 'E') {
                p++;
                if (*p == '+' || *p == '-')
                        p++;
                start = p;
                while (isdigit((unsigned char) *p))
                        p++;
                if (p == start)
                        return NULL;
        }
        return p;
}

static const char *container(const char *p, int depth, char close, bool keyed) {
        p = ws(p + 1);
        if (*p == close)
                return p + 1;
        for (;;) {
                if (keyed) {
                        if (!(p = string(ws(p))))
                                return NULL;
                        p = ws(p);
                        if (*p++ != ':')
                                return NULL;
                }
                if (!(p = value(p, depth + 1)))
                        return NULL;
                p = ws(p);
                if (*p == close)
                        return p + 1;
                if (*p++ != ',')
                        return NULL;
        }
}

static const char *value(const char *p, int depth) {
        if (depth > 64)
                return NULL;
        p = ws(p);
        switch (*p) {
        case '{':
                return container(p, depth, '}', true);
        case '[':
                return container(p, depth, ']', false);
        case '"':
                return string(p);
        case 't':
                return strncmp(p, "true", 4) == 0 ? p + 4 : NULL;
        case 'f':
                return strncmp(p, "false", 5) == 0 ? p + 5 : NULL;
        case 'n':
                return strncmp(p, "null", 4) == 0 ? p + 4 : NULL;
        default:
                return number(p);
        }
}

static bool json_valid(const char *s) {
        const char *end = value(s, 0);

        return end && *ws(end) == '\0';
}

static void validator_self_test(void **state) {
        assert_true(json_valid("{}"));
        assert_true(json_valid("{\"a\":[1,2.5,-3e2,\"x\\n\\u0001\",true,false,null,{}]}\n"));
        assert_false(json_valid("{\"a\":1,}"));
        assert_false(json_valid("{\"a\":1\"b\":2}"));
        assert_false(json_valid("[1,,2]"));
        assert_false(json_valid("{\"a\":\"\x01\"}"));
        assert_false(json_valid("{\"a\":\"\\x\"}"));
        assert_false(json_valid("{\"a\":nan}"));
        assert_false(json_valid("{\"a\":1}}"));
        assert_false(json_valid("{\"a\""));
}

/* ---- capturing output ------------------------------------------------- */

typedef struct mem {
        char *buf;
        size_t len;
        FILE *f;
} mem;

static void mem_open(mem *m) {
        m->buf = NULL;
        m->len = 0;
        m->f = open_memstream(&m->buf, &m->len);
        assert_non_null(m->f);
}

static char *mem_close(mem *m) {
        assert_int_equal(fclose(m->f), 0);
        return m->buf;
}

static char *one_string(const char *s) {
        nf_json j;
        mem m;

        mem_open(&m);
        nf_json_begin(&j, m.f);
        nf_json_object_open(&j, NULL);
        nf_json_string(&j, "k", s);
        nf_json_object_close(&j);
        nf_json_end(&j);
        return mem_close(&m);
}

static void check_escaped(const char *in, const char *want_json) {
        char *out = one_string(in);

        assert_string_equal(out, want_json);
        assert_true(json_valid(out));
        free(out);
}

/* ---- tests -------------------------------------------------------------- */

static void escapes_quotes_and_backslashes(void **state) {
        check_escaped("say \"hi\"", "{\"k\":\"say \\\"hi\\\"\"}\n");
        check_escaped("C:\\dump\\", "{\"k\":\"C:\\\\dump\\\\\"}\n");
        check_escaped("\\\"", "{\"k\":\"\\\\\\\"\"}\n");
        check_escaped("", "{\"k\":\"\"}\n");
        check_escaped("plain /path", "{\"k\":\"plain /path\"}\n");
}

static void escapes_control_chars(void **state) {
        check_escaped("a\nb\rc\td", "{\"k\":\"a\\nb\\rc\\td\"}\n");
        check_escaped("\x01\x1f\x08\x0c", "{\"k\":\"\\u0001\\u001f\\u0008\\u000c\"}\n");
        check_escaped("\x1b[31m", "{\"k\":\"\\u001b[31m\"}\n");
        /* DEL and UTF-8 need no escaping */
        check_escaped("\x7f", "{\"k\":\"\x7f\"}\n");
        check_escaped("m\xc3\xa4rz", "{\"k\":\"m\xc3\xa4rz\"}\n");
}

static void every_control_char_is_valid(void **state) {
        for (int c = 1; c < 0x20; c++) {
                char in[4] = { 'x', (char) c, 'y', '\0' };
                char *out = one_string(in);

                assert_true(json_valid(out));
                assert_null(memchr(out, c, strlen(out) - 1));   /* only the final \n */
                free(out);
        }
}

static void keys_are_escaped(void **state) {
        nf_json j;
        mem m;
        char *out;

        mem_open(&m);
        nf_json_begin(&j, m.f);
        nf_json_object_open(&j, NULL);
        nf_json_int(&j, "we\"ird\nkey", 1);
        nf_json_object_close(&j);
        nf_json_end(&j);
        out = mem_close(&m);
        assert_string_equal(out, "{\"we\\\"ird\\nkey\":1}\n");
        assert_true(json_valid(out));
        free(out);
}

static void null_string_is_null(void **state) {
        char *out = one_string(NULL);

        assert_string_equal(out, "{\"k\":null}\n");
        free(out);
}

static void nesting_and_commas(void **state) {
        nf_json j;
        mem m;
        char *out;

        mem_open(&m);
        nf_json_begin(&j, m.f);
        nf_json_object_open(&j, NULL);
        nf_json_string(&j, "host", "node1");
        nf_json_int(&j, "n", -42);
        nf_json_bool(&j, "t", true);
        nf_json_bool(&j, "f", false);
        nf_json_seconds(&j, "s", true, 1.5);
        nf_json_seconds(&j, "none", false, 99.0);
        nf_json_object_open(&j, "empty");
        nf_json_object_close(&j);
        nf_json_array_open(&j, "empty_list");
        nf_json_array_close(&j);
        nf_json_array_open(&j, "list");
        for (int i = 0; i < 3; i++) {
                nf_json_object_open(&j, NULL);
                nf_json_int(&j, "i", i);
                nf_json_array_open(&j, "inner");
                nf_json_int(&j, NULL, i);
                nf_json_string(&j, NULL, "x");
                nf_json_array_close(&j);
                nf_json_object_close(&j);
        }
        nf_json_array_close(&j);
        nf_json_int(&j, "after", 1);
        nf_json_object_close(&j);
        nf_json_end(&j);
        out = mem_close(&m);

        assert_string_equal(out,
                            "{\"host\":\"node1\",\"n\":-42,\"t\":true,\"f\":false,\"s\":1.500,\"none\":null,"
                            "\"empty\":{},\"empty_list\":[],"
                            "\"list\":[{\"i\":0,\"inner\":[0,\"x\"]},{\"i\":1,\"inner\":[1,\"x\"]},"
                            "{\"i\":2,\"inner\":[2,\"x\"]}],\"after\":1}\n");
        assert_true(json_valid(out));
        assert_int_equal(j.depth, 0);
        free(out);
}

static void deep_nesting(void **state) {
        nf_json j;
        mem m;
        char *out;

        mem_open(&m);
        nf_json_begin(&j, m.f);
        nf_json_object_open(&j, NULL);
        for (int i = 0; i < 13; i++) {
                nf_json_int(&j, "before", i);
                nf_json_object_open(&j, "o");
        }
        nf_json_int(&j, "leaf", 1);
        for (int i = 0; i < 13; i++) {
                nf_json_object_close(&j);
                nf_json_int(&j, "after", i);
        }
        nf_json_object_close(&j);
        nf_json_end(&j);
        out = mem_close(&m);
        assert_true(json_valid(out));
        assert_int_equal(j.depth, 0);
        free(out);
}

static void large_int_values(void **state) {
        nf_json j;
        mem m;
        char *out;

        mem_open(&m);
        nf_json_begin(&j, m.f);
        nf_json_array_open(&j, NULL);
        nf_json_int(&j, NULL, 9223372036854775807LL);
        nf_json_int(&j, NULL, -9223372036854775807LL - 1);
        nf_json_int(&j, NULL, 0);
        nf_json_seconds(&j, NULL, true, 0.0004);
        nf_json_array_close(&j);
        nf_json_end(&j);
        out = mem_close(&m);
        assert_string_equal(out, "[9223372036854775807,-9223372036854775808,0,0.000]\n");
        assert_true(json_valid(out));
        free(out);
}

/* The --json report with hostile text in it is still valid JSON. */
static void report_json_is_valid(void **state) {
        nf_fence_params p = { .poll_interval_ms = 1000 };
        nf_report rep = { .host = "node\"1\"", .bmc = "bmc\\1\n" };
        nf_fence f = { 0 };
        mem m;
        char *out;

        nf_fence_init(&f, &p, 1000);
        f.state = NF_FS_FAILED;
        f.nmi_sent = true;
        f.t_nmi = 2000;
        f.t_panic = 3500;
        f.fail_status = NF_E_COMPLETION;
        f.last_error.status = NF_E_COMPLETION;
        f.last_error.cc = 0xd4;
        snprintf(f.last_error.detail, sizeof f.last_error.detail, "bad \"thing\"\t\x01");
        snprintf(f.fail_reason, sizeof f.fail_reason, "power \"still\" on\\");
        rep.records[0] = (nf_report_record) { { NF_STAGE_DUMP_START, 0, 1 }, 2500 };
        rep.records[1] = (nf_report_record) { { NF_STAGE_PROGRESS, 40, 2 }, 3000 };
        rep.n_records = 2;

        mem_open(&m);
        nf_report_json(m.f, &rep, &f);
        out = mem_close(&m);
        if (!json_valid(out))
                print_message("invalid JSON: %s\n", out);
        assert_true(json_valid(out));
        assert_non_null(strstr(out, "\"host\":\"node\\\"1\\\"\""));
        assert_non_null(strstr(out, "\"completion_code\":212"));
        assert_non_null(strstr(out, "\"stage\":\"progress\",\"arg\":40,\"seq\":2"));
        assert_non_null(strstr(out, "\"exit_code\":5"));
        free(out);

        /* and a successful one */
        nf_fence_init(&f, &p, 1000);
        f.state = NF_FS_DONE;
        f.dump = NF_DUMP_COMPLETE;
        f.fenced = true;
        f.power_on = true;
        mem_open(&m);
        nf_report_json(m.f, &rep, &f);
        out = mem_close(&m);
        assert_true(json_valid(out));
        assert_non_null(strstr(out, "\"error\":null"));
        assert_non_null(strstr(out, "\"final_power\":\"on\""));
        assert_non_null(strstr(out, "\"exit_code\":0"));
        free(out);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(validator_self_test),
                cmocka_unit_test(escapes_quotes_and_backslashes),
                cmocka_unit_test(escapes_control_chars),
                cmocka_unit_test(every_control_char_is_valid),
                cmocka_unit_test(keys_are_escaped),
                cmocka_unit_test(null_string_is_null),
                cmocka_unit_test(nesting_and_commas),
                cmocka_unit_test(deep_nesting),
                cmocka_unit_test(large_int_values),
                cmocka_unit_test(report_json_is_valid),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
