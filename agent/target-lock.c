/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "target-lock.h"

/* Result tokens of the file: stable names, independent of the enum order
 * and of the wording of the summary. */
static const char *const dump_tokens[_NF_DUMP_MAX] = {
        [NF_DUMP_NONE] = "none",
        [NF_DUMP_COMPLETE] = "complete",
        [NF_DUMP_PARTIAL] = "partial",
        [NF_DUMP_FAILED] = "failed",
        [NF_DUMP_STALLED] = "stalled",
        [NF_DUMP_MAX_TIME] = "max-time",
        [NF_DUMP_POWERED_OFF] = "powered-off",
        [NF_DUMP_NO_PANIC] = "no-panic",
        [NF_DUMP_HOST_OFF] = "host-off",
        [NF_DUMP_NMI_REFUSED] = "nmi-refused",
        [NF_DUMP_NMI_NOT_SENT] = "nmi-not-sent",
        [NF_DUMP_KDUMP_POWERED_OFF] = "kdump-powered-off",
        [NF_DUMP_KDUMP_SILENT] = "kdump-silent",
        [NF_DUMP_NOT_ASKED] = "not-asked",
        [NF_DUMP_SEL_FULL_POWERED_OFF] = "sel-full-powered-off",
        [NF_DUMP_SEL_FULL_NO_EVIDENCE] = "sel-full-no-evidence",
};

int nf_target_key(const char *bmc, uint16_t port, char *ret, size_t len) {
        int n;

        if (!bmc || !*bmc || !ret)
                return -EINVAL;
        n = snprintf(ret, len, "%s_%u", bmc, (unsigned) port);
        if (n < 0 || (size_t) n >= len)
                return -ENAMETOOLONG;
        for (char *c = ret; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '.' ||
                      *c == '-'))
                        *c = '_';
        /* never "." or ".." or a hidden file */
        if (ret[0] == '.')
                ret[0] = '_';
        return 0;
}

/* ---- format ------------------------------------------------------------ */

typedef struct outbuf {
        char *p;
        size_t len, used;
        bool overflow;
} outbuf;

static void out(outbuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(outbuf *o, const char *fmt, ...) {
        va_list ap;
        int n;

        if (o->overflow)
                return;
        va_start(ap, fmt);
        n = vsnprintf(o->p + o->used, o->len - o->used, fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t) n >= o->len - o->used) {
                o->overflow = true;
                return;
        }
        o->used += (size_t) n;
}

/* A value on one line, printable ASCII only. */
static void out_text(outbuf *o, const char *key, const char *v) {
        char clean[256];
        size_t i;

        for (i = 0; v[i] && i + 1 < sizeof clean; i++)
                clean[i] = (v[i] >= 0x20 && v[i] < 0x7f) ? v[i] : ' ';
        clean[i] = '\0';
        out(o, "%s=%s\n", key, clean);
}

