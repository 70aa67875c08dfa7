/* SPDX-License-Identifier: MIT
 *
 * cf_apiInt.h - what the API's files share: the per-request context, error
 * writing, parameter readers and list paging. Not for use outside src/api.
 */
#ifndef CF_API_INT_H
#define CF_API_INT_H

#include <stdbool.h>

#include "../core/cf_core.h"
#include "../http/cf_params.h"
#include "../http/cf_route.h"
#include "cf_api.h"
#include "cf_json.h"

struct cf_api_req {
    struct cf_api *api;
    struct cf_req *req;
    struct cf_resp *resp;
    struct cf_arena *a;        /* the request's arena */
    struct cf_route route;
    struct cf_params query;    /* query string pairs */
    struct cf_params params;   /* body pairs (POST) followed by... see cf_api.c */
    struct cf_core core;
    const char *project_id;
    const char *acct_base;     /* cache of cf_api_acct_base() */
    const char *conf_base;     /* cache of cf_api_conf_base() */
    size_t conf_base_len;      /* its length */
};

typedef void (*cf_api_fn)(struct cf_api_req *r);

/* Writes a Twilio-shaped error body: {code, message, more_info, status}. */
void cf_api_error(struct cf_api_req *r, int status, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Maps a core/store error to its response (404, 400/10000, 500, 503). */
void cf_api_core_error(struct cf_api_req *r, int rc, const struct cf_err *err,
                       const char *what, const char *sid);

/* Parameter readers. Each returns 0 (absent leaves *out alone, *present
 * false), or writes a 400 and returns CF_EINVAL. */
int cf_api_bool(struct cf_api_req *r, const struct cf_params *p, const char *name, bool *out,
                bool *present);
/* A parameter that must be one of the space-separated words, in any letter
 * case: *idx is the index of the one given; absent leaves *idx alone;
 * anything else is 400 / 10000 naming the words. */
int cf_api_word(struct cf_api_req *r, const struct cf_params *p, const char *name,
                const char *words, int *idx);
int cf_api_int(struct cf_api_req *r, const struct cf_params *p, const char *name, int lo, int hi,
               int *out, bool *present);
/* An absolute http(s) URL (21402) and its method GET/POST (13221). */
int cf_api_url(struct cf_api_req *r, const struct cf_params *p, const char *name,
               const char **out);
int cf_api_method(struct cf_api_req *r, const struct cf_params *p, const char *name,
                  const char *dflt, const char **out);

/* Paging. */
struct cf_api_page {
    struct cf_page_req req;
    int page;                 /* the client's Page */
};
/* Reads PageSize, Page, PageToken; writes the error (54454, 54453, 21481). */
int cf_api_page_parse(struct cf_api_req *r, struct cf_api_page *pg);
/* Writes the envelope start; call cf_api_page_end after the items.
 * filters is a form-encoded string of the filters to echo ("" for none). */
void cf_api_page_begin(struct cf_json *w, const char *key);
void cf_api_page_end(struct cf_api_req *r, struct cf_json *w, const char *path,
                     const char *filters, const struct cf_api_page *pg,
                     const struct cf_page_res *res, const char *first_sid,
                     const char *last_sid);

/* A date filter of a list (DateCreated, DateCreated<, DateCreated>, …):
 * narrows the inclusive µs range [lo, hi] (op '=' a day, '<' on or before,
 * '>' on or after), echoes it into echo, or writes the 400 (CF_EINVAL). */
int cf_api_date_filter(struct cf_api_req *r, const char *name, char op, int64_t *lo, int64_t *hi,
                       struct cf_buf *echo);

/* Path of the account in the request's prefix, e.g.
 * "/api/laml/2010-04-01/Accounts/{A}" (arena; built once per request: a
 * list page writes it into every item). Fixed segments and the
 * percent-encoded account sid: nothing in it needs JSON escaping. */
const char *cf_api_acct_base(struct cf_api_req *r);
/* The same followed by "/Conferences", and its length. */
const char *cf_api_conf_base(struct cf_api_req *r);
/* Writes a conference / participant object. */
void cf_api_conference_json(struct cf_api_req *r, struct cf_json *w, const struct cf_conference *c);
void cf_api_participant_json(struct cf_api_req *r, struct cf_json *w,
                             const struct cf_participant *p);

/* Resource handlers. */
void cf_api_conferences_list(struct cf_api_req *r);
void cf_api_conference_fetch(struct cf_api_req *r);
void cf_api_conference_update(struct cf_api_req *r);
void cf_api_participants_list(struct cf_api_req *r);
void cf_api_participant_create(struct cf_api_req *r);
void cf_api_participant_fetch(struct cf_api_req *r);
void cf_api_participant_update(struct cf_api_req *r);
void cf_api_participant_delete(struct cf_api_req *r);
void cf_api_calls_list(struct cf_api_req *r);
void cf_api_recordings_list(struct cf_api_req *r);
void cf_api_recording_fetch(struct cf_api_req *r);
void cf_api_recording_update(struct cf_api_req *r);
void cf_api_recording_delete(struct cf_api_req *r);
void cf_api_recording_media(struct cf_api_req *r);
void cf_api_events_list(struct cf_api_req *r);
void cf_api_event_fetch(struct cf_api_req *r);
void cf_api_event_update(struct cf_api_req *r);
void cf_api_call_fetch(struct cf_api_req *r);
void cf_api_call_update(struct cf_api_req *r);

#endif
