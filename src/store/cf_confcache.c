/* SPDX-License-Identifier: MIT
 *
 * cf_confcache.c - a connection's copies of the conferences it read or
 * wrote (see cf_confcache.h).
 *
 * Almost every write use-case begins by reading its conference: a
 * participant update reads it to check that it is live and to address its
 * status callback, and then leaves its row alone. On the writer's connection
 * that read was two B-tree searches (the sid's index, then the table), ~12 %
 * of the writer's time per participant update (bench/README.md, thirteenth
 * round). Here it is a hash and a copy.
 *
 * The table is direct-mapped: one slot per hash of the sid, a newcomer
 * replacing whoever held its slot. Each slot is one allocation holding the
 * numbers and the nine strings end to end (a struct cf_conference is ~5 KB,
 * most of it room for two URLs that are usually empty), kept and reused
 * once made, grown when a longer conference comes. Clearing moves the
 * cache's epoch on, which every slot's copy must match.
 */
#include "cf_confcache.h"

#include <stdint.h>
#include <string.h>

#include "../base/cf_mem.h"
#include "../base/cf_str.h"

#define NSTR 9 /* sid, project_id, friendly_name, region, call_sid_ending, the two callbacks
                  and their methods */

struct entry {
    uint64_t epoch; /* held while equal to the cache's epoch */
    enum cf_conf_status status;
    enum cf_end_reason end_reason;
    int64_t date_created, date_updated;
    unsigned status_callback_events, rec_callback_events;
    int max_participants;
    bool record_from_start, trim_silence;
    int64_t seq_next, seq_row; /* its counter in conference_seqs; row 0: not known */
    size_t cap;  /* bytes of text */
    char text[]; /* the NSTR strings, each with its NUL, sid first */
};

struct cf_confcache {
    uint64_t epoch; /* from 1; clearing moves it on */
    size_t mask;
    struct entry **slot;
};

struct cf_confcache *cf_confcache_new(size_t slots)
{
    struct cf_confcache *cc = cf_calloc(1, sizeof *cc);
    size_t n = 1;
    while (n < slots) n <<= 1;
    cc->epoch = 1;
    cc->mask = n - 1;
    cc->slot = cf_calloc(n, sizeof(struct entry *));
    return cc;
}

void cf_confcache_free(struct cf_confcache *cc)
{
    if (!cc) return;
    for (size_t i = 0; i <= cc->mask; i++) cf_free(cc->slot[i]);
    cf_free(cc->slot);
    cf_free(cc);
}

static size_t slot_of(const struct cf_confcache *cc, const char *sid)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    while (*sid) h = (h ^ (unsigned char)*sid++) * 16777619u;
    return h & cc->mask;
}

/* The slot's entry if it holds sid, else NULL. */
static struct entry *find(const struct cf_confcache *cc, const char *sid)
{
    struct entry *e = cc->slot[slot_of(cc, sid)];
    return e && e->epoch == cc->epoch && strcmp(e->text, sid) == 0 ? e : NULL;
}

bool cf_confcache_get(const struct cf_confcache *cc, const char *project_id, const char *sid,
                      struct cf_conference *out)
{
    struct entry *e = find(cc, sid);
    const char *t;
    if (!e) return false;
    t = e->text + strlen(e->text) + 1;
    if (strcmp(t, project_id) != 0) return false;
    t = e->text;
#define TAKE(field) (cf_str_copy((field), sizeof(field), t), t += strlen(t) + 1)
    TAKE(out->sid);
    TAKE(out->project_id);
    TAKE(out->friendly_name);
    TAKE(out->region);
    TAKE(out->call_sid_ending);
    TAKE(out->status_callback);
    TAKE(out->status_callback_method);
    TAKE(out->rec_callback);
    TAKE(out->rec_callback_method);
#undef TAKE
    out->status = e->status;
    out->end_reason = e->end_reason;
    out->date_created = e->date_created;
    out->date_updated = e->date_updated;
    out->next_seq = CF_SEQ_UNKNOWN;
    out->status_callback_events = e->status_callback_events;
    out->rec_callback_events = e->rec_callback_events;
    out->max_participants = e->max_participants;
    out->record_from_start = e->record_from_start;
    out->trim_silence = e->trim_silence;
    return true;
}

void cf_confcache_put(struct cf_confcache *cc, const struct cf_conference *c)
{
    const char *s[NSTR] = {c->sid,           c->project_id,
                           c->friendly_name, c->region,
                           c->call_sid_ending, c->status_callback,
                           c->status_callback_method, c->rec_callback,
                           c->rec_callback_method};
    size_t len[NSTR], need = 0, k = slot_of(cc, c->sid);
    struct entry *e = cc->slot[k];
    /* a write of the conference leaves its counter as it was */
    const struct entry *held = find(cc, c->sid);
    int64_t seq_next = held ? held->seq_next : 0, seq_row = held ? held->seq_row : 0;
    char *t;
    for (int i = 0; i < NSTR; i++) need += (len[i] = strlen(s[i])) + 1;
    if (!e || e->cap < need) {
        e = cf_realloc(e, sizeof *e + need);
        e->cap = need;
        cc->slot[k] = e;
    }
    t = e->text;
    for (int i = 0; i < NSTR; i++) {
        memcpy(t, s[i], len[i] + 1);
        t += len[i] + 1;
    }
    e->epoch = cc->epoch;
    e->status = c->status;
    e->end_reason = c->end_reason;
    e->date_created = c->date_created;
    e->date_updated = c->date_updated;
    e->status_callback_events = c->status_callback_events;
    e->rec_callback_events = c->rec_callback_events;
    e->max_participants = c->max_participants;
    e->record_from_start = c->record_from_start;
    e->trim_silence = c->trim_silence;
    e->seq_next = seq_next;
    e->seq_row = seq_row;
}

bool cf_confcache_seq(const struct cf_confcache *cc, const char *sid, int64_t *next,
                      int64_t *row)
{
    struct entry *e = find(cc, sid);
    if (!e || e->seq_row <= 0) return false;
    *next = e->seq_next;
    *row = e->seq_row;
    return true;
}

void cf_confcache_set_seq(struct cf_confcache *cc, const char *sid, int64_t next, int64_t row)
{
    struct entry *e = find(cc, sid);
    if (!e) return;
    e->seq_next = next;
    e->seq_row = row;
}

void cf_confcache_touch(struct cf_confcache *cc, const char *sid, int64_t date_updated)
{
    struct entry *e = find(cc, sid);
    if (e) e->date_updated = date_updated;
}

void cf_confcache_forget(struct cf_confcache *cc, const char *sid)
{
    struct entry *e = find(cc, sid);
    if (e) e->epoch = 0;
}

void cf_confcache_clear(struct cf_confcache *cc)
{
    cc->epoch++;
}
