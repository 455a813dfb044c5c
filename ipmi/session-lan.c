/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Out-of-band transport: IPMI 2.0 RMCP+ (lanplus) through libfreeipmi.
 * One session is opened per fence operation and reused for every request,
 * so the parameters are kept (password included, wiped on free) to open
 * it again after the BMC restarted.
 */

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <freeipmi/freeipmi.h>

#include "lan-cipher-probe.h"
#include "nf-session.h"
#include "port-refusal.h"
#include "session-internal.h"
#include "session-lan.h"
#include "setup-reply-filter.h"

#define LAN_DEFAULT_PORT 623
#define LAN_DEFAULT_SESSION_TIMEOUT_MS 20000
#define LAN_DEFAULT_RETRANSMIT_TIMEOUT_MS 1000
#define LAN_MAX_PASSWORD 20     /* IPMI 2.0 passwords are at most 20 bytes */
/* Set-up attempts of the fence's session when libfreeipmi's open fails
 * confused, not timed out (see lan_connect). */
#define LAN_OPEN_ATTEMPTS 3


/* freeipmi's error number to our typed status.  A session timeout on an
 * established session means the BMC went away, which the agent handles
 * differently (reopen) from a BMC that never answered (unreachable). */
static nf_status lan_map_errnum(int errnum, bool up) {
        switch (errnum) {
        case IPMI_ERR_USERNAME_INVALID:
                return NF_E_USERNAME;
        case IPMI_ERR_PASSWORD_INVALID:
        /* Some BMCs drop the RAKP message 3 of a wrong password instead of
         * answering; freeipmi reports that as a verification timeout. */
        case IPMI_ERR_PASSWORD_VERIFICATION_TIMEOUT:
                return NF_E_PASSWORD;
        case IPMI_ERR_K_G_INVALID:
                return NF_E_KG;
        case IPMI_ERR_PRIVILEGE_LEVEL_INSUFFICIENT:
        case IPMI_ERR_PRIVILEGE_LEVEL_CANNOT_BE_OBTAINED:
                return NF_E_PRIVILEGE;
        case IPMI_ERR_CIPHER_SUITE_ID_UNAVAILABLE:
                return NF_E_CIPHER;
        case IPMI_ERR_AUTHENTICATION_TYPE_UNAVAILABLE:
        case IPMI_ERR_IPMI_2_0_UNAVAILABLE:
        case IPMI_ERR_BAD_RMCPPLUS_STATUS_CODE:
                return NF_E_AUTH;
        case IPMI_ERR_SESSION_TIMEOUT:
                return up ? NF_E_SESSION_LOST : NF_E_TIMEOUT;
        case IPMI_ERR_CONNECTION_TIMEOUT:
        case IPMI_ERR_MESSAGE_TIMEOUT:
                return NF_E_TIMEOUT;
        case IPMI_ERR_BMC_BUSY:
        case IPMI_ERR_DRIVER_BUSY:
                return NF_E_BMC_BUSY;
        case IPMI_ERR_OUT_OF_MEMORY:
                return NF_E_NOMEM;
        case IPMI_ERR_HOSTNAME_INVALID:
        case IPMI_ERR_PARAMETERS:
                return NF_E_INVALID_ARG;
        case IPMI_ERR_SYSTEM_ERROR:
                return NF_E_IO;
        default:
                return NF_E_INTERNAL;
        }
}

nf_status nf_lan_fail(lan_session *l, ipmi_ctx_t ctx, bool up, uint8_t netfn, uint8_t cmd) {
        int errnum = ipmi_ctx_errnum(ctx);
        nf_status st = lan_map_errnum(errnum, up);
        const char *msg = ipmi_ctx_errormsg(ctx);
        char detail[sizeof(l->base.last_error.detail)];

        /* libfreeipmi says "system error"; the port said no (port-refusal.c,
         * during a set-up only). */
        if (nf_port_refusal_take()) {
                snprintf(detail, sizeof(detail), "%snothing listens on %s:%u",
                         up ? "connection refused (ICMP port unreachable): " : "", l->host, (unsigned) l->port);
                return nf_error_set(&l->base.last_error, up ? NF_E_SESSION_LOST : NF_E_REFUSED, netfn, cmd, detail);
        }

        /* freeipmi's message is kept only where it adds to our wording
         * ("password invalid: password invalid" helps nobody). */
        if (msg && strstr(nf_status_str(st), msg))
                msg = NULL;
        nf_error_set(&l->base.last_error, st, netfn, cmd, msg);
        if (st == NF_E_IO)
                l->base.last_error.sys_errno = errno;
        return st;
}

