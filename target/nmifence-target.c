/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nmifence-target: tells the BMC, over /dev/ipmi0, where the host is in the
 * dump (docs/protocol.md).  Runs in the first kernel (armed/disarmed) and
 * inside the kdump initramfs (dump-start, progress, dump-done/failed).
 *
 * The dump matters more than the report: when the BMC cannot be reached the
 * helper says so on stderr and the dump still runs.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "deadman.h"
#include "dump-event.h"
#include "dump-sync.h"
#include "nf-commands.h"
#include "nf-session.h"
#include "progress-parse.h"
#include "record-budget.h"
#include "target-cmds.h"
#include "vmcore-notes.h"

#define DEFAULT_STATE "/run/nmifence-target.state"
#define EXIT_USAGE 64
#define EXIT_BMC 69
#define VMCORE_PATH "/proc/vmcore"

typedef struct target_ctx {
        const char *device;
        const char *state_path;
        unsigned timeout_ms;
        uint64_t keepalive_ms;
        bool quiet;
        nf_session *session;
        bool session_failed;
        uint8_t seq;
        nf_record_budget budget;
        nf_deadman deadman;
        bool deadman_active;            /* a capture kernel, or --deadman given */
} target_ctx;

static uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* The state file keeps the sequence number and the dump's record count
 * across separate `notify` invocations; it lives on tmpfs (/run), so it
 * starts afresh with every boot, the capture kernel's included. */
static void state_load(target_ctx *t) {
        FILE *f = fopen(t->state_path, "re");
        unsigned seq = 0, used = 0;
        int last = -1;

        if (!f)
                return;
        if (fscanf(f, "seq=%u used=%u last=%d", &seq, &used, &last) >= 2) {
                t->seq = (uint8_t) seq;
                t->budget.used = used;
                t->budget.last_percent = last;
        }
        fclose(f);
}

static void state_save(const target_ctx *t) {
        char tmp[4096];
        FILE *f;

        snprintf(tmp, sizeof tmp, "%s.tmp", t->state_path);
        f = fopen(tmp, "we");
        if (!f)
                return;
        fprintf(f, "seq=%u used=%u last=%d\n", t->seq, t->budget.used, t->budget.last_percent);
        if (fclose(f) == 0)
                (void) rename(tmp, t->state_path);
}

static int ensure_session(target_ctx *t) {
        nf_error err;
        char buf[256];

        if (t->session)
                return 0;
        if (t->session_failed)
                return -1;
        if (nf_session_open_dev(t->device, t->timeout_ms, &t->session, &err) != NF_OK) {
                t->session_failed = true;
                fprintf(stderr, "nmifence-target: cannot reach the BMC through %s: %s\n",
                        t->device ? t->device : "/dev/ipmi0", nf_error_format(&err, buf, sizeof buf));
                return -1;
        }
        return 0;
}

/* The dead-man switch (deadman.h, docs/target.md): arm, restart or stop
 * the BMC watchdog for this stage.  A failure is said on the console and
 * nothing more: the dump goes on without the switch. */
