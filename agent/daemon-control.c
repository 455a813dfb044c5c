/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon-control.h"
#include "daemon.h"
#include "json-writer.h"

/* The process's name, "?" when it cannot be read (gone, another pid
 * namespace). */
static void comm_of(long pid, char *comm, size_t len) {
        char path[64];
        FILE *f;

        snprintf(comm, len, "?");
        snprintf(path, sizeof path, "/proc/%ld/comm", pid);
        if (pid > 0 && (f = fopen(path, "re"))) {
                if (fgets(comm, (int) len, f))
                        comm[strcspn(comm, "\n")] = 0;
                fclose(f);
        }
}

/* "pid 4242 (nmifence, uid 0)": who asked, for the log and the status. */
static void describe_peer(const struct ucred *peer, char *buf, size_t len) {
        char comm[32];

        comm_of(peer->pid, comm, sizeof comm);
        snprintf(buf, len, "pid %ld (%s, uid %ld)", (long) peer->pid, comm, (long) peer->uid);
}

/* "fence_nmi pid 4242 (released at capture)": the agent that handed its
 * operation over; the connection's peer too when another process sent it. */
static void describe_adopter(long pid, const struct ucred *peer, char *buf, size_t len) {
        char comm[32];
        int n;

        comm_of(pid, comm, sizeof comm);
        n = snprintf(buf, len, "%s pid %ld (released at capture)", comm, pid);
        if (peer->pid != (pid_t) pid && n > 0 && (size_t) n < len)
                snprintf(buf + n, len - (size_t) n, ", sent by pid %ld", (long) peer->pid);
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

static void answer_adopt(nf_daemon *d, const nf_ctl_request *req, const struct ucred *peer, FILE *out) {
        const char *host = NULL, *phase;
        char err[300], who[128];
        nf_json j;
        int r;

        describe_adopter(req->pid, peer, who, sizeof who);
        r = nf_daemon_adopt_request(d, req->target, req->action, req->pid, who, &host, err, sizeof err);
        if (r < 0) {
                write_failure(out, "adopt", r, err);
                return;
        }
        phase = nf_daemon_fence_phase(d, host);
        nf_json_begin(&j, out);
        nf_json_object_open(&j, NULL);
        nf_json_bool(&j, "ok", true);
        nf_json_string(&j, "command", "adopt");
        nf_json_string(&j, "host", host);
        nf_json_string(&j, "target", req->target);
        nf_json_string(&j, "state", phase ? phase : "waiting");
        nf_json_bool(&j, "already", r == 1);
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
        if (req->command == NF_CTL_ADOPT) {
                answer_adopt(d, req, peer, out);
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
