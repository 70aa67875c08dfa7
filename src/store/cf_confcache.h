/* SPDX-License-Identifier: MIT
 *
 * cf_confcache.h - the conferences one SQLite connection has read or
 * written, kept in memory so that reading one again costs no B-tree search
 * (see cf_confcache.c). The connection decides when the copies are stale:
 * cf_sqlite.c clears the cache when a transaction rolls back and when
 * another connection has committed since its last transaction began.
 */
#ifndef CF_CONFCACHE_H
#define CF_CONFCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/cf_model.h"

struct cf_confcache;

/* A cache of at most `slots` conferences (rounded up to a power of two);
 * returns new, free with cf_confcache_free. Each copy held takes about the
 * lengths of its strings plus ~100 bytes. */
struct cf_confcache *cf_confcache_new(size_t slots);
void cf_confcache_free(struct cf_confcache *cc); /* NULL is a no-op */

/* Copies the conference `sid` of `project_id` into out and returns true if
 * the cache holds it; false (out untouched) if not. */
bool cf_confcache_get(const struct cf_confcache *cc, const char *project_id, const char *sid,
                      struct cf_conference *out);
/* Keeps a copy of c as the store holds it (its next_seq is not kept: a copy
 * comes back with CF_SEQ_UNKNOWN, as a read from the store does). It takes
 * the place of any other conference in its slot. */
void cf_confcache_put(struct cf_confcache *cc, const struct cf_conference *c);
/* The conference's event counter, its next SequenceNumber and the id of its
 * row in conference_seqs, as the connection last read or wrote them: false
 * if the cache does not hold the conference, or not its counter. A put of
 * the conference keeps the counter; set_seq records it (if the conference is
 * held). */
bool cf_confcache_seq(const struct cf_confcache *cc, const char *sid, int64_t *next,
                      int64_t *row);
void cf_confcache_set_seq(struct cf_confcache *cc, const char *sid, int64_t next, int64_t row);
/* Sets the date_updated of the copy of `sid`, if held. */
void cf_confcache_touch(struct cf_confcache *cc, const char *sid, int64_t date_updated);
/* Forgets `sid`, or every conference. */
void cf_confcache_forget(struct cf_confcache *cc, const char *sid);
void cf_confcache_clear(struct cf_confcache *cc);

#endif
