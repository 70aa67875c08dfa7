/* SPDX-License-Identifier: MIT
 *
 * test_confcache.c - the conference cache (src/store/cf_confcache.c) gives
 * back exactly what it was given, every field, whatever the strings'
 * lengths; a slot's newcomer replaces the old one; forget, touch and clear
 * do what they say. And the store's use of it (cf_sqlite.c with
 * opts.conf_cache): a conference read or written in a write transaction is
 * served from memory, but never a stale one: not after a rollback that
 * undid a write of it, nor after another connection's commit. The same for
 * each conference's event counter the copies carry.
 */
#include <stdio.h>
#include <string.h>

#include "../../src/base/cf_arena.h"
#include "../../src/store/cf_confcache.h"
#include "cf_test.h"
#include "cf_test_store.h"

static void conf_fill(struct cf_conference *c, int i, size_t url_len)
{
    memset(c, 0x5a, sizeof *c); /* garbage beyond each string's NUL */
    snprintf(c->sid, sizeof c->sid, "00000000-0000-4000-8000-%012d", i);
    snprintf(c->project_id, sizeof c->project_id, "00000000-0000-4000-9000-%012d", 1);
    snprintf(c->friendly_name, sizeof c->friendly_name, "room %d", i);
    snprintf(c->region, sizeof c->region, "us1");
    c->status = CF_CONF_IN_PROGRESS;
    c->end_reason = CF_END_NONE;
    c->call_sid_ending[0] = '\0';
    c->date_created = 1000 + i;
    c->date_updated = 2000 + i;
    c->next_seq = 77;
    memset(c->status_callback, 'a', url_len);
    c->status_callback[url_len] = '\0';
    snprintf(c->status_callback_method, sizeof c->status_callback_method, "GET");
    c->status_callback_events = 0x15;
    c->max_participants = 10 + i;
    c->record_from_start = i % 2;
    c->trim_silence = i % 3 == 0;
    memset(c->rec_callback, 'b', url_len / 2);
    c->rec_callback[url_len / 2] = '\0';
    snprintf(c->rec_callback_method, sizeof c->rec_callback_method, "POST");
    c->rec_callback_events = 0x3;
}

/* Every field the store holds, compared (next_seq is the store's: unknown). */
static int same(const struct cf_conference *a, const struct cf_conference *b)
{
    return strcmp(a->sid, b->sid) == 0 && strcmp(a->project_id, b->project_id) == 0 &&
           strcmp(a->friendly_name, b->friendly_name) == 0 && strcmp(a->region, b->region) == 0 &&
           a->status == b->status && a->end_reason == b->end_reason &&
           strcmp(a->call_sid_ending, b->call_sid_ending) == 0 &&
           a->date_created == b->date_created && a->date_updated == b->date_updated &&
           strcmp(a->status_callback, b->status_callback) == 0 &&
           strcmp(a->status_callback_method, b->status_callback_method) == 0 &&
           a->status_callback_events == b->status_callback_events &&
           a->max_participants == b->max_participants &&
           a->record_from_start == b->record_from_start && a->trim_silence == b->trim_silence &&
           strcmp(a->rec_callback, b->rec_callback) == 0 &&
           strcmp(a->rec_callback_method, b->rec_callback_method) == 0 &&
           a->rec_callback_events == b->rec_callback_events;
}