int nf_op_state_format(const nf_op_state *s, char *buf, size_t len) {
        outbuf o = { .p = buf, .len = len };
        const nf_fence_snapshot *f = &s->snap;

        if (!s || !buf || len == 0)
                return -EINVAL;
        out(&o, "nmifence-state=%d\n", NF_OP_STATE_VERSION);
        out_text(&o, "boot_id", s->boot_id);
        out(&o, "pid=%ld\n", (long) s->pid);
        out_text(&o, "target", s->target);
        out(&o, "finished=%d\n", s->finished);
        out(&o, "t_finished=%llu\n", (unsigned long long) s->t_finished);
        out(&o, "final_action=%s\n", s->final_action == NF_FINAL_OFF ? "off" : "cycle");
        out(&o, "no_panic_policy=%s\n", s->no_panic_policy == NF_NO_PANIC_LEAVE ? "leave" : "cycle");
        out(&o, "state=%s\n", nf_fence_state_str(f->state));
        out(&o, "dump=%s\n", f->dump < _NF_DUMP_MAX ? dump_tokens[f->dump] : "none");
        out(&o, "dump_arg=%u\n", f->dump_arg);
        out(&o, "last_percent=%d\n", f->last_percent);
        out(&o, "regs_saved=%d\n", f->regs_saved);
        out(&o, "cpus_in_dump=%d\n", f->cpus_in_dump);
        out(&o, "nmi_sent=%d\n", f->nmi_sent);
        out(&o, "nmi=%s\n", nf_nmi_outcome_str(f->nmi));
        out(&o, "follow=%d\n", f->follow);
        out(&o, "power_on=%d\n", f->power_on);
        out(&o, "power_action_done=%d\n", f->power_action_done);
        out(&o, "fenced=%d\n", f->fenced);
        out(&o, "sel_cleared=%d\n", f->sel_cleared_seen);
        out(&o, "sel_dump_seen=%d\n", f->sel_dump_seen);
        out(&o, "sel_full=%d\n", f->sel_full);
        out(&o, "sel_overflow=%d\n", f->sel_overflow);
        out(&o, "sel_entries=%u\n", (unsigned) f->sel_entries);
        out(&o, "kdump_msgs=%u\n", f->kdump_msgs);
        out(&o, "capture_records=%u\n", f->capture_records);
        out(&o, "capture_first=%s\n", f->capture_first ? nf_stage_str(f->capture_first) : "none");
        out(&o, "off_after_nmi=%d\n", f->off_after_nmi);
        out(&o, "released=%d\n", s->released);
        out(&o, "fail_status=%d\n", (int) f->fail_status);
        out_text(&o, "fail_reason", f->fail_reason);
        out_text(&o, "dump_reason", f->dump_reason);
#define T(name) out(&o, #name "=%llu\n", (unsigned long long) f->name)
        T(t_start);
        T(t_nmi);
        T(t_follow);
        T(t_panic);
        T(t_done);
        T(t_power_action);
        T(t_verified);
        T(panic_deadline);
        T(stall_deadline);
        T(dump_cap);
        T(power_deadline);
        T(t_last_kdump);
        T(t_capture);
#undef T
        if (s->cursor_valid)
                out(&o, "cursor=%d,%u,%u\n", s->cursor.have_last, s->cursor.last_id, s->cursor.entries_seen);
        else
                out(&o, "cursor=none\n");
        for (size_t i = 0; i < s->n_records && i < NF_REPORT_MAX_RECORDS; i++)
                out(&o, "record=%d,%u,%u,%llu\n", (int) s->records[i].msg.stage, s->records[i].msg.arg,
                    s->records[i].msg.seq, (unsigned long long) s->records[i].t_ms);
        out(&o, "end=1\n");
        return o.overflow ? -ENOSPC : (int) o.used;
}

/* ---- parse ------------------------------------------------------------- */

typedef struct parser {
        char *err;
        size_t errlen;
        unsigned line;
} parser;

static int bad(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(parser *p, const char *fmt, ...) {
        va_list ap;
        int n = snprintf(p->err, p->errlen, "line %u: ", p->line);

        if (n >= 0 && (size_t) n < p->errlen) {
                va_start(ap, fmt);
                vsnprintf(p->err + n, p->errlen - (size_t) n, fmt, ap);
                va_end(ap);
        }
        return -EBADMSG;
}

/* Strict unsigned decimal: digits only, no sign, no overflow. */
static bool parse_u64(const char *s, uint64_t max, uint64_t *ret) {
        uint64_t v = 0;

        if (!*s || strlen(s) > 20)
                return false;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return false;
                if (v > (UINT64_MAX - (uint64_t) (*s - '0')) / 10)
                        return false;
                v = v * 10 + (uint64_t) (*s - '0');
        }
        if (v > max)
                return false;
        *ret = v;
        return true;
}

static bool parse_bool(const char *s, bool *ret) {
        if (!strcmp(s, "0"))
                *ret = false;
        else if (!strcmp(s, "1"))
                *ret = true;
        else
                return false;
        return true;
}

/* Splits "a,b,c" of unsigned decimals; false on anything else. */
static bool parse_u64_list(const char *s, uint64_t *v, size_t n, const uint64_t *max) {
        char tmp[128];
        char *save = NULL, *tok;
        size_t i = 0;

        if (strlen(s) >= sizeof tmp)
                return false;
        strcpy(tmp, s);
        /* strtok_r would merge empty fields; count commas first */
        size_t commas = 0;
        for (const char *c = s; *c; c++)
                commas += *c == ',';
        if (commas != n - 1)
                return false;
        for (tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                if (i >= n || !parse_u64(tok, max[i], &v[i]))
                        return false;
                i++;
        }
        return i == n;
}

