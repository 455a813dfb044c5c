/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The capture kernel as the kdump tooling will load it: apic_extnmi=none,
 * and no NMI-panic setting that would let a second NMI kill the dump. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const char *config_path(nf_kdump_tool t) {
        return t == NF_KDUMP_TOOLS ? "/etc/default/kdump-tools" : "/etc/sysconfig/kdump";
}

static const nf_file *config_file(const nf_check_input *in, nf_kdump_tool t) {
        return t == NF_KDUMP_TOOLS ? &in->kdump_tools_default : &in->kdump_sysconfig;
}

/* Is apic_extnmi=none the effective setting of the capture kernel? */
static bool capture_extnmi_none(const char *cmdline) {
        char mode[32];
        return nf_cmdline_get(cmdline, "apic_extnmi", mode, sizeof mode) && strcmp(mode, "none") == 0;
}

void nf_check_capture_extnmi(const nf_check_input *in, nf_check_result *r) {
        nf_kdump_tool tool = nf_check_kdump_tool(in);
        const nf_file *cfg = config_file(in, tool);
        bool unexpanded = false;
        char *cmdline;

        if (tool == NF_KDUMP_NONE) {
                nf_check_set(r, NF_CHECK_WARN,
                             "install kdump-tools or kdump-utils; if you load the capture kernel yourself, give it "
                             "apic_extnmi=none and arm with --extnmi-none",
                             "no kdump-tools or kdump-utils configuration: cannot tell the capture kernel's command line");
                return;
        }
        if (cfg->err && cfg->err != ENOENT) {
                nf_check_set(r, NF_CHECK_WARN, "run as root", "cannot read %s: %s", config_path(tool),
                             strerror(cfg->err));
                return;
        }
        cmdline = nf_check_capture_cmdline(in, &unexpanded);
        if (!cmdline) {
                nf_check_set(r, NF_CHECK_WARN, "retry", "out of memory computing the capture command line");
                return;
        }
        if (capture_extnmi_none(cmdline))
                nf_check_set(r, NF_CHECK_PASS, NULL,
                             "%s gives the capture kernel apic_extnmi=none: a second NMI cannot interrupt the dump",
                             nf_kdump_tool_str(tool));
        else if (unexpanded)
                nf_check_set(r, NF_CHECK_WARN, "write the value literally in the configuration file",
                             "%s uses shell expansions nmifence-target cannot evaluate; as read, the capture kernel "
                             "lacks apic_extnmi=none",
                             config_path(tool));
        else
                nf_check_set(r, NF_CHECK_FAIL,
                             tool == NF_KDUMP_TOOLS
                                     ? "add apic_extnmi=none to KDUMP_CMDLINE_APPEND in /etc/default/kdump-tools "
                                       "(conf/kdump-tools/nmifence.conf), then restart kdump-tools"
                                     : "add apic_extnmi=none to KDUMP_COMMANDLINE_APPEND in /etc/sysconfig/kdump "
                                       "(conf/kdump-utils/nmifence.conf), then kdumpctl restart",
                             "the capture kernel (%s) lacks apic_extnmi=none: a second NMI (another agent, a "
                             "watchdog) would hit it mid-dump",
                             nf_kdump_tool_str(tool));
        free(cmdline);
}

void nf_check_capture_nmi_panic(const nf_check_input *in, nf_check_result *r) {
        nf_kdump_tool tool = nf_check_kdump_tool(in);
        bool unexpanded = false;
        char word[128];
        char *cmdline;

        if (tool == NF_KDUMP_NONE) {
                if (in->cmdline.data && nf_cmdline_sets_nmi_panic(in->cmdline.data, word, sizeof word))
                        nf_check_set(r, NF_CHECK_WARN,
                                     "set the sysctl through sysctl.d instead of the kernel command line",
                                     "no kdump tool configuration; a capture kernel that copies /proc/cmdline "
                                     "inherits %s",
                                     word);
                else
                        nf_check_set(r, NF_CHECK_PASS, NULL,
                                     "no kdump tool configuration, and /proc/cmdline has no NMI-panic setting to inherit");
                return;
        }
        cmdline = nf_check_capture_cmdline(in, &unexpanded);
        if (!cmdline) {
                nf_check_set(r, NF_CHECK_WARN, "retry", "out of memory computing the capture command line");
                return;
        }
        bool extnmi_none = capture_extnmi_none(cmdline);
        if (nf_cmdline_sets_nmi_panic(cmdline, word, sizeof word)) {
                nf_check_set(r, NF_CHECK_FAIL,
                             tool == NF_KDUMP_TOOLS
                                     ? "move the sysctl from the kernel command line to sysctl.d "
                                       "(conf/sysctl.d/50-nmifence.conf), or set KDUMP_CMDLINE in "
                                       "/etc/default/kdump-tools without it"
                                     : "add its key to KDUMP_COMMANDLINE_REMOVE in /etc/sysconfig/kdump "
                                       "(conf/kdump-utils/nmifence.conf)",
                             "the capture kernel gets %s (%s copies it from /proc/cmdline): a second NMI would panic "
                             "it mid-dump",
                             word, nf_kdump_tool_str(tool));
                free(cmdline);
                return;
        }
        free(cmdline);

        /* The capture environment runs systemd-sysctl too: kdump-tools
         * boots the real root (systemd.unit=kdump-tools-dump.service),
         * dracut copies the host's sysctl.d into kdump-utils' initramfs.
         * kdump-tools applies /etc/kdump/sysctl.conf after them. */
        long over_u = -1, over_r = -1;
        if (tool == NF_KDUMP_TOOLS && in->kdump_tools_sysctl.data) {
                (void) nf_sysctl_conf_get(in->kdump_tools_sysctl.data, "kernel.unknown_nmi_panic", &over_u);
                (void) nf_sysctl_conf_get(in->kdump_tools_sysctl.data, "kernel.panic_on_unrecovered_nmi", &over_r);
        }
        long u = over_u >= 0 ? over_u : in->sysctld_unknown_nmi_panic;
        long rr = over_r >= 0 ? over_r : in->sysctld_panic_on_unrecovered_nmi;
        if (u > 0 || rr > 0) {
                const char *remedy = tool == NF_KDUMP_TOOLS
                                             ? "add kernel.unknown_nmi_panic=0 and kernel.panic_on_unrecovered_nmi=0 "
                                               "to /etc/kdump/sysctl.conf (conf/kdump-tools/kdump-sysctl.conf)"
                                             : "keep apic_extnmi=none on the capture kernel (conf/kdump-utils/nmifence.conf)";
                nf_check_set(r, extnmi_none ? NF_CHECK_WARN : NF_CHECK_FAIL, remedy,
                             "%s sets %s=1 and the capture environment applies it too%s", in->sysctld_source,
                             u > 0 ? "kernel.unknown_nmi_panic" : "kernel.panic_on_unrecovered_nmi",
                             extnmi_none ? " (apic_extnmi=none keeps the BMC's NMI out, so only a local NMI could panic it)"
                                         : ": a second NMI would panic the capture kernel mid-dump");
                return;
        }
        nf_check_set(r, NF_CHECK_PASS, NULL, "the capture kernel does not panic on NMI (%s)", nf_kdump_tool_str(tool));
}
