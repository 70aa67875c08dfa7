/* SPDX-License-Identifier: MIT
 *
 * test_authcache.c - the cache of verified Authorization headers
 * (src/api/cf_authcache.c): hits only for the same whole header within the
 * time to live, never for a header too long to keep, never with ttl 0.
 */
#include <string.h>

#include "../../src/api/cf_authcache.h"
#include "../../src/http/cf_auth.h"
#include "cf_test.h"

#define P1 "0b327e6e-dd7b-453b-b940-ca0597d5761e"
#define P2 "1c327e6e-dd7b-453b-b940-ca0597d5761f"
#define SEC 1000000

CF_TEST(authcache_hit_within_ttl_only)
{
    struct cf_authcache *c = cf_authcache_create(SEC);
    char pid[CF_UUID_SIZE];
    CF_CHECK(!cf_authcache_get(c, "Basic abc", 10, pid));
    cf_authcache_put(c, "Basic abc", P1, 10);
    memset(pid, 0, sizeof pid);
    CF_CHECK(cf_authcache_get(c, "Basic abc", 10 + SEC - 1, pid));
    CF_CHECK_STR(pid, P1);
    CF_CHECK(!cf_authcache_get(c, "Basic abc", 10 + SEC, pid));  /* expired */
    CF_CHECK(!cf_authcache_get(c, "Basic abc", 5, pid));         /* clock went back */
    cf_authcache_destroy(c);
}

CF_TEST(authcache_compares_the_whole_header)
{
    struct cf_authcache *c = cf_authcache_create(SEC);
    char pid[CF_UUID_SIZE];
    cf_authcache_put(c, "Basic abcd", P1, 0);
    CF_CHECK(!cf_authcache_get(c, "Basic abc", 1, pid));
    CF_CHECK(!cf_authcache_get(c, "Basic abcde", 1, pid));
    CF_CHECK(!cf_authcache_get(c, "Basic abce", 1, pid));
    CF_CHECK(!cf_authcache_get(c, "", 1, pid));
    CF_CHECK(!cf_authcache_get(c, NULL, 1, pid));
    /* a newer verification of the same header replaces the older */
    cf_authcache_put(c, "Basic abcd", P2, 2);
    CF_CHECK(cf_authcache_get(c, "Basic abcd", 3, pid));
    CF_CHECK_STR(pid, P2);
    cf_authcache_destroy(c);
}

CF_TEST(authcache_never_keeps_long_headers_or_with_ttl_zero)
{
    struct cf_authcache *c = cf_authcache_create(SEC);
    struct cf_authcache *off = cf_authcache_create(0);
    static char big[CF_AUTH_MAX_HEADER + 2];
    char pid[CF_UUID_SIZE];
    memset(big, 'a', sizeof big - 1);
    cf_authcache_put(c, big, P1, 0);
    CF_CHECK(!cf_authcache_get(c, big, 1, pid));
    big[CF_AUTH_MAX_HEADER] = '\0'; /* exactly the cap: kept */
    cf_authcache_put(c, big, P1, 0);
    CF_CHECK(cf_authcache_get(c, big, 1, pid));
    cf_authcache_put(off, "Basic abc", P1, 0);
    CF_CHECK(!cf_authcache_get(off, "Basic abc", 0, pid));
    cf_authcache_destroy(c);
    cf_authcache_destroy(off);
}
