/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the fence state machine (agent/fence-sm.c).  The machine
 * does no I/O, so it is run here against a scripted model of a BMC and its
 * host: pure data and a virtual clock, no sockets, no sleeping.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fence-sm.h"
#include "report.h"

#define S 1000ULL                       /* ms per second */
#define NEVER UINT64_MAX

/* ---- the scripted BMC ------------------------------------------------ */

typedef struct script_record {
        uint64_t at_ms;                 /* after the diag interrupt reached the BMC */
        nf_stage stage;
        uint8_t arg;
} script_record;

#define MAX_SCRIPT 256

typedef struct fake_bmc {
        /* the host */
        bool power_on;
        script_record script[MAX_SCRIPT];
        size_t n_script;
        uint64_t host_off_at_ms;        /* after diag: capture kernel powers off; NEVER */
        bool host_panics;               /* false: the NMI does nothing */
        /* follow: someone else's NMI reaches the host at this absolute
         * time (may be before the machine starts); NEVER: none */
        uint64_t external_diag_at;
        bool sel_has_armed;             /* an armed record opens the boot's window */
        /* Get SEL Info at the mark; sel_info_known false: not answered */
        bool sel_info_known, sel_overflow;
        uint16_t sel_entries, sel_free_bytes;

        /* the BMC */
        uint64_t rtt_ms;                /* every answered request */
        uint64_t timeout_ms;            /* a request that times out */
        nf_status open_status;          /* every open */
        /* failure injection: bit n of fail_mask[kind] fails the n-th
         * (0-based) request of that kind with fail_status[kind] */
        uint64_t fail_mask[NF_ACT_FINISHED + 1];
        nf_status fail_status[NF_ACT_FINISHED + 1];
        /* a power command failed with NF_E_REPLY_LOST was carried out */
        bool lost_control_applied;
        uint8_t fail_cc;                /* completion code of an NF_E_COMPLETION; 0 => 0xCC */
        bool power_off_stuck, power_on_stuck;
        uint64_t power_delay_ms;        /* control accepted -> state changes */
        /* fence_kdump messages, ms after the diag (sorted) */
        uint64_t kdump_at[MAX_SCRIPT];
        size_t n_kdump, next_kdump;

        /* state */
        uint64_t now;
        bool diag_delivered;
        uint64_t t_diag;
        size_t next_record;
        bool pending_power;
        bool pending_power_on;
        uint64_t pending_at;

        /* what happened */
        unsigned n[NF_ACT_FINISHED + 1];
        unsigned n_ctl_off, n_ctl_on;
        unsigned n_steps;
        nf_error err;
} fake_bmc;

static void bmc_init(fake_bmc *b) {
        *b = (fake_bmc) {
                .power_on = true,
                .host_off_at_ms = NEVER,
                .host_panics = true,
                .external_diag_at = NEVER,
                .sel_has_armed = true,
                .sel_info_known = true,
                .sel_entries = 12,
                .sel_free_bytes = 16000,
                .rtt_ms = 50,
                .timeout_ms = 5 * S,
                .open_status = NF_OK,
                .now = 1000000,         /* monotonic clocks do not start at 0 */
        };
}

static void script_add(fake_bmc *b, uint64_t at_ms, nf_stage stage, uint8_t arg) {
        assert_true(b->n_script < MAX_SCRIPT);
        b->script[b->n_script++] = (script_record) { at_ms, stage, arg };
}

/* Let the host's own behaviour catch up with the clock. */
static void bmc_advance_host(fake_bmc *b) {
        if (!b->diag_delivered && b->external_diag_at != NEVER && b->now >= b->external_diag_at) {
                b->diag_delivered = true;
                b->t_diag = b->external_diag_at;
        }
        if (b->pending_power && b->now >= b->pending_at) {
                b->power_on = b->pending_power_on;
                b->pending_power = false;
        }
        if (b->diag_delivered && b->host_panics && b->host_off_at_ms != NEVER &&
            b->now >= b->t_diag + b->host_off_at_ms) {
                b->power_on = false;
                b->host_off_at_ms = NEVER;
        }
}

static nf_action_result bmc_run(fake_bmc *b, const nf_action *a) {
        nf_action_result r = { .status = NF_OK };
        unsigned idx = b->n[a->kind]++;

        assert_true(a->kind < NF_ACT_FINISHED);
        if (a->kind == NF_ACT_OPEN && b->open_status != NF_OK)
                r.status = b->open_status;
        else if (idx < 64 && (b->fail_mask[a->kind] & (UINT64_C(1) << idx)))
                r.status = b->fail_status[a->kind];

        if (r.status != NF_OK) {
                nf_error_clear(&b->err);
                b->err.status = r.status;
                if (r.status == NF_E_COMPLETION)
                        b->err.cc = b->fail_cc ? b->fail_cc : 0xcc;
                r.error = &b->err;
        }

        /* A diag request whose answer is lost still reached the BMC. */
        if (a->kind == NF_ACT_DIAG && (r.status == NF_OK || r.status == NF_E_TIMEOUT || r.status == NF_E_REPLY_LOST) &&
            !b->diag_delivered) {
                b->diag_delivered = true;
                b->t_diag = b->now;
        }

        b->now += r.status == NF_E_TIMEOUT ? b->timeout_ms : b->rtt_ms;
        bmc_advance_host(b);
        if (r.status != NF_OK &&
            !(a->kind == NF_ACT_CONTROL && r.status == NF_E_REPLY_LOST && b->lost_control_applied))
                return r;

        switch (a->kind) {
        case NF_ACT_MARK:
                if (a->window == NF_SEL_FROM_END) {
                        /* only records after this one count */
                        while (b->diag_delivered && b->host_panics && b->next_record < b->n_script &&
                               b->t_diag + b->script[b->next_record].at_ms <= b->now)
                                b->next_record++;
                } else if (b->sel_has_armed) {
                        r.boundary_found = true;
                        r.boundary = (nf_stage_msg) { .stage = NF_STAGE_ARMED, .arg = 7, .seq = 0 };
                        r.boundary_id = 5;
                }
                r.power_known = true;
                r.power_on = b->power_on;
                r.sel_info_known = b->sel_info_known;
                r.sel_entries = b->sel_entries;
                r.sel_free_bytes = b->sel_free_bytes;
                r.sel_overflow = b->sel_overflow;
                break;
        case NF_ACT_POWER_STATUS:
                r.power_known = true;
                r.power_on = b->power_on;
                break;
        case NF_ACT_POLL:
                while (b->diag_delivered && b->host_panics && b->next_record < b->n_script &&
                       b->t_diag + b->script[b->next_record].at_ms <= b->now && r.n_msgs < NF_FENCE_MAX_MSGS) {
                        const script_record *sr = &b->script[b->next_record++];
                        r.msgs[r.n_msgs++] = (nf_stage_msg) { .stage = sr->stage, .arg = sr->arg,
                                                              .seq = (uint8_t) b->next_record };
                }
                r.power_known = true;
                r.power_on = b->power_on;
                break;
        case NF_ACT_CONTROL:
                assert_true(a->ctl == NF_CHASSIS_OFF || a->ctl == NF_CHASSIS_ON);
                if (a->ctl == NF_CHASSIS_OFF) {
                        b->n_ctl_off++;
                        if (!b->power_off_stuck) {
                                b->pending_power = true;
                                b->pending_power_on = false;
                                b->pending_at = b->now + b->power_delay_ms;
                        }
                } else {
                        b->n_ctl_on++;
                        if (!b->power_on_stuck) {
                                b->pending_power = true;
                                b->pending_power_on = true;
                                b->pending_at = b->now + b->power_delay_ms;
                        }
                }
                bmc_advance_host(b);
                break;
        default:
                break;
        }
        return r;
}

/* ---- recording what the machine reports ------------------------------ */

#define MAX_TRANS 256

typedef struct trans {
        nf_fence_state from, to;
        char why[160];
        uint64_t at;
} trans;

typedef struct observer {
        const fake_bmc *b;
        trans t[MAX_TRANS];
        size_t n;
        size_t n_records;
} observer;

static void on_transition(const nf_fence *f, nf_fence_state from, nf_fence_state to, const char *why,
                          void *userdata) {
        observer *o = userdata;

        assert_true(o->n < MAX_TRANS);
        assert_non_null(why);
        o->t[o->n].from = from;
        o->t[o->n].to = to;
        o->t[o->n].at = o->b->now;
        snprintf(o->t[o->n].why, sizeof o->t[o->n].why, "%s", why);
        o->n++;
}

static void on_record(const nf_fence *f, const nf_stage_msg *m, void *userdata) {
        observer *o = userdata;

        o->n_records++;
}

/* ---- the driver -------------------------------------------------------- */

static nf_fence_params default_params(void) {
        return (nf_fence_params) {
                .nmi_timeout_ms = 60 * S,
                .stall_timeout_ms = 120 * S,
                .max_dump_ms = 3600 * S,
                .power_timeout_ms = 60 * S,
                .poll_interval_ms = 1 * S,
                .retry_interval_ms = 2 * S,
                .final_action = NF_FINAL_CYCLE,
                .no_panic_policy = NF_NO_PANIC_CYCLE,
        };
}

static void kdump_add(fake_bmc *b, uint64_t at_ms) {
        assert_true(b->n_kdump < MAX_SCRIPT);
        b->kdump_at[b->n_kdump++] = at_ms;
}

/* fence_kdump messages sent by now (after the diag reached the host),
 * delivered when the driver's poll() would see them. */
static bool kdump_due(const fake_bmc *b, uint64_t until, uint64_t *ret_at) {
        if (!b->diag_delivered || !b->host_panics || b->next_kdump >= b->n_kdump)
                return false;
        *ret_at = b->t_diag + b->kdump_at[b->next_kdump];
        return *ret_at <= until;
}

static void observe(nf_fence *f, fake_bmc *b, observer *o) {
        memset(o, 0, sizeof *o);
        o->b = b;
        memset(f, 0, sizeof *f);
        f->on_transition = on_transition;
        f->on_record = on_record;
        f->userdata = o;
}

/* Drive the machine the way fence-run's loop does: ask, wait for
 * not_before or a fence_kdump message, run, feed.  Stops when finished or
 * when the machine reaches state `until` (_NF_FS_MAX: never). */
static void drive(nf_fence *f, fake_bmc *b, nf_fence_state until) {
        for (;;) {
                nf_action a = nf_fence_next(f, b->now);
                nf_action_result r;
                uint64_t at;

                if (a.kind == NF_ACT_FINISHED || f->state == until)
                        break;
                /* a runaway machine is a failure, not a hang */
                assert_true(++b->n_steps < 100000);
                if (kdump_due(b, a.not_before_ms > b->now ? a.not_before_ms : b->now, &at)) {
                        if (at > b->now)
                                b->now = at;
                        b->next_kdump++;
                        bmc_advance_host(b);
                        nf_fence_feed_evidence(f, NF_EVIDENCE_KDUMP_MSG, b->now);
                        continue;
                }
                if (a.not_before_ms > b->now)
                        b->now = a.not_before_ms;
                bmc_advance_host(b);
                if (a.kind == NF_ACT_WAIT)
                        continue;
                r = bmc_run(b, &a);
                nf_fence_feed(f, &a, &r, b->now);
        }
}