static void deadman_apply(target_ctx *t, nf_stage stage) {
        nf_deadman_step step = nf_deadman_step_for(stage);
        nf_watchdog w;
        nf_status r;
        char buf[256];

        if (step == NF_DEADMAN_STEP_NOTHING || !t->deadman_active || t->deadman.action == NF_DEADMAN_NONE)
                return;
        if (ensure_session(t) < 0) {
                fprintf(stderr, "nmifence-target: dead-man switch not %s: no BMC\n",
                        step == NF_DEADMAN_STEP_STOP ? "stopped" : "armed");
                return;
        }
        if (step == NF_DEADMAN_STEP_STOP) {
                nf_deadman_stop_timer(&t->deadman, &w);
                r = nf_set_watchdog(t->session, &w);
        } else {
                /* Set with "don't stop" keeps a running timer running with
                 * the new countdown; Reset starts it (IPMI 2.0 27.5-27.6). */
                nf_deadman_arm_timer(&t->deadman, &w);
                r = nf_set_watchdog(t->session, &w);
                if (r == NF_OK)
                        r = nf_reset_watchdog(t->session);
        }
        if (r != NF_OK) {
                nf_error_format(nf_session_last_error(t->session), buf, sizeof buf);
                if (step == NF_DEADMAN_STEP_STOP)
                        fprintf(stderr, "nmifence-target: dead-man switch: stopping the BMC watchdog failed: %s; it may still power %s the host\n",
                                buf, t->deadman.action == NF_DEADMAN_OFF ? "off" : "cycle");
                else
                        fprintf(stderr, "nmifence-target: dead-man switch: arming the BMC watchdog failed: %s; the dump goes on without it\n",
                                buf);
                return;
        }
        if (step == NF_DEADMAN_STEP_ARM && !t->quiet)
                fprintf(stderr, "nmifence-target: dead-man switch armed: the BMC will power %s the host after %.1f s without a record\n",
                        t->deadman.action == NF_DEADMAN_OFF ? "off" : "cycle", w.initial_ds / 10.0);
        else if (step == NF_DEADMAN_STEP_STOP && !t->quiet)
                fprintf(stderr, "nmifence-target: dead-man switch stopped\n");
}

static int post_stage(target_ctx *t, nf_stage stage, uint8_t arg) {
        nf_stage_msg m = { .stage = stage, .arg = arg };
        nf_event ev;
        bool fallback = false;
        bool stop = nf_deadman_step_for(stage) == NF_DEADMAN_STEP_STOP;
        char buf[256];
        int r = 0;

        /* Stopped before dump-done/failed is posted: the agent acts on
         * that record at once, and the kdump tool's reboot or poweroff
         * follows; neither must race a power action of the BMC's. */
        if (stop)
                deadman_apply(t, stage);
        if (!nf_budget_allows(&t->budget, stage)) {
                if (!t->quiet)
                        fprintf(stderr, "nmifence-target: %s not posted: this dump used its %d records\n",
                                nf_stage_str(stage), NF_PROTO_MAX_DUMP_RECORDS);
                return 0;
        }
        if (ensure_session(t) < 0)
                return -1;

        m.seq = t->seq;
        nf_stage_encode(&m, &ev);
        if (nf_post_event(t->session, &ev, &fallback) != NF_OK) {
                fprintf(stderr, "nmifence-target: posting %s failed: %s\n", nf_stage_str(stage),
                        nf_error_format(nf_session_last_error(t->session), buf, sizeof buf));
                r = -1;
        } else {
                t->seq++;
                nf_budget_posted(&t->budget, stage, arg, now_ms());
                state_save(t);
                if (!t->quiet)
                        fprintf(stderr, "nmifence-target: posted %s (%u)%s\n", nf_stage_str(stage), arg,
                                fallback ? " via Add SEL Entry" : "");
        }
        /* Armed even when the record was refused (a full SEL): with no
         * record the agent cannot follow the dump, and the BMC is then
         * the only supervisor left. */
        if (!stop)
                deadman_apply(t, stage);
        return r;
}

static int read_int_file(const char *path) {
        FILE *f = fopen(path, "re");
        int v = -1;

        if (!f)
                return -1;
        if (fscanf(f, "%d", &v) != 1)
                v = -1;
        fclose(f);
        return v;
}

static uint8_t armed_flags(bool extnmi_none) {
        uint8_t flags = 0;

        if (read_int_file("/sys/kernel/kexec_crash_loaded") == 1)
                flags |= NF_ARMED_CRASH_LOADED;
        if (read_int_file("/proc/sys/kernel/unknown_nmi_panic") == 1 ||
            read_int_file("/proc/sys/kernel/panic_on_unrecovered_nmi") == 1)
                flags |= NF_ARMED_NMI_PANIC;
        if (extnmi_none)
                flags |= NF_ARMED_CAPTURE_EXTNMI_NONE;
        return flags;
}

