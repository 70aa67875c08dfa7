/* SPDX-License-Identifier: MIT
 *
 * cf_authcache.h - remembers Authorization headers that were verified
 * against the store, for a short time, so that a client sending the same
 * credentials request after request costs one store query and one SHA-256
 * per `ttl` instead of one per request.
 *
 * The price is said plainly: a token revoked while confab runs is still
 * accepted for at most ttl (1 s by default) by a node that verified it just
 * before. Only successes are cached; a header is compared whole, in
 * constant time, and only with the one slot its hash selects.
 */
#ifndef CF_AUTHCACHE_H
#define CF_AUTHCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/cf_model.h"

struct cf_authcache;

/* ttl_us <= 0 makes a cache that never hits. */
struct cf_authcache *cf_authcache_create(int64_t ttl_us);
void cf_authcache_destroy(struct cf_authcache *c);
/* True (and project_id filled) when header was verified less than ttl ago. */
bool cf_authcache_get(struct cf_authcache *c, const char *header, int64_t now_us,
                      char project_id[CF_UUID_SIZE]);
/* Records that header was verified for project_id at now_us. */
void cf_authcache_put(struct cf_authcache *c, const char *header, const char *project_id,
                      int64_t now_us);

#endif
