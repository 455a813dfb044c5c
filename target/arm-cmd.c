/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nmifence-target arm [--force] [--dry-run] [--root DIR] [--extnmi-none] / disarm */

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "check-gather.h"
#include "check.h"
#include "target-cmds.h"

uint8_t nf_target_armed_flags(const nf_check_input *in, bool extnmi_none) {
        nf_check_result r;
        uint8_t flags = 0;
        long v;

        if (nf_file_int(&in->crash_loaded, &v) && v == 1)
                flags |= NF_ARMED_CRASH_LOADED;
        if ((nf_file_int(&in->unknown_nmi_panic, &v) && v != 0) ||
            (nf_file_int(&in->panic_on_unrecovered_nmi, &v) && v != 0))
                flags |= NF_ARMED_NMI_PANIC;
        /* The same judgement as `check`'s capture-extnmi, so the flag and
         * the preflight never disagree. */
        nf_check_capture_extnmi(in, &r);
        if (extnmi_none || r.status == NF_CHECK_PASS)
                flags |= NF_ARMED_CAPTURE_EXTNMI_NONE;
        return flags;
}

static void arm_usage(FILE *f) {
        fprintf(f,
                "Usage: nmifence-target [OPTIONS] arm [--force] [--dry-run] [--root DIR] [--extnmi-none]\n"
                "       nmifence-target [OPTIONS] disarm\n"
                "\n"
                "arm posts `armed` with the readiness flags once the capture kernel is loaded;\n"
                "disarm posts `disarmed` (clean shutdown).\n"
                "  --force        post armed even without a loaded capture kernel\n"
                "  --dry-run      print the flags, post nothing\n"
                "  --root DIR     read /proc, /sys and /etc under DIR (default /)\n"
                "  --extnmi-none  the capture kernel has apic_extnmi=none, whatever the kdump configuration says\n");
}

int nf_target_arm_cmd(int argc, char **argv, bool extnmi_none, nf_target_post_fn post, void *ctx) {
        enum { OPT_FORCE = 256, OPT_DRY_RUN, OPT_ROOT, OPT_EXTNMI };
        static const struct option opts[] = {
                { "force", no_argument, NULL, OPT_FORCE },
                { "dry-run", no_argument, NULL, OPT_DRY_RUN },
                { "root", required_argument, NULL, OPT_ROOT },
                { "extnmi-none", no_argument, NULL, OPT_EXTNMI },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        const char *root = "/";
        bool force = false, dry_run = false;
        nf_check_input in;
        uint8_t flags;
        int c;

        optind = 1;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                switch (c) {
                case OPT_FORCE:
                        force = true;
                        break;
                case OPT_DRY_RUN:
                        dry_run = true;
                        break;
                case OPT_ROOT:
                        root = optarg;
                        break;
                case OPT_EXTNMI:
                        extnmi_none = true;
                        break;
                case 'h':
                        arm_usage(stdout);
                        return 0;
                default:
                        arm_usage(stderr);
                        return NF_TARGET_EXIT_USAGE;
                }
        }
        if (optind != argc) {
                fprintf(stderr, "nmifence-target: arm takes no arguments\n");
                return NF_TARGET_EXIT_USAGE;
        }

        nf_check_gather(root, &in);
        flags = nf_target_armed_flags(&in, extnmi_none);
        nf_check_input_done(&in);

        fprintf(stderr, "nmifence-target: armed flags 0x%02x: capture kernel %s, NMI %s, capture kernel %s apic_extnmi=none\n",
                flags, flags & NF_ARMED_CRASH_LOADED ? "loaded" : "NOT loaded",
                flags & NF_ARMED_NMI_PANIC ? "panics" : "does NOT panic",
                flags & NF_ARMED_CAPTURE_EXTNMI_NONE ? "has" : "LACKS");
        if (dry_run) {
                printf("flags=0x%02x crash_loaded=%d nmi_panic=%d capture_extnmi_none=%d\n", flags,
                       !!(flags & NF_ARMED_CRASH_LOADED), !!(flags & NF_ARMED_NMI_PANIC),
                       !!(flags & NF_ARMED_CAPTURE_EXTNMI_NONE));
                return flags & NF_ARMED_CRASH_LOADED || force ? 0 : NF_TARGET_EXIT_NOT_READY;
        }
        if (!(flags & NF_ARMED_CRASH_LOADED) && !force) {
                fprintf(stderr, "nmifence-target: not arming: no capture kernel is loaded "
                                "(/sys/kernel/kexec_crash_loaded is not 1); start the kdump service first, "
                                "or use --force\n");
                return NF_TARGET_EXIT_NOT_READY;
        }
        return post(ctx, NF_STAGE_ARMED, flags) < 0 ? NF_TARGET_EXIT_BMC : 0;
}

int nf_target_disarm_cmd(int argc, char **argv, nf_target_post_fn post, void *ctx) {
        if (argc > 1) {
                if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
                        arm_usage(stdout);
                        return 0;
                }
                fprintf(stderr, "nmifence-target: disarm takes no arguments\n");
                return NF_TARGET_EXIT_USAGE;
        }
        return post(ctx, NF_STAGE_DISARMED, 0) < 0 ? NF_TARGET_EXIT_BMC : 0;
}
