/* SPDX-License-Identifier: MIT
 *
 * cf_sync.c - group commit for durability=full (see cf_store.h).
 *
 * SQLite runs with synchronous=NORMAL, so a COMMIT writes the WAL but does
 * not wait for the disk. A write that must survive a power loss then asks
 * the syncer for a ticket and waits: the syncer thread fdatasyncs the WAL
 * file and releases every ticket taken before that sync began. Commits that
 * arrive while a sync runs share the next one, so N concurrent writers cost
 * one fsync instead of N: the writers serialise on SQLite's write lock only
 * for the (fast) commit, never for the disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../base/cf_log.h"
#include "../base/cf_mem.h"
#include "cf_store.h"

struct cf_store_sync {
    pthread_mutex_t mu;
    pthread_cond_t want;   /* a ticket was taken */
    pthread_cond_t done;   /* a sync finished */
    uint64_t taken;        /* tickets handed out */
    uint64_t synced;       /* tickets covered by a finished sync */
    bool stopping;
    char wal_path[1100];
    int fd;                /* the WAL, opened on first use */
    pthread_t thread;
};

static void *run(void *arg)
{
    struct cf_store_sync *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        uint64_t target;
        while (!s->stopping && s->taken == s->synced) pthread_cond_wait(&s->want, &s->mu);
        if (s->taken == s->synced && s->stopping) break;
        target = s->taken;
        pthread_mutex_unlock(&s->mu);
        if (s->fd < 0) s->fd = open(s->wal_path, O_RDONLY | O_CLOEXEC);
        if (s->fd >= 0 && fdatasync(s->fd) != 0)
            cf_log(CF_LOG_ERROR, NULL, "msg=\"fdatasync of the WAL failed\" errno=%d", errno);
        pthread_mutex_lock(&s->mu);
        s->synced = target;
        pthread_cond_broadcast(&s->done);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

int cf_store_sync_create(const char *db_path, struct cf_store_sync **out, struct cf_err *err)
{
    struct cf_store_sync *s = cf_calloc(1, sizeof *s);
    if (snprintf(s->wal_path, sizeof s->wal_path, "%s-wal", db_path) >= (int)sizeof s->wal_path) {
        cf_free(s);
        return cf_err_set(err, CF_EINVAL, "database: path too long");
    }
    s->fd = -1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->want, NULL);
    pthread_cond_init(&s->done, NULL);
    if (pthread_create(&s->thread, NULL, run, s) != 0) {
        cf_free(s);
        return cf_err_set(err, CF_ESYS, "cannot start the group-commit thread");
    }
    *out = s;
    return 0;
}

void cf_store_sync_wait(struct cf_store_sync *s)
{
    uint64_t ticket;
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    ticket = ++s->taken;
    pthread_cond_signal(&s->want);
    while (s->synced < ticket) pthread_cond_wait(&s->done, &s->mu);
    pthread_mutex_unlock(&s->mu);
}

void cf_store_sync_destroy(struct cf_store_sync *s)
{
    if (!s) return;
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_cond_signal(&s->want);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    if (s->fd >= 0) close(s->fd);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->want);
    pthread_cond_destroy(&s->done);
    cf_free(s);
}