/* Run the machine to its end. */
static void run(nf_fence *f, const nf_fence_params *p, fake_bmc *b, observer *o) {
        observe(f, b, o);
        nf_fence_init(f, p, b->now);
        drive(f, b, _NF_FS_MAX);
        /* finished is stable */
        assert_int_equal(nf_fence_next(f, b->now).kind, NF_ACT_FINISHED);
}

static size_t count_entries(const observer *o, nf_fence_state s);

/* The same in follow mode (nmifence follow): no diag is ever asked for. */
static void run_follow(nf_fence *f, const nf_fence_params *p, fake_bmc *b, observer *o) {
        observe(f, b, o);
        nf_fence_init_follow(f, p, b->now);
        assert_true(f->follow);
        drive(f, b, _NF_FS_MAX);
        assert_int_equal(nf_fence_next(f, b->now).kind, NF_ACT_FINISHED);
        assert_int_equal(b->n[NF_ACT_DIAG], 0);
        assert_int_equal(count_entries(o, NF_FS_NMI), 0);
        assert_false(f->nmi_sent);
        assert_int_equal(f->t_nmi, 0);
}

static void assert_path(const observer *o, const nf_fence_state *want, size_t n_want) {
        if (o->n != n_want) {
                for (size_t i = 0; i < o->n; i++)
                        print_message("  %s -> %s: %s\n", nf_fence_state_str(o->t[i].from),
                                      nf_fence_state_str(o->t[i].to), o->t[i].why);
        }
        assert_int_equal(o->n, n_want);
        for (size_t i = 0; i < n_want; i++) {
                assert_int_equal(o->t[i].to, want[i]);
                assert_int_equal(o->t[i].from, i == 0 ? NF_FS_CONNECT : want[i - 1]);
                assert_true(o->t[i].why[0] != '\0');
        }
}
#define ASSERT_PATH(o, ...)                                                                       \
        do {                                                                                      \
                static const nf_fence_state want_[] = { __VA_ARGS__ };                            \
                assert_path(o, want_, sizeof want_ / sizeof want_[0]);                            \
        } while (0)

static size_t count_entries(const observer *o, nf_fence_state s) {
        size_t n = 0;

        for (size_t i = 0; i < o->n; i++)
                n += o->t[i].to == s;
        return n;
}

static void script_normal_dump(fake_bmc *b) {
        script_add(b, 2 * S, NF_STAGE_DUMP_START, 0);
        for (int i = 1; i <= 9; i++)
                script_add(b, 2 * S + (uint64_t) i * 3 * S, NF_STAGE_PROGRESS, (uint8_t) (i * 10));
        script_add(b, 32 * S, NF_STAGE_DUMP_DONE, NF_DONE_COMPLETE);
}

/* ---- tests ----------------------------------------------------------- */

static void happy_path_host_off_after_dump(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        bmc_init(&b);
        script_normal_dump(&b);
        /* the capture kernel powers off right after dump-done */
        b.host_off_at_ms = 32 * S;
        run(&f, &p, &b, &o);

        ASSERT_PATH(&o, NF_FS_MARK, NF_FS_NMI, NF_FS_WAIT_PANIC, NF_FS_WAIT_DUMP, NF_FS_VERIFY_OFF,
                    NF_FS_POWER_ON, NF_FS_VERIFY_ON, NF_FS_DONE);
        assert_int_equal(f.dump, NF_DUMP_COMPLETE);
        assert_true(nf_dump_result_ok(f.dump));
        assert_true(f.fenced);
        assert_true(f.power_on);
        assert_true(f.nmi_sent);
        assert_int_equal(b.n[NF_ACT_DIAG], 1);
        assert_int_equal(b.n_ctl_off, 0);
        assert_int_equal(b.n_ctl_on, 1);
        assert_int_equal(f.last_percent, 90);
        assert_int_equal(o.n_records, 11);
        assert_true(f.t_nmi && f.t_panic > f.t_nmi && f.t_done > f.t_panic);
        assert_true(f.t_power_action >= f.t_done && f.t_verified >= f.t_power_action);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_OK);
}

/* Registers saved: dump-start carries the CPUs with saved registers, the
 * cpus record after it the CPUs in the dump (docs/protocol.md). */
static void registers_saved_reported(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        bmc_init(&b);
        script_add(&b, 8 * S, NF_STAGE_DUMP_START, 3);
        script_add(&b, 8 * S, NF_STAGE_CPUS, 4);
        script_add(&b, 12 * S, NF_STAGE_PROGRESS, 50);
        script_add(&b, 15 * S, NF_STAGE_DUMP_DONE, NF_DONE_COMPLETE);
        run(&f, &p, &b, &o);

        ASSERT_PATH(&o, NF_FS_MARK, NF_FS_NMI, NF_FS_WAIT_PANIC, NF_FS_WAIT_DUMP, NF_FS_VERIFY_OFF,
                    NF_FS_POWER_OFF, NF_FS_VERIFY_OFF, NF_FS_POWER_ON, NF_FS_VERIFY_ON, NF_FS_DONE);
        assert_int_equal(f.dump, NF_DUMP_COMPLETE);
        assert_int_equal(f.regs_saved, 3);
        assert_int_equal(f.cpus_in_dump, 4);
        assert_int_equal(f.last_percent, 50);
        assert_int_equal(b.n[NF_ACT_DIAG], 1);
}

/* A target without the count (older helper, no /proc/vmcore): dump-start
 * with 0 and no cpus record leave both unknown. */
static void registers_saved_unknown_without_cpus_record(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        bmc_init(&b);
        script_normal_dump(&b);
        run(&f, &p, &b, &o);
        assert_int_equal(f.dump, NF_DUMP_COMPLETE);
        assert_int_equal(f.cpus_in_dump, -1);
}

/* The cpus record is a dump record: alone (dump-start lost to a cleared
 * SEL) it is the panic and it keeps the stall timer alive. */
static void cpus_record_is_dump_evidence(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.stall_timeout_ms = 10 * S;
        bmc_init(&b);
        script_add(&b, 8 * S, NF_STAGE_CPUS, 2);
        script_add(&b, 16 * S, NF_STAGE_DUMP_DONE, NF_DONE_COMPLETE);
        run(&f, &p, &b, &o);
        assert_int_equal(o.t[3].to, NF_FS_WAIT_DUMP);
        assert_string_equal(o.t[3].why, "cpus record");
        assert_int_equal(f.dump, NF_DUMP_COMPLETE);
        assert_int_equal(f.cpus_in_dump, 2);
        assert_int_equal(f.regs_saved, -1);
}

static void happy_path_host_still_on(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        bmc_init(&b);
        script_normal_dump(&b);
        b.power_delay_ms = 3 * S;
        run(&f, &p, &b, &o);

        ASSERT_PATH(&o, NF_FS_MARK, NF_FS_NMI, NF_FS_WAIT_PANIC, NF_FS_WAIT_DUMP, NF_FS_VERIFY_OFF,
                    NF_FS_POWER_OFF, NF_FS_VERIFY_OFF, NF_FS_POWER_ON, NF_FS_VERIFY_ON, NF_FS_DONE);
        assert_int_equal(f.dump, NF_DUMP_COMPLETE);
        assert_true(f.fenced);
        assert_true(f.power_on);
        assert_true(b.power_on);
        assert_int_equal(b.n[NF_ACT_DIAG], 1);
        assert_int_equal(b.n_ctl_off, 1);
        assert_int_equal(b.n_ctl_on, 1);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_OK);
}

static void final_action_off(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.final_action = NF_FINAL_OFF;
        bmc_init(&b);
        script_normal_dump(&b);
        b.power_delay_ms = 2 * S;
        run(&f, &p, &b, &o);

        ASSERT_PATH(&o, NF_FS_MARK, NF_FS_NMI, NF_FS_WAIT_PANIC, NF_FS_WAIT_DUMP, NF_FS_VERIFY_OFF,
                    NF_FS_POWER_OFF, NF_FS_VERIFY_OFF, NF_FS_DONE);
        assert_int_equal(f.dump, NF_DUMP_COMPLETE);
        assert_true(f.fenced);
        assert_false(f.power_on);
        assert_false(b.power_on);
        assert_int_equal(b.n_ctl_off, 1);
        assert_int_equal(b.n_ctl_on, 0);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_OK);
}

static void final_action_off_host_already_off(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.final_action = NF_FINAL_OFF;
        bmc_init(&b);
        script_normal_dump(&b);
        b.host_off_at_ms = 32 * S;
        run(&f, &p, &b, &o);

        ASSERT_PATH(&o, NF_FS_MARK, NF_FS_NMI, NF_FS_WAIT_PANIC, NF_FS_WAIT_DUMP, NF_FS_VERIFY_OFF, NF_FS_DONE);
        assert_true(f.fenced);
        assert_int_equal(b.n[NF_ACT_CONTROL], 0);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_OK);
}

static void diag_timeout_waits_and_never_resends(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        bmc_init(&b);
        script_normal_dump(&b);
        b.host_off_at_ms = 32 * S;
        /* the diag reaches the BMC, its answer does not reach us */
        b.fail_mask[NF_ACT_DIAG] = ~UINT64_C(0);
        b.fail_status[NF_ACT_DIAG] = NF_E_TIMEOUT;
        run(&f, &p, &b, &o);

        assert_int_equal(b.n[NF_ACT_DIAG], 1);
        assert_int_equal(count_entries(&o, NF_FS_NMI), 1);
        assert_true(f.nmi_sent);
        /* it re-opened the session and went on waiting */
        assert_int_equal(b.n[NF_ACT_OPEN], 2);
        assert_true(b.n[NF_ACT_POLL] > 0);
        assert_int_equal(f.dump, NF_DUMP_COMPLETE);
        assert_true(f.fenced);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_OK);
}

/* The transport's own word for it (nf_session_raw_once): sent once, the
 * reply lost.  Delivery unconfirmed, waited for, never sent again. */
static void diag_reply_lost_unconfirmed(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        bmc_init(&b);
        script_normal_dump(&b);
        b.host_off_at_ms = 32 * S;
        b.fail_mask[NF_ACT_DIAG] = ~UINT64_C(0);
        b.fail_status[NF_ACT_DIAG] = NF_E_REPLY_LOST;
        run(&f, &p, &b, &o);

        assert_int_equal(b.n[NF_ACT_DIAG], 1);
        assert_int_equal(f.nmi, NF_NMI_UNCONFIRMED);
        assert_true(nf_fence_nmi_may_have_reached(&f));
        assert_int_equal(o.t[2].to, NF_FS_WAIT_PANIC);
        assert_non_null(strstr(o.t[2].why, "reply lost: delivery unconfirmed"));
        assert_int_equal(f.dump, NF_DUMP_COMPLETE);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_OK);
}

/* A power command is sent once (every Chassis Control is): its reply
 * lost, the power state says whether it was carried out.  Carried out:
 * no second command.  Not carried out: the verify step sends it again. */
static bool why_has(const observer *o, const char *what) {
        for (size_t i = 0; i < o->n; i++)
                if (strstr(o->t[i].why, what))
                        return true;
        return false;
}

