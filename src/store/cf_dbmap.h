/* SPDX-License-Identifier: MIT
 *
 * cf_dbmap.h - a read-only memory map of a whole database file, which the
 * VFS (cf_walvfs.c) hands to SQLite's xFetch (see cf_dbmap.c).
 */
#ifndef CF_DBMAP_H
#define CF_DBMAP_H

#include <stdint.h>

/* One database file handle's map. Not thread-safe: like the handle it
 * belongs to, it is used by one connection at a time. */
struct cf_dbmap {
    int fd;          /* our own read-only descriptor, or -1: no map at all */
    unsigned char *base;
    int64_t len;     /* bytes mapped (may run past the end of the file) */
    int64_t valid;   /* bytes known to be in the file, <= len */
    int refs;        /* pointers handed out and not yet released */
    int64_t limit;   /* 0: mapping turned off (PRAGMA mmap_size = 0) */
};

/* Opens `path` read-only for mapping; on failure the map stays off and every
 * fetch answers NULL (SQLite then reads). */
void cf_dbmap_open(struct cf_dbmap *m, const char *path);

/* A pointer to bytes [off, off + amt) of the file, or NULL where they are not
 * (yet) mapped; each non-NULL answer is released with cf_dbmap_unfetch. */
void *cf_dbmap_fetch(struct cf_dbmap *m, int64_t off, int amt);

/* Releases one pointer (p != NULL), or (p == NULL, which SQLite does only
 * with no pointer out) forgets the file's size: the next fetch checks it. */
void cf_dbmap_unfetch(struct cf_dbmap *m, void *p);

/* The file was truncated to `size` through this handle: nothing at or past
 * it is handed out any more. */
void cf_dbmap_truncate(struct cf_dbmap *m, int64_t size);

/* PRAGMA mmap_size: a positive limit turns the map on (it covers the whole
 * file whatever the limit, see cf_dbmap.c), 0 turns it off. Returns the
 * previous limit. */
int64_t cf_dbmap_set_limit(struct cf_dbmap *m, int64_t limit);

void cf_dbmap_close(struct cf_dbmap *m);

#endif
