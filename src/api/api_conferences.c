/* SPDX-License-Identifier: MIT
 *
 * api_conferences.c - the Conference resource: list (with every filter of
 * spec §3.2), fetch, and update (Status=completed, AnnounceUrl).
 */
#include <string.h>

#include "../base/cf_str.h"
#include "../base/cf_time.h"
#include "cf_apiInt.h"

const char *cf_api_acct_base(struct cf_api_req *r)
{
    static const char acc[] = "/Accounts/";
    const char *sid = r->route.account_sid;
    size_t np, ns;
    char *o;
    if (r->acct_base) return r->acct_base;
    np = strlen(r->route.prefix);
    ns = strlen(sid);
    r->acct_base = o = cf_arena_alloc(r->a, np + sizeof acc - 1 + 3 * ns + 1);
    memcpy(o, r->route.prefix, np);
    o += np;
    memcpy(o, acc, sizeof acc - 1);
    cf_str_urlencode_to(o + sizeof acc - 1, sid, ns);
    return r->acct_base;
}

const char *cf_api_conf_base(struct cf_api_req *r)
{
    if (r->conf_base) return r->conf_base;
    r->conf_base = cf_arena_cat(r->a, cf_api_acct_base(r), "/Conferences");
    r->conf_base_len = strlen(r->conf_base);
    return r->conf_base;
}

void cf_api_conference_json(struct cf_api_req *r, struct cf_json *w, const struct cf_conference *c)
{
    /* built once per request (a list page writes 150 URIs); needs no
     * escaping: see cf_api_conf_base */
    const char *base = cf_api_conf_base(r);
    size_t n = r->conf_base_len;
    cf_json_open(w, '{');
    cf_json_kstr(w, "account_sid", c->project_id);
    cf_json_kstr(w, "api_version", "2010-04-01");
    cf_json_key(w, "call_sid_ending_conference");
    cf_json_str_or_null(w, c->call_sid_ending);
    cf_json_kdate(w, "date_created", c->date_created);
    cf_json_kdate(w, "date_updated", c->date_updated);
    cf_json_kstr(w, "friendly_name", c->friendly_name);
    cf_json_kstr(w, "reason_conference_ended", cf_end_reason_str(c->end_reason));
    cf_json_kstr(w, "region", c->region);
    cf_json_kstr(w, "sid", c->sid);
    cf_json_kstr(w, "status", cf_conf_status_str(c->status));
    cf_json_key(w, "subresource_uris");
    cf_json_open(w, '{');
    cf_json_kuri(w, "participants", base, n, c->sid, "/Participants.json");
    cf_json_kuri(w, "recordings", base, n, c->sid, "/Recordings.json");
    cf_json_close(w, '}');
    cf_json_kuri(w, "uri", base, n, c->sid, ".json");
    cf_json_close(w, '}');
}

