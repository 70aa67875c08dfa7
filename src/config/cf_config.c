/* SPDX-License-Identifier: MIT
 *
 * cf_config.c - the settings table and the four sources that fill it.
 *
 * Design: `settings[]` below is the only list of settings. Each entry says
 * where its value lives in struct cf_config (offset and size), its type
 * (string, int or enum), its default written as file text, its bounds (an
 * int range, a string's minimum length, the allowed enum words), an optional
 * syntax check for strings (listen address, CIDR lists, URL) and its help
 * text. One function, set_value(), turns text into a field for every source,
 * so the defaults, the file, the environment and the flags are all checked by
 * the same code, and dump and help walk the same table [R standardConfig]
 * [N ngx_command_t]. The entries have no "reloadable" flag or apply callback
 * because the config is immutable after load (B9); add them with reload.
 *
 * Loading works on a private copy that is copied to the caller only when
 * every source succeeded, so a failed load leaves the caller's struct alone.
 * The first error stops the load: one precise message beats a list of
 * follow-on errors.
 *
 * Caveat: the config file is read whole into a buffer capped at 1 MiB; that
 * is far more than a file listing each setting once can need.
 */
#include "cf_config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../base/cf_buf.h"

#define CF_CONFIG_MAX_FILE (1024 * 1024) /* bytes of config file */
#define ENV_PREFIX "CONFAB_"
#define ENV_PREFIX_LEN (sizeof ENV_PREFIX - 1)

enum cf_config_type {
    CF_CONFIG_STRING, /* char array; min is the minimum length */
    CF_CONFIG_INT,    /* int in min..max */
    CF_CONFIG_ENUM,   /* char array holding one of values[] */
};

/* Checks a string value z that already fits its field. Returns 0 when z is
 * fine, else -1 with a reason (a phrase naming the bad part) in why. */
typedef int (*cf_config_check_cb)(const char *z, char *why, size_t whylen);

struct setting {
    const char *name;            /* file key; flag and env name derive from it */
    enum cf_config_type type;
    size_t offset;               /* of the field in struct cf_config */
    size_t size;                 /* bytes of the field (strings: with NUL) */
    const char *def;             /* default, as config-file text */
    long min, max;               /* int range; string: min = minimum length */
    const char *const *values;   /* enum: allowed words, NULL-terminated */
    cf_config_check_cb check;    /* string: extra syntax check, or NULL */
    const char *meta;            /* value placeholder in --help */
    const char *help;            /* one sentence for --help */
};

#define FIELD(f) \
    .offset = offsetof(struct cf_config, f), \
    .size = sizeof(((struct cf_config *)0)->f)

static int check_listen(const char *z, char *why, size_t whylen);
static int check_cidr_list(const char *z, char *why, size_t whylen);
static int check_url(const char *z, char *why, size_t whylen);

static const char *const engines[] = {"sim", NULL};
static const char *const regions[] = {"us1", "us2", "ie1", "de1", "sg1",
                                      "br1", "au1", "jp1", NULL};
static const char *const log_levels[] = {"debug", "info", "notice", "warn",
                                         "error", "crit", NULL};
static const char *const durabilities[] = {"normal", "full", NULL};

/* Keep conf/confab.conf.example in step with this table (a unit test
 * checks that it lists every setting with its default). */
