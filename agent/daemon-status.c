/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nmifenced's answers: the control socket's status, systemd's STATUS=. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon-host.h"
#include "fence-run.h"
#include "report.h"

static double secs(uint64_t ms) {
        return (double) ms / 1000.0;
}

static void count_states(const nf_daemon *d, size_t ret[_NF_LS_MAX]) {
        memset(ret, 0, sizeof(size_t) * _NF_LS_MAX);
        for (size_t i = 0; i < d->n_hosts; i++)
                ret[d->hosts[i].live.state]++;
}

void nf_daemon_status_line(const nf_daemon *d, char *buf, size_t len) {
        size_t n[_NF_LS_MAX], off;
        uint64_t now = nf_now_ms();

        count_states(d, n);
        /* healthy, suspect and fencing always; the rest when there are any */
        off = (size_t) snprintf(buf, len, "%zu hosts: %zu healthy, %zu suspect, %zu fencing", d->n_hosts,
                                n[NF_LS_HEALTHY], n[NF_LS_SUSPECT], n[NF_LS_FENCING]);
        for (nf_live_state s = 0; s < _NF_LS_MAX && off < len; s++) {
                if (s == NF_LS_HEALTHY || s == NF_LS_SUSPECT || s == NF_LS_FENCING || !n[s])
                        continue;
                off += (size_t) snprintf(buf + off, len - off, ", %zu %s", n[s], nf_live_state_str(s));
        }
        if (off < len)
                snprintf(buf + off, len - off, "; fences %u/%u per %.0f s%s", nf_fence_rate_used(&d->rate, now),
                         d->rate.max, secs(d->rate.window_ms), d->stopping ? "; stopping" : "");
}

static void host_json(const nf_daemon *d, const dhost *h, nf_json *j, uint64_t now) {
        const nf_live *l = &h->live;

        nf_json_string(j, "host", h->conf->name);
        nf_json_string(j, "bmc", h->conf->bmc);
        nf_json_int(j, "port", h->conf->port);
        nf_json_string(j, "policy", nf_policy_str(l->p.policy));
        nf_json_string(j, "state", nf_live_state_str(l->state));
        nf_json_string(j, "reason", l->reason);
        nf_json_seconds(j, "since", true, secs(now - h->t_live));
        nf_json_int(j, "polls", h->polls);
        nf_json_int(j, "poll_requests", (long long) h->watch.requests);
        nf_json_int(j, "bmc_failures", h->bmc_failures);
        nf_json_string(j, "bmc_error", h->bmc_error[0] ? h->bmc_error : NULL);
        if (l->wd_last_known) {
                nf_json_object_open(j, "watchdog");
                nf_json_bool(j, "running", l->wd_last.running);
                nf_json_string(j, "use", nf_wdt_use_str(l->wd_last.use));
                nf_json_seconds(j, "initial", true, l->wd_last.initial_ds / 10.0);
                nf_json_seconds(j, "present", true, l->wd_last.present_ds / 10.0);
                nf_json_bool(j, "expired", nf_watchdog_expired(&l->wd_last));
                nf_json_bool(j, "stuck", l->wd_stuck);
                nf_json_object_close(j);
        } else
                nf_json_string(j, "watchdog", NULL);
        if (l->p.probe_interval_ms) {
                nf_json_object_open(j, "probe");
                nf_json_int(j, "probes", h->probes);
                nf_json_int(j, "failures", h->probe_failures);
                nf_json_int(j, "failing_in_a_row", l->probe_fail_streak);
                nf_json_object_close(j);
        }
        nf_json_int(j, "fences", l->fences);
        nf_json_int(j, "nmis", h->nmis);
        if (h->fencing) {
                nf_fleet_host_info info;
                nf_json_object_open(j, "fence");
                if (nf_fleet_host_info_get(d->fleet, h->index, &info) == 0)
                        nf_json_string(j, "phase", nf_fleet_phase_str(info.phase));
                /* an adopted operation is the dump it was handed over as */
                nf_json_string(j, "kind", h->fconf.fence.power_only && !h->adopted_from ? "power" : "dump");
                nf_json_string(j, "state", nf_fence_state_str(h->fence_state));
                nf_json_bool(j, "nmi_sent", h->fence_nmi_sent);
                nf_json_bool(j, "resumed", h->fence_resumed);
                if (h->fence_percent >= 0)
                        nf_json_int(j, "percent", h->fence_percent);
                else
                        nf_json_string(j, "percent", NULL);
                nf_json_string(j, "requested_by", h->fence_requested_by[0] ? h->fence_requested_by : NULL);
                if (h->adopted_from)
                        nf_json_int(j, "adopted_from_pid", h->adopted_from);
                else
                        nf_json_string(j, "adopted_from_pid", NULL);
                nf_json_seconds(j, "elapsed", true, secs(now - h->t_fence_start));
                nf_json_object_close(j);
        } else
                nf_json_string(j, "fence", NULL);
        if (h->last_known) {
                nf_json_object_open(j, "last_fence");
                nf_json_int(j, "exit_code", h->last_exit);
                nf_json_string(j, "exit_meaning", nf_exit_code_str(h->last_exit));
                nf_json_string(j, "result", h->last_result);
                nf_json_bool(j, "nmi_sent", h->last_nmi_sent);
                nf_json_bool(j, "fenced", h->last_fenced);
                nf_json_object_close(j);
        } else
                nf_json_string(j, "last_fence", NULL);
}

