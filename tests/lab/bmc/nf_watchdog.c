/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nf_watchdog.c - the BMC watchdog timer of the nmifence lab BMC.
 *
 * nmifenced reads a host's liveness from its BMC watchdog (Get Watchdog
 * Timer), so the lab BMC has to count down the way a real one does.  Stock
 * OpenIPMI ipmi_sim 2.0.33 (lanserv/bmc_app.c) does not:
 *
 *   - Get Watchdog Timer answers 6 data bytes instead of 8 (rdata_len 7):
 *     the present countdown is never sent;
 *   - a timer whose timeout action is "none" never runs (do_watchdog_reset
 *     clears watchdog_running), so a host that sets the action the daemon
 *     needs ("none": the BMC must not reset a host that may be dumping) has
 *     no countdown and never expires;
 *   - the "timer is started" bit it reports is the "don't stop" bit of the
 *     last Set;
 *   - a pre-timeout NMI falls through to 0xCC.
 *
 * This file takes over netfn 06h cmds 22h/24h/25h with IPMI 2.0 sections
 * 27.5-27.7 semantics: Set stores the parameters (keeps counting with the
 * new countdown when "don't stop" is set and the timer runs, else stops
 * it) and clears the expiration flags asked for; Reset (re)starts the
 * countdown, 80h when the timer was never set; on expiry the timer stops,
 * the flag of its use is set and the action runs on the system interface
 * (none: nothing).  Pre-timeout interrupts are not modelled (0xCC).  The
 * Watchdog 2 SEL event a real BMC logs on expiry is not written either.
 * Every expiry is written to ipmi_sim's log and to its stderr (which
 * bmc-up keeps in ipmi_sim.log; the log callback is silent under -n).
 *
 * The power actions go through ipmi_sim's own Chassis Control handler, as
 * `chassis power off/cycle/reset` from the LAN do: with a QEMU guest
 * (serial 15 ... codec VM) a power-on right after the power-off finds the
 * VM still connected and does nothing, so the host stayed off; the stock
 * handler's cycle waits for the power-off before it powers on.
 *
 * Real BMCs stop the watchdog when the host loses power or resets; Chassis
 * Control does that here (nf_watchdog_power_lost()), so a timer left
 * running by a host that was power-cycled cannot act on its next boot.
 */

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include <OpenIPMI/ipmi_err.h>
#include <OpenIPMI/ipmi_msgbits.h>
#include <OpenIPMI/lanserv.h>
#include <OpenIPMI/mcserv.h>

#include "nf_watchdog.h"

#define NF_SYSTEM_INTERFACE_CHANNEL 15
#define NF_WDT_RESET_CMD 0x22
#define NF_WDT_SET_CMD 0x24
#define NF_WDT_GET_CMD 0x25

struct nf_wdt {
        sys_data_t *sys;
        lmc_data_t *mc;                 /* of the last request, for hw_op */
        cmd_handler_f chassis_control;  /* ipmi_sim's own, for the actions */
        ipmi_timer_t *timer;
        int initialized;                /* a Set came */
        int running;
        unsigned char use_byte;         /* use + don't log, as set */
        unsigned char actions;          /* timeout action + pre-timeout irq, as set */
        unsigned char pretimeout;
        unsigned char expired;
        unsigned int initial_ds;
        struct timeval expiry;          /* monotonic */
};

static struct nf_wdt nf_wdt_state;

static long tv_ms(const struct timeval *tv) {
        return (long) tv->tv_sec * 1000 + tv->tv_usec / 1000;
}

static channel_t *sys_channel(struct nf_wdt *w) {
        channel_t **chans = w->mc ? w->sys->mc_get_channelset(w->mc) : NULL;

        return chans ? chans[NF_SYSTEM_INTERFACE_CHANNEL] : NULL;
}

