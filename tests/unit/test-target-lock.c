/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The per-target lock's state file (agent/target-lock.c): the text codec,
 * which reads outside input, and the lock itself on a temporary directory.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "target-lock.h"

#define BOOT "0123abcd-0123-4567-89ab-0123456789ab"

static nf_op_state sample(void) {
        nf_op_state s = {
                .boot_id = BOOT,
                .pid = 4242,
                .target = "127.0.0.1:623",
                .final_action = NF_FINAL_OFF,
                .no_panic_policy = NF_NO_PANIC_LEAVE,
                .snap = {
                        .state = NF_FS_WAIT_DUMP,
                        .dump = NF_DUMP_NONE,
                        .last_percent = 40,
                        .nmi_sent = true,
                        .power_on = true,
                        .sel_dump_seen = true,
                        .sel_full = true,
                        .sel_overflow = true,
                        .sel_entries = 1000,
                        .kdump_msgs = 3,
                        .t_start = 1000,
                        .t_nmi = 1100,
                        .t_panic = 9000,
                        .panic_deadline = 61100,
                        .stall_deadline = 129000,
                        .dump_cap = 3609000,
                        .t_last_kdump = 8000,
                        .dump_reason = "",
                },
                .cursor_valid = true,
                .cursor = { .have_last = true, .last_id = 0x1234, .entries_seen = 7 },
                .n_records = 2,
                .records = {
                        { .msg = { .stage = NF_STAGE_DUMP_START, .arg = 0, .seq = 1 }, .t_ms = 8000 },
                        { .msg = { .stage = NF_STAGE_PROGRESS, .arg = 40, .seq = 2 }, .t_ms = 9000 },
                },
        };
        snprintf(s.snap.fail_reason, sizeof s.snap.fail_reason, "line\nbreak = kept on one line");
        return s;
}

static char *format(const nf_op_state *s) {
        static char buf[NF_OP_STATE_MAX_SIZE];
        int n = nf_op_state_format(s, buf, sizeof buf);
        assert_true(n > 0);
        assert_int_equal(strlen(buf), (size_t) n);
        return buf;
}

/* Deletes the line `line` (with its newline) from text, which must hold it. */
static void remove_line(char *text, const char *line) {
        char *p = strstr(text, line);

        assert_non_null(p);
        memmove(p, p + strlen(line), strlen(p + strlen(line)) + 1);
}

static void roundtrip(void **state) {
        nf_op_state s = sample(), t;
        char err[200];
        char *text = format(&s);

        assert_int_equal(nf_op_state_parse(text, strlen(text), &t, err, sizeof err), 0);
        assert_string_equal(t.boot_id, BOOT);
        assert_int_equal(t.pid, 4242);
        assert_int_equal(t.final_action, NF_FINAL_OFF);
        assert_int_equal(t.no_panic_policy, NF_NO_PANIC_LEAVE);
        assert_int_equal(t.snap.state, NF_FS_WAIT_DUMP);
        assert_true(t.snap.nmi_sent && t.snap.sel_dump_seen && t.snap.power_on);
        assert_true(t.snap.sel_full && t.snap.sel_overflow);
        assert_int_equal(t.snap.sel_entries, 1000);
        assert_false(t.snap.fenced);
        assert_int_equal(t.snap.last_percent, 40);
        assert_int_equal(t.snap.kdump_msgs, 3);
        assert_int_equal(t.snap.t_nmi, 1100);
        assert_int_equal(t.snap.stall_deadline, 129000);
        assert_int_equal(t.snap.dump_cap, 3609000);
        assert_true(t.cursor_valid && t.cursor.have_last);
        assert_int_equal(t.cursor.last_id, 0x1234);
        assert_int_equal(t.cursor.entries_seen, 7);
        assert_int_equal(t.n_records, 2);
        assert_int_equal(t.records[1].msg.stage, NF_STAGE_PROGRESS);
        assert_int_equal(t.records[1].msg.arg, 40);
        assert_int_equal(t.records[1].t_ms, 9000);
        assert_int_equal(t.snap.regs_saved, 0);
        assert_int_equal(t.snap.cpus_in_dump, 0);
        /* the newline in a reason did not make a line of its own */
        assert_string_equal(t.snap.fail_reason, "line break = kept on one line");

        s.snap.state = NF_FS_DONE;
        s.snap.dump = NF_DUMP_KDUMP_SILENT;
        s.snap.fenced = true;
        s.finished = true;
        s.t_finished = 99000;
        text = format(&s);
        assert_int_equal(nf_op_state_parse(text, strlen(text), &t, err, sizeof err), 0);
        assert_true(t.finished);
        assert_int_equal(t.snap.dump, NF_DUMP_KDUMP_SILENT);
        assert_int_equal(t.t_finished, 99000);
}

