/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * nmifenced's control protocol (docs/operations.md, "Control socket"):
 * over a unix stream socket, one request per line, one JSON object each,
 * answered by one line, one JSON object:
 *
 *   {"command":"status"}                          every host
 *   {"command":"status","hosts":["node07"]}       these hosts
 *   {"command":"fence","hosts":["node07"]}        fence one host now
 *   {"command":"adopt","target":"10.0.0.7:623","action":"reboot","pid":4242}
 *                                                 take over the rest of the
 *                                                 operation pid 4242 runs on
 *                                                 the host with that BMC
 *
 *   {"ok":true,"command":"status","daemon":{...},"hosts":[{...},...]}
 *   {"ok":true,"command":"fence","host":"node07","state":"fencing",...}
 *   {"ok":true,"command":"adopt","host":"node07","target":"10.0.0.7:623","state":"waiting"}
 *   {"ok":false,"error":"unknown host 'node99'"}
 *
 * The request's parsing and its line are here (pure, unit-tested); the
 * socket is control-server.c, the answers daemon-status.c.
 */

#include <stddef.h>
#include <stdio.h>

#include "fence-sm.h"

#define NF_CTL_LINE_MAX 65536           /* a longer request line is refused */
#define NF_CTL_HOSTS_MAX 4096

typedef enum nf_ctl_command {
        NF_CTL_STATUS,
        NF_CTL_FENCE,
        NF_CTL_ADOPT,
        _NF_CTL_COMMAND_MAX,
} nf_ctl_command;

typedef struct nf_ctl_request {
        nf_ctl_command command;
        char **hosts;                   /* status: none = all; fence: exactly one */
        size_t n_hosts;
        /* adopt only (all three required there, refused elsewhere) */
        char *target;                   /* BMC "address:port", as nf_op_state.target */
        nf_final_action action;         /* "off" or "reboot" (NF_FINAL_CYCLE) */
        long pid;                       /* the agent handing its operation over */
} nf_ctl_request;

const char *nf_ctl_command_str(nf_ctl_command c);

/* One request line (without its newline).  Returns 0, or -EBADMSG with
 * err saying what is wrong ("offset 12: ...", "unknown member 'x'"),
 * -ENOMEM. */
int nf_ctl_request_parse(const char *line, size_t len, nf_ctl_request *ret, char *err, size_t errlen);
void nf_ctl_request_done(nf_ctl_request *r);

/* The request line a client sends, newline included. */
void nf_ctl_request_write(FILE *f, nf_ctl_command c, char *const *hosts, size_t n_hosts);
/* The adopt request line, newline included (action NF_FINAL_OFF or
 * NF_FINAL_CYCLE: "off" / "reboot"). */
void nf_ctl_adopt_write(FILE *f, const char *target, nf_final_action action, long pid);
