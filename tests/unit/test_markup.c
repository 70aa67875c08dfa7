/* SPDX-License-Identifier: MIT
 *
 * test_markup.c - unit tests for cf_markup: the verbs and their attributes,
 * order, skipped verbs, <Redirect>, relative URL resolution, every kind of
 * rejected document (malformed, wrong root, empty, DOCTYPE, billion laughs,
 * external entities, deep nesting, too many items, too many bytes, too much
 * text), UTF-8 and transcoding, silence of libxml2 on stderr, and the <Say>
 * duration estimate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "../../src/base/cf_arena.h"
#include "../../src/base/cf_buf.h"
#include "../../src/base/cf_err.h"
#include "../../src/base/cf_mem.h"
#include "../../src/markup/cf_markup.h"
#include "cf_test.h"

#define BASE "https://app.example.com:8443/voice/hold/doc.xml?x=1"

/* One parse in a fresh arena; the arena lives until tm_done. */
struct mt {
    struct cf_arena a;
    struct cf_playlist pl;
    struct cf_err err;
    int rc;
};

static int tm_parse_lim(struct mt *t, const char *doc, size_t len, const char *base,
                        const struct cf_markup_limits *lim)
{
    cf_markup_init();
    cf_arena_init(&t->a);
    memset(&t->pl, 0, sizeof t->pl);
    memset(&t->err, 0, sizeof t->err);
    t->rc = cf_markup_parse(doc, len, base, lim, &t->a, &t->pl, &t->err);
    return t->rc;
}

static int tm_parse(struct mt *t, const char *doc, const char *base)
{
    return tm_parse_lim(t, doc, strlen(doc), base, NULL);
}

static void tm_done(struct mt *t)
{
    cf_arena_cleanup(&t->a);
}

/* Parses doc and returns the URL of its only <Play> (static copy), or a
 * string naming the error code. */
static const char *tm_play_url(const char *ref, const char *base)
{
    static char out[512];
    char doc[512];
    struct mt t;
    snprintf(doc, sizeof doc, "<Response><Play>%s</Play></Response>", ref);
    if (tm_parse(&t, doc, base) != 0)
        snprintf(out, sizeof out, "%s", cf_errname(t.rc));
    else if (t.pl.n != 1)
        snprintf(out, sizeof out, "n=%zu", t.pl.n);
    else
        snprintf(out, sizeof out, "%s", t.pl.items[0].text);
    tm_done(&t);
    return out;
}

/* Returns the loop value of <Play loop="v">, or -1 on a parse failure. */
static int tm_loop(const char *v)
{
    char doc[256];
    struct mt t;
    int loop = -1;
    snprintf(doc, sizeof doc, "<Response><Play loop=\"%s\">https://a.example/x.wav</Play></Response>",
             v);
    if (tm_parse(&t, doc, NULL) == 0 && t.pl.n == 1) loop = t.pl.items[0].loop;
    tm_done(&t);
    return loop;
}

static double tm_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the verbs ---- */

CF_TEST(markup_play_basic)
{
    struct mt t;
    CF_CHECK_INT(tm_parse(&t, "<Response><Play>https://cdn.example.com/a.wav</Play></Response>",
                          NULL),
                 0);
    CF_CHECK_INT(t.pl.n, 1);
    CF_CHECK(t.pl.items != NULL);
    if (t.pl.n == 1) {
        CF_CHECK_INT(t.pl.items[0].kind, CF_PLAY_AUDIO);
        CF_CHECK_STR(t.pl.items[0].text, "https://cdn.example.com/a.wav");
        CF_CHECK_INT(t.pl.items[0].loop, 1);
        CF_CHECK_INT(t.pl.items[0].pause_s, 0);
        CF_CHECK_STR(t.pl.items[0].voice, "");
    }
    CF_CHECK(t.pl.redirect_url == NULL);
    CF_CHECK_STR(t.pl.redirect_method, "POST");
    CF_CHECK_INT(t.pl.skipped, 0);
    tm_done(&t);

    /* Whitespace around the URL, an XML declaration, comments and an
     * upper-case scheme are all fine; the scheme is kept as written. */
    CF_CHECK_INT(tm_parse(&t,
                          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- hold music -->\n"
                          "<Response>\n  <!-- c -->\n  <Play loop=\"2\">\n    HTTP://a.example/b.mp3\n"
                          "  </Play>\n</Response>\n",
                          NULL),
                 0);
    CF_CHECK_INT(t.pl.n, 1);
    if (t.pl.n == 1) {
        CF_CHECK_STR(t.pl.items[0].text, "HTTP://a.example/b.mp3");
        CF_CHECK_INT(t.pl.items[0].loop, 2);
    }
    tm_done(&t);
}

