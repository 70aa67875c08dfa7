/* SPDX-License-Identifier: MIT
 *
 * cf_paging.c - list paging: PageSize/Page/PageToken parsing and the list
 * envelope (spec part 0 and §6).
 *
 * PageToken is "PA" + the sid of the last item of the previous page (the
 * next page starts after it) or "PB" + the sid of the first item of the
 * following page (the page ends before it). Every URI in the envelope is a
 * path from the host root with the request's prefix and every filter, plus
 * PageSize, Page and (except first_page_uri) PageToken; the envelope has
 * exactly one non-meta key, the item array.
 */
#include <string.h>

#include "../base/cf_str.h"
#include "../base/cf_time.h"
#include "cf_apiInt.h"

#define PAGE_MAX 100000000 /* the largest Page a client may send */

int cf_api_page_parse(struct cf_api_req *r, struct cf_api_page *pg)
{
    const char *tok = cf_params_get(&r->query, "PageToken");
    const char *ps = cf_params_get(&r->query, "PageSize");
    bool has_page = false;
    memset(pg, 0, sizeof *pg);
    pg->req.size = 50;
    pg->req.dir = CF_PAGE_FIRST;
    if (ps) {
        int n = 0;
        bool ok = *ps && strlen(ps) <= 4;
        for (const char *q = ps; ok && *q; q++) {
            if (*q < '0' || *q > '9') ok = false;
            else n = n * 10 + (*q - '0');
        }
        if (!ok || n < 1 || n > 1000) {
            cf_api_error(r, 400, 54454, "PageSize must be an integer from 1 to 1000");
            return CF_EINVAL;
        }
        pg->req.size = n;
    }
    if (cf_params_get(&r->query, "Page")) {
        if (cf_api_int(r, &r->query, "Page", 0, PAGE_MAX, &pg->page, &has_page)) return CF_EINVAL;
    }
    if (tok && *tok) {
        if (strlen(tok) != 2 + CF_UUID_LEN || tok[0] != 'P' || (tok[1] != 'A' && tok[1] != 'B') ||
            !cf_id_is_uuid(tok + 2)) {
            cf_api_error(r, 400, 21481, "PageToken '%s' is not valid", tok);
            return CF_EINVAL;
        }
        pg->req.dir = tok[1] == 'A' ? CF_PAGE_AFTER : CF_PAGE_BEFORE;
        memcpy(pg->req.cursor, tok + 2, CF_UUID_SIZE);
        /* sids are stored lower case */
        for (char *c = pg->req.cursor; *c; c++)
            if (*c >= 'A' && *c <= 'F') *c = (char)(*c + 32);
    } else if (pg->page > 0) {
        cf_api_error(r, 400, 54453, "Page %d was asked for without a PageToken", pg->page);
        return CF_EINVAL;
    }
    return 0;
}

void cf_api_page_begin(struct cf_json *w, const char *key)
{
    cf_json_open(w, '{');
    cf_json_key_esc(w, key);
    cf_json_open(w, '[');
}

static const char *page_uri(struct cf_api_req *r, const char *path, const char *filters,
                            int size, int page, char dir, const char *sid)
{
    /* (three a page: joined, not printf'd, which took 5 % of a list's CPU) */
    char sz[CF_STR_I64_LEN], pn[CF_STR_I64_LEN];
    (void)cf_str_i64(sz, size);
    (void)cf_str_i64(pn, page);
    return cf_arena_cat(r->a, path, "?", filters, *filters ? "&" : "", "PageSize=", sz, "&Page=", pn,
                        sid ? "&PageToken=P" : "", sid ? (dir == 'A' ? "A" : "B") : "",
                        sid ? sid : "");
}

void cf_api_page_end(struct cf_api_req *r, struct cf_json *w, const char *path,
                     const char *filters, const struct cf_api_page *pg,
                     const struct cf_page_res *res, const char *first_sid, const char *last_sid)
{
    bool has_next, has_prev;
    const char *cur_sid = NULL;
    char cur_dir = 'A';
    int64_t start = (int64_t)pg->page * pg->req.size;
    switch (pg->req.dir) {
    case CF_PAGE_FIRST:
        has_prev = false;
        has_next = res->more;
        break;
    case CF_PAGE_AFTER:
        has_prev = true;
        has_next = res->more;
        cur_sid = pg->req.cursor;
        break;
    default:
        has_prev = res->more;
        has_next = true;
        cur_sid = pg->req.cursor;
        cur_dir = 'B';
        break;
    }
    if (res->n == 0) has_next = false;
    if (res->n == 0 && pg->req.dir == CF_PAGE_BEFORE) has_prev = false;
    cf_json_close(w, ']');
    cf_json_kstr(w, "uri", page_uri(r, path, filters, pg->req.size, pg->page, cur_dir, cur_sid));
    cf_json_kstr(w, "first_page_uri", page_uri(r, path, filters, pg->req.size, 0, 'A', NULL));
    cf_json_key(w, "next_page_uri");
    if (has_next && last_sid)
        /* Page is only a label (the token pages); at PAGE_MAX it stays there so
         * the link is still one cf_api_page_parse accepts. */
        cf_json_str(w, page_uri(r, path, filters, pg->req.size,
                                pg->page < PAGE_MAX ? pg->page + 1 : PAGE_MAX, 'A', last_sid));
    else
        cf_json_null(w);
    cf_json_key(w, "previous_page_uri");
    if (has_prev && first_sid)
        cf_json_str(w, page_uri(r, path, filters, pg->req.size, pg->page > 0 ? pg->page - 1 : 0,
                                'B', first_sid));
    else
        cf_json_null(w);
    cf_json_kint(w, "page", pg->page);
    cf_json_kint(w, "page_size", pg->req.size);
    cf_json_kint(w, "start", start);
    cf_json_kint(w, "end", res->n ? start + (int64_t)res->n - 1 : 0);
    cf_json_close(w, '}');
}

int cf_api_date_filter(struct cf_api_req *r, const char *name, char op, int64_t *lo, int64_t *hi,
                       struct cf_buf *echo)
{
    const char *v = cf_params_get(&r->query, name);
    int64_t day;
    if (!v) return 0;
    if (cf_time_parse_date(v, &day)) {
        cf_api_error(r, 400, 10000, "%s must be a date in the form YYYY-MM-DD", name);
        return CF_EINVAL;
    }
    if (op != '<' && day > *lo) *lo = day;
    if (op != '>' && day + CF_USEC_PER_DAY - 1 < *hi) *hi = day + CF_USEC_PER_DAY - 1;
    cf_str_form_add(echo, name, v);
    return 0;
}
