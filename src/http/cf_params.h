/* SPDX-License-Identifier: MIT
 *
 * cf_params.h - decoding request parameters: query strings, form bodies and
 * flat JSON bodies, into one ordered list of name/value pairs.
 *
 * All three decoders are pure (bytes in, pairs out), allocate only from the
 * caller's arena, and enforce the caps of spec part 0: at most
 * CF_PARAMS_MAX_COUNT pairs, names of at most CF_PARAMS_MAX_NAME bytes and
 * values of at most CF_PARAMS_MAX_VALUE bytes after decoding. Going past a
 * cap returns CF_ETOOBIG (the API answers 400); malformed input returns
 * CF_EINVAL. On failure err->msg says what was wrong, naming the parameter
 * where there is one. Repeated names are kept, in order.
 */
#ifndef CF_PARAMS_H
#define CF_PARAMS_H

#include <stddef.h>

#include "../base/cf_arena.h"
#include "../base/cf_err.h"

#define CF_PARAMS_MAX_COUNT 100
#define CF_PARAMS_MAX_NAME 256
#define CF_PARAMS_MAX_VALUE 4096

struct cf_param {
    const char *name;  /* NUL-terminated, decoded; arena-owned */
    const char *value; /* NUL-terminated, decoded; arena-owned */
    size_t value_len;  /* bytes in value (a value may contain NUL from %00) */
};

struct cf_params {
    struct cf_param *v; /* arena-owned array of n pairs */
    size_t n;
};

/* Decodes application/x-www-form-urlencoded text (also used for query
 * strings, without the leading '?'): pairs split on '&', name and value on
 * the first '=', '+' is a space, %XX is a byte (a bad escape is CF_EINVAL).
 * Empty segments ("a=1&&b=2") are skipped; a segment without '=' is a name
 * with an empty value. Appends to out (which may already hold pairs; the
 * count cap applies to the total). */
int cf_params_parse_form(const char *s, size_t len, struct cf_arena *a,
                         struct cf_params *out, struct cf_err *err);

/* Decodes a JSON body that must be one object of scalar members:
 * strings (with all JSON escapes, \uXXXX and surrogate pairs to UTF-8),
 * numbers (kept as their source text), true/false (as "true"/"false"),
 * and null (the member is skipped). A member whose value is an array of
 * strings/numbers/booleans becomes one pair per element (repeated keys).
 * Nested objects, arrays inside arrays, trailing garbage, invalid UTF-8 in
 * strings, or duplicate top-level structure errors are CF_EINVAL. An
 * empty body (or only white space) is no parameters, like an empty form:
 * SDKs send their JSON Content-Type on a DELETE without a body.
 * Appends to out like cf_params_parse_form. */
int cf_params_parse_json(const char *s, size_t len, struct cf_arena *a,
                         struct cf_params *out, struct cf_err *err);

/* Returns the value of the last pair named name, or NULL. */
const char *cf_params_get(const struct cf_params *p, const char *name);
/* Returns how many pairs are named name. */
size_t cf_params_count(const struct cf_params *p, const char *name);

#endif
