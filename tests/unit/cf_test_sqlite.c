/* SPDX-License-Identifier: MIT
 *
 * cf_test_sqlite.c - small SQLite helpers for the unit tests (see
 * cf_test_sqlite.h).
 */
#include "cf_test_sqlite.h"

#include <string.h>

long long cf_test_sql_one(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    long long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

int cf_test_sql_ok(sqlite3 *db)
{
    sqlite3_stmt *st;
    int good = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) return 0;
    if (sqlite3_step(st) == SQLITE_ROW)
        good = strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
    sqlite3_finalize(st);
    return good;
}
