/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nf_sim_host.c - a simulated kdump target inside ipmi_sim, for the scale
 * lab: hundreds of BMCs on one machine, where a QEMU guest each is out of
 * the question.
 *
 * The host sits where QEMU's ipmi-bmc-extern would: behind the BMC's
 * system-interface channel (15), as that channel's hw_op.  So ipmi_sim's
 * own code drives it exactly as it drives a VM: Chassis Control power
 * off/on/cycle/reset and the power-cycle timer, Get Chassis Status
 * (HW_OP_CHECK_POWER), the watchdog's timeout action, and the lab
 * module's diag (HW_OP_SEND_NMI).  Nothing here answers a LAN request.
 *
 * What it does, as the real lab target does (tests/lab/guest/init with
 * nmifence-target, kdump final action poweroff):
 *
 *   off --power on--> booting --boot_time--> running: posts "armed", sets
 *   the BMC watchdog and pets it every wdt_interval
 *   running --NMI--> capture (kernel panicked, capture kernel booting)
 *   --panic_delay--> dumping: posts dump-start (ED3 = cpus) and, when
 *   cpus > 0, the cpus record; "progress" progress records spread over
 *   dump_time; then dump-done --> done --off_delay--> off (after_dump=off,
 *   the lab's poweroff), booting (after_dump=reboot, kdump-tools' and
 *   kdump-utils' default) or stays in done until a power command
 *   (after_dump=stay, a kdump "halt").
 *
 * The records are built with the project's own codec (ipmi/dump-event.c,
 * ipmi/sel-record.c, compiled into this module) and stored with
 * ipmi_mc_add_to_sel(), the function ipmi_sim's Add SEL Entry handler
 * calls, with the same 16 bytes nmifence-target sends (timestamp 0, the
 * BMC stamps it).  So the SEL reads byte for byte as with the real target.
 *
 * Failure modes: failure=no-panic (the NMI is logged and ignored, the host
 * keeps running: unknown_nmi_panic=0), failure=hang (dump-start, then
 * nothing: a capture kernel that hangs), failure=dump-failed (dump-failed
 * instead of dump-done).
 *
 * All waits are ipmi_sim timers (sys->alloc_timer), never a sleep: one BMC
 * process serves its LAN sessions while its host "dumps".
 */

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <OpenIPMI/serv.h>
#include <OpenIPMI/lanserv.h>
#include <OpenIPMI/mcserv.h>
#include <OpenIPMI/ipmi_msgbits.h>

#include "dump-event.h"
#include "sel-record.h"
#include "nf_sim_host.h"
#include "nf_watchdog.h"

#define NF_SYSTEM_INTERFACE_CHANNEL 15
#define NF_DURATION_MAX 86400.0
/* IPMI Set Watchdog Timer: timer use SMS/OS, bit 6 "don't stop" (what
 * Linux's ipmi_watchdog sets on IPMI >= 1.5), the SMS/OS expiration flag,
 * the initial countdown in 100 ms units (16 bits). */
#define WDT_USE_SMS_OS 0x04
#define WDT_DONT_STOP 0x40
#define WDT_EXPIRED_SMS_OS 0x10
#define WDT_TIMEOUT_MAX 6553.5
/* fence_kdump v1 (fence-agents' fence_kdump.h): uint32 magic, uint32
 * version, in the sender's byte order; agent/kdump-listener.h */
#define FENCE_KDUMP_MAGIC 0x1B302A40u
#define FENCE_KDUMP_VERSION 1u

/* Exported by the ipmi_sim binary (bmc_storage.c), not declared in the
 * installed headers. */
extern int ipmi_mc_add_to_sel(lmc_data_t *mc, unsigned char record_type, unsigned char event[13],
                              unsigned int *recid);

typedef enum sim_state {
        SIM_OFF,
        SIM_BOOTING,
        SIM_RUNNING,
        SIM_HUNG,               /* running, but no longer pets the watchdog */
        SIM_CAPTURE,            /* panicked, capture kernel booting */
        SIM_DUMPING,
        SIM_DUMP_HUNG,          /* failure=hang: dump-start, then nothing */
        SIM_DONE,               /* dump-done/failed posted, power still on */
} sim_state;

