/* SPDX-License-Identifier: MIT
 *
 * cf_checkpoint.c - the checkpointer thread (see cf_store.h).
 *
 * In WAL mode every commit appends pages to the WAL; a checkpoint copies
 * them back into the database file and fsyncs it. Run by the committing
 * thread (SQLite's default), that work and its fsyncs land on whichever
 * request happens to cross the threshold. Here each connection's WAL hook
 * only reports the WAL's size, and this thread, with a connection of its
 * own, runs a PASSIVE checkpoint (it never blocks writers or readers) once
 * PASSIVE_FRAMES have piled up. A passive checkpoint cannot restart the
 * WAL while readers use it, so under steady load the file could only grow;
 * past RESTART_FRAMES the thread takes the process's write lock (writers
 * queue on the mutex, not in the busy handler) and runs a RESTART
 * checkpoint, which waits for the readers of the moment to finish.
 */
#include <pthread.h>
#include <stdbool.h>

#include <sqlite3.h>

#include "../base/cf_log.h"
#include "../base/cf_mem.h"
#include "cf_store.h"

#define PASSIVE_FRAMES 1000   /* ~4 MiB of 4 KiB pages */
#define RESTART_FRAMES 16384  /* ~64 MiB */

struct cf_store_ckpt {
    sqlite3 *db;
    pthread_mutex_t *write_lock; /* borrowed, may be NULL */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int frames;                  /* latest WAL size reported, guarded by mu */
    bool stopping;               /* guarded by mu */
};

static void checkpoint(struct cf_store_ckpt *c, int frames)
{
    int log = 0, done = 0;
    if (frames >= RESTART_FRAMES) {
        if (c->write_lock) pthread_mutex_lock(c->write_lock);
        if (sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_RESTART, &log, &done) !=
            SQLITE_OK)
            cf_log(CF_LOG_WARN, NULL, "msg=\"checkpoint (restart) incomplete\" sqlite=\"%s\"",
                   sqlite3_errmsg(c->db));
        if (c->write_lock) pthread_mutex_unlock(c->write_lock);
        return;
    }
    if (sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done) !=
        SQLITE_OK)
        cf_log(CF_LOG_WARN, NULL, "msg=\"checkpoint failed\" sqlite=\"%s\"", sqlite3_errmsg(c->db));
}

static void *run(void *arg)
{
    struct cf_store_ckpt *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        int frames;
        while (!c->stopping && c->frames < PASSIVE_FRAMES) pthread_cond_wait(&c->cv, &c->mu);
        if (c->stopping) break;
        frames = c->frames;
        c->frames = 0;
        pthread_mutex_unlock(&c->mu);
        checkpoint(c, frames);
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    checkpoint(c, 0); /* a last passive one, so the WAL left behind is small */
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
    /* the restart waits for readers; a writer of another process is waited
     * for by SQLite's busy handler */
    sqlite3_busy_timeout(c->db, 5000);
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
    if (frames < PASSIVE_FRAMES) return;
    pthread_mutex_lock(&c->mu);
    if (frames > c->frames) c->frames = frames;
    pthread_cond_signal(&c->cv);
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
