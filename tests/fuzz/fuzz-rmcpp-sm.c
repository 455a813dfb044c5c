/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The RMCP+ engine (ipmi/rmcpp-sm.h) fed arbitrary datagrams in each of
 * its states.  The test BMC (tests/unit/test-bmc.h) brings a session into
 * the state that byte 0 names, with the cipher suite and workaround flags
 * it names too; the BMC's reply to the message then in flight is held
 * back.  The rest of the input is a list of operations:
 *   op%4 == 0  LEN BYTES...   a datagram of LEN arbitrary bytes arrives
 *   op%4 == 1  OFF XOR        the held reply arrives with one byte changed
 *   op%4 == 2  N              N * 50 ms pass (the engine's tick)
 *   op%4 == 3                 the held reply arrives as it is
 * Whatever the engine sends goes to the test BMC, whose newest reply is
 * held in turn.
 *
 * Besides the sanitizers, it checks what must hold whatever arrives: the
 * state is one of the machine's, a waiting state has a deadline and a
 * resting one none, a once request (Chassis Control) leaves at most once,
 * and arbitrary bytes (op 0), which cannot carry the session's integrity
 * code, never complete a request or the set-up's last step.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <freeipmi/freeipmi.h>

#include "rmcpp-harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum target {
        T_IDLE, T_AUTH_CAPS, T_OPEN_SESSION, T_RAKP1, T_RAKP3, T_SET_PRIV, T_ACTIVE,
        T_REQUEST, T_REQUEST_ONCE, T_CLOSING, T_CLOSED, T_FAILED, _T_MAX,
};

static const uint8_t suites[4] = { 3, 8, 12, 17 };
static const unsigned flag_sets[4] = {
        0,
        IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_NO_CHECKSUM_CHECK,
        IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE,
        IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_SUPERMICRO_2_0_SESSION |
                IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_AUTHENTICATION_CAPABILITIES,
};

typedef struct fz {
        rh h;
        uint8_t held[TBMC_DATAGRAM_MAX];
        size_t held_len;
        unsigned once_sent;             /* datagrams sent while a once request waits */
        bool once;
} fz;

static void check(fz *f) {
        nf_rmcpp_state st = nf_rmcpp_get_state(f->h.s);
        uint64_t d = nf_rmcpp_deadline(f->h.s);

        if ((unsigned) st >= _NF_RMCPP_STATE_MAX)
                abort();
        if ((st == NF_RMCPP_IDLE || st == NF_RMCPP_ACTIVE || st == NF_RMCPP_CLOSED || st == NF_RMCPP_FAILED) !=
            (d == UINT64_MAX))
                abort();
        if (f->once_sent > 1)
                abort();
        if (st != NF_RMCPP_REQUEST)
                f->once = false;
}

/* Engine -> BMC; the BMC's newest reply is held. */
static void carry(fz *f) {
        uint8_t buf[NF_RMCPP_DATAGRAM_MAX];
        size_t n;

        while ((n = nf_rmcpp_take_datagram(f->h.s, buf, sizeof(buf))) > 0) {
                if (n > NF_RMCPP_DATAGRAM_MAX)
                        abort();
                if (f->once)
                        f->once_sent++;
                tbmc_input(f->h.b, buf, n);
        }
        while ((n = tbmc_take(f->h.b, buf, sizeof(buf))) > 0) {
                memcpy(f->held, buf, n);
                f->held_len = n;
        }
}

static nf_rmcpp_event deliver(fz *f, const uint8_t *pkt, size_t len) {
        /* A copy the size of the datagram, so ASan sees any over-read. */
        uint8_t *copy = malloc(len ? len : 1);
        nf_rmcpp_event ev;

        if (!copy)
                abort();
        memcpy(copy, pkt, len);
        ev = nf_rmcpp_receive(f->h.s, copy, len, f->h.now);
        free(copy);
        return ev;
}

/* Runs the set-up step by step until `st` waits for its reply. */
static void setup_until(fz *f, nf_rmcpp_state st) {
        nf_rmcpp_open(f->h.s, f->h.now);
        for (int i = 0; i < 32 && nf_rmcpp_get_state(f->h.s) != st; i++) {
                carry(f);
                if (!f->held_len)
                        break;
                deliver(f, f->held, f->held_len);
                f->held_len = 0;
        }
        carry(f);
}

