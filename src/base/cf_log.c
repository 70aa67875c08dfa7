/* SPDX-License-Identifier: MIT
 *
 * cf_log.c - structured log lines (see cf_log.h).
 */
#include "cf_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cf_err.h"
#include "cf_time.h"

enum cf_log_level cf_log_threshold = CF_LOG_INFO;

static const char *const names[] = {"debug", "info", "notice", "warn", "error", "crit"};

int cf_log_parse_level(const char *z, enum cf_log_level *out)
{
    for (int i = 0; i <= CF_LOG_CRIT; i++) {
        if (strcmp(z, names[i]) == 0) {
            *out = (enum cf_log_level)i;
            return 0;
        }
    }
    return CF_EINVAL;
}

void cf_log_set_level(enum cf_log_level lvl)
{
    cf_log_threshold = lvl;
}

static void vwrite_line(enum cf_log_level lvl, const char *reqid, const char *fmt, va_list ap)
{
    char line[2048];
    int64_t now = cf_time_now_us();
    int64_t secs = now / CF_USEC_PER_SEC;
    int y;
    unsigned m, d;
    int n;
    size_t len;
    cf_time_civil_from_days(secs / 86400, &y, &m, &d);
    n = snprintf(line, sizeof line, "ts=%04d-%02u-%02uT%02d:%02d:%02d.%03dZ level=%s", y, m, d,
                 (int)(secs % 86400 / 3600), (int)(secs % 3600 / 60), (int)(secs % 60),
                 (int)(now % CF_USEC_PER_SEC / 1000), names[lvl]);
    len = (size_t)n;
    if (reqid && len < sizeof line)
        len += (size_t)snprintf(line + len, sizeof line - len, " req=%s", reqid);
    if (len < sizeof line - 1) {
        line[len++] = ' ';
        n = vsnprintf(line + len, sizeof line - len, fmt, ap);
        if (n > 0) len += (size_t)n;
    }
    if (len > sizeof line - 2) len = sizeof line - 2;
    line[len++] = '\n';
    (void)!write(STDERR_FILENO, line, len);
}

void cf_log_write(enum cf_log_level lvl, const char *reqid, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwrite_line(lvl, reqid, fmt, ap);
    va_end(ap);
}

void cf_panic_at(const char *file, int line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cf_log_write(CF_LOG_CRIT, NULL, "msg=\"panic\" at=%s:%d detail=\"%s\"", file, line, msg);
    abort();
}