static void power_reply_lost(void **state) {
        for (int applied = 0; applied <= 1; applied++) {
                nf_fence_params p = default_params();
                fake_bmc b;
                observer o;
                nf_fence f;

                bmc_init(&b);
                script_normal_dump(&b);
                /* the first off and the first on lose their replies */
                b.fail_mask[NF_ACT_CONTROL] = applied ? 0x3 : 0x5;
                b.fail_status[NF_ACT_CONTROL] = NF_E_REPLY_LOST;
                b.lost_control_applied = applied;
                run(&f, &p, &b, &o);

                assert_int_equal(f.dump, NF_DUMP_COMPLETE);
                assert_true(f.fenced);
                assert_true(b.power_on);
                assert_true(why_has(&o, "power off sent, reply lost"));
                assert_true(why_has(&o, "power on sent, reply lost"));
                /* commands sent; those carried out: one off, one on */
                assert_int_equal(b.n[NF_ACT_CONTROL], applied ? 2 : 4);
                assert_int_equal(b.n_ctl_off, 1);
                assert_int_equal(b.n_ctl_on, 1);
                assert_int_equal(b.n[NF_ACT_DIAG], 1);
                assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_OK);
        }
}

/* The diag request never left (no session for it): no NMI, no second
 * chance, the no-panic policy decides.  Exit 2. */
static void diag_not_sent_policy(void **state) {
        for (int leave = 0; leave <= 1; leave++) {
                nf_fence_params p = default_params();
                fake_bmc b;
                observer o;
                nf_fence f;

                p.no_panic_policy = leave ? NF_NO_PANIC_LEAVE : NF_NO_PANIC_CYCLE;
                bmc_init(&b);
                b.fail_mask[NF_ACT_DIAG] = ~UINT64_C(0);
                b.fail_status[NF_ACT_DIAG] = NF_E_NOT_SENT;
                run(&f, &p, &b, &o);

                assert_int_equal(b.n[NF_ACT_DIAG], 1);
                assert_int_equal(b.n[NF_ACT_POLL], 0);
                assert_false(b.diag_delivered);
                assert_int_equal(f.nmi, NF_NMI_NOT_SENT);
                assert_false(nf_fence_nmi_may_have_reached(&f));
                assert_int_equal(f.dump, NF_DUMP_NMI_NOT_SENT);
                assert_int_equal(f.state, NF_FS_DONE);
                if (leave)
                        assert_int_equal(b.n[NF_ACT_CONTROL], 0);
                else
                        assert_true(f.fenced && b.n_ctl_off == 1 && b.n_ctl_on == 1);
                assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_NO_PANIC);
        }
}

/* 0xD4 on the diag: the account cannot do Chassis Control.  An
 * authorisation problem, reported at once; nothing is done to the host
 * (no power command either: it would be refused the same way). */
static void diag_privilege_too_low(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        bmc_init(&b);
        b.fail_mask[NF_ACT_DIAG] = ~UINT64_C(0);
        b.fail_status[NF_ACT_DIAG] = NF_E_COMPLETION;
        b.fail_cc = 0xD4;
        run(&f, &p, &b, &o);

        ASSERT_PATH(&o, NF_FS_MARK, NF_FS_NMI, NF_FS_FAILED);
        assert_int_equal(b.n[NF_ACT_DIAG], 1);
        assert_int_equal(b.n[NF_ACT_CONTROL], 0);
        assert_int_equal(f.nmi, NF_NMI_REFUSED);
        assert_int_equal(f.fail_status, NF_E_PRIVILEGE);
        assert_int_equal(f.last_error.cc, 0xD4);
        assert_non_null(strstr(f.fail_reason, "privilege too low for Chassis Control"));
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_BMC);
}

/* Failures before anything was done to the host are BMC failures (3),
 * whatever the library's status; after the NMI they are "not fenced" (5). */
static void failure_before_the_nmi_is_exit_3(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        bmc_init(&b);
        b.open_status = NF_E_INTERNAL;
        run(&f, &p, &b, &o);
        assert_int_equal(f.state, NF_FS_FAILED);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_BMC);

        bmc_init(&b);
        b.fail_mask[NF_ACT_MARK] = ~UINT64_C(0);
        b.fail_status[NF_ACT_MARK] = NF_E_SHORT_RESPONSE;
        run(&f, &p, &b, &o);
        assert_int_equal(f.state, NF_FS_FAILED);
        assert_int_equal(b.n[NF_ACT_DIAG], 0);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_BMC);
}

static void diag_timeout_and_no_panic(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.nmi_timeout_ms = 20 * S;
        bmc_init(&b);
        b.host_panics = false;
        b.power_delay_ms = 1 * S;
        b.fail_mask[NF_ACT_DIAG] = ~UINT64_C(0);
        b.fail_status[NF_ACT_DIAG] = NF_E_TIMEOUT;
        run(&f, &p, &b, &o);

        assert_int_equal(b.n[NF_ACT_DIAG], 1);
        assert_int_equal(f.dump, NF_DUMP_NO_PANIC);
        /* it waited the whole nmi_timeout for a panic */
        assert_true(f.t_done >= f.t_nmi + p.nmi_timeout_ms);
        assert_true(b.n[NF_ACT_POLL] >= 10);
        assert_true(f.fenced);
}

static void polls_fail_session_reopened_one_diag(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        bmc_init(&b);
        script_normal_dump(&b);
        b.host_off_at_ms = 32 * S;
        /* polls 1-3 time out, poll 7 loses the session, one re-open fails */
        b.fail_mask[NF_ACT_POLL] = (1u << 1) | (1u << 2) | (1u << 3) | (1u << 7);
        b.fail_status[NF_ACT_POLL] = NF_E_TIMEOUT;
        b.fail_mask[NF_ACT_OPEN] = 1u << 2;
        b.fail_status[NF_ACT_OPEN] = NF_E_TIMEOUT;
        run(&f, &p, &b, &o);

        assert_int_equal(b.n[NF_ACT_DIAG], 1);
        assert_int_equal(count_entries(&o, NF_FS_NMI), 1);
        assert_true(b.n[NF_ACT_OPEN] >= 4);
        assert_int_equal(f.dump, NF_DUMP_COMPLETE);
        assert_true(f.fenced);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_OK);
}

static void polls_fail_with_other_errors_one_diag(void **state) {
        static const nf_status errs[] = { NF_E_SESSION_LOST, NF_E_IO, NF_E_BMC_BUSY, NF_E_COMPLETION,
                                          NF_E_SHORT_RESPONSE };

        for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
                nf_fence_params p = default_params();
                fake_bmc b;
                observer o;
                nf_fence f;

                bmc_init(&b);
                script_normal_dump(&b);
                b.host_off_at_ms = 32 * S;
                b.fail_mask[NF_ACT_POLL] = 0x0f0f0f0f0ULL;
                b.fail_status[NF_ACT_POLL] = errs[i];
                run(&f, &p, &b, &o);

                assert_int_equal(b.n[NF_ACT_DIAG], 1);
                assert_int_equal(f.dump, NF_DUMP_COMPLETE);
                assert_true(f.fenced);
        }
}

static void no_panic_policy_cycle(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.nmi_timeout_ms = 30 * S;
        bmc_init(&b);
        b.host_panics = false;
        b.power_delay_ms = 1 * S;
        run(&f, &p, &b, &o);

        ASSERT_PATH(&o, NF_FS_MARK, NF_FS_NMI, NF_FS_WAIT_PANIC, NF_FS_VERIFY_OFF, NF_FS_POWER_OFF,
                    NF_FS_VERIFY_OFF, NF_FS_POWER_ON, NF_FS_VERIFY_ON, NF_FS_DONE);
        assert_int_equal(f.dump, NF_DUMP_NO_PANIC);
        /* exactly at the nmi timeout, give or take one poll */
        assert_true(f.t_done >= f.t_nmi + p.nmi_timeout_ms);
        assert_true(f.t_done <= f.t_nmi + p.nmi_timeout_ms + p.poll_interval_ms + b.rtt_ms);
        assert_int_equal(b.n_ctl_off, 1);
        assert_int_equal(b.n_ctl_on, 1);
        assert_true(f.fenced);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_NO_PANIC);
}

static void no_panic_policy_leave(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.nmi_timeout_ms = 30 * S;
        p.no_panic_policy = NF_NO_PANIC_LEAVE;
        bmc_init(&b);
        b.host_panics = false;
        run(&f, &p, &b, &o);

        ASSERT_PATH(&o, NF_FS_MARK, NF_FS_NMI, NF_FS_WAIT_PANIC, NF_FS_DONE);
        assert_int_equal(f.dump, NF_DUMP_NO_PANIC);
        assert_true(f.t_done >= f.t_nmi + p.nmi_timeout_ms);
        assert_int_equal(b.n[NF_ACT_CONTROL], 0);
        assert_int_equal(b.n[NF_ACT_POWER_STATUS], 0);
        assert_true(b.power_on);
        assert_false(f.fenced);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_NO_PANIC);
}

/* The leave policy applies only when no panic was seen: a dump that
 * started and then stalled is still fenced. */
static void leave_policy_still_fences_a_stalled_dump(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.no_panic_policy = NF_NO_PANIC_LEAVE;
        p.stall_timeout_ms = 10 * S;
        bmc_init(&b);
        script_add(&b, 2 * S, NF_STAGE_DUMP_START, 0);
        run(&f, &p, &b, &o);

        assert_int_equal(f.dump, NF_DUMP_STALLED);
        assert_int_equal(b.n_ctl_off, 1);
        assert_true(f.fenced);
}

static void progress_pushes_stall_deadline(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;
        uint64_t last_at = 0;

        p.stall_timeout_ms = 10 * S;
        bmc_init(&b);
        script_add(&b, 1 * S, NF_STAGE_DUMP_START, 0);
        /* a record every 8 s: each within the stall timeout of the last,
         * together far beyond it */
        for (int i = 1; i <= 10; i++) {
                last_at = 1 * S + (uint64_t) i * 8 * S;
                script_add(&b, last_at, NF_STAGE_PROGRESS, (uint8_t) (i * 9));
        }
        run(&f, &p, &b, &o);

        assert_int_equal(f.dump, NF_DUMP_STALLED);
        assert_int_equal(f.last_percent, 90);
        assert_int_equal(o.n_records, 11);
        /* stall_timeout after the last record was seen, not before */
        assert_true(f.t_done >= b.t_diag + last_at + p.stall_timeout_ms);
        assert_true(f.t_done <= b.t_diag + last_at + p.stall_timeout_ms + 2 * (p.poll_interval_ms + b.rtt_ms));
        assert_true(f.fenced);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_DUMP_FAILED);
}

static void stall_without_any_progress(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.stall_timeout_ms = 15 * S;
        bmc_init(&b);
        script_add(&b, 3 * S, NF_STAGE_DUMP_START, 0);
        run(&f, &p, &b, &o);

        assert_int_equal(f.dump, NF_DUMP_STALLED);
        assert_int_equal(f.last_percent, -1);
        assert_true(f.t_done >= f.t_panic + p.stall_timeout_ms);
        assert_true(f.t_done <= f.t_panic + p.stall_timeout_ms + p.poll_interval_ms + b.rtt_ms);
}

