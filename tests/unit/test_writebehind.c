/* SPDX-License-Identifier: MIT
 *
 * test_writebehind.c - write-behind (src/store/cf_writebehind.c): it waits
 * for `min` bytes, then starts the writing of exactly the range they span
 * and begins again; without a path, or with one it cannot open, it does
 * nothing. Where the kernel has cachestat(2) (Linux 6.5 and later) and /tmp
 * has writeback (not tmpfs), the test also checks the effect: the kicked
 * range has no dirty page left, the page written after the kick still has.
 * With a worker the kicks are handed over (merged while one waits), made
 * by its thread, and a file is not closed under a kick of it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "../../src/store/cf_writebehind.h"
#include "cf_test.h"

#define PG 4096

/* cachestat(2), not yet in every distribution's headers */
struct cstat_range {
    uint64_t off, len;
};
struct cstat {
    uint64_t cache, dirty, writeback, evicted, recently_evicted;
};

/* Dirty pages of [off, off + len) of the file, or -1 where the kernel cannot
 * tell (no cachestat, or a file system without writeback such as tmpfs). */
static long long dirty_pages(int fd, uint64_t off, uint64_t len)
{
#if defined(__x86_64__) || defined(__aarch64__)
    struct cstat_range r = {off, len};
    struct cstat cs;
    struct statfs sf;
    if (fstatfs(fd, &sf) != 0 || sf.f_type == 0x01021994 /* TMPFS_MAGIC */) return -1;
    memset(&cs, 0, sizeof cs);
    if (syscall(451, fd, &r, &cs, 0) == 0) return (long long)cs.dirty;
#else
    (void)fd, (void)off, (void)len;
#endif
    return -1;
}

CF_TEST(writebehind_kicks_the_range_written)
{
    char path[64], page[PG];
    struct cf_writebehind wb;
    int fd;
    snprintf(path, sizeof path, "/tmp/cf_test_wb_XXXXXX");
    fd = mkstemp(path);
    CF_CHECK(fd >= 0);
    if (fd < 0) return;
    memset(page, 'x', sizeof page);
    cf_writebehind_init(&wb, path, 3 * PG);

    /* below min: nothing yet, and the descriptor is not even opened */
    CF_CHECK(pwrite(fd, page, PG, 10 * PG) == PG);
    cf_writebehind_note(&wb, 10 * PG, PG);
    CF_CHECK(pwrite(fd, page, PG, 2 * PG) == PG);
    cf_writebehind_note(&wb, 2 * PG, PG);
    CF_CHECK(cf_writebehind_kick(&wb) == 0);
    CF_CHECK(wb.fd == -1);
    CF_CHECK(wb.lo == 2 * PG && wb.hi == 11 * PG && wb.bytes == 2 * PG);
    cf_writebehind_note(&wb, 5 * PG, 0); /* nothing written: no change */
    CF_CHECK(wb.lo == 2 * PG && wb.hi == 11 * PG && wb.bytes == 2 * PG);

    /* the third page reaches min: one kick over [2, 11) pages, state reset */
    CF_CHECK(pwrite(fd, page, PG, 6 * PG) == PG);
    cf_writebehind_note(&wb, 6 * PG, PG);
    CF_CHECK(cf_writebehind_kick(&wb) == 1);
    CF_CHECK(wb.fd >= 0);
    CF_CHECK(wb.kicks == 1 && wb.errors == 0);
    CF_CHECK(wb.lo == 0 && wb.hi == 0 && wb.bytes == 0);
    CF_CHECK(cf_writebehind_kick(&wb) == 0); /* nothing new */

    /* a page written after the kick is not part of it */
    CF_CHECK(pwrite(fd, page, PG, 20 * PG) == PG);
    cf_writebehind_note(&wb, 20 * PG, PG);
    {
        long long kicked = dirty_pages(fd, 0, 11 * PG), later = dirty_pages(fd, 20 * PG, PG);
        if (kicked >= 0) {
            CF_CHECK(kicked == 0);
            CF_CHECK(later == 1);
        }
    }
    CF_CHECK(wb.lo == 20 * PG && wb.hi == 21 * PG && wb.bytes == PG);
    cf_writebehind_close(&wb);
    CF_CHECK(wb.fd == -2);
    close(fd);
    unlink(path);
}

CF_TEST(writebehind_without_a_file_does_nothing)
{
    struct cf_writebehind none, gone;
    cf_writebehind_init(&none, NULL, PG);
    cf_writebehind_note(&none, 0, 4 * PG);
    CF_CHECK(cf_writebehind_kick(&none) == 0);
    CF_CHECK(none.kicks == 0 && none.bytes == 0);

    cf_writebehind_init(&gone, "/nonexistent/cf_test_wb", PG);
    cf_writebehind_note(&gone, 0, 4 * PG);
    CF_CHECK(cf_writebehind_kick(&gone) == 0);
    CF_CHECK(gone.fd == -2 && gone.kicks == 0);
    cf_writebehind_note(&gone, 0, 4 * PG); /* and it does not try again */
    CF_CHECK(cf_writebehind_kick(&gone) == 0);
    cf_writebehind_close(&none);
    cf_writebehind_close(&gone);
}

/* A worker whose thread never started: what the writer's side does, with
 * nothing taking the kicks away (white box: started set by hand). */
static void idle_worker(struct cf_writebehind_worker *w)
{
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    pthread_cond_init(&w->done_cv, NULL);
    w->fd = w->busy_fd = -1;
    w->started = true;
}

static void idle_worker_free(struct cf_writebehind_worker *w)
{
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    pthread_cond_destroy(&w->done_cv);
}

