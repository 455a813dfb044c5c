/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Starting and stopping a private ipmi_sim for an integration test. */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <freeipmi/freeipmi.h>

#include "bmc-fixture.h"
#include "nf-commands.h"

#define READY_TIMEOUT_MS 10000

static uint64_t mono_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

uint16_t bmc_fixture_free_udp_port(void) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(sa);
        uint16_t port = 0;
        int fd;

        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return 0;
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0 &&
            getsockname(fd, (struct sockaddr *) &sa, &len) == 0)
                port = ntohs(sa.sin_port);
        close(fd);
        return port;
}

static const char *find_ipmi_sim(void) {
        static const char *const candidates[] = { "/usr/bin/ipmi_sim", "/usr/sbin/ipmi_sim",
                                                  "/usr/local/bin/ipmi_sim" };
        const char *env = getenv("NF_IPMI_SIM");

        if (env && access(env, X_OK) == 0)
                return env;
        for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++)
                if (access(candidates[i], X_OK) == 0)
                        return candidates[i];
        return NULL;
}

static int write_file(const char *dir, const char *name, const char *text) {
        char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "we");
        if (!f)
                return -errno;
        fputs(text, f);
        return fclose(f) == 0 ? 0 : -errno;
}

static int write_config(bmc_fixture *b, const char *module) {
        char conf[2048], loadlib[512] = "";

        if (module) {
                snprintf(b->nmi_log, sizeof(b->nmi_log), "%s/nmi.log", b->dir);
                snprintf(loadlib, sizeof(loadlib), "loadlib \"%s\" \"nmi_log=%s\"\n", module, b->nmi_log);
        }
        /* Channel 15 with the VM codec gives chassis power control a
         * target; nothing connects to it here (no QEMU), so the host reads
         * as powered off throughout. */
        snprintf(conf, sizeof(conf),
                 "name \"nftest\"\n"
                 "set_working_mc 0x20\n"
                 "  startlan 1\n"
                 "    addr %s %u\n"
                 "    priv_limit admin\n"
                 "    allowed_auths_callback none md2 md5 straight\n"
                 "    allowed_auths_user none md2 md5 straight\n"
                 "    allowed_auths_operator none md2 md5 straight\n"
                 "    allowed_auths_admin none md2 md5 straight\n"
                 "    guid a123456789abcdefa123456789abcdef\n"
                 "  endlan\n"
                 "  serial 15 127.0.0.1 %u codec VM\n"
                 "  user 2 true \"%s\" \"%s\" admin 10 none md2 md5 straight\n"
                 "%s",
                 b->host, b->port, bmc_fixture_free_udp_port(), b->user, b->password, loadlib);
        if (write_file(b->dir, "lan.conf", conf) < 0)
                return -1;
        return write_file(b->dir, "cmds.emu",
                          "mc_setbmc 0x20\n"
                          "mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr\n"
                          "sel_enable 0x20 1000 0x0a\n"
                          "mc_enable 0x20\n");
}

static pid_t spawn_sim(const bmc_fixture *b, const char *sim) {
        char conf[128], cmds[128], state[128], log[128];
        pid_t pid;

        if (b->rundir[0]) {
                snprintf(conf, sizeof(conf), "%s/ipmi_sim.conf", b->rundir);
                snprintf(cmds, sizeof(cmds), "%s/ipmi_sim.emu", b->rundir);
                snprintf(state, sizeof(state), "%s/state", b->rundir);
                snprintf(log, sizeof(log), "%s/ipmi_sim.restart.log", b->rundir);
        } else {
                snprintf(conf, sizeof(conf), "%s/lan.conf", b->dir);
                snprintf(cmds, sizeof(cmds), "%s/cmds.emu", b->dir);
                snprintf(state, sizeof(state), "%s/state", b->dir);
                snprintf(log, sizeof(log), "%s/ipmi_sim.log", b->dir);
        }
        if (mkdir(state, 0700) < 0)
                return -1;

        pid = fork();
        if (pid != 0)
                return pid;

        /* Child.  -n: no console (without it ipmi_sim aborts on a /dev/null
         * stdin, LAB-NOTES). */
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
                dup2(fd, STDOUT_FILENO);
                dup2(fd, STDERR_FILENO);
        }
        execl(sim, "ipmi_sim", "-n", "-c", conf, "-f", cmds, "-s", state, (char *) NULL);
        _exit(127);
}

