/* SPDX-License-Identifier: MIT
 *
 * cf_time.c - clock reads and calendar arithmetic without libc's locale or
 * time-zone machinery (Howard Hinnant's days-from-civil algorithms), so that
 * formatting is the same on every machine and thread-safe.
 */
#include "cf_time.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cf_err.h"

int64_t cf_time_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * CF_USEC_PER_SEC + ts.tv_nsec / 1000;
}

int64_t cf_time_monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * CF_USEC_PER_SEC + ts.tv_nsec / 1000;
}

int64_t cf_time_days_from_civil(int y, unsigned m, unsigned d)
{
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    unsigned yoe = (unsigned)(yy - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void cf_time_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    int64_t era;
    unsigned doe, yoe, doy, mp;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

static char *two(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/* Hand-rolled rather than snprintf: it is on the hot path of every list. */
void cf_time_rfc2822(int64_t t, char *out)
{
    static const char wd[] = "ThuFriSatSunMonTueWed";
    static const char mon[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int64_t secs = t >= 0 ? t / CF_USEC_PER_SEC : (t - CF_USEC_PER_SEC + 1) / CF_USEC_PER_SEC;
    int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int64_t rem = secs - days * 86400;
    int y;
    unsigned m, d;
    int w = (int)(((days % 7) + 7) % 7);
    char *p = out;
    cf_time_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) y = y < 0 ? 0 : 9999;
    memcpy(p, wd + 3 * w, 3);
    p += 3;
    *p++ = ',';
    *p++ = ' ';
    p = two(p, d);
    *p++ = ' ';
    memcpy(p, mon + 3 * (m - 1), 3);
    p += 3;
    *p++ = ' ';
    p = two(p, (unsigned)y / 100);
    p = two(p, (unsigned)y % 100);
    *p++ = ' ';
    p = two(p, (unsigned)(rem / 3600));
    *p++ = ':';
    p = two(p, (unsigned)(rem / 60 % 60));
    *p++ = ':';
    p = two(p, (unsigned)(rem % 60));
    memcpy(p, " +0000", 7);
}

static int digits(const char *z, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (z[i] < '0' || z[i] > '9') return CF_EINVAL;
        v = v * 10 + (z[i] - '0');
    }
    *out = v;
    return 0;
}

int cf_time_parse_date(const char *z, int64_t *day_start_us)
{
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d;
    unsigned max;
    for (int i = 0; i < 10; i++)
        if (!z[i]) return CF_EINVAL;
    if (z[10] || z[4] != '-' || z[7] != '-') return CF_EINVAL;
    if (digits(z, 4, &y) || digits(z + 5, 2, &m) || digits(z + 8, 2, &d)) return CF_EINVAL;
    if (y < 1 || m < 1 || m > 12 || d < 1) return CF_EINVAL;
    max = mdays[m - 1];
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) max = 29;
    if ((unsigned)d > max) return CF_EINVAL;
    *day_start_us = cf_time_days_from_civil(y, (unsigned)m, (unsigned)d) * CF_USEC_PER_DAY;
    return 0;
}
