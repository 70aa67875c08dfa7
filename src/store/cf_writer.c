/* SPDX-License-Identifier: MIT
 *
 * cf_writer.c - the writer thread (see cf_writer.h).
 *
 * The queue is a singly linked FIFO under a mutex. The thread swaps the
 * whole queue out, runs up to max_batch jobs in one transaction and puts
 * the rest back at the head. While it commits, new jobs queue up and form
 * the next batch: the batch size adapts to the load by itself, and a lone
 * write is committed at once.
 *
 * Under load (the last batch held LINGER_MIN jobs or more) the thread waits
 * linger_us before taking the next batch. The requests of a busy server come
 * back in a wave: the HTTP thread sends a batch's responses, and each client
 * sends its next request a few tens of microseconds after its response. The
 * ones answered last arrive just after the HTTP thread has gone back to
 * sleep, and without the wait the writer, which runs then, would take the
 * batch without them: they would wait for that whole batch and the next,
 * two rounds of the server instead of one. The wait lets the HTTP thread
 * read them into this batch. Participant updates at 64 connections on one
 * core: the p99 went from 1.95-2.03 times the mean latency to 1.75-1.81
 * (medians of alternated runs, bench/README.md, ninth round). A lone write,
 * or a few, never waits.
 */
#include "cf_writer.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "../base/cf_log.h"
#include "../base/cf_mem.h"
#include "../base/cf_sched.h"

/* The writer's page cache, MiB at most (opts->cache_mb is the readers').
 * Its working set (live conferences and participants, the outbox's tail, the
 * index pages above them) fits in far less; a small cache is full within
 * seconds and then recycles its pages, where a large one keeps growing the
 * heap (a fresh page of memory for each page written) for minutes under
 * load. */
#define WRITER_CACHE_MB 32
/* ... and it reads through that cache, not the file map the readers use.
 * With the map SQLite asks the WAL index for every page the writer touches
 * before the map (a probe of each WAL segment the checkpointer has not
 * copied yet), even a page it holds; through the cache a page it holds costs
 * one hash lookup. With 1,000,000 conferences stored the writer's CPU per
 * participant update fell ~8 % this way (bench/README.md, seventh round);
 * with 1,000 it did not change. */
/* A batch this large means a busy server: the next one waits (linger()).
 * Not less: in the bench's 90/10 mix of fetches and updates (15-20 writes
 * per batch) a wait after batches of 16 put the p99 at 9.3-9.6 ms against
 * 7.6-8.1; the writer, awake again, waits for the HTTP thread to finish
 * its run of fetches. After 32 it is 8.4-8.7, and the update rows (45-60
 * per batch) gain as much. */
#define LINGER_MIN 32

struct cf_writer {
    struct cf_store *st;          /* owned, used only on the thread */
    int max_batch;
    long linger_us;               /* 0: never wait */
    int last_n;                   /* jobs in the last batch (the thread's own) */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct cf_writer_job *head, *tail; /* guarded by mu */
    bool stopping;                /* guarded by mu: run what is queued, then close */
    bool closed;                  /* guarded by mu: the queue is drained, submits refused */
    int safe_left;                /* batches still to run with savepoints (the thread's own) */
    _Atomic uint64_t batches, jobs, redos;
    pthread_mutex_t call_mu;      /* cf_writer_call's callers wait on call_cv */
    pthread_cond_t call_cv;
};

/* How one pass over a batch ended. */
enum pass { PASS_COMMITTED, PASS_FAILED, PASS_REDO };

/* Runs the batch in one transaction, each job in a savepoint of its own
 * (optimistic: without them; a job's rollback that had writes to undo then
 * ends the pass, PASS_REDO, with nothing stored). */
