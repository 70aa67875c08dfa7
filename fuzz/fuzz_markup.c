/* SPDX-License-Identifier: MIT
 *
 * fuzz_markup.c - cf_markup_parse: cXML documents fetched from AnnounceUrl,
 * HoldUrl and WaitUrl (libxml2 underneath, with our SAX guards).
 *
 * Each input is parsed twice: with the default limits and an https base
 * URL that has a path and a query, then with tight limits (depth 4, 6
 * items, 64 bytes of text) and a base chosen by the input size (a bare
 * host, none, or one with userinfo, port, query and fragment), so both the
 * cap paths and every kind of relative URL resolution are reached.
 *
 * Checks beyond memory safety (the promises of cf_markup.h): the return
 * code is one of the documented ones; a playlist has at most max_items
 * items; <Play> URLs and the <Redirect> URL are absolute http(s) URLs of at
 * most max_text bytes with no space, control or non-ASCII byte; <Say> text
 * is non-empty, trimmed and within max_text; loop is 0..1000; a <Pause>
 * lasts 1..600 s; the redirect method is GET or POST.
 */
#include "fuzz_common.h"

#include <strings.h>

#include "../src/base/cf_arena.h"
#include "../src/base/cf_err.h"
#include "../src/markup/cf_markup.h"

static const char *const bases[] = {
    "http://h",
    NULL,
    "https://user:pw@app.example.com:8443/a/b/./c/../hold.xml?x=1&y=%20#frag",
};

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void check_url(const char *u, const struct cf_markup_limits *lim)
{
    FUZZ_CHECK(u != NULL);
    FUZZ_CHECK(strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0);
    FUZZ_CHECK(strlen(u) <= lim->max_text);
    for (const unsigned char *p = (const unsigned char *)u; *p; p++)
        FUZZ_CHECK(*p > 0x20 && *p < 0x7f);
}

static void check_playlist(const struct cf_playlist *pl, const struct cf_markup_limits *lim)
{
    FUZZ_CHECK(pl->n <= lim->max_items);
    FUZZ_CHECK((pl->n == 0) == (pl->items == NULL));
    FUZZ_CHECK(pl->skipped >= 0);
    FUZZ_CHECK(strcmp(pl->redirect_method, "GET") == 0 || strcmp(pl->redirect_method, "POST") == 0);
    if (pl->redirect_url) check_url(pl->redirect_url, lim);
    for (size_t i = 0; i < pl->n; i++) {
        const struct cf_play_item *it = &pl->items[i];
        FUZZ_CHECK(memchr(it->voice, '\0', sizeof it->voice));
        FUZZ_CHECK(memchr(it->language, '\0', sizeof it->language));
        switch (it->kind) {
        case CF_PLAY_AUDIO:
            check_url(it->text, lim);
            FUZZ_CHECK(it->loop >= 0 && it->loop <= 1000 && it->pause_s == 0);
            break;
        case CF_PLAY_SAY: {
            size_t n;
            FUZZ_CHECK(it->text && (n = strlen(it->text)) > 0 && n <= lim->max_text);
            FUZZ_CHECK(!is_space((unsigned char)it->text[0]) &&
                       !is_space((unsigned char)it->text[n - 1]));
            FUZZ_CHECK(it->loop >= 0 && it->loop <= 1000 && it->pause_s == 0);
            FUZZ_CHECK(cf_markup_say_seconds(it->text) >= 1);
            break;
        }
        case CF_PLAY_PAUSE:
            FUZZ_CHECK(it->text == NULL && it->pause_s >= 1 && it->pause_s <= 600);
            break;
        default:
            FUZZ_CHECK(!"unknown item kind");
        }
    }
}

static void parse_one(const char *buf, size_t size, const char *base,
                      const struct cf_markup_limits *lim)
{
    struct cf_arena a;
    struct cf_playlist pl;
    struct cf_err err;
    int rc;
    cf_arena_init(&a);
    memset(&err, 0, sizeof err);
    rc = cf_markup_parse(buf, size, base, lim, &a, &pl, &err);
    FUZZ_CHECK(rc == 0 || rc == CF_EINVAL || rc == CF_ETOOBIG || rc == CF_ENOMEM);
    if (rc == 0) check_playlist(&pl, lim);
    else FUZZ_CHECK(err.code == rc && err.msg[0] && memchr(err.msg, '\0', sizeof err.msg));
    cf_arena_cleanup(&a);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    cf_markup_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = fuzz_dup(data, size);
    struct cf_markup_limits def, tight;

    cf_markup_limits_default(&def);
    tight.max_bytes = def.max_bytes;
    tight.max_depth = 4;
    tight.max_items = 6;
    tight.max_text = 64;
    parse_one(buf, size, "https://app.example.com:8443/voice/hold/doc.xml?x=1", &def);
    parse_one(buf, size, bases[size % 3], &tight);
    free(buf);
    return 0;
}
