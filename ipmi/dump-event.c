/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Encoding of the dump stages into IPMI system events; docs/protocol.md is
 * the normative text.  The sensor type and offset are chosen so that a
 * plain `ipmitool sel elist` reads sensibly to an operator; the generator id
 * and event data 2 carry what nmifence itself relies on.
 */

#include <assert.h>
#include <string.h>

#include "dump-event.h"

#define SENSOR_TYPE_SYSTEM_EVENT 0x12
#define SENSOR_TYPE_OS_CRITICAL_STOP 0x20
#define EVENT_TYPE_SENSOR_SPECIFIC 0x6f
/* Event data 1: bits 7:6 = 10b "OEM code in byte 2", bits 5:4 = 10b "OEM
 * code in byte 3", bits 3:0 = offset. */
#define ED1_OEM_2_3 0xa0

typedef struct stage_layout {
        const char *name;
        uint8_t sensor_type;
        uint8_t offset;
} stage_layout;

static const stage_layout layouts[_NF_STAGE_MAX] = {
        /* System Event: "OEM System Boot Event" */
        [NF_STAGE_ARMED] = { "armed", SENSOR_TYPE_SYSTEM_EVENT, 0x01 },
        /* System Event: "System Reconfigured" */
        [NF_STAGE_DISARMED] = { "disarmed", SENSOR_TYPE_SYSTEM_EVENT, 0x00 },
        /* OS Critical Stop: "Run-time critical stop", as Linux's own panic event */
        [NF_STAGE_DUMP_START] = { "dump-start", SENSOR_TYPE_OS_CRITICAL_STOP, 0x01 },
        [NF_STAGE_PROGRESS] = { "progress", SENSOR_TYPE_OS_CRITICAL_STOP, 0x01 },
        /* OS Critical Stop: "OS graceful stop": the dump is safe */
        [NF_STAGE_DUMP_DONE] = { "dump-done", SENSOR_TYPE_OS_CRITICAL_STOP, 0x02 },
        /* OS Critical Stop: "Critical stop during OS load": capture failed */
        [NF_STAGE_DUMP_FAILED] = { "dump-failed", SENSOR_TYPE_OS_CRITICAL_STOP, 0x00 },
        /* OS Critical Stop: "Run-time critical stop", still stopped: an
         * operator reading `sel elist` sees one more line like progress. */
        [NF_STAGE_CPUS] = { "cpus", SENSOR_TYPE_OS_CRITICAL_STOP, 0x01 },
};

static bool stage_valid(int s) {
        return s > 0 && s < _NF_STAGE_MAX;
}

const char *nf_stage_str(nf_stage s) {
        return stage_valid(s) ? layouts[s].name : "unknown-stage";
}

bool nf_stage_from_str(const char *s, nf_stage *ret) {
        if (!s || !ret)
                return false;
        for (int i = 1; i < _NF_STAGE_MAX; i++)
                if (strcmp(s, layouts[i].name) == 0) {
                        *ret = (nf_stage) i;
                        return true;
                }
        /* Accept the short forms an operator types. */
        if (strcmp(s, "start") == 0 || strcmp(s, "panic") == 0) {
                *ret = NF_STAGE_DUMP_START;
                return true;
        }
        if (strcmp(s, "done") == 0) {
                *ret = NF_STAGE_DUMP_DONE;
                return true;
        }
        if (strcmp(s, "failed") == 0) {
                *ret = NF_STAGE_DUMP_FAILED;
                return true;
        }
        if (strcmp(s, "disarm") == 0) {
                *ret = NF_STAGE_DISARMED;
                return true;
        }
        return false;
}

void nf_stage_encode(const nf_stage_msg *m, nf_event *ret) {
        assert(m);
        assert(ret);
        assert(stage_valid(m->stage));

        *ret = (nf_event) {
                .generator_id = NF_PROTO_GENERATOR_ID,
                .evm_rev = 0x04,
                .sensor_type = layouts[m->stage].sensor_type,
                .sensor_number = m->seq,
                .event_dir_type = EVENT_TYPE_SENSOR_SPECIFIC,
                .data = { ED1_OEM_2_3 | layouts[m->stage].offset,
                          (uint8_t) ((NF_PROTO_VERSION << 4) | m->stage),
                          m->arg },
        };
}

bool nf_stage_decode(const nf_event *ev, nf_stage_msg *ret) {
        if (!ev || !ret)
                return false;
        /* Only byte 0 of the generator id is ours: a BMC fills byte 1 with
         * the channel and LUN it received the event on. */
        if ((ev->generator_id & 0xff) != NF_PROTO_GENERATOR_ID)
                return false;
        if (ev->event_dir_type != EVENT_TYPE_SENSOR_SPECIFIC)
                return false;
        if ((ev->data[0] & 0xf0) != ED1_OEM_2_3)
                return false;
        if ((ev->data[1] >> 4) != NF_PROTO_VERSION)
                return false;

        int stage = ev->data[1] & 0x0f;
        if (!stage_valid(stage))
                return false;
        if (ev->sensor_type != layouts[stage].sensor_type || (ev->data[0] & 0x0f) != layouts[stage].offset)
                return false;
        if (stage == NF_STAGE_PROGRESS && ev->data[2] > 100)
                return false;

        *ret = (nf_stage_msg) {
                .stage = (nf_stage) stage,
                .arg = ev->data[2],
                .seq = ev->sensor_number,
        };
        return true;
}
