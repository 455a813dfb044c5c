/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * nmifence-target check: will this host really produce a dump when the BMC
 * sends an NMI, and will the dump survive a second NMI?
 *
 * Reading and judging are apart: check-gather.c reads everything (under a
 * --root prefix, so tests feed fake /proc and /sys trees) into an
 * nf_check_input; the check-*.c evaluators judge that input without I/O;
 * check-report.c prints.  Nothing here exits.
 */

#include <stdbool.h>
#include <stdio.h>

#include "kdump-config.h"

typedef enum nf_check_status {
        NF_CHECK_PASS = 0,
        NF_CHECK_WARN = 1,
        NF_CHECK_FAIL = 2,
} nf_check_status;

const char *nf_check_status_str(nf_check_status s);     /* "pass", "warn", "fail" */

/* The checks, in report order. */
typedef enum nf_check_id {
        NF_CHK_KERNEL_FIXES,
        NF_CHK_CRASH_RESERVED,
        NF_CHK_CRASH_LOADED,
        NF_CHK_NMI_PANIC,
        NF_CHK_APIC_EXTNMI,
        NF_CHK_CAPTURE_EXTNMI,
        NF_CHK_CAPTURE_NMI_PANIC,
        NF_CHK_IPMI_WATCHDOG,
        NF_CHK_IPMI_DEVICE,
        NF_CHK_KDUMP_FINAL_ACTION,
        NF_CHK_DUMP_TARGET,
        _NF_CHK_MAX,
} nf_check_id;

const char *nf_check_name(nf_check_id id);     /* "kernel-fixes", ... */

typedef struct nf_check_result {
        nf_check_id id;
        nf_check_status status;
        char detail[512];       /* what was found, one line */
        char remedy[256];       /* one line; "" on pass */
} nf_check_result;

/* One file's content: err 0 = read (data set), ENOENT = absent, other
 * errno = could not be read (typically EACCES without root). */
typedef struct nf_file {
        int err;
        char *data;
} nf_file;

/* What the BMC probe found: not run (no device), answered, or failed. */
typedef enum nf_probe_state {
        NF_PROBE_NOT_RUN = 0,
        NF_PROBE_OK,
        NF_PROBE_FAILED,
} nf_probe_state;

typedef struct nf_check_input {
        /* /proc/kallsyms, scanned for symbols of the panic/NMI/kexec series */
        int kallsyms_err;
        bool sym_panic_cpu;             /* data: listed only with CONFIG_KALLSYMS_ALL */
        bool sym_nmi_panic;             /* function since v4.6 (a macro in v4.5) */
        bool sym_nmi_panic_self_stop;   /* x86 function, v4.5 */

        nf_file crash_size;             /* /sys/kernel/kexec_crash_size */
        nf_file crash_loaded;           /* /sys/kernel/kexec_crash_loaded */
        nf_file unknown_nmi_panic;      /* /proc/sys/kernel/... */
        nf_file panic_on_unrecovered_nmi;
        nf_file panic_on_io_nmi;
        nf_file cmdline;                /* /proc/cmdline */

        nf_file kdump_tools_default;    /* /etc/default/kdump-tools */
        nf_file kdump_tools_sysctl;     /* /etc/kdump/sysctl.conf (kdump-tools' capture overrides) */
        nf_file kdump_sysconfig;        /* /etc/sysconfig/kdump */
        nf_file kdump_conf;             /* /etc/kdump.conf */
        bool nmifence_initramfs_hook;   /* nmifence's kdump-tools initramfs hook is installed */
        nf_file mountinfo;              /* /proc/self/mountinfo: which file system holds the dump directory */

        /* Effective sysctl.d settings (systemd-sysctl order), -1 = unset. */
        long sysctld_unknown_nmi_panic;
        long sysctld_panic_on_unrecovered_nmi;
        char sysctld_source[256];       /* file that set the last of them */

        /* ipmi_watchdog module parameters */
        bool wdt_loaded;
        nf_file wdt_action, wdt_preaction, wdt_pretimeout, wdt_timeout;

        /* /dev/ipmi0 and the in-band Get Device ID */
        int ipmi_dev_err;               /* 0 present, ENOENT absent, other errno */
        nf_probe_state probe;
        char probe_msg[256];            /* BMC identity or the error */
} nf_check_input;

void nf_check_input_done(nf_check_input *in);

/* Which kdump tool configures this host, from the files present. */
nf_kdump_tool nf_check_kdump_tool(const nf_check_input *in);

/* The capture kernel command line the detected tool would use, malloc'ed,
 * or NULL (no tool or no memory). */
char *nf_check_capture_cmdline(const nf_check_input *in, bool *ret_unexpanded);

/* Evaluators (pure). */
void nf_check_kernel_fixes(const nf_check_input *in, nf_check_result *r);
void nf_check_crash_reserved(const nf_check_input *in, nf_check_result *r);
void nf_check_crash_loaded(const nf_check_input *in, nf_check_result *r);
void nf_check_nmi_panic(const nf_check_input *in, nf_check_result *r);
void nf_check_apic_extnmi(const nf_check_input *in, nf_check_result *r);
void nf_check_capture_extnmi(const nf_check_input *in, nf_check_result *r);
void nf_check_capture_nmi_panic(const nf_check_input *in, nf_check_result *r);
void nf_check_ipmi_watchdog(const nf_check_input *in, nf_check_result *r);
void nf_check_ipmi_device(const nf_check_input *in, nf_check_result *r);
void nf_check_kdump_final_action(const nf_check_input *in, nf_check_result *r);
void nf_check_dump_target(const nf_check_input *in, nf_check_result *r);

/* Run every evaluator; results[i].id == i. */
void nf_check_evaluate(const nf_check_input *in, nf_check_result results[_NF_CHK_MAX]);

/* 0 all pass, 1 some warn and no fail, 2 any fail. */
int nf_check_exit_code(const nf_check_result results[_NF_CHK_MAX]);

/* Helpers shared by the evaluators and arm. */
bool nf_check_has_fixes(const nf_check_input *in);
bool nf_file_int(const nf_file *f, long *ret);  /* false if absent/unreadable/not a number */
void nf_check_set(nf_check_result *r, nf_check_status s, const char *remedy, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* Output. */
void nf_check_print_human(FILE *f, const nf_check_input *in, const nf_check_result results[_NF_CHK_MAX]);
void nf_check_print_json(FILE *f, const char *root, const nf_check_input *in,
                         const nf_check_result results[_NF_CHK_MAX]);
