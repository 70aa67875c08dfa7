/* SPDX-License-Identifier: MIT
 *
 * cf_time.h - time as int64 microseconds since the Unix epoch (UTC), and the
 * two text forms the API uses: RFC 2822 timestamps ("Mon, 24 Sep 2018
 * 21:00:00 +0000", English names in every locale, never "Sept") and the
 * YYYY-MM-DD dates of list filters. Pure functions, no locale, no tz.
 */
#ifndef CF_TIME_H
#define CF_TIME_H

#include <stddef.h>
#include <stdint.h>

#define CF_USEC_PER_SEC INT64_C(1000000)
#define CF_USEC_PER_DAY (INT64_C(86400) * CF_USEC_PER_SEC)
#define CF_RFC2822_LEN 32 /* buffer size for cf_time_rfc2822 */

int64_t cf_time_now_us(void);       /* wall clock, UTC */
int64_t cf_time_monotonic_us(void); /* for durations and deadlines */

/* Writes t (µs since epoch, UTC) as RFC 2822 into out (>= CF_RFC2822_LEN):
 * always CF_RFC2822_LEN - 1 characters and a NUL (years clamped to 0-9999). */
void cf_time_rfc2822(int64_t t, char *out);

/* Parses exactly "YYYY-MM-DD" (a real calendar date, year 0001..9999,
 * proleptic Gregorian; before 1970 negative) into the µs of that day's UTC
 * midnight. Returns 0 or CF_EINVAL. */
int cf_time_parse_date(const char *z, int64_t *day_start_us);

/* Days since epoch <-> civil date (proleptic Gregorian). */
int64_t cf_time_days_from_civil(int y, unsigned m, unsigned d);
void cf_time_civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d);

#endif
