/* SPDX-License-Identifier: MIT
 *
 * test_writebehind.c - write-behind (src/store/cf_writebehind.c): it waits
 * for `min` bytes, then starts the writing of exactly the range they span
 * and begins again; without a path, or with one it cannot open, it does
 * nothing. Where the kernel has cachestat(2) (Linux 6.5 and later) and /tmp
 * has writeback (not tmpfs), the test also checks the effect: the kicked
 * range has no dirty page left, the page written after the kick still has.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
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
