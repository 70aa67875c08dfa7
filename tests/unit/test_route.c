/* SPDX-License-Identifier: MIT
 *
 * test_route.c - unit tests for cf_route_match: every resource kind under
 * both prefixes, with and without ".json"; per-segment percent-decoding;
 * and the paths that name nothing (bad escapes, %00, empty segments,
 * trailing slash, unknown collections, too many segments, no Accounts,
 * over-long paths).
 *
 * Each path is matched from an exact-size heap copy without a NUL, so
 * AddressSanitizer catches any read past len.
 */
#include <stdlib.h>
#include <string.h>

#include "../../src/base/cf_arena.h"
#include "../../src/base/cf_err.h"
#include "../../src/base/cf_mem.h"
#include "../../src/http/cf_route.h"
#include "cf_test.h"

static const char *const tr_prefixes[2] = {"/api/laml/2010-04-01", "/2010-04-01"};

/* Matches len bytes of path from an exact-size heap copy. */
static int tr_match_n(const char *path, size_t len, struct cf_arena *a, struct cf_route *r)
{
    char *copy = cf_malloc(len ? len : 1);
    int rc;
    if (len) memcpy(copy, path, len);
    rc = cf_route_match(copy, len, a, r);
    cf_free(copy);
    return rc;
}

static int tr_match(const char *path, struct cf_arena *a, struct cf_route *r)
{
    return tr_match_n(path, strlen(path), a, r);
}

/* Checks one successful match; returns nonzero on any mismatch. */
static int tr_expect(int *cf_failed_, const char *path, enum cf_resource res, const char *prefix,
                     const char *acct, const char *id1, const char *id2, bool json)
{
    struct cf_arena a;
    struct cf_route r;
    int f0 = *cf_failed_, rc;
    cf_arena_init(&a);
    rc = tr_match(path, &a, &r);
    CF_CHECK_INT(rc, 0);
    if (rc == 0) {
        CF_CHECK_INT(r.res, res);
        CF_CHECK_STR(r.prefix, prefix);
        CF_CHECK_STR(r.account_sid, acct);
        if (id1) CF_CHECK_STR(r.id1, id1);
        else CF_CHECK(r.id1 == NULL);
        if (id2) CF_CHECK_STR(r.id2, id2);
        else CF_CHECK(r.id2 == NULL);
        CF_CHECK_INT(r.json, json);
    }
    cf_arena_cleanup(&a);
    /* the prefix is static: still valid after the arena and the path copy
     * are gone (ASan would report a use after free) */
    if (rc == 0) CF_CHECK_STR(r.prefix, prefix);
    if (*cf_failed_ != f0) fprintf(stderr, "  path: %s\n", path);
    return *cf_failed_ != f0;
}

/* Checks that path names nothing (r's content is unspecified then). */
static void tr_reject(int *cf_failed_, const char *path, size_t len)
{
    struct cf_arena a;
    struct cf_route r;
    int rc;
    cf_arena_init(&a);
    memset(&r, 0x5a, sizeof r);
    rc = tr_match_n(path, len, &a, &r);
    if (rc != CF_ENOTFOUND) fprintf(stderr, "  path: %.*s\n", (int)(len > 200 ? 200 : len), path);
    CF_CHECK_INT(rc, CF_ENOTFOUND);
    cf_arena_cleanup(&a);
}

#define TR_REJECT(p) tr_reject(cf_failed_, (p), strlen(p))