static const struct setting settings[] = {
    {.name = "listen", .type = CF_CONFIG_STRING, FIELD(listen),
     .def = "127.0.0.1:8080", .min = 1, .check = check_listen,
     .meta = "HOST:PORT",
     .help = "Address and port the HTTP API listens on; IPv6 as [::1]:8080."},
    {.name = "database", .type = CF_CONFIG_STRING, FIELD(database),
     .def = "confab.db", .min = 1, .meta = "PATH",
     .help = "SQLite database file."},
    {.name = "engine", .type = CF_CONFIG_ENUM, FIELD(engine), .def = "sim",
     .values = engines, .meta = "NAME",
     .help = "Media engine; only the simulated engine exists for now."},
    {.name = "region", .type = CF_CONFIG_ENUM, FIELD(region), .def = "us1",
     .values = regions, .meta = "REGION",
     .help = "Region this node reports on conferences."},
    {.name = "workers", .type = CF_CONFIG_INT, FIELD(workers), .def = "0",
     .min = 0, .max = 256, .meta = "N",
     .help = "HTTP worker threads; 0 means one per CPU."},
    {.name = "log_level", .type = CF_CONFIG_ENUM, FIELD(log_level),
     .def = "info", .values = log_levels, .meta = "LEVEL",
     .help = "Least severe level that is logged."},
    {.name = "webhook_allow", .type = CF_CONFIG_STRING, FIELD(webhook_allow),
     .def = "", .check = check_cidr_list, .meta = "CIDRS",
     .help = "Comma-separated CIDRs that webhooks may reach even though the "
             "built-in deny list (loopback, private, link-local...) covers "
             "them."},
    {.name = "webhook_deny", .type = CF_CONFIG_STRING, FIELD(webhook_deny),
     .def = "", .check = check_cidr_list, .meta = "CIDRS",
     .help = "Comma-separated CIDRs that webhooks may never reach, on top of "
             "the built-in deny list."},
    {.name = "max_connections", .type = CF_CONFIG_INT, FIELD(max_connections),
     .def = "10000", .min = 1, .max = 100000, .meta = "N",
     .help = "Most simultaneous HTTP connections."},
    {.name = "idle_timeout", .type = CF_CONFIG_INT, FIELD(idle_timeout),
     .def = "60", .min = 1, .max = 3600, .meta = "SECONDS",
     .help = "Seconds a connection may stay idle before it is closed."},
    {.name = "header_timeout", .type = CF_CONFIG_INT, FIELD(header_timeout),
     .def = "30", .min = 1, .max = 3600, .meta = "SECONDS",
     .help = "Seconds a new connection may take to send its first request head."},
    {.name = "max_body", .type = CF_CONFIG_INT, FIELD(max_body),
     .def = "65536", .min = 1024, .max = 1048576, .meta = "BYTES",
     .help = "Largest request body accepted, in bytes."},
    {.name = "max_header", .type = CF_CONFIG_INT, FIELD(max_header),
     .def = "16384", .min = 1024, .max = 1048576, .meta = "BYTES",
     .help = "Largest request line plus headers accepted, in bytes."},
    {.name = "more_info_base", .type = CF_CONFIG_STRING,
     FIELD(more_info_base),
     .def = "https://developer.signalwire.com/compatibility-api/reference/"
            "error-codes",
     .min = 1, .check = check_url, .meta = "URL",
     .help = "URL given as more_info in API error bodies."},
    {.name = "durability", .type = CF_CONFIG_ENUM, FIELD(durability),
     .def = "normal", .values = durabilities, .meta = "MODE",
     .help = "Store durability: normal, or full to sync to disk on every "
             "commit."},
    {.name = "cache_mb", .type = CF_CONFIG_INT, FIELD(cache_mb), .def = "256",
     .min = 2, .max = 65536, .meta = "MIB",
     .help = "Cap on each store connection's page cache, in MiB (filled only by pages read)."},
    {.name = "dev_project", .type = CF_CONFIG_STRING, FIELD(dev_project),
     .def = "", .meta = "PATH",
     .help = "When set, serve creates a development project on first start "
             "and writes its credentials to this file."},
    {.name = "metrics_listen", .type = CF_CONFIG_STRING, FIELD(metrics_listen),
     .def = "", .meta = "ADDR:PORT",
     .help = "Serve /metrics and /health on this separate address; empty: on the "
             "API listener (outside the API's auth)."},
    {.name = "rate_limit", .type = CF_CONFIG_INT, FIELD(rate_limit),
     .def = "0", .min = 0, .max = 10000000, .meta = "PER_SECOND",
     .help = "Requests a second one project may make (429 beyond); 0: no limit."},
    {.name = "rate_burst", .type = CF_CONFIG_INT, FIELD(rate_burst),
     .def = "0", .min = 0, .max = 10000000, .meta = "REQUESTS",
     .help = "Requests a project may make at once before rate_limit applies; "
             "0: the same as rate_limit."},
    {.name = "max_live_conferences", .type = CF_CONFIG_INT, FIELD(max_live_conferences),
     .def = "10000", .min = 0, .max = 100000000, .meta = "N",
     .help = "Live conferences one project may have (429 beyond); 0: no cap."},
    {.name = "max_live_participants", .type = CF_CONFIG_INT, FIELD(max_live_participants),
     .def = "50000", .min = 0, .max = 100000000, .meta = "N",
     .help = "Live participants one project may have (429 beyond); 0: no cap."},
    {.name = "tls_listen", .type = CF_CONFIG_STRING, FIELD(tls_listen),
     .def = "127.0.0.1:8443", .meta = "ADDR:PORT",
     .help = "Address and port of the HTTPS listener (used when tls_cert is set)."},
    {.name = "tls_cert", .type = CF_CONFIG_STRING, FIELD(tls_cert),
     .def = "", .meta = "PATH",
     .help = "PEM certificate chain for HTTPS; empty: no HTTPS. Reloaded on SIGHUP."},
    {.name = "tls_key", .type = CF_CONFIG_STRING, FIELD(tls_key),
     .def = "", .meta = "PATH",
     .help = "PEM private key of tls_cert. Reloaded on SIGHUP."},
    {.name = "webhook_retry_for", .type = CF_CONFIG_INT, FIELD(webhook_retry_for),
     .def = "3600", .min = 0, .max = 604800, .meta = "SECONDS",
     .help = "How long a status callback is retried before it is given up."},
    {.name = "webhook_timeout", .type = CF_CONFIG_INT, FIELD(webhook_timeout),
     .def = "30", .min = 1, .max = 300, .meta = "SECONDS",
     .help = "Longest an outbound request (callback, announcement fetch) may take in all."},
    {.name = "public_url", .type = CF_CONFIG_STRING, FIELD(public_url),
     .def = "", .meta = "URL",
     .help = "The server's URL as clients reach it (for RecordingUrl in "
             "callbacks); empty means http://<listen>."},
    {.name = "recordings_dir", .type = CF_CONFIG_STRING, FIELD(recordings_dir),
     .def = "", .meta = "PATH",
     .help = "Folder for recording files; empty means <database>.recordings "
             "next to the database."},
    {.name = "shutdown_grace", .type = CF_CONFIG_INT, FIELD(shutdown_grace),
     .def = "10", .min = 0, .max = 300, .meta = "SECONDS",
     .help = "Seconds SIGTERM waits for in-flight requests."},
    {.name = "sim_answer_delay_ms", .type = CF_CONFIG_INT,
     FIELD(sim_answer_delay_ms), .def = "0", .min = 0, .max = 600000,
     .meta = "MS",
     .help = "Milliseconds the simulated engine waits before answering."},
};

