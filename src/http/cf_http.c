/* SPDX-License-Identifier: MIT
 *
 * cf_http.c - the libmicrohttpd adapter (see cf_http.h).
 *
 * libmicrohttpd calls the access handler several times per request: once
 * when the headers are in, once per piece of body, and a last time with no
 * data. The raw URI (path and query as sent) is caught earlier, in the URI
 * log callback, which is also where the per-request context is made; the
 * completion callback writes the access log line and frees it.
 *
 * A deferred request (resp.defer) is suspended with MHD_suspend_connection
 * before its handler's thread gets it, so the resume can never come first;
 * libmicrohttpd calls the access handler again once it is resumed, and that
 * call sends the response.
 */
#include "cf_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "../base/cf_id.h"
#include "../base/cf_log.h"
#include "../base/cf_mem.h"
#include "../base/cf_sched.h"
#include "../base/cf_str.h"
#include "../base/cf_time.h"
#include "cf_tls.h"

#define RESP_CAP (16u * 1024 * 1024)

struct conn;

struct cf_http {
    struct MHD_Daemon *d;
    struct cf_http_opts opts;
    pthread_mutex_t conns_mu;  /* guards conns */
    struct conn *conns;        /* open connections, for the header deadline */
    pthread_t sweeper;
    atomic_bool stopping;
    atomic_bool draining;      /* new connections are closed at once */
    atomic_int inflight;       /* requests between URI callback and completion */
    atomic_uint_fast64_t seq;  /* request id counter */
    unsigned boot;             /* random per process, in request ids */
    int port;
};

/* Per connection: the request in progress, so that a request libmicrohttpd
 * drops without completing it (a header over its memory) is still freed
 * when the connection closes. */
struct conn {
    struct ctx *cur;
    struct conn *prev, *next;   /* in cf_http.conns */
    int fd;
    int64_t started;            /* monotonic µs */
    atomic_bool headed;         /* a request's head has been read */
    bool cut;                   /* the sweeper shut it down */
};

struct ctx {
    struct conn *conn;          /* the connection it arrived on */
    struct cf_req req;
    struct cf_buf body;
    bool started;              /* first access-handler call happened */
    bool too_big;
    bool responded;
    bool deferred;             /* handed to another thread; resp filled there */
    struct MHD_Connection *con;
    struct cf_resp resp;
    int status;
    size_t resp_len;
};

static enum cf_method parse_method(const char *m)
{
    if (!strcmp(m, "GET")) return CF_M_GET;
    if (!strcmp(m, "POST")) return CF_M_POST;
    if (!strcmp(m, "DELETE")) return CF_M_DELETE;
    if (!strcmp(m, "PUT")) return CF_M_PUT;
    if (!strcmp(m, "PATCH")) return CF_M_PATCH;
    if (!strcmp(m, "HEAD")) return CF_M_HEAD;
    return CF_M_OTHER;
}

static void *uri_cb(void *cls, const char *uri, struct MHD_Connection *con)
{
    /* libmicrohttpd's worker threads have no start hook of ours: each takes
     * the scheduling hint on its first request (see cf_sched.h) */
    static _Thread_local bool sched_set;
    struct cf_http *h = cls;
    struct ctx *c = cf_calloc(1, sizeof *c);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    const char *q;
    size_t len = strlen(uri);
    atomic_fetch_add(&h->inflight, 1);
    if (!sched_set) {
        (void)cf_sched_batch_self(true);
        sched_set = true;
    }
    if (ci && ci->socket_context) {
        c->conn = ci->socket_context;
        c->conn->cur = c;
    }
    cf_arena_init(&c->req.arena);
    cf_buf_init(&c->body, h->opts.max_body);
    {
        /* "%08x%08llx" of the two, cut to fit, without printf */
        char id[2 * 17];
        size_t n = cf_str_hex(id, h->boot, 8);
        n += cf_str_hex(id + n, atomic_fetch_add(&h->seq, 1), 8);
        if (n >= sizeof c->req.id) n = sizeof c->req.id - 1;
        memcpy(c->req.id, id, n);
        c->req.id[n] = '\0';
    }
    c->req.start_us = cf_time_monotonic_us();
    q = memchr(uri, '?', len);
    c->req.path = cf_arena_strndup(&c->req.arena, uri, q ? (size_t)(q - uri) : len);
    c->req.path_len = q ? (size_t)(q - uri) : len;
    c->req.query = q ? cf_arena_strdup(&c->req.arena, q + 1) : "";
    c->req.body = "";
    return c;
}

