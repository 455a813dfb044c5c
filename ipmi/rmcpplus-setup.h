/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Which RMCP+ session set-up message an IPMI-over-LAN datagram is, and
 * whether a received set-up response can still answer the last request
 * sent (IPMI 2.0 section 13.17-13.20: Open Session, RAKP 1-4).  Pure
 * codec, no I/O; setup-reply-filter.c applies it to libfreeipmi's socket.
 */

#include <stdbool.h>
#include <stddef.h>

/* RMCP+ payload types (IPMI 2.0 table 13-16). */
#define NF_RMCPP_PAYLOAD_IPMI 0x00
#define NF_RMCPP_OPEN_SESSION_REQUEST 0x10
#define NF_RMCPP_OPEN_SESSION_RESPONSE 0x11
#define NF_RMCPP_RAKP_1 0x12
#define NF_RMCPP_RAKP_2 0x13
#define NF_RMCPP_RAKP_3 0x14
#define NF_RMCPP_RAKP_4 0x15

/* The RMCP+ payload type (flags masked off) of a datagram, or -1 when it
 * is not an RMCP+ datagram (IPMI 1.5, ASF, too short). */
int nf_rmcpp_payload_type(const void *pkt, size_t len);

/* True when `pkt`, received after a datagram of payload type `sent_type`
 * (-1: not RMCP+) was sent on the same socket, is a set-up response
 * (Open Session Response, RAKP 2, RAKP 4) that does not answer it: a
 * duplicate or late reply to an earlier step, or to an earlier copy of
 * this one.  Anything else (IPMI payloads, IPMI 1.5, the expected
 * response) is false: the session's own checks deal with it. */
bool nf_rmcpp_setup_reply_stale(int sent_type, const void *pkt, size_t len);

/* The message tag of a set-up message (the first payload byte), or -1
 * when `pkt` is not an RMCP+ set-up message. */
int nf_rmcpp_setup_tag(const void *pkt, size_t len);

/* True when `pkt` is a successful RAKP 4 whose message tag is one of an
 * earlier copy of the RAKP 3 just sent: copies carry the tags `first_tag`
 * up to `last_tag` (the last one sent), one more per retransmission,
 * modulo 256.  The tag is the only field that differs between the RAKP 4
 * answers to copies of one RAKP 3 (its integrity check value covers Rm,
 * the BMC's session ID and GUIDc, IPMI 2.0 section 13.31). */
bool nf_rmcpp_rakp4_answers_earlier_copy(unsigned first_tag, unsigned last_tag, const void *pkt, size_t len);

/* True when `pkt` is a RAKP 4 sent inside a session (the authenticated
 * flag set): set-up messages never are, so the BMC answered a RAKP 3 for
 * a session it has already activated (ipmi_sim 2.0.33 does this for a
 * copy of RAKP 3 whose first copy got through). */
bool nf_rmcpp_rakp4_in_session(const void *pkt, size_t len);

/* Writes into buf (at least NF_RMCPP_RAKP4_REFUSAL_LEN bytes) a RAKP 4
 * with message tag `tag` and RMCP+ status 01h (insufficient resources to
 * create a session), outside a session; returns its length. */
#define NF_RMCPP_RAKP4_REFUSAL_LEN 24
size_t nf_rmcpp_rakp4_refusal(void *buf, unsigned tag);

/* Sets the message tag of a set-up message; false if it is not one. */
bool nf_rmcpp_set_setup_tag(void *pkt, size_t len, unsigned tag);
