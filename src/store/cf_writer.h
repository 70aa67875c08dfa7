/* SPDX-License-Identifier: MIT
 *
 * cf_writer.h - the writer thread: runs the API's write requests in batches,
 * one store transaction per batch (group commit).
 *
 * A request thread hands over a job and goes on serving other connections;
 * the writer takes every job queued, opens ONE write transaction, runs each
 * job inside a savepoint of its own (a job that fails undoes only its own
 * writes), commits, and only then tells each job how the batch ended. So N
 * concurrent writes cost one commit (and, with durability=full, one fsync)
 * instead of N, and they never wait on one another in SQLite's busy handler.
 *
 * Jobs are owned by their submitter; the writer only links them into its
 * queue. run() and done() are called on the writer thread.
 */
#ifndef CF_WRITER_H
#define CF_WRITER_H

#include <stdbool.h>

#include "../base/cf_err.h"
#include "cf_store.h"

struct cf_writer_job {
    /* Inside the batch's transaction, in a savepoint: returns 0 to keep
     * what it wrote, an error to undo it. */
    int (*run)(struct cf_writer_job *j, struct cf_store *st);
    /* After the batch: committed says whether what run() kept is now
     * stored (false: the commit failed, or the writer was stopping). */
    void (*done)(struct cf_writer_job *j, bool committed);
    struct cf_writer_job *next; /* the writer's queue link */
};

struct cf_writer;

/* Opens the writer's connection (opts) and starts its thread. max_batch
 * caps the jobs of one transaction. */
int cf_writer_start(const struct cf_store_opts *opts, int max_batch, struct cf_writer **out,
                    struct cf_err *err);
/* Queues a job (any thread, never blocks). After cf_writer_stop began, the
 * job's done(false) is called at once, on the caller's thread. */
void cf_writer_submit(struct cf_writer *w, struct cf_writer_job *j);
/* Runs what is queued, stops the thread, closes the connection. NULL: no-op. */
void cf_writer_stop(struct cf_writer *w);

#endif