#define NSETTINGS (sizeof settings / sizeof settings[0])

/* ---- small text helpers ------------------------------------------------ */

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_alnum(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char to_upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* Trims blanks from both ends of (*p, *len). */
static void trim(const char **p, size_t *len)
{
    while (*len && is_blank(**p)) {
        (*p)++;
        (*len)--;
    }
    while (*len && is_blank((*p)[*len - 1])) (*len)--;
}

/* Copies up to 40 bytes of v for an error message into out (64 bytes or
 * more): control bytes become '?' and a cut value ends in "...". */
static const char *excerpt(char *out, size_t outlen, const char *v,
                           size_t len)
{
    size_t i, n = len > 40 ? 40 : len;
    if (n > outlen - 4) n = outlen - 4;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        out[i] = c < 0x20 || c == 0x7f ? '?' : v[i];
    }
    if (n < len) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    return out;
}

/* Finds a setting by file key or flag name: len bytes of z, where '-' and
 * '_' are the same. */
static const struct setting *find_by_name(const char *z, size_t len)
{
    for (size_t k = 0; k < NSETTINGS; k++) {
        const char *name = settings[k].name;
        size_t i;
        if (strlen(name) != len) continue;
        for (i = 0; i < len; i++) {
            char c = z[i] == '-' ? '_' : z[i];
            if (c != name[i]) break;
        }
        if (i == len) return &settings[k];
    }
    return NULL;
}

/* Finds a setting by the len bytes of an environment name after CONFAB_,
 * which must be the setting's name in upper case. */
static const struct setting *find_by_env(const char *z, size_t len)
{
    for (size_t k = 0; k < NSETTINGS; k++) {
        const char *name = settings[k].name;
        size_t i;
        if (strlen(name) != len) continue;
        for (i = 0; i < len; i++)
            if (z[i] != to_upper(name[i])) break;
        if (i == len) return &settings[k];
    }
    return NULL;
}

/* Is (z, len) the word "config" (a flag name, so dashes count as '_')? */
static int is_config_name(const char *z, size_t len)
{
    return len == 6 && memcmp(z, "config", 6) == 0;
}

/* ---- listen addresses -------------------------------------------------- */

/* Parses port text (all of z) as 1..65535. */
static int parse_port(const char *z, int *port)
{
    long n = 0;
    size_t i, len = strlen(z);
    if (len == 0 || len > 5) return -1;
    for (i = 0; i < len; i++) {
        if (!is_digit(z[i])) return -1;
        n = n * 10 + (z[i] - '0');
    }
    if (n < 1 || n > 65535) return -1;
    *port = (int)n;
    return 0;
}

/* Is h (NUL-terminated) a syntactically valid DNS host name? */
static int is_host_name(const char *h)
{
    size_t label = 0;
    for (const char *p = h; *p; p++) {
        if (*p == '.') {
            if (label == 0 || p[-1] == '-') return 0;
            label = 0;
        } else if (is_alnum(*p) || *p == '-') {
            if (label == 0 && *p == '-') return 0;
            if (++label > 63) return 0;
        } else {
            return 0;
        }
    }
    return label > 0 && h[strlen(h) - 1] != '-';
}

/* The worker behind cf_config_parse_listen: on failure writes a reason that
 * quotes the value into why. */
