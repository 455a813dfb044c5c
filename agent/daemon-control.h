/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* nmifenced's answers to control requests (control-proto.h): the
 * nf_ctl_handler that maps a request onto the daemon.  userdata is the
 * nf_daemon. */

#include "control-server.h"

void nf_daemon_control_handler(const nf_ctl_request *req, const char *perr, const struct ucred *peer, FILE *out,
                               void *userdata);
