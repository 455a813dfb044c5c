/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* IPMI commands used by nmifence, over any nf_session. */

#include <stdbool.h>
#include <stdint.h>

#include "nf-session.h"
#include "sel-record.h"
#include "watchdog-codec.h"

#define NF_NETFN_CHASSIS 0x00
#define NF_NETFN_SENSOR_EVENT 0x04
#define NF_NETFN_APP 0x06
#define NF_NETFN_STORAGE 0x0A

#define NF_CMD_GET_CHASSIS_STATUS 0x01
#define NF_CMD_CHASSIS_CONTROL 0x02
#define NF_CMD_PLATFORM_EVENT 0x02
#define NF_CMD_GET_DEVICE_ID 0x01
#define NF_CMD_RESET_WATCHDOG 0x22
#define NF_CMD_SET_WATCHDOG 0x24
#define NF_CMD_GET_WATCHDOG 0x25
#define NF_CMD_GET_SEL_INFO 0x40
#define NF_CMD_RESERVE_SEL 0x42
#define NF_CMD_GET_SEL_ENTRY 0x43
#define NF_CMD_ADD_SEL_ENTRY 0x44

typedef struct nf_device_id {
        uint8_t device_id;
        uint8_t device_revision;
        uint8_t fw_major, fw_minor;     /* minor is BCD-decoded */
        uint8_t ipmi_major, ipmi_minor;
        uint32_t manufacturer_id;       /* 20 bits */
        uint16_t product_id;
        bool device_available;
} nf_device_id;

typedef struct nf_chassis_status {
        bool power_on;
        bool power_overload, interlock, power_fault, control_fault;
        uint8_t restore_policy;          /* 0 off, 1 restore, 2 on, 3 unknown */
        uint8_t last_event;              /* raw byte 2 */
        uint8_t misc;                    /* raw byte 3 */
} nf_chassis_status;

typedef enum nf_chassis_ctl {
        NF_CHASSIS_OFF = 0x00,
        NF_CHASSIS_ON = 0x01,
        NF_CHASSIS_CYCLE = 0x02,
        NF_CHASSIS_HARD_RESET = 0x03,
        NF_CHASSIS_DIAG = 0x04,          /* pulse diagnostic interrupt (NMI) */
        NF_CHASSIS_SOFT_OFF = 0x05,
} nf_chassis_ctl;

const char *nf_chassis_ctl_str(nf_chassis_ctl c);

typedef struct nf_sel_info {
        uint8_t version;                 /* 0x51 for IPMI 1.5/2.0 */
        uint16_t entries;
        uint16_t free_bytes;
        uint32_t last_add_ts, last_erase_ts;
        bool overflow;
        uint8_t operations;              /* raw support byte */
} nf_sel_info;

nf_status nf_get_device_id(nf_session *s, nf_device_id *ret);
nf_status nf_get_chassis_status(nf_session *s, nf_chassis_status *ret);
/* NF_CHASSIS_DIAG goes through nf_session_raw_once: never retransmitted;
 * NF_E_REPLY_LOST means it was sent once and may have been carried out. */
nf_status nf_chassis_control(nf_session *s, nf_chassis_ctl c);

/* The same commands as requests and replies for a step machine
 * (nf-request.h); a *_reply fills *ret only on NF_OK.  An unknown c is
 * NF_E_INVALID_ARG, with *ret_err filled. */
nf_status nf_chassis_status_reply(nf_status status, const nf_error *err, const uint8_t *rsp, size_t rsp_len,
                                  nf_chassis_status *ret, nf_error *ret_err);
nf_status nf_chassis_control_req(nf_chassis_ctl c, nf_ipmi_req *ret, nf_error *ret_err);

nf_status nf_sel_get_info(nf_session *s, nf_sel_info *ret);
nf_status nf_sel_reserve(nf_session *s, uint16_t *ret_reservation);
/* record_id 0x0000 = first, 0xFFFF = last.  Returns NF_E_NOT_FOUND for a
 * record that is not present (completion code 0xCB). */
nf_status nf_sel_get_entry(nf_session *s, uint16_t reservation, uint16_t record_id,
                           nf_sel_record *ret, uint16_t *ret_next_id);
nf_status nf_sel_add_entry(nf_session *s, const uint8_t raw[NF_SEL_RECORD_SIZE], uint16_t *ret_id);

/* Iterating the SEL from a remembered position. */
typedef struct nf_sel_cursor {
        bool have_last;                  /* false: SEL was empty when remembered */
        uint16_t last_id;                /* last record seen */
        uint16_t entries_seen;           /* SEL info entries at last read */
        /* Get SEL Info as the last complete walk began (sel-reader.c: a
         * read skips its walk while that is unchanged).  false: the next
         * read walks (a cursor made by hand, read from a state file, or
         * left by a walk that stopped early or failed). */
        bool info_valid;
        uint8_t walks_skipped;           /* reads that skipped the walk since */
        uint32_t last_add_ts, last_erase_ts;
        /* The last Reserve SEL's answer (0 from a BMC without one), used
         * again by the next walk until the BMC cancels it (0xC5).  Not in
         * a state file: a cursor read from one reserves anew. */
        bool have_reservation;
        uint16_t reservation;
} nf_sel_cursor;

/* Remember the current last record of the SEL. */
nf_status nf_sel_cursor_init(nf_session *s, nf_sel_cursor *ret);

typedef int (*nf_sel_visit_fn)(const nf_sel_record *rec, void *userdata); /* non-zero stops */

/* Visit the records added after the cursor, and advance it.  If the
 * remembered record vanished (SEL cleared), *ret_cleared is set and the
 * whole SEL is read from its first record. */
nf_status nf_sel_read_new(nf_session *s, nf_sel_cursor *cur, nf_sel_visit_fn fn, void *userdata,
                          bool *ret_cleared);

/* Post an event: Platform Event Message first; if the BMC answers 0xC1
 * (invalid command, as OpenIPMI's ipmi_sim does) fall back to Add SEL Entry
 * with the same event bytes.  *ret_used_sel_add tells which was used. */
nf_status nf_post_event(nf_session *s, const nf_event *ev, bool *ret_used_sel_add);

/* BMC watchdog timer.  Get decodes with a length check: a response shorter
 * than the 8 bytes IPMI defines is NF_E_SHORT_RESPONSE (stock OpenIPMI
 * ipmi_sim 2.0.33 sends 6, without the present countdown).  Reset answers
 * completion code 80h while the timer was never set. */
nf_status nf_get_watchdog(nf_session *s, nf_watchdog *ret);
/* Get Watchdog Timer's reply for a step machine (nf-request.h). */
nf_status nf_watchdog_get_reply(nf_status status, const nf_error *err, const uint8_t *rsp, size_t rsp_len,
                                nf_watchdog *ret, nf_error *ret_err);
nf_status nf_set_watchdog(nf_session *s, const nf_watchdog *w);
nf_status nf_reset_watchdog(nf_session *s);
