/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fence_kdump decoding, source matching and log rate limiting
 * (agent/kdump-listener.c): pure functions, no socket.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kdump-listener.h"

static void decode(void **state) {
        uint8_t m[NF_KDUMP_MSG_LEN + 4];
        uint32_t v;

        nf_kdump_msg_encode(m);
        assert_int_equal(nf_kdump_msg_decode(m, 8), NF_KDUMP_MSG_OK);
        /* host byte order, as fence_kdump_send writes it */
        memcpy(&v, m, 4);
        assert_int_equal(v, 0x1B302A40u);
        memcpy(&v, m + 4, 4);
        assert_int_equal(v, 1);

        assert_int_equal(nf_kdump_msg_decode(m, 7), NF_KDUMP_MSG_BAD_LENGTH);
        assert_int_equal(nf_kdump_msg_decode(m, 9), NF_KDUMP_MSG_BAD_LENGTH);
        assert_int_equal(nf_kdump_msg_decode(m, 0), NF_KDUMP_MSG_BAD_LENGTH);
        assert_int_equal(nf_kdump_msg_decode(NULL, 8), NF_KDUMP_MSG_BAD_LENGTH);

        /* the other byte order is not ours */
        uint32_t swapped = __builtin_bswap32(0x1B302A40u);
        memcpy(m, &swapped, 4);
        assert_int_equal(nf_kdump_msg_decode(m, 8), NF_KDUMP_MSG_BAD_MAGIC);

        nf_kdump_msg_encode(m);
        v = 2;
        memcpy(m + 4, &v, 4);
        assert_int_equal(nf_kdump_msg_decode(m, 8), NF_KDUMP_MSG_BAD_VERSION);
        v = 0;
        memcpy(m + 4, &v, 4);
        assert_int_equal(nf_kdump_msg_decode(m, 8), NF_KDUMP_MSG_BAD_VERSION);

        for (int d = NF_KDUMP_MSG_OK; d <= NF_KDUMP_MSG_BAD_VERSION; d++)
                assert_string_not_equal(nf_kdump_decode_str((nf_kdump_decode) d), "invalid");
}

static struct sockaddr_storage v4(const char *a) {
        struct sockaddr_storage ss = {};
        struct sockaddr_in *s = (struct sockaddr_in *) &ss;
        s->sin_family = AF_INET;
        s->sin_port = htons(12345);
        assert_int_equal(inet_pton(AF_INET, a, &s->sin_addr), 1);
        return ss;
}

static struct sockaddr_storage v6(const char *a) {
        struct sockaddr_storage ss = {};
        struct sockaddr_in6 *s = (struct sockaddr_in6 *) &ss;
        s->sin6_family = AF_INET6;
        assert_int_equal(inet_pton(AF_INET6, a, &s->sin6_addr), 1);
        return ss;
}

static void sources(void **state) {
        nf_kdump_sources s;
        char err[160];
        struct sockaddr_storage a;

        assert_int_equal(nf_kdump_sources_parse(" 192.0.2.1, 192.0.2.2,2001:db8::1 ", &s, err, sizeof err), 0);
        assert_int_equal(s.n, 3);
        a = v4("192.0.2.2");
        assert_true(nf_kdump_sources_match(&s, (struct sockaddr *) &a, sizeof(struct sockaddr_in)));
        a = v4("192.0.2.3");
        assert_false(nf_kdump_sources_match(&s, (struct sockaddr *) &a, sizeof(struct sockaddr_in)));
        a = v6("::ffff:192.0.2.1");
        assert_true(nf_kdump_sources_match(&s, (struct sockaddr *) &a, sizeof(struct sockaddr_in6)));
        a = v6("2001:db8::1");
        assert_true(nf_kdump_sources_match(&s, (struct sockaddr *) &a, sizeof(struct sockaddr_in6)));
        a = v6("2001:db8::2");
        assert_false(nf_kdump_sources_match(&s, (struct sockaddr *) &a, sizeof(struct sockaddr_in6)));
        /* a short address length is not trusted */
        a = v4("192.0.2.2");
        assert_false(nf_kdump_sources_match(&s, (struct sockaddr *) &a, 4));
        assert_false(nf_kdump_sources_match(NULL, (struct sockaddr *) &a, sizeof(struct sockaddr_in)));

        assert_int_equal(nf_kdump_sources_parse("", &s, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "no kdump source"));
        assert_int_equal(nf_kdump_sources_parse(" , ", &s, err, sizeof err), -EINVAL);
        assert_int_equal(nf_kdump_sources_parse("192.0.2.1,node2", &s, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "'node2'"));
        assert_int_equal(nf_kdump_sources_parse("192.0.2.300", &s, err, sizeof err), -EINVAL);
        assert_int_equal(nf_kdump_sources_parse("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &s, err,
                                                sizeof err),
                         -EINVAL);
        char many[400] = "";
        for (int i = 0; i < NF_KDUMP_MAX_SOURCES + 1; i++)
                snprintf(many + strlen(many), sizeof many - strlen(many), "10.0.0.%d,", i + 1);
        assert_int_equal(nf_kdump_sources_parse(many, &s, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, "more than"));
}

static void ratelimit(void **state) {
        nf_ratelimit rl = {};
        unsigned allowed = 0;

        for (int i = 0; i < 100; i++)
                allowed += nf_ratelimit_allow(&rl, 1000 + (uint64_t) i, 5, 10000);
        assert_int_equal(allowed, 5);
        assert_int_equal(rl.suppressed, 95);
        /* a new window allows again */
        assert_true(nf_ratelimit_allow(&rl, 11000, 5, 10000));
}

static void event_text(void **state) {
        nf_kdump_event ev = { .kind = NF_KDUMP_EV_IGNORED_SOURCE, .from = "127.0.0.2", .log = true, .suppressed = 7 };
        char buf[200];

        nf_kdump_event_format(&ev, buf, sizeof buf);
        assert_non_null(strstr(buf, "127.0.0.2"));
        assert_non_null(strstr(buf, "ignored"));
        assert_non_null(strstr(buf, "not a configured kdump source"));
        assert_non_null(strstr(buf, "7 similar"));
        ev = (nf_kdump_event) { .kind = NF_KDUMP_EV_MALFORMED, .from = "127.0.0.1", .len = 3,
                                .decode = NF_KDUMP_MSG_BAD_LENGTH };
        nf_kdump_event_format(&ev, buf, sizeof buf);
        assert_non_null(strstr(buf, "3 bytes"));
        assert_null(strstr(buf, "similar"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(decode),
                cmocka_unit_test(sources),
                cmocka_unit_test(ratelimit),
                cmocka_unit_test(event_text),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
