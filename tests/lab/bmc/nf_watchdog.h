/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <OpenIPMI/serv.h>

/* Replaces ipmi_sim's Get/Set/Reset Watchdog Timer handlers with the
 * IPMI 2.0 section 27 behaviour (see nf_watchdog.c).  0 or an errno. */
int nf_watchdog_init(sys_data_t *sys);
