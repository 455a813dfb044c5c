/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One host's liveness (liveness-sm.h): evidence in, decisions out. */

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "liveness-sm.h"

/* A countdown that shows the same running value this many polls in a row,
 * over at least this long, is a BMC timer that does not count. */
#define WD_STUCK_POLLS 3
#define WD_STUCK_MS 3000

static const char *const state_names[_NF_LS_MAX] = {
        [NF_LS_UNKNOWN] = "unknown",   [NF_LS_HEALTHY] = "healthy", [NF_LS_SUSPECT] = "suspect",
        [NF_LS_HELD] = "held",         [NF_LS_FENCING] = "fencing", [NF_LS_DUMPING] = "dumping",
        [NF_LS_FENCED] = "fenced",     [NF_LS_ALERT] = "alert",     [NF_LS_FAILED] = "failed",
        [NF_LS_BMC_LOST] = "bmc-lost", [NF_LS_OFF] = "off",         [NF_LS_SUPERVISED] = "bmc-supervised",
};

/* judge_watchdog()'s verdicts. */
enum {
        WD_NOTHING = 0,
        WD_ALIVE,               /* a pet seen */
        WD_DEAD,                /* expired, or at 0, with action none */
        WD_SUPERVISED,          /* runs with a power action */
        WD_BMC_ACTED,           /* a power action's timer expired: the BMC acted */
        WD_SUPERVISION_ENDED,   /* a power action's timer stopped before expiry */
};

const char *nf_live_state_str(nf_live_state s) {
        return (unsigned) s < _NF_LS_MAX ? state_names[s] : "invalid";
}

static void transition(nf_live *h, nf_live_state to, const char *why) {
        nf_live_state from = h->state;

        snprintf(h->reason, sizeof h->reason, "%s", why);
        if (from == to)
                return;
        h->state = to;
        if (h->on_transition)
                h->on_transition(h, from, to, why, h->userdata);
}

void nf_live_init(nf_live *h, const nf_live_params *p, uint64_t now) {
        assert(h);
        assert(p);
        *h = (nf_live) { .p = *p, .state = NF_LS_UNKNOWN, .next_poll = now, .t_last_bmc_ok = now };
        if (p->probe_interval_ms)
                h->next_probe = now;
        snprintf(h->reason, sizeof h->reason, "not observed yet");
}

/* Evidence of death: start the grace period (once). */
static void dead(nf_live *h, const char *why, uint64_t now) {
        char buf[240];

        switch (h->state) {
        case NF_LS_UNKNOWN:
        case NF_LS_HEALTHY:
                h->grace_deadline = now + h->p.grace_ms;
                snprintf(buf, sizeof buf, "%s; grace %.1f s", why, (double) h->p.grace_ms / 1000.0);
                transition(h, NF_LS_SUSPECT, buf);
                break;
        default:
                /* suspect/held keep their deadline; the others are not
                 * watching for death (fencing, fenced, off, alert, ...). */
                break;
        }
}

static void alive(nf_live *h, const char *why) {
        switch (h->state) {
        case NF_LS_UNKNOWN:
        case NF_LS_SUSPECT:
        case NF_LS_HELD:
        case NF_LS_FENCED:
        case NF_LS_ALERT:
        case NF_LS_FAILED:
        case NF_LS_OFF:
        case NF_LS_SUPERVISED:
                h->dump_self = false;
                transition(h, NF_LS_HEALTHY, why);
                break;
        default:
                break;
        }
}

static bool watching(const nf_live *h) {
        return h->state != NF_LS_FENCING;
}

/* A timer with a power action: the BMC acts by itself when it runs out. */
static int judge_power_action(nf_live *h, const nf_watchdog *w, char *why, size_t len) {
        uint8_t seen = h->wd_power_action;

        if (w->running && w->action != NF_WDT_ACTION_NONE) {
                snprintf(why, len, "BMC watchdog runs with action %s (%.1f of %.1f s left): the capture kernel's dead-man switch; the BMC acts by itself, no NMI from here",
                         nf_wdt_action_str(w->action), w->present_ds / 10.0, w->initial_ds / 10.0);
                h->wd_power_action = w->action;
                h->wd_armed_seen = true;
                h->wd_same = 0;
                return WD_SUPERVISED;
        }
        if (w->running) {
                /* Set again with action none: the first kernel's petter. */
                h->wd_power_action = 0;
                return WD_NOTHING;
        }
        /* Expired with a power action that ran while we watched (the
         * action byte stays as set): the BMC has acted. */
        if (nf_watchdog_expired(w) && w->action != NF_WDT_ACTION_NONE && (seen || h->wd_armed_seen)) {
                snprintf(why, len, "BMC watchdog expired with action %s: the BMC acted on the host itself",
                         nf_wdt_action_str(w->action));
                h->wd_power_action = w->action;
                h->wd_armed_seen = false;
                return WD_BMC_ACTED;
        }
        if (seen) {
                snprintf(why, len, "BMC watchdog with action %s stopped: the dead-man switch ended",
                         nf_wdt_action_str(seen));
                h->wd_power_action = 0;
                h->wd_armed_seen = false;
                return WD_SUPERVISION_ENDED;
        }
        return WD_NOTHING;
}

