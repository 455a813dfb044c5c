/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "worker-pool.h"

#define POOL_MAX 1024

struct nf_worker_pool {
        unsigned size;
        pthread_mutex_t lock;
        pthread_cond_t work;            /* queued jobs or stop */
        pthread_cond_t idle;            /* running went to 0 (free waits on it) */
        nf_job *queue_head, *queue_tail;
        nf_job *done_head, *done_tail;
        unsigned n_threads, n_idle, n_queued, running, peak;
        unsigned pending;               /* loop thread only */
        bool stop;
        pthread_t *threads;
        int efd;
};

static void list_push(nf_job **head, nf_job **tail, nf_job *j) {
        j->next = NULL;
        if (*tail)
                (*tail)->next = j;
        else
                *head = j;
        *tail = j;
}

static nf_job *list_pop(nf_job **head, nf_job **tail) {
        nf_job *j = *head;

        if (j) {
                *head = j->next;
                if (!*head)
                        *tail = NULL;
                j->next = NULL;
        }
        return j;
}

static void *worker(void *arg) {
        nf_worker_pool *p = arg;

        pthread_mutex_lock(&p->lock);
        for (;;) {
                nf_job *j;

                while (!p->stop && !p->queue_head) {
                        p->n_idle++;
                        pthread_cond_wait(&p->work, &p->lock);
                        p->n_idle--;
                }
                if (p->stop)
                        break;
                j = list_pop(&p->queue_head, &p->queue_tail);
                p->n_queued--;
                p->running++;
                if (p->running > p->peak)
                        p->peak = p->running;
                pthread_mutex_unlock(&p->lock);

                j->run(j);

                pthread_mutex_lock(&p->lock);
                p->running--;
                list_push(&p->done_head, &p->done_tail, j);
                if (p->running == 0)
                        pthread_cond_broadcast(&p->idle);
                {
                        uint64_t one = 1;
                        /* Only fails when the counter would overflow,
                         * and then the fd is readable anyway. */
                        (void) !write(p->efd, &one, sizeof one);
                }
        }
        pthread_mutex_unlock(&p->lock);
        return NULL;
}

int nf_worker_pool_new(unsigned size, nf_worker_pool **ret) {
        nf_worker_pool *p;

        if (!ret || size < 1 || size > POOL_MAX)
                return -EINVAL;
        p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        p->threads = calloc(size, sizeof *p->threads);
        if (!p->threads) {
                free(p);
                return -ENOMEM;
        }
        p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (p->efd < 0) {
                int r = -errno;
                free(p->threads);
                free(p);
                return r;
        }
        p->size = size;
        pthread_mutex_init(&p->lock, NULL);
        pthread_cond_init(&p->work, NULL);
        pthread_cond_init(&p->idle, NULL);
        *ret = p;
        return 0;
}

nf_worker_pool *nf_worker_pool_free(nf_worker_pool *p) {
        if (!p)
                return NULL;
        pthread_mutex_lock(&p->lock);
        /* Queued jobs never start; running ones finish (a blocking IPMI
         * request ends within its session timeout). */
        p->queue_head = p->queue_tail = NULL;
        p->n_queued = 0;
        while (p->running > 0)
                pthread_cond_wait(&p->idle, &p->lock);
        p->stop = true;
        pthread_cond_broadcast(&p->work);
        pthread_mutex_unlock(&p->lock);
        for (unsigned i = 0; i < p->n_threads; i++)
                pthread_join(p->threads[i], NULL);
        pthread_cond_destroy(&p->idle);
        pthread_cond_destroy(&p->work);
        pthread_mutex_destroy(&p->lock);
        close(p->efd);
        free(p->threads);
        free(p);
        return NULL;
}

int nf_worker_pool_submit(nf_worker_pool *p, nf_job *job) {
        int r = 0;

        if (!p || !job || !job->run || !job->done)
                return -EINVAL;
        pthread_mutex_lock(&p->lock);
        list_push(&p->queue_head, &p->queue_tail, job);
        p->n_queued++;
        /* A thread more while the queue outgrows the idle ones, up to
         * the fanout. */
        if (p->n_queued > p->n_idle && p->n_threads < p->size) {
                r = -pthread_create(&p->threads[p->n_threads], NULL, worker, p);
                if (r == 0)
                        p->n_threads++;
                else if (p->n_threads > 0)
                        r = 0;  /* the running threads will get to it */
                else {
                        /* nothing will ever run it: take it back */
                        p->queue_head = p->queue_tail = NULL;
                        p->n_queued = 0;
                }
        }
        if (r == 0) {
                pthread_cond_signal(&p->work);
                p->pending++;
        }
        pthread_mutex_unlock(&p->lock);
        return r;
}

int nf_worker_pool_fd(const nf_worker_pool *p) {
        return p ? p->efd : -1;
}

unsigned nf_worker_pool_dispatch(nf_worker_pool *p) {
        nf_job *list, *j;
        uint64_t v;
        unsigned n = 0;

        if (!p)
                return 0;
        (void) !read(p->efd, &v, sizeof v);
        pthread_mutex_lock(&p->lock);
        list = p->done_head;
        p->done_head = p->done_tail = NULL;
        pthread_mutex_unlock(&p->lock);
        /* done may submit again: the list is ours now */
        while ((j = list)) {
                list = j->next;
                j->next = NULL;
                p->pending--;
                n++;
                j->done(j);
        }
        return n;
}

unsigned nf_worker_pool_pending(const nf_worker_pool *p) {
        return p ? p->pending : 0;
}

unsigned nf_worker_pool_size(const nf_worker_pool *p) {
        return p ? p->size : 0;
}

unsigned nf_worker_pool_peak(const nf_worker_pool *p) {
        unsigned v;

        if (!p)
                return 0;
        pthread_mutex_lock((pthread_mutex_t *) &p->lock);
        v = p->peak;
        pthread_mutex_unlock((pthread_mutex_t *) &p->lock);
        return v;
}
