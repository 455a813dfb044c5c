/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * fence_kdump compatibility: a non-blocking UDP socket receiving the
 * messages fence_kdump_send (fence-agents) sends from a capture kernel.
 * Wire format, v1: 8 bytes, uint32 magic 0x1B302A40 then uint32 version 1,
 * in the sender's host byte order (fence-agents' fence_kdump.h; both ends
 * are assumed to share it, as fence_kdump itself assumes).
 *
 * Only datagrams from the configured source addresses count.  Nothing here
 * prints: each datagram is reported to the caller as an event, with a
 * rate limiter saying whether an ignored one is worth a log line.
 */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define NF_KDUMP_MAGIC 0x1B302A40u
#define NF_KDUMP_VERSION 1u
#define NF_KDUMP_MSG_LEN 8
#define NF_KDUMP_DEFAULT_PORT 7410
#define NF_KDUMP_MAX_SOURCES 16
/* ignored datagrams: at most this many log lines per window */
#define NF_KDUMP_LOG_BURST 5
#define NF_KDUMP_LOG_WINDOW_MS 10000

typedef enum nf_kdump_decode {
        NF_KDUMP_MSG_OK,
        NF_KDUMP_MSG_BAD_LENGTH,
        NF_KDUMP_MSG_BAD_MAGIC,
        NF_KDUMP_MSG_BAD_VERSION,
} nf_kdump_decode;

/* Pure: what an incoming payload is. */
nf_kdump_decode nf_kdump_msg_decode(const void *buf, size_t len);
const char *nf_kdump_decode_str(nf_kdump_decode d);
/* The 8 bytes fence_kdump_send puts on the wire (tests). */
void nf_kdump_msg_encode(uint8_t ret[NF_KDUMP_MSG_LEN]);

typedef struct nf_kdump_sources {
        size_t n;
        struct sockaddr_storage addr[NF_KDUMP_MAX_SOURCES];     /* port unused */
} nf_kdump_sources;

/* "192.0.2.1, 192.0.2.2,2001:db8::1" -> addresses.  Returns 0, or -EINVAL
 * with the offending item in err.  An empty list is an error. */
int nf_kdump_sources_parse(const char *list, nf_kdump_sources *ret, char *err, size_t errlen);
/* IPv4-mapped IPv6 senders match their IPv4 form. */
bool nf_kdump_sources_match(const nf_kdump_sources *s, const struct sockaddr *from, socklen_t len);

typedef enum nf_kdump_event_kind {
        NF_KDUMP_EV_ACCEPTED,           /* a valid message from a listed source */
        NF_KDUMP_EV_IGNORED_SOURCE,     /* from an address not listed */
        NF_KDUMP_EV_MALFORMED,          /* from a listed source, not a v1 message */
} nf_kdump_event_kind;

typedef struct nf_kdump_event {
        nf_kdump_event_kind kind;
        char from[64];                  /* printable source address */
        nf_kdump_decode decode;
        size_t len;
        bool log;                       /* false: rate-limited, say nothing */
        struct sockaddr_storage sa;     /* the sender, for a caller that demultiplexes */
        socklen_t sa_len;
        unsigned suppressed;            /* ignored ones not logged since the last logged one */
} nf_kdump_event;

typedef void (*nf_kdump_event_fn)(const nf_kdump_event *ev, void *userdata);

typedef struct nf_kdump_listener nf_kdump_listener;

/* addr NULL or "" = any IPv4 address; port 0 = an ephemeral port (tests).
 * sources NULL: every sender's valid message is accepted, and the caller
 * tells the targets apart by ev->sa (one listener shared by a fleet). */
int nf_kdump_listener_open(const char *addr, uint16_t port, const char *sources, nf_kdump_listener **ret, char *err,
                           size_t errlen);
nf_kdump_listener *nf_kdump_listener_free(nf_kdump_listener *l);
int nf_kdump_listener_fd(const nf_kdump_listener *l);
uint16_t nf_kdump_listener_port(const nf_kdump_listener *l);
/* Reads every queued datagram without blocking; returns the number of
 * accepted messages, or -errno on a socket error. */
int nf_kdump_listener_drain(nf_kdump_listener *l, uint64_t now_ms, nf_kdump_event_fn fn, void *userdata);
/* One line for the log: "fence_kdump message from 192.0.2.1 ignored: ..." */
void nf_kdump_event_format(const nf_kdump_event *ev, char *buf, size_t len);

/* The rate limiter alone (unit-tested): true when this one may be logged. */
typedef struct nf_ratelimit {
        uint64_t window_start;
        unsigned in_window;
        unsigned suppressed;
} nf_ratelimit;
bool nf_ratelimit_allow(nf_ratelimit *rl, uint64_t now_ms, unsigned burst, uint64_t window_ms);
