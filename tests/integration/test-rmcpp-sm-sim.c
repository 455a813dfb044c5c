/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The RMCP+ session engine (ipmi/rmcpp-sm.h) against ipmi_sim, driven by
 * a small poll loop of its own on a connected UDP socket.  The loop can
 * drop, duplicate or corrupt chosen datagrams, so the engine's decisions
 * are seen against a real BMC: set-up and requests (cipher suite 3), the
 * diag sent exactly once (the lab module's NMI log), the typed set-up
 * refusals, a lost RAKP 4 (ipmi_sim answers RAKP 3's copy inside the
 * session it activated: the set-up starts again), a lost reply of a
 * request (a new copy) and of the diag (NF_E_REPLY_LOST, never a second
 * NMI), duplicated and corrupted replies (dropped and counted), and a
 * BMC that never answers.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bmc-fixture.h"
#include "nf-commands.h"
#include "rmcpp-sm.h"

static bmc_fixture bmc;

/* What the loop does to the n-th datagram received from the BMC (1-based,
 * counted per run_until call). */
typedef struct script {
        unsigned drop_in;               /* drop this one */
        unsigned dup_in;                /* hand this one over twice */
        unsigned corrupt_in;            /* flip its last byte (the integrity code) */
        unsigned keep_in;               /* keep a copy of this one ... */
        unsigned replay_after;          /* ... and hand it over again after this one */
        bool truncated;                 /* hand over every truncation of each one first */
} script;

static uint64_t mono_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static int connect_udp(uint16_t port) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        CHECK(fd >= 0, "socket: %s", strerror(errno));
        inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        CHECK(connect(fd, (struct sockaddr *) &a, sizeof(a)) == 0, "connect: %s", strerror(errno));
        return fd;
}

static void flush(nf_rmcpp *s, int fd) {
        uint8_t buf[NF_RMCPP_DATAGRAM_MAX];
        size_t n;

        while ((n = nf_rmcpp_take_datagram(s, buf, sizeof(buf))) > 0)
                (void) send(fd, buf, n, 0);
}

/* Runs the engine until an event (or 30 s, a test failure). */
static nf_rmcpp_event run_until(nf_rmcpp *s, int fd, const script *sc) {
        uint64_t give_up = mono_ms() + 30000;
        uint8_t kept[2048];
        size_t kept_len = 0;
        unsigned in = 0;

        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                uint64_t d, now = mono_ms();
                nf_rmcpp_event ev = NF_RMCPP_EV_NONE;
                int r;

                flush(s, fd);
                CHECK(now < give_up, "no event within 30 s in state %s", nf_rmcpp_state_str(nf_rmcpp_get_state(s)));
                d = nf_rmcpp_deadline(s);
                if (d > give_up)
                        d = give_up;
                r = poll(&p, 1, d > now ? (int) (d - now) : 0);
                if (r > 0) {
                        uint8_t buf[2048];
                        ssize_t n = recv(fd, buf, sizeof(buf), 0);

                        if (n <= 0)
                                continue;       /* ICMP port unreachable: wait for the bound */
                        in++;
                        if (sc && sc->drop_in == in)
                                continue;
                        if (sc && sc->corrupt_in == in)
                                buf[n - 1] ^= 0x5A;
                        for (size_t cut = 0; sc && sc->truncated && cut < (size_t) n; cut++) {
                                nf_rmcpp_state before = nf_rmcpp_get_state(s);

                                CHECK(nf_rmcpp_receive(s, buf, cut, mono_ms()) == NF_RMCPP_EV_NONE &&
                                              nf_rmcpp_get_state(s) == before,
                                      "datagram %u cut to %zu of %zd bytes acted on in state %s", in, cut, n,
                                      nf_rmcpp_state_str(before));
                        }
                        if (sc && sc->keep_in == in) {
                                memcpy(kept, buf, (size_t) n);
                                kept_len = (size_t) n;
                        }
                        ev = nf_rmcpp_receive(s, buf, (size_t) n, mono_ms());
                        if (ev == NF_RMCPP_EV_NONE && sc && sc->dup_in == in)
                                ev = nf_rmcpp_receive(s, buf, (size_t) n, mono_ms());
                        if (ev == NF_RMCPP_EV_NONE && sc && sc->replay_after == in && kept_len)
                                ev = nf_rmcpp_receive(s, kept, kept_len, mono_ms());
                } else
                        ev = nf_rmcpp_tick(s, mono_ms());
                if (ev != NF_RMCPP_EV_NONE) {
                        flush(s, fd);
                        return ev;
                }
        }
}

