/* SPDX-License-Identifier: MIT
 *
 * test_writer.c - the writer thread (src/store/cf_writer.c) and the nested
 * transactions it relies on (src/store/cf_sqlite.c), on a real SQLite file
 * in a fresh directory under /tmp: every job is done exactly once, a failing
 * job undoes only its own writes (also in a batch run first without
 * savepoints, which is then run again with them), jobs queued together share
 * a transaction, a stopped writer refuses new jobs, and cf_writer_call
 * returns once its job is done.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../src/base/cf_mem.h"
#include "../../src/store/cf_store.h"
#include "../../src/store/cf_writer.h"
#include "cf_test.h"
#include "cf_test_store.h"

static bool exists(struct cf_test_store *e, int i)
{
    struct cf_store *st;
    struct cf_err err = {0, ""};
    struct cf_project p, got;
    int rc;
    if (cf_store_open(&e->opts, false, &st, &err)) return false;
    cf_test_project(&p, i);
    rc = st->ops->project_get(st, p.id, &got);
    st->ops->close(st);
    return rc == 0;
}

struct gate;

/* A job that inserts project i, and fails afterwards when asked to. */
struct job {
    struct cf_writer_job base;
    int i;
    bool fail;
    bool own;               /* makes its own savepoint (own_tx) */
    bool fail_early;        /* fails before writing anything */
    int done_calls;
    int runs, resets;
    bool committed;
    struct gate *gate;      /* when set, run() waits until it is opened */
};

/* Holds the writer inside a batch (its job's run() waits) while the test
 * queues more jobs behind it. */
struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool open, entered;
    struct job job;
};

static int job_run(struct cf_writer_job *j, struct cf_store *st)
{
    struct job *b = (struct job *)j;
    struct cf_project p;
    int rc;
    if (b->gate) {
        struct gate *g = b->gate;
        pthread_mutex_lock(&g->mu);
        g->entered = true;
        pthread_cond_broadcast(&g->cv);
        while (!g->open) pthread_cond_wait(&g->cv, &g->mu);
        pthread_mutex_unlock(&g->mu);
    }
    b->runs++;
    if (b->fail_early) return -1;
    cf_test_project(&p, b->i);
    if (b->own) {
        if (st->ops->begin(st, true)) return -1;
        rc = st->ops->project_insert(st, &p);
        if (rc || b->fail) {
            st->ops->rollback(st);
            return rc ? rc : -1;
        }
        return st->ops->commit(st);
    }
    if ((rc = st->ops->project_insert(st, &p))) return rc;
    return b->fail ? -1 : 0;
}

static void job_done(struct cf_writer_job *j, bool committed)
{
    struct job *b = (struct job *)j;
    b->done_calls++;
    b->committed = committed;
}

static void job_reset(struct cf_writer_job *j)
{
    ((struct job *)j)->resets++;
}

static void job_init(struct job *b, int i)
{
    memset(b, 0, sizeof *b);
    b->base.run = job_run;
    b->base.done = job_done;
    b->i = i;
}

/* Submits the gate's job (inserting project i) and returns once the writer
 * is inside it. */
static void gate_hold(struct gate *g, struct cf_writer *w, int i)
{
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->open = g->entered = false;
    job_init(&g->job, i);
    g->job.gate = g;
    cf_writer_submit(w, &g->job.base);
    pthread_mutex_lock(&g->mu);
    while (!g->entered) pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
}