static bool sim_answers(const bmc_fixture *b) {
        nf_lan_params p;
        nf_session *s = NULL;
        nf_device_id id;
        bool ok;

        bmc_fixture_lan_params(b, &p);
        p.session_timeout_ms = 500;
        p.retransmit_timeout_ms = 100;
        if (nf_session_open_lan(&p, &s, NULL) != NF_OK)
                return false;
        ok = nf_get_device_id(s, &id) == NF_OK;
        nf_session_free(s);
        return ok;
}

static int wait_ready(bmc_fixture *b) {
        uint64_t deadline = mono_ms() + READY_TIMEOUT_MS;

        while (mono_ms() < deadline) {
                int status;

                if (b->pid > 0 && waitpid(b->pid, &status, WNOHANG) == b->pid) {
                        fprintf(stderr, "ipmi_sim exited early, see %s/ipmi_sim.log\n", b->dir);
                        b->pid = 0;
                        return 1;
                }
                if (sim_answers(b))
                        return 0;
        }
        fprintf(stderr, "ipmi_sim on port %u did not answer within %d ms\n", b->port, READY_TIMEOUT_MS);
        return 1;
}

static uint16_t free_tcp_port(void) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(sa);
        uint16_t port = 0;
        int fd;

        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return 0;
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0 &&
            getsockname(fd, (struct sockaddr *) &sa, &len) == 0)
                port = ntohs(sa.sin_port);
        close(fd);
        return port;
}

/* Runs a lab script and waits for it; returns its exit status or -1. */
static int run_script(const char *script, const char *rundir, const char *module) {
        char serial[8];
        int status;
        pid_t pid;

        /* bmc-up: a system-interface (VM codec) listener nobody connects
         * to, so Chassis Control power requests have a target, as with a
         * powered-off host. */
        snprintf(serial, sizeof(serial), "%u", free_tcp_port());
        pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                if (module)
                        execl(script, script, rundir, "--module", module, "--serial-port", serial,
                              (char *) NULL);
                else
                        execl(script, script, rundir, (char *) NULL);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
                return -1;
        return WEXITSTATUS(status);
}

/* One NAME=value line of RUNDIR/env; bash printf %q only backslash-escapes
 * the values bmc-up writes. */
static void env_value(const char *line, const char *name, char *out, size_t len) {
        size_t nlen = strlen(name), o = 0;

        if (strncmp(line, name, nlen) != 0 || line[nlen] != '=')
                return;
        for (const char *p = line + nlen + 1; *p && *p != '\n' && o + 1 < len; p++) {
                if (*p == '\\' && p[1])
                        p++;
                out[o++] = *p;
        }
        out[o] = '\0';
}

static int read_lab_env(bmc_fixture *b) {
        char path[160], line[512], port[8] = "", pid[16] = "";
        FILE *f;

        snprintf(path, sizeof(path), "%s/env", b->rundir);
        f = fopen(path, "re");
        if (!f)
                return -1;
        while (fgets(line, sizeof(line), f)) {
                env_value(line, "NF_LAB_BMC_HOST", b->host, sizeof(b->host));
                env_value(line, "NF_LAB_BMC_PORT", port, sizeof(port));
                env_value(line, "NF_LAB_USER", b->user, sizeof(b->user));
                env_value(line, "NF_LAB_PASSWORD", b->password, sizeof(b->password));
                env_value(line, "NF_LAB_NMI_LOG", b->nmi_log, sizeof(b->nmi_log));
                env_value(line, "NF_LAB_SIM_PID", pid, sizeof(pid));
        }
        fclose(f);
        b->port = (uint16_t) atoi(port);
        b->lab_sim_pid = (pid_t) atoi(pid);
        return b->port && b->host[0] && b->user[0] && b->lab_sim_pid > 0 ? 0 : -1;
}

/* The lab's own BMC (tests/lab/bmc-up), when meson told us where it is. */
static int start_with_lab(bmc_fixture *b, const char *bmc_up, const char *module) {
        snprintf(b->rundir, sizeof(b->rundir), "%s/run", b->dir);
        if (run_script(bmc_up, b->rundir, module) != 0) {
                fprintf(stderr, "%s %s failed\n", bmc_up, b->rundir);
                return 1;
        }
        if (read_lab_env(b) < 0) {
                fprintf(stderr, "cannot read %s/env\n", b->rundir);
                return 1;
        }
        return wait_ready(b);
}

