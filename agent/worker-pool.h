/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A bounded pool of worker threads for blocking work (an IPMI request over
 * a libfreeipmi context), owned by one event loop (docs/design.md, "Many
 * hosts").  The loop submits jobs; at most `size` run at once, the rest
 * wait in FIFO order; a finished job is posted back and its done callback
 * runs in the loop's thread, from nf_worker_pool_dispatch(), when the
 * pool's eventfd is readable.  So all state other than what a job's run
 * callback touches stays single-threaded.
 *
 * Threads are started on demand, up to size.  No global state.
 */

#include <stdbool.h>

typedef struct nf_job nf_job;
typedef void (*nf_job_fn)(nf_job *job);

/* Embedded in the caller's object; the pool only links it. */
struct nf_job {
        nf_job_fn run;                  /* on a worker thread */
        nf_job_fn done;                 /* in the loop thread, from dispatch */
        nf_job *next;                   /* internal */
};

typedef struct nf_worker_pool nf_worker_pool;

/* size: the fanout, 1..1024.  Returns 0 or -errno. */
int nf_worker_pool_new(unsigned size, nf_worker_pool **ret);
/* Waits for the running jobs, drops the queued ones (their done is never
 * called), joins the threads.  NULL-safe; returns NULL. */
nf_worker_pool *nf_worker_pool_free(nf_worker_pool *p);

/* Queues a job (not already queued or running).  -errno when no thread
 * could be started and none runs. */
int nf_worker_pool_submit(nf_worker_pool *p, nf_job *job);
/* Readable (POLLIN) when finished jobs wait for dispatch. */
int nf_worker_pool_fd(const nf_worker_pool *p);
/* Calls done for every finished job, in the caller's thread; returns how
 * many.  Never blocks. */
unsigned nf_worker_pool_dispatch(nf_worker_pool *p);
/* Jobs submitted and not yet dispatched (queued, running or finished). */
unsigned nf_worker_pool_pending(const nf_worker_pool *p);
unsigned nf_worker_pool_size(const nf_worker_pool *p);
/* Most jobs seen running at once (tests: the fanout cap holds). */
unsigned nf_worker_pool_peak(const nf_worker_pool *p);
