/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nmifenced's per-host liveness machine and the global fence rate limit,
 * driven with a scripted clock (agent/liveness-sm.c, agent/fence-rate.c). */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fence-rate.h"
#include "liveness-sm.h"

static const nf_live_params params = {
        .poll_interval_ms = 1000,
        .probe_interval_ms = 0,
        .probe_failures = 3,
        .grace_ms = 5000,
        .dump_stall_ms = 20000,
        .bmc_lost_after_ms = 10000,
        .policy = NF_POLICY_DUMP_CYCLE,
};

typedef struct log {
        unsigned n;
        nf_live_state from[32], to[32];
        char why[32][200];
} log_t;

static void on_transition(const nf_live *h, nf_live_state from, nf_live_state to, const char *why, void *ud) {
        log_t *l = ud;

        if (l->n < 32) {
                l->from[l->n] = from;
                l->to[l->n] = to;
                snprintf(l->why[l->n], sizeof l->why[0], "%s", why);
        }
        l->n++;
}

static void setup_host(nf_live *h, log_t *l, const nf_live_params *p, uint64_t now) {
        memset(l, 0, sizeof *l);
        nf_live_init(h, p, now);
        h->on_transition = on_transition;
        h->userdata = l;
}

/* A poll of a BMC whose SMS/OS timer (30 s, action none) shows `left_ds`. */
static nf_live_poll wd_poll(bool running, uint16_t left_ds, bool expired) {
        return (nf_live_poll) {
                .bmc_ok = true,
                .wd_known = true,
                .wd = { .use = NF_WDT_USE_SMS_OS, .running = running, .initial_ds = 300, .present_ds = left_ds,
                        .expired_flags = expired ? 1u << NF_WDT_USE_SMS_OS : 0 },
                .power_known = true,
                .power_on = true,
        };
}

/* A host seen petted at 0 whose timer is found expired at 1 s: suspect. */
static void arm_then_expire(nf_live *h, log_t *l, const nf_live_params *p) {
        nf_live_poll up = wd_poll(true, 290, false), down = wd_poll(false, 0, true);

        setup_host(h, l, p, 0);
        nf_live_feed_poll(h, &up, 0);
        nf_live_feed_poll(h, &down, 1000);
        assert_int_equal(h->state, NF_LS_SUSPECT);
}

static void expect_poll_at(nf_live *h, nf_fence_rate *r, uint64_t now, uint64_t at) {
        nf_live_action a = nf_live_next(h, r, now);

        if (at <= now)
                assert_int_equal(a.kind, NF_LACT_POLL);
        else {
                assert_int_equal(a.kind, NF_LACT_WAIT);
                assert_int_equal(a.not_before, at);
        }
}

