/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <stdio.h>
#include <string.h>

#include "json-writer.h"
#include "report.h"

int nf_fence_exit_code(const nf_fence *f) {
        if (f->state == NF_FS_FAILED) {
                /* Nothing was done to the host (no NMI can have reached
                 * it, no follow began, the power phase never began): the
                 * BMC could not be used, for whatever reason.  Otherwise
                 * the fence is not known done. */
                if (!nf_fence_committed(f) && f->dump == NF_DUMP_NONE && !f->power_action_done)
                        return NF_EXIT_BMC;
                return NF_EXIT_FENCE_FAILED;
        }
        switch (f->dump) {
        case NF_DUMP_COMPLETE:
                return NF_EXIT_OK;
        case NF_DUMP_NOT_ASKED:
                /* a power-only fence: success is the verified power state */
                return f->fenced ? NF_EXIT_OK : NF_EXIT_FENCE_FAILED;
        case NF_DUMP_NO_PANIC:
        case NF_DUMP_HOST_OFF:
        case NF_DUMP_NMI_REFUSED:
        case NF_DUMP_NMI_NOT_SENT:
                return NF_EXIT_NO_PANIC;
        default:
                return NF_EXIT_DUMP_FAILED;
        }
}

const char *nf_exit_code_str(int code) {
        switch (code) {
        case NF_EXIT_OK:
                return "success: dump complete, host fenced";
        case NF_EXIT_DUMP_FAILED:
                return "dump failed, incomplete or not confirmed by the target, host fenced";
        case NF_EXIT_NO_PANIC:
                /* Without the fence at hand: every cause of exit 2. */
                return "no dump: no panic seen, the NMI refused or not sent, or the host was off";
        case NF_EXIT_BMC:
                return "BMC unreachable, or authentication or privilege failed: nothing done to the host";
        case NF_EXIT_USAGE:
                return "bad usage or configuration";
        case NF_EXIT_FENCE_FAILED:
                return "fence failed: power state not verified";
        case NF_EXIT_INTERRUPTED:
                return "interrupted";
        }
        return "unknown";
}

const char *nf_fence_exit_meaning(const nf_fence *f, int code) {
        if (code != NF_EXIT_NO_PANIC)
                return nf_exit_code_str(code);
        /* Exit 2 has four causes; the dump result says which. */
        switch (f->dump) {
        case NF_DUMP_NO_PANIC:
                return "no panic seen: no dump";
        case NF_DUMP_HOST_OFF:
                return "host was powered off: nothing to dump";
        case NF_DUMP_NMI_REFUSED:
                return "the BMC refused the NMI: no dump";
        case NF_DUMP_NMI_NOT_SENT:
                return "the NMI could not be sent: no dump";
        default:
                return nf_exit_code_str(code);
        }
}

const char *nf_fence_failure_text(const nf_fence *f, char *buf, size_t len) {
        char detail[256];
        size_t n = strlen(f->fail_reason);

        nf_error_format(&f->last_error, detail, sizeof detail);
        /* The reason may open with the cause's own words ("authentication
         * failed" and "authentication failed: password invalid"): say it once. */
        if (f->last_error.status == NF_OK || (n && !strncmp(detail, f->fail_reason, n)))
                snprintf(buf, len, "%s", f->last_error.status == NF_OK ? f->fail_reason : detail);
        else
                snprintf(buf, len, "%s: %s", f->fail_reason, detail);
        return buf;
}

static const char *nmi_sent_str(const nf_fence *f) {
        switch (f->nmi) {
        case NF_NMI_ACCEPTED:
                return "yes, once";
        case NF_NMI_UNCONFIRMED:
                return "yes, once; reply lost: delivery unconfirmed";
        case NF_NMI_REFUSED:
                return "no: the BMC refused the diag request";
        case NF_NMI_NOT_SENT:
                return "no: the diag request could not be sent";
        default:
                return f->nmi_sent ? "yes, once" : "no";
        }
}

static double rel(const nf_fence *f, uint64_t t) {
        return (double) (t - f->t_start) / 1000.0;
}

/* t - from, in seconds; `what` names both ends. */
static void line_time(FILE *out, const char *label, uint64_t from, uint64_t t, const char *what) {
        if (t && t >= from)
                fprintf(out, "  %-22s %8.1f s  (%s)\n", label, (double) (t - from) / 1000.0, what);
        else
                fprintf(out, "  %-22s %8s\n", label, "-");
}

#define RELEASED_MEANING "released at the release point: the rest of the dump and the power action continue with "

/* A released operation's success is the release, not the machine's end. */
static const char *exit_meaning(const nf_report *rep, const nf_fence *f, int code, char *buf, size_t len) {
        if (rep->released && code == NF_EXIT_OK) {
                snprintf(buf, len, RELEASED_MEANING "%s", rep->release_to);
                return buf;
        }
        return nf_fence_exit_meaning(f, code);
}

