/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon-log.h"
#include "nmifence-config.h"

#if HAVE_LIBSYSTEMD
#include <systemd/sd-journal.h>
#endif

static const char *const target_names[_NF_DLOG_TARGET_MAX] = {
        [NF_DLOG_AUTO] = "auto",
        [NF_DLOG_JOURNAL] = "journal",
        [NF_DLOG_STDERR] = "stderr",
};

bool nf_dlog_target_from_str(const char *s, nf_dlog_target *ret) {
        for (unsigned i = 0; s && i < _NF_DLOG_TARGET_MAX; i++)
                if (strcmp(s, target_names[i]) == 0) {
                        *ret = (nf_dlog_target) i;
                        return true;
                }
        return false;
}

/* systemd sets $JOURNAL_STREAM to "DEV:INODE" of the stream it connected
 * stdout/stderr to; only when stderr still is that stream is the journal
 * the right place (systemd.exec(5), "$JOURNAL_STREAM"). */
static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

void nf_dlog_init(nf_dlog *l, nf_dlog_target t, bool debug) {
        *l = (nf_dlog) { .debug = debug };
#if HAVE_LIBSYSTEMD
        l->journal = t == NF_DLOG_JOURNAL || (t == NF_DLOG_AUTO && stderr_is_journal());
#else
        (void) t;
        (void) stderr_is_journal;
#endif
}

static const char *prio_tag(int p) {
        switch (p) {
        case LOG_EMERG:
        case LOG_ALERT:
        case LOG_CRIT:
        case LOG_ERR:
                return "error: ";
        case LOG_WARNING:
                return "warning: ";
        default:
                return "";
        }
}

void nf_dlogf(const nf_dlog *l, int priority, const char *host, const char *fmt, ...) {
        char msg[1024];
        va_list ap;

        if (priority == LOG_DEBUG && !l->debug)
                return;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
#if HAVE_LIBSYSTEMD
        if (l->journal) {
                if (host)
                        sd_journal_send("MESSAGE=%s: %s", host, msg, "PRIORITY=%d", priority, "NMIFENCE_HOST=%s", host,
                                        NULL);
                else
                        sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", priority, NULL);
                return;
        }
#endif
        fprintf(stderr, "nmifenced: %s%s%s%s\n", prio_tag(priority), host ? host : "", host ? ": " : "", msg);
}

void nf_dlog_state(const nf_dlog *l, int priority, const char *host, const char *machine, const char *from,
                   const char *to, const char *why) {
#if HAVE_LIBSYSTEMD
        if (l->journal) {
                sd_journal_send("MESSAGE=%s: %s %s -> %s: %s", host, machine, from, to, why, "PRIORITY=%d", priority,
                                "MESSAGE_ID=%s", strcmp(machine, "fence") ? NF_DLOG_MID_LIVENESS : NF_DLOG_MID_FENCE,
                                "NMIFENCE_HOST=%s", host, "NMIFENCE_MACHINE=%s", machine, "NMIFENCE_PREV_STATE=%s",
                                from, "NMIFENCE_STATE=%s", to, "NMIFENCE_REASON=%s", why, NULL);
                return;
        }
#endif
        fprintf(stderr, "nmifenced: %s%s: %s %s -> %s: %s\n", prio_tag(priority), host, machine, from, to, why);
}

void nf_dlog_fence_done(const nf_dlog *l, int priority, const char *host, int exit_code, bool nmi_sent,
                        const char *result, const char *requested_by) {
        const char *by = requested_by && *requested_by ? requested_by : NULL;

#if HAVE_LIBSYSTEMD
        if (l->journal) {
                /* the last field only when there is one (the list ends at NULL) */
                sd_journal_send("MESSAGE=%s: fence ended: %s (exit %d%s)%s%s", host, result, exit_code,
                                nmi_sent ? ", NMI sent" : "", by ? "; requested by " : "", by ? by : "",
                                "PRIORITY=%d", priority, "MESSAGE_ID=%s", NF_DLOG_MID_FENCE_DONE, "NMIFENCE_HOST=%s",
                                host, "NMIFENCE_MACHINE=fence", "NMIFENCE_EXIT_CODE=%d", exit_code,
                                "NMIFENCE_NMI_SENT=%d", nmi_sent ? 1 : 0, "NMIFENCE_REASON=%s", result,
                                by ? "NMIFENCE_REQUESTED_BY=%s" : NULL, by, NULL);
                return;
        }
#endif
        fprintf(stderr, "nmifenced: %s%s: fence ended: %s (exit %d%s)%s%s\n", prio_tag(priority), host, result,
                exit_code, nmi_sent ? ", NMI sent" : "", by ? "; requested by " : "", by ? by : "");
}
