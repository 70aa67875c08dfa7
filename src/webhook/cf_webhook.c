/* SPDX-License-Identifier: MIT
 *
 * cf_webhook.c - the webhook worker (see cf_webhook.h).
 *
 * The loop: every 250 ms, or at once when kicked, it asks the store for
 * due events (only the oldest pending event of each delivery stream of a
 * conference is ever due, and a stream with a delivery in flight is
 * skipped, which is what keeps each stream in order: the conference's
 * status callbacks in SequenceNumber order, each call's progress callbacks,
 * the recording callbacks; one stream's failing receiver does not hold the
 * others) and for queued announcements, and starts a
 * transfer for each; then it lets libcurl run and handles what finished.
 * Results go back to the store at once; an event stays pending until a 2xx
 * (or until it is given up), so a crash at any point only repeats a
 * delivery, never loses one.
 *
 * HTTP redirects are followed here rather than by libcurl (follow()), one
 * transfer per hop, so that each hop is signed for its own URL and a POST's
 * parameters are not lost on the way.
 */
#include "cf_webhook.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <curl/curl.h>

#include "../base/cf_buf.h"
#include "../base/cf_id.h"
#include "../base/cf_log.h"
#include "../base/cf_mem.h"
#include "../base/cf_str.h"
#include "../base/cf_time.h"
#include "../base/cf_sched.h"
#include "../core/cf_core.h"
#include "../markup/cf_audio.h"
#include "../markup/cf_markup.h"
#include "cf_sign.h"

#define MAX_EVENTS_IN_FLIGHT 64
#define MAX_ANNS_IN_FLIGHT 16
#define SCAN_EVERY_US (250 * 1000)
#define EVENT_REPLY_CAP (64 * 1024)
#define MARKUP_CAP (1024 * 1024)
#define AUDIO_CAP (50 * 1024 * 1024)
#define MAX_HOPS 5          /* <Redirect> hops of an announcement's markup */
#define MAX_REDIRECTS 5     /* HTTP redirects of one request (part 0 "Fetch limits") */
#define MAX_ITEMS 100
#define ANNOUNCE_MAX_SECONDS 60.0
#define MAX_OUTCOMES (MAX_EVENTS_IN_FLIGHT + 2 * MAX_ANNS_IN_FLIGHT)
#define SPARE_HANDLES 16    /* finished libcurl handles kept for the next transfers */

enum job_kind { J_EVENT, J_FETCH, J_MEDIA };

struct ann;

struct job {
    struct job *next, *prev;    /* the worker's list of transfers in flight */
    enum job_kind kind;
    struct cf_webhook *w;
    CURL *easy;
    struct curl_slist *headers;
    struct cf_buf reply;        /* capped by kind */
    char *post;                 /* request body, owned */
    char *url;                  /* the URL asked for (signed), owned */
    int64_t started;            /* monotonic µs, at the first hop */
    char refused[64];           /* set when the guard refused the address */
    /* What each hop is built from (HTTP redirects are followed here, not by
     * libcurl: see follow()). */
    bool get;                   /* GET (params in the query), else POST (a form body) */
    char *params;               /* form-encoded parameters, owned; NULL = none */
    char key[65];               /* the project's signing key */
    int redirects;              /* HTTP redirects followed so far */
    const char *hop_error;      /* static: why a redirect was not followed, NULL = it was
                                   not one (too-many-redirects, timeout, fetch-failed) */
    struct cf_outbox_row ev;    /* J_EVENT: the event (params owned by arena) */
    struct cf_arena arena;
    struct ann *ann;            /* J_FETCH, J_MEDIA */
    size_t item;                /* J_MEDIA: which item to measure */
};

struct ann {
    struct cf_ann_row row;
    char key[65];               /* the project's signing key */
    char friendly_name[CF_NAME_MAX + 1];
    struct cf_participant p;    /* for a participant announcement */
    bool has_p;
    int hops;
    int inflight;               /* transfers still running */
    bool failed;
    char reason[64];
    struct cf_engine_play_item items[MAX_ITEMS];
    size_t n;
    struct cf_arena arena;      /* item strings */
};

/* What one finished transfer came to, waiting for the round's write. */
struct outcome {
    struct ann *a;                /* an announcement's outcome, or NULL: a delivery's */
    struct cf_outbox_result r;
    char error[160];              /* r.error points here when set */
};