static void watchdog_expiry_fences_after_grace(void **state) {
        nf_fence_rate rate;
        nf_live h;
        log_t l;
        nf_live_poll o;
        nf_live_action a;

        nf_fence_rate_init(&rate, 2, 600000);
        setup_host(&h, &l, &params, 1000);
        expect_poll_at(&h, &rate, 1000, 1000);

        o = wd_poll(true, 295, false);
        nf_live_feed_poll(&h, &o, 1000);
        assert_int_equal(h.state, NF_LS_HEALTHY);
        expect_poll_at(&h, &rate, 1500, 2000);

        /* Pets: the countdown reloads. */
        o = wd_poll(true, 298, false);
        nf_live_feed_poll(&h, &o, 2000);
        assert_int_equal(h.state, NF_LS_HEALTHY);
        /* The host hangs: the countdown only falls ... */
        for (uint64_t t = 3000; t <= 8000; t += 1000) {
                o = wd_poll(true, (uint16_t) (298 - (t - 2000) / 100), false);
                nf_live_feed_poll(&h, &o, t);
                assert_int_equal(h.state, NF_LS_HEALTHY);
        }
        /* ... until the BMC stops the timer with the SMS/OS flag set. */
        o = wd_poll(false, 0, true);
        nf_live_feed_poll(&h, &o, 32000);
        assert_int_equal(h.state, NF_LS_SUSPECT);
        assert_non_null(strstr(l.why[l.n - 1], "BMC watchdog expired (SMS/OS timer, not petted for 30.0 s)"));
        assert_non_null(strstr(l.why[l.n - 1], "grace 5.0 s"));

        /* Still expired during the grace period: no second piece of evidence. */
        o = wd_poll(false, 0, true);
        nf_live_feed_poll(&h, &o, 33000);
        assert_int_equal(h.state, NF_LS_SUSPECT);
        a = nf_live_next(&h, &rate, 33500);
        assert_int_equal(a.kind, NF_LACT_WAIT);
        assert_int_equal(a.not_before, 34000);
        o = wd_poll(false, 0, true);
        nf_live_feed_poll(&h, &o, 36000);
        a = nf_live_next(&h, &rate, 36500);
        assert_int_equal(a.kind, NF_LACT_WAIT);
        assert_int_equal(a.not_before, 37000);  /* grace ends with the next poll */

        a = nf_live_next(&h, &rate, 37000);
        assert_int_equal(a.kind, NF_LACT_FENCE);
        assert_int_equal(a.fence, NF_LIVE_FENCE_DUMP);
        assert_false(a.power_off);
        assert_int_equal(nf_fence_rate_used(&rate, 37000), 1);
        nf_live_fence_started(&h, 37000);
        assert_int_equal(h.state, NF_LS_FENCING);
        /* The engine owns the host now: nothing until it reports. */
        a = nf_live_next(&h, &rate, 99000);
        assert_int_equal(a.kind, NF_LACT_WAIT);
        assert_int_equal(a.not_before, UINT64_MAX);

        nf_live_fence_done(&h, true, false, "dump complete, power cycled", 60000);
        assert_int_equal(h.state, NF_LS_FENCED);
        assert_int_equal(h.fences, 1);
        /* The host boots; its watchdog still shows the old flag, not running. */
        o = wd_poll(false, 0, true);
        nf_live_feed_poll(&h, &o, 61000);
        assert_int_equal(h.state, NF_LS_FENCED);
        /* The petter starts again. */
        o = wd_poll(true, 299, false);
        nf_live_feed_poll(&h, &o, 80000);
        assert_int_equal(h.state, NF_LS_HEALTHY);
        assert_int_equal(l.to[l.n - 1], NF_LS_HEALTHY);
        assert_int_equal(l.from[l.n - 1], NF_LS_FENCED);
}

static void expiry_before_we_watched_is_not_evidence(void **state) {
        nf_fence_rate rate;
        nf_live h;
        log_t l;
        nf_live_poll o = wd_poll(false, 0, true);

        nf_fence_rate_init(&rate, 2, 600000);
        setup_host(&h, &l, &params, 0);
        nf_live_feed_poll(&h, &o, 0);
        assert_int_equal(h.state, NF_LS_HEALTHY);
        assert_string_equal(h.reason, "BMC answers; no evidence of death");
        for (uint64_t t = 1000; t < 60000; t += 1000) {
                nf_live_feed_poll(&h, &o, t);
                assert_int_not_equal(nf_live_next(&h, &rate, t).kind, NF_LACT_FENCE);
        }
        assert_int_equal(h.state, NF_LS_HEALTHY);
}

static void petted_again_within_grace(void **state) {
        nf_fence_rate rate;
        nf_live h;
        log_t l;
        nf_live_poll o;

        nf_fence_rate_init(&rate, 2, 600000);
        setup_host(&h, &l, &params, 0);
        o = wd_poll(true, 200, false);
        nf_live_feed_poll(&h, &o, 0);
        o = wd_poll(false, 0, true);
        nf_live_feed_poll(&h, &o, 1000);
        assert_int_equal(h.state, NF_LS_SUSPECT);
        /* A Reset after expiry restarts the timer: the host lives. */
        o = wd_poll(true, 299, true);
        nf_live_feed_poll(&h, &o, 2000);
        assert_int_equal(h.state, NF_LS_HEALTHY);
        assert_non_null(strstr(h.reason, "petted"));
        assert_int_not_equal(nf_live_next(&h, &rate, 10000).kind, NF_LACT_FENCE);
}

