/* SPDX-License-Identifier: MIT
 *
 * test_buf.c - unit tests for the base containers and string helpers:
 * cf_buf (hard cap, unchanged on failure, printf growth, take, reset),
 * cf_arena (small and large allocations, 16-byte alignment, accounting,
 * strdup/printf) and cf_str (copy, ieq, UTF-8 counting, urlencode,
 * form_add).
 */
#include <stdint.h>
#include <string.h>

#include "../../src/base/cf_arena.h"
#include "../../src/base/cf_buf.h"
#include "../../src/base/cf_err.h"
#include "../../src/base/cf_mem.h"
#include "../../src/base/cf_str.h"
#include "cf_test.h"

/* ---- cf_buf ---- */

CF_TEST(buf_empty)
{
    struct cf_buf b;
    cf_buf_init(&b, 16);
    CF_CHECK(b.data == NULL);
    CF_CHECK_INT(b.len, 0);
    CF_CHECK_INT(b.cap, 16);
    CF_CHECK_STR(cf_buf_str(&b), "");
    CF_CHECK_INT(cf_buf_append(&b, "", 0), 0);
    CF_CHECK_INT(b.len, 0);
    CF_CHECK_STR(cf_buf_str(&b), "");
    cf_buf_cleanup(&b);
    CF_CHECK(b.data == NULL);
}

CF_TEST(buf_cap_exact_and_one_over)
{
    struct cf_buf b;
    cf_buf_init(&b, 8);
    CF_CHECK_INT(cf_buf_puts(&b, "abc"), 0);
    CF_CHECK_INT(cf_buf_append(&b, "defgh", 5), 0); /* exactly 8 */
    CF_CHECK_INT(b.len, 8);
    CF_CHECK_STR(cf_buf_str(&b), "abcdefgh");
    CF_CHECK(b.alloc <= 9); /* never more than cap + NUL */
    /* one more byte: refused, nothing changes */
    CF_CHECK_INT(cf_buf_putc(&b, 'i'), CF_ETOOBIG);
    CF_CHECK_INT(b.len, 8);
    CF_CHECK_STR(cf_buf_str(&b), "abcdefgh");
    CF_CHECK_INT(cf_buf_puts(&b, "xyz"), CF_ETOOBIG);
    CF_CHECK_INT(cf_buf_printf(&b, "%d", 1), CF_ETOOBIG);
    CF_CHECK_INT(b.len, 8);
    CF_CHECK_STR(cf_buf_str(&b), "abcdefgh");
    CF_CHECK_INT(cf_buf_append(&b, "", 0), 0); /* nothing always fits */
    cf_buf_cleanup(&b);

    /* a single append one over the cap on an empty buffer */
    cf_buf_init(&b, 4);
    CF_CHECK_INT(cf_buf_append(&b, "abcde", 5), CF_ETOOBIG);
    CF_CHECK_INT(b.len, 0);
    CF_CHECK_STR(cf_buf_str(&b), "");
    CF_CHECK_INT(cf_buf_puts(&b, "abcd"), 0);
    CF_CHECK_STR(cf_buf_str(&b), "abcd");
    cf_buf_cleanup(&b);

    /* partly full, one over */
    cf_buf_init(&b, 10);
    CF_CHECK_INT(cf_buf_puts(&b, "12345"), 0);
    CF_CHECK_INT(cf_buf_puts(&b, "678901"), CF_ETOOBIG);
    CF_CHECK_INT(b.len, 5);
    CF_CHECK_STR(cf_buf_str(&b), "12345");
    CF_CHECK_INT(cf_buf_puts(&b, "67890"), 0);
    CF_CHECK_STR(cf_buf_str(&b), "1234567890");
    cf_buf_cleanup(&b);

    /* a length that would overflow len + extra */
    cf_buf_init(&b, 10);
    CF_CHECK_INT(cf_buf_puts(&b, "ab"), 0);
    CF_CHECK_INT(cf_buf_append(&b, "x", SIZE_MAX), CF_ETOOBIG);
    CF_CHECK_INT(cf_buf_append(&b, "x", SIZE_MAX - 1), CF_ETOOBIG);
    CF_CHECK_STR(cf_buf_str(&b), "ab");
    cf_buf_cleanup(&b);
}

