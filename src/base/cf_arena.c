/* SPDX-License-Identifier: MIT
 *
 * cf_arena.c - bump allocation in 8 KiB chunks; large requests get a chunk of
 * their own (see cf_arena.h).
 */
#include "cf_arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cf_mem.h"

#define CHUNK 8192
#define ALIGN 16

struct cf_arena_chunk {
    struct cf_arena_chunk *next;
    size_t size; /* usable bytes in mem */
    size_t off;  /* next free byte */
    _Alignas(16) unsigned char mem[];
};

void cf_arena_init(struct cf_arena *a)
{
    a->head = NULL;
    a->used = 0;
}

void cf_arena_cleanup(struct cf_arena *a)
{
    struct cf_arena_chunk *c = a->head, *next;
    while (c) {
        next = c->next;
        cf_free(c);
        c = next;
    }
    a->head = NULL;
    a->used = 0;
}

void *cf_arena_alloc(struct cf_arena *a, size_t n)
{
    struct cf_arena_chunk *c = a->head;
    size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    void *p;
    if (!c || c->size - c->off < need) {
        size_t size = need > CHUNK / 2 ? need : CHUNK;
        c = cf_malloc(sizeof *c + size);
        c->size = size;
        c->off = 0;
        if (need > CHUNK / 2 && a->head) {
            /* keep the current small chunk in front for later small allocations */
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    p = c->mem + c->off;
    c->off += need;
    a->used += need;
    return p;
}

void *cf_arena_calloc(struct cf_arena *a, size_t n)
{
    void *p = cf_arena_alloc(a, n);
    memset(p, 0, n);
    return p;
}

char *cf_arena_strndup(struct cf_arena *a, const char *p, size_t len)
{
    char *z = cf_arena_alloc(a, len + 1);
    if (len) memcpy(z, p, len);
    z[len] = '\0';
    return z;
}

char *cf_arena_strdup(struct cf_arena *a, const char *z)
{
    return cf_arena_strndup(a, z, strlen(z));
}

char *cf_arena_cat_(struct cf_arena *a, const char *first, ...)
{
    va_list ap;
    size_t n = 0;
    char *z, *o;
    va_start(ap, first);
    for (const char *p = first; p; p = va_arg(ap, const char *)) n += strlen(p);
    va_end(ap);
    z = o = cf_arena_alloc(a, n + 1);
    va_start(ap, first);
    for (const char *p = first; p; p = va_arg(ap, const char *)) {
        size_t k = strlen(p);
        memcpy(o, p, k);
        o += k;
    }
    va_end(ap);
    *o = '\0';
    return z;
}

char *cf_arena_printf(struct cf_arena *a, const char *fmt, ...)
{
    va_list ap, ap2;
    int n;
    char *z;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    z = cf_arena_alloc(a, (size_t)n + 1);
    vsnprintf(z, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return z;
}
