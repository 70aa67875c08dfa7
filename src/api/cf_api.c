/* SPDX-License-Identifier: MIT
 *
 * cf_api.c - the API's front door (see cf_api.h): routing table, Basic
 * auth, method checks, parameter decoding, Idempotency-Key, error bodies.
 *
 * Order of checks for a request: the path must name a resource (404), the
 * credentials must name a project whose id is the path's AccountSid (401,
 * one body for every cause), the resource must take the method (405), the
 * body must decode within its caps (400/413), then the resource handler
 * runs. Idempotency-Key (POST/DELETE) is looked up before the handler and
 * the response stored after it.
 *
 * Reads run on the listener's worker thread with a pooled connection.
 * Writes (POST, DELETE) are checked up to the handler there too, then
 * handed to the writer thread (cf_writer.h) as one job: the Idempotency-Key
 * claim, the handler and the stored response share the job's savepoint in
 * the batch's transaction, and the response goes out once the batch is
 * committed, followed by the engine commands and the webhook kick.
 */
#include "cf_api.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "../base/cf_log.h"
#include "../base/cf_str.h"
#include "../base/cf_time.h"
#include "../http/cf_auth.h"
#include "../store/cf_writer.h"
#include "cf_apiInt.h"
#include "cf_authcache.h"

#define MAX_TOKENS 256 /* live tokens a project may hold (token-create refuses more) */
#define IDEM_KEY_MAX 255
#define IDEM_TTL_US (24 * 3600 * CF_USEC_PER_SEC)

struct route_entry {
    enum cf_resource res;
    enum cf_method method;
    cf_api_fn fn;
};

static const struct route_entry routes[] = {
    {CF_R_CONFERENCES, CF_M_GET, cf_api_conferences_list},
    {CF_R_CONFERENCE, CF_M_GET, cf_api_conference_fetch},
    {CF_R_CONFERENCE, CF_M_POST, cf_api_conference_update},
    {CF_R_PARTICIPANTS, CF_M_GET, cf_api_participants_list},
    {CF_R_PARTICIPANTS, CF_M_POST, cf_api_participant_create},
    {CF_R_PARTICIPANT, CF_M_GET, cf_api_participant_fetch},
    {CF_R_PARTICIPANT, CF_M_POST, cf_api_participant_update},
    {CF_R_PARTICIPANT, CF_M_DELETE, cf_api_participant_delete},
    {CF_R_CALLS, CF_M_GET, cf_api_calls_list},
    {CF_R_CALL, CF_M_GET, cf_api_call_fetch},
    {CF_R_CALL, CF_M_POST, cf_api_call_update},
    {CF_R_RECORDINGS, CF_M_GET, cf_api_recordings_list},
    {CF_R_RECORDING, CF_M_GET, cf_api_recording_fetch},
    {CF_R_RECORDING, CF_M_POST, cf_api_recording_update},
    {CF_R_RECORDING, CF_M_DELETE, cf_api_recording_delete},
    {CF_R_RECORDING_MEDIA, CF_M_GET, cf_api_recording_media},
    {CF_R_EVENTS, CF_M_GET, cf_api_events_list},
    {CF_R_EVENT, CF_M_GET, cf_api_event_fetch},
    {CF_R_EVENT, CF_M_POST, cf_api_event_update},
};

void cf_api_error(struct cf_api_req *r, int status, int code, const char *fmt, ...)
{
    char msg[1024];
    struct cf_json w;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cf_buf_reset(&r->resp->body);
    r->resp->status = status;
    cf_json_init(&w, &r->resp->body);
    cf_json_open(&w, '{');
    cf_json_kint(&w, "code", code);
    cf_json_kstr(&w, "message", msg);
    cf_json_kstr(&w, "more_info", r->api->more_info);
    cf_json_kint(&w, "status", status);
    cf_json_close(&w, '}');
}

