/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Operator wording of the library's typed errors and of IPMI completion
 * codes.  The strings follow freeipmi's ipmi_errmsg[] habit: a cause an
 * operator can act on, never "error -1".
 */

#include <stdio.h>
#include <string.h>

#include "nf-commands.h"
#include "nf-error.h"

static const char *const status_str[_NF_STATUS_MAX] = {
        [NF_OK] = "success",
        [NF_E_INVALID_ARG] = "invalid argument",
        [NF_E_NOMEM] = "out of memory",
        [NF_E_TIMEOUT] = "connection timeout: BMC did not answer",
        [NF_E_USERNAME] = "authentication failed: username invalid",
        [NF_E_PASSWORD] = "authentication failed: password invalid",
        [NF_E_KG] = "authentication failed: K_g invalid",
        [NF_E_PRIVILEGE] = "privilege level cannot be obtained for this user",
        [NF_E_CIPHER] = "cipher suite id unavailable on this BMC",
        [NF_E_AUTH] = "session setup failed",
        [NF_E_BMC_BUSY] = "BMC busy",
        [NF_E_SESSION_LOST] = "session lost: BMC stopped answering",
        [NF_E_COMPLETION] = "BMC returned an error completion code",
        [NF_E_SHORT_RESPONSE] = "BMC response too short",
        [NF_E_DEVICE] = "local IPMI device unusable",
        [NF_E_IO] = "I/O error",
        [NF_E_NOT_FOUND] = "not found",
        [NF_E_INTERNAL] = "internal error",
        [NF_E_REPLY_LOST] = "sent once, reply lost: delivery unconfirmed",
        [NF_E_NOT_SENT] = "not sent",
        [NF_E_REFUSED] = "connection refused (ICMP port unreachable)",
};

const char *nf_status_str(nf_status s) {
        if ((unsigned) s >= _NF_STATUS_MAX || !status_str[s])
                return "unknown error";
        return status_str[s];
}

/* IPMI 2.0 table 5-2, generic completion codes. */
static const char *const cc_generic_str[] = {
        [0xC0 - 0xC0] = "node busy",
        [0xC1 - 0xC0] = "invalid command",
        [0xC2 - 0xC0] = "command invalid for given LUN",
        [0xC3 - 0xC0] = "timeout while processing command",
        [0xC4 - 0xC0] = "out of space",
        [0xC5 - 0xC0] = "reservation canceled or invalid reservation ID",
        [0xC6 - 0xC0] = "request data truncated",
        [0xC7 - 0xC0] = "request data length invalid",
        [0xC8 - 0xC0] = "request data field length limit exceeded",
        [0xC9 - 0xC0] = "parameter out of range",
        [0xCA - 0xC0] = "cannot return number of requested data bytes",
        [0xCB - 0xC0] = "requested sensor, data, or record not present",
        [0xCC - 0xC0] = "invalid data field in request",
        [0xCD - 0xC0] = "command illegal for specified sensor or record type",
        [0xCE - 0xC0] = "command response could not be provided",
        [0xCF - 0xC0] = "cannot execute duplicated request",
        [0xD0 - 0xC0] = "SDR repository in update mode",
        [0xD1 - 0xC0] = "device in firmware update mode",
        [0xD2 - 0xC0] = "BMC initialization in progress",
        [0xD3 - 0xC0] = "destination unavailable",
        [0xD4 - 0xC0] = "insufficient privilege level",
        [0xD5 - 0xC0] = "command not supported in present state",
        [0xD6 - 0xC0] = "command sub-function disabled or unavailable",
};

const char *nf_cc_str(uint8_t cc) {
        if (cc == 0x00)
                return "command completed normally";
        if (cc >= 0xC0 && cc <= 0xD6)
                return cc_generic_str[cc - 0xC0];
        if (cc == 0xFF)
                return "unspecified error";
        if (cc >= 0x01 && cc <= 0x7E)
                return "device specific (OEM) completion code";
        if (cc >= 0x80 && cc <= 0xBE)
                return "command specific completion code";
        return "reserved completion code";
}

