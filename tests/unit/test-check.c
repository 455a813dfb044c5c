/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nmifence-target check against fake /proc, /sys and /etc trees
 * (fixtures/check/base, a host where everything passes, overlaid by one
 * case directory; a case's .remove lists base files it deletes first).
 * Every pass/warn/fail outcome of every check has a case here.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check-gather.h"
#include "check.h"
#include "target-cmds.h"

static nf_check_input in;
static nf_check_result res[_NF_CHK_MAX];
static char tree[256];

/* Build base + CASE in a fresh temp dir, gather it (no BMC probe unless
 * asked) and evaluate. */
static void load_case(const char *name, bool probe) {
        char cmd[2048];
        const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

        snprintf(tree, sizeof tree, "%s/nf-check.XXXXXX", tmp);
        assert_non_null(mkdtemp(tree));
        snprintf(cmd, sizeof cmd,
                 "set -e; cp -a '%s/base/.' '%s'; c='%s/%s';"
                 " if [ -f \"$c/.remove\" ]; then (cd '%s' && xargs rm -rf < \"$c/.remove\"); fi;"
                 " cp -a \"$c/.\" '%s'; rm -f '%s/.remove'",
                 FIXTURES, tree, FIXTURES, name, tree, tree, tree);
        assert_int_equal(system(cmd), 0);
        nf_check_gather(tree, &in);
        if (probe)
                nf_check_probe_bmc(tree, NULL, 200, &in);
        nf_check_evaluate(&in, res);
}

static int teardown(void **state) {
        char cmd[512];

        nf_check_input_done(&in);
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tree);
        (void) !system(cmd);
        return 0;
}

#define EXPECT(id, st)                                                                              \
        do {                                                                                        \
                if (res[id].status != (st))                                                         \
                        fail_msg("%s: %s, expected %s: %s", nf_check_name(id),                     \
                                 nf_check_status_str(res[id].status), nf_check_status_str(st),      \
                                 res[id].detail);                                                   \
                if ((st) != NF_CHECK_PASS)                                                          \
                        assert_true(res[id].remedy[0] != '\0');                                     \
        } while (0)

static void test_base_all_pass(void **state) {
        load_case("base", false);
        for (int i = 0; i < _NF_CHK_MAX; i++)
                if (i != NF_CHK_IPMI_DEVICE)
                        EXPECT((nf_check_id) i, NF_CHECK_PASS);
        /* No /dev/ipmi0 in the tree: skipped with a warn, never a crash. */
        EXPECT(NF_CHK_IPMI_DEVICE, NF_CHECK_WARN);
        assert_int_equal(nf_check_exit_code(res), 1);
        assert_int_equal(nf_check_kdump_tool(&in), NF_KDUMP_TOOLS);
}

static void test_exit_codes(void **state) {
        load_case("base", false);
        in.ipmi_dev_err = 0;
        in.probe = NF_PROBE_OK;
        snprintf(in.probe_msg, sizeof in.probe_msg, "BMC answers");
        nf_check_evaluate(&in, res);
        EXPECT(NF_CHK_IPMI_DEVICE, NF_CHECK_PASS);
        assert_int_equal(nf_check_exit_code(res), 0);
        res[NF_CHK_NMI_PANIC].status = NF_CHECK_WARN;
        assert_int_equal(nf_check_exit_code(res), 1);
        res[NF_CHK_CRASH_LOADED].status = NF_CHECK_FAIL;
        assert_int_equal(nf_check_exit_code(res), 2);
}

static void test_kernel_fixes(void **state) {
        load_case("kernel-old", false);
        EXPECT(NF_CHK_KERNEL_FIXES, NF_CHECK_FAIL);
        assert_non_null(strstr(res[NF_CHK_KERNEL_FIXES].remedy, "kernel-patches/"));
        teardown(state);
        load_case("kernel-no-kallsyms", false);
        EXPECT(NF_CHK_KERNEL_FIXES, NF_CHECK_WARN);
        teardown(state);
        /* Without CONFIG_KALLSYMS_ALL panic_cpu (data) is not listed. */
        load_case("kernel-no-kallsyms-all", false);
        EXPECT(NF_CHK_KERNEL_FIXES, NF_CHECK_PASS);
}