void cf_api_core_error(struct cf_api_req *r, int rc, const struct cf_err *err, const char *what,
                       const char *sid)
{
    const char *m = err && err->msg[0] ? err->msg : NULL;
    switch (rc) {
    case CF_ENOTFOUND:
        cf_api_error(r, 404, 20404, "The requested resource %s was not found", r->req->path);
        break;
    case CF_ESTATE:
        cf_api_error(r, 400, 10000, "%s", m ? m : "The conference is completed and cannot be updated");
        break;
    case CF_EEXIST:
        cf_api_error(r, 400, 16025, "%s", m ? m : "A uniqueness rule would be broken");
        break;
    case CF_EINVAL:
    case CF_ETOOBIG:
        cf_api_error(r, 400, 10000, "%s", m ? m : "Invalid parameter");
        break;
    case CF_ELIMIT:
        cf_api_error(r, 429, 20429, "%s", m ? m : "A cap of this project is reached");
        break;
    case CF_ESTORE:
        if (r->api->metrics)
            atomic_fetch_add_explicit(&r->api->metrics->store_errors, 1, memory_order_relaxed);
        cf_log(CF_LOG_ERROR, r->req->id, "msg=\"store failure\" what=%s sid=%s", what,
               sid ? sid : "-");
        cf_api_error(r, 503, 20503, "The service is temporarily unavailable; retry the request");
        break;
    default:
        cf_log(CF_LOG_ERROR, r->req->id, "msg=\"internal error\" what=%s rc=%s", what,
               cf_errname(rc));
        cf_api_error(r, 500, 20500, "Internal error (request %s)", r->req->id);
    }
}

/* ---- parameter readers ---- */

int cf_api_bool(struct cf_api_req *r, const struct cf_params *p, const char *name, bool *out,
                bool *present)
{
    const char *v = cf_params_get(p, name);
    if (present) *present = v != NULL;
    if (!v) return 0;
    if (cf_str_ieq(v, "true")) {
        *out = true;
    } else if (cf_str_ieq(v, "false")) {
        *out = false;
    } else {
        cf_api_error(r, 400, 10000, "%s must be true or false", name);
        return CF_EINVAL;
    }
    return 0;
}

int cf_api_int(struct cf_api_req *r, const struct cf_params *p, const char *name, int lo, int hi,
               int *out, bool *present)
{
    const char *v = cf_params_get(p, name);
    long n = 0;
    const char *s;
    if (present) *present = v != NULL;
    if (!v) return 0;
    s = v;
    if (*s == '-' || *s == '+') s++;
    if (!*s || strlen(s) > 9) goto bad;
    for (const char *q = s; *q; q++)
        if (*q < '0' || *q > '9') goto bad;
    for (const char *q = s; *q; q++) n = n * 10 + (*q - '0');
    if (*v == '-') n = -n;
    if (n < lo || n > hi) goto bad;
    *out = (int)n;
    return 0;
bad:
    cf_api_error(r, 400, 10000, "%s must be an integer from %d to %d", name, lo, hi);
    return CF_EINVAL;
}

int cf_api_word(struct cf_api_req *r, const struct cf_params *p, const char *name,
                const char *words, int *idx)
{
    const char *v = cf_params_get(p, name), *w = words;
    if (!v) return 0;
    for (int i = 0; *w; i++) {
        size_t k = strcspn(w, " ");
        if (strlen(v) == k && strncasecmp(v, w, k) == 0) {
            *idx = i;
            return 0;
        }
        w += k + (w[k] == ' ');
    }
    cf_api_error(r, 400, 10000, "%s must be one of: %s", name, words);
    return CF_EINVAL;
}

/* The authority's port, if it has one (after the host, or after a
 * bracketed IPv6 literal): 1..65535 in decimal digits. */
static bool port_ok(const char *host)
{
    size_t n = strcspn(host, "/?#");
    const char *at = memchr(host, '@', n), *colon;
    long port = 0;
    if (at) { /* user:password@ */
        n -= (size_t)(at + 1 - host);
        host = at + 1;
    }
    if (*host == '[') {
        const char *end = memchr(host, ']', n);
        if (!end) return false;
        n -= (size_t)(end + 1 - host);
        host = end + 1;
        if (n && *host != ':') return false;
    }
    colon = memchr(host, ':', n);
    if (!colon) return true;
    n -= (size_t)(colon + 1 - host);
    if (n == 0 || n > 5) return false;
    for (size_t i = 0; i < n; i++) {
        if (colon[1 + i] < '0' || colon[1 + i] > '9') return false;
        port = port * 10 + (colon[1 + i] - '0');
    }
    return port >= 1 && port <= 65535;
}

