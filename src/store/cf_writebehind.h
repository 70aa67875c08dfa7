/* SPDX-License-Identifier: MIT
 *
 * cf_writebehind.h - starts the kernel writing a file's new pages to disk
 * soon after they are written, instead of all at the next fsync (see
 * cf_writebehind.c). The VFS (cf_walvfs.c) uses one for the WAL and one for
 * the database file.
 */
#ifndef CF_WRITEBEHIND_H
#define CF_WRITEBEHIND_H

#include <stdint.h>

/* One file handle's write-behind. Not thread-safe: like the handle it
 * belongs to, it is used by one connection at a time. */
struct cf_writebehind {
    const char *path;  /* borrowed: the file's name, valid while the handle is open */
    int fd;            /* our own read-only descriptor; -1 before the first kick, -2 if none */
    int64_t lo, hi;    /* the range written since the last kick (lo == hi: none) */
    int64_t bytes;     /* bytes written since the last kick */
    int64_t min;       /* kick once this many bytes were written */
    uint64_t kicks;    /* kicks made (for tests) */
    uint64_t errors;   /* kicks the kernel refused */
};

/* Sets up write-behind for the file at `path` (borrowed), kicking every
 * `min` bytes; the descriptor is opened at the first kick. */
void cf_writebehind_init(struct cf_writebehind *wb, const char *path, int64_t min);

/* Bytes [off, off + len) of the file were written through the handle. */
void cf_writebehind_note(struct cf_writebehind *wb, int64_t off, int64_t len);

/* Once `min` bytes were noted since the last kick, asks the kernel to start
 * writing the range they span out to disk, without waiting for it; returns
 * whether it did (not when the file could not be opened again). */
int cf_writebehind_kick(struct cf_writebehind *wb);

void cf_writebehind_close(struct cf_writebehind *wb);

#endif
