/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fence-sm.h"

static const char *const state_names[_NF_FS_MAX] = {
        [NF_FS_CONNECT] = "connect",
        [NF_FS_MARK] = "mark-sel",
        [NF_FS_NMI] = "send-nmi",
        [NF_FS_WAIT_PANIC] = "wait-panic",
        [NF_FS_WAIT_DUMP] = "wait-dump",
        [NF_FS_POWER_OFF] = "power-off",
        [NF_FS_VERIFY_OFF] = "verify-off",
        [NF_FS_POWER_ON] = "power-on",
        [NF_FS_VERIFY_ON] = "verify-on",
        [NF_FS_DONE] = "done",
        [NF_FS_FAILED] = "failed",
};

static const char *const result_names[_NF_DUMP_MAX] = {
        [NF_DUMP_NONE] = "none",
        [NF_DUMP_COMPLETE] = "complete",
        [NF_DUMP_PARTIAL] = "partial",
        [NF_DUMP_FAILED] = "failed",
        [NF_DUMP_STALLED] = "incomplete (stalled)",
        [NF_DUMP_MAX_TIME] = "incomplete (max time reached)",
        [NF_DUMP_POWERED_OFF] = "incomplete (host powered off without dump-done)",
        [NF_DUMP_NO_PANIC] = "no panic seen",
        [NF_DUMP_HOST_OFF] = "host was off",
        [NF_DUMP_NMI_REFUSED] = "BMC refused the NMI",
        [NF_DUMP_KDUMP_POWERED_OFF] = "probably complete (inferred: host powered off after fence_kdump messages)",
        [NF_DUMP_KDUMP_SILENT] = "unconfirmed (inferred: fence_kdump messages stopped)",
        [NF_DUMP_NOT_ASKED] = "not asked (power-only fence)",
        [NF_DUMP_NMI_NOT_SENT] = "NMI not sent (no session for the diag request)",
        [NF_DUMP_SEL_FULL_POWERED_OFF] = "unconfirmed (SEL full: the host powered itself off after the NMI)",
        [NF_DUMP_SEL_FULL_NO_EVIDENCE] = "unconfirmed (SEL full: no evidence of a dump within dump_max_time)",
};

static const char *const window_names[_NF_SEL_WINDOW_MAX] = {
        [NF_SEL_FROM_END] = "now",
        [NF_SEL_FROM_BOOT] = "boot",
};

const char *nf_sel_window_str(nf_sel_window w) {
        return w < _NF_SEL_WINDOW_MAX ? window_names[w] : "invalid";
}

void nf_fence_sel_full_note(const nf_fence *f, char *buf, size_t len) {
        if (!len)
                return;
        if (!f->sel_full) {
                buf[0] = 0;
                return;
        }
        snprintf(buf, len,
                 "SEL full (%u entries%s): the target cannot post its records; falling back to %s",
                 (unsigned) f->sel_entries, f->sel_overflow ? ", overflow" : "",
                 f->p.kdump_evidence ? "fence_kdump and power state evidence" :
                 "power state evidence (no fence_kdump): waiting up to dump_max_time for the host to power "
                 "itself off, not cutting a running dump at nmi_timeout");
}

bool nf_fence_committed(const nf_fence *f) {
        return nf_fence_nmi_may_have_reached(f) || (f->follow && f->t_follow != 0);
}

static const char *const nmi_names[_NF_NMI_MAX] = {
        [NF_NMI_NONE] = "none",
        [NF_NMI_ACCEPTED] = "accepted",
        [NF_NMI_UNCONFIRMED] = "unconfirmed",
        [NF_NMI_REFUSED] = "refused",
        [NF_NMI_NOT_SENT] = "not-sent",
};

const char *nf_nmi_outcome_str(nf_nmi_outcome o) {
        return o < _NF_NMI_MAX ? nmi_names[o] : "invalid";
}

bool nf_fence_nmi_may_have_reached(const nf_fence *f) {
        return f->nmi_sent && f->nmi != NF_NMI_REFUSED && f->nmi != NF_NMI_NOT_SENT;
}

const char *nf_fence_state_str(nf_fence_state s) {
        return s < _NF_FS_MAX ? state_names[s] : "invalid";
}

const char *nf_dump_result_str(nf_dump_result r) {
        return r < _NF_DUMP_MAX ? result_names[r] : "invalid";
}

