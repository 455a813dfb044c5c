/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * In-band transport: the Linux IPMI device interface (/dev/ipmi0) driven
 * with its ioctls directly.  No libfreeipmi, so that nmifence-target links
 * statically and runs from a minimal capture-kernel initramfs.
 */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/ipmi.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "nf-session.h"
#include "session-internal.h"

#define DEV_DEFAULT_PATH "/dev/ipmi0"
#define DEV_DEFAULT_TIMEOUT_MS 5000

typedef struct dev_session {
        nf_session base;                /* must be first: session.c frees it */
        int fd;
        char *path;
        unsigned timeout_ms;
        long next_msgid;
} dev_session;

static uint64_t now_ms(void) {
        struct timespec ts;

        /* CLOCK_MONOTONIC cannot fail on Linux with a valid pointer. */
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static nf_status dev_open_fd(dev_session *d) {
        int fd;

        assert(d->fd < 0);
        fd = open(d->path, O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return nf_error_set_errno(&d->base.last_error, NF_E_DEVICE, errno, d->path);
        d->fd = fd;
        return NF_OK;
}

/* Wait for the response carrying msgid, discarding anything else (late
 * responses to requests we gave up on, events). */
static nf_status dev_receive(dev_session *d, long msgid, uint8_t netfn, uint8_t cmd,
                             uint64_t deadline, uint8_t *rsp, size_t rsp_cap, size_t *ret_len) {
        for (;;) {
                struct ipmi_system_interface_addr addr;
                struct ipmi_recv recv;
                struct pollfd pfd = { .fd = d->fd, .events = POLLIN };
                uint64_t now = now_ms();
                int r, wait_ms;

                if (now >= deadline)
                        return nf_error_set(&d->base.last_error, NF_E_TIMEOUT, netfn, cmd,
                                            "no response from the local BMC interface");
                wait_ms = deadline - now > INT_MAX ? INT_MAX : (int) (deadline - now);

                r = poll(&pfd, 1, wait_ms);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return nf_error_set_errno(&d->base.last_error, NF_E_IO, errno, "poll");
                }
                if (r == 0)
                        continue;       /* the deadline check above reports it */
                if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))
                        return nf_error_set_errno(&d->base.last_error, NF_E_DEVICE, EIO, d->path);

                memset(&recv, 0, sizeof(recv));
                memset(&addr, 0, sizeof(addr));
                recv.addr = (unsigned char *) &addr;
                recv.addr_len = sizeof(addr);
                recv.msg.data = rsp;
                recv.msg.data_len = rsp_cap > USHRT_MAX ? USHRT_MAX : (unsigned short) rsp_cap;

                if (ioctl(d->fd, IPMICTL_RECEIVE_MSG_TRUNC, &recv) < 0) {
                        /* EMSGSIZE: truncated to rsp_cap (NF_RSP_MAX exceeds any
                         * IPMI message, so this cannot be our response). */
                        if (errno == EAGAIN || errno == EINTR || errno == EMSGSIZE)
                                continue;
                        return nf_error_set_errno(&d->base.last_error, NF_E_IO, errno,
                                                  "IPMICTL_RECEIVE_MSG_TRUNC");
                }
                if (recv.recv_type != IPMI_RESPONSE_RECV_TYPE || recv.msgid != msgid)
                        continue;
                if (recv.msg.netfn != (netfn | 1) || recv.msg.cmd != cmd)
                        continue;
                if (recv.msg.data_len < 1)
                        return nf_error_set(&d->base.last_error, NF_E_SHORT_RESPONSE, netfn, cmd,
                                            "response without completion code");
                *ret_len = recv.msg.data_len;
                return NF_OK;
        }
}

static nf_status dev_raw(nf_session *s, uint8_t netfn, uint8_t cmd,
                         const uint8_t *req, size_t req_len,
                         uint8_t *rsp, size_t rsp_cap, size_t *ret_len) {
        dev_session *d = (dev_session *) s;
        struct ipmi_system_interface_addr addr = {
                .addr_type = IPMI_SYSTEM_INTERFACE_ADDR_TYPE,
                .channel = IPMI_BMC_CHANNEL,
                .lun = 0,
        };
        uint8_t reqbuf[IPMI_MAX_MSG_LENGTH];
        struct ipmi_req ireq;
        uint64_t deadline;
        long msgid;

        assert(d && rsp && ret_len);
        if (d->fd < 0)
                return nf_error_set(&s->last_error, NF_E_DEVICE, netfn, cmd, "device not open");
        if (req_len > sizeof(reqbuf))
                return nf_error_set(&s->last_error, NF_E_INVALID_ARG, netfn, cmd, "request too long");

        /* The ioctl wants a non-const buffer. */
        if (req_len > 0)
                memcpy(reqbuf, req, req_len);

        msgid = d->next_msgid++;
        if (d->next_msgid < 0)
                d->next_msgid = 1;

        memset(&ireq, 0, sizeof(ireq));
        ireq.addr = (unsigned char *) &addr;
        ireq.addr_len = sizeof(addr);
        ireq.msgid = msgid;
        ireq.msg.netfn = netfn;
        ireq.msg.cmd = cmd;
        ireq.msg.data = reqbuf;
        ireq.msg.data_len = (unsigned short) req_len;

        deadline = now_ms() + d->timeout_ms;
        while (ioctl(d->fd, IPMICTL_SEND_COMMAND, &ireq) < 0) {
                if (errno == EINTR)
                        continue;
                return nf_error_set_errno(&s->last_error, NF_E_DEVICE, errno, "IPMICTL_SEND_COMMAND");
        }
        return dev_receive(d, msgid, netfn, cmd, deadline, rsp, rsp_cap, ret_len);
}

static nf_status dev_reopen(nf_session *s) {
        dev_session *d = (dev_session *) s;

        if (d->fd >= 0) {
                close(d->fd);
                d->fd = -1;
        }
        return dev_open_fd(d);
}

static void dev_free(nf_session *s) {
        dev_session *d = (dev_session *) s;

        if (d->fd >= 0)
                close(d->fd);
        d->fd = -1;
        free(d->path);
        d->path = NULL;
}

static const nf_session_ops dev_ops = {
        .raw = dev_raw,
        .reopen = dev_reopen,
        .free = dev_free,
        .system_interface = true,
};

nf_status nf_session_open_dev(const char *path, unsigned timeout_ms, nf_session **ret, nf_error *ret_err) {
        dev_session *d;
        nf_status r;

        if (!ret)
                return nf_error_set(ret_err, NF_E_INVALID_ARG, 0, 0, "no session output pointer");

        d = calloc(1, sizeof(*d));
        if (!d)
                return nf_error_set(ret_err, NF_E_NOMEM, 0, 0, NULL);
        d->base.ops = &dev_ops;
        d->fd = -1;
        d->timeout_ms = timeout_ms ? timeout_ms : DEV_DEFAULT_TIMEOUT_MS;
        d->next_msgid = 1;
        d->path = strdup(path ? path : DEV_DEFAULT_PATH);
        if (!d->path) {
                free(d);
                return nf_error_set(ret_err, NF_E_NOMEM, 0, 0, NULL);
        }

        r = dev_open_fd(d);
        if (r != NF_OK) {
                if (ret_err)
                        *ret_err = d->base.last_error;
                nf_session_free(&d->base);
                return r;
        }
        nf_error_clear(ret_err);
        *ret = &d->base;
        return NF_OK;
}
