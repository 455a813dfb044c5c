/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "control-proto.h"
#include "json-reader.h"
#include "json-writer.h"

static const char *const command_names[_NF_CTL_COMMAND_MAX] = {
        [NF_CTL_STATUS] = "status",
        [NF_CTL_FENCE] = "fence",
        [NF_CTL_ADOPT] = "adopt",
};

const char *nf_ctl_command_str(nf_ctl_command c) {
        return (unsigned) c < _NF_CTL_COMMAND_MAX ? command_names[c] : "invalid";
}

void nf_ctl_request_done(nf_ctl_request *r) {
        if (!r)
                return;
        for (size_t i = 0; i < r->n_hosts; i++)
                free(r->hosts[i]);
        free(r->hosts);
        free(r->target);
        r->hosts = NULL;
        r->n_hosts = 0;
        r->target = NULL;
}

static int bad(char *err, size_t errlen, const char *what, const char *arg) {
        snprintf(err, errlen, what, arg);
        return -EBADMSG;
}

static int hosts_from(const nf_jv *a, nf_ctl_request *r, char *err, size_t errlen) {
        size_t n = nf_jv_len(a), i = 0;

        if (a->type != NF_JV_ARRAY)
                return bad(err, errlen, "\"hosts\" must be an array of host names, not %s", nf_jv_type_str(a->type));
        if (n > NF_CTL_HOSTS_MAX)
                return bad(err, errlen, "\"hosts\" lists more than %s hosts", "4096");
        r->hosts = calloc(n ? n : 1, sizeof *r->hosts);
        if (!r->hosts)
                return -ENOMEM;
        for (const nf_jv *e = a->child; e; e = e->next, i++) {
                if (e->type != NF_JV_STRING || !e->str[0])
                        return bad(err, errlen, "\"hosts\" must hold non-empty strings, not %s",
                                   e->type == NF_JV_STRING ? "\"\"" : nf_jv_type_str(e->type));
                if (!(r->hosts[i] = strdup(e->str)))
                        return -ENOMEM;
                r->n_hosts = i + 1;
        }
        return 0;
}

/* "address:port" as nf_target_key() takes it: the port after the last
 * colon, 1..65535, and an address before it. */
static bool target_valid(const char *t) {
        const char *colon = strrchr(t, ':');
        char *end;
        long port;

        if (!colon || colon == t || !colon[1] || colon[1] == '+' || colon[1] == '-')
                return false;
        errno = 0;
        port = strtol(colon + 1, &end, 10);
        return !errno && !*end && port >= 1 && port <= 65535 && strlen(t) < 128;
}

static int adopt_from(const nf_jv *target, const nf_jv *action, const nf_jv *pid, nf_ctl_request *r, char *err,
                      size_t errlen) {
        if (!target || target->type != NF_JV_STRING || !target_valid(target->str))
                return bad(err, errlen, "%s", "adopt needs \"target\": the BMC as \"address:port\" (port 1..65535)");
        if (!action || action->type != NF_JV_STRING)
                return bad(err, errlen, "%s", "adopt needs \"action\": \"off\" or \"reboot\"");
        if (strcmp(action->str, "off") == 0)
                r->action = NF_FINAL_OFF;
        else if (strcmp(action->str, "reboot") == 0)
                r->action = NF_FINAL_CYCLE;
        else
                return bad(err, errlen, "\"action\" \"%s\": expected \"off\" or \"reboot\"", action->str);
        if (!pid || pid->type != NF_JV_NUMBER || pid->num < 1 || pid->num > INT_MAX || pid->num != (double) (long) pid->num)
                return bad(err, errlen, "%s", "adopt needs \"pid\": the requesting agent's process id (1..2147483647)");
        r->pid = (long) pid->num;
        if (!(r->target = strdup(target->str)))
                return -ENOMEM;
        return 0;
}

