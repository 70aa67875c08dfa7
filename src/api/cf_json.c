/* SPDX-License-Identifier: MIT
 *
 * cf_json.c - the JSON writer (see cf_json.h).
 */
#include "cf_json.h"

#include <inttypes.h>
#include <stdio.h>

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

/* Appends z escaped, without quotes. */
static int escape_body(struct cf_buf *b, const char *z)
{
    static const char hx[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)z;
    const unsigned char *run = p;
    int rc = 0;
    for (;; p++) {
        unsigned char c = *p;
        char u[6];
        if (!special[c]) continue;
        if (c == 0) break;
        if ((rc = cf_buf_append(b, run, (size_t)(p - run)))) return rc;
        switch (c) {
        case '"': rc = cf_buf_append(b, "\\\"", 2); break;
        case '\\': rc = cf_buf_append(b, "\\\\", 2); break;
        case '\n': rc = cf_buf_append(b, "\\n", 2); break;
        case '\r': rc = cf_buf_append(b, "\\r", 2); break;
        case '\t': rc = cf_buf_append(b, "\\t", 2); break;
        default:
            u[0] = '\\', u[1] = 'u', u[2] = '0', u[3] = '0', u[4] = hx[c >> 4], u[5] = hx[c & 15];
            rc = cf_buf_append(b, u, 6);
        }
        if (rc) return rc;
        run = p + 1;
    }
    return cf_buf_append(b, run, (size_t)(p - run));
}

int cf_json_escape(struct cf_buf *b, const char *z)
{
    int rc = cf_buf_putc(b, '"');
    if (!rc) rc = escape_body(b, z);
    if (!rc) rc = cf_buf_putc(b, '"');
    return rc;
}

void cf_json_kcat(struct cf_json *w, const char *key, const char *a, const char *b2,
                  const char *c, const char *d)
{
    const char *parts[4] = {a, b2, c, d};
    cf_json_key(w, key);
    sep(w);
    put(w, "\"", 1);
    for (int i = 0; i < 4 && !w->rc; i++)
        if (parts[i]) w->rc = escape_body(w->b, parts[i]);
    put(w, "\"", 1);
}

void cf_json_key(struct cf_json *w, const char *key)
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
    char n[24];
    int len = snprintf(n, sizeof n, "%" PRId64, v);
    sep(w);
    put(w, n, (size_t)len);
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

void cf_json_kstr(struct cf_json *w, const char *key, const char *z)
{
    cf_json_key(w, key);
    cf_json_str(w, z);
}

void cf_json_kint(struct cf_json *w, const char *key, int64_t v)
{
    cf_json_key(w, key);
    cf_json_int(w, v);
}

void cf_json_kbool(struct cf_json *w, const char *key, bool v)
{
    cf_json_key(w, key);
    cf_json_bool(w, v);
}

void cf_json_kdate(struct cf_json *w, const char *key, int64_t t)
{
    char d[CF_RFC2822_LEN];
    cf_time_rfc2822(t, d);
    cf_json_kstr(w, key, d);
}

void cf_json_kdate_value(struct cf_json *w, int64_t t)
{
    char d[CF_RFC2822_LEN];
    cf_time_rfc2822(t, d);
    cf_json_str(w, d);
}
