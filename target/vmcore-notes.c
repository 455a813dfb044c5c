/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NT_PRSTATUS counting over an ELF64 core file (vmcore-notes.h).  Layouts
 * are from the ELF64 gABI (Elf64_Ehdr, Elf64_Phdr, Elf64_Nhdr) and Linux's
 * struct elf_prstatus; they are decoded byte by byte so that neither the
 * host's byte order nor its structure padding matters.
 */

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "vmcore-notes.h"

#define EHDR_SIZE 64
#define PHDR_SIZE 56
#define NHDR_SIZE 12
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ELFDATA2MSB 2
#define EV_CURRENT 1
#define PT_NOTE 4
#define PN_XNUM 0xffff
#define NT_PRSTATUS 1
#define EM_X86_64 62
/* A register set larger than this is not a Linux elf_prstatus. */
#define MAX_REG_BYTES 4096
/* pr_fpvalid (int) and padding after pr_reg on 64-bit Linux. */
#define PRSTATUS_TAIL 8

typedef struct reader {
        nf_read_at_fn read_at;
        void *userdata;
        bool msb;
} reader;

static uint64_t get(const reader *r, const uint8_t *p, unsigned n) {
        uint64_t v = 0;

        for (unsigned i = 0; i < n; i++)
                v |= (uint64_t) p[r->msb ? n - 1 - i : i] << (8 * i);
        return v;
}

static uint64_t align4(uint64_t v) {
        return (v + 3) & ~UINT64_C(3);
}

static bool all_zero(const uint8_t *p, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (p[i])
                        return false;
        return true;
}

/* Bytes of pr_reg in a CORE/NT_PRSTATUS descriptor of descsz bytes;
 * 0 when the descriptor is too short to hold one. */
static uint64_t reg_bytes(unsigned machine, uint64_t descsz) {
        if (machine == EM_X86_64)
                return descsz >= NF_PRSTATUS_REG_OFFSET + NF_PRSTATUS_X86_64_REG_SIZE ? NF_PRSTATUS_X86_64_REG_SIZE : 0;
        if (descsz <= NF_PRSTATUS_REG_OFFSET + PRSTATUS_TAIL)
                return 0;
        uint64_t n = descsz - NF_PRSTATUS_REG_OFFSET - PRSTATUS_TAIL;
        return n > MAX_REG_BYTES ? MAX_REG_BYTES : n;
}

static int walk_segment(const reader *r, unsigned machine, uint64_t off, uint64_t size, nf_vmcore_cpus *c) {
        uint64_t pos = 0;

        while (pos < size) {
                uint8_t nh[NHDR_SIZE];
                uint64_t namesz, descsz, type, need;
                int e;

                if (size - pos < NHDR_SIZE)
                        return -EBADMSG;
                if ((e = r->read_at(r->userdata, off + pos, nh, sizeof nh)) < 0)
                        return e;
                namesz = get(r, nh, 4);
                descsz = get(r, nh + 4, 4);
                type = get(r, nh + 8, 4);
                /* Linux ends a CPU's note buffer with an empty note and the
                 * capture kernel stops reading a segment there. */
                if (namesz == 0)
                        return 0;
                need = NHDR_SIZE + align4(namesz) + align4(descsz);     /* <= 12 + 2 * 2^32: no overflow */
                if (need > size - pos)
                        return -EBADMSG;
                if (++c->notes > NF_VMCORE_MAX_NOTES)
                        return -E2BIG;

                if (type == NT_PRSTATUS && (namesz == 5 || namesz == 4)) {
                        uint8_t name[5] = { 0 };

                        if ((e = r->read_at(r->userdata, off + pos + NHDR_SIZE, name, (size_t) namesz)) < 0)
                                return e;
                        if (memcmp(name, "CORE", 4) == 0 && name[4] == 0) {
                                uint8_t regs[MAX_REG_BYTES];
                                uint64_t n = reg_bytes(machine, descsz);
                                uint64_t desc_off = off + pos + NHDR_SIZE + align4(namesz);

                                c->prstatus++;
                                if (n > 0) {
                                        if ((e = r->read_at(r->userdata, desc_off + NF_PRSTATUS_REG_OFFSET, regs, (size_t) n)) < 0)
                                                return e;
                                        if (!all_zero(regs, (size_t) n))
                                                c->regs_saved++;
                                }
                        }
                }
                pos += need;
        }
        return 0;
}

