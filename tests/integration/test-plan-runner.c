/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The plan runner (agent/plan-runner.c) against ipmi_sim: a fence's
 * actions run from a poll() loop on the host's session give what the
 * blocking executor (nf_fence_io_run) gives on a session of its own, on
 * the same BMC: the open (the session made, no reopen), MARK (the same
 * SEL position and power), the diag sent once (one NMI in the module's
 * log), POWER_STATUS; two hosts' plans in flight in one loop at once;
 * a port nothing listens on (the same refusal, and no session kept); a
 * killed BMC (NF_E_SESSION_LOST on the session there was, as blocking),
 * then an OPEN after its restart re-opens that session (one reopen).
 */

#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmc-fixture.h"
#include "fence-io.h"
#include "fence-run.h"
#include "plan-runner.h"

static bmc_fixture bmc;

static void stop(void) {
        bmc_fixture_stop(&bmc);
}

typedef struct host {
        nf_fence_io io;
        nf_action_plan plan;
        nf_plan_runner runner;
        nf_action_result res;
        bool done;
} host;

static void begin(host *h, nf_action_kind kind) {
        nf_action a = { .kind = kind };

        nf_fence_io_plan(&h->io, &a, &h->plan);
        h->done = nf_plan_runner_start(&h->runner, &nf_action_plan_ops, &h->plan, &h->io.session, &h->io.lan,
                                       &h->io.err);
}

/* One poll() loop for every host given, until each plan is done. */
static void run(host **hs, size_t n) {
        uint64_t guard = nf_now_ms() + 60000;

        for (;;) {
                struct pollfd pfd[8];
                uint64_t now = nf_now_ms(), wake = UINT64_MAX;
                size_t left = 0;
                int r;

                for (size_t i = 0; i < n; i++) {
                        pfd[i] = (struct pollfd) { .fd = hs[i]->done ? -1 : nf_plan_runner_fd(&hs[i]->runner),
                                                   .events = POLLIN };
                        if (hs[i]->done)
                                continue;
                        left++;
                        if (nf_plan_runner_deadline(&hs[i]->runner) < wake)
                                wake = nf_plan_runner_deadline(&hs[i]->runner);
                }
                if (!left)
                        return;
                CHECK(now < guard, "the plans never ended");
                r = poll(pfd, n, wake <= now ? 0 : wake - now > 1000 ? 1000 : (int) (wake - now));
                CHECK(r >= 0, "poll");
                now = nf_now_ms();
                for (size_t i = 0; i < n; i++) {
                        host *h = hs[i];
                        if (h->done)
                                continue;
                        if (pfd[i].revents)
                                h->done = nf_plan_runner_on_readable(&h->runner, now);
                        if (!h->done && nf_plan_runner_deadline(&h->runner) <= now)
                                h->done = nf_plan_runner_on_time(&h->runner, now);
                }
        }
}

static void action(host *h, nf_action_kind kind) {
        host *one[] = { h };

        begin(h, kind);
        run(one, 1);
        nf_fence_io_finish(&h->io, &h->plan, h->runner.reopens, &h->res);
}

static void blocking(nf_fence_io *io, nf_action_kind kind, nf_action_result *res) {
        nf_action a = { .kind = kind };

        nf_fence_io_run(io, &a, res);
}