CF_TEST(markup_play_errors)
{
    struct mt t;
    /* No URL. */
    CF_CHECK_INT(tm_parse(&t, "<Response><Play/></Response>", BASE), CF_EINVAL);
    CF_CHECK_INT(t.err.code, CF_EINVAL);
    CF_CHECK(strstr(t.err.msg, "<Play>") != NULL);
    tm_done(&t);
    CF_CHECK_INT(tm_parse(&t, "<Response><Play>   \n </Play></Response>", BASE), CF_EINVAL);
    tm_done(&t);
    /* Other schemes, with or without a base. */
    CF_CHECK_STR(tm_play_url("file:///etc/passwd", BASE), "CF_EINVAL");
    CF_CHECK_STR(tm_play_url("ftp://a.example/x.wav", BASE), "CF_EINVAL");
    CF_CHECK_STR(tm_play_url("javascript:alert(1)", BASE), "CF_EINVAL");
    CF_CHECK_STR(tm_play_url("data:audio/wav;base64,AAAA", NULL), "CF_EINVAL");
    CF_CHECK_STR(tm_play_url("http:relative.wav", BASE), "CF_EINVAL");
    CF_CHECK_STR(tm_play_url("http:///nohost.wav", BASE), "CF_EINVAL");
    /* The out parameter is untouched on failure. */
    CF_CHECK(tm_parse(&t, "<Response><Play>gopher://x/</Play></Response>", NULL) == CF_EINVAL);
    CF_CHECK(t.pl.items == NULL && t.pl.n == 0 && t.pl.redirect_method[0] == '\0');
    tm_done(&t);
}

CF_TEST(markup_loop_values)
{
    CF_CHECK_INT(tm_loop("0"), 0);
    CF_CHECK_INT(tm_loop("1"), 1);
    CF_CHECK_INT(tm_loop("7"), 7);
    CF_CHECK_INT(tm_loop(" 12 "), 12);
    CF_CHECK_INT(tm_loop("1000"), 1000);
    CF_CHECK_INT(tm_loop("1001"), 1);
    CF_CHECK_INT(tm_loop("99999999999999999999"), 1);
    CF_CHECK_INT(tm_loop("-1"), 1);
    CF_CHECK_INT(tm_loop("+2"), 1);
    CF_CHECK_INT(tm_loop("2x"), 1);
    CF_CHECK_INT(tm_loop("abc"), 1);
    CF_CHECK_INT(tm_loop(""), 1);
    CF_CHECK_INT(tm_loop("1.5"), 1);
}

CF_TEST(markup_say)
{
    struct mt t;
    CF_CHECK_INT(tm_parse(&t,
                          "<Response>"
                          "<Say voice=\"Polly.Joanna\" language=\"en-US\" loop=\"3\">\n"
                          "   Welcome &amp; hello &lt;all&gt; &#x41;  </Say>"
                          "<Say><![CDATA[a <b> & c]]></Say>"
                          "<Say>Hi <prosody rate=\"slow\">there</prosody> you</Say>"
                          "<Say voice=\"a-voice-name-that-is-much-too-long-to-fit\" "
                          "language=\"xx-a-language-tag-too-long\" loop=\"0\">x</Say>"
                          "<Say>   </Say>"
                          "</Response>",
                          NULL),
                 0);
    CF_CHECK_INT(t.pl.n, 4);
    CF_CHECK_INT(t.pl.skipped, 0);
    if (t.pl.n == 4) {
        CF_CHECK_INT(t.pl.items[0].kind, CF_PLAY_SAY);
        CF_CHECK_STR(t.pl.items[0].text, "Welcome & hello <all> A");
        CF_CHECK_STR(t.pl.items[0].voice, "Polly.Joanna");
        CF_CHECK_STR(t.pl.items[0].language, "en-US");
        CF_CHECK_INT(t.pl.items[0].loop, 3);
        CF_CHECK_STR(t.pl.items[1].text, "a <b> & c");
        CF_CHECK_STR(t.pl.items[1].voice, "");
        CF_CHECK_STR(t.pl.items[1].language, "");
        CF_CHECK_INT(t.pl.items[1].loop, 1);
        CF_CHECK_STR(t.pl.items[2].text, "Hi there you");
        CF_CHECK_STR(t.pl.items[3].voice, "");
        CF_CHECK_STR(t.pl.items[3].language, "");
        CF_CHECK_INT(t.pl.items[3].loop, 0);
    }
    tm_done(&t);
}

CF_TEST(markup_pause)
{
    struct mt t;
    CF_CHECK_INT(tm_parse(&t,
                          "<Response><Pause/><Pause length=\"5\"/><Pause length=\"600\"/>"
                          "<Pause length=\"601\"/><Pause length=\"0\"/><Pause length=\"x\"/>"
                          "<Pause length=\"-3\"/><Pause length=\"\"/><Pause length=\" 2 \"/></Response>",
                          NULL),
                 0);
    CF_CHECK_INT(t.pl.n, 4);
    CF_CHECK_INT(t.pl.skipped, 5);
    if (t.pl.n == 4) {
        CF_CHECK_INT(t.pl.items[0].kind, CF_PLAY_PAUSE);
        CF_CHECK(t.pl.items[0].text == NULL);
        CF_CHECK_INT(t.pl.items[0].pause_s, 1);
        CF_CHECK_INT(t.pl.items[0].loop, 1);
        CF_CHECK_INT(t.pl.items[1].pause_s, 5);
        CF_CHECK_INT(t.pl.items[2].pause_s, 600);
        CF_CHECK_INT(t.pl.items[3].pause_s, 2);
    }
    tm_done(&t);
}

