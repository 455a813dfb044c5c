/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The dump-aware fence of one host as an explicit state machine.  It does
 * no I/O: nf_fence_next() says which IPMI action to run and when, the
 * driver runs it (directly, or later on a worker of a pool) and hands the
 * result to nf_fence_feed().  Every transition goes through one function
 * that reports "state A -> B: why" to the on_transition hook.
 *
 * Times are CLOCK_MONOTONIC milliseconds supplied by the caller.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dump-event.h"
#include "nf-commands.h"
#include "nf-error.h"

typedef enum nf_fence_state {
        NF_FS_CONNECT,          /* open the session */
        NF_FS_MARK,             /* remember the SEL position, read power state */
        NF_FS_NMI,              /* send the one diag NMI */
        NF_FS_WAIT_PANIC,       /* wait for dump-start within nmi_timeout */
        NF_FS_WAIT_DUMP,        /* wait for dump-done/failed, stall + cap deadlines */
        NF_FS_POWER_OFF,
        NF_FS_VERIFY_OFF,
        NF_FS_POWER_ON,
        NF_FS_VERIFY_ON,
        NF_FS_DONE,
        NF_FS_FAILED,
        _NF_FS_MAX,
} nf_fence_state;

typedef enum nf_final_action {
        NF_FINAL_CYCLE,         /* off, verify off, on, verify on */
        NF_FINAL_OFF,           /* off, verify off */
} nf_final_action;

typedef enum nf_no_panic_policy {
        NF_NO_PANIC_CYCLE,      /* apply the final action anyway */
        NF_NO_PANIC_LEAVE,      /* leave the host alone */
} nf_no_panic_policy;

typedef enum nf_dump_result {
        NF_DUMP_NONE,           /* not decided yet */
        NF_DUMP_COMPLETE,       /* dump-done, result complete */
        NF_DUMP_PARTIAL,        /* dump-done with a partial result */
        NF_DUMP_FAILED,         /* dump-failed from the target */
        NF_DUMP_STALLED,        /* no record within dump_stall_timeout */
        NF_DUMP_MAX_TIME,       /* dump_max_time reached */
        NF_DUMP_POWERED_OFF,    /* host went off after dump-start without dump-done */
        NF_DUMP_NO_PANIC,       /* no dump-start within nmi_timeout */
        NF_DUMP_HOST_OFF,       /* host was off: nothing to dump */
        NF_DUMP_NMI_REFUSED,    /* BMC refused the diag interrupt */
        /* No SEL dump record, only fence_kdump messages (a target without
         * nmifence-target): the end of the dump is inferred, not reported. */
        NF_DUMP_KDUMP_POWERED_OFF,      /* host powered off after fence_kdump messages */
        NF_DUMP_KDUMP_SILENT,           /* fence_kdump messages stopped for kdump_silence */
        NF_DUMP_NOT_ASKED,              /* power-only fence (policy "cycle"): no NMI, no dump */
        NF_DUMP_NMI_NOT_SENT,   /* the diag request could not be sent at all */
        /* The SEL was full at the mark, so the target could not post its
         * records, and no fence_kdump message came: the dump's fate is not
         * known (see sel_full in nf_fence). */
        NF_DUMP_SEL_FULL_POWERED_OFF,   /* the host powered itself off after the NMI */
        NF_DUMP_SEL_FULL_NO_EVIDENCE,   /* still on at dump_max_time after the NMI */
        _NF_DUMP_MAX,
} nf_dump_result;

/* Where the SEL wait begins (NF_ACT_MARK).  `dump` sends the NMI itself,
 * so only records after the SEL's current last one count.  `follow` joins
 * a dump someone else started, possibly before it ran: it reads the current
 * boot's records, those after the latest armed or disarmed record
 * (docs/protocol.md; the whole SEL when there is none). */