static void test_crash_kernel(void **state) {
        load_case("crash-unreserved", false);
        EXPECT(NF_CHK_CRASH_RESERVED, NF_CHECK_FAIL);
        EXPECT(NF_CHK_CRASH_LOADED, NF_CHECK_FAIL);
        assert_non_null(strstr(res[NF_CHK_CRASH_RESERVED].remedy, "crashkernel="));
        teardown(state);
        load_case("crash-no-kexec", false);
        EXPECT(NF_CHK_CRASH_RESERVED, NF_CHECK_FAIL);
        EXPECT(NF_CHK_CRASH_LOADED, NF_CHECK_FAIL);
        teardown(state);
        load_case("crash-unloaded", false);
        EXPECT(NF_CHK_CRASH_RESERVED, NF_CHECK_PASS);
        EXPECT(NF_CHK_CRASH_LOADED, NF_CHECK_FAIL);
        teardown(state);
        /* Unreadable (here: a directory, EISDIR; EACCES without root). */
        load_case("crash-unreadable", false);
        EXPECT(NF_CHK_CRASH_RESERVED, NF_CHECK_WARN);
        EXPECT(NF_CHK_CRASH_LOADED, NF_CHECK_WARN);
}

static void test_nmi_panic(void **state) {
        load_case("nmi-no-io", false);
        EXPECT(NF_CHK_NMI_PANIC, NF_CHECK_WARN);
        teardown(state);
        load_case("nmi-none", false);
        EXPECT(NF_CHK_NMI_PANIC, NF_CHECK_FAIL);
        teardown(state);
        load_case("nmi-unrecovered", false);
        EXPECT(NF_CHK_NMI_PANIC, NF_CHECK_PASS);
        teardown(state);
        load_case("nmi-unreadable", false);
        EXPECT(NF_CHK_NMI_PANIC, NF_CHECK_WARN);
}

static void test_apic_extnmi(void **state) {
        load_case("extnmi-all", false);
        EXPECT(NF_CHK_APIC_EXTNMI, NF_CHECK_PASS);
        teardown(state);
        load_case("extnmi-all-old", false);
        EXPECT(NF_CHK_APIC_EXTNMI, NF_CHECK_FAIL);
        teardown(state);
        load_case("extnmi-none", false);
        EXPECT(NF_CHK_APIC_EXTNMI, NF_CHECK_FAIL);
        teardown(state);
        load_case("extnmi-bogus", false);
        EXPECT(NF_CHK_APIC_EXTNMI, NF_CHECK_WARN);
        teardown(state);
        /* The last occurrence wins, as in the kernel's early_param. */
        load_case("extnmi-bsp-last", false);
        EXPECT(NF_CHK_APIC_EXTNMI, NF_CHECK_PASS);
        teardown(state);
        load_case("extnmi-no-cmdline", false);
        EXPECT(NF_CHK_APIC_EXTNMI, NF_CHECK_WARN);
}

static void test_capture_extnmi(void **state) {
        load_case("kt-default-append", false);
        EXPECT(NF_CHK_CAPTURE_EXTNMI, NF_CHECK_FAIL);
        assert_non_null(strstr(res[NF_CHK_CAPTURE_EXTNMI].remedy, "KDUMP_CMDLINE_APPEND"));
        teardown(state);
        load_case("kt-empty-append", false);
        EXPECT(NF_CHK_CAPTURE_EXTNMI, NF_CHECK_FAIL);
        teardown(state);
        load_case("kt-cmdline-override", false);
        EXPECT(NF_CHK_CAPTURE_EXTNMI, NF_CHECK_FAIL);
        teardown(state);
        load_case("kt-expanded", false);
        EXPECT(NF_CHK_CAPTURE_EXTNMI, NF_CHECK_PASS);
        teardown(state);
        load_case("kt-unexpanded", false);
        EXPECT(NF_CHK_CAPTURE_EXTNMI, NF_CHECK_WARN);
        teardown(state);
        load_case("ku-append", false);
        assert_int_equal(nf_check_kdump_tool(&in), NF_KDUMP_UTILS);
        EXPECT(NF_CHK_CAPTURE_EXTNMI, NF_CHECK_PASS);
        teardown(state);
        load_case("ku-no-append", false);
        EXPECT(NF_CHK_CAPTURE_EXTNMI, NF_CHECK_FAIL);
        assert_non_null(strstr(res[NF_CHK_CAPTURE_EXTNMI].remedy, "KDUMP_COMMANDLINE_APPEND"));
        teardown(state);
        load_case("no-tool", false);
        EXPECT(NF_CHK_CAPTURE_EXTNMI, NF_CHECK_WARN);
}