static const char *const sim_state_names[] = {
        [SIM_OFF] = "off",
        [SIM_BOOTING] = "booting",
        [SIM_RUNNING] = "running",
        [SIM_HUNG] = "hung",
        [SIM_CAPTURE] = "capture",
        [SIM_DUMPING] = "dumping",
        [SIM_DUMP_HUNG] = "dump-hung",
        [SIM_DONE] = "done",
};

typedef enum sim_failure {
        FAIL_NONE,
        FAIL_NO_PANIC,
        FAIL_HANG,
        FAIL_DUMP_FAILED,
} sim_failure;

static const char *const sim_failure_names[] = {
        [FAIL_NONE] = "none",
        [FAIL_NO_PANIC] = "no-panic",
        [FAIL_HANG] = "hang",
        [FAIL_DUMP_FAILED] = "dump-failed",
};

/* What the capture kernel does after the dump (kdump's final action). */
enum { AFTER_DUMP_OFF, AFTER_DUMP_STAY, AFTER_DUMP_REBOOT };
static const char *const after_dump_names[] = { "off", "stay", "reboot" };

/* Watchdog timeout actions (IPMI 2.0 table 27-7, byte 2 bits 2:0). */
static const char *const wdt_action_names[] = { "none", "reset", "off", "cycle" };

typedef struct sim_options {
        bool enabled;
        char *log_path;
        char *hang_file;
        bool power_on;
        double boot_time, panic_delay, dump_time, off_delay;
        unsigned progress, cpus;
        sim_failure failure;
        unsigned after_dump;            /* AFTER_DUMP_*: the kdump final action */
        double wdt_timeout, wdt_interval, wdt_panic_timeout;
        unsigned wdt_action;
        bool sel_records;               /* 0: a target without nmifence-target (no SEL record at all) */
        struct sockaddr_in kdump_to;    /* fence_kdump_send's destination; port 0: no sender */
        struct sockaddr_in kdump_from;  /* its source address (port 0) */
        double kdump_interval;
} sim_options;

typedef struct sim_host {
        sim_options o;
        sys_data_t *sys;
        lmc_data_t *mc;
        channel_t *chan;
        sim_state state;
        ipmi_timer_t *step_timer;       /* the state's next step */
        ipmi_timer_t *pet_timer;        /* watchdog pets while running */
        ipmi_timer_t *kdump_timer;      /* fence_kdump_send's next message */
        int kdump_fd;                   /* bound to kdump_from; -1 without a sender */
        unsigned long kdump_sent;
        unsigned step;                  /* progress records posted in this dump */
        uint8_t seq;                    /* per-boot record sequence, as nmifence-target */
        bool wdt_set;                   /* this boot set the BMC watchdog */
        bool in_command;                /* inside a session's Chassis Control */
        unsigned long pets, pet_errors;
} sim_host;

static sim_host sim = {
        .o = {
                .power_on = true,
                .boot_time = 1.0,
                .panic_delay = 2.0,
                .dump_time = 3.0,
                .off_delay = 0.5,
                .progress = 2,
                .cpus = 2,
                .wdt_timeout = 10.0,
                .wdt_interval = 1.0,
                .wdt_panic_timeout = 255.0,
                .wdt_action = 0,        /* none: nmifenced decides, the BMC must not reset a dumping host */
                .sel_records = true,
                .kdump_interval = 1.0,
        },
        .kdump_fd = -1,
};

/* One line per event, one O_APPEND write(2), CLOCK_MONOTONIC like the NMI
 * log so a test can order the two. */
