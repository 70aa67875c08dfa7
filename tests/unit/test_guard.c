/* SPDX-License-Identifier: MIT
 *
 * test_guard.c - unit tests for cf_guard, the webhook destination address
 * guard: both edges of every built-in deny range (first and last address
 * inside, a neighbour outside), public addresses, IPv4-mapped and
 * IPv4-compatible IPv6, webhook_allow overriding the built-in list,
 * webhook_deny overriding webhook_allow, /0 prefixes, prefixes that do not
 * end on a byte, and malformed lists.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "../../src/base/cf_err.h"
#include "../../src/webhook/cf_guard.h"
#include "cf_test.h"

/* Fills ss with the address z (IPv4 if it has no ':') and port 443. */
static const struct sockaddr *sa_of(const char *z, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (strchr(z, ':')) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(443);
        if (inet_pton(AF_INET6, z, &s6->sin6_addr) != 1) return NULL;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(443);
        if (inet_pton(AF_INET, z, &s4->sin_addr) != 1) return NULL;
    }
    return (const struct sockaddr *)ss;
}

/* One expectation: addr is allowed or not, for the given reason. */
struct guard_case {
    const char *addr;
    bool allowed;
    const char *reason;
};

/* Checks every case against g; reports the failing address. */
static void check_cases(const struct cf_guard *g, const struct guard_case *c,
                        size_t n, int *cf_failed_)
{
    size_t i;
    for (i = 0; i < n; i++) {
        struct sockaddr_storage ss;
        const struct sockaddr *sa = sa_of(c[i].addr, &ss);
        bool ok;
        const char *why;
        if (!sa) {
            fprintf(stderr, "  bad test address %s\n", c[i].addr);
            *cf_failed_ = 1;
            continue;
        }
        ok = cf_guard_allows(g, sa);
        why = cf_guard_reason(g, sa);
        if (ok != c[i].allowed || strcmp(why, c[i].reason) != 0) {
            fprintf(stderr, "  %s: allowed=%d reason \"%s\", expected %d \"%s\"\n",
                    c[i].addr, ok, why, c[i].allowed, c[i].reason);
            *cf_failed_ = 1;
        }
    }
}

#define NCASES(a) (sizeof(a) / sizeof((a)[0]))
#define PUB "public"
#define BYALLOW "allowed by webhook_allow"
#define BYDENY "denied by webhook_deny"

CF_TEST(guard_default_ipv4_edges)
{
    static const struct guard_case c[] = {
        {"0.0.0.0", false, "unspecified"},
        {"0.255.255.255", false, "unspecified"},
        {"1.0.0.0", true, PUB},
        {"9.255.255.255", true, PUB},
        {"10.0.0.0", false, "private"},
        {"10.255.255.255", false, "private"},
        {"11.0.0.0", true, PUB},
        {"100.63.255.255", true, PUB},
        {"100.64.0.0", false, "shared address space (CGN)"},
        {"100.127.255.255", false, "shared address space (CGN)"},
        {"100.128.0.0", true, PUB},
        {"126.255.255.255", true, PUB},
        {"127.0.0.0", false, "loopback"},
        {"127.0.0.1", false, "loopback"},
        {"127.255.255.255", false, "loopback"},
        {"128.0.0.0", true, PUB},
        {"169.253.255.255", true, PUB},
        {"169.254.0.0", false, "link-local"},
        {"169.254.169.254", false, "link-local"},
        {"169.254.255.255", false, "link-local"},
        {"169.255.0.0", true, PUB},
        {"172.15.255.255", true, PUB},
        {"172.16.0.0", false, "private"},
        {"172.31.255.255", false, "private"},
        {"172.32.0.0", true, PUB},
        {"191.255.255.255", true, PUB},
        {"192.0.0.0", false, "reserved (IETF protocol assignments)"},
        {"192.0.0.255", false, "reserved (IETF protocol assignments)"},
        {"192.0.1.0", true, PUB},
        {"192.0.1.255", true, PUB},
        {"192.0.2.0", false, "documentation"},
        {"192.0.2.255", false, "documentation"},
        {"192.0.3.0", true, PUB},
        {"192.167.255.255", true, PUB},
        {"192.168.0.0", false, "private"},
        {"192.168.255.255", false, "private"},
        {"192.169.0.0", true, PUB},
        {"198.17.255.255", true, PUB},
        {"198.18.0.0", false, "benchmarking"},
        {"198.19.255.255", false, "benchmarking"},
        {"198.20.0.0", true, PUB},
        {"198.51.99.255", true, PUB},
        {"198.51.100.0", false, "documentation"},
        {"198.51.100.255", false, "documentation"},
        {"198.51.101.0", true, PUB},
        {"203.0.112.255", true, PUB},
        {"203.0.113.0", false, "documentation"},
        {"203.0.113.255", false, "documentation"},
        {"203.0.114.0", true, PUB},
        {"223.255.255.255", true, PUB},
        {"224.0.0.0", false, "multicast"},
        {"239.255.255.255", false, "multicast"},
        {"240.0.0.0", false, "reserved"},
        {"255.255.255.255", false, "reserved"},
    };
    struct cf_guard g;
    CF_CHECK_INT(cf_guard_init(&g, "", "", NULL), 0);
    check_cases(&g, c, NCASES(c), cf_failed_);
    /* A NULL guard means the built-in list only. */
    check_cases(NULL, c, NCASES(c), cf_failed_);
}