int nf_vmcore_count_cpus(nf_read_at_fn read_at, void *userdata, nf_vmcore_cpus *ret) {
        reader r = { .read_at = read_at, .userdata = userdata };
        nf_vmcore_cpus c = { 0 };
        uint8_t eh[EHDR_SIZE];
        uint64_t phoff;
        unsigned machine, phentsize, phnum;
        int e;

        if (!read_at || !ret)
                return -EINVAL;
        if ((e = read_at(userdata, 0, eh, sizeof eh)) < 0)
                /* shorter than an ELF header: not an ELF file */
                return e == -EBADMSG ? -ENOEXEC : e;
        if (memcmp(eh, "\177ELF", 4) != 0)
                return -ENOEXEC;
        if (eh[4] != ELFCLASS64 || (eh[5] != ELFDATA2LSB && eh[5] != ELFDATA2MSB) || eh[6] != EV_CURRENT)
                return -EPROTONOSUPPORT;
        r.msb = eh[5] == ELFDATA2MSB;
        if (get(&r, eh + 20, 4) != EV_CURRENT)
                return -EPROTONOSUPPORT;

        machine = (unsigned) get(&r, eh + 18, 2);
        phoff = get(&r, eh + 32, 8);
        if (get(&r, eh + 52, 2) != EHDR_SIZE)
                return -EBADMSG;
        phentsize = (unsigned) get(&r, eh + 54, 2);
        phnum = (unsigned) get(&r, eh + 56, 2);
        if (phnum == 0)
                goto out;
        if (phentsize != PHDR_SIZE)
                return -EBADMSG;
        /* Extended numbering keeps the count in section 0; a core file
         * with that many segments is nothing this helper should read. */
        if (phnum == PN_XNUM || phnum > NF_VMCORE_MAX_PHDRS)
                return -E2BIG;
        if (phoff < EHDR_SIZE || phoff > UINT64_MAX - (uint64_t) phnum * PHDR_SIZE)
                return -EBADMSG;

        for (unsigned i = 0; i < phnum; i++) {
                uint8_t ph[PHDR_SIZE];
                uint64_t off, size;

                if ((e = read_at(userdata, phoff + (uint64_t) i * PHDR_SIZE, ph, sizeof ph)) < 0)
                        return e;
                if (get(&r, ph, 4) != PT_NOTE)
                        continue;
                off = get(&r, ph + 8, 8);
                size = get(&r, ph + 32, 8);
                if (size > NF_VMCORE_MAX_NOTE_SEGMENT)
                        return -E2BIG;
                if (off > UINT64_MAX - size)
                        return -EBADMSG;
                /* The whole segment must be in the file, not only the
                 * notes this walk happens to read. */
                if (size > 0) {
                        uint8_t last;
                        if ((e = read_at(userdata, off + size - 1, &last, 1)) < 0)
                                return e;
                }
                if ((e = walk_segment(&r, machine, off, size, &c)) < 0)
                        return e;
        }
out:
        *ret = c;
        return 0;
}

typedef struct buf_src {
        const uint8_t *p;
        size_t len;
} buf_src;

static int buf_read_at(void *ud, uint64_t off, void *dst, size_t len) {
        const buf_src *b = ud;

        if (off > b->len || len > b->len - off)
                return -EBADMSG;
        memcpy(dst, b->p + off, len);
        return 0;
}

int nf_vmcore_count_cpus_buf(const void *buf, size_t len, nf_vmcore_cpus *ret) {
        buf_src b = { .p = buf, .len = len };

        if (!buf && len)
                return -EINVAL;
        return nf_vmcore_count_cpus(buf_read_at, &b, ret);
}

static int fd_read_at(void *ud, uint64_t off, void *dst, size_t len) {
        int fd = *(const int *) ud;
        size_t done = 0;

        if (off > (uint64_t) INT64_MAX - len)
                return -EBADMSG;
        while (done < len) {
                ssize_t n = pread(fd, (uint8_t *) dst + done, len - done, (off_t) (off + done));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return -EBADMSG;
                done += (size_t) n;
        }
        return 0;
}

int nf_vmcore_count_cpus_fd(int fd, nf_vmcore_cpus *ret) {
        if (fd < 0)
                return -EINVAL;
        return nf_vmcore_count_cpus(fd_read_at, &fd, ret);
}

const char *nf_vmcore_strerror(int err) {
        switch (err < 0 ? -err : err) {
        case ENOEXEC:
                return "not an ELF file";
        case EPROTONOSUPPORT:
                return "not a 64-bit ELF file of a known byte order and version";
        case EBADMSG:
                return "malformed or truncated ELF core file";
        case E2BIG:
                return "more segments or notes than an ELF core file of Linux has";
        case EINVAL:
                return "invalid argument";
        default:
                return strerror(err < 0 ? -err : err);
        }
}