static void os_critical_stop_beats_a_falling_countdown(void **state) {
        nf_fence_rate rate;
        nf_live h;
        log_t l;
        nf_live_poll o;

        nf_fence_rate_init(&rate, 2, 600000);
        setup_host(&h, &l, &params, 0);
        o = wd_poll(true, 290, false);
        nf_live_feed_poll(&h, &o, 0);
        /* Panicked: the record comes, the timer runs on unpetted. */
        o = wd_poll(true, 280, false);
        o.os_critical = true;
        o.os_critical_kind = NF_OS_STOP_CRITICAL_RUNTIME;
        nf_live_feed_poll(&h, &o, 1000);
        assert_int_equal(h.state, NF_LS_SUSPECT);
        assert_non_null(strstr(h.reason, "SEL: OS Critical Stop (run-time critical stop)"));
        o = wd_poll(true, 270, false);
        nf_live_feed_poll(&h, &o, 2000);
        assert_int_equal(h.state, NF_LS_SUSPECT);
        assert_int_equal(nf_live_next(&h, &rate, 6000).kind, NF_LACT_FENCE);
}

static void bmc_silence_is_not_death(void **state) {
        nf_fence_rate rate;
        nf_live h;
        log_t l;
        nf_live_poll o = wd_poll(true, 290, false), lost = { .bmc_ok = false };

        nf_fence_rate_init(&rate, 2, 600000);
        setup_host(&h, &l, &params, 0);
        nf_live_feed_poll(&h, &o, 0);
        for (uint64_t t = 1000; t <= 600000; t += 1000) {
                nf_live_feed_poll(&h, &lost, t);
                assert_int_not_equal(nf_live_next(&h, &rate, t).kind, NF_LACT_FENCE);
                if (t < 10000)
                        assert_int_equal(h.state, NF_LS_HEALTHY);
        }
        assert_int_equal(h.state, NF_LS_BMC_LOST);
        assert_non_null(strstr(h.reason, "not evidence of a dead host"));
        assert_int_equal(nf_fence_rate_used(&rate, 600000), 0);
        /* Back: judged afresh, the countdown is news again. */
        o = wd_poll(true, 299, false);
        nf_live_feed_poll(&h, &o, 601000);
        assert_int_equal(h.state, NF_LS_HEALTHY);
}

static void rate_limit_holds_the_third_host(void **state) {
        nf_fence_rate rate;
        nf_live h[3];
        log_t l[3];
        nf_live_poll up = wd_poll(true, 290, false), down = wd_poll(false, 0, true);
        nf_live_action a;

        nf_fence_rate_init(&rate, 2, 60000);
        for (int i = 0; i < 3; i++)
                arm_then_expire(&h[i], &l[i], &params);
        for (int i = 0; i < 2; i++) {
                a = nf_live_next(&h[i], &rate, 6000);
                assert_int_equal(a.kind, NF_LACT_FENCE);
                nf_live_fence_started(&h[i], 6000);
        }
        a = nf_live_next(&h[2], &rate, 6000);
        assert_int_not_equal(a.kind, NF_LACT_FENCE);
        assert_int_equal(h[2].state, NF_LS_HELD);
        assert_string_equal(l[2].why[l[2].n - 1], "fence rate limit: 2 fences in the last 60 s");
        /* Held: it keeps being polled, and waits for the slot at 66 s. */
        nf_live_feed_poll(&h[2], &down, 7000);
        a = nf_live_next(&h[2], &rate, 7500);
        assert_int_equal(a.kind, NF_LACT_WAIT);
        assert_int_equal(a.not_before, 8000);
        for (uint64_t t = 8000; t < 66000; t += 1000) {
                nf_live_feed_poll(&h[2], &down, t);
                assert_int_not_equal(nf_live_next(&h[2], &rate, t).kind, NF_LACT_FENCE);
        }
        assert_int_equal(nf_fence_rate_next(&rate, 65000), 66000);
        a = nf_live_next(&h[2], &rate, 66000);
        assert_int_equal(a.kind, NF_LACT_FENCE);
        /* A held host that comes back is not fenced. */
        nf_fence_rate_init(&rate, 0, 60000);
        arm_then_expire(&h[0], &l[0], &params);
        assert_int_not_equal(nf_live_next(&h[0], &rate, 6000).kind, NF_LACT_FENCE);
        assert_int_equal(h[0].state, NF_LS_HELD);
        up.wd.present_ds = 299;
        nf_live_feed_poll(&h[0], &up, 7000);
        assert_int_equal(h[0].state, NF_LS_HEALTHY);
}

