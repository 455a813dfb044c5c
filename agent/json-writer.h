/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Just enough JSON output for --json: objects, strings, numbers. */

#include <stdbool.h>
#include <stdio.h>

typedef struct nf_json {
        FILE *f;
        int depth;
        bool need_comma[16];
} nf_json;

void nf_json_begin(nf_json *j, FILE *f);
void nf_json_object_open(nf_json *j, const char *key);   /* key NULL inside arrays/top */
void nf_json_object_close(nf_json *j);
void nf_json_array_open(nf_json *j, const char *key);
void nf_json_array_close(nf_json *j);
void nf_json_string(nf_json *j, const char *key, const char *value);   /* NULL => null */
void nf_json_int(nf_json *j, const char *key, long long v);
void nf_json_seconds(nf_json *j, const char *key, bool valid, double v);  /* !valid => null */
void nf_json_bool(nf_json *j, const char *key, bool v);
void nf_json_end(nf_json *j);
