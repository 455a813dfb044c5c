/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * SEL "OS Critical Stop" events (sensor type 20h, sensor-specific event
 * type 6Fh; IPMI 2.0 table 42-3).  Linux posts one from its panic notifier
 * (ipmi_msghandler, CONFIG_IPMI_PANIC_EVENT: offset 01h with OEM data), and
 * many BMCs from their own OS watchdog agents.  Pure codec, no I/O.
 * nmifence's own dump records (dump-event.h) use this sensor type too:
 * a caller tries nf_stage_decode() first.
 */

#include <stdbool.h>
#include <stdint.h>

#include "sel-record.h"

#define NF_SENSOR_TYPE_OS_STOP 0x20
#define NF_EVENT_TYPE_SENSOR_SPECIFIC 0x6F

typedef enum nf_os_stop_kind {
        NF_OS_STOP_CRITICAL_LOAD = 0x00,        /* critical stop during OS load/initialization */
        NF_OS_STOP_CRITICAL_RUNTIME = 0x01,     /* run-time critical stop (panic, "blue screen") */
        NF_OS_STOP_GRACEFUL_STOP = 0x02,
        NF_OS_STOP_GRACEFUL_SHUTDOWN = 0x03,
        NF_OS_STOP_SOFT_SHUTDOWN_PEF = 0x04,    /* soft shutdown initiated by PEF */
        NF_OS_STOP_AGENT_NOT_RESPONDING = 0x05,
} nf_os_stop_kind;

typedef struct nf_os_stop {
        nf_os_stop_kind kind;
        bool critical;                  /* the OS stopped without wanting to */
        bool graceful;                  /* the OS was stopped on purpose */
        bool have_oem;                  /* data2/data3 carry OEM codes (Linux: panic string bytes) */
        uint8_t data2, data3;
} nf_os_stop;

/* false unless ev is an assertion of a defined OS Critical Stop offset. */
bool nf_os_stop_decode(const nf_event *ev, nf_os_stop *ret);

const char *nf_os_stop_str(nf_os_stop_kind k); /* never NULL */