static void policies(void **state) {
        nf_fence_rate rate;
        nf_live h;
        log_t l;
        nf_live_params p = params;
        nf_live_action a;

        nf_fence_rate_init(&rate, 10, 60000);
        p.policy = NF_POLICY_ALERT;
        arm_then_expire(&h, &l, &p);
        a = nf_live_next(&h, &rate, 6000);
        assert_int_not_equal(a.kind, NF_LACT_FENCE);
        assert_int_equal(h.state, NF_LS_ALERT);
        assert_non_null(strstr(h.reason, "policy alert: nothing done"));
        assert_int_equal(nf_fence_rate_used(&rate, 6000), 0);
        assert_int_equal(nf_live_fence_requested(&h, "uid 0", 7000), -EPERM);

        p.policy = NF_POLICY_CYCLE;
        arm_then_expire(&h, &l, &p);
        a = nf_live_next(&h, &rate, 6000);
        assert_int_equal(a.kind, NF_LACT_FENCE);
        assert_int_equal(a.fence, NF_LIVE_FENCE_POWER);
        assert_false(a.power_off);

        p.policy = NF_POLICY_DUMP_OFF;
        arm_then_expire(&h, &l, &p);
        a = nf_live_next(&h, &rate, 6000);
        assert_int_equal(a.kind, NF_LACT_FENCE);
        assert_int_equal(a.fence, NF_LIVE_FENCE_DUMP);
        assert_true(a.power_off);

}

static void self_started_dump_gets_no_nmi(void **state) {
        nf_fence_rate rate;
        nf_live h;
        log_t l;
        nf_live_poll o = wd_poll(true, 290, false);
        nf_live_action a;

        nf_fence_rate_init(&rate, 10, 60000);
        setup_host(&h, &l, &params, 0);
        nf_live_feed_poll(&h, &o, 0);
        o.dump_record = true;
        nf_live_feed_poll(&h, &o, 1000);
        assert_int_equal(h.state, NF_LS_DUMPING);
        a = nf_live_next(&h, &rate, 1500);
        assert_int_equal(a.kind, NF_LACT_WAIT);
        assert_int_equal(a.not_before, 2000);
        o.dump_record = false;
        o.dump_end = true;
        nf_live_feed_poll(&h, &o, 9000);
        a = nf_live_next(&h, &rate, 9000);
        assert_int_equal(a.kind, NF_LACT_FENCE);
        assert_int_equal(a.fence, NF_LIVE_FENCE_POWER);
        assert_int_equal(nf_live_fence_requested(&h, NULL, 9000), -EBUSY);

        /* Stalled: no record for dump_stall_ms. */
        setup_host(&h, &l, &params, 0);
        o = wd_poll(true, 290, false);
        o.dump_record = true;
        nf_live_feed_poll(&h, &o, 0);
        o.dump_record = false;
        for (uint64_t t = 1000; t < 20000; t += 1000) {
                nf_live_feed_poll(&h, &o, t);
                assert_int_not_equal(nf_live_next(&h, &rate, t).kind, NF_LACT_FENCE);
        }
        a = nf_live_next(&h, &rate, 20000);
        assert_int_equal(a.kind, NF_LACT_FENCE);
        assert_int_equal(a.fence, NF_LIVE_FENCE_POWER);
        assert_string_equal(h.reason, "no dump record for 20.0 s");
}

/* The capture kernel's dead-man switch (docs/target.md): the timer set
 * again by nmifence-target with a power action, `left_ds` of 35 s. */