static const char *header(struct MHD_Connection *con, struct ctx *c, const char *name)
{
    const char *v = MHD_lookup_connection_value(con, MHD_HEADER_KIND, name);
    return v ? cf_arena_strdup(&c->req.arena, v) : NULL;
}

static enum MHD_Result send_resp(struct cf_http *h, struct MHD_Connection *con, struct ctx *c,
                                 struct cf_resp *r)
{
    struct MHD_Response *mr;
    enum MHD_Result ret;
    size_t len;
    char *body = cf_buf_take(&r->body, &len);
    (void)h;
    if (r->fd >= 0) {
        cf_free(body);
        len = (size_t)r->fd_size;
        mr = MHD_create_response_from_fd64(r->fd_size, r->fd);
        if (!mr) close(r->fd);
    } else {
        mr = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
        if (!mr) cf_free(body);
    }
    if (!mr) return MHD_NO;
    if (r->status != 204)
        MHD_add_response_header(mr, "Content-Type", r->content_type ? r->content_type
                                                                    : "application/json");
    MHD_add_response_header(mr, "X-Request-Id", c->req.id);
    if (r->extra_name && r->extra_value) MHD_add_response_header(mr, r->extra_name, r->extra_value);
    if (r->retry_after[0]) MHD_add_response_header(mr, "Retry-After", r->retry_after);
    {
        const char *conn = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Connection");
        if (conn && strcasestr(conn, "close")) MHD_add_response_header(mr, "Connection", "close");
    }
    ret = MHD_queue_response(con, (unsigned)r->status, mr);
    MHD_destroy_response(mr);
    c->responded = true;
    c->status = r->status;
    c->resp_len = len;
    return ret;
}

static enum MHD_Result simple_error(struct cf_http *h, struct MHD_Connection *con, struct ctx *c,
                                    int status, int code, const char *msg)
{
    struct cf_resp r;
    memset(&r, 0, sizeof r);
    r.fd = -1;
    cf_buf_init(&r.body, 4096);
    r.status = status;
    cf_buf_printf(&r.body,
                  "{\"code\":%d,\"message\":\"%s\",\"more_info\":"
                  "\"https://developer.signalwire.com/compatibility-api/reference/error-codes\","
                  "\"status\":%d}",
                  code, msg, status);
    return send_resp(h, con, c, &r);
}

