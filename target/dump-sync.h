/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Making a finished dump durable before dump-done is posted.  dump-done
 * lets the agent cut the power at once, so the vmcore must have left the
 * page cache by then (docs/target.md, "Durability").
 *
 * The output is guessed from the dump command's last argument, which is
 * the output file for makedumpfile, cp and kdump-utils' core_collector
 * ("... /proc/vmcore <dir>/vmcore-incomplete").  It counts only when the
 * command created or changed it, so an input named last (/proc/vmcore) or
 * a word such as "savecore" is never mistaken for it; then syncfs(2) of
 * its file system, otherwise sync(2) of all of them.
 *
 * No printing here: nmifence-target says what happened.
 */

#include <stdbool.h>
#include <sys/stat.h>

/* The candidate as it was before the command ran. */
typedef struct nf_dump_output {
        const char *path;       /* the last argument; NULL when there is none */
        bool existed;
        struct stat before;
} nf_dump_output;

typedef enum nf_dump_sync_method {
        NF_DUMP_SYNC_SYNCFS,    /* syncfs(2) on the output's file system */
        NF_DUMP_SYNC_ALL,       /* sync(2): the output is not known */
} nf_dump_sync_method;

typedef struct nf_dump_sync_result {
        nf_dump_sync_method method;
        const char *why_all;    /* NF_DUMP_SYNC_ALL: why not syncfs, static text */
} nf_dump_sync_result;

/* Before the command: remember the last argument's state. */
void nf_dump_output_probe(nf_dump_output *o, int argc, char **argv);

/* Pure: did the command write the candidate, judged from its stat before
 * (existed, before) and after?  Regular files and directories only: a
 * device or a pipe is not flushed by its directory's syncfs. */
bool nf_dump_output_written(bool existed, const struct stat *before, const struct stat *after);

/* After a successful command: sync (the caller times it).  Returns 0, or -errno when
 * syncfs reported that data did not reach stable storage (EIO, ENOSPC,
 * EDQUOT: Linux reports writeback errors through syncfs since 5.8). */
int nf_dump_sync(const nf_dump_output *o, nf_dump_sync_result *ret);
