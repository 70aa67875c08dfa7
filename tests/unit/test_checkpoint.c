/* SPDX-License-Identifier: MIT
 *
 * test_checkpoint.c - the checkpointer thread (src/store/cf_checkpoint.c)
 * over a real SQLite file in a fresh directory under /tmp, with its
 * thresholds made small (64 frames start a checkpoint, 256 restart the
 * WAL): under a stream of commits it checkpoints, the WAL starts over, and
 * the checkpointer pauses while it copies (the pace hook of the VFS's
 * database file); the WAL file stays a small multiple
 * of the restart size instead of holding every frame ever written; and
 * every committed row is there afterwards, in a database that passes
 * PRAGMA integrity_check.
 */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../../src/store/cf_store.h"
#include "../../src/store/cf_walvfs.h"
#include "cf_test.h"
#include "cf_test_sqlite.h"
#include "cf_test_store.h"

#define PASSIVE 64   /* frames */
#define COMMITS 1500
#define PER_COMMIT 8 /* projects inserted by each commit */

static long long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : 0;
}

CF_TEST(checkpointer_restarts_the_wal_and_keeps_every_commit)
{
    struct cf_test_store e;
    struct cf_store *st = NULL;
    struct cf_store_ckpt *ckpt = NULL;
    struct cf_store_ckpt_stats stats;
    struct cf_err err = {0, ""};
    char wal[128];
    long long wal_max = 0;
    int written = 0;

    CF_CHECK(cf_walvfs_register() == 0); /* the server's VFS, whose hook paces */
    CF_CHECK(cf_test_store_open(&e, "ckpt") == 0);
    CF_CHECK(cf_store_ckpt_start(e.path, &e.lock, PASSIVE, &ckpt, &err) == 0);
    e.opts.ckpt = ckpt;
    CF_CHECK(cf_store_open(&e.opts, false, &st, &err) == 0);
    snprintf(wal, sizeof wal, "%s-wal", e.path);
    for (int c = 0; st && c < COMMITS; c++) {
        int rc = st->ops->begin(st, true);
        for (int k = 0; rc == 0 && k < PER_COMMIT; k++) {
            struct cf_project pr;
            cf_test_project(&pr, c * PER_COMMIT + k);
            rc = st->ops->project_insert(st, &pr);
        }
        if (rc == 0) rc = st->ops->commit(st);
        else st->ops->rollback(st);
        CF_CHECK_INT(rc, 0);
        if (rc) break;
        written += PER_COMMIT;
        long long size = file_size(wal);
        if (size > wal_max) wal_max = size;
        if (c % 20 == 19) usleep(1000); /* a gap now and then, as between bursts */
    }
    if (st) st->ops->close(st);
    cf_store_ckpt_stats(ckpt, &stats);
    cf_store_ckpt_stop(ckpt);

    CF_CHECK(stats.checkpoints >= 4);
    /* whether a checkpoint ends with the locked pass, or copies everything
     * first and the next commit starts the WAL over by itself, depends on
     * how far this thread gets meanwhile (on one core, now and then a run
     * has no locked pass): the WAL's size below shows that it started over */
    CF_CHECK(stats.locked <= stats.checkpoints);
    CF_CHECK(stats.pauses >= 1);  /* the pace hook reached the checkpointer */
    /* the commits write ~6,000 frames in all: without checkpoints the WAL
     * grows to 25 MB; restarted, it stays near its restart size of 256
     * frames (1 MiB: 1.3-2 MB seen) */
    CF_CHECK(wal_max > 0);
    CF_CHECK(wal_max < 16LL * 1024 * 1024);
    {
        sqlite3 *db = NULL;
        CF_CHECK(sqlite3_open_v2(e.path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
        CF_CHECK(cf_test_sql_one(db, "SELECT count(*) FROM projects") == written);
        CF_CHECK(cf_test_sql_ok(db));
        sqlite3_close(db);
    }
    cf_test_store_close(&e);
}