/* Registers saved survive the agent; a file without the keys (an agent
 * before the cpus record) reads as unknown; bad values are refused. */
static void registers_saved_keys(void **state) {
        nf_op_state s = sample(), t;
        char err[200], *text;
        static char edited[NF_OP_STATE_MAX_SIZE];

        s.snap.regs_saved = 4;
        s.snap.cpus_in_dump = 4;
        text = format(&s);
        assert_int_equal(nf_op_state_parse(text, strlen(text), &t, err, sizeof err), 0);
        assert_int_equal(t.snap.regs_saved, 4);
        assert_int_equal(t.snap.cpus_in_dump, 4);

        /* without both lines */
        snprintf(edited, sizeof edited, "%s", text);
        remove_line(edited, "regs_saved=4\n");
        remove_line(edited, "cpus_in_dump=4\n");
        assert_int_equal(nf_op_state_parse(edited, strlen(edited), &t, err, sizeof err), 0);
        assert_int_equal(t.snap.regs_saved, -1);
        assert_int_equal(t.snap.cpus_in_dump, -1);

        s.snap.cpus_in_dump = 256;
        text = format(&s);
        assert_true(nf_op_state_parse(text, strlen(text), &t, err, sizeof err) < 0);
        assert_non_null(strstr(err, "cpus_in_dump"));
        s.snap.cpus_in_dump = -2;
        text = format(&s);
        assert_true(nf_op_state_parse(text, strlen(text), &t, err, sizeof err) < 0);
}

/* A follow (nmifence follow) waits without an NMI of its own: its mode
 * and start survive the agent; without the keys (an agent before follow)
 * it reads as a dump; a waiting file with neither an NMI nor a started
 * follow, or with both, is refused. */
/* The release point's evidence and the hand-over (release=capture). */
static void release_keys(void **state) {
        nf_op_state s = sample(), t;
        char err[200], *text;
        static char edited[NF_OP_STATE_MAX_SIZE];

        (void) state;
        s.snap.capture_records = 2;
        s.snap.capture_first = NF_STAGE_DUMP_START;
        s.snap.t_capture = 1200;
        s.snap.off_after_nmi = true;
        s.released = true;
        text = format(&s);
        assert_non_null(strstr(text, "capture_records=2\n"));
        assert_non_null(strstr(text, "capture_first=dump-start\n"));
        assert_non_null(strstr(text, "released=1\n"));
        assert_int_equal(nf_op_state_parse(text, strlen(text), &t, err, sizeof err), 0);
        assert_int_equal(t.snap.capture_records, 2);
        assert_int_equal(t.snap.capture_first, NF_STAGE_DUMP_START);
        assert_int_equal(t.snap.t_capture, 1200);
        assert_true(t.snap.off_after_nmi);
        assert_true(t.released);

        /* an armed record is never a capture-kernel record */
        snprintf(edited, sizeof edited, "%s", text);
        remove_line(edited, "capture_first=dump-start\n");
        remove_line(edited, "end=1\n");
        strcat(edited, "capture_first=armed\nend=1\n");
        assert_int_equal(nf_op_state_parse(edited, strlen(edited), &t, err, sizeof err), -EBADMSG);
        assert_non_null(strstr(err, "capture_first"));

        /* an older agent's file: none of them, nothing released */
        s = sample();
        text = format(&s);
        snprintf(edited, sizeof edited, "%s", text);
        remove_line(edited, "capture_records=0\n");
        remove_line(edited, "capture_first=none\n");
        remove_line(edited, "t_capture=0\n");
        remove_line(edited, "off_after_nmi=0\n");
        remove_line(edited, "released=0\n");
        assert_null(strstr(edited, "capture"));
        assert_int_equal(nf_op_state_parse(edited, strlen(edited), &t, err, sizeof err), 0);
        assert_int_equal(t.snap.capture_records, 0);
        assert_false(t.released);
}

