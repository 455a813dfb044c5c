/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What a new request does about the operation an earlier agent left on the
 * same target (docs/design.md, "Kept results").  A pure function of the
 * facts below, so that every combination can be checked (unit test
 * test-prior-decision): it does no I/O.  fence-op.c gathers the facts
 * from the lock, the state file and, when the decision depends on the
 * host, one IPMI session of this request (prior-check.c).
 *
 * The promises it keeps:
 *   - a success this request did not produce itself is reported only
 *     after this request logged in to the BMC with its own credentials;
 *   - a kept success (the operation had ended before this request came)
 *     also needs nothing showing that the host has lived again since it
 *     ended: power where the operation left it, the operation's SEL
 *     records still there, no newer armed, dump or boot record.  A joined
 *     one does not: the request came while the operation ran, so that
 *     operation's power action answers it, and what the host does after
 *     the action (boot, arm) is the action's doing;
 *   - a failed login is this request's own failure, never a success;
 *   - no second NMI while an NMI may have reached the host and its dump
 *     may still run (a running operation is joined or resumed);
 *   - a finished reboot is not kept for a new dump or fence: the host is
 *     back on, and nothing outside it tells a fresh boot from a re-hung
 *     one.  Concurrent requests join the operation while it runs instead.
 *     A follow (no NMI, an operator's) may take it, checked as above: its
 *     window would otherwise hold the dump just handled.
 */

#include <stdbool.h>

typedef enum nf_prior_lock {
        NF_PRIOR_LOCK_FREE,             /* this request owns the target now */
        NF_PRIOR_LOCK_HELD,             /* a live agent runs an operation */
        _NF_PRIOR_LOCK_MAX,
} nf_prior_lock;

typedef enum nf_prior_file {
        NF_PRIOR_FILE_ABSENT,
        NF_PRIOR_FILE_CORRUPT,          /* or unreadable */
        NF_PRIOR_FILE_OTHER_BOOT,       /* written before this machine's boot */
        NF_PRIOR_FILE_RUNNING,          /* its agent died before the end */
        NF_PRIOR_FILE_FINISHED,
        _NF_PRIOR_FILE_MAX,
} nf_prior_file;

typedef enum nf_prior_nmi {
        NF_PRIOR_NMI_NONE,              /* stopped before the NMI (or the follow's mark) */
        NF_PRIOR_NMI_NOT_CARRIED,       /* refused by the BMC, or never left */
        NF_PRIOR_NMI_SENT,              /* may have reached the host */
        NF_PRIOR_NMI_FOLLOWED,          /* a follow past its mark: someone else's NMI */
        _NF_PRIOR_NMI_MAX,
} nf_prior_nmi;

typedef enum nf_prior_login {
        NF_PRIOR_LOGIN_NOT_TRIED,
        NF_PRIOR_LOGIN_OK,
        NF_PRIOR_LOGIN_REFUSED,         /* user, password, K_g, privilege, cipher */
        NF_PRIOR_LOGIN_UNREACHABLE,
        _NF_PRIOR_LOGIN_MAX,
} nf_prior_login;

typedef enum nf_prior_power {
        NF_PRIOR_POWER_UNKNOWN,
        NF_PRIOR_POWER_MATCHES,         /* as the operation left it */
        NF_PRIOR_POWER_DIFFERS,
        _NF_PRIOR_POWER_MAX,
} nf_prior_power;

typedef enum nf_prior_sel {
        NF_PRIOR_SEL_UNKNOWN,           /* not read */
        NF_PRIOR_SEL_CONTINUOUS,        /* the operation's records, nothing of the host's after them */
        NF_PRIOR_SEL_GONE,              /* cleared, or a restarted BMC */
        NF_PRIOR_SEL_LIFE,              /* a newer armed, dump or boot record */
        _NF_PRIOR_SEL_MAX,
} nf_prior_sel;

typedef struct nf_prior_facts {
        nf_prior_lock lock;
        nf_prior_file file;
        /* of the operation in the file (RUNNING, FINISHED) */
        nf_prior_nmi nmi;
        bool succeeded;                 /* finished with the final power state verified */
        bool dump_seen;                 /* a dump record or fence_kdump message came */
        bool final_off;                 /* its final action is "off" (else a power cycle) */
        bool same_request;              /* same final action and no-panic policy as this one */
        bool within_window;             /* finished less than keep_result ago */
        /* this request */
        bool follow;                    /* nmifence follow: sends no NMI itself */
        bool joined;                    /* it joined that very operation while it ran */
        /* what this request's own session saw (NOT_TRIED/UNKNOWN until asked) */
        nf_prior_login login;
        nf_prior_power power;
        nf_prior_sel sel;
} nf_prior_facts;

typedef enum nf_prior_verdict {
        NF_PRIOR_JOIN,                  /* follow the running operation, send nothing */
        NF_PRIOR_NEW,                   /* a new operation, with its own NMI */
        NF_PRIOR_RESUME,                /* continue the operation, without an NMI */
        NF_PRIOR_REPORT,                /* report the finished operation's result */
        NF_PRIOR_CHECK,                 /* log in and look at the host, then decide again */
        NF_PRIOR_LOGIN_FAILED,          /* this request's own failure; the file is left as it is */
        _NF_PRIOR_VERDICT_MAX,
} nf_prior_verdict;

/* ret_why (may be NULL): why, in a few words, for the log. */
nf_prior_verdict nf_prior_decide(const nf_prior_facts *f, const char **ret_why);
const char *nf_prior_verdict_str(nf_prior_verdict v);