bool nf_dump_result_ok(nf_dump_result r) {
        return r == NF_DUMP_COMPLETE;
}

/* Completion codes that may clear by themselves (IPMI 2.0 table 5-2):
 * node busy, timeout, command-specific "not now" codes, BMC initialising,
 * unspecified. */
static bool cc_is_transient(uint8_t cc) {
        return cc == 0xC0 || cc == 0xC3 || cc == 0xCE || cc == 0xD2 || cc == 0xD5 || cc == 0xFF;
}

/* Failures after which the session must be established again. */
static bool status_loses_session(nf_status s) {
        return s == NF_E_TIMEOUT || s == NF_E_SESSION_LOST || s == NF_E_IO || s == NF_E_BMC_BUSY;
}

/* With a full SEL and no fence_kdump, a missing dump-start says nothing:
 * the wait for the panic is the dump's own bound, so a running dump is
 * never cut at nmi_timeout. */
static bool sel_blind(const nf_fence *f) {
        return f->sel_full && !f->p.kdump_evidence;
}

static uint64_t panic_wait_ms(const nf_fence *f) {
        return sel_blind(f) ? f->p.max_dump_ms : f->p.nmi_timeout_ms;
}

static void transition(nf_fence *f, nf_fence_state to, const char *why) {
        nf_fence_state from = f->state;

        assert(to < _NF_FS_MAX);
        /* The NMI is sent once per fence, whatever happens afterwards,
         * and never by a follow: someone else sent it. */
        assert(!(to == NF_FS_NMI && f->nmi_sent));
        assert(!(to == NF_FS_NMI && f->follow));

        f->state = to;
        if (f->on_transition)
                f->on_transition(f, from, to, why, f->userdata);
}

static void fail(nf_fence *f, nf_status s, const nf_error *e, const char *why) {
        f->fail_status = s;
        if (e)
                f->last_error = *e;
        snprintf(f->fail_reason, sizeof f->fail_reason, "%s", why);
        transition(f, NF_FS_FAILED, why);
}

void nf_fence_init(nf_fence *f, const nf_fence_params *p, uint64_t now_ms) {
        assert(f);
        assert(p);

        nf_fence_transition_fn t = f->on_transition;
        nf_fence_record_fn r = f->on_record;
        void *u = f->userdata;

        *f = (nf_fence) {
                .p = *p,
                .state = NF_FS_CONNECT,
                .dump = NF_DUMP_NONE,
                .last_percent = -1,
                .regs_saved = -1,
                .cpus_in_dump = -1,
                .t_start = now_ms,
                .next_poll = now_ms,
                .on_transition = t,
                .on_record = r,
                .userdata = u,
        };
        if (f->p.poll_interval_ms == 0)
                f->p.poll_interval_ms = 1000;
        if (f->p.retry_interval_ms == 0)
                f->p.retry_interval_ms = f->p.poll_interval_ms;
}

void nf_fence_init_follow(nf_fence *f, const nf_fence_params *p, uint64_t now_ms) {
        assert(p->follow_window < _NF_SEL_WINDOW_MAX);
        nf_fence_init(f, p, now_ms);
        f->follow = true;
}

nf_action nf_fence_next(const nf_fence *f, uint64_t now_ms) {
        nf_action a = { .kind = NF_ACT_WAIT, .not_before_ms = f->next_poll };

        switch (f->state) {
        case NF_FS_DONE:
        case NF_FS_FAILED:
                a.kind = NF_ACT_FINISHED;
                a.not_before_ms = now_ms;
                return a;
        case NF_FS_CONNECT:
                a.kind = NF_ACT_OPEN;
                return a;
        default:
                break;
        }

        if (!f->session_up) {
                a.kind = NF_ACT_OPEN;
                return a;
        }

        switch (f->state) {
        case NF_FS_MARK:
                a.kind = NF_ACT_MARK;
                a.window = f->follow ? f->p.follow_window : NF_SEL_FROM_END;
                break;
        case NF_FS_NMI:
                a.kind = NF_ACT_DIAG;
                break;
        case NF_FS_WAIT_PANIC:
        case NF_FS_WAIT_DUMP:
                a.kind = NF_ACT_POLL;
                break;
        case NF_FS_POWER_OFF:
                a.kind = NF_ACT_CONTROL;
                a.ctl = NF_CHASSIS_OFF;
                break;
        case NF_FS_POWER_ON:
                a.kind = NF_ACT_CONTROL;
                a.ctl = NF_CHASSIS_ON;
                break;
        case NF_FS_VERIFY_OFF:
        case NF_FS_VERIFY_ON:
                a.kind = NF_ACT_POWER_STATUS;
                break;
        default:
                assert(!"unreachable");
        }
        return a;
}

