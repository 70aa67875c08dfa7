/* SPDX-License-Identifier: MIT
 *
 * cf_guard.c - the webhook destination address guard (see cf_guard.h).
 *
 * Design: an address is turned into a family plus 16 bytes once, together
 * with the IPv4 form it is judged as (for mapped and compatible IPv6), and
 * then walked past three plain tables: the operator's deny list, the
 * operator's allow list and the built-in deny list below. Each table entry
 * is a struct cf_cidr, matched bitwise over its prefix, so bits that an
 * operator wrote past the prefix ("10.1.2.3/8") do not matter. The lists
 * are at most CF_CONFIG_MAX_CIDRS long each and the check runs once per
 * outbound connection, so linear scans are the simple and sufficient
 * choice. CIDR parsing is cf_config_parse_cidr_list's: the same code that
 * validated the settings reads them here.
 */
#include "cf_guard.h"

#include <netinet/in.h>
#include <string.h>

/* An address as the guard sees it. */
struct cf_guard_addr {
    int family;             /* AF_INET or AF_INET6 */
    unsigned char b[16];    /* network byte order; IPv4 uses the first 4 */
};

/* One entry of the built-in deny list. */
struct cf_guard_range {
    struct cf_cidr cidr;
    const char *reason; /* static; what cf_guard_reason says */
};

#define V4(a, b, c, d, p, why) {{AF_INET, {a, b, c, d}, p}, why}
#define V6(p, why, ...) {{AF_INET6, {__VA_ARGS__}, p}, why}

static const struct cf_guard_range builtin_deny[] = {
    V4(0, 0, 0, 0, 8, "unspecified"),
    V4(10, 0, 0, 0, 8, "private"),
    V4(100, 64, 0, 0, 10, "shared address space (CGN)"),
    V4(127, 0, 0, 0, 8, "loopback"),
    V4(169, 254, 0, 0, 16, "link-local"),
    V4(172, 16, 0, 0, 12, "private"),
    V4(192, 0, 0, 0, 24, "reserved (IETF protocol assignments)"),
    V4(192, 0, 2, 0, 24, "documentation"),
    V4(192, 168, 0, 0, 16, "private"),
    V4(198, 18, 0, 0, 15, "benchmarking"),
    V4(198, 51, 100, 0, 24, "documentation"),
    V4(203, 0, 113, 0, 24, "documentation"),
    V4(224, 0, 0, 0, 4, "multicast"),
    V4(240, 0, 0, 0, 4, "reserved"),
    V6(128, "unspecified", 0),
    V6(128, "loopback", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
    V6(7, "private", 0xfc),
    V6(10, "link-local", 0xfe, 0x80),
    V6(8, "multicast", 0xff),
    V6(96, "NAT64", 0x00, 0x64, 0xff, 0x9b),
    V6(32, "documentation", 0x20, 0x01, 0x0d, 0xb8),
    V6(64, "discard", 0x01, 0x00),
};

#undef V4
#undef V6

/* True when c covers the address a (same family, same leading c->prefix
 * bits). */
static bool cidr_match(const struct cf_cidr *c, const struct cf_guard_addr *a)
{
    size_t bits, whole, rem;
    if (c->family != a->family || c->prefix < 0) return false;
    bits = (size_t)c->prefix;
    if (bits > (a->family == AF_INET ? 32u : 128u)) return false;
    whole = bits / 8;
    rem = bits % 8;
    if (whole && memcmp(c->addr, a->b, whole) != 0) return false;
    if (rem) {
        unsigned mask = (0xFFu << (8 - rem)) & 0xFFu;
        if (((unsigned)c->addr[whole] & mask) != ((unsigned)a->b[whole] & mask))
            return false;
    }
    return true;
}

/* True when one of the n entries of list covers a. */
static bool list_match(const struct cf_cidr *list, size_t n,
                       const struct cf_guard_addr *a)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (cidr_match(&list[i], a)) return true;
    return false;
}

/* Reads sa into *as_written and the form it is judged as into *judged.
 * Returns false for a NULL sa or an unsupported family. */
