/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nmifenced's liveness poll (agent/host-watch.c) against ipmi_sim with the
 * lab module's watchdog, fed into the liveness machine (agent/liveness-sm.c):
 * a second session plays the host's petter (Set Watchdog Timer, action
 * none, then Reset); the poll sees the timer run, and once the petter
 * stops, expire; the machine goes healthy -> suspect on it.  SEL records
 * posted after the first poll (OS Critical Stop as Linux's panic event,
 * a dump-start) reach the poll; a BMC that is killed is "BMC not
 * answering", not a dead host, and the next poll after its restart
 * re-opens the session.  The TCP probe against a listening and a closed
 * loopback port.
 */

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bmc-fixture.h"
#include "dump-event.h"
#include "host-watch.h"
#include "liveness-sm.h"

static bmc_fixture bmc;

static void stop(void) {
        bmc_fixture_stop(&bmc);
}

static uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms) {
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
        clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
}

/* The fixture's BMC has no host behind it, so it reports power off, and
 * an off host is not watched: the machine gets the poll without the power
 * reading (the watchdog and SEL are what is tested here). */
static void feed(nf_live *live, nf_live_poll *o) {
        o->power_known = false;
        nf_live_feed_poll(live, o, now_ms());
}

static uint16_t listening_port(int *ret_fd) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof a;
        int fd = socket(AF_INET, SOCK_STREAM, 0);

        CHECK(fd >= 0 && bind(fd, (struct sockaddr *) &a, sizeof a) == 0 && listen(fd, 4) == 0, "listen");
        CHECK(getsockname(fd, (struct sockaddr *) &a, &len) == 0, "getsockname");
        *ret_fd = fd;
        return ntohs(a.sin_port);
}

