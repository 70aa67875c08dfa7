/* SPDX-License-Identifier: MIT
 *
 * cf_json.c - the JSON writer (see cf_json.h).
 */
#include "cf_json.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "../base/cf_time.h"

void cf_json_init(struct cf_json *w, struct cf_buf *b)
{
    w->b = b;
    w->need_comma = false;
    w->rc = 0;
}

static void put(struct cf_json *w, const char *z, size_t n)
{
    if (!w->rc) w->rc = cf_buf_append(w->b, z, n);
}

static void sep(struct cf_json *w)
{
    if (w->need_comma) put(w, ",", 1);
    w->need_comma = true;
}

void cf_json_open(struct cf_json *w, char c)
{
    sep(w);
    put(w, &c, 1);
    w->need_comma = false;
}

void cf_json_close(struct cf_json *w, char c)
{
    put(w, &c, 1);
    w->need_comma = true;
}

/* 1 for the bytes that cannot appear raw inside a JSON string here:
 * control characters, '"', '\\', and '<' '>' '&' (kept out of markup). */
static const unsigned char special[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['"'] = 1, ['\\'] = 1, ['<'] = 1, ['>'] = 1, ['&'] = 1,
};

/* How many of the n bytes at p come before the first one `special` flags.
 * Responses are mostly plain text (a list page is ~40 KB of it), so the scan
 * takes 16 bytes at a time where SSE2 is there (every x86-64): a byte at a
 * time it was ~18 % of the CPU of the list benchmark. It reads only the n
 * bytes given (the caller measured them), never past the string. */
static size_t plain_prefix(const unsigned char *p, size_t n)
{
    size_t i = 0;
#ifdef __SSE2__
    const __m128i ctl = _mm_set1_epi8(0x1f), quote = _mm_set1_epi8('"'),
                  bslash = _mm_set1_epi8('\\'), lt = _mm_set1_epi8('<'), gt = _mm_set1_epi8('>'),
                  amp = _mm_set1_epi8('&');
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i m = _mm_cmpeq_epi8(_mm_min_epu8(v, ctl), v); /* v <= 0x1f, unsigned */
        m = _mm_or_si128(m, _mm_cmpeq_epi8(v, quote));
        m = _mm_or_si128(m, _mm_cmpeq_epi8(v, bslash));
        m = _mm_or_si128(m, _mm_cmpeq_epi8(v, lt));
        m = _mm_or_si128(m, _mm_cmpeq_epi8(v, gt));
        m = _mm_or_si128(m, _mm_cmpeq_epi8(v, amp));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask) return i + (size_t)__builtin_ctz(mask);
    }
#endif
    while (i < n && !special[p[i]]) i++;
    return i;
}

/* Appends z escaped, without quotes. */
static int escape_body(struct cf_buf *b, const char *z)
{
    static const char hx[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)z;
    size_t n = strlen(z);
    int rc = 0;
    for (;;) {
        size_t k = plain_prefix(p, n);
        char u[6];
        if (k && (rc = cf_buf_append(b, p, k))) return rc;
        if (k == n) return 0;
        switch (p[k]) {
        case '"': rc = cf_buf_append(b, "\\\"", 2); break;
        case '\\': rc = cf_buf_append(b, "\\\\", 2); break;
        case '\n': rc = cf_buf_append(b, "\\n", 2); break;
        case '\r': rc = cf_buf_append(b, "\\r", 2); break;
        case '\t': rc = cf_buf_append(b, "\\t", 2); break;
        default:
            u[0] = '\\', u[1] = 'u', u[2] = '0', u[3] = '0', u[4] = hx[p[k] >> 4], u[5] = hx[p[k] & 15];
            rc = cf_buf_append(b, u, 6);
        }
        if (rc) return rc;
        p += k + 1;
        n -= k + 1;
    }
}

int cf_json_escape(struct cf_buf *b, const char *z)
{
    int rc = cf_buf_append(b, "\"", 1);
    if (!rc) rc = escape_body(b, z);
    if (!rc) rc = cf_buf_append(b, "\"", 1);
    return rc;
}

void cf_json_uri(struct cf_json *w, const char *base, size_t base_len, const char *id,
                 const char *suffix, size_t suffix_len)
{
    sep(w);
    put(w, "\"", 1);
    put(w, base, base_len);
    put(w, "/", 1);
    if (!w->rc) w->rc = escape_body(w->b, id);
    put(w, suffix, suffix_len);
    put(w, "\"", 1);
}

void cf_json_key_text(struct cf_json *w, const char *text, size_t n)
{
    /* text is ",\"key\":"; the comma only between members */
    if (w->need_comma) put(w, text, n);
    else put(w, text + 1, n - 1);
    w->need_comma = false;
}

void cf_json_key_esc(struct cf_json *w, const char *key)
{
    sep(w);
    if (!w->rc) w->rc = cf_json_escape(w->b, key);
    put(w, ":", 1);
    w->need_comma = false;
}

void cf_json_str(struct cf_json *w, const char *z)
{
    sep(w);
    if (!z) {
        put(w, "null", 4);
        return;
    }
    if (!w->rc) w->rc = cf_json_escape(w->b, z);
}

void cf_json_str_or_null(struct cf_json *w, const char *z)
{
    cf_json_str(w, z && *z ? z : NULL);
}

void cf_json_int(struct cf_json *w, int64_t v)
{
    char n[24], *p = n + sizeof n;
    /* the magnitude as unsigned: -INT64_MIN does not fit an int64_t */
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do *--p = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0) *--p = '-';
    sep(w);
    put(w, p, (size_t)(n + sizeof n - p));
}

void cf_json_bool(struct cf_json *w, bool v)
{
    sep(w);
    put(w, v ? "true" : "false", v ? 4 : 5);
}

void cf_json_null(struct cf_json *w)
{
    sep(w);
    put(w, "null", 4);
}

void cf_json_raw(struct cf_json *w, const char *json)
{
    sep(w);
    if (!w->rc) w->rc = cf_buf_puts(w->b, json);
}

void cf_json_kdate_value(struct cf_json *w, int64_t t)
{
    /* "Sat, 06 Dec 2026 12:00:00 +0000": plain ASCII, nothing to escape,
     * always CF_RFC2822_LEN - 1 characters; the closing quote takes the
     * place of its NUL */
    char d[CF_RFC2822_LEN + 1];
    d[0] = '"';
    cf_time_rfc2822(t, d + 1);
    d[CF_RFC2822_LEN] = '"';
    sep(w);
    put(w, d, sizeof d);
}