/* Adds up the bytes of the request's header lines. */
static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    size_t *n = cls;
    (void)kind;
    *n += strlen(key) + (value ? strlen(value) : 0) + 4; /* ": " and CRLF */
    return MHD_YES;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *con, const char *url,
                                 const char *method, const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
    struct cf_http *h = cls;
    struct ctx *c = *con_cls;
    struct cf_resp *r;
    (void)url, (void)version;
    if (!c) return MHD_NO;
    if (!c->started) {
        const char *cl;
        size_t head = 0;
        c->started = true;
        if (c->conn) atomic_store(&c->conn->headed, true);
        MHD_get_connection_values(con, MHD_HEADER_KIND, count_header, &head);
        if (strlen(url) + strlen(c->req.query) + strlen(method) > h->opts.max_header)
            return simple_error(h, con, c, 414, 10000, "The request line is longer than the "
                                "server accepts");
        if (head + strlen(c->req.query) + strlen(url) > h->opts.max_header)
            return simple_error(h, con, c, 431, 10000, "The request headers are larger than "
                                "the server accepts");
        c->req.method_str = cf_arena_strdup(&c->req.arena, method);
        c->req.method = parse_method(method);
        c->req.content_type = header(con, c, "Content-Type");
        c->req.authorization = header(con, c, "Authorization");
        c->req.idempotency_key = header(con, c, "Idempotency-Key");
        cl = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Length");
        if (cl) {
            char *end;
            unsigned long long n;
            errno = 0;
            n = strtoull(cl, &end, 10);
            if (errno || *end || n > h->opts.max_body)
                return simple_error(h, con, c, 413, 10000,
                                    "The request body is larger than the server accepts");
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (!c->too_big && cf_buf_append(&c->body, upload, *upload_size)) c->too_big = true;
        *upload_size = 0;
        return MHD_YES;
    }
    if (c->responded) return MHD_YES;
    if (c->too_big)
        return simple_error(h, con, c, 413, 10000,
                            "The request body is larger than the server accepts");
    if (c->deferred) return send_resp(h, con, c, &c->resp); /* resumed */
    c->req.body = cf_buf_str(&c->body);
    c->req.body_len = c->body.len;
    r = &c->resp;
    memset(r, 0, sizeof *r);
    r->fd = -1;
    cf_buf_init(&r->body, RESP_CAP);
    h->opts.handler(h->opts.handler_ud, &c->req, r);
    if (r->defer) {
        c->deferred = true;
        c->con = con;
        MHD_suspend_connection(con);
        r->defer(r->defer_ud, (struct cf_http_pending *)c);
        return MHD_YES;
    }
    if (!r->status) r->status = 500;
    return send_resp(h, con, c, r);
}

void cf_http_resume(struct cf_http_pending *token)
{
    struct ctx *c = (struct ctx *)token;
    if (!c->resp.status) c->resp.status = 500;
    MHD_resume_connection(c->con);
}

static void ctx_free(struct cf_http *h, struct ctx *c)
{
    if (c->conn && c->conn->cur == c) c->conn->cur = NULL;
    if (!c->responded) {
        cf_buf_cleanup(&c->resp.body);
        if (c->resp.fd >= 0 && c->deferred) close(c->resp.fd);
    }
    cf_buf_cleanup(&c->body);
    cf_arena_cleanup(&c->req.arena);
    cf_free(c);
    atomic_fetch_sub(&h->inflight, 1);
}

static void conn_cb(void *cls, struct MHD_Connection *con, void **socket_context,
                    enum MHD_ConnectionNotificationCode toe)
{
    struct cf_http *h = cls;
    struct conn *cn = *socket_context;
    (void)con;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(con, MHD_CONNECTION_INFO_CONNECTION_FD);
        cn = cf_calloc(1, sizeof *cn);
        cn->fd = ci ? ci->connect_fd : -1;
        cn->started = cf_time_monotonic_us();
        pthread_mutex_lock(&h->conns_mu);
        cn->next = h->conns;
        if (h->conns) h->conns->prev = cn;
        h->conns = cn;
        pthread_mutex_unlock(&h->conns_mu);
        *socket_context = cn;
        return;
    }
    if (!cn) return;
    pthread_mutex_lock(&h->conns_mu); /* before libmicrohttpd closes the socket */
    if (cn->prev) cn->prev->next = cn->next;
    else h->conns = cn->next;
    if (cn->next) cn->next->prev = cn->prev;
    pthread_mutex_unlock(&h->conns_mu);
    if (cn->cur) ctx_free(h, cn->cur); /* dropped before it completed */
    cf_free(cn);
    *socket_context = NULL;
}