static void sim_log(sim_host *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sim_log(sim_host *h, const char *fmt, ...) {
        struct timespec ts;
        char line[512];
        va_list ap;
        int n, m, fd;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        n = snprintf(line, sizeof(line), "%lld.%09ld ", (long long) ts.tv_sec, ts.tv_nsec);
        va_start(ap, fmt);
        m = vsnprintf(line + n, sizeof(line) - (size_t) n - 1, fmt, ap);
        va_end(ap);
        if (m < 0)
                return;
        n += m;
        if ((size_t) n > sizeof(line) - 2)
                n = (int) sizeof(line) - 2;
        line[n++] = '\n';

        fd = open(h->o.log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
                h->sys->log(h->sys, OS_ERROR, NULL, "nf_sim: open %s: %s", h->o.log_path, strerror(errno));
                return;
        }
        if (write(fd, line, (size_t) n) != n)
                h->sys->log(h->sys, OS_ERROR, NULL, "nf_sim: write %s: %s", h->o.log_path, strerror(errno));
        close(fd);
}

static void timer_arm(sim_host *h, ipmi_timer_t *t, double seconds) {
        struct timeval tv;

        if (seconds < 0)
                seconds = 0;
        tv.tv_sec = (time_t) seconds;
        tv.tv_usec = (suseconds_t) ((seconds - (double) tv.tv_sec) * 1e6);
        h->sys->stop_timer(t);  /* ENOENT when idle; start refuses a running timer */
        h->sys->start_timer(t, &tv);
}

static void timers_stop(sim_host *h) {
        h->sys->stop_timer(h->step_timer);
        h->sys->stop_timer(h->pet_timer);
        h->sys->stop_timer(h->kdump_timer);
}

/* What fence_kdump_send does in the capture kernel (fence-agents; kdump
 * runs it in the background for the whole dump): the 8-byte message,
 * every kdump_interval, from this host's own address, until the capture
 * kernel ends (dump done, power off, reset). */
static void kdump_send(sim_host *h) {
        uint32_t msg[2] = { FENCE_KDUMP_MAGIC, FENCE_KDUMP_VERSION };
        char from[INET_ADDRSTRLEN], to[INET_ADDRSTRLEN];

        inet_ntop(AF_INET, &h->o.kdump_from.sin_addr, from, sizeof from);
        inet_ntop(AF_INET, &h->o.kdump_to.sin_addr, to, sizeof to);
        if (sendto(h->kdump_fd, msg, sizeof msg, 0, (const struct sockaddr *) &h->o.kdump_to,
                   sizeof h->o.kdump_to) != (ssize_t) sizeof msg)
                sim_log(h, "kdump send from=%s to=%s:%u failed: %s", from, to, ntohs(h->o.kdump_to.sin_port),
                        strerror(errno));
        else
                sim_log(h, "kdump sent n=%lu from=%s to=%s:%u", ++h->kdump_sent, from, to,
                        ntohs(h->o.kdump_to.sin_port));
}

static void kdump_timeout(void *cb_data) {
        sim_host *h = cb_data;

        if (h->state != SIM_DUMPING && h->state != SIM_DUMP_HUNG)
                return;
        kdump_send(h);
        timer_arm(h, h->kdump_timer, h->o.kdump_interval);
}

static void kdump_start(sim_host *h) {
        if (h->kdump_fd < 0)
                return;
        kdump_send(h);
        timer_arm(h, h->kdump_timer, h->o.kdump_interval);
}

/* Every state change goes through here, with the reason. */
static void set_state(sim_host *h, sim_state s, const char *why) {
        sim_log(h, "state %s -> %s: %s", sim_state_names[h->state], sim_state_names[s], why);
        h->state = s;
}

/* Store one nmifence record as the target would (Add SEL Entry bytes). */
static void post(sim_host *h, nf_stage stage, uint8_t arg) {
        nf_stage_msg m = { .stage = stage, .arg = arg, .seq = h->seq++ };
        uint8_t raw[NF_SEL_RECORD_SIZE];
        unsigned int recid = 0;
        nf_event ev;
        int r;

        if (!h->o.sel_records) {
                sim_log(h, "sel %s arg=%u not posted (sel_records=0)", nf_stage_str(stage), arg);
                return;
        }
        nf_stage_encode(&m, &ev);
        /* Timestamp 0: the BMC stamps the record (target/ and ipmi/event-post.c do the same). */
        nf_sel_record_encode_event(&ev, 0, raw);
        /* Add SEL Entry's request is the 16-byte record; ipmi_sim's handler
         * passes the record type and bytes 3..15 on. */
        r = ipmi_mc_add_to_sel(h->mc, raw[2], raw + 3, &recid);
        if (r)
                sim_log(h, "sel %s arg=%u seq=%u failed: %s", nf_stage_str(stage), arg, m.seq,
                        r == EAGAIN ? "SEL full" : strerror(r));
        else
                sim_log(h, "sel %s arg=%u seq=%u record=%u", nf_stage_str(stage), arg, m.seq, recid);
}

/* Set Watchdog Timer / Reset Watchdog Timer as the host's driver sends them
 * on the system interface, to the lab BMC's timer (nf_watchdog.c). */
static uint8_t wdt_command(sim_host *h, uint8_t cmd, uint8_t *data, unsigned len) {
        return nf_watchdog_host_request(h->mc, cmd, data, len);
}

static uint8_t wdt_set(sim_host *h, bool run, double timeout_s, uint8_t clear_flags) {
        unsigned v = (unsigned) lround(timeout_s * 10.0);
        uint8_t d[6] = {
                (uint8_t) (WDT_USE_SMS_OS | (run ? WDT_DONT_STOP : 0)),
                (uint8_t) h->o.wdt_action,
                0,                      /* no pre-timeout */
                clear_flags,
                (uint8_t) (v & 0xff),
                (uint8_t) (v >> 8),
        };

        return wdt_command(h, IPMI_SET_WATCHDOG_TIMER_CMD, d, sizeof(d));
}

/* Boot: what ipmi_watchdog (or systemd) does at start, then a pet (Reset
 * Watchdog Timer) to start the countdown. */
static void wdt_start(sim_host *h) {
        uint8_t cc;

        if (h->o.wdt_timeout <= 0)
                return;
        cc = wdt_set(h, true, h->o.wdt_timeout, WDT_EXPIRED_SMS_OS);
        if (cc == 0)
                cc = wdt_command(h, IPMI_RESET_WATCHDOG_TIMER_CMD, NULL, 0);
        sim_log(h, "wdt set timeout=%.1f action=%s interval=%.1f cc=0x%02x", h->o.wdt_timeout,
                wdt_action_names[h->o.wdt_action], h->o.wdt_interval, cc);
        h->wdt_set = cc == 0;
        if (h->wdt_set)
                timer_arm(h, h->pet_timer, h->o.wdt_interval);
}

/* Real BMCs stop the watchdog when the host loses power or resets; the
 * next boot sets it again. */
static void wdt_stop(sim_host *h, const char *why) {
        if (!h->wdt_set)
                return;
        h->sys->stop_timer(h->pet_timer);
        h->wdt_set = false;
        sim_log(h, "wdt stopped (%s) cc=0x%02x", why, wdt_set(h, false, h->o.wdt_timeout, 0));
}

static void boot(sim_host *h, const char *why) {
        timers_stop(h);
        h->wdt_set = false;
        h->seq = 0;
        h->step = 0;
        set_state(h, SIM_BOOTING, why);
        timer_arm(h, h->step_timer, h->o.boot_time);
}

static void power_off(sim_host *h, const char *by) {
        if (h->state == SIM_OFF)
                return;
        wdt_stop(h, "power off");
        timers_stop(h);
        sim_log(h, "power off by=%s", by);
        set_state(h, SIM_OFF, "power off");
}

static void dump_end(sim_host *h) {
        h->sys->stop_timer(h->kdump_timer);
        if (h->o.failure == FAIL_DUMP_FAILED)
                post(h, NF_STAGE_DUMP_FAILED, 1);
        else
                post(h, NF_STAGE_DUMP_DONE, NF_DONE_COMPLETE);
        set_state(h, SIM_DONE, h->o.after_dump == AFTER_DUMP_STAY     ? "dump finished, halted (after_dump=stay)"
                               : h->o.after_dump == AFTER_DUMP_REBOOT ? "dump finished, rebooting (after_dump=reboot)"
                                                                      : "dump finished, powering off (after_dump=off)");
        if (h->o.after_dump != AFTER_DUMP_STAY)
                timer_arm(h, h->step_timer, h->o.off_delay);
}

static double progress_interval(const sim_host *h) {
        return h->o.dump_time / (double) (h->o.progress + 1);
}

static void step_timeout(void *cb_data) {
        sim_host *h = cb_data;
        unsigned pct;

        switch (h->state) {
        case SIM_BOOTING:
                set_state(h, SIM_RUNNING, "boot done");
                post(h, NF_STAGE_ARMED,
                     NF_ARMED_CRASH_LOADED | NF_ARMED_CAPTURE_EXTNMI_NONE |
                             (h->o.failure == FAIL_NO_PANIC ? 0 : NF_ARMED_NMI_PANIC));
                wdt_start(h);
                break;
        case SIM_CAPTURE:
                /* The capture kernel is a new boot: its sequence starts at 0. */
                h->seq = 0;
                h->step = 0;
                post(h, NF_STAGE_DUMP_START, (uint8_t) h->o.cpus);
                if (h->o.cpus)
                        post(h, NF_STAGE_CPUS, (uint8_t) h->o.cpus);
                if (h->o.failure == FAIL_HANG) {
                        set_state(h, SIM_DUMP_HUNG, "capture kernel hangs after dump-start (failure=hang)");
                        kdump_start(h);
                        break;
                }
                set_state(h, SIM_DUMPING, "capture kernel dumping");
                kdump_start(h);
                timer_arm(h, h->step_timer, progress_interval(h));
                break;
        case SIM_DUMPING:
                if (h->step < h->o.progress) {
                        h->step++;
                        pct = h->step * 100 / (h->o.progress + 1);
                        post(h, NF_STAGE_PROGRESS, (uint8_t) (pct > 99 ? 99 : pct));
                        timer_arm(h, h->step_timer, progress_interval(h));
                } else {
                        dump_end(h);
                }
                break;
        case SIM_DONE:
                if (h->o.after_dump == AFTER_DUMP_REBOOT) {
                        /* kdump-tools' and kdump-utils' default: the capture
                         * kernel reboots; the watchdog stops as on a reset. */
                        wdt_stop(h, "reset");
                        sim_log(h, "reset by=host");
                        boot(h, "kdump final action reboot");
                } else {
                        power_off(h, "host");
                }
                break;
        default:
                break;
        }
}

static void pet_timeout(void *cb_data) {
        sim_host *h = cb_data;
        struct stat st;
        uint8_t cc;

        if (h->state != SIM_RUNNING || !h->wdt_set)
                return;
        if (h->o.hang_file && stat(h->o.hang_file, &st) == 0) {
                /* Taken once: the next boot is healthy again. */
                if (unlink(h->o.hang_file) != 0)
                        sim_log(h, "unlink %s: %s", h->o.hang_file, strerror(errno));
                set_state(h, SIM_HUNG, "hang trigger file: the watchdog is no longer pet");
                return;
        }
        cc = wdt_command(h, IPMI_RESET_WATCHDOG_TIMER_CMD, NULL, 0);
        h->pets++;
        if (cc != 0 && h->pet_errors++ < 5)
                sim_log(h, "wdt pet cc=0x%02x", cc);
        timer_arm(h, h->pet_timer, h->o.wdt_interval);
}

static void nmi(sim_host *h) {
        switch (h->state) {
        case SIM_RUNNING:
        case SIM_HUNG:
                if (h->o.failure == FAIL_NO_PANIC) {
                        sim_log(h, "nmi state=%s action=ignored (failure=no-panic)", sim_state_names[h->state]);
                        return;
                }
                sim_log(h, "nmi state=%s action=panic", sim_state_names[h->state]);
                /* Linux's ipmi_watchdog gives a panicking kernel
                 * panic_wdt_timeout (255 s) before the BMC acts; nothing
                 * pets the timer in the capture kernel. */
                h->sys->stop_timer(h->pet_timer);
                if (h->wdt_set && h->o.wdt_panic_timeout > 0)
                        sim_log(h, "wdt panic timeout=%.1f cc=0x%02x", h->o.wdt_panic_timeout,
                                wdt_set(h, true, h->o.wdt_panic_timeout, 0));
                set_state(h, SIM_CAPTURE, "NMI: panic, kexec into the capture kernel");
                timer_arm(h, h->step_timer, h->o.panic_delay);
                break;
        default:
                /* Booting: no NMI handler yet.  Capture kernel: apic_extnmi=none. */
                sim_log(h, "nmi state=%s action=ignored", sim_state_names[h->state]);
                break;
        }
}

static int sim_hw_op(channel_t *chan, unsigned int op) {
        sim_host *h = &sim;
        const char *by = h->in_command ? "command" : "bmc";

        switch (op) {
        case HW_OP_CHECK_POWER:
                return h->state != SIM_OFF;
        case HW_OP_POWERON:
                if (h->state == SIM_OFF) {
                        sim_log(h, "power on by=%s", by);
                        boot(h, "power on");
                }
                return 0;
        case HW_OP_POWEROFF:
                power_off(h, by);
                return 0;
        case HW_OP_RESET:
                if (h->state != SIM_OFF) {
                        wdt_stop(h, "reset");
                        sim_log(h, "reset by=%s", by);
                        boot(h, "reset");
                }
                return 0;
        case HW_OP_GRACEFUL_SHUTDOWN:
                if (h->state == SIM_RUNNING || h->state == SIM_HUNG) {
                        /* nmifence-target.service's ExecStop */
                        post(h, NF_STAGE_DISARMED, 0);
                        power_off(h, "host");
                }
                return 0;
        case HW_OP_SEND_NMI:
                nmi(h);
                return 0;
        default:
                return 0;
        }
}

/* A refused option: to ipmi_sim's log (syslog, absent in the lab) and to
 * stderr, which bmc-up/scale-up keep in ipmi_sim.log and show. */
static void setup_error(sys_data_t *sys, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void setup_error(sys_data_t *sys, const char *fmt, ...) {
        char msg[256];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        sys->log(sys, SETUP_ERROR, NULL, "%s", msg);
        fprintf(stderr, "%s\n", msg);
}

static int parse_duration(sys_data_t *sys, const char *key, const char *v, double max, double *ret) {
        char *end;
        double d;

        errno = 0;
        d = strtod(v, &end);
        if (errno || end == v || *end || !(d >= 0 && d <= max)) {
                setup_error(sys, "nf_sim: %s must be seconds 0..%g (got '%s')", key, max, v);
                return -EINVAL;
        }
        *ret = d;
        return 1;
}

static int parse_uint(sys_data_t *sys, const char *key, const char *v, unsigned max, unsigned *ret) {
        char *end;
        unsigned long u;

        errno = 0;
        u = strtoul(v, &end, 10);
        if (errno || end == v || *end || *v == '-' || u > max) {
                setup_error(sys, "nf_sim: %s must be 0..%u (got '%s')", key, max, v);
                return -EINVAL;
        }
        *ret = (unsigned) u;
        return 1;
}

static int parse_name(sys_data_t *sys, const char *key, const char *v, const char *const *names, unsigned n,
                      unsigned *ret) {
        for (unsigned i = 0; i < n; i++)
                if (strcmp(v, names[i]) == 0) {
                        *ret = i;
                        return 1;
                }
        setup_error(sys, "nf_sim: unknown %s '%s'", key, v);
        return -EINVAL;
}

static int parse_path(sys_data_t *sys, const char *key, const char *v, char **ret) {
        if (*v != '/') {
                setup_error(sys, "nf_sim: %s must be an absolute path (got '%s')", key, v);
                return -EINVAL;
        }
        free(*ret);
        *ret = strdup(v);
        return *ret ? 1 : -ENOMEM;
}

static int parse_ipv4(sys_data_t *sys, const char *key, const char *v, bool want_port, struct sockaddr_in *ret) {
        char addr[INET_ADDRSTRLEN];
        const char *colon = strchr(v, ':');
        size_t n = colon ? (size_t) (colon - v) : strlen(v);
        unsigned port = 0;

        if ((colon != NULL) != want_port || n >= sizeof addr)
                goto bad;
        memcpy(addr, v, n);
        addr[n] = '\0';
        *ret = (struct sockaddr_in) { .sin_family = AF_INET };
        if (inet_pton(AF_INET, addr, &ret->sin_addr) != 1)
                goto bad;
        if (want_port && (parse_uint(sys, key, colon + 1, 65535, &port) < 0 || port == 0))
                goto bad;
        ret->sin_port = htons((uint16_t) port);
        return 1;
bad:
        setup_error(sys, "nf_sim: %s must be %s (got '%s')", key, want_port ? "IPV4:PORT" : "an IPv4 address", v);
        return -EINVAL;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

int nf_sim_host_option(sys_data_t *sys, const char *tok) {
        sim_options *o = &sim.o;
        const char *eq = strchr(tok, '=');
        char key[32];
        const char *v;
        unsigned u = 0;
        int r;

        if (!eq || (size_t) (eq - tok) >= sizeof(key))
                return 0;
        memcpy(key, tok, (size_t) (eq - tok));
        key[eq - tok] = '\0';
        v = eq + 1;

        if (strcmp(key, "sim") == 0) {
                r = parse_uint(sys, key, v, 1, &u);
                o->enabled = u;
                return r;
        }
        if (strcmp(key, "sim_log") == 0)
                return parse_path(sys, key, v, &o->log_path);
        if (strcmp(key, "hang_file") == 0)
                return parse_path(sys, key, v, &o->hang_file);
        if (strcmp(key, "sel_records") == 0) {
                r = parse_uint(sys, key, v, 1, &u);
                o->sel_records = u;
                return r;
        }
        if (strcmp(key, "kdump_to") == 0)
                return parse_ipv4(sys, key, v, true, &o->kdump_to);
        if (strcmp(key, "kdump_from") == 0)
                return parse_ipv4(sys, key, v, false, &o->kdump_from);
        if (strcmp(key, "kdump_interval") == 0)
                return parse_duration(sys, key, v, NF_DURATION_MAX, &o->kdump_interval);
        if (strcmp(key, "power") == 0) {
                static const char *const names[] = { "off", "on" };
                r = parse_name(sys, key, v, names, N(names), &u);
                o->power_on = u;
                return r;
        }
        if (strcmp(key, "boot_time") == 0)
                return parse_duration(sys, key, v, NF_DURATION_MAX, &o->boot_time);
        if (strcmp(key, "panic_delay") == 0)
                return parse_duration(sys, key, v, NF_DURATION_MAX, &o->panic_delay);
        if (strcmp(key, "dump_time") == 0)
                return parse_duration(sys, key, v, NF_DURATION_MAX, &o->dump_time);
        if (strcmp(key, "off_delay") == 0)
                return parse_duration(sys, key, v, NF_DURATION_MAX, &o->off_delay);
        if (strcmp(key, "progress") == 0)
                return parse_uint(sys, key, v, NF_PROTO_MAX_DUMP_RECORDS - 2, &o->progress);
        if (strcmp(key, "cpus") == 0)
                return parse_uint(sys, key, v, NF_CPU_COUNT_MAX, &o->cpus);
        if (strcmp(key, "failure") == 0) {
                r = parse_name(sys, key, v, sim_failure_names, N(sim_failure_names), &u);
                o->failure = (sim_failure) u;
                return r;
        }
        if (strcmp(key, "after_dump") == 0) {
                return parse_name(sys, key, v, after_dump_names, N(after_dump_names), &o->after_dump);
        }
        if (strcmp(key, "wdt_timeout") == 0)
                return parse_duration(sys, key, v, WDT_TIMEOUT_MAX, &o->wdt_timeout);
        if (strcmp(key, "wdt_interval") == 0)
                return parse_duration(sys, key, v, NF_DURATION_MAX, &o->wdt_interval);
        if (strcmp(key, "wdt_panic_timeout") == 0)
                return parse_duration(sys, key, v, WDT_TIMEOUT_MAX, &o->wdt_panic_timeout);
        if (strcmp(key, "wdt_action") == 0)
                return parse_name(sys, key, v, wdt_action_names, N(wdt_action_names), &o->wdt_action);
        return 0;
}

bool nf_sim_host_enabled(void) {
        return sim.o.enabled;
}

int nf_sim_host_check(sys_data_t *sys) {
        const sim_options *o = &sim.o;

        if (!o->enabled)
                return 0;
        if (!o->log_path) {
                setup_error(sys, "nf_sim: sim=1 needs sim_log=PATH");
                return EINVAL;
        }
        /* docs/protocol.md: at most 16 records per dump. */
        if (1 + (o->cpus ? 1 : 0) + o->progress + 1 > NF_PROTO_MAX_DUMP_RECORDS) {
                setup_error(sys, "nf_sim: progress=%u with cpus=%u exceeds %d records per dump",
                         o->progress, o->cpus, NF_PROTO_MAX_DUMP_RECORDS);
                return EINVAL;
        }
        if (o->kdump_to.sin_port && o->kdump_interval <= 0) {
                setup_error(sys, "nf_sim: kdump_interval must be > 0 with kdump_to");
                return EINVAL;
        }
        if (o->kdump_from.sin_family && !o->kdump_to.sin_port) {
                setup_error(sys, "nf_sim: kdump_from needs kdump_to");
                return EINVAL;
        }
        if (o->wdt_timeout > 0 && o->wdt_interval <= 0) {
                setup_error(sys, "nf_sim: wdt_interval must be > 0 with a watchdog");
                return EINVAL;
        }
        return 0;
}

int nf_sim_host_attach(sys_data_t *sys) {
        sim_host *h = &sim;
        channel_t **chans;
        int r;

        h->sys = sys;
        h->mc = sys->ipmb_addrs[sys->bmc_ipmb];
        if (!h->mc) {
                setup_error(sys, "nf_sim: no BMC (mc_add 0x%02x in the emu file)", sys->bmc_ipmb);
                return ENOENT;
        }
        chans = sys->mc_get_channelset(h->mc);
        h->chan = chans ? chans[NF_SYSTEM_INTERFACE_CHANNEL] : NULL;
        /* Without "serial 15" ipmi_sim makes up a system channel with no
         * hw_op; with one, a VM owns it. */
        if (!h->chan || h->chan->hw_op) {
                sys->log(sys, SETUP_ERROR, NULL,
                         "nf_sim: the system interface is taken (a 'serial 15' line): sim=1 replaces the VM");
                return EBUSY;
        }
        r = sys->alloc_timer(sys, step_timeout, h, &h->step_timer);
        if (!r)
                r = sys->alloc_timer(sys, pet_timeout, h, &h->pet_timer);
        if (!r)
                r = sys->alloc_timer(sys, kdump_timeout, h, &h->kdump_timer);
        if (r) {
                setup_error(sys, "nf_sim: alloc_timer: %s", strerror(r));
                return r;
        }
        if (h->o.kdump_to.sin_port) {
                /* Its own source address (127.0.0.N on loopback): what the
                 * agent tells the hosts of a fleet apart by. */
                struct sockaddr_in from = h->o.kdump_from;
                from.sin_family = AF_INET;
                if (!from.sin_addr.s_addr)
                        from.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                from.sin_port = 0;
                h->o.kdump_from = from;
                h->kdump_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                if (h->kdump_fd < 0 || bind(h->kdump_fd, (const struct sockaddr *) &from, sizeof from) < 0) {
                        int e = errno;
                        char a[INET_ADDRSTRLEN];
                        inet_ntop(AF_INET, &from.sin_addr, a, sizeof a);
                        setup_error(sys, "nf_sim: kdump_from %s: %s", a, strerror(e));
                        return e;
                }
        }
        h->chan->hw_capabilities = (1 << HW_OP_RESET) | (1 << HW_OP_POWERON) | (1 << HW_OP_POWEROFF) |
                                   (1 << HW_OP_SEND_NMI) | (1 << HW_OP_GRACEFUL_SHUTDOWN) |
                                   (1 << HW_OP_CHECK_POWER);
        h->chan->hw_op = sim_hw_op;
        h->state = SIM_OFF;

        sim_log(h,
                "sim ready power=%s boot_time=%g panic_delay=%g dump_time=%g progress=%u cpus=%u failure=%s "
                "after_dump=%s off_delay=%g wdt_timeout=%g wdt_interval=%g wdt_action=%s hang_file=%s "
                "sel_records=%d kdump=%s",
                h->o.power_on ? "on" : "off", h->o.boot_time, h->o.panic_delay, h->o.dump_time, h->o.progress,
                h->o.cpus, sim_failure_names[h->o.failure], after_dump_names[h->o.after_dump], h->o.off_delay,
                h->o.wdt_timeout, h->o.wdt_interval, wdt_action_names[h->o.wdt_action],
                h->o.hang_file ? h->o.hang_file : "-", h->o.sel_records, h->kdump_fd >= 0 ? "on" : "off");
        if (h->o.power_on) {
                sim_log(h, "power on by=start");
                boot(h, "power on at BMC start");
        }
        return 0;
}

void nf_sim_host_command_context(bool inside) {
        sim.in_command = inside;
}
