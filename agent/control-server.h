/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The control socket's transport: a unix stream socket on an sd-event
 * loop, one request line in, one answer line out (control-proto.h), many
 * lines per connection, non-blocking both ways.  At most
 * NF_CTL_MAX_CLIENTS connections; one idle for NF_CTL_IDLE_MS is closed.
 * The socket file is created with `mode` (0600: only the daemon's user);
 * a stale one is replaced, a live one (another daemon answers) refused.
 */

#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "control-proto.h"

#define NF_CTL_MAX_CLIENTS 32
#define NF_CTL_IDLE_MS 60000

typedef struct nf_ctl_server nf_ctl_server;

/* Writes one answer (a JSON object and its newline) to out for req, or
 * for a request that did not parse (req NULL, perr says why).  peer is
 * the client's SO_PEERCRED. */
typedef void (*nf_ctl_handler)(const nf_ctl_request *req, const char *perr, const struct ucred *peer, FILE *out,
                               void *userdata);

int nf_ctl_server_new(sd_event *e, const char *path, mode_t mode, nf_ctl_handler h, void *userdata,
                      nf_ctl_server **ret, char *err, size_t errlen);
/* Closes every connection, removes the socket file.  NULL-safe. */
nf_ctl_server *nf_ctl_server_free(nf_ctl_server *s);

/* The answer {"ok":false,"error":msg} (handlers use it too). */
void nf_ctl_write_error(FILE *out, const char *msg);