int nf_daemon_host_json(const nf_daemon *d, nf_json *j, const char *host) {
        const dhost *h = nf_daemon_find_host(d, host);

        if (!h)
                return -ENOENT;
        host_json(d, h, j, nf_now_ms());
        return 0;
}

int nf_daemon_status_json(const nf_daemon *d, nf_json *j, char *const *hosts, size_t n, char *err, size_t errlen) {
        uint64_t now = nf_now_ms(), next;
        size_t counts[_NF_LS_MAX];
        char line[400];

        for (size_t i = 0; i < n; i++)
                if (!nf_daemon_find_host(d, hosts[i])) {
                        snprintf(err, errlen, "unknown host '%s' (not in %s)", hosts[i], d->p.conf->path);
                        return -ENOENT;
                }
        count_states(d, counts);
        nf_daemon_status_line(d, line, sizeof line);
        nf_json_object_open(j, "daemon");
        nf_json_int(j, "pid", (long long) getpid());
        nf_json_seconds(j, "uptime", true, secs(now - d->t_start));
        nf_json_string(j, "status", line);
        nf_json_int(j, "hosts", (long long) d->n_hosts);
        nf_json_object_open(j, "states");
        for (nf_live_state s = 0; s < _NF_LS_MAX; s++)
                nf_json_int(j, nf_live_state_str(s), (long long) counts[s]);
        nf_json_object_close(j);
        nf_json_object_open(j, "fence_rate");
        nf_json_int(j, "max", d->rate.max);
        nf_json_seconds(j, "window", true, secs(d->rate.window_ms));
        nf_json_int(j, "used", nf_fence_rate_used(&d->rate, now));
        next = nf_fence_rate_next(&d->rate, now);
        nf_json_seconds(j, "next_slot_in", next != UINT64_MAX, next != UINT64_MAX ? secs(next - now) : 0);
        nf_json_object_close(j);
        nf_json_bool(j, "stopping", d->stopping);
        nf_json_object_close(j);
        nf_json_array_open(j, "hosts");
        for (size_t i = 0; i < (n ? n : d->n_hosts); i++) {
                const dhost *h = n ? nf_daemon_find_host(d, hosts[i]) : &d->hosts[i];
                nf_json_object_open(j, NULL);
                host_json(d, h, j, now);
                nf_json_object_close(j);
        }
        nf_json_array_close(j);
        return 0;
}