/* After the dump phase: apply the final action, or leave the host alone. */
static void enter_power_phase(nf_fence *f, uint64_t now, const char *why) {
        char buf[200];

        if ((f->dump == NF_DUMP_NO_PANIC || f->dump == NF_DUMP_NMI_REFUSED || f->dump == NF_DUMP_NMI_NOT_SENT) &&
            f->p.no_panic_policy == NF_NO_PANIC_LEAVE) {
                snprintf(buf, sizeof buf, "%s; policy leaves the host alone", why);
                transition(f, NF_FS_DONE, buf);
                return;
        }

        f->power_deadline = now + f->p.power_timeout_ms;
        f->next_poll = now;
        /* Read the power state first: a host whose capture kernel powered
         * itself off needs no off command. */
        transition(f, NF_FS_VERIFY_OFF, why);
}

static void finish_dump(nf_fence *f, nf_dump_result r, uint64_t now, const char *why) {
        f->dump = r;
        snprintf(f->dump_reason, sizeof f->dump_reason, "%s", why);
        if (!f->t_done)
                f->t_done = now;
        enter_power_phase(f, now, why);
}

/* A capture-kernel record counts for the release point only when this
 * operation's own NMI may have caused it: the SEL window of a dump starts
 * at the mark right before that NMI.  A follow's window is someone else's
 * NMI, possibly an earlier boot's records. */
static void count_capture_record(nf_fence *f, const nf_stage_msg *m, uint64_t now) {
        if (m->stage != NF_STAGE_DUMP_START && m->stage != NF_STAGE_PROGRESS && m->stage != NF_STAGE_CPUS &&
            m->stage != NF_STAGE_DUMP_DONE && m->stage != NF_STAGE_DUMP_FAILED)
                return;
        if (f->follow || !nf_fence_nmi_may_have_reached(f))
                return;
        if (!f->capture_records++) {
                f->capture_first = m->stage;
                f->t_capture = now;
        }
}

static void handle_record(nf_fence *f, const nf_stage_msg *m, uint64_t now) {
        char why[96];

        if (f->on_record)
                f->on_record(f, m, f->userdata);
        count_capture_record(f, m, now);

        switch (m->stage) {
        case NF_STAGE_DUMP_START:
        case NF_STAGE_PROGRESS:
        case NF_STAGE_CPUS:
                f->sel_dump_seen = true;
                if (f->state == NF_FS_WAIT_PANIC) {
                        f->t_panic = now;
                        f->dump_cap = now + f->p.max_dump_ms;
                        transition(f, NF_FS_WAIT_DUMP,
                                   m->stage == NF_STAGE_DUMP_START ? "dump-start record" :
                                   m->stage == NF_STAGE_CPUS ? "cpus record" : "progress record");
                }
                if (m->stage == NF_STAGE_PROGRESS)
                        f->last_percent = m->arg;
                else if (m->stage == NF_STAGE_DUMP_START)
                        f->regs_saved = m->arg;
                else
                        f->cpus_in_dump = m->arg;
                f->stall_deadline = now + f->p.stall_timeout_ms;
                break;
        case NF_STAGE_DUMP_DONE:
                f->sel_dump_seen = true;
                if (f->state == NF_FS_WAIT_PANIC)
                        f->t_panic = now;
                snprintf(why, sizeof why, "dump-done record, result %u", m->arg);
                f->dump_arg = m->arg;
                finish_dump(f, m->arg == NF_DONE_COMPLETE ? NF_DUMP_COMPLETE : NF_DUMP_PARTIAL, now, why);
                break;
        case NF_STAGE_DUMP_FAILED:
                f->sel_dump_seen = true;
                if (f->state == NF_FS_WAIT_PANIC)
                        f->t_panic = now;
                snprintf(why, sizeof why, "dump-failed record, error %u", m->arg);
                f->dump_arg = m->arg;
                finish_dump(f, NF_DUMP_FAILED, now, why);
                break;
        case NF_STAGE_ARMED:
        case NF_STAGE_DISARMED:
        default:
                /* Reported through on_record; they do not end a wait. */
                break;
        }
}

