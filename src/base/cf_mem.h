/* SPDX-License-Identifier: MIT
 *
 * cf_mem.h - the only place that calls malloc/free.
 *
 * Out of memory is fatal: cf_malloc and friends log a line and abort, so
 * callers never check for NULL. Input-driven growth is bounded elsewhere
 * (cf_buf caps, arena caps), which keeps abort-on-OOM safe against hostile
 * input.
 */
#ifndef CF_MEM_H
#define CF_MEM_H

#include <stddef.h>

void *cf_malloc(size_t n);            /* returns new; free with cf_free */
void *cf_calloc(size_t n, size_t sz); /* zeroed; returns new */
void *cf_realloc(void *p, size_t n);  /* may move p; returns the new pointer */
char *cf_strdup(const char *z);       /* returns new copy of z (NULL -> NULL) */
char *cf_strndup(const char *z, size_t len); /* copy of len bytes + NUL */
void cf_free(void *p);                /* NULL is a no-op */

/* Frees p and sets it to NULL. */
#define CF_FREE(p) do { cf_free(p); (p) = NULL; } while (0)

#endif
