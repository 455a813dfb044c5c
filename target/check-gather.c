/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check-gather.h"
#include "nf-commands.h"
#include "nf-session.h"

#define MAX_FILE (64 * 1024)
#define MAX_MOUNTINFO (4 * 1024 * 1024)

static void path_join(char *buf, size_t len, const char *root, const char *path) {
        size_t rl = strlen(root);

        while (rl > 0 && root[rl - 1] == '/')
                rl--;
        snprintf(buf, len, "%.*s%s", (int) rl, root, path);
}

/* Read at most MAX bytes; with STRICT a longer file is EFBIG rather than
 * cut short. */
static void read_file(const char *root, const char *path, size_t max, bool strict, nf_file *ret) {
        char full[4096];
        int fd;
        ssize_t n;
        size_t used = 0;
        char *buf;

        *ret = (nf_file) { .err = 0 };
        path_join(full, sizeof full, root, path);
        fd = open(full, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                ret->err = errno;
                return;
        }
        buf = malloc(max + 1);
        if (!buf) {
                close(fd);
                ret->err = ENOMEM;
                return;
        }
        /* One byte more than max tells a longer file from one of max. */
        while (used <= max && (n = read(fd, buf + used, max + 1 - used)) != 0) {
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        ret->err = errno;
                        free(buf);
                        close(fd);
                        return;
                }
                used += (size_t) n;
        }
        close(fd);
        if (used > max) {
                if (strict) {
                        ret->err = EFBIG;
                        free(buf);
                        return;
                }
                used = max;
        }
        buf[used] = '\0';
        ret->data = buf;
}

void nf_check_read(const char *root, const char *path, nf_file *ret) {
        read_file(root, path, MAX_FILE, false, ret);
}

static void scan_kallsyms(const char *root, nf_check_input *in) {
        char full[4096], *line = NULL;
        size_t cap = 0;
        FILE *f;

        path_join(full, sizeof full, root, "/proc/kallsyms");
        f = fopen(full, "re");
        if (!f) {
                in->kallsyms_err = errno;
                return;
        }
        /* "ADDRESS TYPE NAME [MODULE]"; without root the addresses read as
         * zeros, but the names are all there. */
        while (getline(&line, &cap, f) > 0) {
                char *name = strchr(line, ' ');
                if (!name || !(name = strchr(name + 1, ' ')))
                        continue;
                name++;
                name[strcspn(name, " \t\n")] = '\0';
                if (strcmp(name, "panic_cpu") == 0)
                        in->sym_panic_cpu = true;
                else if (strcmp(name, "nmi_panic") == 0)
                        in->sym_nmi_panic = true;
                else if (strcmp(name, "nmi_panic_self_stop") == 0)
                        in->sym_nmi_panic_self_stop = true;
        }
        if (ferror(f))
                in->kallsyms_err = EIO;
        free(line);
        fclose(f);
}

static int cmp_str(const void *a, const void *b) {
        const char *const *x = a, *const *y = b;
        return strcmp(strrchr(*x, '/') + 1, strrchr(*y, '/') + 1);
}

/* systemd-sysctl: files named *.conf in these directories, a name in an
 * earlier directory masking the same name in a later one, applied in
 * name order; procps' /etc/sysctl.conf last. */
static void scan_sysctl_d(const char *root, nf_check_input *in) {
        static const char *const dirs[] = {
                "/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d", "/lib/sysctl.d",
        };
        char *files[256];
        size_t n = 0;

        in->sysctld_unknown_nmi_panic = -1;
        in->sysctld_panic_on_unrecovered_nmi = -1;
        for (size_t d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
                char full[4096];
                DIR *dir;
                struct dirent *de;

                path_join(full, sizeof full, root, dirs[d]);
                if (!(dir = opendir(full)))
                        continue;
                while ((de = readdir(dir)) && n < 256) {
                        size_t l = strlen(de->d_name);
                        bool dup = false;
                        if (l < 6 || strcmp(de->d_name + l - 5, ".conf") != 0)
                                continue;
                        for (size_t i = 0; i < n; i++)
                                if (strcmp(strrchr(files[i], '/') + 1, de->d_name) == 0)
                                        dup = true;
                        if (dup)
                                continue;
                        if (asprintf(&files[n], "%s/%s", dirs[d], de->d_name) >= 0)
                                n++;
                }
                closedir(dir);
        }
        qsort(files, n, sizeof files[0], cmp_str);
        if (n < 256)
                files[n++] = strdup("/etc/sysctl.conf");
        for (size_t i = 0; i < n; i++) {
                nf_file f;
                long v;

                if (!files[i])
                        continue;
                nf_check_read(root, files[i], &f);
                if (f.data && nf_sysctl_conf_get(f.data, "kernel.unknown_nmi_panic", &v)) {
                        in->sysctld_unknown_nmi_panic = v;
                        snprintf(in->sysctld_source, sizeof in->sysctld_source, "%s", files[i]);
                }
                if (f.data && nf_sysctl_conf_get(f.data, "kernel.panic_on_unrecovered_nmi", &v)) {
                        in->sysctld_panic_on_unrecovered_nmi = v;
                        snprintf(in->sysctld_source, sizeof in->sysctld_source, "%s", files[i]);
                }
                free(f.data);
                free(files[i]);
        }
}

