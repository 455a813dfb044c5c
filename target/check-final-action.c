/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the capture kernel does after the dump, and whether the agent can
 * see that the dump is finished (docs/protocol.md: dump-done, or the host
 * powering itself off). */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

void nf_check_kdump_final_action(const nf_check_input *in, nf_check_result *r) {
        nf_kdump_tool tool = nf_check_kdump_tool(in);
        char final[64] = "reboot", failure[64] = "reboot", post[256] = "", collector[256] = "";
        char *fail_cmd = NULL;
        bool unexp = false;

        switch (tool) {
        case NF_KDUMP_TOOLS:
                /* kdump-tools' init script: savecore, then `reboot -f` on
                 * success, KDUMP_FAIL_CMD (default the same reboot) on
                 * failure.  A reboot keeps the power on, so without
                 * dump-done the agent learns nothing. */
                (void) nf_shvar_get(in->kdump_tools_default.data, "KDUMP_FAIL_CMD", &fail_cmd, &unexp);
                if (in->nmifence_initramfs_hook)
                        nf_check_set(r, NF_CHECK_PASS, NULL,
                                     "kdump-tools: nmifence-target posts dump-done/dump-failed around savecore, then "
                                     "reboot -f (on failure: %s)",
                                     fail_cmd && fail_cmd[0] ? fail_cmd : "reboot -f");
                else
                        nf_check_set(r, NF_CHECK_FAIL,
                                     "install nmifence's kdump-tools hook (meson install; docs/target.md) and rebuild "
                                     "the kdump initramfs",
                                     "kdump-tools reboots after savecore (on failure: %s) and nothing posts dump-done: "
                                     "the agent sees neither the end of the dump nor a power-off",
                                     fail_cmd && fail_cmd[0] ? fail_cmd : "reboot -f");
                break;
        case NF_KDUMP_UTILS:
                if (in->kdump_conf.err && in->kdump_conf.err != ENOENT) {
                        nf_check_set(r, NF_CHECK_WARN, "run as root", "cannot read /etc/kdump.conf: %s",
                                     strerror(in->kdump_conf.err));
                        break;
                }
                (void) nf_kdump_conf_get(in->kdump_conf.data, "final_action", final, sizeof final);
                (void) nf_kdump_conf_get(in->kdump_conf.data, "failure_action", failure, sizeof failure);
                (void) nf_kdump_conf_get(in->kdump_conf.data, "kdump_post", post, sizeof post);
                (void) nf_kdump_conf_get(in->kdump_conf.data, "core_collector", collector, sizeof collector);
                if (strstr(post, "nmifence") || strstr(collector, "nmifence-target"))
                        nf_check_set(r, NF_CHECK_PASS, NULL,
                                     "kdump-utils: %s posts the result, then final_action %s (failure_action %s)",
                                     strstr(post, "nmifence") ? post : collector, final, failure);
                else if (strcmp(final, "poweroff") == 0)
                        nf_check_set(r, NF_CHECK_WARN,
                                     "add nmifence's kdump_pre/kdump_post (share/doc/nmifence/kdump.conf.nmifence, docs/target.md)",
                                     "kdump-utils: final_action poweroff without nmifence's kdump_post: the agent "
                                     "infers the end from the power-off and cannot tell a complete dump (exit 1)");
                else
                        nf_check_set(r, NF_CHECK_FAIL,
                                     "add nmifence's kdump_pre/kdump_post (share/doc/nmifence/kdump.conf.nmifence, docs/target.md)",
                                     "kdump-utils: final_action %s without nmifence's kdump_post: the agent sees "
                                     "neither the end of the dump nor a power-off",
                                     final);
                break;
        default:
                nf_check_set(r, NF_CHECK_WARN,
                             "install kdump-tools or kdump-utils with nmifence's hook, or run `nmifence-target dump` "
                             "in your capture environment",
                             "no kdump tool configuration: the agent sees the end of the dump only if the capture "
                             "environment runs nmifence-target dump");
                break;
        }
        free(fail_cmd);
}
