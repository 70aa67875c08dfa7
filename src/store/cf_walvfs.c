/* SPDX-License-Identifier: MIT
 *
 * cf_walvfs.c - a thin SQLite VFS over the default one that gathers a
 * commit's WAL writes into one pwrite.
 *
 * SQLite appends each WAL frame with two writes (a 24-byte header, then the
 * page), one system call each: a commit of 100 pages is 200 pwrites, and on
 * a VM a system call is not cheap. This layer keeps consecutive WAL writes
 * in a buffer (WAL_BUF bytes) and writes them out in one call
 *  - when a write does not follow the buffered ones, or would overflow it;
 *  - before anything else touches the WAL file (read, sync, truncate, size,
 *    close, file control);
 *  - and at the moment that matters for other connections: SQLite publishes
 *    a commit by writing the WAL index header in shared memory around an
 *    xShmBarrier on the DATABASE file. The database file's wrapper finds its
 *    WAL through sqlite3_database_file_object() and flushes it there, so no
 *    reader (nor the checkpointer) can see a frame that is not in the file.
 * A failed flush at that point cannot be reported (xShmBarrier returns
 * nothing), so it stops the process: the commit was not acknowledged, and
 * WAL recovery after the restart ends at the last complete frame.
 *
 * For the database file it also answers xFetch (SQLite's memory-mapped
 * reads) from a map of the whole file (cf_dbmap.c) instead of the default
 * VFS's, which stops at 2 GiB.
 *
 * Both files get write-behind (cf_writebehind.c): the WAL after each commit
 * that wrote WB_MIN bytes, the database file every WB_MIN bytes a checkpoint
 * copies into it, so that the fsyncs of checkpoints find little to write.
 * The WAL's are made by a worker thread of the VFS's (g_wb), so that the
 * writer never waits for the block layer (see cf_writebehind.c); the
 * database file's stay on the checkpointer, which is paced by them.
 *
 * Every other method is the default VFS's own.
 */
#include "cf_walvfs.h"

#include <stdbool.h>
#include <string.h>

#include <sqlite3.h>

#include "../base/cf_log.h"
#include "../base/cf_mem.h"
#include "cf_dbmap.h"
#include "cf_writebehind.h"

/* SQLite's unix VFS writes at most 128 KiB - 1 in one call (it masks the
 * count with 0x1ffff), so one flush must stay below that. */
#define WAL_BUF (64 * 1024)
/* Write-behind (cf_writebehind.c) starts the writing out of what was
 * written once this much was: about one writer batch of frames. */
#define WB_MIN (256 * 1024)

struct wfile;

/* Our file object: the default VFS's follows it in memory. */
struct wfile {
    sqlite3_file base;            /* our methods */
    sqlite3_file *real;           /* the default VFS's file, right after us */
    bool is_wal;
    struct wfile *wal;            /* database file: its open WAL, or NULL */
    struct wfile *db;             /* WAL file: its database's file */
    unsigned char *buf;           /* WAL file: pending bytes (owned) */
    int len;
    sqlite3_int64 off;            /* file offset of buf[0] */
    struct cf_writebehind wb;     /* WAL and database files */
    struct cf_walvfs_pace pace;   /* database file: see cf_walvfs.h */
    bool mapped;                  /* database file: fetches come from map */
    struct cf_dbmap map;
};

static sqlite3_vfs *g_real;       /* the default VFS (process-wide, set once) */
static sqlite3_vfs g_vfs;
static struct cf_writebehind_worker g_wb; /* the WAL files' kicks, for the process's life */

static int flush(struct wfile *f)
{
    int rc;
    if (!f->len) return SQLITE_OK;
    rc = f->real->pMethods->xWrite(f->real, f->buf, f->len, f->off);
    if (rc == SQLITE_OK) cf_writebehind_note(&f->wb, f->off, f->len);
    f->len = 0;
    return rc;
}

