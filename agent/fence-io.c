/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <string.h>

#include "dump-event.h"
#include "fence-io.h"

static nf_status fail_from_session(nf_fence_io *io, nf_status s, nf_action_result *r) {
        if (io->session)
                io->err = *nf_session_last_error(io->session);
        else
                nf_error_set(&io->err, s, 0, 0, NULL);
        r->status = s;
        r->error = &io->err;
        return s;
}

static nf_status open_session(nf_fence_io *io, nf_action_result *r) {
        nf_status s;

        if (io->session) {
                /* A BMC restart or a lost session: same parameters again. */
                io->reopens++;
                s = nf_session_reopen(io->session);
                if (s != NF_OK)
                        return fail_from_session(io, s, r);
                return NF_OK;
        }
        s = nf_session_open_lan(&io->lan, &io->session, &io->err);
        if (s != NF_OK) {
                r->status = s;
                r->error = &io->err;
        }
        return s;
}

static nf_status read_power(nf_fence_io *io, nf_action_result *r) {
        nf_chassis_status cs;
        nf_status s = nf_get_chassis_status(io->session, &cs);

        if (s != NF_OK)
                return fail_from_session(io, s, r);
        r->power_known = true;
        r->power_on = cs.power_on;
        return NF_OK;
}

static int collect(const nf_sel_record *rec, void *userdata) {
        nf_fence_io *io = ((void **) userdata)[0];
        nf_action_result *r = ((void **) userdata)[1];
        nf_stage_msg m;

        if (!rec->is_event || !nf_stage_decode(&rec->event, &m)) {
                io->foreign_records++;
                return 0;
        }
        r->msgs[r->n_msgs++] = m;
        /* Full: stop here; the cursor stays on this record and the next
         * poll reads the rest. */
        return r->n_msgs >= NF_FENCE_MAX_MSGS;
}

typedef struct boot_scan {
        bool found;
        nf_stage_msg boundary;
        uint16_t id;
} boot_scan;

static int find_boundary(const nf_sel_record *rec, void *userdata) {
        boot_scan *b = userdata;
        nf_stage_msg m;

        if (rec->is_event && nf_stage_decode(&rec->event, &m) &&
            (m.stage == NF_STAGE_ARMED || m.stage == NF_STAGE_DISARMED)) {
                b->found = true;
                b->boundary = m;
                b->id = rec->record_id;
        }
        return 0;
}

/* The follow's window (NF_SEL_FROM_BOOT): one walk over the whole SEL for
 * the latest armed or disarmed record, the start of the current boot's
 * records (docs/protocol.md).  The cursor is put on it, so the first poll
 * delivers every record after it, including a dump that began (or ended)
 * before the agent ran.  Without one the cursor is "before the first
 * record". */
static nf_status mark_boot(nf_fence_io *io, nf_action_result *r) {
        nf_sel_cursor all = {};
        boot_scan b = {};
        nf_status s = nf_sel_read_new(io->session, &all, find_boundary, &b, NULL);

        if (s != NF_OK)
                return fail_from_session(io, s, r);
        io->cursor = (nf_sel_cursor) { .have_last = b.found, .last_id = b.id, .entries_seen = all.entries_seen };
        r->boundary_found = b.found;
        r->boundary = b.boundary;
        r->boundary_id = b.id;
        return NF_OK;
}

/* Whether the target can still post its records (a full SEL refuses them
 * with 0xC4).  Not fatal: a BMC that does not answer Get SEL Info leaves
 * it unknown, and the wait goes on as for a SEL with room. */
static void read_sel_space(nf_fence_io *io, nf_action_result *r) {
        nf_sel_info info;

        if (nf_sel_get_info(io->session, &info) != NF_OK)
                return;
        r->sel_info_known = true;
        r->sel_entries = info.entries;
        r->sel_free_bytes = info.free_bytes;
        r->sel_overflow = info.overflow;
}

void nf_fence_io_run(nf_fence_io *io, const nf_action *a, nf_action_result *r) {
        nf_status s;

        memset(r, 0, sizeof *r);
        r->status = NF_OK;

        if (a->kind != NF_ACT_OPEN && !io->session) {
                nf_error_set(&io->err, NF_E_SESSION_LOST, 0, 0, "no session");
                r->status = NF_E_SESSION_LOST;
                r->error = &io->err;
                return;
        }

        switch (a->kind) {
        case NF_ACT_OPEN:
                (void) open_session(io, r);
                return;
        case NF_ACT_MARK:
                if (a->window == NF_SEL_FROM_BOOT) {
                        if (mark_boot(io, r) != NF_OK)
                                return;
                } else {
                        s = nf_sel_cursor_init(io->session, &io->cursor);
                        if (s != NF_OK) {
                                fail_from_session(io, s, r);
                                return;
                        }
                }
                io->cursor_valid = true;
                read_sel_space(io, r);
                (void) read_power(io, r);
                return;
        case NF_ACT_DIAG:
                s = nf_chassis_control(io->session, NF_CHASSIS_DIAG);
                if (s != NF_OK)
                        fail_from_session(io, s, r);
                return;
        case NF_ACT_CONTROL:
                s = nf_chassis_control(io->session, a->ctl);
                if (s != NF_OK)
                        fail_from_session(io, s, r);
                return;
        case NF_ACT_POWER_STATUS:
                (void) read_power(io, r);
                return;
        case NF_ACT_POLL: {
                void *ud[2] = { io, r };
                bool cleared = false;
                nf_chassis_status cs;
                /* Power first, then the SEL: a host seen off has posted
                 * everything it posts before powering off (dump-done, then
                 * poweroff), so the SEL read after holds it.  The other
                 * order let a dump-done posted between the two reads look
                 * like "powered off without dump-done". */
                bool power_read = nf_get_chassis_status(io->session, &cs) == NF_OK;

                s = nf_sel_read_new(io->session, &io->cursor, collect, ud, &cleared);
                if (s != NF_OK) {
                        fail_from_session(io, s, r);
                        return;
                }
                r->sel_cleared = cleared;
                /* The cursor has moved past these records: deliver them
                 * even if the power read failed; the next poll retries it. */
                if (power_read) {
                        r->power_known = true;
                        r->power_on = cs.power_on;
                }
                return;
        }
        case NF_ACT_WAIT:
        case NF_ACT_FINISHED:
                return;
        }
}

void nf_fence_io_done(nf_fence_io *io) {
        io->session = nf_session_free(io->session);
}