static void hard_cap_despite_steady_progress(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.stall_timeout_ms = 10 * S;
        p.max_dump_ms = 60 * S;
        bmc_init(&b);
        script_add(&b, 1 * S, NF_STAGE_DUMP_START, 0);
        /* progress every 5 s for 10 minutes, never done */
        for (int i = 1; i <= 120; i++)
                script_add(&b, 1 * S + (uint64_t) i * 5 * S, NF_STAGE_PROGRESS, (uint8_t) (i * 99 / 120));
        run(&f, &p, &b, &o);

        assert_int_equal(f.dump, NF_DUMP_MAX_TIME);
        assert_true(f.t_done >= f.t_panic + p.max_dump_ms);
        assert_true(f.t_done <= f.t_panic + p.max_dump_ms + p.poll_interval_ms + b.rtt_ms);
        assert_true(f.fenced);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_DUMP_FAILED);
}

static void dump_failed_still_fenced(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        bmc_init(&b);
        b.power_delay_ms = 1 * S;
        script_add(&b, 2 * S, NF_STAGE_DUMP_START, 0);
        script_add(&b, 5 * S, NF_STAGE_PROGRESS, 10);
        script_add(&b, 8 * S, NF_STAGE_DUMP_FAILED, 3);
        run(&f, &p, &b, &o);

        ASSERT_PATH(&o, NF_FS_MARK, NF_FS_NMI, NF_FS_WAIT_PANIC, NF_FS_WAIT_DUMP, NF_FS_VERIFY_OFF,
                    NF_FS_POWER_OFF, NF_FS_VERIFY_OFF, NF_FS_POWER_ON, NF_FS_VERIFY_ON, NF_FS_DONE);
        assert_int_equal(f.dump, NF_DUMP_FAILED);
        assert_int_equal(f.dump_arg, 3);
        assert_false(nf_dump_result_ok(f.dump));
        assert_true(f.fenced);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_DUMP_FAILED);
}

static void dump_done_partial(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        bmc_init(&b);
        script_add(&b, 2 * S, NF_STAGE_DUMP_START, 0);
        script_add(&b, 4 * S, NF_STAGE_DUMP_DONE, NF_DONE_PARTIAL);
        b.host_off_at_ms = 4 * S;
        run(&f, &p, &b, &o);

        assert_int_equal(f.dump, NF_DUMP_PARTIAL);
        assert_int_equal(f.dump_arg, NF_DONE_PARTIAL);
        assert_true(f.fenced);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_DUMP_FAILED);
}

static void host_powered_off_mid_dump(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        bmc_init(&b);
        script_add(&b, 2 * S, NF_STAGE_DUMP_START, 0);
        script_add(&b, 5 * S, NF_STAGE_PROGRESS, 20);
        b.host_off_at_ms = 9 * S;
        run(&f, &p, &b, &o);

        ASSERT_PATH(&o, NF_FS_MARK, NF_FS_NMI, NF_FS_WAIT_PANIC, NF_FS_WAIT_DUMP, NF_FS_VERIFY_OFF,
                    NF_FS_POWER_ON, NF_FS_VERIFY_ON, NF_FS_DONE);
        assert_int_equal(f.dump, NF_DUMP_POWERED_OFF);
        assert_true(f.t_done >= b.t_diag + 9 * S);
        assert_true(f.t_done < b.t_diag + 9 * S + p.poll_interval_ms + b.rtt_ms + 1);
        assert_int_equal(b.n_ctl_off, 0);
        assert_true(f.fenced);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_DUMP_FAILED);
}

/* dump-done and the power-off land in the same poll: the record counts. */
static void record_in_same_poll_as_power_off_first(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.poll_interval_ms = 10 * S;
        bmc_init(&b);
        script_add(&b, 2 * S, NF_STAGE_DUMP_START, 0);
        script_add(&b, 13 * S, NF_STAGE_DUMP_DONE, NF_DONE_COMPLETE);
        b.host_off_at_ms = 14 * S;
        run(&f, &p, &b, &o);

        assert_int_equal(f.dump, NF_DUMP_COMPLETE);
        assert_true(f.fenced);
        assert_int_equal(b.n_ctl_off, 0);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_OK);
}

/* Even the whole dump between two polls, with the host off by then. */
static void whole_dump_in_one_poll_with_power_off(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.poll_interval_ms = 30 * S;
        bmc_init(&b);
        script_add(&b, 1 * S, NF_STAGE_DUMP_START, 0);
        script_add(&b, 5 * S, NF_STAGE_PROGRESS, 50);
        script_add(&b, 9 * S, NF_STAGE_DUMP_DONE, NF_DONE_COMPLETE);
        b.host_off_at_ms = 10 * S;
        run(&f, &p, &b, &o);

        ASSERT_PATH(&o, NF_FS_MARK, NF_FS_NMI, NF_FS_WAIT_PANIC, NF_FS_WAIT_DUMP, NF_FS_VERIFY_OFF,
                    NF_FS_POWER_ON, NF_FS_VERIFY_ON, NF_FS_DONE);
        assert_int_equal(f.dump, NF_DUMP_COMPLETE);
        assert_int_equal(o.n_records, 3);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_OK);
}

static void auth_failure_at_connect(void **state) {
        static const nf_status errs[] = { NF_E_PASSWORD, NF_E_USERNAME, NF_E_KG, NF_E_PRIVILEGE,
                                          NF_E_CIPHER, NF_E_AUTH };

        for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
                nf_fence_params p = default_params();
                fake_bmc b;
                observer o;
                nf_fence f;

                bmc_init(&b);
                b.open_status = errs[i];
                run(&f, &p, &b, &o);

                ASSERT_PATH(&o, NF_FS_FAILED);
                assert_int_equal(b.n[NF_ACT_OPEN], 1);
                assert_int_equal(b.n[NF_ACT_DIAG], 0);
                assert_int_equal(b.n[NF_ACT_CONTROL], 0);
                assert_false(f.nmi_sent);
                assert_false(f.fenced);
                assert_int_equal(f.fail_status, errs[i]);
                assert_int_equal(f.last_error.status, errs[i]);
                assert_string_equal(f.fail_reason, "authentication failed");
                assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_BMC);
        }
}

static void bmc_unreachable_at_connect(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        bmc_init(&b);
        b.open_status = NF_E_TIMEOUT;
        run(&f, &p, &b, &o);

        ASSERT_PATH(&o, NF_FS_FAILED);
        assert_int_equal(b.n[NF_ACT_OPEN], 1);
        assert_string_equal(f.fail_reason, "BMC unreachable");
        assert_int_equal(f.fail_status, NF_E_TIMEOUT);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_BMC);
}

static void power_off_never_verified(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.power_timeout_ms = 20 * S;
        bmc_init(&b);
        script_normal_dump(&b);
        b.power_off_stuck = true;
        run(&f, &p, &b, &o);

        assert_int_equal(f.state, NF_FS_FAILED);
        assert_int_equal(o.t[o.n - 1].to, NF_FS_FAILED);
        assert_int_equal(o.t[o.n - 1].from, NF_FS_VERIFY_OFF);
        assert_false(f.fenced);
        assert_true(b.power_on);
        assert_int_equal(b.n_ctl_on, 0);
        assert_true(b.n_ctl_off >= 1);
        /* the dump itself was fine */
        assert_int_equal(f.dump, NF_DUMP_COMPLETE);
        assert_true(b.now >= f.t_done + p.power_timeout_ms);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_FENCE_FAILED);
}

static void power_on_never_verified(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.power_timeout_ms = 20 * S;
        bmc_init(&b);
        script_normal_dump(&b);
        b.host_off_at_ms = 32 * S;
        b.power_on_stuck = true;
        run(&f, &p, &b, &o);

        assert_int_equal(f.state, NF_FS_FAILED);
        assert_int_equal(o.t[o.n - 1].from, NF_FS_VERIFY_ON);
        assert_false(f.fenced);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_FENCE_FAILED);
}

/* BMC gone during the power phase after the NMI: not known fenced. */
static void bmc_lost_in_power_phase(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.power_timeout_ms = 30 * S;
        bmc_init(&b);
        script_normal_dump(&b);
        b.fail_mask[NF_ACT_POWER_STATUS] = ~UINT64_C(0);
        b.fail_status[NF_ACT_POWER_STATUS] = NF_E_TIMEOUT;
        b.fail_mask[NF_ACT_OPEN] = ~UINT64_C(1);        /* all re-opens */
        b.fail_status[NF_ACT_OPEN] = NF_E_TIMEOUT;
        run(&f, &p, &b, &o);

        assert_int_equal(f.state, NF_FS_FAILED);
        assert_false(f.fenced);
        assert_int_equal(b.n[NF_ACT_DIAG], 1);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_FENCE_FAILED);
}

static void host_off_at_start_no_nmi(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        bmc_init(&b);
        b.power_on = false;
        run(&f, &p, &b, &o);

        assert_int_equal(b.n[NF_ACT_DIAG], 0);
        assert_false(f.nmi_sent);
        assert_int_equal(count_entries(&o, NF_FS_NMI), 0);
        assert_int_equal(f.dump, NF_DUMP_HOST_OFF);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_NO_PANIC);
}

/* ---- power-only fences (policy "cycle": nf_fence_params.power_only) ---- */

/* No NMI, no SEL wait: mark-sel reads the power, then off, on, verified.
 * The scripted dump would be there if anything sent the diag. */
static void power_only_cycle(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.power_only = true;
        bmc_init(&b);
        script_normal_dump(&b);
        b.power_delay_ms = 2 * S;
        run(&f, &p, &b, &o);

        ASSERT_PATH(&o, NF_FS_MARK, NF_FS_VERIFY_OFF, NF_FS_POWER_OFF, NF_FS_VERIFY_OFF, NF_FS_POWER_ON,
                    NF_FS_VERIFY_ON, NF_FS_DONE);
        assert_int_equal(b.n[NF_ACT_DIAG], 0);
        assert_false(f.nmi_sent);
        assert_int_equal(f.t_nmi, 0);
        assert_int_equal(o.n_records, 0);
        assert_int_equal(f.dump, NF_DUMP_NOT_ASKED);
        assert_true(f.fenced);
        assert_true(f.power_on);
        assert_true(b.power_on);
        assert_int_equal(b.n_ctl_off, 1);
        assert_int_equal(b.n_ctl_on, 1);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_OK);
}

static void power_only_off(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.power_only = true;
        p.final_action = NF_FINAL_OFF;
        bmc_init(&b);
        run(&f, &p, &b, &o);

        ASSERT_PATH(&o, NF_FS_MARK, NF_FS_VERIFY_OFF, NF_FS_POWER_OFF, NF_FS_VERIFY_OFF, NF_FS_DONE);
        assert_int_equal(b.n[NF_ACT_DIAG], 0);
        assert_true(f.fenced);
        assert_false(b.power_on);
        assert_int_equal(b.n_ctl_off, 1);
        assert_int_equal(b.n_ctl_on, 0);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_OK);
}

/* A host already off: no off command; a cycle powers it on.  Not the
 * "host off, no NMI" result of a dump (exit 2): nothing was asked but
 * the power. */
static void power_only_host_already_off(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.power_only = true;
        bmc_init(&b);
        b.power_on = false;
        run(&f, &p, &b, &o);

        ASSERT_PATH(&o, NF_FS_MARK, NF_FS_VERIFY_OFF, NF_FS_POWER_ON, NF_FS_VERIFY_ON, NF_FS_DONE);
        assert_int_equal(b.n[NF_ACT_DIAG], 0);
        assert_int_equal(f.dump, NF_DUMP_NOT_ASKED);
        assert_int_equal(b.n_ctl_off, 0);
        assert_int_equal(b.n_ctl_on, 1);
        assert_true(f.fenced);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_OK);
}