/* The watchdog's verdict (WD_*). */
static int judge_watchdog(nf_live *h, const nf_watchdog *w, uint64_t now, char *why, size_t len) {
        const nf_watchdog *last = h->wd_last_known ? &h->wd_last : NULL;
        int verdict = judge_power_action(h, w, why, len);

        if (verdict != WD_NOTHING)
                return verdict;
        if (w->running) {
                if (last && last->running && w->present_ds == last->present_ds && w->present_ds != w->initial_ds &&
                    w->present_ds != 0) {
                        if (h->wd_same++ == 0)
                                h->t_wd_same = now;
                        if (h->wd_same + 1 >= WD_STUCK_POLLS && now - h->t_wd_same >= WD_STUCK_MS)
                                h->wd_stuck = true;
                } else
                        h->wd_same = 0;
                if (h->wd_stuck)
                        return 0;

                if (w->present_ds == 0 && h->wd_armed_seen) {
                        snprintf(why, len, "BMC watchdog at 0 (not petted for %.1f s)", w->initial_ds / 10.0);
                        verdict = WD_DEAD;
                } else if (!last || !last->running || w->present_ds > last->present_ds ||
                           w->initial_ds != last->initial_ds || w->action != last->action) {
                        /* First sight, restarted, or reloaded: the host pets it. */
                        snprintf(why, len, "BMC watchdog petted (%.1f of %.1f s left)", w->present_ds / 10.0,
                                 w->initial_ds / 10.0);
                        verdict = WD_ALIVE;
                }
                h->wd_armed_seen = true;
        } else if (nf_watchdog_expired(w) && h->wd_armed_seen) {
                snprintf(why, len, "BMC watchdog expired (%s timer, not petted for %.1f s)", nf_wdt_use_str(w->use),
                         w->initial_ds / 10.0);
                verdict = WD_DEAD;
                /* One expiry is one piece of evidence. */
                h->wd_armed_seen = false;
        } else {
                /* Stopped by the host, never armed, or expired before we
                 * watched: no word on liveness. */
                h->wd_armed_seen = false;
        }
        return verdict;
}

