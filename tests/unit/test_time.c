/* SPDX-License-Identifier: MIT
 *
 * test_time.c - unit tests for cf_time: RFC 2822 formatting (known dates,
 * leap days, month and weekday names, negative times, agreement with libc's
 * gmtime_r/strftime in the C locale), YYYY-MM-DD parsing (valid dates, leap
 * rules, every kind of malformed input) and the civil-date conversions.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "../../src/base/cf_err.h"
#include "../../src/base/cf_time.h"
#include "cf_test.h"

#define SEC(s) ((int64_t)(s) * CF_USEC_PER_SEC)

/* Formats t into a fresh, poisoned buffer and returns it (static storage). */
static const char *tt_fmt(int64_t t)
{
    static char out[CF_RFC2822_LEN + 8];
    memset(out, 'X', sizeof out);
    cf_time_rfc2822(t, out);
    return out;
}

/* Parses z; returns rc and sets *us (left at a sentinel on failure). */
static int tt_parse(const char *z, int64_t *us)
{
    *us = INT64_C(-777);
    return cf_time_parse_date(z, us);
}

/* ---- cf_time_rfc2822 ---- */

CF_TEST(time_rfc2822_epoch)
{
    CF_CHECK_STR(tt_fmt(0), "Thu, 01 Jan 1970 00:00:00 +0000");
    CF_CHECK_INT(strlen(tt_fmt(0)), 31);
    CF_CHECK(strlen(tt_fmt(0)) < CF_RFC2822_LEN);
    /* sub-second parts are truncated */
    CF_CHECK_STR(tt_fmt(999999), "Thu, 01 Jan 1970 00:00:00 +0000");
    CF_CHECK_STR(tt_fmt(1000000), "Thu, 01 Jan 1970 00:00:01 +0000");
    CF_CHECK_STR(tt_fmt(SEC(86399)), "Thu, 01 Jan 1970 23:59:59 +0000");
    CF_CHECK_STR(tt_fmt(SEC(86400)), "Fri, 02 Jan 1970 00:00:00 +0000");
}

CF_TEST(time_rfc2822_known_dates)
{
    CF_CHECK_STR(tt_fmt(SEC(1537822800)), "Mon, 24 Sep 2018 21:00:00 +0000");
    CF_CHECK_STR(tt_fmt(SEC(1537822800) + 123456), "Mon, 24 Sep 2018 21:00:00 +0000");
    CF_CHECK_STR(tt_fmt(SEC(946684799)), "Fri, 31 Dec 1999 23:59:59 +0000");
    CF_CHECK_STR(tt_fmt(SEC(946684800)), "Sat, 01 Jan 2000 00:00:00 +0000");
    CF_CHECK_STR(tt_fmt(SEC(2147483648LL)), "Tue, 19 Jan 2038 03:14:08 +0000");
    CF_CHECK_STR(tt_fmt(SEC(1709960767)), "Sat, 09 Mar 2024 05:06:07 +0000");
    CF_CHECK_STR(tt_fmt(SEC(253402300799LL)), "Fri, 31 Dec 9999 23:59:59 +0000");
}

CF_TEST(time_rfc2822_leap_days)
{
    CF_CHECK_STR(tt_fmt(SEC(1709210096)), "Thu, 29 Feb 2024 12:34:56 +0000");
    CF_CHECK_STR(tt_fmt(SEC(1709210096 + 86400)), "Fri, 01 Mar 2024 12:34:56 +0000");
    CF_CHECK_STR(tt_fmt(SEC(951782400)), "Tue, 29 Feb 2000 00:00:00 +0000");
    /* 2100 is not a leap year: 28 Feb is followed by 01 Mar */
    CF_CHECK_STR(tt_fmt(SEC(4107542399LL)), "Sun, 28 Feb 2100 23:59:59 +0000");
    CF_CHECK_STR(tt_fmt(SEC(4107542400LL)), "Mon, 01 Mar 2100 00:00:00 +0000");
}

