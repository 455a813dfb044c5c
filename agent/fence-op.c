/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <errno.h>

#include "fence-op.h"
#include "fence-run.h"

int nf_fence_op_run(const nf_fence_op_params *p, nf_fence_outcome *ret) {
        nf_fence_run r;
        int rc;

        nf_fence_run_init(&r, p->host, p->password, p->log, p->verbose);
        r.interrupted = p->interrupted;
        nf_fence_run_log(&r, "dump-aware fence through BMC %s:%u as %s (%s privilege, cipher suite %u)",
                         p->host->bmc, p->host->port, p->host->user ? p->host->user : "\"\"",
                         nf_privilege_str(p->host->privilege), p->host->cipher_suite);

        rc = nf_fence_run_loop(&r);
        *ret = (nf_fence_outcome) {
                .exit_code = rc < 0 ? NF_EXIT_INTERRUPTED : nf_fence_exit_code(&r.fence),
                .fence = r.fence,
                .report = r.report,
        };
        /* The copy must not call back into this stack frame. */
        ret->fence.on_transition = NULL;
        ret->fence.on_record = NULL;
        ret->fence.userdata = NULL;
        nf_fence_run_done(&r);
        return rc;
}