CF_TEST(confcache_gives_back_what_it_was_given)
{
    struct cf_confcache *cc = cf_confcache_new(1000); /* rounded up to 1024 */
    static struct cf_conference in, out;
    conf_fill(&in, 1, 0);
    CF_CHECK(!cf_confcache_get(cc, in.project_id, in.sid, &out));
    cf_confcache_put(cc, &in);
    CF_CHECK(cf_confcache_get(cc, in.project_id, in.sid, &out));
    CF_CHECK(same(&in, &out));
    CF_CHECK(out.next_seq == CF_SEQ_UNKNOWN);
    /* the same slot grown for the longest strings a conference can hold */
    conf_fill(&in, 1, CF_URL_MAX);
    memset(in.friendly_name, 'n', CF_NAME_MAX);
    in.friendly_name[CF_NAME_MAX] = '\0';
    snprintf(in.call_sid_ending, sizeof in.call_sid_ending, "%s", in.sid);
    in.status = CF_CONF_COMPLETED;
    in.end_reason = CF_END_API;
    cf_confcache_put(cc, &in);
    CF_CHECK(cf_confcache_get(cc, in.project_id, in.sid, &out));
    CF_CHECK(same(&in, &out));
    /* another project's key does not find it */
    CF_CHECK(!cf_confcache_get(cc, "00000000-0000-4000-9000-000000000002", in.sid, &out));
    /* touch moves date_updated only */
    cf_confcache_touch(cc, in.sid, 99);
    CF_CHECK(cf_confcache_get(cc, in.project_id, in.sid, &out));
    CF_CHECK(out.date_updated == 99 && out.date_created == in.date_created);
    cf_confcache_forget(cc, in.sid);
    CF_CHECK(!cf_confcache_get(cc, in.project_id, in.sid, &out));
    cf_confcache_free(cc);
}

CF_TEST(confcache_slots_replace_and_clear)
{
    struct cf_confcache *cc = cf_confcache_new(1); /* one slot: every sid shares it */
    static struct cf_conference a, b, out;
    conf_fill(&a, 1, 10);
    conf_fill(&b, 2, 20);
    cf_confcache_put(cc, &a);
    cf_confcache_put(cc, &b);
    CF_CHECK(!cf_confcache_get(cc, a.project_id, a.sid, &out));
    CF_CHECK(cf_confcache_get(cc, b.project_id, b.sid, &out));
    CF_CHECK(same(&b, &out));
    cf_confcache_forget(cc, a.sid); /* not held: b stays */
    CF_CHECK(cf_confcache_get(cc, b.project_id, b.sid, &out));
    cf_confcache_touch(cc, a.sid, 5); /* not held: nothing changes */
    CF_CHECK(cf_confcache_get(cc, b.project_id, b.sid, &out) && out.date_updated == b.date_updated);
    cf_confcache_clear(cc);
    CF_CHECK(!cf_confcache_get(cc, b.project_id, b.sid, &out));
    cf_confcache_put(cc, &a); /* usable again after a clear */
    CF_CHECK(cf_confcache_get(cc, a.project_id, a.sid, &out) && same(&a, &out));
    cf_confcache_free(cc);
    cf_confcache_free(NULL);
}

CF_TEST(confcache_keeps_the_counter_of_the_conference_it_holds)
{
    struct cf_confcache *cc = cf_confcache_new(1);
    static struct cf_conference a, b;
    int64_t next = -9, row = -9;
    conf_fill(&a, 1, 10);
    conf_fill(&b, 2, 10);
    cf_confcache_set_seq(cc, a.sid, 5, 7); /* not held: nothing */
    cf_confcache_put(cc, &a);
    CF_CHECK(!cf_confcache_seq(cc, a.sid, &next, &row)); /* held, counter not known */
    cf_confcache_set_seq(cc, a.sid, 5, 7);
    CF_CHECK(cf_confcache_seq(cc, a.sid, &next, &row) && next == 5 && row == 7);
    a.date_updated++;
    cf_confcache_put(cc, &a); /* a write of the conference keeps its counter */
    CF_CHECK(cf_confcache_seq(cc, a.sid, &next, &row) && next == 5 && row == 7);
    CF_CHECK(!cf_confcache_seq(cc, b.sid, &next, &row));
    cf_confcache_put(cc, &b); /* the slot's newcomer has none */
    CF_CHECK(!cf_confcache_seq(cc, b.sid, &next, &row) && !cf_confcache_seq(cc, a.sid, &next, &row));
    cf_confcache_set_seq(cc, b.sid, 1, 2);
    cf_confcache_clear(cc);
    cf_confcache_put(cc, &b);
    CF_CHECK(!cf_confcache_seq(cc, b.sid, &next, &row)); /* gone with the clear */
    cf_confcache_free(cc);
}

