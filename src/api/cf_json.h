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
void cf_json_str(struct cf_json *w, const char *z);       /* NULL writes null */
void cf_json_str_or_null(struct cf_json *w, const char *z); /* "" or NULL writes null */
void cf_json_int(struct cf_json *w, int64_t v);
void cf_json_bool(struct cf_json *w, bool v);
void cf_json_null(struct cf_json *w);
void cf_json_raw(struct cf_json *w, const char *json);    /* already valid JSON */
/* The string "<base>/<id><suffix>", for URI paths: only id is escaped.
 * base (base_len bytes) is written as it is: text that needs no escaping, as
 * a path of fixed and percent-encoded segments (cf_api_conf_base), or that is
 * escaped already; suffix is a literal that needs none either (cf_json_kuri
 * passes one). */
void cf_json_uri(struct cf_json *w, const char *base, size_t base_len, const char *id,
                 const char *suffix, size_t suffix_len);
/* RFC 2822 date string of a µs time, as a value (after a key) */
void cf_json_kdate_value(struct cf_json *w, int64_t t);

/* Keys. All but two are literals, so the macros below build a key's JSON
 * text when compiling (",\"key\":", written with or without its comma in
 * one copy) instead of escaping it on every response: a list page has 800
 * keys. A literal key must need no escaping (every key of the API is
 * [a-z_]); a key passed as a variable does not compile, and goes through
 * cf_json_key_esc, which escapes it. */
#define CF_JSON_KEYTEXT(key) ",\"" key "\":"
void cf_json_key_text(struct cf_json *w, const char *text, size_t n);
void cf_json_key_esc(struct cf_json *w, const char *key);
#define cf_json_key(w, key) \
    cf_json_key_text((w), CF_JSON_KEYTEXT(key), sizeof CF_JSON_KEYTEXT(key) - 1)
/* key + value shorthands */
#define cf_json_kstr(w, key, z) (cf_json_key(w, key), cf_json_str((w), (z)))
#define cf_json_kint(w, key, v) (cf_json_key(w, key), cf_json_int((w), (v)))
#define cf_json_kbool(w, key, v) (cf_json_key(w, key), cf_json_bool((w), (v)))
#define cf_json_kdate(w, key, t) (cf_json_key(w, key), cf_json_kdate_value((w), (t)))
#define cf_json_kuri(w, key, base, base_len, id, suffix) \
    (cf_json_key(w, key), cf_json_uri((w), (base), (base_len), (id), "" suffix, sizeof suffix - 1))
/* Escapes z into b as a JSON string with quotes. */
int cf_json_escape(struct cf_buf *b, const char *z);

#endif
