/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The worker pool under the fleet engine (agent/worker-pool.c): the fanout
 * cap, FIFO order, done callbacks only in the dispatching thread, and what
 * freeing does with running and queued jobs.  Deterministic: every job
 * blocks on a gate the test opens, so "how many run at once" is a fact
 * the test sets up, not a race it hopes to win.
 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "worker-pool.h"

#define MAX_JOBS 64

typedef struct gate {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        unsigned open;                  /* jobs allowed to finish */
        unsigned running, max_running;
        unsigned started[MAX_JOBS];     /* start order */
        unsigned n_started;
} gate;

typedef struct test_job {
        nf_job job;                     /* first */
        gate *g;
        unsigned id;
        pthread_t done_thread;
        bool done;
        unsigned done_order;
} test_job;

static unsigned n_done_total;

static void job_run(nf_job *j) {
        test_job *t = (test_job *) j;
        gate *g = t->g;

        pthread_mutex_lock(&g->lock);
        g->started[g->n_started++] = t->id;
        if (++g->running > g->max_running)
                g->max_running = g->running;
        pthread_cond_broadcast(&g->cond);
        while (g->open == 0)
                pthread_cond_wait(&g->cond, &g->lock);
        g->open--;
        g->running--;
        pthread_mutex_unlock(&g->lock);
}

static void job_done(nf_job *j) {
        test_job *t = (test_job *) j;

        t->done = true;
        t->done_thread = pthread_self();
        t->done_order = n_done_total++;
}

static void gate_init(gate *g) {
        memset(g, 0, sizeof *g);
        pthread_mutex_init(&g->lock, NULL);
        pthread_cond_init(&g->cond, NULL);
}

static void gate_destroy(gate *g) {
        pthread_cond_destroy(&g->cond);
        pthread_mutex_destroy(&g->lock);
}

/* Waits until exactly n jobs are blocked in the gate (bounded: 10 s). */
static void gate_wait_running(gate *g, unsigned n) {
        struct timespec until;

        clock_gettime(CLOCK_REALTIME, &until);  /* pthread_cond_timedwait's clock */
        until.tv_sec += 10;
        pthread_mutex_lock(&g->lock);
        while (g->running != n)
                if (pthread_cond_timedwait(&g->cond, &g->lock, &until) == ETIMEDOUT)
                        break;
        assert_int_equal(g->running, n);
        pthread_mutex_unlock(&g->lock);
}

static void gate_open(gate *g, unsigned n) {
        pthread_mutex_lock(&g->lock);
        g->open += n;
        pthread_cond_broadcast(&g->cond);
        pthread_mutex_unlock(&g->lock);
}

/* Dispatches until `want` jobs are done in total (bounded: 10 s). */
static void dispatch_until(nf_worker_pool *p, unsigned want) {
        for (int i = 0; i < 1000 && n_done_total < want; i++) {
                struct pollfd pfd = { .fd = nf_worker_pool_fd(p), .events = POLLIN };
                if (poll(&pfd, 1, 10) > 0)
                        nf_worker_pool_dispatch(p);
        }
        assert_int_equal(n_done_total, want);
}

static void jobs_init(test_job *jobs, unsigned n, gate *g) {
        for (unsigned i = 0; i < n; i++)
                jobs[i] = (test_job) { .job = { .run = job_run, .done = job_done }, .g = g, .id = i };
}

/* 20 jobs, fanout 4: exactly 4 run at once, whatever is queued; each
 * finished one lets the next (in submit order) start. */
static void fanout_cap_holds(void **state) {
        enum { N = 20, FANOUT = 4 };
        test_job jobs[N];
        nf_worker_pool *p;
        gate g;

        n_done_total = 0;
        gate_init(&g);
        jobs_init(jobs, N, &g);
        assert_int_equal(nf_worker_pool_new(FANOUT, &p), 0);
        for (unsigned i = 0; i < N; i++)
                assert_int_equal(nf_worker_pool_submit(p, &jobs[i].job), 0);
        assert_int_equal(nf_worker_pool_pending(p), N);

        gate_wait_running(&g, FANOUT);
        assert_int_equal(nf_worker_pool_peak(p), FANOUT);
        /* the first four, nothing else, are running */
        pthread_mutex_lock(&g.lock);
        assert_int_equal(g.n_started, FANOUT);
        pthread_mutex_unlock(&g.lock);

        /* one at a time: one finishes, the next queued one starts */
        for (unsigned k = 0; k < N - FANOUT; k++) {
                gate_open(&g, 1);
                dispatch_until(p, k + 1);
                gate_wait_running(&g, FANOUT);
        }
        gate_open(&g, FANOUT);
        dispatch_until(p, N);

        assert_int_equal(g.max_running, FANOUT);
        assert_int_equal(nf_worker_pool_peak(p), FANOUT);
        assert_int_equal(nf_worker_pool_pending(p), 0);
        /* FIFO: the first FANOUT jobs start together, so the order in
         * which their threads reach the gate is the scheduler's; each later
         * one starts alone, as the next in submit order. */
        unsigned seen = 0;
        for (unsigned i = 0; i < FANOUT; i++) {
                assert_true(g.started[i] < FANOUT);
                seen |= 1u << g.started[i];
        }
        assert_int_equal(seen, (1u << FANOUT) - 1);
        for (unsigned i = FANOUT; i < N; i++)
                assert_int_equal(g.started[i], i);
        /* every done ran here, in the dispatching thread */
        for (unsigned i = 0; i < N; i++) {
                assert_true(jobs[i].done);
                assert_true(pthread_equal(jobs[i].done_thread, pthread_self()));
        }
        p = nf_worker_pool_free(p);
        assert_null(p);
        gate_destroy(&g);
}