/* A conference in the store with the cache's connection `st`: project 1,
 * conference i. */
static int store_conf(struct cf_store *st, int i, struct cf_conference *c)
{
    struct cf_project p;
    conf_fill(c, i, 12);
    cf_test_project(&p, 1);
    memcpy(c->project_id, p.id, sizeof c->project_id);
    if (st->ops->begin(st, true)) return -1;
    if (i == 1 && st->ops->project_insert(st, &p)) return -1;
    if (st->ops->conf_insert(st, c)) return -1;
    return st->ops->commit(st);
}

/* A test database with two connections to it: st with the conference
 * cache (as the writer's), other without; conferences 1 and 2 stored. */
static int open_two(struct cf_test_store *e, const char *name, struct cf_store **st,
                    struct cf_store **other, struct cf_conference *c1, struct cf_conference *c2)
{
    struct cf_err err = {0, ""};
    struct cf_store_opts o;
    if (cf_test_store_open(e, name)) return -1;
    o = e->opts;
    o.conf_cache = true;
    if (cf_store_open(&o, false, st, &err)) return -1;
    if (cf_store_open(&e->opts, false, other, &err)) return -1;
    if (store_conf(*st, 1, c1) || store_conf(*st, 2, c2)) return -1;
    return 0;
}

/* Reads conference sid in a write transaction of st. */
static int read_in_tx(struct cf_store *st, const struct cf_conference *c, struct cf_conference *out)
{
    int rc;
    if (st->ops->begin(st, true)) return -1;
    rc = st->ops->conf_get(st, c->project_id, c->sid, out);
    st->ops->commit(st);
    return rc;
}

CF_TEST(store_conf_cache_is_never_stale)
{
    struct cf_test_store e;
    struct cf_store *st = NULL, *other = NULL;
    static struct cf_conference c, c2, got, w;
    CF_CHECK(open_two(&e, "confcache", &st, &other, &c, &c2) == 0);
    if (!st || !other) return;
    CF_CHECK(read_in_tx(st, &c, &got) == 0 && same(&c, &got));

    /* another connection's commit: the next transaction reads it */
    w = c;
    snprintf(w.friendly_name, sizeof w.friendly_name, "renamed elsewhere");
    CF_CHECK(other->ops->begin(other, true) == 0);
    CF_CHECK(other->ops->conf_update(other, &w) == 0);
    CF_CHECK(other->ops->commit(other) == 0);
    CF_CHECK(read_in_tx(st, &c, &got) == 0);
    CF_CHECK_STR(got.friendly_name, "renamed elsewhere");

    /* a write of its own, then undone by a savepoint's rollback: the
     * transaction reads the row as it is again */
    CF_CHECK(st->ops->begin(st, true) == 0);
    CF_CHECK(st->ops->conf_get(st, c.project_id, c.sid, &got) == 0);
    CF_CHECK(st->ops->begin(st, true) == 0); /* savepoint */
    w = got;
    w.status = CF_CONF_COMPLETED;
    w.end_reason = CF_END_API;
    CF_CHECK(st->ops->conf_update(st, &w) == 0);
    CF_CHECK(st->ops->conf_get(st, c.project_id, c.sid, &got) == 0);
    CF_CHECK(got.status == CF_CONF_COMPLETED); /* its own write, read back */
    st->ops->rollback(st);
    CF_CHECK(st->ops->conf_get(st, c.project_id, c.sid, &got) == 0);
    CF_CHECK(got.status == CF_CONF_IN_PROGRESS);
    CF_CHECK(st->ops->commit(st) == 0);

    /* the same in optimistic mode, where a nested begin opens no savepoint:
     * the rollback loses the transaction, and the next one reads the row */
    st->ops->set_optimistic(st, true);
    CF_CHECK(st->ops->begin(st, true) == 0);
    CF_CHECK(st->ops->begin(st, true) == 0);
    w = got;
    w.date_updated = 424242;
    CF_CHECK(st->ops->conf_touch(st, &w) == 0);
    st->ops->rollback(st);
    CF_CHECK(st->ops->lost(st));
    CF_CHECK(st->ops->commit(st) != 0); /* refused: rolled back */
    st->ops->set_optimistic(st, false);
    CF_CHECK(read_in_tx(st, &c, &got) == 0);
    CF_CHECK(got.date_updated != 424242);

    /* a whole transaction rolled back after an update */
    CF_CHECK(st->ops->begin(st, true) == 0);
    w = got;
    snprintf(w.friendly_name, sizeof w.friendly_name, "never");
    CF_CHECK(st->ops->conf_update(st, &w) == 0);
    st->ops->rollback(st);
    CF_CHECK(read_in_tx(st, &c, &got) == 0);
    CF_CHECK_STR(got.friendly_name, "renamed elsewhere");

    /* written and committed: read back from memory, as written */
    CF_CHECK(st->ops->begin(st, true) == 0);
    w = got;
    w.date_updated = 5555;
    CF_CHECK(st->ops->conf_touch(st, &w) == 0);
    CF_CHECK(st->ops->commit(st) == 0);
    CF_CHECK(read_in_tx(st, &c, &got) == 0 && got.date_updated == 5555);
    CF_CHECK(read_in_tx(st, &c2, &got) == 0 && same(&c2, &got));
    /* an unknown conference is still not found */
    w = c;
    w.sid[0] = 'f';
    CF_CHECK(read_in_tx(st, &w, &got) == CF_ENOTFOUND);

    other->ops->close(other);
    st->ops->close(st);
    cf_test_store_close(&e);
}