static const char *err_text(nf_rmcpp *s) {
        static char buf[256];

        return nf_error_format(nf_rmcpp_error(s), buf, sizeof(buf));
}

static nf_rmcpp *new_engine(const nf_lan_params *p) {
        nf_rmcpp *s = NULL;
        nf_error e;

        CHECK(nf_rmcpp_new(p, &s, &e) == NF_OK, "nf_rmcpp_new: %s", e.detail);
        return s;
}

static void open_ok(nf_rmcpp *s, int fd, const script *sc) {
        CHECK(nf_rmcpp_open(s, mono_ms()) == NF_OK, "open");
        CHECK(run_until(s, fd, sc) == NF_RMCPP_EV_OPENED, "set-up: %s", err_text(s));
        CHECK(nf_rmcpp_get_state(s) == NF_RMCPP_ACTIVE, "state %s", nf_rmcpp_state_str(nf_rmcpp_get_state(s)));
}

/* One request; returns the event, the response in *ret_cc. */
static nf_rmcpp_event request(nf_rmcpp *s, int fd, uint8_t netfn, uint8_t cmd, const uint8_t *data, size_t len,
                              bool once, const script *sc, uint8_t *ret_cc) {
        nf_rmcpp_event ev;

        CHECK(nf_rmcpp_request(s, netfn, cmd, data, len, once, mono_ms()) == NF_OK, "request");
        ev = run_until(s, fd, sc);
        if (ev == NF_RMCPP_EV_RESPONSE) {
                size_t n;
                const uint8_t *r = nf_rmcpp_response(s, &n);

                CHECK(r && n >= 1, "response without completion code");
                *ret_cc = r[0];
        }
        return ev;
}

static void expect_open_fails(nf_lan_params *p, int fd, nf_status want, const char *text) {
        nf_rmcpp *s = new_engine(p);

        CHECK(nf_rmcpp_open(s, mono_ms()) == NF_OK, "open");
        CHECK(run_until(s, fd, NULL) == NF_RMCPP_EV_OPEN_FAILED, "set-up did not fail");
        CHECK(nf_rmcpp_error(s)->status == want, "status %d, want %d: %s", nf_rmcpp_error(s)->status, want,
              err_text(s));
        CHECK(strstr(err_text(s), text), "\"%s\" does not say \"%s\"", err_text(s), text);
        CHECK(nf_rmcpp_get_state(s) == NF_RMCPP_FAILED, "state %s", nf_rmcpp_state_str(nf_rmcpp_get_state(s)));
        nf_rmcpp_free(s);
}

static void stop(void) {
        bmc_fixture_stop(&bmc);
}