CF_TEST(time_rfc2822_month_names)
{
    static const char *const want[12] = {
        "Fri, 15 Jan 2021 12:00:00 +0000", "Mon, 15 Feb 2021 12:00:00 +0000",
        "Mon, 15 Mar 2021 12:00:00 +0000", "Thu, 15 Apr 2021 12:00:00 +0000",
        "Sat, 15 May 2021 12:00:00 +0000", "Tue, 15 Jun 2021 12:00:00 +0000",
        "Thu, 15 Jul 2021 12:00:00 +0000", "Sun, 15 Aug 2021 12:00:00 +0000",
        "Wed, 15 Sep 2021 12:00:00 +0000", "Fri, 15 Oct 2021 12:00:00 +0000",
        "Mon, 15 Nov 2021 12:00:00 +0000", "Wed, 15 Dec 2021 12:00:00 +0000",
    };
    for (unsigned m = 1; m <= 12; m++) {
        int64_t days = cf_time_days_from_civil(2021, m, 15);
        CF_CHECK_STR(tt_fmt(days * CF_USEC_PER_DAY + SEC(12 * 3600)), want[m - 1]);
    }
    /* never "Sept" */
    CF_CHECK(strstr(tt_fmt(SEC(1537822800)), "Sept") == NULL);
}

CF_TEST(time_rfc2822_two_digit_fields)
{
    /* 2024-01-02 03:04:05 */
    int64_t t = cf_time_days_from_civil(2024, 1, 2) * CF_USEC_PER_DAY + SEC(3 * 3600 + 4 * 60 + 5);
    CF_CHECK_STR(tt_fmt(t), "Tue, 02 Jan 2024 03:04:05 +0000");
    t = cf_time_days_from_civil(2024, 12, 31) * CF_USEC_PER_DAY + SEC(23 * 3600 + 59 * 60 + 59);
    CF_CHECK_STR(tt_fmt(t), "Tue, 31 Dec 2024 23:59:59 +0000");
}

CF_TEST(time_rfc2822_negative)
{
    CF_CHECK_STR(tt_fmt(-1), "Wed, 31 Dec 1969 23:59:59 +0000");
    CF_CHECK_STR(tt_fmt(-SEC(1)), "Wed, 31 Dec 1969 23:59:59 +0000");
    CF_CHECK_STR(tt_fmt(-SEC(1) - 1), "Wed, 31 Dec 1969 23:59:58 +0000");
    CF_CHECK_STR(tt_fmt(-SEC(86400)), "Wed, 31 Dec 1969 00:00:00 +0000");
    CF_CHECK_STR(tt_fmt(-SEC(86400) - 1), "Tue, 30 Dec 1969 23:59:59 +0000");
}

/* Every ~13 hours and a bit over 1970..2200, against gmtime_r + strftime
 * (the process never calls setlocale, so libc uses the English C locale). */
CF_TEST(time_rfc2822_matches_libc)
{
    int bad = 0;
    for (int64_t s = -86400 * 3; s < INT64_C(7258118400);
         s += 13 * 3600 + 17 * 60 + 29) {
        time_t tt = (time_t)s;
        struct tm tm;
        char want[64];
        if (!gmtime_r(&tt, &tm)) {
            CF_CHECK(0);
            break;
        }
        strftime(want, sizeof want, "%a, %d %b %Y %H:%M:%S +0000", &tm);
        if (strcmp(tt_fmt(SEC(s)), want) != 0 && bad++ < 5) {
            CF_CHECK_STR(tt_fmt(SEC(s)), want);
        }
    }
    CF_CHECK_INT(bad, 0);
}

/* ---- cf_time_parse_date ---- */

