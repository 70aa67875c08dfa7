/* SPDX-License-Identifier: MIT
 *
 * api_events.c - the delivery log, a confab extension: a conference's
 * events in SequenceNumber order with their delivery state and attempts
 * (GET …/Conferences/{Sid}/Events), one event (GET …/Events/{EventSid}),
 * and POST …/Events/{EventSid} with Status=redeliver to send it again.
 * Paging is forward only: PageToken=PA<event sid>.
 */
#include <string.h>

#include "../base/cf_str.h"
#include "../base/cf_time.h"
#include "cf_apiInt.h"

static void event_json(struct cf_api_req *r, struct cf_json *w, const struct cf_outbox_row *e)
{
    struct cf_params params = {NULL, 0};
    struct cf_err err = {0, ""};
    cf_json_open(w, '{');
    cf_json_kstr(w, "account_sid", e->project_id);
    cf_json_kint(w, "attempts", e->attempts);
    cf_json_key(w, "call_sid");
    cf_json_str_or_null(w, e->call_sid);
    cf_json_kstr(w, "conference_sid", e->conference_sid);
    cf_json_kdate(w, "date_created", e->created);
    cf_json_key(w, "date_done");
    if (e->done_at) {
        char d[CF_RFC2822_LEN];
        cf_time_rfc2822(e->done_at, d);
        cf_json_str(w, d);
    } else {
        cf_json_null(w);
    }
    cf_json_kstr(w, "event", e->name);
    cf_json_key(w, "last_error");
    cf_json_str_or_null(w, e->last_error);
    cf_json_key(w, "last_status");
    if (e->last_status) cf_json_int(w, e->last_status);
    else cf_json_null(w);
    cf_json_key(w, "method");
    cf_json_str_or_null(w, e->method);
    cf_json_key(w, "next_attempt");
    if (strcmp(e->state, "pending") == 0) {
        char d[CF_RFC2822_LEN];
        cf_time_rfc2822(e->next_attempt_at, d);
        cf_json_str(w, d);
    } else {
        cf_json_null(w);
    }
    cf_json_key(w, "parameters");
    cf_json_open(w, '{');
    if (cf_params_parse_form(e->params, strlen(e->params), r->a, &params, &err) == 0)
        for (size_t i = 0; i < params.n; i++) {
            cf_json_key_esc(w, params.v[i].name);
            cf_json_str(w, params.v[i].value);
        }
    cf_json_close(w, '}');
    cf_json_kint(w, "sequence_number", e->seq);
    cf_json_kstr(w, "sid", e->sid);
    cf_json_kstr(w, "status", e->state);
    cf_json_kstr(w, "uri", cf_arena_cat(r->a, cf_api_conf_base(r), "/", e->conference_sid,
                                        "/Events/", e->sid, ".json"));
    cf_json_key(w, "url");
    cf_json_str_or_null(w, e->url);
    cf_json_close(w, '}');
}

void cf_api_events_list(struct cf_api_req *r)
{
    struct cf_conference c;
    struct cf_api_page pg;
    struct cf_outbox_row *rows = NULL, cursor;
    struct cf_json w;
    size_t n = 0;
    bool more = false;
    const char *path, *after = NULL;
    int rc;
    if (cf_api_page_parse(r, &pg)) return;
    if ((rc = cf_core_conference_get(&r->core, r->project_id, r->route.id1, &c))) {
        cf_api_core_error(r, rc, NULL, "events", r->route.id1);
        return;
    }
    if (pg.req.dir == CF_PAGE_BEFORE) {
        cf_api_error(r, 400, 21481, "The event log pages forward only (PageToken=PA…)");
        return;
    }
    if (pg.req.dir == CF_PAGE_AFTER) {
        if (r->core.st->ops->outbox_get(r->core.st, r->project_id, pg.req.cursor, r->a, &cursor) ||
            strcmp(cursor.conference_sid, c.sid) != 0) {
            cf_api_error(r, 400, 21481, "PageToken does not name an event of this conference");
            return;
        }
        after = cursor.sid;
    }
    rc = r->core.st->ops->outbox_list(r->core.st, r->project_id, c.sid, after, (size_t)pg.req.size,
                                      r->a, &rows, &n, &more);
    if (rc) {
        cf_api_core_error(r, rc, NULL, "events", c.sid);
        return;
    }
    r->resp->status = 200;
    cf_json_init(&w, &r->resp->body);
    cf_api_page_begin(&w, "events");
    for (size_t i = 0; i < n; i++) event_json(r, &w, &rows[i]);
    path = cf_arena_cat(r->a, cf_api_conf_base(r), "/", c.sid, "/Events",
                        r->route.json ? ".json" : "");
    {
        struct cf_page_res res = {n, more};
        /* forward only: no previous page */
        pg.req.dir = pg.req.dir == CF_PAGE_AFTER ? CF_PAGE_AFTER : CF_PAGE_FIRST;
        cf_api_page_end(r, &w, path, "", &pg, &res, NULL, n ? rows[n - 1].sid : NULL);
    }
}

static int load_event(struct cf_api_req *r, struct cf_outbox_row *e)
{
    struct cf_conference c;
    int rc = cf_core_conference_get(&r->core, r->project_id, r->route.id1, &c);
    if (!rc) rc = r->core.st->ops->outbox_get(r->core.st, r->project_id, r->route.id2, r->a, e);
    if (!rc && strcmp(e->conference_sid, c.sid) != 0) rc = CF_ENOTFOUND;
    if (rc) cf_api_core_error(r, rc, NULL, "event", r->route.id2);
    return rc;
}

static void write_event(struct cf_api_req *r, const struct cf_outbox_row *e)
{
    struct cf_json w;
    r->resp->status = 200;
    cf_json_init(&w, &r->resp->body);
    event_json(r, &w, e);
}

void cf_api_event_fetch(struct cf_api_req *r)
{
    struct cf_outbox_row e;
    if (load_event(r, &e)) return;
    write_event(r, &e);
}

void cf_api_event_update(struct cf_api_req *r)
{
    const char *status = cf_params_get(&r->params, "Status");
    struct cf_outbox_row e;
    int rc;
    if (!status || strcmp(status, "redeliver") != 0) {
        cf_api_error(r, 400, 10000, "Status must be redeliver");
        return;
    }
    if (load_event(r, &e)) return;
    if (!e.url[0]) {
        cf_api_error(r, 400, 10000, "Event %s has no subscriber to deliver it to", e.sid);
        return;
    }
    rc = r->core.st->ops->outbox_redeliver(r->core.st, r->project_id, e.sid, cf_time_now_us());
    if (rc == CF_ESTATE) {
        cf_api_error(r, 400, 10000, "Event %s is still being delivered", e.sid);
        return;
    }
    if (rc) {
        cf_api_core_error(r, rc, NULL, "event redeliver", e.sid);
        return;
    }
    if (r->api->kick) r->api->kick(r->api->kick_ud);
    if (load_event(r, &e)) return;
    write_event(r, &e);
}
