/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the choice of the dump's output (target/dump-sync.c):
 * only a regular file or directory the command created or changed is
 * synced with syncfs; anything else falls back to sync(2). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dump-sync.h"

static struct stat file_stat(mode_t type, off_t size, time_t mtime) {
        struct stat st;

        memset(&st, 0, sizeof st);
        st.st_mode = type | 0600;
        st.st_dev = 8;
        st.st_ino = 42;
        st.st_size = size;
        st.st_mtim.tv_sec = mtime;
        st.st_ctim.tv_sec = mtime;
        return st;
}

static void created_file_is_output(void **state) {
        struct stat after = file_stat(S_IFREG, 4096, 100);

        (void) state;
        assert_true(nf_dump_output_written(false, NULL, &after));
}

static void unchanged_input_is_not(void **state) {
        /* makedumpfile ... /proc/vmcore with the output elsewhere, or cat FILE */
        struct stat st = file_stat(S_IFREG, 4096, 100);

        (void) state;
        assert_false(nf_dump_output_written(true, &st, &st));
}

static void rewritten_file_is_output(void **state) {
        struct stat before = file_stat(S_IFREG, 4096, 100);
        struct stat grown = before, touched = before, replaced = before;

        (void) state;
        grown.st_size = 8192;
        assert_true(nf_dump_output_written(true, &before, &grown));
        touched.st_mtim.tv_nsec = 1;
        assert_true(nf_dump_output_written(true, &before, &touched));
        replaced.st_ino = 43;
        assert_true(nf_dump_output_written(true, &before, &replaced));
}

static void directory_with_new_entry_is_output(void **state) {
        struct stat before = file_stat(S_IFDIR, 4096, 100);
        struct stat after = before;

        (void) state;
        after.st_mtim.tv_sec = 101;
        assert_true(nf_dump_output_written(true, &before, &after));
        assert_false(nf_dump_output_written(true, &before, &before));
}

static void device_or_fifo_is_never_output(void **state) {
        /* A raw dump to a block device is not flushed by syncfs of /dev. */
        struct stat blk = file_stat(S_IFBLK, 0, 100), fifo = file_stat(S_IFIFO, 0, 100);

        (void) state;
        assert_false(nf_dump_output_written(false, NULL, &blk));
        assert_false(nf_dump_output_written(false, NULL, &fifo));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(created_file_is_output),
                cmocka_unit_test(unchanged_input_is_not),
                cmocka_unit_test(rewritten_file_is_output),
                cmocka_unit_test(directory_with_new_entry_is_output),
                cmocka_unit_test(device_or_fifo_is_never_output),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
