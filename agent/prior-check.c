/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "dump-event.h"
#include "nf-commands.h"
#include "prior-check.h"
#include "session-step.h"

/* IPMI 2.0 table 42-3: events a host's boot or crash logs on many BMCs. */
#define SENSOR_SYSTEM_BOOT 0x1D /* System Boot / Restart Initiated */
#define SENSOR_OS_BOOT 0x1F
#define SENSOR_OS_STOP 0x20     /* OS Stop / Shutdown (a panic's critical stop) */

static int note_life(const nf_sel_record *rec, void *userdata) {
        nf_prior_seen *s = userdata;
        nf_stage_msg m;
        char what[64];

        if (!rec->is_event)
                return 0;
        if (nf_stage_decode(&rec->event, &m))
                snprintf(what, sizeof what, "%s (seq %u)", nf_stage_str(m.stage), (unsigned) m.seq);
        else if (rec->event.sensor_type == SENSOR_SYSTEM_BOOT || rec->event.sensor_type == SENSOR_OS_BOOT ||
                 rec->event.sensor_type == SENSOR_OS_STOP)
                snprintf(what, sizeof what, "sensor type 0x%02X event", (unsigned) rec->event.sensor_type);
        else
                return 0;
        if (s->newer_records++ == 0)
                snprintf(s->life, sizeof s->life, "%s, SEL record %u", what, (unsigned) rec->record_id);
        return 0;
}

/* Every state change goes through here. */
static void set_state(nf_prior_plan *p, nf_prior_plan_state to) {
        assert(to < _NF_PPS_MAX);
        p->state = to;
}

void nf_prior_plan_init(nf_prior_plan *p, const nf_op_state *st) {
        assert(p);
        assert(st);

        *p = (nf_prior_plan) {
                .state = NF_PPS_OPEN,
                .power_on = st->snap.power_on,
                .cursor_valid = st->cursor_valid,
                .cursor = st->cursor,
                .seen = { .login = NF_PRIOR_LOGIN_NOT_TRIED },
        };
}

nf_step nf_prior_plan_next(const nf_prior_plan *p, nf_ipmi_req *ret_req) {
        assert(p);
        assert(ret_req);

        switch (p->state) {
        case NF_PPS_OPEN:
                return NF_STEP_OPEN;
        case NF_PPS_POWER:
                *ret_req = nf_ipmi_req_of(NF_NETFN_CHASSIS, NF_CMD_GET_CHASSIS_STATUS);
                return NF_STEP_REQUEST;
        case NF_PPS_SEL:
                return nf_sel_reader_next(&p->sel, ret_req);
        case NF_PPS_DONE:
        case _NF_PPS_MAX:
                break;
        }
        return NF_STEP_DONE;
}

static void feed_sel(nf_prior_plan *p, nf_status status, const nf_error *err, const uint8_t *rsp,
                     size_t rsp_len) {
        nf_sel_reader_feed(&p->sel, status, err, rsp, rsp_len, note_life, &p->seen);
        if (p->sel.state == NF_SR_FAILED)
                /* The SEL stays unknown. */
                return set_state(p, NF_PPS_DONE);
        if (p->sel.state != NF_SR_DONE)
                return;
        if (p->sel.cleared) {
                p->seen.sel = NF_PRIOR_SEL_GONE;
                snprintf(p->seen.life, sizeof p->seen.life, "SEL record %u is gone", (unsigned) p->cursor.last_id);
        } else
                p->seen.sel = p->seen.newer_records ? NF_PRIOR_SEL_LIFE : NF_PRIOR_SEL_CONTINUOUS;
        set_state(p, NF_PPS_DONE);
}

void nf_prior_plan_feed(nf_prior_plan *p, nf_status status, const nf_error *err, const uint8_t *rsp,
                        size_t rsp_len) {
        nf_chassis_status cs;
        nf_error e;

        assert(p);

        switch (p->state) {
        case NF_PPS_OPEN:
                if (status != NF_OK) {
                        p->seen.login = nf_status_is_auth(status) ? NF_PRIOR_LOGIN_REFUSED
                                                                  : NF_PRIOR_LOGIN_UNREACHABLE;
                        if (err)
                                p->seen.error = *err;
                        p->seen.error.status = status;
                        return set_state(p, NF_PPS_DONE);
                }
                p->seen.login = NF_PRIOR_LOGIN_OK;
                return set_state(p, NF_PPS_POWER);
        case NF_PPS_POWER:
                if (nf_chassis_status_reply(status, err, rsp, rsp_len, &cs, &e) == NF_OK)
                        p->seen.power = cs.power_on == p->power_on ? NF_PRIOR_POWER_MATCHES
                                                                   : NF_PRIOR_POWER_DIFFERS;
                if (!p->cursor_valid)
                        return set_state(p, NF_PPS_DONE);
                nf_sel_reader_init_read(&p->sel, &p->cursor);
                return set_state(p, NF_PPS_SEL);
        case NF_PPS_SEL:
                return feed_sel(p, status, err, rsp, rsp_len);
        case NF_PPS_DONE:
        case _NF_PPS_MAX:
                break;
        }
        /* Fed with nothing asked: the caller's bug. */
        assert(!"nf_prior_plan_feed without a request");
}

void nf_prior_check(const nf_lan_params *lan, const nf_op_state *st, nf_prior_seen *ret) {
        nf_session *session = NULL;
        nf_error open_err = {};
        nf_prior_plan p;

        assert(lan);
        assert(st);
        assert(ret);

        nf_prior_plan_init(&p, st);
        (void) nf_session_run_plan(&session, lan, &open_err, &nf_prior_plan_ops, &p);
        *ret = p.seen;
        nf_session_free(session);
}

static nf_step ops_next(const void *p, nf_ipmi_req *req) {
        return nf_prior_plan_next(p, req);
}
static void ops_feed(void *p, nf_status s, const nf_error *e, const uint8_t *rsp, size_t len) {
        nf_prior_plan_feed(p, s, e, rsp, len);
}
const nf_plan_ops nf_prior_plan_ops = { ops_next, ops_feed };
