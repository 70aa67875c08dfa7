/* SPDX-License-Identifier: MIT
 *
 * cf_walvfs.h - a SQLite VFS over the default one that writes each commit's
 * WAL frames with one pwrite instead of two per frame, and maps the whole
 * database file for reads (see cf_walvfs.c).
 */
#ifndef CF_WALVFS_H
#define CF_WALVFS_H

/* Registers it as the default VFS (once, before any connection opens; not
 * thread-safe). Returns 0, or -1 and SQLite's own VFS stays the default. */
int cf_walvfs_register(void);

#endif
