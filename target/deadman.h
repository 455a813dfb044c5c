/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The capture kernel's dead-man switch (docs/target.md, "The dead-man
 * switch"): nmifence-target arms the BMC watchdog with a power action at
 * dump-start, restarts it with every record it posts and stops it before
 * dump-done/dump-failed, so a capture kernel that stalls is power-cycled
 * (or powered off) by the BMC itself, with no agent or cluster node left
 * to do it.  Pure: what to do for a stage, the settings, the watchdog
 * parameters.  nmifence-target.c does the I/O.
 */

#include <stdbool.h>
#include <stdint.h>

#include "dump-event.h"
#include "watchdog-codec.h"

/* The agent's dump_stall_timeout default (agent/config.c). */
#define NF_DEADMAN_DEFAULT_STALL_S 120u
/* Added to the stall timeout so an agent that is still there, which
 * counts its stall from the record it reads (up to its poll_interval
 * later) and then starts its own power action, acts before the BMC. */
#define NF_DEADMAN_GRACE_S 15u
/* Set Watchdog Timer's countdown is 16 bits of 100 ms. */
#define NF_DEADMAN_MAX_STALL_S (0xFFFFu / 10u - NF_DEADMAN_GRACE_S)

typedef enum nf_deadman_action {
        NF_DEADMAN_CYCLE = 0,           /* power cycle (the default) */
        NF_DEADMAN_OFF,                 /* power down: the host's final action is off */
        NF_DEADMAN_NONE,                /* disabled */
} nf_deadman_action;

typedef struct nf_deadman {
        nf_deadman_action action;
        unsigned stall_s;               /* 1..NF_DEADMAN_MAX_STALL_S */
} nf_deadman;

/* What a stage does to the timer. */
typedef enum nf_deadman_step {
        NF_DEADMAN_STEP_NOTHING,        /* armed, disarmed: the first kernel's */
        NF_DEADMAN_STEP_ARM,            /* dump-start: set and start */
        NF_DEADMAN_STEP_RESTART,        /* progress, cpus: set and start again */
        NF_DEADMAN_STEP_STOP,           /* dump-done, dump-failed: stop, before the record */
} nf_deadman_step;

void nf_deadman_init(nf_deadman *d);
nf_deadman_step nf_deadman_step_for(nf_stage stage);

/* "cycle", "off" (also "poweroff"), "none"; false for anything else. */
bool nf_deadman_parse_action(const char *s, nf_deadman_action *ret);
const char *nf_deadman_action_str(nf_deadman_action a);
/* Whole seconds 1..NF_DEADMAN_MAX_STALL_S; false otherwise. */
bool nf_deadman_parse_stall(const char *s, unsigned *ret);

/* Settings from the capture kernel's command line, carried there by the
 * kdump tool's append variable: nmifence.deadman=cycle|off|none and
 * nmifence.dump_stall_timeout=SEC.  Words absent leave *d as it is; a bad
 * value leaves its setting alone too and is named in bad (a word of the
 * command line), returning false. */
bool nf_deadman_from_cmdline(nf_deadman *d, const char *cmdline, char *bad, size_t badlen);

/* The countdown in 100 ms units: stall + grace. */
uint16_t nf_deadman_countdown_ds(unsigned stall_s);

/* The Set Watchdog Timer parameters that arm the switch (SMS/OS use, the
 * action, no pre-timeout, start, the expiration flags cleared), and the
 * ones that stop it (action none, not started). */
void nf_deadman_arm_timer(const nf_deadman *d, nf_watchdog *ret);
void nf_deadman_stop_timer(const nf_deadman *d, nf_watchdog *ret);
