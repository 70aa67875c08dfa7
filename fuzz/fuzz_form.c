/* SPDX-License-Identifier: MIT
 *
 * fuzz_form.c - cf_params_parse_form: query strings and
 * application/x-www-form-urlencoded bodies, straight off the network.
 *
 * Checks beyond memory safety (the promises of cf_params.h):
 *   - at most CF_PARAMS_MAX_COUNT pairs; names at most CF_PARAMS_MAX_NAME
 *     bytes with no NUL inside; values at most CF_PARAMS_MAX_VALUE bytes
 *     and NUL-terminated at value_len;
 *   - a failed call leaves out unchanged, and appending a second time
 *     succeeds exactly when the total stays within the count cap;
 *   - re-encoding the pairs (cf_str_form_add) and decoding again gives the
 *     same pairs;
 *   - cf_params_get returns the last pair of a name.
 */
#include "fuzz_common.h"

#include "../src/base/cf_arena.h"
#include "../src/base/cf_buf.h"
#include "../src/base/cf_err.h"
#include "../src/base/cf_str.h"
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

/* Encodes p as a form body and decodes it again into the same pairs.
 * Skipped when a value holds a NUL (cf_str_form_add takes C strings). */
static void check_roundtrip(const struct cf_params *p, struct cf_arena *a)
{
    struct cf_buf b;
    struct cf_params q = {NULL, 0};
    struct cf_err err;
    size_t i;
    for (i = 0; i < p->n; i++)
        if (strlen(p->v[i].value) != p->v[i].value_len) return;
    cf_buf_init(&b, (size_t)1 << 22);
    for (i = 0; i < p->n; i++) FUZZ_CHECK(cf_str_form_add(&b, p->v[i].name, p->v[i].value) == 0);
    FUZZ_CHECK(cf_params_parse_form(cf_buf_str(&b), b.len, a, &q, &err) == 0);
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
    rc = cf_params_parse_form(buf, size, &a, &p, &err);
    FUZZ_CHECK(rc == 0 || rc == CF_EINVAL || rc == CF_ETOOBIG);
    if (rc) {
        FUZZ_CHECK(p.n == 0 && p.v == NULL);
        FUZZ_CHECK(err.code == rc && memchr(err.msg, '\0', sizeof err.msg));
    } else {
        struct cf_params first = p;
        check_pairs(&p);
        if (p.n) {
            const char *last = cf_params_get(&p, p.v[p.n - 1].name);
            FUZZ_CHECK(last == p.v[p.n - 1].value);
            FUZZ_CHECK(cf_params_count(&p, p.v[0].name) >= 1);
        }
        check_roundtrip(&p, &a);
        /* Append the same pairs once more. */
        rc = cf_params_parse_form(buf, size, &a, &p, &err);
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
