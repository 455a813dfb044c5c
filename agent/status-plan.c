/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `nmifence status`'s requests as a step machine (status-plan.h). */

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>

#include "dump-event.h"
#include "nf-commands.h"
#include "session-step.h"
#include "report.h"
#include "status-plan.h"

static int visit(const nf_sel_record *rec, void *userdata) {
        nf_last_arm *a = userdata;
        nf_stage_msg m;

        if (!rec->is_event || !nf_stage_decode(&rec->event, &m))
                return 0;
        a->records++;
        if (m.stage == NF_STAGE_ARMED || m.stage == NF_STAGE_DISARMED) {
                a->found = true;
                a->msg = m;
                a->record_id = rec->record_id;
                a->timestamp = rec->timestamp;
        }
        return 0;
}

/* Every cause of "not ready", for people and --json alike. */
static void not_ready_reason(nf_host_status *st) {
        const nf_last_arm *a = &st->arm;
        size_t n = 0;

#define WHY(text) (n < sizeof st->reason ? n += (size_t) snprintf(st->reason + n, sizeof st->reason - n, "%s%s", \
                                                                  n ? "; " : "", text) : 0)
        if (!st->power_known)
                WHY("power state unknown");
        else if (!st->power_on)
                WHY("power is off");
        if (!a->found)
                WHY("no armed/disarmed record");
        else if (!st->armed)
                WHY("disarmed");
        else {
                if (!(a->msg.arg & NF_ARMED_CRASH_LOADED))
                        WHY("capture kernel not loaded");
                if (!(a->msg.arg & NF_ARMED_NMI_PANIC))
                        WHY("NMI does not panic");
                if (!(a->msg.arg & NF_ARMED_CAPTURE_EXTNMI_NONE))
                        WHY("capture kernel lacks apic_extnmi=none");
        }
        if (st->sel_full)
                WHY("SEL full");
#undef WHY
}

static void set_state(nf_status_plan *p, nf_status_plan_state to) {
        assert(to < _NF_SPS_MAX);
        p->state = to;
}

