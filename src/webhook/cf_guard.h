/* SPDX-License-Identifier: MIT
 *
 * cf_guard.h - the webhook destination address guard (SSRF defence).
 *
 * Every outbound webhook connection is checked here after name resolution,
 * against the address the connection will actually be made to, so a name
 * that resolves to loopback or a private range cannot be used to reach the
 * server's own network. The decision for one address:
 *
 *   1. an entry of webhook_deny that covers it refuses it;
 *   2. else an entry of webhook_allow that covers it accepts it;
 *   3. else the built-in deny list refuses it: unspecified, loopback,
 *      private, shared (CGN), link-local, multicast, reserved, benchmarking,
 *      documentation, NAT64 and discard ranges (IPv4: 0.0.0.0/8, 10.0.0.0/8,
 *      100.64.0.0/10, 127.0.0.0/8, 169.254.0.0/16, 172.16.0.0/12,
 *      192.0.0.0/24, 192.0.2.0/24, 192.168.0.0/16, 198.18.0.0/15,
 *      198.51.100.0/24, 203.0.113.0/24, 224.0.0.0/4, 240.0.0.0/4; IPv6: ::/128,
 *      ::1/128, fc00::/7, fe80::/10, ff00::/8, 64:ff9b::/96, 2001:db8::/32,
 *      100::/64);
 *   4. else it is accepted.
 *
 * An IPv4-mapped (::ffff:a.b.c.d) or IPv4-compatible (::a.b.c.d, other than
 * :: and ::1) IPv6 address reaches an IPv4 host, so it is judged as that
 * IPv4 address: [::ffff:127.0.0.1] is loopback, and an IPv6 allow entry
 * such as ::/0 never lets one through. A webhook_deny entry is matched
 * against both the address as written and its IPv4 form, so denying
 * ::ffff:0:0/96 does what it says.
 *
 * A struct cf_guard is plain data built once from the config; the checks
 * only read it, so one guard may be shared by any number of threads.
 */
#ifndef CF_GUARD_H
#define CF_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "../base/cf_err.h"
#include "../config/cf_config.h"

struct cf_guard {
    struct cf_cidr allow[CF_CONFIG_MAX_CIDRS]; /* webhook_allow entries */
    size_t nallow;                             /* entries used in allow */
    struct cf_cidr deny[CF_CONFIG_MAX_CIDRS];  /* webhook_deny entries */
    size_t ndeny;                              /* entries used in deny */
};

/* Builds g (caller storage; nothing to clean up) from the webhook_allow and
 * webhook_deny settings: comma-separated CIDR lists as parsed by
 * cf_config_parse_cidr_list ("" or NULL is an empty list). Returns 0, or
 * CF_EINVAL with err (may be NULL) naming the setting when a list is
 * malformed or has more than CF_CONFIG_MAX_CIDRS entries; g is written only
 * on success. */
int cf_guard_init(struct cf_guard *g, const char *allow, const char *deny,
                  struct cf_err *err);

/* True when a connection to sa is allowed. sa is borrowed and must be a
 * whole struct sockaddr_in (AF_INET) or sockaddr_in6 (AF_INET6); the port
 * and scope id are ignored. Any other family (or NULL) is refused. Pure;
 * any thread. */
bool cf_guard_allows(const struct cf_guard *g, const struct sockaddr *sa);

/* A short static reason for logs: why sa is refused ("denied by
 * webhook_deny", "loopback", "private", "link-local", "multicast", ...) or,
 * when it is allowed, "allowed by webhook_allow" or "public". Never NULL.
 * Pure; any thread. */
const char *cf_guard_reason(const struct cf_guard *g, const struct sockaddr *sa);

#endif
