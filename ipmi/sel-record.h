/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Pure SEL record codec (IPMI 2.0 section 32).  No I/O. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NF_SEL_RECORD_SIZE 16
#define NF_SEL_TYPE_SYSTEM_EVENT 0x02

/* The event part of a system event record, also the body of a Platform
 * Event Message. */
typedef struct nf_event {
        uint16_t generator_id;          /* byte 0: slave addr/software id, byte 1: channel/lun */
        uint8_t evm_rev;                /* 0x04 for IPMI 2.0 */
        uint8_t sensor_type;
        uint8_t sensor_number;
        uint8_t event_dir_type;         /* bit 7 deassertion, 6:0 event/reading type */
        uint8_t data[3];
} nf_event;

typedef struct nf_sel_record {
        uint16_t record_id;
        uint8_t record_type;
        uint32_t timestamp;             /* for types 0x02 and 0xC0-0xDF */
        bool is_event;                  /* record_type == 0x02 */
        nf_event event;                 /* valid when is_event */
        uint8_t raw[NF_SEL_RECORD_SIZE];
} nf_sel_record;

typedef enum nf_sel_decode_status {
        NF_SEL_DECODE_OK = 0,
        NF_SEL_DECODE_SHORT,            /* fewer than 16 bytes */
        NF_SEL_DECODE_BAD_EVM_REV,      /* system event with unknown EvM revision */
} nf_sel_decode_status;

nf_sel_decode_status nf_sel_record_decode(const uint8_t *buf, size_t len, nf_sel_record *ret);

/* Build the 16 bytes of an Add SEL Entry for a system event record. */
void nf_sel_record_encode_event(const nf_event *ev, uint32_t timestamp, uint8_t out[NF_SEL_RECORD_SIZE]);

/* Platform Event Message request body (8 bytes, system interface form:
 * generator id first). Returns bytes written. */
size_t nf_event_encode_pem(const nf_event *ev, uint8_t out[8]);
