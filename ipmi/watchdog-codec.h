/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * BMC watchdog timer codec (IPMI 2.0 section 27): the Get Watchdog Timer
 * response and the Set Watchdog Timer request.  Pure byte work, no I/O;
 * the response decoder takes outside input and is fuzzed.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NF_WDT_GET_RSP_LEN 8            /* data bytes after the completion code */
#define NF_WDT_SET_REQ_LEN 6

typedef enum nf_wdt_use {
        NF_WDT_USE_BIOS_FRB2 = 1,
        NF_WDT_USE_BIOS_POST = 2,
        NF_WDT_USE_OS_LOAD = 3,
        NF_WDT_USE_SMS_OS = 4,          /* the OS's own watchdog (ipmi_watchdog, bmc-watchdog) */
        NF_WDT_USE_OEM = 5,
} nf_wdt_use;

typedef enum nf_wdt_action {
        NF_WDT_ACTION_NONE = 0,         /* only the expiration flag and a SEL event */
        NF_WDT_ACTION_HARD_RESET = 1,
        NF_WDT_ACTION_POWER_DOWN = 2,
        NF_WDT_ACTION_POWER_CYCLE = 3,
} nf_wdt_action;

typedef enum nf_wdt_pretimeout {
        NF_WDT_PRE_NONE = 0,
        NF_WDT_PRE_SMI = 1,
        NF_WDT_PRE_NMI = 2,
        NF_WDT_PRE_MSG_INT = 3,
} nf_wdt_pretimeout;

typedef struct nf_watchdog {
        uint8_t use;                    /* nf_wdt_use, 0 and 6-7 reserved */
        bool running;                   /* "timer is started" */
        bool dont_log;
        uint8_t action;                 /* nf_wdt_action, raw 3 bits */
        uint8_t pretimeout_irq;         /* nf_wdt_pretimeout, raw 3 bits */
        uint8_t pretimeout_s;           /* pre-timeout interval, seconds */
        uint8_t expired_flags;          /* bit n set: a timer of use n expired */
        uint16_t initial_ds;            /* initial countdown, 100 ms units */
        uint16_t present_ds;            /* present countdown, 100 ms units */
} nf_watchdog;

typedef enum nf_wdt_decode_status {
        NF_WDT_DECODE_OK = 0,
        NF_WDT_DECODE_SHORT,            /* fewer than 8 data bytes */
} nf_wdt_decode_status;

/* rsp: the response data after the completion code. */
nf_wdt_decode_status nf_watchdog_decode(const uint8_t *rsp, size_t len, nf_watchdog *ret);

/* true when the expiration flag of the timer's current use is set. */
bool nf_watchdog_expired(const nf_watchdog *w);

/* Set Watchdog Timer request from w (running = "don't stop the timer if it
 * runs", expired_flags = the flags to clear, present_ds ignored). */
void nf_watchdog_encode_set(const nf_watchdog *w, uint8_t out[NF_WDT_SET_REQ_LEN]);

const char *nf_wdt_use_str(uint8_t use);       /* "SMS/OS", never NULL */
const char *nf_wdt_action_str(uint8_t action); /* "none", "hard reset", ... never NULL */
