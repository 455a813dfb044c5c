/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sendto() interposed for the send gate (send-gate.h); it also tells the
 * stale set-up reply filter (setup-reply-filter.h) what was sent where,
 * and lets port-refusal.h end a call whose BMC port refused it.
 * The C library's sendto() is found with dlsym(RTLD_NEXT), which under
 * ASan is its interceptor, then libc's.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE     /* RTLD_NEXT */
#endif
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "port-refusal.h"
#include "send-gate.h"
#include "setup-reply-filter.h"

/* __CONST_SOCKADDR_ARG: glibc's own type for the address argument (a
 * transparent union with _GNU_SOURCE), so this matches its prototype. */
typedef nf_sendto_fn sendto_fn;

static _Thread_local struct {
        bool armed;
        unsigned allow, refused;
        uint64_t seen;
} gate;

static sendto_fn next_sendto(void) {
        static sendto_fn fn;
        sendto_fn f = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);

        if (!f) {
                f = (sendto_fn) dlsym(RTLD_NEXT, "sendto");
                __atomic_store_n(&fn, f, __ATOMIC_RELEASE);
        }
        return f;
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags, __CONST_SOCKADDR_ARG addr, socklen_t addr_len) {
        sendto_fn f;

        gate.seen++;
        if (gate.armed) {
                if (gate.allow == 0) {
                        gate.refused++;
                        errno = EPERM;
                        return -1;
                }
                gate.allow--;
        }
        f = next_sendto();
        if (!f) {
                errno = ENOSYS;
                return -1;
        }
        if (nf_port_refusal_hold(fd, buf, len, addr, addr_len))
                return -1;
        nf_setup_reply_note_send(fd, buf, len);
        return nf_port_refusal_sendto(f, fd, buf, len, flags, addr, addr_len);
}

uint64_t nf_send_gate_seen(void) {
        return gate.seen;
}

void nf_send_gate_arm(unsigned allow) {
        gate.armed = true;
        gate.allow = allow;
        gate.refused = 0;
}

unsigned nf_send_gate_disarm(void) {
        gate.armed = false;
        return gate.refused;
}