static void test_capture_nmi_panic(void **state) {
        /* kdump-utils removes the sysctl by key (KDUMP_COMMANDLINE_REMOVE). */
        load_case("ku-append", false);
        EXPECT(NF_CHK_CAPTURE_NMI_PANIC, NF_CHECK_PASS);
        teardown(state);
        load_case("ku-no-append", false);
        EXPECT(NF_CHK_CAPTURE_NMI_PANIC, NF_CHECK_FAIL);
        assert_non_null(strstr(res[NF_CHK_CAPTURE_NMI_PANIC].remedy, "KDUMP_COMMANDLINE_REMOVE"));
        teardown(state);
        /* KDUMP_CMDLINE replaces /proc/cmdline, so the sysctl is not copied. */
        load_case("kt-cmdline-sysctl-override", false);
        EXPECT(NF_CHK_CAPTURE_NMI_PANIC, NF_CHECK_PASS);
        teardown(state);
        load_case("no-tool", false);
        EXPECT(NF_CHK_CAPTURE_NMI_PANIC, NF_CHECK_PASS);
        teardown(state);
        load_case("no-tool-cmdline-sysctl", false);
        EXPECT(NF_CHK_CAPTURE_NMI_PANIC, NF_CHECK_WARN);
        teardown(state);
        /* sysctl.d applies in the capture environment too. */
        load_case("sysctld-no-override", false);
        EXPECT(NF_CHK_CAPTURE_NMI_PANIC, NF_CHECK_WARN);
        teardown(state);
        load_case("sysctld-no-override-no-extnmi", false);
        EXPECT(NF_CHK_CAPTURE_NMI_PANIC, NF_CHECK_FAIL);
        teardown(state);
        /* /etc/sysctl.d/X masks /usr/lib/sysctl.d/X (systemd-sysctl). */
        load_case("sysctld-usr-masked", false);
        EXPECT(NF_CHK_CAPTURE_NMI_PANIC, NF_CHECK_PASS);
}

/* The issue's acceptance case: no apic_extnmi=none on the capture command
 * line, and sysctl.kernel.unknown_nmi_panic=1 on the first kernel's, which
 * kdump-tools copies from /proc/cmdline. */
static void test_issue_negative(void **state) {
        bool unexpanded;
        char *capture;

        load_case("issue-negative", false);
        EXPECT(NF_CHK_CAPTURE_EXTNMI, NF_CHECK_FAIL);
        EXPECT(NF_CHK_CAPTURE_NMI_PANIC, NF_CHECK_FAIL);
        assert_int_equal(nf_check_exit_code(res), 2);
        capture = nf_check_capture_cmdline(&in, &unexpanded);
        assert_non_null(capture);
        assert_non_null(strstr(capture, "sysctl.kernel.unknown_nmi_panic=1"));
        assert_null(strstr(capture, "crashkernel="));
        assert_null(strstr(capture, "BOOT_IMAGE="));
        assert_non_null(strstr(capture, "systemd.unit=kdump-tools-dump.service"));
        free(capture);
        /* arm agrees with check: no capture-extnmi flag. */
        assert_int_equal(nf_target_armed_flags(&in, false), NF_ARMED_CRASH_LOADED | NF_ARMED_NMI_PANIC);
        assert_int_equal(nf_target_armed_flags(&in, true),
                         NF_ARMED_CRASH_LOADED | NF_ARMED_NMI_PANIC | NF_ARMED_CAPTURE_EXTNMI_NONE);
}

