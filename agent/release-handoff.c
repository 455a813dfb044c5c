/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control-client.h"
#include "control-proto.h"
#include "fence-run.h"
#include "json-reader.h"
#include "release-handoff.h"

#define ANSWER_MAX (1u << 20)

/* One request line out, one answer line back, parsed. */
static int exchange(const char *path, const char *req, size_t req_len, uint64_t timeout_ms, nf_jv **ret, char *err,
                    size_t errlen) {
        uint64_t deadline = nf_now_ms() + timeout_ms;
        char *buf = NULL, perr[200];
        size_t len = 0;
        int fd, r;

        if ((fd = nf_ctl_client_connect(path, deadline)) < 0) {
                r = fd;
                if (r == -ENAMETOOLONG)
                        snprintf(err, errlen, "nmifenced is not reachable at %s: socket path too long", path);
                else
                        snprintf(err, errlen, "nmifenced is not reachable at %s: %s", path, strerror(-r));
                return r;
        }
        if ((r = nf_ctl_client_send(fd, req, req_len, deadline)) < 0) {
                if (r == -ETIMEDOUT)
                        goto timeout;
                snprintf(err, errlen, "nmifenced is not reachable at %s: %s", path, strerror(-r));
                goto out;
        }
        if ((r = nf_ctl_client_read_line(fd, deadline, ANSWER_MAX, &buf, &len)) < 0) {
                if (r == -ETIMEDOUT)
                        goto timeout;
                if (r == -EMSGSIZE) {
                        r = -EBADMSG;
                        snprintf(err, errlen, "nmifenced at %s: answer longer than %u bytes", path, ANSWER_MAX);
                } else if (r == -ENOMEM)
                        snprintf(err, errlen, "out of memory");
                else
                        snprintf(err, errlen, "nmifenced at %s closed the connection without an answer", path);
                goto out;
        }
        if ((r = nf_json_parse(buf, len, ret, perr, sizeof perr)) < 0) {
                r = -EBADMSG;
                snprintf(err, errlen, "nmifenced at %s: the answer is not JSON: %s", path, perr);
        }
        goto out;
timeout:
        snprintf(err, errlen, "nmifenced at %s did not answer within %.1f s", path, (double) timeout_ms / 1000);
out:
        free(buf);
        close(fd);
        return r;
}

/* A request line as control-proto.c writes it. */
static int ask(const char *path, void (*write)(FILE *f, const void *arg), const void *arg, uint64_t timeout_ms,
               nf_jv **ret, char *err, size_t errlen) {
        char *req = NULL;
        size_t req_len = 0;
        FILE *f = open_memstream(&req, &req_len);
        int r;

        if (!f) {
                snprintf(err, errlen, "out of memory");
                return -ENOMEM;
        }
        write(f, arg);
        fclose(f);
        r = exchange(path, req, req_len, timeout_ms, ret, err, errlen);
        free(req);
        return r;
}

typedef struct adopt_arg {
        const char *target;
        bool reboot;
        pid_t pid;
} adopt_arg;

static void write_adopt(FILE *f, const void *arg) {
        const adopt_arg *a = arg;

        nf_ctl_adopt_write(f, a->target, a->reboot ? NF_FINAL_CYCLE : NF_FINAL_OFF, (long) a->pid);
}

static void write_status(FILE *f, const void *arg) {
        (void) arg;
        nf_ctl_request_write(f, NF_CTL_STATUS, NULL, 0);
}

int nf_release_handoff(const char *path, const char *target, bool reboot, pid_t pid, uint64_t timeout_ms,
                       char *ret_host, size_t hostlen, char *err, size_t errlen) {
        adopt_arg a = { .target = target, .reboot = reboot, .pid = pid };
        nf_jv *v = NULL;
        int r;

        if (!path || !target || !err || !errlen)
                return -EINVAL;
        if ((r = ask(path, write_adopt, &a, timeout_ms, &v, err, errlen)) < 0)
                return r;
        if (v->type != NF_JV_OBJECT) {
                snprintf(err, errlen, "nmifenced at %s: the answer is not a JSON object", path);
                r = -EBADMSG;
        } else if (!nf_jv_get_bool(v, "ok", false)) {
                snprintf(err, errlen, "nmifenced at %s refused: %s", path, nf_jv_get_str(v, "error", "no reason given"));
                r = -EPERM;
        } else {
                if (ret_host && hostlen)
                        snprintf(ret_host, hostlen, "%s", nf_jv_get_str(v, "host", "?"));
                r = 0;
        }
        nf_jv_free(v);
        return r;
}

int nf_release_probe(const char *path, const char *bmc, uint64_t timeout_ms, char *err, size_t errlen) {
        const nf_jv *hosts;
        nf_jv *v = NULL;
        int r;

        if (!path || !bmc || !err || !errlen)
                return -EINVAL;
        if ((r = ask(path, write_status, NULL, timeout_ms, &v, err, errlen)) < 0)
                return r;
        r = -ESRCH;
        if (v->type != NF_JV_OBJECT || !nf_jv_get_bool(v, "ok", false)) {
                snprintf(err, errlen, "nmifenced at %s answered with an error: %s", path,
                         v->type == NF_JV_OBJECT ? nf_jv_get_str(v, "error", "no reason given") : "not an object");
                r = -EBADMSG;
        } else if ((hosts = nf_jv_get(v, "hosts")) && hosts->type == NF_JV_ARRAY) {
                for (const nf_jv *h = hosts->child; h; h = h->next)
                        if (h->type == NF_JV_OBJECT && !strcmp(nf_jv_get_str(h, "bmc", ""), bmc))
                                r = 0;
        }
        if (r == -ESRCH)
                snprintf(err, errlen, "nmifenced at %s has no host with BMC %s in its configuration: it would not "
                         "adopt this one", path, bmc);
        nf_jv_free(v);
        return r;
}