static void completed_cb(void *cls, struct MHD_Connection *con, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct cf_http *h = cls;
    struct ctx *c = *con_cls;
    int64_t us;
    (void)con;
    if (!c) return;
    us = cf_time_monotonic_us() - c->req.start_us;
    if (h->opts.on_done && c->status) h->opts.on_done(h->opts.on_done_ud, &c->req, c->status, us);
    cf_log(CF_LOG_INFO, c->req.id,
           "msg=access method=%s path=\"%s\" route=%s status=%d bytes=%zu us=%lld project=%s%s",
           c->req.method_str ? c->req.method_str : "-", c->req.path,
           c->req.route ? c->req.route : "-", c->status, c->resp_len, (long long)us,
           c->req.project_id ? c->req.project_id : "-",
           toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted=1");
    ctx_free(h, c);
    *con_cls = NULL;
}

/* The header deadline: a connection that has not sent a complete request
 * head within header_timeout seconds of opening is shut down (libmicrohttpd
 * then closes it). Its own idle time-out would not catch a client that
 * sends a byte a second. The list is guarded by conns_mu, which the close
 * notification also takes before the socket is closed, so a descriptor is
 * never shut down after it was reused. */
static void *sweep(void *arg)
{
    struct cf_http *h = arg;
    cf_sched_name_self("cf-sweeper");
    while (!atomic_load(&h->stopping)) {
        int64_t cutoff = cf_time_monotonic_us() - (int64_t)h->opts.header_timeout_s * CF_USEC_PER_SEC;
        pthread_mutex_lock(&h->conns_mu);
        for (struct conn *cn = h->conns; cn; cn = cn->next) {
            if (cn->cut || atomic_load(&cn->headed) || cn->started > cutoff || cn->fd < 0) continue;
            shutdown(cn->fd, SHUT_RDWR);
            cn->cut = true;
        }
        pthread_mutex_unlock(&h->conns_mu);
        for (int i = 0; i < 10 && !atomic_load(&h->stopping); i++) usleep(100 * 1000);
    }
    return NULL;
}

/* While draining (cf_http_stop), new connections are closed as soon as
 * they are accepted. (MHD_quiesce_daemon would do it more politely, but it
 * races with a pool of epoll workers and can abort the process in
 * libmicrohttpd 0.9.75: "Failed to remove listen FD from epoll set".) */
static enum MHD_Result accept_cb(void *cls, const struct sockaddr *addr, socklen_t len)
{
    struct cf_http *h = cls;
    (void)addr, (void)len;
    return atomic_load(&h->draining) ? MHD_NO : MHD_YES;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    size_t n;
    (void)cls;
    vsnprintf(msg, sizeof msg, fmt, ap);
    n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '"')) msg[--n] = '\0';
    cf_log(CF_LOG_NOTICE, NULL, "msg=\"http: %s\"", msg);
}

