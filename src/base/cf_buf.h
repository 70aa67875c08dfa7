/* SPDX-License-Identifier: MIT
 *
 * cf_buf.h - a growable byte buffer with a hard cap.
 *
 * Every buffer that grows with input is a cf_buf whose cap is fixed at init.
 * Appending past the cap returns CF_ETOOBIG and leaves the buffer unchanged,
 * so nothing is ever silently truncated. The content is always NUL-terminated
 * (the terminator is not counted in len and does not count against the cap).
 */
#ifndef CF_BUF_H
#define CF_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#define CF_BUF_INLINE_MAX 1024 /* largest append copied inline */

struct cf_buf {
    char *data;   /* owned; NUL-terminated; NULL until first append */
    size_t len;   /* bytes used, excluding the NUL */
    size_t alloc; /* bytes allocated */
    size_t cap;   /* hard limit on len */
};

void cf_buf_init(struct cf_buf *b, size_t cap); /* caller storage */
void cf_buf_cleanup(struct cf_buf *b);          /* frees data; b reusable after init */
void cf_buf_reset(struct cf_buf *b);            /* len = 0, keeps memory */
/* Appends len bytes: 0, or CF_ETOOBIG and b unchanged. Inline for the
 * common case, a small piece into room already allocated (a JSON response is
 * hundreds of appends of a few bytes; alloc never exceeds cap + 1, so that
 * room is within the cap too); the rest is cf_buf_append_grow's. */
int cf_buf_append_grow(struct cf_buf *b, const void *p, size_t len);
static inline int cf_buf_append(struct cf_buf *b, const void *p, size_t len)
{
    if (len <= CF_BUF_INLINE_MAX && len < b->alloc - b->len) {
        memcpy(b->data + b->len, p, len);
        b->len += len;
        b->data[b->len] = '\0';
        return 0;
    }
    return cf_buf_append_grow(b, p, len);
}
/* Room for n more bytes at the end, for an encoder that writes at most n
 * and then calls cf_buf_added with what it wrote (len is unchanged until
 * then). NULL, and b unchanged, when len + n would pass the cap: the
 * caller then appends piece by piece, each checked against the cap. */
char *cf_buf_room(struct cf_buf *b, size_t n);
static inline void cf_buf_added(struct cf_buf *b, size_t n)
{
    b->len += n;
    b->data[b->len] = '\0';
}
int cf_buf_puts(struct cf_buf *b, const char *z);
int cf_buf_putc(struct cf_buf *b, char c);
int cf_buf_printf(struct cf_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int cf_buf_vprintf(struct cf_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Returns the NUL-terminated content ("" when empty); borrows. */
const char *cf_buf_str(const struct cf_buf *b);
/* Hands the data to the caller (free with cf_free) and re-inits b. */
char *cf_buf_take(struct cf_buf *b, size_t *len_out);

#endif