CF_TEST(buf_cap_zero)
{
    struct cf_buf b;
    cf_buf_init(&b, 0);
    CF_CHECK_INT(cf_buf_putc(&b, 'a'), CF_ETOOBIG);
    CF_CHECK_INT(cf_buf_append(&b, "", 0), 0);
    CF_CHECK_STR(cf_buf_str(&b), "");
    CF_CHECK_INT(b.len, 0);
    cf_buf_cleanup(&b);
}

CF_TEST(buf_growth_large_cap)
{
    /* many small appends with a large cap: content stays exact */
    struct cf_buf b;
    cf_buf_init(&b, 100000);
    for (int i = 0; i < 10000; i++) CF_CHECK_INT(cf_buf_putc(&b, (char)('a' + i % 26)), 0);
    CF_CHECK_INT(b.len, 10000);
    CF_CHECK_INT(strlen(cf_buf_str(&b)), 10000);
    CF_CHECK_INT(b.data[9999], 'a' + 9999 % 26);
    CF_CHECK_INT(b.data[0], 'a');
    CF_CHECK(b.alloc > b.len);
    cf_buf_cleanup(&b);
}

CF_TEST(buf_printf)
{
    struct cf_buf b;
    char want[1200];
    cf_buf_init(&b, 4096);
    CF_CHECK_INT(cf_buf_printf(&b, "%s=%d;", "x", 42), 0);
    CF_CHECK_STR(cf_buf_str(&b), "x=42;");
    /* 255 bytes fit the small path, 256 and more go the long way */
    CF_CHECK_INT(cf_buf_printf(&b, "%255s", "y"), 0);
    CF_CHECK_INT(b.len, 5 + 255);
    CF_CHECK_INT(cf_buf_printf(&b, "%256s", "z"), 0);
    CF_CHECK_INT(b.len, 5 + 255 + 256);
    if (b.len == 5 + 255 + 256) CF_CHECK_INT(b.data[5 + 255 + 255], 'z');
    CF_CHECK_INT(cf_buf_printf(&b, "[%0300d]", 7), 0);
    CF_CHECK_INT(b.len, 5 + 255 + 256 + 302);
    CF_CHECK_INT(strlen(cf_buf_str(&b)), b.len);
    memset(want, ' ', 254);
    want[254] = 'y';
    memset(want + 255, ' ', 255);
    want[510] = 'z';
    want[511] = '[';
    memset(want + 512, '0', 299);
    want[811] = '7';
    want[812] = ']';
    want[813] = '\0';
    CF_CHECK_STR(cf_buf_str(&b) + 5, want);
    cf_buf_cleanup(&b);

    /* a long printf into an empty buffer */
    cf_buf_init(&b, 1000);
    memset(want, 'a', 300);
    want[300] = '\0';
    CF_CHECK_INT(cf_buf_printf(&b, "%s-%s", want, "b"), 0);
    CF_CHECK_INT(b.len, 302);
    CF_CHECK_INT(strlen(cf_buf_str(&b)), 302);
    if (b.len == 302) {
        CF_CHECK(memcmp(b.data, want, 300) == 0);
        CF_CHECK_INT(b.data[300], '-');
        CF_CHECK_INT(b.data[301], 'b');
        CF_CHECK_INT(b.data[302], '\0');
    }
    cf_buf_cleanup(&b);

    /* long printf past the cap: refused, unchanged */
    cf_buf_init(&b, 300);
    CF_CHECK_INT(cf_buf_puts(&b, "keep"), 0);
    CF_CHECK_INT(cf_buf_printf(&b, "%297s", "q"), CF_ETOOBIG);
    CF_CHECK_INT(b.len, 4);
    CF_CHECK_STR(cf_buf_str(&b), "keep");
    CF_CHECK_INT(cf_buf_printf(&b, "%296s", "q"), 0); /* exactly 300 */
    CF_CHECK_INT(b.len, 300);
    CF_CHECK_INT(strlen(cf_buf_str(&b)), 300);
    if (b.len == 300) CF_CHECK_INT(b.data[299], 'q');
    cf_buf_cleanup(&b);

    /* short printf past the cap */
    cf_buf_init(&b, 3);
    CF_CHECK_INT(cf_buf_printf(&b, "%d", 1234), CF_ETOOBIG);
    CF_CHECK_STR(cf_buf_str(&b), "");
    CF_CHECK_INT(cf_buf_printf(&b, "%d", 123), 0);
    CF_CHECK_STR(cf_buf_str(&b), "123");
    cf_buf_cleanup(&b);
}