int cf_http_start(const struct cf_http_opts *opts, struct cf_http **out, struct cf_err *err)
{
    struct cf_http *h = cf_calloc(1, sizeof *h);
    struct sockaddr_storage ss;
    socklen_t sslen;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    unsigned char rnd[4];
    memset(&ss, 0, sizeof ss);
    h->opts = *opts;
    pthread_mutex_init(&h->conns_mu, NULL);
    if (inet_pton(AF_INET, opts->host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
        struct sockaddr_in *sa = (struct sockaddr_in *)&ss;
        sa->sin_family = AF_INET;
        sa->sin_port = htons((uint16_t)opts->port);
        sslen = sizeof *sa;
    } else if (inet_pton(AF_INET6, opts->host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
        struct sockaddr_in6 *sa = (struct sockaddr_in6 *)&ss;
        sa->sin6_family = AF_INET6;
        sa->sin6_port = htons((uint16_t)opts->port);
        sslen = sizeof *sa;
        flags |= MHD_USE_IPv6;
    } else {
        cf_free(h);
        return cf_err_set(err, CF_EINVAL, "listen: '%s' is not a numeric IPv4 or IPv6 address",
                          opts->host);
    }
    (void)sslen;
    if (cf_id_random(rnd, sizeof rnd) == 0)
        h->boot = (unsigned)rnd[0] << 24 | (unsigned)rnd[1] << 16 | (unsigned)rnd[2] << 8 | rnd[3];
    {
        struct MHD_OptionItem o[20];
        int k = 0;
#define OPT(opt, val, ptr) (o[k].option = (opt), o[k].value = (intptr_t)(val), o[k].ptr_value = (ptr), k++)
        OPT(MHD_OPTION_EXTERNAL_LOGGER, 0, NULL);
        o[k - 1].value = (intptr_t)mhd_log;
        o[k - 1].ptr_value = h;
        OPT(MHD_OPTION_SOCK_ADDR, 0, &ss);
        OPT(MHD_OPTION_THREAD_POOL_SIZE, opts->workers, NULL);
        OPT(MHD_OPTION_CONNECTION_LIMIT, opts->max_connections, NULL);
        OPT(MHD_OPTION_CONNECTION_TIMEOUT, opts->idle_timeout_s, NULL);
        /* libmicrohttpd gives each connection one memory pool for the request
         * head and the response head, and keeps all of it resident (zeroed)
         * from the first request on, idle or not: its size is what an idle
         * keep-alive connection costs (see max_header in the README).
         * max_header + 1 KiB leaves room for the header index and the
         * response head, so that our own check answers a head just over
         * max_header (431/414, JSON body); a head far over it does not fit
         * and libmicrohttpd answers 431/414 itself (or closes). */
        OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, opts->max_header + 1024, NULL);
        OPT(MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL);
        OPT(MHD_OPTION_URI_LOG_CALLBACK, 0, h);
        o[k - 1].value = (intptr_t)uri_cb;
        OPT(MHD_OPTION_NOTIFY_COMPLETED, 0, h);
        o[k - 1].value = (intptr_t)completed_cb;
        OPT(MHD_OPTION_NOTIFY_CONNECTION, 0, h);
        o[k - 1].value = (intptr_t)conn_cb;
        if (opts->tls) {
            flags |= MHD_USE_TLS;
            OPT(MHD_OPTION_HTTPS_CERT_CALLBACK, 0, cf_tls_callback());
            OPT(MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)(uintptr_t)cf_tls_priorities());
        }
        OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
        h->d = MHD_start_daemon(flags, (uint16_t)opts->port, accept_cb, h, access_cb, h,
                                MHD_OPTION_ARRAY, o, MHD_OPTION_END);
    }
    if (!h->d) {
        pthread_mutex_destroy(&h->conns_mu);
        cf_free(h);
        return cf_err_set(err, CF_ESYS, "listen: cannot listen on %s:%d (%s)", opts->host,
                          opts->port, strerror(errno));
    }
    {
        const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
        h->port = di ? di->port : opts->port;
    }
    if (opts->header_timeout_s > 0 && pthread_create(&h->sweeper, NULL, sweep, h) != 0) {
        MHD_stop_daemon(h->d);
        pthread_mutex_destroy(&h->conns_mu);
        cf_free(h);
        return cf_err_set(err, CF_ESYS, "cannot start the header deadline thread");
    }
    *out = h;
    return 0;
}

int cf_http_port(const struct cf_http *h)
{
    return h->port;
}

void cf_http_stop(struct cf_http *h, int grace_s)
{
    int64_t deadline;
    if (!h) return;
    atomic_store(&h->draining, true);
    deadline = cf_time_monotonic_us() + (int64_t)grace_s * CF_USEC_PER_SEC;
    while (atomic_load(&h->inflight) > 0 && cf_time_monotonic_us() < deadline) usleep(10000);
    atomic_store(&h->stopping, true);
    if (h->opts.header_timeout_s > 0) pthread_join(h->sweeper, NULL);
    MHD_stop_daemon(h->d);
    pthread_mutex_destroy(&h->conns_mu);
    cf_free(h);
}
