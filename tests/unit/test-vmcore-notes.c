/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the NT_PRSTATUS counter (target/vmcore-notes.c), on ELF
 * core files crafted here byte by byte, well-formed and malformed. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmcore-notes.h"

#define EM_X86_64 62
#define PRSTATUS_SIZE 336       /* x86_64 struct elf_prstatus */

typedef struct blob {
        uint8_t b[1 << 16];
        size_t len;
        bool msb;
} blob;

static void put(blob *x, size_t off, uint64_t v, unsigned n) {
        assert_true(off + n <= sizeof x->b);
        for (unsigned i = 0; i < n; i++)
                x->b[off + (x->msb ? n - 1 - i : i)] = (uint8_t) (v >> (8 * i));
        if (off + n > x->len)
                x->len = off + n;
}

/* ELF64 core header with phnum program headers right after it. */
static void ehdr(blob *x, unsigned phnum, bool msb) {
        memset(x, 0, sizeof *x);
        x->msb = msb;
        memcpy(x->b, "\177ELF", 4);
        x->b[4] = 2;                    /* ELFCLASS64 */
        x->b[5] = msb ? 2 : 1;
        x->b[6] = 1;                    /* EV_CURRENT */
        x->len = 64;
        put(x, 16, 4, 2);               /* ET_CORE */
        put(x, 18, EM_X86_64, 2);
        put(x, 20, 1, 4);
        put(x, 32, 64, 8);              /* e_phoff */
        put(x, 52, 64, 2);              /* e_ehsize */
        put(x, 54, 56, 2);              /* e_phentsize */
        put(x, 56, phnum, 2);
        x->len = 64 + (size_t) phnum * 56;
}

static void phdr(blob *x, unsigned i, uint32_t type, uint64_t off, uint64_t size) {
        size_t p = 64 + (size_t) i * 56;

        put(x, p, type, 4);
        put(x, p + 8, off, 8);
        put(x, p + 32, size, 8);
        put(x, p + 40, size, 8);
}

/* Appends a note at *off; returns its size. */
static size_t note(blob *x, size_t off, const char *name, uint32_t type, const uint8_t *desc, uint32_t descsz) {
        uint32_t namesz = (uint32_t) strlen(name) + 1;
        size_t p = off + 12;

        put(x, off, namesz, 4);
        put(x, off + 4, descsz, 4);
        put(x, off + 8, type, 4);
        memcpy(x->b + p, name, namesz);
        p += (namesz + 3) & ~3u;
        if (descsz)
                memcpy(x->b + p, desc, descsz);
        p += (descsz + 3) & ~3u;
        if (p > x->len)
                x->len = p;
        return p - off;
}

static void prstatus(uint8_t d[PRSTATUS_SIZE], unsigned cpu, bool regs) {
        memset(d, 0, PRSTATUS_SIZE);
        d[32] = (uint8_t) (cpu + 1);    /* pr_pid: not a register */
        if (regs) {
                d[112 + 16 * 8] = 0x10; /* rip */
                d[112 + 19 * 8] = 0x18; /* rsp */
        }
}

/* A merged /proc/vmcore as Linux's capture kernel presents it: one PT_NOTE
 * with a CORE/NT_PRSTATUS per CPU and VMCOREINFO, then a PT_LOAD. */
static size_t vmcore(blob *x, unsigned cpus, unsigned saved_mask, bool msb) {
        uint8_t d[PRSTATUS_SIZE];
        size_t start = 64 + 2 * 56, off = start;

        ehdr(x, 2, msb);
        for (unsigned i = 0; i < cpus; i++) {
                prstatus(d, i, saved_mask & (1u << i));
                off += note(x, off, "CORE", 1, d, sizeof d);
        }
        off += note(x, off, "VMCOREINFO", 0, (const uint8_t *) "OSRELEASE=6.1.0\n", 16);
        phdr(x, 0, 4, start, off - start);
        phdr(x, 1, 1, 0x1000, 0x100000);        /* PT_LOAD: not read */
        return off;
}

static int count(const blob *x, nf_vmcore_cpus *c) {
        return nf_vmcore_count_cpus_buf(x->b, x->len, c);
}

