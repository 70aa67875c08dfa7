/* SPDX-License-Identifier: MIT
 *
 * cf_log.h - structured log lines on stderr: "ts=… level=… req=… msg=…
 * key=value …". The level is checked before arguments are evaluated.
 *
 * The threshold is the one process-wide setting here: it is set once at start
 * (cf_log_set_level) before any thread runs and only read afterwards, so
 * passing a logger to every function would buy nothing. Lines are written
 * with one write(2) each, so lines from threads never interleave. Never log
 * secrets or request bodies.
 */
#ifndef CF_LOG_H
#define CF_LOG_H

enum cf_log_level { CF_LOG_DEBUG, CF_LOG_INFO, CF_LOG_NOTICE, CF_LOG_WARN, CF_LOG_ERROR, CF_LOG_CRIT };

extern enum cf_log_level cf_log_threshold;

/* Parses "debug".."crit"; returns 0 or CF_EINVAL. */
int cf_log_parse_level(const char *z, enum cf_log_level *out);
void cf_log_set_level(enum cf_log_level lvl);
/* reqid may be NULL; fmt is the rest of the line (key=value pairs, msg="…"). */
void cf_log_write(enum cf_log_level lvl, const char *reqid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define cf_log(lvl, reqid, ...)                                          \
    do {                                                                 \
        if ((lvl) >= cf_log_threshold) cf_log_write((lvl), (reqid), __VA_ARGS__); \
    } while (0)

/* Aborts after logging file:line; for states that must never happen. */
#define cf_panic(...) cf_panic_at(__FILE__, __LINE__, __VA_ARGS__)
void cf_panic_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

#endif
