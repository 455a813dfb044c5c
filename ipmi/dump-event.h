/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * nmifence dump-progress protocol: how the target's stage is encoded into an
 * IPMI system event (docs/protocol.md is the normative description).  Pure
 * codec, no I/O, shared by the target helper and the agent.
 */

#include <stdbool.h>
#include <stdint.h>

#include "sel-record.h"

#define NF_PROTO_GENERATOR_ID 0x4D      /* system management software id 0x26 */
#define NF_PROTO_VERSION 1
#define NF_PROTO_MAX_DUMP_RECORDS 16    /* dump-start + progress + done/failed */

/* A SEL can carry a dump's records when it has room for all of them and
 * has not overflowed (Get SEL Info: free space in bytes, overflow flag).
 * Otherwise the target's records are refused (0xC4, out of space) or lost,
 * and a missing dump-start no longer means "no panic". */
static inline bool nf_sel_room_for_dump(uint16_t free_bytes, bool overflow) {
        return !overflow && free_bytes >= NF_PROTO_MAX_DUMP_RECORDS * NF_SEL_RECORD_SIZE;
}

typedef enum nf_stage {
        NF_STAGE_ARMED = 1,
        NF_STAGE_DISARMED = 2,
        NF_STAGE_DUMP_START = 3,
        NF_STAGE_PROGRESS = 4,
        NF_STAGE_DUMP_DONE = 5,
        NF_STAGE_DUMP_FAILED = 6,
        /* ED3 = NT_PRSTATUS notes in /proc/vmcore (CPUs in the dump); the
         * dump-start record before it carries, in its ED3, how many of them
         * hold non-zero registers.  Posted once, right after dump-start. */
        NF_STAGE_CPUS = 7,
        _NF_STAGE_MAX,
} nf_stage;

/* Bits of the armed argument. */
#define NF_ARMED_CRASH_LOADED   0x01    /* /sys/kernel/kexec_crash_loaded == 1 */
#define NF_ARMED_NMI_PANIC      0x02    /* unknown_nmi_panic or panic_on_unrecovered_nmi */
#define NF_ARMED_CAPTURE_EXTNMI_NONE 0x04 /* capture kernel booted with apic_extnmi=none */

/* dump-done result codes */
#define NF_DONE_COMPLETE 0              /* makedumpfile finished, file complete */
#define NF_DONE_PARTIAL  1              /* written but incomplete/truncated */

/* dump-failed carries the dump command's exit status, or this one
 * (sysexits' EX_IOERR) when the command succeeded but its output could not
 * be made durable (syncfs failed): a vmcore that may never reach the disk
 * is not a dump. */
#define NF_FAILED_NOT_DURABLE 74

/* dump-start and cpus arguments are CPU counts; more than this is sent as this. */
#define NF_CPU_COUNT_MAX 255

typedef struct nf_stage_msg {
        nf_stage stage;
        uint8_t arg;                    /* percent, result code, flags, error code, CPU count */
        uint8_t seq;                    /* per-boot sequence, carried in the sensor number */
} nf_stage_msg;

const char *nf_stage_str(nf_stage s);          /* "dump-start", never NULL */
bool nf_stage_from_str(const char *s, nf_stage *ret);

void nf_stage_encode(const nf_stage_msg *m, nf_event *ret);

/* Returns false if the event is not an nmifence record or is malformed
 * (wrong generator, unknown version or stage, percent > 100, ...). */
bool nf_stage_decode(const nf_event *ev, nf_stage_msg *ret);
