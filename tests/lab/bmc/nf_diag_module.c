/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nf_diag_module.c - ipmi_sim loadlib module for the nmifence lab.
 *
 * OpenIPMI ipmi_sim 2.0.33 answers Chassis Control 04h (pulse diagnostic
 * interrupt) with 0xCC: its handle_chassis_control() has no diag branch.
 * A real BMC turns that request into an NMI on the host, and that is the
 * one request nmifence depends on, so this module takes over Chassis
 * Control (netfn 00h, cmd 02h):
 *
 *   - sub-command 04h: ask the system-interface channel (15) to send an
 *     NMI (HW_OP_SEND_NMI; with "serial 15 ... codec VM" that is QEMU's
 *     ipmi-bmc-extern), append one line to the NMI log, answer cc 00h;
 *   - every other sub-command: hand over to the simulator's own handler,
 *     taken from the exported chassis_netfn_handlers[] before we replace it.
 *
 * The module also replaces ipmi_sim's watchdog timer commands with ones
 * that count down as IPMI 2.0 section 27 says (nf_watchdog.c).
 *
 * Init string (loadlib "nf_diag.so" "nmi_log=/path/to/nmi.log"):
 *   nmi_log=PATH   file that gets one line per diag request (required)
 *   sim=1 sim_log=PATH [key=value...]
 *                  a simulated kdump target instead of a VM (nf_sim_host.c;
 *                  the keys are listed in tests/lab/README.md)
 *
 * NMI log line, one per Chassis Control 04h request, written with a single
 * O_APPEND write(2) so a reader never sees half a line:
 *
 *   <mono> nmi seq=<n> delivered=<yes|no> reason=<why>
 *
 *   mono       CLOCK_MONOTONIC seconds.nanoseconds at the request; the same
 *              clock tests on this host read, so they can order events.
 *   seq        1, 2, ... per ipmi_sim process.
 *   delivered  yes when HW_OP_SEND_NMI was issued to a connected host.
 *   reason     sent | no-system-interface | host-not-connected
 *
 * With no host attached (bmc-up alone, or the VM powered off) a real BMC
 * still accepts the pulse and nothing happens on the dead host.  The module
 * does the same: cc 00h, the line is logged with delivered=no, so an
 * integration test can still assert "exactly one NMI request reached the
 * BMC" without a VM.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <OpenIPMI/serv.h>
#include <OpenIPMI/lanserv.h>
#include <OpenIPMI/mcserv.h>
#include <OpenIPMI/ipmi_err.h>
#include <OpenIPMI/ipmi_msgbits.h>

#include "nf_sim_host.h"
#include "nf_watchdog.h"

#define NF_SYSTEM_INTERFACE_CHANNEL 15
#define NF_CHASSIS_CONTROL_DIAG 0x04
/* Channel medium type 802.3 LAN (IPMI 2.0 table 6-3); OpenIPMI defines it
 * only in the client library's ipmi_mc.h. */
#define NF_CHANNEL_MEDIUM_LAN 0x04

/* Exported by the ipmi_sim binary (bmc_chassis.c), not by any header. */
extern cmd_handler_f chassis_netfn_handlers[256];

int ipmi_sim_module_init(sys_data_t *sys, const char *initstr);
int ipmi_sim_module_print_version(sys_data_t *sys, const char *initstr);
void ipmi_sim_module_post_init(sys_data_t *sys);

/* Chassis Control requests remembered by session ID and session sequence
 * number, to recognise a datagram the network delivered twice. */
#define NF_SEEN_REQUESTS 32

struct nf_diag {
        sys_data_t *sys;
        cmd_handler_f orig_chassis_control;
        char *nmi_log_path;
        unsigned long seq;
        struct { uint32_t sid, seq; } seen[NF_SEEN_REQUESTS];
        unsigned int n_seen;
};

static struct nf_diag nf_diag_state;

static void nf_diag_log_nmi(struct nf_diag *d, int delivered, const char *reason)
{
        struct timespec ts;
        char line[160];
        int fd, n;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        d->seq++;
        n = snprintf(line, sizeof(line), "%lld.%09ld nmi seq=%lu delivered=%s reason=%s\n",
                     (long long)ts.tv_sec, ts.tv_nsec, d->seq, delivered ? "yes" : "no", reason);
        if (n < 0 || (size_t)n >= sizeof(line))
                return;

        fd = open(d->nmi_log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
                d->sys->log(d->sys, OS_ERROR, NULL, "nf_diag: open %s: %s", d->nmi_log_path,
                            strerror(errno));
                return;
        }
        if (write(fd, line, (size_t)n) != n)
                d->sys->log(d->sys, OS_ERROR, NULL, "nf_diag: write %s: %s", d->nmi_log_path,
                            strerror(errno));
        close(fd);
}