static int listen_split(const char *z, char *host, size_t hostlen, int *port,
                        char *why, size_t whylen)
{
    char hbuf[256], ex[64];
    const char *p;
    size_t hl;
    int portn;

    excerpt(ex, sizeof ex, z, strlen(z));
    if (z[0] == '[') {
        const char *close = strchr(z, ']');
        unsigned char a6[16];
        if (!close) {
            snprintf(why, whylen, "'%s' lacks the ']' after the IPv6 address",
                     ex);
            return -1;
        }
        if (close[1] != ':') {
            snprintf(why, whylen, "'%s' needs ':' and a port after ']'", ex);
            return -1;
        }
        hl = (size_t)(close - (z + 1));
        p = close + 2;
        if (hl >= sizeof hbuf) hl = sizeof hbuf - 1;
        memcpy(hbuf, z + 1, hl);
        hbuf[hl] = '\0';
        if (inet_pton(AF_INET6, hbuf, a6) != 1) {
            snprintf(why, whylen, "'%s' has no valid IPv6 address in []", ex);
            return -1;
        }
    } else {
        const char *colon = strrchr(z, ':');
        int dotted = 1;
        if (!colon) {
            snprintf(why, whylen, "'%s' is not host:port", ex);
            return -1;
        }
        hl = (size_t)(colon - z);
        p = colon + 1;
        if (memchr(z, ':', hl)) {
            snprintf(why, whylen,
                     "'%s': an IPv6 address needs brackets, as in [::1]:8080",
                     ex);
            return -1;
        }
        if (hl == 0) {
            snprintf(why, whylen,
                     "'%s' has no host (0.0.0.0 listens on every address)",
                     ex);
            return -1;
        }
        if (hl > 253) {
            snprintf(why, whylen, "'%s' has a host name over 253 bytes", ex);
            return -1;
        }
        memcpy(hbuf, z, hl);
        hbuf[hl] = '\0';
        for (size_t i = 0; i < hl; i++)
            if (!is_digit(hbuf[i]) && hbuf[i] != '.') dotted = 0;
        if (dotted) {
            unsigned char a4[4];
            if (inet_pton(AF_INET, hbuf, a4) != 1) {
                snprintf(why, whylen, "'%s' has no valid IPv4 address", ex);
                return -1;
            }
        } else if (!is_host_name(hbuf)) {
            snprintf(why, whylen, "'%s' has no valid host name", ex);
            return -1;
        }
    }
    if (parse_port(p, &portn)) {
        snprintf(why, whylen, "'%s' needs a port from 1 to 65535", ex);
        return -1;
    }
    if (strlen(hbuf) >= hostlen) {
        snprintf(why, whylen, "'%s' has a host too long for the buffer", ex);
        return -1;
    }
    memcpy(host, hbuf, strlen(hbuf) + 1);
    *port = portn;
    return 0;
}

int cf_config_parse_listen(const char *listen, char *host, size_t hostlen,
                           int *port)
{
    char why[200];
    if (!listen) return CF_EINVAL;
    return listen_split(listen, host, hostlen, port, why, sizeof why)
               ? CF_EINVAL
               : 0;
}

static int check_listen(const char *z, char *why, size_t whylen)
{
    char host[256];
    int port;
    return listen_split(z, host, sizeof host, &port, why, whylen);
}

/* ---- CIDR lists -------------------------------------------------------- */

/* Parses one entry (a, len), already trimmed, into c. */
static int cidr_parse(const char *a, size_t len, struct cf_cidr *c, char *why,
                      size_t whylen)
{
    char abuf[64], ex[64];
    const char *slash = memchr(a, '/', len);
    size_t alen = slash ? (size_t)(slash - a) : len;
    int maxp;

    excerpt(ex, sizeof ex, a, len);
    memset(c, 0, sizeof *c);
    if (alen == 0 || alen >= sizeof abuf) goto bad_addr;
    memcpy(abuf, a, alen);
    abuf[alen] = '\0';
    if (memchr(abuf, ':', alen)) {
        c->family = AF_INET6;
        maxp = 128;
    } else {
        c->family = AF_INET;
        maxp = 32;
    }
    if (inet_pton(c->family, abuf, c->addr) != 1) goto bad_addr;
    c->prefix = maxp;
    if (slash) {
        const char *d = slash + 1;
        size_t dl = len - alen - 1, i;
        int n = 0;
        if (dl == 0 || dl > 3) goto bad_prefix;
        for (i = 0; i < dl; i++) {
            if (!is_digit(d[i])) goto bad_prefix;
            n = n * 10 + (d[i] - '0');
        }
        if (n > maxp) goto bad_prefix;
        c->prefix = n;
    }
    return 0;
bad_addr:
    snprintf(why, whylen, "entry '%s' is not an IPv4 or IPv6 address", ex);
    return CF_EINVAL;
bad_prefix:
    snprintf(why, whylen, "entry '%s' needs a prefix length from 0 to %d",
             ex, maxp);
    return CF_EINVAL;
}

/* The worker behind cf_config_parse_cidr_list. out may be NULL to only
 * validate and count. */
