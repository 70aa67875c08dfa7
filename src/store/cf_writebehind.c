/* SPDX-License-Identifier: MIT
 *
 * cf_writebehind.c - write-behind for a file SQLite writes (see
 * cf_writebehind.h).
 *
 * Under a steady write load the WAL grows by ~150 MB/s and checkpoints copy
 * its pages into the database file, all into the page cache: nothing goes to
 * disk until a checkpoint fsyncs the WAL (before copying) and the database
 * (after). Each of those fsyncs then writes tens of megabytes and waits for
 * them, and the last checkpoint pass before the WAL restarts makes both
 * while the writer waits (cf_checkpoint.c): that pass took 45-55 ms.
 * sync_file_range(SYNC_FILE_RANGE_WRITE) starts the writing of a range at
 * once and returns without waiting, so the pages stream to disk as they are
 * written and an fsync finds little left to do. It promises nothing about
 * durability; the fsyncs SQLite makes are unchanged.
 *
 * The kernel takes a descriptor, and SQLite's own is private to its VFS:
 * this opens the file again, read-only (enough for sync_file_range), at the
 * first kick, so a connection that only reads costs no descriptor.
 *
 * "Without waiting" holds for the disk, not for the block layer: when the
 * device's queue is full, or writeback throttling (wbt) holds writes back,
 * sync_file_range sleeps until requests can be queued. The WAL is kicked
 * after each commit on the writer thread, and during a checkpoint's flush of
 * the database file the writer slept there for 9-23 ms at a time (perf
 * trace), with every write request waiting behind it. So the WAL's kicks go
 * to a worker thread (struct cf_writebehind_worker), which sleeps there
 * instead; the writer only hands the range over. While the worker sleeps,
 * the next kicks of the same file merge into the one waiting, so it never
 * falls behind by more than one range.
 */
#include "cf_writebehind.h"

#include <fcntl.h>
#include <unistd.h>

#include "../base/cf_sched.h"

void cf_writebehind_init(struct cf_writebehind *wb, const char *path, int64_t min)
{
    wb->path = path;
    wb->fd = path ? -1 : -2;
    wb->lo = wb->hi = wb->bytes = 0;
    wb->min = min > 0 ? min : 1;
    wb->kicks = wb->errors = 0;
    wb->worker = NULL;
}

void cf_writebehind_note(struct cf_writebehind *wb, int64_t off, int64_t len)
{
    if (len <= 0) return;
    if (wb->lo == wb->hi) {
        wb->lo = off;
        wb->hi = off + len;
    } else {
        if (off < wb->lo) wb->lo = off;
        if (off + len > wb->hi) wb->hi = off + len;
    }
    wb->bytes += len;
}

/* Hands [lo, hi) of fd to the worker: true, or false when it holds a kick
 * of another file (the caller then makes its own). */
static bool hand_over(struct cf_writebehind_worker *w, int fd, int64_t lo, int64_t hi)
{
    bool ok;
    pthread_mutex_lock(&w->mu);
    ok = w->started && !w->stopping && (w->fd == -1 || w->fd == fd);
    if (ok && w->fd == -1) {
        w->fd = fd;
        w->lo = lo;
        w->hi = hi;
        pthread_cond_signal(&w->cv);
    } else if (ok) {
        if (lo < w->lo) w->lo = lo;
        if (hi > w->hi) w->hi = hi;
        w->merged++;
    }
    pthread_mutex_unlock(&w->mu);
    return ok;
}

int cf_writebehind_kick(struct cf_writebehind *wb)
{
    if (wb->bytes < wb->min) return 0;
    if (wb->fd == -1) {
        wb->fd = open(wb->path, O_RDONLY | O_CLOEXEC);
        if (wb->fd < 0) wb->fd = -2; /* no write-behind: fsyncs do it all, as without */
    }
    int64_t lo = wb->lo, hi = wb->hi;
    wb->lo = wb->hi = wb->bytes = 0;
    if (wb->fd < 0) return 0;
    wb->kicks++;
    if (wb->worker && hand_over(wb->worker, wb->fd, lo, hi)) return 1;
    if (sync_file_range(wb->fd, lo, hi - lo, SYNC_FILE_RANGE_WRITE)) wb->errors++;
    return 1;
}

void cf_writebehind_close(struct cf_writebehind *wb)
{
    struct cf_writebehind_worker *w = wb->worker;
    if (wb->fd >= 0 && w) {
        /* the descriptor's number is free again once closed: no kick of it
         * may be waiting, or under way, by then */
        pthread_mutex_lock(&w->mu);
        if (w->fd == wb->fd) w->fd = -1;
        while (w->busy_fd == wb->fd) pthread_cond_wait(&w->done_cv, &w->mu);
        pthread_mutex_unlock(&w->mu);
    }
    if (wb->fd >= 0) close(wb->fd);
    wb->fd = -2;
}

static void *worker_loop(void *arg)
{
    struct cf_writebehind_worker *w = arg;
    cf_sched_name_self("cf-writebehind");
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->fd == -1 && !w->stopping) pthread_cond_wait(&w->cv, &w->mu);
        if (w->fd == -1) break; /* stopping, nothing waiting */
        int fd = w->fd;
        int64_t lo = w->lo, hi = w->hi;
        w->fd = -1;
        w->busy_fd = fd;
        pthread_mutex_unlock(&w->mu);
        (void)sync_file_range(fd, lo, hi - lo, SYNC_FILE_RANGE_WRITE); /* advisory: errors change nothing */
        pthread_mutex_lock(&w->mu);
        w->busy_fd = -1;
        w->kicks++;
        pthread_cond_broadcast(&w->done_cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int cf_writebehind_worker_start(struct cf_writebehind_worker *w)
{
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    pthread_cond_init(&w->done_cv, NULL);
    w->fd = w->busy_fd = -1;
    w->lo = w->hi = 0;
    w->stopping = false;
    w->kicks = w->merged = 0;
    w->started = pthread_create(&w->thread, NULL, worker_loop, w) == 0;
    return w->started ? 0 : -1;
}

void cf_writebehind_worker_stop(struct cf_writebehind_worker *w)
{
    if (!w->started) return;
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    w->started = false;
}
