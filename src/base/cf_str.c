/* SPDX-License-Identifier: MIT
 *
 * cf_str.c - string helpers (see cf_str.h).
 */
#include "cf_str.h"

#include <string.h>

#include "cf_err.h"

int cf_str_copy(char *out, size_t size, const char *z)
{
    size_t n = strlen(z);
    if (n >= size) {
        if (size) out[0] = '\0';
        return CF_ETOOBIG;
    }
    memcpy(out, z, n + 1);
    return 0;
}

bool cf_str_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a, y = *b;
        if (x >= 'A' && x <= 'Z') x = (char)(x + 32);
        if (y >= 'A' && y <= 'Z') y = (char)(y + 32);
        if (x != y) return false;
    }
    return *a == *b;
}

size_t cf_str_utf8_chars(const char *z)
{
    size_t n = 0;
    for (; *z; z++)
        if (((unsigned char)*z & 0xC0) != 0x80) n++;
    return n;
}

int cf_str_urlencode(struct cf_buf *b, const char *z)
{
    static const char hx[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)z;
    int rc = 0;
    while (*p && !rc) {
        const unsigned char *run = p; /* unreserved characters go in as one piece */
        while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
               *p == '-' || *p == '_' || *p == '.' || *p == '~')
            p++;
        if (p > run) rc = cf_buf_append(b, run, (size_t)(p - run));
        if (*p && !rc) {
            char e[3] = {'%', hx[*p >> 4], hx[*p & 15]};
            rc = cf_buf_append(b, e, 3);
            p++;
        }
    }
    return rc;
}

int cf_str_form_add(struct cf_buf *b, const char *name, const char *value)
{
    int rc = 0;
    if (b->len) rc = cf_buf_putc(b, '&');
    if (!rc) rc = cf_str_urlencode(b, name);
    if (!rc) rc = cf_buf_putc(b, '=');
    if (!rc) rc = cf_str_urlencode(b, value);
    return rc;
}