/* Returns the reason string; *ret_delivered says whether the NMI went out. */
static const char *nf_diag_send_nmi(struct nf_diag *d, lmc_data_t *mc, int *ret_delivered)
{
        channel_t **chans = d->sys->mc_get_channelset(mc);
        channel_t *chan = chans ? chans[NF_SYSTEM_INTERFACE_CHANNEL] : NULL;

        *ret_delivered = 0;
        if (!chan || !chan->hw_op || !HW_OP_CAN_NMI(chan))
                return "no-system-interface";

        /*
         * The VM codec answers HW_OP_CHECK_POWER with "is QEMU connected".
         * A pulse to a host that is off goes nowhere, as on real hardware.
         */
        if (HW_OP_CAN_POWER(chan) && chan->hw_op(chan, HW_OP_CHECK_POWER) <= 0)
                return "host-not-connected";

        chan->hw_op(chan, HW_OP_SEND_NMI);
        *ret_delivered = 1;
        return "sent";
}

/*
 * The privilege of the LAN session a request came in on, or -1 when it did
 * not come over LAN (system interface) or the session is not found.
 */
static int nf_lan_session_priv(msg_t *msg)
{
        channel_t *chan = msg->orig_channel;
        lanserv_data_t *lan;
        unsigned int i;

        if (!chan || chan->medium_type != NF_CHANNEL_MEDIUM_LAN || !chan->chan_info)
                return -1;
        lan = chan->chan_info;
        for (i = 1; i <= MAX_SESSIONS; i++)
                if (lan->sessions[i].active && lan->sessions[i].sid == msg->sid)
                        return lan->sessions[i].priv;
        return -1;
}

/*
 * A LAN request whose session ID and session sequence number were seen
 * already: the same datagram again, duplicated on the network.  IPMI 2.0
 * (section 6.12.13, session sequence numbers) has the BMC discard such a
 * packet; stock ipmi_sim 2.0.33 only checks that the number is within 16
 * of the highest one (lanserv_ipmi.c) and runs the request again, so a
 * duplicated diag datagram would be a second NMI that no client can
 * prevent.  A retransmission is a new request with a new sequence number
 * and is not caught here (nmifence never retransmits the diag).
 */
static int nf_lan_duplicate(struct nf_diag *d, const msg_t *msg)
{
        unsigned int i;

        for (i = 0; i < NF_SEEN_REQUESTS && i < d->n_seen; i++)
                if (d->seen[i].sid == msg->sid && d->seen[i].seq == msg->seq)
                        return 1;
        d->seen[d->n_seen % NF_SEEN_REQUESTS].sid = msg->sid;
        d->seen[d->n_seen % NF_SEEN_REQUESTS].seq = msg->seq;
        d->n_seen++;
        return 0;
}

static void nf_chassis_control(lmc_data_t *mc, msg_t *msg, unsigned char *rdata,
                               unsigned int *rdata_len, void *cb_data)
{
        struct nf_diag *d = cb_data;
        const char *reason;
        int delivered, priv;

        /*
         * Stock ipmi_sim lets a user-privilege session send Chassis Control
         * (power and, with this module, diag).  The IPMI spec and real BMCs
         * want operator; refuse below it with 0xD4 (insufficient privilege)
         * so the agent's "privilege too low" path can be tested.
         */
        priv = nf_lan_session_priv(msg);
        if (priv >= 0 && priv < IPMI_PRIVILEGE_OPERATOR) {
                d->sys->log(d->sys, INFO, NULL, "nf_diag: chassis control refused: session privilege %d", priv);
                rdata[0] = IPMI_INSUFFICIENT_PRIVILEGE_CC;
                *rdata_len = 1;
                return;
        }
        if (priv >= 0 && nf_lan_duplicate(d, msg)) {
                /* Answered, so the sender's wait ends as for the first copy
                 * (whose reply may be the one lost); nothing is done again. */
                d->sys->log(d->sys, INFO, NULL,
                            "nf_diag: chassis control: duplicate datagram (session %08x, sequence %u) discarded",
                            (unsigned) msg->sid, (unsigned) msg->seq);
                fprintf(stderr, "nf_diag: chassis control: duplicate datagram (session %08x, sequence %u) discarded\n",
                        (unsigned) msg->sid, (unsigned) msg->seq);
                rdata[0] = 0;
                *rdata_len = 1;
                return;
        }

        if (msg->len < 1 || (msg->data[0] & 0x0f) != NF_CHASSIS_CONTROL_DIAG) {
                /* power down 00h, power cycle 02h, hard reset 03h */
                if (msg->len >= 1 && ((msg->data[0] & 0x0f) == 0x00 || (msg->data[0] & 0x0f) == 0x02 ||
                                      (msg->data[0] & 0x0f) == 0x03))
                        nf_watchdog_power_lost();
                nf_sim_host_command_context(true);
                d->orig_chassis_control(mc, msg, rdata, rdata_len, NULL);
                nf_sim_host_command_context(false);
                return;
        }

        reason = nf_diag_send_nmi(d, mc, &delivered);
        d->sys->log(d->sys, INFO, NULL, "nf_diag: chassis control diag: %s", reason);
        nf_diag_log_nmi(d, delivered, reason);
        rdata[0] = 0;
        *rdata_len = 1;
}