/* Session setup failed without a reason freeipmi can name: ask the BMC
 * whether it is the cipher suite (see lan-cipher-probe.c). */
static nf_status lan_diagnose_setup(lan_session *l, int errnum, nf_status st) {
        char detail[sizeof(l->base.last_error.detail)];
        int status;

        /* ipmi_sim's refusal surfaces as IPMI_ERR_IPMI_ERROR ("internal IPMI
         * error"); other BMCs' as a bad RMCP+ status code. */
        if (errnum != IPMI_ERR_IPMI_ERROR && errnum != IPMI_ERR_INTERNAL_ERROR &&
            errnum != IPMI_ERR_BAD_RMCPPLUS_STATUS_CODE)
                return st;
        status = nf_lan_probe_cipher(l->host, l->port, l->cipher_suite, l->privilege,
                                     l->retransmit_timeout_ms);
        if (!nf_lan_rmcpplus_status_is_cipher(status))
                return st;
        snprintf(detail, sizeof(detail), "BMC refused cipher suite %u: RMCP+ status 0x%02X (%s)",
                 l->cipher_suite, (unsigned) status, nf_lan_rmcpplus_status_str(status));
        return nf_error_set(&l->base.last_error, NF_E_CIPHER, 0, 0, detail);
}

static void lan_close(lan_session *l) {
        if (!l->ctx)
                return;
        /* ipmi_ctx_destroy closes the session (Close Session request). */
        ipmi_ctx_destroy(l->ctx);
        l->ctx = NULL;
        l->up = false;
}

nf_status nf_lan_ctx_open(lan_session *l, unsigned session_timeout_ms, unsigned retransmit_timeout_ms,
                          ipmi_ctx_t *ret_ctx) {
        nf_setup_reply_stats before, after;
        ipmi_ctx_t ctx;
        int r;

        assert(retransmit_timeout_ms < session_timeout_ms);
        ctx = ipmi_ctx_create();
        if (!ctx)
                return nf_error_set_errno(&l->base.last_error, NF_E_NOMEM, errno, "ipmi_ctx_create");

        nf_setup_reply_get_stats(&before);
        nf_port_refusal_arm(true);
        r = ipmi_ctx_open_outofband_2_0(ctx, l->hostport, l->user, l->password,
                                        l->k_g_len ? l->k_g : NULL, (unsigned) l->k_g_len,
                                        l->privilege, l->cipher_suite,
                                        session_timeout_ms, retransmit_timeout_ms,
                                        l->workaround_flags, l->flags);
        nf_port_refusal_arm(false);
        nf_setup_reply_get_stats(&after);
        l->base.stats.setup_stale_dropped += after.stale - before.stale;
        l->base.stats.setup_rakp4_retagged += after.retagged - before.retagged;
        l->base.stats.setup_rakp3_given_up += after.rakp3_given_up - before.rakp3_given_up;
        if (r < 0) {
                int errnum = ipmi_ctx_errnum(ctx);
                nf_status st = lan_diagnose_setup(l, errnum, nf_lan_fail(l, ctx, false, 0, 0));

                ipmi_ctx_destroy(ctx);
                return st;
        }
        *ret_ctx = ctx;
        return NF_OK;
}

bool nf_lan_status_is_auth(nf_status st) {
        return st == NF_E_USERNAME || st == NF_E_PASSWORD || st == NF_E_KG || st == NF_E_PRIVILEGE ||
               st == NF_E_CIPHER || st == NF_E_AUTH;
}

/* libfreeipmi's open fails without a reason ("internal error", errnum
 * SUCCESS or INTERNAL_ERROR) when a late or duplicated set-up reply
 * reaches it; setup-reply-filter.c keeps those away, and this retry stays
 * for a confused failure of another kind, and for an attempt the filter
 * ended because RAKP 4 was lost.  Set-up is idempotent and
 * nothing was asked of the host yet, so it is tried again on a fresh
 * context and socket while the first attempt's session timeout has not
 * passed.  A BMC that does not answer at all still fails after one
 * session timeout. */
