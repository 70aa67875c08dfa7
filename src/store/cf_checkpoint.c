/* SPDX-License-Identifier: MIT
 *
 * cf_checkpoint.c - the checkpointer thread (see cf_store.h).
 *
 * In WAL mode every commit appends pages to the WAL; a checkpoint copies
 * them back into the database file and fsyncs it. Run by the committing
 * thread (SQLite's default), that work and its fsyncs land on whichever
 * request happens to cross the threshold. Here each connection's WAL hook
 * only reports the WAL's size, and this thread, with a connection of its
 * own, checkpoints once PASSIVE_FRAMES frames have been added since its
 * last checkpoint: seldom enough that a page written many times (a busy
 * conference's row) is copied once.
 *
 * The WAL starts again from its beginning only when a write transaction
 * begins after a checkpoint has copied everything; under a steady load the
 * writer thread always has a batch in flight, whose frames the checkpoint
 * cannot copy, so the file would only grow. So once the WAL holds
 * RESTART_FACTOR times PASSIVE_FRAMES, a checkpoint ends with a pass under
 * the process's write lock, between two batches, and the next batch then
 * restarts the WAL.
 * Writers wait on the mutex for that pass, every ~1.6 s under full load, so
 * it is made short: rounds of a database sync and an unlocked pass first
 * (see checkpoint()), until the writers have added at most
 * LOCKED_MAX_FRAMES since the last pass began, or a round stops gaining.
 * What is left under the lock is an fsync of the WAL, the copy of those
 * frames and an fsync of the database; with write-behind on both files
 * (cf_writebehind.c) the pass takes 3-11 ms under the participant-update
 * benchmark, where it took 45-55 ms before (bench/README.md, fifth and
 * eighth rounds).
 *
 * On a busy core the checkpointer's CPU time lands on the requests' latency:
 * the copying ran in stretches of 4-6.5 ms (a scheduler tick of 4 ms, with
 * nothing to preempt it), and a request waiting behind one took a whole
 * extra cycle of the server. So the thread runs under SCHED_BATCH (waking,
 * it does not preempt the thread on the core) and gives the core up after
 * every 256 KiB it copies into the database file, by sleeping PACE_NS: not
 * by sched_yield(), which under EEVDF pushes the thread's deadline a whole
 * slice further on each call and starves it. It keeps its fair share of the
 * core, in pieces of a few hundred microseconds. What ends a checkpoint
 * before the WAL restarts, the rounds and the locked pass, runs under the
 * default policy without pauses: paced, the rounds fell behind the writers and
 * left the locked pass 700-2,100 frames to copy instead of 150-750, and it
 * held the writers 10-18 ms instead of 3-11.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../base/cf_log.h"
#include "../base/cf_mem.h"
#include "../base/cf_sched.h"
#include "cf_store.h"
#include "cf_walvfs.h"

#define PASSIVE_FRAMES 16384  /* 64 MiB of 4 KiB pages (the default) */
#define RESTART_FACTOR 4      /* the WAL restarts at 4 x PASSIVE_FRAMES */
#define LOCKED_MAX_FRAMES 256 /* what the locked pass should have left to copy */
#define PACE_NS 20000         /* the pause after each 256 KiB copied */

struct cf_store_ckpt {
    sqlite3 *db;
    pthread_mutex_t *write_lock; /* borrowed, may be NULL */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int frames;                  /* latest WAL size reported, guarded by mu */
    int base;                    /* WAL size at the last checkpoint, guarded by mu */
    bool stopping;               /* guarded by mu */
    bool hurry;                  /* in finish(): no pauses (the thread's own) */
    int passive_frames;          /* PASSIVE_FRAMES unless the caller chose */
    _Atomic uint64_t checkpoints, locked, pauses; /* cf_store_ckpt_stats */
};

/* Called by the database file each time it started writing out a further
 * 256 KiB a checkpoint copied (cf_walvfs.h). */
static void pace(void *arg)
{
    struct cf_store_ckpt *c = arg;
    struct timespec ts = {0, PACE_NS};
    if (c->hurry) return;
    atomic_fetch_add_explicit(&c->pauses, 1, memory_order_relaxed);
    nanosleep(&ts, NULL);
}

/* One passive checkpoint; returns the WAL's size in frames when it began
 * (all of which it copied unless a reader still needed some), or -1. */
static int passive(struct cf_store_ckpt *c)
{
    int log = 0, done = 0, rc;
    /* SQLITE_BUSY: it read the WAL index header while a commit was writing
     * it, and a checkpoint does not retry that by itself (a reader does) */
    for (int i = 0;; i++) {
        rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
        if (rc != SQLITE_BUSY || i == 4) break;
        usleep(200);
    }
    if (rc != SQLITE_OK) {
        cf_log(CF_LOG_WARN, NULL, "msg=\"checkpoint failed\" sqlite=\"%s\"", sqlite3_errmsg(c->db));
        return -1;
    }
    return log;
}

/* Frames the writers added since the WAL held `since` frames. */
static int added_since(struct cf_store_ckpt *c, int since)
{
    int now;
    pthread_mutex_lock(&c->mu);
    now = c->frames;
    pthread_mutex_unlock(&c->mu);
    return now > since ? now - since : 0;
}

/* A pass that ends behind the writers leaves the pages it copied unsynced
 * in the database file, and the locked pass would fsync them all while the
 * writers wait: this syncs them beforehand, through SQLite's own handle. */
