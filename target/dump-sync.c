/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Durability of a finished dump before dump-done (dump-sync.h). */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "dump-sync.h"

void nf_dump_output_probe(nf_dump_output *o, int argc, char **argv) {
        memset(o, 0, sizeof *o);
        if (argc < 1)
                return;
        o->path = argv[argc - 1];
        o->existed = stat(o->path, &o->before) == 0;
}

static bool same_time(const struct timespec *a, const struct timespec *b) {
        return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

bool nf_dump_output_written(bool existed, const struct stat *before, const struct stat *after) {
        if (!S_ISREG(after->st_mode) && !S_ISDIR(after->st_mode))
                return false;
        if (!existed)
                return true;
        /* A file replaced (new inode) or written to; a directory that got
         * a new entry changes its mtime too. */
        return before->st_dev != after->st_dev || before->st_ino != after->st_ino ||
               before->st_size != after->st_size ||
               !same_time(&before->st_mtim, &after->st_mtim) ||
               !same_time(&before->st_ctim, &after->st_ctim);
}

/* An fd on the output itself, not on the directory its path names: a
 * symlink may point to another file system.  O_NONBLOCK: a FIFO put there
 * since the probe must not block us (fstat then refuses it). */
static int open_output(const nf_dump_output *o, const char **ret_why) {
        struct stat after;
        int fd;

        if (!o->path) {
                *ret_why = "there is no command";
                return -1;
        }
        fd = open(o->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                *ret_why = "the last argument is not a file the command wrote";
                return -1;
        }
        if (fstat(fd, &after) < 0 || !nf_dump_output_written(o->existed, &o->before, &after)) {
                close(fd);
                *ret_why = "the last argument is not a file the command wrote";
                return -1;
        }
        return fd;
}

int nf_dump_sync(const nf_dump_output *o, nf_dump_sync_result *ret) {
        const char *why = NULL;
        int fd = open_output(o, &why);

        memset(ret, 0, sizeof *ret);
        if (fd >= 0) {
                int r;

                ret->method = NF_DUMP_SYNC_SYNCFS;
                r = syncfs(fd) < 0 ? -errno : 0;
                close(fd);
                /* A kernel without syncfs (before 2.6.39) still has sync. */
                if (r != -ENOSYS)
                        return r;
                why = "the kernel has no syncfs";
        }
        ret->method = NF_DUMP_SYNC_ALL;
        ret->why_all = why;
        sync();
        return 0;
}