static int cidr_list_parse(const char *list, struct cf_cidr *out, size_t max,
                           size_t *n, char *why, size_t whylen)
{
    const char *p = list;
    size_t count = 0, len = strlen(list);
    const char *all = list;

    trim(&all, &len);
    if (len == 0) {
        *n = 0;
        return 0;
    }
    for (;;) {
        const char *comma = strchr(p, ',');
        const char *a = p;
        size_t alen = comma ? (size_t)(comma - p) : strlen(p);
        struct cf_cidr scratch;
        int rc;
        trim(&a, &alen);
        if (alen == 0) {
            snprintf(why, whylen, "has an empty entry (a stray comma?)");
            return CF_EINVAL;
        }
        if (count == max) {
            snprintf(why, whylen, "has more than %zu entries", max);
            return CF_ETOOBIG;
        }
        rc = cidr_parse(a, alen, out ? &out[count] : &scratch, why, whylen);
        if (rc) return rc;
        count++;
        if (!comma) break;
        p = comma + 1;
    }
    *n = count;
    return 0;
}

int cf_config_parse_cidr_list(const char *list, struct cf_cidr *out,
                              size_t max, size_t *n)
{
    char why[200];
    if (!list) return CF_EINVAL;
    return cidr_list_parse(list, out, max, n, why, sizeof why);
}

static int check_cidr_list(const char *z, char *why, size_t whylen)
{
    size_t n;
    return cidr_list_parse(z, NULL, CF_CONFIG_MAX_CIDRS, &n, why, whylen)
               ? -1
               : 0;
}

/* ---- URLs -------------------------------------------------------------- */

static int check_url(const char *z, char *why, size_t whylen)
{
    size_t skip;
    char ex[64];
    if (strncmp(z, "https://", 8) == 0) skip = 8;
    else if (strncmp(z, "http://", 7) == 0) skip = 7;
    else skip = 0;
    if (skip == 0 || z[skip] == '\0' || strpbrk(z, " \"'<>\\")) {
        snprintf(why, whylen, "'%s' is not an http:// or https:// URL",
                 excerpt(ex, sizeof ex, z, strlen(z)));
        return -1;
    }
    return 0;
}

/* ---- setting values ---------------------------------------------------- */

static int bad_value(struct cf_err *err, const struct setting *s,
                     const char *src, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Reports a bad value of s from src as "name: <fmt> (from src)". */
static int bad_value(struct cf_err *err, const struct setting *s,
                     const char *src, const char *fmt, ...)
{
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return cf_err_set(err, CF_EINVAL, "%s: %s (from %s)", s->name, why, src);
}

/* Parses all of (v, len) as a decimal integer: an optional sign and digits,
 * nothing else. Returns 0, -1 (not an integer) or -2 (does not fit). */
static int parse_long(const char *v, size_t len, long *out)
{
    char buf[32];
    size_t i = 0;
    char *end;
    long n;
    if (len && (v[0] == '-' || v[0] == '+')) i = 1;
    if (i == len) return -1;
    for (; i < len; i++)
        if (!is_digit(v[i])) return -1;
    if (len >= sizeof buf) return -2;
    memcpy(buf, v, len);
    buf[len] = '\0';
    errno = 0;
    n = strtol(buf, &end, 10);
    if (errno == ERANGE) return -2;
    if (end != buf + len) return -1;
    *out = n;
    return 0;
}

/* Writes the words of a NULL-terminated list as "a, b, c" into out. */
static void join_words(char *out, size_t outlen, const char *const *words)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; words[i]; i++) {
        int n = snprintf(out + used, outlen - used, "%s%s", i ? ", " : "",
                         words[i]);
        if (n < 0 || (size_t)n >= outlen - used) break;
        used += (size_t)n;
    }
}

/* Checks the len bytes of v (not NUL-terminated) against s and stores them
 * in cfg. src says where v came from, for the message. */
static int set_value(struct cf_config *cfg, const struct setting *s,
                     const char *v, size_t len, const char *src,
                     struct cf_err *err)
{
    char *field = (char *)cfg + s->offset;
    char ex[64], why[200];

    switch (s->type) {
    case CF_CONFIG_INT: {
        long n = 0;
        int rc = parse_long(v, len, &n), iv;
        if (rc == -1)
            return bad_value(err, s, src, "'%s' is not an integer",
                             excerpt(ex, sizeof ex, v, len));
        if (rc == -2 || n < s->min || n > s->max)
            return bad_value(err, s, src, "'%s' is out of range %ld..%ld",
                             excerpt(ex, sizeof ex, v, len), s->min, s->max);
        iv = (int)n;
        memcpy(field, &iv, sizeof iv);
        return 0;
    }
    case CF_CONFIG_ENUM:
        for (size_t i = 0; s->values[i]; i++) {
            if (strlen(s->values[i]) == len &&
                memcmp(s->values[i], v, len) == 0) {
                memset(field, 0, s->size);
                memcpy(field, v, len);
                return 0;
            }
        }
        join_words(why, sizeof why, s->values);
        return bad_value(err, s, src, "'%s' is not one of %s",
                         excerpt(ex, sizeof ex, v, len), why);
    case CF_CONFIG_STRING:
        if (len >= s->size)
            return bad_value(err, s, src,
                             "value is %zu bytes, over the limit of %zu", len,
                             s->size - 1);
        if (len < (size_t)s->min)
            return bad_value(err, s, src, "value must not be empty");
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)v[i];
            if (c < 0x20 || c == 0x7f)
                return bad_value(err, s, src,
                                 "'%s' contains a control character",
                                 excerpt(ex, sizeof ex, v, len));
        }
        memset(field, 0, s->size);
        memcpy(field, v, len);
        if (s->check && s->check(field, why, sizeof why))
            return bad_value(err, s, src, "%s", why);
        return 0;
    }
    return cf_err_set(err, CF_EINVAL, "%s: bad setting type", s->name);
}

