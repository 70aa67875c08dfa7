/* SPDX-License-Identifier: MIT
 *
 * cf_buf.c - capped growable buffers (see cf_buf.h).
 */
#include "cf_buf.h"

#include <stdio.h>
#include <string.h>

#include "cf_err.h"
#include "cf_mem.h"

void cf_buf_init(struct cf_buf *b, size_t cap)
{
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap;
}

void cf_buf_cleanup(struct cf_buf *b)
{
    CF_FREE(b->data);
    b->len = b->alloc = 0;
}

void cf_buf_reset(struct cf_buf *b)
{
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

static int reserve(struct cf_buf *b, size_t extra)
{
    size_t need, n;
    if (extra > b->cap || b->len > b->cap - extra) return CF_ETOOBIG;
    need = b->len + extra + 1;
    if (need <= b->alloc) return 0;
    n = b->alloc ? b->alloc : 256;
    while (n < need) n *= 2;
    if (n > b->cap + 1) n = b->cap + 1;
    b->data = cf_realloc(b->data, n);
    b->alloc = n;
    return 0;
}

int cf_buf_append_grow(struct cf_buf *b, const void *p, size_t len)
{
    int rc;
    if ((rc = reserve(b, len))) return rc;
    if (len) memcpy(b->data + b->len, p, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

char *cf_buf_room(struct cf_buf *b, size_t n)
{
    return reserve(b, n) ? NULL : b->data + b->len;
}

int cf_buf_puts(struct cf_buf *b, const char *z)
{
    return cf_buf_append(b, z, strlen(z));
}

int cf_buf_putc(struct cf_buf *b, char c)
{
    return cf_buf_append(b, &c, 1);
}

int cf_buf_vprintf(struct cf_buf *b, const char *fmt, va_list ap)
{
    char small[256];
    va_list ap2;
    int n;
    va_copy(ap2, ap);
    n = vsnprintf(small, sizeof small, fmt, ap2);
    va_end(ap2);
    if (n < 0) return CF_EINVAL;
    if ((size_t)n < sizeof small) return cf_buf_append(b, small, (size_t)n);
    {
        int rc = reserve(b, (size_t)n);
        if (rc) return rc;
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        b->len += (size_t)n;
    }
    return 0;
}

int cf_buf_printf(struct cf_buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = cf_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

const char *cf_buf_str(const struct cf_buf *b)
{
    return b->data ? b->data : "";
}

char *cf_buf_take(struct cf_buf *b, size_t *len_out)
{
    char *p = b->data ? b->data : cf_strdup("");
    if (len_out) *len_out = b->len;
    cf_buf_init(b, b->cap);
    return p;
}
