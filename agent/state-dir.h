/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The one state directory of a machine: the per-target locks and persisted
 * fences of nmifence, fence_nmi and nmifenced (agent/target-lock.h).  Every
 * agent that may fence a host must use the same directory, or two of them
 * could each send an NMI; so all of them default to this one, and
 * $NMIFENCE_STATE_DIR moves it for all of them (tests).
 *
 * It is under /run (tmpfs; nmifenced.service's RuntimeDirectory, kept
 * across restarts of the daemon): a fence survives a restart of the agent,
 * and nothing in it means anything after a reboot of this machine (a state
 * file of an earlier boot is recognised by its boot id and ignored), so it
 * needs no disk.  A fleet rewrites each host's state at every transition;
 * on tmpfs that costs no I/O (on ext4 the rename of each new state file
 * flushes it to disk).
 */
#define NF_STATE_DIR_DEFAULT "/run/nmifence"
#define NF_STATE_DIR_ENV "NMIFENCE_STATE_DIR"

#include <stdlib.h>

/* The directory to use: an explicit one (option, configuration), else
 * $NMIFENCE_STATE_DIR, else NF_STATE_DIR_DEFAULT. */
static inline const char *nf_state_dir(const char *explicit_dir) {
        const char *e;

        if (explicit_dir && *explicit_dir)
                return explicit_dir;
        e = getenv(NF_STATE_DIR_ENV);
        return e && *e ? e : NF_STATE_DIR_DEFAULT;
}
