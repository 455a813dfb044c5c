/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <assert.h>
#include <stddef.h>
#include <string.h>

#include "release-decision.h"

static const char *const verdict_names[_NF_RELEASE_VERDICT_MAX] = {
        [NF_RELEASE_KEEP] = "keep",
        [NF_RELEASE_ASK] = "ask",
        [NF_RELEASE_RELEASED] = "released",
        [NF_RELEASE_FALLBACK] = "fallback",
};

static const char *const mode_names[_NF_RELEASE_MODE_MAX] = {
        [NF_RELEASE_POWER] = "power",
        [NF_RELEASE_CAPTURE] = "capture",
};

const char *nf_release_verdict_str(nf_release_verdict v) {
        return v < _NF_RELEASE_VERDICT_MAX ? verdict_names[v] : "invalid";
}

const char *nf_release_mode_str(nf_release_mode m) {
        return m < _NF_RELEASE_MODE_MAX ? mode_names[m] : "invalid";
}

bool nf_parse_release_mode(const char *s, nf_release_mode *ret) {
        for (int i = 0; s && i < _NF_RELEASE_MODE_MAX; i++)
                if (!strcmp(s, mode_names[i])) {
                        *ret = (nf_release_mode) i;
                        return true;
                }
        return false;
}

static nf_release_verdict why(nf_release_verdict v, const char *reason, const char **ret_why) {
        if (ret_why)
                *ret_why = reason;
        return v;
}

/* A release point: nmifenced must take the rest on before it counts. */
static nf_release_verdict point(const nf_release_facts *f, const char *reason, const char **ret_why) {
        switch (f->supervisor) {
        case NF_RELEASE_SUPERVISOR_ACCEPTED:
                return why(NF_RELEASE_RELEASED, reason, ret_why);
        case NF_RELEASE_SUPERVISOR_ABSENT:
                return why(NF_RELEASE_FALLBACK, "nmifenced did not take the host on: nobody would supervise the "
                                                "rest; going on as release=power", ret_why);
        case NF_RELEASE_SUPERVISOR_NOT_ASKED:
        default:
                return why(NF_RELEASE_ASK, reason, ret_why);
        }
}

nf_release_verdict nf_release_decide(const nf_release_facts *f, const char **ret_why) {
        assert(f);

        if (f->mode != NF_RELEASE_CAPTURE)
                return why(NF_RELEASE_KEEP, "release=power: success only once the final power state is verified",
                           ret_why);
        if (f->finished)
                return why(NF_RELEASE_KEEP, "the operation has ended: its own result stands", ret_why);
        /* Whatever a follow's window or another operation's state shows
         * may be an earlier boot's capture kernel, not this hang's. */
        if (f->window == NF_RELEASE_WINDOW_FOLLOW)
                return why(NF_RELEASE_KEEP, "a follow's SEL window may hold another NMI's or an earlier boot's "
                                            "records", ret_why);
        if (f->window != NF_RELEASE_WINDOW_OWN)
                return why(NF_RELEASE_KEEP, "evidence inherited from another operation never counts", ret_why);
        if (f->nmi == NF_RELEASE_NMI_NOT_CARRIED)
                return why(NF_RELEASE_KEEP, "the NMI was refused or never sent", ret_why);
        if (f->nmi != NF_RELEASE_NMI_SENT)
                return why(NF_RELEASE_KEEP, "no NMI from this operation", ret_why);
        if (f->no_panic)
                return why(NF_RELEASE_KEEP, "no panic within nmi_timeout is never a release (no_panic_policy "
                                            "applies)", ret_why);
        if (f->capture_records)
                return point(f, "a capture-kernel record after this operation's NMI", ret_why);
        if (f->off_after_nmi)
                return point(f, "the power was read off after this operation's NMI", ret_why);
        if (f->kdump_msgs && f->release_on_kdump)
                return point(f, "fence_kdump messages after the NMI (release_on_kdump)", ret_why);
        if (f->kdump_msgs)
                return why(NF_RELEASE_KEEP, "fence_kdump messages alone do not release (release_on_kdump off)",
                           ret_why);
        return why(NF_RELEASE_KEEP, "no capture-kernel record after the NMI yet", ret_why);
}