static int nf_diag_parse(struct nf_diag *d, const char *initstr)
{
        char *copy, *tok, *save = NULL;
        int r = 0;

        copy = strdup(initstr ? initstr : "");
        if (!copy)
                return ENOMEM;

        for (tok = strtok_r(copy, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
                if (strncmp(tok, "nmi_log=", 8) == 0 && tok[8] != '\0') {
                        free(d->nmi_log_path);
                        d->nmi_log_path = strdup(tok + 8);
                        if (!d->nmi_log_path) {
                                r = ENOMEM;
                                goto out;
                        }
                } else if ((r = nf_sim_host_option(d->sys, tok)) != 0) {
                        if (r < 0) {
                                r = -r;
                                goto out;
                        }
                        r = 0;
                } else {
                        d->sys->log(d->sys, SETUP_ERROR, NULL, "nf_diag: unknown option '%s'", tok);
                        r = EINVAL;
                        goto out;
                }
        }
        if (!d->nmi_log_path) {
                d->sys->log(d->sys, SETUP_ERROR, NULL, "nf_diag: nmi_log=PATH is required");
                r = EINVAL;
                goto out;
        }
        r = nf_sim_host_check(d->sys);
out:
        free(copy);
        return r;
}

/*
 * After the emu file ran: MC 0x20 and its system channel exist now.  ipmi_sim
 * ignores what this returns, so a failure is logged (ipmi_sim.log) and
 * leaves the BMC without a host; the sim log then has no "sim ready" line,
 * which is what scale-up waits for.
 */
void ipmi_sim_module_post_init(sys_data_t *sys)
{
        if (nf_sim_host_enabled() && nf_sim_host_attach(sys) != 0)
                sys->log(sys, SETUP_ERROR, NULL, "nf_diag: simulated host not attached");
}

int ipmi_sim_module_print_version(sys_data_t *sys, const char *initstr)
{
        printf("nmifence lab module nf_diag (Chassis Control 04h -> NMI)\n");
        return 0;
}

int ipmi_sim_module_init(sys_data_t *sys, const char *initstr)
{
        struct nf_diag *d = &nf_diag_state;
        int fd, r;

        d->sys = sys;
        r = nf_diag_parse(d, initstr);
        if (r)
                return r;

        /* Create the log now so "zero NMIs" reads as an empty file, not a missing one. */
        fd = open(d->nmi_log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
                r = errno;
                sys->log(sys, SETUP_ERROR, NULL, "nf_diag: open %s: %s", d->nmi_log_path,
                         strerror(r));
                return r;
        }
        close(fd);

        /*
         * ipmi_emu_register_cmd_handler() writes into this very array
         * (netfn_handlers[] points at it), so the original must be read first.
         */
        d->orig_chassis_control = chassis_netfn_handlers[IPMI_CHASSIS_CONTROL_CMD];
        if (!d->orig_chassis_control) {
                sys->log(sys, SETUP_ERROR, NULL, "nf_diag: ipmi_sim has no Chassis Control handler");
                return ENOENT;
        }
        if (d->orig_chassis_control == nf_chassis_control)
                return 0;

        r = ipmi_emu_register_cmd_handler(IPMI_CHASSIS_NETFN, IPMI_CHASSIS_CONTROL_CMD,
                                          nf_chassis_control, d);
        if (r) {
                sys->log(sys, SETUP_ERROR, NULL, "nf_diag: register Chassis Control: %s",
                         strerror(r));
                return r;
        }
        /* The watchdog timer as real BMCs run it (nf_watchdog.c). */
        return nf_watchdog_init(sys, d->orig_chassis_control);
}
