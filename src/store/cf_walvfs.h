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

/* A file control of this VFS for a database file: sqlite3_file_control(db,
 * "main", CF_WALVFS_FCNTL_PACE, &pace) has the file call pace.fn(pace.arg)
 * each time it started the write-out of a further stretch of what a
 * checkpoint copied into it (every 256 KiB): the checkpointer's place to
 * give the core up (cf_checkpoint.c). A zeroed pace turns it off. */
#define CF_WALVFS_FCNTL_PACE 0x63660001
struct cf_walvfs_pace {
    void (*fn)(void *arg);
    void *arg;
};

#endif
