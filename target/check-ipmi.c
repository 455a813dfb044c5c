/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The BMC side of the host: the IPMI watchdog and the in-band device. */

#include <errno.h>
#include <string.h>

#include "check.h"

/* First word of a module parameter file ("reset\n" -> "reset"). */
static const char *param(const nf_file *f, char *buf, size_t len) {
        if (f->err || !f->data)
                return NULL;
        snprintf(buf, len, "%s", f->data);
        buf[strcspn(buf, " \t\n")] = '\0';
        return buf;
}

void nf_check_ipmi_watchdog(const nf_check_input *in, nf_check_result *r) {
        char action[32], preaction[32];
        long timeout = -1, pretimeout = -1;

        if (!in->wdt_loaded) {
                nf_check_set(r, NF_CHECK_PASS, NULL,
                             "ipmi_watchdog is not loaded (a BMC watchdog armed by firmware is not visible from here)");
                return;
        }
        if (!param(&in->wdt_action, action, sizeof action)) {
                nf_check_set(r, NF_CHECK_WARN, "run as root",
                             "ipmi_watchdog is loaded but /sys/module/ipmi_watchdog/parameters/action is unreadable: %s",
                             strerror(in->wdt_action.err));
                return;
        }
        if (!param(&in->wdt_preaction, preaction, sizeof preaction))
                snprintf(preaction, sizeof preaction, "unknown");
        (void) nf_file_int(&in->wdt_timeout, &timeout);
        (void) nf_file_int(&in->wdt_pretimeout, &pretimeout);

        if (strcmp(action, "none") == 0) {
                nf_check_set(r, NF_CHECK_PASS, NULL, "ipmi_watchdog is loaded with action=none: it cannot reset a dump");
                return;
        }
        /* With crash_kexec the panic notifiers (ipmi_watchdog's sets a 255 s
         * timeout) do not run; the BMC timer keeps counting from the last
         * pet, nobody in the capture kernel pets it, and neither kdump-tools
         * nor kdump-utils stops it (kdump-utils' DRIVER.pretimeout=0 covers
         * /sys/class/watchdog drivers, which ipmi_watchdog is not). */
        nf_check_set(r, NF_CHECK_FAIL,
                     "load ipmi_watchdog with action=none, or stop the BMC watchdog in the kdump hook before the dump",
                     "ipmi_watchdog action=%s, timeout %ld s, preaction %s, pretimeout %ld s: once running, the BMC "
                     "acts %ld s into the dump because no one pets it in the capture kernel",
                     action, timeout, preaction, pretimeout, timeout);
}

void nf_check_ipmi_device(const nf_check_input *in, nf_check_result *r) {
        if (in->ipmi_dev_err == ENOENT)
                nf_check_set(r, NF_CHECK_WARN,
                             "load ipmi_si and ipmi_devintf (conf/modules-load.d/nmifence.conf)",
                             "no /dev/ipmi0: the BMC was not probed and nmifence-target cannot post records");
        else if (in->ipmi_dev_err == EACCES || in->ipmi_dev_err == EPERM)
                nf_check_set(r, NF_CHECK_WARN, "run as root", "/dev/ipmi0: %s", strerror(in->ipmi_dev_err));
        else if (in->probe == NF_PROBE_OK)
                nf_check_set(r, NF_CHECK_PASS, NULL, "%s", in->probe_msg);
        else if (in->probe == NF_PROBE_FAILED)
                nf_check_set(r, NF_CHECK_FAIL,
                             "check that ipmi_si found the BMC's interface (dmesg) and that the BMC is up",
                             "the BMC does not answer in-band: %s", in->probe_msg);
        else if (in->ipmi_dev_err)
                nf_check_set(r, NF_CHECK_WARN, "check /dev/ipmi0", "/dev/ipmi0: %s", strerror(in->ipmi_dev_err));
        else
                nf_check_set(r, NF_CHECK_WARN, "run without --no-probe", "/dev/ipmi0 present, BMC not probed");
}