static int parse_u8(const char *s, unsigned max, uint8_t *ret) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 0);
        if (errno || end == s || *end || v > max)
                return -1;
        *ret = (uint8_t) v;
        return 0;
}

static uint8_t cpu_count_arg(unsigned n) {
        return (uint8_t) (n > NF_CPU_COUNT_MAX ? NF_CPU_COUNT_MAX : n);
}

/* The crashed kernel's CPU notes in the capture kernel's /proc/vmcore:
 * how many CPUs are in the dump and how many had their registers saved
 * (docs/protocol.md, "Registers saved").  Read before the dump command
 * runs; false (and no count posted) when there is no /proc/vmcore, e.g.
 * in a first kernel, or it cannot be parsed.  The dump runs either way. */
static bool count_saved_registers(const target_ctx *t, nf_vmcore_cpus *ret) {
        int fd = open(VMCORE_PATH, O_RDONLY | O_CLOEXEC);
        int r;

        if (fd < 0) {
                if (errno != ENOENT)
                        fprintf(stderr, "nmifence-target: cannot open %s: %s; no registers-saved count\n",
                                VMCORE_PATH, strerror(errno));
                else if (!t->quiet)
                        fprintf(stderr, "nmifence-target: no %s; no registers-saved count\n", VMCORE_PATH);
                return false;
        }
        r = nf_vmcore_count_cpus_fd(fd, ret);
        close(fd);
        if (r < 0) {
                fprintf(stderr, "nmifence-target: %s: %s; no registers-saved count\n", VMCORE_PATH,
                        nf_vmcore_strerror(r));
                return false;
        }
        if (!t->quiet)
                fprintf(stderr, "nmifence-target: %s: registers saved for %u of %u CPUs (NT_PRSTATUS notes)\n",
                        VMCORE_PATH, ret->regs_saved, ret->prstatus);
        return true;
}

/* Start a dump's records: dump-start, whose argument is the CPUs with
 * saved registers, then the cpus record with the CPUs in the dump.  Without
 * a readable /proc/vmcore dump-start says 0 and no cpus record follows. */
static int post_dump_start(target_ctx *t) {
        nf_vmcore_cpus cpus;
        bool have_cpus = count_saved_registers(t, &cpus);
        int r;

        nf_budget_init(&t->budget, t->keepalive_ms);
        r = post_stage(t, NF_STAGE_DUMP_START, have_cpus ? cpu_count_arg(cpus.regs_saved) : 0);
        if (r == 0 && have_cpus)
                (void) post_stage(t, NF_STAGE_CPUS, cpu_count_arg(cpus.prstatus));
        return r;
}

static int cmd_notify(target_ctx *t, int argc, char **argv, bool extnmi_none) {
        nf_stage stage;
        uint8_t arg = 0;

        if (argc < 1 || argc > 2) {
                fprintf(stderr, "nmifence-target: usage: notify STAGE [ARG]\n");
                return EXIT_USAGE;
        }
        if (!nf_stage_from_str(argv[0], &stage)) {
                fprintf(stderr, "nmifence-target: unknown stage '%s' (armed, disarmed, dump-start, progress, dump-done, dump-failed)\n", argv[0]);
                return EXIT_USAGE;
        }
        if (argc == 2 && parse_u8(argv[1], stage == NF_STAGE_PROGRESS ? 100 : 255, &arg) < 0) {
                fprintf(stderr, "nmifence-target: bad argument '%s' for %s\n", argv[1], nf_stage_str(stage));
                return EXIT_USAGE;
        }
        if (stage == NF_STAGE_ARMED && argc == 1)
                arg = armed_flags(extnmi_none);
        if (stage == NF_STAGE_DUMP_START) {
                if (argc == 1)
                        return post_dump_start(t) < 0 ? EXIT_BMC : 0;
                nf_budget_init(&t->budget, t->keepalive_ms);
        }
        return post_stage(t, stage, arg) < 0 ? EXIT_BMC : 0;
}

