/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where the capture kernel writes the dump.  With release=capture the
 * survivors go on while the capture kernel still writes, so a dump onto a
 * file system they mount too is a write by a node the cluster considers
 * fenced (docs/pacemaker.md, "Limits of the argument").  What this cannot
 * see: a plain block device shared with the survivors. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define REMEDY_SHARED                                                                                         \
        "with release=capture the capture kernel keeps writing onto storage the survivors mount: dump to a " \
        "local disk or a directory no survivor mounts, or keep release=power"

/* Shared-disk cluster file systems (gfs2 and its predecessor gfs, ocfs2,
 * IBM Storage Scale's gpfs) write the same block device from every node;
 * the distributed ones (ceph, glusterfs, lustre, beegfs, also as FUSE
 * clients) are mounted by every cluster node in the usual setups. */
static bool cluster_fs(const char *type) {
        static const char *const types[] = {
                "gfs2",   "gfs",       "ocfs2",          "gpfs",          "ceph",   "fuse.ceph",
                "fuse.ceph-fuse", "glusterfs", "fuse.glusterfs", "lustre", "beegfs",
        };
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
                if (strcmp(type, types[i]) == 0)
                        return true;
        return false;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s) {
        char *w = s;

        for (char *p = s; *p; p++) {
                if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' &&
                    p[3] <= '7') {
                        *w++ = (char) ((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
                        p += 3;
                } else
                        *w++ = *p;
        }
        *w = '\0';
}

typedef struct mount_found {
        char point[256];
        char type[64];
        char source[256];
} mount_found;

static bool under(const char *path, const char *point) {
        size_t n = strlen(point);

        if (strcmp(point, "/") == 0)
                return path[0] == '/';
        return strncmp(path, point, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* The mount that holds PATH: the longest mount point that is PATH or one
 * of its parents; of equal ones the later line, which is mounted over the
 * earlier.  Lines: "ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - TYPE
 * SOURCE SUPEROPTS" (proc(5)). */
static bool find_mount(const char *mountinfo, const char *path, mount_found *ret) {
        char *copy = strdup(mountinfo), *save = NULL;
        size_t best = 0;
        bool found = false;

        if (!copy)
                return false;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *f[5], *sep, *s2 = NULL, *type, *source;
                char *p = line;
                size_t i;

                for (i = 0; i < 5 && (f[i] = strtok_r(p, " ", &s2)); i++)
                        p = NULL;
                if (i < 5 || !(sep = strstr(f[4] + strlen(f[4]) + 1, " - ")))
                        continue;
                if (!(type = strtok_r(sep + 3, " ", &s2)) || !(source = strtok_r(NULL, " ", &s2)))
                        continue;
                unescape(f[4]);
                if (!under(path, f[4]) || strlen(f[4]) < best)
                        continue;
                best = strlen(f[4]);
                snprintf(ret->point, sizeof ret->point, "%s", f[4]);
                snprintf(ret->type, sizeof ret->type, "%s", type);
                unescape(source);
                snprintf(ret->source, sizeof ret->source, "%s", source);
                found = true;
        }
        free(copy);
        return found;
}

/* Judge the local directory DIR by the mount that holds it. */
static void judge_dir(const nf_check_input *in, const char *who, const char *dir, nf_check_result *r) {
        mount_found m;

        if (in->mountinfo.err) {
                nf_check_set(r, NF_CHECK_WARN, "run check on the host itself, with /proc mounted",
                             "cannot tell which file system holds %s (%s): cannot read /proc/self/mountinfo: %s",
                             dir, who, strerror(in->mountinfo.err));
                return;
        }
        if (dir[0] != '/' || !find_mount(in->mountinfo.data, dir, &m)) {
                nf_check_set(r, NF_CHECK_WARN, "give the dump directory as an absolute path",
                             "cannot tell which file system holds %s (%s)", dir, who);
                return;
        }
        if (cluster_fs(m.type))
                nf_check_set(r, NF_CHECK_WARN, REMEDY_SHARED,
                             "%s writes the dump to %s, on the %s cluster file system mounted at %s (%s)", who, dir,
                             m.type, m.point, m.source);
        else
                nf_check_set(r, NF_CHECK_PASS, NULL, "%s writes the dump to %s, on %s mounted at %s (%s)", who, dir,
                             m.type, m.point, m.source);
}

static void check_kdump_tools(const nf_check_input *in, nf_check_result *r) {
        const char *text = in->kdump_tools_default.data;
        char *dir = NULL, *ssh = NULL, *nfs = NULL;
        bool unexp = false;

        if (in->kdump_tools_default.err && in->kdump_tools_default.err != ENOENT) {
                nf_check_set(r, NF_CHECK_WARN, "run as root",
                             "cannot tell where the dump goes: cannot read /etc/default/kdump-tools: %s",
                             strerror(in->kdump_tools_default.err));
                return;
        }
        /* kdump-config: SSH= sends the dump to a remote host, NFS= mounts
         * an export on KDUMP_COREDIR; else KDUMP_COREDIR is local. */
        (void) nf_shvar_get(text, "KDUMP_COREDIR", &dir, &unexp);
        (void) nf_shvar_get(text, "SSH", &ssh, &unexp);
        (void) nf_shvar_get(text, "NFS", &nfs, &unexp);
        if (unexp)
                nf_check_set(r, NF_CHECK_WARN, "write the value literally in the configuration file",
                             "cannot tell where the dump goes: /etc/default/kdump-tools uses shell expansions "
                             "nmifence-target cannot evaluate");
        else if (ssh && ssh[0])
                nf_check_set(r, NF_CHECK_PASS, NULL,
                             "kdump-tools sends the dump over ssh to %s: no file system shared with the survivors",
                             ssh);
        else if (nfs && nfs[0])
                nf_check_set(r, NF_CHECK_PASS, NULL,
                             "kdump-tools writes the dump over NFS to %s: not a cluster file system",
                             nfs);
        else
                judge_dir(in, "kdump-tools", dir && dir[0] ? dir : "/var/crash", r);
        free(dir);
        free(ssh);
        free(nfs);
}

static void check_kdump_utils(const nf_check_input *in, nf_check_result *r) {
        /* kdump.conf(5) dump targets: raw, nfs, ssh, virtiofs, or a file
         * system type with its device; none means `path` on the host's
         * own mounts. */
        static const char *const targets[] = {
                "raw", "nfs", "nfs4", "ssh", "virtiofs", "ext2", "ext3", "ext4", "xfs", "btrfs", "minix",
                "gfs2", "gfs", "ocfs2",
        };
        char path[256] = "/var/crash", value[256];

        if (in->kdump_conf.err && in->kdump_conf.err != ENOENT) {
                nf_check_set(r, NF_CHECK_WARN, "run as root",
                             "cannot tell where the dump goes: cannot read /etc/kdump.conf: %s",
                             strerror(in->kdump_conf.err));
                return;
        }
        (void) nf_kdump_conf_get(in->kdump_conf.data, "path", path, sizeof path);
        for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
                const char *t = targets[i];

                if (!nf_kdump_conf_get(in->kdump_conf.data, t, value, sizeof value))
                        continue;
                if (cluster_fs(t))
                        nf_check_set(r, NF_CHECK_WARN, REMEDY_SHARED,
                                     "/etc/kdump.conf dumps to %s on %s, a %s cluster file system", path, value, t);
                else if (strcmp(t, "ssh") == 0 || strncmp(t, "nfs", 3) == 0)
                        nf_check_set(r, NF_CHECK_PASS, NULL,
                                     "/etc/kdump.conf sends the dump over %s to %s: not a cluster file system", t,
                                     value);
                else
                        nf_check_set(r, NF_CHECK_PASS, NULL, "/etc/kdump.conf dumps to %s on %s %s", path, t, value);
                return;
        }
        judge_dir(in, "kdump-utils", path, r);
}

void nf_check_dump_target(const nf_check_input *in, nf_check_result *r) {
        switch (nf_check_kdump_tool(in)) {
        case NF_KDUMP_TOOLS:
                check_kdump_tools(in, r);
                break;
        case NF_KDUMP_UTILS:
                check_kdump_utils(in, r);
                break;
        default:
                nf_check_set(r, NF_CHECK_WARN,
                             "make sure your capture environment writes the dump where no survivor mounts",
                             "no kdump tool configuration: cannot tell where the dump goes");
                break;
        }
}