static void nf_wdt_start(struct nf_wdt *w) {
        struct timeval now, tv;

        w->sys->get_monotonic_time(w->sys, &now);
        tv.tv_sec = w->initial_ds / 10;
        tv.tv_usec = (w->initial_ds % 10) * 100000;
        w->expiry = now;
        w->expiry.tv_sec += tv.tv_sec;
        w->expiry.tv_usec += tv.tv_usec;
        if (w->expiry.tv_usec >= 1000000) {
                w->expiry.tv_sec++;
                w->expiry.tv_usec -= 1000000;
        }
        w->sys->stop_timer(w->timer);
        w->running = 1;
        w->sys->start_timer(w->timer, &tv);
}

/* Chassis Control sub-command for a timeout action (IPMI 2.0 table 28-4):
 * 1 hard reset -> 03h, 2 power down -> 00h, 3 power cycle -> 02h. */
static const int nf_wdt_chassis_cmd[4] = { -1, 0x03, 0x00, 0x02 };

static void nf_wdt_expired(void *cb_data) {
        struct nf_wdt *w = cb_data;
        channel_t *chan = sys_channel(w);
        unsigned int use = w->use_byte & 0x07;
        unsigned int action = w->actions & 0x07;
        unsigned char data[1], rdata[16] = { 0xff };
        unsigned int rlen = sizeof rdata;
        msg_t msg = {
                .channel = NF_SYSTEM_INTERFACE_CHANNEL,
                .netfn = IPMI_CHASSIS_NETFN,
                .cmd = IPMI_CHASSIS_CONTROL_CMD,
                .data = data,
                .len = 1,
        };

        if (!w->running)
                return;
        w->running = 0;
        w->expired |= (unsigned char) (1u << use);
        w->sys->log(w->sys, INFO, NULL, "nf_watchdog: timer (use %u) expired, action %u", use, action);
        fprintf(stderr, "nf_watchdog: timer (use %u) expired, action %u\n", use, action);
        if (action > 3 || nf_wdt_chassis_cmd[action] < 0 || !chan || !chan->hw_op || !w->chassis_control)
                return;
        data[0] = (unsigned char) nf_wdt_chassis_cmd[action];
        w->chassis_control(w->mc, &msg, rdata, &rlen, NULL);
        fprintf(stderr, "nf_watchdog: action %u: chassis control %02xh, cc %02xh\n", action, data[0], rdata[0]);
}

void nf_watchdog_power_lost(void) {
        struct nf_wdt *w = &nf_wdt_state;

        if (!w->timer || !w->running)
                return;
        w->running = 0;
        w->sys->stop_timer(w->timer);
        fprintf(stderr, "nf_watchdog: timer stopped: the host lost power or was reset\n");
}

static void reply_cc(unsigned char *rdata, unsigned int *rdata_len, unsigned char cc) {
        rdata[0] = cc;
        *rdata_len = 1;
}

static void nf_wdt_set(lmc_data_t *mc, msg_t *msg, unsigned char *rdata, unsigned int *rdata_len,
                       void *cb_data) {
        struct nf_wdt *w = cb_data;
        channel_t *chan;
        unsigned int use, action, pre;

        w->mc = mc;
        chan = sys_channel(w);
        if (msg->len < 6)
                return reply_cc(rdata, rdata_len, IPMI_REQUEST_DATA_LENGTH_INVALID_CC);
        use = msg->data[0] & 0x07;
        action = msg->data[1] & 0x07;
        pre = (msg->data[1] >> 4) & 0x07;
        if (use == 0 || use > 5 || action > 3 || pre != 0)
                return reply_cc(rdata, rdata_len, IPMI_INVALID_DATA_FIELD_CC);
        /* As ipmi_sim: an action the system interface cannot carry out is refused. */
        if ((action == 1 && !(chan && HW_OP_CAN_RESET(chan))) ||
            ((action == 2 || action == 3) && !(chan && HW_OP_CAN_POWER(chan))))
                return reply_cc(rdata, rdata_len, IPMI_INVALID_DATA_FIELD_CC);

        w->initialized = 1;
        w->use_byte = msg->data[0] & 0x87;
        w->actions = msg->data[1] & 0x77;
        w->pretimeout = msg->data[2];
        w->expired &= (unsigned char) ~(msg->data[3] & 0x3e);
        w->initial_ds = msg->data[4] | ((unsigned int) msg->data[5] << 8);
        if (w->running && (msg->data[0] & 0x40))
                nf_wdt_start(w);
        else {
                w->running = 0;
                w->sys->stop_timer(w->timer);
        }
        reply_cc(rdata, rdata_len, 0);
}

