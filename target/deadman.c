/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The capture kernel's dead-man switch: decisions and bytes (deadman.h). */

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadman.h"
#include "kdump-config.h"

void nf_deadman_init(nf_deadman *d) {
        assert(d);
        *d = (nf_deadman) { .action = NF_DEADMAN_CYCLE, .stall_s = NF_DEADMAN_DEFAULT_STALL_S };
}

nf_deadman_step nf_deadman_step_for(nf_stage stage) {
        switch (stage) {
        case NF_STAGE_DUMP_START:
                return NF_DEADMAN_STEP_ARM;
        case NF_STAGE_PROGRESS:
        case NF_STAGE_CPUS:
                return NF_DEADMAN_STEP_RESTART;
        case NF_STAGE_DUMP_DONE:
        case NF_STAGE_DUMP_FAILED:
                return NF_DEADMAN_STEP_STOP;
        default:
                return NF_DEADMAN_STEP_NOTHING;
        }
}

bool nf_deadman_parse_action(const char *s, nf_deadman_action *ret) {
        if (!s)
                return false;
        if (strcmp(s, "cycle") == 0)
                *ret = NF_DEADMAN_CYCLE;
        else if (strcmp(s, "off") == 0 || strcmp(s, "poweroff") == 0)
                *ret = NF_DEADMAN_OFF;
        else if (strcmp(s, "none") == 0)
                *ret = NF_DEADMAN_NONE;
        else
                return false;
        return true;
}

const char *nf_deadman_action_str(nf_deadman_action a) {
        switch (a) {
        case NF_DEADMAN_CYCLE:
                return "cycle";
        case NF_DEADMAN_OFF:
                return "off";
        case NF_DEADMAN_NONE:
                return "none";
        }
        return "invalid";
}

bool nf_deadman_parse_stall(const char *s, unsigned *ret) {
        char *end;
        unsigned long v;

        if (!s || !*s || *s == '-')
                return false;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || *end || v < 1 || v > NF_DEADMAN_MAX_STALL_S)
                return false;
        *ret = (unsigned) v;
        return true;
}

bool nf_deadman_from_cmdline(nf_deadman *d, const char *cmdline, char *bad, size_t badlen) {
        char v[64];
        bool ok = true;

        assert(d);
        if (badlen)
                bad[0] = '\0';
        if (nf_cmdline_get(cmdline, "nmifence.deadman", v, sizeof v) && !nf_deadman_parse_action(v, &d->action)) {
                snprintf(bad, badlen, "nmifence.deadman=%s", v);
                ok = false;
        }
        if (nf_cmdline_get(cmdline, "nmifence.dump_stall_timeout", v, sizeof v) &&
            !nf_deadman_parse_stall(v, &d->stall_s)) {
                snprintf(bad, badlen, "nmifence.dump_stall_timeout=%s", v);
                ok = false;
        }
        return ok;
}

uint16_t nf_deadman_countdown_ds(unsigned stall_s) {
        unsigned long ds = ((unsigned long) stall_s + NF_DEADMAN_GRACE_S) * 10;

        return (uint16_t) (ds > 0xFFFF ? 0xFFFF : ds);
}

void nf_deadman_arm_timer(const nf_deadman *d, nf_watchdog *ret) {
        assert(d);
        assert(ret);
        /* SMS/OS: the capture kernel is the OS now, and it is the use a
         * BMC accepts from the host in every case; the first kernel's
         * petter (bmc-watchdog -u 4) uses the same one timer. */
        *ret = (nf_watchdog) {
                .use = NF_WDT_USE_SMS_OS,
                .running = true,
                .action = d->action == NF_DEADMAN_OFF ? NF_WDT_ACTION_POWER_DOWN : NF_WDT_ACTION_POWER_CYCLE,
                .pretimeout_irq = NF_WDT_PRE_NONE,
                /* An expiry before this one (the first kernel's petter
                 * starved by the hang) must not be read as ours. */
                .expired_flags = 0x3E,
                .initial_ds = nf_deadman_countdown_ds(d->stall_s),
        };
}

void nf_deadman_stop_timer(const nf_deadman *d, nf_watchdog *ret) {
        assert(d);
        assert(ret);
        /* Not started, and action none: a timer that anything starts
         * again by mistake (a Reset) can no longer cut the power. */
        *ret = (nf_watchdog) {
                .use = NF_WDT_USE_SMS_OS,
                .running = false,
                .action = NF_WDT_ACTION_NONE,
                .pretimeout_irq = NF_WDT_PRE_NONE,
                .initial_ds = nf_deadman_countdown_ds(d->stall_s),
        };
}
