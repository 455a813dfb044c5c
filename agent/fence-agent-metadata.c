/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fence_nmi's metadata XML, in the shape fencing.py prints it, valid
 * against fence-agents' /usr/share/cluster/relaxng/metadata.rng.  It is
 * generated from the parameter table, so every accepted parameter is
 * described, and each deprecated fence_ipmilan alias appears as its own
 * parameter with deprecated="1", the new name carrying obsoletes=.
 *
 * That schema allows no timeout attribute on <action>, so the recommended
 * timeout of each action is stated in the longdesc and in a comment next
 * to the action (docs/pacemaker.md explains how to derive them).
 */

#include <stdio.h>

#include "fence-agent-metadata.h"
#include "fence-agent-params.h"

static void xml_text(FILE *out, const char *s) {
        for (; *s; s++) {
                switch (*s) {
                case '&': fputs("&amp;", out); break;
                case '<': fputs("&lt;", out); break;
                case '>': fputs("&gt;", out); break;
                case '"': fputs("&quot;", out); break;
                default: fputc(*s, out);
                }
        }
}

static const char *type_str(nf_fa_type t) {
        switch (t) {
        case NF_FA_T_INTEGER: return "integer";
        case NF_FA_T_SECOND: return "second";
        case NF_FA_T_BOOLEAN: return "boolean";
        case NF_FA_T_SELECT: return "select";
        default: return "string";
        }
}

static void parameter(FILE *out, const nf_fa_param_desc *d, const char *name, bool deprecated) {
        fprintf(out, "\t<parameter name=\"%s\" unique=\"0\" required=\"%d\"", name, d->required && !deprecated);
        if (deprecated)
                fputs(" deprecated=\"1\"", out);
        else if (d->obsoletes)
                fprintf(out, " obsoletes=\"%s\"", d->obsoletes);
        fputs(">\n\t\t<getopt mixed=\"", out);
        if (d->short_opt)
                fprintf(out, "-%c, ", d->short_opt);
        fprintf(out, "--%s", d->long_opt);
        if (d->arg_name)
                fprintf(out, "=[%s]", d->arg_name);
        fputs("\" />\n", out);
        fprintf(out, "\t\t<content type=\"%s\" default=\"", type_str(d->type));
        xml_text(out, d->def);
        fputs("\"", out);
        if (d->type == NF_FA_T_SELECT) {
                fputs(" >\n", out);
                for (const char *const *o = d->options; *o; o++)
                        fprintf(out, "\t\t\t<option value=\"%s\" />\n", *o);
                fputs("\t\t</content>\n", out);
        } else
                fputs(" />\n", out);
        fputs("\t\t<shortdesc lang=\"en\">", out);
        xml_text(out, d->shortdesc);
        fputs("</shortdesc>\n\t</parameter>\n", out);
}

void nf_fa_metadata_print(FILE *out) {
        fputs("<?xml version=\"1.0\" ?>\n"
              "<resource-agent name=\"fence_nmi\" shortdesc=\"Dump-aware fence agent: IPMI NMI, wait for the kdump, "
              "then power\" >\n"
              "<longdesc>fence_nmi fences a host through its BMC (IPMI 2.0, RMCP+) without losing the evidence: it "
              "sends one diagnostic interrupt (NMI), waits until the host's kdump capture kernel reports through the "
              "SEL that the crash dump is complete (or failed, stalled, or ran past dump_max_time), then powers the "
              "host off (off) or off and on again (reboot) and verifies the power state. Success means the power "
              "state was verified; the dump result is logged on stderr. A host that is already off gets no NMI: off "
              "succeeds at once, reboot powers it on. Recommended action timeouts for the default parameters: ",
              out);
        for (int i = 0; i < _NF_FA_ACT_MAX; i++)
                fprintf(out, "%s %s%s", nf_fa_actions[i].name, nf_fa_actions[i].timeout,
                        i + 1 < _NF_FA_ACT_MAX ? ", " : ". ");
        fputs("For other settings, off and reboot need nmi_timeout + dump_max_time + 2 * power_timeout + "
              "2 * session_timeout: set pcmk_off_timeout and pcmk_reboot_timeout to at least that (see "
              "fence_nmi(8)).</longdesc>\n"
              "<vendor-url>https://github.com/ClusterLabs/fence-agents/blob/main/doc/FenceAgentAPI.md</vendor-url>\n"
              "<parameters>\n",
              out);
        for (int i = 0; i < _NF_FA_KEY_MAX; i++) {
                const nf_fa_param_desc *d = &nf_fa_params[i];
                parameter(out, d, d->name, false);
                if (d->obsoletes)
                        parameter(out, d, d->obsoletes, true);
        }
        fputs("</parameters>\n<actions>\n", out);
        for (int i = 0; i < _NF_FA_ACT_MAX; i++) {
                const nf_fa_action_desc *a = &nf_fa_actions[i];
                fprintf(out, "\t<action name=\"%s\"", a->name);
                if (a->automatic)
                        fprintf(out, " automatic=\"%s\"", a->automatic);
                fprintf(out, " /><!-- timeout: %s -->\n", a->timeout);
        }
        fputs("</actions>\n</resource-agent>\n", out);
}