static nf_status lan_connect(lan_session *l) {
        uint64_t t0 = nf_lan_now_ms();
        nf_status st;

        assert(!l->ctx);
        for (unsigned attempt = 1;; attempt++) {
                uint64_t given_up = l->base.stats.setup_rakp3_given_up;

                st = nf_lan_ctx_open(l, l->session_timeout_ms, l->retransmit_timeout_ms, &l->ctx);
                if (st == NF_OK)
                        break;
                /* Confused, or abandoned by setup-reply-filter.c after a
                 * lost RAKP 4: a fresh context has its usual chances. */
                if (!(st == NF_E_INTERNAL || l->base.stats.setup_rakp3_given_up != given_up) ||
                    attempt >= LAN_OPEN_ATTEMPTS || nf_lan_now_ms() - t0 >= l->session_timeout_ms)
                        return st;
                l->base.stats.open_retries++;
        }
        l->up = true;
        return NF_OK;
}

uint64_t nf_lan_now_ms(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

/* libfreeipmi retransmits a request whose reply is late and does not say
 * so.  Its schedule (api/ipmi-lan-session-common.c, _calculate_timeout):
 * the k-th retransmit goes out retransmit_timeout * (k / 2 + 1) after the
 * previous send (IPMI_LAN_BACKOFF_COUNT 2): at 1, 2, 4, 6, 9, 12, ...
 * times the timeout.  A request that took `ms` was therefore sent again
 * once for every such point it outlasted. */
unsigned nf_lan_inferred_retransmits(uint64_t ms, unsigned retransmit_timeout_ms) {
        uint64_t next = retransmit_timeout_ms;
        unsigned n = 0;

        if (!retransmit_timeout_ms)
                return 0;
        while (next < ms && n < 1000) {
                n++;
                next += (uint64_t) retransmit_timeout_ms * (n / 2 + 1);
        }
        return n;
}

static nf_status lan_raw(nf_session *s, uint8_t netfn, uint8_t cmd,
                         const uint8_t *req, size_t req_len,
                         uint8_t *rsp, size_t rsp_cap, size_t *ret_len) {
        lan_session *l = (lan_session *) s;
        uint8_t rq[NF_RSP_MAX + 1], rs[NF_RSP_MAX + 1];
        uint64_t t0;
        int n;

        assert(l && rsp && ret_len);
        if (!l->ctx)
                return nf_error_set(&s->last_error, NF_E_SESSION_LOST, netfn, cmd, "session not open");
        if (req_len + 1 > sizeof(rq))
                return nf_error_set(&s->last_error, NF_E_INVALID_ARG, netfn, cmd, "request too long");

        /* ipmi_cmd_raw takes and returns the command byte in front of the
         * data; the response is cmd, completion code, data. */
        rq[0] = cmd;
        if (req_len > 0)
                memcpy(rq + 1, req, req_len);

        t0 = nf_lan_now_ms();
        n = ipmi_cmd_raw(l->ctx, 0 /* LUN */, netfn, rq, (unsigned) (req_len + 1), rs, sizeof(rs));
        s->stats.retransmits += nf_lan_inferred_retransmits(nf_lan_now_ms() - t0, l->retransmit_timeout_ms);
        if (n < 0)
                return nf_lan_fail(l, l->ctx, l->up, netfn, cmd);
        if (n < 2)
                return nf_error_set(&s->last_error, NF_E_SHORT_RESPONSE, netfn, cmd,
                                    "response without completion code");
        if ((size_t) (n - 1) > rsp_cap)
                n = (int) rsp_cap + 1;
        memcpy(rsp, rs + 1, (size_t) (n - 1));
        *ret_len = (size_t) (n - 1);
        return NF_OK;
}

static nf_status lan_reopen(nf_session *s) {
        lan_session *l = (lan_session *) s;

        lan_close(l);
        return lan_connect(l);
}

static void lan_free(nf_session *s) {
        lan_session *l = (lan_session *) s;

        lan_close(l);
        if (l->password) {
                explicit_bzero(l->password, strlen(l->password));
                free(l->password);
                l->password = NULL;
        }
        explicit_bzero(l->k_g, sizeof(l->k_g));
        free(l->user);
        free(l->hostport);
        free(l->host);
}

static const nf_session_ops lan_ops = {
        .raw = lan_raw,
        .raw_once = nf_lan_raw_once,
        .reopen = lan_reopen,
        .free = lan_free,
};

static nf_status lan_check_params(const nf_lan_params *p, nf_error *ret_err) {
        if (!p->host || !p->host[0])
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0, "no BMC host");
        if (!p->user)
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0, "no user (use \"\" for the null user)");
        if (strlen(p->user) > 16)
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0, "user name longer than 16 bytes");
        if (p->password && strlen(p->password) > LAN_MAX_PASSWORD)
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0, "password longer than 20 bytes");
        if (p->k_g_len > LAN_MAX_KG || (p->k_g_len > 0 && !p->k_g))
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0, "K_g longer than 20 bytes");
        if (p->cipher_suite > 17)
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0, "cipher suite id above 17");
        if (p->privilege != 0 && p->privilege != NF_PRIV_USER && p->privilege != NF_PRIV_OPERATOR &&
            p->privilege != NF_PRIV_ADMIN)
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0, "unknown privilege level");
        if (p->session_timeout_ms && p->retransmit_timeout_ms &&
            p->retransmit_timeout_ms >= p->session_timeout_ms)
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0,
                                    "retransmit timeout must be below the session timeout");
        return NF_OK;
}

