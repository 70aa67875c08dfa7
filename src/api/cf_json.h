/* SPDX-License-Identifier: MIT
 *
 * cf_json.h - writing JSON into a capped cf_buf.
 *
 * A tiny streaming writer: the caller writes '{', keys and values in order;
 * the helpers handle escaping and commas. Strings are escaped per RFC 8259
 * (control characters as \u00XX, and '<', '>', '&' as \u003c… so that JSON
 * can never be read as markup). Write errors (cap reached) are sticky in
 * w->rc, so callers check once at the end.
 */
#ifndef CF_JSON_H
#define CF_JSON_H

#include <stdbool.h>
#include <stdint.h>

#include "../base/cf_buf.h"

struct cf_json {
    struct cf_buf *b;  /* borrowed */
    bool need_comma;
    int rc;            /* first error, sticky */
};

void cf_json_init(struct cf_json *w, struct cf_buf *b);
void cf_json_open(struct cf_json *w, char c);  /* '{' or '[' */
void cf_json_close(struct cf_json *w, char c); /* '}' or ']' */
void cf_json_key(struct cf_json *w, const char *key);
void cf_json_str(struct cf_json *w, const char *z);       /* NULL writes null */
void cf_json_str_or_null(struct cf_json *w, const char *z); /* "" or NULL writes null */
void cf_json_int(struct cf_json *w, int64_t v);
void cf_json_bool(struct cf_json *w, bool v);
void cf_json_null(struct cf_json *w);
void cf_json_raw(struct cf_json *w, const char *json);    /* already valid JSON */
/* key + value shorthands */
void cf_json_kstr(struct cf_json *w, const char *key, const char *z);
void cf_json_kint(struct cf_json *w, const char *key, int64_t v);
void cf_json_kbool(struct cf_json *w, const char *key, bool v);
/* key + the string a b c d concatenated (NULL parts skipped), escaped */
void cf_json_kcat(struct cf_json *w, const char *key, const char *a, const char *b,
                  const char *c, const char *d);
/* RFC 2822 date string of a µs time, as a value (after cf_json_key) */
void cf_json_kdate_value(struct cf_json *w, int64_t t);
/* RFC 2822 date string of a µs time */
void cf_json_kdate(struct cf_json *w, const char *key, int64_t t);
/* Escapes z into b as a JSON string with quotes. */
int cf_json_escape(struct cf_buf *b, const char *z);

#endif
