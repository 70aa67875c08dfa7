/* SPDX-License-Identifier: MIT
 *
 * cf_test_sqlite.h - small SQLite helpers shared by the unit tests that run
 * SQLite itself over our layers (test_pcache.c, test_dbmap.c).
 */
#ifndef CF_TEST_SQLITE_H
#define CF_TEST_SQLITE_H

#include <sqlite3.h>

/* The first column of the first row of `sql` as an integer, or -1. */
long long cf_test_sql_one(sqlite3 *db, const char *sql);

/* Whether PRAGMA integrity_check answers "ok". */
int cf_test_sql_ok(sqlite3 *db);

#endif