static void note(nf_status_plan *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(nf_status_plan *p, const char *fmt, ...) {
        char *notes = p->st.notes;
        va_list ap;

        if (p->notes_len >= sizeof p->st.notes)
                return;
        va_start(ap, fmt);
        p->notes_len += (size_t) vsnprintf(notes + p->notes_len, sizeof p->st.notes - p->notes_len, fmt, ap);
        va_end(ap);
}

void nf_status_plan_init(nf_status_plan *p, const nf_host_conf *h) {
        *p = (nf_status_plan) {
                .h = h,
                .st = { .host = h->name, .bmc = h->bmc, .exit_code = NF_EXIT_BMC },
        };
        set_state(p, NF_SPS_OPEN);
}

nf_step nf_status_plan_next(const nf_status_plan *p, nf_ipmi_req *ret_req) {
        switch (p->state) {
        case NF_SPS_OPEN:
                return NF_STEP_OPEN;
        case NF_SPS_POWER:
                *ret_req = nf_ipmi_req_of(NF_NETFN_CHASSIS, NF_CMD_GET_CHASSIS_STATUS);
                return NF_STEP_REQUEST;
        case NF_SPS_SEL:
                return nf_sel_reader_next(&p->sel, ret_req);
        case NF_SPS_SEL_INFO:
                *ret_req = nf_ipmi_req_of(NF_NETFN_STORAGE, NF_CMD_GET_SEL_INFO);
                return NF_STEP_REQUEST;
        case NF_SPS_DONE:
        case _NF_SPS_MAX:
                break;
        }
        return NF_STEP_DONE;
}

void nf_status_plan_feed(nf_status_plan *p, nf_status status, const nf_error *err, const uint8_t *rsp,
                         size_t rsp_len) {
        nf_host_status *ret = &p->st;
        const nf_host_conf *h = p->h;
        nf_chassis_status cs;
        nf_sel_info si;
        char buf[256];
        nf_error e;

        switch (p->state) {
        case NF_SPS_OPEN:
                if (status != NF_OK) {
                        if (err)
                                e = *err;
                        else
                                nf_error_set(&e, status, 0, 0, NULL);
                        note(p, "%s: cannot log in to BMC %s:%u: %s\n", h->name, h->bmc, h->port,
                             nf_error_format(&e, buf, sizeof buf));
                        snprintf(ret->error, sizeof ret->error, "cannot log in: %s", buf);
                        return set_state(p, NF_SPS_DONE);
                }
                return set_state(p, NF_SPS_POWER);
        case NF_SPS_POWER:
                if (nf_chassis_status_reply(status, err, rsp, rsp_len, &cs, &e) == NF_OK) {
                        ret->power_known = true;
                        ret->power_on = cs.power_on;
                } else
                        note(p, "%s: cannot read the power state: %s\n", h->name, nf_error_format(&e, buf, sizeof buf));
                /* An empty cursor reads the SEL from its first record. */
                nf_sel_reader_init_read(&p->sel, &(nf_sel_cursor) { .have_last = false });
                return set_state(p, NF_SPS_SEL);
        case NF_SPS_SEL:
                nf_sel_reader_feed(&p->sel, status, err, rsp, rsp_len, visit, &ret->arm);
                if (p->sel.state != NF_SR_DONE && p->sel.state != NF_SR_FAILED)
                        return;
                if (nf_sel_reader_status(&p->sel) != NF_OK) {
                        note(p, "%s: cannot read the SEL: %s\n", h->name, nf_error_format(&p->sel.err, buf, sizeof buf));
                        snprintf(ret->error, sizeof ret->error, "cannot read the SEL: %s", buf);
                        return set_state(p, NF_SPS_DONE);
                }
                ret->sel_read = true;
                return set_state(p, NF_SPS_SEL_INFO);
        case NF_SPS_SEL_INFO:
                if (nf_sel_info_reply(status, err, rsp, rsp_len, &si, &e) == NF_OK) {
                        ret->sel_info_known = true;
                        ret->sel_entries = si.entries;
                        ret->sel_free_bytes = si.free_bytes;
                        ret->sel_overflow = si.overflow;
                        ret->sel_full = !nf_sel_room_for_dump(si.free_bytes, si.overflow);
                } else
                        note(p, "%s: cannot read the SEL's free space: %s\n", h->name,
                             nf_error_format(&e, buf, sizeof buf));
                return set_state(p, NF_SPS_DONE);
        case NF_SPS_DONE:
        case _NF_SPS_MAX:
                break;
        }
        assert(!"nf_status_plan_feed without a request");
}

void nf_status_plan_finish(nf_status_plan *p, nf_host_status *ret) {
        uint8_t all = NF_ARMED_CRASH_LOADED | NF_ARMED_NMI_PANIC | NF_ARMED_CAPTURE_EXTNMI_NONE;

        assert(p->state == NF_SPS_DONE);
        *ret = p->st;
        if (!ret->sel_read)
                return;
        ret->armed = ret->arm.found && ret->arm.msg.stage == NF_STAGE_ARMED;
        /* An NMI to a host that is off reaches no kernel: off (or a power
         * state the BMC did not give) is not ready to dump. */
        ret->ready = ret->armed && (ret->arm.msg.arg & all) == all && !ret->sel_full && ret->power_known &&
                     ret->power_on;
        ret->exit_code = ret->ready ? 0 : 1;
        not_ready_reason(ret);
}

static nf_step plan_next(const void *p, nf_ipmi_req *req) {
        return nf_status_plan_next(p, req);
}
static void plan_feed(void *p, nf_status s, const nf_error *e, const uint8_t *rsp, size_t len) {
        nf_status_plan_feed(p, s, e, rsp, len);
}
const nf_plan_ops nf_status_plan_ops = { plan_next, plan_feed };

