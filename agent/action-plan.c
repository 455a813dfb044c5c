/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One fence action's requests as a step machine (action-plan.h). */

#include <assert.h>
#include <string.h>

#include "action-plan.h"
#include "dump-event.h"
#include "session-step.h"

/* Every state change goes through here. */
static void set_state(nf_action_plan *p, nf_plan_state to) {
        assert(to < _NF_PS_MAX);
        p->state = to;
}

/* The action failed: its status, and the error that says why (a copy of
 * err; one naming only the status when there is none). */
static void fail(nf_action_plan *p, nf_status s, const nf_error *err) {
        if (err && err->status != NF_OK) {
                if (err != &p->err)
                        p->err = *err;
        }
        else
                nf_error_set(&p->err, s, 0, 0, NULL);
        p->res.status = s;
        set_state(p, NF_PS_DONE);
}

void nf_action_plan_init(nf_action_plan *p, const nf_action *a, bool session_up, const nf_sel_cursor *cursor,
                         bool cursor_valid) {
        assert(p);
        assert(a);
        assert(cursor);

        memset(p, 0, sizeof *p);
        p->action = *a;
        p->cursor = *cursor;
        p->cursor_valid = cursor_valid;
        p->res.status = NF_OK;

        if (a->kind != NF_ACT_OPEN && !session_up) {
                nf_error_set(&p->err, NF_E_SESSION_LOST, 0, 0, "no session");
                p->res.status = NF_E_SESSION_LOST;
                return set_state(p, NF_PS_DONE);
        }

        switch (a->kind) {
        case NF_ACT_OPEN:
                return set_state(p, NF_PS_OPEN);
        case NF_ACT_MARK:
                if (a->window == NF_SEL_FROM_BOOT)
                        /* The whole SEL, for the latest armed/disarmed record. */
                        nf_sel_reader_init_read(&p->sel, &(nf_sel_cursor) {});
                else
                        nf_sel_reader_init_mark(&p->sel);
                return set_state(p, NF_PS_MARK_SEL);
        case NF_ACT_DIAG:
        case NF_ACT_CONTROL: {
                nf_chassis_ctl c = a->kind == NF_ACT_DIAG ? NF_CHASSIS_DIAG : a->ctl;
                nf_status s = nf_chassis_control_req(c, &p->control, &p->err);

                if (s != NF_OK)
                        return fail(p, s, &p->err);
                return set_state(p, NF_PS_CONTROL);
        }
        case NF_ACT_POWER_STATUS:
                return set_state(p, NF_PS_POWER);
        case NF_ACT_POLL:
                /* The SEL first.  A poll that brings the target's records
                 * needs no power reading: a host posting them is on, and
                 * the next poll looks again.  Without records, the power;
                 * and a host seen off is read once more, because it posts
                 * everything before it powers off (dump-done, then off):
                 * a dump-done posted between the first read and the power
                 * reading must not look like "powered off without
                 * dump-done". */
                nf_sel_reader_init_read(&p->sel, &p->cursor);
                return set_state(p, NF_PS_POLL_SEL);
        case NF_ACT_WAIT:
        case NF_ACT_FINISHED:
                break;
        }
        set_state(p, NF_PS_DONE);
}

nf_step nf_action_plan_next(const nf_action_plan *p, nf_ipmi_req *ret_req) {
        assert(p);
        assert(ret_req);

        switch (p->state) {
        case NF_PS_OPEN:
                return NF_STEP_OPEN;
        case NF_PS_MARK_SEL:
        case NF_PS_POLL_SEL:
        case NF_PS_POLL_SEL_OFF:
                /* A finished reader is consumed by its feed: never
                 * DONE here. */
                return nf_sel_reader_next(&p->sel, ret_req);
        case NF_PS_MARK_POWER:
        case NF_PS_POWER:
        case NF_PS_POLL_POWER:
                *ret_req = nf_ipmi_req_of(NF_NETFN_CHASSIS, NF_CMD_GET_CHASSIS_STATUS);
                return NF_STEP_REQUEST;
        case NF_PS_CONTROL:
                *ret_req = p->control;
                return NF_STEP_REQUEST;
        case NF_PS_DONE:
        case _NF_PS_MAX:
                break;
        }
        return NF_STEP_DONE;
}

/* Stage records in SEL order; anyone else's are counted. */
static int collect(const nf_sel_record *rec, void *userdata) {
        nf_action_plan *p = userdata;
        nf_stage_msg m;

        if (!rec->is_event || !nf_stage_decode(&rec->event, &m)) {
                p->foreign_records++;
                return 0;
        }
        p->res.msgs[p->res.n_msgs++] = m;
        /* Full: stop here; the cursor stays on this record and the next
         * poll reads the rest. */
        return p->res.n_msgs >= NF_FENCE_MAX_MSGS;
}

/* The follow's window (NF_SEL_FROM_BOOT): the latest armed or disarmed
 * record is the start of the current boot's records (docs/protocol.md). */
static int find_boundary(const nf_sel_record *rec, void *userdata) {
        nf_action_plan *p = userdata;
        nf_stage_msg m;

        if (rec->is_event && nf_stage_decode(&rec->event, &m) &&
            (m.stage == NF_STAGE_ARMED || m.stage == NF_STAGE_DISARMED)) {
                p->boot_found = true;
                p->boot_boundary = m;
                p->boot_id = rec->record_id;
        }
        return 0;
}