int main(void) {
        const uint8_t diag = NF_CHASSIS_DIAG;
        nf_rmcpp_stats st;
        nf_lan_params p;
        nf_rmcpp *s;
        uint64_t t0;
        uint8_t cc;
        int fd, rc, nmi;

        rc = bmc_fixture_start(&bmc);
        if (rc != 0)
                return rc;
        atexit(stop);
        fd = connect_udp(bmc.port);
        bmc_fixture_lan_params(&bmc, &p);

        /* The plain path, cipher suite 3. */
        s = new_engine(&p);
        open_ok(s, fd, NULL);
        CHECK(request(s, fd, NF_NETFN_APP, NF_CMD_GET_DEVICE_ID, NULL, 0, false, NULL, &cc) == NF_RMCPP_EV_RESPONSE,
              "Get Device ID: %s", err_text(s));
        CHECK(cc == 0, "Get Device ID cc 0x%02X", cc);
        CHECK(request(s, fd, NF_NETFN_CHASSIS, NF_CMD_GET_CHASSIS_STATUS, NULL, 0, false, NULL, &cc) ==
                      NF_RMCPP_EV_RESPONSE,
              "Get Chassis Status: %s", err_text(s));
        CHECK(cc == 0, "Get Chassis Status cc 0x%02X", cc);
        nmi = bmc_fixture_nmi_count(&bmc);
        CHECK(request(s, fd, NF_NETFN_CHASSIS, NF_CMD_CHASSIS_CONTROL, &diag, 1, true, NULL, &cc) ==
                      NF_RMCPP_EV_RESPONSE,
              "diag: %s", err_text(s));
        CHECK(cc == 0, "diag cc 0x%02X", cc);
        if (nmi >= 0)
                CHECK(bmc_fixture_nmi_count(&bmc) == nmi + 1, "NMI log has %d lines, want %d",
                      bmc_fixture_nmi_count(&bmc), nmi + 1);
        CHECK(nf_rmcpp_close(s, mono_ms()) == NF_OK, "close");
        CHECK(run_until(s, fd, NULL) == NF_RMCPP_EV_CLOSED, "close");
        nf_rmcpp_get_stats(s, &st);
        CHECK(st.requests == 3 && st.retransmits == 0 && st.setup_retransmits == 0 && st.dropped_stale == 0 &&
                      st.dropped_bad == 0 && st.setups == 1 && st.datagrams_sent == 9 && st.datagrams_received == 9,
              "stats: requests %lu rtx %lu setup rtx %lu stale %lu bad %lu sent %lu received %lu",
              (unsigned long) st.requests, (unsigned long) st.retransmits, (unsigned long) st.setup_retransmits,
              (unsigned long) st.dropped_stale, (unsigned long) st.dropped_bad,
              (unsigned long) st.datagrams_sent, (unsigned long) st.datagrams_received);
        nf_rmcpp_free(s);

        /* Every datagram cut short first, in every state: all dropped as
         * bad (never a "wrong password" from a cut-off RAKP 2), and the
         * whole datagram then taken. */
        s = new_engine(&p);
        open_ok(s, fd, &(script){ .truncated = true });
        CHECK(request(s, fd, NF_NETFN_APP, NF_CMD_GET_DEVICE_ID, NULL, 0, false, &(script){ .truncated = true }, &cc) ==
                      NF_RMCPP_EV_RESPONSE,
              "Get Device ID after its truncations: %s", err_text(s));
        nf_rmcpp_get_stats(s, &st);
        CHECK(st.retransmits == 0 && st.setup_retransmits == 0, "copies were sent");
        CHECK(st.dropped_stale == 0, "dropped_stale %lu", (unsigned long) st.dropped_stale);
        nf_rmcpp_free(s);

        /* The Open Session Response (2nd in) or RAKP 2 (3rd) lost: that
         * message again, one counted copy. */
        for (unsigned lost = 2; lost <= 3; lost++) {
                s = new_engine(&p);
                open_ok(s, fd, &(script){ .drop_in = lost });
                nf_rmcpp_get_stats(s, &st);
                CHECK(st.setup_retransmits == 1 && st.setup_restarts == 0, "datagram %u lost: %lu copies, %lu restarts",
                      lost, (unsigned long) st.setup_retransmits, (unsigned long) st.setup_restarts);
                nf_rmcpp_free(s);
        }

        /* The null user (ipmi_sim's user 1, user level). */
        bmc_fixture_lan_params(&bmc, &p);
        p.user = "";
        p.password = "nf-anon-pw";
        p.privilege = NF_PRIV_USER;
        s = new_engine(&p);
        open_ok(s, fd, NULL);
        CHECK(request(s, fd, NF_NETFN_APP, NF_CMD_GET_DEVICE_ID, NULL, 0, false, NULL, &cc) == NF_RMCPP_EV_RESPONSE &&
                      cc == 0,
              "Get Device ID as the null user: %s", err_text(s));
        nf_rmcpp_free(s);
        bmc_fixture_lan_params(&bmc, &p);

        /* RAKP 4 (the 4th datagram in) lost: the copy of RAKP 3 is answered
         * by ipmi_sim inside the session it activated, and the set-up
         * starts again from Open Session. */
        s = new_engine(&p);
        open_ok(s, fd, &(script){ .drop_in = 4 });
        nf_rmcpp_get_stats(s, &st);
        CHECK(st.setup_restarts == 1, "setup_restarts %lu", (unsigned long) st.setup_restarts);
        CHECK(st.setup_retransmits == 1, "setup_retransmits %lu", (unsigned long) st.setup_retransmits);
        CHECK(st.dropped_stale == 0, "the in-session RAKP 4 was dropped, not acted on");
        nf_rmcpp_free(s);

        /* The same, and that in-session RAKP 4 (5th in) comes again while
         * the second set-up waits for its own RAKP 4 (after its RAKP 2,
         * the 7th): late, for the abandoned session, dropped. */
        s = new_engine(&p);
        open_ok(s, fd, &(script){ .drop_in = 4, .keep_in = 5, .replay_after = 7 });
        nf_rmcpp_get_stats(s, &st);
        CHECK(st.setup_restarts == 1, "setup_restarts %lu", (unsigned long) st.setup_restarts);
        CHECK(st.dropped_stale == 1, "dropped_stale %lu", (unsigned long) st.dropped_stale);

        /* A request's reply lost: one more copy, counted. */
        CHECK(request(s, fd, NF_NETFN_APP, NF_CMD_GET_DEVICE_ID, NULL, 0, false, &(script){ .drop_in = 1 }, &cc) ==
                      NF_RMCPP_EV_RESPONSE,
              "Get Device ID after a lost reply: %s", err_text(s));
        nf_rmcpp_get_stats(s, &st);
        CHECK(st.retransmits == 1, "retransmits %lu", (unsigned long) st.retransmits);

        /* A duplicated reply is dropped as stale once the request is
         * answered; a corrupted one (integrity code) as bad, and the
         * request's next copy answers. */
        CHECK(request(s, fd, NF_NETFN_CHASSIS, NF_CMD_GET_CHASSIS_STATUS, NULL, 0, false, &(script){ .dup_in = 1 },
                      &cc) == NF_RMCPP_EV_RESPONSE,
              "Get Chassis Status: %s", err_text(s));
        CHECK(nf_rmcpp_receive(s, (const uint8_t *) "\x06\x00\xff\x07", 4, mono_ms()) == NF_RMCPP_EV_NONE,
              "junk in ACTIVE");
        CHECK(request(s, fd, NF_NETFN_CHASSIS, NF_CMD_GET_CHASSIS_STATUS, NULL, 0, false,
                      &(script){ .corrupt_in = 1 }, &cc) == NF_RMCPP_EV_RESPONSE,
              "Get Chassis Status after a corrupt reply: %s", err_text(s));
        nf_rmcpp_get_stats(s, &st);
        CHECK(st.dropped_bad == 1, "dropped_bad %lu", (unsigned long) st.dropped_bad);
        CHECK(st.dropped_stale == 2, "dropped_stale %lu (the replayed RAKP 4 and the junk in ACTIVE)",
              (unsigned long) st.dropped_stale);
        CHECK(st.retransmits == 2, "retransmits %lu", (unsigned long) st.retransmits);

        /* The diag's reply lost: never sent again, NF_E_REPLY_LOST after the
         * request bound, and exactly one NMI at the BMC. */
        nmi = bmc_fixture_nmi_count(&bmc);
        t0 = mono_ms();
        CHECK(request(s, fd, NF_NETFN_CHASSIS, NF_CMD_CHASSIS_CONTROL, &diag, 1, true, &(script){ .drop_in = 1 },
                      &cc) == NF_RMCPP_EV_REQUEST_FAILED,
              "diag with its reply lost did not fail");
        CHECK(nf_rmcpp_error(s)->status == NF_E_REPLY_LOST, "%s", err_text(s));
        {
                /* A once request's bound: an ordinary request's wait for
                 * its first two copies, within the session timeout. */
                uint64_t bound = nf_rmcpp_retransmit_wait(p.retransmit_timeout_ms, 1) +
                                 nf_rmcpp_retransmit_wait(p.retransmit_timeout_ms, 2);
                uint64_t took = mono_ms() - t0;

                if (bound > p.session_timeout_ms)
                        bound = p.session_timeout_ms;
                CHECK(took >= bound, "gave up before the bound (%lu ms < %lu ms)", (unsigned long) took,
                      (unsigned long) bound);
                CHECK(took < p.session_timeout_ms, "waited the whole session timeout (%lu ms)",
                      (unsigned long) took);
        }
        nf_rmcpp_get_stats(s, &st);
        CHECK(st.retransmits == 2, "the diag was retransmitted (%lu)", (unsigned long) st.retransmits);
        if (nmi >= 0)
                CHECK(bmc_fixture_nmi_count(&bmc) == nmi + 1, "NMI log has %d lines, want %d",
                      bmc_fixture_nmi_count(&bmc), nmi + 1);
        CHECK(nf_rmcpp_get_state(s) == NF_RMCPP_FAILED, "state %s", nf_rmcpp_state_str(nf_rmcpp_get_state(s)));
        nf_rmcpp_free(s);

        /* Refusals, typed and worded as the CLI tests grep them. */
        bmc_fixture_lan_params(&bmc, &p);
        p.password = "wrong-password";
        expect_open_fails(&p, fd, NF_E_PASSWORD, "password invalid");
        bmc_fixture_lan_params(&bmc, &p);
        p.user = "nosuchuser";
        expect_open_fails(&p, fd, NF_E_USERNAME, "username invalid");
        bmc_fixture_lan_params(&bmc, &p);
        p.cipher_suite = 17;
        expect_open_fails(&p, fd, NF_E_CIPHER, "RMCP+ status 0x04");
        /* ipmi_sim has no K_g: its capabilities say so, and with those
         * not believed ("authcap") RAKP 4's integrity check value, made
         * from the session integrity key of a K_g it does not use, fails. */
        bmc_fixture_lan_params(&bmc, &p);
        p.k_g = (const uint8_t *) "not-the-bmcs-k_g";
        p.k_g_len = 16;
        expect_open_fails(&p, fd, NF_E_KG, "K_g invalid");
        CHECK(nf_workarounds_parse("opensesspriv,authcap", &p.workaround_flags, NULL, NULL) == NF_OK, "authcap");
        expect_open_fails(&p, fd, NF_E_KG, "K_g invalid");

        /* Nothing answers: NF_E_TIMEOUT at the set-up bound. */
        close(fd);
        fd = connect_udp(bmc_fixture_free_udp_port());
        bmc_fixture_lan_params(&bmc, &p);
        p.session_timeout_ms = 1500;
        p.retransmit_timeout_ms = 300;
        t0 = mono_ms();
        expect_open_fails(&p, fd, NF_E_TIMEOUT, "BMC did not answer");
        CHECK(mono_ms() - t0 >= 1500 && mono_ms() - t0 < 1500 * 7 / 4, "took %lu ms",
              (unsigned long) (mono_ms() - t0));
        close(fd);
        printf("ok\n");
        return 0;
}
