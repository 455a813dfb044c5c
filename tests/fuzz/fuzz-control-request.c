/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nmifenced's control socket (agent/control-proto.c on agent/json-reader.c):
 * a request line from any local client, and, through the same reader, the
 * daemon's answer as `nmifence ... --daemon` reads it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control-proto.h"
#include "json-reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every node is reachable and typed. */
static size_t walk(const nf_jv *v, int depth) {
        size_t n = 1;

        if (depth > NF_JSON_MAX_DEPTH + 1)
                abort();
        if (v->type == NF_JV_STRING && !v->str)
                abort();
        for (const nf_jv *c = v->child; c; c = c->next) {
                if (v->type == NF_JV_OBJECT && (!c->key || nf_jv_get(v, c->key) != c))
                        abort();
                n += walk(c, depth + 1);
        }
        return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        nf_ctl_request r, again;
        nf_jv *v = NULL;
        char err[256], *buf = NULL;
        size_t len = 0;
        FILE *f;

        if (nf_json_parse((const char *) data, size, &v, err, sizeof err) == 0) {
                walk(v, 0);
                nf_jv_free(v);
        } else if (!err[0])
                abort();
        if (nf_ctl_request_parse((const char *) data, size, &r, err, sizeof err) < 0)
                return 0;
        /* What was accepted writes as one line that parses to the same. */
        f = open_memstream(&buf, &len);
        if (!f)
                abort();
        if (r.command == NF_CTL_ADOPT)
                nf_ctl_adopt_write(f, r.target, r.action, r.pid);
        else
                nf_ctl_request_write(f, r.command, r.hosts, r.n_hosts);
        fclose(f);
        if (!len || buf[len - 1] != '\n' || memchr(buf, '\n', len - 1))
                abort();
        if (nf_ctl_request_parse(buf, len - 1, &again, err, sizeof err) < 0)
                abort();
        if (again.command != r.command || again.n_hosts != r.n_hosts)
                abort();
        if (r.command == NF_CTL_ADOPT &&
            (strcmp(again.target, r.target) || again.action != r.action || again.pid != r.pid))
                abort();
        for (size_t i = 0; i < r.n_hosts; i++)
                if (strcmp(again.hosts[i], r.hosts[i]))
                        abort();
        nf_ctl_request_done(&again);
        nf_ctl_request_done(&r);
        free(buf);
        return 0;
}
