/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * How many CPUs a crash dump saved registers for: the NT_PRSTATUS notes in
 * the PT_NOTE segments of an ELF64 core file (/proc/vmcore in the capture
 * kernel), and how many of them hold a non-zero register set (pr_reg).
 *
 * Pure parser: the file is reached through a read_at callback (or a
 * buffer), everything it says is checked against bounds, nothing is
 * allocated.  The input is outside data (a crashed kernel's memory and the
 * capture kernel's view of it), so a malformed file gives an error, never
 * a crash or an endless loop.
 */

#include <stddef.h>
#include <stdint.h>

/* Limits that no real dump comes near (Linux: 8192 CPUs, about 400 bytes
 * of notes each, one merged PT_NOTE in /proc/vmcore). */
#define NF_VMCORE_MAX_PHDRS 65535       /* e_phnum is 16 bits; PN_XNUM is refused */
#define NF_VMCORE_MAX_NOTES 65536       /* over all PT_NOTE segments */
#define NF_VMCORE_MAX_NOTE_SEGMENT (64u << 20)

/* x86_64 (and every 64-bit Linux elf_prstatus): pr_reg starts at byte 112;
 * x86_64's user_regs_struct is 27 registers. */
#define NF_PRSTATUS_REG_OFFSET 112
#define NF_PRSTATUS_X86_64_REG_SIZE (27 * 8)

typedef struct nf_vmcore_cpus {
        unsigned prstatus;              /* NT_PRSTATUS notes named "CORE" */
        unsigned regs_saved;            /* of those, with a non-zero pr_reg */
        unsigned notes;                 /* all notes seen */
} nf_vmcore_cpus;

/* Reads exactly len bytes at off into buf: 0, -EBADMSG at end of file
 * (short read), or another -errno. */
typedef int (*nf_read_at_fn)(void *userdata, uint64_t off, void *buf, size_t len);

/* Returns 0 and fills *ret, or:
 *   -ENOEXEC          not an ELF file
 *   -EPROTONOSUPPORT  not ELF64, unknown byte order or ELF version
 *   -EBADMSG          malformed or truncated (header sizes, a segment or a
 *                     note outside the file, a note running past its segment)
 *   -E2BIG            more program headers, notes or note bytes than the limits
 *   -EINVAL           bad arguments
 *   or the read_at error.  *ret is untouched on failure. */
int nf_vmcore_count_cpus(nf_read_at_fn read_at, void *userdata, nf_vmcore_cpus *ret);
int nf_vmcore_count_cpus_buf(const void *buf, size_t len, nf_vmcore_cpus *ret);
/* With pread(2) on fd. */
int nf_vmcore_count_cpus_fd(int fd, nf_vmcore_cpus *ret);

/* "not an ELF file", ... for the errors above; strerror() otherwise. */
const char *nf_vmcore_strerror(int err);
