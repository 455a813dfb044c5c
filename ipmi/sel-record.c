/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SEL record layout: IPMI 2.0 section 32.1 (system event record, type 02h). */

#include <assert.h>
#include <string.h>

#include "byte-order.h"
#include "sel-record.h"

nf_sel_decode_status nf_sel_record_decode(const uint8_t *buf, size_t len, nf_sel_record *ret) {
        nf_sel_record r = {};

        if (!buf || !ret || len < NF_SEL_RECORD_SIZE)
                return NF_SEL_DECODE_SHORT;

        memcpy(r.raw, buf, NF_SEL_RECORD_SIZE);
        r.record_id = nf_get_le16(buf);
        r.record_type = buf[2];

        if (r.record_type == NF_SEL_TYPE_SYSTEM_EVENT) {
                /* EvM revision 03h is IPMI 1.0, 04h is IPMI 1.5 and later;
                 * anything else means we would misread the event bytes. */
                if (buf[9] != 0x03 && buf[9] != 0x04)
                        return NF_SEL_DECODE_BAD_EVM_REV;
                r.is_event = true;
                r.timestamp = nf_get_le32(buf + 3);
                r.event.generator_id = nf_get_le16(buf + 7);
                r.event.evm_rev = buf[9];
                r.event.sensor_type = buf[10];
                r.event.sensor_number = buf[11];
                r.event.event_dir_type = buf[12];
                memcpy(r.event.data, buf + 13, 3);
        } else if (r.record_type >= 0xC0 && r.record_type <= 0xDF) {
                /* OEM timestamped: only the timestamp has a defined place. */
                r.timestamp = nf_get_le32(buf + 3);
        }

        *ret = r;
        return NF_SEL_DECODE_OK;
}

void nf_sel_record_encode_event(const nf_event *ev, uint32_t timestamp, uint8_t out[NF_SEL_RECORD_SIZE]) {
        assert(ev);
        assert(out);

        /* Record id is assigned by the BMC on Add SEL Entry. */
        nf_put_le16(out, 0x0000);
        out[2] = NF_SEL_TYPE_SYSTEM_EVENT;
        nf_put_le32(out + 3, timestamp);
        nf_put_le16(out + 7, ev->generator_id);
        out[9] = ev->evm_rev;
        out[10] = ev->sensor_type;
        out[11] = ev->sensor_number;
        out[12] = ev->event_dir_type;
        memcpy(out + 13, ev->data, 3);
}

size_t nf_event_encode_pem(const nf_event *ev, uint8_t out[8]) {
        assert(ev);
        assert(out);

        /* System interface form (IPMI 2.0 table 29-5): the first byte is
         * the software id; the BMC supplies the channel/LUN byte. */
        out[0] = ev->generator_id & 0xff;
        out[1] = ev->evm_rev;
        out[2] = ev->sensor_type;
        out[3] = ev->sensor_number;
        out[4] = ev->event_dir_type;
        memcpy(out + 5, ev->data, 3);
        return 8;
}
