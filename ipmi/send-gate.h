/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A per-thread gate on sendto(2), for the one request that must leave this
 * process at most once (session-lan-once.c).  Private to ipmi/.
 *
 * libfreeipmi re-sends a request whose reply is late, inside one
 * ipmi_cmd_raw() call, and has no switch to stop it.  Its packets leave
 * through sendto(), which it calls from the shared library through the
 * PLT; send-gate.c defines sendto() in the program, so those calls come
 * here first (ELF symbol interposition, as a malloc replacement does).
 * Disarmed, the gate passes every call on to the C library's sendto() and
 * only counts it.  Armed, it lets `allow` datagrams of this thread through
 * and fails every further one with EPERM, before it reaches the socket.
 */

#include <stdint.h>

/* sendto() calls made by this thread so far, armed or not.  If it does not
 * grow across a libfreeipmi call that sent packets, the interposition is
 * not in effect and the gate cannot hold anything back. */
uint64_t nf_send_gate_seen(void);

void nf_send_gate_arm(unsigned allow);
/* Disarms; returns how many datagrams the gate refused while armed. */
unsigned nf_send_gate_disarm(void);
