/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Reading the SEL from a remembered position, sans I/O: the reader says
 * which request to send next (nf_sel_reader_next) and takes its reply
 * (nf_sel_reader_feed).  It is the one implementation of the SEL walk:
 * sel.c's blocking nf_sel_cursor_init() and nf_sel_read_new() run it over
 * a session, an event loop runs it over its own.
 *
 * Two walks:
 *   mark  Get SEL Info, then the last record (Get SEL Entry FFFFh): the
 *         cursor for "everything after now" (0xCB: the SEL is empty);
 *   read  Get SEL Info, Reserve SEL (0xC1: no reservation, 0 is used;
 *         the cursor keeps it, and the next walk reserves only if it has
 *         none), the
 *         remembered record again (gone, or the SEL shrank: it was
 *         cleared, and the whole SEL is read from its first record), then
 *         each record after it, handed to a visitor.  A Get SEL Entry
 *         answered 0xC5 (reservation canceled: the SEL was cleared or an
 *         entry deleted) reserves again once and asks once more.
 *         When Get SEL Info shows the SEL as the cursor's last complete
 *         walk found it, the read ends there: one request instead of at
 *         least two (sel-reader.c says when that is safe; every
 *         NF_SEL_WALK_EVERY-th read walks anyway).
 */

#include <stdbool.h>
#include <stdint.h>

#include "nf-commands.h"
#include "nf-error.h"
#include "nf-request.h"

/* A read walks at least every this many reads, however unchanged Get
 * SEL Info looks (sel-reader.c: the guard against a BMC whose SEL Info is
 * wrong). */
#define NF_SEL_WALK_EVERY 12

typedef enum nf_sel_reader_state {
        NF_SR_INFO,             /* Get SEL Info: the entry count */
        NF_SR_LAST,             /* mark: Get SEL Entry of the last record */
        NF_SR_RESERVE,          /* Reserve SEL */
        NF_SR_RECHECK,          /* Get SEL Entry of the remembered record */
        NF_SR_WALK,             /* Get SEL Entry of the next record */
        NF_SR_RERESERVE,        /* Reserve SEL after a 0xC5, then back to resume */
        NF_SR_DONE,
        NF_SR_FAILED,
        _NF_SR_MAX,
} nf_sel_reader_state;

typedef struct nf_sel_reader {
        nf_sel_reader_state state;
        nf_sel_reader_state resume;     /* after NF_SR_RERESERVE */
        bool mark;                      /* the mark walk, not a read */
        bool retried;                   /* this Get SEL Entry was re-reserved for once */
        /* The cursor as the walk moved it: a read that fails part way
         * keeps the records it visited behind it. */
        nf_sel_cursor cur;
        uint16_t entries;               /* Get SEL Info's count */
        uint16_t reservation;
        uint16_t id;                    /* the record to get (walk) */
        unsigned walked;
        bool cleared;                   /* the remembered record vanished */
        bool skipped;                   /* SEL Info unchanged: no walk */
        bool complete;                  /* the walk reached the SEL's end */
        nf_sel_info info;               /* the read's Get SEL Info (also the mark's) */
        nf_status fail;                 /* when NF_SR_FAILED */
        nf_error err;
} nf_sel_reader;

/* The mark walk (nf_sel_cursor_init). */
void nf_sel_reader_init_mark(nf_sel_reader *r);
/* The read walk from *cur (nf_sel_read_new). */
void nf_sel_reader_init_read(nf_sel_reader *r, const nf_sel_cursor *cur);
/* NF_STEP_REQUEST (send *ret_req, feed its reply) or NF_STEP_DONE
 * (nf_sel_reader_status() says how it ended); never NF_STEP_OPEN. */
nf_step nf_sel_reader_next(const nf_sel_reader *r, nf_ipmi_req *ret_req);
/* The reply to the request nf_sel_reader_next() gave (nf-request.h).  A
 * record read by the read walk goes to fn; non-zero from fn ends the walk
 * with the cursor on that record. */
void nf_sel_reader_feed(nf_sel_reader *r, nf_status status, const nf_error *err, const uint8_t *rsp,
                        size_t rsp_len, nf_sel_visit_fn fn, void *userdata);
/* NF_OK once done, the failure once failed (r->err has its detail). */
nf_status nf_sel_reader_status(const nf_sel_reader *r);

/* The requests and replies the walk is made of, shared with sel.c's
 * single-request functions.  The *_reply functions take a reply as
 * nf_reply_check() does and fill *ret only on NF_OK. */
nf_status nf_sel_info_reply(nf_status status, const nf_error *err, const uint8_t *rsp, size_t rsp_len,
                            nf_sel_info *ret, nf_error *ret_err);
nf_status nf_sel_reserve_reply(nf_status status, const nf_error *err, const uint8_t *rsp, size_t rsp_len,
                               uint16_t *ret_reservation, nf_error *ret_err);
nf_ipmi_req nf_sel_entry_req(uint16_t reservation, uint16_t record_id);
/* 0xCB (not present) is NF_E_NOT_FOUND, completion code kept in *ret_err. */
nf_status nf_sel_entry_reply(nf_status status, const nf_error *err, const uint8_t *rsp, size_t rsp_len,
                             nf_sel_record *ret, uint16_t *ret_next_id, nf_error *ret_err);
