/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a new request does about an earlier operation on its target
 * (agent/prior-decision.c), for every combination of the facts that decide
 * it: the lock, the state file (absent, corrupt, other boot, running,
 * finished), the NMI (none, refused/not sent, sent, followed), the
 * operation's success, dump, final action, request and age, the new
 * request's kind (dump or follow, joined or newcomer), its own login (not
 * tried, ok, refused, unreachable), the power (unknown, as left, changed)
 * and the SEL (unknown, continuous, gone, newer record of the host).
 *
 * The invariants are the fence agent's promises, asserted for each
 * combination; the count of combinations is printed.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "prior-decision.h"

static bool nmi_may_be_in_host(const nf_prior_facts *f) {
        return f->nmi == NF_PRIOR_NMI_SENT || f->nmi == NF_PRIOR_NMI_FOLLOWED;
}

/* The earlier operation's NMI may have left a dump running that no power
 * action has ended: a running operation after its NMI, or a failed one
 * within the window (its final power action is not known to have run)
 * that this request would repeat.  A request for another final action or
 * no-panic policy is a new decision (leave, then cycle after all). */
static bool dump_may_run(const nf_prior_facts *f) {
        if (f->file == NF_PRIOR_FILE_RUNNING)
                return nmi_may_be_in_host(f);
        return f->file == NF_PRIOR_FILE_FINISHED && f->nmi == NF_PRIOR_NMI_SENT && !f->succeeded &&
               ((f->within_window && f->same_request) || f->joined);
}

static bool sign_of_life(const nf_prior_facts *f) {
        return f->power == NF_PRIOR_POWER_DIFFERS || f->sel == NF_PRIOR_SEL_GONE || f->sel == NF_PRIOR_SEL_LIFE;
}

static void check_invariants(const nf_prior_facts *f, nf_prior_verdict v) {
        bool earlier_success = f->file == NF_PRIOR_FILE_FINISHED && f->succeeded;

        assert_true(v < _NF_PRIOR_VERDICT_MAX);
        /* a live owner is always joined, never judged */
        assert_int_equal(f->lock == NF_PRIOR_LOCK_HELD, v == NF_PRIOR_JOIN);
        /* never a reported success without this request's own successful
         * login and no sign that the host lived since */
        if (v == NF_PRIOR_REPORT && earlier_success) {
                assert_int_equal(f->login, NF_PRIOR_LOGIN_OK);
                /* a kept one (not joined): and no sign of life since;
                 * a finished power cycle is kept for nobody */
                if (!f->joined) {
                        assert_int_equal(f->power, NF_PRIOR_POWER_MATCHES);
                        assert_int_equal(f->sel, NF_PRIOR_SEL_CONTINUOUS);
                        assert_true(f->final_off || f->follow);
                }
        }
        if (earlier_success && !f->joined && f->login == NF_PRIOR_LOGIN_OK && sign_of_life(f))
                assert_int_not_equal(v, NF_PRIOR_REPORT);
        /* a failed login is this request's own failure */
        if (v == NF_PRIOR_LOGIN_FAILED)
                assert_true(f->login == NF_PRIOR_LOGIN_REFUSED || f->login == NF_PRIOR_LOGIN_UNREACHABLE);
        if (f->login == NF_PRIOR_LOGIN_REFUSED || f->login == NF_PRIOR_LOGIN_UNREACHABLE)
                assert_false(v == NF_PRIOR_REPORT && earlier_success);
        /* only a finished operation is reported, and only what this
         * request may take: its own joined one, or a kept one in time */
        if (v == NF_PRIOR_REPORT) {
                assert_int_equal(f->file, NF_PRIOR_FILE_FINISHED);
                assert_true(f->joined || f->within_window);
                /* a follow takes only a checked success */
                if (f->follow && !f->joined)
                        assert_true(earlier_success && f->login == NF_PRIOR_LOGIN_OK);
                assert_true(f->nmi == NF_PRIOR_NMI_SENT || (f->nmi == NF_PRIOR_NMI_FOLLOWED && f->dump_seen));
        }
        /* never a second NMI while the first may have left a dump running;
         * a follow sends none, so it may start anew */
        if (v == NF_PRIOR_NEW && !f->follow)
                assert_false(dump_may_run(f));
        if (f->file == NF_PRIOR_FILE_RUNNING && nmi_may_be_in_host(f) && f->lock == NF_PRIOR_LOCK_FREE)
                assert_int_equal(v, NF_PRIOR_RESUME);
        if (v == NF_PRIOR_RESUME) {
                assert_int_equal(f->file, NF_PRIOR_FILE_RUNNING);
                assert_true(nmi_may_be_in_host(f));
        }
        /* nothing to go on: a new operation */
        if (f->lock == NF_PRIOR_LOCK_FREE && (f->file == NF_PRIOR_FILE_ABSENT || f->file == NF_PRIOR_FILE_CORRUPT ||
                                              f->file == NF_PRIOR_FILE_OTHER_BOOT))
                assert_int_equal(v, NF_PRIOR_NEW);
        /* a check is asked for only before the login was tried, and the
         * facts it brings always decide */
        if (v == NF_PRIOR_CHECK)
                assert_int_equal(f->login, NF_PRIOR_LOGIN_NOT_TRIED);
}