struct cf_webhook {
    struct cf_webhook_opts opts;
    struct outcome outcomes[MAX_OUTCOMES]; /* this round's, written by flush() */
    int noutcomes;
    struct cf_store *st;
    struct cf_core core;
    CURLM *multi;
    pthread_t thread;
    bool joined;                /* the thread has been joined (cf_webhook_halt) */
    atomic_bool stopping;
    atomic_bool kicked;
    /* the streams with a delivery in flight; conf[0] == '\0': a free slot */
    struct {
        char conf[CF_UUID_SIZE];
        char stream[CF_UUID_SIZE];
    } inflight[MAX_EVENTS_IN_FLIGHT];
    int nevents;
    int nanns;
    struct job *jobs;           /* transfers in flight */
    unsigned rnd;               /* jitter state */
    /* libcurl handles of finished transfers, reset (curl_easy_reset): the
     * next transfers take them instead of making and freeing one each */
    CURL *spare[SPARE_HANDLES];
    int nspare;
    /* the signing key of the project last asked for, read once per scan
     * (so a rotated key is used from the next scan on) */
    char key_project[CF_UUID_SIZE];
    char key[65];
};

/* ---- small helpers ---- */

int64_t cf_webhook_backoff_us(int n, double rnd)
{
    double base = n <= 1 ? 1.0 : pow(2.0, n - 1);
    if (base > 300) base = 300;
    return (int64_t)(base * (0.75 + 0.5 * rnd) * 1e6);
}

static double jitter(struct cf_webhook *w)
{
    w->rnd = w->rnd * 1103515245u + 12345u;
    return (double)((w->rnd >> 8) & 0xffff) / 65536.0;
}

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    struct job *j = ud;
    if (cf_buf_append(&j->reply, p, size * n)) return 0; /* over its cap: abort */
    return size * n;
}

/* The guard, at the moment libcurl is about to connect to a resolved address. */
static curl_socket_t on_open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *addr)
{
    struct job *j = ud;
    (void)purpose;
    if (!cf_guard_allows(j->w->opts.guard, &addr->addr)) {
        cf_str_copy(j->refused, sizeof j->refused, cf_guard_reason(j->w->opts.guard, &addr->addr));
        return CURL_SOCKET_BAD;
    }
    return socket(addr->family, addr->socktype, addr->protocol);
}

static struct job *job_new(struct cf_webhook *w, enum job_kind kind, size_t cap)
{
    struct job *j = cf_calloc(1, sizeof *j);
    j->kind = kind;
    j->w = w;
    cf_buf_init(&j->reply, cap);
    cf_arena_init(&j->arena);
    return j;
}

/* Lets go of one hop's transfer: the handle, its headers, body, URL and
 * what it received. */
static void job_reset(struct job *j)
{
    if (j->easy) {
        struct cf_webhook *w = j->w;
        curl_multi_remove_handle(w->multi, j->easy);
        if (w->nspare < SPARE_HANDLES) {
            curl_easy_reset(j->easy); /* (holds no pointer to j any more) */
            w->spare[w->nspare++] = j->easy;
        } else {
            curl_easy_cleanup(j->easy);
        }
        j->easy = NULL;
    }
    curl_slist_free_all(j->headers);
    j->headers = NULL;
    cf_buf_reset(&j->reply);
    CF_FREE(j->post);
    CF_FREE(j->url);
    j->refused[0] = '\0';
}

static void job_free(struct job *j)
{
    if (!j) return;
    if (j->prev) j->prev->next = j->next;
    else if (j->w->jobs == j) j->w->jobs = j->next;
    if (j->next) j->next->prev = j->prev;
    job_reset(j);
    cf_buf_cleanup(&j->reply);
    cf_free(j->params);
    cf_arena_cleanup(&j->arena);
    cf_free(j);
}

/* Builds and adds one hop's transfer: a signed request for url with j's
 * method and parameters (GET: into the query; POST: a form body), within
 * what is left of the request's time. Copies url.
 *
 * The URL is requested without its fragment (libcurl would not send it
 * either, and a GET's parameters must go into the query, before it), and
 * signed without its userinfo, which libcurl sends as Basic credentials
 * instead (cf_sign_url): the signature covers the URL the receiver sees. */