CF_TEST(markup_order_preserved)
{
    struct mt t;
    CF_CHECK_INT(tm_parse(&t,
                          "<Response><Say>one</Say><Play>/two.wav</Play><Pause length=\"3\"/>"
                          "<Say>four</Say><Play loop=\"0\">five.mp3</Play></Response>",
                          BASE),
                 0);
    CF_CHECK_INT(t.pl.n, 5);
    if (t.pl.n == 5) {
        CF_CHECK_INT(t.pl.items[0].kind, CF_PLAY_SAY);
        CF_CHECK_STR(t.pl.items[0].text, "one");
        CF_CHECK_INT(t.pl.items[1].kind, CF_PLAY_AUDIO);
        CF_CHECK_STR(t.pl.items[1].text, "https://app.example.com:8443/two.wav");
        CF_CHECK_INT(t.pl.items[2].kind, CF_PLAY_PAUSE);
        CF_CHECK_INT(t.pl.items[2].pause_s, 3);
        CF_CHECK_INT(t.pl.items[3].kind, CF_PLAY_SAY);
        CF_CHECK_STR(t.pl.items[3].text, "four");
        CF_CHECK_INT(t.pl.items[4].kind, CF_PLAY_AUDIO);
        CF_CHECK_STR(t.pl.items[4].text, "https://app.example.com:8443/voice/hold/five.mp3");
        CF_CHECK_INT(t.pl.items[4].loop, 0);
    }
    tm_done(&t);
}

CF_TEST(markup_skipped_verbs)
{
    struct mt t;
    CF_CHECK_INT(tm_parse(&t,
                          "<Response><Dial><Conference>room</Conference></Dial>"
                          "<Gather><Say>press 1</Say><Play>https://a.example/g.wav</Play></Gather>"
                          "<Hangup/><Record/><Reject/><Enqueue>q</Enqueue><Leave/><Sms>x</Sms>"
                          "<Connect/><Unknown foo=\"bar\"/><say>lower case is another verb</say>"
                          "<Play digits=\"1234\"/><Play digits=\"w1\">https://a.example/x.wav</Play>"
                          "<Say>kept</Say></Response>",
                          NULL),
                 0);
    /* Nested <Say> and <Play> inside <Gather> are not looked at. */
    CF_CHECK_INT(t.pl.n, 1);
    CF_CHECK_INT(t.pl.skipped, 13);
    if (t.pl.n == 1) CF_CHECK_STR(t.pl.items[0].text, "kept");
    tm_done(&t);

    /* Only skipped verbs: a valid, empty playlist. */
    CF_CHECK_INT(tm_parse(&t, "<Response><Hangup/></Response>", NULL), 0);
    CF_CHECK_INT(t.pl.n, 0);
    CF_CHECK(t.pl.items == NULL);
    CF_CHECK_INT(t.pl.skipped, 1);
    tm_done(&t);
}

CF_TEST(markup_redirect)
{
    struct mt t;
    CF_CHECK_INT(tm_parse(&t,
                          "<Response><Say>before</Say>"
                          "<Redirect method=\"GET\">https://other.example/next.xml</Redirect>"
                          "<Say>after</Say><Dial>x</Dial><Redirect>https://x.example/</Redirect>"
                          "</Response>",
                          NULL),
                 0);
    CF_CHECK_INT(t.pl.n, 1);
    CF_CHECK_INT(t.pl.skipped, 0); /* what follows <Redirect> is not counted */
    CF_CHECK_STR(t.pl.redirect_url, "https://other.example/next.xml");
    CF_CHECK_STR(t.pl.redirect_method, "GET");
    tm_done(&t);

    /* Default method POST; lower-case method accepted; unknown method -> POST. */
    CF_CHECK_INT(tm_parse(&t, "<Response><Redirect>next.xml</Redirect></Response>", BASE), 0);
    CF_CHECK_STR(t.pl.redirect_url, "https://app.example.com:8443/voice/hold/next.xml");
    CF_CHECK_STR(t.pl.redirect_method, "POST");
    CF_CHECK_INT(t.pl.n, 0);
    tm_done(&t);
    CF_CHECK_INT(tm_parse(&t, "<Response><Redirect method=\"get\">/n</Redirect></Response>", BASE),
                 0);
    CF_CHECK_STR(t.pl.redirect_method, "GET");
    CF_CHECK_STR(t.pl.redirect_url, "https://app.example.com:8443/n");
    tm_done(&t);
    CF_CHECK_INT(tm_parse(&t, "<Response><Redirect method=\"PUT\">/n</Redirect></Response>", BASE),
                 0);
    CF_CHECK_STR(t.pl.redirect_method, "POST");
    tm_done(&t);

    /* An empty <Redirect/> fetches this document again (the waitUrl loop). */
    CF_CHECK_INT(tm_parse(&t, "<Response><Play>a.wav</Play><Redirect/></Response>", BASE), 0);
    CF_CHECK_STR(t.pl.redirect_url, BASE);
    CF_CHECK_INT(t.pl.n, 1);
    tm_done(&t);
    CF_CHECK_INT(tm_parse(&t, "<Response><Redirect/></Response>", NULL), CF_EINVAL);
    tm_done(&t);
    CF_CHECK_INT(tm_parse(&t, "<Response><Redirect>file:///x</Redirect></Response>", BASE),
                 CF_EINVAL);
    tm_done(&t);

    /* The verbs before a <Redirect> still count against max_items; those
     * after it too (the cap is on the document). */
    CF_CHECK_INT(tm_parse(&t, "<Response><Redirect>/a</Redirect></Response>", BASE), 0);
    CF_CHECK(t.pl.items == NULL);
    tm_done(&t);
}