static void follow_keys(void **state) {
        nf_op_state s = sample(), t;
        char err[200], *text;
        static char edited[NF_OP_STATE_MAX_SIZE];

        s.snap.nmi_sent = false;
        s.snap.t_nmi = 0;
        s.snap.follow = true;
        s.snap.t_follow = 1050;
        text = format(&s);
        assert_non_null(strstr(text, "follow=1\n"));
        assert_non_null(strstr(text, "t_follow=1050\n"));
        assert_int_equal(nf_op_state_parse(text, strlen(text), &t, err, sizeof err), 0);
        assert_true(t.snap.follow);
        assert_false(t.snap.nmi_sent);
        assert_int_equal(t.snap.t_follow, 1050);

        /* a follow that has not begun waiting cannot be waiting */
        s.snap.t_follow = 0;
        text = format(&s);
        assert_int_equal(nf_op_state_parse(text, strlen(text), &t, err, sizeof err), -EBADMSG);
        assert_non_null(strstr(err, "without an NMI or a follow"));

        /* a follow never sends the NMI */
        s.snap.t_follow = 1050;
        s.snap.nmi_sent = true;
        s.snap.t_nmi = 1100;
        text = format(&s);
        assert_int_equal(nf_op_state_parse(text, strlen(text), &t, err, sizeof err), -EBADMSG);
        assert_non_null(strstr(err, "never sends the NMI"));

        /* an older agent's file: no follow keys, a dump */
        s = sample();
        text = format(&s);
        snprintf(edited, sizeof edited, "%s", text);
        /* t_follow first: "follow=0" is also the end of "t_follow=0" */
        remove_line(edited, "t_follow=0\n");
        remove_line(edited, "follow=0\n");
        assert_int_equal(nf_op_state_parse(edited, strlen(edited), &t, err, sizeof err), 0);
        assert_false(t.snap.follow);
        assert_true(t.snap.nmi_sent);

        /* an older agent's file: no SEL-full keys, a SEL with room */
        remove_line(edited, "sel_full=1\n");
        remove_line(edited, "sel_overflow=1\n");
        remove_line(edited, "sel_entries=1000\n");
        assert_int_equal(nf_op_state_parse(edited, strlen(edited), &t, err, sizeof err), 0);
        assert_false(t.snap.sel_full);
        assert_int_equal(t.snap.sel_entries, 0);
}

/* Each edit is applied to a good file; every one must be refused with a
 * message naming what is wrong, never crash, never half-fill *ret. */