/* The power never comes back: not known fenced, exit 5, still no NMI. */
static void power_only_power_on_stuck(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.power_only = true;
        p.power_timeout_ms = 20 * S;
        bmc_init(&b);
        b.power_on_stuck = true;
        run(&f, &p, &b, &o);

        assert_int_equal(f.state, NF_FS_FAILED);
        assert_int_equal(o.t[o.n - 1].from, NF_FS_VERIFY_ON);
        assert_int_equal(b.n[NF_ACT_DIAG], 0);
        assert_false(f.fenced);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_FENCE_FAILED);
}

/* The BMC gone at connect: nothing done, exit 3 as for a dump. */
static void power_only_bmc_unreachable(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.power_only = true;
        bmc_init(&b);
        b.open_status = NF_E_TIMEOUT;
        run(&f, &p, &b, &o);

        assert_int_equal(f.state, NF_FS_FAILED);
        assert_int_equal(b.n[NF_ACT_DIAG], 0);
        assert_int_equal(b.n[NF_ACT_CONTROL], 0);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_BMC);
}

static void nmi_refused(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.no_panic_policy = NF_NO_PANIC_LEAVE;
        bmc_init(&b);
        b.fail_mask[NF_ACT_DIAG] = ~UINT64_C(0);
        b.fail_status[NF_ACT_DIAG] = NF_E_COMPLETION;
        run(&f, &p, &b, &o);

        ASSERT_PATH(&o, NF_FS_MARK, NF_FS_NMI, NF_FS_DONE);
        assert_int_equal(b.n[NF_ACT_DIAG], 1);
        assert_int_equal(b.n[NF_ACT_POLL], 0);
        assert_int_equal(f.dump, NF_DUMP_NMI_REFUSED);
        assert_int_equal(b.n[NF_ACT_CONTROL], 0);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_NO_PANIC);
}

/* Armed/disarmed records are reported but end no wait. */
static void armed_records_do_not_end_the_wait(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.nmi_timeout_ms = 10 * S;
        p.no_panic_policy = NF_NO_PANIC_LEAVE;
        bmc_init(&b);
        script_add(&b, 1 * S, NF_STAGE_ARMED, 3);
        script_add(&b, 2 * S, NF_STAGE_DISARMED, 0);
        run(&f, &p, &b, &o);

        assert_int_equal(o.n_records, 2);
        assert_int_equal(f.dump, NF_DUMP_NO_PANIC);
        assert_true(f.t_done >= f.t_nmi + p.nmi_timeout_ms);
}

static void transitions_are_reported(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        bmc_init(&b);
        script_normal_dump(&b);
        b.fail_mask[NF_ACT_POLL] = 1u << 3;
        b.fail_status[NF_ACT_POLL] = NF_E_TIMEOUT;
        run(&f, &p, &b, &o);

        assert_true(o.n >= 8);
        assert_int_equal(o.t[0].from, NF_FS_CONNECT);
        for (size_t i = 0; i < o.n; i++) {
                assert_true(o.t[i].to < _NF_FS_MAX);
                assert_true(o.t[i].why[0] != '\0');
                if (i > 0) {
                        assert_int_equal(o.t[i].from, o.t[i - 1].to);
                        assert_true(o.t[i].at >= o.t[i - 1].at);
                }
        }
        assert_int_equal(o.t[o.n - 1].to, f.state);
        assert_int_equal(f.state, NF_FS_DONE);
        /* the reason names what happened */
        assert_non_null(strstr(o.t[3].why, "dump-start"));
        for (size_t i = 0; i < o.n; i++)
                if (o.t[i].from == NF_FS_WAIT_DUMP)
                        assert_non_null(strstr(o.t[i].why, "dump-done"));
}

static void state_and_result_names(void **state) {
        for (int s = 0; s < _NF_FS_MAX; s++) {
                assert_non_null(nf_fence_state_str((nf_fence_state) s));
                assert_string_not_equal(nf_fence_state_str((nf_fence_state) s), "invalid");
        }
        assert_string_equal(nf_fence_state_str(NF_FS_WAIT_DUMP), "wait-dump");
        assert_string_equal(nf_fence_state_str(_NF_FS_MAX), "invalid");
        for (int r = 0; r < _NF_DUMP_MAX; r++) {
                assert_non_null(nf_dump_result_str((nf_dump_result) r));
                assert_string_not_equal(nf_dump_result_str((nf_dump_result) r), "invalid");
                assert_int_equal(nf_dump_result_ok((nf_dump_result) r), r == NF_DUMP_COMPLETE);
        }
        for (int n = 0; n < _NF_NMI_MAX; n++)
                assert_string_not_equal(nf_nmi_outcome_str((nf_nmi_outcome) n), "invalid");
}


/* ---- fence_kdump evidence -------------------------------------------- */

/* A target without nmifence-target: no SEL record, fence_kdump messages
 * every 10 s, then kdump's final_action powers it off. */
static void kdump_only_power_off(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.kdump_silence_ms = 60 * S;
        bmc_init(&b);
        kdump_add(&b, 7 * S);
        kdump_add(&b, 17 * S);
        kdump_add(&b, 27 * S);
        b.host_off_at_ms = 30 * S;
        run(&f, &p, &b, &o);

        ASSERT_PATH(&o, NF_FS_MARK, NF_FS_NMI, NF_FS_WAIT_PANIC, NF_FS_WAIT_DUMP, NF_FS_VERIFY_OFF,
                    NF_FS_POWER_ON, NF_FS_VERIFY_ON, NF_FS_DONE);
        assert_non_null(strstr(o.t[3].why, "fence_kdump"));
        assert_int_equal(f.dump, NF_DUMP_KDUMP_POWERED_OFF);
        assert_false(f.sel_dump_seen);
        assert_int_equal(f.kdump_msgs, 3);
        /* the panic is the first message, not the NMI */
        assert_int_equal(f.t_panic, b.t_diag + 7 * S);
        assert_true(f.t_done >= b.t_diag + 30 * S);
        assert_non_null(strstr(f.dump_reason, "powered off after fence_kdump"));
        assert_true(f.fenced);
        assert_int_equal(b.n[NF_ACT_DIAG], 1);
        /* inferred, not reported by the target: never exit 0 */
        assert_false(nf_dump_result_ok(f.dump));
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_DUMP_FAILED);
}

static void kdump_only_silence(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.kdump_silence_ms = 25 * S;
        bmc_init(&b);
        b.power_delay_ms = 1 * S;
        kdump_add(&b, 7 * S);
        kdump_add(&b, 17 * S);
        kdump_add(&b, 27 * S);
        run(&f, &p, &b, &o);

        assert_int_equal(f.dump, NF_DUMP_KDUMP_SILENT);
        assert_true(f.t_done >= b.t_diag + 27 * S + 25 * S);
        assert_true(f.t_done <= b.t_diag + 27 * S + 25 * S + p.poll_interval_ms + b.rtt_ms);
        /* well before the stall timeout */
        assert_true(f.t_done < b.t_diag + 27 * S + p.stall_timeout_ms);
        assert_non_null(strstr(f.dump_reason, "kdump_silence"));
        assert_true(f.fenced);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_DUMP_FAILED);
}

/* Without kdump_silence the stall timeout ends it, pushed by each message. */
static void kdump_messages_push_stall(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.stall_timeout_ms = 30 * S;
        bmc_init(&b);
        for (int i = 0; i < 10; i++)
                kdump_add(&b, (uint64_t) (5 + 10 * i) * S);
        run(&f, &p, &b, &o);

        assert_int_equal(f.dump, NF_DUMP_STALLED);
        assert_int_equal(f.kdump_msgs, 10);
        assert_true(f.t_done >= b.t_diag + 95 * S + 30 * S);
        assert_true(f.t_done <= b.t_diag + 95 * S + 30 * S + p.poll_interval_ms + b.rtt_ms);
}

/* SEL records and fence_kdump both: the SEL decides the result. */
static void kdump_with_sel_records_sel_decides(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.kdump_silence_ms = 5 * S;
        bmc_init(&b);
        script_normal_dump(&b);
        kdump_add(&b, 1 * S);
        kdump_add(&b, 11 * S);
        b.host_off_at_ms = 32 * S;
        run(&f, &p, &b, &o);

        /* the silence after 11 s did not end the wait: SEL records govern */
        assert_int_equal(f.dump, NF_DUMP_COMPLETE);
        assert_true(f.sel_dump_seen);
        assert_int_equal(f.kdump_msgs, 2);
        assert_int_equal(f.t_panic, b.t_diag + 1 * S);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_OK);
}

/* SEL dump-start seen, then off without dump-done: not the kdump result. */
static void kdump_with_sel_start_then_off(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        bmc_init(&b);
        script_add(&b, 2 * S, NF_STAGE_DUMP_START, 0);
        kdump_add(&b, 3 * S);
        b.host_off_at_ms = 9 * S;
        run(&f, &p, &b, &o);

        assert_int_equal(f.dump, NF_DUMP_POWERED_OFF);
}

static void kdump_evidence_outside_wait_only_counted(void **state) {
        nf_fence_params p = default_params();
        nf_fence f;

        memset(&f, 0, sizeof f);
        nf_fence_init(&f, &p, 1000);
        nf_fence_feed_evidence(&f, NF_EVIDENCE_KDUMP_MSG, 1500);
        assert_int_equal(f.state, NF_FS_CONNECT);
        assert_int_equal(f.kdump_msgs, 1);
        assert_int_equal(f.t_panic, 0);
        assert_int_equal(nf_fence_next(&f, 1500).kind, NF_ACT_OPEN);
}

/* ---- resume ---------------------------------------------------------- */

static void snapshot_in_send_nmi_counts_the_nmi(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;
        nf_fence_snapshot s;

        bmc_init(&b);
        observe(&f, &b, &o);
        nf_fence_init(&f, &p, b.now);
        drive(&f, &b, NF_FS_NMI);
        assert_int_equal(f.state, NF_FS_NMI);
        assert_false(f.nmi_sent);

        nf_fence_snapshot_take(&f, &s, b.now);
        assert_int_equal(s.state, NF_FS_WAIT_PANIC);
        assert_true(s.nmi_sent);
        assert_int_equal(s.t_nmi, b.now);
        assert_int_equal(s.panic_deadline, b.now + p.nmi_timeout_ms);
        /* the machine itself is unchanged */
        assert_int_equal(f.state, NF_FS_NMI);
        assert_false(f.nmi_sent);
}

