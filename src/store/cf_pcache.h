/* SPDX-License-Identifier: MIT
 *
 * cf_pcache.h - SQLite's own page cache with one cost taken out: the walk
 * over the whole cache at the end of a write transaction after a B-tree page
 * split (see cf_pcache.c).
 */
#ifndef CF_PCACHE_H
#define CF_PCACHE_H

/* Installs it as SQLite's page cache. Must run before anything initializes
 * SQLite (not thread-safe). Returns 0, or -1 and SQLite's own stays. */
int cf_pcache_install(void);

#endif
