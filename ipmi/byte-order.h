/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* IPMI puts multi-byte fields on the wire least significant byte first. */

#include <stdint.h>

static inline uint16_t nf_get_le16(const uint8_t *p) {
        return (uint16_t) (p[0] | (p[1] << 8));
}

static inline uint32_t nf_get_le32(const uint8_t *p) {
        return (uint32_t) p[0] | ((uint32_t) p[1] << 8) | ((uint32_t) p[2] << 16) | ((uint32_t) p[3] << 24);
}

static inline void nf_put_le16(uint8_t *p, uint16_t v) {
        p[0] = v & 0xff;
        p[1] = v >> 8;
}

static inline void nf_put_le32(uint8_t *p, uint32_t v) {
        for (int i = 0; i < 4; i++)
                p[i] = (v >> (8 * i)) & 0xff;
}
