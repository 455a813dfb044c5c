/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Asking a BMC directly whether it accepts a cipher suite, when freeipmi
 * could not say why RMCP+ session setup failed.  Private to ipmi/.
 */

#include <stdbool.h>
#include <stdint.h>

/* Sends one RMCP+ Open Session Request proposing the algorithms of
 * cipher_suite and waits up to timeout_ms.  Returns the RMCP+ status code
 * of the answer (0 = accepted), or -1 when there was no usable answer. */
int nf_lan_probe_cipher(const char *host, uint16_t port, uint8_t cipher_suite, uint8_t privilege,
                        unsigned timeout_ms);

/* True for the RMCP+ status codes that mean "these algorithms are not
 * acceptable" (IPMI 2.0 table 13-15). */
bool nf_lan_rmcpplus_status_is_cipher(int status);

const char *nf_lan_rmcpplus_status_str(int status);