/* Agent killed mid-dump, a new one resumes on the same BMC/host. */
static void resume_mid_dump_no_second_nmi(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o1, o2;
        nf_fence f1, f2;
        nf_fence_snapshot s;

        bmc_init(&b);
        script_normal_dump(&b);
        b.host_off_at_ms = 32 * S;
        observe(&f1, &b, &o1);
        nf_fence_init(&f1, &p, b.now);
        drive(&f1, &b, NF_FS_WAIT_DUMP);
        assert_int_equal(f1.state, NF_FS_WAIT_DUMP);
        nf_fence_snapshot_take(&f1, &s, b.now);

        /* the first agent dies here; the next one starts 5 s later */
        b.now += 5 * S;
        observe(&f2, &b, &o2);
        assert_int_equal(nf_fence_init_resume(&f2, &p, &s, b.now), 0);
        assert_true(f2.resumed);
        assert_int_equal(f2.state, NF_FS_WAIT_DUMP);
        assert_int_equal(o2.n, 1);
        assert_int_equal(o2.t[0].from, NF_FS_CONNECT);
        assert_int_equal(o2.t[0].to, NF_FS_WAIT_DUMP);
        assert_non_null(strstr(o2.t[0].why, "no new NMI"));
        /* a new session first */
        assert_int_equal(nf_fence_next(&f2, b.now).kind, NF_ACT_OPEN);
        drive(&f2, &b, _NF_FS_MAX);

        assert_int_equal(b.n[NF_ACT_DIAG], 1);
        assert_int_equal(count_entries(&o2, NF_FS_NMI), 0);
        assert_int_equal(f2.dump, NF_DUMP_COMPLETE);
        assert_int_equal(f2.t_nmi, f1.t_nmi);
        assert_int_equal(f2.t_panic, f1.t_panic);
        assert_int_equal(f2.t_start, f1.t_start);
        assert_true(f2.fenced);
        assert_int_equal(nf_fence_exit_code(&f2), NF_EXIT_OK);
}

/* Killed during the diag request: the successor waits for the panic. */
static void resume_after_kill_during_diag(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o1, o2;
        nf_fence f1, f2;
        nf_fence_snapshot s;
        nf_action a;

        bmc_init(&b);
        script_normal_dump(&b);
        b.host_off_at_ms = 32 * S;
        observe(&f1, &b, &o1);
        nf_fence_init(&f1, &p, b.now);
        drive(&f1, &b, NF_FS_NMI);
        nf_fence_snapshot_take(&f1, &s, b.now);
        a = nf_fence_next(&f1, b.now);
        assert_int_equal(a.kind, NF_ACT_DIAG);
        (void) bmc_run(&b, &a);         /* delivered; the agent dies before the answer */

        observe(&f2, &b, &o2);
        assert_int_equal(nf_fence_init_resume(&f2, &p, &s, b.now), 0);
        assert_int_equal(f2.state, NF_FS_WAIT_PANIC);
        assert_true(f2.nmi_sent);
        drive(&f2, &b, _NF_FS_MAX);

        assert_int_equal(b.n[NF_ACT_DIAG], 1);
        assert_int_equal(count_entries(&o2, NF_FS_NMI), 0);
        assert_int_equal(f2.dump, NF_DUMP_COMPLETE);
        assert_int_equal(nf_fence_exit_code(&f2), NF_EXIT_OK);
}

/* The persisted deadlines hold, not fresh ones from the restart. */
static void resume_keeps_deadlines(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o1, o2;
        nf_fence f1, f2;
        nf_fence_snapshot s;

        p.nmi_timeout_ms = 60 * S;
        p.no_panic_policy = NF_NO_PANIC_LEAVE;
        bmc_init(&b);
        b.host_panics = false;
        observe(&f1, &b, &o1);
        nf_fence_init(&f1, &p, b.now);
        drive(&f1, &b, NF_FS_WAIT_PANIC);
        nf_fence_snapshot_take(&f1, &s, b.now);

        b.now += 40 * S;                /* dead for 40 of the 60 s */
        observe(&f2, &b, &o2);
        assert_int_equal(nf_fence_init_resume(&f2, &p, &s, b.now), 0);
        drive(&f2, &b, _NF_FS_MAX);

        assert_int_equal(f2.dump, NF_DUMP_NO_PANIC);
        assert_true(f2.t_done >= f1.t_nmi + p.nmi_timeout_ms);
        assert_true(f2.t_done <= f1.t_nmi + p.nmi_timeout_ms + p.poll_interval_ms + b.rtt_ms);
        assert_int_equal(b.n[NF_ACT_DIAG], 1);
}

/* Killed after the dump, waiting for power-on: the successor finishes it. */
static void resume_in_power_phase(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o1, o2;
        nf_fence f1, f2;
        nf_fence_snapshot s;

        bmc_init(&b);
        script_normal_dump(&b);
        b.host_off_at_ms = 32 * S;
        observe(&f1, &b, &o1);
        nf_fence_init(&f1, &p, b.now);
        drive(&f1, &b, NF_FS_POWER_ON);
        nf_fence_snapshot_take(&f1, &s, b.now);

        observe(&f2, &b, &o2);
        assert_int_equal(nf_fence_init_resume(&f2, &p, &s, b.now + 1 * S), 0);
        b.now += 1 * S;
        drive(&f2, &b, _NF_FS_MAX);

        assert_int_equal(f2.state, NF_FS_DONE);
        assert_int_equal(f2.dump, NF_DUMP_COMPLETE);
        assert_true(f2.fenced && f2.power_on);
        assert_int_equal(b.n[NF_ACT_DIAG], 1);
        assert_int_equal(b.n_ctl_on, 1);
        assert_int_equal(nf_fence_exit_code(&f2), NF_EXIT_OK);
}

static void resume_refuses_what_it_cannot_continue(void **state) {
        nf_fence_params p = default_params();
        nf_fence f, before;
        nf_fence_snapshot s = {
                .state = NF_FS_WAIT_DUMP, .nmi_sent = true, .t_start = 1000, .t_nmi = 2000,
                .panic_deadline = 62000, .stall_deadline = 130000, .dump_cap = 3602000,
        };
        nf_fence_snapshot bad;

        memset(&f, 0, sizeof f);
        nf_fence_init(&f, &p, 5000);
        before = f;

        bad = s;
        bad.nmi_sent = false;           /* the owner died before the NMI */
        assert_int_equal(nf_fence_init_resume(&f, &p, &bad, 5000), -EINVAL);
        bad = s;
        bad.state = NF_FS_DONE;         /* finished: reported, not resumed */
        assert_int_equal(nf_fence_init_resume(&f, &p, &bad, 5000), -EINVAL);
        bad = s;
        bad.state = NF_FS_NMI;          /* never re-enter send-nmi */
        assert_int_equal(nf_fence_init_resume(&f, &p, &bad, 5000), -EINVAL);
        bad = s;
        bad.state = _NF_FS_MAX + 3;
        assert_int_equal(nf_fence_init_resume(&f, &p, &bad, 5000), -EINVAL);
        bad = s;
        bad.t_nmi = 9000;               /* from the future: another clock */
        assert_int_equal(nf_fence_init_resume(&f, &p, &bad, 5000), -EINVAL);
        assert_memory_equal(&f, &before, sizeof f);

        assert_int_equal(nf_fence_init_resume(&f, &p, &s, 5000), 0);
        assert_int_equal(f.state, NF_FS_WAIT_DUMP);
        assert_true(f.nmi_sent);
        assert_int_equal(f.stall_deadline, 130000);
        assert_int_equal(nf_fence_next(&f, 5000).kind, NF_ACT_OPEN);
}

static void restore_for_report(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f, g;
        nf_fence_snapshot s;

        bmc_init(&b);
        script_normal_dump(&b);
        b.host_off_at_ms = 32 * S;
        run(&f, &p, &b, &o);
        nf_fence_snapshot_take(&f, &s, b.now);
        memset(&g, 0, sizeof g);
        nf_fence_restore(&g, &p, &s);

        assert_int_equal(g.state, NF_FS_DONE);
        assert_int_equal(g.dump, NF_DUMP_COMPLETE);
        assert_true(g.fenced && g.nmi_sent && g.power_on);
        assert_int_equal(g.t_verified, f.t_verified);
        assert_int_equal(nf_fence_exit_code(&g), nf_fence_exit_code(&f));
        assert_string_equal(g.dump_reason, f.dump_reason);
}

/* ---- follow mode (nmifence follow): someone else sent the NMI ---------- */

static nf_fence_params follow_params(void) {
        nf_fence_params p = default_params();

        p.follow_window = NF_SEL_FROM_BOOT;
        return p;
}

/* The operator pressed the NMI button 5 s ago and runs follow now: the
 * dump-start already in the SEL (after the boot's armed record) is the
 * panic, found by the first poll; the rest of the dump is followed. */
static void follow_dump_begun_before(void **state) {
        nf_fence_params p = follow_params();
        fake_bmc b;
        observer o;
        nf_fence f;
        uint64_t start;

        bmc_init(&b);
        start = b.now;
        b.external_diag_at = b.now - 5 * S;
        script_add(&b, 2 * S, NF_STAGE_DUMP_START, 1);
        script_add(&b, 10 * S, NF_STAGE_PROGRESS, 50);
        script_add(&b, 20 * S, NF_STAGE_DUMP_DONE, NF_DONE_COMPLETE);
        b.host_off_at_ms = 20 * S;
        run_follow(&f, &p, &b, &o);

        ASSERT_PATH(&o, NF_FS_MARK, NF_FS_WAIT_PANIC, NF_FS_WAIT_DUMP, NF_FS_VERIFY_OFF, NF_FS_POWER_ON,
                    NF_FS_VERIFY_ON, NF_FS_DONE);
        assert_non_null(strstr(o.t[1].why, "SEL record 5 (armed, seq 0)"));
        assert_non_null(strstr(o.t[1].why, "no NMI from nmifence"));
        assert_string_equal(o.t[2].why, "dump-start record");
        assert_int_equal(f.dump, NF_DUMP_COMPLETE);
        assert_true(f.fenced && f.power_on);
        assert_int_equal(o.n_records, 3);
        /* the wait began at the mark; the old dump-start came with the
         * first poll, right after it, not one poll interval later */
        assert_true(f.t_follow > start);
        assert_true(f.t_panic >= f.t_follow && f.t_panic - f.t_follow < 1 * S);
        assert_true(f.t_power_action >= f.t_done);
        assert_int_equal(b.n_ctl_on, 1);
        assert_true(nf_fence_committed(&f));
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_OK);
}

/* follow run before anyone sends the NMI: it waits for the dump-start
 * within nmi_timeout and the NMI that comes 20 s later is followed. */
static void follow_started_before_the_nmi(void **state) {
        nf_fence_params p = follow_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        bmc_init(&b);
        b.external_diag_at = b.now + 20 * S;
        script_normal_dump(&b);
        run_follow(&f, &p, &b, &o);

        ASSERT_PATH(&o, NF_FS_MARK, NF_FS_WAIT_PANIC, NF_FS_WAIT_DUMP, NF_FS_VERIFY_OFF, NF_FS_POWER_OFF,
                    NF_FS_VERIFY_OFF, NF_FS_POWER_ON, NF_FS_VERIFY_ON, NF_FS_DONE);
        assert_int_equal(f.dump, NF_DUMP_COMPLETE);
        assert_true(f.t_panic >= b.external_diag_at + 2 * S);
        assert_true(f.t_power_action >= f.t_done);
        assert_int_equal(b.n_ctl_off, 1);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_OK);
}

/* The whole dump happened before follow ran and the capture kernel
 * powered the host off: off at the mark is not "host was off", the
 * window's records decide, and the power action follows at once. */