CF_TEST(time_parse_date_valid)
{
    int64_t us;
    /* before 1970: negative, down to year 1 */
    CF_CHECK_INT(tt_parse("1969-12-31", &us), 0);
    CF_CHECK_INT(us, -CF_USEC_PER_DAY);
    CF_CHECK_INT(tt_parse("1900-01-01", &us), 0);
    CF_CHECK_STR(tt_fmt(us), "Mon, 01 Jan 1900 00:00:00 +0000");
    CF_CHECK_INT(tt_parse("0001-01-01", &us), 0);
    CF_CHECK_INT(us, INT64_C(-719162) * CF_USEC_PER_DAY);
    CF_CHECK_INT(tt_parse("1970-01-01", &us), 0);
    CF_CHECK_INT(us, 0);
    CF_CHECK_INT(tt_parse("1970-01-02", &us), 0);
    CF_CHECK_INT(us, CF_USEC_PER_DAY);
    CF_CHECK_INT(tt_parse("2018-09-24", &us), 0);
    CF_CHECK_INT(us, SEC(1537822800 - 21 * 3600));
    CF_CHECK_INT(tt_parse("2023-12-31", &us), 0);
    CF_CHECK_INT(us, 19722 * CF_USEC_PER_DAY);
    CF_CHECK_INT(tt_parse("1972-02-29", &us), 0);
    CF_CHECK_INT(us, 789 * CF_USEC_PER_DAY);
    CF_CHECK_INT(tt_parse("9999-12-31", &us), 0);
    CF_CHECK_INT(us, INT64_C(2932896) * CF_USEC_PER_DAY);
    CF_CHECK_INT(tt_parse("2024-04-30", &us), 0);
    CF_CHECK_INT(tt_parse("2024-01-31", &us), 0);
    /* the day's midnight formats back to itself */
    CF_CHECK_INT(tt_parse("2021-09-05", &us), 0);
    CF_CHECK_STR(tt_fmt(us), "Sun, 05 Sep 2021 00:00:00 +0000");
}

CF_TEST(time_parse_date_leap_years)
{
    int64_t us;
    CF_CHECK_INT(tt_parse("2000-02-29", &us), 0); /* divisible by 400 */
    CF_CHECK_INT(us, 11016 * CF_USEC_PER_DAY);
    CF_CHECK_INT(tt_parse("2000-03-01", &us), 0);
    CF_CHECK_INT(us, 11017 * CF_USEC_PER_DAY);
    CF_CHECK_INT(tt_parse("2024-02-29", &us), 0); /* divisible by 4 */
    CF_CHECK_INT(us, 19782 * CF_USEC_PER_DAY);
    CF_CHECK_INT(tt_parse("2100-02-28", &us), 0);
    CF_CHECK_INT(us, SEC(4107542400LL) - CF_USEC_PER_DAY);
    CF_CHECK_INT(tt_parse("2100-02-29", &us), CF_EINVAL); /* by 100, not 400 */
    CF_CHECK_INT(us, -777);
    CF_CHECK_INT(tt_parse("2023-02-29", &us), CF_EINVAL);
    CF_CHECK_INT(tt_parse("2024-02-30", &us), CF_EINVAL);
    CF_CHECK_INT(tt_parse("2000-02-30", &us), CF_EINVAL);
    CF_CHECK_INT(tt_parse("2400-02-29", &us), 0);
    /* before 1970: 1900 is not a leap year, 1600 is */
    CF_CHECK_INT(tt_parse("1900-02-29", &us), CF_EINVAL);
    CF_CHECK_INT(us, -777);
    CF_CHECK_INT(tt_parse("1900-02-28", &us), 0);
    CF_CHECK_INT(us, INT64_C(-25509) * CF_USEC_PER_DAY);
    CF_CHECK_INT(tt_parse("1600-02-29", &us), 0);
}

CF_TEST(time_parse_date_invalid)
{
    static const char *bad[] = {
        /* month / day out of range */
        "2024-00-10", "2024-13-01", "2024-99-01", "2024-01-00", "2024-01-32", "2024-04-31",
        "2024-06-31", "2024-09-31", "2024-11-31", "2024-02-31",
        /* wrong lengths */
        "", "2", "2024", "2024-01", "2024-01-", "2024-1-01", "2024-01-1", "24-01-01",
        "02024-01-01", "2024-01-011", "2024-001-01",
        /* non-digits and wrong separators */
        "2024/01/01", "2024.01.01", "20240101xx", "2024-0a-01", "2024-01-0a", "abcd-01-01",
        "2O24-01-01", "+024-01-01", "-024-01-01", "2024- 1-01", "2024-01- 1", " 024-01-01",
        "2024--1-01", "2024-01--1", "2024-01:01",
        /* trailing characters */
        "2024-01-01 ", "2024-01-01T00:00:00Z", "2024-01-01\n", "2024-01-01x",
        /* year 0 */
        "0000-01-01", "0000-12-31",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int64_t us;
        int rc = tt_parse(bad[i], &us);
        if (rc != CF_EINVAL) fprintf(stderr, "  input: \"%s\"\n", bad[i]);
        CF_CHECK_INT(rc, CF_EINVAL);
        CF_CHECK_INT(us, -777);
    }
}