static char *lan_hostport(const char *host, uint16_t port) {
        char *s;

        if (port == 0 || port == LAN_DEFAULT_PORT)
                return strdup(host);
        /* freeipmi takes a non-standard port as "host:port". */
        if (asprintf(&s, "%s:%u", host, (unsigned) port) < 0)
                return NULL;
        return s;
}

nf_status nf_session_open_lan(const nf_lan_params *p, nf_session **ret, nf_error *ret_err) {
        lan_session *l;
        nf_status r;

        if (!p || !ret)
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0, "no parameters or output pointer");
        r = lan_check_params(p, ret_err);
        if (r != NF_OK)
                return r;

        l = calloc(1, sizeof(*l));
        if (!l)
                return nf_error_set(ret_err, NF_E_NOMEM, 0, 0, NULL);
        l->base.ops = &lan_ops;
        l->hostport = lan_hostport(p->host, p->port);
        l->host = strdup(p->host);
        l->port = p->port ? p->port : LAN_DEFAULT_PORT;
        l->user = strdup(p->user);
        l->password = p->password ? strdup(p->password) : NULL;
        if (!l->hostport || !l->host || !l->user || (p->password && !l->password)) {
                nf_session_free(&l->base);
                return nf_error_set(ret_err, NF_E_NOMEM, 0, 0, NULL);
        }
        if (p->k_g_len > 0)
                memcpy(l->k_g, p->k_g, p->k_g_len);
        l->k_g_len = p->k_g_len;
        l->cipher_suite = p->cipher_suite;
        l->privilege = p->privilege ? (uint8_t) p->privilege : NF_PRIV_OPERATOR;
        l->workaround_flags = p->workaround_flags;
        l->session_timeout_ms = p->session_timeout_ms ? p->session_timeout_ms : LAN_DEFAULT_SESSION_TIMEOUT_MS;
        l->retransmit_timeout_ms = p->retransmit_timeout_ms;
        if (!l->retransmit_timeout_ms) {
                /* The default per-packet timeout must stay below a short
                 * session timeout, or freeipmi rejects the pair. */
                l->retransmit_timeout_ms = LAN_DEFAULT_RETRANSMIT_TIMEOUT_MS;
                if (l->retransmit_timeout_ms >= l->session_timeout_ms)
                        l->retransmit_timeout_ms = l->session_timeout_ms / 2 ? l->session_timeout_ms / 2 : 1;
        }
        l->flags = p->debug ? IPMI_FLAGS_DEBUG_DUMP : IPMI_FLAGS_DEFAULT;

        r = lan_connect(l);
        if (r != NF_OK) {
                if (ret_err)
                        *ret_err = l->base.last_error;
                nf_session_free(&l->base);
                return r;
        }
        nf_error_clear(ret_err);
        *ret = &l->base;
        return NF_OK;
}
