/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * libfreeipmi fiid objects of one RMCP+ datagram, shared by the engine's
 * set-up (rmcpp-sm-setup.c) and message (rmcpp-sm-msg.c) parts.  Private
 * to ipmi/.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <freeipmi/freeipmi.h>

#include "rmcpp-sm-internal.h"

/* rmcpp-sm-objs.c: the objects of one datagram, from the session's cache
 * when it has one and its set is free, else made for it.  raw is the
 * command as bytes (tmpl_rmcpp_raw), for messages inside the session. */
typedef struct rmcpp_objs {
        fiid_obj_t rmcp, hdr, payload, msg_hdr, msg_trlr, trlr, raw;
        nf_rmcpp_cache *cache;          /* the set's cache; NULL: made here */
} rmcpp_objs;

extern fiid_template_t tmpl_rmcpp_raw;

/* rq: the message header of a request, else of a response. */
bool rmcpp_objs_new(const nf_rmcpp *s, rmcpp_objs *o, bool rq);
/* Gives the set back to its cache, or destroys it. */
void rmcpp_objs_free(rmcpp_objs *o);
/* A field that is set; false when it is missing. */
bool rmcpp_get(fiid_obj_t obj, const char *field, uint64_t *ret);

/* A set-up message (payload type, cmd filled by fill_rmcpplus_*) into
 * s->out, outside any session. */
nf_status rmcpp_assemble_setup(nf_rmcpp *s, uint8_t payload_type, fiid_obj_t cmd);
/* unassemble_ipmi_rmcpplus_pkt without keys: 1 parsed, 0 partly, -1 not. */
int rmcpp_unassemble_setup(const uint8_t *pkt, size_t len, rmcpp_objs *o, fiid_obj_t cmd);
/* A set-up reply (unassembled by the above) that is all there: its
 * payload as long as its header says, and at least message tag and
 * status code (a refusal may stop there; a success must have every
 * required field, see rmcpp-sm-setup.c). */
bool rmcpp_setup_reply_whole(const rmcpp_objs *o, fiid_obj_t cmd);
