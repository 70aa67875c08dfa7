/* SPDX-License-Identifier: MIT
 *
 * test_params.c - unit tests for cf_params: form/query decoding, flat JSON
 * decoding, the count/name/value caps, and lookup.
 *
 * Every input is copied into a heap block of exactly its length before it
 * is decoded, so AddressSanitizer catches any read past len (the decoders'
 * input is not NUL-terminated). Failure cases also check that out is left
 * unchanged. The last tests feed mutated and random bytes to both decoders
 * as a deterministic, in-process smoke test of what the fuzzer does.
 */
#include <stdint.h>
#include <string.h>

#include "../../src/base/cf_arena.h"
#include "../../src/base/cf_err.h"
#include "../../src/base/cf_mem.h"
#include "../../src/http/cf_params.h"
#include "cf_test.h"

/* One test's state: an arena, the decoded pairs and the last error. */
struct tp {
    struct cf_arena a;
    struct cf_params p;
    struct cf_err e;
};

static void tp_init(struct tp *t)
{
    cf_arena_init(&t->a);
    t->p.v = NULL;
    t->p.n = 0;
    memset(&t->e, 0, sizeof t->e);
}

/* Frees the arena; returns the bytes the arena still reports (must be 0). */
static size_t tp_cleanup(struct tp *t)
{
    cf_arena_cleanup(&t->a);
    return t->a.used;
}

/* Decodes len bytes of z with the form (json = 0) or JSON decoder, from an
 * exact-size heap copy so that over-reads are caught. */
static int tp_run(struct tp *t, int json, const char *z, size_t len)
{
    char *copy = cf_malloc(len ? len : 1);
    int rc;
    if (len) memcpy(copy, z, len);
    memset(&t->e, 0, sizeof t->e);
    rc = json ? cf_params_parse_json(copy, len, &t->a, &t->p, &t->e)
              : cf_params_parse_form(copy, len, &t->a, &t->p, &t->e);
    cf_free(copy);
    return rc;
}

static int tp_form(struct tp *t, const char *z)
{
    return tp_run(t, 0, z, strlen(z));
}

static int tp_json(struct tp *t, const char *z)
{
    return tp_run(t, 1, z, strlen(z));
}

/* Returns a new arena string of prefix, n copies of rep, then suffix. */
static char *tp_rep(struct cf_arena *a, const char *prefix, const char *rep, size_t n,
                    const char *suffix)
{
    size_t lp = strlen(prefix), lr = strlen(rep), ls = strlen(suffix), i;
    char *z = cf_arena_alloc(a, lp + lr * n + ls + 1), *w = z;
    memcpy(w, prefix, lp);
    w += lp;
    for (i = 0; i < n; i++, w += lr) memcpy(w, rep, lr);
    memcpy(w, suffix, ls);
    w[ls] = '\0';
    return z;
}

/* ---- form ---- */

