/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The running kernel: panic/NMI fixes, crash kernel, NMI sysctls, apic_extnmi. */

#include <errno.h>
#include <string.h>

#include "check.h"

/* The 2015 series "panic/x86: Fix re-entrance problem due to panic on NMI"
 * (v4.5) added panic_cpu and nmi_panic_self_stop; without it a second NMI
 * during panic can deadlock or re-enter panic on another CPU.  panic_cpu is
 * data, which /proc/kallsyms lists only with CONFIG_KALLSYMS_ALL, so the
 * function nmi_panic (v4.6) stands in for it. */
bool nf_check_has_fixes(const nf_check_input *in) {
        return in->sym_nmi_panic_self_stop && (in->sym_panic_cpu || in->sym_nmi_panic);
}

void nf_check_kernel_fixes(const nf_check_input *in, nf_check_result *r) {
        if (in->kallsyms_err)
                nf_check_set(r, NF_CHECK_WARN, "run as root, or check the kernel version (>= 4.5 has the fixes)",
                             "cannot read /proc/kallsyms: %s", strerror(in->kallsyms_err));
        else if (nf_check_has_fixes(in))
                nf_check_set(r, NF_CHECK_PASS, NULL, "kernel has the panic/NMI/kexec fixes (nmi_panic_self_stop, %s)",
                             in->sym_panic_cpu ? "panic_cpu" : "nmi_panic");
        else
                nf_check_set(r, NF_CHECK_FAIL,
                             "use a kernel >= 4.5, or apply the series in kernel-patches/ to this kernel",
                             "kernel lacks the panic/NMI/kexec fixes (/proc/kallsyms has %s and %s)",
                             in->sym_nmi_panic_self_stop ? "nmi_panic_self_stop" : "no nmi_panic_self_stop",
                             in->sym_panic_cpu || in->sym_nmi_panic ? "panic_cpu/nmi_panic" : "no panic_cpu or nmi_panic");
}

void nf_check_crash_reserved(const nf_check_input *in, nf_check_result *r) {
        long v;

        if (in->crash_size.err == ENOENT)
                nf_check_set(r, NF_CHECK_FAIL, "use a kernel built with CONFIG_KEXEC_CORE and CONFIG_CRASH_DUMP",
                             "/sys/kernel/kexec_crash_size is missing: this kernel cannot kdump");
        else if (in->crash_size.err)
                nf_check_set(r, NF_CHECK_WARN, "run as root", "cannot read /sys/kernel/kexec_crash_size: %s",
                             strerror(in->crash_size.err));
        else if (!nf_file_int(&in->crash_size, &v))
                nf_check_set(r, NF_CHECK_WARN, "check the kernel", "/sys/kernel/kexec_crash_size is not a number");
        else if (v <= 0)
                nf_check_set(r, NF_CHECK_FAIL, "add crashkernel=256M (or more) to the kernel command line and reboot",
                             "no memory reserved for the crash kernel (kexec_crash_size 0)");
        else
                nf_check_set(r, NF_CHECK_PASS, NULL, "%ld MiB reserved for the crash kernel", v >> 20);
}

void nf_check_crash_loaded(const nf_check_input *in, nf_check_result *r) {
        long v;

        if (in->crash_loaded.err == ENOENT)
                nf_check_set(r, NF_CHECK_FAIL, "use a kernel built with CONFIG_KEXEC_CORE and CONFIG_CRASH_DUMP",
                             "/sys/kernel/kexec_crash_loaded is missing: this kernel cannot kdump");
        else if (in->crash_loaded.err)
                nf_check_set(r, NF_CHECK_WARN, "run as root", "cannot read /sys/kernel/kexec_crash_loaded: %s",
                             strerror(in->crash_loaded.err));
        else if (nf_file_int(&in->crash_loaded, &v) && v == 1)
                nf_check_set(r, NF_CHECK_PASS, NULL, "capture kernel loaded");
        else
                nf_check_set(r, NF_CHECK_FAIL,
                             "enable and start the kdump service (kdump-tools.service or kdump.service)",
                             "no capture kernel loaded (kexec_crash_loaded 0)");
}

