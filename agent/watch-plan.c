/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One liveness poll's requests as a step machine (watch-plan.h). */

#include <assert.h>
#include <string.h>

#include "dump-event.h"
#include "os-stop.h"
#include "session-step.h"
#include "watch-plan.h"

/* Every state change goes through here. */
static void set_state(nf_watch_plan *p, nf_watch_plan_state to) {
        assert(to < _NF_WPS_MAX);
        if (to == NF_WPS_LOST) {
                memset(&p->poll, 0, sizeof p->poll);
                p->poll.bmc_ok = false;
        }
        p->state = to;
}

/* Records the failure; true when there was one.  Only "no answer" means
 * the session is gone; a completion code is an answer. */
static void set_error(nf_watch_plan *p, nf_status s, const nf_error *err) {
        if (err && err->status != NF_OK)
                p->err = *err;
        else
                nf_error_set(&p->err, s, 0, 0, NULL);
        p->err_set = true;
}

static bool failed(nf_watch_plan *p, nf_status s, const nf_error *err) {
        if (s == NF_OK)
                return false;
        set_error(p, s, err);
        if (s != NF_E_COMPLETION && s != NF_E_SHORT_RESPONSE && s != NF_E_NOT_FOUND)
                p->m.session_broken = true;
        return true;
}

void nf_watch_plan_init(nf_watch_plan *p, bool session_up, const nf_watch_memory *m) {
        assert(p);
        assert(m);

        memset(p, 0, sizeof *p);
        p->m = *m;
        set_state(p, !session_up || m->session_broken ? NF_WPS_OPEN : NF_WPS_POWER);
}

nf_step nf_watch_plan_next(const nf_watch_plan *p, nf_ipmi_req *ret_req) {
        assert(p);
        assert(ret_req);

        switch (p->state) {
        case NF_WPS_OPEN:
                return NF_STEP_OPEN;
        case NF_WPS_POWER:
                *ret_req = nf_ipmi_req_of(NF_NETFN_CHASSIS, NF_CMD_GET_CHASSIS_STATUS);
                return NF_STEP_REQUEST;
        case NF_WPS_WATCHDOG:
                *ret_req = nf_ipmi_req_of(NF_NETFN_APP, NF_CMD_GET_WATCHDOG);
                return NF_STEP_REQUEST;
        case NF_WPS_SEL:
                return nf_sel_reader_next(&p->sel, ret_req);
        case NF_WPS_DONE:
        case NF_WPS_LOST:
        case _NF_WPS_MAX:
                break;
        }
        return NF_STEP_DONE;
}

static int visit(const nf_sel_record *rec, void *userdata) {
        nf_live_poll *o = userdata;
        nf_stage_msg m;
        nf_os_stop st;

        if (!rec->is_event)
                return 0;
        /* The target's own records are OS Critical Stop events too
         * (docs/protocol.md): ours first, by generator id and version. */
        if (!nf_stage_decode(&rec->event, &m)) {
                if (nf_os_stop_decode(&rec->event, &st)) {
                        if (st.critical) {
                                o->os_critical = true;
                                o->os_critical_kind = st.kind;
                        } else
                                o->os_graceful = true;
                }
                return 0;
        }
        switch (m.stage) {
        case NF_STAGE_DUMP_START:
        case NF_STAGE_PROGRESS:
        case NF_STAGE_CPUS:
                o->dump_record = true;
                break;
        case NF_STAGE_DUMP_DONE:
        case NF_STAGE_DUMP_FAILED:
                o->dump_record = true;
                o->dump_end = true;
                break;
        case NF_STAGE_ARMED:
                /* A fresh boot after a dump: what came before is over. */
                o->dump_record = o->dump_end = false;
                break;
        default:
                break;
        }
        return 0;
}