static const struct {
        uint8_t netfn, cmd;
        const char *name;
} cmd_names[] = {
        { NF_NETFN_CHASSIS, NF_CMD_GET_CHASSIS_STATUS, "Get Chassis Status" },
        { NF_NETFN_CHASSIS, NF_CMD_CHASSIS_CONTROL, "Chassis Control" },
        { NF_NETFN_SENSOR_EVENT, NF_CMD_PLATFORM_EVENT, "Platform Event" },
        { NF_NETFN_APP, NF_CMD_GET_DEVICE_ID, "Get Device ID" },
        { NF_NETFN_APP, NF_CMD_RESET_WATCHDOG, "Reset Watchdog Timer" },
        { NF_NETFN_APP, NF_CMD_SET_WATCHDOG, "Set Watchdog Timer" },
        { NF_NETFN_APP, NF_CMD_GET_WATCHDOG, "Get Watchdog Timer" },
        { NF_NETFN_STORAGE, NF_CMD_GET_SEL_INFO, "Get SEL Info" },
        { NF_NETFN_STORAGE, NF_CMD_RESERVE_SEL, "Reserve SEL" },
        { NF_NETFN_STORAGE, NF_CMD_GET_SEL_ENTRY, "Get SEL Entry" },
        { NF_NETFN_STORAGE, NF_CMD_ADD_SEL_ENTRY, "Add SEL Entry" },
};

const char *nf_cmd_name(uint8_t netfn, uint8_t cmd) {
        for (size_t i = 0; i < sizeof(cmd_names) / sizeof(cmd_names[0]); i++)
                if (cmd_names[i].netfn == netfn && cmd_names[i].cmd == cmd)
                        return cmd_names[i].name;
        return NULL;
}

/* "<command>: " prefix, or nothing when the error is not about a request.
 * netfn 0 cmd 0 (Get Chassis Capabilities) is never sent by nmifence, so
 * 0/0 is free to mean "no request". */
static int format_cmd_prefix(const nf_error *e, char *buf, size_t len) {
        const char *name;

        if (e->netfn == 0 && e->cmd == 0)
                return 0;
        name = nf_cmd_name(e->netfn, e->cmd);
        if (name)
                return snprintf(buf, len, "%s: ", name);
        return snprintf(buf, len, "netfn 0x%02X cmd 0x%02X: ", e->netfn, e->cmd);
}

char *nf_error_format(const nf_error *e, char *buf, size_t len) {
        size_t off;
        int n;

        if (!buf || len == 0)
                return buf;
        if (!e) {
                snprintf(buf, len, "%s", nf_status_str(NF_E_INVALID_ARG));
                return buf;
        }

        n = format_cmd_prefix(e, buf, len);
        off = n < 0 ? 0 : (size_t) n;
        if (off >= len)
                return buf;

        if (e->status == NF_E_COMPLETION)
                n = snprintf(buf + off, len - off, "completion code 0x%02X (%s)", e->cc, nf_cc_str(e->cc));
        else
                n = snprintf(buf + off, len - off, "%s", nf_status_str(e->status));
        off += n < 0 ? 0 : (size_t) n;
        if (off >= len)
                return buf;

        if (e->detail[0]) {
                n = snprintf(buf + off, len - off, ": %s", e->detail);
                off += n < 0 ? 0 : (size_t) n;
                if (off >= len)
                        return buf;
        }
        if (e->sys_errno != 0 && (e->status == NF_E_DEVICE || e->status == NF_E_IO))
                snprintf(buf + off, len - off, " (%s)", strerror(e->sys_errno));
        return buf;
}

void nf_error_clear(nf_error *e) {
        if (!e)
                return;
        memset(e, 0, sizeof(*e));
}

nf_status nf_error_set(nf_error *e, nf_status s, uint8_t netfn, uint8_t cmd, const char *detail) {
        if (!e)
                return s;
        nf_error_clear(e);
        e->status = s;
        e->netfn = netfn;
        e->cmd = cmd;
        if (detail)
                snprintf(e->detail, sizeof(e->detail), "%s", detail);
        return s;
}

nf_status nf_error_set_cc(nf_error *e, uint8_t netfn, uint8_t cmd, uint8_t cc) {
        if (!e)
                return NF_E_COMPLETION;
        nf_error_clear(e);
        e->status = NF_E_COMPLETION;
        e->netfn = netfn;
        e->cmd = cmd;
        e->cc = cc;
        return NF_E_COMPLETION;
}

nf_status nf_error_set_errno(nf_error *e, nf_status s, int err, const char *detail) {
        if (!e)
                return s;
        nf_error_clear(e);
        e->status = s;
        e->sys_errno = err < 0 ? -err : err;
        if (detail)
                snprintf(e->detail, sizeof(e->detail), "%s", detail);
        return s;
}

bool nf_status_is_auth(nf_status s) {
        return s == NF_E_USERNAME || s == NF_E_PASSWORD || s == NF_E_KG || s == NF_E_PRIVILEGE ||
               s == NF_E_CIPHER || s == NF_E_AUTH;
}