static bool addr_read(const struct sockaddr *sa, struct cf_guard_addr *as_written,
                      struct cf_guard_addr *judged)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char zeros[12] = {0};

    if (!sa) return false;
    memset(as_written, 0, sizeof *as_written);
    if (sa->sa_family == AF_INET) {
        struct sockaddr_in sin;
        memcpy(&sin, sa, sizeof sin); /* no aliasing of the caller's type */
        as_written->family = AF_INET;
        memcpy(as_written->b, &sin.sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        struct sockaddr_in6 sin6;
        memcpy(&sin6, sa, sizeof sin6);
        as_written->family = AF_INET6;
        memcpy(as_written->b, &sin6.sin6_addr, 16);
    } else {
        return false;
    }
    *judged = *as_written;
    if (as_written->family == AF_INET6) {
        const unsigned char *b = as_written->b;
        /* ::a.b.c.d (deprecated IPv4-compatible) excludes :: and ::1, which
         * are the IPv6 unspecified and loopback addresses. */
        bool compat = memcmp(b, zeros, 12) == 0 &&
                      !(b[12] == 0 && b[13] == 0 && b[14] == 0 && b[15] <= 1);
        if (compat || memcmp(b, mapped, 12) == 0) {
            memset(judged, 0, sizeof *judged);
            judged->family = AF_INET;
            memcpy(judged->b, b + 12, 4);
        }
    }
    return true;
}

/* The whole decision: sets *ok and returns the static reason. */
static const char *judge(const struct cf_guard *g, const struct sockaddr *sa,
                         bool *ok)
{
    struct cf_guard_addr w, j;
    size_t i;

    *ok = false;
    if (!addr_read(sa, &w, &j)) return "unsupported address family";
    if (g) {
        if (list_match(g->deny, g->ndeny, &j) || list_match(g->deny, g->ndeny, &w))
            return "denied by webhook_deny";
        if (list_match(g->allow, g->nallow, &j)) {
            *ok = true;
            return "allowed by webhook_allow";
        }
    }
    for (i = 0; i < sizeof builtin_deny / sizeof builtin_deny[0]; i++)
        if (cidr_match(&builtin_deny[i].cidr, &j)) return builtin_deny[i].reason;
    *ok = true;
    return "public";
}

/* Parses one setting's list into out/n, filling err on failure. */
static int parse_list(const char *name, const char *list, struct cf_cidr *out,
                      size_t *n, struct cf_err *err)
{
    int rc;
    if (!list) {
        *n = 0;
        return 0;
    }
    rc = cf_config_parse_cidr_list(list, out, CF_CONFIG_MAX_CIDRS, n);
    if (rc == CF_ETOOBIG)
        return cf_err_set(err, CF_EINVAL, "%s has more than %d entries", name,
                          CF_CONFIG_MAX_CIDRS);
    if (rc)
        return cf_err_set(err, CF_EINVAL,
                          "%s is not a comma-separated list of CIDRs: '%.80s%s'",
                          name, list, strlen(list) > 80 ? "..." : "");
    return 0;
}

int cf_guard_init(struct cf_guard *g, const char *allow, const char *deny,
                  struct cf_err *err)
{
    /* Parsed into a copy so that g is written only on success. */
    struct cf_guard tmp;
    int rc;

    memset(&tmp, 0, sizeof tmp);
    rc = parse_list("webhook_allow", allow, tmp.allow, &tmp.nallow, err);
    if (rc) return rc;
    rc = parse_list("webhook_deny", deny, tmp.deny, &tmp.ndeny, err);
    if (rc) return rc;
    *g = tmp;
    return 0;
}

bool cf_guard_allows(const struct cf_guard *g, const struct sockaddr *sa)
{
    bool ok;
    (void)judge(g, sa, &ok);
    return ok;
}

const char *cf_guard_reason(const struct cf_guard *g, const struct sockaddr *sa)
{
    bool ok;
    return judge(g, sa, &ok);
}