static void check_wait_deadlines(nf_fence *f, uint64_t now) {
        char why[128];

        if (f->state == NF_FS_WAIT_PANIC && now >= f->panic_deadline && sel_blind(f)) {
                snprintf(why, sizeof why, "SEL full, no fence_kdump: host still on at dump_max_time (%llu ms)",
                         (unsigned long long) f->p.max_dump_ms);
                finish_dump(f, NF_DUMP_SEL_FULL_NO_EVIDENCE, now, why);
        } else if (f->state == NF_FS_WAIT_PANIC && now >= f->panic_deadline) {
                snprintf(why, sizeof why, "no dump-start%s within nmi_timeout (%llu ms)",
                         f->sel_full ? " (SEL full) and no fence_kdump message" : "",
                         (unsigned long long) f->p.nmi_timeout_ms);
                finish_dump(f, NF_DUMP_NO_PANIC, now, why);
        } else if (f->state == NF_FS_WAIT_DUMP && now >= f->dump_cap) {
                snprintf(why, sizeof why, "dump_max_time (%llu ms) reached",
                         (unsigned long long) f->p.max_dump_ms);
                finish_dump(f, NF_DUMP_MAX_TIME, now, why);
        } else if (f->state == NF_FS_WAIT_DUMP && !f->sel_dump_seen && f->kdump_msgs > 0 &&
                   f->p.kdump_silence_ms > 0 && now >= f->t_last_kdump + f->p.kdump_silence_ms) {
                /* Only fence_kdump speaks for this target, and it stopped:
                 * kdump ended (or its sender died).  Checked before the
                 * stall so that a silence shorter than the stall timeout
                 * names what happened. */
                snprintf(why, sizeof why, "no fence_kdump message for kdump_silence_timeout (%llu ms)",
                         (unsigned long long) f->p.kdump_silence_ms);
                finish_dump(f, NF_DUMP_KDUMP_SILENT, now, why);
        } else if (f->state == NF_FS_WAIT_DUMP && now >= f->stall_deadline &&
                   !(f->sel_full && f->kdump_msgs == 0)) {
                /* With a full SEL the target's later records may not fit:
                 * their absence is no stall unless fence_kdump speaks. */
                snprintf(why, sizeof why, "no dump record for dump_stall_timeout (%llu ms)",
                         (unsigned long long) f->p.stall_timeout_ms);
                finish_dump(f, NF_DUMP_STALLED, now, why);
        }
}

/* mark-sel -> wait-panic of a follow.  The host's power is not judged
 * here: off may be a capture kernel that finished and powered off, which
 * the window's records (read by the first poll, right away) tell. */
static void follow_begin(nf_fence *f, const nf_action_result *r, uint64_t now) {
        char why[200];

        f->t_follow = now;
        f->panic_deadline = now + panic_wait_ms(f);
        f->next_poll = now;
        if (f->p.follow_window == NF_SEL_FROM_END)
                snprintf(why, sizeof why, "following from the SEL's current end; no NMI from nmifence");
        else if (r->boundary_found)
                snprintf(why, sizeof why,
                         "following the records after SEL record %u (%s, seq %u), the current boot's; no NMI from nmifence",
                         (unsigned) r->boundary_id, nf_stage_str(r->boundary.stage), (unsigned) r->boundary.seq);
        else
                snprintf(why, sizeof why,
                         "no armed or disarmed record in the SEL: following from its first record; no NMI from nmifence");
        transition(f, NF_FS_WAIT_PANIC, why);
}

static void check_power_deadline(nf_fence *f, uint64_t now, const nf_action_result *r) {
        char why[160];

        if (now < f->power_deadline)
                return;
        if (r->status != NF_OK)
                snprintf(why, sizeof why, "power state not verified within power_timeout (%llu ms): %s",
                         (unsigned long long) f->p.power_timeout_ms, nf_status_str(r->status));
        else
                snprintf(why, sizeof why, "power still %s after power_timeout (%llu ms)",
                         f->power_on ? "on" : "off", (unsigned long long) f->p.power_timeout_ms);
        fail(f, r->status != NF_OK ? r->status : NF_E_INTERNAL, r->error, why);
}

