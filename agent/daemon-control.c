/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon-control.h"
#include "daemon.h"
#include "json-writer.h"

/* "pid 4242 (nmifence, uid 0)": who asked, for the log and the status. */
static void describe_peer(const struct ucred *peer, char *buf, size_t len) {
        char path[64], comm[32] = "?";
        FILE *f;

        snprintf(path, sizeof path, "/proc/%ld/comm", (long) peer->pid);
        if (peer->pid > 0 && (f = fopen(path, "re"))) {
                if (fgets(comm, sizeof comm, f))
                        comm[strcspn(comm, "\n")] = 0;
                fclose(f);
        }
        snprintf(buf, len, "pid %ld (%s, uid %ld)", (long) peer->pid, comm, (long) peer->uid);
}

static const char *errno_code(int r) {
        switch (r) {
        case -ENOENT:
                return "unknown-host";
        case -EBUSY:
                return "busy";
        case -EPERM:
                return "policy-alert";
        case -ESHUTDOWN:
                return "stopping";
        default:
                return "error";
        }
}

static void write_failure(FILE *out, const char *command, int r, const char *msg) {
        nf_json j;

        nf_json_begin(&j, out);
        nf_json_object_open(&j, NULL);
        nf_json_bool(&j, "ok", false);
        nf_json_string(&j, "command", command);
        nf_json_string(&j, "code", errno_code(r));
        nf_json_string(&j, "error", msg);
        nf_json_object_close(&j);
        nf_json_end(&j);
}

void nf_daemon_control_handler(const nf_ctl_request *req, const char *perr, const struct ucred *peer, FILE *out,
                               void *userdata) {
        nf_daemon *d = userdata;
        char err[300], who[128];
        nf_json j;
        int r;

        if (!req) {
                nf_ctl_write_error(out, perr);
                return;
        }
        if (req->command == NF_CTL_FENCE) {
                describe_peer(peer, who, sizeof who);
                r = nf_daemon_fence_request(d, req->hosts[0], who, err, sizeof err);
                if (r < 0) {
                        write_failure(out, "fence", r, err);
                        return;
                }
                nf_json_begin(&j, out);
                nf_json_object_open(&j, NULL);
                nf_json_bool(&j, "ok", true);
                nf_json_string(&j, "command", "fence");
                nf_json_object_open(&j, "status");
                (void) nf_daemon_host_json(d, &j, req->hosts[0]);
                nf_json_object_close(&j);
                nf_json_object_close(&j);
                nf_json_end(&j);
                return;
        }
        /* status: written to a buffer first, so an unknown host yields
         * an error line only */
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f) {
                nf_ctl_write_error(out, "out of memory");
                return;
        }
        nf_json_begin(&j, f);
        nf_json_object_open(&j, NULL);
        nf_json_bool(&j, "ok", true);
        nf_json_string(&j, "command", "status");
        r = nf_daemon_status_json(d, &j, req->hosts, req->n_hosts, err, sizeof err);
        nf_json_object_close(&j);
        nf_json_end(&j);
        fclose(f);
        if (r < 0)
                write_failure(out, "status", r, err);
        else
                fwrite(buf, 1, len, out);
        free(buf);
}