typedef enum nf_sel_window {
        NF_SEL_FROM_END,        /* after the current last record (dump) */
        NF_SEL_FROM_BOOT,       /* after the latest armed/disarmed record */
        _NF_SEL_WINDOW_MAX,
} nf_sel_window;

typedef enum nf_action_kind {
        NF_ACT_WAIT,            /* nothing to do before not_before_ms */
        NF_ACT_OPEN,            /* open (or re-open) the session */
        NF_ACT_MARK,            /* SEL cursor init + chassis status */
        NF_ACT_DIAG,            /* Chassis Control: pulse diagnostic interrupt */
        NF_ACT_POLL,            /* read new SEL records + chassis status */
        NF_ACT_CONTROL,         /* Chassis Control: ctl */
        NF_ACT_POWER_STATUS,    /* chassis status only */
        NF_ACT_FINISHED,
} nf_action_kind;

typedef struct nf_action {
        nf_action_kind kind;
        nf_chassis_ctl ctl;     /* for NF_ACT_CONTROL */
        nf_sel_window window;   /* for NF_ACT_MARK */
        uint64_t not_before_ms; /* run no earlier than this */
} nf_action;

#define NF_FENCE_MAX_MSGS 64

typedef struct nf_action_result {
        nf_status status;
        const nf_error *error;          /* when status != NF_OK */
        bool power_known;
        bool power_on;
        bool sel_cleared;               /* the remembered SEL record vanished */
        size_t n_msgs;                  /* stage records seen, in SEL order */
        nf_stage_msg msgs[NF_FENCE_MAX_MSGS];
        /* NF_ACT_MARK: the SEL's space (Get SEL Info); not known when the
         * BMC did not answer it. */
        bool sel_info_known;
        bool sel_overflow;
        uint16_t sel_entries;
        uint16_t sel_free_bytes;
        /* NF_ACT_MARK with NF_SEL_FROM_BOOT: the record the wait starts
         * after (boundary_found false: none, the whole SEL is read). */
        bool boundary_found;
        nf_stage_msg boundary;
        uint16_t boundary_id;
} nf_action_result;

typedef struct nf_fence_params {
        uint64_t nmi_timeout_ms;        /* NMI -> dump-start */
        uint64_t stall_timeout_ms;      /* between records during the dump */
        uint64_t max_dump_ms;           /* dump-start -> done, hard cap */
        uint64_t power_timeout_ms;      /* power action -> state verified */
        uint64_t poll_interval_ms;
        uint64_t retry_interval_ms;     /* after a failed request */
        uint64_t kdump_silence_ms;      /* fence_kdump silence that ends the dump; 0 = off */
        nf_final_action final_action;
        nf_no_panic_policy no_panic_policy;
        nf_sel_window follow_window;    /* follow mode only (nf_fence_init_follow) */
        /* Power only (policy "cycle"): after mark-sel straight to the
         * final action, never an NMI. */
        bool power_only;
        /* fence_kdump messages are listened for: with a full SEL they are
         * the dump's only evidence besides the power state. */
        bool kdump_evidence;
} nf_fence_params;


/* Evidence that reaches the agent outside the IPMI actions. */
typedef enum nf_evidence {
        NF_EVIDENCE_KDUMP_MSG,  /* a fence_kdump v1 message from the target */
        _NF_EVIDENCE_MAX,
} nf_evidence;

/* What became of the one diag request (this agent's view). */
typedef enum nf_nmi_outcome {
        NF_NMI_NONE,            /* not asked for (yet), or reported by another agent */
        NF_NMI_ACCEPTED,        /* completion code 00 */
        NF_NMI_UNCONFIRMED,     /* sent once, no reply: it may have been carried out */
        NF_NMI_REFUSED,         /* non-zero completion code: not carried out */
        NF_NMI_NOT_SENT,        /* never left: no session for it */
        _NF_NMI_MAX,
} nf_nmi_outcome;