static int job_request(struct job *j, const char *url)
{
    struct cf_webhook *w = j->w;
    char sig[CF_SIGN_LEN], hdr[80];
    const char *params = j->params;
    size_t ulen = strcspn(url, "#");
    int64_t left_ms = (int64_t)w->opts.timeout_s * 1000 -
                      (cf_time_monotonic_us() - j->started) / 1000;
    const char *signed_url;
    int rc;
    if (j->get && params && *params) {
        size_t len = ulen + strlen(params) + 2;
        j->url = cf_malloc(len);
        snprintf(j->url, len, "%.*s%c%s", (int)ulen, url, memchr(url, '?', ulen) ? '&' : '?',
                 params);
    } else {
        j->url = cf_strndup(url, ulen);
    }
    signed_url = cf_sign_url(j->url, &j->arena);
    if (j->get || !params)
        rc = cf_sign(j->key, signed_url, NULL, sig);
    else
        rc = cf_sign_form_body(j->key, signed_url, params, strlen(params), &j->arena, sig);
    if (rc) return rc;
    j->easy = w->nspare > 0 ? w->spare[--w->nspare] : curl_easy_init();
    if (!j->easy) return CF_ENOMEM;
    snprintf(hdr, sizeof hdr, "X-SignalWire-Signature: %s", sig);
    j->headers = curl_slist_append(j->headers, hdr);
    snprintf(hdr, sizeof hdr, "X-Twilio-Signature: %s", sig);
    j->headers = curl_slist_append(j->headers, hdr);
    j->headers = curl_slist_append(j->headers, "Expect:");
    if (!j->get) {
        j->post = cf_strdup(params ? params : "");
        j->headers = curl_slist_append(j->headers,
                                       "Content-Type: application/x-www-form-urlencoded");
        curl_easy_setopt(j->easy, CURLOPT_POSTFIELDS, j->post);
        curl_easy_setopt(j->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(j->post));
    }
    if (left_ms < 1) left_ms = 1;
    curl_easy_setopt(j->easy, CURLOPT_URL, j->url);
    curl_easy_setopt(j->easy, CURLOPT_HTTPHEADER, j->headers);
    curl_easy_setopt(j->easy, CURLOPT_USERAGENT, w->opts.user_agent);
    curl_easy_setopt(j->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    /* Redirects are followed by follow(), one signed hop at a time. */
    curl_easy_setopt(j->easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(j->easy, CURLOPT_CONNECTTIMEOUT_MS, left_ms < 10000 ? (long)left_ms : 10000L);
    curl_easy_setopt(j->easy, CURLOPT_TIMEOUT_MS, (long)left_ms);
    curl_easy_setopt(j->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(j->easy, CURLOPT_PROXY, "");
    curl_easy_setopt(j->easy, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(j->easy, CURLOPT_OPENSOCKETDATA, j);
    curl_easy_setopt(j->easy, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(j->easy, CURLOPT_WRITEDATA, j);
    curl_easy_setopt(j->easy, CURLOPT_PRIVATE, j);
    if (curl_multi_add_handle(w->multi, j->easy) != CURLM_OK) return CF_ESYS;
    return 0;
}

/* Starts a signed request: method GET (params go into the query) or POST
 * (a form body), and puts the job on the worker's list. Takes nothing;
 * copies url, params and key. */
static int job_start(struct job *j, const char *url, const char *method, const char *params,
                     const char *key)
{
    struct cf_webhook *w = j->w;
    int rc;
    j->get = method && strcmp(method, "GET") == 0;
    j->params = params ? cf_strdup(params) : NULL;
    cf_str_copy(j->key, sizeof j->key, key);
    j->started = cf_time_monotonic_us();
    if ((rc = job_request(j, url))) return rc;
    j->next = w->jobs;
    if (w->jobs) w->jobs->prev = j;
    w->jobs = j;
    return 0;
}

/* A finished hop that answered a redirect (301, 302, 303, 307, 308 with a
 * Location) becomes the next hop, signed for its own URL: 307 and 308 keep
 * the method and the body; 301, 302 and 303 turn a POST into a GET (RFC
 * 9110 §15.4, what HTTP clients do), which carries the parameters in its
 * query like any GET request of ours; a GET follows the Location as given.
 * Credentials travel only in a URL: a relative Location keeps the
 * current URL's userinfo (libcurl resolves it against that URL), an absolute
 * one has its own or none. At most MAX_REDIRECTS, within the request's time.
 *
 * Returns true when the job goes on with the next hop; false when this hop's
 * answer is the request's outcome, with j->hop_error set when it was a
 * redirect that could not be followed. */
static bool follow(struct job *j, CURLcode res)
{
    long http = 0;
    char *loc = NULL, *next;
    int rc;
    if (res != CURLE_OK || j->refused[0] || !j->easy) return false;
    curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &http);
    if (http != 301 && http != 302 && http != 303 && http != 307 && http != 308) return false;
    if (curl_easy_getinfo(j->easy, CURLINFO_REDIRECT_URL, &loc) != CURLE_OK || !loc) return false;
    if (j->redirects == MAX_REDIRECTS) {
        j->hop_error = "too-many-redirects";
        return false;
    }
    if (cf_time_monotonic_us() - j->started >= (int64_t)j->w->opts.timeout_s * 1000000) {
        j->hop_error = "timeout";
        return false;
    }
    next = cf_strdup(loc); /* loc belongs to the handle job_reset frees */
    j->redirects++;
    if (j->get)
        CF_FREE(j->params); /* they were in the query; the Location replaces it */
    else if (http != 307 && http != 308)
        j->get = true;      /* the parameters go into the new URL's query */
    job_reset(j);
    rc = job_request(j, next);
    cf_free(next);
    if (rc) {
        j->hop_error = "fetch-failed";
        return false;
    }
    return true;
}

static bool get_key(struct cf_webhook *w, const char *project_id, char key[65])
{
    struct cf_project p;
    if (!w->key_project[0] || strcmp(w->key_project, project_id) != 0) {
        if (w->st->ops->project_get(w->st, project_id, &p)) return false;
        memcpy(w->key, p.signing_key, 65);
        cf_str_copy(w->key_project, sizeof w->key_project, project_id);
    }
    memcpy(key, w->key, 65);
    return true;
}

/* ---- status callbacks ---- */

/* Whether ev's stream (conference and stream) has a delivery in flight. */
static bool stream_in_flight(struct cf_webhook *w, const struct cf_outbox_row *ev)
{
    for (int i = 0; i < MAX_EVENTS_IN_FLIGHT; i++)
        if (w->inflight[i].conf[0] && strcmp(w->inflight[i].conf, ev->conference_sid) == 0 &&
            strcmp(w->inflight[i].stream, ev->stream) == 0)
            return true;
    return false;
}

static void stream_mark(struct cf_webhook *w, const struct cf_outbox_row *ev, bool on)
{
    for (int i = 0; i < MAX_EVENTS_IN_FLIGHT; i++) {
        if (on && !w->inflight[i].conf[0]) {
            memcpy(w->inflight[i].conf, ev->conference_sid, CF_UUID_SIZE);
            memcpy(w->inflight[i].stream, ev->stream, CF_UUID_SIZE);
            return;
        }
        if (!on && w->inflight[i].conf[0] && strcmp(w->inflight[i].conf, ev->conference_sid) == 0 &&
            strcmp(w->inflight[i].stream, ev->stream) == 0) {
            w->inflight[i].conf[0] = '\0';
            return;
        }
    }
}

/* ---- outcomes: written once per round, in the writer's batch ---- */

static void flush(struct cf_webhook *w);
static void ann_free(struct ann *a);

static void apply(struct cf_core *c, struct outcome *o)
{
    int rc;
    if (!o->a) {
        if (c->st->ops->outbox_result(c->st, &o->r))
            cf_log(CF_LOG_ERROR, NULL, "msg=\"cannot record a delivery\" id=%lld",
                   (long long)o->r.id);
        return;
    }
    if (o->a->failed)
        rc = cf_core_announcement_failed(c, o->a->row.an.sid, o->a->reason);
    else
        rc = cf_core_announcement_play(c, &o->a->row, o->a->items, o->a->n, ANNOUNCE_MAX_SECONDS);
    if (rc)
        cf_log(CF_LOG_ERROR, NULL, "msg=\"announcement outcome not recorded\" announcement=%s "
               "rc=%s", o->a->row.an.sid, cf_errname(rc));
}

static struct outcome *add_outcome(struct cf_webhook *w)
{
    struct outcome *o;
    if (w->noutcomes == MAX_OUTCOMES) flush(w);
    o = &w->outcomes[w->noutcomes++];
    memset(o, 0, sizeof *o);
    return o;
}

static void add_result(struct cf_webhook *w, const struct cf_outbox_result *r)
{
    struct outcome *o = add_outcome(w);
    o->r = *r;
    if (r->error) {
        cf_str_copy(o->error, sizeof o->error, r->error);
        o->r.error = o->error;
    }
}

/* The round's outcomes as one writer job; the worker waits for it. */
struct flush_job {
    struct cf_writer_job base; /* must be first */
    struct cf_webhook *w;
    struct cf_core core;
    struct cf_core_after after;
    struct cf_arena a;
};

static int flush_run(struct cf_writer_job *j, struct cf_store *st)
{
    struct flush_job *f = (struct flush_job *)j;
    f->core.st = st;
    for (int i = 0; i < f->w->noutcomes; i++) apply(&f->core, &f->w->outcomes[i]);
    return 0;
}

static void flush_done(struct cf_writer_job *j, bool committed)
{
    struct flush_job *f = (struct flush_job *)j;
    if (!committed)
        cf_log(CF_LOG_ERROR, NULL, "msg=\"webhook outcomes not stored\" n=%d", f->w->noutcomes);
    cf_core_after_finish(&f->core, committed);
}

/* Writes the round's outcomes (through the writer when there is one), then
 * lets the announcements go. Each outcome is its own use-case (savepoint). */
static void flush(struct cf_webhook *w)
{
    struct flush_job f;
    bool queued = false;
    if (w->noutcomes == 0) return;
    if (w->opts.writer) {
        memset(&f, 0, sizeof f);
        f.base.run = flush_run;
        f.base.done = flush_done;
        f.base.own_tx = true;
        f.w = w;
        f.core = w->core;
        cf_arena_init(&f.a);
        f.after.a = &f.a;
        f.core.after = &f.after;
        queued = cf_writer_call(w->opts.writer, &f.base);
        cf_arena_cleanup(&f.a);
    }
    if (!queued) /* no writer, or it has stopped: on our own connection */
        for (int i = 0; i < w->noutcomes; i++) apply(&w->core, &w->outcomes[i]);
    for (int i = 0; i < w->noutcomes; i++) {
        if (w->outcomes[i].a) {
            w->nanns--;
            ann_free(w->outcomes[i].a);
        }
    }
    w->noutcomes = 0;
}

static void record_result(struct cf_webhook *w, struct job *j, int http, const char *error)
{
    struct cf_outbox_result r;
    int64_t now = cf_time_now_us();
    bool ok = http >= 200 && http < 300 && !error;
    memset(&r, 0, sizeof r);
    r.id = j->ev.id;
    r.attempts = j->ev.attempts + 1;
    r.http_status = http;
    r.error = error;
    r.at = now;
    r.latency_us = cf_time_monotonic_us() - j->started;
    if (ok) {
        r.state = "delivered";
        r.next_attempt_at = now;
    } else if (now - j->ev.created > (int64_t)w->opts.retry_for_s * CF_USEC_PER_SEC) {
        r.state = "failed";
        r.next_attempt_at = now;
    } else {
        r.state = "pending";
        r.next_attempt_at = now + cf_webhook_backoff_us(r.attempts, jitter(w));
    }
    if (w->opts.metrics)
        atomic_fetch_add_explicit(ok ? &w->opts.metrics->deliveries_ok
                                     : strcmp(r.state, "failed") == 0
                                           ? &w->opts.metrics->deliveries_given_up
                                           : &w->opts.metrics->deliveries_failed,
                                  1, memory_order_relaxed);
    add_result(w, &r);
    cf_log(ok ? CF_LOG_INFO : CF_LOG_WARN, NULL,
           "msg=webhook event=%s name=%s conference=%s seq=%lld attempt=%d status=%d state=%s%s%s",
           j->ev.sid, j->ev.name, j->ev.conference_sid, (long long)j->ev.seq, r.attempts, http,
           r.state, error ? " error=" : "", error ? error : "");
}

static void start_event(struct cf_webhook *w, const struct cf_outbox_row *ev)
{
    struct job *j = job_new(w, J_EVENT, EVENT_REPLY_CAP);
    char key[65];
    j->ev = *ev;
    j->ev.params = cf_arena_strdup(&j->arena, ev->params);
    stream_mark(w, ev, true);
    w->nevents++;
    if (!get_key(w, ev->project_id, key) || job_start(j, ev->url, ev->method, j->ev.params, key)) {
        record_result(w, j, 0, "cannot start the request");
        stream_mark(w, ev, false);
        w->nevents--;
        job_free(j);
    }
}

static void finish_event(struct cf_webhook *w, struct job *j, CURLcode res)
{
    long http = 0;
    char err[160];
    if (j->easy) curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &http);
    if (j->hop_error) {
        snprintf(err, sizeof err, "redirect not followed: %s", j->hop_error);
        record_result(w, j, (int)http, err);
    } else if (j->refused[0]) {
        snprintf(err, sizeof err, "address refused: %s", j->refused);
        record_result(w, j, 0, err);
    } else if (res != CURLE_OK) {
        snprintf(err, sizeof err, "%s", curl_easy_strerror(res));
        record_result(w, j, (int)http, err);
    } else {
        record_result(w, j, (int)http, http >= 200 && http < 300 ? NULL : "non-2xx reply");
    }
    stream_mark(w, &j->ev, false);
    w->nevents--;
    atomic_store(&w->kicked, true); /* the stream's next event may be due now */
}

/* ---- announcements ---- */

static void ann_fail(struct ann *a, const char *reason)
{
    if (a->failed) return;
    a->failed = true;
    cf_str_copy(a->reason, sizeof a->reason, reason);
}

static void ann_free(struct ann *a)
{
    cf_arena_cleanup(&a->arena);
    cf_free(a);
}

/* The announcement's request parameters (part 0 "Announcements"). */
static char *ann_params(const struct ann *a)
{
    struct cf_buf b;
    cf_buf_init(&b, 64 * 1024);
    cf_str_form_add(&b, "AccountSid", a->row.an.project_id);
    cf_str_form_add(&b, "ApiVersion", "2010-04-01");
    cf_str_form_add(&b, "ConferenceSid", a->row.an.conference_sid);
    cf_str_form_add(&b, "FriendlyName", a->friendly_name);
    if (a->has_p) {
        cf_str_form_add(&b, "CallSid", a->p.call_sid);
        cf_str_form_add(&b, "CallStatus", cf_part_is_live(a->p.status)
                                              ? cf_part_status_str(a->p.status) : a->p.call_status);
        cf_str_form_add(&b, "Direction", "outbound-api");
        cf_str_form_add(&b, "From", a->p.from);
        cf_str_form_add(&b, "To", a->p.to);
    }
    return cf_buf_take(&b, NULL);
}

static void start_ann_job(struct cf_webhook *w, struct ann *a, enum job_kind kind, const char *url,
                          const char *method, size_t item)
{
    /* A fetch's reply may itself be audio, so both kinds take the audio cap;
     * markup is held to MARKUP_CAP once it has arrived (finish_fetch). */
    struct job *j = job_new(w, kind, AUDIO_CAP);
    char *params = kind == J_FETCH ? ann_params(a) : NULL;
    j->ann = a;
    j->item = item;
    a->inflight++;
    if (job_start(j, url, kind == J_FETCH ? method : "GET", params, a->key)) {
        ann_fail(a, "fetch-failed");
        a->inflight--;
        job_free(j);
    }
    cf_free(params);
}

static void ann_add(struct ann *a, enum cf_engine_play_kind kind, const char *url,
                    const char *text, int loop, double seconds, const char *voice,
                    const char *language)
{
    struct cf_engine_play_item *it;
    if (a->n == MAX_ITEMS) {
        ann_fail(a, "too-many-items");
        return;
    }
    it = &a->items[a->n++];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->url = url ? cf_arena_strdup(&a->arena, url) : NULL;
    it->text = text ? cf_arena_strdup(&a->arena, text) : NULL;
    if (voice) cf_str_copy(it->voice, sizeof it->voice, voice);
    if (language) cf_str_copy(it->language, sizeof it->language, language);
    it->loop = loop;
    it->seconds = seconds;
}

static bool is_audio(const char *ct)
{
    return ct && strncasecmp(ct, "audio/", 6) == 0;
}

static void finish_fetch(struct cf_webhook *w, struct job *j, CURLcode res)
{
    struct ann *a = j->ann;
    long http = 0;
    char *ct = NULL, *eff = NULL;
    if (a->failed) return;
    if (j->hop_error) {
        ann_fail(a, j->hop_error);
        return;
    }
    curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &http);
    curl_easy_getinfo(j->easy, CURLINFO_CONTENT_TYPE, &ct);
    curl_easy_getinfo(j->easy, CURLINFO_EFFECTIVE_URL, &eff);
    if (j->refused[0]) {
        ann_fail(a, "address-refused");
    } else if (res != CURLE_OK) {
        ann_fail(a, res == CURLE_OPERATION_TIMEDOUT ? "timeout"
                    : res == CURLE_WRITE_ERROR ? "too-large" : "fetch-failed");
    } else if (http < 200 || http > 299) {
        char r[32];
        snprintf(r, sizeof r, "http-%ld", http);
        ann_fail(a, r);
    } else if (j->kind == J_MEDIA) {
        double secs;
        if (cf_audio_duration((const unsigned char *)cf_buf_str(&j->reply), j->reply.len, ct, &secs))
            ann_fail(a, "unsupported-media");
        else
            a->items[j->item].seconds = secs;
    } else if (is_audio(ct)) {
        double secs;
        if (cf_audio_duration((const unsigned char *)cf_buf_str(&j->reply), j->reply.len, ct, &secs))
            ann_fail(a, "unsupported-media");
        else
            ann_add(a, CF_EPLAY_AUDIO, eff ? eff : j->url, NULL, 1, secs, NULL, NULL);
    } else if (j->reply.len > MARKUP_CAP) {
        ann_fail(a, "markup-too-large");
    } else {
        struct cf_markup_limits lim;
        struct cf_playlist pl;
        struct cf_err err = {0, ""};
        struct cf_arena tmp;
        cf_markup_limits_default(&lim);
        cf_arena_init(&tmp);
        if (cf_markup_parse(cf_buf_str(&j->reply), j->reply.len, eff ? eff : j->url, &lim, &tmp,
                            &pl, &err)) {
            cf_log(CF_LOG_WARN, NULL, "msg=\"announcement markup rejected\" announcement=%s "
                   "detail=\"%s\"", a->row.an.sid, err.msg);
            ann_fail(a, "invalid-markup");
        } else {
            if (pl.skipped)
                cf_log(CF_LOG_WARN, NULL, "msg=\"markup verbs skipped\" code=13238 "
                       "announcement=%s skipped=%d", a->row.an.sid, pl.skipped);
            for (size_t i = 0; i < pl.n && !a->failed; i++) {
                const struct cf_play_item *it = &pl.items[i];
                if (it->kind == CF_PLAY_AUDIO) {
                    ann_add(a, CF_EPLAY_AUDIO, it->text, NULL, it->loop, 0, NULL, NULL);
                    if (!a->failed) start_ann_job(w, a, J_MEDIA, it->text, "GET", a->n - 1);
                } else if (it->kind == CF_PLAY_SAY) {
                    ann_add(a, CF_EPLAY_SAY, NULL, it->text, it->loop,
                            cf_markup_say_seconds(it->text), it->voice, it->language);
                } else {
                    ann_add(a, CF_EPLAY_PAUSE, NULL, NULL, 1, it->pause_s, NULL, NULL);
                }
            }
            if (pl.redirect_url && !a->failed) {
                if (++a->hops > MAX_HOPS)
                    ann_fail(a, "too-many-redirects");
                else
                    start_ann_job(w, a, J_FETCH, pl.redirect_url, pl.redirect_method, 0);
            }
        }
        cf_arena_cleanup(&tmp);
    }
}

/* Called when an announcement's last transfer has finished: its outcome
 * is written with the round's (flush), which then frees it. */
static void ann_done(struct cf_webhook *w, struct ann *a)
{
    add_outcome(w)->a = a;
}

static void start_ann(struct cf_webhook *w, const struct cf_ann_row *row)
{
    struct ann *a = cf_calloc(1, sizeof *a);
    struct cf_conference conf;
    a->row = *row;
    cf_arena_init(&a->arena);
    w->nanns++;
    if (!get_key(w, row->an.project_id, a->key) ||
        w->st->ops->conf_get(w->st, row->an.project_id, row->an.conference_sid, &conf)) {
        ann_fail(a, "conference-gone");
        ann_done(w, a);
        return;
    }
    memcpy(a->friendly_name, conf.friendly_name, sizeof a->friendly_name);
    if (row->an.call_sid[0] &&
        w->st->ops->part_get(w->st, row->an.project_id, conf.sid, row->an.call_sid, true, &a->p) == 0)
        a->has_p = true;
    start_ann_job(w, a, J_FETCH, row->an.url, row->an.method, 0);
    if (a->inflight == 0) ann_done(w, a);
}

/* ---- claims ---- */

/* Claiming queued announcements writes (marks them fetching). Through the
 * writer (cf_writer_call), like the round's outcomes: a commit on this thread's own
 * connection would make the writer's next transaction find the database
 * changed by another connection and drop its whole page cache (SQLite
 * does), to read it all again (16 % of the conference-update bench row
 * was the writer's preads). */
struct claim_job {
    struct cf_writer_job base; /* must be first */
    size_t max;
    struct cf_arena *a;
    struct cf_ann_row *rows;
    size_t n;
    int rc;
};

static int claim_run(struct cf_writer_job *j, struct cf_store *st)
{
    struct claim_job *c = (struct claim_job *)j;
    c->rc = st->ops->ann_claim(st, c->max, c->a, &c->rows, &c->n);
    return c->rc;
}

static void claim_done(struct cf_writer_job *j, bool committed)
{
    struct claim_job *c = (struct claim_job *)j;
    if (!committed && !c->rc) c->rc = CF_ESTORE; /* not marked: they stay queued */
}

static int claim(struct cf_webhook *w, size_t max, struct cf_arena *a, struct cf_ann_row **rows,
                 size_t *n)
{
    struct claim_job c;
    memset(&c, 0, sizeof c);
    c.base.run = claim_run;
    c.base.done = claim_done;
    c.base.own_tx = true; /* ann_claim opens its own (a savepoint in the batch) */
    c.max = max;
    c.a = a;
    if (!w->opts.writer || !cf_writer_call(w->opts.writer, &c.base))
        return w->st->ops->ann_claim(w->st, max, a, rows, n); /* no writer (any more) */
    *rows = c.rows;
    *n = c.rc ? 0 : c.n;
    return c.rc;
}

/* ---- the loop ---- */

static void scan(struct cf_webhook *w)
{
    struct cf_arena a;
    struct cf_outbox_row *rows = NULL;
    struct cf_ann_row *anns = NULL;
    size_t n = 0;
    cf_arena_init(&a);
    w->key_project[0] = '\0'; /* the keys as they are now */
    if (w->nevents < MAX_EVENTS_IN_FLIGHT &&
        w->st->ops->outbox_due(w->st, cf_time_now_us(),
                               (size_t)(MAX_EVENTS_IN_FLIGHT - w->nevents) * 2, &a, &rows, &n) == 0) {
        for (size_t i = 0; i < n && w->nevents < MAX_EVENTS_IN_FLIGHT; i++)
            if (!stream_in_flight(w, &rows[i])) start_event(w, &rows[i]);
    }
    if (w->nanns < MAX_ANNS_IN_FLIGHT &&
        claim(w, (size_t)(MAX_ANNS_IN_FLIGHT - w->nanns), &a, &anns, &n) == 0) {
        for (size_t i = 0; i < n; i++) start_ann(w, &anns[i]);
    }
    cf_arena_cleanup(&a);
    flush(w); /* announcements that failed at once */
}

static void reap(struct cf_webhook *w)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(w->multi, &left))) {
        struct job *j = NULL;
        if (m->msg != CURLMSG_DONE) continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
        if (!j) continue;
        if (follow(j, m->data.result)) continue; /* the next hop of a redirect */
        if (j->kind == J_EVENT) {
            finish_event(w, j, m->data.result);
        } else {
            struct ann *a = j->ann;
            finish_fetch(w, j, m->data.result);
            a->inflight--;
            if (a->inflight == 0) ann_done(w, a);
        }
        job_free(j);
    }
    flush(w);
}