static void follow_dump_finished_before_host_off(void **state) {
        nf_fence_params p = follow_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        bmc_init(&b);
        b.external_diag_at = b.now - 60 * S;
        script_normal_dump(&b);
        b.host_off_at_ms = 33 * S;
        run_follow(&f, &p, &b, &o);

        ASSERT_PATH(&o, NF_FS_MARK, NF_FS_WAIT_PANIC, NF_FS_WAIT_DUMP, NF_FS_VERIFY_OFF, NF_FS_POWER_ON,
                    NF_FS_VERIFY_ON, NF_FS_DONE);
        assert_int_equal(f.dump, NF_DUMP_COMPLETE);
        assert_int_equal(o.n_records, 11);
        assert_int_equal(b.n[NF_ACT_POLL], 1);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_OK);
}

/* --since now: a dump recorded before the mark is not this one; with no
 * later record it ends as "no panic seen".  The mark says which window. */
static void follow_window_now_ignores_earlier_records(void **state) {
        nf_fence_params p = follow_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.follow_window = NF_SEL_FROM_END;
        p.nmi_timeout_ms = 15 * S;
        bmc_init(&b);
        b.external_diag_at = b.now - 60 * S;
        script_normal_dump(&b);
        run_follow(&f, &p, &b, &o);

        assert_int_equal(o.t[1].to, NF_FS_WAIT_PANIC);
        assert_non_null(strstr(o.t[1].why, "current end"));
        assert_int_equal(o.n_records, 0);
        assert_int_equal(f.dump, NF_DUMP_NO_PANIC);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_NO_PANIC);
}

static void follow_mark_asks_for_the_window(void **state) {
        nf_fence_params p = follow_params();
        nf_action a;
        nf_fence f;
        nf_action_result ok = { .status = NF_OK };
        nf_action open = { .kind = NF_ACT_OPEN };

        memset(&f, 0, sizeof f);
        nf_fence_init_follow(&f, &p, 1000);
        nf_fence_feed(&f, &open, &ok, 1000);
        a = nf_fence_next(&f, 1000);
        assert_int_equal(a.kind, NF_ACT_MARK);
        assert_int_equal(a.window, NF_SEL_FROM_BOOT);

        p.follow_window = NF_SEL_FROM_END;
        nf_fence_init_follow(&f, &p, 1000);
        nf_fence_feed(&f, &open, &ok, 1000);
        assert_int_equal(nf_fence_next(&f, 1000).window, NF_SEL_FROM_END);

        /* dump ignores the follow window: only records after its NMI */
        p.follow_window = NF_SEL_FROM_BOOT;
        nf_fence_init(&f, &p, 1000);
        nf_fence_feed(&f, &open, &ok, 1000);
        a = nf_fence_next(&f, 1000);
        assert_int_equal(a.kind, NF_ACT_MARK);
        assert_int_equal(a.window, NF_SEL_FROM_END);
        assert_false(f.follow);
}

/* No armed record anywhere in the SEL: the whole SEL is the window, and
 * the transition says so. */
static void follow_without_armed_record(void **state) {
        nf_fence_params p = follow_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        bmc_init(&b);
        b.sel_has_armed = false;
        b.external_diag_at = b.now - 3 * S;
        script_normal_dump(&b);
        run_follow(&f, &p, &b, &o);
        assert_non_null(strstr(o.t[1].why, "no armed or disarmed record"));
        assert_int_equal(f.dump, NF_DUMP_COMPLETE);
}

/* Nobody sends the NMI (or the host does not panic on it): after
 * nmi_timeout "no panic seen", exit 2, the no-panic policy; never a diag. */
static void follow_no_panic_policies(void **state) {
        for (int leave = 0; leave <= 1; leave++) {
                nf_fence_params p = follow_params();
                fake_bmc b;
                observer o;
                nf_fence f;
                uint64_t start;

                p.nmi_timeout_ms = 30 * S;
                p.no_panic_policy = leave ? NF_NO_PANIC_LEAVE : NF_NO_PANIC_CYCLE;
                bmc_init(&b);
                start = b.now;
                run_follow(&f, &p, &b, &o);

                assert_int_equal(f.dump, NF_DUMP_NO_PANIC);
                assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_NO_PANIC);
                assert_true(f.t_done >= f.t_follow + 30 * S);
                assert_true(f.t_done - start < 32 * S);
                if (leave) {
                        ASSERT_PATH(&o, NF_FS_MARK, NF_FS_WAIT_PANIC, NF_FS_DONE);
                        assert_int_equal(b.n[NF_ACT_CONTROL], 0);
                        assert_false(f.fenced);
                } else {
                        ASSERT_PATH(&o, NF_FS_MARK, NF_FS_WAIT_PANIC, NF_FS_VERIFY_OFF, NF_FS_POWER_OFF,
                                    NF_FS_VERIFY_OFF, NF_FS_POWER_ON, NF_FS_VERIFY_ON, NF_FS_DONE);
                        assert_true(f.fenced);
                }
        }
}

/* The host is off and nothing in the window: "host was off", exit 2; the
 * final action (cycle) powers it on, as dump does. */
static void follow_host_off_nothing_recorded(void **state) {
        nf_fence_params p = follow_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        bmc_init(&b);
        b.power_on = false;
        run_follow(&f, &p, &b, &o);
        ASSERT_PATH(&o, NF_FS_MARK, NF_FS_WAIT_PANIC, NF_FS_VERIFY_OFF, NF_FS_POWER_ON, NF_FS_VERIFY_ON, NF_FS_DONE);
        assert_int_equal(f.dump, NF_DUMP_HOST_OFF);
        assert_int_equal(b.n[NF_ACT_POLL], 1);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_NO_PANIC);
}

/* The followed dump stops: stalled, fenced, exit 1, like a dump. */
static void follow_stall(void **state) {
        nf_fence_params p = follow_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.stall_timeout_ms = 20 * S;
        bmc_init(&b);
        b.external_diag_at = b.now - 4 * S;
        script_add(&b, 2 * S, NF_STAGE_DUMP_START, 0);
        script_add(&b, 8 * S, NF_STAGE_PROGRESS, 30);
        run_follow(&f, &p, &b, &o);
        assert_int_equal(f.dump, NF_DUMP_STALLED);
        assert_int_equal(f.last_percent, 30);
        assert_true(f.fenced);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_DUMP_FAILED);
}

/* Exit codes around the mark: a BMC unreachable at connect did nothing
 * (3); re-authentication failing while following leaves the host not
 * known fenced (5), as after dump's NMI. */
static void follow_failures_exit_codes(void **state) {
        nf_fence_params p = follow_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        bmc_init(&b);
        b.fail_mask[NF_ACT_OPEN] = 1;
        b.fail_status[NF_ACT_OPEN] = NF_E_TIMEOUT;
        run_follow(&f, &p, &b, &o);
        ASSERT_PATH(&o, NF_FS_FAILED);
        assert_false(nf_fence_committed(&f));
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_BMC);

        bmc_init(&b);
        b.fail_mask[NF_ACT_MARK] = 1;
        b.fail_status[NF_ACT_MARK] = NF_E_COMPLETION;
        run_follow(&f, &p, &b, &o);
        ASSERT_PATH(&o, NF_FS_MARK, NF_FS_FAILED);
        assert_int_equal(b.n[NF_ACT_POLL], 0);

        bmc_init(&b);
        b.external_diag_at = b.now;
        script_normal_dump(&b);
        /* poll 2 loses the session; the re-open is refused */
        b.fail_mask[NF_ACT_POLL] = 1u << 2;
        b.fail_status[NF_ACT_POLL] = NF_E_SESSION_LOST;
        b.fail_mask[NF_ACT_OPEN] = 1u << 1;
        b.fail_status[NF_ACT_OPEN] = NF_E_PASSWORD;
        run_follow(&f, &p, &b, &o);
        assert_int_equal(f.state, NF_FS_FAILED);
        assert_string_equal(f.fail_reason, "re-authentication failed");
        assert_true(nf_fence_committed(&f));
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_FENCE_FAILED);
}

/* A follow killed mid-dump is resumed by its successor: still a follow,
 * still no NMI, deadlines kept.  Before its mark there is nothing to
 * resume. */
static void follow_snapshot_and_resume(void **state) {
        nf_fence_params p = follow_params();
        fake_bmc b;
        observer o;
        nf_fence f, g;
        nf_fence_snapshot s;

        bmc_init(&b);
        b.external_diag_at = b.now;
        script_normal_dump(&b);
        observe(&f, &b, &o);
        nf_fence_init_follow(&f, &p, b.now);
        drive(&f, &b, NF_FS_WAIT_DUMP);
        assert_int_equal(f.state, NF_FS_WAIT_DUMP);
        nf_fence_snapshot_take(&f, &s, b.now);
        assert_true(s.follow);
        assert_true(s.t_follow != 0);
        assert_false(s.nmi_sent);

        memset(&g, 0, sizeof g);
        g.on_transition = on_transition;
        g.userdata = &o;
        assert_int_equal(nf_fence_init_resume(&g, &p, &s, b.now + 3 * S), 0);
        assert_true(g.follow && !g.nmi_sent);
        assert_int_equal(g.state, NF_FS_WAIT_DUMP);
        assert_non_null(strstr(o.t[o.n - 1].why, "resumed following a dump"));
        assert_int_equal(g.stall_deadline, f.stall_deadline);
        b.now += 3 * S;
        drive(&g, &b, _NF_FS_MAX);
        assert_int_equal(g.dump, NF_DUMP_COMPLETE);
        assert_int_equal(b.n[NF_ACT_DIAG], 0);
        assert_int_equal(count_entries(&o, NF_FS_NMI), 0);

        /* before the mark: not resumable */
        memset(&f, 0, sizeof f);
        nf_fence_init_follow(&f, &p, 1000);
        nf_fence_snapshot_take(&f, &s, 1000);
        s.state = NF_FS_WAIT_PANIC;     /* even if a file claimed so */
        assert_int_equal(nf_fence_init_resume(&g, &p, &s, 2000), -EINVAL);
        /* a follow that claims an NMI is inconsistent */
        s.t_follow = 1000;
        s.nmi_sent = true;
        s.t_nmi = 1000;
        assert_int_equal(nf_fence_init_resume(&g, &p, &s, 2000), -EINVAL);
}

/* ---- a full SEL (docs/reliability.md, case 6') -------------------------- */

/* The SEL the lab fills: no room, overflow flag set.  The target's records
 * are refused, so the script stays empty. */
static void sel_make_full(fake_bmc *b) {
        b->sel_entries = 64;
        b->sel_free_bytes = 0;
        b->sel_overflow = true;
}

/* No fence_kdump: a running dump is not cut at nmi_timeout; the host
 * powering itself off (kdump's final action) ends the wait, "unconfirmed",
 * and the final action still runs. */
static void sel_full_waits_for_power_off(void **state) {
        nf_fence_params p = default_params();
        char note[256];
        fake_bmc b;
        observer o;
        nf_fence f;

        p.max_dump_ms = 600 * S;
        bmc_init(&b);
        sel_make_full(&b);
        b.host_off_at_ms = 300 * S;     /* five nmi_timeouts */
        run(&f, &p, &b, &o);

        ASSERT_PATH(&o, NF_FS_MARK, NF_FS_NMI, NF_FS_WAIT_PANIC, NF_FS_VERIFY_OFF, NF_FS_POWER_ON, NF_FS_VERIFY_ON,
                    NF_FS_DONE);
        assert_true(f.sel_full);
        assert_non_null(strstr(o.t[1].why, "SEL full"));
        assert_int_equal(f.dump, NF_DUMP_SEL_FULL_POWERED_OFF);
        assert_non_null(strstr(nf_dump_result_str(f.dump), "unconfirmed"));
        assert_true(f.t_done >= b.t_diag + 300 * S);
        assert_true(f.t_done <= b.t_diag + 300 * S + p.poll_interval_ms + b.rtt_ms);
        assert_true(f.fenced);
        assert_int_equal(b.n[NF_ACT_DIAG], 1);
        assert_int_equal(b.n_ctl_off, 0);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_DUMP_FAILED);
        nf_fence_sel_full_note(&f, note, sizeof note);
        assert_non_null(strstr(note, "SEL full (64 entries, overflow): the target cannot post its records"));
        assert_non_null(strstr(note, "no fence_kdump"));
}