int main(void) {
        nf_host_watch w = { 0 };
        nf_session *petter = NULL;
        nf_lan_params p;
        nf_error err;
        nf_live_poll o;
        nf_live live;
        nf_fence_rate rate;
        nf_watchdog set = { .use = NF_WDT_USE_SMS_OS, .action = NF_WDT_ACTION_NONE, .expired_flags = 0x3E,
                            .initial_ds = 20 };
        nf_live_params lp = { .poll_interval_ms = 500, .grace_ms = 1000, .bmc_lost_after_ms = 1000,
                              .dump_stall_ms = 10000, .policy = NF_POLICY_DUMP_CYCLE };
        char buf[256];
        int rc, lfd;

        rc = bmc_fixture_start(&bmc);
        if (rc != 0)
                return rc;
        atexit(stop);
        if ((rc = bmc_fixture_need_watchdog(&bmc)) != 0)
                return rc;
        bmc_fixture_lan_params(&bmc, &p);
        w.lan = p;
        CHECK(nf_session_open_lan(&p, &petter, &err) == NF_OK, "petter: %s", nf_error_format(&err, buf, sizeof buf));
        nf_fence_rate_init(&rate, 1, 60000);
        nf_live_init(&live, &lp, now_ms());

        /* First poll: the BMC answers; no timer yet; the SEL position is taken. */
        nf_host_watch_poll(&w, &o);
        CHECK(o.bmc_ok && o.wd_known && !o.wd.running && o.power_known, "first poll: bmc %d wd %d running %d",
              o.bmc_ok, o.wd_known, o.wd.running);
        feed(&live, &o);
        CHECK(live.state == NF_LS_HEALTHY, "state %s", nf_live_state_str(live.state));
        CHECK(w.cursor_valid, "no SEL cursor");

        /* The host arms and pets its watchdog. */
        CHECK_OK(petter, nf_set_watchdog(petter, &set));
        for (int i = 0; i < 3; i++) {
                CHECK_OK(petter, nf_reset_watchdog(petter));
                sleep_ms(300);
                nf_host_watch_poll(&w, &o);
                CHECK(o.bmc_ok && o.wd_known && o.wd.running && o.wd.present_ds <= 20 && o.wd.present_ds >= 14,
                      "petted: running %d present %u", o.wd.running, o.wd.present_ds);
                feed(&live, &o);
                CHECK(live.state == NF_LS_HEALTHY, "petted: %s (%s)", nf_live_state_str(live.state), live.reason);
        }
        CHECK(live.wd_armed_seen, "the machine did not see the timer armed");

        /* The petter stops: within 2 s the BMC's timer expires. */
        uint64_t t_stop = now_ms();
        while (live.state == NF_LS_HEALTHY && now_ms() - t_stop < 5000) {
                sleep_ms(250);
                nf_host_watch_poll(&w, &o);
                CHECK(o.bmc_ok, "BMC stopped answering");
                feed(&live, &o);
        }
        CHECK(live.state == NF_LS_SUSPECT, "not suspect after the petter stopped: %s", nf_live_state_str(live.state));
        CHECK(strstr(live.reason, "BMC watchdog expired (SMS/OS timer, not petted for 2.0 s)"), "why: %s",
              live.reason);
        printf("suspect %.1f s after the last pet: %s\n", (double) (now_ms() - t_stop) / 1000.0, live.reason);
        sleep_ms(1000);
        nf_live_action a = nf_live_next(&live, &rate, now_ms());
        CHECK(a.kind == NF_LACT_FENCE && a.fence == NF_LIVE_FENCE_DUMP, "after grace: action %d", a.kind);

        /* SEL records after the cursor: Linux's panic event, a dump-start. */
        nf_event ev = { .generator_id = 0x0041, .evm_rev = 4, .sensor_type = 0x20, .event_dir_type = 0x6F,
                        .data = { 0xA1, 0x4B, 0x65 } };
        uint8_t raw[NF_SEL_RECORD_SIZE];
        uint16_t id;
        nf_sel_record_encode_event(&ev, 0, raw);
        /* The petter's session sat idle through the expiry: open it again. */
        CHECK(nf_session_reopen(petter) == NF_OK, "petter reopen");
        CHECK_OK(petter, nf_sel_add_entry(petter, raw, &id));
        nf_host_watch_poll(&w, &o);
        CHECK(o.bmc_ok && o.os_critical && o.os_critical_kind == NF_OS_STOP_CRITICAL_RUNTIME && !o.dump_record,
              "panic event: critical %d kind %d", o.os_critical, o.os_critical_kind);
        nf_stage_encode(&(nf_stage_msg) { .stage = NF_STAGE_DUMP_START, .arg = 1 }, &ev);
        nf_sel_record_encode_event(&ev, 0, raw);
        CHECK_OK(petter, nf_sel_add_entry(petter, raw, &id));
        nf_host_watch_poll(&w, &o);
        CHECK(o.dump_record && !o.dump_end && !o.os_critical, "dump-start: record %d end %d", o.dump_record,
              o.dump_end);
        nf_host_watch_poll(&w, &o);
        CHECK(!o.dump_record && !o.os_critical, "a record was delivered twice");

        /* The BMC goes away: not answering, which the machine calls bmc-lost. */
        petter = nf_session_free(petter);
        nf_live_init(&live, &lp, now_ms());
        nf_host_watch_poll(&w, &o);
        feed(&live, &o);
        bmc_fixture_kill(&bmc);
        uint64_t t_kill = now_ms();
        nf_host_watch_poll(&w, &o);
        CHECK(!o.bmc_ok, "a killed BMC answered");
        printf("BMC killed: poll took %.1f s: %s\n", (double) (now_ms() - t_kill) / 1000.0,
               nf_error_format(&w.err, buf, sizeof buf));
        sleep_ms(1000);
        feed(&live, &o);
        CHECK(live.state == NF_LS_BMC_LOST, "killed BMC: %s", nf_live_state_str(live.state));
        CHECK(nf_live_next(&live, &rate, now_ms()).kind != NF_LACT_FENCE, "a silent BMC led to a fence");
        CHECK(bmc_fixture_restart(&bmc) == 0, "restart");
        nf_host_watch_poll(&w, &o);
        CHECK(o.bmc_ok && o.wd_known, "after the BMC restart: bmc %d wd %d (%s)", o.bmc_ok, o.wd_known,
              nf_error_format(&w.err, buf, sizeof buf));
        feed(&live, &o);
        CHECK(live.state == NF_LS_HEALTHY, "after restart: %s", nf_live_state_str(live.state));
        nf_host_watch_done(&w);

        /* The TCP probe. */
        uint16_t port = listening_port(&lfd);
        CHECK(nf_tcp_probe("127.0.0.1", port, 1000), "probe of a listening port failed");
        close(lfd);
        CHECK(!nf_tcp_probe("127.0.0.1", port, 1000), "probe of a closed port succeeded");
        printf("ok\n");
        return 0;
}