void nf_report_summary(FILE *out, const nf_report *rep, const nf_fence *f) {
        int code = rep->released ? NF_EXIT_OK : nf_fence_exit_code(f);
        char buf[256];

        fprintf(out, "Summary for %s (BMC %s):\n", rep->host, rep->bmc);
        fprintf(out, "  %-22s %s", "dump result:", nf_dump_result_str(f->dump));
        if (f->dump == NF_DUMP_FAILED || f->dump == NF_DUMP_PARTIAL)
                fprintf(out, " (target code %u)", f->dump_arg);
        if (f->dump == NF_DUMP_STALLED && f->last_percent >= 0)
                fprintf(out, " at %d%%", f->last_percent);
        fputc('\n', out);
        if (f->dump_reason[0])
                fprintf(out, "  %-22s %s\n", "wait ended by:", f->dump_reason);
        if (f->regs_saved >= 0 && f->cpus_in_dump >= 0)
                fprintf(out, "  %-22s %d/%d CPUs\n", "registers saved:", f->regs_saved, f->cpus_in_dump);
        if (f->kdump_msgs || rep->kdump_ignored)
                fprintf(out, "  %-22s %u accepted, %u ignored\n", "fence_kdump messages:", f->kdump_msgs,
                        rep->kdump_ignored);
        if (rep->test_extra_nmis)
                fprintf(out, "  %-22s yes, once by the fence + %u extra (TEST ONLY --test-extra-nmi)\n", "NMI sent:",
                        rep->test_extra_nmis);
        else if (f->follow)
                fprintf(out, "  %-22s %s\n", "NMI sent:", "no (follow: the dump was started outside nmifence)");
        else
                fprintf(out, "  %-22s %s\n", "NMI sent:", nmi_sent_str(f));
        if (rep->joined)
                fprintf(out, "  %-22s %s (pid %ld); no NMI from this agent\n", "joined:",
                        "another agent ran this operation", rep->owner_pid);
        if (rep->resumed)
                fprintf(out, "  %-22s %s (pid %ld); no NMI from this agent\n", "resumed:",
                        "continued the operation of a stopped agent", rep->owner_pid);
        if (f->follow) {
                line_time(out, "following since:", f->t_start, f->t_follow, "agent start -> SEL window read");
                line_time(out, "dump record seen:", f->t_start, f->t_panic,
                          "agent start -> first dump record of the window");
        } else
                line_time(out, "time to panic:", f->t_nmi, f->t_nmi ? f->t_panic : 0, "NMI -> dump-start");
        line_time(out, "time to dump done:", f->t_start, f->t_done, "agent start -> dump finished or given up");
        line_time(out, "time to power action:", f->t_start, f->t_power_action, "agent start -> first power command");
        line_time(out, "power verified:", f->t_start, f->t_verified,
                  f->fenced ? (f->power_on ? "agent start -> power on verified" : "agent start -> power off verified") : "-");
        if (f->sel_cleared_seen)
                fprintf(out, "  %-22s %s\n", "warning:", "the SEL was cleared during the wait");
        if (f->sel_full) {
                nf_fence_sel_full_note(f, buf, sizeof buf);
                fprintf(out, "  %-22s %s; clear it (ipmitool sel clear) once the dump is saved\n", "warning:", buf);
        }
        if (f->state == NF_FS_FAILED)
                fprintf(out, "  %-22s %s\n", "error:", nf_fence_failure_text(f, buf, sizeof buf));
        if (rep->released)
                fprintf(out, "  %-22s to %s at %s: the rest of the dump and the power action continue there\n",
                        "released:", rep->release_to, rep->release_at);
        fprintf(out, "  %-22s %d (%s)\n", "exit:", code, exit_meaning(rep, f, code, buf, sizeof buf));
}

void nf_report_json(FILE *out, const nf_report *rep, const nf_fence *f) {
        nf_json j;

        nf_json_begin(&j, out);
        nf_report_json_object(&j, NULL, rep, f, nf_fence_exit_code(f));
        nf_json_end(&j);
}

