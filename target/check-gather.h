/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Reading the host's state for nmifence-target check, under a root prefix.
 * Never fails as a whole: each unreadable file is recorded with its errno. */

#include "check.h"

/* Read everything the evaluators need from ROOT ("/" for the live host).
 * The BMC is not probed here. */
void nf_check_gather(const char *root, nf_check_input *ret);

/* Read one file under root (at most 64 KiB) into *ret. */
void nf_check_read(const char *root, const char *path, nf_file *ret);

/* Probe the BMC through the IPMI device (device NULL: ROOT/dev/ipmi0),
 * when in->ipmi_dev_err == 0, with Get Device ID. */
void nf_check_probe_bmc(const char *root, const char *device, unsigned timeout_ms, nf_check_input *in);
