/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the makedumpfile progress parser (target/progress-parse.c). */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "progress-parse.h"

#define MAX_SEEN 256

typedef struct seen {
        size_t n;
        nf_progress_event ev[MAX_SEEN];
} seen;

static void collect(const nf_progress_event *ev, void *userdata) {
        seen *s = userdata;

        assert_true(s->n < MAX_SEEN);
        s->ev[s->n++] = *ev;
}

/* Feed `text` in chunks of `chunk` bytes (0: all at once). */
static void feed_chunked(const char *text, size_t len, size_t chunk, seen *s) {
        nf_progress_parser p;

        nf_progress_parser_init(&p);
        memset(s, 0, sizeof *s);
        if (chunk == 0)
                chunk = len ? len : 1;
        for (size_t off = 0; off < len; off += chunk) {
                size_t n = len - off < chunk ? len - off : chunk;
                nf_progress_parser_feed(&p, text + off, n, collect, s);
        }
}

static void parse_line_copying(void **state) {
        nf_progress_event ev = { 0 };

        assert_true(nf_progress_parse_line("Copying data                      : [ 45.2 %] /", &ev));
        assert_true(ev.copying);
        assert_int_equal(ev.percent, 45);

        assert_true(nf_progress_parse_line("Copying data   : [100.0 %] |  eta: 0s", &ev));
        assert_true(ev.copying);
        assert_int_equal(ev.percent, 100);

        assert_true(nf_progress_parse_line("Copying data : [  0.0 %] -", &ev));
        assert_true(ev.copying);
        assert_int_equal(ev.percent, 0);

        /* rounded down */
        assert_true(nf_progress_parse_line("Copying data : [ 99.9 %] \\", &ev));
        assert_int_equal(ev.percent, 99);
}

static void parse_line_other_phases(void **state) {
        nf_progress_event ev = { .copying = true };

        assert_true(nf_progress_parse_line("Excluding unnecessary pages       : [ 20.0 %] |", &ev));
        assert_false(ev.copying);
        assert_int_equal(ev.percent, 20);

        ev.copying = true;
        assert_true(nf_progress_parse_line("Excluding free pages              : [100.0 %] -", &ev));
        assert_false(ev.copying);
        assert_int_equal(ev.percent, 100);

        ev.copying = true;
        assert_true(nf_progress_parse_line("Checking for memory holes         : [ 66.6 %] /", &ev));
        assert_false(ev.copying);
        assert_int_equal(ev.percent, 66);
}

static void parse_line_rejects_garbage(void **state) {
        static const char *const bad[] = {
                "",
                "Copying data",
                "Copying data : [ %]",
                "Copying data : [ abc %]",
                "Copying data : [ 45.2 ]",
                "Copying data   [ 45.2 %]",         /* no colon */
                "Copying data : 45.2 %]",           /* no bracket */
                "Copying data : [ -5.0 %]",
                "Copying data : [ 4x5 %]",
                "Copying data : [ 1000 %]",
                "The dumpfile is saved to /var/crash/vmcore.",
                "makedumpfile Completed.",
                "[  1.234567] kdump: saving vmcore",
        };

        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                nf_progress_event ev = { .copying = true, .percent = 77 };

                assert_false(nf_progress_parse_line(bad[i], &ev));
                assert_true(ev.copying);
                assert_int_equal(ev.percent, 77);
        }
        assert_false(nf_progress_parse_line(NULL, &(nf_progress_event) { 0 }));
        assert_false(nf_progress_parse_line("Copying data : [ 1.0 %]", NULL));
}

static void parse_line_rejects_over_100(void **state) {
        static const char *const bad[] = {
                "Copying data : [101.0 %] /",
                "Copying data : [200.0 %] /",
                "Copying data : [999.9 %] /",
        };

        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                nf_progress_event ev = { 0 };

                assert_false(nf_progress_parse_line(bad[i], &ev));
        }
}

static const char stream[] =
        "makedumpfile -l --message-level 7 -d 31 /proc/vmcore /sysroot/var/crash/vmcore\n"
        "Checking for memory holes         : [  0.0 %] /\r"
        "Checking for memory holes         : [100.0 %] |\n"
        "Excluding unnecessary pages       : [ 20.0 %] \\\r"
        "Excluding unnecessary pages       : [100.0 %] -\n"
        "Copying data                      : [  3.1 %] /           eta: 12s\r"
        "Copying data                      : [ 45.2 %] /\r"
        "Copying data                      : [ 80.7 %] |           eta: 1s\r"
        "\rCopying data   : [100.0 %] |  eta: 0s\n"
        "\n"
        "The dumpfile is saved to /sysroot/var/crash/vmcore.\n"
        "\n"
        "makedumpfile Completed.\n";

static void check_stream_events(const seen *s) {
        static const nf_progress_event want[] = {
                { false, 0 }, { false, 100 }, { false, 20 }, { false, 100 },
                { true, 3 },  { true, 45 },   { true, 80 },  { true, 100 },
        };

        assert_int_equal(s->n, sizeof want / sizeof want[0]);
        for (size_t i = 0; i < s->n; i++) {
                assert_int_equal(s->ev[i].copying, want[i].copying);
                assert_int_equal(s->ev[i].percent, want[i].percent);
        }
}

