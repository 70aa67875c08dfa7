/* SPDX-License-Identifier: MIT
 *
 * cf_http.h - the HTTP listener (libmicrohttpd) and the request/response
 * objects handlers see.
 *
 * The listener runs a pool of worker threads with keep-alive; each request
 * is read completely (headers capped by max_header, body by max_body: a
 * larger declared body gets 413 before it is read) and then handed to ONE
 * handler call on the worker thread, which fills a struct cf_resp. The
 * handler may read the store but never waits on the outside world. A
 * handler that hands the request to another thread (a write, to the writer
 * thread) sets resp->defer instead: the connection is then suspended, the
 * worker goes on serving others, and whoever finishes the response calls
 * cf_http_resume. Everything in a request comes from its arena and is
 * freed when the response has been sent.
 */
#ifndef CF_HTTP_H
#define CF_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/cf_arena.h"
#include "../base/cf_buf.h"
#include "../base/cf_err.h"

enum cf_method { CF_M_GET, CF_M_POST, CF_M_DELETE, CF_M_PUT, CF_M_PATCH, CF_M_HEAD, CF_M_OTHER };

struct cf_http_pending;

struct cf_req {
    struct cf_arena arena;      /* owns every pointer below */
    char id[20];                /* request id for logs and X-Request-Id */
    enum cf_method method;
    const char *method_str;
    const char *path;           /* raw path, before percent-decoding, without the query */
    size_t path_len;
    const char *query;          /* raw query after '?', or "" */
    const char *content_type;   /* or NULL */
    const char *authorization;  /* or NULL */
    const char *idempotency_key;/* or NULL */
    const char *body;           /* NUL-terminated, or "" */
    size_t body_len;
    int64_t start_us;           /* monotonic */
    const char *project_id;     /* set by the handler once authenticated, for the access log */
    const char *route;          /* set by the handler, for the access log */
    int route_id;               /* set by the handler, for metrics */
};

struct cf_resp {
    int status;                 /* HTTP status; 0 = not filled */
    struct cf_buf body;         /* capped by the listener */
    const char *content_type;   /* static; default application/json */
    const char *extra_name;     /* one optional extra header (static strings) */
    const char *extra_value;
    int fd;                     /* >= 0: send this file instead of body (taken) */
    uint64_t fd_size;           /* bytes of fd to send */
    char retry_after[16];       /* "" or the Retry-After header's value */
    /* Set by a handler that finishes the response on another thread: called
     * once the connection is suspended, with the token to resume it. Until
     * cf_http_resume(token), the request, its arena and this response
     * belong to that thread. */
    void (*defer)(void *ud, struct cf_http_pending *token);
    void *defer_ud;
};

/* Sends the response of a deferred request (any thread, once). */
void cf_http_resume(struct cf_http_pending *token);

/* Handles one complete request on a worker thread. */
typedef void (*cf_http_handler)(void *ud, struct cf_req *req, struct cf_resp *resp);

struct cf_http_opts {
    const char *host;           /* numeric IPv4 or IPv6 address */
    int port;
    int workers;                /* threads, >= 1 */
    int max_connections;
    int idle_timeout_s;
    int header_timeout_s;       /* a new connection must send a request head within this; 0: no limit */
    size_t max_body;
    size_t max_header;
    cf_http_handler handler;
    void *handler_ud;
    bool tls;                   /* serve HTTPS with the certificate of cf_tls.h */
    /* Told of every finished request (any thread); may be NULL. */
    void (*on_done)(void *ud, const struct cf_req *req, int status, int64_t us);
    void *on_done_ud;
};

struct cf_http;

/* Starts listening; returns 0 and *out, or an error with err filled. */
int cf_http_start(const struct cf_http_opts *opts, struct cf_http **out, struct cf_err *err);
/* The port actually bound (useful with port 0). */
int cf_http_port(const struct cf_http *h);
/* Stops accepting, waits up to grace_s for requests in flight, then stops
 * and frees everything. NULL is a no-op. */
void cf_http_stop(struct cf_http *h, int grace_s);

#endif