static void on_progress(const nf_progress_event *ev, void *userdata) {
        target_ctx *t = userdata;
        uint64_t now = now_ms();

        if (!ev->copying)
                return;
        if (nf_budget_want_progress(&t->budget, ev->percent, now))
                (void) post_stage(t, NF_STAGE_PROGRESS, (uint8_t) ev->percent);
}

/* Sync what the dump command wrote and say how long it took: on a slow
 * disk that is a visible part of the dump's time.  -1 when the output did
 * not reach stable storage. */
static int make_durable(const target_ctx *t, const nf_dump_output *o) {
        nf_dump_sync_result res;
        uint64_t start = now_ms();
        int r = nf_dump_sync(o, &res);
        uint64_t took = now_ms() - start;

        if (r < 0) {
                fprintf(stderr, "nmifence-target: %s: syncfs failed after %" PRIu64 " ms: %s; the dump is not on stable storage\n",
                        o->path, took, strerror(-r));
                return -1;
        }
        if (t->quiet)
                return 0;
        if (res.method == NF_DUMP_SYNC_SYNCFS)
                fprintf(stderr, "nmifence-target: %s: file system synced (syncfs) in %" PRIu64 " ms\n",
                        o->path, took);
        else
                fprintf(stderr, "nmifence-target: all file systems synced (sync, as %s) in %" PRIu64 " ms\n",
                        res.why_all, took);
        return 0;
}

static int cmd_dump(target_ctx *t, int argc, char **argv) {
        int pipefd[2], status;
        pid_t pid;
        nf_progress_parser parser;
        nf_dump_output output;
        char buf[4096];

        if (argc < 1) {
                fprintf(stderr, "nmifence-target: usage: dump -- COMMAND [ARG...]\n");
                return EXIT_USAGE;
        }

        /* This boot already reported dump-start (kdump-tools posts it from
         * its initrd, and /run carries the state file over to the root):
         * continue that dump and its record budget, so one dump stays
         * within NF_PROTO_MAX_DUMP_RECORDS. */
        if (t->budget.used > 0) {
                if (!t->quiet)
                        fprintf(stderr, "nmifence-target: continuing the dump started earlier in this boot (%u records)\n",
                                t->budget.used);
        } else
                (void) post_dump_start(t);

        if (pipe2(pipefd, O_CLOEXEC) < 0) {
                perror("nmifence-target: pipe");
                return 70;
        }
        /* Before the command runs, so that afterwards we can tell whether
         * it wrote its last argument. */
        nf_dump_output_probe(&output, argc, argv);
        pid = fork();
        if (pid < 0) {
                perror("nmifence-target: fork");
                return 70;
        }
        if (pid == 0) {
                dup2(pipefd[1], STDOUT_FILENO);
                dup2(pipefd[1], STDERR_FILENO);
                execvp(argv[0], argv);
                fprintf(stderr, "nmifence-target: cannot run %s: %s\n", argv[0], strerror(errno));
                _exit(127);
        }
        close(pipefd[1]);

        nf_progress_parser_init(&parser);
        for (;;) {
                ssize_t n = read(pipefd[0], buf, sizeof buf);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                /* The child's output still reaches the console. */
                (void) !write(STDERR_FILENO, buf, (size_t) n);
                nf_progress_parser_feed(&parser, buf, (size_t) n, on_progress, t);
        }
        close(pipefd[0]);

        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        perror("nmifence-target: waitpid");
                        return 70;
                }

        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                /* dump-done lets the agent cut the power at once: the
                 * vmcore must be on stable storage before we say so. */
                if (make_durable(t, &output) < 0) {
                        (void) post_stage(t, NF_STAGE_DUMP_FAILED, NF_FAILED_NOT_DURABLE);
                        return NF_FAILED_NOT_DURABLE;
                }
                (void) post_stage(t, NF_STAGE_DUMP_DONE, NF_DONE_COMPLETE);
                return 0;
        }
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        fprintf(stderr, "nmifence-target: %s ended with status %d\n", argv[0], code);
        (void) post_stage(t, NF_STAGE_DUMP_FAILED, (uint8_t) (code > 255 ? 255 : code));
        return code;
}