static nf_live_poll deadman_poll(bool running, uint16_t left_ds, bool expired, uint8_t action) {
        nf_live_poll o = wd_poll(running, left_ds, expired);

        o.wd.action = action;
        o.wd.initial_ds = 350;
        return o;
}

/* No fence is due from now to `until`, polling every second. */
static void expect_no_fence(nf_live *h, nf_fence_rate *rate, const nf_live_poll *o, uint64_t from, uint64_t until) {
        for (uint64_t t = from; t <= until; t += 1000) {
                nf_live_feed_poll(h, o, t);
                assert_int_not_equal(nf_live_next(h, rate, t).kind, NF_LACT_FENCE);
        }
}

/* A host petted with action none at 0: healthy. */
static void healthy_host(nf_live *h, log_t *l, nf_fence_rate *rate) {
        nf_live_poll o = wd_poll(true, 290, false);

        nf_fence_rate_init(rate, 10, 60000);
        setup_host(h, l, &params, 0);
        nf_live_feed_poll(h, &o, 0);
        assert_int_equal(h->state, NF_LS_HEALTHY);
}

static void dead_man_switch_is_not_death(void **state) {
        nf_fence_rate rate;
        nf_live h;
        log_t l;
        nf_live_poll o;

        (void) state;
        healthy_host(&h, &l, &rate);

        /* The first kernel panicked by itself and its dump-start was not
         * seen (or this daemon started mid-dump): only the re-armed timer. */
        o = deadman_poll(true, 340, false, NF_WDT_ACTION_POWER_CYCLE);
        nf_live_feed_poll(&h, &o, 1000);
        assert_int_equal(h.state, NF_LS_SUPERVISED);
        assert_string_equal(nf_live_state_str(h.state), "bmc-supervised");
        assert_non_null(strstr(h.reason, "dead-man switch"));
        /* It runs down to 0 unpetted, far past the grace period: no death,
         * no fence, no operator fence either (it would be a second NMI). */
        for (uint64_t t = 2000; t <= 40000; t += 1000) {
                uint16_t left = t >= 36000 ? 0 : (uint16_t) (350 - (t - 1000) / 100);
                o = deadman_poll(true, left, false, NF_WDT_ACTION_POWER_CYCLE);
                nf_live_feed_poll(&h, &o, t);
                assert_int_equal(h.state, NF_LS_SUPERVISED);
                assert_int_not_equal(nf_live_next(&h, &rate, t).kind, NF_LACT_FENCE);
        }
        assert_int_equal(nf_live_fence_requested(&h, "op", 40000), -EBUSY);

        /* The BMC ran the action: fenced, though not by us. */
        o = deadman_poll(false, 0, true, NF_WDT_ACTION_POWER_CYCLE);
        nf_live_feed_poll(&h, &o, 41000);
        assert_int_equal(h.state, NF_LS_FENCED);
        assert_non_null(strstr(h.reason, "the BMC acted"));
        expect_no_fence(&h, &rate, &o, 42000, 60000);
        assert_int_equal(h.fences, 0);

        /* The first kernel boots and pets with action none: healthy. */
        o = wd_poll(true, 295, false);
        nf_live_feed_poll(&h, &o, 70000);
        assert_int_equal(h.state, NF_LS_HEALTHY);
}

static void dead_man_switch_rescues_a_suspect(void **state) {
        nf_fence_rate rate;
        nf_live h;
        log_t l;
        nf_live_params p = params;
        nf_live_poll o;

        (void) state;
        nf_fence_rate_init(&rate, 10, 60000);
        p.probe_interval_ms = 1000;
        /* The petter starved at the panic: expired, suspect. */
        arm_then_expire(&h, &l, &p);
        /* The capture kernel armed the switch within the grace period. */
        o = deadman_poll(true, 340, false, NF_WDT_ACTION_POWER_CYCLE);
        nf_live_feed_poll(&h, &o, 2000);
        assert_int_equal(h.state, NF_LS_SUPERVISED);
        /* The capture kernel answers no probe: that says nothing. */
        for (uint64_t t = 3000; t <= 30000; t += 1000) {
                nf_live_feed_probe(&h, false, t);
                o = deadman_poll(true, (uint16_t) (350 - (t - 2000) / 100), false, NF_WDT_ACTION_POWER_CYCLE);
                nf_live_feed_poll(&h, &o, t);
                assert_int_equal(h.state, NF_LS_SUPERVISED);
                assert_int_not_equal(nf_live_next(&h, &rate, t).kind, NF_LACT_FENCE);
        }
        /* dump-done: the switch is stopped (Set, action none, not running)
         * before the record; the kdump tool's reboot follows. */
        o = wd_poll(false, 0, false);
        nf_live_feed_poll(&h, &o, 31000);
        assert_int_equal(h.state, NF_LS_HEALTHY);
        assert_non_null(strstr(h.reason, "stopped"));
}

