/* SPDX-License-Identifier: MIT
 *
 * test_auth.c - unit tests for cf_auth: strict base64 (the RFC 4648 test
 * vectors and malformed input), Basic credential parsing, SHA-256 token
 * hashes and their matching, and new secrets.
 *
 * base64 input is decoded from an exact-size heap copy (no NUL) into an
 * exact-size output buffer, so AddressSanitizer catches over-reads and
 * over-writes.
 */
#include <stdlib.h>
#include <string.h>

#include "../../src/base/cf_arena.h"
#include "../../src/base/cf_err.h"
#include "../../src/base/cf_mem.h"
#include "../../src/http/cf_auth.h"
#include "cf_test.h"

/* Decodes z; on success copies the NUL-terminated result into out[64]. */
static long ta_b64(const char *z, char *out)
{
    size_t len = strlen(z);
    char *in = cf_malloc(len ? len : 1);
    unsigned char *dec = cf_malloc(3 * len / 4 + 1); /* the documented minimum */
    long n;
    if (len) memcpy(in, z, len);
    n = cf_auth_base64_decode(in, len, dec);
    out[0] = '\0';
    if (n >= 0 && n < 63) memcpy(out, dec, (size_t)n + 1);
    cf_free(in);
    cf_free(dec);
    return n;
}

CF_TEST(auth_base64_rfc4648_vectors)
{
    static const struct {
        const char *enc, *dec;
    } v[] = {
        {"", ""},         {"Zg==", "f"},         {"Zm8=", "fo"},        {"Zm9v", "foo"},
        {"Zm9vYg==", "foob"}, {"Zm9vYmE=", "fooba"}, {"Zm9vYmFy", "foobar"},
    };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        char out[64];
        long n = ta_b64(v[i].enc, out);
        CF_CHECK_INT(n, strlen(v[i].dec));
        CF_CHECK_STR(out, v[i].dec);
    }
}