static void feed_whole_stream(void **state) {
        seen s;

        feed_chunked(stream, strlen(stream), 0, &s);
        check_stream_events(&s);
}

static void feed_any_chunk_size(void **state) {
        /* 1 is byte by byte; the others split lines at every offset. */
        for (size_t chunk = 1; chunk <= 97; chunk++) {
                seen s;

                feed_chunked(stream, strlen(stream), chunk, &s);
                check_stream_events(&s);
        }
}

static void feed_split_in_the_number(void **state) {
        nf_progress_parser p;
        seen s = { 0 };

        nf_progress_parser_init(&p);
        nf_progress_parser_feed(&p, "Copying data : [ 4", 18, collect, &s);
        assert_int_equal(s.n, 0);
        nf_progress_parser_feed(&p, "5.2 %", 5, collect, &s);
        assert_int_equal(s.n, 0);
        /* the line is only complete at \r or \n */
        nf_progress_parser_feed(&p, "] /\r", 4, collect, &s);
        assert_int_equal(s.n, 1);
        assert_true(s.ev[0].copying);
        assert_int_equal(s.ev[0].percent, 45);
}

static void feed_unterminated_line_not_reported(void **state) {
        seen s;
        const char *t = "Copying data : [ 45.2 %] /";

        feed_chunked(t, strlen(t), 0, &s);
        assert_int_equal(s.n, 0);
}

static void feed_garbage(void **state) {
        static const char g[] = "\x01\x02\xff\xfe:[%]\r\n\n\r[ 50 %]\n:::[[[%%%\n\0\0\0 : [ 12 %\n";
        seen s;

        feed_chunked(g, sizeof g - 1, 0, &s);
        /* only "\0\0\0 : [ 12 %" would parse, but it begins with NUL, so as a
         * C string it is empty; nothing here is progress output */
        assert_int_equal(s.n, 0);
}

static void feed_percent_over_100(void **state) {
        const char *t = "Copying data : [150.0 %] /\rCopying data : [ 60.0 %] /\r";
        seen s;

        feed_chunked(t, strlen(t), 0, &s);
        assert_int_equal(s.n, 1);
        assert_int_equal(s.ev[0].percent, 60);
}

/* An over-long line is not progress output, even if its tail looks like it. */
static void feed_over_long_line_dropped(void **state) {
        char buf[1024];
        size_t n = 0;
        seen s;

        for (size_t i = 0; i < 600; i++)
                buf[n++] = 'x';
        n += (size_t) snprintf(buf + n, sizeof buf - n, " : [ 50.0 %%] /\n");
        n += (size_t) snprintf(buf + n, sizeof buf - n, "Copying data : [ 61.0 %%] /\n");

        for (size_t chunk = 0; chunk <= 7; chunk++) {
                feed_chunked(buf, n, chunk, &s);
                assert_int_equal(s.n, 1);
                assert_true(s.ev[0].copying);
                assert_int_equal(s.ev[0].percent, 61);
        }
}

/* Over-long text whose tail alone is a complete progress line. */
static void feed_over_long_line_with_progress_tail(void **state) {
        char buf[1024];
        size_t n = 0;
        seen s;

        for (size_t i = 0; i < 300; i++)
                buf[n++] = '#';
        n += (size_t) snprintf(buf + n, sizeof buf - n, "Copying data : [ 70.0 %%] /\n");
        feed_chunked(buf, n, 1, &s);
        assert_int_equal(s.n, 0);
}

static void feed_line_of_maximum_length_kept(void **state) {
        nf_progress_parser p;
        char buf[300];
        seen s = { 0 };
        int n;

        /* 255 characters fit line[256] with its NUL */
        n = snprintf(buf, sizeof buf, "Copying data%*s: [ 33.0 %%] /", 255 - 25, "");
        assert_int_equal(n, 255);
        nf_progress_parser_init(&p);
        nf_progress_parser_feed(&p, buf, (size_t) n, collect, &s);
        nf_progress_parser_feed(&p, "\n", 1, collect, &s);
        assert_int_equal(s.n, 1);
        assert_int_equal(s.ev[0].percent, 33);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(parse_line_copying),
                cmocka_unit_test(parse_line_other_phases),
                cmocka_unit_test(parse_line_rejects_garbage),
                cmocka_unit_test(parse_line_rejects_over_100),
                cmocka_unit_test(feed_whole_stream),
                cmocka_unit_test(feed_any_chunk_size),
                cmocka_unit_test(feed_split_in_the_number),
                cmocka_unit_test(feed_unterminated_line_not_reported),
                cmocka_unit_test(feed_garbage),
                cmocka_unit_test(feed_percent_over_100),
                cmocka_unit_test(feed_over_long_line_dropped),
                cmocka_unit_test(feed_over_long_line_with_progress_tail),
                cmocka_unit_test(feed_line_of_maximum_length_kept),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
