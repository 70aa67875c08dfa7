/* SPDX-License-Identifier: MIT
 *
 * fuzz_pagetoken.c - list paging: the query string of a list request
 * (PageSize, Page, PageToken, filters) decoded by cf_params_parse_form and
 * read by the real cf_api_page_parse (src/api/cf_paging.c), then the list
 * envelope written by cf_api_page_end.
 *
 * cf_api_page_parse takes a struct cf_api_req; only the fields it and
 * cf_api_error touch are filled here (api->more_info, resp, a, query), so
 * no store, core or HTTP connection is needed.
 *
 * Checks beyond memory safety:
 *   - acceptance agrees with a reference model of the grammar written here
 *     from the spec: PageToken is "PA" or "PB" + a UUID (either case);
 *     PageSize is 1..1000 in at most four digits; Page without a PageToken
 *     is refused; a refusal is a 400 with a JSON error body;
 *   - an accepted token yields the direction and the lower-cased sid;
 *   - the envelope is a JSON object that cf_params_parse_json reads, and its
 *     uri, first_page_uri, next_page_uri and previous_page_uri, decoded
 *     again, are accepted by cf_api_page_parse and point at the sids they
 *     were made from (next_page_uri's Page is one more, but stays at the
 *     largest Page accepted, 100000000).
 */
#include "fuzz_common.h"

#include <stdbool.h>
#include <strings.h>

#include "../src/api/cf_apiInt.h"
#include "../src/base/cf_arena.h"
#include "../src/base/cf_buf.h"
#include "../src/base/cf_err.h"
#include "../src/base/cf_id.h"
#include "../src/base/cf_str.h"
#include "../src/http/cf_params.h"

#define FIRST_SID "0f9c2a3e-5b4d-4c1a-9e8f-7a6b5c4d3e2f"
#define LAST_SID "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
#define LIST_PATH "/api/laml/2010-04-01/Accounts/3b1e4f6a-0c2d-4e8f-9a7b-5c6d7e8f9a0b/Conferences.json"

/* The token grammar, from the spec: "PA" or "PB", then a UUID. */
static bool model_token_ok(const char *tok)
{
    return strlen(tok) == 2 + CF_UUID_LEN && tok[0] == 'P' && (tok[1] == 'A' || tok[1] == 'B') &&
           cf_id_is_uuid(tok + 2);
}

static bool model_size_ok(const char *ps)
{
    size_t n = strlen(ps);
    long v = 0;
    if (n == 0 || n > 4) return false;
    for (size_t i = 0; i < n; i++) {
        if (ps[i] < '0' || ps[i] > '9') return false;
        v = v * 10 + (ps[i] - '0');
    }
    return v >= 1 && v <= 1000;
}

/* Page: an optional sign and 1..9 digits, 0..100000000. */
static bool model_page(const char *v, int *page)
{
    const char *s = v;
    long n = 0;
    if (*s == '-' || *s == '+') s++;
    if (!*s || strlen(s) > 9) return false;
    for (const char *q = s; *q; q++) {
        if (*q < '0' || *q > '9') return false;
        n = n * 10 + (*q - '0');
    }
    if (*v == '-') n = -n;
    if (n < 0 || n > 100000000) return false;
    *page = (int)n;
    return true;
}

struct req {
    struct cf_api api;
    struct cf_resp resp;
    struct cf_api_req r;
};

static void req_init(struct req *q, struct cf_arena *a)
{
    memset(q, 0, sizeof *q);
    q->api.more_info = "https://developer.signalwire.com/compatibility-api/reference/error-codes";
    cf_buf_init(&q->resp.body, 64 * 1024);
    q->resp.fd = -1;
    q->r.api = &q->api;
    q->r.resp = &q->resp;
    q->r.a = a;
}

/* Decodes the query of uri and parses its paging; returns the rc. */
static int reparse(const char *uri, struct cf_arena *a, struct cf_api_page *pg)
{
    struct req q;
    struct cf_err err;
    const char *qs = strchr(uri, '?');
    int rc;
    FUZZ_CHECK(qs != NULL);
    req_init(&q, a);
    FUZZ_CHECK(cf_params_parse_form(qs + 1, strlen(qs + 1), a, &q.r.query, &err) == 0);
    rc = cf_api_page_parse(&q.r, pg);
    cf_buf_cleanup(&q.resp.body);
    return rc;
}

static void check_envelope(struct cf_api_req *r, const struct cf_api_page *pg, size_t size,
                           struct cf_arena *a)
{
    struct cf_buf body, echo;
    struct cf_json w;
    struct cf_page_res res = {size % 3, (size & 4) != 0};
    struct cf_params env = {NULL, 0};
    struct cf_err err;
    struct cf_api_page pg2;
    const char *v, *next, *prev;
    int rc;