/* ---- the config file --------------------------------------------------- */

/* Applies one line (without its line end) of a config file. seen[k] holds
 * the line that set settings[k], or 0. */
static int apply_line(struct cf_config *cfg, const char *origin,
                      unsigned line, const char *l, size_t ll,
                      unsigned *seen, struct cf_err *err)
{
    const char *eq, *key, *v;
    size_t klen, vlen;
    const struct setting *s;
    char ex[64], src[300];
    size_t k;

    trim(&l, &ll);
    if (ll == 0 || l[0] == '#') return 0;
    eq = memchr(l, '=', ll);
    if (!eq)
        return cf_err_set(err, CF_EINVAL,
                          "%s:%u: expected 'name = value', found '%s'",
                          origin, line, excerpt(ex, sizeof ex, l, ll));
    key = l;
    klen = (size_t)(eq - l);
    trim(&key, &klen);
    if (klen == 0)
        return cf_err_set(err, CF_EINVAL, "%s:%u: no setting name before '='",
                          origin, line);
    s = find_by_name(key, klen);
    if (!s && is_config_name(key, klen))
        return cf_err_set(err, CF_EINVAL,
                          "%s:%u: 'config' cannot be set in a config file",
                          origin, line);
    if (!s)
        return cf_err_set(err, CF_EINVAL, "%s:%u: unknown setting '%s'",
                          origin, line, excerpt(ex, sizeof ex, key, klen));
    k = (size_t)(s - settings);
    if (seen[k])
        return cf_err_set(err, CF_EINVAL,
                          "%s:%u: '%s' is already set on line %u", origin,
                          line, s->name, seen[k]);
    seen[k] = line;

    v = eq + 1;
    vlen = ll - (size_t)(v - l);
    trim(&v, &vlen);
    if (vlen && (v[0] == '"' || v[0] == '\'')) {
        const char *close = memchr(v + 1, v[0], vlen - 1);
        const char *rest;
        size_t rlen;
        if (!close)
            return cf_err_set(err, CF_EINVAL,
                              "%s:%u: unterminated quote in the value of '%s'",
                              origin, line, s->name);
        rest = close + 1;
        rlen = vlen - (size_t)(rest - v);
        trim(&rest, &rlen);
        if (rlen && rest[0] != '#')
            return cf_err_set(err, CF_EINVAL,
                              "%s:%u: text after the closing quote of '%s'",
                              origin, line, s->name);
        vlen = (size_t)(close - v) - 1;
        v++;
    } else {
        /* A '#' starts a comment at the start of the value or after a
         * blank; one inside a word (a URL fragment) is kept. */
        for (size_t i = 0; i < vlen; i++) {
            if (v[i] == '#' && (i == 0 || is_blank(v[i - 1]))) {
                vlen = i;
                break;
            }
        }
        trim(&v, &vlen);
    }
    snprintf(src, sizeof src, "%s:%u", origin, line);
    return set_value(cfg, s, v, vlen, src, err);
}

/* Applies config-file text to cfg, stopping at the first error (cfg is
 * then partly changed; callers work on a copy). */
static int apply_text(struct cf_config *cfg, const char *origin,
                      const char *text, size_t len, struct cf_err *err)
{
    unsigned seen[NSETTINGS] = {0};
    unsigned line = 0;
    size_t pos = 0;

    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) pos = 3; /* BOM */
    while (pos < len) {
        const char *l = text + pos;
        const char *nl = memchr(l, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - l) : len - pos;
        int rc;
        pos += ll + (nl ? 1 : 0);
        line++;
        if (memchr(l, '\0', ll))
            return cf_err_set(err, CF_EINVAL, "%s:%u: NUL byte in line",
                              origin, line);
        if (ll && l[ll - 1] == '\r') ll--;
        rc = apply_line(cfg, origin, line, l, ll, seen, err);
        if (rc) return rc;
    }
    return 0;
}

int cf_config_load_text(struct cf_config *cfg, const char *origin,
                        const char *text, size_t len, struct cf_err *err)
{
    struct cf_config tmp = *cfg;
    int rc = apply_text(&tmp, origin, text, len, err);
    if (rc == 0) *cfg = tmp;
    return rc;
}

/* Reads the file at path into b (capped at CF_CONFIG_MAX_FILE). src says
 * where the path came from. */
