/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SEL records come from the BMC's Get SEL Entry, and the event inside from
 * whoever posted it: decode them, then the nmifence stage on top.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dump-event.h"
#include "os-stop.h"
#include "sel-record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        nf_sel_record rec;
        nf_stage_msg msg;
        nf_event ev;

        if (nf_sel_record_decode(data, size, &rec) == NF_SEL_DECODE_OK && rec.is_event &&
            nf_stage_decode(&rec.event, &msg)) {
                /* A decoded stage must encode back to the same event. */
                nf_stage_msg back;
                nf_event again;

                nf_stage_encode(&msg, &again);
                if (!nf_stage_decode(&again, &back) || back.stage != msg.stage || back.arg != msg.arg ||
                    back.seq != msg.seq)
                        abort();
                (void) nf_stage_str(msg.stage);
        }
        /* OS Critical Stop (nmifenced's liveness source) on the same record. */
        if (nf_sel_record_decode(data, size, &rec) == NF_SEL_DECODE_OK && rec.is_event) {
                nf_os_stop st;

                if (nf_os_stop_decode(&rec.event, &st)) {
                        if (st.critical == st.graceful)
                                abort();
                        (void) nf_os_stop_str(st.kind);
                }
        }

        /* The stage decoder alone, on an arbitrary event (PEM bodies). */
        if (size >= 9) {
                memset(&ev, 0, sizeof ev);
                ev.generator_id = (uint16_t) (data[0] | data[1] << 8);
                ev.evm_rev = data[2];
                ev.sensor_type = data[3];
                ev.sensor_number = data[4];
                ev.event_dir_type = data[5];
                memcpy(ev.data, data + 6, 3);
                if (nf_stage_decode(&ev, &msg))
                        (void) nf_stage_str(msg.stage);
                nf_os_stop st;
                if (nf_os_stop_decode(&ev, &st))
                        (void) nf_os_stop_str(st.kind);
        }
        return 0;
}
