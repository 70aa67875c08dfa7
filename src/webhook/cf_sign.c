/* SPDX-License-Identifier: MIT
 *
 * cf_sign.c - Twilio/SignalWire request signatures (see cf_sign.h).
 *
 * Design: the string to sign is never built. The pairs are sorted through a
 * heap copy of their pointers (qsort by name, then value, both in byte
 * order), the exact length of the string is added up first so an over-long
 * one is refused before any hashing, and then the URL and each name and
 * value are fed straight into an OpenSSL 3 EVP_MAC HMAC-SHA1 context. So
 * the only allocation is n pointers, and a value holding NUL bytes signs
 * whole.
 *
 * Byte order of UTF-8 is code point order, which is what Python's sorted()
 * uses on str; that makes our order the validators' order for any UTF-8
 * names and values. (twilio-node sorts by UTF-16 code units, which differs
 * only when a name mixes characters above U+FFFF with ones in
 * U+E000..U+FFFF; confab's parameter names are ASCII.)
 *
 * Duplicates: modern twilio-python (sorted(set(values))) and twilio-node
 * (new Set(values)) drop repeated identical values of one name before
 * signing, so we skip a pair equal to the one sorted before it.
 */
#include "cf_sign.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "../base/cf_err.h"
#include "../base/cf_mem.h"

#define CF_SIGN_SHA1_LEN 20 /* bytes of an HMAC-SHA1 */

/* Bytes of p's value that are signed (see cf_sign.h for the 0 rule). */
static size_t pair_value_len(const struct cf_param *p)
{
    if (!p->value) return 0;
    return p->value_len ? p->value_len : strlen(p->value);
}

/* qsort comparator over const struct cf_param *: name, then value bytes. */
static int pair_cmp(const void *x, const void *y)
{
    const struct cf_param *a = *(const struct cf_param *const *)x;
    const struct cf_param *b = *(const struct cf_param *const *)y;
    size_t al, bl, m;
    int c = strcmp(a->name ? a->name : "", b->name ? b->name : "");
    if (c) return c;
    al = pair_value_len(a);
    bl = pair_value_len(b);
    m = al < bl ? al : bl;
    c = m ? memcmp(a->value, b->value, m) : 0;
    if (c) return c;
    return al < bl ? -1 : al > bl;
}

/* True when a and b are the same name and the same value bytes. */
static int pair_same(const struct cf_param *a, const struct cf_param *b)
{
    return pair_cmp(&a, &b) == 0;
}

/* HMAC-SHA1 of url + the sorted, deduplicated pairs, into mac[20]. Returns
 * 0 or CF_ESYS. */
static int hmac_pairs(const char *key, const char *url,
                      const struct cf_param *const *v, size_t n,
                      unsigned char mac[CF_SIGN_SHA1_LEN])
{
    /* A one-byte stand-in for an empty key: EVP_MAC_init treats a NULL key
     * as "keep the previous one", so "" must still be a real pointer. */
    static const unsigned char nokey[1] = {0};
    EVP_MAC *m = NULL;
    EVP_MAC_CTX *ctx = NULL;
    OSSL_PARAM params[2];
    char digest[] = "SHA1";
    size_t keylen = strlen(key), outl = 0, i;
    int rc = CF_ESYS;

    m = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!m) goto out;
    ctx = EVP_MAC_CTX_new(m);
    if (!ctx) goto out;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    if (!EVP_MAC_init(ctx, keylen ? (const unsigned char *)key : nokey, keylen,
                      params))
        goto out;
    if (!EVP_MAC_update(ctx, (const unsigned char *)url, strlen(url))) goto out;
    for (i = 0; i < n; i++) {
        const struct cf_param *p = v[i];
        size_t vl = pair_value_len(p);
        if (i > 0 && pair_same(v[i - 1], p)) continue;
        if (p->name && !EVP_MAC_update(ctx, (const unsigned char *)p->name,
                                       strlen(p->name)))
            goto out;
        if (vl && !EVP_MAC_update(ctx, (const unsigned char *)p->value, vl))
            goto out;
    }
    if (!EVP_MAC_final(ctx, mac, &outl, CF_SIGN_SHA1_LEN)) goto out;
    if (outl != CF_SIGN_SHA1_LEN) goto out;
    rc = 0;
out:
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(m);
    return rc;
}

int cf_sign(const char *key, const char *url, const struct cf_params *form,
            char out[CF_SIGN_LEN])
{
    const struct cf_param **v = NULL;
    unsigned char mac[CF_SIGN_SHA1_LEN];
    char b64[CF_SIGN_LEN];
    size_t n = form ? form->n : 0, total, i;
    int rc;

    total = strlen(url);
    if (total > CF_SIGN_MAX) return CF_ETOOBIG;
    if (n > SIZE_MAX / sizeof *v) return CF_ETOOBIG;
    if (n) {
        v = cf_malloc(n * sizeof *v);
        for (i = 0; i < n; i++) v[i] = &form->v[i];
        qsort(v, n, sizeof *v, pair_cmp);
        /* Add up the exact length first; each step is checked against the
         * cap, so the sum cannot overflow. */
        for (i = 0; i < n; i++) {
            size_t nl, vl;
            if (i > 0 && pair_same(v[i - 1], v[i])) continue;
            nl = v[i]->name ? strlen(v[i]->name) : 0;
            vl = pair_value_len(v[i]);
            if (nl > CF_SIGN_MAX - total) goto toobig;
            total += nl;
            if (vl > CF_SIGN_MAX - total) goto toobig;
            total += vl;
        }
    }
    rc = hmac_pairs(key, url, v, n, mac);
    if (rc) goto out;
    /* 20 bytes encode to 28 characters plus the NUL EVP_EncodeBlock adds. */
    if (EVP_EncodeBlock((unsigned char *)b64, mac, CF_SIGN_SHA1_LEN) !=
        CF_SIGN_LEN - 1) {
        rc = CF_ESYS;
        goto out;
    }
    memcpy(out, b64, CF_SIGN_LEN);
    rc = 0;
    goto out;
toobig:
    rc = CF_ETOOBIG;
out:
    cf_free(v);
    return rc;
}

int cf_sign_form_body(const char *key, const char *url, const char *body,
                      size_t len, struct cf_arena *a, char out[CF_SIGN_LEN])
{
    struct cf_params form = {NULL, 0};
    struct cf_err err;
    int rc = cf_params_parse_form(body, len, a, &form, &err);
    if (rc) return rc;
    return cf_sign(key, url, &form, out);
}

char *cf_sign_url(const char *url, struct cf_arena *a)
{
    size_t len = strcspn(url, "#"); /* the fragment is never sent */
    const char *scheme_end = strstr(url, "://");
    const char *auth, *auth_end, *at = NULL;
    if (!scheme_end || (size_t)(scheme_end - url) >= len) return cf_arena_strndup(a, url, len);
    auth = scheme_end + 3;
    auth_end = auth + strcspn(auth, "/?#");
    for (const char *p = auth; p < auth_end; p++)
        if (*p == '@') at = p;
    if (!at) return cf_arena_strndup(a, url, len);
    /* scheme "://" + what follows the userinfo's '@' */
    return cf_arena_cat(a, cf_arena_strndup(a, url, (size_t)(auth - url)),
                        cf_arena_strndup(a, at + 1, len - (size_t)(at + 1 - url)));
}
