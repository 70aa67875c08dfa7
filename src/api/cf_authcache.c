/* SPDX-License-Identifier: MIT
 *
 * cf_authcache.c - the verified-credentials cache (see cf_authcache.h): a
 * direct-mapped table of SLOTS entries, each holding a whole header (up to
 * CF_AUTH_MAX_HEADER bytes; a longer one is never cached), its project and
 * when it was verified. One mutex: a hit is a hash, a copy and a compare.
 */
#include "cf_authcache.h"

#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../base/cf_mem.h"
#include "../http/cf_auth.h"

#define SLOTS 256

struct slot {
    size_t len;                         /* 0 = empty */
    char header[CF_AUTH_MAX_HEADER];
    char project_id[CF_UUID_SIZE];
    int64_t at;
};

struct cf_authcache {
    pthread_mutex_t mu;
    int64_t ttl;
    struct slot slots[SLOTS];
};

/* FNV-1a: only spreads headers over slots, an equal hash proves nothing. */
static size_t slot_of(const char *h, size_t len)
{
    uint32_t x = 2166136261u;
    for (size_t i = 0; i < len; i++) x = (x ^ (unsigned char)h[i]) * 16777619u;
    return x % SLOTS;
}

struct cf_authcache *cf_authcache_create(int64_t ttl_us)
{
    struct cf_authcache *c = cf_calloc(1, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    c->ttl = ttl_us;
    return c;
}

void cf_authcache_destroy(struct cf_authcache *c)
{
    if (!c) return;
    pthread_mutex_destroy(&c->mu);
    cf_free(c);
}

bool cf_authcache_get(struct cf_authcache *c, const char *header, int64_t now_us,
                      char project_id[CF_UUID_SIZE])
{
    size_t len = header ? strlen(header) : 0;
    struct slot *s;
    bool hit;
    if (c->ttl <= 0 || len == 0 || len > CF_AUTH_MAX_HEADER) return false;
    s = &c->slots[slot_of(header, len)];
    pthread_mutex_lock(&c->mu);
    hit = s->len == len && now_us - s->at < c->ttl && now_us >= s->at &&
          CRYPTO_memcmp(s->header, header, len) == 0;
    if (hit) memcpy(project_id, s->project_id, CF_UUID_SIZE);
    pthread_mutex_unlock(&c->mu);
    return hit;
}

void cf_authcache_put(struct cf_authcache *c, const char *header, const char *project_id,
                      int64_t now_us)
{
    size_t len = header ? strlen(header) : 0;
    struct slot *s;
    if (c->ttl <= 0 || len == 0 || len > CF_AUTH_MAX_HEADER) return;
    s = &c->slots[slot_of(header, len)];
    pthread_mutex_lock(&c->mu);
    memcpy(s->header, header, len);
    s->len = len;
    memset(s->project_id, 0, CF_UUID_SIZE);
    strncpy(s->project_id, project_id, CF_UUID_SIZE - 1);
    s->at = now_us;
    pthread_mutex_unlock(&c->mu);
}