CF_TEST(route_every_resource_both_prefixes)
{
    static const struct {
        const char *tail;
        enum cf_resource res;
        const char *id1, *id2;
    } cases[] = {
        {"/Conferences", CF_R_CONFERENCES, NULL, NULL},
        {"/Conferences/CF1", CF_R_CONFERENCE, "CF1", NULL},
        {"/Conferences/CF1/Participants", CF_R_PARTICIPANTS, "CF1", NULL},
        {"/Conferences/CF1/Participants/CA2", CF_R_PARTICIPANT, "CF1", "CA2"},
        {"/Conferences/CF1/Recordings", CF_R_RECORDINGS, "CF1", NULL},
        {"/Conferences/CF1/Recordings/RE3", CF_R_RECORDING, "CF1", "RE3"},
        {"/Calls", CF_R_CALLS, NULL, NULL},
        {"/Calls/CA9", CF_R_CALL, "CA9", NULL},
    };
    int n = 0;
    for (int p = 0; p < 2; p++) {
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
            for (int json = 0; json < 2; json++) {
                char path[256];
                snprintf(path, sizeof path, "%s/Accounts/AC-123%s%s", tr_prefixes[p], cases[i].tail,
                         json ? ".json" : "");
                tr_expect(cf_failed_, path, cases[i].res, tr_prefixes[p], "AC-123", cases[i].id1,
                          cases[i].id2, json);
                n++;
            }
        }
    }
    CF_CHECK_INT(n, 32);
}

CF_TEST(route_uuid_ids)
{
    tr_expect(cf_failed_,
              "/api/laml/2010-04-01/Accounts/0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a/Conferences/"
              "11111111-2222-4333-8444-555555555555/Participants/"
              "66666666-7777-4888-9999-aaaaaaaaaaaa.json",
              CF_R_PARTICIPANT, tr_prefixes[0], "0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
              "11111111-2222-4333-8444-555555555555", "66666666-7777-4888-9999-aaaaaaaaaaaa", true);
}

CF_TEST(route_percent_decoding)
{
    /* a FriendlyName used as the conference id */
    tr_expect(cf_failed_, "/2010-04-01/Accounts/A/Conferences/My%20Room", CF_R_CONFERENCE,
              tr_prefixes[1], "A", "My Room", NULL, false);
    tr_expect(cf_failed_, "/2010-04-01/Accounts/A/Conferences/My%20Room.json", CF_R_CONFERENCE,
              tr_prefixes[1], "A", "My Room", NULL, true);
    /* an encoded '/' stays inside its segment */
    tr_expect(cf_failed_, "/2010-04-01/Accounts/A/Conferences/a%2Fb/Participants/x%2fy",
              CF_R_PARTICIPANT, tr_prefixes[1], "A", "a/b", "x/y", false);
    tr_expect(cf_failed_, "/2010-04-01/Accounts/A/Conferences/%2F", CF_R_CONFERENCE,
              tr_prefixes[1], "A", "/", NULL, false);
    /* hex of either case; UTF-8, '%', '?', '#' and '.' round-trip */
    tr_expect(cf_failed_, "/2010-04-01/Accounts/A%42c/Calls/%C3%a9t%c3%A9%25%3F%23%2E",
              CF_R_CALL, tr_prefixes[1], "ABc", "\xC3\xA9t\xC3\xA9%?#.", NULL, false);
    /* the account sid is decoded too; '+' is not a space in a path */
    tr_expect(cf_failed_, "/api/laml/2010-04-01/Accounts/a%20b+c/Calls", CF_R_CALLS, tr_prefixes[0],
              "a b+c", NULL, NULL, false);
    /* an escape at the very end of a segment */
    tr_expect(cf_failed_, "/2010-04-01/Accounts/A/Conferences/x%21/Recordings/%41",
              CF_R_RECORDING, tr_prefixes[1], "A", "x!", "A", false);
    /* ".json" is taken off the raw segment, before decoding */
    tr_expect(cf_failed_, "/2010-04-01/Accounts/A/Calls/x%2Ejson", CF_R_CALL, tr_prefixes[1], "A",
              "x.json", NULL, false);
    tr_expect(cf_failed_, "/2010-04-01/Accounts/A/Calls/x.json.json", CF_R_CALL, tr_prefixes[1],
              "A", "x.json", NULL, true);
}