enum {
        K_VERSION, K_BOOT_ID, K_PID, K_TARGET, K_FINISHED, K_T_FINISHED, K_STATE, K_DUMP, K_DUMP_ARG,
        K_LAST_PERCENT, K_NMI_SENT, K_POWER_ON, K_POWER_ACTION_DONE, K_FENCED, K_SEL_CLEARED, K_SEL_DUMP_SEEN,
        K_KDUMP_MSGS, K_FAIL_STATUS, K_FAIL_REASON, K_DUMP_REASON, K_T_START, K_T_NMI, K_T_PANIC, K_T_DONE,
        K_T_POWER_ACTION, K_T_VERIFIED, K_PANIC_DEADLINE, K_STALL_DEADLINE, K_DUMP_CAP, K_POWER_DEADLINE,
        K_T_LAST_KDUMP, K_CURSOR, K_RECORD, K_END, K_FINAL_ACTION, K_NO_PANIC_POLICY,
        K_REGS_SAVED, K_CPUS_IN_DUMP, K_FOLLOW, K_T_FOLLOW, K_SEL_FULL, K_SEL_OVERFLOW, K_SEL_ENTRIES, K_NMI,
        K_CAPTURE_RECORDS, K_CAPTURE_FIRST, K_T_CAPTURE, K_OFF_AFTER_NMI, K_RELEASED, _K_MAX,
};

static const char *const key_names[_K_MAX] = {
        "nmifence-state", "boot_id", "pid", "target", "finished", "t_finished", "state", "dump", "dump_arg",
        "last_percent", "nmi_sent", "power_on", "power_action_done", "fenced", "sel_cleared", "sel_dump_seen",
        "kdump_msgs", "fail_status", "fail_reason", "dump_reason", "t_start", "t_nmi", "t_panic", "t_done",
        "t_power_action", "t_verified", "panic_deadline", "stall_deadline", "dump_cap", "power_deadline",
        "t_last_kdump", "cursor", "record", "end", "final_action", "no_panic_policy",
        "regs_saved", "cpus_in_dump", "follow", "t_follow", "sel_full", "sel_overflow", "sel_entries", "nmi",
        "capture_records", "capture_first", "t_capture", "off_after_nmi", "released",
};

