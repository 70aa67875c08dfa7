/* SPDX-License-Identifier: MIT
 *
 * api_calls.c - enough of the Calls resource to find and hang up the call
 * legs that conferences dialled: fetch, list (Status, To, From filters with
 * keyset paging) and update with Status=completed or canceled. A call is
 * the participant's leg, so both resources read the same rows.
 */
#include <string.h>

#include "../base/cf_str.h"
#include "../base/cf_time.h"
#include "cf_apiInt.h"

static const char *call_status(const struct cf_participant *p)
{
    if (cf_part_is_live(p->status)) return cf_part_status_str(p->status);
    return p->call_status[0] ? p->call_status : cf_part_status_str(p->status);
}

static void call_json(struct cf_api_req *r, struct cf_json *w, const struct cf_participant *p)
{
    const char *acct = cf_api_acct_base(r);
    int64_t end = p->left_at;
    cf_json_open(w, '{');
    cf_json_kstr(w, "account_sid", p->project_id);
    cf_json_kstr(w, "annotation", NULL);
    cf_json_kstr(w, "answered_by", NULL);
    cf_json_kstr(w, "api_version", "2010-04-01");
    cf_json_kstr(w, "caller_name", NULL);
    cf_json_kdate(w, "date_created", p->date_created);
    cf_json_kdate(w, "date_updated", p->date_updated);
    cf_json_kstr(w, "direction", "outbound-api");
    cf_json_key(w, "duration");
    if (p->joined_at && end) {
        char n[CF_STR_I64_LEN];
        cf_str_i64(n, (end - p->joined_at) / CF_USEC_PER_SEC);
        cf_json_str(w, n);
    } else {
        cf_json_null(w);
    }
    cf_json_key(w, "end_time");
    if (end) {
        char d[CF_RFC2822_LEN];
        cf_time_rfc2822(end, d);
        cf_json_str(w, d);
    } else {
        cf_json_null(w);
    }
    cf_json_kstr(w, "forwarded_from", NULL);
    cf_json_kstr(w, "from", p->from);
    cf_json_kstr(w, "from_formatted", p->from);
    cf_json_kstr(w, "group_sid", NULL);
    cf_json_kstr(w, "parent_call_sid", NULL);
    cf_json_kstr(w, "phone_number_sid", NULL);
    cf_json_kstr(w, "price", NULL);
    cf_json_kstr(w, "price_unit", "USD");
    cf_json_kstr(w, "sid", p->call_sid);
    cf_json_key(w, "start_time");
    if (p->joined_at) {
        char d[CF_RFC2822_LEN];
        cf_time_rfc2822(p->joined_at, d);
        cf_json_str(w, d);
    } else {
        cf_json_null(w);
    }
    cf_json_kstr(w, "status", call_status(p));
    cf_json_key(w, "subresource_uris");
    cf_json_open(w, '{');
    cf_json_kstr(w, "recordings", cf_arena_cat(r->a, acct, "/Calls/", p->call_sid, "/Recordings.json"));
    cf_json_close(w, '}');
    cf_json_kstr(w, "to", p->to);
    cf_json_kstr(w, "to_formatted", p->to);
    cf_json_kstr(w, "trunk_sid", NULL);
    cf_json_kstr(w, "uri", cf_arena_cat(r->a, acct, "/Calls/", p->call_sid, ".json"));
    cf_json_close(w, '}');
}

static void write_call(struct cf_api_req *r, const struct cf_participant *p)
{
    struct cf_json w;
    r->resp->status = 200;
    cf_json_init(&w, &r->resp->body);
    call_json(r, &w, p);
}

void cf_api_call_fetch(struct cf_api_req *r)
{
    struct cf_participant p;
    int rc = r->core.st->ops->call_get(r->core.st, r->project_id, r->route.id1, &p);
    if (rc) {
        cf_api_core_error(r, rc, NULL, "call fetch", r->route.id1);
        return;
    }
    write_call(r, &p);
}

void cf_api_call_update(struct cf_api_req *r)
{
    struct cf_participant p;
    struct cf_err err = {0, ""};
    const char *status = cf_params_get(&r->params, "Status");
    int rc;
    if (status && strcmp(status, "completed") != 0 && strcmp(status, "canceled") != 0) {
        cf_api_error(r, 400, 10000, "Status must be completed or canceled");
        return;
    }
    if (cf_params_get(&r->params, "Url") || cf_params_get(&r->params, "Twiml")) {
        cf_api_error(r, 400, 10000, "Redirecting a call (Url, Twiml) is not supported");
        return;
    }
    if (status)
        rc = cf_core_call_hangup(&r->core, r->project_id, r->route.id1,
                                 strcmp(status, "canceled") == 0, &p, &err);
    else
        rc = r->core.st->ops->call_get(r->core.st, r->project_id, r->route.id1, &p);
    if (rc) {
        cf_api_core_error(r, rc, &err, "call update", r->route.id1);
        return;
    }
    write_call(r, &p);
}

void cf_api_calls_list(struct cf_api_req *r)
{
    /* the Calls list filters of Twilio's API that confab does not have */
    static const char *const unsupported[] = {"StartTime", "StartTime<", "StartTime>", "EndTime",
                                              "EndTime<", "EndTime>", "ParentCallSid"};
    static const char *const statuses[] = {"queued", "ringing", "in-progress", "completed",
                                           "canceled", "busy", "no-answer", "failed"};
    struct cf_call_filter f = {NULL, NULL, NULL};
    struct cf_api_page pg;
    struct cf_page_res res = {0, false};
    struct cf_participant *items = NULL;
    struct cf_buf echo;
    struct cf_json w;
    int rc;
    cf_buf_init(&echo, 16384);
    for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++) {
        /* ignored, they would answer every call as if it matched */
        if (cf_params_get(&r->query, unsupported[i])) {
            cf_api_error(r, 400, 10000, "The %s filter is not supported on the Calls list: filter "
                         "by Status, To or From", unsupported[i]);
            goto out;
        }
    }
    if ((f.status = cf_params_get(&r->query, "Status"))) {
        bool ok = false;
        for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
            if (strcmp(f.status, statuses[i]) == 0) ok = true;
        if (!ok) {
            cf_api_error(r, 400, 10000, "Status is not a call status");
            goto out;
        }
        cf_str_form_add(&echo, "Status", f.status);
    }
    if ((f.to = cf_params_get(&r->query, "To"))) cf_str_form_add(&echo, "To", f.to);
    if ((f.from = cf_params_get(&r->query, "From"))) cf_str_form_add(&echo, "From", f.from);
    if (cf_api_page_parse(r, &pg)) goto out;
    rc = r->core.st->ops->call_list(r->core.st, r->project_id, &f, &pg.req, r->a, &items, &res);
    if (rc == CF_EINVAL) {
        cf_api_error(r, 400, 21481, "PageToken does not name an item of this list");
        goto out;
    }
    if (rc) {
        cf_api_core_error(r, rc, NULL, "call list", NULL);
        goto out;
    }
    r->resp->status = 200;
    cf_json_init(&w, &r->resp->body);
    cf_api_page_begin(&w, "calls");
    for (size_t i = 0; i < res.n; i++) call_json(r, &w, &items[i]);
    cf_api_page_end(r, &w, cf_arena_cat(r->a, cf_api_acct_base(r), "/Calls", r->route.json ? ".json" : ""),
                    cf_buf_str(&echo), &pg, &res, res.n ? items[0].call_sid : NULL,
                    res.n ? items[res.n - 1].call_sid : NULL);
out:
    cf_buf_cleanup(&echo);
}