/* check, arm and disarm live in their own files (target-cmds.h); arm and
 * disarm post through this. */
static int post_cb(void *ctx, nf_stage stage, uint8_t arg) {
        return post_stage(ctx, stage, arg);
}

static void usage(FILE *f) {
        fprintf(f,
                "Usage: nmifence-target [OPTIONS] notify STAGE [ARG]\n"
                "       nmifence-target [OPTIONS] dump -- COMMAND [ARG...]\n"
                "       nmifence-target [OPTIONS] check [--json] [--root DIR] [--no-probe]\n"
                "       nmifence-target [OPTIONS] arm [--force] [--dry-run] | disarm\n"
                "\n"
                "Post nmifence dump-progress records to the BMC's SEL over /dev/ipmi0.\n"
                "STAGE: armed, disarmed, dump-start, progress PERCENT, dump-done [RESULT],\n"
                "       dump-failed [ERROR].  'dump' wraps makedumpfile: dump-start, progress\n"
                "       from its output (at most %d records a dump); after it, syncfs of the file\n"
                "       system of its last argument (when it wrote that file; else sync), then\n"
                "       dump-done, or dump-failed (its exit status; 74 when the sync failed).\n"
                "\n"
                "  -d, --device PATH     IPMI device (default /dev/ipmi0)\n"
                "  -s, --state PATH      sequence/budget state file (default %s)\n"
                "  -t, --timeout MS      per-request timeout (default 5000)\n"
                "  -k, --keepalive SEC   progress at least this often while it moves (default 20)\n"
                "      --extnmi-none     armed: the capture kernel is loaded with apic_extnmi=none\n"
                "      --deadman ACTION  dead-man switch: the BMC watchdog powers the host cycle (default),\n"
                "                        off, or none; in a capture kernel (/proc/vmcore), or anywhere when\n"
                "                        given (default from nmifence.deadman= on the kernel command line)\n"
                "      --no-deadman      the same as --deadman none\n"
                "      --dump-stall-timeout SEC  the agent's dump_stall_timeout: the switch fires SEC+%u s\n"
                "                        after the last record (default nmifence.dump_stall_timeout=, or %u)\n"
                "  -q, --quiet           no message per record\n"
                "  -h, --help\n",
                NF_PROTO_MAX_DUMP_RECORDS, DEFAULT_STATE, NF_DEADMAN_GRACE_S, NF_DEADMAN_DEFAULT_STALL_S);
}

/* The dead-man switch's settings: the defaults, then the capture kernel's
 * command line (where kdump tools carry settings to it), then the options.
 * Active in a capture kernel only, unless an option asked for it. */
static void deadman_settings(target_ctx *t, const char *opt_action, const char *opt_stall) {
        char cmdline[4096], bad[96];
        FILE *f = fopen("/proc/cmdline", "re");
        size_t n = 0;

        nf_deadman_init(&t->deadman);
        if (f) {
                n = fread(cmdline, 1, sizeof cmdline - 1, f);
                fclose(f);
        }
        cmdline[n] = '\0';
        if (!nf_deadman_from_cmdline(&t->deadman, cmdline, bad, sizeof bad))
                fprintf(stderr, "nmifence-target: kernel command line: bad %s, ignored (cycle|off|none; 1..%u s)\n",
                        bad, NF_DEADMAN_MAX_STALL_S);
        if (opt_action)
                (void) nf_deadman_parse_action(opt_action, &t->deadman.action);
        if (opt_stall)
                (void) nf_deadman_parse_stall(opt_stall, &t->deadman.stall_s);
        t->deadman_active = opt_action || access(VMCORE_PATH, F_OK) == 0;
}

