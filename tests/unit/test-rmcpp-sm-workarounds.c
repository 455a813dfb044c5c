/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The IPMI 2.0 workaround flags (ipmi/workarounds.c) in the RMCP+ engine,
 * packet level: the test BMC behaves like the BMC a flag is for
 * (test-bmc.h, TBMC_Q_*); the engine without the flag cannot set up a
 * session with it, and with the flag it can, and a request goes through.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <freeipmi/freeipmi.h>

#include "rmcpp-harness.h"

/* Parsed the way the configuration does it, so the names are tested too. */
static unsigned flag(const char *name) {
        unsigned flags = 0;

        assert_int_equal(nf_workarounds_parse(name, &flags, NULL, NULL), NF_OK);
        assert_int_not_equal(flags, 0);
        return flags;
}

/* Without the flag: the set-up fails with `without`; with it: set up,
 * and Get Device ID answered. */
static void quirk(unsigned quirks, const char *name, uint8_t suite, nf_status without) {
        nf_lan_params p = rh_params(suite);
        tbmc_config c = rh_bmc_config();
        size_t len;
        rh h;

        c.quirks = quirks;
        rh_init(&h, &p, &c);
        assert_int_equal(rh_open(&h), NF_RMCPP_EV_OPEN_FAILED);
        assert_int_equal(nf_rmcpp_error(h.s)->status, without);
        rh_done(&h);

        p.workaround_flags = flag(name);
        rh_init(&h, &p, &c);
        assert_int_equal(rh_open(&h), NF_RMCPP_EV_OPENED);
        assert_int_equal(rh_request(&h, 0x06, 0x01, NULL, 0, false), NF_RMCPP_EV_RESPONSE);
        assert_non_null(nf_rmcpp_response(h.s, &len));
        assert_int_equal(len, 16);
        rh_done(&h);
}

/* ASUS P5M2: claims anonymous login only. */
static void authcap(void **state) {
        quirk(TBMC_Q_AUTHCAP, "authcap", 3, NF_E_USERNAME);
}

/* Intel SE7520AF2: padded user name, name-only lookup off in RAKP 3,
 * echoes the requested privilege ("highest", 0, without the flag: lower
 * than operator). */
static void intel20(void **state) {
        quirk(TBMC_Q_INTEL20, "intel20", 3, NF_E_PRIVILEGE);
}

/* Supermicro H8QME: RAKP 2 payload one byte long. */
static void supermicro20(void **state) {
        quirk(TBMC_Q_SUPERMICRO20, "supermicro20", 3, NF_E_PASSWORD);
        quirk(TBMC_Q_SUPERMICRO20, "supermicro20", 8, NF_E_PASSWORD);
}

/* Sun Fire 4100: HMAC-SHA1 RAKP 2 code one byte long. */
static void sun20(void **state) {
        quirk(TBMC_Q_SUN20, "sun20", 3, NF_E_PASSWORD);
}

/* Keys computed with the Open Session privilege (ipmi_sim, Supermicro
 * X8DT*, Intel S5500WBV). */
static void opensesspriv(void **state) {
        quirk(TBMC_Q_OPENSESSPRIV, "opensesspriv", 3, NF_E_PASSWORD);
        quirk(TBMC_Q_OPENSESSPRIV, "opensesspriv", 17, NF_E_PASSWORD);
}

/* Supermicro X9SCM-iiF: wrong LAN message checksums.  Without the flag
 * every in-session reply is dropped (counted bad) until the bound. */
static void nochecksumcheck(void **state) {
        nf_lan_params p = rh_params(3);
        tbmc_config c = rh_bmc_config();
        nf_rmcpp_stats st;

        c.quirks = TBMC_Q_BAD_CHECKSUM;
        rh h;
        rh_init(&h, &p, &c);
        assert_int_equal(rh_open(&h), NF_RMCPP_EV_OPEN_FAILED);
        assert_int_equal(nf_rmcpp_error(h.s)->status, NF_E_TIMEOUT);
        nf_rmcpp_get_stats(h.s, &st);
        assert_true(st.dropped_bad >= 1);
        rh_done(&h);

        quirk(TBMC_Q_BAD_CHECKSUM, "nochecksumcheck", 17, NF_E_TIMEOUT);
}

/* integritycheckvalue is for a non-empty RAKP 4 value with cipher suite
 * 0, which the engine refuses (NF_E_INVALID_ARG): the flag is accepted
 * and changes nothing with the suites it runs. */
static void integritycheckvalue(void **state) {
        nf_lan_params p = rh_params(3);
        tbmc_config c = rh_bmc_config();
        rh h;

        p.workaround_flags = flag("integritycheckvalue");
        rh_init(&h, &p, &c);
        assert_int_equal(rh_open(&h), NF_RMCPP_EV_OPENED);
        rh_done(&h);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(authcap),
                cmocka_unit_test(intel20),
                cmocka_unit_test(supermicro20),
                cmocka_unit_test(sun20),
                cmocka_unit_test(opensesspriv),
                cmocka_unit_test(nochecksumcheck),
                cmocka_unit_test(integritycheckvalue),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
