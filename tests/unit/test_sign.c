/* SPDX-License-Identifier: MIT
 *
 * test_sign.c - unit tests for cf_sign: the spec's §8.6 test vectors,
 * values computed by python3-twilio's RequestValidator, parameter sorting,
 * repeated names, empty forms, UTF-8 and NUL bytes in values, the 1 MiB cap
 * and malformed bodies.
 *
 * Besides fixed vectors, cases are checked against a reference signature
 * computed here the slow, obvious way: build the string to sign by hand and
 * run OpenSSL's one-shot HMAC() over it. That path shares no code with
 * cf_sign's streaming EVP_MAC one.
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "../../src/base/cf_arena.h"
#include "../../src/base/cf_err.h"
#include "../../src/base/cf_mem.h"
#include "../../src/http/cf_params.h"
#include "../../src/webhook/cf_sign.h"
#include "cf_test.h"

/* Base64(HMAC-SHA1(key, s[0..len))) into out, the obvious way. */
static void ref_sign(const char *key, const char *s, size_t len, char out[CF_SIGN_LEN])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    HMAC(EVP_sha1(), key, (int)strlen(key), (const unsigned char *)s, len, mac,
         &maclen);
    EVP_EncodeBlock((unsigned char *)out, mac, (int)maclen);
}

/* Signs a form body given as a C string; returns cf_sign_form_body's rc and
 * checks the arena is empty after cleanup. */
static int sign_body(const char *key, const char *url, const char *body,
                     char out[CF_SIGN_LEN], int *cf_failed_)
{
    struct cf_arena a;
    int rc;
    cf_arena_init(&a);
    rc = cf_sign_form_body(key, url, body, strlen(body), &a, out);
    cf_arena_cleanup(&a);
    CF_CHECK_INT(a.used, 0);
    return rc;
}

CF_TEST(sign_spec_vector_form)
{
    struct cf_param v[1] = {{"foo", "bar", 3}};
    struct cf_params p = {v, 1};
    char sig[CF_SIGN_LEN];
    CF_CHECK_INT(cf_sign("qwerty", "https://example.com/test", &p, sig), 0);
    CF_CHECK_STR(sig, "TR9Skm9jiF4WVRJznU5glK5I83k=");
    CF_CHECK_INT(strlen(sig), CF_SIGN_LEN - 1);
    memset(sig, 0, sizeof sig);
    CF_CHECK_INT(sign_body("qwerty", "https://example.com/test", "foo=bar", sig,
                           cf_failed_),
                 0);
    CF_CHECK_STR(sig, "TR9Skm9jiF4WVRJznU5glK5I83k=");
}

CF_TEST(sign_spec_vector_body_sha256)
{
    const char *url = "https://example.com/test?bodySHA256="
                      "8d90d640c6ba47d595ac56203d7f5c6b511be80fdf44a2055acca75a119b9fd2";
    struct cf_params none = {NULL, 0};
    char sig[CF_SIGN_LEN];
    CF_CHECK_INT(cf_sign("qwerty", url, NULL, sig), 0);
    CF_CHECK_STR(sig, "zR5Oq4f6cijN5oz5bisiVuxYnTU=");
    memset(sig, 0, sizeof sig);
    CF_CHECK_INT(cf_sign("qwerty", url, &none, sig), 0);
    CF_CHECK_STR(sig, "zR5Oq4f6cijN5oz5bisiVuxYnTU=");
}

/* Value printed by python3-twilio 7.7.1:
 *   RequestValidator('secret').compute_signature('http://127.0.0.1:9/cb?x=1',
 *       {'CallSid':'abc','AccountSid':'def','Muted':'false'}) */
