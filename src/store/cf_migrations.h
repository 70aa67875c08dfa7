/* SPDX-License-Identifier: MIT
 *
 * cf_migrations.h - the SQLite schema as an ordered list of migrations.
 * Migration i (1-based) moves PRAGMA user_version from i-1 to i. A migration
 * is never edited once released; changes are new entries.
 */
#ifndef CF_MIGRATIONS_H
#define CF_MIGRATIONS_H

#include <stddef.h>

extern const char *const cf_sqlite_migrations[];
extern const size_t cf_sqlite_migrations_n;

#endif