static int read_file(const char *path, const char *src, struct cf_buf *b,
                     struct cf_err *err)
{
    char chunk[4096];
    FILE *f = fopen(path, "rb");
    int rc = 0;

    if (!f)
        return cf_err_set(err, CF_EINVAL,
                          "cannot open config file '%s': %s (from %s)", path,
                          strerror(errno), src);
    for (;;) {
        size_t n = fread(chunk, 1, sizeof chunk, f);
        if (n == 0) break;
        if (cf_buf_append(b, chunk, n)) {
            rc = cf_err_set(err, CF_EINVAL,
                            "config file '%s' is larger than %d bytes", path,
                            CF_CONFIG_MAX_FILE);
            goto out;
        }
    }
    if (ferror(f))
        rc = cf_err_set(err, CF_EINVAL, "cannot read config file '%s'", path);
out:
    fclose(f);
    return rc;
}

/* ---- flags ------------------------------------------------------------- */

/* Reads the flag at argv[*i] (and its value) and advances *i past them.
 * Sets *s to the setting, or NULL for --config, and (*v, *vlen) to the
 * value; src receives "flag --name" as the user wrote it. */
static int next_flag(int argc, char **argv, int *i, const struct setting **s,
                     const char **v, size_t *vlen, char *src, size_t srclen,
                     struct cf_err *err)
{
    const char *arg = argv[*i], *name, *eq;
    size_t nlen;
    char ex[64];

    if (!arg || strncmp(arg, "--", 2) != 0 || arg[2] == '\0' ||
        arg[2] == '=')
        return cf_err_set(err, CF_EINVAL,
                          "unexpected argument '%s' (settings are --name "
                          "value or --name=value)",
                          arg ? excerpt(ex, sizeof ex, arg, strlen(arg)) : "");
    name = arg + 2;
    eq = strchr(name, '=');
    nlen = eq ? (size_t)(eq - name) : strlen(name);
    *s = find_by_name(name, nlen);
    if (!*s && !is_config_name(name, nlen))
        return cf_err_set(err, CF_EINVAL, "unknown flag '--%s'",
                          excerpt(ex, sizeof ex, name, nlen));
    snprintf(src, srclen, "flag --%s", excerpt(ex, sizeof ex, name, nlen));
    if (eq) {
        *v = eq + 1;
    } else if (*i + 1 < argc && argv[*i + 1] &&
               strncmp(argv[*i + 1], "--", 2) != 0) {
        *v = argv[++*i];
    } else {
        return cf_err_set(err, CF_EINVAL, "%s needs a value", src);
    }
    *vlen = strlen(*v);
    ++*i;
    return 0;
}

/* ---- loading ----------------------------------------------------------- */

int cf_config_load(struct cf_config *cfg, int argc, char **argv, char **envp,
                   struct cf_err *err)
{
    struct cf_config tmp;
    struct cf_buf file;
    const char *path = NULL, *v;
    const struct setting *s;
    char src[300], path_src[300];
    size_t vlen;
    int rc = 0, i;

    cf_buf_init(&file, CF_CONFIG_MAX_FILE);
    memset(&tmp, 0, sizeof tmp);
    for (size_t k = 0; k < NSETTINGS; k++) {
        s = &settings[k];
        rc = set_value(&tmp, s, s->def, strlen(s->def), "built-in default",
                       err);
        if (rc) goto out;
    }

    /* Pass 1 over the flags: catch malformed ones early, find --config. */
    for (i = 0; i < argc;) {
        rc = next_flag(argc, argv, &i, &s, &v, &vlen, src, sizeof src, err);
        if (rc) goto out;
        if (!s) {
            path = v;
            snprintf(path_src, sizeof path_src, "%s", src);
        }
    }
    for (char **e = envp; !path && e && *e; e++) {
        if (strncmp(*e, ENV_PREFIX "CONFIG=", ENV_PREFIX_LEN + 7) == 0) {
            path = *e + ENV_PREFIX_LEN + 7;
            snprintf(path_src, sizeof path_src,
                     "environment variable " ENV_PREFIX "CONFIG");
        }
    }
    if (path && *path) {
        rc = read_file(path, path_src, &file, err);
        if (rc) goto out;
        rc = apply_text(&tmp, path, cf_buf_str(&file), file.len, err);
        if (rc) goto out;
    }

    for (char **e = envp; e && *e; e++) {
        const char *name, *eq;
        size_t nlen;
        char ex[64];
        if (strncmp(*e, ENV_PREFIX, ENV_PREFIX_LEN) != 0) continue;
        name = *e + ENV_PREFIX_LEN;
        eq = strchr(name, '=');
        if (!eq) continue;
        nlen = (size_t)(eq - name);
        if (nlen == 6 && memcmp(name, "CONFIG", 6) == 0) continue;
        s = find_by_env(name, nlen);
        if (!s) {
            rc = cf_err_set(err, CF_EINVAL,
                            "unknown environment variable " ENV_PREFIX "%s",
                            excerpt(ex, sizeof ex, name, nlen));
            goto out;
        }
        snprintf(src, sizeof src, "environment variable " ENV_PREFIX "%s",
                 excerpt(ex, sizeof ex, name, nlen));
        rc = set_value(&tmp, s, eq + 1, strlen(eq + 1), src, err);
        if (rc) goto out;
    }

