/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Watchdog timer commands' bytes: IPMI 2.0 tables 27-6 (Set) and 27-7 (Get). */

#include <assert.h>
#include <string.h>

#include "byte-order.h"
#include "watchdog-codec.h"

nf_wdt_decode_status nf_watchdog_decode(const uint8_t *rsp, size_t len, nf_watchdog *ret) {
        nf_watchdog w = {};

        if (!rsp || !ret || len < NF_WDT_GET_RSP_LEN)
                return NF_WDT_DECODE_SHORT;

        w.use = rsp[0] & 0x07;
        w.running = rsp[0] & 0x40;
        w.dont_log = rsp[0] & 0x80;
        w.action = rsp[1] & 0x07;
        w.pretimeout_irq = (rsp[1] >> 4) & 0x07;
        w.pretimeout_s = rsp[2];
        /* Bits 0, 6 and 7 are reserved. */
        w.expired_flags = rsp[3] & 0x3E;
        w.initial_ds = nf_get_le16(rsp + 4);
        w.present_ds = nf_get_le16(rsp + 6);

        *ret = w;
        return NF_WDT_DECODE_OK;
}

bool nf_watchdog_expired(const nf_watchdog *w) {
        assert(w);
        if (w->use < NF_WDT_USE_BIOS_FRB2 || w->use > NF_WDT_USE_OEM)
                return false;
        return w->expired_flags & (1u << w->use);
}

void nf_watchdog_encode_set(const nf_watchdog *w, uint8_t out[NF_WDT_SET_REQ_LEN]) {
        assert(w);
        assert(out);

        out[0] = (uint8_t) ((w->use & 0x07) | (w->running ? 0x40 : 0) | (w->dont_log ? 0x80 : 0));
        out[1] = (uint8_t) ((w->action & 0x07) | ((w->pretimeout_irq & 0x07) << 4));
        out[2] = w->pretimeout_s;
        out[3] = w->expired_flags & 0x3E;
        nf_put_le16(out + 4, w->initial_ds);
}

const char *nf_wdt_use_str(uint8_t use) {
        switch (use) {
        case NF_WDT_USE_BIOS_FRB2:
                return "BIOS FRB2";
        case NF_WDT_USE_BIOS_POST:
                return "BIOS/POST";
        case NF_WDT_USE_OS_LOAD:
                return "OS load";
        case NF_WDT_USE_SMS_OS:
                return "SMS/OS";
        case NF_WDT_USE_OEM:
                return "OEM";
        }
        return "reserved";
}

const char *nf_wdt_action_str(uint8_t action) {
        switch (action) {
        case NF_WDT_ACTION_NONE:
                return "none";
        case NF_WDT_ACTION_HARD_RESET:
                return "hard reset";
        case NF_WDT_ACTION_POWER_DOWN:
                return "power down";
        case NF_WDT_ACTION_POWER_CYCLE:
                return "power cycle";
        }
        return "reserved";
}
