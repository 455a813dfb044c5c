/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <assert.h>
#include <stddef.h>

#include "prior-decision.h"

static const char *const verdict_names[_NF_PRIOR_VERDICT_MAX] = {
        [NF_PRIOR_JOIN] = "join",
        [NF_PRIOR_NEW] = "new",
        [NF_PRIOR_RESUME] = "resume",
        [NF_PRIOR_REPORT] = "report",
        [NF_PRIOR_CHECK] = "check",
        [NF_PRIOR_LOGIN_FAILED] = "login-failed",
};

const char *nf_prior_verdict_str(nf_prior_verdict v) {
        return v < _NF_PRIOR_VERDICT_MAX ? verdict_names[v] : "invalid";
}

static nf_prior_verdict why(nf_prior_verdict v, const char *reason, const char **ret_why) {
        if (ret_why)
                *ret_why = reason;
        return v;
}

nf_prior_verdict nf_prior_decide(const nf_prior_facts *f, const char **ret_why) {
        assert(f);

        if (f->lock == NF_PRIOR_LOCK_HELD)
                return why(NF_PRIOR_JOIN, "another agent runs an operation on this target", ret_why);
        switch (f->file) {
        case NF_PRIOR_FILE_ABSENT:
                return why(NF_PRIOR_NEW, "no earlier operation", ret_why);
        case NF_PRIOR_FILE_CORRUPT:
                return why(NF_PRIOR_NEW, "the earlier operation's state cannot be read", ret_why);
        case NF_PRIOR_FILE_OTHER_BOOT:
                return why(NF_PRIOR_NEW, "the earlier operation is from an earlier boot of this machine", ret_why);
        case NF_PRIOR_FILE_RUNNING:
                /* Its NMI may be in the host: continue that operation,
                 * never a second NMI into a dump that may still run. */
                if (f->nmi == NF_PRIOR_NMI_SENT || f->nmi == NF_PRIOR_NMI_FOLLOWED)
                        return why(NF_PRIOR_RESUME, "the earlier agent died after the NMI", ret_why);
                return why(NF_PRIOR_NEW, "the earlier agent died before any NMI reached the host", ret_why);
        case NF_PRIOR_FILE_FINISHED:
        default:
                break;
        }

        /* A finished operation whose NMI never reached the host (refused,
         * not sent, before it), or a follow that saw no dump, protects
         * nothing: the new request fences. */
        if (!(f->nmi == NF_PRIOR_NMI_SENT || (f->nmi == NF_PRIOR_NMI_FOLLOWED && f->dump_seen)))
                return why(NF_PRIOR_NEW, "the earlier operation's NMI did not reach the host", ret_why);

        if (!f->joined) {
                if (!f->within_window)
                        return why(NF_PRIOR_NEW, "the earlier operation finished longer than keep_result ago",
                                   ret_why);
                /* Another final action or no-panic policy is a new decision
                 * of whoever asks (leave, then cycle after all). */
                if (!f->same_request)
                        return why(NF_PRIOR_NEW, "the earlier operation asked for something else", ret_why);
                /* Claims nothing, and keeps a second NMI out of a host whose
                 * NMI may have left it dumping.  A follow sends no NMI: it
                 * reads the SEL itself. */
                if (!f->succeeded)
                        return f->follow ? why(NF_PRIOR_NEW, "a follow after a failure reads the SEL itself", ret_why)
                                         : why(NF_PRIOR_REPORT, "the earlier operation failed after its NMI", ret_why);
                /* A follow is an operator's, and sends no NMI: while nothing
                 * shows a new boot, the dump in its window is the one just
                 * handled, and following it again would repeat its power
                 * action on a booting host. */
                if (!f->final_off && !f->follow)
                        return why(NF_PRIOR_NEW, "a finished power cycle is not kept: the host runs again",
                                   ret_why);
        } else if (!f->succeeded)
                return why(NF_PRIOR_REPORT, "the joined operation failed", ret_why);

        /* A success: only this request's own login, and a host that shows
         * no life since, let it stand for this request. */
        switch (f->login) {
        case NF_PRIOR_LOGIN_NOT_TRIED:
                return why(NF_PRIOR_CHECK, "a success is reported only after a check of the host", ret_why);
        case NF_PRIOR_LOGIN_REFUSED:
                return why(NF_PRIOR_LOGIN_FAILED, "this request's login was refused", ret_why);
        case NF_PRIOR_LOGIN_UNREACHABLE:
                return why(NF_PRIOR_LOGIN_FAILED, "this request cannot reach the BMC", ret_why);
        case NF_PRIOR_LOGIN_OK:
        default:
                break;
        }
        /* A joiner asked while the operation ran: the power action came
         * after its request, and what the host does after that action
         * (boot, arm) is that action's doing, not a sign of a new hang. */
        if (f->joined)
                return why(NF_PRIOR_REPORT, "logged in; this request came while that operation ran", ret_why);
        if (f->power == NF_PRIOR_POWER_DIFFERS)
                return why(NF_PRIOR_NEW, "the host's power changed since", ret_why);
        if (f->power != NF_PRIOR_POWER_MATCHES)
                return why(NF_PRIOR_NEW, "the host's power state cannot be read", ret_why);
        if (f->sel == NF_PRIOR_SEL_GONE)
                return why(NF_PRIOR_NEW, "the operation's SEL records are gone (SEL cleared or BMC restarted)",
                           ret_why);
        if (f->sel == NF_PRIOR_SEL_LIFE)
                return why(NF_PRIOR_NEW, "the SEL shows the host alive since (newer armed, dump or boot record)",
                           ret_why);
        if (f->sel != NF_PRIOR_SEL_CONTINUOUS)
                return why(NF_PRIOR_NEW, "the SEL cannot be read", ret_why);
        return why(NF_PRIOR_REPORT, "logged in; power as left, no newer record of the host", ret_why);
}