CF_TEST(sign_python_twilio_crosscheck)
{
    struct cf_param v[3] = {
        {"CallSid", "abc", 3}, {"AccountSid", "def", 3}, {"Muted", "false", 5}};
    struct cf_params p = {v, 3};
    char sig[CF_SIGN_LEN];
    CF_CHECK_INT(cf_sign("secret", "http://127.0.0.1:9/cb?x=1", &p, sig), 0);
    CF_CHECK_STR(sig, "62ckKtM714ZKpnOqiujPS17fNYs=");
    memset(sig, 0, sizeof sig);
    CF_CHECK_INT(sign_body("secret", "http://127.0.0.1:9/cb?x=1",
                           "CallSid=abc&AccountSid=def&Muted=false", sig, cf_failed_),
                 0);
    CF_CHECK_STR(sig, "62ckKtM714ZKpnOqiujPS17fNYs=");
    /* The caller's pairs are sorted through a copy, never in place. */
    CF_CHECK_STR(v[0].name, "CallSid");
    CF_CHECK_STR(v[1].name, "AccountSid");
    CF_CHECK_STR(v[2].name, "Muted");
}

CF_TEST(sign_sorting)
{
    struct cf_param sorted[4] = {
        {"AccountSid", "AC1", 3}, {"CallSid", "CA1", 3}, {"From", "+1555", 5},
        {"a", "lower", 5}};
    struct cf_param shuffled[4] = {
        {"a", "lower", 5}, {"From", "+1555", 5}, {"AccountSid", "AC1", 3},
        {"CallSid", "CA1", 3}};
    struct cf_params ps = {sorted, 4}, pu = {shuffled, 4};
    const char *url = "https://h.example/cb";
    char s1[CF_SIGN_LEN], s2[CF_SIGN_LEN], ref[CF_SIGN_LEN];
    const char *str = "https://h.example/cbAccountSidAC1CallSidCA1From+1555alower";
    CF_CHECK_INT(cf_sign("k", url, &ps, s1), 0);
    CF_CHECK_INT(cf_sign("k", url, &pu, s2), 0);
    CF_CHECK_STR(s1, s2);
    /* Byte order: upper case before lower case ("From" < "a"). */
    ref_sign("k", str, strlen(str), ref);
    CF_CHECK_STR(s1, ref);
    /* A prefix sorts before the longer name. */
    {
        struct cf_param v[2] = {{"Namex", "1", 1}, {"Name", "2", 1}};
        struct cf_params p = {v, 2};
        const char *z = "u" "Name2" "Namex1";
        CF_CHECK_INT(cf_sign("k", "u", &p, s1), 0);
        ref_sign("k", z, strlen(z), ref);
        CF_CHECK_STR(s1, ref);
    }
}

CF_TEST(sign_repeated_names)
{
    const char *url = "https://h.example/cb";
    const char *str = "https://h.example/cb"
                      "StatusCallbackEventend"
                      "StatusCallbackEventjoin"
                      "StatusCallbackEventstart"
                      "To+1";
    char s1[CF_SIGN_LEN], s2[CF_SIGN_LEN], ref[CF_SIGN_LEN];
    ref_sign("key", str, strlen(str), ref);
    CF_CHECK_INT(sign_body("key", url,
                           "To=%2B1&StatusCallbackEvent=start&StatusCallbackEvent=end"
                           "&StatusCallbackEvent=join",
                           s1, cf_failed_),
                 0);
    CF_CHECK_STR(s1, ref);
    CF_CHECK_INT(sign_body("key", url,
                           "StatusCallbackEvent=join&StatusCallbackEvent=start&To=%2B1"
                           "&StatusCallbackEvent=end",
                           s2, cf_failed_),
                 0);
    CF_CHECK_STR(s2, ref);
    /* A value that prefixes another sorts first ("a" < "ab"). */
    {
        const char *z = "uxaxab";
        CF_CHECK_INT(sign_body("key", "u", "x=ab&x=a", s1, cf_failed_), 0);
        ref_sign("key", z, strlen(z), ref);
        CF_CHECK_STR(s1, ref);
    }
    /* Identical pairs count once, like the validators' set of values. */
    CF_CHECK_INT(sign_body("key", url, "a=1&a=1&b=2&a=1", s1, cf_failed_), 0);
    CF_CHECK_INT(sign_body("key", url, "b=2&a=1", s2, cf_failed_), 0);
    CF_CHECK_STR(s1, s2);
}