int bmc_fixture_start(bmc_fixture *b) {
        const char *sim, *module, *lab_up, *lab_down;

        memset(b, 0, sizeof(*b));
        sim = find_ipmi_sim();
        if (!sim) {
                printf("SKIP: ipmi_sim not installed (Debian package openipmi)\n");
                return TEST_SKIP;
        }
        module = getenv("NF_DIAG_MODULE");
        if (module && (!module[0] || access(module, R_OK) != 0))
                module = NULL;

        snprintf(b->dir, sizeof(b->dir), "/tmp/nf-ipmi-it-XXXXXX");
        if (!mkdtemp(b->dir)) {
                fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
                return 1;
        }
        lab_up = getenv("NF_LAB_BMC_UP");
        lab_down = getenv("NF_LAB_DOWN");
        if (lab_up && access(lab_up, X_OK) == 0 && lab_down && access(lab_down, X_OK) == 0) {
                snprintf(b->lab_down, sizeof(b->lab_down), "%s", lab_down);
                return start_with_lab(b, lab_up, module);
        }

        /* No lab scripts (e.g. a build without tests/lab): own simulator. */
        snprintf(b->host, sizeof(b->host), "127.0.0.1");
        snprintf(b->user, sizeof(b->user), "nfadmin");
        snprintf(b->password, sizeof(b->password), "nf-secret-1");
        b->port = bmc_fixture_free_udp_port();
        if (b->port == 0 || write_config(b, module) < 0) {
                fprintf(stderr, "cannot prepare %s\n", b->dir);
                return 1;
        }

        b->pid = spawn_sim(b, sim);
        if (b->pid < 0) {
                b->pid = 0;
                fprintf(stderr, "cannot start ipmi_sim: %s\n", strerror(errno));
                return 1;
        }

        return wait_ready(b);
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw) {
        (void) remove(path); /* best effort: keep going */
        return 0;
}

/* Only ever called on the mkdtemp() directory this fixture created. */
static void remove_tree(const char *dir) {
        nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

void bmc_fixture_kill(bmc_fixture *b) {
        if (b->lab_sim_pid > 0) {
                /* Started by bmc-up on our behalf; lab-down finds it gone. */
                kill(b->lab_sim_pid, SIGTERM);
                for (int i = 0; i < 500 && kill(b->lab_sim_pid, 0) == 0; i++)
                        usleep(10000);
                b->lab_sim_pid = 0;
        }
        if (b->pid > 0) {
                kill(b->pid, SIGTERM);
                waitpid(b->pid, NULL, 0);
                b->pid = 0;
        }
}

int bmc_fixture_restart(bmc_fixture *b) {
        const char *sim = find_ipmi_sim();
        char state[128];

        bmc_fixture_kill(b);
        /* Same config and port; fresh state, as after a BMC firmware reset.
         * bmc-up would pick a new port, so the lab's config is reused. */
        snprintf(state, sizeof(state), "%s/state", b->rundir[0] ? b->rundir : b->dir);
        remove_tree(state);
        b->pid = spawn_sim(b, sim);
        if (b->pid < 0) {
                b->pid = 0;
                return 1;
        }
        return wait_ready(b);
}

void bmc_fixture_stop(bmc_fixture *b) {
        if (b->pid > 0)
                bmc_fixture_kill(b);
        if (b->lab_down[0])
                run_script(b->lab_down, b->rundir, NULL);
        b->lab_sim_pid = 0;
        if (b->dir[0] && !getenv("NF_KEEP_TEST_DIR"))
                remove_tree(b->dir);
}

void bmc_fixture_lan_params(const bmc_fixture *b, nf_lan_params *ret) {
        memset(ret, 0, sizeof(*ret));
        ret->host = b->host;
        ret->port = b->port;
        ret->user = b->user;
        ret->password = b->password;
        ret->cipher_suite = 3;
        ret->privilege = NF_PRIV_ADMIN;
        /* IPMI Workaround (OpenIPMI ipmi_sim 2.0.33): without opensesspriv
         * freeipmi's RMCP+ Open Session is refused (LAB-NOTES). */
        ret->workaround_flags = IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE;
        ret->session_timeout_ms = 3000;
        ret->retransmit_timeout_ms = 500;
}

int bmc_fixture_nmi_count(const bmc_fixture *b) {
        FILE *f;
        int c, n = 0;

        if (!b->nmi_log[0])
                return -1;
        f = fopen(b->nmi_log, "re");
        if (!f)
                return -1;
        while ((c = fgetc(f)) != EOF)
                if (c == '\n')
                        n++;
        fclose(f);
        return n;
}

int bmc_fixture_need_watchdog(const bmc_fixture *b) {
        if (b->nmi_log[0])
                return 0;
        printf("SKIP: the lab module (nf_diag.so, with its watchdog) is not built\n");
        return TEST_SKIP;
}