static bool exists(const char *root, const char *path) {
        char full[4096];
        struct stat st;

        path_join(full, sizeof full, root, path);
        return stat(full, &st) == 0;
}

void nf_check_gather(const char *root, nf_check_input *in) {
        /* Where nmifence's kdump-tools integration installs its
         * initramfs-tools hook (docs/target.md, "kdump hook points"). */
        static const char *const hooks[] = {
                "/usr/share/initramfs-tools/hooks/nmifence-target",
                "/etc/initramfs-tools/hooks/nmifence-target",
                "/lib/systemd/system/kdump-tools-dump.service.d/nmifence.conf",
                "/usr/lib/systemd/system/kdump-tools-dump.service.d/nmifence.conf",
                "/etc/systemd/system/kdump-tools-dump.service.d/nmifence.conf",
        };
        char full[4096];
        struct stat st;

        *in = (nf_check_input) { .ipmi_dev_err = ENOENT };
        scan_kallsyms(root, in);
        nf_check_read(root, "/sys/kernel/kexec_crash_size", &in->crash_size);
        nf_check_read(root, "/sys/kernel/kexec_crash_loaded", &in->crash_loaded);
        nf_check_read(root, "/proc/sys/kernel/unknown_nmi_panic", &in->unknown_nmi_panic);
        nf_check_read(root, "/proc/sys/kernel/panic_on_unrecovered_nmi", &in->panic_on_unrecovered_nmi);
        nf_check_read(root, "/proc/sys/kernel/panic_on_io_nmi", &in->panic_on_io_nmi);
        nf_check_read(root, "/proc/cmdline", &in->cmdline);
        nf_check_read(root, "/etc/default/kdump-tools", &in->kdump_tools_default);
        nf_check_read(root, "/etc/kdump/sysctl.conf", &in->kdump_tools_sysctl);
        nf_check_read(root, "/etc/sysconfig/kdump", &in->kdump_sysconfig);
        nf_check_read(root, "/etc/kdump.conf", &in->kdump_conf);
        /* A host with many mounts (containers) has a long mountinfo, and
         * a cut one could miss the mount that holds the dump directory. */
        read_file(root, "/proc/self/mountinfo", MAX_MOUNTINFO, true, &in->mountinfo);
        for (size_t i = 0; i < sizeof hooks / sizeof hooks[0]; i++)
                if (exists(root, hooks[i]))
                        in->nmifence_initramfs_hook = true;
        scan_sysctl_d(root, in);

        in->wdt_loaded = exists(root, "/sys/module/ipmi_watchdog");
        if (in->wdt_loaded) {
                nf_check_read(root, "/sys/module/ipmi_watchdog/parameters/action", &in->wdt_action);
                nf_check_read(root, "/sys/module/ipmi_watchdog/parameters/preaction", &in->wdt_preaction);
                nf_check_read(root, "/sys/module/ipmi_watchdog/parameters/pretimeout", &in->wdt_pretimeout);
                nf_check_read(root, "/sys/module/ipmi_watchdog/parameters/timeout", &in->wdt_timeout);
        }

        path_join(full, sizeof full, root, "/dev/ipmi0");
        in->ipmi_dev_err = stat(full, &st) == 0 ? 0 : errno;
}

void nf_check_probe_bmc(const char *root, const char *device, unsigned timeout_ms, nf_check_input *in) {
        char path[4096], buf[256];
        nf_session *s = NULL;
        nf_error err;
        nf_device_id id;

        if (in->ipmi_dev_err != 0 && !device)
                return;
        if (!device) {
                path_join(path, sizeof path, root, "/dev/ipmi0");
                device = path;
        }
        if (nf_session_open_dev(device, timeout_ms, &s, &err) != NF_OK) {
                in->probe = NF_PROBE_FAILED;
                snprintf(in->probe_msg, sizeof in->probe_msg, "%.100s: %.140s", device, nf_error_format(&err, buf, sizeof buf));
                in->ipmi_dev_err = err.sys_errno == EACCES || err.sys_errno == EPERM ? err.sys_errno : in->ipmi_dev_err;
                return;
        }
        if (nf_get_device_id(s, &id) != NF_OK) {
                in->probe = NF_PROBE_FAILED;
                snprintf(in->probe_msg, sizeof in->probe_msg, "Get Device ID through %.100s: %.120s", device,
                         nf_error_format(nf_session_last_error(s), buf, sizeof buf));
        } else {
                in->probe = NF_PROBE_OK;
                snprintf(in->probe_msg, sizeof in->probe_msg,
                         "BMC answers through %.100s: IPMI %u.%u, manufacturer %u, product 0x%04x, firmware %u.%02u",
                         device, id.ipmi_major, id.ipmi_minor, id.manufacturer_id, id.product_id, id.fw_major,
                         id.fw_minor);
        }
        nf_session_free(s);
}
