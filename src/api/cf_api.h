/* SPDX-License-Identifier: MIT
 *
 * cf_api.h - the REST API: one handler that the HTTP listener calls for
 * every request. It matches the route, authenticates the project,
 * enforces methods, decodes parameters, replays Idempotency-Key responses,
 * and calls the resource's handler (one file per resource), which turns
 * parameters into a typed request for one core use-case and writes the
 * JSON (or the Twilio-shaped error) back.
 */
#ifndef CF_API_H
#define CF_API_H

#include <stdbool.h>

#include "../base/cf_metrics.h"
#include "../engine/cf_engine.h"
#include "cf_ratelimit.h"
#include "../http/cf_http.h"
#include "../store/cf_store.h"

struct cf_writer;
struct cf_authcache;

struct cf_api {
    struct cf_store_pool *pool;  /* borrowed: connections for reads */
    struct cf_writer *writer;    /* borrowed: runs the writes; NULL = on the worker */
    struct cf_store_ckpt *ckpt;  /* borrowed, may be NULL: the checkpointer, for /metrics */
    struct cf_engine *eng;       /* borrowed */
    const char *region;          /* borrowed */
    const char *more_info;       /* borrowed: more_info URL of error bodies */
    const char *recordings_dir;  /* borrowed: where the engine writes recordings */
    const char *base_url;        /* borrowed: public URL of this server */
    void (*kick)(void *ud);      /* wakes the webhook worker after commits that queue work */
    void *kick_ud;
    struct cf_metrics *metrics;  /* borrowed */
    struct cf_ratelimit *rl;     /* borrowed: per-project request rate */
    struct cf_authcache *auth_cache; /* borrowed, may be NULL: verified credentials */
    int max_live_conferences;    /* per project caps, 0 = none */
    int max_live_participants;
    bool serve_metrics;          /* answer GET /metrics on this listener */
};

/* Route ids beyond the API's resources, for metrics. */
enum { CF_ROUTE_HEALTH = 14, CF_ROUTE_METRICS = 15 };
/* Name of a route id (for the metrics' route label). */
const char *cf_api_route_name(int route);
/* The listener's on_done: counts the request in metrics (ud: struct cf_api). */
void cf_api_on_done(void *ud, const struct cf_req *req, int status, int64_t us);
/* A handler for a separate metrics listener: /metrics and /health only. */
void cf_api_handle_ops(void *ud, struct cf_req *req, struct cf_resp *resp);

/* The cf_http_handler: ud is a struct cf_api. Worker thread. */
void cf_api_handle(void *ud, struct cf_req *req, struct cf_resp *resp);

#endif
