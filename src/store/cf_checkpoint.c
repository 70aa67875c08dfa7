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
 * RESTART_FRAMES, a checkpoint ends with a pass under the process's write
 * lock, between two batches, and the next batch then restarts the WAL.
 * Writers wait on the mutex for that pass, once every few seconds under full
 * load, so it is made short: unlocked passes first, until the writers have
 * added fewer than LOCKED_MAX_FRAMES since the last one began, then a sync
 * of the database file (SQLite syncs it only when a pass catches up,
 * which under load is the locked one). What is left under the lock is two
 * small fsyncs, which on a disk busy with the WAL still take 20-40 ms.
 */
#include <pthread.h>
#include <stdbool.h>

#include <sqlite3.h>

#include "../base/cf_log.h"
#include "../base/cf_mem.h"
#include "cf_store.h"

#define PASSIVE_FRAMES 16384  /* 64 MiB of 4 KiB pages */
#define RESTART_FRAMES (4 * PASSIVE_FRAMES)
#define LOCKED_MAX_FRAMES 256 /* what the locked pass should have left to copy */

struct cf_store_ckpt {
    sqlite3 *db;
    pthread_mutex_t *write_lock; /* borrowed, may be NULL */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int frames;                  /* latest WAL size reported, guarded by mu */
    int base;                    /* WAL size at the last checkpoint, guarded by mu */
    bool stopping;               /* guarded by mu */
};

/* One passive checkpoint; returns the WAL's size in frames when it began
 * (all of which it copied unless a reader still needed some), or -1. */
static int passive(struct cf_store_ckpt *c)
{
    int log = 0, done = 0;
    if (sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done) != SQLITE_OK) {
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

static void checkpoint(struct cf_store_ckpt *c, int frames)
{
    int log = passive(c);
    if (frames < RESTART_FRAMES || log < 0) return;
    /* Each pass fsyncs the WAL, and the writers go on adding frames
     * meanwhile: the next pass has only those to copy, and takes less time.
     * A few such rounds leave the locked pass little to do. */
    for (int i = 0; i < 8 && added_since(c, log) > LOCKED_MAX_FRAMES; i++) {
        int prev = log;
        log = passive(c);
        if (log < 0 || log < prev) return; /* failed, or the WAL restarted meanwhile */
    }
    sync_db(c);
    if (c->write_lock) pthread_mutex_lock(c->write_lock);
    passive(c);
    if (c->write_lock) pthread_mutex_unlock(c->write_lock);
}

/* Whether the WAL grew by PASSIVE_FRAMES since the last checkpoint (or
 * restarted and grew that much since). */
static bool due(const struct cf_store_ckpt *c)
{
    return c->frames - (c->frames >= c->base ? c->base : 0) >= PASSIVE_FRAMES;
}

static void *run(void *arg)
{
    struct cf_store_ckpt *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->stopping && !due(c)) pthread_cond_wait(&c->cv, &c->mu);
        if (c->stopping) break;
        int frames = c->base = c->frames;
        pthread_mutex_unlock(&c->mu);
        checkpoint(c, frames);
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    passive(c); /* a last one, so the WAL left behind is small */
    return NULL;
}

int cf_store_ckpt_start(const char *path, pthread_mutex_t *write_lock, struct cf_store_ckpt **out,
                        struct cf_err *err)
{
    struct cf_store_ckpt *c = cf_calloc(1, sizeof *c);
    c->write_lock = write_lock;
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
    if (frames < PASSIVE_FRAMES) return; /* (cheap test first: most commits) */
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
