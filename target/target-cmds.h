/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* nmifence-target's check, arm and disarm subcommands.  nmifence-target.c
 * only dispatches to these; posting a record stays there (post callback). */

#include <stdbool.h>
#include <stdint.h>

#include "dump-event.h"

#define NF_TARGET_EXIT_USAGE 64
#define NF_TARGET_EXIT_BMC 69
#define NF_TARGET_EXIT_NOT_READY 78     /* arm: no capture kernel loaded */

/* Post one record; returns 0 or -1 (the reason already said on stderr). */
typedef int (*nf_target_post_fn)(void *ctx, nf_stage stage, uint8_t arg);

/* argv[0] is the subcommand's name. */
int nf_target_check_cmd(int argc, char **argv, const char *device, unsigned timeout_ms);
int nf_target_arm_cmd(int argc, char **argv, bool extnmi_none, nf_target_post_fn post, void *ctx);
int nf_target_disarm_cmd(int argc, char **argv, nf_target_post_fn post, void *ctx);

/* The armed flags for the host under root (pure given the gathered
 * input): crash loaded, NMI panics, capture kernel apic_extnmi=none
 * (computed from the kdump configuration, or forced by extnmi_none). */
struct nf_check_input;
uint8_t nf_target_armed_flags(const struct nf_check_input *in, bool extnmi_none);