void nf_live_feed_poll(nf_live *h, const nf_live_poll *o, uint64_t now) {
        char why[200];
        int wd = 0;

        assert(h);
        assert(o);
        h->next_poll = now + h->p.poll_interval_ms;

        if (!o->bmc_ok) {
                if (now - h->t_last_bmc_ok >= h->p.bmc_lost_after_ms && watching(h) && h->state != NF_LS_DUMPING &&
                    h->state != NF_LS_BMC_LOST) {
                        snprintf(why, sizeof why, "BMC silent for %.1f s: not evidence of a dead host",
                                 (double) (now - h->t_last_bmc_ok) / 1000.0);
                        transition(h, NF_LS_BMC_LOST, why);
                }
                return;
        }
        h->t_last_bmc_ok = now;
        if (!watching(h))
                return;
        if (h->state == NF_LS_BMC_LOST)
                transition(h, NF_LS_UNKNOWN, "BMC answers again");

        if (h->state == NF_LS_DUMPING) {
                /* The dead-man switch ran out: the BMC cycled or cut the
                 * power, and a stall power action from here would hit the
                 * host again as it boots. */
                if (o->wd_known) {
                        wd = judge_watchdog(h, &o->wd, now, why, sizeof why);
                        h->wd_last = o->wd;
                        h->wd_last_known = true;
                        if (wd == WD_BMC_ACTED) {
                                h->dump_self = false;
                                transition(h, o->wd.action == NF_WDT_ACTION_POWER_DOWN ? NF_LS_OFF : NF_LS_FENCED, why);
                                return;
                        }
                }
                if (o->dump_record)
                        h->dump_deadline = now + h->p.dump_stall_ms;
                if (o->dump_end || (o->power_known && !o->power_on)) {
                        h->dump_deadline = now;
                        snprintf(h->reason, sizeof h->reason, "%s", o->dump_end ? "dump ended" : "host powered off after dump-start");
                }
                return;
        }
        if (o->dump_record) {
                h->dump_self = true;
                h->dump_deadline = o->dump_end ? now : now + h->p.dump_stall_ms;
                transition(h, NF_LS_DUMPING, "dump records in the SEL without an NMI from here: the host is dumping by itself");
                return;
        }

        if (o->power_known && !o->power_on) {
                h->wd_armed_seen = false;
                h->wd_last_known = false;
                h->wd_power_action = 0;
                if (h->state != NF_LS_FENCED && h->state != NF_LS_OFF)
                        transition(h, NF_LS_OFF, "host is powered off");
                return;
        }
        if (o->power_known && o->power_on && h->state == NF_LS_OFF && !o->os_graceful)
                transition(h, NF_LS_UNKNOWN, "host is powered on");

        if (o->os_graceful) {
                h->wd_armed_seen = false;
                transition(h, NF_LS_OFF, "SEL: OS graceful stop/shutdown");
        }

        if (o->wd_known) {
                wd = judge_watchdog(h, &o->wd, now, why, sizeof why);
                h->wd_last = o->wd;
                h->wd_last_known = true;
        }
        if (wd == WD_BMC_ACTED) {
                /* Not fenced by us, but fenced: wait for it to come back. */
                transition(h, o->wd.action == NF_WDT_ACTION_POWER_DOWN ? NF_LS_OFF : NF_LS_FENCED, why);
                return;
        }
        if (wd == WD_SUPERVISED) {
                /* Whatever said dead before (a starved petter's expiry, a
                 * probe): a capture kernel runs, under its BMC's eye. */
                if (h->state != NF_LS_SUPERVISED)
                        transition(h, NF_LS_SUPERVISED, why);
                return;
        }
        if (wd == WD_SUPERVISION_ENDED && h->state == NF_LS_SUPERVISED) {
                transition(h, NF_LS_HEALTHY, why);
                return;
        }
        if (o->os_critical) {
                snprintf(why, sizeof why, "SEL: OS Critical Stop (%s)", nf_os_stop_str(o->os_critical_kind));
                dead(h, why, now);
        } else if (wd == WD_DEAD)
                dead(h, why, now);
        else if (wd == WD_ALIVE)
                alive(h, why);

        if (h->state == NF_LS_UNKNOWN)
                transition(h, NF_LS_HEALTHY, o->wd_known && h->wd_armed_seen ? "BMC watchdog running"
                                                                              : "BMC answers; no evidence of death");
}

void nf_live_feed_probe(nf_live *h, bool connected, uint64_t now) {
        char why[160];

        assert(h);
        h->next_probe = now + h->p.probe_interval_ms;
        /* A capture kernel runs no service: a probe says nothing then. */
        if (!watching(h) || h->state == NF_LS_DUMPING || h->state == NF_LS_SUPERVISED)
                return;
        if (connected) {
                h->probe_fail_streak = 0;
                h->probe_seen_ok = true;
                alive(h, "TCP probe connected");
                return;
        }
        h->probe_fail_streak++;
        if (h->probe_fail_streak == h->p.probe_failures) {
                snprintf(why, sizeof why, "TCP probe failed %u times in a row", h->probe_fail_streak);
                dead(h, why, now);
        }
}

static nf_live_action fence_action(const nf_live *h) {
        nf_live_action a = { .kind = NF_LACT_FENCE };

        a.power_off = h->p.policy == NF_POLICY_DUMP_OFF;
        /* A host that dumped by itself must not get an NMI into its dump:
         * only the power action remains. */
        a.fence = (h->dump_self || h->p.policy == NF_POLICY_CYCLE) ? NF_LIVE_FENCE_POWER : NF_LIVE_FENCE_DUMP;
        return a;
}

