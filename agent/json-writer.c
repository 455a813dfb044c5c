/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <assert.h>

#include "json-writer.h"

static void put_escaped(FILE *f, const char *s) {
        fputc('"', f);
        for (const unsigned char *c = (const unsigned char *) s; *c; c++) {
                switch (*c) {
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\r':
                        fputs("\\r", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                default:
                        if (*c < 0x20)
                                fprintf(f, "\\u%04x", *c);
                        else
                                fputc(*c, f);
                }
        }
        fputc('"', f);
}

static void item(nf_json *j, const char *key) {
        assert(j->depth >= 0 && j->depth < 16);
        if (j->need_comma[j->depth])
                fputc(',', j->f);
        j->need_comma[j->depth] = true;
        if (key) {
                put_escaped(j->f, key);
                fputc(':', j->f);
        }
}

void nf_json_begin(nf_json *j, FILE *f) {
        *j = (nf_json) { .f = f };
}

static void open_container(nf_json *j, const char *key, char c) {
        item(j, key);
        fputc(c, j->f);
        j->depth++;
        assert(j->depth < 16);
        j->need_comma[j->depth] = false;
}

void nf_json_object_open(nf_json *j, const char *key) {
        open_container(j, key, '{');
}

void nf_json_object_close(nf_json *j) {
        j->depth--;
        fputc('}', j->f);
}

void nf_json_array_open(nf_json *j, const char *key) {
        open_container(j, key, '[');
}

void nf_json_array_close(nf_json *j) {
        j->depth--;
        fputc(']', j->f);
}

void nf_json_string(nf_json *j, const char *key, const char *value) {
        item(j, key);
        if (value)
                put_escaped(j->f, value);
        else
                fputs("null", j->f);
}

void nf_json_int(nf_json *j, const char *key, long long v) {
        item(j, key);
        fprintf(j->f, "%lld", v);
}

void nf_json_seconds(nf_json *j, const char *key, bool valid, double v) {
        item(j, key);
        if (valid)
                fprintf(j->f, "%.3f", v);
        else
                fputs("null", j->f);
}

void nf_json_bool(nf_json *j, const char *key, bool v) {
        item(j, key);
        fputs(v ? "true" : "false", j->f);
}

void nf_json_end(nf_json *j) {
        fputc('\n', j->f);
        fflush(j->f);
}