static int temp_file(char *path, size_t size)
{
    snprintf(path, size, "/tmp/cf_test_wb_XXXXXX");
    return mkstemp(path);
}

CF_TEST(writebehind_worker_takes_the_kicks_and_merges_them)
{
    char p1[64], p2[64], page[PG];
    struct cf_writebehind_worker w;
    struct cf_writebehind a, b;
    int fa = temp_file(p1, sizeof p1), fb = temp_file(p2, sizeof p2);
    CF_CHECK(fa >= 0 && fb >= 0);
    if (fa < 0 || fb < 0) return;
    memset(page, 'x', sizeof page);
    idle_worker(&w);
    cf_writebehind_init(&a, p1, PG);
    cf_writebehind_init(&b, p2, PG);
    a.worker = b.worker = &w;

    /* handed over, not made: the worker holds [4, 5) pages of a */
    CF_CHECK(pwrite(fa, page, PG, 4 * PG) == PG);
    cf_writebehind_note(&a, 4 * PG, PG);
    CF_CHECK(cf_writebehind_kick(&a) == 1);
    CF_CHECK(w.fd == a.fd && w.lo == 4 * PG && w.hi == 5 * PG && w.merged == 0);
    /* a's next kick, before the worker took the first, widens it */
    CF_CHECK(pwrite(fa, page, PG, 9 * PG) == PG);
    cf_writebehind_note(&a, 9 * PG, PG);
    CF_CHECK(cf_writebehind_kick(&a) == 1);
    CF_CHECK(w.fd == a.fd && w.lo == 4 * PG && w.hi == 10 * PG && w.merged == 1);
    CF_CHECK(a.kicks == 2);
    /* another file's kick, while the worker holds a's: made by its caller */
    CF_CHECK(pwrite(fb, page, PG, 0) == PG);
    cf_writebehind_note(&b, 0, PG);
    CF_CHECK(cf_writebehind_kick(&b) == 1);
    CF_CHECK(b.kicks == 1 && b.errors == 0);
    CF_CHECK(w.fd == a.fd && w.lo == 4 * PG && w.hi == 10 * PG);
    /* closing a drops its waiting kick: its descriptor's number may be reused */
    cf_writebehind_close(&a);
    CF_CHECK(w.fd == -1 && a.fd == -2);
    cf_writebehind_close(&b);
    idle_worker_free(&w);
    close(fa);
    close(fb);
    unlink(p1);
    unlink(p2);
}

struct closer {
    struct cf_writebehind *wb;
    atomic_bool closed;
};

static void *close_it(void *arg)
{
    struct closer *c = arg;
    cf_writebehind_close(c->wb);
    atomic_store(&c->closed, true);
    return NULL;
}

CF_TEST(writebehind_close_waits_for_the_worker_kicking_its_file)
{
    char path[64];
    struct cf_writebehind_worker w;
    struct cf_writebehind wb;
    struct closer c;
    pthread_t t;
    struct timespec ms50 = {0, 50 * 1000 * 1000};
    int fd = temp_file(path, sizeof path);
    CF_CHECK(fd >= 0);
    if (fd < 0) return;
    idle_worker(&w);
    cf_writebehind_init(&wb, path, PG);
    wb.worker = &w;
    cf_writebehind_note(&wb, 0, PG);
    CF_CHECK(cf_writebehind_kick(&wb) == 1);
    /* the worker has taken it and is in sync_file_range (white box) */
    pthread_mutex_lock(&w.mu);
    w.busy_fd = w.fd;
    w.fd = -1;
    pthread_mutex_unlock(&w.mu);
    c.wb = &wb;
    atomic_init(&c.closed, false);
    CF_CHECK(pthread_create(&t, NULL, close_it, &c) == 0);
    nanosleep(&ms50, NULL);
    CF_CHECK(!atomic_load(&c.closed)); /* still waiting for the worker */
    pthread_mutex_lock(&w.mu);
    w.busy_fd = -1;
    pthread_cond_broadcast(&w.done_cv);
    pthread_mutex_unlock(&w.mu);
    pthread_join(t, NULL);
    CF_CHECK(atomic_load(&c.closed) && wb.fd == -2);
    idle_worker_free(&w);
    close(fd);
    unlink(path);
}

CF_TEST(writebehind_worker_thread_makes_the_kicks)
{
    char path[64], page[PG];
    struct cf_writebehind_worker w;
    struct cf_writebehind wb;
    struct timespec ms1 = {0, 1000 * 1000};
    int fd = temp_file(path, sizeof path), waited = 0;
    CF_CHECK(fd >= 0);
    if (fd < 0) return;
    memset(page, 'x', sizeof page);
    CF_CHECK(cf_writebehind_worker_start(&w) == 0);
    cf_writebehind_init(&wb, path, PG);
    wb.worker = &w;
    for (int i = 0; i < 8; i++) CF_CHECK(pwrite(fd, page, PG, (off_t)i * PG) == PG);
    cf_writebehind_note(&wb, 0, 8 * PG);
    CF_CHECK(cf_writebehind_kick(&wb) == 1);
    for (;;) {
        pthread_mutex_lock(&w.mu);
        bool done = w.kicks + w.merged >= 1 && w.fd == -1 && w.busy_fd == -1;
        pthread_mutex_unlock(&w.mu);
        if (done || waited++ > 5000) break;
        nanosleep(&ms1, NULL);
    }
    CF_CHECK(w.kicks == 1);
    {
        long long dirty = dirty_pages(fd, 0, 8 * PG);
        if (dirty >= 0) CF_CHECK(dirty == 0);
    }
    cf_writebehind_close(&wb);
    cf_writebehind_worker_stop(&w);
    CF_CHECK(!w.started);
    close(fd);
    unlink(path);
}