void cf_api_conferences_list(struct cf_api_req *r)
{
    struct cf_conf_filter f = {NULL, -1, INT64_MIN, INT64_MAX, INT64_MIN, INT64_MAX};
    struct cf_api_page pg;
    struct cf_page_res res;
    struct cf_conference *items = NULL;
    struct cf_buf echo;
    struct cf_json w;
    const char *v;
    int rc;
    cf_buf_init(&echo, 64 * 1024);
    if ((v = cf_params_get(&r->query, "FriendlyName"))) {
        f.friendly_name = v;
        cf_str_form_add(&echo, "FriendlyName", v);
    }
    if ((v = cf_params_get(&r->query, "Status"))) {
        enum cf_conf_status s;
        if (cf_conf_status_parse(v, &s)) {
            cf_api_error(r, 400, 10000, "Status must be one of init, in-progress, completed");
            goto out;
        }
        f.status = (int)s;
        cf_str_form_add(&echo, "Status", v);
    }
    if (cf_api_date_filter(r, "DateCreated", '=', &f.created_lo, &f.created_hi, &echo) ||
        cf_api_date_filter(r, "DateCreated<", '<', &f.created_lo, &f.created_hi, &echo) ||
        cf_api_date_filter(r, "DateCreated>", '>', &f.created_lo, &f.created_hi, &echo) ||
        cf_api_date_filter(r, "DateUpdated", '=', &f.updated_lo, &f.updated_hi, &echo) ||
        cf_api_date_filter(r, "DateUpdated<", '<', &f.updated_lo, &f.updated_hi, &echo) ||
        cf_api_date_filter(r, "DateUpdated>", '>', &f.updated_lo, &f.updated_hi, &echo))
        goto out;
    if (cf_api_page_parse(r, &pg)) goto out;
    rc = cf_core_conference_list(&r->core, r->project_id, &f, &pg.req, r->a, &items, &res);
    if (rc == CF_EINVAL) {
        cf_api_error(r, 400, 21481, "PageToken does not name an item of this list");
        goto out;
    }
    if (rc) {
        cf_api_core_error(r, rc, NULL, "conference list", NULL);
        goto out;
    }
    r->resp->status = 200;
    cf_json_init(&w, &r->resp->body);
    cf_api_page_begin(&w, "conferences");
    for (size_t i = 0; i < res.n; i++) cf_api_conference_json(r, &w, &items[i]);
    cf_api_page_end(r, &w,
                    cf_arena_cat(r->a, cf_api_conf_base(r), r->route.json ? ".json" : ""),
                    cf_buf_str(&echo), &pg, &res, res.n ? items[0].sid : NULL,
                    res.n ? items[res.n - 1].sid : NULL);
out:
    cf_buf_cleanup(&echo);
}

static void write_conference(struct cf_api_req *r, int status, const struct cf_conference *c)
{
    struct cf_json w;
    r->resp->status = status;
    cf_json_init(&w, &r->resp->body);
    cf_api_conference_json(r, &w, c);
}

void cf_api_conference_fetch(struct cf_api_req *r)
{
    struct cf_conference c;
    int rc = cf_core_conference_get_public(&r->core, r->project_id, r->route.id1, &c);
    if (rc) {
        cf_api_core_error(r, rc, NULL, "conference fetch", r->route.id1);
        return;
    }
    write_conference(r, 200, &c);
}

void cf_api_conference_update(struct cf_api_req *r)
{
    struct cf_conf_update u = {false, NULL, NULL};
    struct cf_conference c;
    struct cf_err err = {0, ""};
    const char *status = cf_params_get(&r->params, "Status");
    int rc;
    if (status) {
        if (strcmp(status, "completed") != 0) {
            cf_api_error(r, 400, 21475, "Status '%s' is not valid for a conference: only "
                         "'completed' is allowed", status);
            return;
        }
        u.end = true;
    }
    if (cf_api_url(r, &r->params, "AnnounceUrl", &u.announce_url)) return;
    if (cf_api_method(r, &r->params, "AnnounceMethod", "POST", &u.announce_method)) return;
    /* Status=completed ends the conference at once and answers the final
     * object (spec part 0, "Ending"), AnnounceUrl or not: an announcement
     * given with it (checked above) has nobody left to play to. The store's
     * announcements keep end_after for rows queued by older versions, which
     * played the announcement first. */
    if (u.end) u.announce_url = NULL;
    if (!u.end && !u.announce_url) {
        /* nothing to change: answer the current object, but still refuse a completed one */
        rc = cf_core_conference_get_public(&r->core, r->project_id, r->route.id1, &c);
        if (rc) {
            cf_api_core_error(r, rc, NULL, "conference fetch", r->route.id1);
            return;
        }
        if (c.status == CF_CONF_COMPLETED) {
            cf_api_error(r, 400, 10000, "Conference %s is completed and cannot be updated", c.sid);
            return;
        }
        write_conference(r, 200, &c);
        return;
    }
    rc = cf_core_conference_update(&r->core, r->project_id, r->route.id1, &u, &c, &err);
    if (rc) {
        cf_api_core_error(r, rc, &err, "conference update", r->route.id1);
        return;
    }
    write_conference(r, 200, &c);
}
