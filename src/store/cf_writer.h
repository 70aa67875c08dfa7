/* SPDX-License-Identifier: MIT
 *
 * cf_writer.h - the writer thread: runs the API's write requests in batches,
 * one store transaction per batch (group commit).
 *
 * A request thread hands over a job and goes on serving other connections;
 * the writer takes every job queued, opens ONE write transaction, runs each
 * job inside a savepoint of its own (a job that fails undoes only its own
 * writes; or, for jobs that can run again, optimistically without one and
 * the batch again with them if a job had to undo writes), commits, and only
 * then tells each job how the batch ended. So N
 * concurrent writes cost one commit (and, with durability=full, one fsync)
 * instead of N, and they never wait on one another in SQLite's busy handler.
 *
 * Jobs are owned by their submitter; the writer only links them into its
 * queue. run() and done() are called on the writer thread.
 */
#ifndef CF_WRITER_H
#define CF_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "../base/cf_err.h"
#include "cf_store.h"

struct cf_writer_job {
    /* Inside the batch's transaction, in a savepoint: returns 0 to keep
     * what it wrote, an error to undo it. */
    int (*run)(struct cf_writer_job *j, struct cf_store *st);
    /* After the batch: committed says whether what run() kept is now
     * stored (false: the commit failed, or the writer was stopping). */
    void (*done)(struct cf_writer_job *j, bool committed);
    /* run() opens and closes its own transactions (savepoints, inside the
     * batch) and needs none around it: saves two statements per job. */
    bool own_tx;
    /* Forgets what run() did outside the store (its response, its held-back
     * effects), so that run() can run again in a batch started over; NULL
     * if it cannot. A batch of jobs that all have one runs without
     * savepoints (see cf_writer.c). */
    void (*reset)(struct cf_writer_job *j);
    struct cf_writer_job *next; /* the writer's queue link */
};

struct cf_writer;

/* Opens the writer's connection (opts, with a page cache of at most 32 MiB)
 * and starts its thread. max_batch caps the jobs of one transaction;
 * linger_us (0: none) is how long the thread waits before a batch when the
 * last one was large, for the requests about to arrive (see cf_writer.c). */
int cf_writer_start(const struct cf_store_opts *opts, int max_batch, long linger_us,
                    struct cf_writer **out, struct cf_err *err);
/* Queues a job (any thread, never blocks) and returns true; false once
 * cf_writer_stop has run everything queued (the job is not taken: the
 * caller still owns it, and every job submitted before has been done). */
bool cf_writer_submit(struct cf_writer *w, struct cf_writer_job *j);
/* Submits a job and waits until its done() has run; returns true. False,
 * without running it, once cf_writer_stop has run (as cf_writer_submit).
 * For another thread's jobs that need their outcome at once: never from a
 * job on the writer thread (it would wait for itself). */
bool cf_writer_call(struct cf_writer *w, struct cf_writer_job *j);
/* Counters since start (any thread): transactions run, jobs run in them. */
void cf_writer_stats(struct cf_writer *w, uint64_t *batches, uint64_t *jobs);
/* Batches run a second time, with savepoints, because a job had writes to
 * undo in the first (any thread; see cf_writer.c). */
uint64_t cf_writer_redos(struct cf_writer *w);
/* Runs what is queued, stops the thread, closes the connection; later
 * submits return false. NULL: no-op. */
void cf_writer_stop(struct cf_writer *w);
/* Frees a stopped writer, once no thread may submit any more. NULL: no-op. */
void cf_writer_free(struct cf_writer *w);

#endif