    cf_buf_init(&echo, 64 * 1024);
    if ((v = cf_params_get(&r->query, "FriendlyName"))) cf_str_form_add(&echo, "FriendlyName", v);
    cf_buf_init(&body, 1024 * 1024);
    cf_json_init(&w, &body);
    cf_api_page_begin(&w, "conferences");
    cf_api_page_end(r, &w, LIST_PATH, cf_buf_str(&echo), pg, &res, res.n ? FIRST_SID : NULL,
                    res.n ? LAST_SID : NULL);
    FUZZ_CHECK(w.rc == 0);
    rc = cf_params_parse_json(cf_buf_str(&body), body.len, a, &env, &err);
    if (rc == CF_ETOOBIG) goto out; /* a FriendlyName near 4 KiB makes long URIs */
    FUZZ_CHECK(rc == 0);
    FUZZ_CHECK((v = cf_params_get(&env, "uri")) && strncmp(v, LIST_PATH "?", strlen(LIST_PATH) + 1) == 0);
    FUZZ_CHECK(reparse(v, a, &pg2) == 0 && pg2.req.size == pg->req.size && pg2.page == pg->page &&
               pg2.req.dir == pg->req.dir);
    FUZZ_CHECK((v = cf_params_get(&env, "first_page_uri")) && reparse(v, a, &pg2) == 0 &&
               pg2.req.dir == CF_PAGE_FIRST && pg2.page == 0);
    next = cf_params_get(&env, "next_page_uri");
    prev = cf_params_get(&env, "previous_page_uri");
    if (next) {
        FUZZ_CHECK(reparse(next, a, &pg2) == 0 && pg2.req.dir == CF_PAGE_AFTER &&
                   strcmp(pg2.req.cursor, LAST_SID) == 0 &&
                   pg2.page == (pg->page < 100000000 ? pg->page + 1 : 100000000));
    }
    if (prev) {
        FUZZ_CHECK(reparse(prev, a, &pg2) == 0 && pg2.req.dir == CF_PAGE_BEFORE &&
                   strcmp(pg2.req.cursor, FIRST_SID) == 0);
    }
    FUZZ_CHECK(!res.n ? !next : 1);
out:
    cf_buf_cleanup(&body);
    cf_buf_cleanup(&echo);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = fuzz_dup(data, size);
    struct cf_arena a;
    struct req q;
    struct cf_api_page pg;
    struct cf_err err;
    const char *tok, *ps, *pv;
    bool want_ok = true;
    int page = 0, rc;

    cf_arena_init(&a);
    req_init(&q, &a);
    if (cf_params_parse_form(buf, size, &a, &q.r.query, &err) != 0) goto out;
    tok = cf_params_get(&q.r.query, "PageToken");
    ps = cf_params_get(&q.r.query, "PageSize");
    pv = cf_params_get(&q.r.query, "Page");
    if (ps && !model_size_ok(ps)) want_ok = false;
    if (pv && !model_page(pv, &page)) want_ok = false;
    if (tok && *tok ? !model_token_ok(tok) : page > 0) want_ok = false;

    rc = cf_api_page_parse(&q.r, &pg);
    FUZZ_CHECK(rc == 0 || rc == CF_EINVAL);
    FUZZ_CHECK((rc == 0) == want_ok);
    if (rc) {
        FUZZ_CHECK(q.resp.status == 400);
        FUZZ_CHECK(q.resp.body.len > 0 && cf_buf_str(&q.resp.body)[0] == '{');
        goto out;
    }
    FUZZ_CHECK(q.resp.status == 0 && pg.req.size >= 1 && pg.req.size <= 1000);
    FUZZ_CHECK(pg.page == page);
    if (tok && *tok) {
        FUZZ_CHECK(pg.req.dir == (tok[1] == 'A' ? CF_PAGE_AFTER : CF_PAGE_BEFORE));
        FUZZ_CHECK(cf_id_is_uuid(pg.req.cursor) && strncasecmp(pg.req.cursor, tok + 2, CF_UUID_SIZE) == 0);
        for (const char *c = pg.req.cursor; *c; c++) FUZZ_CHECK(!(*c >= 'A' && *c <= 'Z'));
    } else {
        FUZZ_CHECK(pg.req.dir == CF_PAGE_FIRST);
    }
    check_envelope(&q.r, &pg, size, &a);
out:
    cf_buf_cleanup(&q.resp.body);
    cf_arena_cleanup(&a);
    free(buf);
    return 0;
}