static void feed_wait(nf_fence *f, const nf_action *a, const nf_action_result *r, uint64_t now) {
        if (a->kind == NF_ACT_POLL && r->status == NF_OK) {
                f->consecutive_errors = 0;
                if (r->sel_cleared)
                        f->sel_cleared_seen = true;
                for (size_t i = 0; i < r->n_msgs && i < NF_FENCE_MAX_MSGS; i++) {
                        handle_record(f, &r->msgs[i], now);
                        if (f->state != NF_FS_WAIT_PANIC && f->state != NF_FS_WAIT_DUMP)
                                return;
                }
                if (r->power_known) {
                        bool was_on = f->power_on;

                        f->power_on = r->power_on;
                        if (!r->power_on) {
                                if (f->state == NF_FS_WAIT_PANIC && f->follow && !was_on) {
                                        /* Off at the mark and no dump record in the window:
                                         * nothing is dumping, as dump's "host was off". */
                                        finish_dump(f, NF_DUMP_HOST_OFF, now,
                                                    "host is powered off and no dump record in the window");
                                } else if (f->sel_full && !(f->kdump_msgs > 0 && !f->sel_dump_seen)) {
                                        /* The SEL could not carry dump-done: a host that
                                         * powers itself off after the NMI is kdump's final
                                         * action, or the dump ended some other way. */
                                        finish_dump(f, NF_DUMP_SEL_FULL_POWERED_OFF, now,
                                                    "SEL full: host powered itself off; dump-done could not be posted");
                                } else if (f->state == NF_FS_WAIT_PANIC)
                                        finish_dump(f, NF_DUMP_NO_PANIC, now, "host powered off without any dump record");
                                else if (f->sel_dump_seen)
                                        finish_dump(f, NF_DUMP_POWERED_OFF, now, "host powered off without dump-done");
                                else
                                        /* kdump's final_action poweroff */
                                        finish_dump(f, NF_DUMP_KDUMP_POWERED_OFF, now,
                                                    "host powered off after fence_kdump messages (no SEL dump record)");
                                return;
                        }
                }
        }
        check_wait_deadlines(f, now);
}