typedef struct nf_fence nf_fence;
typedef void (*nf_fence_transition_fn)(const nf_fence *f, nf_fence_state from, nf_fence_state to,
                                       const char *why, void *userdata);
typedef void (*nf_fence_record_fn)(const nf_fence *f, const nf_stage_msg *m, void *userdata);

struct nf_fence {
        nf_fence_params p;
        nf_fence_state state;
        nf_fence_state resume_state;    /* where to go after a re-open */
        nf_dump_result dump;
        uint8_t dump_arg;               /* result/error code from the target */
        int last_percent;               /* -1 none */
        /* Registers saved (docs/protocol.md): CPUs with non-zero registers
         * (dump-start's argument) of the CPUs in the dump (the cpus
         * record); -1 until the records came.  Shown only with both. */
        int regs_saved;
        int cpus_in_dump;

        bool nmi_sent;                  /* set once; NF_FS_NMI is never entered again */
        /* Follow mode: someone else sent the NMI (button, ipmitool, a BMC
         * web UI); NF_FS_NMI is never entered.  t_follow is when the wait
         * began (mark-sel -> wait-panic), the follow's counterpart of t_nmi. */
        bool follow;
        uint64_t t_follow;
        nf_nmi_outcome nmi;             /* the diag request's fate, this agent's */
        bool session_up;
        bool power_on;                  /* last known */
        bool power_action_done;
        /* The last power command was sent once and its reply lost: the
         * verify step sends it again if the power has not moved. */
        bool control_lost;
        bool fenced;                    /* final power state verified */
        bool sel_cleared_seen;
        bool sel_dump_seen;             /* a dump-start/progress/done/failed record came */
        /* The release point's evidence (release-decision.h): capture-kernel
         * records (dump-start, progress, cpus, dump-done, dump-failed) read
         * from the SEL after this operation's own NMI -- the window starts
         * at the mark taken right before it -- never a follow's, whose
         * window may hold an earlier boot's.  Persisted with the operation,
         * so a resume counts its own NMI's records and a new operation
         * starts from none. */
        unsigned capture_records;
        nf_stage capture_first;         /* the first one's stage; 0 none */
        uint64_t t_capture;             /* when it was read */
        bool off_after_nmi;             /* power read off (verify-off) after this operation's NMI */
        /* The SEL was full at the mark (!nf_sel_room_for_dump()): the
         * target's records are refused (0xC4), so a missing dump-start
         * does not mean no panic.  Without fence_kdump the wait for the
         * panic lasts dump_max_time (not nmi_timeout), no stall timeout
         * applies, and the host powering itself off ends it "unconfirmed". */
        bool sel_full;
        bool sel_overflow;
        uint16_t sel_entries;
        bool resumed;                   /* continued from a persisted snapshot */
        unsigned kdump_msgs;            /* fence_kdump messages taken as evidence */
        unsigned consecutive_errors;
        nf_error last_error;
        nf_status fail_status;          /* why NF_FS_FAILED */
        char fail_reason[160];
        char dump_reason[160];          /* what ended the dump wait */

        uint64_t t_start, t_nmi, t_panic, t_done, t_power_action, t_verified;
        uint64_t panic_deadline, stall_deadline, dump_cap, power_deadline, next_poll;
        uint64_t t_last_kdump;          /* last fence_kdump message, 0 none */

        nf_fence_transition_fn on_transition;
        nf_fence_record_fn on_record;
        void *userdata;
};

/*
 * What survives the agent: everything about the operation except the
 * session and the callbacks.  Times are CLOCK_MONOTONIC of the boot the
 * snapshot was taken in (the caller checks the boot id).
 */
