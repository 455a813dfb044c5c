/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* `nmifence status HOST`: the target's last armed/disarmed record
 * (docs/protocol.md) and the chassis power state, read out of band.
 * Exit 0 armed with every flag, 1 not ready (disarmed, a flag missing, or
 * no record), 3 BMC unreachable/authentication, 4 usage. */

/* argv[0] is "status". */
int nf_status_cmd(int argc, char **argv);
