/* SPDX-License-Identifier: MIT
 *
 * test_json.c - unit tests for the cf_json writer: string escaping (quotes,
 * backslash, control characters, '<' '>' '&', UTF-8 untouched), commas in
 * nested objects and arrays, the scalar writers, and the sticky error when
 * the buffer's cap is reached.
 */
#include <stdint.h>
#include <string.h>

#include "../../src/api/cf_json.h"
#include "../../src/base/cf_buf.h"
#include "../../src/base/cf_err.h"
#include "../../src/base/cf_time.h"
#include "cf_test.h"

/* Escapes z into a fresh buffer and returns a static copy of the result. */
static const char *tj_esc(const char *z)
{
    static char out[512];
    struct cf_buf b;
    cf_buf_init(&b, 4096);
    if (cf_json_escape(&b, z) != 0 || b.len >= sizeof out) {
        strcpy(out, "(error)");
    } else {
        memcpy(out, cf_buf_str(&b), b.len + 1);
    }
    cf_buf_cleanup(&b);
    return out;
}

CF_TEST(json_escape_basic)
{
    CF_CHECK_STR(tj_esc(""), "\"\"");
    CF_CHECK_STR(tj_esc("plain text 123"), "\"plain text 123\"");
    CF_CHECK_STR(tj_esc("say \"hi\""), "\"say \\\"hi\\\"\"");
    CF_CHECK_STR(tj_esc("a\\b"), "\"a\\\\b\"");
    CF_CHECK_STR(tj_esc("\\"), "\"\\\\\"");
    CF_CHECK_STR(tj_esc("\""), "\"\\\"\"");
    CF_CHECK_STR(tj_esc("/"), "\"/\""); /* '/' needs no escape */
    CF_CHECK_STR(tj_esc("'"), "\"'\"");
}

CF_TEST(json_escape_control)
{
    CF_CHECK_STR(tj_esc("\n\r\t"), "\"\\n\\r\\t\"");
    CF_CHECK_STR(tj_esc("\x01"), "\"\\u0001\"");
    CF_CHECK_STR(tj_esc("a\x01z"), "\"a\\u0001z\"");
    CF_CHECK_STR(tj_esc("\x08\x0c"), "\"\\u0008\\u000c\"");
    CF_CHECK_STR(tj_esc("\x0b"), "\"\\u000b\"");
    CF_CHECK_STR(tj_esc("\x1f"), "\"\\u001f\"");
    CF_CHECK_STR(tj_esc("\x10"), "\"\\u0010\"");
    CF_CHECK_STR(tj_esc("\x1b[0m"), "\"\\u001b[0m\"");
    CF_CHECK_STR(tj_esc(" "), "\" \""); /* 0x20 is printable */
    CF_CHECK_STR(tj_esc("\x7f"), "\"\x7f\"");
    /* every control character 0x01..0x1f is escaped */
    for (int c = 1; c < 0x20; c++) {
        char in[2] = {(char)c, '\0'};
        const char *out = tj_esc(in);
        CF_CHECK(out[0] == '"' && out[1] == '\\');
        if (c != '\n' && c != '\r' && c != '\t') {
            char want[16];
            snprintf(want, sizeof want, "\"\\u%04x\"", c);
            CF_CHECK_STR(out, want);
        }
    }
}

CF_TEST(json_escape_markup)
{
    CF_CHECK_STR(tj_esc("<"), "\"\\u003c\"");
    CF_CHECK_STR(tj_esc(">"), "\"\\u003e\"");
    CF_CHECK_STR(tj_esc("&"), "\"\\u0026\"");
    CF_CHECK_STR(tj_esc("</script><b>&amp;"),
                 "\"\\u003c/script\\u003e\\u003cb\\u003e\\u0026amp;\"");
    CF_CHECK_STR(tj_esc("a<b\"c\\d\n&e>f"),
                 "\"a\\u003cb\\\"c\\\\d\\n\\u0026e\\u003ef\"");
}