CF_TEST(markup_relative_urls)
{
    /* Absolute http(s) URLs are used as they are. */
    CF_CHECK_STR(tm_play_url("http://other.example/a.wav", BASE), "http://other.example/a.wav");
    /* Absolute path: the base's scheme and host:port. */
    CF_CHECK_STR(tm_play_url("/music/a.wav", BASE), "https://app.example.com:8443/music/a.wav");
    /* Relative path: the base's directory. */
    CF_CHECK_STR(tm_play_url("a.wav", BASE), "https://app.example.com:8443/voice/hold/a.wav");
    CF_CHECK_STR(tm_play_url("sub/a.wav?v=2", BASE),
                 "https://app.example.com:8443/voice/hold/sub/a.wav?v=2");
    CF_CHECK_STR(tm_play_url("./a.wav", BASE), "https://app.example.com:8443/voice/hold/a.wav");
    CF_CHECK_STR(tm_play_url("../a.wav", BASE), "https://app.example.com:8443/voice/a.wav");
    CF_CHECK_STR(tm_play_url("../../../../a.wav", BASE), "https://app.example.com:8443/a.wav");
    CF_CHECK_STR(tm_play_url("/x/./y/../z.wav", BASE), "https://app.example.com:8443/x/z.wav");
    CF_CHECK_STR(tm_play_url("..", BASE), "https://app.example.com:8443/voice/");
    /* Query only: the base document with a new query. */
    CF_CHECK_STR(tm_play_url("?t=1", BASE), "https://app.example.com:8443/voice/hold/doc.xml?t=1");
    /* Network-path reference: the base's scheme. */
    CF_CHECK_STR(tm_play_url("//cdn.example/a.wav", BASE), "https://cdn.example/a.wav");
    CF_CHECK_STR(tm_play_url("//", BASE), "CF_EINVAL");
    /* A base without a path, and one with a trailing slash. */
    CF_CHECK_STR(tm_play_url("a.wav", "http://h.example"), "http://h.example/a.wav");
    CF_CHECK_STR(tm_play_url("a.wav", "http://h.example/dir/"), "http://h.example/dir/a.wav");
    CF_CHECK_STR(tm_play_url("a.wav", "http://h.example?q=1"), "http://h.example/a.wav");
    /* Spaces and non-ASCII bytes are percent-encoded. */
    CF_CHECK_STR(tm_play_url("my song.wav", BASE),
                 "https://app.example.com:8443/voice/hold/my%20song.wav");
    CF_CHECK_STR(tm_play_url("https://a.example/caf\xc3\xa9.wav", NULL),
                 "https://a.example/caf%C3%A9.wav");
    /* Relative without a (usable) base. */
    CF_CHECK_STR(tm_play_url("a.wav", NULL), "CF_EINVAL");
    CF_CHECK_STR(tm_play_url("/a.wav", NULL), "CF_EINVAL");
    CF_CHECK_STR(tm_play_url("a.wav", "ftp://h.example/x"), "CF_EINVAL");
    CF_CHECK_STR(tm_play_url("a.wav", "not a url"), "CF_EINVAL");
}

/* ---- rejected documents ---- */

/* Runs a parse with stderr redirected to a temporary file and returns the
 * number of bytes libxml2 (or anything) wrote there. */
static long tm_stderr_bytes(const char *doc, int *rc)
{
    struct mt t;
    FILE *f = tmpfile();
    int saved;
    long n;
    if (!f) return -1;
    fflush(stderr);
    saved = dup(2);
    dup2(fileno(f), 2);
    *rc = tm_parse(&t, doc, NULL);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    fclose(f);
    tm_done(&t);
    return n;
}