static void test_ipmi_watchdog(void **state) {
        load_case("wdt-reset", false);
        EXPECT(NF_CHK_IPMI_WATCHDOG, NF_CHECK_FAIL);
        assert_non_null(strstr(res[NF_CHK_IPMI_WATCHDOG].detail, "10 s"));
        teardown(state);
        load_case("wdt-none", false);
        EXPECT(NF_CHK_IPMI_WATCHDOG, NF_CHECK_PASS);
        teardown(state);
        load_case("wdt-unreadable", false);
        EXPECT(NF_CHK_IPMI_WATCHDOG, NF_CHECK_WARN);
}

static void test_ipmi_device(void **state) {
        /* A present device that is no IPMI device: the probe runs and fails. */
        load_case("ipmi-fake-dev", true);
        assert_int_equal(in.probe, NF_PROBE_FAILED);
        EXPECT(NF_CHK_IPMI_DEVICE, NF_CHECK_FAIL);
        teardown(state);
        load_case("base", true);
        assert_int_equal(in.probe, NF_PROBE_NOT_RUN);
        EXPECT(NF_CHK_IPMI_DEVICE, NF_CHECK_WARN);
        in.ipmi_dev_err = EACCES;
        nf_check_evaluate(&in, res);
        EXPECT(NF_CHK_IPMI_DEVICE, NF_CHECK_WARN);
}

static void test_final_action(void **state) {
        load_case("kt-no-hook", false);
        EXPECT(NF_CHK_KDUMP_FINAL_ACTION, NF_CHECK_FAIL);
        teardown(state);
        load_case("kt-dropin-hook", false);
        EXPECT(NF_CHK_KDUMP_FINAL_ACTION, NF_CHECK_PASS);
        teardown(state);
        load_case("ku-append", false);
        EXPECT(NF_CHK_KDUMP_FINAL_ACTION, NF_CHECK_PASS);
        teardown(state);
        load_case("ku-collector", false);
        EXPECT(NF_CHK_KDUMP_FINAL_ACTION, NF_CHECK_PASS);
        teardown(state);
        load_case("ku-poweroff", false);
        EXPECT(NF_CHK_KDUMP_FINAL_ACTION, NF_CHECK_WARN);
        teardown(state);
        load_case("ku-no-append", false);
        EXPECT(NF_CHK_KDUMP_FINAL_ACTION, NF_CHECK_FAIL);
        teardown(state);
        load_case("no-tool", false);
        EXPECT(NF_CHK_KDUMP_FINAL_ACTION, NF_CHECK_WARN);
}

/* Where the dump goes: a warn naming directory, mount and type when it is
 * a cluster file system, a pass saying what was found otherwise. */
static void expect_dump(const char *name, nf_check_status st, const char *const *words) {
        load_case(name, false);
        EXPECT(NF_CHK_DUMP_TARGET, st);
        for (; *words; words++)
                if (!strstr(res[NF_CHK_DUMP_TARGET].detail, *words))
                        fail_msg("%s: detail lacks \"%s\": %s", name, *words, res[NF_CHK_DUMP_TARGET].detail);
        if (st == NF_CHECK_WARN && strstr(res[NF_CHK_DUMP_TARGET].detail, "cluster"))
                assert_non_null(strstr(res[NF_CHK_DUMP_TARGET].remedy, "release=capture"));
        teardown(NULL);
}

