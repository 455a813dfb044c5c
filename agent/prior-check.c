/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "dump-event.h"
#include "fence-io.h"
#include "prior-check.h"

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

static void check_sel(nf_fence_io *io, const nf_op_state *st, nf_prior_seen *ret) {
        nf_sel_cursor cur = st->cursor;
        bool cleared = false;

        if (!st->cursor_valid)
                return;
        if (nf_sel_read_new(io->session, &cur, note_life, ret, &cleared) != NF_OK)
                return;
        if (cleared) {
                ret->sel = NF_PRIOR_SEL_GONE;
                snprintf(ret->life, sizeof ret->life, "SEL record %u is gone", (unsigned) st->cursor.last_id);
        } else
                ret->sel = ret->newer_records ? NF_PRIOR_SEL_LIFE : NF_PRIOR_SEL_CONTINUOUS;
}

void nf_prior_check(const nf_lan_params *lan, const nf_op_state *st, nf_prior_seen *ret) {
        nf_fence_io io = { .lan = *lan };
        nf_action open = { .kind = NF_ACT_OPEN }, status = { .kind = NF_ACT_POWER_STATUS };
        nf_action_result res;

        assert(lan);
        assert(st);
        assert(ret);

        *ret = (nf_prior_seen) { .login = NF_PRIOR_LOGIN_NOT_TRIED };
        nf_fence_io_run(&io, &open, &res);
        if (res.status != NF_OK) {
                ret->login = nf_status_is_auth(res.status) ? NF_PRIOR_LOGIN_REFUSED : NF_PRIOR_LOGIN_UNREACHABLE;
                ret->error = io.err;
                ret->error.status = res.status;
                nf_fence_io_done(&io);
                return;
        }
        ret->login = NF_PRIOR_LOGIN_OK;
        nf_fence_io_run(&io, &status, &res);
        if (res.status == NF_OK && res.power_known)
                ret->power = res.power_on == st->snap.power_on ? NF_PRIOR_POWER_MATCHES : NF_PRIOR_POWER_DIFFERS;
        check_sel(&io, st, ret);
        nf_fence_io_done(&io);
}