CF_TEST(markup_malformed)
{
    static const char *const bad[] = {
        "<Response><Play>https://a.example/x</Response>",
        "<Response>",
        "<Response><Say>x</Say>",
        "not xml at all",
        "<Response><Say>&undefined;</Say></Response>",
        "<Response><Say a=\"1\" a=\"2\">x</Say></Response>",
        "<Response></Response><Response></Response>",
        "<Response><Say>\x01</Say></Response>",
        "<Response><Say>\xff\xfe bad utf-8</Say></Response>",
        "<?xml version=\"1.0\" encoding=\"no-such-encoding\"?><Response/>",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct mt t;
        int rc = tm_parse(&t, bad[i], NULL);
        if (rc != CF_EINVAL) fprintf(stderr, "  case %zu: %s\n", i, bad[i]);
        CF_CHECK_INT(rc, CF_EINVAL);
        CF_CHECK_INT(t.err.code, CF_EINVAL);
        CF_CHECK(t.err.msg[0] != '\0');
        tm_done(&t);
    }
    /* The message says where. */
    {
        struct mt t;
        CF_CHECK_INT(tm_parse(&t, "<Response>\n<Play>x</Pla>\n</Response>", NULL), CF_EINVAL);
        CF_CHECK(strstr(t.err.msg, "not well-formed") != NULL);
        CF_CHECK(strstr(t.err.msg, "line 2") != NULL);
        tm_done(&t);
    }
    /* libxml2 prints nothing. */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = 0;
        CF_CHECK_INT(tm_stderr_bytes(bad[i], &rc), 0);
        CF_CHECK_INT(rc, CF_EINVAL);
    }
    {
        int rc = 0;
        CF_CHECK_INT(tm_stderr_bytes("<!DOCTYPE r [<!ENTITY a \"b\">]><Response/>", &rc), 0);
        CF_CHECK_INT(rc, CF_EINVAL);
    }
}

CF_TEST(markup_wrong_root)
{
    struct mt t;
    CF_CHECK_INT(tm_parse(&t, "<Foo><Play>https://a.example/x</Play></Foo>", NULL), CF_EINVAL);
    CF_CHECK(strstr(t.err.msg, "Response") != NULL);
    tm_done(&t);
    CF_CHECK_INT(tm_parse(&t, "<response/>", NULL), CF_EINVAL);
    tm_done(&t);
    CF_CHECK_INT(tm_parse(&t, "<Play>https://a.example/x</Play>", NULL), CF_EINVAL);
    tm_done(&t);
    /* A namespace on <Response> is ignored. */
    CF_CHECK_INT(tm_parse(&t, "<Response xmlns=\"urn:x\"><Say>hi</Say></Response>", NULL), 0);
    CF_CHECK_INT(t.pl.n, 1);
    tm_done(&t);
}

CF_TEST(markup_empty)
{
    struct mt t;
    CF_CHECK_INT(tm_parse_lim(&t, "", 0, NULL, NULL), CF_EINVAL);
    CF_CHECK(strstr(t.err.msg, "empty") != NULL);
    tm_done(&t);
    CF_CHECK_INT(tm_parse_lim(&t, NULL, 0, NULL, NULL), CF_EINVAL);
    tm_done(&t);
    CF_CHECK_INT(tm_parse(&t, "   \n ", NULL), CF_EINVAL);
    tm_done(&t);
    CF_CHECK_INT(tm_parse(&t, "<?xml version=\"1.0\"?>", NULL), CF_EINVAL);
    tm_done(&t);
    /* An empty <Response> is a valid, empty playlist. */
    CF_CHECK_INT(tm_parse(&t, "<Response/>", NULL), 0);
    CF_CHECK_INT(t.pl.n, 0);
    CF_CHECK(t.pl.items == NULL);
    CF_CHECK(t.pl.redirect_url == NULL);
    CF_CHECK_STR(t.pl.redirect_method, "POST");
    tm_done(&t);
    CF_CHECK_INT(tm_parse(&t, "<Response>\n  <!-- nothing -->\n  stray text\n</Response>", NULL), 0);
    CF_CHECK_INT(t.pl.n, 0);
    CF_CHECK_INT(t.pl.skipped, 0);
    tm_done(&t);
}