static int parse_line(parser *p, int k, const char *v, nf_op_state *s) {
        nf_fence_snapshot *f = &s->snap;
        uint64_t u;
        bool b;

        switch (k) {
        case K_VERSION:
                if (!parse_u64(v, UINT32_MAX, &u))
                        return bad(p, "bad version '%.20s'", v);
                if (u != NF_OP_STATE_VERSION)
                        return bad(p, "unsupported format version %llu (this agent reads %d)",
                                   (unsigned long long) u, NF_OP_STATE_VERSION);
                return 0;
        case K_BOOT_ID:
                if (strlen(v) != NF_BOOT_ID_LEN || strspn(v, "0123456789abcdef-") != NF_BOOT_ID_LEN)
                        return bad(p, "bad boot_id");
                memcpy(s->boot_id, v, NF_BOOT_ID_LEN + 1);
                return 0;
        case K_PID:
                if (!parse_u64(v, INT32_MAX, &u))
                        return bad(p, "bad pid");
                s->pid = (pid_t) u;
                return 0;
        case K_TARGET:
                snprintf(s->target, sizeof s->target, "%s", v);
                return 0;
        case K_STATE:
                for (int i = 0; i < _NF_FS_MAX; i++)
                        if (!strcmp(v, nf_fence_state_str((nf_fence_state) i))) {
                                f->state = (nf_fence_state) i;
                                return 0;
                        }
                return bad(p, "unknown state '%.40s'", v);
        case K_DUMP:
                for (int i = 0; i < _NF_DUMP_MAX; i++)
                        if (!strcmp(v, dump_tokens[i])) {
                                f->dump = (nf_dump_result) i;
                                return 0;
                        }
                return bad(p, "unknown dump result '%.40s'", v);
        case K_DUMP_ARG:
                if (!parse_u64(v, 255, &u))
                        return bad(p, "bad dump_arg");
                f->dump_arg = (uint8_t) u;
                return 0;
        case K_REGS_SAVED:
        case K_CPUS_IN_DUMP: {
                /* optional: files of agents before the cpus record lack them */
                int *dst = k == K_REGS_SAVED ? &f->regs_saved : &f->cpus_in_dump;
                if (!strcmp(v, "-1"))
                        *dst = -1;
                else if (parse_u64(v, 255, &u))
                        *dst = (int) u;
                else
                        return bad(p, "bad %s", key_names[k]);
                return 0;
        }
        case K_LAST_PERCENT:
                if (!strcmp(v, "-1"))
                        f->last_percent = -1;
                else if (parse_u64(v, 100, &u))
                        f->last_percent = (int) u;
                else
                        return bad(p, "bad last_percent");
                return 0;
        case K_FINISHED:
        case K_NMI_SENT:
        case K_POWER_ON:
        case K_POWER_ACTION_DONE:
        case K_FENCED:
        case K_SEL_CLEARED:
        case K_SEL_DUMP_SEEN:
        case K_FOLLOW:          /* optional: files of agents before follow lack it */
        case K_SEL_FULL:        /* optional, as follow: older files lack the SEL-full keys */
        case K_SEL_OVERFLOW:
        case K_OFF_AFTER_NMI:   /* optional, as follow: files before the release point lack them */
        case K_RELEASED:
                if (!parse_bool(v, &b))
                        return bad(p, "%s must be 0 or 1", key_names[k]);
                if (k == K_FINISHED)
                        s->finished = b;
                else if (k == K_NMI_SENT)
                        f->nmi_sent = b;
                else if (k == K_POWER_ON)
                        f->power_on = b;
                else if (k == K_POWER_ACTION_DONE)
                        f->power_action_done = b;
                else if (k == K_FENCED)
                        f->fenced = b;
                else if (k == K_SEL_CLEARED)
                        f->sel_cleared_seen = b;
                else if (k == K_FOLLOW)
                        f->follow = b;
                else if (k == K_SEL_FULL)
                        f->sel_full = b;
                else if (k == K_SEL_OVERFLOW)
                        f->sel_overflow = b;
                else if (k == K_OFF_AFTER_NMI)
                        f->off_after_nmi = b;
                else if (k == K_RELEASED)
                        s->released = b;
                else
                        f->sel_dump_seen = b;
                return 0;
        case K_NMI:             /* optional: files of agents before it lack it */
                for (int i = 0; i < _NF_NMI_MAX; i++)
                        if (!strcmp(v, nf_nmi_outcome_str((nf_nmi_outcome) i))) {
                                f->nmi = (nf_nmi_outcome) i;
                                return 0;
                        }
                return bad(p, "unknown nmi outcome '%.40s'", v);
        case K_SEL_ENTRIES:
                if (!parse_u64(v, UINT16_MAX, &u))
                        return bad(p, "bad sel_entries");
                f->sel_entries = (uint16_t) u;
                return 0;
        case K_CAPTURE_RECORDS:
                if (!parse_u64(v, UINT32_MAX, &u))
                        return bad(p, "bad capture_records");
                f->capture_records = (unsigned) u;
                return 0;
        case K_CAPTURE_FIRST:
                if (!strcmp(v, "none")) {
                        f->capture_first = 0;
                        return 0;
                }
                for (int i = NF_STAGE_DUMP_START; i < _NF_STAGE_MAX; i++)
                        if (!strcmp(v, nf_stage_str((nf_stage) i))) {
                                f->capture_first = (nf_stage) i;
                                return 0;
                        }
                return bad(p, "unknown capture_first stage '%.40s'", v);
        case K_KDUMP_MSGS:
                if (!parse_u64(v, UINT32_MAX, &u))
                        return bad(p, "bad kdump_msgs");
                f->kdump_msgs = (unsigned) u;
                return 0;
        case K_FAIL_STATUS:
                if (!parse_u64(v, _NF_STATUS_MAX - 1, &u))
                        return bad(p, "bad fail_status");
                f->fail_status = (nf_status) u;
                return 0;
        case K_FAIL_REASON:
                snprintf(f->fail_reason, sizeof f->fail_reason, "%s", v);
                return 0;
        case K_DUMP_REASON:
                snprintf(f->dump_reason, sizeof f->dump_reason, "%s", v);
                return 0;
        case K_T_FINISHED:
        case K_T_START:
        case K_T_NMI:
        case K_T_PANIC:
        case K_T_DONE:
        case K_T_POWER_ACTION:
        case K_T_VERIFIED:
        case K_PANIC_DEADLINE:
        case K_STALL_DEADLINE:
        case K_DUMP_CAP:
        case K_POWER_DEADLINE:
        case K_T_LAST_KDUMP:
        case K_T_FOLLOW:        /* optional, as follow */
        case K_T_CAPTURE: {     /* optional, as capture_records */
                uint64_t *const dst[] = {
                        [K_T_FINISHED] = &s->t_finished, [K_T_START] = &f->t_start, [K_T_NMI] = &f->t_nmi,
                        [K_T_PANIC] = &f->t_panic, [K_T_DONE] = &f->t_done, [K_T_POWER_ACTION] = &f->t_power_action,
                        [K_T_VERIFIED] = &f->t_verified, [K_PANIC_DEADLINE] = &f->panic_deadline,
                        [K_STALL_DEADLINE] = &f->stall_deadline, [K_DUMP_CAP] = &f->dump_cap,
                        [K_POWER_DEADLINE] = &f->power_deadline, [K_T_LAST_KDUMP] = &f->t_last_kdump,
                        [K_T_FOLLOW] = &f->t_follow, [K_T_CAPTURE] = &f->t_capture,
                };
                /* far beyond any uptime, so that sums with timeouts cannot wrap */
                if (!parse_u64(v, UINT64_MAX / 4, &u))
                        return bad(p, "bad time %s", key_names[k]);
                *dst[k] = u;
                return 0;
        }
        case K_CURSOR: {
                static const uint64_t max[3] = { 1, 0xffff, 0xffff };
                uint64_t c[3];
                if (!strcmp(v, "none")) {
                        s->cursor_valid = false;
                        return 0;
                }
                if (!parse_u64_list(v, c, 3, max))
                        return bad(p, "bad cursor '%.40s'", v);
                s->cursor_valid = true;
                s->cursor = (nf_sel_cursor) { .have_last = c[0], .last_id = (uint16_t) c[1],
                                              .entries_seen = (uint16_t) c[2] };
                return 0;
        }
        case K_RECORD: {
                static const uint64_t max[4] = { _NF_STAGE_MAX - 1, 255, 255, UINT64_MAX / 4 };
                uint64_t r[4];
                if (s->n_records >= NF_REPORT_MAX_RECORDS)
                        return bad(p, "more than %d records", NF_REPORT_MAX_RECORDS);
                if (!parse_u64_list(v, r, 4, max) || r[0] < 1)
                        return bad(p, "bad record '%.40s'", v);
                s->records[s->n_records++] = (nf_report_record) {
                        .msg = { .stage = (nf_stage) r[0], .arg = (uint8_t) r[1], .seq = (uint8_t) r[2] },
                        .t_ms = r[3],
                };
                return 0;
        }
        case K_FINAL_ACTION:
                if (!strcmp(v, "cycle"))
                        s->final_action = NF_FINAL_CYCLE;
                else if (!strcmp(v, "off"))
                        s->final_action = NF_FINAL_OFF;
                else
                        return bad(p, "final_action must be cycle or off");
                return 0;
        case K_NO_PANIC_POLICY:
                if (!strcmp(v, "cycle"))
                        s->no_panic_policy = NF_NO_PANIC_CYCLE;
                else if (!strcmp(v, "leave"))
                        s->no_panic_policy = NF_NO_PANIC_LEAVE;
                else
                        return bad(p, "no_panic_policy must be cycle or leave");
                return 0;
        case K_END:
                if (strcmp(v, "1"))
                        return bad(p, "bad end marker");
                return 0;
        }
        return bad(p, "internal: unhandled key");
}