    /* Pass 2 over the flags: apply them, the last one of a name winning. */
    for (i = 0; i < argc;) {
        rc = next_flag(argc, argv, &i, &s, &v, &vlen, src, sizeof src, err);
        if (rc) goto out;
        if (!s) continue;
        rc = set_value(&tmp, s, v, vlen, src, err);
        if (rc) goto out;
    }
    *cfg = tmp;
out:
    cf_buf_cleanup(&file);
    return rc;
}

/* ---- dump and help ----------------------------------------------------- */

/* Writes z as a config-file value, quoting it when the file syntax would
 * otherwise change it. */
static void dump_string(const char *z, FILE *out)
{
    size_t len = strlen(z);
    /* Only a '#' that starts the value or follows a blank starts a comment
     * (apply_line); one inside a word needs no quotes, and quoting it broke
     * values holding both quote characters (fuzz/regression/config). */
    const char *hash = strchr(z, '#');
    while (hash && hash != z && !is_blank(hash[-1])) hash = strchr(hash + 1, '#');
    int quote = len == 0 || is_blank(z[0]) || is_blank(z[len - 1]) ||
                z[0] == '"' || z[0] == '\'' || hash;
    if (!quote) fputs(z, out);
    else if (strchr(z, '"')) fprintf(out, "'%s'", z);
    else fprintf(out, "\"%s\"", z);
}

void cf_config_dump(const struct cf_config *cfg, FILE *out)
{
    for (size_t k = 0; k < NSETTINGS; k++) {
        const struct setting *s = &settings[k];
        const char *field = (const char *)cfg + s->offset;
        fprintf(out, "%s = ", s->name);
        if (s->type == CF_CONFIG_INT) {
            int iv;
            memcpy(&iv, field, sizeof iv);
            fprintf(out, "%d", iv);
        } else {
            char z[1024];
            size_t len = strnlen(field, s->size);
            if (len >= sizeof z) len = sizeof z - 1;
            memcpy(z, field, len);
            z[len] = '\0';
            dump_string(z, out);
        }
        fputc('\n', out);
    }
}

/* Writes text word-wrapped to 78 columns, each line indented 6 spaces. */
static void put_wrapped(const char *text, FILE *out)
{
    const char *p = text;
    size_t col = 0;
    while (*p) {
        size_t wl = strcspn(p, " ");
        if (col && col + 1 + wl > 72) {
            fputc('\n', out);
            col = 0;
        }
        fputs(col ? " " : "      ", out);
        fwrite(p, 1, wl, out);
        col += wl + (col ? 1 : 0);
        p += wl;
        while (*p == ' ') p++;
    }
    fputc('\n', out);
}

void cf_config_help(FILE *out)
{
    fputs("Settings. Each one is a flag, an environment variable, or a line\n"
          "'name = value' in the config file; flags win over the\n"
          "environment, which wins over the file.\n\n",
          out);
    fprintf(out, "  %-26s %s\n", "--config PATH", ENV_PREFIX "CONFIG");
    put_wrapped("Read settings from this file ('name = value' lines, '#' "
                "comments) before the environment and the flags.",
                out);
    for (size_t k = 0; k < NSETTINGS; k++) {
        const struct setting *s = &settings[k];
        char flag[96], env[64], text[400], words[200];
        size_t i, n = strlen(s->name), used;
        memcpy(flag, "--", 2);
        for (i = 0; i < n && i + 3 < 64; i++)
            flag[i + 2] = s->name[i] == '_' ? '-' : s->name[i];
        snprintf(flag + i + 2, sizeof flag - i - 2, " %s", s->meta);
        memcpy(env, ENV_PREFIX, ENV_PREFIX_LEN);
        for (i = 0; i < n && ENV_PREFIX_LEN + i + 1 < sizeof env; i++)
            env[ENV_PREFIX_LEN + i] = to_upper(s->name[i]);
        env[ENV_PREFIX_LEN + i] = '\0';
        fprintf(out, "  %-26s %-26s default %s\n", flag, env,
                s->def[0] ? s->def : "\"\"");
        used = (size_t)snprintf(text, sizeof text, "%s", s->help);
        if (used >= sizeof text) used = sizeof text - 1;
        if (s->type == CF_CONFIG_INT) {
            snprintf(text + used, sizeof text - used, " Range %ld..%ld.",
                     s->min, s->max);
        } else if (s->type == CF_CONFIG_ENUM) {
            join_words(words, sizeof words, s->values);
            snprintf(text + used, sizeof text - used, " One of: %s.", words);
        }
        put_wrapped(text, out);
    }
}