static void dead_man_switch_while_dumping(void **state) {
        nf_fence_rate rate;
        nf_live h;
        log_t l;
        nf_live_poll o;

        (void) state;
        healthy_host(&h, &l, &rate);
        o = deadman_poll(true, 345, false, NF_WDT_ACTION_POWER_CYCLE);
        o.dump_record = true;
        nf_live_feed_poll(&h, &o, 1000);
        assert_int_equal(h.state, NF_LS_DUMPING);
        o.dump_record = false;
        o.wd.present_ds = 300;
        nf_live_feed_poll(&h, &o, 5000);
        assert_int_equal(h.state, NF_LS_DUMPING);
        /* The capture kernel hung; the BMC's switch ran out before our
         * dump_stall (20 s here would be due at 21 s): the BMC cycled the
         * host, so no power action of ours follows. */
        o = deadman_poll(false, 0, true, NF_WDT_ACTION_POWER_CYCLE);
        o.power_on = false;
        nf_live_feed_poll(&h, &o, 6000);
        assert_int_equal(h.state, NF_LS_FENCED);
        o.power_on = true;
        expect_no_fence(&h, &rate, &o, 7000, 40000);

        /* With the host's final action off, the switch powers it down. */
        setup_host(&h, &l, &params, 0);
        o = deadman_poll(true, 345, false, NF_WDT_ACTION_POWER_DOWN);
        nf_live_feed_poll(&h, &o, 0);
        assert_int_equal(h.state, NF_LS_SUPERVISED);
        o = deadman_poll(false, 0, true, NF_WDT_ACTION_POWER_DOWN);
        nf_live_feed_poll(&h, &o, 36000);
        assert_int_equal(h.state, NF_LS_OFF);
        expect_no_fence(&h, &rate, &o, 37000, 60000);
}

static void probe_and_stuck_countdown(void **state) {
        nf_fence_rate rate;
        nf_live h;
        log_t l;
        nf_live_params p = params;
        nf_live_poll o;

        nf_fence_rate_init(&rate, 10, 60000);
        p.probe_interval_ms = 2000;
        setup_host(&h, &l, &p, 0);
        /* A BMC timer frozen at 25.0 s: ignored, never "alive". */
        for (uint64_t t = 0; t <= 5000; t += 1000) {
                o = wd_poll(true, 250, false);
                nf_live_feed_poll(&h, &o, t);
        }
        assert_true(h.wd_stuck);
        assert_int_equal(nf_live_next(&h, &rate, 6000).kind, NF_LACT_POLL);
        nf_live_feed_poll(&h, &o, 6000);
        assert_int_equal(nf_live_next(&h, &rate, 6000).kind, NF_LACT_PROBE);
        nf_live_feed_probe(&h, true, 6000);
        assert_int_equal(h.state, NF_LS_HEALTHY);
        nf_live_feed_probe(&h, false, 8000);
        nf_live_feed_probe(&h, false, 10000);
        assert_int_equal(h.state, NF_LS_HEALTHY);
        nf_live_feed_probe(&h, false, 12000);
        assert_int_equal(h.state, NF_LS_SUSPECT);
        assert_non_null(strstr(h.reason, "TCP probe failed 3 times in a row"));
        nf_live_feed_probe(&h, true, 14000);
        assert_int_equal(h.state, NF_LS_HEALTHY);
}