int nf_op_state_parse(const char *text, size_t len, nf_op_state *ret, char *err, size_t errlen) {
        parser p = { .err = err, .errlen = errlen };
        nf_op_state s = { .snap = { .last_percent = -1, .regs_saved = -1, .cpus_in_dump = -1 } };
        uint64_t seen = 0;
        size_t pos = 0;
        char line[512];

        if (!text || !ret || !err || errlen == 0)
                return -EINVAL;
        if (len == 0)
                return bad(&p, "empty file");
        if (len > NF_OP_STATE_MAX_SIZE)
                return bad(&p, "file larger than %d bytes", NF_OP_STATE_MAX_SIZE);
        if (memchr(text, '\0', len))
                return bad(&p, "NUL byte in the file");
        if (text[len - 1] != '\n')
                return bad(&p, "truncated: no final newline");

        while (pos < len) {
                const char *nl = memchr(text + pos, '\n', len - pos);
                size_t n = (size_t) (nl - (text + pos));
                char *eq;
                int k, r;

                p.line++;
                if (seen & (UINT64_C(1) << K_END))
                        return bad(&p, "text after the end marker");
                if (n >= sizeof line)
                        return bad(&p, "line longer than %zu bytes", sizeof line - 1);
                memcpy(line, text + pos, n);
                line[n] = '\0';
                pos += n + 1;

                for (size_t i = 0; i < n; i++)
                        if ((unsigned char) line[i] < 0x20 || (unsigned char) line[i] >= 0x7f)
                                return bad(&p, "control or non-ASCII byte 0x%02x", (unsigned char) line[i]);
                eq = strchr(line, '=');
                if (!eq)
                        return bad(&p, "not key=value");
                *eq = '\0';
                for (k = 0; k < _K_MAX; k++)
                        if (!strcmp(line, key_names[k]))
                                break;
                if (k == _K_MAX)
                        return bad(&p, "unknown key '%.40s'", line);
                if (p.line == 1 && k != K_VERSION)
                        return bad(&p, "not an nmifence state file (no nmifence-state= header)");
                if (k != K_RECORD && (seen & (UINT64_C(1) << k)))
                        return bad(&p, "duplicate key '%s'", line);
                seen |= UINT64_C(1) << k;
                if ((r = parse_line(&p, k, eq + 1, &s)) < 0)
                        return r;
        }

        static const int required[] = { K_VERSION, K_BOOT_ID, K_FINISHED, K_FINAL_ACTION, K_NO_PANIC_POLICY,
                                        K_STATE, K_DUMP, K_NMI_SENT,
                                        K_T_START, K_T_NMI, K_PANIC_DEADLINE, K_STALL_DEADLINE, K_DUMP_CAP,
                                        K_POWER_DEADLINE, K_CURSOR, K_END };
        for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
                if (!(seen & (UINT64_C(1) << required[i]))) {
                        p.line = 0;
                        return bad(&p, "missing %s%s", key_names[required[i]],
                                   required[i] == K_END ? " (truncated file)" : "");
                }
        /* Consistency the rest of the agent relies on. */
        p.line = 0;
        if (s.snap.state == NF_FS_NMI)
                return bad(&p, "state send-nmi is never persisted");
        if (s.snap.nmi_sent && (s.snap.t_nmi == 0 || s.snap.t_nmi < s.snap.t_start))
                return bad(&p, "nmi_sent without a valid t_nmi");
        if (s.snap.nmi_sent && s.snap.follow)
                return bad(&p, "a follow never sends the NMI");
        if (s.snap.nmi_sent && (s.snap.nmi == NF_NMI_REFUSED || s.snap.nmi == NF_NMI_NOT_SENT))
                return bad(&p, "nmi_sent=1 with nmi=%s", nf_nmi_outcome_str(s.snap.nmi));
        if (s.snap.follow && s.snap.t_follow && s.snap.t_follow < s.snap.t_start)
                return bad(&p, "t_follow before t_start");
        if (!s.snap.nmi_sent && !(s.snap.follow && s.snap.t_follow) &&
            (s.snap.state == NF_FS_WAIT_PANIC || s.snap.state == NF_FS_WAIT_DUMP))
                return bad(&p, "waiting for a dump without an NMI or a follow");
        if ((s.snap.state == NF_FS_WAIT_PANIC || s.snap.state == NF_FS_WAIT_DUMP) && !s.cursor_valid)
                return bad(&p, "waiting for a dump without a SEL cursor");
        if (s.finished != (s.snap.state == NF_FS_DONE || s.snap.state == NF_FS_FAILED))
                return bad(&p, "finished=%d does not match state %s", s.finished, nf_fence_state_str(s.snap.state));

        *ret = s;
        return 0;
}

