/* SPDX-License-Identifier: MIT
 *
 * cf_config.h - confab's settings: one table, four sources.
 *
 * Every setting lives in one static declarative table in cf_config.c (name,
 * type, place in struct cf_config, default, range or allowed values, help
 * text), in the manner of Redis' standardConfig and nginx's ngx_command_t.
 * That table alone drives the defaults, the config file, the CONFAB_*
 * environment variables, the command-line flags, validation, --dump-config,
 * --help and (by hand, checked by a unit test) conf/confab.conf.example.
 *
 * Precedence, lowest first: built-in defaults, the config file, the
 * environment, the flags. Anything unknown is an error rather than a warning,
 * so a typo never silently leaves a default in place; every error names the
 * setting and where the bad value came from. A loaded struct cf_config is
 * plain data and is treated as immutable once the server starts.
 *
 * Nothing here keeps state or reads globals (not even environ: the caller
 * passes envp, so tests can inject one). cf_config_load runs once, on the
 * main thread, before any other thread starts; the parse helpers below are
 * pure and safe from any thread.
 */
#ifndef CF_CONFIG_H
#define CF_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "../base/cf_err.h"

/* The validated settings. Strings are NUL-terminated and fit their arrays. */
struct cf_config {
    char listen[128];        /* "address:port", default "127.0.0.1:8080"; IPv6 as "[::1]:8080" */
    char database[1024];     /* SQLite path, default "confab.db" */
    char engine[16];         /* "sim" only for now */
    char region[16];         /* default "us1"; one of us1 us2 ie1 de1 sg1 br1 au1 jp1 */
    int  workers;            /* HTTP worker threads, default 0 = number of CPUs, max 256 */
    char log_level[16];      /* debug info notice warn error crit; default info */
    char webhook_allow[1024];/* comma-separated CIDR list allowed despite default deny; default "" */
    char webhook_deny[1024]; /* extra CIDRs denied; default "" */
    int  max_connections;    /* default 10000, 1..100000 */
    int  idle_timeout;       /* seconds a connection may be idle, default 60, 1..3600 */
    int  header_timeout;     /* seconds to send the first request head, default 30 */
    int  max_body;           /* bytes, default 65536, 1024..1048576 */
    int  max_header;         /* bytes for request line+headers, default 16384, 1024..1048576 */
    char more_info_base[256];/* default "https://developer.signalwire.com/compatibility-api/reference/error-codes" */
    char durability[16];     /* "normal" (default) or "full" */
    int  cache_mb;           /* SQLite page cache cap per connection, MiB, default 256, 2..65536 */
    char dev_project[1024];  /* path of a file; when set, serve creates a development project on first start and writes its credentials there; default "" */
    char metrics_listen[128]; /* separate /metrics listener, "" = on the API listener */
    int  rate_limit;         /* requests/s per project, 0 = none */
    int  rate_burst;         /* bucket size, 0 = rate_limit */
    int  max_live_conferences;  /* per project, 0 = none */
    int  max_live_participants; /* per project, 0 = none */
    char tls_listen[128];    /* HTTPS listener, default 127.0.0.1:8443 */
    char tls_cert[1024];     /* PEM chain; "" = no HTTPS */
    char tls_key[1024];      /* PEM key */
    int  webhook_retry_for;
    int  webhook_timeout;    /* seconds for one outbound request, default 30 */  /* seconds an event is retried, default 3600 */
    char public_url[256];    /* e.g. https://confab.example.com; default "" = http://<listen> */
    char recordings_dir[1024]; /* recording files; default "" = <database>.recordings */
    int  shutdown_grace;     /* seconds SIGTERM waits for in-flight requests, default 10, 0..300 */
    int  sim_answer_delay_ms;/* simulated engine answer delay, default 0, 0..600000 */
};

