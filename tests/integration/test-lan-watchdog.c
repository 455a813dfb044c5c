/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The watchdog timer commands over lanplus against ipmi_sim with the lab
 * module's watchdog (tests/lab/bmc/nf_watchdog.c, IPMI 2.0 section 27):
 * Reset before Set is completion code 80h, kept up to the caller; a
 * timer with action "none" set by the host counts down once reset, its
 * present countdown falls, and on expiry it stops with the SMS/OS
 * expiration flag set; Set clears the flag; an action the BMC cannot carry
 * out (reset without a host) is 0xCC.  This is what nmifenced reads.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bmc-fixture.h"
#include "nf-commands.h"

static bmc_fixture bmc;

static void stop(void) {
        bmc_fixture_stop(&bmc);
}

static void sleep_ms(long ms) {
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
        clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
}

int main(void) {
        nf_session *s = NULL;
        nf_lan_params p;
        nf_error err;
        nf_watchdog w, set;
        char buf[256];
        nf_status r;
        int rc;

        rc = bmc_fixture_start(&bmc);
        if (rc != 0)
                return rc;
        atexit(stop);
        if ((rc = bmc_fixture_need_watchdog(&bmc)) != 0)
                return rc;
        bmc_fixture_lan_params(&bmc, &p);
        r = nf_session_open_lan(&p, &s, &err);
        CHECK(r == NF_OK, "open: %s", nf_error_format(&err, buf, sizeof(buf)));

        /* Never set: not running, and Reset is refused with 80h. */
        CHECK_OK(s, nf_get_watchdog(s, &w));
        CHECK(!w.running && w.present_ds == 0, "fresh timer running=%d present=%u", w.running, w.present_ds);
        r = nf_reset_watchdog(s);
        CHECK(r == NF_E_COMPLETION, "reset before set: %s", nf_status_str(r));
        nf_error_format(nf_session_last_error(s), buf, sizeof buf);
        CHECK(nf_session_last_error(s)->cc == 0x80, "cc 0x%02x", nf_session_last_error(s)->cc);
        CHECK(strcmp(buf, "Reset Watchdog Timer: completion code 0x80 (command specific completion code)") == 0,
              "formatted as '%s'", buf);

        /* The host's set-up: SMS/OS, action none, 2.0 s, flags cleared. */
        set = (nf_watchdog) { .use = NF_WDT_USE_SMS_OS, .action = NF_WDT_ACTION_NONE, .expired_flags = 0x3E,
                              .initial_ds = 20 };
        CHECK_OK(s, nf_set_watchdog(s, &set));
        CHECK_OK(s, nf_get_watchdog(s, &w));
        CHECK(w.use == NF_WDT_USE_SMS_OS && w.action == NF_WDT_ACTION_NONE && w.initial_ds == 20 && !w.running,
              "after set: use %u action %u initial %u running %d", w.use, w.action, w.initial_ds, w.running);

        /* A pet starts it; the countdown falls. */
        CHECK_OK(s, nf_reset_watchdog(s));
        CHECK_OK(s, nf_get_watchdog(s, &w));
        CHECK(w.running && w.present_ds > 10 && w.present_ds <= 20, "after pet: running %d present %u", w.running,
              w.present_ds);
        uint16_t first = w.present_ds;
        sleep_ms(700);
        CHECK_OK(s, nf_get_watchdog(s, &w));
        CHECK(w.running && w.present_ds < first && w.present_ds >= first - 10, "present %u after 0.7 s (was %u)",
              w.present_ds, first);
        CHECK(!nf_watchdog_expired(&w), "expired while running");

        /* Not petted: it expires, stops, and says so. */
        sleep_ms(1800);
        CHECK_OK(s, nf_get_watchdog(s, &w));
        CHECK(!w.running && w.present_ds == 0 && nf_watchdog_expired(&w),
              "after expiry: running %d present %u flags 0x%02x", w.running, w.present_ds, w.expired_flags);
        printf("expired: flags 0x%02x, timer stopped, action %s\n", w.expired_flags, nf_wdt_action_str(w.action));

        /* A pet restarts it; the flag stays until a Set clears it. */
        CHECK_OK(s, nf_reset_watchdog(s));
        CHECK_OK(s, nf_get_watchdog(s, &w));
        CHECK(w.running && nf_watchdog_expired(&w), "after re-pet: running %d flags 0x%02x", w.running,
              w.expired_flags);
        set.running = true;     /* don't stop */
        CHECK_OK(s, nf_set_watchdog(s, &set));
        CHECK_OK(s, nf_get_watchdog(s, &w));
        CHECK(w.running && !nf_watchdog_expired(&w), "after set (don't stop): running %d flags 0x%02x", w.running,
              w.expired_flags);
        set.running = false;    /* stop */
        CHECK_OK(s, nf_set_watchdog(s, &set));
        CHECK_OK(s, nf_get_watchdog(s, &w));
        CHECK(!w.running, "set without don't-stop left it running");

        /* No host on the system interface: a reset action cannot be done. */
        set.action = NF_WDT_ACTION_HARD_RESET;
        r = nf_set_watchdog(s, &set);
        CHECK(r == NF_E_COMPLETION && nf_session_last_error(s)->cc == 0xCC, "reset action without host: %s",
              nf_status_str(r));

        /* Out of range is refused before anything is sent. */
        uint64_t before = nf_session_requests(s);
        set.use = 0;
        CHECK(nf_set_watchdog(s, &set) == NF_E_INVALID_ARG, "use 0 accepted");
        CHECK(nf_session_requests(s) == before, "invalid set was sent");

        s = nf_session_free(s);
        printf("ok\n");
        return 0;
}