/* The grace period (or the self-started dump) is over: act on the policy. */
static bool decide(nf_live *h, nf_fence_rate *rate, uint64_t now, nf_live_action *ret) {
        char why[200];

        if (h->p.policy == NF_POLICY_ALERT) {
                snprintf(why, sizeof why, "%s; policy alert: nothing done", h->reason);
                transition(h, NF_LS_ALERT, why);
                return false;
        }
        if (h->operator_request) {
                (void) nf_fence_rate_take(rate, now);   /* counted when there is room */
                h->operator_request = false;
        } else if (!nf_fence_rate_take(rate, now)) {
                if (h->state != NF_LS_HELD) {
                        snprintf(why, sizeof why, "fence rate limit: %u fences in the last %.0f s", rate->max,
                                 (double) rate->window_ms / 1000.0);
                        transition(h, NF_LS_HELD, why);
                }
                return false;
        }
        *ret = fence_action(h);
        ret->not_before = now;
        return true;
}

static uint64_t min_u64(uint64_t a, uint64_t b) {
        return a < b ? a : b;
}

nf_live_action nf_live_next(nf_live *h, nf_fence_rate *rate, uint64_t now) {
        nf_live_action a = { .kind = NF_LACT_WAIT, .not_before = UINT64_MAX };
        uint64_t t;

        assert(h);
        assert(rate);

        if (h->state == NF_LS_FENCING)
                return a;
        if ((h->state == NF_LS_SUSPECT && now >= h->grace_deadline) ||
            (h->state == NF_LS_DUMPING && now >= h->dump_deadline) ||
            (h->state == NF_LS_HELD && nf_fence_rate_next(rate, now) <= now)) {
                if (h->state == NF_LS_DUMPING && !strstr(h->reason, "ended") && !strstr(h->reason, "powered off"))
                        snprintf(h->reason, sizeof h->reason, "no dump record for %.1f s",
                                 (double) h->p.dump_stall_ms / 1000.0);
                if (decide(h, rate, now, &a))
                        return a;
                a = (nf_live_action) { .kind = NF_LACT_WAIT, .not_before = UINT64_MAX };
        }

        if (h->next_poll <= now)
                return (nf_live_action) { .kind = NF_LACT_POLL, .not_before = now };
        if (h->p.probe_interval_ms && h->state != NF_LS_DUMPING && h->next_probe <= now)
                return (nf_live_action) { .kind = NF_LACT_PROBE, .not_before = now };

        t = h->next_poll;
        if (h->p.probe_interval_ms && h->state != NF_LS_DUMPING)
                t = min_u64(t, h->next_probe);
        if (h->state == NF_LS_SUSPECT)
                t = min_u64(t, h->grace_deadline);
        if (h->state == NF_LS_DUMPING)
                t = min_u64(t, h->dump_deadline);
        if (h->state == NF_LS_HELD)
                t = min_u64(t, nf_fence_rate_next(rate, now));
        a.not_before = t;
        return a;
}

void nf_live_fence_started(nf_live *h, uint64_t now) {
        char why[200];

        assert(h);
        h->fences++;
        snprintf(why, sizeof why, "%s: fence started", h->reason);
        transition(h, NF_LS_FENCING, why);
        (void) now;
}

void nf_live_fence_done(nf_live *h, bool ok, bool host_off, const char *why, uint64_t now) {
        assert(h);
        h->wd_armed_seen = false;
        h->wd_last_known = false;
        h->wd_power_action = 0;
        h->probe_fail_streak = 0;
        h->dump_self = false;
        h->next_poll = now;
        if (h->p.probe_interval_ms)
                h->next_probe = now + h->p.probe_interval_ms;
        (void) host_off;
        transition(h, ok ? NF_LS_FENCED : NF_LS_FAILED, why ? why : (ok ? "fenced" : "fence failed"));
}

int nf_live_fence_requested(nf_live *h, const char *who, uint64_t now) {
        char why[200];

        assert(h);
        /* Supervised: a capture kernel runs; an NMI would be its second. */
        if (h->state == NF_LS_FENCING || h->state == NF_LS_DUMPING || h->state == NF_LS_SUPERVISED)
                return -EBUSY;
        if (h->p.policy == NF_POLICY_ALERT)
                return -EPERM;
        /* An operator's request skips the grace period; the rate limit is
         * for the daemon's own judgement, not for a person's. */
        snprintf(why, sizeof why, "fence requested by %s", who ? who : "an operator");
        transition(h, NF_LS_SUSPECT, why);
        h->grace_deadline = now;
        h->operator_request = true;
        return 0;
}