static void nf_wdt_reset(lmc_data_t *mc, msg_t *msg, unsigned char *rdata, unsigned int *rdata_len,
                         void *cb_data) {
        struct nf_wdt *w = cb_data;

        w->mc = mc;
        if (!w->initialized)
                return reply_cc(rdata, rdata_len, 0x80);
        nf_wdt_start(w);
        reply_cc(rdata, rdata_len, 0);
}

static void nf_wdt_get(lmc_data_t *mc, msg_t *msg, unsigned char *rdata, unsigned int *rdata_len,
                       void *cb_data) {
        struct nf_wdt *w = cb_data;
        long present = 0;

        w->mc = mc;
        if (w->running) {
                struct timeval now;

                w->sys->get_monotonic_time(w->sys, &now);
                present = (tv_ms(&w->expiry) - tv_ms(&now) + 99) / 100;
                if (present < 0)
                        present = 0;
        }
        rdata[0] = 0;
        rdata[1] = (unsigned char) (w->use_byte | (w->running ? 0x40 : 0));
        rdata[2] = w->actions;
        rdata[3] = w->pretimeout;
        rdata[4] = w->expired;
        rdata[5] = w->initial_ds & 0xff;
        rdata[6] = (w->initial_ds >> 8) & 0xff;
        rdata[7] = (unsigned char) (present & 0xff);
        rdata[8] = (unsigned char) ((present >> 8) & 0xff);
        *rdata_len = 9;
}

int nf_watchdog_init(sys_data_t *sys, cmd_handler_f chassis_control) {
        struct nf_wdt *w = &nf_wdt_state;
        int r;

        memset(w, 0, sizeof *w);
        w->sys = sys;
        w->mc = sys->mc;
        w->chassis_control = chassis_control;
        r = sys->alloc_timer(sys, nf_wdt_expired, w, &w->timer);
        if (r) {
                sys->log(sys, SETUP_ERROR, NULL, "nf_watchdog: alloc_timer: %s", strerror(r));
                return r;
        }
        if ((r = ipmi_emu_register_cmd_handler(IPMI_APP_NETFN, NF_WDT_SET_CMD, nf_wdt_set, w)) ||
            (r = ipmi_emu_register_cmd_handler(IPMI_APP_NETFN, NF_WDT_RESET_CMD, nf_wdt_reset, w)) ||
            (r = ipmi_emu_register_cmd_handler(IPMI_APP_NETFN, NF_WDT_GET_CMD, nf_wdt_get, w)))
                sys->log(sys, SETUP_ERROR, NULL, "nf_watchdog: register: %s", strerror(r));
        return r;
}

/* The simulated host's driver (nf_sim_host.c) talks to the timer as a
 * host's ipmi_watchdog does over KCS; this is that request, in process. */
unsigned char nf_watchdog_host_request(lmc_data_t *mc, unsigned char cmd, unsigned char *data, unsigned int len) {
        struct nf_wdt *w = &nf_wdt_state;
        unsigned char rdata[16] = { 0xff };
        unsigned int rlen = 0;
        msg_t msg = {
                .channel = NF_SYSTEM_INTERFACE_CHANNEL,
                .netfn = IPMI_APP_NETFN,
                .cmd = cmd,
                .data = data,
                .len = len,
        };

        if (!w->timer)
                return IPMI_INVALID_CMD_CC;
        switch (cmd) {
        case NF_WDT_SET_CMD:
                nf_wdt_set(mc, &msg, rdata, &rlen, w);
                break;
        case NF_WDT_RESET_CMD:
                nf_wdt_reset(mc, &msg, rdata, &rlen, w);
                break;
        case NF_WDT_GET_CMD:
                nf_wdt_get(mc, &msg, rdata, &rlen, w);
                break;
        default:
                return IPMI_INVALID_CMD_CC;
        }
        return rdata[0];
}
