/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <OpenIPMI/serv.h>
#include <OpenIPMI/mcserv.h>

/* Replaces ipmi_sim's Get/Set/Reset Watchdog Timer handlers with the
 * IPMI 2.0 section 27 behaviour (see nf_watchdog.c); the timeout actions
 * run through chassis_control, ipmi_sim's own Chassis Control handler.
 * 0 or an errno. */
int nf_watchdog_init(sys_data_t *sys, cmd_handler_f chassis_control);

/* Chassis Control powered the host down, cycled or reset it: a running
 * timer stops, as on real BMCs. */
void nf_watchdog_power_lost(void);

/* A Set (24h), Reset (22h) or Get (25h) Watchdog Timer request from the
 * host side of the system interface (the simulated host, nf_sim_host.c);
 * returns the completion code. */
unsigned char nf_watchdog_host_request(lmc_data_t *mc, unsigned char cmd, unsigned char *data, unsigned int len);
