/* SPDX-License-Identifier: MIT
 *
 * cf_store_pool.c - a fixed set of store connections shared by threads
 * (see cf_store.h). A thread takes a connection for the length of one
 * request or one event and gives it back; with as many connections as
 * worker threads nobody ever waits, but the pool stays correct if more
 * threads than connections ask.
 */
#include <pthread.h>

#include "../base/cf_err.h"
#include "../base/cf_mem.h"
#include "cf_store.h"

struct cf_store_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct cf_store **free; /* stack of idle connections */
    int nfree;
    int n;                  /* connections in all */
    struct cf_store **all;  /* owned */
};

int cf_store_pool_create(const struct cf_store_opts *opts, int n, struct cf_store_pool **out,
                         struct cf_err *err)
{
    struct cf_store_pool *p = cf_calloc(1, sizeof *p);
    int rc = 0;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->all = cf_calloc((size_t)n, sizeof *p->all);
    p->free = cf_calloc((size_t)n, sizeof *p->free);
    for (int i = 0; i < n; i++) {
        if ((rc = cf_store_open(opts, false, &p->all[i], err))) {
            cf_store_pool_destroy(p);
            return rc;
        }
        p->n++;
        p->free[p->nfree++] = p->all[i];
    }
    *out = p;
    return 0;
}

struct cf_store *cf_store_pool_get(struct cf_store_pool *p)
{
    struct cf_store *st;
    pthread_mutex_lock(&p->mu);
    while (p->nfree == 0) pthread_cond_wait(&p->cv, &p->mu);
    st = p->free[--p->nfree];
    pthread_mutex_unlock(&p->mu);
    return st;
}

void cf_store_pool_put(struct cf_store_pool *p, struct cf_store *st)
{
    pthread_mutex_lock(&p->mu);
    p->free[p->nfree++] = st;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void cf_store_pool_destroy(struct cf_store_pool *p)
{
    if (!p) return;
    for (int i = 0; i < p->n; i++) p->all[i]->ops->close(p->all[i]);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    cf_free(p->all);
    cf_free(p->free);
    cf_free(p);
}
