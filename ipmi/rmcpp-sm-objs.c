/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The libfreeipmi fiid objects of one RMCP+ datagram (rmcpp-sm-packet.h),
 * and the cache that keeps one set of them between datagrams for every
 * session of one loop (nf_rmcpp_cache, rmcpp-sm.h).
 *
 * fiid_obj_create() copies its template field by field (a 256-byte key
 * each) and fiid_obj_destroy() frees it again: made afresh for every
 * datagram sent and received, they were a fifth of a 1000-host fleet
 * fence's CPU.  A cache keeps them and clears them (fiid_obj_clear) for
 * the next datagram; one cache serves any number of sessions, because a
 * loop handles one datagram at a time.  A datagram handled while the
 * cache's set is in use (a reply's judgement that builds the next message)
 * gets objects of its own, as without a cache.
 */

#include <stdlib.h>
#include <string.h>

#include "rmcpp-sm-internal.h"
#include "rmcpp-sm-packet.h"

/* A command as bytes: the command byte then its data (request), or the
 * command byte, completion code and data (response); as libfreeipmi's
 * own raw path carries it. */
fiid_template_t tmpl_rmcpp_raw = {
        { 8 * (RMCPP_REQ_MAX + 2), "raw_data", FIID_FIELD_OPTIONAL | FIID_FIELD_LENGTH_VARIABLE },
        { 0, "", 0 },
};

struct nf_rmcpp_cache {
        fiid_obj_t rmcp, hdr, payload, msg_hdr_rq, msg_hdr_rs, msg_trlr, trlr, raw;
        bool busy;
};

static void destroy(fiid_obj_t *objs[], size_t n) {
        for (size_t i = 0; i < n; i++) {
                fiid_obj_destroy(*objs[i]);
                *objs[i] = NULL;
        }
}

#define CACHE_OBJS(c) \
        { &(c)->rmcp, &(c)->hdr, &(c)->payload, &(c)->msg_hdr_rq, &(c)->msg_hdr_rs, &(c)->msg_trlr, \
          &(c)->trlr, &(c)->raw }

nf_rmcpp_cache *nf_rmcpp_cache_new(void) {
        nf_rmcpp_cache *c = calloc(1, sizeof(*c));

        if (!c)
                return NULL;
        c->rmcp = fiid_obj_create(tmpl_rmcp_hdr);
        c->hdr = fiid_obj_create(tmpl_rmcpplus_session_hdr);
        c->payload = fiid_obj_create(tmpl_rmcpplus_payload);
        c->msg_hdr_rq = fiid_obj_create(tmpl_lan_msg_hdr_rq);
        c->msg_hdr_rs = fiid_obj_create(tmpl_lan_msg_hdr_rs);
        c->msg_trlr = fiid_obj_create(tmpl_lan_msg_trlr);
        c->trlr = fiid_obj_create(tmpl_rmcpplus_session_trlr);
        c->raw = fiid_obj_create(tmpl_rmcpp_raw);
        if (c->rmcp && c->hdr && c->payload && c->msg_hdr_rq && c->msg_hdr_rs && c->msg_trlr && c->trlr && c->raw)
                return c;
        return nf_rmcpp_cache_free(c);
}

nf_rmcpp_cache *nf_rmcpp_cache_free(nf_rmcpp_cache *c) {
        if (!c)
                return NULL;
        fiid_obj_t *objs[] = CACHE_OBJS(c);
        destroy(objs, sizeof(objs) / sizeof(objs[0]));
        free(c);
        return NULL;
}

void rmcpp_objs_free(rmcpp_objs *o) {
        if (o->cache) {
                o->cache->busy = false;
                memset(o, 0, sizeof(*o));
                return;
        }
        fiid_obj_t *objs[] = { &o->rmcp, &o->hdr, &o->payload, &o->msg_hdr, &o->msg_trlr, &o->trlr, &o->raw };
        destroy(objs, sizeof(objs) / sizeof(objs[0]));
}

/* Cleared here: the objects libfreeipmi does not always clear itself.
 * unassemble_ipmi_rmcpplus_pkt clears the RMCP header, session header and
 * payload first thing, and the fill_* functions clear what they fill; the
 * message header and trailer and the session trailer it clears only for
 * some payloads, and the command bytes are ours.  (The payload object
 * holds a 64 KiB buffer: clearing it twice per datagram was most of the
 * clearing's cost.) */
static bool from_cache(rmcpp_objs *o, nf_rmcpp_cache *c, bool rq) {
        fiid_obj_t msg_hdr = rq ? c->msg_hdr_rq : c->msg_hdr_rs;

        if (fiid_obj_clear(msg_hdr) < 0 || fiid_obj_clear(c->msg_trlr) < 0 || fiid_obj_clear(c->trlr) < 0 ||
            fiid_obj_clear(c->raw) < 0)
                return false;
        *o = (rmcpp_objs) {
                .rmcp = c->rmcp, .hdr = c->hdr, .payload = c->payload,
                .msg_hdr = msg_hdr,
                .msg_trlr = c->msg_trlr, .trlr = c->trlr, .raw = c->raw, .cache = c,
        };
        c->busy = true;
        return true;
}

bool rmcpp_objs_new(const nf_rmcpp *s, rmcpp_objs *o, bool rq) {
        memset(o, 0, sizeof(*o));
        if (s->cache && !s->cache->busy && from_cache(o, s->cache, rq))
                return true;
        o->rmcp = fiid_obj_create(tmpl_rmcp_hdr);
        o->hdr = fiid_obj_create(tmpl_rmcpplus_session_hdr);
        o->payload = fiid_obj_create(tmpl_rmcpplus_payload);
        o->msg_hdr = fiid_obj_create(rq ? tmpl_lan_msg_hdr_rq : tmpl_lan_msg_hdr_rs);
        o->msg_trlr = fiid_obj_create(tmpl_lan_msg_trlr);
        o->trlr = fiid_obj_create(tmpl_rmcpplus_session_trlr);
        o->raw = fiid_obj_create(tmpl_rmcpp_raw);
        if (o->rmcp && o->hdr && o->payload && o->msg_hdr && o->msg_trlr && o->trlr && o->raw)
                return true;
        rmcpp_objs_free(o);
        return false;
}

bool rmcpp_get(fiid_obj_t obj, const char *field, uint64_t *ret) {
        return FIID_OBJ_GET(obj, field, ret) == 1;
}
