/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parts of ipmi/ that need no BMC: workaround names (as ipmi-chassis -W
 * takes them), operator wording of errors and completion codes, and the
 * /dev/ipmi0 transport's failures on a machine without an IPMI device.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <freeipmi/freeipmi.h>

#include "bmc-fixture.h"
#include "nf-commands.h"

static void workarounds(void) {
        const char *bad = NULL;
        size_t bad_len = 0;
        unsigned flags = 0xdead;

        CHECK(nf_workarounds_parse("opensesspriv", &flags, NULL, NULL) == NF_OK, "opensesspriv");
        CHECK(flags == IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE, "flags 0x%x", flags);

        CHECK(nf_workarounds_parse("authcap, intel20,supermicro20,sun20,opensesspriv,integritycheckvalue,"
                                   "NoChecksumCheck",
                                   &flags, NULL, NULL) == NF_OK,
              "all lanplus names");
        CHECK(flags == (IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_AUTHENTICATION_CAPABILITIES |
                        IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_INTEL_2_0_SESSION |
                        IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_SUPERMICRO_2_0_SESSION |
                        IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_SUN_2_0_SESSION |
                        IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE |
                        IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_NON_EMPTY_INTEGRITY_CHECK_VALUE |
                        IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_NO_CHECKSUM_CHECK),
              "flags 0x%x", flags);

        CHECK(nf_workarounds_parse("", &flags, NULL, NULL) == NF_OK && flags == 0, "empty list");

        /* Unknown word: reported, flags untouched. */
        flags = 0x1234;
        CHECK(nf_workarounds_parse("opensesspriv,bogus,sun20", &flags, &bad, &bad_len) == NF_E_INVALID_ARG,
              "bogus accepted");
        CHECK(flags == 0x1234, "flags written on failure");
        CHECK(bad && bad_len == 5 && strncmp(bad, "bogus", 5) == 0, "bad word '%.*s'", (int) bad_len, bad);
        /* IPMI 1.5 only: meaningless on lanplus, so refused. */
        CHECK(nf_workarounds_parse("forcepermsg", &flags, &bad, &bad_len) == NF_E_INVALID_ARG, "forcepermsg");
        CHECK(nf_workarounds_parse(NULL, &flags, NULL, NULL) == NF_E_INVALID_ARG, "NULL list");
}

static void wording(void) {
        nf_error e;
        char buf[200];

        nf_error_set_cc(&e, NF_NETFN_CHASSIS, NF_CMD_CHASSIS_CONTROL, 0xCC);
        CHECK(strcmp(nf_error_format(&e, buf, sizeof(buf)),
                     "Chassis Control: completion code 0xCC (invalid data field in request)") == 0,
              "'%s'", buf);
        nf_error_set_cc(&e, NF_NETFN_SENSOR_EVENT, NF_CMD_PLATFORM_EVENT, 0xC1);
        CHECK(strcmp(nf_error_format(&e, buf, sizeof(buf)), "Platform Event: completion code 0xC1 (invalid command)") == 0,
              "'%s'", buf);
        nf_error_set_cc(&e, 0x2E, 0x99, 0xD4);
        CHECK(strcmp(nf_error_format(&e, buf, sizeof(buf)),
                     "netfn 0x2E cmd 0x99: completion code 0xD4 (insufficient privilege level)") == 0,
              "'%s'", buf);
        nf_error_set(&e, NF_E_PASSWORD, 0, 0, NULL);
        CHECK(strcmp(nf_error_format(&e, buf, sizeof(buf)), "authentication failed: password invalid") == 0,
              "'%s'", buf);

        /* Every generic code of table 5-2 has its own text. */
        for (unsigned cc = 0xC0; cc <= 0xD6; cc++) {
                CHECK(nf_cc_str(cc)[0], "empty text for 0x%02X", cc);
                CHECK(strcmp(nf_cc_str(cc), nf_cc_str(0x42)) != 0, "0x%02X worded as command specific", cc);
        }
        CHECK(strcmp(nf_cc_str(0xFF), "unspecified error") == 0, "0xFF");
        for (int st = 0; st < _NF_STATUS_MAX; st++)
                CHECK(strcmp(nf_status_str(st), "unknown error") != 0, "status %d has no text", st);
        CHECK(strcmp(nf_status_str(_NF_STATUS_MAX), "unknown error") == 0, "out of range");

        /* Truncation never overruns. */
        nf_error_set_cc(&e, NF_NETFN_CHASSIS, NF_CMD_CHASSIS_CONTROL, 0xCC);
        memset(buf, 'X', sizeof(buf));
        nf_error_format(&e, buf, 10);
        CHECK(strlen(buf) == 9 && buf[10] == 'X', "truncated to '%s'", buf);
}

static void dev(void) {
        nf_session *s = (nf_session *) &s, *sentinel = s;
        nf_error err;
        char buf[200];
        uint8_t rsp[8];
        size_t len;
        nf_status r;

        r = nf_session_open_dev("/nonexistent/ipmi0", 1000, &s, &err);
        CHECK(r == NF_E_DEVICE && err.sys_errno == ENOENT, "missing device: %s errno %d", nf_status_str(r),
              err.sys_errno);
        CHECK(s == sentinel, "ret written on failure");
        nf_error_format(&err, buf, sizeof(buf));
        CHECK(strstr(buf, "/nonexistent/ipmi0") && strstr(buf, strerror(ENOENT)), "'%s'", buf);
        printf("dev missing: %s\n", buf);

        /* A node that is not an IPMI device: the ioctl is refused. */
        r = nf_session_open_dev("/dev/null", 1000, &s, &err);
        CHECK(r == NF_OK, "open /dev/null: %s", nf_status_str(r));
        r = nf_session_raw(s, NF_NETFN_APP, NF_CMD_GET_DEVICE_ID, NULL, 0, rsp, sizeof(rsp), &len);
        nf_error_format(nf_session_last_error(s), buf, sizeof(buf));
        CHECK(r == NF_E_DEVICE && nf_session_last_error(s)->sys_errno == ENOTTY, "send on /dev/null: %s", buf);
        CHECK(strncmp(buf, "Get Device ID: ", 15) == 0, "'%s'", buf);
        printf("dev not ipmi: %s\n", buf);
        CHECK(nf_session_reopen(s) == NF_OK, "reopen /dev/null");
        s = nf_session_free(s);
        CHECK(nf_session_free(NULL) == NULL, "free(NULL)");
}

int main(void) {
        workarounds();
        wording();
        dev();
        printf("ok\n");
        return 0;
}