CF_TEST(json_escape_utf8_passes_through)
{
    CF_CHECK_STR(tj_esc("caf\xC3\xA9"), "\"caf\xC3\xA9\"");
    CF_CHECK_STR(tj_esc("\xE2\x82\xAC 5"), "\"\xE2\x82\xAC 5\"");
    CF_CHECK_STR(tj_esc("\xF0\x9F\x98\x80"), "\"\xF0\x9F\x98\x80\"");
    CF_CHECK_STR(tj_esc("\xE6\x97\xA5\xE6\x9C\xAC<\xE8\xAA\x9E"),
                 "\"\xE6\x97\xA5\xE6\x9C\xAC\\u003c\xE8\xAA\x9E\"");
    /* U+2028 is valid in JSON and left alone */
    CF_CHECK_STR(tj_esc("\xE2\x80\xA8"), "\"\xE2\x80\xA8\"");
}

/* The escaping one byte at a time, as the writer did before its 16-byte
 * scan: the reference the scan must match. */
static void ref_escape(char *out, const unsigned char *z)
{
    static const char hx[] = "0123456789abcdef";
    *out++ = '"';
    for (; *z; z++) {
        unsigned char c = *z;
        if (c == '"' || c == '\\') *out++ = '\\', *out++ = (char)c;
        else if (c == '\n') *out++ = '\\', *out++ = 'n';
        else if (c == '\r') *out++ = '\\', *out++ = 'r';
        else if (c == '\t') *out++ = '\\', *out++ = 't';
        else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            memcpy(out, "\\u00", 4);
            out[4] = hx[c >> 4], out[5] = hx[c & 15];
            out += 6;
        } else {
            *out++ = (char)c;
        }
    }
    *out++ = '"';
    *out = '\0';
}

/* Long strings, so that the 16-byte scan runs: every byte value that needs
 * escaping (and some that do not: 0x7f, 0x80, 0xff, '/') at every position
 * of a 70-byte string of plain text, alone and next to a second one 16 bytes
 * on, each escaped exactly as byte by byte. */
CF_TEST(json_escape_long_strings_match_byte_by_byte)
{
    static const unsigned char probes[] = {1, 0x08, '\t', '\n', 0x1f, '"', '\\', '<', '>', '&',
                                           0x20, 0x7f, 0x80, 0xc3, 0xff, '/'};
    unsigned char in[80];
    char want[600];
    struct cf_buf b;
    int bad = 0;
    for (size_t k = 0; k < sizeof probes; k++) {
        for (int pos = 0; pos < 70; pos++) {
            for (int second = 0; second < 2; second++) {
                for (int i = 0; i < 70; i++) in[i] = (unsigned char)('a' + i % 26);
                in[70] = 0;
                in[pos] = probes[k];
                if (second && pos + 16 < 70) in[pos + 16] = '"';
                ref_escape(want, in);
                cf_buf_init(&b, 4096);
                if (cf_json_escape(&b, (const char *)in) != 0 || strcmp(cf_buf_str(&b), want) != 0)
                    bad++;
                cf_buf_cleanup(&b);
            }
        }
    }
    CF_CHECK(bad == 0);
    /* a plain string of every length up to 100 comes out unchanged */
    for (int n = 0; n <= 100; n++) {
        char z[101];
        for (int i = 0; i < n; i++) z[i] = (char)('A' + i % 26);
        z[n] = 0;
        ref_escape(want, (const unsigned char *)z);
        cf_buf_init(&b, 4096);
        CF_CHECK(cf_json_escape(&b, z) == 0 && strcmp(cf_buf_str(&b), want) == 0);
        cf_buf_cleanup(&b);
    }
}

/* ---- the writer ---- */

CF_TEST(json_writer_nested)
{
    struct cf_buf b;
    struct cf_json w;
    cf_buf_init(&b, 4096);
    cf_json_init(&w, &b);
    cf_json_open(&w, '{');
    cf_json_kstr(&w, "a", "x");
    cf_json_key(&w, "obj");
    cf_json_open(&w, '{');
    cf_json_kint(&w, "n", 1);
    cf_json_key(&w, "inner");
    cf_json_open(&w, '{');
    cf_json_close(&w, '}');
    cf_json_kbool(&w, "t", true);
    cf_json_close(&w, '}');
    cf_json_key(&w, "arr");
    cf_json_open(&w, '[');
    cf_json_int(&w, 1);
    cf_json_str(&w, "two");
    cf_json_open(&w, '[');
    cf_json_close(&w, ']');
    cf_json_open(&w, '{');
    cf_json_kstr(&w, "k", "v");
    cf_json_close(&w, '}');
    cf_json_open(&w, '[');
    cf_json_null(&w);
    cf_json_bool(&w, false);
    cf_json_close(&w, ']');
    cf_json_close(&w, ']');
    cf_json_key(&w, "after");
    cf_json_null(&w);
    cf_json_close(&w, '}');
    CF_CHECK_INT(w.rc, 0);
    CF_CHECK_STR(cf_buf_str(&b), "{\"a\":\"x\",\"obj\":{\"n\":1,\"inner\":{},\"t\":true},"
                                 "\"arr\":[1,\"two\",[],{\"k\":\"v\"},[null,false]],"
                                 "\"after\":null}");
    cf_buf_cleanup(&b);
}