/* Fanout 1 serialises: never two at once, done order = submit order. */
static void fanout_one_serialises(void **state) {
        enum { N = 8 };
        test_job jobs[N];
        nf_worker_pool *p;
        gate g;

        n_done_total = 0;
        gate_init(&g);
        jobs_init(jobs, N, &g);
        gate_open(&g, N);
        assert_int_equal(nf_worker_pool_new(1, &p), 0);
        for (unsigned i = 0; i < N; i++)
                assert_int_equal(nf_worker_pool_submit(p, &jobs[i].job), 0);
        dispatch_until(p, N);
        assert_int_equal(g.max_running, 1);
        assert_int_equal(nf_worker_pool_peak(p), 1);
        for (unsigned i = 0; i < N; i++)
                assert_int_equal(jobs[i].done_order, i);
        nf_worker_pool_free(p);
        gate_destroy(&g);
}

/* Nothing is done behind the loop's back: a finished job's done waits
 * for dispatch, and the fd says when to call it. */
static void done_only_from_dispatch(void **state) {
        test_job j;
        nf_worker_pool *p;
        struct pollfd pfd;
        gate g;

        n_done_total = 0;
        gate_init(&g);
        jobs_init(&j, 1, &g);
        assert_int_equal(nf_worker_pool_new(2, &p), 0);
        pfd = (struct pollfd) { .fd = nf_worker_pool_fd(p), .events = POLLIN };
        assert_int_equal(poll(&pfd, 1, 0), 0);
        assert_int_equal(nf_worker_pool_submit(p, &j.job), 0);
        gate_open(&g, 1);
        assert_int_equal(poll(&pfd, 1, 10000), 1);
        assert_false(j.done);
        assert_int_equal(nf_worker_pool_pending(p), 1);
        assert_int_equal(nf_worker_pool_dispatch(p), 1);
        assert_true(j.done);
        assert_int_equal(nf_worker_pool_pending(p), 0);
        assert_int_equal(poll(&pfd, 1, 0), 0);
        nf_worker_pool_free(p);
        gate_destroy(&g);
}

/* Opens the gate for every job a little after the test called free:
 * free must be waiting for the running ones then. */
static void *open_later(void *arg) {
        struct timespec d = { .tv_nsec = 100 * 1000 * 1000 };

        nanosleep(&d, NULL);
        gate_open(arg, MAX_JOBS);
        return NULL;
}

/* Ctrl-C in the engine ends with the pool freed while requests are in
 * flight: free returns only once the running ones finished, and no done
 * is called any more (the queued ones are dropped).  Which queued jobs a
 * worker took before free emptied the queue is a race, so not asserted;
 * every job that started also finished. */
static void free_waits_running_no_done_after(void **state) {
        enum { N = 6, FANOUT = 2 };
        test_job jobs[N];
        nf_worker_pool *p;
        pthread_t opener;
        gate g;

        n_done_total = 0;
        gate_init(&g);
        jobs_init(jobs, N, &g);
        assert_int_equal(nf_worker_pool_new(FANOUT, &p), 0);
        for (unsigned i = 0; i < N; i++)
                assert_int_equal(nf_worker_pool_submit(p, &jobs[i].job), 0);
        gate_wait_running(&g, FANOUT);
        assert_int_equal(pthread_create(&opener, NULL, open_later, &g), 0);
        nf_worker_pool_free(p);
        pthread_mutex_lock(&g.lock);
        assert_int_equal(g.running, 0);
        assert_true(g.n_started >= FANOUT);
        pthread_mutex_unlock(&g.lock);
        assert_int_equal(n_done_total, 0);
        pthread_join(opener, NULL);
        gate_destroy(&g);
}

static void bad_arguments(void **state) {
        nf_worker_pool *p = (nf_worker_pool *) 0x1;
        test_job j = { .job = { .run = job_run } };

        assert_int_equal(nf_worker_pool_new(0, &p), -EINVAL);
        assert_int_equal(nf_worker_pool_new(1025, &p), -EINVAL);
        assert_ptr_equal(p, (nf_worker_pool *) 0x1);    /* untouched on failure */
        assert_int_equal(nf_worker_pool_new(1, &p), 0);
        assert_int_equal(nf_worker_pool_submit(p, &j.job), -EINVAL);    /* no done */
        assert_int_equal(nf_worker_pool_submit(p, NULL), -EINVAL);
        assert_int_equal(nf_worker_pool_size(p), 1);
        assert_null(nf_worker_pool_free(p));
        assert_null(nf_worker_pool_free(NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(fanout_cap_holds),
                cmocka_unit_test(fanout_one_serialises),
                cmocka_unit_test(done_only_from_dispatch),
                cmocka_unit_test(free_waits_running_no_done_after),
                cmocka_unit_test(bad_arguments),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
