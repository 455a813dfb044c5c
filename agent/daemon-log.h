/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * nmifenced's log: journald with structured fields when the daemon runs
 * under it, plain lines on stderr otherwise.  Every per-host line carries
 * NMIFENCE_HOST=; every state change is one entry with NMIFENCE_MACHINE=
 * (liveness or fence), NMIFENCE_PREV_STATE=, NMIFENCE_STATE= and
 * NMIFENCE_REASON=, so
 *
 *     journalctl -u nmifenced NMIFENCE_HOST=node07
 *     journalctl -u nmifenced NMIFENCE_STATE=fencing
 *
 * answer "what happened to node07" and "whom did it fence".
 */

#include <stdarg.h>
#include <stdbool.h>
#include <syslog.h>

typedef enum nf_dlog_target {
        NF_DLOG_AUTO,           /* journal when stderr is the journal stream ($JOURNAL_STREAM) */
        NF_DLOG_JOURNAL,
        NF_DLOG_STDERR,
        _NF_DLOG_TARGET_MAX,
} nf_dlog_target;

typedef struct nf_dlog {
        bool journal;           /* resolved target */
        bool debug;             /* LOG_DEBUG lines too */
} nf_dlog;

/* MESSAGE_IDs (journalctl MESSAGE_ID=...): a host's liveness state
 * changed / its fence machine changed state / a fence ended. */
#define NF_DLOG_MID_LIVENESS "03ac5f24a822473dbbdada4c46618213"
#define NF_DLOG_MID_FENCE "cbcd73c0c1df4729b44eda6d5fc73d5f"
#define NF_DLOG_MID_FENCE_DONE "a961e962038b42988faab7a031dad463"

bool nf_dlog_target_from_str(const char *s, nf_dlog_target *ret);
void nf_dlog_init(nf_dlog *l, nf_dlog_target t, bool debug);

/* A line about the daemon (host NULL) or one host. */
void nf_dlogf(const nf_dlog *l, int priority, const char *host, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* One state change of one host's machine ("liveness" or "fence"). */
void nf_dlog_state(const nf_dlog *l, int priority, const char *host, const char *machine, const char *from,
                   const char *to, const char *why);

/* A fence ended: its result and exit code (NF_EXIT_*); requested_by
 * (NULL or "": the daemon's own judgement) names who asked for it or
 * handed it over (NMIFENCE_REQUESTED_BY=). */
void nf_dlog_fence_done(const nf_dlog *l, int priority, const char *host, int exit_code, bool nmi_sent,
                        const char *result, const char *requested_by);