CF_TEST(sign_empty_form)
{
    const char *url = "https://example.com/cb";
    struct cf_params none = {NULL, 0};
    char s1[CF_SIGN_LEN], s2[CF_SIGN_LEN], s3[CF_SIGN_LEN], ref[CF_SIGN_LEN];
    CF_CHECK_INT(cf_sign("secret", url, NULL, s1), 0);
    CF_CHECK_INT(cf_sign("secret", url, &none, s2), 0);
    CF_CHECK_INT(sign_body("secret", url, "", s3, cf_failed_), 0);
    /* python3-twilio: compute_signature('https://example.com/cb', {}) */
    CF_CHECK_STR(s1, "krEaMaXu6XU0tNYLRBXQNDL0JaU=");
    CF_CHECK_STR(s2, s1);
    CF_CHECK_STR(s3, s1);
    /* An empty name or value still signs (as nothing for that part). */
    {
        struct cf_param v[2] = {{"Empty", "", 0}, {"", "x", 1}};
        struct cf_params p = {v, 2};
        const char *z = "https://example.com/cbxEmpty";
        CF_CHECK_INT(cf_sign("secret", url, &p, s1), 0);
        ref_sign("secret", z, strlen(z), ref);
        CF_CHECK_STR(s1, ref);
    }
    /* An empty key is a valid HMAC key. */
    CF_CHECK_INT(cf_sign("", url, NULL, s1), 0);
    ref_sign("", url, strlen(url), ref);
    CF_CHECK_STR(s1, ref);
}

CF_TEST(sign_utf8_values)
{
    /* "Café ☕ 会議 😀" in UTF-8, and the value python3-twilio gives for
     * compute_signature('https://example.com/cb',
     *     {'FriendlyName': 'Café ☕ 会議 😀', 'b': '2', 'a': '1'}). */
    const char *fn = "Caf\xc3\xa9 \xe2\x98\x95 \xe4\xbc\x9a\xe8\xad\xb0 \xf0\x9f\x98\x80";
    struct cf_param v[3] = {{"FriendlyName", fn, 0}, {"b", "2", 1}, {"a", "1", 1}};
    struct cf_params p = {v, 3};
    char s1[CF_SIGN_LEN], s2[CF_SIGN_LEN];
    v[0].value_len = strlen(fn);
    CF_CHECK_INT(cf_sign("secret", "https://example.com/cb", &p, s1), 0);
    CF_CHECK_STR(s1, "+KHSBJo5HLcNhFSElrw0ijger4g=");
    CF_CHECK_INT(sign_body("secret", "https://example.com/cb",
                           "b=2&FriendlyName=Caf%C3%A9+%E2%98%95%20%E4%BC%9A%E8%AD%B0"
                           "+%F0%9F%98%80&a=1",
                           s2, cf_failed_),
                 0);
    CF_CHECK_STR(s2, s1);
    /* Values sort by bytes, which is code point order for UTF-8. */
    {
        const char *z = "uxzx\xc3\xa9x\xf0\x9f\x98\x80";
        char ref[CF_SIGN_LEN];
        CF_CHECK_INT(sign_body("k", "u", "x=%F0%9F%98%80&x=%C3%A9&x=z", s1, cf_failed_), 0);
        ref_sign("k", z, strlen(z), ref);
        CF_CHECK_STR(s1, ref);
    }
}

CF_TEST(sign_value_len)
{
    char s1[CF_SIGN_LEN], ref[CF_SIGN_LEN];
    /* A decoded %00 stays in the value and is signed. */
    {
        static const char z[] = "uAa\0b";
        CF_CHECK_INT(sign_body("k", "u", "A=a%00b", s1, cf_failed_), 0);
        ref_sign("k", z, sizeof z - 1, ref);
        CF_CHECK_STR(s1, ref);
    }
    /* A hand-built pair with value_len 0 signs strlen(value) bytes. */
    {
        struct cf_param v[1] = {{"Muted", "true", 0}};
        struct cf_params p = {v, 1};
        const char *z = "uMutedtrue";
        CF_CHECK_INT(cf_sign("k", "u", &p, s1), 0);
        ref_sign("k", z, strlen(z), ref);
        CF_CHECK_STR(s1, ref);
    }
}