void nf_fence_feed(nf_fence *f, const nf_action *a, const nf_action_result *r, uint64_t now) {
        assert(f);
        assert(a);
        assert(r);

        if (r->status != NF_OK) {
                f->consecutive_errors++;
                if (r->error)
                        f->last_error = *r->error;
                f->next_poll = now + f->p.retry_interval_ms;
        } else
                f->next_poll = now + f->p.poll_interval_ms;

        if (a->kind == NF_ACT_OPEN) {
                if (r->status == NF_OK) {
                        f->session_up = true;
                        f->consecutive_errors = 0;
                        f->next_poll = now;
                        if (f->state == NF_FS_CONNECT)
                                transition(f, NF_FS_MARK, "session established");
                        return;
                }
                /* Before the NMI nothing has happened yet, so give up at
                 * once: credentials will not get better by retrying, and
                 * the session timeout already bounded the wait. */
                if (f->state == NF_FS_CONNECT || f->state == NF_FS_MARK || f->state == NF_FS_NMI) {
                        fail(f, r->status, r->error,
                             nf_status_is_auth(r->status) ? "authentication failed" : "BMC unreachable");
                        return;
                }
                if (nf_status_is_auth(r->status)) {
                        fail(f, r->status, r->error, "re-authentication failed");
                        return;
                }
                if (f->state == NF_FS_WAIT_PANIC || f->state == NF_FS_WAIT_DUMP)
                        check_wait_deadlines(f, now);
                else
                        check_power_deadline(f, now, r);
                return;
        }

        if (r->status != NF_OK && status_loses_session(r->status))
                f->session_up = false;

        switch (f->state) {
        case NF_FS_MARK:
                if (r->status != NF_OK) {
                        fail(f, r->status, r->error, "cannot read SEL position or power state");
                        return;
                }
                f->power_on = r->power_on;
                if (r->sel_info_known) {
                        f->sel_entries = r->sel_entries;
                        f->sel_overflow = r->sel_overflow;
                        f->sel_full = !nf_sel_room_for_dump(r->sel_free_bytes, r->sel_overflow);
                }
                if (f->follow) {
                        follow_begin(f, r, now);
                        return;
                }
                if (f->p.power_only) {
                        f->dump = NF_DUMP_NOT_ASKED;
                        enter_power_phase(f, now, "power-only fence: no NMI");
                        return;
                }
                if (!r->power_on) {
                        f->dump = NF_DUMP_HOST_OFF;
                        enter_power_phase(f, now, "host is powered off: no NMI sent");
                        return;
                }
                f->next_poll = now;
                transition(f, NF_FS_NMI, f->sel_full ? "SEL position remembered, host is on; SEL full" :
                                                       "SEL position remembered, host is on");
                return;

        case NF_FS_NMI:
                f->nmi_sent = true;
                f->t_nmi = now;
                f->panic_deadline = now + panic_wait_ms(f);
                f->next_poll = now + f->p.poll_interval_ms;
                if (r->status == NF_OK) {
                        f->nmi = NF_NMI_ACCEPTED;
                        transition(f, NF_FS_WAIT_PANIC, "diag interrupt accepted");
                } else if (r->status == NF_E_COMPLETION && r->error && r->error->cc == 0xD4) {
                        /* Credentials that cannot do Chassis Control will
                         * not power the host either: an authorisation
                         * problem, reported now, nothing done to the host. */
                        f->nmi = NF_NMI_REFUSED;
                        fail(f, NF_E_PRIVILEGE, r->error, "privilege too low for Chassis Control; no NMI sent");
                } else if (nf_status_is_auth(r->status)) {
                        f->nmi = NF_NMI_REFUSED;
                        fail(f, r->status, r->error, "authentication failed for the diag request; no NMI sent");
                } else if (r->status == NF_E_COMPLETION) {
                        f->nmi = NF_NMI_REFUSED;
                        f->dump = NF_DUMP_NMI_REFUSED;
                        enter_power_phase(f, now, "BMC refused the diag interrupt");
                } else if (r->status == NF_E_NOT_SENT) {
                        /* Known not to have left: no NMI, and none later
                         * (the operation has had its one chance). */
                        f->nmi = NF_NMI_NOT_SENT;
                        f->dump = NF_DUMP_NMI_NOT_SENT;
                        enter_power_phase(f, now, "the diag request could not be sent: no NMI");
                } else {
                        /* The request may have reached the BMC even though
                         * the answer did not reach us: never send another. */
                        f->nmi = NF_NMI_UNCONFIRMED;
                        transition(f, NF_FS_WAIT_PANIC,
                                   r->status == NF_E_REPLY_LOST ?
                                   "NMI sent, reply lost: delivery unconfirmed; not resending" :
                                   "no answer to the diag request; it may have been delivered, not resending");
                }
                return;

        case NF_FS_WAIT_PANIC:
        case NF_FS_WAIT_DUMP:
                feed_wait(f, a, r, now);
                return;

        case NF_FS_POWER_OFF:
        case NF_FS_POWER_ON:
                if (r->status == NF_OK) {
                        f->control_lost = false;
                        if (!f->power_action_done) {
                                f->power_action_done = true;
                                f->t_power_action = now;
                        }
                        f->next_poll = now;
                        transition(f, f->state == NF_FS_POWER_OFF ? NF_FS_VERIFY_OFF : NF_FS_VERIFY_ON,
                                   a->ctl == NF_CHASSIS_OFF ? "power off accepted" : "power on accepted");
                        return;
                }
                if (r->status == NF_E_REPLY_LOST) {
                        /* Sent once, no reply: it may have been carried
                         * out.  The power state settles it; the verify
                         * step sends the command again only if the power
                         * is still where it was. */
                        f->control_lost = true;
                        f->next_poll = now;
                        transition(f, f->state == NF_FS_POWER_OFF ? NF_FS_VERIFY_OFF : NF_FS_VERIFY_ON,
                                   a->ctl == NF_CHASSIS_OFF ? "power off sent, reply lost: reading the power state" :
                                                              "power on sent, reply lost: reading the power state");
                        return;
                }
                if (r->status == NF_E_COMPLETION && r->error && r->error->cc == 0xD4) {
                        fail(f, r->status, r->error, "privilege too low for Chassis Control");
                        return;
                }
                if (r->status == NF_E_COMPLETION && r->error && !cc_is_transient(r->error->cc)) {
                        /* Asking again gets the same answer: say so now
                         * instead of at the end of power_timeout. */
                        fail(f, r->status, r->error, "BMC refused the power command");
                        return;
                }
                check_power_deadline(f, now, r);
                return;

        case NF_FS_VERIFY_OFF:
                if (r->status == NF_OK && r->power_known) {
                        f->power_on = r->power_on;
                        if (!r->power_on) {
                                if (!f->follow && nf_fence_nmi_may_have_reached(f))
                                        f->off_after_nmi = true;
                                if (f->p.final_action == NF_FINAL_CYCLE) {
                                        f->power_deadline = now + f->p.power_timeout_ms;
                                        f->next_poll = now;
                                        transition(f, NF_FS_POWER_ON, "power is off");
                                } else {
                                        f->fenced = true;
                                        f->t_verified = now;
                                        transition(f, NF_FS_DONE, "power off verified");
                                }
                                return;
                        }
                        if (!f->power_action_done || f->control_lost) {
                                f->control_lost = false;
                                f->next_poll = now;
                                transition(f, NF_FS_POWER_OFF, "power is on");
                                return;
                        }
                }
                check_power_deadline(f, now, r);
                return;

        case NF_FS_VERIFY_ON:
                if (r->status == NF_OK && r->power_known) {
                        f->power_on = r->power_on;
                        if (r->power_on) {
                                f->fenced = true;
                                f->t_verified = now;
                                transition(f, NF_FS_DONE, "power on verified");
                                return;
                        }
                        if (f->control_lost) {
                                f->control_lost = false;
                                f->next_poll = now;
                                transition(f, NF_FS_POWER_ON, "power is still off");
                                return;
                        }
                }
                check_power_deadline(f, now, r);
                return;

        default:
                return;
        }
}