int main(int argc, char **argv) {
        enum { OPT_EXTNMI = 256, OPT_DEADMAN, OPT_NO_DEADMAN, OPT_STALL };
        static const struct option opts[] = {
                { "device", required_argument, NULL, 'd' },
                { "state", required_argument, NULL, 's' },
                { "timeout", required_argument, NULL, 't' },
                { "keepalive", required_argument, NULL, 'k' },
                { "extnmi-none", no_argument, NULL, OPT_EXTNMI },
                { "deadman", required_argument, NULL, OPT_DEADMAN },
                { "no-deadman", no_argument, NULL, OPT_NO_DEADMAN },
                { "dump-stall-timeout", required_argument, NULL, OPT_STALL },
                { "quiet", no_argument, NULL, 'q' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        target_ctx t = {
                .state_path = DEFAULT_STATE,
                .timeout_ms = 5000,
                .keepalive_ms = 20000,
        };
        bool extnmi_none = false;
        const char *deadman_action = NULL, *deadman_stall = NULL;
        nf_deadman_action da;
        unsigned stall;
        int c, r;

        nf_budget_init(&t.budget, t.keepalive_ms);
        while ((c = getopt_long(argc, argv, "+d:s:t:k:qh", opts, NULL)) >= 0) {
                switch (c) {
                case 'd':
                        t.device = optarg;
                        break;
                case 's':
                        t.state_path = optarg;
                        break;
                case 't':
                        t.timeout_ms = (unsigned) strtoul(optarg, NULL, 10);
                        if (t.timeout_ms == 0 || t.timeout_ms > 600000) {
                                fprintf(stderr, "nmifence-target: --timeout must be 1..600000 ms\n");
                                return EXIT_USAGE;
                        }
                        break;
                case 'k':
                        t.keepalive_ms = strtoull(optarg, NULL, 10) * 1000;
                        break;
                case OPT_EXTNMI:
                        extnmi_none = true;
                        break;
                case OPT_DEADMAN:
                        if (!nf_deadman_parse_action(optarg, &da)) {
                                fprintf(stderr, "nmifence-target: --deadman must be cycle, off or none\n");
                                return EXIT_USAGE;
                        }
                        deadman_action = optarg;
                        break;
                case OPT_NO_DEADMAN:
                        deadman_action = "none";
                        break;
                case OPT_STALL:
                        if (!nf_deadman_parse_stall(optarg, &stall)) {
                                fprintf(stderr, "nmifence-target: --dump-stall-timeout must be 1..%u s\n",
                                        NF_DEADMAN_MAX_STALL_S);
                                return EXIT_USAGE;
                        }
                        deadman_stall = optarg;
                        break;
                case 'q':
                        t.quiet = true;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return EXIT_USAGE;
                }
        }
        if (optind >= argc) {
                usage(stderr);
                return EXIT_USAGE;
        }

        signal(SIGPIPE, SIG_IGN);
        deadman_settings(&t, deadman_action, deadman_stall);
        state_load(&t);
        t.budget.step_interval_ms = t.keepalive_ms;

        const char *cmd = argv[optind++];
        if (strcmp(cmd, "notify") == 0)
                r = cmd_notify(&t, argc - optind, argv + optind, extnmi_none);
        else if (strcmp(cmd, "check") == 0)
                r = nf_target_check_cmd(argc - optind + 1, argv + optind - 1, t.device, t.timeout_ms);
        else if (strcmp(cmd, "arm") == 0)
                r = nf_target_arm_cmd(argc - optind + 1, argv + optind - 1, extnmi_none, post_cb, &t);
        else if (strcmp(cmd, "disarm") == 0)
                r = nf_target_disarm_cmd(argc - optind + 1, argv + optind - 1, post_cb, &t);
        else if (strcmp(cmd, "dump") == 0) {
                if (optind < argc && strcmp(argv[optind], "--") == 0)
                        optind++;
                r = cmd_dump(&t, argc - optind, argv + optind);
        } else {
                fprintf(stderr, "nmifence-target: unknown command '%s'\n", cmd);
                usage(stderr);
                r = EXIT_USAGE;
        }

        t.session = nf_session_free(t.session);
        return r;
}
