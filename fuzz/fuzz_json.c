/* SPDX-License-Identifier: MIT
 *
 * fuzz_json.c - cf_params_parse_json: flat JSON request bodies.
 *
 * Checks beyond memory safety (the promises of cf_params.h):
 *   - the caps on count, name and value length; names without NUL; values
 *     NUL-terminated at value_len;
 *   - a failed call leaves out unchanged; appending the same body again
 *     succeeds exactly when the total stays within the count cap;
 *   - writing the pairs back as a JSON object of strings and decoding that
 *     gives the same pairs (numbers and booleans come back as the same text).
 */
#include "fuzz_common.h"

#include "../src/base/cf_arena.h"
#include "../src/base/cf_buf.h"
#include "../src/base/cf_err.h"
#include "../src/http/cf_params.h"

static void check_pairs(const struct cf_params *p)
{
    FUZZ_CHECK(p->n <= CF_PARAMS_MAX_COUNT);
    for (size_t i = 0; i < p->n; i++) {
        const struct cf_param *q = &p->v[i];
        FUZZ_CHECK(q->name && q->value);
        FUZZ_CHECK(strlen(q->name) <= CF_PARAMS_MAX_NAME);
        FUZZ_CHECK(q->value_len <= CF_PARAMS_MAX_VALUE);
        FUZZ_CHECK(q->value[q->value_len] == '\0');
    }
}

/* Appends s[0..len) as a JSON string literal. */
static void put_json_string(struct cf_buf *b, const char *s, size_t len)
{
    static const char hx[] = "0123456789abcdef";
    FUZZ_CHECK(cf_buf_putc(b, '"') == 0);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            FUZZ_CHECK(cf_buf_append(b, e, 2) == 0);
        } else if (c < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', hx[c >> 4], hx[c & 15]};
            FUZZ_CHECK(cf_buf_append(b, e, 6) == 0);
        } else {
            FUZZ_CHECK(cf_buf_putc(b, (char)c) == 0);
        }
    }
    FUZZ_CHECK(cf_buf_putc(b, '"') == 0);
}

static void check_roundtrip(const struct cf_params *p, struct cf_arena *a)
{
    struct cf_buf b;
    struct cf_params q = {NULL, 0};
    struct cf_err err;
    size_t i;
    cf_buf_init(&b, (size_t)1 << 22);
    FUZZ_CHECK(cf_buf_putc(&b, '{') == 0);
    for (i = 0; i < p->n; i++) {
        if (i) FUZZ_CHECK(cf_buf_putc(&b, ',') == 0);
        put_json_string(&b, p->v[i].name, strlen(p->v[i].name));
        FUZZ_CHECK(cf_buf_putc(&b, ':') == 0);
        put_json_string(&b, p->v[i].value, p->v[i].value_len);
    }
    FUZZ_CHECK(cf_buf_putc(&b, '}') == 0);
    FUZZ_CHECK(cf_params_parse_json(cf_buf_str(&b), b.len, a, &q, &err) == 0);
    FUZZ_CHECK(q.n == p->n);
    for (i = 0; i < p->n; i++) {
        FUZZ_CHECK(strcmp(q.v[i].name, p->v[i].name) == 0);
        FUZZ_CHECK(q.v[i].value_len == p->v[i].value_len);
        FUZZ_CHECK(memcmp(q.v[i].value, p->v[i].value, p->v[i].value_len) == 0);
    }
    cf_buf_cleanup(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = fuzz_dup(data, size);
    struct cf_arena a;
    struct cf_params p = {NULL, 0};
    struct cf_err err;
    int rc;

    cf_arena_init(&a);
    rc = cf_params_parse_json(buf, size, &a, &p, &err);
    FUZZ_CHECK(rc == 0 || rc == CF_EINVAL || rc == CF_ETOOBIG);
    if (rc) {
        FUZZ_CHECK(p.n == 0 && p.v == NULL);
        FUZZ_CHECK(err.code == rc && memchr(err.msg, '\0', sizeof err.msg));
    } else {
        struct cf_params first = p;
        check_pairs(&p);
        check_roundtrip(&p, &a);
        rc = cf_params_parse_json(buf, size, &a, &p, &err);
        if (first.n * 2 <= CF_PARAMS_MAX_COUNT) {
            FUZZ_CHECK(rc == 0 && p.n == first.n * 2);
            check_pairs(&p);
        } else {
            FUZZ_CHECK(rc == CF_ETOOBIG && p.n == first.n && p.v == first.v);
        }
    }
    cf_arena_cleanup(&a);
    free(buf);
    return 0;
}