int main(void) {
        host h = { 0 }, h2 = { 0 };
        nf_fence_io bio = { 0 };
        nf_action_result bres;
        nf_lan_params p, dead;
        char buf[256];
        int rc, nmis;

        rc = bmc_fixture_start(&bmc);
        if (rc != 0)
                return rc;
        atexit(stop);
        bmc_fixture_lan_params(&bmc, &p);
        h.io.lan = h2.io.lan = bio.lan = p;

        /* OPEN from no session: made, set up, kept. */
        action(&h, NF_ACT_OPEN);
        CHECK(h.res.status == NF_OK && h.io.session && h.io.reopens == 0, "open: %s",
              nf_error_format(h.res.error, buf, sizeof buf));
        blocking(&bio, NF_ACT_OPEN, &bres);
        CHECK(bres.status == NF_OK && bio.session, "blocking open");

        /* MARK: the same SEL position and power as the blocking executor. */
        action(&h, NF_ACT_MARK);
        blocking(&bio, NF_ACT_MARK, &bres);
        CHECK(h.res.status == NF_OK && bres.status == NF_OK, "mark: %s",
              nf_error_format(h.res.error, buf, sizeof buf));
        CHECK(h.io.cursor_valid && bio.cursor_valid && h.io.cursor.have_last == bio.cursor.have_last &&
              h.io.cursor.last_id == bio.cursor.last_id, "mark: cursors differ (%u vs %u)",
              (unsigned) h.io.cursor.last_id, (unsigned) bio.cursor.last_id);
        CHECK(h.res.power_known == bres.power_known && h.res.power_on == bres.power_on, "mark: power differs");

        /* The diag: one NMI on the wire (the lab module logs it; the
         * stock simulator refuses the diag with 0xCC). */
        nmis = bmc_fixture_nmi_count(&bmc);
        action(&h, NF_ACT_DIAG);
        if (bmc.nmi_log[0]) {
                CHECK(h.res.status == NF_OK, "diag: %s", nf_error_format(h.res.error, buf, sizeof buf));
                CHECK(bmc_fixture_nmi_count(&bmc) == nmis + 1, "diag: %d NMIs logged, want %d",
                      bmc_fixture_nmi_count(&bmc), nmis + 1);
        } else
                CHECK(h.res.status == NF_E_COMPLETION, "diag without the lab module: %s",
                      nf_status_str(h.res.status));

        /* Two hosts' plans in one loop: an open and a power read at once. */
        host *both[] = { &h, &h2 };
        begin(&h, NF_ACT_POWER_STATUS);
        begin(&h2, NF_ACT_OPEN);
        run(both, 2);
        nf_fence_io_finish(&h.io, &h.plan, h.runner.reopens, &h.res);
        nf_fence_io_finish(&h2.io, &h2.plan, h2.runner.reopens, &h2.res);
        CHECK(h.res.status == NF_OK && h.res.power_known && h2.res.status == NF_OK && h2.io.session,
              "two at once: %d %d", h.res.status, h2.res.status);

        /* A port nothing listens on: the blocking executor's refusal, and
         * no session kept. */
        host hd = { 0 };
        nf_fence_io bdead = { 0 };
        dead = p;
        dead.port = bmc_fixture_free_udp_port();
        hd.io.lan = bdead.lan = dead;
        action(&hd, NF_ACT_OPEN);
        blocking(&bdead, NF_ACT_OPEN, &bres);
        CHECK(hd.res.status != NF_OK && hd.res.status == bres.status && !hd.io.session && !bdead.session,
              "dead port: %s vs %s", nf_status_str(hd.res.status), nf_status_str(bres.status));
        printf("dead port: %s\n", nf_error_format(hd.res.error, buf, sizeof buf));

        /* The BMC goes away: the session there was is lost, as blocking. */
        bmc_fixture_kill(&bmc);
        action(&h, NF_ACT_POWER_STATUS);
        blocking(&bio, NF_ACT_POWER_STATUS, &bres);
        CHECK(h.res.status == NF_E_SESSION_LOST && bres.status == NF_E_SESSION_LOST, "BMC gone: %s vs %s",
              nf_status_str(h.res.status), nf_status_str(bres.status));
        CHECK(bmc_fixture_restart(&bmc) == 0, "restart");
        action(&h, NF_ACT_OPEN);
        CHECK(h.res.status == NF_OK && h.io.reopens == 1, "reopen after the restart: %s (reopens %u)",
              nf_error_format(h.res.error, buf, sizeof buf), h.io.reopens);
        action(&h, NF_ACT_POWER_STATUS);
        CHECK(h.res.status == NF_OK && h.res.power_known, "after the reopen: %s",
              nf_error_format(h.res.error, buf, sizeof buf));

        nf_fence_io_done(&h.io);
        nf_fence_io_done(&h2.io);
        nf_fence_io_done(&bio);
        printf("ok: the plan runner matches the blocking executor\n");
        return 0;
}
