/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nmifence-target check [--json] [--root DIR] [--no-probe] */

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "check-gather.h"
#include "check.h"
#include "target-cmds.h"

static void check_usage(FILE *f) {
        fprintf(f,
                "Usage: nmifence-target [-d DEVICE] [-t MS] check [--json] [--root DIR] [--no-probe]\n"
                "\n"
                "Preflight: will this host dump on the BMC's NMI, and survive a second one?\n"
                "  --json       machine-readable result on stdout\n"
                "  --root DIR   read /proc, /sys, /etc and /dev under DIR (default /)\n"
                "  --no-probe   do not send Get Device ID to the BMC\n"
                "Exit: 0 all pass, 1 some warn (no fail), 2 any fail, 64 bad usage.\n");
}

int nf_target_check_cmd(int argc, char **argv, const char *device, unsigned timeout_ms) {
        enum { OPT_JSON = 256, OPT_ROOT, OPT_NO_PROBE };
        static const struct option opts[] = {
                { "json", no_argument, NULL, OPT_JSON },
                { "root", required_argument, NULL, OPT_ROOT },
                { "no-probe", no_argument, NULL, OPT_NO_PROBE },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        const char *root = "/";
        bool json = false, probe = true;
        nf_check_input in;
        nf_check_result results[_NF_CHK_MAX];
        int c, code;

        optind = 1;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                switch (c) {
                case OPT_JSON:
                        json = true;
                        break;
                case OPT_ROOT:
                        root = optarg;
                        break;
                case OPT_NO_PROBE:
                        probe = false;
                        break;
                case 'h':
                        check_usage(stdout);
                        return 0;
                default:
                        check_usage(stderr);
                        return NF_TARGET_EXIT_USAGE;
                }
        }
        if (optind != argc) {
                fprintf(stderr, "nmifence-target: check takes no arguments\n");
                return NF_TARGET_EXIT_USAGE;
        }

        nf_check_gather(root, &in);
        /* An explicit --device is probed even under --root. */
        if (probe)
                nf_check_probe_bmc(root, device, timeout_ms, &in);
        nf_check_evaluate(&in, results);
        code = nf_check_exit_code(results);
        if (json)
                nf_check_print_json(stdout, root, &in, results);
        else
                nf_check_print_human(stdout, &in, results);
        nf_check_input_done(&in);
        return code;
}