static void assert_fails(const blob *x, int err) {
        nf_vmcore_cpus c = { .prstatus = 77, .regs_saved = 78, .notes = 79 };

        assert_int_equal(count(x, &c), err);
        /* untouched on failure */
        assert_int_equal(c.prstatus, 77);
        assert_int_equal(c.regs_saved, 78);
        assert_int_equal(c.notes, 79);
}

static void four_cpus_all_saved(void **state) {
        static blob x;
        nf_vmcore_cpus c;

        vmcore(&x, 4, 0xf, false);
        assert_int_equal(count(&x, &c), 0);
        assert_int_equal(c.prstatus, 4);
        assert_int_equal(c.regs_saved, 4);
        assert_int_equal(c.notes, 5);
}

static void zero_registers_not_saved(void **state) {
        static blob x;
        nf_vmcore_cpus c;

        vmcore(&x, 4, 0x5, false);
        assert_int_equal(count(&x, &c), 0);
        assert_int_equal(c.prstatus, 4);
        assert_int_equal(c.regs_saved, 2);
}

static void big_endian_core(void **state) {
        static blob x;
        nf_vmcore_cpus c;

        vmcore(&x, 3, 0x3, true);
        assert_int_equal(count(&x, &c), 0);
        assert_int_equal(c.prstatus, 3);
        assert_int_equal(c.regs_saved, 2);
}

/* The raw elfcorehdr kexec-tools builds: one PT_NOTE per CPU, each ending
 * with an empty note, and a CPU whose buffer was never written. */
static void one_segment_per_cpu_with_terminators(void **state) {
        static blob x;
        uint8_t d[PRSTATUS_SIZE];
        size_t off = 64 + 4 * 56, seg;
        nf_vmcore_cpus c;

        ehdr(&x, 4, false);
        for (unsigned i = 0; i < 3; i++) {
                size_t start = off;

                prstatus(d, i, i != 1);
                off += note(&x, off, "CORE", 1, d, sizeof d);
                put(&x, off, 0, 4);     /* empty note: end of this CPU's buffer */
                put(&x, off + 4, 0, 4);
                put(&x, off + 8, 0, 4);
                off += 12 + 64;         /* and zero padding */
                seg = off - start;
                phdr(&x, i, 4, start, seg);
        }
        /* CPU 3: all zeros, as an unwritten crash_notes buffer */
        phdr(&x, 3, 4, off, 400);
        put(&x, off + 399, 0, 1);
        assert_int_equal(count(&x, &c), 0);
        assert_int_equal(c.prstatus, 3);
        assert_int_equal(c.regs_saved, 2);
}

static void other_notes_not_counted(void **state) {
        static blob x;
        uint8_t d[PRSTATUS_SIZE];
        size_t start = 64 + 56, off = start;
        nf_vmcore_cpus c;

        ehdr(&x, 1, false);
        prstatus(d, 0, true);
        off += note(&x, off, "LINUX", 1, d, sizeof d);  /* wrong owner */
        off += note(&x, off, "CORE", 2, d, sizeof d);   /* NT_PRFPREG */
        off += note(&x, off, "CORES", 1, d, sizeof d);
        off += note(&x, off, "COR", 1, d, sizeof d);
        off += note(&x, off, "CORE", 1, d, 100);        /* too short for pr_reg */
        phdr(&x, 0, 4, start, off - start);
        assert_int_equal(count(&x, &c), 0);
        assert_int_equal(c.notes, 5);
        assert_int_equal(c.prstatus, 1);
        assert_int_equal(c.regs_saved, 0);
}

static void no_note_segment(void **state) {
        static blob x;
        nf_vmcore_cpus c = { .prstatus = 9 };

        ehdr(&x, 1, false);
        phdr(&x, 0, 1, 0, 64);
        assert_int_equal(count(&x, &c), 0);
        assert_int_equal(c.prstatus, 0);
        assert_int_equal(c.regs_saved, 0);

        ehdr(&x, 0, false);
        put(&x, 54, 0, 2);      /* no program headers at all */
        assert_int_equal(count(&x, &c), 0);
        assert_int_equal(c.prstatus, 0);
}

static void not_elf(void **state) {
        static blob x;

        vmcore(&x, 1, 1, false);
        x.b[1] = 'X';
        assert_fails(&x, -ENOEXEC);
        x.len = 0;
        assert_fails(&x, -ENOEXEC);
        vmcore(&x, 1, 1, false);
        x.len = 63;             /* shorter than an ELF header */
        assert_fails(&x, -ENOEXEC);
}