static void feed_sel(nf_watch_plan *p, nf_status status, const nf_error *err, const uint8_t *rsp,
                     size_t rsp_len) {
        nf_status s;

        nf_sel_reader_feed(&p->sel, status, err, rsp, rsp_len, p->sel.mark ? NULL : visit, &p->poll);
        if (p->sel.state != NF_SR_DONE && p->sel.state != NF_SR_FAILED)
                return;
        s = nf_sel_reader_status(&p->sel);
        if (p->sel.mark) {
                /* Only what happens from now on: the SEL's past is not
                 * news.  Not marked: the next poll tries again. */
                if (!failed(p, s, &p->sel.err)) {
                        p->m.cursor = p->sel.cur;
                        p->m.cursor_valid = true;
                }
                return set_state(p, NF_WPS_DONE);
        }
        p->m.cursor = p->sel.cur;
        if (failed(p, s, &p->sel.err) && p->m.session_broken)
                return set_state(p, NF_WPS_LOST);
        set_state(p, NF_WPS_DONE);
}

void nf_watch_plan_feed(nf_watch_plan *p, nf_status status, const nf_error *err, const uint8_t *rsp,
                        size_t rsp_len) {
        nf_chassis_status cs;
        nf_error e;
        nf_status s;

        assert(p);

        if (p->state != NF_WPS_OPEN)
                p->requests++;
        switch (p->state) {
        case NF_WPS_OPEN:
                if (status != NF_OK) {
                        /* Lost, and the next poll opens again: the session
                         * is not marked broken by a set-up that failed. */
                        set_error(p, status, err);
                        return set_state(p, NF_WPS_LOST);
                }
                p->m.session_broken = false;
                return set_state(p, NF_WPS_POWER);
        case NF_WPS_POWER:
                s = nf_chassis_status_reply(status, err, rsp, rsp_len, &cs, &e);
                if (failed(p, s, &e)) {
                        if (p->m.session_broken)
                                return set_state(p, NF_WPS_LOST);
                } else {
                        p->poll.power_known = true;
                        p->poll.power_on = cs.power_on;
                }
                p->poll.bmc_ok = true;
                return set_state(p, NF_WPS_WATCHDOG);
        case NF_WPS_WATCHDOG:
                s = nf_watchdog_get_reply(status, err, rsp, rsp_len, &p->poll.wd, &e);
                p->m.wd_error_known = failed(p, s, &e);
                if (p->m.session_broken)
                        return set_state(p, NF_WPS_LOST);
                p->poll.wd_known = !p->m.wd_error_known;
                if (p->m.cursor_valid)
                        nf_sel_reader_init_read(&p->sel, &p->m.cursor);
                else
                        nf_sel_reader_init_mark(&p->sel);
                return set_state(p, NF_WPS_SEL);
        case NF_WPS_SEL:
                return feed_sel(p, status, err, rsp, rsp_len);
        case NF_WPS_DONE:
        case NF_WPS_LOST:
        case _NF_WPS_MAX:
                break;
        }
        /* Fed with nothing asked: the caller's bug. */
        assert(!"nf_watch_plan_feed without a request");
}

bool nf_watch_plan_finish(const nf_watch_plan *p, nf_live_poll *ret, nf_watch_memory *m, nf_error *ret_err) {
        assert(p);
        assert(ret);
        assert(m);
        assert(ret_err);
        assert(p->state == NF_WPS_DONE || p->state == NF_WPS_LOST);

        *ret = p->poll;
        *m = p->m;
        if (p->err_set)
                *ret_err = p->err;
        return p->state == NF_WPS_LOST;
}

static nf_step ops_next(const void *p, nf_ipmi_req *req) {
        return nf_watch_plan_next(p, req);
}
static void ops_feed(void *p, nf_status s, const nf_error *e, const uint8_t *rsp, size_t len) {
        nf_watch_plan_feed(p, s, e, rsp, len);
}
const nf_plan_ops nf_watch_plan_ops = { ops_next, ops_feed };
