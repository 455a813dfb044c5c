/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Who handed nmifenced an operation (adopt), kept next to the target's
 * lock as KEY.adopted ("pid=N", "by=WHO" lines, mode 0600) while the
 * daemon runs it, so that a restarted daemon resuming the operation still
 * names that agent in its status and journal.  A convenience: a missing or
 * bad file only loses the name, never the fence.  Nothing here logs.
 */

#include <stddef.h>
#include <stdint.h>

/* Returns 0 or -errno. */
int nf_adopted_save(const char *state_dir, const char *bmc, uint16_t port, long pid, const char *who);
/* 0 with *ret_pid and who filled, -ENOENT when there is none, -EBADMSG,
 * other -errno. */
int nf_adopted_load(const char *state_dir, const char *bmc, uint16_t port, long *ret_pid, char *who, size_t len);
void nf_adopted_forget(const char *state_dir, const char *bmc, uint16_t port);