int nf_ctl_request_parse(const char *line, size_t len, nf_ctl_request *ret, char *err, size_t errlen) {
        nf_ctl_request r = { 0 };
        nf_jv *v = NULL;
        const nf_jv *cmd = NULL, *hosts = NULL, *target = NULL, *action = NULL, *pid = NULL;
        char perr[200];
        int rc;

        if (len > NF_CTL_LINE_MAX)
                return bad(err, errlen, "request longer than %s bytes", "65536");
        rc = nf_json_parse(line, len, &v, perr, sizeof perr);
        if (rc < 0) {
                snprintf(err, errlen, "request is not JSON: %s", perr);
                return rc;
        }
        if (v->type != NF_JV_OBJECT) {
                rc = bad(err, errlen, "request must be a JSON object, not %s", nf_jv_type_str(v->type));
                goto out;
        }
        for (const nf_jv *m = v->child; m; m = m->next) {
                if (strcmp(m->key, "command") == 0)
                        cmd = m;
                else if (strcmp(m->key, "hosts") == 0)
                        hosts = m;
                else if (strcmp(m->key, "target") == 0)
                        target = m;
                else if (strcmp(m->key, "action") == 0)
                        action = m;
                else if (strcmp(m->key, "pid") == 0)
                        pid = m;
                else {
                        rc = bad(err, errlen, "unknown member \"%s\" (expected command, hosts, target, action, pid)",
                                 m->key);
                        goto out;
                }
        }
        if (!cmd || cmd->type != NF_JV_STRING) {
                rc = bad(err, errlen, "%s", "\"command\" (a string: status, fence or adopt) is missing");
                goto out;
        }
        for (r.command = 0; r.command < _NF_CTL_COMMAND_MAX; r.command++)
                if (strcmp(cmd->str, command_names[r.command]) == 0)
                        break;
        if (r.command == _NF_CTL_COMMAND_MAX) {
                rc = bad(err, errlen, "unknown command \"%s\" (expected status, fence or adopt)", cmd->str);
                goto out;
        }
        if (r.command == NF_CTL_ADOPT) {
                if (hosts) {
                        rc = bad(err, errlen, "%s", "adopt names its host by \"target\", not \"hosts\"");
                        goto out;
                }
                if ((rc = adopt_from(target, action, pid, &r, err, errlen)) < 0)
                        goto out;
        } else if (target || action || pid) {
                rc = bad(err, errlen, "\"%s\" belongs to adopt only",
                         target ? "target" : action ? "action" : "pid");
                goto out;
        }
        if (hosts && (rc = hosts_from(hosts, &r, err, errlen)) < 0)
                goto out;
        if (r.command == NF_CTL_FENCE && r.n_hosts != 1) {
                rc = bad(err, errlen, "%s", "fence takes exactly one host in \"hosts\"");
                goto out;
        }
        *ret = r;
        r = (nf_ctl_request) { 0 };
        rc = 0;
out:
        if (rc == -ENOMEM)
                snprintf(err, errlen, "out of memory");
        nf_ctl_request_done(&r);
        nf_jv_free(v);
        return rc;
}

void nf_ctl_request_write(FILE *f, nf_ctl_command c, char *const *hosts, size_t n_hosts) {
        nf_json j;

        nf_json_begin(&j, f);
        nf_json_object_open(&j, NULL);
        nf_json_string(&j, "command", nf_ctl_command_str(c));
        if (n_hosts) {
                nf_json_array_open(&j, "hosts");
                for (size_t i = 0; i < n_hosts; i++)
                        nf_json_string(&j, NULL, hosts[i]);
                nf_json_array_close(&j);
        }
        nf_json_object_close(&j);
        nf_json_end(&j);
}

void nf_ctl_adopt_write(FILE *f, const char *target, nf_final_action action, long pid) {
        nf_json j;

        nf_json_begin(&j, f);
        nf_json_object_open(&j, NULL);
        nf_json_string(&j, "command", nf_ctl_command_str(NF_CTL_ADOPT));
        nf_json_string(&j, "target", target);
        nf_json_string(&j, "action", action == NF_FINAL_OFF ? "off" : "reboot");
        nf_json_int(&j, "pid", pid);
        nf_json_object_close(&j);
        nf_json_end(&j);
}
