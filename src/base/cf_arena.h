/* SPDX-License-Identifier: MIT
 *
 * cf_arena.h - a per-request bump allocator.
 *
 * Everything a request decodes (parameters, path pieces, response fragments)
 * comes from its arena and is released at once when the request ends. The
 * arena itself is uncapped: its users only feed it input that is already
 * capped (body 64 KiB, 100 parameters, 4 KiB values), which bounds it.
 * Not thread-safe: one arena belongs to one request on one thread.
 */
#ifndef CF_ARENA_H
#define CF_ARENA_H

#include <stddef.h>

struct cf_arena_chunk;

struct cf_arena {
    struct cf_arena_chunk *head; /* owned list of chunks, newest first */
    size_t used;                 /* bytes handed out in total (for tests) */
};

void cf_arena_init(struct cf_arena *a);    /* caller storage */
void cf_arena_cleanup(struct cf_arena *a); /* frees every chunk */
/* Returns n bytes aligned for any type; never NULL (aborts on OOM). */
void *cf_arena_alloc(struct cf_arena *a, size_t n);
void *cf_arena_calloc(struct cf_arena *a, size_t n);
/* Returns a NUL-terminated copy of len bytes of p in the arena. */
char *cf_arena_strndup(struct cf_arena *a, const char *p, size_t len);
char *cf_arena_strdup(struct cf_arena *a, const char *z);
/* Returns the strings given, joined, in the arena: cf_arena_cat(a, x, y, z).
 * (The macro ends the list with a null pointer of the right type.) */
char *cf_arena_cat_(struct cf_arena *a, const char *first, ...) __attribute__((sentinel));
#define cf_arena_cat(a, ...) cf_arena_cat_((a), __VA_ARGS__, (const char *)NULL)
/* printf into the arena; returns the new string. */
char *cf_arena_printf(struct cf_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