CF_TEST(sign_too_big)
{
    size_t max = CF_SIGN_MAX;
    char *url = cf_malloc(max + 2);
    char sig[CF_SIGN_LEN] = "unchanged";
    struct cf_param v[2] = {{"ab", "c", 1}, {"d", "", 0}};
    struct cf_params p = {v, 2};

    /* The URL alone over the cap. */
    memset(url, 'a', max + 1);
    url[max + 1] = '\0';
    CF_CHECK_INT(cf_sign("k", url, NULL, sig), CF_ETOOBIG);
    CF_CHECK_STR(sig, "unchanged");
    /* Exactly at the cap: URL + "ab" + "c" + "d" == max. */
    url[max - 4] = '\0';
    CF_CHECK_INT(cf_sign("k", url, &p, sig), 0);
    {
        char *s = cf_malloc(max + 1);
        char ref[CF_SIGN_LEN];
        memcpy(s, url, max - 4);
        memcpy(s + max - 4, "abcd", 4);
        ref_sign("k", s, max, ref);
        CF_CHECK_STR(sig, ref);
        cf_free(s);
    }
    /* One byte more. */
    memcpy(sig, "unchanged", 10);
    url[max - 4] = 'a';
    url[max - 3] = '\0';
    CF_CHECK_INT(cf_sign("k", url, &p, sig), CF_ETOOBIG);
    CF_CHECK_STR(sig, "unchanged");
    /* Duplicates that are not signed do not count against the cap. */
    {
        struct cf_param d[3] = {{"ab", "c", 1}, {"d", "", 0}, {"ab", "c", 1}};
        struct cf_params pd = {d, 3};
        url[max - 4] = '\0';
        CF_CHECK_INT(cf_sign("k", url, &pd, sig), 0);
    }
    cf_free(url);
}

CF_TEST(sign_bad_body)
{
    char sig[CF_SIGN_LEN] = "unchanged";
    CF_CHECK_INT(sign_body("k", "u", "a=%zz", sig, cf_failed_), CF_EINVAL);
    CF_CHECK_STR(sig, "unchanged");
    CF_CHECK_INT(sign_body("k", "u", "a%00=1", sig, cf_failed_), CF_EINVAL);
    CF_CHECK_STR(sig, "unchanged");
}

/* The URL a signature covers: no userinfo, no fragment, nothing else
 * changed (python3-twilio validates against the URL the receiver saw). */
CF_TEST(sign_url_strips_userinfo_and_fragment)
{
    static const char *const cases[][2] = {
        {"http://u:p@host:8080/path?z=1#frag", "http://host:8080/path?z=1"},
        {"https://user@Example.COM/a", "https://Example.COM/a"},
        {"http://a%40b:p%3A@h/x", "http://h/x"},
        {"http://u:p@h", "http://h"},
        {"http://u:p@h?q=a@b", "http://h?q=a@b"},
        {"http://h/p@q?r=s@t#x@y", "http://h/p@q?r=s@t"},
        {"http://h:80/x?a=1&b=2", "http://h:80/x?a=1&b=2"},
        {"http://h/#", "http://h/"},
        {"http://h#a://b@c", "http://h"},
        {"no-scheme@x#f", "no-scheme@x"},
        {"", ""},
    };
    struct cf_arena a;
    cf_arena_init(&a);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CF_CHECK_STR(cf_sign_url(cases[i][0], &a), cases[i][1]);
    /* signing the stripped URL gives what a validator computes from it */
    {
        char sig[CF_SIGN_LEN], ref[CF_SIGN_LEN];
        const char *u = cf_sign_url("https://u:p@example.com/test#f", &a);
        CF_CHECK_INT(cf_sign("qwerty", u, NULL, sig), 0);
        ref_sign("qwerty", "https://example.com/test", strlen("https://example.com/test"), ref);
        CF_CHECK_STR(sig, ref);
    }
    cf_arena_cleanup(&a);
    CF_CHECK_INT(a.used, 0);
}