static void bring(fz *f, enum target t) {
        const uint8_t diag = 0x04;

        switch (t) {
        case T_IDLE:
                break;
        case T_AUTH_CAPS: setup_until(f, NF_RMCPP_AUTH_CAPS); break;
        case T_OPEN_SESSION: setup_until(f, NF_RMCPP_OPEN_SESSION); break;
        case T_RAKP1: setup_until(f, NF_RMCPP_RAKP1); break;
        case T_RAKP3: setup_until(f, NF_RMCPP_RAKP3); break;
        case T_SET_PRIV: setup_until(f, NF_RMCPP_SET_PRIV); break;
        case T_ACTIVE:
        case T_FAILED:
                rh_open(&f->h);
                break;
        case T_REQUEST:
                if (rh_open(&f->h) == NF_RMCPP_EV_OPENED)
                        nf_rmcpp_request(f->h.s, 0x06, 0x01, NULL, 0, false, f->h.now);
                carry(f);
                break;
        case T_REQUEST_ONCE:
                if (rh_open(&f->h) == NF_RMCPP_EV_OPENED &&
                    nf_rmcpp_request(f->h.s, 0x00, 0x02, &diag, 1, true, f->h.now) == NF_OK)
                        f->once = true;
                carry(f);
                break;
        case T_CLOSING:
                if (rh_open(&f->h) == NF_RMCPP_EV_OPENED)
                        nf_rmcpp_close(f->h.s, f->h.now);
                carry(f);
                break;
        case T_CLOSED:
                if (rh_open(&f->h) == NF_RMCPP_EV_OPENED && nf_rmcpp_close(f->h.s, f->h.now) == NF_OK)
                        rh_run(&f->h, NF_RMCPP_EV_CLOSED, 60000);
                break;
        default:
                break;
        }
        /* The set-up above may have held nothing or delivered everything:
         * the reply to what is in flight now is the one held. */
        if (f->once)
                f->once_sent = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        nf_lan_params p;
        tbmc_config c = rh_bmc_config();
        enum target t;
        size_t i = 1;
        fz f;

        if (size < 1)
                return 0;
        t = (enum target) ((data[0] & 0x0f) % _T_MAX);
        p = rh_params(suites[(data[0] >> 4) & 3]);
        p.workaround_flags = flag_sets[data[0] >> 6];
        if (p.workaround_flags & IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_NO_CHECKSUM_CHECK)
                c.quirks = TBMC_Q_BAD_CHECKSUM;
        if (p.workaround_flags & IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE)
                c.quirks = TBMC_Q_OPENSESSPRIV;
        if (p.workaround_flags & IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_SUPERMICRO_2_0_SESSION)
                c.quirks = TBMC_Q_SUPERMICRO20 | TBMC_Q_AUTHCAP;
        if (t == T_FAILED)
                p.password = "not-the-password";
        memset(&f, 0, sizeof(f));
        rh_init(&f.h, &p, &c);
        bring(&f, t);
        check(&f);

        while (i < size) {
                uint8_t op = data[i++];
                nf_rmcpp_state before = nf_rmcpp_get_state(f.h.s);
                nf_rmcpp_event ev = NF_RMCPP_EV_NONE;

                switch (op % 4) {
                case 0: {
                        size_t len = i < size ? data[i++] : 0;
                        if (len > size - i)
                                len = size - i;
                        ev = deliver(&f, data + i, len);
                        i += len;
                        /* Arbitrary bytes cannot carry the integrity code. */
                        if ((before == NF_RMCPP_REQUEST && ev == NF_RMCPP_EV_RESPONSE) ||
                            (before == NF_RMCPP_SET_PRIV && ev == NF_RMCPP_EV_OPENED))
                                abort();
                        break;
                }
                case 1:
                        if (i + 2 <= size && f.held_len) {
                                uint8_t copy[TBMC_DATAGRAM_MAX];
                                memcpy(copy, f.held, f.held_len);
                                copy[data[i] % f.held_len] ^= data[i + 1];
                                ev = deliver(&f, copy, f.held_len);
                        }
                        i += 2;
                        break;
                case 2:
                        if (i < size) {
                                f.h.now += (uint64_t) data[i] * 50;
                                ev = nf_rmcpp_tick(f.h.s, f.h.now);
                        }
                        i++;
                        break;
                case 3:
                        if (f.held_len) {
                                ev = deliver(&f, f.held, f.held_len);
                                f.held_len = 0;
                        }
                        break;
                }
                (void) ev;
                carry(&f);
                check(&f);
        }
        rh_done(&f.h);
        return 0;
}