CF_TEST(markup_doctype_billion_laughs)
{
    static const char doc[] =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE Response [\n"
        " <!ENTITY lol \"lol\">\n"
        " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
        " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
        " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
        " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
        " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
        " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
        " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
        " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
        " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
        "]>\n"
        "<Response><Say>&lol9;</Say></Response>\n";
    struct mt t;
    double t0 = tm_now();
    CF_CHECK_INT(tm_parse(&t, doc, NULL), CF_EINVAL);
    CF_CHECK(tm_now() - t0 < 0.5);
    CF_CHECK(strstr(t.err.msg, "DOCTYPE") != NULL);
    CF_CHECK(t.a.used == 0); /* nothing reached the arena */
    tm_done(&t);

    /* Any DOCTYPE, even a harmless one. */
    CF_CHECK_INT(tm_parse(&t, "<!DOCTYPE Response><Response/>", NULL), CF_EINVAL);
    CF_CHECK(strstr(t.err.msg, "DOCTYPE") != NULL);
    tm_done(&t);
    CF_CHECK_INT(tm_parse(&t, "<!DOCTYPE Response [<!ELEMENT Response ANY>]><Response/>", NULL),
                 CF_EINVAL);
    tm_done(&t);
    /* Quadratic blow-up with one big entity. */
    {
        struct cf_buf b;
        cf_buf_init(&b, 1 << 20);
        CF_CHECK_INT(cf_buf_puts(&b, "<!DOCTYPE r [<!ENTITY a \""), 0);
        for (int i = 0; i < 20000; i++) (void)cf_buf_putc(&b, 'x');
        CF_CHECK_INT(cf_buf_puts(&b, "\">]><Response><Say>"), 0);
        for (int i = 0; i < 20000; i++) (void)cf_buf_puts(&b, "&a;");
        CF_CHECK_INT(cf_buf_puts(&b, "</Say></Response>"), 0);
        t0 = tm_now();
        CF_CHECK_INT(tm_parse_lim(&t, b.data, b.len, NULL, NULL), CF_EINVAL);
        CF_CHECK(tm_now() - t0 < 0.5);
        tm_done(&t);
        cf_buf_cleanup(&b);
    }
}

/* Counts calls of libxml2's external entity loader during the XXE test. */
static int tm_loader_calls;

static xmlParserInputPtr tm_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    (void)url, (void)id, (void)ctxt;
    tm_loader_calls++;
    return NULL;
}

CF_TEST(markup_external_entity)
{
    static const char *const docs[] = {
        "<!DOCTYPE Response [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
        "<Response><Say>&xxe;</Say></Response>",
        "<!DOCTYPE Response SYSTEM \"file:///etc/passwd\"><Response><Say>x</Say></Response>",
        "<!DOCTYPE Response PUBLIC \"-//X//Y\" \"http://127.0.0.1:1/x.dtd\"><Response/>",
        "<!DOCTYPE Response [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]><Response/>",
        "<Response><Say>&xxe;</Say></Response>",
        "<Response xmlns:xi=\"http://www.w3.org/2001/XInclude\">"
        "<Say><xi:include href=\"file:///etc/passwd\" parse=\"text\"/></Say></Response>",
    };
    xmlExternalEntityLoader old = xmlGetExternalEntityLoader();
    cf_markup_init();
    xmlSetExternalEntityLoader(tm_loader);
    tm_loader_calls = 0;
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        struct mt t;
        int rc = tm_parse(&t, docs[i], NULL);
        if (i < 5) {
            CF_CHECK_INT(rc, CF_EINVAL);
        } else {
            /* XInclude is never processed: the element is just SSML-like
             * noise inside <Say>, which has no text. */
            CF_CHECK_INT(rc, 0);
            CF_CHECK_INT(t.pl.n, 0);
        }
        CF_CHECK(rc != 0 || t.pl.n == 0 || !strstr(t.pl.items[0].text, "root:"));
        tm_done(&t);
    }
    xmlSetExternalEntityLoader(old);
    CF_CHECK_INT(tm_loader_calls, 0);
}

CF_TEST(markup_depth)
{
    struct cf_buf b;
    struct mt t;
    struct cf_markup_limits lim;

    /* 1000 levels: stopped at the cap, no crash, no deep recursion. */
    cf_buf_init(&b, 1 << 20);
    for (int i = 0; i < 1000; i++) (void)cf_buf_puts(&b, i ? "<Gather>" : "<Response>");
    for (int i = 999; i >= 0; i--) (void)cf_buf_puts(&b, i ? "</Gather>" : "</Response>");
    tm_parse_lim(&t, b.data, b.len, NULL, NULL);
    CF_CHECK(t.rc == CF_ETOOBIG || t.rc == CF_EINVAL);
    CF_CHECK_INT(t.rc, CF_ETOOBIG);
    CF_CHECK(strstr(t.err.msg, "deeper") != NULL);
    tm_done(&t);
    /* Unclosed, 100000 levels deep. */
    cf_buf_reset(&b);
    (void)cf_buf_puts(&b, "<Response>");
    for (int i = 0; i < 100000; i++) (void)cf_buf_puts(&b, "<a>");
    tm_parse_lim(&t, b.data, b.len, NULL, NULL);
    CF_CHECK(t.rc == CF_ETOOBIG || t.rc == CF_EINVAL);
    tm_done(&t);

    /* Exactly max_depth (16, <Response> included) passes; one more fails. */
    cf_markup_limits_default(&lim);
    for (int depth = lim.max_depth; depth <= lim.max_depth + 1; depth++) {
        cf_buf_reset(&b);
        (void)cf_buf_puts(&b, "<Response><Say>ok</Say>");
        for (int i = 1; i < depth; i++) (void)cf_buf_puts(&b, "<Gather>");
        for (int i = 1; i < depth; i++) (void)cf_buf_puts(&b, "</Gather>");
        (void)cf_buf_puts(&b, "</Response>");
        tm_parse_lim(&t, b.data, b.len, NULL, &lim);
        if (depth == lim.max_depth) {
            CF_CHECK_INT(t.rc, 0);
            CF_CHECK_INT(t.pl.n, 1);
            CF_CHECK_INT(t.pl.skipped, 1);
        } else {
            CF_CHECK_INT(t.rc, CF_ETOOBIG);
        }
        tm_done(&t);
    }
    /* A smaller cap from the caller. */
    lim.max_depth = 2;
    CF_CHECK_INT(tm_parse_lim(&t, "<Response><Say>x</Say></Response>", 33, NULL, &lim), 0);
    tm_done(&t);
    CF_CHECK_INT(tm_parse_lim(&t, "<Response><Say><b>x</b></Say></Response>", 40, NULL, &lim),
                 CF_ETOOBIG);
    tm_done(&t);
    cf_buf_cleanup(&b);
}