/* Lets the gate's job finish (and its batch commit). */
static void gate_open(struct gate *g)
{
    pthread_mutex_lock(&g->mu);
    g->open = true;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

static void gate_free(struct gate *g)
{
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
}

struct submitter {
    struct cf_writer *w;
    struct job *jobs;
    int n;
};

static void *submit_all(void *arg)
{
    struct submitter *s = arg;
    for (int i = 0; i < s->n; i++) cf_writer_submit(s->w, &s->jobs[i].base);
    return NULL;
}

CF_TEST(writer_runs_every_job_once_from_many_threads)
{
    struct cf_test_store e;
    struct cf_writer *w = NULL;
    struct cf_err err = {0, ""};
    enum { THREADS = 4, PER = 50 };
    struct job *jobs = cf_calloc(THREADS * PER, sizeof *jobs);
    struct submitter sub[THREADS];
    pthread_t th[THREADS];
    uint64_t batches = 0, njobs = 0;
    int done_once = 0, present = 0;
    CF_CHECK(cf_test_store_open(&e, "writer") == 0);
    CF_CHECK(cf_writer_start(&e.opts, 16, 0, &w, &err) == 0);
    for (int i = 0; i < THREADS * PER; i++) job_init(&jobs[i], i + 1);
    for (int t = 0; t < THREADS; t++) {
        sub[t].w = w;
        sub[t].jobs = jobs + t * PER;
        sub[t].n = PER;
        pthread_create(&th[t], NULL, submit_all, &sub[t]);
    }
    for (int t = 0; t < THREADS; t++) pthread_join(th[t], NULL);
    cf_writer_stop(w); /* runs what is queued first */
    cf_writer_stats(w, &batches, &njobs);
    for (int i = 0; i < THREADS * PER; i++) {
        done_once += jobs[i].done_calls == 1 && jobs[i].committed;
        present += exists(&e, i + 1);
    }
    CF_CHECK_INT(done_once, THREADS * PER);
    CF_CHECK_INT(present, THREADS * PER);
    CF_CHECK_INT(njobs, THREADS * PER);
    CF_CHECK(batches >= (THREADS * PER) / 16 && batches <= THREADS * PER);
    {
        struct job late;
        job_init(&late, 9999);
        CF_CHECK(!cf_writer_submit(w, &late.base)); /* stopped: refused, not done */
        CF_CHECK_INT(late.done_calls, 0);
    }
    cf_writer_free(w);
    cf_free(jobs);
    cf_test_store_close(&e);
}

CF_TEST(writer_failed_job_undoes_only_its_own_writes)
{
    struct cf_test_store e;
    struct cf_writer *w = NULL;
    struct cf_err err = {0, ""};
    struct gate gate;
    struct job a, bad, c, own_bad, own_ok;
    uint64_t b0, j0, b1, j1;
    CF_CHECK(cf_test_store_open(&e, "writer") == 0);
    CF_CHECK(cf_writer_start(&e.opts, 64, 0, &w, &err) == 0);
    /* the gate holds the writer inside a batch while the others queue up */
    gate_hold(&gate, w, 100);
    cf_writer_stats(w, &b0, &j0);
    job_init(&a, 101);
    job_init(&bad, 102);
    bad.fail = true;
    job_init(&c, 103);
    job_init(&own_bad, 104);
    own_bad.own = own_bad.base.own_tx = true;
    own_bad.fail = true;
    job_init(&own_ok, 105);
    own_ok.own = own_ok.base.own_tx = true;
    cf_writer_submit(w, &a.base);
    cf_writer_submit(w, &bad.base);
    cf_writer_submit(w, &c.base);
    cf_writer_submit(w, &own_bad.base);
    cf_writer_submit(w, &own_ok.base);
    gate_open(&gate);
    cf_writer_stop(w);
    cf_writer_stats(w, &b1, &j1);
    CF_CHECK_INT(b1 - b0, 2);     /* the gate's batch, then the five together */
    CF_CHECK_INT(j1 - j0, 6);
    CF_CHECK(exists(&e, 100));
    CF_CHECK(exists(&e, 101));
    CF_CHECK(!exists(&e, 102));   /* its insert rolled back to its savepoint */
    CF_CHECK(exists(&e, 103));
    CF_CHECK(!exists(&e, 104));
    CF_CHECK(exists(&e, 105));
    /* done() says whether the batch committed, not whether the job succeeded */
    CF_CHECK(a.committed && bad.committed && c.committed && own_bad.committed && own_ok.committed);
    cf_writer_free(w);
    gate_free(&gate);
    cf_test_store_close(&e);
}

CF_TEST(store_nested_begin_is_a_savepoint)
{
    struct cf_test_store e;
    struct cf_store *st;
    struct cf_err err = {0, ""};
    struct cf_project p;
    CF_CHECK(cf_test_store_open(&e, "writer") == 0);
    CF_CHECK(cf_store_open(&e.opts, false, &st, &err) == 0);
    CF_CHECK(st->ops->begin(st, true) == 0);
    cf_test_project(&p, 1);
    CF_CHECK(st->ops->project_insert(st, &p) == 0);
    CF_CHECK(st->ops->begin(st, true) == 0);          /* savepoint */
    cf_test_project(&p, 2);
    CF_CHECK(st->ops->project_insert(st, &p) == 0);
    st->ops->rollback(st);                           /* undoes 2 only */
    CF_CHECK(st->ops->begin(st, true) == 0);
    cf_test_project(&p, 3);
    CF_CHECK(st->ops->project_insert(st, &p) == 0);
    CF_CHECK(st->ops->commit(st) == 0);              /* releases 3 into the outer */
    CF_CHECK(!exists(&e, 1));                        /* nothing committed yet */
    CF_CHECK(st->ops->commit(st) == 0);
    CF_CHECK(exists(&e, 1));
    CF_CHECK(!exists(&e, 2));
    CF_CHECK(exists(&e, 3));
    /* the write lock is free again: a second connection can write */
    {
        struct cf_store *st2;
        CF_CHECK(cf_store_open(&e.opts, false, &st2, &err) == 0);
        CF_CHECK(st2->ops->begin(st2, true) == 0);
        cf_test_project(&p, 4);
        CF_CHECK(st2->ops->project_insert(st2, &p) == 0);
        CF_CHECK(st2->ops->commit(st2) == 0);
        st2->ops->close(st2);
    }
    CF_CHECK(exists(&e, 4));
    st->ops->close(st);
    cf_test_store_close(&e);
}

CF_TEST(writer_call_returns_after_the_job_is_done)
{
    struct cf_test_store e;
    struct cf_writer *w = NULL;
    struct cf_err err = {0, ""};
    struct job a, own_bad, late;
    CF_CHECK(cf_test_store_open(&e, "writer") == 0);
    CF_CHECK(cf_writer_start(&e.opts, 16, 0, &w, &err) == 0);
    job_init(&a, 1);
    CF_CHECK(cf_writer_call(w, &a.base));
    /* done() has run, and what run() wrote is committed, when the call returns */
    CF_CHECK_INT(a.done_calls, 1);
    CF_CHECK(a.committed);
    CF_CHECK(exists(&e, 1));
    /* the job's own_tx is kept: a failing job with its own savepoint undoes itself */
    job_init(&own_bad, 2);
    own_bad.own = own_bad.fail = own_bad.base.own_tx = true;
    CF_CHECK(cf_writer_call(w, &own_bad.base));
    CF_CHECK_INT(own_bad.done_calls, 1);
    CF_CHECK(!exists(&e, 2));
    cf_writer_stop(w);
    job_init(&late, 3);
    CF_CHECK(!cf_writer_call(w, &late.base)); /* stopped: refused, not run */
    CF_CHECK_INT(late.done_calls, 0);
    cf_writer_free(w);
    cf_test_store_close(&e);
}

/* Under load (a batch of LINGER_MIN = 32 jobs or more) the writer waits
 * linger_us before its next batch, so that jobs arriving meanwhile join it. */
CF_TEST(writer_lingers_after_a_large_batch)
{
    struct cf_test_store e;
    struct cf_writer *w = NULL;
    struct cf_err err = {0, ""};
    struct gate gate;
    struct job many[32], a, b;
    uint64_t batches = 0, njobs = 0;
    struct timespec gap = {0, 20 * 1000 * 1000};
    CF_CHECK(cf_test_store_open(&e, "writer") == 0);
    CF_CHECK(cf_writer_start(&e.opts, 64, 500 * 1000, &w, &err) == 0); /* 0.5 s */
    gate_hold(&gate, w, 200);
    for (int i = 0; i < 32; i++) {
        job_init(&many[i], 201 + i);
        cf_writer_submit(w, &many[i].base);
    }
    gate_open(&gate);
    /* the gate's batch (one job: no wait after it), then the 32 */
    while (njobs < 33) {
        struct timespec ms = {0, 1000 * 1000};
        nanosleep(&ms, NULL);
        cf_writer_stats(w, &batches, &njobs);
    }
    CF_CHECK_INT(batches, 2);
    /* a is queued alone; b 20 ms later, well within the writer's wait */
    job_init(&a, 401);
    job_init(&b, 402);
    cf_writer_submit(w, &a.base);
    nanosleep(&gap, NULL);
    cf_writer_submit(w, &b.base);
    cf_writer_stop(w);
    cf_writer_stats(w, &batches, &njobs);
    CF_CHECK_INT(njobs, 35);
    CF_CHECK_INT(batches, 3); /* a and b in one batch */
    CF_CHECK(a.committed && b.committed && exists(&e, 401) && exists(&e, 402));
    cf_writer_free(w);
    gate_free(&gate);
    cf_test_store_close(&e);
}

/* Queues a, bad, c, own_bad, own_ok (all re-runnable, as the API's write
 * jobs are) behind the gate and lets the writer run them as one batch. */
static void run_five(struct cf_test_store *e, struct job *jobs, int first, bool resettable,
                     bool early, uint64_t *redos)
{
    struct cf_writer *w = NULL;
    struct cf_err err = {0, ""};
    struct gate gate;
    if (cf_writer_start(&e->opts, 64, 0, &w, &err)) return;
    gate_hold(&gate, w, first);
    for (int k = 0; k < 5; k++) {
        job_init(&jobs[k], first + 1 + k);
        if (resettable) jobs[k].base.reset = job_reset;
    }
    jobs[1].fail = jobs[3].fail = true;
    jobs[1].fail_early = jobs[3].fail_early = early;
    jobs[3].own = jobs[3].base.own_tx = true;
    jobs[4].own = jobs[4].base.own_tx = true;
    for (int k = 0; k < 5; k++) cf_writer_submit(w, &jobs[k].base);
    gate_open(&gate);
    cf_writer_stop(w);
    *redos = cf_writer_redos(w);
    cf_writer_free(w);
    gate_free(&gate);
}

/* What run_five's batch must leave stored, however it ran: the writes of
 * the jobs that succeeded, none of the two that failed. */
static void check_five_stored(int *cf_failed_, struct cf_test_store *e, int first)
{
    CF_CHECK(exists(e, first + 1));
    CF_CHECK(!exists(e, first + 2));
    CF_CHECK(exists(e, first + 3));
    CF_CHECK(!exists(e, first + 4));
    CF_CHECK(exists(e, first + 5));
}

CF_TEST(writer_optimistic_batch_is_redone_when_a_job_must_undo_writes)
{
    struct cf_test_store e;
    struct job jobs[5];
    uint64_t redos = 0;
    CF_CHECK(cf_test_store_open(&e, "writer") == 0);
    run_five(&e, jobs, 200, true, false, &redos);
    CF_CHECK_INT(redos, 1);
    /* the first pass stopped at the first job with writes to undo (the
     * second); every job forgot it and the batch ran again, with savepoints */
    CF_CHECK_INT(jobs[0].runs, 2);
    CF_CHECK_INT(jobs[1].runs, 2);
    CF_CHECK_INT(jobs[2].runs, 1);
    for (int k = 0; k < 5; k++) {
        CF_CHECK_INT(jobs[k].resets, 1);
        CF_CHECK_INT(jobs[k].done_calls, 1);
        CF_CHECK(jobs[k].committed);
    }
    CF_CHECK(exists(&e, 200));
    check_five_stored(cf_failed_, &e, 200);
    cf_test_store_close(&e);
}

CF_TEST(writer_optimistic_batch_keeps_going_past_a_failure_without_writes)
{
    struct cf_test_store e;
    struct job jobs[5];
    uint64_t redos = 1;
    CF_CHECK(cf_test_store_open(&e, "writer") == 0);
    run_five(&e, jobs, 300, true, true, &redos);
    CF_CHECK_INT(redos, 0);
    for (int k = 0; k < 5; k++) {
        CF_CHECK_INT(jobs[k].runs, 1);
        CF_CHECK_INT(jobs[k].resets, 0);
        CF_CHECK(jobs[k].committed);
    }
    check_five_stored(cf_failed_, &e, 300);
    cf_test_store_close(&e);
}

CF_TEST(writer_batch_with_a_job_that_cannot_rerun_uses_savepoints)
{
    struct cf_test_store e;
    struct job jobs[5];
    uint64_t redos = 1;
    CF_CHECK(cf_test_store_open(&e, "writer") == 0);
    run_five(&e, jobs, 400, false, false, &redos);
    CF_CHECK_INT(redos, 0);
    for (int k = 0; k < 5; k++) CF_CHECK_INT(jobs[k].runs, 1);
    check_five_stored(cf_failed_, &e, 400);
    cf_test_store_close(&e);
}

CF_TEST(store_optimistic_rollback_with_writes_loses_the_transaction)
{
    struct cf_test_store e;
    struct cf_store *st;
    struct cf_err err = {0, ""};
    struct cf_project p;
    CF_CHECK(cf_test_store_open(&e, "writer") == 0);
    CF_CHECK(cf_store_open(&e.opts, false, &st, &err) == 0);
    st->ops->set_optimistic(st, true);
    CF_CHECK(st->ops->begin(st, true) == 0);
    cf_test_project(&p, 1);
    CF_CHECK(st->ops->project_insert(st, &p) == 0);
    CF_CHECK(st->ops->begin(st, true) == 0); /* no savepoint */
    st->ops->rollback(st);                   /* nothing written since: nothing lost */
    CF_CHECK(!st->ops->lost(st));
    CF_CHECK(st->ops->begin(st, true) == 0);
    cf_test_project(&p, 2);
    CF_CHECK(st->ops->project_insert(st, &p) == 0);
    CF_CHECK(st->ops->commit(st) == 0);      /* kept in the outer */
    CF_CHECK(st->ops->begin(st, true) == 0);
    cf_test_project(&p, 3);
    CF_CHECK(st->ops->project_insert(st, &p) == 0);
    st->ops->rollback(st);                   /* cannot undo 3 */
    CF_CHECK(st->ops->lost(st));
    CF_CHECK(st->ops->commit(st) == CF_ESTORE); /* refused: nothing stored */
    CF_CHECK(!st->ops->lost(st));
    CF_CHECK(!exists(&e, 1) && !exists(&e, 2) && !exists(&e, 3));
    /* the connection is usable again */
    st->ops->set_optimistic(st, false);
    CF_CHECK(st->ops->begin(st, true) == 0);
    cf_test_project(&p, 4);
    CF_CHECK(st->ops->project_insert(st, &p) == 0);
    CF_CHECK(st->ops->commit(st) == 0);
    CF_CHECK(exists(&e, 4));
    st->ops->close(st);
    cf_test_store_close(&e);
}