/* Appends event `seq` of conference c through st (inside its transaction). */
static int append(struct cf_store *st, const struct cf_conference *c, int64_t seq)
{
    static struct cf_event ev;
    memset(&ev, 0, sizeof ev);
    memcpy(ev.project_id, c->project_id, sizeof ev.project_id);
    memcpy(ev.conference_sid, c->sid, sizeof ev.conference_sid);
    snprintf(ev.name, sizeof ev.name, "participant-mute");
    ev.params = "SequenceNumber=x";
    ev.seq = seq;
    ev.created = 1000 + seq;
    return st->ops->event_append(st, &ev);
}

/* The next SequenceNumber of c, in a write transaction of st that reads the
 * conference first (as every use-case does). */
static int64_t next_in_tx(struct cf_store *st, const struct cf_conference *c)
{
    static struct cf_conference got;
    int64_t next = -9;
    if (st->ops->begin(st, true)) return -1;
    if (st->ops->conf_get(st, c->project_id, c->sid, &got) == 0)
        (void)st->ops->event_next_seq(st, c->sid, &next);
    st->ops->commit(st);
    return next;
}

/* The seqs the Events API lists for c, in its order, as one number: each
 * digit one event (so 0,1,2 reads 12 with a leading 1 for the count's sake). */
static long listed(struct cf_store *st, const struct cf_conference *c)
{
    struct cf_arena a;
    struct cf_outbox_row *rows = NULL;
    size_t n = 0;
    bool more = false;
    long v = 1;
    cf_arena_init(&a);
    if (st->ops->outbox_list(st, c->project_id, c->sid, NULL, 100, &a, &rows, &n, &more) == 0)
        for (size_t i = 0; i < n; i++) v = v * 10 + rows[i].seq;
    cf_arena_cleanup(&a);
    return v;
}

/* Each conference's event counter (conference_seqs, schema 11) is kept in
 * the writer's copy of the conference too: the next SequenceNumber comes
 * from memory, but never a stale one. Numbers are never skipped nor reused
 * across a savepoint rolled back, an optimistic batch lost, or another
 * connection's events; the Events API lists them in order. */