static void test_dump_target(void **state) {
        expect_dump("base", NF_CHECK_PASS, (const char *[]) { "/var/crash", "ext4", "mounted at / ", NULL });
        expect_dump("dump-kt-default", NF_CHECK_WARN,
                    (const char *[]) { "kdump-tools", "/var/crash", "gfs2", "at /var ", "/dev/mapper/vg-var", NULL });
        expect_dump("dump-kt-gfs2", NF_CHECK_WARN,
                    (const char *[]) { "/srv/cluster/crash", "gfs2", "at /srv/cluster ", NULL });
        expect_dump("dump-kt-ssh", NF_CHECK_PASS, (const char *[]) { "ssh", "root@dumphost", NULL });
        expect_dump("dump-ku-ocfs2", NF_CHECK_WARN,
                    (const char *[]) { "kdump-utils", "/shared/dumps", "ocfs2", "at /shared ", NULL });
        expect_dump("dump-ku-gfs2-target", NF_CHECK_WARN,
                    (const char *[]) { "/etc/kdump.conf", "/crash", "/dev/mapper/vg-shared", "gfs2", NULL });
        expect_dump("dump-ku-ext4-target", NF_CHECK_PASS, (const char *[]) { "ext4 UUID=", NULL });
        expect_dump("dump-ku-ext4", NF_CHECK_PASS, (const char *[]) { "/srv/clusterx/crash", "ext4", NULL });
        expect_dump("ku-poweroff", NF_CHECK_PASS, (const char *[]) { "/var/crash", "ext4", NULL });
        expect_dump("dump-kt-unreadable", NF_CHECK_WARN,
                    (const char *[]) { "cannot tell", "/etc/default/kdump-tools", NULL });
        expect_dump("dump-mountinfo-unreadable", NF_CHECK_WARN,
                    (const char *[]) { "cannot tell", "/var/crash", "mountinfo", NULL });
        expect_dump("no-tool", NF_CHECK_WARN, (const char *[]) { "cannot tell", NULL });
        (void) state;
}

/* Rewrite the tree's mountinfo: FILLER bytes of unrelated mounts before
 * the base mounts and a gfs2 /var, then gather and evaluate again. */
static void long_mountinfo(size_t filler) {
        char path[512];
        FILE *f;

        snprintf(path, sizeof path, "%s/proc/self/mountinfo", tree);
        assert_non_null(f = fopen(path, "we"));
        for (size_t n = 0, i = 0; n < filler; i++)
                n += (size_t) fprintf(f, "%zu 28 0:%zu / /run/containers/c%zu/rootfs rw - overlay overlay rw\n",
                                      100 + i, 50 + i, i);
        fputs("28 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
              "43 28 253:4 / /var rw,relatime shared:33 - gfs2 /dev/mapper/vg-var rw\n",
              f);
        assert_int_equal(fclose(f), 0);
        nf_check_input_done(&in);
        nf_check_gather(tree, &in);
        nf_check_evaluate(&in, res);
}

/* A host with many mounts: the mount that holds the dump directory can be
 * far down a long mountinfo, and one too long to read is "cannot tell",
 * never a pass on what was read. */
static void test_dump_target_long_mountinfo(void **state) {
        load_case("dump-kt-default", false);
        long_mountinfo(200 * 1024);
        EXPECT(NF_CHK_DUMP_TARGET, NF_CHECK_WARN);
        assert_non_null(strstr(res[NF_CHK_DUMP_TARGET].detail, "gfs2"));
        long_mountinfo(5 * 1024 * 1024);
        EXPECT(NF_CHK_DUMP_TARGET, NF_CHECK_WARN);
        assert_non_null(strstr(res[NF_CHK_DUMP_TARGET].detail, "cannot tell"));
        (void) state;
}

static void test_armed_flags(void **state) {
        load_case("base", false);
        assert_int_equal(nf_target_armed_flags(&in, false),
                         NF_ARMED_CRASH_LOADED | NF_ARMED_NMI_PANIC | NF_ARMED_CAPTURE_EXTNMI_NONE);
        teardown(state);
        load_case("crash-unloaded", false);
        assert_int_equal(nf_target_armed_flags(&in, false), NF_ARMED_NMI_PANIC | NF_ARMED_CAPTURE_EXTNMI_NONE);
        teardown(state);
        load_case("nmi-unrecovered", false);
        assert_true(nf_target_armed_flags(&in, false) & NF_ARMED_NMI_PANIC);
        teardown(state);
        load_case("nmi-none", false);
        assert_false(nf_target_armed_flags(&in, false) & NF_ARMED_NMI_PANIC);
}