static void power_off_and_operator(void **state) {
        nf_fence_rate rate;
        nf_live h;
        log_t l;
        nf_live_poll o = wd_poll(true, 290, false);
        nf_live_action a;

        nf_fence_rate_init(&rate, 0, 60000);    /* the daemon may fence nothing */
        setup_host(&h, &l, &params, 0);
        nf_live_feed_poll(&h, &o, 0);
        o = wd_poll(false, 0, false);
        o.power_on = false;
        nf_live_feed_poll(&h, &o, 1000);
        assert_int_equal(h.state, NF_LS_OFF);
        o.power_on = true;
        o.wd = (nf_watchdog) { .use = NF_WDT_USE_SMS_OS, .running = true, .initial_ds = 300, .present_ds = 299 };
        nf_live_feed_poll(&h, &o, 2000);
        assert_int_equal(h.state, NF_LS_HEALTHY);

        /* A person's request: no grace, and the rate limit does not apply. */
        assert_int_equal(nf_live_fence_requested(&h, "uid 0 (pid 42)", 3000), 0);
        assert_int_equal(h.state, NF_LS_SUSPECT);
        a = nf_live_next(&h, &rate, 3000);
        assert_int_equal(a.kind, NF_LACT_FENCE);
        assert_int_equal(a.fence, NF_LIVE_FENCE_DUMP);
        nf_live_fence_started(&h, 3000);
        assert_non_null(strstr(h.reason, "fence requested by uid 0 (pid 42)"));
        nf_live_fence_done(&h, false, false, "BMC refused the power action", 9000);
        assert_int_equal(h.state, NF_LS_FAILED);
}

static void fence_rate_window(void **state) {
        nf_fence_rate r;

        nf_fence_rate_init(&r, 3, 10000);
        assert_true(nf_fence_rate_take(&r, 0));
        assert_true(nf_fence_rate_take(&r, 4000));
        assert_true(nf_fence_rate_take(&r, 5000));
        assert_false(nf_fence_rate_take(&r, 9999));
        assert_int_equal(nf_fence_rate_used(&r, 9999), 3);
        assert_int_equal(nf_fence_rate_next(&r, 9999), 10000);
        assert_true(nf_fence_rate_take(&r, 10000));
        assert_false(nf_fence_rate_take(&r, 13999));
        assert_int_equal(nf_fence_rate_next(&r, 13999), 14000);
        assert_int_equal(nf_fence_rate_used(&r, 30000), 0);
        assert_true(nf_fence_rate_take(&r, 30000));

        nf_fence_rate_init(&r, 0, 10000);
        assert_false(nf_fence_rate_take(&r, 0));
        assert_int_equal(nf_fence_rate_next(&r, 0), UINT64_MAX);

        nf_fence_rate_init(&r, 1000, 1000);
        assert_int_equal(r.max, NF_FENCE_RATE_MAX);
        for (unsigned i = 0; i < NF_FENCE_RATE_MAX; i++)
                assert_true(nf_fence_rate_take(&r, 500));
        assert_false(nf_fence_rate_take(&r, 500));
        assert_true(nf_fence_rate_take(&r, 1500));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(watchdog_expiry_fences_after_grace),
                cmocka_unit_test(expiry_before_we_watched_is_not_evidence),
                cmocka_unit_test(petted_again_within_grace),
                cmocka_unit_test(os_critical_stop_beats_a_falling_countdown),
                cmocka_unit_test(bmc_silence_is_not_death),
                cmocka_unit_test(rate_limit_holds_the_third_host),
                cmocka_unit_test(policies),
                cmocka_unit_test(self_started_dump_gets_no_nmi),
                cmocka_unit_test(dead_man_switch_is_not_death),
                cmocka_unit_test(dead_man_switch_rescues_a_suspect),
                cmocka_unit_test(dead_man_switch_while_dumping),
                cmocka_unit_test(probe_and_stuck_countdown),
                cmocka_unit_test(power_off_and_operator),
                cmocka_unit_test(fence_rate_window),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