static void every_combination(void **state) {
        unsigned long n = 0, by_verdict[_NF_PRIOR_VERDICT_MAX] = { 0 };
        nf_prior_facts f;

        (void) state;
        for (int lock = 0; lock < _NF_PRIOR_LOCK_MAX; lock++)
        for (int file = 0; file < _NF_PRIOR_FILE_MAX; file++)
        for (int nmi = 0; nmi < _NF_PRIOR_NMI_MAX; nmi++)
        for (int bits = 0; bits < 1 << 7; bits++)
        for (int login = 0; login < _NF_PRIOR_LOGIN_MAX; login++)
        for (int power = 0; power < _NF_PRIOR_POWER_MAX; power++)
        for (int sel = 0; sel < _NF_PRIOR_SEL_MAX; sel++) {
                f = (nf_prior_facts) {
                        .lock = lock, .file = file, .nmi = nmi,
                        .succeeded = bits & 1, .dump_seen = bits & 2, .final_off = bits & 4,
                        .same_request = bits & 8, .within_window = bits & 16, .follow = bits & 32,
                        .joined = bits & 64,
                        .login = login, .power = power, .sel = sel,
                };
                const char *why = NULL;
                nf_prior_verdict v = nf_prior_decide(&f, &why);

                assert_non_null(why);
                check_invariants(&f, v);
                if (v == NF_PRIOR_CHECK)
                        for (int l = NF_PRIOR_LOGIN_OK; l < _NF_PRIOR_LOGIN_MAX; l++) {
                                nf_prior_facts g = f;
                                g.login = l;
                                assert_int_not_equal(nf_prior_decide(&g, NULL), NF_PRIOR_CHECK);
                        }
                by_verdict[v]++;
                n++;
        }
        print_message("%lu combinations checked:", n);
        for (int v = 0; v < _NF_PRIOR_VERDICT_MAX; v++)
                print_message(" %s %lu", nf_prior_verdict_str(v), by_verdict[v]);
        print_message("\n");
        assert_int_equal(n, 2UL * 5 * 4 * 128 * 4 * 3 * 4);
        /* every verdict is reachable */
        for (int v = 0; v < _NF_PRIOR_VERDICT_MAX; v++)
                assert_true(by_verdict[v] > 0);
}

/* The cases of issue 11, one by one. */
static const nf_prior_facts kept_off = {
        .file = NF_PRIOR_FILE_FINISHED, .nmi = NF_PRIOR_NMI_SENT, .succeeded = true, .dump_seen = true,
        .final_off = true, .same_request = true, .within_window = true,
        .login = NF_PRIOR_LOGIN_OK, .power = NF_PRIOR_POWER_MATCHES, .sel = NF_PRIOR_SEL_CONTINUOUS,
};

static void named_cases(void **state) {
        nf_prior_facts f;

        (void) state;
        /* the case the window exists for: reported, no NMI */
        assert_int_equal(nf_prior_decide(&kept_off, NULL), NF_PRIOR_REPORT);
        f = kept_off;
        f.login = NF_PRIOR_LOGIN_NOT_TRIED;
        assert_int_equal(nf_prior_decide(&f, NULL), NF_PRIOR_CHECK);
        /* wrong password inside the window */
        f = kept_off;
        f.login = NF_PRIOR_LOGIN_REFUSED;
        assert_int_equal(nf_prior_decide(&f, NULL), NF_PRIOR_LOGIN_FAILED);
        /* re-armed inside the window */
        f = kept_off;
        f.sel = NF_PRIOR_SEL_LIFE;
        assert_int_equal(nf_prior_decide(&f, NULL), NF_PRIOR_NEW);
        /* BMC restarted: the SEL no longer has the operation's records */
        f = kept_off;
        f.sel = NF_PRIOR_SEL_GONE;
        assert_int_equal(nf_prior_decide(&f, NULL), NF_PRIOR_NEW);
        /* powered on since */
        f = kept_off;
        f.power = NF_PRIOR_POWER_DIFFERS;
        assert_int_equal(nf_prior_decide(&f, NULL), NF_PRIOR_NEW);
        /* a finished reboot is not kept for a newcomer ... */
        f = kept_off;
        f.final_off = false;
        assert_int_equal(nf_prior_decide(&f, NULL), NF_PRIOR_NEW);
        /* ... but is the result of a request that joined it, even after
         * the host it rebooted armed again */
        f.joined = true;
        assert_int_equal(nf_prior_decide(&f, NULL), NF_PRIOR_REPORT);
        f.sel = NF_PRIOR_SEL_LIFE;
        assert_int_equal(nf_prior_decide(&f, NULL), NF_PRIOR_REPORT);
        f.login = NF_PRIOR_LOGIN_REFUSED;
        assert_int_equal(nf_prior_decide(&f, NULL), NF_PRIOR_LOGIN_FAILED);
        /* a refused NMI protects nothing: the retry fences */
        f = kept_off;
        f.nmi = NF_PRIOR_NMI_NOT_CARRIED;
        f.succeeded = false;
        assert_int_equal(nf_prior_decide(&f, NULL), NF_PRIOR_NEW);
        /* a follow takes a checked success, even of a power cycle, but
         * not once the host armed again (an operator's new diag) */
        f = kept_off;
        f.follow = true;
        f.final_off = false;
        assert_int_equal(nf_prior_decide(&f, NULL), NF_PRIOR_REPORT);
        f.sel = NF_PRIOR_SEL_LIFE;
        assert_int_equal(nf_prior_decide(&f, NULL), NF_PRIOR_NEW);
        /* an agent killed after its NMI is resumed */
        f = kept_off;
        f.file = NF_PRIOR_FILE_RUNNING;
        f.succeeded = false;
        assert_int_equal(nf_prior_decide(&f, NULL), NF_PRIOR_RESUME);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(every_combination),
                cmocka_unit_test(named_cases),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