static bool is_http_url(const char *v)
{
    const char *host;
    if (strncasecmp(v, "http://", 7) == 0)
        host = v + 7;
    else if (strncasecmp(v, "https://", 8) == 0)
        host = v + 8;
    else
        return false;
    if (!*host || *host == '/' || *host == '?' || *host == '#' || *host == ':') return false;
    for (const char *q = v; *q; q++)
        if ((unsigned char)*q <= 0x20 || *q == 0x7f) return false;
    if (!port_ok(host)) return false;
    return strlen(v) <= CF_URL_MAX;
}

int cf_api_url(struct cf_api_req *r, const struct cf_params *p, const char *name,
               const char **out)
{
    const char *v = cf_params_get(p, name);
    if (!v) return 0;
    if (!is_http_url(v)) {
        cf_api_error(r, 400, 21402, "%s is not a valid absolute http or https URL", name);
        return CF_EINVAL;
    }
    *out = v;
    return 0;
}

int cf_api_method(struct cf_api_req *r, const struct cf_params *p, const char *name,
                  const char *dflt, const char **out)
{
    const char *v = cf_params_get(p, name);
    if (!v || !*v) {
        *out = dflt;
        return 0;
    }
    if (cf_str_ieq(v, "GET")) {
        *out = "GET";
    } else if (cf_str_ieq(v, "POST")) {
        *out = "POST";
    } else {
        cf_api_error(r, 400, 13221, "%s must be GET or POST", name);
        return CF_EINVAL;
    }
    return 0;
}

/* ---- auth ---- */

/* Checks the Basic credentials against the project's live tokens, or
 * against the cache of recently verified headers (cf_authcache.h). *st is
 * taken from the pool when the store is needed. */
static bool authenticate(struct cf_api_req *r, struct cf_store **st)
{
    const char *user = NULL, *pass = NULL;
    unsigned char hash[32];
    unsigned char (*hashes)[32];
    char cached[CF_UUID_SIZE];
    size_t n = 0;
    int64_t now = cf_time_monotonic_us();
    const char *hdr = r->req->authorization;
    if (r->api->auth_cache && cf_authcache_get(r->api->auth_cache, hdr, now, cached)) {
        if (strcmp(cached, r->route.account_sid) != 0) return false;
        user = cf_arena_strdup(r->a, cached);
        goto ok;
    }
    if (cf_auth_parse_basic(hdr, r->a, &user, &pass)) return false;
    if (!cf_id_is_uuid(user) || strcmp(user, r->route.account_sid) != 0) return false;
    hashes = cf_arena_alloc(r->a, MAX_TOKENS * sizeof *hashes);
    if (!*st) *st = cf_store_pool_get(r->api->pool);
    if ((*st)->ops->token_hashes(*st, user, hashes, MAX_TOKENS, &n)) return false;
    cf_auth_hash_token(pass, hash);
    if (!cf_auth_hash_match(hash, (const unsigned char(*)[32])hashes, n)) return false;
    if (r->api->auth_cache) cf_authcache_put(r->api->auth_cache, hdr, user, now);
ok:
    r->project_id = user;
    r->req->project_id = user;
    return true;
}

/* ---- idempotency ---- */

