/* SPDX-License-Identifier: MIT
 *
 * cf_str.c - string helpers (see cf_str.h).
 */
#include "cf_str.h"

#include <stdint.h>
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

size_t cf_str_utf8_seq(const unsigned char *p, size_t avail)
{
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    size_t n, i;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (avail < n) return 0;
    if (p[1] < lo || p[1] > hi) return 0;
    for (i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xBF) return 0;
    return n;
}

bool cf_str_utf8_valid(const char *z, size_t n)
{
    const unsigned char *p = (const unsigned char *)z;
    size_t i = 0;
    while (i < n) {
        size_t k;
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        if (!(k = cf_str_utf8_seq(p + i, n - i))) return false;
        i += k;
    }
    return true;
}

/* 1 for RFC 3986's unreserved characters, which percent-encoding keeps:
 * A-Z a-z 0-9 - _ . ~ */
static const unsigned char unreserved[256] = {
    [0x2d] = 1, [0x2e] = 1,
    [0x30] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
    [0x40] = 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    [0x50] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1,
    [0x60] = 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    [0x70] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0,
};

static const char hex_upper[] = "0123456789ABCDEF";

size_t cf_str_urlencode_to(char *out, const char *z, size_t n)
{
    char *o = out;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)z[i];
        if (unreserved[ch]) {
            *o++ = (char)ch;
        } else {
            o[0] = '%';
            o[1] = hex_upper[ch >> 4];
            o[2] = hex_upper[ch & 15];
            o += 3;
        }
    }
    *o = '\0';
    return (size_t)(o - out);
}

/* Near the cap, where room for the worst case (3 bytes each) is not there
 * but the encoding may still fit: piece by piece, each checked. */
static int urlencode_pieces(struct cf_buf *b, const char *z)
{
    const unsigned char *p = (const unsigned char *)z;
    int rc = 0;
    while (*p && !rc) {
        const unsigned char *run = p; /* unreserved characters go in as one piece */
        while (unreserved[*p]) p++;
        if (p > run) rc = cf_buf_append(b, run, (size_t)(p - run));
        if (*p && !rc) {
            char e[3] = {'%', hex_upper[*p >> 4], hex_upper[*p & 15]};
            rc = cf_buf_append(b, e, 3);
            p++;
        }
    }
    return rc;
}

/* One reservation for the worst case and one pass, not an append per run:
 * every event's parameters are ~15 pairs encoded on the writer thread. */
int cf_str_urlencode(struct cf_buf *b, const char *z)
{
    size_t n = strlen(z);
    char *o = n < SIZE_MAX / 3 ? cf_buf_room(b, 3 * n) : NULL;
    if (!o) return urlencode_pieces(b, z);
    cf_buf_added(b, cf_str_urlencode_to(o, z, n));
    return 0;
}

size_t cf_str_i64(char *out, int64_t v)
{
    char tmp[CF_STR_I64_LEN];
    size_t n = 0, k = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) out[k++] = '-';
    while (n) out[k++] = tmp[--n];
    out[k] = '\0';
    return k;
}

size_t cf_str_hex(char *out, uint64_t v, size_t min_digits)
{
    static const char hx[] = "0123456789abcdef";
    char tmp[16];
    size_t n = 0, k = 0, pad = min_digits > 16 ? 16 : min_digits;
    do {
        tmp[n++] = hx[v & 15];
        v >>= 4;
    } while (v);
    for (pad = pad > n ? pad - n : 0; k < pad; k++) out[k] = '0';
    while (n) out[k++] = tmp[--n];
    out[k] = '\0';
    return k;
}

int cf_str_form_add(struct cf_buf *b, const char *name, const char *value)
{
    size_t nn = strlen(name), nv = strlen(value), amp = b->len ? 1 : 0;
    char *o = nn < SIZE_MAX / 6 && nv < SIZE_MAX / 6 ? cf_buf_room(b, amp + 3 * (nn + nv) + 1)
                                                       : NULL;
    char *start = o;
    int rc = 0;
    if (!o) { /* near the cap: piece by piece */
        if (amp) rc = cf_buf_putc(b, '&');
        if (!rc) rc = urlencode_pieces(b, name);
        if (!rc) rc = cf_buf_putc(b, '=');
        if (!rc) rc = urlencode_pieces(b, value);
        return rc;
    }
    if (amp) *o++ = '&';
    o += cf_str_urlencode_to(o, name, nn);
    *o++ = '=';
    o += cf_str_urlencode_to(o, value, nv);
    cf_buf_added(b, (size_t)(o - start));
    return 0;
}