CF_TEST(markup_max_items)
{
    struct cf_buf b;
    struct mt t;
    cf_buf_init(&b, 1 << 20);
    for (int n = 100; n <= 101; n++) {
        cf_buf_reset(&b);
        (void)cf_buf_puts(&b, "<Response>");
        for (int i = 0; i < n; i++) (void)cf_buf_printf(&b, "<Play>https://a.example/%d.wav</Play>", i);
        (void)cf_buf_puts(&b, "</Response>");
        tm_parse_lim(&t, b.data, b.len, NULL, NULL);
        if (n == 100) {
            CF_CHECK_INT(t.rc, 0);
            CF_CHECK_INT(t.pl.n, 100);
            if (t.pl.n == 100) CF_CHECK_STR(t.pl.items[99].text, "https://a.example/99.wav");
        } else {
            CF_CHECK_INT(t.rc, CF_ETOOBIG);
            CF_CHECK_INT(t.err.code, CF_ETOOBIG);
        }
        tm_done(&t);
    }
    /* Nested and skipped elements count too (a wide document never
     * becomes a big tree). */
    cf_buf_reset(&b);
    (void)cf_buf_puts(&b, "<Response><Dial>");
    for (int i = 0; i < 100000; i++) (void)cf_buf_puts(&b, "<n/>");
    (void)cf_buf_puts(&b, "</Dial></Response>");
    CF_CHECK_INT(tm_parse_lim(&t, b.data, b.len, NULL, NULL), CF_ETOOBIG);
    tm_done(&t);
    cf_buf_cleanup(&b);
}

CF_TEST(markup_max_bytes)
{
    struct cf_markup_limits lim;
    struct mt t;
    const char *doc = "<Response><Say>hello there</Say></Response>";
    size_t len = strlen(doc);
    char *big;

    cf_markup_limits_default(&lim);
    CF_CHECK_INT(lim.max_bytes, 1 << 20);
    CF_CHECK_INT(lim.max_depth, 16);
    CF_CHECK_INT(lim.max_items, 100);
    CF_CHECK_INT(lim.max_text, 4096);

    lim.max_bytes = len;
    CF_CHECK_INT(tm_parse_lim(&t, doc, len, NULL, &lim), 0);
    tm_done(&t);
    lim.max_bytes = len - 1;
    CF_CHECK_INT(tm_parse_lim(&t, doc, len, NULL, &lim), CF_ETOOBIG);
    CF_CHECK(t.a.used == 0);
    tm_done(&t);

    /* Default cap: 1 MiB passes the size check, 1 MiB + 1 does not (checked
     * before parsing: the bytes here are not even XML). */
    big = cf_malloc((1 << 20) + 1);
    {
        memset(big, ' ', (1 << 20) + 1);
        memcpy(big, "<Response>", 10);
        memcpy(big + (1 << 20) - 11, "</Response>", 11);
        CF_CHECK_INT(tm_parse_lim(&t, big, 1 << 20, NULL, NULL), 0);
        tm_done(&t);
        CF_CHECK_INT(tm_parse_lim(&t, big, (1 << 20) + 1, NULL, NULL), CF_ETOOBIG);
        tm_done(&t);
        cf_free(big);
    }
}