static void corrupt_inputs(void **state) {
        static const struct {
                const char *find, *replace, *why;
        } edits[] = {
                { "nmifence-state=1\n", "", "header" },
                { "nmifence-state=1", "nmifence-state=2", "version" },
                { "nmifence-state=1", "nmifence-state=x", "version" },
                { "state=wait-dump", "state=wait-dumpX", "unknown state" },
                { "state=wait-dump", "state=send-nmi", "send-nmi" },
                { "nmi_sent=1", "nmi_sent=yes", "nmi_sent" },
                { "nmi_sent=1", "nmi_sent=0", "without an NMI" },
                { "t_nmi=1100", "t_nmi=-1", "t_nmi" },
                { "t_nmi=1100", "t_nmi=99999999999999999999999", "t_nmi" },
                { "t_nmi=1100", "t_nmi=0", "t_nmi" },
                { "t_nmi=1100", "t_nmi= 1100", "t_nmi" },
                { "t_nmi=1100", "t_nmi=1100x", "t_nmi" },
                { "boot_id=" BOOT, "boot_id=xyz", "boot_id" },
                { "dump=none", "dump=maybe", "dump result" },
                { "dump_arg=0", "dump_arg=256", "dump_arg" },
                { "last_percent=40", "last_percent=101", "last_percent" },
                { "last_percent=40", "last_percent=-2", "last_percent" },
                { "fail_status=0", "fail_status=9999", "fail_status" },
                { "cursor=1,4660,7", "cursor=1,4660", "cursor" },
                { "cursor=1,4660,7", "cursor=1,,4660,7", "cursor" },
                { "cursor=1,4660,7", "cursor=1,70000,7", "cursor" },
                { "cursor=1,4660,7", "cursor=none", "SEL cursor" },
                { "record=3,0,1,8000", "record=9,0,1,8000", "record" },
                { "record=3,0,1,8000", "record=0,0,1,8000", "record" },
                { "record=3,0,1,8000", "record=3,0,1", "record" },
                { "finished=0", "finished=1", "finished" },
                { "end=1\n", "", "end" },
                { "end=1\n", "end=1\nstate=done\n", "after the end" },
                { "end=1\n", "end=1", "newline" },
                { "pid=4242", "pid=4242\npid=1", "duplicate" },
                { "pid=4242", "bogus=1", "unknown key" },
                { "pid=4242", "pid", "key=value" },
                { "pid=4242", "pid=42\x01", "control" },
                { "pid=4242", "pid=42\xc3\xa9", "non-ASCII" },
                { "final_action=off", "final_action=reboot", "final_action" },
                { "no_panic_policy=leave\n", "", "no_panic_policy" },
        };
        nf_op_state good = sample();
        char text[NF_OP_STATE_MAX_SIZE];

        strcpy(text, format(&good));
        for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
                char bad[NF_OP_STATE_MAX_SIZE + 64];
                char err[200] = "";
                const char *at = strstr(text, edits[i].find);
                nf_op_state out;
                int r;

                assert_non_null(at);
                snprintf(bad, sizeof bad, "%.*s%s%s", (int) (at - text), text, edits[i].replace,
                         at + strlen(edits[i].find));
                memset(&out, 0x5a, sizeof out);
                r = nf_op_state_parse(bad, strlen(bad), &out, err, sizeof err);
                if (r != -EBADMSG || !strstr(err, edits[i].why))
                        print_message("edit %zu (%s): r=%d err='%s'\n", i, edits[i].why, r, err);
                assert_int_equal(r, -EBADMSG);
                assert_non_null(strstr(err, edits[i].why));
                /* untouched on failure */
                assert_int_equal(((unsigned char *) &out)[0], 0x5a);
        }
}

static void corrupt_whole_files(void **state) {
        char err[200];
        nf_op_state out;
        char big[NF_OP_STATE_MAX_SIZE + 2];
        char nul[] = "nmifence-state=1\n\0boot_id=x\n";
        char longline[700];

        assert_int_equal(nf_op_state_parse("", 0, &out, err, sizeof err), -EBADMSG);
        assert_non_null(strstr(err, "empty"));
        assert_int_equal(nf_op_state_parse(nul, sizeof nul - 1, &out, err, sizeof err), -EBADMSG);
        assert_non_null(strstr(err, "NUL"));
        memset(big, 'a', sizeof big);
        big[sizeof big - 1] = '\n';
        assert_int_equal(nf_op_state_parse(big, sizeof big, &out, err, sizeof err), -EBADMSG);
        assert_non_null(strstr(err, "larger"));
        memset(longline, 'a', sizeof longline);
        memcpy(longline, "nmifence-state=", 15);
        longline[sizeof longline - 1] = '\n';
        assert_int_equal(nf_op_state_parse(longline, sizeof longline, &out, err, sizeof err), -EBADMSG);
        assert_non_null(strstr(err, "longer"));
        assert_int_equal(nf_op_state_parse("\n", 1, &out, err, sizeof err), -EBADMSG);
        assert_int_equal(nf_op_state_parse("nmifence-state=1\nend=1\n", 23, &out, err, sizeof err), -EBADMSG);
        assert_non_null(strstr(err, "missing"));

        /* every prefix of a good file (a torn write) is refused */
        nf_op_state good = sample();
        const char *text = format(&good);
        for (size_t n = 0; n < strlen(text); n++)
                assert_int_equal(nf_op_state_parse(text, n, &out, err, sizeof err), -EBADMSG);

        /* 65 records do not fit */
        char many[NF_OP_STATE_MAX_SIZE];
        size_t used = 0;
        used += (size_t) snprintf(many, sizeof many, "nmifence-state=1\n");
        for (int i = 0; i < NF_REPORT_MAX_RECORDS + 1; i++)
                used += (size_t) snprintf(many + used, sizeof many - used, "record=4,%d,%d,1000\n", i, i);
        assert_int_equal(nf_op_state_parse(many, used, &out, err, sizeof err), -EBADMSG);
        assert_non_null(strstr(err, "more than"));
}

