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
 */
#include "cf_writebehind.h"

#include <fcntl.h>
#include <unistd.h>

void cf_writebehind_init(struct cf_writebehind *wb, const char *path, int64_t min)
{
    wb->path = path;
    wb->fd = path ? -1 : -2;
    wb->lo = wb->hi = wb->bytes = 0;
    wb->min = min > 0 ? min : 1;
    wb->kicks = wb->errors = 0;
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

int cf_writebehind_kick(struct cf_writebehind *wb)
{
    if (wb->bytes < wb->min) return 0;
    if (wb->fd == -1) {
        wb->fd = open(wb->path, O_RDONLY | O_CLOEXEC);
        if (wb->fd < 0) wb->fd = -2; /* no write-behind: fsyncs do it all, as without */
    }
    int64_t lo = wb->lo, n = wb->hi - wb->lo;
    wb->lo = wb->hi = wb->bytes = 0;
    if (wb->fd < 0) return 0;
    if (sync_file_range(wb->fd, lo, n, SYNC_FILE_RANGE_WRITE)) wb->errors++;
    wb->kicks++;
    return 1;
}

void cf_writebehind_close(struct cf_writebehind *wb)
{
    if (wb->fd >= 0) close(wb->fd);
    wb->fd = -2;
}