/* 1/0 for a sysctl's value, -1 unreadable or absent. */
static int sysctl_on(const nf_file *f) {
        long v;
        return nf_file_int(f, &v) ? v != 0 : -1;
}

void nf_check_nmi_panic(const nf_check_input *in, nf_check_result *r) {
        int unknown = sysctl_on(&in->unknown_nmi_panic);
        int unrecovered = sysctl_on(&in->panic_on_unrecovered_nmi);
        int io = sysctl_on(&in->panic_on_io_nmi);
        /* A BMC's diagnostic interrupt reaches Linux as an "unknown" NMI on
         * most boards and as an IOCHK NMI on others (reason port bit 6), so
         * both paths must panic. */
        bool any = unknown == 1 || unrecovered == 1;

        if (unknown < 0 && unrecovered < 0 && io < 0) {
                nf_check_set(r, NF_CHECK_WARN, "check that /proc/sys is mounted",
                             "cannot read /proc/sys/kernel/{unknown_nmi_panic,panic_on_unrecovered_nmi,panic_on_io_nmi}");
                return;
        }
        if (any && io == 1)
                nf_check_set(r, NF_CHECK_PASS, NULL, "an NMI panics (%s, panic_on_io_nmi=1)",
                             unknown == 1 ? "unknown_nmi_panic=1" : "panic_on_unrecovered_nmi=1");
        else if (any)
                nf_check_set(r, NF_CHECK_WARN,
                             "set kernel.panic_on_io_nmi=1 (conf/sysctl.d/50-nmifence.conf)",
                             "an unknown NMI panics, but an IOCHK NMI (how some BMCs deliver the diag interrupt) does not (panic_on_io_nmi=%d)",
                             io);
        else
                nf_check_set(r, NF_CHECK_FAIL,
                             "set kernel.unknown_nmi_panic=1 and kernel.panic_on_io_nmi=1 (conf/sysctl.d/50-nmifence.conf)",
                             "an NMI does not panic: unknown_nmi_panic=%d, panic_on_unrecovered_nmi=%d, panic_on_io_nmi=%d",
                             unknown, unrecovered, io);
}

void nf_check_apic_extnmi(const nf_check_input *in, nf_check_result *r) {
        char mode[32] = "bsp";
        bool fixes = nf_check_has_fixes(in);

        if (in->cmdline.err) {
                nf_check_set(r, NF_CHECK_WARN, "check that /proc is mounted", "cannot read /proc/cmdline: %s",
                             strerror(in->cmdline.err));
                return;
        }
        bool given = nf_cmdline_get(in->cmdline.data, "apic_extnmi", mode, sizeof mode);
        if (strcmp(mode, "bsp") == 0)
                nf_check_set(r, NF_CHECK_PASS, NULL,
                             "apic_extnmi=bsp%s: the BMC's NMI goes to CPU 0 only, which panics and stops the others; "
                             "it is lost if CPU 0 itself is stuck in an NMI handler",
                             given ? "" : " (default)");
        else if (strcmp(mode, "all") == 0 && fixes)
                nf_check_set(r, NF_CHECK_PASS, NULL,
                             "apic_extnmi=all: every CPU takes the NMI (reaches a host whose CPU 0 is wedged); "
                             "the kernel's panic_cpu serialises the CPUs racing into panic");
        else if (strcmp(mode, "all") == 0)
                nf_check_set(r, NF_CHECK_FAIL,
                             "use apic_extnmi=bsp (the default), or a kernel with the fixes in kernel-patches/",
                             "apic_extnmi=all broadcasts the NMI to every CPU, and without the panic/NMI fixes "
                             "CPUs racing into panic can deadlock instead of dumping");
        else if (strcmp(mode, "none") == 0)
                nf_check_set(r, NF_CHECK_FAIL, "remove apic_extnmi=none from the first kernel's command line",
                             "apic_extnmi=none in the running kernel: the BMC's NMI is ignored, the host never dumps "
                             "(none belongs on the capture kernel only)");
        else
                nf_check_set(r, NF_CHECK_WARN, "use apic_extnmi=bsp or all",
                             "unknown apic_extnmi=%s (the kernel keeps bsp)", mode);
}
