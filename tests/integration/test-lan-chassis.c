/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Over one lanplus session to ipmi_sim: Get Device ID, Get Chassis Status,
 * every Chassis Control sub-command nmifence sends, and that diag reaches
 * the BMC as exactly one NMI request (the lab's nf_diag module logs it),
 * sent on the same session, as the engine counts it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmc-fixture.h"
#include "nf-commands.h"

static bmc_fixture bmc;

static void stop(void) {
        bmc_fixture_stop(&bmc);
}

int main(void) {
        nf_session *s = NULL;
        nf_lan_params p;
        nf_error err;
        nf_device_id id;
        nf_chassis_status st;
        nf_session_stats ws;
        char buf[256];
        nf_status r;
        int rc;

        rc = bmc_fixture_start(&bmc);
        if (rc != 0)
                return rc;
        atexit(stop);
        bmc_fixture_lan_params(&bmc, &p);

        r = nf_session_open_lan(&p, &s, &err);
        CHECK(r == NF_OK, "open: %s", nf_error_format(&err, buf, sizeof(buf)));

        /* Values from the mc_add line in bmc-fixture.c. */
        CHECK_OK(s, nf_get_device_id(s, &id));
        CHECK(id.device_id == 0x00, "device id %u", id.device_id);
        CHECK(id.device_revision == 3, "revision %u", id.device_revision);
        CHECK(id.fw_major == 9 && id.fw_minor == 8, "firmware %u.%u", id.fw_major, id.fw_minor);
        CHECK(id.ipmi_major == 2 && id.ipmi_minor == 0, "ipmi %u.%u", id.ipmi_major, id.ipmi_minor);
        CHECK(id.manufacturer_id == 0x1291, "manufacturer 0x%x", id.manufacturer_id);
        CHECK(id.product_id == 0x0f02, "product 0x%x", id.product_id);
        CHECK(id.device_available, "device not available");

        /* No host on the VM channel: the BMC reports power off. */
        CHECK_OK(s, nf_get_chassis_status(s, &st));
        CHECK(!st.power_on, "power on without a host");
        CHECK(!st.power_fault && !st.control_fault, "fault bits set: 0x%x", st.misc);

        CHECK_OK(s, nf_chassis_control(s, NF_CHASSIS_OFF));
        CHECK_OK(s, nf_chassis_control(s, NF_CHASSIS_ON));
        CHECK_OK(s, nf_chassis_control(s, NF_CHASSIS_CYCLE));

        /* Stock ipmi_sim only resets a host through a connected VM channel;
         * with none it answers 0xCC, and that code must reach the caller
         * intact, worded for an operator. */
        r = nf_chassis_control(s, NF_CHASSIS_HARD_RESET);
        if (r != NF_OK) {
                const nf_error *e = nf_session_last_error(s);

                CHECK(r == NF_E_COMPLETION, "hard reset: %s", nf_status_str(r));
                CHECK(e->cc == 0xCC && e->netfn == NF_NETFN_CHASSIS && e->cmd == NF_CMD_CHASSIS_CONTROL,
                      "cc 0x%02x netfn 0x%02x cmd 0x%02x", e->cc, e->netfn, e->cmd);
                nf_error_format(e, buf, sizeof(buf));
                CHECK(strcmp(buf, "Chassis Control: completion code 0xCC (invalid data field in request)") == 0,
                      "formatted as '%s'", buf);
                printf("hard reset: %s (stock ipmi_sim without a VM)\n", buf);
        }

        if (bmc.nmi_log[0]) {
                CHECK(bmc_fixture_nmi_count(&bmc) == 0, "NMI logged before diag");
                CHECK_OK(s, nf_chassis_control(s, NF_CHASSIS_DIAG));
                CHECK(bmc_fixture_nmi_count(&bmc) == 1, "NMI log has %d lines after one diag",
                      bmc_fixture_nmi_count(&bmc));
                /* On the same session: one set-up in all, and on loopback
                 * one datagram per set-up step (Get Channel Authentication
                 * Capabilities, Open Session, RAKP 1, RAKP 3, Set Session
                 * Privilege Level) and per request, none retransmitted. */
                nf_session_get_stats(s, &ws);
                CHECK(ws.setups == 1, "%llu session set-ups for the diag", (unsigned long long) ws.setups);
                CHECK(ws.retransmits == 0 && ws.setup_retransmits == 0, "retransmits %llu, set-up %llu",
                      (unsigned long long) ws.retransmits, (unsigned long long) ws.setup_retransmits);
                CHECK(ws.datagrams_sent == 5 + ws.requests, "%llu datagrams sent for %llu requests",
                      (unsigned long long) ws.datagrams_sent, (unsigned long long) ws.requests);
                CHECK(ws.datagrams_received == ws.datagrams_sent, "%llu datagrams received, %llu sent",
                      (unsigned long long) ws.datagrams_received, (unsigned long long) ws.datagrams_sent);
        } else {
                /* Without the lab module the stock simulator refuses diag. */
                r = nf_chassis_control(s, NF_CHASSIS_DIAG);
                CHECK(r == NF_E_COMPLETION && nf_session_last_error(s)->cc == 0xCC,
                      "diag without nf_diag module: %s", nf_status_str(r));
                printf("diag: 0xCC as expected without the nf_diag module (NMI path not tested)\n");
        }

        /* Out of range control is refused before anything is sent. */
        uint64_t before = nf_session_requests(s);
        CHECK(nf_chassis_control(s, (nf_chassis_ctl) 9) == NF_E_INVALID_ARG, "control 9 accepted");
        CHECK(nf_session_requests(s) == before, "invalid control was sent");
        CHECK(nf_session_requests(s) >= 7, "request counter %llu", (unsigned long long) nf_session_requests(s));

        CHECK(strcmp(nf_chassis_ctl_str(NF_CHASSIS_DIAG), "pulse diagnostic interrupt") == 0, "diag name");

        s = nf_session_free(s);
        CHECK(s == NULL, "free returns NULL");
        printf("ok\n");
        return 0;
}
