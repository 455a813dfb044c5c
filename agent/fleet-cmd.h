/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * nmifence dump|fence|status with several hosts: runs them on the fleet
 * engine (agent/fleet.c) or, for status, as status plans from one poll()
 * loop (status-plan.h), with a live
 * progress table on a terminal (plain lines otherwise), a final per-host
 * table and --json.  The single-host commands stay in nmifence.c and
 * status-cmd.c, unchanged.
 */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

typedef struct nf_fleet_cmd_host {
        nf_host_conf conf;              /* owned by the caller */
        char *password;                 /* owned by the caller */
        const char *refused;            /* non-NULL: not fenced, this says why (policy alert) */
} nf_fleet_cmd_host;

typedef struct nf_fleet_cmd {
        const char *command;            /* "dump", "fence" or "status" */
        nf_fleet_cmd_host *hosts;
        size_t n_hosts;
        unsigned fanout;
        bool json, verbose;
        const volatile sig_atomic_t *interrupted;
} nf_fleet_cmd;

/* Both print on stderr (progress, final table) and, with json, one
 * document on stdout; they return the fleet exit code. */
int nf_fleet_cmd_fence(const nf_fleet_cmd *c);
int nf_fleet_cmd_status(const nf_fleet_cmd *c);

/* The fleet's exit code from the per-host ones (nmifence(8)): 0 when all
 * are 0, else the first of 130, 5, 3, 1, 2, 4 that any host has (the
 * most severe: interrupted; not known fenced; BMC unreachable, nothing
 * done; dump lost but fenced; no panic; refused or bad usage). */
int nf_fleet_exit_code(const int *codes, size_t n);

/* Before a fleet command: --bmc names one BMC, so it is refused, and every
 * name of hl must be a host of cfg (all unknown ones are named at once, so
 * a typo in a rack list is fixed in one go).  Prints what is wrong; returns
 * 0, or NF_EXIT_USAGE. */
int nf_fleet_cmd_check_hosts(const char *bmc_option, const nf_config *cfg, const char *const *names, size_t n);

/* --fanout: 1..NF_FLEET_FANOUT_MAX */
bool nf_parse_fanout(const char *s, unsigned *ret);
