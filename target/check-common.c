/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

const char *nf_check_status_str(nf_check_status s) {
        switch (s) {
        case NF_CHECK_PASS:
                return "pass";
        case NF_CHECK_WARN:
                return "warn";
        default:
                return "fail";
        }
}

static const char *const check_names[_NF_CHK_MAX] = {
        [NF_CHK_KERNEL_FIXES] = "kernel-fixes",
        [NF_CHK_CRASH_RESERVED] = "crash-reserved",
        [NF_CHK_CRASH_LOADED] = "crash-loaded",
        [NF_CHK_NMI_PANIC] = "nmi-panic",
        [NF_CHK_APIC_EXTNMI] = "apic-extnmi",
        [NF_CHK_CAPTURE_EXTNMI] = "capture-extnmi",
        [NF_CHK_CAPTURE_NMI_PANIC] = "capture-nmi-panic",
        [NF_CHK_IPMI_WATCHDOG] = "ipmi-watchdog",
        [NF_CHK_IPMI_DEVICE] = "ipmi-device",
        [NF_CHK_KDUMP_FINAL_ACTION] = "kdump-final-action",
        [NF_CHK_DUMP_TARGET] = "dump-target",
};

const char *nf_check_name(nf_check_id id) {
        assert(id < _NF_CHK_MAX);
        return check_names[id];
}

void nf_check_set(nf_check_result *r, nf_check_status s, const char *remedy, const char *fmt, ...) {
        va_list ap;

        r->status = s;
        snprintf(r->remedy, sizeof r->remedy, "%s", s == NF_CHECK_PASS || !remedy ? "" : remedy);
        va_start(ap, fmt);
        vsnprintf(r->detail, sizeof r->detail, fmt, ap);
        va_end(ap);
}

bool nf_file_int(const nf_file *f, long *ret) {
        char *end;
        long v;

        if (f->err || !f->data)
                return false;
        errno = 0;
        v = strtol(f->data, &end, 10);
        if (errno || end == f->data)
                return false;
        *ret = v;
        return true;
}

void nf_check_input_done(nf_check_input *in) {
        nf_file *files[] = {
                &in->crash_size, &in->crash_loaded, &in->unknown_nmi_panic, &in->panic_on_unrecovered_nmi,
                &in->panic_on_io_nmi, &in->cmdline, &in->kdump_tools_default, &in->kdump_tools_sysctl,
                &in->kdump_sysconfig, &in->kdump_conf, &in->mountinfo, &in->wdt_action, &in->wdt_preaction, &in->wdt_pretimeout,
                &in->wdt_timeout,
        };
        for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
                free(files[i]->data);
                files[i]->data = NULL;
        }
}

nf_kdump_tool nf_check_kdump_tool(const nf_check_input *in) {
        /* Debian's file first: a Debian host with a stray /etc/sysconfig is
         * likelier than the reverse. */
        if (in->kdump_tools_default.err != ENOENT)
                return NF_KDUMP_TOOLS;
        if (in->kdump_sysconfig.err != ENOENT || in->kdump_conf.err != ENOENT)
                return NF_KDUMP_UTILS;
        return NF_KDUMP_NONE;
}

char *nf_check_capture_cmdline(const nf_check_input *in, bool *ret_unexpanded) {
        const char *proc = in->cmdline.data ? in->cmdline.data : "";

        *ret_unexpanded = false;
        switch (nf_check_kdump_tool(in)) {
        case NF_KDUMP_TOOLS:
                return nf_kdump_tools_capture_cmdline(proc, in->kdump_tools_default.data, ret_unexpanded);
        case NF_KDUMP_UTILS:
                return nf_kdump_utils_capture_cmdline(proc, in->kdump_sysconfig.data, ret_unexpanded);
        default:
                return NULL;
        }
}

void nf_check_evaluate(const nf_check_input *in, nf_check_result results[_NF_CHK_MAX]) {
        static void (*const eval[_NF_CHK_MAX])(const nf_check_input *, nf_check_result *) = {
                [NF_CHK_KERNEL_FIXES] = nf_check_kernel_fixes,
                [NF_CHK_CRASH_RESERVED] = nf_check_crash_reserved,
                [NF_CHK_CRASH_LOADED] = nf_check_crash_loaded,
                [NF_CHK_NMI_PANIC] = nf_check_nmi_panic,
                [NF_CHK_APIC_EXTNMI] = nf_check_apic_extnmi,
                [NF_CHK_CAPTURE_EXTNMI] = nf_check_capture_extnmi,
                [NF_CHK_CAPTURE_NMI_PANIC] = nf_check_capture_nmi_panic,
                [NF_CHK_IPMI_WATCHDOG] = nf_check_ipmi_watchdog,
                [NF_CHK_IPMI_DEVICE] = nf_check_ipmi_device,
                [NF_CHK_KDUMP_FINAL_ACTION] = nf_check_kdump_final_action,
                [NF_CHK_DUMP_TARGET] = nf_check_dump_target,
        };
        for (int i = 0; i < _NF_CHK_MAX; i++) {
                results[i] = (nf_check_result) { .id = (nf_check_id) i };
                eval[i](in, &results[i]);
        }
}

int nf_check_exit_code(const nf_check_result results[_NF_CHK_MAX]) {
        int worst = 0;

        for (int i = 0; i < _NF_CHK_MAX; i++)
                if ((int) results[i].status > worst)
                        worst = (int) results[i].status;
        return worst;
}
