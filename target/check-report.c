/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <stdlib.h>

#include "check.h"
#include "json-writer.h"

static void count(const nf_check_result results[_NF_CHK_MAX], int ret[3]) {
        ret[0] = ret[1] = ret[2] = 0;
        for (int i = 0; i < _NF_CHK_MAX; i++)
                ret[results[i].status]++;
}

void nf_check_print_human(FILE *f, const nf_check_input *in, const nf_check_result results[_NF_CHK_MAX]) {
        static const char *const tag[] = { "PASS", "WARN", "FAIL" };
        bool unexpanded;
        char *capture = nf_check_capture_cmdline(in, &unexpanded);
        int n[3];

        for (int i = 0; i < _NF_CHK_MAX; i++) {
                fprintf(f, "%s  %-19s %s\n", tag[results[i].status], nf_check_name(results[i].id), results[i].detail);
                if (results[i].remedy[0])
                        fprintf(f, "      %-19s -> %s\n", "", results[i].remedy);
        }
        fprintf(f, "kdump tool: %s\n", nf_kdump_tool_str(nf_check_kdump_tool(in)));
        if (capture)
                fprintf(f, "capture kernel command line: %s%s\n", capture,
                        unexpanded ? " (with shell expansions left out)" : "");
        free(capture);
        count(results, n);
        fprintf(f, "result: %s (%d pass, %d warn, %d fail)\n",
                nf_check_status_str((nf_check_status) nf_check_exit_code(results)), n[0], n[1], n[2]);
}

void nf_check_print_json(FILE *f, const char *root, const nf_check_input *in,
                         const nf_check_result results[_NF_CHK_MAX]) {
        nf_json j;
        bool unexpanded;
        char *capture = nf_check_capture_cmdline(in, &unexpanded);
        int n[3], code = nf_check_exit_code(results);

        count(results, n);
        nf_json_begin(&j, f);
        nf_json_object_open(&j, NULL);
        nf_json_int(&j, "version", 1);
        nf_json_string(&j, "root", root);
        nf_json_string(&j, "result", nf_check_status_str((nf_check_status) code));
        nf_json_int(&j, "exit_code", code);
        nf_json_object_open(&j, "counts");
        nf_json_int(&j, "pass", n[0]);
        nf_json_int(&j, "warn", n[1]);
        nf_json_int(&j, "fail", n[2]);
        nf_json_object_close(&j);
        nf_json_string(&j, "kdump_tool", nf_kdump_tool_str(nf_check_kdump_tool(in)));
        nf_json_string(&j, "capture_cmdline", capture);
        nf_json_bool(&j, "capture_cmdline_unexpanded", capture && unexpanded);
        nf_json_array_open(&j, "checks");
        for (int i = 0; i < _NF_CHK_MAX; i++) {
                nf_json_object_open(&j, NULL);
                nf_json_string(&j, "name", nf_check_name(results[i].id));
                nf_json_string(&j, "status", nf_check_status_str(results[i].status));
                nf_json_string(&j, "detail", results[i].detail);
                nf_json_string(&j, "remedy", results[i].remedy[0] ? results[i].remedy : NULL);
                nf_json_object_close(&j);
        }
        nf_json_array_close(&j);
        nf_json_object_close(&j);
        nf_json_end(&j);
        free(capture);
}
