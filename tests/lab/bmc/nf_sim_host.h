/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * nf_sim_host.h - the lab module's simulated kdump target: a host that
 * lives inside ipmi_sim, behind the BMC's system-interface channel, with
 * no QEMU.  See nf_sim_host.c and tests/lab/README.md.
 */

#include <stdbool.h>

#include <OpenIPMI/serv.h>

/* Takes one "key=value" init-string token if it is a simulated-host option.
 * Returns 1 when taken, 0 when not ours, -EINVAL (after logging) when ours
 * but bad. */
int nf_sim_host_option(sys_data_t *sys, const char *tok);

/* True once an option enabled the simulated host (sim=1). */
bool nf_sim_host_enabled(void);

/* Checks the options together (required ones, the record budget).
 * Returns 0 or an errno, after logging why. */
int nf_sim_host_check(sys_data_t *sys);

/* Attaches the host to the BMC's system-interface channel and powers it on
 * (power=on).  Called from ipmi_sim_module_post_init, once the emu file has
 * created MC 0x20.  Returns 0 or an errno, after logging why. */
int nf_sim_host_attach(sys_data_t *sys);

/* Chassis Control from a session is being handled: power operations
 * reaching the host meanwhile are logged as by=command, others (ipmi_sim's
 * power-cycle timer, the watchdog) as by=bmc. */
void nf_sim_host_command_context(bool inside);