CF_TEST(json_writer_top_level_array)
{
    struct cf_buf b;
    struct cf_json w;
    cf_buf_init(&b, 4096);
    cf_json_init(&w, &b);
    cf_json_open(&w, '[');
    cf_json_open(&w, '{');
    cf_json_kint(&w, "i", 0);
    cf_json_close(&w, '}');
    cf_json_open(&w, '{');
    cf_json_kint(&w, "i", 1);
    cf_json_close(&w, '}');
    cf_json_close(&w, ']');
    CF_CHECK_INT(w.rc, 0);
    CF_CHECK_STR(cf_buf_str(&b), "[{\"i\":0},{\"i\":1}]");
    cf_buf_cleanup(&b);
}

CF_TEST(json_writer_scalars)
{
    struct cf_buf b;
    struct cf_json w;
    cf_buf_init(&b, 4096);
    cf_json_init(&w, &b);
    cf_json_open(&w, '{');
    cf_json_kint(&w, "zero", 0);
    cf_json_kint(&w, "neg", -42);
    cf_json_kint(&w, "max", INT64_MAX);
    cf_json_kint(&w, "min", INT64_MIN);
    cf_json_kbool(&w, "yes", true);
    cf_json_kbool(&w, "no", false);
    cf_json_kstr(&w, "nul", NULL);
    cf_json_key(&w, "n2");
    cf_json_null(&w);
    cf_json_key(&w, "e1");
    cf_json_str_or_null(&w, "");
    cf_json_key(&w, "e2");
    cf_json_str_or_null(&w, NULL);
    cf_json_key(&w, "e3");
    cf_json_str_or_null(&w, "s");
    cf_json_kstr(&w, "empty", "");
    cf_json_key(&w, "raw");
    cf_json_raw(&w, "[1,{\"x\":2}]");
    cf_json_kdate(&w, "date", INT64_C(1537822800) * CF_USEC_PER_SEC);
    cf_json_key_esc(&w, "k<&>\""); /* a key known only at run time is escaped */
    cf_json_str(&w, "v");
    cf_json_kuri(&w, "uri", "/a\\u003c", sizeof "/a\\u003c" - 1, "\"b", ".json");
    cf_json_kdate(&w, "d0", 0);
    cf_json_kint(&w, "last", 1);
    cf_json_close(&w, '}');
    CF_CHECK_INT(w.rc, 0);
    CF_CHECK_STR(cf_buf_str(&b),
                 "{\"zero\":0,\"neg\":-42,\"max\":9223372036854775807,"
                 "\"min\":-9223372036854775808,\"yes\":true,\"no\":false,\"nul\":null,"
                 "\"n2\":null,\"e1\":null,\"e2\":null,\"e3\":\"s\",\"empty\":\"\","
                 "\"raw\":[1,{\"x\":2}],\"date\":\"Mon, 24 Sep 2018 21:00:00 +0000\","
                 "\"k\\u003c\\u0026\\u003e\\\"\":\"v\",\"uri\":\"/a\\u003c/\\\"b.json\","
                 "\"d0\":\"Thu, 01 Jan 1970 00:00:00 +0000\",\"last\":1}");
    cf_buf_cleanup(&b);
}

CF_TEST(json_writer_top_level_scalars)
{
    struct cf_buf b;
    struct cf_json w;
    cf_buf_init(&b, 64);
    cf_json_init(&w, &b);
    cf_json_int(&w, 7);
    CF_CHECK_STR(cf_buf_str(&b), "7");
    cf_buf_reset(&b);
    cf_json_init(&w, &b);
    cf_json_str(&w, "x");
    CF_CHECK_STR(cf_buf_str(&b), "\"x\"");
    CF_CHECK_INT(w.rc, 0);
    cf_buf_cleanup(&b);
}