CF_TEST(guard_default_ipv6_edges)
{
    static const struct guard_case c[] = {
        {"::", false, "unspecified"},
        {"::1", false, "loopback"},
        {"::1:0:0", true, PUB},
        {"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true, PUB},
        {"fc00::", false, "private"},
        {"fd12:3456::1", false, "private"},
        {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false, "private"},
        {"fe00::", true, PUB},
        {"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true, PUB},
        {"fe80::", false, "link-local"},
        {"fe80::1", false, "link-local"},
        {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false, "link-local"},
        {"fec0::", true, PUB},
        {"feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true, PUB},
        {"ff00::", false, "multicast"},
        {"ff02::1", false, "multicast"},
        {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false, "multicast"},
        {"64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff", true, PUB},
        {"64:ff9b::", false, "NAT64"},
        {"64:ff9b::ffff:ffff", false, "NAT64"},
        {"64:ff9b::1:0:0", true, PUB},
        {"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", true, PUB},
        {"2001:db8::", false, "documentation"},
        {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", false, "documentation"},
        {"2001:db9::", true, PUB},
        {"ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true, PUB},
        {"100::", false, "discard"},
        {"100::ffff:ffff:ffff:ffff", false, "discard"},
        {"100:0:0:1::", true, PUB},
    };
    struct cf_guard g;
    CF_CHECK_INT(cf_guard_init(&g, NULL, NULL, NULL), 0);
    check_cases(&g, c, NCASES(c), cf_failed_);
}

CF_TEST(guard_public)
{
    static const struct guard_case c[] = {
        {"8.8.8.8", true, PUB},
        {"1.1.1.1", true, PUB},
        {"93.184.216.34", true, PUB},
        {"2606:4700::1", true, PUB},
        {"2001:4860:4860::8888", true, PUB},
    };
    struct cf_guard g;
    CF_CHECK_INT(cf_guard_init(&g, "", "", NULL), 0);
    check_cases(&g, c, NCASES(c), cf_failed_);
}

CF_TEST(guard_mapped_and_compatible)
{
    static const struct guard_case c[] = {
        {"::ffff:127.0.0.1", false, "loopback"},
        {"::ffff:10.1.2.3", false, "private"},
        {"::ffff:169.254.169.254", false, "link-local"},
        {"::ffff:0.0.0.0", false, "unspecified"},
        {"::ffff:224.0.0.1", false, "multicast"},
        {"::ffff:8.8.8.8", true, PUB},
        {"::127.0.0.1", false, "loopback"},
        {"::192.168.1.1", false, "private"},
        {"::0.0.0.2", false, "unspecified"},
        {"::8.8.8.8", true, PUB},
        /* Not mapped: ffff in another position. */
        {"::ffff:0:7f00:1", true, PUB},
    };
    struct cf_guard g;
    CF_CHECK_INT(cf_guard_init(&g, "", "", NULL), 0);
    check_cases(&g, c, NCASES(c), cf_failed_);
}

CF_TEST(guard_allow_overrides_default)
{
    static const struct guard_case c[] = {
        {"127.0.0.1", true, BYALLOW},
        {"127.255.255.255", true, BYALLOW},
        {"::ffff:127.0.0.1", true, BYALLOW},
        {"::127.0.0.1", true, BYALLOW},
        {"10.0.0.1", false, "private"},
        {"::1", false, "loopback"},
        {"8.8.8.8", true, PUB},
    };
    struct cf_guard g;
    CF_CHECK_INT(cf_guard_init(&g, "127.0.0.0/8", "", NULL), 0);
    CF_CHECK_INT(g.nallow, 1);
    CF_CHECK_INT(g.ndeny, 0);
    check_cases(&g, c, NCASES(c), cf_failed_);
}

CF_TEST(guard_allow_list_details)
{
    struct cf_guard g;
    /* Several entries, spaces, both families, bits past the prefix. */
    {
        static const struct guard_case c[] = {
            {"127.0.0.1", true, BYALLOW},
            {"::1", true, BYALLOW},
            {"fd00::5", true, BYALLOW},
            {"fd01::5", false, "private"},
            {"172.23.255.255", true, BYALLOW},
            {"172.24.0.0", false, "private"},
            {"172.15.0.1", true, PUB},
        };
        CF_CHECK_INT(cf_guard_init(&g, " 127.1.2.3/8 , ::1,fd00::/16, 172.16.0.0/13 ", "",
                                   NULL),
                     0);
        CF_CHECK_INT(g.nallow, 4);
        check_cases(&g, c, NCASES(c), cf_failed_);
    }
    /* An IPv6 allow entry never covers a mapped IPv4 address. */
    {
        static const struct guard_case c[] = {
            {"::1", true, BYALLOW},
            {"fe80::1", true, BYALLOW},
            {"::ffff:127.0.0.1", false, "loopback"},
            {"::10.0.0.1", false, "private"},
            {"127.0.0.1", false, "loopback"},
        };
        CF_CHECK_INT(cf_guard_init(&g, "::/0", "", NULL), 0);
        check_cases(&g, c, NCASES(c), cf_failed_);
    }
    /* A bare address is a /32. */
    {
        static const struct guard_case c[] = {
            {"10.0.0.7", true, BYALLOW},
            {"10.0.0.6", false, "private"},
            {"10.0.0.8", false, "private"},
        };
        CF_CHECK_INT(cf_guard_init(&g, "10.0.0.7", "", NULL), 0);
        check_cases(&g, c, NCASES(c), cf_failed_);
    }
}

CF_TEST(guard_deny_overrides_allow)
{
    struct cf_guard g;
    {
        static const struct guard_case c[] = {
            {"10.2.3.4", true, BYALLOW},
            {"10.1.2.3", false, BYDENY},
            {"::ffff:10.1.2.3", false, BYDENY},
            {"8.8.8.8", true, PUB},
        };
        CF_CHECK_INT(cf_guard_init(&g, "10.0.0.0/8", "10.1.0.0/16", NULL), 0);
        CF_CHECK_INT(g.ndeny, 1);
        check_cases(&g, c, NCASES(c), cf_failed_);
    }
    /* Deny can refuse public addresses; the same entry in both lists denies. */
    {
        static const struct guard_case c[] = {
            {"8.8.8.8", false, BYDENY},
            {"8.8.4.4", true, PUB},
            {"2606:4700::1", false, BYDENY},
            {"2606:4701::1", true, PUB},
            {"127.0.0.1", false, BYDENY},
        };
        CF_CHECK_INT(cf_guard_init(&g, "127.0.0.1,8.8.8.8", "8.8.8.0/24, 2606:4700::/32,127.0.0.1",
                                   NULL),
                     0);
        check_cases(&g, c, NCASES(c), cf_failed_);
    }
    /* A deny entry for the mapped range matches mapped addresses as written. */
    {
        static const struct guard_case c[] = {
            {"::ffff:8.8.8.8", false, BYDENY},
            {"8.8.8.8", true, PUB},
        };
        CF_CHECK_INT(cf_guard_init(&g, "", "::ffff:0:0/96", NULL), 0);
        check_cases(&g, c, NCASES(c), cf_failed_);
    }
}

CF_TEST(guard_zero_prefixes)
{
    struct cf_guard g;
    {
        static const struct guard_case c[] = {
            {"127.0.0.1", true, BYALLOW},
            {"224.0.0.1", true, BYALLOW},
            {"255.255.255.255", true, BYALLOW},
            {"::ffff:10.0.0.1", true, BYALLOW},
            {"::1", false, "loopback"},
        };
        CF_CHECK_INT(cf_guard_init(&g, "0.0.0.0/0", "", NULL), 0);
        check_cases(&g, c, NCASES(c), cf_failed_);
    }
    {
        static const struct guard_case c[] = {
            {"::1", true, BYALLOW},
            {"ff02::1", true, BYALLOW},
            {"10.0.0.1", true, BYALLOW},
        };
        /* Bits past a /0 are ignored. */
        CF_CHECK_INT(cf_guard_init(&g, "1.2.3.4/0,abcd::/0", "", NULL), 0);
        check_cases(&g, c, NCASES(c), cf_failed_);
    }
    {
        static const struct guard_case c[] = {
            {"8.8.8.8", false, BYDENY},
            {"::ffff:8.8.8.8", false, BYDENY},
            {"2606:4700::1", true, PUB},
        };
        CF_CHECK_INT(cf_guard_init(&g, "8.8.8.8", "0.0.0.0/0", NULL), 0);
        check_cases(&g, c, NCASES(c), cf_failed_);
    }
    {
        static const struct guard_case c[] = {
            {"2606:4700::1", false, BYDENY},
            {"::1", false, BYDENY},
            {"8.8.8.8", true, PUB},
        };
        CF_CHECK_INT(cf_guard_init(&g, "::1", "::/0", NULL), 0);
        check_cases(&g, c, NCASES(c), cf_failed_);
    }
}

CF_TEST(guard_bad_lists)
{
    static const char *const bad[] = {
        "10.0.0.0/33", "1.2.3", "fe80::/129", "10.0.0.0/8,", ",10.0.0.0/8", "abc",
        "::1/x", "10.0.0.0/", "/8", "10.0.0.0/8 10.1.0.0/16", "256.0.0.0/8",
        "10.0.0.0/-1", "127.0.0.1,,::1", "fe80::1%eth0",
    };
    struct cf_guard g;
    struct cf_err err;
    size_t i;
    char many[256 * 16 + 32]; /* "10.0.255.0/24," is 14 bytes */
    size_t len = 0;

    CF_CHECK_INT(cf_guard_init(&g, "127.0.0.0/8", "10.0.0.0/8", NULL), 0);
    for (i = 0; i < NCASES(bad); i++) {
        memset(&err, 0, sizeof err);
        if (cf_guard_init(&g, bad[i], "", &err) != CF_EINVAL) {
            fprintf(stderr, "  allow '%s' was accepted\n", bad[i]);
            *cf_failed_ = 1;
        }
        CF_CHECK_INT(err.code, CF_EINVAL);
        CF_CHECK(strstr(err.msg, "webhook_allow") != NULL);
        memset(&err, 0, sizeof err);
        if (cf_guard_init(&g, "", bad[i], &err) != CF_EINVAL) {
            fprintf(stderr, "  deny '%s' was accepted\n", bad[i]);
            *cf_failed_ = 1;
        }
        CF_CHECK(strstr(err.msg, "webhook_deny") != NULL);
        /* err may be NULL. */
        CF_CHECK_INT(cf_guard_init(&g, bad[i], bad[i], NULL), CF_EINVAL);
    }
    /* g is untouched by the failures. */
    CF_CHECK_INT(g.nallow, 1);
    CF_CHECK_INT(g.ndeny, 1);

    /* 256 entries fit, 257 do not. */
    for (i = 0; i < 256; i++) {
        int w = snprintf(many + len, sizeof many - len, "%s10.0.%zu.0/24", i ? "," : "",
                         i);
        len += (size_t)w;
    }
    CF_CHECK_INT(cf_guard_init(&g, many, "", NULL), 0);
    CF_CHECK_INT(g.nallow, 256);
    snprintf(many + len, sizeof many - len, ",11.0.0.0/8");
    memset(&err, 0, sizeof err);
    CF_CHECK_INT(cf_guard_init(&g, "", many, &err), CF_EINVAL);
    CF_CHECK(strstr(err.msg, "webhook_deny") != NULL);
    CF_CHECK_INT(g.nallow, 256);
}

CF_TEST(guard_odd_sockaddrs)
{
    struct cf_guard g;
    struct sockaddr_un un;
    struct sockaddr_storage ss;
    const struct sockaddr *sa;

    CF_CHECK_INT(cf_guard_init(&g, "0.0.0.0/0,::/0", "", NULL), 0);
    memset(&un, 0, sizeof un);
    un.sun_family = AF_UNIX;
    CF_CHECK(!cf_guard_allows(&g, (const struct sockaddr *)&un));
    CF_CHECK_STR(cf_guard_reason(&g, (const struct sockaddr *)&un),
                 "unsupported address family");
    CF_CHECK(!cf_guard_allows(&g, NULL));
    CF_CHECK_STR(cf_guard_reason(&g, NULL), "unsupported address family");

    /* The port does not matter. */
    CF_CHECK_INT(cf_guard_init(&g, "", "", NULL), 0);
    sa = sa_of("::ffff:127.0.0.1", &ss);
    CF_CHECK(sa != NULL);
    ((struct sockaddr_in6 *)&ss)->sin6_port = htons(80);
    CF_CHECK(!cf_guard_allows(&g, sa));
    CF_CHECK_STR(cf_guard_reason(&g, sa), "loopback");
}