static void *run(void *arg)
{
    struct cf_webhook *w = arg;
    int64_t next_scan = 0;
    cf_sched_name_self("cf-webhook");
    while (!atomic_load(&w->stopping)) {
        int running = 0, timeout_ms;
        int64_t now = cf_time_monotonic_us();
        if (atomic_exchange(&w->kicked, false) || now >= next_scan) {
            scan(w);
            next_scan = now + SCAN_EVERY_US;
        }
        curl_multi_perform(w->multi, &running);
        reap(w);
        timeout_ms = (int)((next_scan - cf_time_monotonic_us()) / 1000);
        if (timeout_ms < 1) timeout_ms = 1;
        if (timeout_ms > 250) timeout_ms = 250;
        if (atomic_load(&w->kicked)) timeout_ms = 0; /* a delivery finished: next one now */
        curl_multi_poll(w->multi, NULL, 0, timeout_ms, NULL);
    }
    return NULL;
}

void cf_webhook_kick(void *ud)
{
    struct cf_webhook *w = ud;
    if (!w) return;
    /* Already kicked and not yet seen: the loop scans at its next turn,
     * after this caller's commit, without another wakeup. Under a load of
     * writes the writer kicks once per job; only a kick the thread has not
     * seen yet costs a write to libcurl's wakeup socket. */
    if (atomic_exchange(&w->kicked, true)) return;
    curl_multi_wakeup(w->multi);
}