CF_TEST(json_cap_is_sticky)
{
    /* {"abc":"defg"} is 14 bytes: a cap of 10 fails inside the value */
    struct cf_buf b;
    struct cf_json w;
    size_t len_at_fail;
    cf_buf_init(&b, 10);
    cf_json_init(&w, &b);
    cf_json_open(&w, '{');
    cf_json_kstr(&w, "abc", "defg");
    CF_CHECK_INT(w.rc, CF_ETOOBIG);
    CF_CHECK(b.len <= 10);
    len_at_fail = b.len;
    /* later small writes that would fit do not happen: the error sticks */
    cf_json_close(&w, '}');
    cf_json_int(&w, 1);
    cf_json_null(&w);
    cf_json_bool(&w, true);
    cf_json_key(&w, "k");
    cf_json_str(&w, NULL);
    cf_json_raw(&w, "1");
    cf_json_open(&w, '[');
    CF_CHECK_INT(w.rc, CF_ETOOBIG);
    CF_CHECK_INT(b.len, len_at_fail);
    CF_CHECK_INT(strlen(cf_buf_str(&b)), len_at_fail);
    cf_buf_cleanup(&b);

    /* exactly enough room succeeds */
    cf_buf_init(&b, 14);
    cf_json_init(&w, &b);
    cf_json_open(&w, '{');
    cf_json_kstr(&w, "abc", "defg");
    cf_json_close(&w, '}');
    CF_CHECK_INT(w.rc, 0);
    CF_CHECK_STR(cf_buf_str(&b), "{\"abc\":\"defg\"}");
    cf_buf_cleanup(&b);

    /* one byte short fails at the very end */
    cf_buf_init(&b, 13);
    cf_json_init(&w, &b);
    cf_json_open(&w, '{');
    cf_json_kstr(&w, "abc", "defg");
    CF_CHECK_INT(w.rc, 0);
    cf_json_close(&w, '}');
    CF_CHECK_INT(w.rc, CF_ETOOBIG);
    CF_CHECK_STR(cf_buf_str(&b), "{\"abc\":\"defg\"");
    cf_buf_cleanup(&b);
}

CF_TEST(json_cap_every_size)
{
    /* for every cap below the full length the writer reports an error, and
     * at the full length it does not */
    static const char want[] = "{\"a\":[1,true,null,\"\\u003c\\n\"],\"b\":{\"c\":-5}}";
    size_t full = sizeof want - 1;
    for (size_t cap = 0; cap <= full + 1; cap++) {
        struct cf_buf b;
        struct cf_json w;
        cf_buf_init(&b, cap);
        cf_json_init(&w, &b);
        cf_json_open(&w, '{');
        cf_json_key(&w, "a");
        cf_json_open(&w, '[');
        cf_json_int(&w, 1);
        cf_json_bool(&w, true);
        cf_json_null(&w);
        cf_json_str(&w, "<\n");
        cf_json_close(&w, ']');
        cf_json_key(&w, "b");
        cf_json_open(&w, '{');
        cf_json_kint(&w, "c", -5);
        cf_json_close(&w, '}');
        cf_json_close(&w, '}');
        if (cap < full) {
            CF_CHECK_INT(w.rc, CF_ETOOBIG);
            CF_CHECK(b.len <= cap);
            /* what was written is a prefix of the full text */
            CF_CHECK(strncmp(cf_buf_str(&b), want, b.len) == 0);
        } else {
            CF_CHECK_INT(w.rc, 0);
            CF_CHECK_STR(cf_buf_str(&b), want);
        }
        cf_buf_cleanup(&b);
    }
}

CF_TEST(json_escape_cap)
{
    struct cf_buf b;
    cf_buf_init(&b, 5);
    CF_CHECK_INT(cf_json_escape(&b, "abc"), 0); /* "abc" with quotes = 5 */
    CF_CHECK_STR(cf_buf_str(&b), "\"abc\"");
    cf_buf_reset(&b);
    CF_CHECK_INT(cf_json_escape(&b, "abcd"), CF_ETOOBIG);
    cf_buf_reset(&b);
    CF_CHECK_INT(cf_json_escape(&b, "<"), CF_ETOOBIG); /* needs 8 */
    cf_buf_cleanup(&b);
}
