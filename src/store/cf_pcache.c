/* SPDX-License-Identifier: MIT
 *
 * cf_pcache.c - a thin layer over SQLite's default page cache (see
 * cf_pcache.h).
 *
 * At the end of every transaction the pager truncates its cache to the
 * database's size (xTruncate), so that no page beyond the end survives. The
 * default cache remembers only the largest page number it ever held since
 * the last truncation, and when that is far above the limit it walks every
 * page it holds. A B-tree page split parks a page for a moment at the
 * lock-byte page's number (1 GiB / page size + 1, page 262145 with 4 KiB
 * pages) while it renumbers the new pages, so in a database under 1 GiB
 * each transaction with a split (the outbox's appends split pages in nearly
 * every batch) ends with a walk over the whole cache: with a 256 MiB cache
 * that grew to a large share of the write path as the cache filled.
 *
 * Here each cache keeps its own bound: the largest page number it was asked
 * for or moved to, except moves to the lock-byte page, which are counted
 * while they last. A truncation is passed on when a page at or above the
 * limit may exist (the bound reaches it, or a page sits at the lock-byte
 * number, or an uncounted one may), and skipped otherwise: nothing above the
 * limit can be in the cache then, and the truncation would remove nothing.
 * Every other call goes straight to the default cache.
 */
#include "cf_pcache.h"

#include <sqlite3.h>

#include "../base/cf_mem.h"

#define PENDING_BYTE 0x40000000u /* SQLite's lock-byte offset (its default) */

/* The default cache's methods, read once by cf_pcache_install before SQLite
 * starts; SQLite's page-cache configuration is process-wide too. */
static sqlite3_pcache_methods2 g_real;

struct pcache {
    sqlite3_pcache *real;
    unsigned lck;       /* the lock-byte page's number at this page size */
    unsigned max_key;   /* no page above it, but those parked at lck */
    unsigned at_lck;    /* pages moved to lck and not moved away yet */
};

static int x_init(void *arg) { return g_real.xInit ? g_real.xInit(arg) : SQLITE_OK; }

static void x_shutdown(void *arg)
{
    if (g_real.xShutdown) g_real.xShutdown(arg);
}

static sqlite3_pcache *x_create(int sz_page, int sz_extra, int purgeable)
{
    struct pcache *c = cf_malloc(sizeof *c);
    c->real = g_real.xCreate(sz_page, sz_extra, purgeable);
    if (!c->real) {
        cf_free(c);
        return NULL;
    }
    c->lck = sz_page > 0 ? PENDING_BYTE / (unsigned)sz_page + 1 : 0;
    c->max_key = 0;
    c->at_lck = 0;
    return (sqlite3_pcache *)c;
}

static void x_cachesize(sqlite3_pcache *p, int n)
{
    g_real.xCachesize(((struct pcache *)p)->real, n);
}

static int x_pagecount(sqlite3_pcache *p)
{
    return g_real.xPagecount(((struct pcache *)p)->real);
}

static sqlite3_pcache_page *x_fetch(sqlite3_pcache *p, unsigned key, int create)
{
    struct pcache *c = (struct pcache *)p;
    sqlite3_pcache_page *pg = g_real.xFetch(c->real, key, create);
    /* (a fetch of lck itself, which only a damaged database asks for, raises
     * the bound to it like any other page) */
    if (pg && key > c->max_key) c->max_key = key;
    return pg;
}

static void x_unpin(sqlite3_pcache *p, sqlite3_pcache_page *pg, int discard)
{
    g_real.xUnpin(((struct pcache *)p)->real, pg, discard);
}

static void x_rekey(sqlite3_pcache *p, sqlite3_pcache_page *pg, unsigned old_key,
                    unsigned new_key)
{
    struct pcache *c = (struct pcache *)p;
    g_real.xRekey(c->real, pg, old_key, new_key);
    if (old_key == c->lck && c->at_lck > 0) c->at_lck--;
    if (new_key == c->lck) c->at_lck++;
    else if (new_key > c->max_key) c->max_key = new_key;
}

static void x_truncate(sqlite3_pcache *p, unsigned limit)
{
    struct pcache *c = (struct pcache *)p;
    /* a parked page discarded while parked is never counted down: at_lck
     * then stays high, which only passes truncations on, until one at or
     * below lck removes it */
    if (c->max_key >= limit || (c->at_lck > 0 && c->lck >= limit)) {
        g_real.xTruncate(c->real, limit);
        if (c->lck >= limit) c->at_lck = 0;
    }
    if (c->max_key >= limit) c->max_key = limit > 0 ? limit - 1 : 0;
}

static void x_destroy(sqlite3_pcache *p)
{
    struct pcache *c = (struct pcache *)p;
    g_real.xDestroy(c->real);
    cf_free(c);
}

static void x_shrink(sqlite3_pcache *p)
{
    if (g_real.xShrink) g_real.xShrink(((struct pcache *)p)->real);
}

int cf_pcache_install(void)
{
    static sqlite3_pcache_methods2 ours;
    if (sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &g_real) != SQLITE_OK || !g_real.xCreate ||
        g_real.iVersion < 1)
        return -1;
    ours = g_real;
    ours.xInit = x_init;
    ours.xShutdown = x_shutdown;
    ours.xCreate = x_create;
    ours.xCachesize = x_cachesize;
    ours.xPagecount = x_pagecount;
    ours.xFetch = x_fetch;
    ours.xUnpin = x_unpin;
    ours.xRekey = x_rekey;
    ours.xTruncate = x_truncate;
    ours.xDestroy = x_destroy;
    ours.xShrink = x_shrink;
    return sqlite3_config(SQLITE_CONFIG_PCACHE2, &ours) == SQLITE_OK ? 0 : -1;
}