CF_TEST(route_bad_escapes)
{
    static const char *bad[] = {
        "/2010-04-01/Accounts/A/Conferences/%",
        "/2010-04-01/Accounts/A/Conferences/%2",
        "/2010-04-01/Accounts/A/Conferences/ab%4",
        "/2010-04-01/Accounts/A/Conferences/%G0",
        "/2010-04-01/Accounts/A/Conferences/%0G",
        "/2010-04-01/Accounts/A/Conferences/%%20",
        "/2010-04-01/Accounts/A/Conferences/% 20",
        "/2010-04-01/Accounts/A/Conferences/%-1",
        "/2010-04-01/Accounts/A/Conferences/%2/Participants",
        "/2010-04-01/Accounts/A/Conferences/C/Participants/%zz",
        "/2010-04-01/Accounts/A/Conferences/C/Recordings/x%",
        "/2010-04-01/Accounts/A/Calls/%4",
        "/2010-04-01/Accounts/%/Calls",
        "/2010-04-01/Accounts/%G1/Conferences",
        "/2010-04-01/Accounts/A/Conferences/%2.json",
        /* a NUL byte */
        "/2010-04-01/Accounts/A/Conferences/%00",
        "/2010-04-01/Accounts/A/Conferences/ab%00cd",
        "/2010-04-01/Accounts/%00/Calls",
        "/2010-04-01/Accounts/A/Calls/x%00.json",
        "/2010-04-01/Accounts/A/Conferences/C/Participants/%00",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) TR_REJECT(bad[i]);
}