CF_TEST(buf_reset_and_take)
{
    struct cf_buf b;
    size_t n = 99;
    char *p;
    cf_buf_init(&b, 64);
    CF_CHECK_INT(cf_buf_puts(&b, "hello"), 0);
    cf_buf_reset(&b);
    CF_CHECK_INT(b.len, 0);
    CF_CHECK_STR(cf_buf_str(&b), "");
    CF_CHECK(b.data != NULL); /* memory kept */
    CF_CHECK_INT(cf_buf_puts(&b, "world"), 0);
    p = cf_buf_take(&b, &n);
    CF_CHECK_STR(p, "world");
    CF_CHECK_INT(n, 5);
    /* b is re-initialised with the same cap */
    CF_CHECK(b.data == NULL);
    CF_CHECK_INT(b.len, 0);
    CF_CHECK_INT(b.alloc, 0);
    CF_CHECK_INT(b.cap, 64);
    CF_CHECK_STR(cf_buf_str(&b), "");
    CF_CHECK_INT(cf_buf_puts(&b, "again"), 0);
    CF_CHECK_STR(cf_buf_str(&b), "again");
    CF_CHECK(b.data != p);
    cf_free(p);
    cf_buf_cleanup(&b);

    /* taking an empty buffer gives a fresh "" */
    n = 99;
    p = cf_buf_take(&b, &n);
    CF_CHECK(p != NULL);
    CF_CHECK_STR(p, "");
    CF_CHECK_INT(n, 0);
    cf_free(p);
    p = cf_buf_take(&b, NULL);
    CF_CHECK_STR(p, "");
    cf_free(p);
}

/* ---- cf_arena ---- */

CF_TEST(arena_small_alignment_and_accounting)
{
    struct cf_arena a;
    static const size_t sizes[] = {1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 100, 0, 5};
    size_t used = 0, prev_n = 0;
    char *prev = NULL;
    cf_arena_init(&a);
    CF_CHECK_INT(a.used, 0);
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        char *p = cf_arena_alloc(&a, sizes[i]);
        CF_CHECK(p != NULL);
        CF_CHECK_INT((uintptr_t)p % 16, 0);
        if (sizes[i]) memset(p, 0xab, sizes[i]); /* ASan: all n bytes usable */
        used += (sizes[i] + 15) / 16 * 16;
        CF_CHECK_INT(a.used, used);
        /* an allocation does not overlap the previous one */
        if (prev) CF_CHECK(p >= prev + prev_n || p + sizes[i] <= prev);
        prev = p;
        prev_n = sizes[i];
    }
    cf_arena_cleanup(&a);
    CF_CHECK_INT(a.used, 0);
    CF_CHECK(a.head == NULL);
}

