/* SPDX-License-Identifier: MIT
 *
 * fuzz_sign.c - cf_sign_form_body: signing an arbitrary form body (the
 * parameters of an outbound webhook POST) the way Twilio and SignalWire
 * validators check it.
 *
 * Checks beyond memory safety (the promises of cf_sign.h):
 *   - the result is 0, CF_EINVAL or CF_ETOOBIG, and success gives 28
 *     base64 characters;
 *   - the signature equals an independent reference: the string to sign
 *     built here in full (URL, then name + value of each distinct pair in
 *     byte order of name, then value) and hashed with one-shot HMAC();
 *   - cf_sign over the decoded pairs in reverse order gives the same
 *     signature (order of the body does not matter);
 *   - an empty key is allowed.
 */
#include "fuzz_common.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "../src/base/cf_arena.h"
#include "../src/base/cf_buf.h"
#include "../src/base/cf_err.h"
#include "../src/http/cf_params.h"
#include "../src/webhook/cf_sign.h"

#define URL "https://hooks.example.com/status?conf=1&x=%20y"

static int cmp_pair(const void *x, const void *y)
{
    const struct cf_param *a = x, *b = y;
    size_t m = a->value_len < b->value_len ? a->value_len : b->value_len;
    int c = strcmp(a->name, b->name);
    if (c) return c;
    c = m ? memcmp(a->value, b->value, m) : 0;
    if (c) return c;
    return a->value_len < b->value_len ? -1 : a->value_len > b->value_len;
}

/* Reference signature of url + sorted distinct pairs of p under key. */
static void reference(const char *key, const struct cf_params *p, char out[CF_SIGN_LEN])
{
    struct cf_param *v = malloc((p->n ? p->n : 1) * sizeof *v);
    struct cf_buf s;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    size_t i;
    FUZZ_CHECK(v != NULL);
    if (p->n) memcpy(v, p->v, p->n * sizeof *v);
    qsort(v, p->n, sizeof *v, cmp_pair);
    cf_buf_init(&s, CF_SIGN_MAX);
    FUZZ_CHECK(cf_buf_puts(&s, URL) == 0);
    for (i = 0; i < p->n; i++) {
        if (i && cmp_pair(&v[i - 1], &v[i]) == 0) continue;
        FUZZ_CHECK(cf_buf_puts(&s, v[i].name) == 0);
        FUZZ_CHECK(cf_buf_append(&s, v[i].value, v[i].value_len) == 0);
    }
    FUZZ_CHECK(HMAC(EVP_sha1(), key, (int)strlen(key), (const unsigned char *)cf_buf_str(&s),
                    s.len, mac, &maclen) != NULL);
    FUZZ_CHECK(maclen == 20);
    FUZZ_CHECK(EVP_EncodeBlock((unsigned char *)out, mac, 20) == CF_SIGN_LEN - 1);
    cf_buf_cleanup(&s);
    free(v);
}

static void sign_one(const char *key, const char *body, size_t size)
{
    struct cf_arena a;
    struct cf_params p = {NULL, 0};
    struct cf_err err;
    char sig[CF_SIGN_LEN], ref[CF_SIGN_LEN], rev_sig[CF_SIGN_LEN];
    int rc;

    cf_arena_init(&a);
    memset(sig, 'x', sizeof sig);
    rc = cf_sign_form_body(key, URL, body, size, &a, sig);
    FUZZ_CHECK(rc == 0 || rc == CF_EINVAL || rc == CF_ETOOBIG);
    if (rc == 0) {
        FUZZ_CHECK(strlen(sig) == CF_SIGN_LEN - 1);
        FUZZ_CHECK(cf_params_parse_form(body, size, &a, &p, &err) == 0);
        reference(key, &p, ref);
        FUZZ_CHECK(strcmp(sig, ref) == 0);
        if (p.n > 1) {
            struct cf_params rev = {cf_arena_alloc(&a, p.n * sizeof *p.v), p.n};
            for (size_t i = 0; i < p.n; i++) rev.v[i] = p.v[p.n - 1 - i];
            FUZZ_CHECK(cf_sign(key, URL, &rev, rev_sig) == 0);
            FUZZ_CHECK(strcmp(rev_sig, sig) == 0);
        }
    }
    cf_arena_cleanup(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = fuzz_dup(data, size);
    sign_one("e5b4c1d2a3f60718293a4b5c6d7e8f90", body, size);
    if (size & 1) sign_one("", body, size);
    free(body);
    return 0;
}