static void request_hash(const struct cf_req *req, unsigned char out[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int n = 32;
    if (!md) cf_panic("out of memory");
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    EVP_DigestUpdate(md, req->method_str, strlen(req->method_str));
    EVP_DigestUpdate(md, "\n", 1);
    EVP_DigestUpdate(md, req->path, req->path_len);
    EVP_DigestUpdate(md, "\n", 1);
    EVP_DigestUpdate(md, req->query, strlen(req->query));
    EVP_DigestUpdate(md, "\n", 1);
    EVP_DigestUpdate(md, req->body, req->body_len);
    EVP_DigestFinal_ex(md, out, &n);
    EVP_MD_CTX_free(md);
}

/* Claims the key for this request, or answers from its record. Returns
 * true when the response is written (a replay, a 422 for another body, a
 * 409 while the first request with the key still runs). A record whose
 * request never finished (the server died) is taken over after a minute. */
static bool idem_claim(struct cf_api_req *r, struct cf_store *st, const unsigned char h[32])
{
    struct cf_idem rec;
    const char *key = r->req->idempotency_key;
    int64_t now = cf_time_now_us();
    int rc;
    memcpy(rec.body_hash, h, 32);
    rec.created = now;
    for (int tries = 0; tries < 2; tries++) {
        if ((rc = st->ops->idem_reserve(st, r->project_id, key, &rec)) == 0) return false;
        if (rc != CF_EEXIST) break;
        rc = st->ops->idem_get(st, r->project_id, key, r->a, &rec);
        if (rc == CF_ENOTFOUND) continue; /* expired and swept meanwhile: claim again */
        if (rc) break;
        if (rec.created < now - IDEM_TTL_US ||
            (rec.status == 0 && rec.created < now - 60 * CF_USEC_PER_SEC)) {
            st->ops->idem_delete(st, r->project_id, key); /* expired or abandoned */
            memcpy(rec.body_hash, h, 32);
            rec.created = now;
            continue;
        }
        if (memcmp(rec.body_hash, h, 32) != 0) {
            cf_api_error(r, 422, 10000,
                         "Idempotency-Key '%s' was already used with a different request", key);
            return true;
        }
        if (rec.status == 0) {
            cf_api_error(r, 409, 10000,
                         "A request with Idempotency-Key '%s' is still being processed", key);
            return true;
        }
        cf_buf_reset(&r->resp->body);
        cf_buf_append(&r->resp->body, rec.response, rec.response_len);
        r->resp->status = rec.status;
        r->resp->extra_name = "Idempotent-Replayed";
        r->resp->extra_value = "true";
        return true;
    }
    cf_api_core_error(r, rc, NULL, "idempotency", NULL);
    return true;
}

static void idem_store(struct cf_api_req *r, struct cf_store *st, const unsigned char h[32])
{
    struct cf_idem rec;
    int status = r->resp->status;
    /* Server-side failures are not final: a retry must run again. */
    if (status >= 500 || status == 429) {
        st->ops->idem_delete(st, r->project_id, r->req->idempotency_key);
        return;
    }
    memcpy(rec.body_hash, h, 32);
    rec.status = status;
    rec.response = cf_buf_str(&r->resp->body);
    rec.response_len = r->resp->body.len;
    rec.created = cf_time_now_us();
    if (st->ops->idem_put(st, r->project_id, r->req->idempotency_key, &rec))
        cf_log(CF_LOG_WARN, r->req->id, "msg=\"idempotency record not stored\"");
}

/* ---- the handler ---- */

static int decode_params(struct cf_api_req *r)
{
    struct cf_err err = {0, ""};
    const char *ct = r->req->content_type;
    int rc;
    r->query.v = NULL;
    r->query.n = 0;
    r->params.v = NULL;
    r->params.n = 0;
    rc = cf_params_parse_form(r->req->query, strlen(r->req->query), r->a, &r->query, &err);
    if (!rc && r->req->method != CF_M_GET && r->req->method != CF_M_HEAD) {
        /* POST parameters: those of the query string, then the body's (which win) */
        r->params = r->query;
        if (ct && strncasecmp(ct, "multipart/", 10) == 0) {
            /* read as a form it would give junk names, all ignored: an
             * update that changed nothing, answered 200 */
            cf_api_error(r, 400, 10000,
                         "Content-Type multipart is not supported: send the parameters as "
                         "application/x-www-form-urlencoded or application/json");
            return CF_EINVAL;
        }
        if (ct && strncasecmp(ct, "application/json", 16) == 0)
            rc = cf_params_parse_json(r->req->body, r->req->body_len, r->a, &r->params, &err);
        else
            rc = cf_params_parse_form(r->req->body, r->req->body_len, r->a, &r->params, &err);
    }
    if (rc) {
        cf_api_error(r, 400, 10000, "%s", err.msg[0] ? err.msg : "Malformed parameters");
        return rc;
    }
    return 0;
}

static void health(struct cf_api *api, struct cf_req *req, struct cf_resp *resp);

const char *cf_api_route_name(int route)
{
    if (route == CF_ROUTE_HEALTH) return "health";
    if (route == CF_ROUTE_METRICS) return "metrics";
    return cf_route_name((enum cf_resource)route);
}

void cf_api_on_done(void *ud, const struct cf_req *req, int status, int64_t us)
{
    struct cf_api *api = ud;
    if (api->metrics) cf_metrics_request(api->metrics, req->route_id, status, us);
}

/* GET /metrics: the counters plus gauges read from the store now. */
static void metrics(struct cf_api *api, struct cf_req *req, struct cf_resp *resp)
{
    struct cf_store *st = cf_store_pool_get(api->pool);
    int64_t conf = 0, part = 0, pending = 0, failed = 0;
    int rc;
    req->route = "metrics";
    req->route_id = CF_ROUTE_METRICS;
    rc = st->ops->count_live(st, NULL, &conf, &part);
    if (!rc) rc = st->ops->outbox_pending_count(st, &pending);
    if (!rc) rc = st->ops->outbox_failed_count(st, &failed);
    cf_store_pool_put(api->pool, st);
    resp->status = 200;
    resp->content_type = "text/plain; version=0.0.4";
    if (api->metrics) cf_metrics_render(api->metrics, cf_api_route_name, &resp->body);
    cf_buf_printf(&resp->body,
                  "# HELP confab_live_conferences Conferences not completed.\n"
                  "# TYPE confab_live_conferences gauge\nconfab_live_conferences %lld\n"
                  "# HELP confab_live_participants Participants in a live conference.\n"
                  "# TYPE confab_live_participants gauge\nconfab_live_participants %lld\n"
                  "# HELP confab_outbox_pending Status callbacks waiting to be delivered.\n"
                  "# TYPE confab_outbox_pending gauge\nconfab_outbox_pending %lld\n"
                  "# HELP confab_outbox_failed Status callbacks given up.\n"
                  "# TYPE confab_outbox_failed gauge\nconfab_outbox_failed %lld\n"
                  "# HELP confab_store_up 1 when the store answered this scrape.\n"
                  "# TYPE confab_store_up gauge\nconfab_store_up %d\n",
                  (long long)conf, (long long)part, (long long)pending, (long long)failed, rc == 0);
    if (api->writer) {
        uint64_t batches, jobs;
        cf_writer_stats(api->writer, &batches, &jobs);
        cf_buf_printf(&resp->body,
                      "# HELP confab_write_transactions_total Write transactions (batches) committed"
                      " or failed.\n"
                      "# TYPE confab_write_transactions_total counter\n"
                      "confab_write_transactions_total %llu\n"
                      "# HELP confab_write_requests_total Write requests run in those transactions.\n"
                      "# TYPE confab_write_requests_total counter\nconfab_write_requests_total %llu\n"
                      "# HELP confab_write_batches_redone_total Batches run again with a savepoint"
                      " per request, because one request had writes to undo.\n"
                      "# TYPE confab_write_batches_redone_total counter\n"
                      "confab_write_batches_redone_total %llu\n",
                      (unsigned long long)batches, (unsigned long long)jobs,
                      (unsigned long long)cf_writer_redos(api->writer));
    }
    if (api->ckpt) {
        struct cf_store_ckpt_stats cs;
        cf_store_ckpt_stats(api->ckpt, &cs);
        cf_buf_printf(&resp->body,
                      "# HELP confab_checkpoints_total Checkpoints begun (WAL pages copied back"
                      " into the database file).\n"
                      "# TYPE confab_checkpoints_total counter\nconfab_checkpoints_total %llu\n"
                      "# HELP confab_checkpoint_locked_passes_total Checkpoints ended with the pass"
                      " under the write lock that lets the WAL start over (writes wait for it).\n"
                      "# TYPE confab_checkpoint_locked_passes_total counter\n"
                      "confab_checkpoint_locked_passes_total %llu\n"
                      "# HELP confab_checkpoint_pauses_total Pauses of the checkpointer between"
                      " the 256 KiB pieces it copies.\n"
                      "# TYPE confab_checkpoint_pauses_total counter\n"
                      "confab_checkpoint_pauses_total %llu\n",
                      (unsigned long long)cs.checkpoints, (unsigned long long)cs.locked,
                      (unsigned long long)cs.pauses);
    }
}

void cf_api_handle_ops(void *ud, struct cf_req *req, struct cf_resp *resp)
{
    struct cf_api *api = ud;
    if (strcmp(req->path, "/metrics") == 0) {
        metrics(api, req, resp);
    } else if (strcmp(req->path, "/health") == 0) {
        health(api, req, resp);
    } else {
        resp->status = 404;
        cf_buf_puts(&resp->body, "{\"code\":20404,\"message\":\"Not found\",\"more_info\":\"\",\"status\":404}");
    }
}

static void health(struct cf_api *api, struct cf_req *req, struct cf_resp *resp)
{
    struct cf_store *st = cf_store_pool_get(api->pool);
    struct cf_project p;
    int rc = st->ops->project_get(st, "00000000-0000-0000-0000-000000000000", &p);
    cf_store_pool_put(api->pool, st);
    req->route = "health";
    req->route_id = CF_ROUTE_HEALTH;
    if (rc == 0 || rc == CF_ENOTFOUND) {
        resp->status = 200;
        cf_buf_puts(&resp->body, "{\"status\":\"ok\",\"store\":\"ok\"}");
    } else {
        resp->status = 503;
        cf_buf_puts(&resp->body, "{\"status\":\"unavailable\",\"store\":\"error\"}");
    }
}

/* A write request on its way through the writer thread. Lives in the
 * request's arena, which the writer thread owns until the resume. */
struct write_job {
    struct cf_writer_job base;  /* must be first */
    struct cf_api_req r;
    const struct route_entry *hit;
    bool idem;
    unsigned char h[32];
    struct cf_core_after after;
    struct cf_http_pending *token;
    struct cf_resp resp0;       /* the response as handed over (write_reset) */
};

static int write_run(struct cf_writer_job *j, struct cf_store *st)
{
    struct write_job *w = (struct write_job *)j;
    struct cf_api_req *r = &w->r;
    r->core.st = st;
    if (w->idem && idem_claim(r, st, w->h)) return 0;
    w->hit->fn(r);
    if (w->idem) idem_store(r, st, w->h);
    return 0;
}

/* Before write_run runs again (cf_writer.c): the response as it was handed
 * over, keeping the body's memory, and no held-back effects (what they
 * allocated stays in the request's arena until it ends). */
static void write_reset(struct cf_writer_job *j)
{
    struct write_job *w = (struct write_job *)j;
    struct cf_resp *resp = w->r.resp;
    struct cf_buf body = resp->body;
    if (resp->fd >= 0 && resp->fd != w->resp0.fd) close(resp->fd);
    *resp = w->resp0;
    resp->body = body;
    cf_buf_reset(&resp->body);
    cf_core_after_finish(&w->r.core, false);
    w->r.core.kicked = false;
}

static void write_done(struct cf_writer_job *j, bool committed)
{
    struct write_job *w = (struct write_job *)j;
    if (!committed) {
        w->r.resp->extra_name = w->r.resp->extra_value = NULL;
        if (w->r.resp->fd >= 0) close(w->r.resp->fd);
        w->r.resp->fd = -1;
        cf_api_core_error(&w->r, CF_ESTORE, NULL, w->r.req->route, NULL);
    }
    cf_core_after_finish(&w->r.core, committed);
    cf_http_resume(w->token); /* the request (and w) may be gone after this */
}

static void write_defer(void *ud, struct cf_http_pending *token)
{
    struct write_job *w = ud;
    w->token = token;
    if (!cf_writer_submit(w->r.api->writer, &w->base)) write_done(&w->base, false); /* stopping */
}

/* Hands the request to the writer thread (resp->defer). */
static void defer_write(struct cf_api_req *r, const struct route_entry *hit, bool idem,
                        const unsigned char h[32])
{
    struct write_job *w = cf_arena_alloc(r->a, sizeof *w);
    memset(w, 0, sizeof *w);
    w->base.run = write_run;
    w->base.done = write_done;
    /* the use-case is its own savepoint; an Idempotency-Key's claim and
     * record must share one with it */
    w->base.own_tx = !idem;
    w->r = *r;
    w->hit = hit;
    w->idem = idem;
    if (idem) memcpy(w->h, h, 32);
    w->after.a = r->a;
    w->r.core.after = &w->after;
    w->r.core.st = NULL; /* the writer's, in write_run */
    r->resp->defer = write_defer;
    r->resp->defer_ud = w;
    w->base.reset = write_reset;
    w->resp0 = *r->resp;
}

void cf_api_handle(void *ud, struct cf_req *req, struct cf_resp *resp)
{
    struct cf_api *api = ud;
    struct cf_api_req r;
    struct cf_store *st = NULL;
    const struct route_entry *hit = NULL;
    bool any = false, idem = false;
    unsigned char h[32];
    enum cf_method m = req->method == CF_M_HEAD ? CF_M_GET : req->method;

    if (strcmp(req->path, "/health") == 0) {
        health(api, req, resp);
        return;
    }
    if (api->serve_metrics && strcmp(req->path, "/metrics") == 0) {
        metrics(api, req, resp);
        return;
    }
    memset(&r, 0, sizeof r);
    r.api = api;
    r.req = req;
    r.resp = resp;
    r.a = &req->arena;
    if (cf_route_match(req->path, req->path_len, r.a, &r.route)) {
        cf_api_error(&r, 404, 20404, "The requested resource %s was not found", req->path);
        return;
    }
    req->route = cf_route_name(r.route.res);
    req->route_id = (int)r.route.res;
    r.core.eng = api->eng;
    r.core.region = api->region;
    r.core.base_url = api->base_url;
    r.core.kick = api->kick;
    r.core.kick_ud = api->kick_ud;
    r.core.max_live_conferences = api->max_live_conferences;
    r.core.max_live_participants = api->max_live_participants;
    if (!authenticate(&r, &st)) {
        cf_api_error(&r, 401, 20003, "Authentication failed");
        goto out;
    }
    {
        int retry = 1;
        if (!cf_ratelimit_take(api->rl, r.project_id, cf_time_monotonic_us(), &retry)) {
            if (api->metrics)
                atomic_fetch_add_explicit(&api->metrics->rate_limited, 1, memory_order_relaxed);
            cf_api_error(&r, 429, 20429, "Too many requests for this project; retry in %d s",
                         retry);
            snprintf(resp->retry_after, sizeof resp->retry_after, "%d", retry);
            goto out;
        }
    }
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (routes[i].res != r.route.res) continue;
        any = true;
        if (routes[i].method == m) hit = &routes[i];
    }
    if (!hit) {
        if (any)
            cf_api_error(&r, 405, 20004, "Method %s is not allowed on %s", req->method_str,
                         req->path);
        else
            cf_api_error(&r, 404, 20404, "The requested resource %s was not found", req->path);
        goto out;
    }
    if (decode_params(&r)) goto out;
    if (req->idempotency_key && (m == CF_M_POST || m == CF_M_DELETE)) {
        if (!*req->idempotency_key || strlen(req->idempotency_key) > IDEM_KEY_MAX) {
            cf_api_error(&r, 400, 10000, "Idempotency-Key must be 1 to %d characters",
                         IDEM_KEY_MAX);
            goto out;
        }
        request_hash(req, h);
        idem = true;
    }
    if ((m == CF_M_POST || m == CF_M_DELETE) && api->writer) {
        defer_write(&r, hit, idem, h);
        goto out;
    }
    if (!st) st = cf_store_pool_get(api->pool);
    r.core.st = st;
    if (idem && idem_claim(&r, st, h)) goto out;
    hit->fn(&r);
    if (idem) idem_store(&r, st, h);
out:
    if (st) cf_store_pool_put(api->pool, st);
}