static int x_close(sqlite3_file *p)
{
    struct wfile *f = (struct wfile *)p;
    int rc = flush(f), rc2;
    if (f->is_wal && f->db && f->db->wal == f) f->db->wal = NULL;
    if (!f->is_wal && f->wal) f->wal->db = NULL;
    if (f->mapped) cf_dbmap_close(&f->map);
    cf_writebehind_close(&f->wb);
    cf_free(f->buf);
    f->buf = NULL;
    rc2 = f->real->pMethods->xClose(f->real);
    return rc != SQLITE_OK ? rc : rc2;
}

static int x_read(sqlite3_file *p, void *out, int amt, sqlite3_int64 off)
{
    struct wfile *f = (struct wfile *)p;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    return f->real->pMethods->xRead(f->real, out, amt, off);
}

static int x_write(sqlite3_file *p, const void *data, int amt, sqlite3_int64 off)
{
    struct wfile *f = (struct wfile *)p;
    int rc;
    if (!f->is_wal || !f->buf) {
        /* in WAL mode the database file is written by checkpoints, which
         * sync it when they are done (other files' wb does nothing) */
        rc = f->real->pMethods->xWrite(f->real, data, amt, off);
        if (rc == SQLITE_OK) {
            cf_writebehind_note(&f->wb, off, amt);
            if (cf_writebehind_kick(&f->wb) && f->pace.fn) f->pace.fn(f->pace.arg);
        }
        return rc;
    }
    if (f->len && (off != f->off + f->len || f->len + amt > WAL_BUF)) {
        if ((rc = flush(f)) != SQLITE_OK) return rc;
    }
    if (amt > WAL_BUF) {
        rc = f->real->pMethods->xWrite(f->real, data, amt, off);
        if (rc == SQLITE_OK) cf_writebehind_note(&f->wb, off, amt);
        return rc;
    }
    if (!f->len) f->off = off;
    memcpy(f->buf + f->len, data, (size_t)amt);
    f->len += amt;
    return SQLITE_OK;
}

static int x_truncate(sqlite3_file *p, sqlite3_int64 size)
{
    struct wfile *f = (struct wfile *)p;
    int rc = flush(f);
    if (rc == SQLITE_OK) rc = f->real->pMethods->xTruncate(f->real, size);
    if (rc == SQLITE_OK && f->mapped) cf_dbmap_truncate(&f->map, size);
    return rc;
}

static int x_sync(sqlite3_file *p, int flags)
{
    struct wfile *f = (struct wfile *)p;
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xSync(f->real, flags);
}

static int x_file_size(sqlite3_file *p, sqlite3_int64 *size)
{
    struct wfile *f = (struct wfile *)p;
    int rc = flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real, size);
}

static int x_lock(sqlite3_file *p, int lock)
{
    struct wfile *f = (struct wfile *)p;
    return f->real->pMethods->xLock(f->real, lock);
}

static int x_unlock(sqlite3_file *p, int lock)
{
    struct wfile *f = (struct wfile *)p;
    return f->real->pMethods->xUnlock(f->real, lock);
}