static void target_key(void **state) {
        char k[64];

        assert_int_equal(nf_target_key("127.0.0.1", 623, k, sizeof k), 0);
        assert_string_equal(k, "127.0.0.1_623");
        assert_int_equal(nf_target_key("../../etc/passwd", 1, k, sizeof k), 0);
        assert_null(strchr(k, '/'));
        assert_true(k[0] != '.');
        assert_int_equal(nf_target_key("2001:db8::1", 623, k, sizeof k), 0);
        assert_string_equal(k, "2001_db8__1_623");
        assert_int_equal(nf_target_key("bmc-1.example", 7000, k, sizeof k), 0);
        assert_string_equal(k, "bmc-1.example_7000");
        assert_int_equal(nf_target_key("averyveryveryveryveryveryveryveryveryveryveryverylongname.example", 1, k,
                                       sizeof k),
                         -ENAMETOOLONG);
        assert_int_equal(nf_target_key("", 1, k, sizeof k), -EINVAL);
}

static void lock_files(void **state) {
        char dir[] = "/tmp/nf-lock-test.XXXXXX";
        char sub[80], err[300], path[160];
        nf_target_lock a, b;
        nf_op_state s = sample(), t;
        struct stat st;

        assert_non_null(mkdtemp(dir));
        snprintf(sub, sizeof sub, "%s/state", dir);

        assert_int_equal(nf_target_lock_open(sub, "127.0.0.1", 623, &a, err, sizeof err), 0);
        assert_int_equal(stat(sub, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0700);
        assert_int_equal(nf_target_lock_open(sub, "127.0.0.1", 623, &b, err, sizeof err), 0);

        assert_int_equal(nf_target_lock_read(&a, &t, err, sizeof err), -ENOENT);
        /* not the owner: no write */
        assert_int_equal(nf_target_lock_write(&a, &s), -EPERM);
        assert_int_equal(nf_target_lock_try(&a), 1);
        /* a second open file description of the same target is refused */
        assert_int_equal(nf_target_lock_try(&b), 0);
        assert_int_equal(nf_target_lock_write(&a, &s), 0);
        assert_int_equal(nf_target_lock_read(&b, &t, err, sizeof err), 0);
        assert_int_equal(t.snap.state, NF_FS_WAIT_DUMP);
        snprintf(path, sizeof path, "%s/127.0.0.1_623.state.tmp", sub);
        assert_int_equal(access(path, F_OK), -1);

        /* the owner goes away: the other one gets it */
        nf_target_lock_close(&a);
        assert_int_equal(nf_target_lock_try(&b), 1);

        /* a corrupt file reads as -EBADMSG with the reason */
        snprintf(path, sizeof path, "%s/127.0.0.1_623.state", sub);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs("nmifence-state=1\ngarbage\n", f);
        fclose(f);
        assert_int_equal(nf_target_lock_read(&b, &t, err, sizeof err), -EBADMSG);
        assert_non_null(strstr(err, "line 2"));
        nf_target_lock_close(&b);
        nf_target_lock_close(&b);       /* idempotent */

        /* a directory others may write is refused */
        assert_int_equal(chmod(sub, 0777), 0);
        assert_int_equal(nf_target_lock_open(sub, "127.0.0.1", 623, &a, err, sizeof err), -EPERM);
        assert_non_null(strstr(err, "writable"));

        char cmd[200];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
}

static void boot_id(void **state) {
        char id[NF_BOOT_ID_LEN + 1];

        if (access("/proc/sys/kernel/random/boot_id", R_OK) < 0)
                skip();
        assert_int_equal(nf_boot_id(id), 0);
        assert_int_equal(strlen(id), NF_BOOT_ID_LEN);
        assert_int_equal(strspn(id, "0123456789abcdef-"), NF_BOOT_ID_LEN);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(roundtrip),
                cmocka_unit_test(registers_saved_keys),
                cmocka_unit_test(follow_keys),
                cmocka_unit_test(release_keys),
                cmocka_unit_test(corrupt_inputs),
                cmocka_unit_test(corrupt_whole_files),
                cmocka_unit_test(target_key),
                cmocka_unit_test(lock_files),
                cmocka_unit_test(boot_id),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
