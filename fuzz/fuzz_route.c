/* SPDX-License-Identifier: MIT
 *
 * fuzz_route.c - cf_route_match: the raw request path (before
 * percent-decoding, without the query) mapped onto a resource.
 *
 * Checks beyond memory safety (the promises of cf_route.h):
 *   - a match names a real resource, one of the two prefixes, and non-empty
 *     decoded ids exactly where the resource has them; only the audio may
 *     be .mp3;
 *   - building the canonical path back from the match (every id byte
 *     percent-encoded) matches again to the same resource and ids;
 *   - cf_route_name never returns NULL.
 */
#include "fuzz_common.h"

#include "../src/base/cf_arena.h"
#include "../src/base/cf_buf.h"
#include "../src/base/cf_err.h"
#include "../src/http/cf_route.h"

/* Appends z with every byte but [A-Za-z0-9] percent-encoded. */
static void put_seg(struct cf_buf *b, const char *z)
{
    static const char hx[] = "0123456789ABCDEF";
    FUZZ_CHECK(cf_buf_putc(b, '/') == 0);
    for (const unsigned char *p = (const unsigned char *)z; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            FUZZ_CHECK(cf_buf_putc(b, (char)c) == 0);
        } else {
            char e[3] = {'%', hx[c >> 4], hx[c & 15]};
            FUZZ_CHECK(cf_buf_append(b, e, 3) == 0);
        }
    }
}

static int same(const char *x, const char *y)
{
    return (!x && !y) || (x && y && strcmp(x, y) == 0);
}

static void check_match(const struct cf_route *r)
{
    int n_ids;
    FUZZ_CHECK(r->res > CF_R_NONE && r->res < CF_R_COUNT);
    FUZZ_CHECK(r->prefix && (strcmp(r->prefix, "/api/laml/2010-04-01") == 0 ||
                             strcmp(r->prefix, "/2010-04-01") == 0));
    FUZZ_CHECK(r->account_sid && r->account_sid[0]);
    switch (r->res) {
    case CF_R_CONFERENCES:
    case CF_R_CALLS:
        n_ids = 0;
        break;
    case CF_R_CONFERENCE:
    case CF_R_PARTICIPANTS:
    case CF_R_RECORDINGS:
    case CF_R_EVENTS:
    case CF_R_CALL:
    case CF_R_RECORDING_MEDIA:
        n_ids = 1;
        break;
    default:
        n_ids = 2;
        break;
    }
    FUZZ_CHECK((r->id1 != NULL) == (n_ids >= 1));
    FUZZ_CHECK((r->id2 != NULL) == (n_ids >= 2));
    if (r->id1) FUZZ_CHECK(r->id1[0]);
    if (r->id2) FUZZ_CHECK(r->id2[0]);
    if (r->res == CF_R_RECORDING_MEDIA) FUZZ_CHECK(!r->json);
    else FUZZ_CHECK(!r->mp3);
}

/* Rebuilds the path of r and checks that it matches to the same route. */
static void check_roundtrip(const struct cf_route *r, struct cf_arena *a)
{
    struct cf_buf b;
    struct cf_route r2;
    const char *coll = NULL, *sub = NULL;
    cf_buf_init(&b, (size_t)1 << 16);
    FUZZ_CHECK(cf_buf_puts(&b, r->prefix) == 0);
    FUZZ_CHECK(cf_buf_puts(&b, "/Accounts") == 0);
    put_seg(&b, r->account_sid);
    switch (r->res) {
    case CF_R_CALLS:
    case CF_R_CALL:
        coll = "Calls";
        break;
    case CF_R_RECORDING_MEDIA:
        coll = "Recordings";
        break;
    case CF_R_PARTICIPANTS:
    case CF_R_PARTICIPANT:
        coll = "Conferences", sub = "Participants";
        break;
    case CF_R_RECORDINGS:
    case CF_R_RECORDING:
        coll = "Conferences", sub = "Recordings";
        break;
    case CF_R_EVENTS:
    case CF_R_EVENT:
        coll = "Conferences", sub = "Events";
        break;
    default:
        coll = "Conferences";
        break;
    }
    FUZZ_CHECK(cf_buf_putc(&b, '/') == 0 && cf_buf_puts(&b, coll) == 0);
    if (r->id1) put_seg(&b, r->id1);
    if (sub) FUZZ_CHECK(cf_buf_putc(&b, '/') == 0 && cf_buf_puts(&b, sub) == 0);
    if (r->id2) put_seg(&b, r->id2);
    if (r->res == CF_R_RECORDING_MEDIA) FUZZ_CHECK(cf_buf_puts(&b, r->mp3 ? ".mp3" : ".wav") == 0);
    if (r->json) FUZZ_CHECK(cf_buf_puts(&b, ".json") == 0);
    if (b.len <= CF_ROUTE_MAX_PATH) {
        FUZZ_CHECK(cf_route_match(cf_buf_str(&b), b.len, a, &r2) == 0);
        FUZZ_CHECK(r2.res == r->res && r2.json == r->json && r2.mp3 == r->mp3 &&
                   strcmp(r2.prefix, r->prefix) == 0);
        FUZZ_CHECK(same(r2.account_sid, r->account_sid));
        FUZZ_CHECK(same(r2.id1, r->id1) && same(r2.id2, r->id2));
    }
    cf_buf_cleanup(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = fuzz_dup(data, size);
    struct cf_arena a;
    struct cf_route r;
    int rc;

    cf_arena_init(&a);
    rc = cf_route_match(buf, size, &a, &r);
    FUZZ_CHECK(rc == 0 || rc == CF_ENOTFOUND);
    FUZZ_CHECK(cf_route_name(r.res) != NULL);
    if (rc == 0) {
        check_match(&r);
        check_roundtrip(&r, &a);
    }
    cf_arena_cleanup(&a);
    free(buf);
    return 0;
}