int cf_webhook_start(const struct cf_webhook_opts *opts, struct cf_webhook **out,
                     struct cf_err *err)
{
    struct cf_webhook *w = cf_calloc(1, sizeof *w);
    unsigned char seed[4];
    int rc;
    w->opts = *opts;
    if ((rc = cf_store_open(&opts->store, false, &w->st, err))) {
        cf_free(w);
        return rc;
    }
    w->core.st = w->st;
    w->core.eng = opts->eng;
    w->core.region = opts->region;
    w->core.base_url = opts->base_url;
    w->core.kick = cf_webhook_kick;
    w->core.kick_ud = w;
    if (cf_id_random(seed, sizeof seed) == 0)
        w->rnd = (unsigned)seed[0] | (unsigned)seed[1] << 8 | (unsigned)seed[2] << 16 |
                 (unsigned)seed[3] << 24;
    w->multi = curl_multi_init();
    if (!w->multi) {
        w->st->ops->close(w->st);
        cf_free(w);
        return cf_err_set(err, CF_ENOMEM, "cannot start libcurl");
    }
    curl_multi_setopt(w->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 64L);
    if (cf_core_recover(&w->core))
        cf_log(CF_LOG_WARN, NULL, "msg=\"could not recover interrupted announcements\"");
    if (pthread_create(&w->thread, NULL, run, w) != 0) {
        curl_multi_cleanup(w->multi);
        w->st->ops->close(w->st);
        cf_free(w);
        return cf_err_set(err, CF_ESYS, "cannot start the webhook thread");
    }
    *out = w;
    return 0;
}

void cf_webhook_halt(struct cf_webhook *w)
{
    if (!w || w->joined) return;
    atomic_store(&w->stopping, true);
    curl_multi_wakeup(w->multi);
    pthread_join(w->thread, NULL);
    w->joined = true;
}

void cf_webhook_stop(struct cf_webhook *w)
{
    if (!w) return;
    cf_webhook_halt(w);
    /* abandon what is in flight: events stay pending for the next run, and
     * announcements being fetched are fetched again (cf_core_recover) */
    while (w->jobs) {
        struct job *j = w->jobs;
        if (j->kind != J_EVENT && j->ann && --j->ann->inflight == 0) ann_free(j->ann);
        job_free(j);
    }
    while (w->nspare > 0) curl_easy_cleanup(w->spare[--w->nspare]);
    curl_multi_cleanup(w->multi);
    w->st->ops->close(w->st);
    cf_free(w);
}