CF_TEST(markup_max_text)
{
    struct cf_buf b;
    struct mt t;
    cf_buf_init(&b, 1 << 20);

    /* 4096 bytes of text (with white space around it) pass; 4097 fail. */
    (void)cf_buf_puts(&b, "<Response><Say>\n   ");
    for (int i = 0; i < 4096; i++) (void)cf_buf_putc(&b, (char)('a' + i % 26));
    (void)cf_buf_puts(&b, "\n  </Say></Response>");
    CF_CHECK_INT(tm_parse_lim(&t, b.data, b.len, NULL, NULL), 0);
    if (t.pl.n == 1) CF_CHECK_INT(strlen(t.pl.items[0].text), 4096);
    tm_done(&t);

    cf_buf_reset(&b);
    (void)cf_buf_puts(&b, "<Response><Say>");
    for (int i = 0; i < 4097; i++) (void)cf_buf_putc(&b, 'x');
    (void)cf_buf_puts(&b, "</Say></Response>");
    CF_CHECK_INT(tm_parse_lim(&t, b.data, b.len, NULL, NULL), CF_ETOOBIG);
    CF_CHECK(strstr(t.err.msg, "<Say>") != NULL);
    tm_done(&t);

    /* A huge <Say> (900 KiB). */
    cf_buf_reset(&b);
    (void)cf_buf_puts(&b, "<Response><Say>");
    for (int i = 0; i < 900 * 1024; i++) (void)cf_buf_putc(&b, 'y');
    (void)cf_buf_puts(&b, "</Say></Response>");
    CF_CHECK_INT(tm_parse_lim(&t, b.data, b.len, NULL, NULL), CF_ETOOBIG);
    tm_done(&t);

    /* A long URL, raw or once resolved. */
    cf_buf_reset(&b);
    (void)cf_buf_puts(&b, "<Response><Play>https://a.example/");
    for (int i = 0; i < 5000; i++) (void)cf_buf_putc(&b, 'z');
    (void)cf_buf_puts(&b, "</Play></Response>");
    CF_CHECK_INT(tm_parse_lim(&t, b.data, b.len, NULL, NULL), CF_ETOOBIG);
    tm_done(&t);
    cf_buf_reset(&b);
    (void)cf_buf_puts(&b, "<Response><Play>");
    for (int i = 0; i < 4090; i++) (void)cf_buf_putc(&b, 'z');
    (void)cf_buf_puts(&b, "</Play></Response>");
    CF_CHECK_INT(tm_parse_lim(&t, b.data, b.len, BASE, NULL), CF_ETOOBIG);
    CF_CHECK(strstr(t.err.msg, "URL") != NULL);
    tm_done(&t);
    cf_buf_cleanup(&b);
}

CF_TEST(markup_utf8)
{
    struct mt t;
    /* German, Chinese, an emoji (4-byte UTF-8), and a character reference. */
    CF_CHECK_INT(tm_parse(&t,
                          "<Response><Say language=\"de-DE\">Gr\xc3\xbc\xc3\x9f"
                          "e, \xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x98\x80 &#x00e9;</Say></Response>",
                          NULL),
                 0);
    if (t.pl.n == 1) {
        CF_CHECK_STR(t.pl.items[0].text,
                     "Gr\xc3\xbc\xc3\x9f" "e, \xe4\xbd\xa0\xe5\xa5\xbd \xf0\x9f\x98\x80 \xc3\xa9");
        CF_CHECK_STR(t.pl.items[0].language, "de-DE");
    }
    tm_done(&t);
    /* A Latin-1 document comes out as UTF-8. */
    CF_CHECK_INT(tm_parse(&t,
                          "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
                          "<Response><Say>caf\xe9</Say></Response>",
                          NULL),
                 0);
    if (t.pl.n == 1) CF_CHECK_STR(t.pl.items[0].text, "caf\xc3\xa9");
    tm_done(&t);
}

CF_TEST(markup_say_seconds)
{
    CF_CHECK_INT(cf_markup_say_seconds(NULL), 1);
    CF_CHECK_INT(cf_markup_say_seconds(""), 1);
    CF_CHECK_INT(cf_markup_say_seconds("   \n\t"), 1);
    CF_CHECK_INT(cf_markup_say_seconds("Hello"), 1);
    CF_CHECK_INT(cf_markup_say_seconds("Hello there"), 1);        /* 0.8 s */
    CF_CHECK_INT(cf_markup_say_seconds("one two three"), 2);      /* 1.2 s */
    CF_CHECK_INT(cf_markup_say_seconds("  a  b\tc\nd e  "), 2);  /* 5 words: 2.0 s */
    CF_CHECK_INT(cf_markup_say_seconds("a b c d e f"), 3);        /* 2.4 s */
    {
        char text[150 * 2 + 1];
        for (int i = 0; i < 150; i++) {
            text[2 * i] = 'w';
            text[2 * i + 1] = ' ';
        }
        text[300] = '\0';
        CF_CHECK_INT(cf_markup_say_seconds(text), 60); /* 150 words a minute */
    }
}

CF_TEST(markup_many_parses)
{
    /* Repeated parses reuse nothing across calls and leak nothing (ASan). */
    for (int i = 0; i < 200; i++) {
        struct mt t;
        CF_CHECK_INT(tm_parse(&t, "<Response><Say>x</Say><Play>a.wav</Play><Pause/></Response>",
                              BASE),
                     0);
        CF_CHECK_INT(t.pl.n, 3);
        tm_done(&t);
    }
}
