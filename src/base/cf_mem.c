/* SPDX-License-Identifier: MIT
 *
 * cf_mem.c - allocation wrappers that abort on out-of-memory (see cf_mem.h).
 */
#include "cf_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
    fprintf(stderr, "level=crit msg=\"out of memory\" bytes=%zu\n", n);
    abort();
}

void *cf_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    return p;
}

void *cf_calloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (!p) oom(n * sz);
    return p;
}

void *cf_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    return q;
}

char *cf_strndup(const char *z, size_t len)
{
    char *p = cf_malloc(len + 1);
    memcpy(p, z, len);
    p[len] = '\0';
    return p;
}

char *cf_strdup(const char *z)
{
    return z ? cf_strndup(z, strlen(z)) : NULL;
}

void cf_free(void *p)
{
    free(p);
}