void nf_fence_feed_evidence(nf_fence *f, nf_evidence ev, uint64_t now) {
        assert(f);
        assert(ev < _NF_EVIDENCE_MAX);

        f->kdump_msgs++;
        f->t_last_kdump = now;
        switch (f->state) {
        case NF_FS_WAIT_PANIC:
                f->t_panic = now;
                f->dump_cap = now + f->p.max_dump_ms;
                f->stall_deadline = now + f->p.stall_timeout_ms;
                transition(f, NF_FS_WAIT_DUMP, "fence_kdump message: the target is in kdump");
                return;
        case NF_FS_WAIT_DUMP:
                f->stall_deadline = now + f->p.stall_timeout_ms;
                return;
        default:
                /* Before our NMI (the host crashed by itself) or after the
                 * wait: counted and reported, no decision taken on it. */
                return;
        }
}

void nf_fence_snapshot_take(const nf_fence *f, nf_fence_snapshot *ret, uint64_t now) {
        assert(f);
        assert(ret);

        *ret = (nf_fence_snapshot) {
                .state = f->state,
                .dump = f->dump,
                .dump_arg = f->dump_arg,
                .last_percent = f->last_percent,
                .regs_saved = f->regs_saved,
                .cpus_in_dump = f->cpus_in_dump,
                .nmi = f->nmi,
                .nmi_sent = nf_fence_nmi_may_have_reached(f),
                .power_on = f->power_on,
                .power_action_done = f->power_action_done,
                .fenced = f->fenced,
                .sel_cleared_seen = f->sel_cleared_seen,
                .sel_dump_seen = f->sel_dump_seen,
                .sel_full = f->sel_full,
                .sel_overflow = f->sel_overflow,
                .sel_entries = f->sel_entries,
                .follow = f->follow,
                .t_follow = f->t_follow,
                .kdump_msgs = f->kdump_msgs,
                .capture_records = f->capture_records,
                .capture_first = f->capture_first,
                .t_capture = f->t_capture,
                .off_after_nmi = f->off_after_nmi,
                .fail_status = f->fail_status,
                .t_start = f->t_start,
                .t_nmi = f->t_nmi,
                .t_panic = f->t_panic,
                .t_done = f->t_done,
                .t_power_action = f->t_power_action,
                .t_verified = f->t_verified,
                .panic_deadline = f->panic_deadline,
                .stall_deadline = f->stall_deadline,
                .dump_cap = f->dump_cap,
                .power_deadline = f->power_deadline,
                .t_last_kdump = f->t_last_kdump,
        };
        memcpy(ret->fail_reason, f->fail_reason, sizeof ret->fail_reason);
        memcpy(ret->dump_reason, f->dump_reason, sizeof ret->dump_reason);
        if (f->state == NF_FS_NMI) {
                /* Written before the request: as if it had gone out now,
                 * exactly what nf_fence_feed() records after it. */
                ret->state = NF_FS_WAIT_PANIC;
                ret->nmi = NF_NMI_UNCONFIRMED;
                ret->nmi_sent = true;
                ret->t_nmi = now;
                ret->panic_deadline = now + panic_wait_ms(f);
        }
}