CF_TEST(arena_large_allocations)
{
    struct cf_arena a;
    char *s1, *s2, *big1, *big2, *s3, *huge;
    cf_arena_init(&a);
    s1 = cf_arena_strdup(&a, "small-one");
    big1 = cf_arena_alloc(&a, 5000); /* > half a chunk: a chunk of its own */
    s2 = cf_arena_strdup(&a, "small-two");
    big2 = cf_arena_alloc(&a, 100000);
    s3 = cf_arena_strdup(&a, "small-three");
    huge = cf_arena_alloc(&a, 1 << 20);
    CF_CHECK_INT((uintptr_t)big1 % 16, 0);
    CF_CHECK_INT((uintptr_t)big2 % 16, 0);
    CF_CHECK_INT((uintptr_t)huge % 16, 0);
    CF_CHECK_INT((uintptr_t)s2 % 16, 0);
    CF_CHECK_INT((uintptr_t)s3 % 16, 0);
    memset(big1, 1, 5000);
    memset(big2, 2, 100000);
    memset(huge, 3, 1 << 20);
    /* the large blocks did not overwrite the small strings */
    CF_CHECK_STR(s1, "small-one");
    CF_CHECK_STR(s2, "small-two");
    CF_CHECK_STR(s3, "small-three");
    CF_CHECK_INT(big1[4999], 1);
    CF_CHECK_INT(big2[0], 2);
    CF_CHECK_INT(big2[99999], 2);
    CF_CHECK_INT(huge[(1 << 20) - 1], 3);
    CF_CHECK_INT(a.used, 16 + 5008 + 16 + 100000 + 16 + (1 << 20));
    /* a large first allocation, then small ones */
    cf_arena_cleanup(&a);
    cf_arena_init(&a);
    big1 = cf_arena_alloc(&a, 4097);
    memset(big1, 4, 4097);
    s1 = cf_arena_strdup(&a, "after");
    CF_CHECK_STR(s1, "after");
    CF_CHECK_INT(big1[4096], 4);
    CF_CHECK_INT(a.used, 4112 + 16);
    cf_arena_cleanup(&a);
    CF_CHECK_INT(a.used, 0);
}

CF_TEST(arena_many_small_allocations)
{
    /* crosses many chunk boundaries; every block keeps its content */
    struct cf_arena a;
    char *p[2000];
    int bad = 0;
    cf_arena_init(&a);
    for (int i = 0; i < 2000; i++) {
        p[i] = cf_arena_printf(&a, "block-%d", i);
        if ((uintptr_t)p[i] % 16) bad++;
    }
    for (int i = 0; i < 2000; i++) {
        char want[32];
        snprintf(want, sizeof want, "block-%d", i);
        if (strcmp(p[i], want) != 0) bad++;
    }
    CF_CHECK_INT(bad, 0);
    cf_arena_cleanup(&a);
}

CF_TEST(arena_strings)
{
    struct cf_arena a;
    char *z;
    unsigned char *c;
    cf_arena_init(&a);
    CF_CHECK_STR(cf_arena_strdup(&a, ""), "");
    CF_CHECK_STR(cf_arena_strndup(&a, "abcdef", 3), "abc");
    CF_CHECK_STR(cf_arena_strndup(&a, NULL, 0), "");
    CF_CHECK_STR(cf_arena_printf(&a, "%s-%04d-%c", "x", 42, 'z'), "x-0042-z");
    CF_CHECK_STR(cf_arena_printf(&a, "%s", ""), "");
    z = cf_arena_printf(&a, "%9000d", 5); /* larger than a chunk */
    CF_CHECK_INT(strlen(z), 9000);
    CF_CHECK_INT(z[8999], '5');
    c = cf_arena_calloc(&a, 64);
    for (int i = 0; i < 64; i++) CF_CHECK_INT(c[i], 0);
    CF_CHECK_STR(cf_arena_cat(&a, "/a", "", "/b", ".json"), "/a/b.json");
    CF_CHECK_STR(cf_arena_cat(&a, ""), "");
    z = cf_arena_cat(&a, cf_arena_printf(&a, "%6000d", 1), cf_arena_printf(&a, "%6000d", 2));
    CF_CHECK_INT(strlen(z), 12000); /* larger than a chunk */
    CF_CHECK_INT(z[5999], '1');
    CF_CHECK_INT(z[11999], '2');
    cf_arena_cleanup(&a);
}

/* ---- cf_str ---- */