static enum pass run_pass(struct cf_writer *w, struct cf_writer_job *batch, bool optimistic)
{
    struct cf_store *st = w->st;
    bool ok, lost = false;
    st->ops->set_optimistic(st, optimistic);
    ok = st->ops->begin(st, true) == 0;
    for (struct cf_writer_job *j = batch; ok && !lost && j; j = j->next) {
        if (j->own_tx) {
            (void)j->run(j, st);
        } else if (st->ops->begin(st, true)) {
            ok = false;
        } else if (j->run(j, st) == 0) {
            if (st->ops->commit(st)) ok = false;
        } else {
            st->ops->rollback(st);
        }
        lost = optimistic && st->ops->lost(st);
    }
    if (ok && !lost) ok = st->ops->commit(st) == 0;
    else st->ops->rollback(st);
    return lost ? PASS_REDO : ok ? PASS_COMMITTED : PASS_FAILED;
}

/* Runs one batch; returns whether it committed.
 *
 * A job's savepoint is there for the job that fails after writing: its
 * rollback undoes its own writes and nothing else. Requests seldom fail that
 * way (most errors are found before anything is written), and the savepoint
 * costs every job: SQLite copies each page a job first changes into the
 * savepoint's journal, ~3 pages per participant update, ~6 % of the
 * writer's time. So a batch whose jobs can all run again (reset) first runs
 * without them; if a job then had to undo writes, the whole pass is rolled
 * back, each job forgets its outcome, and the batch runs again with them.
 * After such a batch the next REDO_SAFE batches run with savepoints from the
 * start, so that a stream of failing requests costs at most one wasted pass
 * per REDO_SAFE batches. */
#define REDO_SAFE 16

static bool run_batch(struct cf_writer *w, struct cf_writer_job *batch)
{
    bool optimistic = w->safe_left == 0;
    enum pass p;
    for (struct cf_writer_job *j = batch; optimistic && j; j = j->next)
        if (!j->reset) optimistic = false;
    if (w->safe_left > 0) w->safe_left--;
    p = run_pass(w, batch, optimistic);
    if (p == PASS_REDO) {
        atomic_fetch_add_explicit(&w->redos, 1, memory_order_relaxed);
        w->safe_left = REDO_SAFE;
        for (struct cf_writer_job *j = batch; j; j = j->next) j->reset(j);
        p = run_pass(w, batch, false);
    }
    if (p == PASS_COMMITTED) return true;
    cf_log(CF_LOG_ERROR, NULL, "msg=\"write batch failed; its requests answer 503\"");
    return false;
}

/* With mu held: lets go of it for linger_us, while the HTTP thread queues
 * the requests arriving meanwhile. A sleep, not a wait on the queue for as
 * many jobs as the last batch held: that ended too early (the responses of
 * one batch do not bring all its clients back at once), and the p99 stayed
 * 1.83-2.15 times the mean against 1.62-1.79 with the sleep. */
static void linger(struct cf_writer *w)
{
    struct timespec ts = {w->linger_us / 1000000, (w->linger_us % 1000000) * 1000};
    pthread_mutex_unlock(&w->mu);
    nanosleep(&ts, NULL);
    pthread_mutex_lock(&w->mu);
}

