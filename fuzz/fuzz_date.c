/* SPDX-License-Identifier: MIT
 *
 * fuzz_date.c - cf_time_parse_date: the YYYY-MM-DD values of list filters
 * (DateCreated, DateUpdated, StartTime and their < and > forms), as the C
 * string the API hands it after decoding the query.
 *
 * Checks beyond memory safety (the promises of cf_time.h): a parsed date is
 * exactly ten characters, a UTC midnight of the years 0001 to 9999 (before
 * 1970 negative), converts back to the same "YYYY-MM-DD" text, and formats
 * as a 31-character RFC 2822 time.
 */
#include "fuzz_common.h"

#include "../src/base/cf_err.h"
#include "../src/base/cf_time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *z = fuzz_strdup(data, size);
    int64_t us = -1;
    int rc = cf_time_parse_date(z, &us);
    FUZZ_CHECK(rc == 0 || rc == CF_EINVAL);
    if (rc == 0) {
        char back[32], rfc[CF_RFC2822_LEN];
        int y;
        unsigned m, d;
        FUZZ_CHECK(strlen(z) == 10);
        /* 0001-01-01 .. 9999-12-31: days -719162 .. 2932896 */
        FUZZ_CHECK(us % CF_USEC_PER_DAY == 0);
        FUZZ_CHECK(us >= INT64_C(-719162) * CF_USEC_PER_DAY &&
                   us <= INT64_C(2932896) * CF_USEC_PER_DAY);
        cf_time_civil_from_days(us / CF_USEC_PER_DAY, &y, &m, &d);
        snprintf(back, sizeof back, "%04d-%02u-%02u", y, m, d);
        FUZZ_CHECK(strcmp(back, z) == 0);
        FUZZ_CHECK(cf_time_days_from_civil(y, m, d) * CF_USEC_PER_DAY == us);
        cf_time_rfc2822(us, rfc);
        FUZZ_CHECK(strlen(rfc) == 31 && memcmp(rfc + 17, "00:00:00 +0000", 15) == 0);
    }
    free(z);
    return 0;
}
