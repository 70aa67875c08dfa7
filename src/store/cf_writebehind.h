/* SPDX-License-Identifier: MIT
 *
 * cf_writebehind.h - starts the kernel writing a file's new pages to disk
 * soon after they are written, instead of all at the next fsync (see
 * cf_writebehind.c). The VFS (cf_walvfs.c) uses one for the WAL and one for
 * the database file.
 */
#ifndef CF_WRITEBEHIND_H
#define CF_WRITEBEHIND_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* A thread that makes the kicks handed to it, so that the thread that wrote
 * never waits in the block layer (see cf_writebehind.c). One kick waits at a
 * time: the kicks of one file handed over meanwhile merge into it. */
struct cf_writebehind_worker {
    pthread_mutex_t mu;
    pthread_cond_t cv;           /* a kick is waiting, or stop */
    pthread_cond_t done_cv;      /* the thread finished a kick */
    int fd;                      /* the waiting kick's descriptor; -1: none */
    int64_t lo, hi;              /* ... and its range */
    int busy_fd;                 /* the descriptor being kicked now; -1: none */
    bool stopping;
    bool started;
    pthread_t thread;
    uint64_t kicks, merged;      /* made by the thread; merged into a waiting one */
};

/* One file handle's write-behind. Not thread-safe: like the handle it
 * belongs to, it is used by one connection at a time. */
struct cf_writebehind {
    const char *path;  /* borrowed: the file's name, valid while the handle is open */
    int fd;            /* our own read-only descriptor; -1 before the first kick, -2 if none */
    int64_t lo, hi;    /* the range written since the last kick (lo == hi: none) */
    int64_t bytes;     /* bytes written since the last kick */
    int64_t min;       /* kick once this many bytes were written */
    uint64_t kicks;    /* kicks made (for tests) */
    uint64_t errors;   /* kicks the kernel refused (made here, not by a worker) */
    struct cf_writebehind_worker *worker; /* borrowed, may be NULL: kick here */
};

/* Starts the worker's thread; 0, or -1 if it could not (kicks are then made
 * by their callers). */
int cf_writebehind_worker_start(struct cf_writebehind_worker *w);
/* Makes the waiting kick, if any, and stops the thread. */
void cf_writebehind_worker_stop(struct cf_writebehind_worker *w);

/* Sets up write-behind for the file at `path` (borrowed), kicking every
 * `min` bytes; the descriptor is opened at the first kick. */
void cf_writebehind_init(struct cf_writebehind *wb, const char *path, int64_t min);

/* Bytes [off, off + len) of the file were written through the handle. */
void cf_writebehind_note(struct cf_writebehind *wb, int64_t off, int64_t len);

/* Once `min` bytes were noted since the last kick, asks the kernel to start
 * writing the range they span out to disk, without waiting for it; returns
 * whether it did (not when the file could not be opened again). With a
 * worker, the worker asks, and this returns once it has handed it over. */
int cf_writebehind_kick(struct cf_writebehind *wb);

/* Closes the descriptor, after the worker, if any, is done with it. */
void cf_writebehind_close(struct cf_writebehind *wb);

#endif