CF_TEST(store_event_counter_is_never_stale)
{
    struct cf_test_store e;
    struct cf_store *st = NULL, *other = NULL;
    static struct cf_conference c, c2, got;
    int64_t next = -9;
    CF_CHECK(open_two(&e, "confseq", &st, &other, &c, &c2) == 0);
    if (!st || !other) return;
    CF_CHECK(next_in_tx(st, &c) == 0); /* no event yet */

    /* two events in one transaction, c2's between them */
    CF_CHECK(st->ops->begin(st, true) == 0);
    CF_CHECK(st->ops->conf_get(st, c.project_id, c.sid, &got) == 0);
    CF_CHECK(st->ops->event_next_seq(st, c.sid, &next) == 0 && next == 0);
    CF_CHECK(append(st, &c, 0) == 0);
    CF_CHECK(append(st, &c2, 0) == 0);
    CF_CHECK(st->ops->event_next_seq(st, c.sid, &next) == 0 && next == 1);
    CF_CHECK(append(st, &c, 1) == 0);
    CF_CHECK(st->ops->commit(st) == 0);
    CF_CHECK(next_in_tx(st, &c) == 2);
    CF_CHECK(next_in_tx(st, &c2) == 1);

    /* an event undone by a savepoint's rollback: its number is given again */
    CF_CHECK(st->ops->begin(st, true) == 0);
    CF_CHECK(st->ops->conf_get(st, c.project_id, c.sid, &got) == 0);
    CF_CHECK(st->ops->begin(st, true) == 0);
    CF_CHECK(st->ops->event_next_seq(st, c.sid, &next) == 0 && next == 2);
    CF_CHECK(append(st, &c, 2) == 0);
    CF_CHECK(st->ops->event_next_seq(st, c.sid, &next) == 0 && next == 3);
    st->ops->rollback(st);
    CF_CHECK(st->ops->conf_get(st, c.project_id, c.sid, &got) == 0);
    CF_CHECK(st->ops->event_next_seq(st, c.sid, &next) == 0 && next == 2);
    CF_CHECK(append(st, &c, 2) == 0);
    CF_CHECK(st->ops->commit(st) == 0);
    CF_CHECK(next_in_tx(st, &c) == 3);

    /* the same in an optimistic batch, which the rollback loses */
    st->ops->set_optimistic(st, true);
    CF_CHECK(st->ops->begin(st, true) == 0);
    CF_CHECK(st->ops->conf_get(st, c.project_id, c.sid, &got) == 0);
    CF_CHECK(st->ops->begin(st, true) == 0);
    CF_CHECK(st->ops->event_next_seq(st, c.sid, &next) == 0 && next == 3);
    CF_CHECK(append(st, &c, 3) == 0);
    st->ops->rollback(st);
    CF_CHECK(st->ops->lost(st));
    CF_CHECK(st->ops->commit(st) != 0);
    st->ops->set_optimistic(st, false);
    CF_CHECK(next_in_tx(st, &c) == 3);

    /* another connection's event: the next transaction counts past it */
    CF_CHECK(other->ops->begin(other, true) == 0);
    CF_CHECK(other->ops->event_next_seq(other, c.sid, &next) == 0 && next == 3);
    CF_CHECK(append(other, &c, 3) == 0);
    CF_CHECK(other->ops->commit(other) == 0);
    CF_CHECK(next_in_tx(st, &c) == 4);
    CF_CHECK(st->ops->begin(st, true) == 0);
    CF_CHECK(st->ops->conf_get(st, c.project_id, c.sid, &got) == 0);
    CF_CHECK(st->ops->event_next_seq(st, c.sid, &next) == 0 && next == 4);
    CF_CHECK(append(st, &c, 4) == 0);
    CF_CHECK(st->ops->commit(st) == 0);
    CF_CHECK(next_in_tx(other, &c) == 5);

    /* in order, each once */
    CF_CHECK(listed(st, &c) == 101234);
    CF_CHECK(listed(other, &c2) == 10);
    other->ops->close(other);
    st->ops->close(st);
    cf_test_store_close(&e);
}
