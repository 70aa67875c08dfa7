/* SPDX-License-Identifier: MIT
 *
 * cf_ratelimit.h - the per-project request rate limit: a token bucket per
 * project (rate tokens a second, up to burst), in a fixed table of buckets
 * guarded by striped mutexes. A project beyond the table's size shares a
 * bucket with another (the table is sized far above a node's projects).
 */
#ifndef CF_RATELIMIT_H
#define CF_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct cf_ratelimit;

/* rate <= 0 makes a limiter that allows everything. */
struct cf_ratelimit *cf_ratelimit_create(double rate, double burst);
void cf_ratelimit_destroy(struct cf_ratelimit *rl);
/* Takes one token for project at now_us; false (and *retry_after_s, whole
 * seconds until a token is back, at least 1) when there is none. */
bool cf_ratelimit_take(struct cf_ratelimit *rl, const char *project, int64_t now_us,
                       int *retry_after_s);

#endif
