/* SPDX-License-Identifier: MIT
 *
 * test_pcache.c - the page cache layer (src/store/cf_pcache.c) skips only
 * truncations that would remove nothing: a database written through it,
 * with page splits in every transaction and savepoints rolled back after
 * the file grew (pages beyond the end left in the cache, their numbers then
 * reused for other content), reads back exactly what was committed and
 * passes SQLite's integrity check, within the connection and after reopening;
 * and a second connection's commit clears the first one's cache (a
 * truncation to nothing), so that it reads the new rows, not its old pages.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/store/cf_pcache.h"
#include "cf_test.h"
#include "cf_test_sqlite.h"

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

CF_TEST(pcache_truncation_keeps_the_database_exact)
{
    char path[] = "/tmp/cf-pcache-XXXXXX";
    char sql[256];
    sqlite3 *db = NULL;
    int fd = mkstemp(path);
    long long want = 0, sum = 0;
    CF_CHECK(fd >= 0);
    close(fd);
    /* the layer is process-wide and must precede SQLite's initialization */
    sqlite3_shutdown();
    CF_CHECK_INT(cf_pcache_install(), 0);
    CF_CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CF_CHECK_INT(exec(db, "PRAGMA journal_mode = WAL; PRAGMA cache_size = -8192;"
                          "CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, v TEXT);"
                          "CREATE INDEX t_v ON t (v);"), SQLITE_OK);
    srand(7);
    for (int round = 0; round < 40; round++) {
        CF_CHECK_INT(exec(db, "BEGIN"), SQLITE_OK);
        for (int i = 0; i < 60; i++) { /* random keys in the index: splits */
            snprintf(sql, sizeof sql, "INSERT INTO t (k, v) VALUES (1, printf('%%08d', %d) || "
                     "hex(randomblob(100)))", rand());
            CF_CHECK_INT(exec(db, sql), SQLITE_OK);
            want++, sum++;
        }
        /* grow the file inside a savepoint, then give it back */
        CF_CHECK_INT(exec(db, "SAVEPOINT s"), SQLITE_OK);
        for (int i = 0; i < 80; i++)
            CF_CHECK_INT(exec(db, "INSERT INTO t (k, v) VALUES (1000, hex(randomblob(900)))"),
                         SQLITE_OK);
        CF_CHECK_INT(exec(db, "ROLLBACK TO s; RELEASE s"), SQLITE_OK);
        for (int i = 0; i < 20; i++) {
            CF_CHECK_INT(exec(db, "INSERT INTO t (k, v) VALUES (2, hex(randomblob(700)))"),
                         SQLITE_OK);
            want++, sum += 2;
        }
        if (round % 5 == 4) {
            CF_CHECK_INT(exec(db, "ROLLBACK"), SQLITE_OK); /* a whole transaction undone */
            want -= 80, sum -= 100;
        } else {
            CF_CHECK_INT(exec(db, "COMMIT"), SQLITE_OK);
        }
        CF_CHECK(cf_test_sql_one(db, "SELECT count(*) FROM t") == want);
    }
    CF_CHECK(cf_test_sql_one(db, "SELECT sum(k) FROM t") == sum);
    CF_CHECK(cf_test_sql_one(db, "SELECT count(*) FROM t WHERE k = 1000") == 0);
    CF_CHECK(cf_test_sql_ok(db));
    {
        sqlite3 *other = NULL;
        CF_CHECK(sqlite3_open(path, &other) == SQLITE_OK);
        for (int i = 0; i < 5; i++) {
            CF_CHECK(cf_test_sql_one(db, "SELECT sum(k) FROM t") == sum); /* db's cache holds t */
            CF_CHECK_INT(exec(other, "UPDATE t SET k = k + 1 WHERE id % 3 = 0"), SQLITE_OK);
            sum += cf_test_sql_one(other, "SELECT count(*) FROM t WHERE id % 3 = 0");
            CF_CHECK(cf_test_sql_one(db, "SELECT sum(k) FROM t") == sum);
        }
        sqlite3_close(other);
    }
    sqlite3_close(db);
    CF_CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CF_CHECK(cf_test_sql_one(db, "SELECT count(*) FROM t") == want);
    CF_CHECK(cf_test_sql_one(db, "SELECT sum(k) FROM t") == sum);
    CF_CHECK(cf_test_sql_ok(db));
    sqlite3_close(db);
    unlink(path);
    snprintf(sql, sizeof sql, "%s-wal", path);
    unlink(sql);
    snprintf(sql, sizeof sql, "%s-shm", path);
    unlink(sql);
}