/* ---- files --------------------------------------------------------------- */

int nf_boot_id(char ret[NF_BOOT_ID_LEN + 1]) {
        char buf[64];
        ssize_t n;
        int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n < NF_BOOT_ID_LEN)
                return -EIO;
        memcpy(ret, buf, NF_BOOT_ID_LEN);
        ret[NF_BOOT_ID_LEN] = '\0';
        return 0;
}

int nf_target_lock_open(const char *dir, const char *bmc, uint16_t port, nf_target_lock *ret, char *err,
                        size_t errlen) {
        nf_target_lock l = { .dir_fd = -1, .lock_fd = -1 };
        char path[200];
        struct stat st;
        int r;

        if (!dir || !bmc || !ret || !err)
                return -EINVAL;
        if ((r = nf_target_key(bmc, port, l.key, sizeof l.key)) < 0) {
                snprintf(err, errlen, "BMC address too long for a lock name");
                return r;
        }
        if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
                r = -errno;
                snprintf(err, errlen, "cannot create state directory %s: %s", dir, strerror(errno));
                return r;
        }
        l.dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (l.dir_fd < 0) {
                r = -errno;
                snprintf(err, errlen, "cannot open state directory %s: %s", dir, strerror(errno));
                return r;
        }
        if (fstat(l.dir_fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 0022)) {
                snprintf(err, errlen, "state directory %s must belong to uid %u and not be writable by others",
                         dir, (unsigned) geteuid());
                close(l.dir_fd);
                return -EPERM;
        }
        snprintf(path, sizeof path, "%s.lock", l.key);
        l.lock_fd = openat(l.dir_fd, path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (l.lock_fd < 0) {
                r = -errno;
                snprintf(err, errlen, "cannot open %s/%s: %s", dir, path, strerror(errno));
                close(l.dir_fd);
                return r;
        }
        *ret = l;
        return 0;
}

