/* SPDX-License-Identifier: MIT
 *
 * test_dbmap.c - the whole-file map behind the VFS's xFetch
 * (src/store/cf_dbmap.c): it hands out the file's bytes, nothing past the end
 * of the file, follows the file as it grows (without moving while pointers
 * are out), stops at a truncation and when turned off; and SQLite reading
 * through it (cf_walvfs.c) sees every committed row, from another connection
 * too, after checkpoints have grown the file under its map, which covers the
 * whole file whatever mmap_size says.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/store/cf_dbmap.h"
#include "../../src/store/cf_walvfs.h"
#include "cf_test.h"
#include "cf_test_sqlite.h"

#define PG 4096

static int temp_file(char *path, size_t n)
{
    snprintf(path, n, "/tmp/cf_test_dbmap_XXXXXX");
    return mkstemp(path);
}

CF_TEST(dbmap_fetch_follows_the_file)
{
    char path[64], page[PG];
    struct cf_dbmap m;
    int fd = temp_file(path, sizeof path);
    CF_CHECK(fd >= 0);
    if (fd < 0) return;
    for (int i = 0; i < 3; i++) {
        memset(page, 'a' + i, sizeof page);
        CF_CHECK(pwrite(fd, page, PG, (off_t)i * PG) == PG);
    }
    cf_dbmap_open(&m, path);
    CF_CHECK(m.fd >= 0);
    /* off until a limit is set, as SQLite's own map */
    CF_CHECK(cf_dbmap_fetch(&m, 0, PG) == NULL);
    CF_CHECK(cf_dbmap_set_limit(&m, 1 << 20) == 0);

    unsigned char *p0 = cf_dbmap_fetch(&m, 0, PG);
    unsigned char *p2 = cf_dbmap_fetch(&m, 2 * PG, PG);
    CF_CHECK(p0 && p0[0] == 'a' && p0[PG - 1] == 'a');
    CF_CHECK(p2 && p2[0] == 'c');
    CF_CHECK(cf_dbmap_fetch(&m, 3 * PG, PG) == NULL); /* past the end of the file */
    CF_CHECK(m.refs == 2);

    /* the file grows: the new page is handed out, the map did not move */
    memset(page, 'd', sizeof page);
    CF_CHECK(pwrite(fd, page, PG, 3 * PG) == PG);
    unsigned char *p3 = cf_dbmap_fetch(&m, 3 * PG, PG);
    CF_CHECK(p3 && p3[0] == 'd' && p3 == p0 + 3 * PG);
    /* a write through another descriptor shows in the map */
    memset(page, 'z', sizeof page);
    CF_CHECK(pwrite(fd, page, PG, 0) == PG);
    CF_CHECK(p0 && p0[10] == 'z');

    /* grown past the mapped room (sparse): no remap while pointers are out */
    CF_CHECK(ftruncate(fd, (off_t)1 << 30) == 0);
    int64_t far = ((int64_t)1 << 30) - PG;
    CF_CHECK(cf_dbmap_fetch(&m, far, PG) == NULL);
    cf_dbmap_unfetch(&m, p0);
    cf_dbmap_unfetch(&m, p2);
    cf_dbmap_unfetch(&m, p3);
    CF_CHECK(m.refs == 0);
    unsigned char *pf = cf_dbmap_fetch(&m, far, PG);
    CF_CHECK(pf && pf[0] == 0 && pf[PG - 1] == 0);
    unsigned char *q0 = cf_dbmap_fetch(&m, 0, PG);
    CF_CHECK(q0 && q0[10] == 'z');
    cf_dbmap_unfetch(&m, pf);
    cf_dbmap_unfetch(&m, q0);

    /* truncated through this handle: nothing at or past the new end */
    CF_CHECK(ftruncate(fd, 2 * PG) == 0);
    cf_dbmap_truncate(&m, 2 * PG);
    CF_CHECK(cf_dbmap_fetch(&m, 2 * PG, PG) == NULL);
    q0 = cf_dbmap_fetch(&m, PG, PG);
    CF_CHECK(q0 && q0[0] == 'b');
    cf_dbmap_unfetch(&m, q0);

    /* turned off: nothing more; a query (negative) changes nothing */
    CF_CHECK(cf_dbmap_set_limit(&m, -1) == 1 << 20);
    CF_CHECK(cf_dbmap_set_limit(&m, 0) == 1 << 20);
    CF_CHECK(cf_dbmap_fetch(&m, 0, PG) == NULL);
    CF_CHECK(m.base == NULL);
    /* SQLite's whole-map release (a read transaction that finds the database
     * changed): the map stays, its size is taken anew */
    CF_CHECK(cf_dbmap_set_limit(&m, 1 << 20) == 0);
    unsigned char *base = cf_dbmap_fetch(&m, 0, 100);
    CF_CHECK(base != NULL);
    cf_dbmap_unfetch(&m, base);
    CF_CHECK(ftruncate(fd, PG) == 0); /* truncated by someone else */
    cf_dbmap_unfetch(&m, NULL);
    CF_CHECK(m.base == base);
    CF_CHECK(cf_dbmap_fetch(&m, PG, PG) == NULL);
    q0 = cf_dbmap_fetch(&m, 0, PG);
    CF_CHECK(q0 == base);
    cf_dbmap_unfetch(&m, q0);
    cf_dbmap_close(&m);
    CF_CHECK(m.fd == -1);
    close(fd);
    unlink(path);

    /* a file that cannot be opened: no map, every fetch NULL */
    cf_dbmap_open(&m, "/nonexistent/cf_test_dbmap");
    CF_CHECK(m.fd == -1);
    cf_dbmap_set_limit(&m, 1 << 20);
    CF_CHECK(cf_dbmap_fetch(&m, 0, PG) == NULL);
    cf_dbmap_close(&m);
}

