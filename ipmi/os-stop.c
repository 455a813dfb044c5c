/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OS Critical Stop sensor offsets: IPMI 2.0 table 42-3, sensor type 20h. */

#include "os-stop.h"

bool nf_os_stop_decode(const nf_event *ev, nf_os_stop *ret) {
        nf_os_stop s = {};
        uint8_t offset;

        if (!ev || !ret)
                return false;
        if (ev->sensor_type != NF_SENSOR_TYPE_OS_STOP)
                return false;
        /* A deassertion says the condition went away: not a stop. */
        if (ev->event_dir_type & 0x80)
                return false;
        if ((ev->event_dir_type & 0x7F) != NF_EVENT_TYPE_SENSOR_SPECIFIC)
                return false;

        offset = ev->data[0] & 0x0F;
        if (offset > NF_OS_STOP_AGENT_NOT_RESPONDING)
                return false;

        s.kind = (nf_os_stop_kind) offset;
        s.critical = offset == NF_OS_STOP_CRITICAL_LOAD || offset == NF_OS_STOP_CRITICAL_RUNTIME ||
                     offset == NF_OS_STOP_AGENT_NOT_RESPONDING;
        s.graceful = !s.critical;
        /* Event data 1 bits 7:6 and 5:4 say what data 2 and 3 hold; 10b
         * is "OEM code", which is what Linux's panic event uses. */
        s.have_oem = ((ev->data[0] >> 6) & 0x3) == 0x2 || ((ev->data[0] >> 4) & 0x3) == 0x2;
        s.data2 = ev->data[1];
        s.data3 = ev->data[2];

        *ret = s;
        return true;
}

const char *nf_os_stop_str(nf_os_stop_kind k) {
        switch (k) {
        case NF_OS_STOP_CRITICAL_LOAD:
                return "critical stop during OS load";
        case NF_OS_STOP_CRITICAL_RUNTIME:
                return "run-time critical stop";
        case NF_OS_STOP_GRACEFUL_STOP:
                return "OS graceful stop";
        case NF_OS_STOP_GRACEFUL_SHUTDOWN:
                return "OS graceful shutdown";
        case NF_OS_STOP_SOFT_SHUTDOWN_PEF:
                return "soft shutdown initiated by PEF";
        case NF_OS_STOP_AGENT_NOT_RESPONDING:
                return "OS agent not responding";
        }
        return "unknown OS stop";
}
