/* SPDX-License-Identifier: MIT
 *
 * cf_test_store.h - a fresh SQLite store on a real file for the unit tests
 * that run the store's threads (test_writer.c, test_checkpoint.c).
 */
#ifndef CF_TEST_STORE_H
#define CF_TEST_STORE_H

#include <pthread.h>

#include "../../src/store/cf_store.h"

struct cf_test_store {
    char dir[64];              /* a fresh directory under /tmp */
    char path[96];             /* the database file in it */
    pthread_mutex_t lock;      /* the process's write lock */
    struct cf_store_opts opts; /* path and write_lock set, the rest zero */
};

/* Makes the directory /tmp/confab-test-<tag>-XXXXXX and a database with the
 * schema in it: 0, or -1. */
int cf_test_store_open(struct cf_test_store *e, const char *tag);
/* Removes the database, its -wal and -shm files, and the directory. */
void cf_test_store_close(struct cf_test_store *e);

/* Project i: every field derived from i. */
void cf_test_project(struct cf_project *p, int i);

#endif