/* The largest read-only shared map of `path` in this process, in bytes. */
static long long mapped_bytes(const char *path)
{
    char line[512];
    long long best = 0;
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long long lo, hi;
        char perms[8];
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n') line[--n] = 0;
        if (n < strlen(path) || strcmp(line + n - strlen(path), path) != 0) continue;
        if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) == 3 && strcmp(perms, "r--s") == 0 &&
            (long long)(hi - lo) > best)
            best = (long long)(hi - lo);
    }
    fclose(f);
    return best;
}

static sqlite3 *open_db(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        return NULL;
    if (sqlite3_exec(db, "PRAGMA journal_mode = WAL; PRAGMA mmap_size = 65536;"
                         " PRAGMA cache_size = 16;", NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

CF_TEST(dbmap_sqlite_reads_through_the_map)
{
    char path[64], wal[80], shm[80];
    int fd = temp_file(path, sizeof path);
    CF_CHECK(fd >= 0);
    if (fd < 0) return;
    close(fd);
    unlink(path);
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);
    CF_CHECK(cf_walvfs_register() == 0);
    sqlite3 *w = open_db(path), *r = open_db(path);
    CF_CHECK(w && r);
    if (!w || !r) goto out;
    CF_CHECK(sqlite3_exec(w, "CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT)", NULL, NULL, NULL) ==
             SQLITE_OK);
    /* rounds of inserts, each checkpointed into the database file, which
     * grows under the reader's map; the reader's small cache makes it fetch */
    for (int round = 1; round <= 5; round++) {
        char sql[200];
        snprintf(sql, sizeof sql,
                 "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)"
                 " INSERT INTO t(v) SELECT printf('%%d-%%0200d', %d, i) FROM n", round);
        CF_CHECK(sqlite3_exec(w, sql, NULL, NULL, NULL) == SQLITE_OK);
        CF_CHECK(sqlite3_wal_checkpoint_v2(w, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL) ==
                 SQLITE_OK);
        CF_CHECK(cf_test_sql_one(r, "SELECT count(*) FROM t") == 2000LL * round);
        CF_CHECK(cf_test_sql_one(r, "SELECT sum(length(v)) FROM t") > 2000LL * round * 200);
    }
    CF_CHECK(cf_test_sql_one(r, "SELECT count(*) FROM t WHERE v LIKE '3-%'") == 2000);
    /* the reads went through a map of the whole file, though mmap_size asked
     * for 64 KiB only (SQLite's own map would stop there) */
    struct stat sb;
    CF_CHECK(stat(path, &sb) == 0 && sb.st_size > 2000LL * 5 * 200);
    CF_CHECK(mapped_bytes(path) >= (long long)sb.st_size);
    CF_CHECK(cf_test_sql_ok(r));
    /* the map turned off: the same answers, read the usual way */
    CF_CHECK(sqlite3_exec(r, "PRAGMA mmap_size = 0", NULL, NULL, NULL) == SQLITE_OK);
    CF_CHECK(cf_test_sql_one(r, "SELECT count(*) FROM t") == 10000);
out:
    sqlite3_close(r);
    sqlite3_close(w);
    unlink(path);
    unlink(wal);
    unlink(shm);
}