static int x_check_reserved(sqlite3_file *p, int *out)
{
    struct wfile *f = (struct wfile *)p;
    return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int x_file_control(sqlite3_file *p, int op, void *arg)
{
    struct wfile *f = (struct wfile *)p;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    if (op == CF_WALVFS_FCNTL_PACE) { /* ours */
        f->pace = *(const struct cf_walvfs_pace *)arg;
        return SQLITE_OK;
    }
    if (f->mapped && op == SQLITE_FCNTL_MMAP_SIZE) { /* ours, not the default VFS's */
        *(sqlite3_int64 *)arg = cf_dbmap_set_limit(&f->map, *(sqlite3_int64 *)arg);
        return SQLITE_OK;
    }
    return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int x_sector_size(sqlite3_file *p)
{
    struct wfile *f = (struct wfile *)p;
    return f->real->pMethods->xSectorSize(f->real);
}

static int x_device_chars(sqlite3_file *p)
{
    struct wfile *f = (struct wfile *)p;
    return f->real->pMethods->xDeviceCharacteristics(f->real);
}

static int x_shm_map(sqlite3_file *p, int pg, int pgsz, int extend, void volatile **pp)
{
    struct wfile *f = (struct wfile *)p;
    return f->real->pMethods->xShmMap(f->real, pg, pgsz, extend, pp);
}

static int x_shm_lock(sqlite3_file *p, int offset, int n, int flags)
{
    struct wfile *f = (struct wfile *)p;
    int rc;
    /* a writer releasing its lock has published everything it wrote */
    if (f->wal && (flags & SQLITE_SHM_UNLOCK) && flush(f->wal) != SQLITE_OK)
        cf_panic("cannot write the WAL");
    rc = f->real->pMethods->xShmLock(f->real, offset, n, flags);
    /* a commit's frames, once its locks are released: not in xShmBarrier,
     * where the two copies of the WAL index header differ until it returns
     * (a reader seeing that retries, a checkpoint fails with SQLITE_BUSY) */
    if (f->wal && (flags & SQLITE_SHM_UNLOCK)) cf_writebehind_kick(&f->wal->wb);
    return rc;
}

static void x_shm_barrier(sqlite3_file *p)
{
    struct wfile *f = (struct wfile *)p;
    /* SQLite is about to publish a commit in the WAL index: its frames must
     * be in the file first (see the top of this file) */
    int rc;
    if (f->wal && (rc = flush(f->wal)) != SQLITE_OK) {
        cf_log(CF_LOG_CRIT, NULL, "msg=\"cannot write the WAL; stopping (the commit was not "
               "acknowledged)\" sqlite=%d", rc);
        cf_panic("cannot write the WAL");
    }
    f->real->pMethods->xShmBarrier(f->real);
}

static int x_shm_unmap(sqlite3_file *p, int del)
{
    struct wfile *f = (struct wfile *)p;
    return f->real->pMethods->xShmUnmap(f->real, del);
}

static int x_fetch(sqlite3_file *p, sqlite3_int64 off, int amt, void **pp)
{
    struct wfile *f = (struct wfile *)p;
    int rc = flush(f);
    if (rc != SQLITE_OK) return rc;
    if (f->mapped) {
        *pp = cf_dbmap_fetch(&f->map, off, amt);
        return SQLITE_OK;
    }
    return f->real->pMethods->xFetch(f->real, off, amt, pp);
}

static int x_unfetch(sqlite3_file *p, sqlite3_int64 off, void *ptr)
{
    struct wfile *f = (struct wfile *)p;
    if (f->mapped) {
        cf_dbmap_unfetch(&f->map, ptr);
        return SQLITE_OK;
    }
    return f->real->pMethods->xUnfetch(f->real, off, ptr);
}

static const sqlite3_io_methods methods = {
    3,
    x_close, x_read, x_write, x_truncate, x_sync, x_file_size, x_lock, x_unlock,
    x_check_reserved, x_file_control, x_sector_size, x_device_chars,
    x_shm_map, x_shm_lock, x_shm_barrier, x_shm_unmap, x_fetch, x_unfetch,
};

static int x_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *p, int flags, int *out)
{
    struct wfile *f = (struct wfile *)p;
    int rc;
    (void)vfs;
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)(f + 1);
    rc = g_real->xOpen(g_real, name, f->real, flags, out);
    if (rc != SQLITE_OK || !f->real->pMethods) {
        /* SQLite calls xClose only when pMethods is set: leave it unset */
        return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
    }
    /* only files of version 3 (shared memory, mmap) are wrapped whole */
    if (f->real->pMethods->iVersion < 3) {
        f->real->pMethods->xClose(f->real);
        return SQLITE_CANTOPEN;
    }
    if ((flags & SQLITE_OPEN_WAL) && name) {
        f->is_wal = true;
        f->buf = cf_malloc(WAL_BUF);
        f->db = (struct wfile *)sqlite3_database_file_object(name);
        if (f->db && f->db->base.pMethods == &methods && !f->db->is_wal) f->db->wal = f;
        else f->db = NULL;
    }
    /* (other files, journals and temporary ones, get an inert one) */
    cf_writebehind_init(&f->wb, (flags & (SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_DB)) ? name : NULL,
                        WB_MIN);
    if (f->is_wal && g_wb.started) f->wb.worker = &g_wb;
    if ((flags & SQLITE_OPEN_MAIN_DB) && name) {
        cf_dbmap_open(&f->map, name);
        f->mapped = f->map.fd >= 0;
    }
    f->base.pMethods = &methods;
    return SQLITE_OK;
}

