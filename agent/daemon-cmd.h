/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* nmifence status/fence --daemon: through nmifenced's control socket. */

#include <stdbool.h>

/* argv (argv[0] = the command) asks for the daemon: --daemon[=SOCKET]. */
bool nf_daemon_cmd_wanted(int argc, char **argv);
/* cmd is "status" or "fence"; returns the exit code (nmifence(8)). */
int nf_daemon_cmd(const char *cmd, int argc, char **argv);
