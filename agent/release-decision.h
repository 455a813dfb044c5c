/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The release point (docs/pacemaker.md, "Release modes"): when a fence
 * with release=capture may report success before the dump and the power
 * action ended, because the rest is handed to nmifenced.  A pure function
 * of the facts below, like prior-decision.h: no I/O, every combination
 * checked by test-release-decision.  fence-op.c gathers the facts from
 * the fence machine (fence-sm.h) and from the daemon's answer.
 *
 * The promises it keeps:
 *   - release=power (the default) never releases;
 *   - a release needs evidence that this operation's NMI replaced the
 *     crashed kernel: a capture-kernel record (dump-start or any later
 *     stage) read back through the BMC from the SEL window that starts at
 *     the mark right before that NMI, or the power read off after it.
 *     Records of a follow's window (someone else's NMI, maybe an earlier
 *     boot) or inherited from another operation's state never count; nor
 *     does anything after an NMI that was refused or never sent;
 *   - fence_kdump datagrams alone (unauthenticated UDP) release only with
 *     release_on_kdump, the admin's acceptance of fence_kdump's trust model;
 *   - no panic within nmi_timeout is never a release (no_panic_policy);
 *   - a host is never released with nobody supervising the rest: only
 *     once nmifenced has taken it on (adopt answered ok); otherwise the
 *     operation goes on as release=power.
 */

#include <stdbool.h>

typedef enum nf_release_mode {
        NF_RELEASE_POWER,               /* success once the final power action is verified */
        NF_RELEASE_CAPTURE,             /* success at the release point, the rest handed over */
        _NF_RELEASE_MODE_MAX,
} nf_release_mode;

typedef enum nf_release_nmi {
        NF_RELEASE_NMI_NONE,            /* not sent (yet), or none at all (host off, power only) */
        NF_RELEASE_NMI_NOT_CARRIED,     /* refused by the BMC, or never left */
        NF_RELEASE_NMI_SENT,            /* accepted or unconfirmed: may have reached the host */
        _NF_RELEASE_NMI_MAX,
} nf_release_nmi;

/* Where the evidence was read. */
typedef enum nf_release_window {
        NF_RELEASE_WINDOW_OWN,          /* this operation's SEL window, from the mark right before its NMI */
        NF_RELEASE_WINDOW_FOLLOW,       /* a follow's: someone else's NMI, maybe an earlier boot's records */
        NF_RELEASE_WINDOW_INHERITED,    /* another operation's state (an earlier boot's, a kept result) */
        _NF_RELEASE_WINDOW_MAX,
} nf_release_window;

typedef enum nf_release_supervisor {
        NF_RELEASE_SUPERVISOR_NOT_ASKED,
        NF_RELEASE_SUPERVISOR_ACCEPTED, /* nmifenced answered the adopt request ok */
        NF_RELEASE_SUPERVISOR_ABSENT,   /* no daemon, refused, no answer in time */
        _NF_RELEASE_SUPERVISOR_MAX,
} nf_release_supervisor;

typedef struct nf_release_facts {
        nf_release_mode mode;
        bool release_on_kdump;          /* the admin accepts fence_kdump's trust model */
        bool finished;                  /* the operation already ended: its own result stands */
        nf_release_nmi nmi;
        nf_release_window window;
        unsigned capture_records;       /* capture-kernel records in the window, after the NMI */
        unsigned records_before_mark;   /* the host's records older than the window: never evidence */
        bool off_after_nmi;             /* power read off after the NMI */
        unsigned kdump_msgs;            /* fence_kdump messages accepted after the NMI */
        bool no_panic;                  /* nmi_timeout passed without a sign of the panic */
        nf_release_supervisor supervisor;
} nf_release_facts;

typedef enum nf_release_verdict {
        NF_RELEASE_KEEP,                /* not a release point: go on */
        NF_RELEASE_ASK,                 /* a release point: ask nmifenced to adopt the rest */
        NF_RELEASE_RELEASED,            /* nmifenced took it on: report success and exit */
        NF_RELEASE_FALLBACK,            /* nobody supervises the rest: go on as release=power */
        _NF_RELEASE_VERDICT_MAX,
} nf_release_verdict;

/* ret_why (may be NULL): why, in a few words, for the log. */
nf_release_verdict nf_release_decide(const nf_release_facts *f, const char **ret_why);
const char *nf_release_verdict_str(nf_release_verdict v);
const char *nf_release_mode_str(nf_release_mode m);
/* "power"/"capture"; false on anything else. */
bool nf_parse_release_mode(const char *s, nf_release_mode *ret);
