/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * One fence operation per target, across processes.  Under the state
 * directory (default /run/nmifence, state-dir.h; mode 0700) each target, keyed by its
 * BMC address and port, has
 *
 *   KEY.lock   held with an exclusive flock() by the agent that owns the
 *              operation; the kernel drops it when that agent dies;
 *   KEY.state  the operation's persisted state, rewritten atomically
 *              (temporary file + rename) by the owner at every change.
 *
 * The state file is a versioned key=value text (format below, in
 * nf_op_state_format()).  It is outside input: the parser checks every
 * line and a bad file is reported and treated as stale, never trusted.
 * Nothing here prints: errors come back as -errno plus a message.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fence-sm.h"
#include "nf-commands.h"
#include "report.h"

#define NF_OP_STATE_VERSION 1
#define NF_OP_STATE_MAX_SIZE 65536
#define NF_BOOT_ID_LEN 36

typedef struct nf_op_state {
        char boot_id[NF_BOOT_ID_LEN + 1];
        pid_t pid;                      /* the owner that wrote it */
        char target[128];               /* BMC address:port, for people reading it */
        bool finished;
        uint64_t t_finished;            /* CLOCK_MONOTONIC ms */
        /* what was asked: a kept result answers only the same request */
        nf_final_action final_action;
        nf_no_panic_policy no_panic_policy;
        nf_fence_snapshot snap;
        /* the owner handed the rest of the operation to nmifenced at its
         * release point (release=capture) and exited */
        bool released;
        bool cursor_valid;
        nf_sel_cursor cursor;
        size_t n_records;
        nf_report_record records[NF_REPORT_MAX_RECORDS];
} nf_op_state;

/* "127.0.0.1" + 623 -> "127.0.0.1_623"; anything but [A-Za-z0-9.-]
 * becomes '_'.  Returns -ENAMETOOLONG when it does not fit. */
int nf_target_key(const char *bmc, uint16_t port, char *ret, size_t len);

/* Pure text codec (unit-tested).  parse returns 0, or -EBADMSG with
 * "line N: what" in err. */
int nf_op_state_parse(const char *text, size_t len, nf_op_state *ret, char *err, size_t errlen);
/* Returns the length written, or -ENOSPC. */
int nf_op_state_format(const nf_op_state *s, char *buf, size_t len);

/* This boot's /proc/sys/kernel/random/boot_id. */
int nf_boot_id(char ret[NF_BOOT_ID_LEN + 1]);

typedef struct nf_target_lock {
        int dir_fd;
        int lock_fd;
        bool owner;
        char key[160];
} nf_target_lock;

/* Opens (creating with 0700 if needed) the state directory and the
 * target's lock file.  Refuses a directory that is not ours or is
 * writable by others: its content decides whether an NMI is sent. */
int nf_target_lock_open(const char *dir, const char *bmc, uint16_t port, nf_target_lock *ret, char *err,
                        size_t errlen);
/* 1 when we now own the target, 0 when another process holds it. */
int nf_target_lock_try(nf_target_lock *l);
/* Reads KEY.state: 0 with *ret filled, -ENOENT when there is none,
 * -EBADMSG (err filled) when it is corrupt, other -errno. */
int nf_target_lock_read(const nf_target_lock *l, nf_op_state *ret, char *err, size_t errlen);
/* Owner only: write KEY.state.tmp and rename it over KEY.state (no sync:
 * the file is for agents of this boot, target-lock.c). */
int nf_target_lock_write(const nf_target_lock *l, const nf_op_state *s);
/* The same with the state already formatted (nf_op_state_format). */
int nf_target_lock_write_text(const nf_target_lock *l, const char *text, size_t len);
/* Releases the lock (if owned) and closes everything; NULL-safe. */
void nf_target_lock_close(nf_target_lock *l);