CF_TEST(auth_base64_alphabet_and_binary)
{
    char out[64];
    unsigned char dec[16];
    /* every alphabet character, '+' and '/' included */
    CF_CHECK_INT(ta_b64("+/+/", out), 3);
    CF_CHECK_STR(out, "\xfb\xff\xbf");
    CF_CHECK_INT(ta_b64("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=", out), 26);
    CF_CHECK_STR(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    CF_CHECK_INT(ta_b64("YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo=", out), 26);
    CF_CHECK_STR(out, "abcdefghijklmnopqrstuvwxyz");
    CF_CHECK_INT(ta_b64("MDEyMzQ1Njc4OQ==", out), 10);
    CF_CHECK_STR(out, "0123456789");
    /* binary, including NUL bytes, with the terminator after them */
    CF_CHECK_INT(cf_auth_base64_decode("AAD/", 4, dec), 3);
    CF_CHECK_INT(dec[0], 0);
    CF_CHECK_INT(dec[1], 0);
    CF_CHECK_INT(dec[2], 0xff);
    CF_CHECK_INT(dec[3], 0);
}

CF_TEST(auth_base64_invalid)
{
    static const char *bad[] = {
        /* length not a multiple of 4 */
        "Z", "Zg", "Zg=", "Zm9", "Zm9vY", "Zm9vYg", "Zm9vYg=", "Zg===",
        /* characters outside the alphabet */
        "Zm9!", "Zm9v\n", "Zm 9", "Zm9-", "Zm9_", "Zm9\x80", "Zm9vYmF\xff", "Zm9.",
        /* padding in the wrong place, or data after it */
        "====", "Z===", "=Zg=", "Zg=A", "Zg==Zg==", "Zm8=Zm9v", "Zg==AAAA", "Z=g=",
        "Zm9vYg=A",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char out[64];
        long n = ta_b64(bad[i], out);
        if (n != -1) fprintf(stderr, "  input: \"%s\"\n", bad[i]);
        CF_CHECK_INT(n, -1);
    }
    /* an embedded NUL is not a base64 character */
    {
        unsigned char dec[8];
        CF_CHECK_INT(cf_auth_base64_decode("Zm\0v", 4, dec), -1);
    }
}

/* ---- Basic ---- */

CF_TEST(auth_parse_basic_ok)
{
    struct cf_arena a;
    const char *user = NULL, *pass = NULL;
    cf_arena_init(&a);
    CF_CHECK_INT(cf_auth_parse_basic("Basic dXNlcjpwYXNz", &a, &user, &pass), 0);
    CF_CHECK_STR(user, "user");
    CF_CHECK_STR(pass, "pass");
    /* the scheme is case-insensitive */
    user = pass = NULL;
    CF_CHECK_INT(cf_auth_parse_basic("basic dXNlcjpwYXNz", &a, &user, &pass), 0);
    CF_CHECK_STR(user, "user");
    CF_CHECK_STR(pass, "pass");
    user = pass = NULL;
    CF_CHECK_INT(cf_auth_parse_basic("BASIC dXNlcjpwYXNz", &a, &user, &pass), 0);
    CF_CHECK_STR(user, "user");
    user = pass = NULL;
    CF_CHECK_INT(cf_auth_parse_basic("bAsIc dXNlcjpwYXNz", &a, &user, &pass), 0);
    CF_CHECK_STR(pass, "pass");
    /* extra spaces around the credentials */
    user = pass = NULL;
    CF_CHECK_INT(cf_auth_parse_basic("Basic    dXNlcjpwYXNz  ", &a, &user, &pass), 0);
    CF_CHECK_STR(user, "user");
    CF_CHECK_STR(pass, "pass");
    /* the password may contain ':' ("user:pa:ss") */
    CF_CHECK_INT(cf_auth_parse_basic("Basic dXNlcjpwYTpzcw==", &a, &user, &pass), 0);
    CF_CHECK_STR(user, "user");
    CF_CHECK_STR(pass, "pa:ss");
    /* empty user or password (":pass", "user:") */
    CF_CHECK_INT(cf_auth_parse_basic("Basic OnBhc3M=", &a, &user, &pass), 0);
    CF_CHECK_STR(user, "");
    CF_CHECK_STR(pass, "pass");
    CF_CHECK_INT(cf_auth_parse_basic("Basic dXNlcjo=", &a, &user, &pass), 0);
    CF_CHECK_STR(user, "user");
    CF_CHECK_STR(pass, "");
    /* a realistic project id and 64-hex token */
    CF_CHECK_INT(cf_auth_parse_basic(
                     "Basic MGY4ZTdkNmMtNWI0YS00MzkyLTgxNzAtNmY1ZTRkM2MyYjFhOjAxMjM0NTY3ODlh"
                     "YmNkZWYwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
                     &a, &user, &pass),
                 0);
    CF_CHECK_STR(user, "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a");
    CF_CHECK_STR(pass, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    cf_arena_cleanup(&a);
}

CF_TEST(auth_parse_basic_invalid)
{
    static const char *bad[] = {
        "",
        "Basic",
        "Basic ",
        "Basic  ",
        "Basic dXNlcnBhc3M=",    /* "userpass": no colon */
        "Basic dXNlcjpwYXNz=",   /* bad length */
        "Basic dXNlcjpwYXN",     /* bad length */
        "Basic dXNlcjp!YXNz",    /* bad character */
        "Basic dXNl cjpwYXNz",   /* space inside */
        "Basic dXNlcjpwYXNz\t",  /* tab is not trimmed */
        "Basic\tdXNlcjpwYXNz",   /* the scheme needs a space */
        "BasicdXNlcjpwYXNz",
        "Bearer dXNlcjpwYXNz",
        "Digest dXNlcjpwYXNz",
        "Basi dXNlcjpwYXNz",
        " Basic dXNlcjpwYXNz",
        "dXNlcjpwYXNz",
        "Basic dXNlcgA6cGFzcw==", /* "user\0:pass": NUL inside */
        "Basic dXNlcjpwYQBzcw==", /* "user:pa\0ss" */
        "Basic AA==",             /* "\0" */
        "Basic Zg==Zg==",         /* data after padding */
    };
    struct cf_arena a;
    cf_arena_init(&a);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *user = "untouched", *pass = "untouched";
        int rc = cf_auth_parse_basic(bad[i], &a, &user, &pass);
        if (rc != CF_EINVAL) fprintf(stderr, "  input: \"%s\"\n", bad[i]);
        CF_CHECK_INT(rc, CF_EINVAL);
        CF_CHECK_STR(user, "untouched");
        CF_CHECK_STR(pass, "untouched");
    }
    {
        const char *user = "untouched", *pass = "untouched";
        CF_CHECK_INT(cf_auth_parse_basic(NULL, &a, &user, &pass), CF_EINVAL);
        CF_CHECK_STR(user, "untouched");
    }
    cf_arena_cleanup(&a);
}

CF_TEST(auth_parse_basic_header_length)
{
    /* "Basic " + base64 of "u:" + 'p' * n, sized around the cap */
    struct cf_arena a;
    const char *user, *pass;
    char *h = cf_malloc(CF_AUTH_MAX_HEADER + 16);
    cf_arena_init(&a);
    /* 1016 base64 characters ("dTpw" + "cHBw"...) = 762 bytes; padded with
     * trailing spaces up to exactly the cap */
    memcpy(h, "Basic dTpw", 10);
    for (size_t i = 10; i < 6 + 1016; i += 4) memcpy(h + i, "cHBw", 4);
    h[6 + 1016] = ' ';
    h[6 + 1017] = ' ';
    h[CF_AUTH_MAX_HEADER] = '\0';
    CF_CHECK_INT(strlen(h), CF_AUTH_MAX_HEADER);
    CF_CHECK_INT(cf_auth_parse_basic(h, &a, &user, &pass), 0);
    CF_CHECK_STR(user, "u");
    CF_CHECK_INT(strlen(pass), 1016 / 4 * 3 - 2);
    CF_CHECK(strspn(pass, "p") == strlen(pass));
    /* one byte over the cap */
    h[CF_AUTH_MAX_HEADER] = ' ';
    h[CF_AUTH_MAX_HEADER + 1] = '\0';
    CF_CHECK_INT(cf_auth_parse_basic(h, &a, &user, &pass), CF_EINVAL);
    /* a long, otherwise valid header: 1020 base64 characters */
    memcpy(h, "Basic dTpw", 10);
    for (size_t i = 10; i < 6 + 1020; i += 4) memcpy(h + i, "cHBw", 4);
    h[6 + 1020] = '\0';
    CF_CHECK_INT(strlen(h), CF_AUTH_MAX_HEADER + 2);
    CF_CHECK_INT(cf_auth_parse_basic(h, &a, &user, &pass), CF_EINVAL);
    cf_free(h);
    cf_arena_cleanup(&a);
}

/* ---- hashes and secrets ---- */

CF_TEST(auth_hash_token_sha256)
{
    unsigned char h[32];
    char hex[65];
    static const char hx[] = "0123456789abcdef";
    cf_auth_hash_token("abc", h);
    for (int i = 0; i < 32; i++) hex[2 * i] = hx[h[i] >> 4], hex[2 * i + 1] = hx[h[i] & 15];
    hex[64] = '\0';
    CF_CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    cf_auth_hash_token("", h);
    for (int i = 0; i < 32; i++) hex[2 * i] = hx[h[i] >> 4], hex[2 * i + 1] = hx[h[i] & 15];
    CF_CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

CF_TEST(auth_hash_match)
{
    unsigned char h[32], list[4][32];
    cf_auth_hash_token("secret-1", list[0]);
    cf_auth_hash_token("secret-2", list[1]);
    cf_auth_hash_token("secret-3", list[2]);
    cf_auth_hash_token("secret-4", list[3]);
    cf_auth_hash_token("secret-3", h);
    CF_CHECK(cf_auth_hash_match(h, (const unsigned char(*)[32])list, 4));
    CF_CHECK(cf_auth_hash_match(h, (const unsigned char(*)[32])list + 2, 1));
    /* only the first n are compared */
    CF_CHECK(!cf_auth_hash_match(h, (const unsigned char(*)[32])list, 2));
    CF_CHECK(!cf_auth_hash_match(h, (const unsigned char(*)[32])list, 0));
    CF_CHECK(!cf_auth_hash_match(h, NULL, 0));
    cf_auth_hash_token("secret-5", h);
    CF_CHECK(!cf_auth_hash_match(h, (const unsigned char(*)[32])list, 4));
    /* the last byte differs */
    memcpy(h, list[3], 32);
    h[31] ^= 1;
    CF_CHECK(!cf_auth_hash_match(h, (const unsigned char(*)[32])list, 4));
    h[31] ^= 1;
    CF_CHECK(cf_auth_hash_match(h, (const unsigned char(*)[32])list, 4));
    /* the first byte differs */
    h[0] ^= 0x80;
    CF_CHECK(!cf_auth_hash_match(h, (const unsigned char(*)[32])list, 4));
}

CF_TEST(auth_new_secret)
{
    char s1[66], s2[66];
    unsigned char h1[32], h2[32];
    memset(s1, 'X', sizeof s1);
    memset(s2, 'X', sizeof s2);
    CF_CHECK_INT(cf_auth_new_secret(s1), 0);
    CF_CHECK_INT(cf_auth_new_secret(s2), 0);
    CF_CHECK_INT(strlen(s1), 64);
    CF_CHECK_INT(strlen(s2), 64);
    CF_CHECK_INT(s1[65], 'X');
    CF_CHECK_INT(strspn(s1, "0123456789abcdef"), 64);
    CF_CHECK_INT(strspn(s2, "0123456789abcdef"), 64);
    CF_CHECK(strcmp(s1, s2) != 0);
    /* a secret matches its own hash and not another's */
    cf_auth_hash_token(s1, h1);
    cf_auth_hash_token(s2, h2);
    CF_CHECK(cf_auth_hash_match(h1, (const unsigned char(*)[32])&h1, 1));
    CF_CHECK(!cf_auth_hash_match(h1, (const unsigned char(*)[32])&h2, 1));
}