CF_TEST(route_structural_rejects)
{
    static const char *bad[] = {
        "", "/", "//", "2010-04-01/Accounts/A/Calls", /* no leading slash */
        /* empty segments */
        "//2010-04-01/Accounts/A/Calls",
        "/2010-04-01//Accounts/A/Calls",
        "/2010-04-01/Accounts//Calls",
        "/2010-04-01/Accounts/A//Calls",
        "/2010-04-01/Accounts/A/Conferences//Participants",
        "/2010-04-01/Accounts/A/Conferences/C//Participants",
        "/api//laml/2010-04-01/Accounts/A/Calls",
        /* trailing slash */
        "/2010-04-01/Accounts/A/Calls/",
        "/2010-04-01/Accounts/A/Conferences/",
        "/2010-04-01/Accounts/A/Conferences/C/",
        "/2010-04-01/Accounts/A/Conferences/C/Participants/",
        "/2010-04-01/Accounts/A/Conferences/C/Participants/P/",
        "/api/laml/2010-04-01/Accounts/A/Calls.json/",
        /* unknown prefixes and collections; names are case-sensitive */
        "/2010-04-02/Accounts/A/Calls",
        "/api/2010-04-01/Accounts/A/Calls",
        "/laml/2010-04-01/Accounts/A/Calls",
        "/api/laml/Accounts/A/Calls",
        "/api/laml/2010-04-01.json/Accounts/A/Calls",
        "/2010-04-01/Accounts/A/Queues",
        "/2010-04-01/Accounts/A/Recordings",
        "/2010-04-01/Accounts/A/Participants",
        "/2010-04-01/Accounts/A/conferences",
        "/2010-04-01/Accounts/A/CONFERENCES",
        "/2010-04-01/Accounts/A/calls",
        "/2010-04-01/Accounts/A/Conference",
        "/2010-04-01/Accounts/A/Conferences/C/Calls",
        "/2010-04-01/Accounts/A/Conferences/C/participants",
        "/2010-04-01/Accounts/A/Conferences/C/Members/M",
        "/2010-04-01/Accounts/A/Calls/C/Participants",
        "/2010-04-01/Accounts/A/Calls/C/Recordings",
        "/2010-04-01/Accounts/A/Confer%65nces",
        /* too many segments */
        "/2010-04-01/Accounts/A/Conferences/C/Participants/P/X",
        "/2010-04-01/Accounts/A/Conferences/C/Recordings/R/X",
        "/api/laml/2010-04-01/Accounts/A/Conferences/C/Participants/P/X",
        "/api/laml/2010-04-01/Accounts/A/Conferences/C/Participants/P/X/Y/Z/W/V",
        "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p",
        "/2010-04-01/Accounts/A/Calls/C/X",
        /* missing or misnamed Accounts */
        "/2010-04-01",
        "/2010-04-01.json",
        "/api/laml/2010-04-01",
        "/2010-04-01/Accounts",
        "/2010-04-01/Accounts/A",
        "/2010-04-01/Accounts/A.json",
        "/api/laml/2010-04-01/Accounts/A",
        "/2010-04-01/A/Calls",
        "/2010-04-01/Account/A/Calls",
        "/2010-04-01/accounts/A/Calls",
        "/2010-04-01/Calls",
        "/2010-04-01/Conferences/C",
        "/2010-04-01/X/Accounts/A/Calls",
        /* ".json" alone is not a suffix of anything */
        "/2010-04-01/Accounts/A/Calls/.json/x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) TR_REJECT(bad[i]);
}

CF_TEST(route_json_flag)
{
    tr_expect(cf_failed_, "/2010-04-01/Accounts/A/Calls.json", CF_R_CALLS, tr_prefixes[1], "A",
              NULL, NULL, true);
    tr_expect(cf_failed_, "/2010-04-01/Accounts/A/Calls", CF_R_CALLS, tr_prefixes[1], "A", NULL,
              NULL, false);
    /* only the last segment's suffix counts */
    TR_REJECT("/2010-04-01/Accounts/A/Conferences.json/C");
    TR_REJECT("/2010-04-01/Accounts/A.json/Calls.json/C");
    /* other suffixes are part of the name */
    TR_REJECT("/2010-04-01/Accounts/A/Calls.xml");
    TR_REJECT("/2010-04-01/Accounts/A/Calls.JSON");
    TR_REJECT("/2010-04-01/Accounts/A/Calls.json.json");
    tr_expect(cf_failed_, "/2010-04-01/Accounts/A/Calls/C.JSON", CF_R_CALL, tr_prefixes[1], "A",
              "C.JSON", NULL, false);
}

CF_TEST(route_recording_media)
{
    /* the audio under both prefixes: {Sid} (Twilio's RecordingUrl) and {Sid}.wav are the WAV,
     * {Sid}.mp3 is matched with mp3 set (the handler refuses it), .json and any other extension
     * name nothing */
    static const char *const tails[] = {"RE1", "RE1.wav", "RE1.mp3"};
    for (int p = 0; p < 2; p++) {
        for (size_t i = 0; i < sizeof tails / sizeof *tails; i++) {
            char path[256];
            struct cf_arena a;
            struct cf_route r;
            snprintf(path, sizeof path, "%s/Accounts/A/Recordings/%s", tr_prefixes[p], tails[i]);
            tr_expect(cf_failed_, path, CF_R_RECORDING_MEDIA, tr_prefixes[p], "A", "RE1", NULL, false);
            cf_arena_init(&a);
            CF_CHECK_INT(tr_match(path, &a, &r), 0);
            CF_CHECK_INT(r.mp3, i == 2);
            cf_arena_cleanup(&a);
        }
    }
    tr_expect(cf_failed_, "/2010-04-01/Accounts/A/Recordings/a%2Eb.wav", CF_R_RECORDING_MEDIA,
              tr_prefixes[1], "A", "a.b", NULL, false);
    TR_REJECT("/2010-04-01/Accounts/A/Recordings/RE1.json");
    TR_REJECT("/2010-04-01/Accounts/A/Recordings/RE1.ogg");
    TR_REJECT("/2010-04-01/Accounts/A/Recordings/RE1.wav.wav");
    TR_REJECT("/2010-04-01/Accounts/A/Recordings/RE1.WAV");
    TR_REJECT("/2010-04-01/Accounts/A/Recordings/.wav");
    TR_REJECT("/2010-04-01/Accounts/A/Recordings/.mp3");
    TR_REJECT("/2010-04-01/Accounts/A/Recordings/RE1/X");
}

CF_TEST(route_length_limit)
{
    /* a path of exactly CF_ROUTE_MAX_PATH bytes is matched, one more is not */
    static const char head[] = "/2010-04-01/Accounts/A/Calls/";
    size_t hl = sizeof head - 1;
    char *path = cf_malloc(CF_ROUTE_MAX_PATH + 2);
    char *want = cf_malloc(CF_ROUTE_MAX_PATH + 2);
    struct cf_arena a;
    struct cf_route r;
    memcpy(path, head, hl);
    memset(path + hl, 'x', CF_ROUTE_MAX_PATH + 1 - hl);
    memset(want, 'x', CF_ROUTE_MAX_PATH - hl);
    want[CF_ROUTE_MAX_PATH - hl] = '\0';
    cf_arena_init(&a);
    CF_CHECK_INT(tr_match_n(path, CF_ROUTE_MAX_PATH, &a, &r), 0);
    CF_CHECK_INT(r.res, CF_R_CALL);
    CF_CHECK_STR(r.id1, want);
    CF_CHECK_INT(r.id1 ? strlen(r.id1) : 0, CF_ROUTE_MAX_PATH - hl);
    cf_arena_cleanup(&a);
    tr_reject(cf_failed_, path, CF_ROUTE_MAX_PATH + 1);
    tr_reject(cf_failed_, path, CF_ROUTE_MAX_PATH + 2);
    cf_free(path);
    cf_free(want);
}

CF_TEST(route_len_bounds_the_path)
{
    /* only len bytes are looked at: a longer buffer is cut at len */
    static const char p[] = "/2010-04-01/Accounts/A/Calls/CA1/Recordings";
    struct cf_arena a;
    struct cf_route r;
    cf_arena_init(&a);
    CF_CHECK_INT(tr_match_n(p, strlen("/2010-04-01/Accounts/A/Calls/CA1"), &a, &r), 0);
    CF_CHECK_INT(r.res, CF_R_CALL);
    CF_CHECK_STR(r.id1, "CA1");
    CF_CHECK_INT(tr_match_n(p, strlen("/2010-04-01/Accounts/A/Calls"), &a, &r), 0);
    CF_CHECK_INT(r.res, CF_R_CALLS);
    CF_CHECK(r.id1 == NULL);
    cf_arena_cleanup(&a);
    tr_reject(cf_failed_, p, strlen("/2010-04-01/Accounts/A/Calls/"));
}

CF_TEST(route_prefix_is_static)
{
    /* both spellings of a prefix come back as the same static pointer */
    struct cf_arena a;
    struct cf_route r1, r2, r3;
    cf_arena_init(&a);
    CF_CHECK_INT(tr_match("/api/laml/2010-04-01/Accounts/A/Calls", &a, &r1), 0);
    CF_CHECK_INT(tr_match("/api/laml/2010-04-01/Accounts/B/Conferences/C.json", &a, &r2), 0);
    CF_CHECK_INT(tr_match("/2010-04-01/Accounts/A/Calls", &a, &r3), 0);
    CF_CHECK(r1.prefix != NULL && r1.prefix == r2.prefix);
    CF_CHECK(r3.prefix != NULL && r3.prefix != r1.prefix);
    CF_CHECK_STR(r1.prefix, "/api/laml/2010-04-01");
    CF_CHECK_STR(r3.prefix, "/2010-04-01");
    cf_arena_cleanup(&a);
    CF_CHECK_STR(r2.prefix, "/api/laml/2010-04-01");
}

CF_TEST(route_names)
{
    CF_CHECK_STR(cf_route_name(CF_R_NONE), "none");
    CF_CHECK_STR(cf_route_name(CF_R_CONFERENCES), "conferences");
    CF_CHECK_STR(cf_route_name(CF_R_CONFERENCE), "conference");
    CF_CHECK_STR(cf_route_name(CF_R_PARTICIPANTS), "participants");
    CF_CHECK_STR(cf_route_name(CF_R_PARTICIPANT), "participant");
    CF_CHECK_STR(cf_route_name(CF_R_RECORDINGS), "recordings");
    CF_CHECK_STR(cf_route_name(CF_R_RECORDING), "recording");
    CF_CHECK_STR(cf_route_name(CF_R_CALLS), "calls");
    CF_CHECK_STR(cf_route_name(CF_R_CALL), "call");
    CF_CHECK_STR(cf_route_name(CF_R_COUNT), "none");
    CF_CHECK_STR(cf_route_name((enum cf_resource)-1), "none");
}