static void sync_db(struct cf_store_ckpt *c)
{
    sqlite3_file *f = NULL;
    if (sqlite3_file_control(c->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f ||
        !f->pMethods)
        return;
    if (f->pMethods->xSync(f, SQLITE_SYNC_NORMAL | SQLITE_SYNC_DATAONLY) != SQLITE_OK)
        cf_log(CF_LOG_WARN, NULL, "msg=\"checkpoint: sync of the database failed\"");
}

/* What follows a pass that left the WAL due for a restart: rounds that catch
 * up with the writers, then the locked pass. log: the WAL's size when that
 * pass began. */
static void finish(struct cf_store_ckpt *c, int log)
{
    int behind = 0;
    /* Each round syncs the database pages the last pass copied, then copies
     * what the writers added meanwhile (syncing the WAL first): the less a
     * round has to do, the fewer frames the writers add during it, so the
     * rounds shrink until the locked pass is left with two syncs of a few
     * hundred pages. (Syncing the database only before the locked pass
     * left it every frame added during that one large sync: ~45 ms under
     * the lock.) A round that does not shrink the gap ends the loop. */
    for (int i = 0; i < 16; i++) {
        int prev = log, gap;
        sync_db(c);
        gap = added_since(c, log);
        if (gap == 0) return; /* all copied and synced: the next batch restarts the WAL */
        if (gap <= LOCKED_MAX_FRAMES || (i > 0 && gap >= behind)) break;
        behind = gap;
        log = passive(c);
        if (log < 0 || log < prev) return; /* failed, or the WAL restarted meanwhile */
    }
    if (c->write_lock) pthread_mutex_lock(c->write_lock);
    passive(c);
    if (c->write_lock) pthread_mutex_unlock(c->write_lock);
    atomic_fetch_add_explicit(&c->locked, 1, memory_order_relaxed);
}

static void checkpoint(struct cf_store_ckpt *c)
{
    int log = passive(c);
    atomic_fetch_add_explicit(&c->checkpoints, 1, memory_order_relaxed);
    /* (also when the WAL restarted since it was due) */
    if (log < RESTART_FACTOR * c->passive_frames) return;
    /* the rounds must outrun the writers, and the writers wait for the
     * locked pass: no pauses, and the default policy */
    (void)cf_sched_batch_self(false);
    c->hurry = true;
    finish(c, log);
    c->hurry = false;
    (void)cf_sched_batch_self(true);
}

/* Whether the WAL grew by passive_frames since the last checkpoint (or
 * restarted and grew that much since). */
static bool due(const struct cf_store_ckpt *c)
{
    return c->frames - (c->frames >= c->base ? c->base : 0) >= c->passive_frames;
}

static void *run(void *arg)
{
    struct cf_store_ckpt *c = arg;
    struct cf_walvfs_pace p = {pace, c};
    cf_sched_name_self("cf-checkpoint");
    (void)cf_sched_batch_self(true);
    /* (a VFS other than ours does not know the control: no pauses) */
    (void)sqlite3_file_control(c->db, "main", CF_WALVFS_FCNTL_PACE, &p);
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->stopping && !due(c)) pthread_cond_wait(&c->cv, &c->mu);
        if (c->stopping) break;
        c->base = c->frames;
        pthread_mutex_unlock(&c->mu);
        checkpoint(c);
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    passive(c); /* a last one, so the WAL left behind is small */
    return NULL;
}

int cf_store_ckpt_start(const char *path, pthread_mutex_t *write_lock, int passive_frames,
                        struct cf_store_ckpt **out, struct cf_err *err)
{
    struct cf_store_ckpt *c = cf_calloc(1, sizeof *c);
    c->write_lock = write_lock;
    c->passive_frames = passive_frames > 0 ? passive_frames : PASSIVE_FRAMES;
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        cf_err_set(err, CF_ESTORE, "checkpointer: cannot open '%s': %s", path,
                   c->db ? sqlite3_errmsg(c->db) : "out of memory");
        sqlite3_close(c->db);
        cf_free(c);
        return CF_ESTORE;
    }
    /* another process's checkpoint or writer is waited for by SQLite's busy
     * handler */
    sqlite3_busy_timeout(c->db, 5000);
    /* a connection that has read nothing has not opened the WAL yet, and its
     * checkpoints would do nothing at all */
    if (sqlite3_exec(c->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) != SQLITE_OK) {
        cf_err_set(err, CF_ESTORE, "checkpointer: cannot use '%s': %s", path,
                   sqlite3_errmsg(c->db));
        sqlite3_close(c->db);
        cf_free(c);
        return CF_ESTORE;
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (pthread_create(&c->thread, NULL, run, c) != 0) {
        pthread_mutex_destroy(&c->mu);
        pthread_cond_destroy(&c->cv);
        sqlite3_close(c->db);
        cf_free(c);
        return cf_err_set(err, CF_ESYS, "cannot start the checkpointer thread");
    }
    *out = c;
    return 0;
}

void cf_store_ckpt_notify(struct cf_store_ckpt *c, int frames)
{
    if (frames < c->passive_frames) return; /* (cheap test first: most commits) */
    pthread_mutex_lock(&c->mu);
    c->frames = frames;
    if (due(c)) pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

void cf_store_ckpt_stop(struct cf_store_ckpt *c)
{
    if (!c) return;
    pthread_mutex_lock(&c->mu);
    c->stopping = true;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    sqlite3_close(c->db);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    cf_free(c);
}

void cf_store_ckpt_stats(struct cf_store_ckpt *c, struct cf_store_ckpt_stats *out)
{
    out->checkpoints = atomic_load_explicit(&c->checkpoints, memory_order_relaxed);
    out->locked = atomic_load_explicit(&c->locked, memory_order_relaxed);
    out->pauses = atomic_load_explicit(&c->pauses, memory_order_relaxed);
}
