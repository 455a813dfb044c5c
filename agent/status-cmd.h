/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* `nmifence status HOST`: the target's last armed/disarmed record
 * (docs/protocol.md), the SEL's free space and the chassis power state,
 * read out of band.  Exit 0 armed with every flag and powered on, 1 not
 * ready (power off or unknown, disarmed, a flag missing, no record, or no
 * room in the SEL for a dump's records), 3 BMC unreachable/authentication,
 * 4 usage. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "dump-event.h"
#include "json-writer.h"

typedef struct nf_last_arm {
        bool found;
        nf_stage_msg msg;
        uint16_t record_id;
        uint32_t timestamp;
        unsigned records;               /* nmifence records seen */
} nf_last_arm;

typedef struct nf_host_status {
        const char *host, *bmc;         /* borrowed from the host entry */
        int exit_code;                  /* 0 ready, 1 not ready, 3 BMC */
        bool sel_read;                  /* false: unreachable (error says why) */
        bool power_known, power_on;
        bool armed, ready;
        /* Get SEL Info: without room for a dump's records the target
         * cannot report its dump (not ready). */
        bool sel_info_known, sel_overflow, sel_full;
        uint16_t sel_entries, sel_free_bytes;
        nf_last_arm arm;
        char error[300];
        char reason[256];               /* not ready: every cause, "; " between them */
        char notes[1024];               /* lines for stderr, "HOST: what" */
} nf_host_status;

/* One host's status over its own session: blocking (bounded by the
 * session timeout), prints nothing.  Its requests are status-plan.h's. */
void nf_status_query(const nf_host_conf *h, const char *password, nf_host_status *ret);
/* The lines nmifence status prints: notes on err, the state on out. */
void nf_status_print(const nf_host_status *st, FILE *out, FILE *err);
void nf_status_json_object(nf_json *j, const char *key, const nf_host_status *st);
/* armed, disarmed, unknown (no record) or unreachable */
const char *nf_status_state_str(const nf_host_status *st);

/* argv[0] is "status". */
int nf_status_cmd(int argc, char **argv);
