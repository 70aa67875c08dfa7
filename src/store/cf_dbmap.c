/* SPDX-License-Identifier: MIT
 *
 * cf_dbmap.c - a read-only memory map of a whole database file (see
 * cf_dbmap.h).
 *
 * SQLite reads a page either by copying it out of the file (pread, into a
 * buffer of its page cache) or, with mmap_size set, by pointing into a map
 * of the file (xFetch): no system call, no copy, and every connection shares
 * the kernel's page cache instead of holding its own copies. But its unix
 * VFS maps at most SQLITE_MAX_MMAP_SIZE bytes, 2 GiB in Debian's build, and
 * pages past that are read with pread into the page cache: with a million
 * conferences stored (6 GB), most of a fetch's pages. This map covers the
 * whole file, with room to grow, and is what the VFS's xFetch answers from.
 *
 * Like the unix VFS's own map it is per file handle, is moved (remapped) only
 * while no pointer into it is out, and answers NULL for what it cannot hand
 * out, which SQLite then reads the usual way. The map runs past the end of
 * the file (room for the file to grow without a remap), but nothing past the
 * size last seen with fstat() is handed out: touching a page past the end of
 * a file is a SIGBUS. SQLite fetches only pages inside the database, which in
 * WAL mode no other connection truncates while a reader may still need them
 * (a checkpoint shrinks the file only once every reader is past the WAL).
 */
#include "cf_dbmap.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAP_MAX ((int64_t)1 << 40)      /* address space, not memory */
#define MAP_ROOM ((int64_t)256 << 20)   /* mapped past the end of the file */

static void unmap(struct cf_dbmap *m)
{
    if (m->base) munmap(m->base, (size_t)m->len);
    m->base = NULL;
    m->len = m->valid = 0;
}

/* Makes [0, need) mappable if the file holds it; false if not (not in the
 * file, pointers out that a remap would move, or mmap failed). */
static bool grow(struct cf_dbmap *m, int64_t need)
{
    struct stat st;
    int64_t len;
    void *p;
    if (fstat(m->fd, &st) != 0 || st.st_size < need || need > MAP_MAX) return false;
    if (m->base && st.st_size <= m->len) {
        m->valid = st.st_size;
        return true;
    }
    if (m->refs > 0) return false;
    unmap(m);
    len = st.st_size + st.st_size / 4 + MAP_ROOM;
    if (len > MAP_MAX) len = MAP_MAX;
    p = mmap(NULL, (size_t)len, PROT_READ, MAP_SHARED, m->fd, 0);
    if (p == MAP_FAILED) return false;
    m->base = p;
    m->len = len;
    m->valid = st.st_size < len ? st.st_size : len;
    return true;
}

void cf_dbmap_open(struct cf_dbmap *m, const char *path)
{
    m->base = NULL;
    m->len = m->valid = m->limit = 0;
    m->refs = 0;
    m->fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
}

void *cf_dbmap_fetch(struct cf_dbmap *m, int64_t off, int amt)
{
    if (m->fd < 0 || m->limit <= 0 || off < 0 || amt <= 0) return NULL;
    if (off + amt > m->valid && !grow(m, off + amt)) return NULL;
    m->refs++;
    return m->base + off;
}

void cf_dbmap_unfetch(struct cf_dbmap *m, void *p)
{
    if (p) {
        if (m->refs > 0) m->refs--;
    } else if (m->refs == 0) {
        /* SQLite asks this at the start of every read transaction that finds
         * the database changed by another connection, in case the file was
         * truncated meanwhile. Unmapping would throw away the map's page
         * tables each time (under a steady write load, every transaction of
         * every reader, and then a page fault for each page read again):
         * forgetting the size is enough, the next fetch takes it anew. */
        m->valid = 0;
    }
}

void cf_dbmap_truncate(struct cf_dbmap *m, int64_t size)
{
    if (size < m->valid) m->valid = size < 0 ? 0 : size;
}

int64_t cf_dbmap_set_limit(struct cf_dbmap *m, int64_t limit)
{
    int64_t prev = m->limit;
    if (limit >= 0 && m->refs == 0) {
        m->limit = limit;
        if (limit == 0) unmap(m);
    }
    return prev;
}

void cf_dbmap_close(struct cf_dbmap *m)
{
    unmap(m);
    if (m->fd >= 0) close(m->fd);
    m->fd = -1;
}