CF_TEST(time_parse_date_every_day)
{
    /* every day 1970..2100 parses to days_from_civil, and nothing else in
     * each month does */
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t expect = 0;
    int bad = 0;
    for (int y = 1970; y <= 2100; y++) {
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        for (unsigned m = 1; m <= 12; m++) {
            unsigned max = mdays[m - 1] + (m == 2 && leap);
            for (unsigned d = 1; d <= 31; d++) {
                char z[32];
                int64_t us;
                int rc;
                snprintf(z, sizeof z, "%04d-%02u-%02u", y, m, d);
                rc = tt_parse(z, &us);
                if (d <= max) {
                    if (rc != 0 || us != expect * CF_USEC_PER_DAY) bad++;
                    expect++;
                } else if (rc != CF_EINVAL) {
                    bad++;
                }
            }
        }
    }
    CF_CHECK_INT(bad, 0);
    CF_CHECK_INT(expect, cf_time_days_from_civil(2101, 1, 1));
}

/* ---- civil dates ---- */

CF_TEST(time_civil_known)
{
    int y;
    unsigned m, d;
    CF_CHECK_INT(cf_time_days_from_civil(1970, 1, 1), 0);
    CF_CHECK_INT(cf_time_days_from_civil(2000, 3, 1), 11017);
    CF_CHECK_INT(cf_time_days_from_civil(1900, 3, 1), -25508);
    CF_CHECK_INT(cf_time_days_from_civil(1, 1, 1), -719162);
    CF_CHECK_INT(cf_time_days_from_civil(9999, 12, 31), 2932896);
    CF_CHECK_INT(cf_time_days_from_civil(1969, 12, 31), -1);
    cf_time_civil_from_days(-1, &y, &m, &d);
    CF_CHECK_INT(y, 1969);
    CF_CHECK_INT(m, 12);
    CF_CHECK_INT(d, 31);
    cf_time_civil_from_days(19782, &y, &m, &d);
    CF_CHECK_INT(y, 2024);
    CF_CHECK_INT(m, 2);
    CF_CHECK_INT(d, 29);
    cf_time_civil_from_days(-719162, &y, &m, &d);
    CF_CHECK_INT(y, 1);
    CF_CHECK_INT(m, 1);
    CF_CHECK_INT(d, 1);
}

CF_TEST(time_civil_round_trip)
{
    /* days -> civil -> days over years -400..3000, and civil steps by one
     * day at a time through valid dates */
    int64_t lo = cf_time_days_from_civil(-400, 1, 1), hi = cf_time_days_from_civil(3000, 12, 31);
    int py = 0;
    unsigned pm = 0, pd = 0;
    int bad = 0;
    CF_CHECK_INT(hi - lo + 1, (int64_t)3401 * 365 + 825); /* 3401 years, 825 leap */
    for (int64_t z = lo; z <= hi; z++) {
        int y, was = bad;
        unsigned m, d;
        cf_time_civil_from_days(z, &y, &m, &d);
        if (m < 1 || m > 12 || d < 1 || d > 31) bad++;
        if (cf_time_days_from_civil(y, m, d) != z) bad++;
        if (z > lo) {
            /* the next day: same month d+1, or day 1 of the next month/year */
            int ok = (y == py && m == pm && d == pd + 1) ||
                     (y == py && m == pm + 1 && d == 1 && pd >= 28) ||
                     (y == py + 1 && m == 1 && d == 1 && pm == 12 && pd == 31);
            if (!ok) bad++;
        }
        py = y, pm = m, pd = d;
        if (bad != was && was < 3) fprintf(stderr, "  day %lld -> %d-%u-%u\n", (long long)z, y, m, d);
    }
    CF_CHECK_INT(bad, 0);
    CF_CHECK_INT(py, 3000);
    CF_CHECK_INT(pm, 12);
    CF_CHECK_INT(pd, 31);
}