CF_TEST(str_copy)
{
    char out[6];
    memset(out, 'X', sizeof out);
    CF_CHECK_INT(cf_str_copy(out, sizeof out, "abcde"), 0); /* 5 + NUL = 6 */
    CF_CHECK_STR(out, "abcde");
    CF_CHECK_INT(cf_str_copy(out, sizeof out, "abcdef"), CF_ETOOBIG);
    CF_CHECK_STR(out, ""); /* left "", not truncated */
    CF_CHECK_INT(cf_str_copy(out, sizeof out, ""), 0);
    CF_CHECK_STR(out, "");
    CF_CHECK_INT(cf_str_copy(out, 1, ""), 0);
    CF_CHECK_INT(cf_str_copy(out, 1, "a"), CF_ETOOBIG);
    CF_CHECK_STR(out, "");
    out[0] = 'Q';
    CF_CHECK_INT(cf_str_copy(out, 0, ""), CF_ETOOBIG);
    CF_CHECK_INT(out[0], 'Q'); /* size 0: nothing written */
}

CF_TEST(str_ieq)
{
    CF_CHECK(cf_str_ieq("", ""));
    CF_CHECK(cf_str_ieq("abc", "abc"));
    CF_CHECK(cf_str_ieq("POST", "post"));
    CF_CHECK(cf_str_ieq("Content-Type", "cONTENT-tYPE"));
    CF_CHECK(cf_str_ieq("a1-_Z", "A1-_z"));
    CF_CHECK(!cf_str_ieq("abc", "abd"));
    CF_CHECK(!cf_str_ieq("abc", "ab"));
    CF_CHECK(!cf_str_ieq("ab", "abc"));
    CF_CHECK(!cf_str_ieq("", "a"));
    CF_CHECK(!cf_str_ieq("a", ""));
    /* only ASCII letters fold: '@' (0x40) vs '`' (0x60), '[' vs '{' */
    CF_CHECK(!cf_str_ieq("@", "`"));
    CF_CHECK(!cf_str_ieq("[", "{"));
    CF_CHECK(!cf_str_ieq("\xC3\x89", "\xC3\xA9"));
}

CF_TEST(str_utf8_chars)
{
    CF_CHECK_INT(cf_str_utf8_chars(""), 0);
    CF_CHECK_INT(cf_str_utf8_chars("abc"), 3);
    CF_CHECK_INT(cf_str_utf8_chars("caf\xC3\xA9"), 4);
    CF_CHECK_INT(cf_str_utf8_chars("\xE2\x82\xAC"), 1);
    CF_CHECK_INT(cf_str_utf8_chars("\xF0\x9F\x98\x80!"), 2);
    CF_CHECK_INT(cf_str_utf8_chars("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"), 3);
    CF_CHECK_INT(cf_str_utf8_chars("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z"), 5);
}

/* urlencodes z into a fresh buffer; returns a static copy or "(error)". */
static const char *ts_enc(const char *z)
{
    static char out[512];
    struct cf_buf b;
    cf_buf_init(&b, 4096);
    if (cf_str_urlencode(&b, z) != 0 || b.len >= sizeof out) strcpy(out, "(error)");
    else memcpy(out, cf_buf_str(&b), b.len + 1);
    cf_buf_cleanup(&b);
    return out;
}

CF_TEST(str_urlencode)
{
    CF_CHECK_STR(ts_enc(""), "");
    CF_CHECK_STR(ts_enc("a b"), "a%20b");
    CF_CHECK_STR(ts_enc("ABCXYZabcxyz0189-_.~"), "ABCXYZabcxyz0189-_.~");
    CF_CHECK_STR(ts_enc("+&=%/?#:@!$'()*,;[]"),
                 "%2B%26%3D%25%2F%3F%23%3A%40%21%24%27%28%29%2A%2C%3B%5B%5D");
    CF_CHECK_STR(ts_enc("\"<>\\^`{|}"), "%22%3C%3E%5C%5E%60%7B%7C%7D");
    CF_CHECK_STR(ts_enc("\n\t\x01\x7f"), "%0A%09%01%7F");
    CF_CHECK_STR(ts_enc("caf\xC3\xA9"), "caf%C3%A9");
    CF_CHECK_STR(ts_enc("\xE2\x82\xAC"), "%E2%82%AC");
    CF_CHECK_STR(ts_enc("\xF0\x9F\x98\x80"), "%F0%9F%98%80");
    CF_CHECK_STR(ts_enc("\xff"), "%FF");
    CF_CHECK_STR(ts_enc("https://example.com/cb?x=1"), "https%3A%2F%2Fexample.com%2Fcb%3Fx%3D1");
}