/* Fills cfg with defaults, then the file named by --config (if any, from
 * argv), then CONFAB_* environment variables, then argv flags (flags win over
 * env, env over file). Unknown flags/keys/env CONFAB_* variables are errors;
 * a value that fails its type/range/enum check is an error naming the setting
 * and the source (e.g. "workers: 'abc' is not an integer (from environment
 * variable CONFAB_WORKERS)" or "confab.conf:12: unknown setting 'lisen'").
 * Returns 0 or CF_EINVAL with err->msg set. argv is the argument list after
 * the subcommand (argv[0] is the first flag).
 *
 *   cfg   OUT  written only on success; left unchanged on failure.
 *   argc, argv  IN  borrowed. Flags are "--name value" or "--name=value";
 *               dashes and underscores in names are interchangeable
 *               (--webhook-allow == --webhook_allow). A value may not begin
 *               with "--" in the two-word form (write --name=--x instead).
 *               A repeated flag: the last one wins. Anything that is not a
 *               known flag (positional words, "-x", "--help",
 *               "--dump-config") is an error, so the caller strips its own
 *               flags first.
 *   envp  IN   NULL-terminated "NAME=value" array (may be NULL); borrowed.
 *               Only CONFAB_* entries are looked at: CONFAB_ + upper-case
 *               setting name, plus CONFAB_CONFIG.
 *
 * The config file is "--config PATH" (or "--config=PATH"), else
 * CONFAB_CONFIG; an empty path means no file (so "--config=" disables a
 * CONFAB_CONFIG). File format: "name = value" lines, '#' starts a comment
 * (at the start of a line, or after whitespace following a value), blank
 * lines are ignored, a value may be wrapped in "double" or 'single' quotes
 * (which keeps '#' and surrounding spaces), CRLF line ends are accepted. A
 * setting may appear at most once per file. The file is capped at 1 MiB.
 * String values longer than their field are errors, never truncated.
 */
int cf_config_load(struct cf_config *cfg, int argc, char **argv, char **envp,
                   struct cf_err *err);

/* Applies config-file text (the format described above) on top of cfg.
 * origin names the text in messages ("confab.conf" gives
 * "confab.conf:12: ..."). text need not be NUL-terminated; a NUL byte in it
 * is an error. cfg is changed only on success. Returns 0 or CF_EINVAL with
 * err->msg set. This is the pure entry point cf_config_load uses for files,
 * and the one the config-file fuzz target calls. */
int cf_config_load_text(struct cf_config *cfg, const char *origin,
                        const char *text, size_t len, struct cf_err *err);

/* Writes every setting as "name = value" lines (what --dump-config prints).
 * The output is itself a valid config file: strings that are empty or would
 * not survive the file syntax (spaces at the ends, '#') are quoted. */
void cf_config_dump(const struct cf_config *cfg, FILE *out);

/* Writes a help table of the settings (flag, env var, default, description)
 * to out. */
void cf_config_help(FILE *out);

/* Splits a listen value "host:port" or "[v6]:port" into host (without the
 * brackets, NUL-terminated, at most hostlen bytes with the NUL) and port
 * (1..65535). host may be an IPv4 address, a bracketed IPv6 address or a
 * host name for the listener to resolve; an empty host is refused (say
 * 0.0.0.0 or [::] to listen everywhere). Outputs are written only on
 * success. Returns 0 or CF_EINVAL (malformed, or host does not fit). */
int cf_config_parse_listen(const char *listen, char *host, size_t hostlen,
                           int *port);

/* Most entries a CIDR list setting may hold. */
#define CF_CONFIG_MAX_CIDRS 256

/* One entry of webhook_allow / webhook_deny. */
struct cf_cidr {
    int family;             /* AF_INET or AF_INET6 */
    unsigned char addr[16]; /* network byte order; IPv4 uses the first 4 */
    int prefix;             /* leading bits that count: 0..32 or 0..128 */
};

/* Parses a comma-separated CIDR list such as webhook_allow into out[0..max):
 * "a.b.c.d/n" or an IPv6 address with "/n"; a bare address means /32 or
 * /128; spaces around entries are allowed; "" is an empty list. Bits past
 * the prefix are kept as written (match with the prefix, not the bits).
 * On success sets *n to the number of entries. Returns 0, CF_EINVAL (a
 * malformed entry) or CF_ETOOBIG (more than max entries); on failure *n is
 * unchanged but entries of out may have been written. A list that passed
 * cf_config_load has at most CF_CONFIG_MAX_CIDRS entries. */
int cf_config_parse_cidr_list(const char *list, struct cf_cidr *out,
                              size_t max, size_t *n);

#endif