static void feed_mark_sel(nf_action_plan *p, nf_status status, const nf_error *err, const uint8_t *rsp,
                          size_t rsp_len) {
        bool boot = p->action.window == NF_SEL_FROM_BOOT;
        nf_status s;

        nf_sel_reader_feed(&p->sel, status, err, rsp, rsp_len, boot ? find_boundary : NULL, p);
        if (p->sel.state != NF_SR_DONE && p->sel.state != NF_SR_FAILED)
                return;
        s = nf_sel_reader_status(&p->sel);
        if (s != NF_OK)
                return fail(p, s, &p->sel.err);
        if (boot) {
                /* The cursor is put on the boundary, so the first poll
                 * delivers every record after it, including a dump that
                 * began (or ended) before the agent ran.  Without one it
                 * is "before the first record". */
                p->cursor = (nf_sel_cursor) {
                        .have_last = p->boot_found,
                        .last_id = p->boot_id,
                        .entries_seen = p->sel.cur.entries_seen,
                };
                p->res.boundary_found = p->boot_found;
                p->res.boundary = p->boot_boundary;
                p->res.boundary_id = p->boot_id;
        } else
                p->cursor = p->sel.cur;
        p->cursor_valid = true;
        /* Whether the target can still post its records (a full SEL
         * refuses them with 0xC4): the walk's Get SEL Info says. */
        p->res.sel_info_known = true;
        p->res.sel_entries = p->sel.info.entries;
        p->res.sel_free_bytes = p->sel.info.free_bytes;
        p->res.sel_overflow = p->sel.info.overflow;
        set_state(p, NF_PS_MARK_POWER);
}

static void feed_poll_sel(nf_action_plan *p, nf_status status, const nf_error *err, const uint8_t *rsp,
                          size_t rsp_len) {
        nf_status s;

        nf_sel_reader_feed(&p->sel, status, err, rsp, rsp_len, collect, p);
        if (p->sel.state != NF_SR_DONE && p->sel.state != NF_SR_FAILED)
                return;
        /* The cursor has moved past the records read, even when the read
         * failed after them. */
        p->cursor = p->sel.cur;
        s = nf_sel_reader_status(&p->sel);
        if (s != NF_OK)
                return fail(p, s, &p->sel.err);
        p->res.sel_cleared |= p->sel.cleared;
        if (p->state == NF_PS_POLL_SEL && p->res.n_msgs == 0)
                return set_state(p, NF_PS_POLL_POWER);
        set_state(p, NF_PS_DONE);
}

void nf_action_plan_feed(nf_action_plan *p, nf_status status, const nf_error *err, const uint8_t *rsp,
                         size_t rsp_len) {
        nf_chassis_status cs;
        nf_status s;

        assert(p);

        switch (p->state) {
        case NF_PS_OPEN:
                if (status != NF_OK)
                        return fail(p, status, err);
                return set_state(p, NF_PS_DONE);
        case NF_PS_MARK_SEL:
                return feed_mark_sel(p, status, err, rsp, rsp_len);
        case NF_PS_MARK_POWER:
        case NF_PS_POWER:
                s = nf_chassis_status_reply(status, err, rsp, rsp_len, &cs, &p->err);
                if (s != NF_OK)
                        return fail(p, s, &p->err);
                p->res.power_known = true;
                p->res.power_on = cs.power_on;
                return set_state(p, NF_PS_DONE);
        case NF_PS_CONTROL:
                s = nf_reply_check(p->control.netfn, p->control.cmd, status, err, rsp_len, 0, &p->err);
                if (s != NF_OK)
                        return fail(p, s, &p->err);
                return set_state(p, NF_PS_DONE);
        case NF_PS_POLL_POWER:
                /* Not read: the poll stands with its records, power
                 * unknown; the next poll reads it again. */
                if (nf_chassis_status_reply(status, err, rsp, rsp_len, &cs, &p->err) != NF_OK)
                        return set_state(p, NF_PS_DONE);
                p->res.power_known = true;
                p->res.power_on = cs.power_on;
                if (cs.power_on)
                        return set_state(p, NF_PS_DONE);
                nf_sel_reader_init_read(&p->sel, &p->cursor);
                return set_state(p, NF_PS_POLL_SEL_OFF);
        case NF_PS_POLL_SEL:
        case NF_PS_POLL_SEL_OFF:
                return feed_poll_sel(p, status, err, rsp, rsp_len);
        case NF_PS_DONE:
        case _NF_PS_MAX:
                break;
        }
        /* Fed with nothing asked: the caller's bug. */
        assert(!"nf_action_plan_feed without a request");
}

void nf_action_plan_finish(const nf_action_plan *p, nf_action_result *ret, nf_error *ret_err) {
        assert(p);
        assert(ret);
        assert(ret_err);
        assert(p->state == NF_PS_DONE);

        *ret = p->res;
        ret->error = NULL;
        if (p->res.status != NF_OK) {
                *ret_err = p->err;
                ret->error = ret_err;
        }
}

static nf_step ops_next(const void *p, nf_ipmi_req *req) {
        return nf_action_plan_next(p, req);
}
static void ops_feed(void *p, nf_status s, const nf_error *e, const uint8_t *rsp, size_t len) {
        nf_action_plan_feed(p, s, e, rsp, len);
}
const nf_plan_ops nf_action_plan_ops = { ops_next, ops_feed };