typedef struct nf_fence_snapshot {
        nf_fence_state state;
        nf_dump_result dump;
        uint8_t dump_arg;
        int last_percent;
        int regs_saved, cpus_in_dump;   /* -1 unknown */
        /* nmi_sent: the NMI may have reached the host (never after the
         * BMC refused it, nor when it could not be sent: nmi says which) */
        nf_nmi_outcome nmi;
        bool nmi_sent, power_on, power_action_done, fenced, sel_cleared_seen, sel_dump_seen;
        bool sel_full, sel_overflow;
        uint16_t sel_entries;
        bool follow;
        uint64_t t_follow;
        unsigned kdump_msgs;
        unsigned capture_records;       /* as in nf_fence */
        nf_stage capture_first;
        uint64_t t_capture;
        bool off_after_nmi;
        nf_status fail_status;
        char fail_reason[160];
        char dump_reason[160];
        uint64_t t_start, t_nmi, t_panic, t_done, t_power_action, t_verified;
        uint64_t panic_deadline, stall_deadline, dump_cap, power_deadline, t_last_kdump;
} nf_fence_snapshot;

void nf_fence_init(nf_fence *f, const nf_fence_params *p, uint64_t now_ms);
/* The same machine entered in follow mode: connect, mark-sel at
 * p->follow_window, then wait-panic without sending anything; the records
 * already in that window are the first poll's.  Everything after the
 * mark is the dump's path (deadlines from t_follow, the final action, the
 * no-panic policy). */
void nf_fence_init_follow(nf_fence *f, const nf_fence_params *p, uint64_t now_ms);
nf_action nf_fence_next(const nf_fence *f, uint64_t now_ms);
void nf_fence_feed(nf_fence *f, const nf_action *done, const nf_action_result *r, uint64_t now_ms);
/* Evidence from outside the IPMI actions (fence_kdump): a message means the
 * dump is in progress; it counts as the panic when no SEL record came and
 * pushes the stall deadline out. */
void nf_fence_feed_evidence(nf_fence *f, nf_evidence ev, uint64_t now_ms);

/* The snapshot to persist now.  Taken in send-nmi, it is the state right
 * before the diag request goes out and already counts the NMI as sent
 * (wait-panic, nmi_timeout from now): an agent killed during the request
 * must not let its successor send a second one. */
void nf_fence_snapshot_take(const nf_fence *f, nf_fence_snapshot *ret, uint64_t now_ms);
/* Copies a snapshot into f with no transition and no validation: for
 * reporting the result of an operation another agent ran. */
void nf_fence_restore(nf_fence *f, const nf_fence_params *p, const nf_fence_snapshot *s);
/* Continues an operation whose NMI was sent by an agent that is gone (or
 * a follow past its mark): never sends another NMI, keeps the snapshot's
 * deadlines, re-opens the session first.  Only a snapshot with nmi_sent or
 * a started follow, in a wait or power state, can be resumed; otherwise
 * returns -EINVAL and leaves f untouched. */
int nf_fence_init_resume(nf_fence *f, const nf_fence_params *p, const nf_fence_snapshot *s, uint64_t now_ms);

const char *nf_fence_state_str(nf_fence_state s);
const char *nf_nmi_outcome_str(nf_nmi_outcome o);
/* The NMI was asked for and not known to have stayed away from the host
 * (accepted, unconfirmed, or sent by an agent before us). */
bool nf_fence_nmi_may_have_reached(const nf_fence *f);
const char *nf_dump_result_str(nf_dump_result r);
/* true once the host's dump is under way from the machine's view: our NMI
 * went out, or a follow began waiting.  After that a failure leaves the
 * host not known to be fenced. */
bool nf_fence_committed(const nf_fence *f);
const char *nf_sel_window_str(nf_sel_window w);
/* The operator's sentence for a full SEL ("SEL full (N entries,
 * overflow): ..."), naming the evidence the wait falls back on; "" when
 * the SEL is not full. */
void nf_fence_sel_full_note(const nf_fence *f, char *buf, size_t len);
/* true when the result means "the evidence was saved" */
bool nf_dump_result_ok(nf_dump_result r);