/* The parsing underneath, directly. */
static void test_shvar(void **state) {
        char *v = NULL;
        bool unexp;

        assert_true(nf_shvar_get("A=1\nA=\"two words\" # c\n", "A", &v, &unexp));
        assert_string_equal(v, "two words");
        assert_false(unexp);
        free(v);
        assert_true(nf_shvar_get("B='x $y'\nexport C=\"$B z\"\n", "C", &v, &unexp));
        assert_string_equal(v, "x $y z");
        free(v);
        assert_true(nf_shvar_get("C=\"a `uname -r`\"\n", "C", &v, &unexp));
        assert_true(unexp);
        free(v);
        assert_false(nf_shvar_get("#A=1\n  # A=2\nAB=3\n", "A", &v, &unexp));
        assert_true(nf_shvar_get("A=\"multi\nline\"\nB=2\n", "B", &v, &unexp));
        assert_string_equal(v, "2");
        free(v);
}

static void test_cmdline(void **state) {
        char buf[64], *c;
        bool unexp;

        assert_true(nf_cmdline_get("a apic-extnmi=all b apic_extnmi=none", "apic_extnmi", buf, sizeof buf));
        assert_string_equal(buf, "none");
        assert_false(nf_cmdline_get("apic_extnmix=1", "apic_extnmi", buf, sizeof buf));
        assert_true(nf_cmdline_sets_nmi_panic("x sysctl.kernel.panic_on_unrecovered_nmi=1", buf, sizeof buf));
        assert_false(nf_cmdline_sets_nmi_panic("x sysctl.kernel.unknown_nmi_panic=0", buf, sizeof buf));
        /* kdump-tools strips only the key=value forms it lists. */
        c = nf_kdump_tools_capture_cmdline("BOOT_IMAGE=/v root=/dev/sda crashkernel=1G hugepages=4 iommu=pt quiet",
                                           "KDUMP_CMDLINE_APPEND=\"nr_cpus=1\"", &unexp);
        assert_string_equal(c, "root=/dev/sda quiet nr_cpus=1");
        free(c);
        /* kdump-utils removes by key, whatever the value, and always root=. */
        c = nf_kdump_utils_capture_cmdline("root=/dev/sda quiet crashkernel=1G slub_debug=P foo",
                                           "KDUMP_COMMANDLINE_APPEND=\"irqpoll\"", &unexp);
        assert_string_equal(c, "quiet foo irqpoll");
        free(c);
        long v = 0;
        assert_true(nf_sysctl_conf_get("kernel/unknown_nmi_panic=1\n-kernel.unknown_nmi_panic = 0\n",
                                       "kernel.unknown_nmi_panic", &v));
        assert_int_equal(v, 0);
        assert_true(nf_kdump_conf_get("final_action reboot\n  final_action  poweroff \n", "final_action", buf,
                                      sizeof buf));
        assert_string_equal(buf, "poweroff");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_teardown(test_base_all_pass, teardown),
                cmocka_unit_test_teardown(test_exit_codes, teardown),
                cmocka_unit_test_teardown(test_kernel_fixes, teardown),
                cmocka_unit_test_teardown(test_crash_kernel, teardown),
                cmocka_unit_test_teardown(test_nmi_panic, teardown),
                cmocka_unit_test_teardown(test_apic_extnmi, teardown),
                cmocka_unit_test_teardown(test_capture_extnmi, teardown),
                cmocka_unit_test_teardown(test_capture_nmi_panic, teardown),
                cmocka_unit_test_teardown(test_issue_negative, teardown),
                cmocka_unit_test_teardown(test_ipmi_watchdog, teardown),
                cmocka_unit_test_teardown(test_ipmi_device, teardown),
                cmocka_unit_test_teardown(test_final_action, teardown),
                cmocka_unit_test(test_dump_target),
                cmocka_unit_test_teardown(test_dump_target_long_mountinfo, teardown),
                cmocka_unit_test_teardown(test_armed_flags, teardown),
                cmocka_unit_test(test_shvar),
                cmocka_unit_test(test_cmdline),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