static void *loop(void *arg)
{
    struct cf_writer *w = arg;
    cf_sched_name_self("cf-writer");
    (void)cf_sched_batch_self(true); /* see cf_sched.h */
    pthread_mutex_lock(&w->mu);
    for (;;) {
        struct cf_writer_job *batch, *last, *next;
        bool ok;
        int n = 1;
        while (!w->head && !w->stopping) pthread_cond_wait(&w->cv, &w->mu);
        if (!w->head) { /* stopping, and nothing left */
            w->closed = true;
            break;
        }
        if (w->linger_us && w->last_n >= LINGER_MIN && !w->stopping) linger(w);
        batch = last = w->head;
        while (last->next && n < w->max_batch) {
            last = last->next;
            n++;
        }
        w->head = last->next;
        if (!w->head) w->tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&w->mu);
        w->last_n = n;
        ok = run_batch(w, batch);
        atomic_fetch_add_explicit(&w->batches, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&w->jobs, (uint64_t)n, memory_order_relaxed);
        for (struct cf_writer_job *j = batch; j; j = next) {
            next = j->next; /* done() may free j */
            j->done(j, ok);
        }
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int cf_writer_start(const struct cf_store_opts *opts, int max_batch, long linger_us,
                    struct cf_writer **out, struct cf_err *err)
{
    struct cf_writer *w = cf_calloc(1, sizeof *w);
    struct cf_store_opts o = *opts;
    int rc;
    w->max_batch = max_batch > 0 ? max_batch : 1;
    w->linger_us = linger_us > 0 ? linger_us : 0;
    if (o.cache_mb > WRITER_CACHE_MB) o.cache_mb = WRITER_CACHE_MB;
    o.no_map = true;
    o.conf_cache = true;
    if ((rc = cf_store_open(&o, false, &w->st, err))) {
        cf_free(w);
        return rc;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    pthread_mutex_init(&w->call_mu, NULL);
    pthread_cond_init(&w->call_cv, NULL);
    if (pthread_create(&w->thread, NULL, loop, w) != 0) {
        w->st->ops->close(w->st);
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->call_mu);
        pthread_cond_destroy(&w->call_cv);
        cf_free(w);
        return cf_err_set(err, CF_ESYS, "cannot start the writer thread");
    }
    *out = w;
    return 0;
}

/* cf_writer_call's wrapper around the caller's job, on the caller's stack.
 * The mutex and condition variable are the writer's: they outlive every
 * wrapper, so the writer never touches one after the caller has gone. */
struct call {
    struct cf_writer_job base; /* must be first */
    struct cf_writer *w;
    struct cf_writer_job *job;
    bool done;                 /* guarded by w->call_mu */
};

static int call_run(struct cf_writer_job *j, struct cf_store *st)
{
    struct call *c = (struct call *)j;
    return c->job->run(c->job, st);
}

static void call_done(struct cf_writer_job *j, bool committed)
{
    struct call *c = (struct call *)j;
    struct cf_writer *w = c->w;
    c->job->done(c->job, committed);
    pthread_mutex_lock(&w->call_mu);
    c->done = true;
    pthread_cond_broadcast(&w->call_cv);
    pthread_mutex_unlock(&w->call_mu);
}

bool cf_writer_call(struct cf_writer *w, struct cf_writer_job *j)
{
    struct call c;
    memset(&c, 0, sizeof c);
    c.base.run = call_run;
    c.base.done = call_done;
    c.base.own_tx = j->own_tx;
    c.w = w;
    c.job = j;
    if (!cf_writer_submit(w, &c.base)) return false;
    pthread_mutex_lock(&w->call_mu);
    while (!c.done) pthread_cond_wait(&w->call_cv, &w->call_mu);
    pthread_mutex_unlock(&w->call_mu);
    return true;
}

bool cf_writer_submit(struct cf_writer *w, struct cf_writer_job *j)
{
    j->next = NULL;
    pthread_mutex_lock(&w->mu);
    if (w->closed) {
        pthread_mutex_unlock(&w->mu);
        return false;
    }
    if (w->tail) w->tail->next = j;
    else w->head = j;
    w->tail = j;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return true;
}

void cf_writer_stats(struct cf_writer *w, uint64_t *batches, uint64_t *jobs)
{
    *batches = atomic_load_explicit(&w->batches, memory_order_relaxed);
    *jobs = atomic_load_explicit(&w->jobs, memory_order_relaxed);
}

uint64_t cf_writer_redos(struct cf_writer *w)
{
    return atomic_load_explicit(&w->redos, memory_order_relaxed);
}

void cf_writer_stop(struct cf_writer *w)
{
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    w->st->ops->close(w->st);
    w->st = NULL;
}

void cf_writer_free(struct cf_writer *w)
{
    if (!w) return;
    if (w->st) cf_writer_stop(w);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->call_mu);
    pthread_cond_destroy(&w->call_cv);
    cf_free(w);
}