/* No fence_kdump and the host stays on: dump_max_time after the NMI, not
 * nmi_timeout, ends the wait; then the final action. */
static void sel_full_host_stays_on_until_max_time(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.max_dump_ms = 600 * S;
        bmc_init(&b);
        sel_make_full(&b);
        run(&f, &p, &b, &o);

        assert_int_equal(f.dump, NF_DUMP_SEL_FULL_NO_EVIDENCE);
        assert_true(f.t_done >= f.t_nmi + 600 * S);
        assert_true(f.t_done <= f.t_nmi + 600 * S + p.poll_interval_ms + b.rtt_ms);
        assert_non_null(strstr(f.dump_reason, "dump_max_time"));
        assert_true(f.fenced);
        assert_int_equal(b.n_ctl_off, 1);
        assert_int_equal(b.n[NF_ACT_DIAG], 1);
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_DUMP_FAILED);
}

/* With fence_kdump its messages are the evidence: the usual kdump path,
 * and nmi_timeout still bounds a host that never panics. */
static void sel_full_with_fence_kdump(void **state) {
        nf_fence_params p = default_params();
        char note[256];
        fake_bmc b;
        observer o;
        nf_fence f;

        p.kdump_evidence = true;
        bmc_init(&b);
        sel_make_full(&b);
        kdump_add(&b, 7 * S);
        kdump_add(&b, 17 * S);
        b.host_off_at_ms = 25 * S;
        run(&f, &p, &b, &o);
        assert_int_equal(f.dump, NF_DUMP_KDUMP_POWERED_OFF);
        assert_int_equal(f.t_panic, b.t_diag + 7 * S);
        nf_fence_sel_full_note(&f, note, sizeof note);
        assert_non_null(strstr(note, "falling back to fence_kdump and power state evidence"));
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_DUMP_FAILED);

        bmc_init(&b);
        sel_make_full(&b);
        b.host_panics = false;
        run(&f, &p, &b, &o);
        assert_int_equal(f.dump, NF_DUMP_NO_PANIC);
        assert_true(f.t_done >= f.t_nmi + p.nmi_timeout_ms && f.t_done <= f.t_nmi + p.nmi_timeout_ms + 2 * S);
        assert_non_null(strstr(f.dump_reason, "(SEL full) and no fence_kdump message"));
        assert_int_equal(nf_fence_exit_code(&f), NF_EXIT_NO_PANIC);
}

/* Full means less room than one dump's 16 records, or the overflow flag;
 * an unanswered Get SEL Info changes nothing. */
static void sel_full_threshold(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        bmc_init(&b);
        b.sel_free_bytes = NF_PROTO_MAX_DUMP_RECORDS * NF_SEL_RECORD_SIZE - 1;
        b.host_panics = false;
        run(&f, &p, &b, &o);
        assert_true(f.sel_full);
        assert_int_equal(f.dump, NF_DUMP_SEL_FULL_NO_EVIDENCE);

        bmc_init(&b);
        b.sel_free_bytes = NF_PROTO_MAX_DUMP_RECORDS * NF_SEL_RECORD_SIZE;
        b.host_panics = false;
        run(&f, &p, &b, &o);
        assert_false(f.sel_full);
        assert_int_equal(f.dump, NF_DUMP_NO_PANIC);

        bmc_init(&b);
        b.sel_free_bytes = 8000;
        b.sel_overflow = true;
        b.host_panics = false;
        run(&f, &p, &b, &o);
        assert_true(f.sel_full);

        bmc_init(&b);
        sel_make_full(&b);
        b.sel_info_known = false;
        b.host_panics = false;
        run(&f, &p, &b, &o);
        assert_false(f.sel_full);
        assert_int_equal(f.dump, NF_DUMP_NO_PANIC);
}

/* Room for dump-start but not for the rest: no stall timeout (later
 * records may not fit), power off ends it unconfirmed. */
static void sel_full_partial_records_no_stall(void **state) {
        nf_fence_params p = default_params();
        fake_bmc b;
        observer o;
        nf_fence f;

        p.stall_timeout_ms = 30 * S;
        bmc_init(&b);
        b.sel_free_bytes = 32;          /* two records */
        script_add(&b, 5 * S, NF_STAGE_DUMP_START, 2);
        script_add(&b, 8 * S, NF_STAGE_CPUS, 2);
        b.host_off_at_ms = 200 * S;
        run(&f, &p, &b, &o);

        assert_true(f.sel_full && f.sel_dump_seen);
        assert_int_equal(f.dump, NF_DUMP_SEL_FULL_POWERED_OFF);
        assert_true(f.t_done >= b.t_diag + 200 * S);
        assert_true(f.fenced);
}

/* What a successor agent or the report needs survives the snapshot. */
static void sel_full_snapshot_and_resume(void **state) {
        nf_fence_params p = default_params();
        nf_fence_snapshot s;
        fake_bmc b;
        observer o;
        nf_fence f, g;

        p.max_dump_ms = 600 * S;
        bmc_init(&b);
        sel_make_full(&b);
        b.host_off_at_ms = 300 * S;
        observe(&f, &b, &o);
        nf_fence_init(&f, &p, b.now);
        drive(&f, &b, NF_FS_WAIT_PANIC);
        drive(&f, &b, NF_FS_VERIFY_OFF);        /* runs until the wait ends: not reached yet */
        assert_int_equal(f.state, NF_FS_VERIFY_OFF);

        bmc_init(&b);
        sel_make_full(&b);
        b.host_off_at_ms = 300 * S;
        observe(&f, &b, &o);
        nf_fence_init(&f, &p, b.now);
        drive(&f, &b, NF_FS_WAIT_PANIC);
        b.now += 120 * S;                       /* the agent is killed; a successor comes */
        nf_fence_snapshot_take(&f, &s, b.now);
        assert_true(s.sel_full && s.sel_overflow);
        assert_int_equal(s.sel_entries, 64);
        observe(&g, &b, &o);
        assert_int_equal(nf_fence_init_resume(&g, &p, &s, b.now), 0);
        assert_true(g.sel_full);
        drive(&g, &b, _NF_FS_MAX);
        assert_int_equal(g.dump, NF_DUMP_SEL_FULL_POWERED_OFF);
        assert_int_equal(b.n[NF_ACT_DIAG], 1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(happy_path_host_off_after_dump),
                cmocka_unit_test(sel_full_waits_for_power_off),
                cmocka_unit_test(sel_full_host_stays_on_until_max_time),
                cmocka_unit_test(sel_full_with_fence_kdump),
                cmocka_unit_test(sel_full_threshold),
                cmocka_unit_test(sel_full_partial_records_no_stall),
                cmocka_unit_test(sel_full_snapshot_and_resume),
                cmocka_unit_test(happy_path_host_still_on),
                cmocka_unit_test(power_only_cycle),
                cmocka_unit_test(power_only_off),
                cmocka_unit_test(power_only_host_already_off),
                cmocka_unit_test(power_only_power_on_stuck),
                cmocka_unit_test(power_only_bmc_unreachable),
                cmocka_unit_test(registers_saved_reported),
                cmocka_unit_test(registers_saved_unknown_without_cpus_record),
                cmocka_unit_test(cpus_record_is_dump_evidence),
                cmocka_unit_test(final_action_off),
                cmocka_unit_test(final_action_off_host_already_off),
                cmocka_unit_test(diag_timeout_waits_and_never_resends),
                cmocka_unit_test(diag_timeout_and_no_panic),
                cmocka_unit_test(polls_fail_session_reopened_one_diag),
                cmocka_unit_test(polls_fail_with_other_errors_one_diag),
                cmocka_unit_test(no_panic_policy_cycle),
                cmocka_unit_test(no_panic_policy_leave),
                cmocka_unit_test(leave_policy_still_fences_a_stalled_dump),
                cmocka_unit_test(progress_pushes_stall_deadline),
                cmocka_unit_test(stall_without_any_progress),
                cmocka_unit_test(hard_cap_despite_steady_progress),
                cmocka_unit_test(dump_failed_still_fenced),
                cmocka_unit_test(dump_done_partial),
                cmocka_unit_test(host_powered_off_mid_dump),
                cmocka_unit_test(record_in_same_poll_as_power_off_first),
                cmocka_unit_test(whole_dump_in_one_poll_with_power_off),
                cmocka_unit_test(auth_failure_at_connect),
                cmocka_unit_test(bmc_unreachable_at_connect),
                cmocka_unit_test(power_off_never_verified),
                cmocka_unit_test(power_on_never_verified),
                cmocka_unit_test(bmc_lost_in_power_phase),
                cmocka_unit_test(host_off_at_start_no_nmi),
                cmocka_unit_test(nmi_refused),
                cmocka_unit_test(diag_reply_lost_unconfirmed),
                cmocka_unit_test(power_reply_lost),
                cmocka_unit_test(diag_not_sent_policy),
                cmocka_unit_test(diag_privilege_too_low),
                cmocka_unit_test(failure_before_the_nmi_is_exit_3),
                cmocka_unit_test(armed_records_do_not_end_the_wait),
                cmocka_unit_test(transitions_are_reported),
                cmocka_unit_test(state_and_result_names),
                cmocka_unit_test(kdump_only_power_off),
                cmocka_unit_test(kdump_only_silence),
                cmocka_unit_test(kdump_messages_push_stall),
                cmocka_unit_test(kdump_with_sel_records_sel_decides),
                cmocka_unit_test(kdump_with_sel_start_then_off),
                cmocka_unit_test(kdump_evidence_outside_wait_only_counted),
                cmocka_unit_test(snapshot_in_send_nmi_counts_the_nmi),
                cmocka_unit_test(resume_mid_dump_no_second_nmi),
                cmocka_unit_test(resume_after_kill_during_diag),
                cmocka_unit_test(resume_keeps_deadlines),
                cmocka_unit_test(resume_in_power_phase),
                cmocka_unit_test(resume_refuses_what_it_cannot_continue),
                cmocka_unit_test(restore_for_report),
                cmocka_unit_test(follow_dump_begun_before),
                cmocka_unit_test(follow_started_before_the_nmi),
                cmocka_unit_test(follow_dump_finished_before_host_off),
                cmocka_unit_test(follow_window_now_ignores_earlier_records),
                cmocka_unit_test(follow_mark_asks_for_the_window),
                cmocka_unit_test(follow_without_armed_record),
                cmocka_unit_test(follow_no_panic_policies),
                cmocka_unit_test(follow_host_off_nothing_recorded),
                cmocka_unit_test(follow_stall),
                cmocka_unit_test(follow_failures_exit_codes),
                cmocka_unit_test(follow_snapshot_and_resume),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