static void unsupported_ident(void **state) {
        static blob x;

        vmcore(&x, 1, 1, false);
        x.b[4] = 1;             /* ELFCLASS32 */
        assert_fails(&x, -EPROTONOSUPPORT);
        vmcore(&x, 1, 1, false);
        x.b[5] = 3;
        assert_fails(&x, -EPROTONOSUPPORT);
        vmcore(&x, 1, 1, false);
        x.b[6] = 2;
        assert_fails(&x, -EPROTONOSUPPORT);
        vmcore(&x, 1, 1, false);
        put(&x, 20, 0, 4);      /* e_version */
        assert_fails(&x, -EPROTONOSUPPORT);
}

static void bad_headers(void **state) {
        static blob x;
        size_t end;

        vmcore(&x, 1, 1, false);
        put(&x, 54, 32, 2);     /* e_phentsize */
        assert_fails(&x, -EBADMSG);
        vmcore(&x, 1, 1, false);
        put(&x, 52, 52, 2);     /* e_ehsize */
        assert_fails(&x, -EBADMSG);
        vmcore(&x, 1, 1, false);
        put(&x, 32, 0, 8);      /* program headers over the ELF header */
        assert_fails(&x, -EBADMSG);
        vmcore(&x, 1, 1, false);
        put(&x, 32, UINT64_MAX - 8, 8);
        assert_fails(&x, -EBADMSG);
        vmcore(&x, 1, 1, false);
        put(&x, 32, 1 << 20, 8);        /* past the end of the file */
        assert_fails(&x, -EBADMSG);
        vmcore(&x, 1, 1, false);
        put(&x, 56, 0xffff, 2); /* PN_XNUM */
        assert_fails(&x, -E2BIG);
        vmcore(&x, 1, 1, false);
        put(&x, 56, 1000, 2);   /* more program headers than the file holds */
        assert_fails(&x, -EBADMSG);

        end = vmcore(&x, 1, 1, false);
        x.len = end - 1;        /* the note segment is cut short */
        assert_fails(&x, -EBADMSG);
}

static void bad_note_segment(void **state) {
        static blob x;
        size_t start = 64 + 2 * 56, end;

        end = vmcore(&x, 2, 3, false);
        phdr(&x, 0, 4, 1 << 20, end - start);   /* segment outside the file */
        assert_fails(&x, -EBADMSG);

        vmcore(&x, 2, 3, false);
        phdr(&x, 0, 4, UINT64_MAX - 4, 100);    /* offset + size overflows */
        assert_fails(&x, -EBADMSG);

        vmcore(&x, 2, 3, false);
        phdr(&x, 0, 4, start, (uint64_t) NF_VMCORE_MAX_NOTE_SEGMENT + 1);
        assert_fails(&x, -E2BIG);

        end = vmcore(&x, 2, 3, false);
        phdr(&x, 0, 4, start, end - start - 4); /* last note runs past the segment */
        assert_fails(&x, -EBADMSG);

        end = vmcore(&x, 2, 3, false);
        phdr(&x, 0, 4, start, end - start + 5); /* 5 bytes: no room for a note header */
        put(&x, end + 4, 0, 1);
        assert_fails(&x, -EBADMSG);
}

static void bad_note_sizes(void **state) {
        static blob x;
        size_t start = 64 + 2 * 56;

        vmcore(&x, 2, 3, false);
        put(&x, start + 4, 0xffffffff, 4);      /* descsz */
        assert_fails(&x, -EBADMSG);
        vmcore(&x, 2, 3, false);
        put(&x, start, 0xfffffffd, 4);          /* namesz: aligns to 2^32 */
        assert_fails(&x, -EBADMSG);
        vmcore(&x, 2, 3, false);
        put(&x, start + 4, PRSTATUS_SIZE + 4000, 4);
        assert_fails(&x, -EBADMSG);
}