CF_TEST(str_urlencode_cap)
{
    struct cf_buf b;
    cf_buf_init(&b, 5);
    CF_CHECK_INT(cf_str_urlencode(&b, "ab c"), CF_ETOOBIG); /* needs 6 */
    CF_CHECK(b.len <= 5);
    cf_buf_cleanup(&b);
    cf_buf_init(&b, 6);
    CF_CHECK_INT(cf_str_urlencode(&b, "ab c"), 0);
    CF_CHECK_STR(cf_buf_str(&b), "ab%20c");
    cf_buf_cleanup(&b);
}

/* The encoding of one byte, written out the long way: the reference the
 * encoder's table and both of its paths are checked against. */
static void ref_enc1(unsigned char ch, char *out)
{
    bool keep = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                ch == '-' || ch == '_' || ch == '.' || ch == '~';
    if (keep) snprintf(out, 4, "%c", ch);
    else snprintf(out, 4, "%%%02X", ch);
}

CF_TEST(str_urlencode_every_byte_both_paths)
{
    char in[256], want[3 * 256 + 1], got[3 * 256 + 1];
    size_t w = 0;
    struct cf_buf b;
    for (int i = 1; i < 256; i++) { /* every byte but NUL, which ends the string */
        char one[4];
        in[i - 1] = (char)i;
        ref_enc1((unsigned char)i, one);
        memcpy(want + w, one, strlen(one));
        w += strlen(one);
    }
    in[255] = '\0';
    want[w] = '\0';
    /* the one-pass path: room for the worst case */
    cf_buf_init(&b, 4096);
    CF_CHECK_INT(cf_str_urlencode(&b, in), 0);
    CF_CHECK_STR(cf_buf_str(&b), want);
    cf_buf_cleanup(&b);
    /* piece by piece: the cap is the exact length, short of 3 bytes each */
    cf_buf_init(&b, w);
    CF_CHECK_INT(cf_str_urlencode(&b, in), 0);
    CF_CHECK_STR(cf_buf_str(&b), want);
    cf_buf_cleanup(&b);
    /* the encoder itself, on a prefix of n bytes */
    CF_CHECK_INT(cf_str_urlencode_to(got, in, 255), w);
    CF_CHECK_STR(got, want);
    CF_CHECK_INT(cf_str_urlencode_to(got, "a b", 2), 4);
    CF_CHECK_STR(got, "a%20");
    CF_CHECK_INT(cf_str_urlencode_to(got, "", 0), 0);
    CF_CHECK_STR(got, "");
}

CF_TEST(str_form_add_paths_agree)
{
    /* near the cap the pairs go in piece by piece; the bytes are the same */
    static const char *const pairs[][2] = {
        {"AccountSid", "b1f4c5e0-1a2b-4c3d-8e9f-0123456789ab"},
        {"Timestamp", "Mon, 07 Dec 2026 03:00:00 +0000"},
        {"FriendlyName", "Room & co/\xC3\xA9"},
        {"Empty", ""},
    };
    struct cf_buf big, tight;
    cf_buf_init(&big, 4096);
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        CF_CHECK_INT(cf_str_form_add(&big, pairs[i][0], pairs[i][1]), 0);
    cf_buf_init(&tight, big.len);
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        CF_CHECK_INT(cf_str_form_add(&tight, pairs[i][0], pairs[i][1]), 0);
    CF_CHECK_STR(cf_buf_str(&tight), cf_buf_str(&big));
    CF_CHECK_STR(cf_buf_str(&big), "AccountSid=b1f4c5e0-1a2b-4c3d-8e9f-0123456789ab"
                                   "&Timestamp=Mon%2C%2007%20Dec%202026%2003%3A00%3A00%20%2B0000"
                                   "&FriendlyName=Room%20%26%20co%2F%C3%A9&Empty=");
    /* one byte more does not fit */
    CF_CHECK_INT(cf_str_form_add(&tight, "x", ""), CF_ETOOBIG);
    cf_buf_cleanup(&big);
    cf_buf_cleanup(&tight);
}