int nf_target_lock_try(nf_target_lock *l) {
        if (l->owner)
                return 1;
        if (flock(l->lock_fd, LOCK_EX | LOCK_NB) < 0)
                return errno == EWOULDBLOCK ? 0 : -errno;
        l->owner = true;
        return 1;
}

int nf_target_lock_read(const nf_target_lock *l, nf_op_state *ret, char *err, size_t errlen) {
        char path[200];
        char *buf;
        ssize_t n;
        size_t used = 0;
        int fd, r;

        snprintf(path, sizeof path, "%s.state", l->key);
        fd = openat(l->dir_fd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                r = -errno;
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
                return r;
        }
        buf = malloc(NF_OP_STATE_MAX_SIZE + 1);
        if (!buf) {
                close(fd);
                return -ENOMEM;
        }
        /* one byte more than allowed, to see an oversized file */
        while (used < NF_OP_STATE_MAX_SIZE + 1 &&
               (n = read(fd, buf + used, NF_OP_STATE_MAX_SIZE + 1 - used)) != 0) {
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        snprintf(err, errlen, "%s: %s", path, strerror(errno));
                        goto out;
                }
                used += (size_t) n;
        }
        r = nf_op_state_parse(buf, used, ret, err, errlen);
out:
        free(buf);
        close(fd);
        return r;
}

int nf_target_lock_write(const nf_target_lock *l, const nf_op_state *s) {
        char *buf;
        int n;

        if (!l->owner)
                return -EPERM;
        buf = malloc(NF_OP_STATE_MAX_SIZE);
        if (!buf)
                return -ENOMEM;
        n = nf_op_state_format(s, buf, NF_OP_STATE_MAX_SIZE);
        n = n < 0 ? n : nf_target_lock_write_text(l, buf, (size_t) n);
        free(buf);
        return n;
}

int nf_target_lock_write_text(const nf_target_lock *l, const char *text, size_t len) {
        char tmp[200], path[200];
        int fd, r = 0;

        if (!l->owner)
                return -EPERM;
        snprintf(tmp, sizeof tmp, "%s.state.tmp", l->key);
        snprintf(path, sizeof path, "%s.state", l->key);
        /* Only the owner writes, so one temporary name is enough. */
        fd = openat(l->dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        /* No fdatasync: the page cache keeps the state when the agent
         * dies, which is what the file is for; a crash of this machine
         * makes it a file of an earlier boot, which nobody acts on
         * (nf_prior_decide, the daemon's resume), so syncing it would buy
         * nothing and cost a disk flush per transition of every host. */
        if (write(fd, text, len) != (ssize_t) len)
                r = errno ? -errno : -EIO;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && renameat(l->dir_fd, tmp, l->dir_fd, path) < 0)
                r = -errno;
        if (r < 0)
                (void) unlinkat(l->dir_fd, tmp, 0);
        return r;
}

void nf_target_lock_close(nf_target_lock *l) {
        if (!l)
                return;
        if (l->lock_fd >= 0)
                close(l->lock_fd);      /* drops the flock */
        if (l->dir_fd >= 0)
                close(l->dir_fd);
        l->lock_fd = l->dir_fd = -1;
        l->owner = false;
}