void nf_report_json_object(nf_json *j, const char *key, const nf_report *rep, const nf_fence *f, int code) {
        char buf[256];

        nf_json_object_open(j, key);
        nf_json_string(j, "host", rep->host);
        nf_json_string(j, "bmc", rep->bmc);
        nf_json_string(j, "mode", f->follow ? "follow" : "dump");
        nf_json_string(j, "state", nf_fence_state_str(f->state));
        nf_json_string(j, "dump_result", nf_dump_result_str(f->dump));
        nf_json_int(j, "dump_code", f->dump_arg);
        nf_json_string(j, "dump_ended_by", f->dump_reason[0] ? f->dump_reason : NULL);
        nf_json_string(j, "dump_evidence", f->sel_dump_seen ? "sel" : f->kdump_msgs ? "fence_kdump" : NULL);
        /* CPUs of the crashed kernel with saved registers, and in the
         * dump (NT_PRSTATUS notes); null when the target did not say. */
        if (f->regs_saved >= 0 && f->cpus_in_dump >= 0) {
                nf_json_int(j, "registers_saved", f->regs_saved);
                nf_json_int(j, "cpus_in_dump", f->cpus_in_dump);
        } else {
                nf_json_string(j, "registers_saved", NULL);
                nf_json_string(j, "cpus_in_dump", NULL);
        }
        nf_json_int(j, "kdump_messages", f->kdump_msgs);
        nf_json_int(j, "kdump_ignored", rep->kdump_ignored);
        nf_json_bool(j, "joined", rep->joined);
        nf_json_bool(j, "resumed", rep->resumed);
        nf_json_bool(j, "nmi_sent", nf_fence_nmi_may_have_reached(f));
        nf_json_string(j, "nmi", f->nmi != NF_NMI_NONE ? nf_nmi_outcome_str(f->nmi) : NULL);
        if (rep->test_extra_nmis)
                nf_json_int(j, "test_extra_nmis", rep->test_extra_nmis);
        nf_json_bool(j, "fenced", f->fenced);
        nf_json_string(j, "final_power", f->fenced ? (f->power_on ? "on" : "off") : NULL);
        nf_json_int(j, "exit_code", code);
        nf_json_string(j, "exit_meaning", exit_meaning(rep, f, code, buf, sizeof buf));
        nf_json_object_open(j, "release");
        nf_json_string(j, "mode", rep->release_capture ? "capture" : "power");
        nf_json_bool(j, "released", rep->released);
        nf_json_string(j, "at", rep->released ? rep->release_at : NULL);
        nf_json_string(j, "to", rep->released ? rep->release_to : NULL);
        nf_json_object_close(j);
        nf_json_object_open(j, "times");
        nf_json_seconds(j, "nmi", f->t_nmi != 0, f->t_nmi ? rel(f, f->t_nmi) : 0);
        /* follow: when the wait began (null for dump) */
        nf_json_seconds(j, "follow", f->t_follow != 0, f->t_follow ? rel(f, f->t_follow) : 0);
        nf_json_seconds(j, "panic", f->t_panic != 0, f->t_panic ? rel(f, f->t_panic) : 0);
        nf_json_seconds(j, "dump_done", f->t_done != 0, f->t_done ? rel(f, f->t_done) : 0);
        nf_json_seconds(j, "power_action", f->t_power_action != 0, f->t_power_action ? rel(f, f->t_power_action) : 0);
        nf_json_seconds(j, "verified", f->t_verified != 0, f->t_verified ? rel(f, f->t_verified) : 0);
        nf_json_object_close(j);
        nf_json_array_open(j, "records");
        for (size_t i = 0; i < rep->n_records; i++) {
                nf_json_object_open(j, NULL);
                nf_json_string(j, "stage", nf_stage_str(rep->records[i].msg.stage));
                nf_json_int(j, "arg", rep->records[i].msg.arg);
                nf_json_int(j, "seq", rep->records[i].msg.seq);
                nf_json_seconds(j, "t", true, (double) rep->records[i].t_ms / 1000.0);
                nf_json_object_close(j);
        }
        nf_json_array_close(j);
        nf_json_bool(j, "sel_cleared", f->sel_cleared_seen);
        /* The SEL at the mark: full means the target's records could not
         * be posted (docs/reliability.md, case 6'). */
        nf_json_bool(j, "sel_full", f->sel_full);
        if (f->sel_full) {
                nf_json_int(j, "sel_entries", f->sel_entries);
                nf_json_bool(j, "sel_overflow", f->sel_overflow);
                nf_fence_sel_full_note(f, buf, sizeof buf);
                nf_json_string(j, "sel_full_fallback", buf);
        }
        nf_json_int(j, "session_reopens", rep->reopens);
        /* The RMCP+ engine's counters (ipmi/rmcpp-sm.h): counted, not
         * inferred. */
        nf_json_int(j, "retransmits", (long long) rep->ipmi.retransmits);
        nf_json_int(j, "setups", (long long) rep->ipmi.setups);
        nf_json_int(j, "setup_retransmits", (long long) rep->ipmi.setup_retransmits);
        nf_json_int(j, "setup_restarts", (long long) rep->ipmi.setup_restarts);
        nf_json_int(j, "replies_dropped_stale", (long long) rep->ipmi.dropped_stale);
        nf_json_int(j, "datagrams_dropped_bad", (long long) rep->ipmi.dropped_bad);
        nf_json_int(j, "datagrams_sent", (long long) rep->ipmi.datagrams_sent);
        nf_json_int(j, "datagrams_received", (long long) rep->ipmi.datagrams_received);
        if (f->state == NF_FS_FAILED) {
                nf_json_object_open(j, "error");
                nf_json_string(j, "reason", f->fail_reason);
                nf_json_string(j, "status", nf_status_str(f->last_error.status));
                nf_json_string(j, "message", nf_error_format(&f->last_error, buf, sizeof buf));
                if (f->last_error.status == NF_E_COMPLETION)
                        nf_json_int(j, "completion_code", f->last_error.cc);
                nf_json_object_close(j);
        } else
                nf_json_string(j, "error", NULL);
        nf_json_object_close(j);
}