CF_TEST(buf_room)
{
    struct cf_buf b;
    char *o;
    cf_buf_init(&b, 10);
    CF_CHECK(cf_buf_room(&b, 11) == NULL);
    CF_CHECK_INT(b.len, 0);
    o = cf_buf_room(&b, 10);
    CF_CHECK(o != NULL);
    memcpy(o, "abc", 3);
    CF_CHECK_INT(b.len, 0); /* nothing counted until added */
    cf_buf_added(&b, 3);
    CF_CHECK_STR(cf_buf_str(&b), "abc");
    CF_CHECK(cf_buf_room(&b, 8) == NULL); /* 3 + 8 > 10 */
    CF_CHECK(cf_buf_room(&b, 7) != NULL);
    CF_CHECK_STR(cf_buf_str(&b), "abc");
    cf_buf_cleanup(&b);
}

CF_TEST(str_i64_and_hex)
{
    static const int64_t ns[] = {0, 1, -1, 9, 10, -10, 1234567890123LL, INT64_MAX, INT64_MIN};
    static const uint64_t hs[] = {0, 1, 0xf, 0x10, 0xdeadbeef, 0x123456789abcdefULL, UINT64_MAX};
    char got[CF_STR_I64_LEN], want[64];
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        snprintf(want, sizeof want, "%lld", (long long)ns[i]);
        CF_CHECK_INT(cf_str_i64(got, ns[i]), strlen(want));
        CF_CHECK_STR(got, want);
    }
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++) {
        for (int d = 0; d <= 17; d++) {
            char hx[17];
            snprintf(want, sizeof want, "%0*llx", d > 16 ? 16 : d, (unsigned long long)hs[i]);
            CF_CHECK_INT(cf_str_hex(hx, hs[i], (size_t)d), strlen(want));
            CF_CHECK_STR(hx, want);
        }
    }
}

CF_TEST(str_form_add)
{
    struct cf_buf b;
    cf_buf_init(&b, 4096);
    CF_CHECK_INT(cf_str_form_add(&b, "AccountSid", "AC1"), 0);
    CF_CHECK_STR(cf_buf_str(&b), "AccountSid=AC1");
    CF_CHECK_INT(cf_str_form_add(&b, "FriendlyName", "My Room & co"), 0);
    CF_CHECK_INT(cf_str_form_add(&b, "Empty", ""), 0);
    CF_CHECK_INT(cf_str_form_add(&b, "a=b", "c&d"), 0);
    CF_CHECK_INT(cf_str_form_add(&b, "Name", "\xC3\xA9t\xC3\xA9"), 0);
    CF_CHECK_STR(cf_buf_str(&b), "AccountSid=AC1&FriendlyName=My%20Room%20%26%20co&Empty="
                                 "&a%3Db=c%26d&Name=%C3%A9t%C3%A9");
    cf_buf_reset(&b);
    /* empty again: no leading '&' */
    CF_CHECK_INT(cf_str_form_add(&b, "x", "1"), 0);
    CF_CHECK_STR(cf_buf_str(&b), "x=1");
    cf_buf_cleanup(&b);

    /* over the cap */
    cf_buf_init(&b, 8);
    CF_CHECK_INT(cf_str_form_add(&b, "abc", "de"), 0);
    CF_CHECK_STR(cf_buf_str(&b), "abc=de");
    CF_CHECK_INT(cf_str_form_add(&b, "f", "g"), CF_ETOOBIG); /* "&f=g" needs 4 */
    cf_buf_cleanup(&b);
}
