/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon-adopted.h"
#include "target-lock.h"

static int path_of(const char *dir, const char *bmc, uint16_t port, const char *suffix, char *ret, size_t len) {
        char key[160];
        int r = nf_target_key(bmc, port, key, sizeof key);

        if (r < 0)
                return r;
        if ((size_t) snprintf(ret, len, "%s/%s.adopted%s", dir, key, suffix) >= len)
                return -ENAMETOOLONG;
        return 0;
}

int nf_adopted_save(const char *dir, const char *bmc, uint16_t port, long pid, const char *who) {
        char path[4096], tmp[4096];
        FILE *f;
        int fd, r;

        if (!dir || !bmc || !who || pid <= 0 || strchr(who, '\n'))
                return -EINVAL;
        if ((r = path_of(dir, bmc, port, "", path, sizeof path)) < 0 ||
            (r = path_of(dir, bmc, port, ".tmp", tmp, sizeof tmp)) < 0)
                return r;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        f = fdopen(fd, "w");
        if (!f) {
                r = -errno;
                close(fd);
                unlink(tmp);
                return r;
        }
        fprintf(f, "pid=%ld\nby=%s\n", pid, who);
        r = fflush(f) == 0 && fsync(fd) == 0 ? 0 : -errno;
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                unlink(tmp);
        return r;
}

int nf_adopted_load(const char *dir, const char *bmc, uint16_t port, long *ret_pid, char *who, size_t len) {
        char path[4096], line[256], by[256] = "";
        long pid = 0;
        FILE *f;
        int r;

        if (!dir || !bmc || !ret_pid || !who || !len)
                return -EINVAL;
        if ((r = path_of(dir, bmc, port, "", path, sizeof path)) < 0)
                return r;
        f = fopen(path, "re");
        if (!f)
                return -errno;
        while (fgets(line, sizeof line, f)) {
                line[strcspn(line, "\n")] = 0;
                if (strncmp(line, "pid=", 4) == 0)
                        pid = strtol(line + 4, NULL, 10);
                else if (strncmp(line, "by=", 3) == 0)
                        snprintf(by, sizeof by, "%s", line + 3);
        }
        fclose(f);
        if (pid <= 0 || !by[0])
                return -EBADMSG;
        *ret_pid = pid;
        snprintf(who, len, "%s", by);
        return 0;
}

void nf_adopted_forget(const char *dir, const char *bmc, uint16_t port) {
        char path[4096];

        if (dir && bmc && path_of(dir, bmc, port, "", path, sizeof path) == 0)
                (void) unlink(path);
}