CF_TEST(params_form_basic)
{
    struct tp t;
    tp_init(&t);
    CF_CHECK_INT(tp_form(&t, "a=1&bb=22&ccc="), 0);
    CF_CHECK_INT(t.p.n, 3);
    if (t.p.n == 3) {
        CF_CHECK_STR(t.p.v[0].name, "a");
        CF_CHECK_STR(t.p.v[0].value, "1");
        CF_CHECK_INT(t.p.v[0].value_len, 1);
        CF_CHECK_STR(t.p.v[1].name, "bb");
        CF_CHECK_STR(t.p.v[1].value, "22");
        CF_CHECK_INT(t.p.v[1].value_len, 2);
        CF_CHECK_STR(t.p.v[2].name, "ccc");
        CF_CHECK_STR(t.p.v[2].value, "");
        CF_CHECK_INT(t.p.v[2].value_len, 0);
    }
    CF_CHECK_STR(cf_params_get(&t.p, "bb"), "22");
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_form_empty_input)
{
    struct tp t;
    tp_init(&t);
    CF_CHECK_INT(tp_form(&t, ""), 0);
    CF_CHECK_INT(t.p.n, 0);
    CF_CHECK(t.p.v == NULL);
    CF_CHECK_INT(cf_params_parse_form(NULL, 0, &t.a, &t.p, &t.e), 0);
    CF_CHECK_INT(t.p.n, 0);
    CF_CHECK_INT(tp_form(&t, "&"), 0);
    CF_CHECK_INT(tp_form(&t, "&&&"), 0);
    CF_CHECK_INT(t.p.n, 0);
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_form_repeated)
{
    struct tp t;
    tp_init(&t);
    CF_CHECK_INT(tp_form(&t, "StatusCallbackEvent=start&X=1&StatusCallbackEvent=end&"
                             "StatusCallbackEvent=join"),
                 0);
    CF_CHECK_INT(t.p.n, 4);
    CF_CHECK_INT(cf_params_count(&t.p, "StatusCallbackEvent"), 3);
    CF_CHECK_STR(cf_params_get(&t.p, "StatusCallbackEvent"), "join");
    if (t.p.n == 4) {
        CF_CHECK_STR(t.p.v[0].value, "start");
        CF_CHECK_STR(t.p.v[1].name, "X");
        CF_CHECK_STR(t.p.v[2].value, "end");
    }
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_form_plus_and_percent)
{
    struct tp t;
    tp_init(&t);
    CF_CHECK_INT(tp_form(&t, "a=hello+world%21&b%20c=%7e%7E&d=%2B+%2b&e+f=%25&g=%3D%26"),
                 0);
    CF_CHECK_STR(cf_params_get(&t.p, "a"), "hello world!");
    CF_CHECK_STR(cf_params_get(&t.p, "b c"), "~~");
    CF_CHECK_STR(cf_params_get(&t.p, "d"), "+ +");
    CF_CHECK_STR(cf_params_get(&t.p, "e f"), "%");
    CF_CHECK_STR(cf_params_get(&t.p, "g"), "=&");
    /* UTF-8, encoded or raw, passes through unchanged */
    CF_CHECK_INT(tp_form(&t, "u=%C3%A9&r=\xC3\xA9&e=%F0%9F%98%80"), 0);
    CF_CHECK_STR(cf_params_get(&t.p, "u"), "\xC3\xA9");
    CF_CHECK_STR(cf_params_get(&t.p, "r"), "\xC3\xA9");
    CF_CHECK_STR(cf_params_get(&t.p, "e"), "\xF0\x9F\x98\x80");
    /* anything else is refused, in a value or a name, as in a JSON body:
     * no JSON answer could carry it */
    CF_CHECK_INT(tp_form(&t, "ok=1&h=%ff"), CF_EINVAL);
    CF_CHECK_STR(t.e.msg, "Parameter 'h' is not valid UTF-8");
    CF_CHECK_INT(tp_form(&t, "h=x%C3%28y"), CF_EINVAL);
    CF_CHECK_INT(tp_form(&t, "h=\xC3"), CF_EINVAL);     /* cut short */
    CF_CHECK_INT(tp_form(&t, "h=%ED%A0%80"), CF_EINVAL); /* a surrogate */
    CF_CHECK_INT(tp_form(&t, "h=%C0%AF"), CF_EINVAL);    /* overlong */
    CF_CHECK_INT(tp_form(&t, "n%FF=1"), CF_EINVAL);
    CF_CHECK_STR(t.e.msg, "Parameter name 'n?' is not valid UTF-8");
    CF_CHECK(cf_params_get(&t.p, "ok") == NULL); /* nothing of a refused form */
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_form_bad_escapes)
{
    static const char *bad[] = {
        "a=%G1", "a=%1G", "a=%", "a=%4", "a=x%",  "%G1=1", "a%=1",  "a=1&b=%zz",
        "a=%%",  "%",    "a=% 1", "a=%-1", "a=%+1", "x&%4",  "a=%4&b", "a=1&%",
    };
    struct tp t;
    size_t i;
    tp_init(&t);
    CF_CHECK_INT(tp_form(&t, "keep=1"), 0);
    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct cf_param *v = t.p.v;
        int rc = tp_form(&t, bad[i]);
        if (rc != CF_EINVAL) fprintf(stderr, "  input: %s\n", bad[i]);
        CF_CHECK_INT(rc, CF_EINVAL);
        CF_CHECK_INT(t.e.code, CF_EINVAL);
        CF_CHECK(strstr(t.e.msg, "percent-escape") != NULL);
        /* out is left unchanged on failure */
        CF_CHECK(t.p.v == v);
        CF_CHECK_INT(t.p.n, 1);
    }
    CF_CHECK_INT(tp_form(&t, "Foo=ab%4"), CF_EINVAL);
    CF_CHECK_STR(t.e.msg, "Malformed percent-escape in parameter 'Foo' at byte 6");
    CF_CHECK_INT(tp_form(&t, "a=1&F%x=1"), CF_EINVAL);
    CF_CHECK_STR(t.e.msg, "Malformed percent-escape in a parameter name at byte 5");
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_form_segments)
{
    struct tp t;
    tp_init(&t);
    CF_CHECK_INT(tp_form(&t, "&&a=1&&&b=2&"), 0);
    CF_CHECK_INT(t.p.n, 2);
    CF_CHECK_STR(cf_params_get(&t.p, "a"), "1");
    CF_CHECK_STR(cf_params_get(&t.p, "b"), "2");
    CF_CHECK_INT(tp_cleanup(&t), 0);

    /* a segment without '=' is a name with an empty value */
    tp_init(&t);
    CF_CHECK_INT(tp_form(&t, "flag&x=1&Muted"), 0);
    CF_CHECK_INT(t.p.n, 3);
    CF_CHECK_STR(cf_params_get(&t.p, "flag"), "");
    CF_CHECK_STR(cf_params_get(&t.p, "Muted"), "");
    CF_CHECK_INT(cf_params_count(&t.p, "flag"), 1);
    CF_CHECK_INT(tp_cleanup(&t), 0);

    /* split on the first '=' only; an empty name is kept */
    tp_init(&t);
    CF_CHECK_INT(tp_form(&t, "a==b=c&=v&="), 0);
    CF_CHECK_INT(t.p.n, 3);
    CF_CHECK_STR(cf_params_get(&t.p, "a"), "=b=c");
    if (t.p.n == 3) {
        CF_CHECK_STR(t.p.v[1].name, "");
        CF_CHECK_STR(t.p.v[1].value, "v");
        CF_CHECK_STR(t.p.v[2].name, "");
        CF_CHECK_STR(t.p.v[2].value, "");
    }
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_form_encoded_keys)
{
    struct tp t;
    tp_init(&t);
    CF_CHECK_INT(tp_form(&t, "DateCreated%3C=2024-01-02&DateCreated%3E=2023-12-31&"
                             "DateCreated=2024-01-01&FriendlyName=My+Room"),
                 0);
    CF_CHECK_STR(cf_params_get(&t.p, "DateCreated<"), "2024-01-02");
    CF_CHECK_STR(cf_params_get(&t.p, "DateCreated>"), "2023-12-31");
    CF_CHECK_STR(cf_params_get(&t.p, "DateCreated"), "2024-01-01");
    CF_CHECK_STR(cf_params_get(&t.p, "FriendlyName"), "My Room");
    CF_CHECK(cf_params_get(&t.p, "DateCreated%3C") == NULL);
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_form_nul)
{
    struct tp t;
    tp_init(&t);
    CF_CHECK_INT(tp_form(&t, "a=x%00y"), 0);
    CF_CHECK_INT(t.p.n, 1);
    if (t.p.n == 1) {
        CF_CHECK_INT(t.p.v[0].value_len, 3);
        CF_CHECK(memcmp(t.p.v[0].value, "x\0y", 4) == 0);
    }
    /* a raw NUL byte in a value is kept too */
    CF_CHECK_INT(tp_run(&t, 0, "b=1\0002", 5), 0);
    CF_CHECK_INT(t.p.n, 2);
    if (t.p.n == 2) CF_CHECK_INT(t.p.v[1].value_len, 3);
    /* a NUL in a name would truncate it: rejected */
    CF_CHECK_INT(tp_form(&t, "To%00x=1"), CF_EINVAL);
    CF_CHECK(strstr(t.e.msg, "NUL") != NULL);
    CF_CHECK_INT(tp_run(&t, 0, "To\0x=1", 6), CF_EINVAL);
    CF_CHECK_INT(t.p.n, 2);
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_form_count_cap)
{
    struct tp t;
    char *z;
    tp_init(&t);
    z = tp_rep(&t.a, "", "a=1&", 100, "");
    CF_CHECK_INT(tp_form(&t, z), 0);
    CF_CHECK_INT(t.p.n, 100);
    CF_CHECK_INT(cf_params_count(&t.p, "a"), 100);
    CF_CHECK_INT(tp_cleanup(&t), 0);

    tp_init(&t);
    z = tp_rep(&t.a, "", "a=1&", 100, "b=2");
    CF_CHECK_INT(tp_form(&t, z), CF_ETOOBIG);
    CF_CHECK_INT(t.e.code, CF_ETOOBIG);
    CF_CHECK_STR(t.e.msg, "Too many parameters (more than 100)");
    CF_CHECK_INT(t.p.n, 0);
    CF_CHECK(t.p.v == NULL);
    /* empty segments and a trailing '&' do not count */
    z = tp_rep(&t.a, "&&", "a=1&&", 100, "&&&");
    CF_CHECK_INT(tp_form(&t, z), 0);
    CF_CHECK_INT(t.p.n, 100);
    CF_CHECK_INT(tp_cleanup(&t), 0);

    /* the cap applies to the total across calls */
    tp_init(&t);
    z = tp_rep(&t.a, "", "x=1&", 60, "");
    CF_CHECK_INT(tp_form(&t, z), 0);
    CF_CHECK_INT(t.p.n, 60);
    z = tp_rep(&t.a, "", "y=1&", 41, "");
    CF_CHECK_INT(tp_form(&t, z), CF_ETOOBIG);
    CF_CHECK_INT(t.p.n, 60);
    CF_CHECK_INT(cf_params_count(&t.p, "y"), 0);
    z = tp_rep(&t.a, "", "y=1&", 40, "");
    CF_CHECK_INT(tp_form(&t, z), 0);
    CF_CHECK_INT(t.p.n, 100);
    CF_CHECK_INT(cf_params_count(&t.p, "x"), 60);
    CF_CHECK_INT(cf_params_count(&t.p, "y"), 40);
    CF_CHECK_INT(tp_form(&t, "z"), CF_ETOOBIG);
    CF_CHECK_INT(tp_form(&t, "&&"), 0); /* nothing to add is fine at the cap */
    CF_CHECK_INT(t.p.n, 100);
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_form_value_cap)
{
    struct tp t;
    char *z;
    tp_init(&t);
    z = tp_rep(&t.a, "V=", "x", CF_PARAMS_MAX_VALUE, "");
    CF_CHECK_INT(tp_form(&t, z), 0);
    CF_CHECK_INT(t.p.n, 1);
    if (t.p.n == 1) CF_CHECK_INT(t.p.v[0].value_len, CF_PARAMS_MAX_VALUE);
    z = tp_rep(&t.a, "Foo=", "x", CF_PARAMS_MAX_VALUE + 1, "");
    CF_CHECK_INT(tp_form(&t, z), CF_ETOOBIG);
    CF_CHECK_STR(t.e.msg, "Parameter 'Foo' is longer than 4096 bytes");
    CF_CHECK_INT(t.p.n, 1);
    /* the cap is on the decoded length */
    z = tp_rep(&t.a, "E=", "%41", CF_PARAMS_MAX_VALUE, "");
    CF_CHECK_INT(tp_form(&t, z), 0);
    CF_CHECK_INT(t.p.n, 2);
    if (t.p.n == 2) {
        CF_CHECK_INT(t.p.v[1].value_len, CF_PARAMS_MAX_VALUE);
        CF_CHECK_INT(strlen(t.p.v[1].value), CF_PARAMS_MAX_VALUE);
    }
    z = tp_rep(&t.a, "E=", "%41", CF_PARAMS_MAX_VALUE, "+");
    CF_CHECK_INT(tp_form(&t, z), CF_ETOOBIG);
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_form_name_cap)
{
    struct tp t;
    char *z;
    tp_init(&t);
    z = tp_rep(&t.a, "", "n", CF_PARAMS_MAX_NAME, "=1");
    CF_CHECK_INT(tp_form(&t, z), 0);
    CF_CHECK_INT(t.p.n, 1);
    if (t.p.n == 1) CF_CHECK_INT(strlen(t.p.v[0].name), CF_PARAMS_MAX_NAME);
    z = tp_rep(&t.a, "", "n", CF_PARAMS_MAX_NAME + 1, "=1");
    CF_CHECK_INT(tp_form(&t, z), CF_ETOOBIG);
    CF_CHECK(strstr(t.e.msg, "longer than 256 bytes") != NULL);
    CF_CHECK(strlen(t.e.msg) < 160); /* the name is cut in the message */
    z = tp_rep(&t.a, "", "%6E", CF_PARAMS_MAX_NAME, "");
    CF_CHECK_INT(tp_form(&t, z), 0);
    z = tp_rep(&t.a, "", "%6E", CF_PARAMS_MAX_NAME + 1, "");
    CF_CHECK_INT(tp_form(&t, z), CF_ETOOBIG);
    CF_CHECK_INT(t.p.n, 2);
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_form_message_sanitized)
{
    struct tp t;
    char *z;
    size_t i;
    tp_init(&t);
    z = tp_rep(&t.a, "A%0A%27%C3%A9", "x", 10, "=");
    z = tp_rep(&t.a, z, "y", CF_PARAMS_MAX_VALUE + 1, "");
    CF_CHECK_INT(tp_form(&t, z), CF_ETOOBIG);
    CF_CHECK_STR(t.e.msg, "Parameter 'A????xxxxxxxxxx' is longer than 4096 bytes");
    for (i = 0; t.e.msg[i]; i++)
        CF_CHECK(t.e.msg[i] >= 0x20 && t.e.msg[i] < 0x7f);
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_form_prefixes)
{
    static const char doc[] = "a=1&b=%41%42+c&&d&e=%7e&F%3C=x";
    struct tp t;
    size_t n;
    tp_init(&t);
    for (n = 0; n <= sizeof doc - 1; n++) {
        int rc = tp_run(&t, 0, doc, n);
        CF_CHECK(rc == 0 || rc == CF_EINVAL);
        t.p.n = 0;
        t.p.v = NULL;
    }
    CF_CHECK_INT(tp_run(&t, 0, doc, sizeof doc - 1), 0);
    CF_CHECK_INT(t.p.n, 5);
    CF_CHECK_STR(cf_params_get(&t.p, "b"), "AB c");
    CF_CHECK_STR(cf_params_get(&t.p, "F<"), "x");
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_bad_arguments)
{
    struct tp t;
    tp_init(&t);
    CF_CHECK_INT(cf_params_parse_form("a", 1, NULL, &t.p, &t.e), CF_EINVAL);
    CF_CHECK_INT(cf_params_parse_form("a", 1, &t.a, NULL, &t.e), CF_EINVAL);
    CF_CHECK_INT(cf_params_parse_form(NULL, 1, &t.a, &t.p, &t.e), CF_EINVAL);
    CF_CHECK_INT(cf_params_parse_json("{}", 2, NULL, &t.p, &t.e), CF_EINVAL);
    CF_CHECK_INT(cf_params_parse_json(NULL, 2, &t.a, &t.p, &t.e), CF_EINVAL);
    /* err may be NULL */
    CF_CHECK_INT(cf_params_parse_form("a=%", 3, &t.a, &t.p, NULL), CF_EINVAL);
    CF_CHECK_INT(cf_params_parse_json("{", 1, &t.a, &t.p, NULL), CF_EINVAL);
    CF_CHECK_INT(t.p.n, 0);
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

/* ---- JSON ---- */

CF_TEST(params_json_basic)
{
    struct tp t;
    tp_init(&t);
    CF_CHECK_INT(tp_json(&t, "{\"FriendlyName\":\"Room 1\",\"Muted\":\"x\"}"), 0);
    CF_CHECK_INT(t.p.n, 2);
    if (t.p.n == 2) {
        CF_CHECK_STR(t.p.v[0].name, "FriendlyName");
        CF_CHECK_STR(t.p.v[0].value, "Room 1");
        CF_CHECK_INT(t.p.v[0].value_len, 6);
        CF_CHECK_STR(t.p.v[1].name, "Muted");
    }
    CF_CHECK_INT(tp_cleanup(&t), 0);

    tp_init(&t);
    CF_CHECK_INT(tp_json(&t, " \t\r\n{ \n\"a\" \t:\r\n \"1\" , \"b\":\"\"\n}\n\t "), 0);
    CF_CHECK_INT(t.p.n, 2);
    CF_CHECK_STR(cf_params_get(&t.p, "a"), "1");
    CF_CHECK_STR(cf_params_get(&t.p, "b"), "");
    CF_CHECK_INT(tp_cleanup(&t), 0);

    tp_init(&t);
    CF_CHECK_INT(tp_json(&t, "{}"), 0);
    CF_CHECK_INT(tp_json(&t, " { } "), 0);
    CF_CHECK_INT(t.p.n, 0);
    CF_CHECK(t.p.v == NULL);
    /* an empty member name is allowed */
    CF_CHECK_INT(tp_json(&t, "{\"\":\"v\"}"), 0);
    CF_CHECK_STR(cf_params_get(&t.p, ""), "v");
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_json_escapes)
{
    struct tp t;
    tp_init(&t);
    CF_CHECK_INT(tp_json(&t, "{\"s\":\"q\\\"b\\\\s\\/b\\bf\\fn\\nr\\rt\\t.\","
                             "\"u\":\"\\u0041\\u00e9\\u00E9\\u20AC\\u07FF\\uFFFF\","
                             "\"e\\u0301\":\"k\","
                             "\"p\":\"\\uD83D\\uDE00|\\ud800\\udc00|\\uDBFF\\uDFFF\"}"),
                 0);
    CF_CHECK_STR(cf_params_get(&t.p, "s"), "q\"b\\s/b\bf\fn\nr\rt\t.");
    CF_CHECK_STR(cf_params_get(&t.p, "u"),
                 "A\xC3\xA9\xC3\xA9\xE2\x82\xAC\xDF\xBF\xEF\xBF\xBF");
    CF_CHECK_STR(cf_params_get(&t.p, "e\xCC\x81"), "k");
    CF_CHECK_STR(cf_params_get(&t.p, "p"),
                 "\xF0\x9F\x98\x80|\xF0\x90\x80\x80|\xF4\x8F\xBF\xBF");
    /* \u0000 is a NUL byte inside a value */
    CF_CHECK_INT(tp_json(&t, "{\"z\":\"a\\u0000b\"}"), 0);
    CF_CHECK_INT(t.p.n, 5);
    if (t.p.n == 5) {
        CF_CHECK_INT(t.p.v[4].value_len, 3);
        CF_CHECK(memcmp(t.p.v[4].value, "a\0b", 4) == 0);
    }
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_json_bad_escapes)
{
    static const char *bad[] = {
        "{\"a\":\"\\x\"}",       "{\"a\":\"\\u12\"}",      "{\"a\":\"\\u12G4\"}",
        "{\"a\":\"\\U0041\"}",   "{\"a\":\"\\'\"}",        "{\"a\":\"\\\"}",
        "{\"a\":\"\\u\"}",       "{\"a\":\"\\ \"}",        "{\"a\":\"\\0\"}",
        "{\"\\q\":\"1\"}",       "{\"a\\u000\":\"1\"}",    "{\"a\":\"\\u-123\"}",
    };
    struct tp t;
    size_t i;
    tp_init(&t);
    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = tp_json(&t, bad[i]);
        if (rc != CF_EINVAL) fprintf(stderr, "  input: %s\n", bad[i]);
        CF_CHECK_INT(rc, CF_EINVAL);
        CF_CHECK(strncmp(t.e.msg, "Malformed JSON body at byte ", 28) == 0);
    }
    CF_CHECK_INT(t.p.n, 0);
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_json_surrogates)
{
    static const char *bad[] = {
        "{\"a\":\"\\uD83D\"}",         "{\"a\":\"\\uD83Dx\"}",
        "{\"a\":\"\\uD83D\\u0041\"}",  "{\"a\":\"\\uDE00\"}",
        "{\"a\":\"\\uDE00\\uD83D\"}",  "{\"a\":\"\\uD83D\\uD83D\"}",
        "{\"a\":\"\\uD83D\\n\"}",      "{\"a\":\"\\uD83D\\uDE0\"}",
        "{\"a\":\"x\\udfff\"}",        "{\"\\uDBFF\":\"1\"}",
        "{\"a\":\"\\uD83D\\\"}",       "{\"a\":\"\\uD83D\\",
    };
    struct tp t;
    size_t i;
    tp_init(&t);
    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = tp_json(&t, bad[i]);
        if (rc != CF_EINVAL) fprintf(stderr, "  input: %s\n", bad[i]);
        CF_CHECK_INT(rc, CF_EINVAL);
    }
    CF_CHECK_INT(tp_json(&t, "{\"a\":\"xy\\uD83D\"}"), CF_EINVAL);
    CF_CHECK_STR(t.e.msg, "Malformed JSON body at byte 8 (lone high surrogate in \\u escape)");
    CF_CHECK_INT(t.p.n, 0);
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_json_numbers)
{
    /* each number and the text it becomes: as written, except a whole
     * number written with a fraction or an exponent, which becomes digits */
    static const char *good[][2] = {
        {"0", "0"},         {"-0", "-0"},         {"12", "12"},       {"-12.5", "-12.5"},
        {"1e5", "100000"},  {"1E+5", "100000"},   {"1.5e-3", "1.5e-3"}, {"0.0", "0"},
        {"-0e0", "0"},      {"10.01", "10.01"},   {"30.0", "30"},     {"3e1", "30"},
        {"-2.5e3", "-2500"}, {"9E-99", "9E-99"},  {"1e300", "1e300"},
        {"123456789012345678901234567890", "123456789012345678901234567890"},
        {"9007199254740991.0", "9007199254740991"}, {"9007199254740993.0", "9007199254740993.0"},
    };
    static const char *bad[] = {
        "01",  "-01", "1.",  ".5",   "-",    "+1",   "1e",    "1e+",  "--1", "0x10",
        "NaN", "Infinity", "-Infinity", "1.e5", "1e5.0", "1..2", "- 1", "00", "1_000",
        "1e-", "2.5E", "0.", "-.",
    };
    struct tp t;
    size_t i;
    tp_init(&t);
    for (i = 0; i < sizeof good / sizeof *good; i++) {
        char *z = cf_arena_printf(&t.a, "{\"n\":%s}", good[i][0]);
        int rc;
        t.p.n = 0;
        t.p.v = NULL;
        rc = tp_json(&t, z);
        if (rc != 0) fprintf(stderr, "  input: %s (%s)\n", z, t.e.msg);
        CF_CHECK_INT(rc, 0);
        CF_CHECK_STR(cf_params_get(&t.p, "n"), good[i][1]);
        /* the same inside an array and with whitespace around */
        z = cf_arena_printf(&t.a, "{\"n\": [ %s ,%s] }", good[i][0], good[i][0]);
        CF_CHECK_INT(tp_json(&t, z), 0);
        CF_CHECK_INT(cf_params_count(&t.p, "n"), 3);
    }
    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *z = cf_arena_printf(&t.a, "{\"n\":%s}", bad[i]);
        int rc;
        t.p.n = 0;
        t.p.v = NULL;
        rc = tp_json(&t, z);
        if (rc != CF_EINVAL) fprintf(stderr, "  input: %s\n", z);
        CF_CHECK_INT(rc, CF_EINVAL);
        CF_CHECK_INT(t.p.n, 0);
    }
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_json_literals)
{
    static const char *bad[] = {
        "{\"a\":True}", "{\"a\":FALSE}", "{\"a\":nul}",   "{\"a\":tru}",
        "{\"a\":truex}", "{\"a\":nulll}", "{\"a\":Null}",  "{\"a\":undefined}",
        "{\"a\":t}",    "{\"a\":f}",     "{\"a\":'x'}",   "{\"a\":}",
    };
    struct tp t;
    size_t i;
    tp_init(&t);
    CF_CHECK_INT(tp_json(&t, "{\"Muted\":true,\"Hold\":false,\"Gone\":null,\"X\":\"1\"}"),
                 0);
    CF_CHECK_INT(t.p.n, 3);
    CF_CHECK_STR(cf_params_get(&t.p, "Muted"), "true");
    CF_CHECK_STR(cf_params_get(&t.p, "Hold"), "false");
    CF_CHECK(cf_params_get(&t.p, "Gone") == NULL);
    CF_CHECK_INT(cf_params_count(&t.p, "Gone"), 0);
    if (t.p.n == 3) CF_CHECK_INT(t.p.v[0].value_len, 4);
    /* only nulls: success, nothing added */
    CF_CHECK_INT(tp_json(&t, "{\"a\":null,\"b\" : null}"), 0);
    CF_CHECK_INT(t.p.n, 3);
    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = tp_json(&t, bad[i]);
        if (rc != CF_EINVAL) fprintf(stderr, "  input: %s\n", bad[i]);
        CF_CHECK_INT(rc, CF_EINVAL);
    }
    CF_CHECK_INT(t.p.n, 3);
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_json_arrays)
{
    struct tp t;
    tp_init(&t);
    CF_CHECK_INT(tp_json(&t, "{\"StatusCallbackEvent\":[\"start\",\"end\", \"join\"],"
                             "\"Mixed\":[ 1 , true,false,null,\"s\", -2.5e3 ],"
                             "\"Empty\":[],\"Empty2\":[ \n ],\"Nulls\":[null,null],"
                             "\"After\":\"x\"}"),
                 0);
    CF_CHECK_INT(cf_params_count(&t.p, "StatusCallbackEvent"), 3);
    CF_CHECK_STR(cf_params_get(&t.p, "StatusCallbackEvent"), "join");
    CF_CHECK_INT(cf_params_count(&t.p, "Mixed"), 5);
    CF_CHECK_INT(cf_params_count(&t.p, "Empty"), 0);
    CF_CHECK_INT(cf_params_count(&t.p, "Empty2"), 0);
    CF_CHECK_INT(cf_params_count(&t.p, "Nulls"), 0);
    CF_CHECK_STR(cf_params_get(&t.p, "After"), "x");
    CF_CHECK_INT(t.p.n, 9);
    if (t.p.n == 9) {
        CF_CHECK_STR(t.p.v[0].value, "start");
        CF_CHECK_STR(t.p.v[1].value, "end");
        CF_CHECK_STR(t.p.v[3].value, "1");
        CF_CHECK_STR(t.p.v[4].value, "true");
        CF_CHECK_STR(t.p.v[5].value, "false");
        CF_CHECK_STR(t.p.v[6].value, "s");
        CF_CHECK_STR(t.p.v[7].value, "-2500");
    }
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_json_nested)
{
    static const char *nested[] = {
        "{\"a\":{}}",          "{\"a\":{\"b\":1}}",   "{\"a\":[[1]]}",
        "{\"a\":[1,[2]]}",     "{\"a\":[{}]}",        "{\"a\":[\"x\",{\"b\":1}]}",
        "{\"a\":[[]]}",        "{\"x\":1,\"a\":{}}",
    };
    static const char *notobj[] = {
        "[1]", "[]", "\"x\"", "1", "true", "null", "x", "}", "{{}}", " x", "\n}",
        "\xEF\xBB\xBF{}",
    };
    struct tp t;
    size_t i;
    tp_init(&t);
    for (i = 0; i < sizeof nested / sizeof *nested; i++) {
        int rc = tp_json(&t, nested[i]);
        if (rc != CF_EINVAL) fprintf(stderr, "  input: %s\n", nested[i]);
        CF_CHECK_INT(rc, CF_EINVAL);
        CF_CHECK(strstr(t.e.msg, "Parameter '") != NULL);
    }
    /* no body, or only white space: no parameters (an SDK's DELETE) */
    CF_CHECK_INT(tp_json(&t, ""), 0);
    CF_CHECK_INT(tp_json(&t, " \r\n\t"), 0);
    CF_CHECK_INT(t.p.n, 0);
    CF_CHECK_INT(tp_json(&t, "{\"Foo\":{\"b\":1}}"), CF_EINVAL);
    CF_CHECK(strstr(t.e.msg, "'Foo'") != NULL);
    CF_CHECK(strstr(t.e.msg, "nested") != NULL);
    for (i = 0; i < sizeof notobj / sizeof *notobj; i++) {
        int rc = tp_json(&t, notobj[i]);
        if (rc != CF_EINVAL) fprintf(stderr, "  input: %s\n", notobj[i]);
        CF_CHECK_INT(rc, CF_EINVAL);
    }
    CF_CHECK_INT(t.p.n, 0);
    CF_CHECK(t.p.v == NULL);
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_json_syntax)
{
    static const char *bad[] = {
        "{\"a\":1}x",        "{\"a\":1}{}",       "{\"a\":1},",        "{\"a\":1,}",
        "{,}",               "{\"a\" 1}",         "{\"a\":1 \"b\":2}", "{\"a\"}",
        "{a:1}",             "{'a':1}",           "{\"a\":1;}",        "{\"a\"::1}",
        "{\"a\":[1,]}",      "{\"a\":[,1]}",      "{\"a\":[1 2]}",     "{\"a\":[1}",
        "{\"a\":1]",         "{\"a\":\"x\"\"y\"}", "{\"a\":1,,\"b\":2}",
        "{\"a\":1}}",        "{1:1}",             "{\"a\":[}",         "{\"a\":\"1\" // c\n}",
        "{\"a\":\f1}",       "{\"a\":\v1}",
    };
    struct tp t;
    size_t i;
    tp_init(&t);
    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        int rc = tp_json(&t, bad[i]);
        if (rc != CF_EINVAL) fprintf(stderr, "  input: %s\n", bad[i]);
        CF_CHECK_INT(rc, CF_EINVAL);
        CF_CHECK(strncmp(t.e.msg, "Malformed JSON body at byte ", 28) == 0);
    }
    /* an embedded NUL after the object is trailing garbage */
    CF_CHECK_INT(tp_run(&t, 1, "{}\0", 3), CF_EINVAL);
    CF_CHECK_INT(tp_json(&t, "{\"a\":1 x}"), CF_EINVAL);
    CF_CHECK_STR(t.e.msg, "Malformed JSON body at byte 7 (expected ',' or '}' after a member)");
    CF_CHECK_INT(tp_json(&t, "{\"abc\":\"def\",\"x\":1} !"), CF_EINVAL);
    CF_CHECK_STR(t.e.msg, "Malformed JSON body at byte 20 (trailing data after the object)");
    CF_CHECK_INT(t.p.n, 0);
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_json_truncated)
{
    static const char doc[] =
        " {\"FriendlyName\" : \"R\\u00e9union \\uD83D\\uDE00 \\\"x\\\"\\n\","
        "\"Muted\":true,\"Hold\":false,\"Gone\":null,\"Beep\":\"\xC3\xA9\xE2\x82\xAC\","
        "\"Max\":-12.5e+3,\"Zero\":0,\"Ev\":[\"a\", 1, false, null, 2E3],\"E\":[],"
        "\"\\u0041\":\"\\/\"} ";
    struct tp t;
    size_t n;
    tp_init(&t);
    /* every prefix past the leading space (empty or white space only is no
     * body at all: no parameters) */
    for (n = 2; n < sizeof doc - 2; n++) {
        int rc = tp_run(&t, 1, doc, n);
        if (rc != CF_EINVAL) fprintf(stderr, "  prefix length %zu\n", n);
        CF_CHECK_INT(rc, CF_EINVAL);
        CF_CHECK_INT(t.e.code, CF_EINVAL);
        CF_CHECK_INT(t.p.n, 0);
        CF_CHECK(t.p.v == NULL);
    }
    /* with or without the trailing space the document is complete */
    CF_CHECK_INT(tp_run(&t, 1, doc, sizeof doc - 2), 0);
    t.p.n = 0;
    t.p.v = NULL;
    CF_CHECK_INT(tp_run(&t, 1, doc, sizeof doc - 1), 0);
    CF_CHECK_INT(t.p.n, 11);
    CF_CHECK_STR(cf_params_get(&t.p, "FriendlyName"),
                 "R\xC3\xA9union \xF0\x9F\x98\x80 \"x\"\n");
    CF_CHECK_STR(cf_params_get(&t.p, "Muted"), "true");
    CF_CHECK_STR(cf_params_get(&t.p, "Hold"), "false");
    CF_CHECK(cf_params_get(&t.p, "Gone") == NULL);
    CF_CHECK_STR(cf_params_get(&t.p, "Beep"), "\xC3\xA9\xE2\x82\xAC");
    CF_CHECK_STR(cf_params_get(&t.p, "Max"), "-12500");
    CF_CHECK_STR(cf_params_get(&t.p, "Zero"), "0");
    CF_CHECK_INT(cf_params_count(&t.p, "Ev"), 4);
    CF_CHECK_STR(cf_params_get(&t.p, "Ev"), "2000");
    CF_CHECK_STR(cf_params_get(&t.p, "A"), "/");
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_json_utf8)
{
    static const char *good[] = {
        "\x7F", "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF", "\xEE\x80\x80",
        "\xEF\xBF\xBF", "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF", "caf\xC3\xA9",
    };
    static const char *bad[] = {
        "\x80",             "\xBF",             "\xC0\xAF",         "\xC1\xBF",
        "\xC3",             "\xC3\x28",         "\xC3\xC3",         "\xE0\x80\xAF",
        "\xE0\x9F\xBF",     "\xED\xA0\x80",     "\xED\xBF\xBF",     "\xE2\x82",
        "\xF0\x80\x80\x80", "\xF0\x8F\xBF\xBF", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80",
        "\xF8\x88\x80\x80\x80", "\xFE",        "\xFF",             "\xF0\x9F\x98",
        "a\xE2\x82\"",      "\xE2\x28\xA1",     "\xF0\x9F\x28\x80",
    };
    struct tp t;
    size_t i;
    tp_init(&t);
    for (i = 0; i < sizeof good / sizeof *good; i++) {
        char *z = cf_arena_printf(&t.a, "{\"v\":\"%s\",\"%s\":\"k\"}", good[i], good[i]);
        int rc;
        t.p.n = 0;
        t.p.v = NULL;
        rc = tp_json(&t, z);
        if (rc != 0) fprintf(stderr, "  good #%zu: %s\n", i, t.e.msg);
        CF_CHECK_INT(rc, 0);
        CF_CHECK_STR(cf_params_get(&t.p, "v"), good[i]);
        CF_CHECK_STR(cf_params_get(&t.p, good[i]), "k");
    }
    for (i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *zv = cf_arena_printf(&t.a, "{\"v\":\"%s\"}", bad[i]);
        char *zn = cf_arena_printf(&t.a, "{\"%s\":\"v\"}", bad[i]);
        int rc;
        t.p.n = 0;
        t.p.v = NULL;
        rc = tp_json(&t, zv);
        if (rc != CF_EINVAL) fprintf(stderr, "  bad value #%zu\n", i);
        CF_CHECK_INT(rc, CF_EINVAL);
        rc = tp_json(&t, zn);
        if (rc != CF_EINVAL) fprintf(stderr, "  bad name #%zu\n", i);
        CF_CHECK_INT(rc, CF_EINVAL);
        CF_CHECK_INT(t.p.n, 0);
    }
    /* a multi-byte sequence cut off by the end of input */
    CF_CHECK_INT(tp_run(&t, 1, "{\"v\":\"\xF0\x9F\x98\x80", 9), CF_EINVAL);
    CF_CHECK_INT(tp_run(&t, 1, "{\"v\":\"\xF0\x9F\x98\x80", 8), CF_EINVAL);
    CF_CHECK_INT(tp_json(&t, "{\"v\":\"ab\xFF\"}"), CF_EINVAL);
    CF_CHECK_STR(t.e.msg, "Malformed JSON body at byte 8 (invalid UTF-8 in a string)");
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_json_control_chars)
{
    struct tp t;
    unsigned c;
    tp_init(&t);
    for (c = 0; c < 0x20; c++) {
        char z[12];
        memcpy(z, "{\"a\":\"x?\"}", 11);
        z[7] = (char)c;
        CF_CHECK_INT(tp_run(&t, 1, z, 10), CF_EINVAL);
        memcpy(z, "{\"?\":\"x\"}", 10);
        z[2] = (char)c;
        CF_CHECK_INT(tp_run(&t, 1, z, 9), CF_EINVAL);
    }
    CF_CHECK_INT(tp_json(&t, "{\"a\":\"\x7F\"}"), 0); /* DEL is allowed */
    CF_CHECK_INT(t.p.n, 1);
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_json_nul_name)
{
    struct tp t;
    tp_init(&t);
    CF_CHECK_INT(tp_json(&t, "{\"To\\u0000x\":\"1\"}"), CF_EINVAL);
    CF_CHECK(strstr(t.e.msg, "NUL") != NULL);
    CF_CHECK_INT(tp_json(&t, "{\"\\u0000\":\"1\"}"), CF_EINVAL);
    CF_CHECK_INT(t.p.n, 0);
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_json_count_cap)
{
    struct tp t;
    char *z;
    tp_init(&t);
    z = tp_rep(&t.a, "{", "\"a\":1,", 99, "\"a\":2}");
    CF_CHECK_INT(tp_json(&t, z), 0);
    CF_CHECK_INT(t.p.n, 100);
    CF_CHECK_STR(cf_params_get(&t.p, "a"), "2");
    CF_CHECK_INT(tp_cleanup(&t), 0);

    tp_init(&t);
    z = tp_rep(&t.a, "{", "\"a\":1,", 100, "\"a\":2}");
    CF_CHECK_INT(tp_json(&t, z), CF_ETOOBIG);
    CF_CHECK_STR(t.e.msg, "Too many parameters (more than 100)");
    CF_CHECK_INT(t.p.n, 0);
    /* array elements count as pairs */
    z = tp_rep(&t.a, "{\"E\":[", "1,", 100, "1]}");
    CF_CHECK_INT(tp_json(&t, z), CF_ETOOBIG);
    z = tp_rep(&t.a, "{\"E\":[", "1,", 99, "1]}");
    CF_CHECK_INT(tp_json(&t, z), 0);
    CF_CHECK_INT(cf_params_count(&t.p, "E"), 100);
    CF_CHECK_INT(tp_cleanup(&t), 0);

    /* nulls do not count */
    tp_init(&t);
    z = tp_rep(&t.a, "{", "\"n\":null,\"m\":[null],", 150, "\"a\":1}");
    CF_CHECK_INT(tp_json(&t, z), 0);
    CF_CHECK_INT(t.p.n, 1);
    /* the cap applies to the total across calls, and form + JSON mix */
    z = tp_rep(&t.a, "", "f=1&", 98, "");
    CF_CHECK_INT(tp_form(&t, z), 0);
    CF_CHECK_INT(t.p.n, 99);
    CF_CHECK_INT(tp_json(&t, "{\"a\":1,\"b\":2}"), CF_ETOOBIG);
    CF_CHECK_INT(t.p.n, 99);
    CF_CHECK_INT(tp_json(&t, "{\"b\":2}"), 0);
    CF_CHECK_INT(t.p.n, 100);
    CF_CHECK_STR(cf_params_get(&t.p, "b"), "2");
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_json_size_caps)
{
    struct tp t;
    char *z;
    tp_init(&t);
    z = tp_rep(&t.a, "{\"V\":\"", "x", CF_PARAMS_MAX_VALUE, "\"}");
    CF_CHECK_INT(tp_json(&t, z), 0);
    CF_CHECK_INT(t.p.n, 1);
    if (t.p.n == 1) CF_CHECK_INT(t.p.v[0].value_len, CF_PARAMS_MAX_VALUE);
    z = tp_rep(&t.a, "{\"Foo\":\"", "x", CF_PARAMS_MAX_VALUE + 1, "\"}");
    CF_CHECK_INT(tp_json(&t, z), CF_ETOOBIG);
    CF_CHECK_STR(t.e.msg, "Parameter 'Foo' is longer than 4096 bytes");
    /* decoded length counts: 2048 x U+00E9 is exactly 4096 bytes */
    z = tp_rep(&t.a, "{\"U\":\"", "\\u00e9", CF_PARAMS_MAX_VALUE / 2, "\"}");
    CF_CHECK_INT(tp_json(&t, z), 0);
    CF_CHECK_INT(t.p.n, 2);
    z = tp_rep(&t.a, "{\"U\":\"", "\\u00e9", CF_PARAMS_MAX_VALUE / 2, "!\"}");
    CF_CHECK_INT(tp_json(&t, z), CF_ETOOBIG);
    /* a 4-byte character that would straddle the cap */
    z = tp_rep(&t.a, "{\"U\":\"", "x", CF_PARAMS_MAX_VALUE - 3, "\\uD83D\\uDE00\"}");
    CF_CHECK_INT(tp_json(&t, z), CF_ETOOBIG);
    z = tp_rep(&t.a, "{\"U\":\"", "x", CF_PARAMS_MAX_VALUE - 4, "\xF0\x9F\x98\x80\"}");
    CF_CHECK_INT(tp_json(&t, z), 0);
    CF_CHECK_INT(t.p.n, 3);
    /* numbers and array elements obey the value cap too */
    z = tp_rep(&t.a, "{\"N\":", "1", CF_PARAMS_MAX_VALUE, "}");
    CF_CHECK_INT(tp_json(&t, z), 0);
    z = tp_rep(&t.a, "{\"N\":", "1", CF_PARAMS_MAX_VALUE + 1, "}");
    CF_CHECK_INT(tp_json(&t, z), CF_ETOOBIG);
    CF_CHECK_STR(t.e.msg, "Parameter 'N' is longer than 4096 bytes");
    z = tp_rep(&t.a, "{\"A\":[\"a\",\"", "x", CF_PARAMS_MAX_VALUE + 1, "\"]}");
    CF_CHECK_INT(tp_json(&t, z), CF_ETOOBIG);
    CF_CHECK_STR(t.e.msg, "Parameter 'A' is longer than 4096 bytes");
    CF_CHECK_INT(t.p.n, 4);
    /* names */
    z = tp_rep(&t.a, "{\"", "n", CF_PARAMS_MAX_NAME, "\":1}");
    CF_CHECK_INT(tp_json(&t, z), 0);
    CF_CHECK_INT(t.p.n, 5);
    z = tp_rep(&t.a, "{\"", "n", CF_PARAMS_MAX_NAME + 1, "\":1}");
    CF_CHECK_INT(tp_json(&t, z), CF_ETOOBIG);
    CF_CHECK(strncmp(t.e.msg, "Parameter name 'nnnn", 20) == 0);
    CF_CHECK(strstr(t.e.msg, "...' is longer than 256 bytes") != NULL);
    z = tp_rep(&t.a, "{\"", "\\u0041", CF_PARAMS_MAX_NAME + 1, "\":null}");
    CF_CHECK_INT(tp_json(&t, z), CF_ETOOBIG);
    CF_CHECK_INT(t.p.n, 5);
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_json_duplicates)
{
    struct tp t;
    tp_init(&t);
    CF_CHECK_INT(tp_json(&t, "{\"a\":1,\"b\":\"x\",\"a\":2,\"a\":[3,4]}"), 0);
    CF_CHECK_INT(cf_params_count(&t.p, "a"), 4);
    CF_CHECK_STR(cf_params_get(&t.p, "a"), "4");
    CF_CHECK_STR(cf_params_get(&t.p, "b"), "x");
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_append_keeps_existing)
{
    struct tp t;
    tp_init(&t);
    CF_CHECK_INT(tp_form(&t, "a=1&b=2"), 0);
    CF_CHECK_INT(tp_json(&t, "{\"c\":3,\"a\":\"j\"}"), 0);
    CF_CHECK_INT(tp_form(&t, "d=4"), 0);
    CF_CHECK_INT(t.p.n, 5);
    if (t.p.n == 5) {
        CF_CHECK_STR(t.p.v[0].name, "a");
        CF_CHECK_STR(t.p.v[1].name, "b");
        CF_CHECK_STR(t.p.v[2].name, "c");
        CF_CHECK_STR(t.p.v[3].value, "j");
        CF_CHECK_STR(t.p.v[4].name, "d");
    }
    CF_CHECK_STR(cf_params_get(&t.p, "a"), "j");
    /* a failing call in the middle of a document adds nothing */
    CF_CHECK_INT(tp_json(&t, "{\"e\":1,\"f\":{}}"), CF_EINVAL);
    CF_CHECK_INT(tp_form(&t, "e=1&f=%"), CF_EINVAL);
    CF_CHECK_INT(t.p.n, 5);
    CF_CHECK_INT(cf_params_count(&t.p, "e"), 0);
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_get_and_count)
{
    struct tp t;
    struct cf_params empty = {NULL, 0};
    tp_init(&t);
    CF_CHECK(cf_params_get(&empty, "a") == NULL);
    CF_CHECK_INT(cf_params_count(&empty, "a"), 0);
    CF_CHECK(cf_params_get(NULL, "a") == NULL);
    CF_CHECK_INT(cf_params_count(NULL, "a"), 0);
    CF_CHECK_INT(tp_form(&t, "To=1&to=2&To=3&Tox=4&T=5"), 0);
    CF_CHECK(cf_params_get(&t.p, NULL) == NULL);
    CF_CHECK_INT(cf_params_count(&t.p, NULL), 0);
    CF_CHECK_STR(cf_params_get(&t.p, "To"), "3");
    CF_CHECK_STR(cf_params_get(&t.p, "to"), "2");
    CF_CHECK_INT(cf_params_count(&t.p, "To"), 2);
    CF_CHECK_INT(cf_params_count(&t.p, "to"), 1);
    CF_CHECK_INT(cf_params_count(&t.p, "T"), 1);
    CF_CHECK_INT(cf_params_count(&t.p, "TO"), 0);
    CF_CHECK(cf_params_get(&t.p, "TO") == NULL);
    CF_CHECK(cf_params_get(&t.p, "") == NULL);
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

/* ---- robustness ---- */

/* A small deterministic generator (xorshift32) for the smoke tests. */
static uint32_t tp_rand(uint32_t *st)
{
    uint32_t x = *st;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *st = x;
    return x;
}

/* Checks what any successful decode must guarantee about out. */
static int tp_invariants(const struct cf_params *p)
{
    size_t i;
    if (p->n > CF_PARAMS_MAX_COUNT) return 0;
    for (i = 0; i < p->n; i++) {
        if (strlen(p->v[i].name) > CF_PARAMS_MAX_NAME) return 0;
        if (p->v[i].value_len > CF_PARAMS_MAX_VALUE) return 0;
        if (p->v[i].value[p->v[i].value_len] != '\0') return 0;
    }
    return 1;
}

CF_TEST(params_smoke_mutations)
{
    static const char *seeds[] = {
        "{\"a\":\"x\\u00e9\\uD83D\\uDE00\",\"b\":[1,-2.5e3,true,null],\"c\":false}",
        "{\"FriendlyName\":\"Room\",\"Muted\":true,\"Ev\":[\"a\",\"b\"]}",
        "a=1&b=%41%42+c&&d&e=%7e&DateCreated%3C=2024-01-01",
        "{}",
    };
    static const char alphabet[] = "{}[]\":,\\u0123456789abcdefEe+-.tfnrl %&=\xC3\xA9\xF0\xFF";
    struct tp t;
    uint32_t st = 0x9e3779b9u;
    char buf[256];
    int iter;
    tp_init(&t);
    for (iter = 0; iter < 20000; iter++) {
        const char *seed = seeds[iter % 4];
        size_t len = strlen(seed), k, nmut;
        int rc;
        if (len > sizeof buf) len = sizeof buf;
        memcpy(buf, seed, len);
        nmut = 1 + tp_rand(&st) % 4;
        for (k = 0; k < nmut; k++) {
            uint32_t r = tp_rand(&st);
            size_t at = len ? r % len : 0;
            switch ((r >> 16) % 4) {
            case 0: /* replace a byte with one from the alphabet */
                if (len) buf[at] = alphabet[(r >> 8) % (sizeof alphabet - 1)];
                break;
            case 1: /* replace a byte with any byte */
                if (len) buf[at] = (char)(r >> 8);
                break;
            case 2: /* delete a byte */
                if (len) {
                    memmove(buf + at, buf + at + 1, len - at - 1);
                    len--;
                }
                break;
            default: /* truncate */
                len = at;
                break;
            }
        }
        rc = tp_run(&t, (int)(iter & 1), buf, len);
        CF_CHECK(rc == 0 || rc == CF_EINVAL || rc == CF_ETOOBIG);
        if (rc) CF_CHECK(t.e.code == rc && t.e.msg[0] != '\0');
        CF_CHECK(tp_invariants(&t.p));
        t.p.n = 0;
        t.p.v = NULL;
        if (iter % 1000 == 999) {
            cf_arena_cleanup(&t.a);
            cf_arena_init(&t.a);
        }
    }
    CF_CHECK_INT(tp_cleanup(&t), 0);
}

CF_TEST(params_smoke_random)
{
    static const char alphabet[] = "{}[]\":,\\u0123456789abcdefABCDEFEe+-.trulsn %&=\t\n";
    struct tp t;
    uint32_t st = 12345;
    char buf[128];
    int iter;
    tp_init(&t);
    for (iter = 0; iter < 20000; iter++) {
        size_t len = tp_rand(&st) % sizeof buf, k;
        int rc;
        for (k = 0; k < len; k++) {
            uint32_t r = tp_rand(&st);
            buf[k] = (r & 0x10000) ? (char)r : alphabet[r % (sizeof alphabet - 1)];
        }
        if (len && (iter & 2)) buf[0] = '{';
        rc = tp_run(&t, (int)(iter & 1), buf, len);
        CF_CHECK(rc == 0 || rc == CF_EINVAL || rc == CF_ETOOBIG);
        CF_CHECK(tp_invariants(&t.p));
        t.p.n = 0;
        t.p.v = NULL;
        if (iter % 1000 == 999) {
            cf_arena_cleanup(&t.a);
            cf_arena_init(&t.a);
        }
    }
    CF_CHECK_INT(tp_cleanup(&t), 0);
}
