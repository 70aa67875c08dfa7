/* SPDX-License-Identifier: MIT
 *
 * cf_test_store.c - a fresh SQLite store for the unit tests (see
 * cf_test_store.h).
 */
#include "cf_test_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cf_test_store_open(struct cf_test_store *e, const char *tag)
{
    struct cf_store *st;
    struct cf_err err = {0, ""};
    snprintf(e->dir, sizeof e->dir, "/tmp/confab-test-%s-XXXXXX", tag);
    if (!mkdtemp(e->dir)) return -1;
    snprintf(e->path, sizeof e->path, "%s/t.db", e->dir);
    pthread_mutex_init(&e->lock, NULL);
    memset(&e->opts, 0, sizeof e->opts);
    e->opts.path = e->path;
    e->opts.write_lock = &e->lock;
    if (cf_store_open(&e->opts, true, &st, &err)) return -1; /* creates the schema */
    st->ops->close(st);
    return 0;
}

void cf_test_store_close(struct cf_test_store *e)
{
    char p[128];
    static const char *const sfx[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", e->path, sfx[i]);
        unlink(p);
    }
    rmdir(e->dir);
    pthread_mutex_destroy(&e->lock);
}

void cf_test_project(struct cf_project *p, int i)
{
    memset(p, 0, sizeof *p);
    snprintf(p->id, sizeof p->id, "00000000-0000-4000-8000-%012d", i);
    snprintf(p->name, sizeof p->name, "p%d", i);
    snprintf(p->signing_key, sizeof p->signing_key, "%064d", i);
    p->date_created = i;
}
