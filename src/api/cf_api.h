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

#include "../engine/cf_engine.h"
#include "../http/cf_http.h"
#include "../store/cf_store.h"

struct cf_api {
    struct cf_store_pool *pool;  /* borrowed */
    struct cf_engine *eng;       /* borrowed */
    const char *region;          /* borrowed */
    const char *more_info;       /* borrowed: more_info URL of error bodies */
    const char *recordings_dir;  /* borrowed: where the engine writes recordings */
    const char *base_url;        /* borrowed: public URL of this server */
    void (*kick)(void *ud);      /* wakes the webhook worker after commits that queue work */
    void *kick_ud;
};

/* The cf_http_handler: ud is a struct cf_api. Worker thread. */
void cf_api_handle(void *ud, struct cf_req *req, struct cf_resp *resp);

#endif