/* Many tiny notes: the walk is bounded by NF_VMCORE_MAX_NOTES. */
static void too_many_notes(void **state) {
        static uint8_t big[64 + 56 + (NF_VMCORE_MAX_NOTES + 1) * 16];
        size_t seg = (size_t) (NF_VMCORE_MAX_NOTES + 1) * 16;
        nf_vmcore_cpus c = { 0 };
        static blob hdr;

        ehdr(&hdr, 1, false);
        phdr(&hdr, 0, 4, 64 + 56, seg);
        memcpy(big, hdr.b, 64 + 56);
        for (size_t i = 0; i < NF_VMCORE_MAX_NOTES + 1; i++) {
                uint8_t *n = big + 64 + 56 + i * 16;
                n[0] = 1;               /* namesz 1, descsz 0, type 0, name "\0" + pad */
        }
        assert_int_equal(nf_vmcore_count_cpus_buf(big, sizeof big, &c), -E2BIG);
        /* one fewer note fits */
        ehdr(&hdr, 1, false);
        phdr(&hdr, 0, 4, 64 + 56, seg - 16);
        memcpy(big, hdr.b, 64 + 56);
        assert_int_equal(nf_vmcore_count_cpus_buf(big, sizeof big - 16, &c), 0);
        assert_int_equal(c.notes, NF_VMCORE_MAX_NOTES);
}

/* Every prefix and every single-byte change of a good file: an error or a
 * plausible count, never a crash or out-of-bounds read (ASan/valgrind). */
static void truncations_and_flips_are_safe(void **state) {
        static blob x, y;
        size_t end = vmcore(&x, 2, 3, false);
        nf_vmcore_cpus c;

        for (size_t n = 0; n < end; n++) {
                int r = nf_vmcore_count_cpus_buf(x.b, n, &c);
                assert_true(r < 0);
        }
        for (size_t i = 0; i < end; i++)
                for (unsigned v = 0; v < 256; v += 85) {
                        y = x;
                        y.b[i] = (uint8_t) (y.b[i] ^ (v | 1));
                        if (count(&y, &c) == 0) {
                                assert_true(c.prstatus <= 3);
                                assert_true(c.regs_saved <= c.prstatus);
                        }
                }
}

static void fd_variant(void **state) {
        static blob x;
        char path[] = "/tmp/test-vmcore-notes.XXXXXX";
        nf_vmcore_cpus c;
        int fd = mkstemp(path);

        assert_true(fd >= 0);
        unlink(path);
        vmcore(&x, 4, 0xb, false);
        assert_int_equal(write(fd, x.b, x.len), (ssize_t) x.len);
        assert_int_equal(nf_vmcore_count_cpus_fd(fd, &c), 0);
        assert_int_equal(c.prstatus, 4);
        assert_int_equal(c.regs_saved, 3);
        assert_int_equal(ftruncate(fd, (off_t) x.len - 10), 0);
        assert_int_equal(nf_vmcore_count_cpus_fd(fd, &c), -EBADMSG);
        close(fd);
        assert_int_equal(nf_vmcore_count_cpus_fd(-1, &c), -EINVAL);
}

static void bad_arguments(void **state) {
        static blob x;
        nf_vmcore_cpus c;

        vmcore(&x, 1, 1, false);
        assert_int_equal(nf_vmcore_count_cpus_buf(x.b, x.len, NULL), -EINVAL);
        assert_int_equal(nf_vmcore_count_cpus_buf(NULL, 10, &c), -EINVAL);
        assert_int_equal(nf_vmcore_count_cpus(NULL, NULL, &c), -EINVAL);
        assert_string_equal(nf_vmcore_strerror(-ENOEXEC), "not an ELF file");
        assert_non_null(nf_vmcore_strerror(-EIO));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(four_cpus_all_saved),
                cmocka_unit_test(zero_registers_not_saved),
                cmocka_unit_test(big_endian_core),
                cmocka_unit_test(one_segment_per_cpu_with_terminators),
                cmocka_unit_test(other_notes_not_counted),
                cmocka_unit_test(no_note_segment),
                cmocka_unit_test(not_elf),
                cmocka_unit_test(unsupported_ident),
                cmocka_unit_test(bad_headers),
                cmocka_unit_test(bad_note_segment),
                cmocka_unit_test(bad_note_sizes),
                cmocka_unit_test(too_many_notes),
                cmocka_unit_test(truncations_and_flips_are_safe),
                cmocka_unit_test(fd_variant),
                cmocka_unit_test(bad_arguments),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