void nf_fence_restore(nf_fence *f, const nf_fence_params *p, const nf_fence_snapshot *s) {
        assert(f);
        assert(p);
        assert(s);

        nf_fence_init(f, p, s->t_start);
        f->state = s->state < _NF_FS_MAX ? s->state : NF_FS_FAILED;
        f->dump = s->dump < _NF_DUMP_MAX ? s->dump : NF_DUMP_NONE;
        f->dump_arg = s->dump_arg;
        f->last_percent = s->last_percent;
        f->regs_saved = s->regs_saved;
        f->cpus_in_dump = s->cpus_in_dump;
        f->nmi = s->nmi < _NF_NMI_MAX ? s->nmi : NF_NMI_NONE;
        /* A refused or unsent NMI was asked for once: the machine never
         * enters send-nmi again, and the report says what became of it. */
        f->nmi_sent = s->nmi_sent || f->nmi == NF_NMI_REFUSED || f->nmi == NF_NMI_NOT_SENT;
        f->power_on = s->power_on;
        f->power_action_done = s->power_action_done;
        f->fenced = s->fenced;
        f->sel_cleared_seen = s->sel_cleared_seen;
        f->sel_dump_seen = s->sel_dump_seen;
        f->sel_full = s->sel_full;
        f->sel_overflow = s->sel_overflow;
        f->sel_entries = s->sel_entries;
        f->follow = s->follow;
        f->t_follow = s->t_follow;
        f->kdump_msgs = s->kdump_msgs;
        /* Only an NMI that may have reached the host, never a follow,
         * has them (count_capture_record): a file that says otherwise is
         * not believed. */
        bool own_nmi = s->nmi_sent && !s->follow;
        f->capture_records = own_nmi ? s->capture_records : 0;
        f->capture_first = f->capture_records && s->capture_first < _NF_STAGE_MAX ? s->capture_first : 0;
        f->t_capture = f->capture_records ? s->t_capture : 0;
        f->off_after_nmi = own_nmi && s->off_after_nmi;
        f->fail_status = s->fail_status;
        f->last_error.status = s->fail_status;
        snprintf(f->fail_reason, sizeof f->fail_reason, "%.*s", (int) sizeof s->fail_reason - 1, s->fail_reason);
        snprintf(f->dump_reason, sizeof f->dump_reason, "%.*s", (int) sizeof s->dump_reason - 1, s->dump_reason);
        f->t_nmi = s->t_nmi;
        f->t_panic = s->t_panic;
        f->t_done = s->t_done;
        f->t_power_action = s->t_power_action;
        f->t_verified = s->t_verified;
        f->panic_deadline = s->panic_deadline;
        f->stall_deadline = s->stall_deadline;
        f->dump_cap = s->dump_cap;
        f->power_deadline = s->power_deadline;
        f->t_last_kdump = s->t_last_kdump;
}

static bool resumable_state(nf_fence_state s) {
        switch (s) {
        case NF_FS_WAIT_PANIC:
        case NF_FS_WAIT_DUMP:
        case NF_FS_POWER_OFF:
        case NF_FS_VERIFY_OFF:
        case NF_FS_POWER_ON:
        case NF_FS_VERIFY_ON:
                return true;
        default:
                return false;
        }
}

int nf_fence_init_resume(nf_fence *f, const nf_fence_params *p, const nf_fence_snapshot *s, uint64_t now) {
        char why[160];
        nf_fence_state to;

        assert(f);
        assert(p);
        assert(s);

        /* Before the NMI nothing needs continuing: the caller starts a
         * fresh operation.  Finished ones are reported, not resumed. */
        if (!(s->nmi_sent || (s->follow && s->t_follow)) || (s->nmi_sent && s->follow) ||
            !resumable_state(s->state) || s->t_start > now || s->t_nmi > now || s->t_follow > now)
                return -EINVAL;

        nf_fence_restore(f, p, s);
        to = f->state;
        f->state = NF_FS_CONNECT;
        f->resumed = true;
        f->session_up = false;
        f->next_poll = now;
        if (s->follow)
                snprintf(why, sizeof why, "resumed following a dump started by someone else (followed for %.1f s); no NMI",
                         (double) (now - s->t_follow) / 1000.0);
        else
                snprintf(why, sizeof why, "resumed an operation whose NMI was sent %.1f s ago; no new NMI",
                         (double) (now - s->t_nmi) / 1000.0);
        transition(f, to, why);
        return 0;
}