/* Everything else is the default VFS's. */
static int x_delete(sqlite3_vfs *v, const char *n, int sync) { (void)v; return g_real->xDelete(g_real, n, sync); }
static int x_access(sqlite3_vfs *v, const char *n, int flags, int *out) { (void)v; return g_real->xAccess(g_real, n, flags, out); }
static int x_full(sqlite3_vfs *v, const char *n, int size, char *out) { (void)v; return g_real->xFullPathname(g_real, n, size, out); }
static void *x_dlopen(sqlite3_vfs *v, const char *n) { (void)v; return g_real->xDlOpen(g_real, n); }
static void x_dlerror(sqlite3_vfs *v, int n, char *out) { (void)v; g_real->xDlError(g_real, n, out); }
static void (*x_dlsym(sqlite3_vfs *v, void *h, const char *s))(void) { (void)v; return g_real->xDlSym(g_real, h, s); }
static void x_dlclose(sqlite3_vfs *v, void *h) { (void)v; g_real->xDlClose(g_real, h); }
static int x_random(sqlite3_vfs *v, int n, char *out) { (void)v; return g_real->xRandomness(g_real, n, out); }
static int x_sleep(sqlite3_vfs *v, int us) { (void)v; return g_real->xSleep(g_real, us); }
static int x_current_time(sqlite3_vfs *v, double *out) { (void)v; return g_real->xCurrentTime(g_real, out); }
static int x_last_error(sqlite3_vfs *v, int n, char *out) { (void)v; return g_real->xGetLastError(g_real, n, out); }
static int x_current_time64(sqlite3_vfs *v, sqlite3_int64 *out) { (void)v; return g_real->xCurrentTimeInt64(g_real, out); }

int cf_walvfs_register(void)
{
    if (g_real) return 0;
    g_real = sqlite3_vfs_find(NULL);
    if (!g_real || g_real->iVersion < 2) return -1;
    memset(&g_vfs, 0, sizeof g_vfs);
    g_vfs.iVersion = 2;
    g_vfs.szOsFile = (int)sizeof(struct wfile) + g_real->szOsFile;
    g_vfs.mxPathname = g_real->mxPathname;
    g_vfs.zName = "confab-wal";
    g_vfs.xOpen = x_open;
    g_vfs.xDelete = x_delete;
    g_vfs.xAccess = x_access;
    g_vfs.xFullPathname = x_full;
    g_vfs.xDlOpen = x_dlopen;
    g_vfs.xDlError = x_dlerror;
    g_vfs.xDlSym = x_dlsym;
    g_vfs.xDlClose = x_dlclose;
    g_vfs.xRandomness = x_random;
    g_vfs.xSleep = x_sleep;
    g_vfs.xCurrentTime = x_current_time;
    g_vfs.xGetLastError = x_last_error;
    g_vfs.xCurrentTimeInt64 = x_current_time64;
    if (sqlite3_vfs_register(&g_vfs, 1) != SQLITE_OK) return -1;
    /* (without the thread the writer makes its own kicks, as it did before) */
    if (cf_writebehind_worker_start(&g_wb))
        cf_log(CF_LOG_WARN, NULL, "msg=\"no write-behind thread: the writer kicks the WAL itself\"");
    return 0;
}
