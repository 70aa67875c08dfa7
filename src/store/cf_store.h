/* SPDX-License-Identifier: MIT
 *
 * cf_store.h - the store interface: an ops table that each backend fills
 * (SQLite now; PostgreSQL later), in the manner of SQLite's VFS.
 *
 * A struct cf_store is ONE connection and belongs to one thread at a time;
 * a struct cf_store_pool hands connections to threads. Every query is scoped
 * by project. Writes happen inside begin(write=true)/commit; a use-case that
 * fails calls rollback. Transactions nest: a begin inside an open
 * transaction is a savepoint, whose commit releases it and whose rollback
 * undoes only what was written since (the writer thread, cf_writer.h, runs
 * many requests' use-cases inside one transaction that way). Functions return 0 or a negative CF_E* code:
 * CF_ENOTFOUND for a missing row, CF_EEXIST for a uniqueness conflict,
 * CF_ESTORE for everything the backend could not do (logged by the backend).
 *
 * Lists use keyset paging: items are ordered newest date_created first, ties
 * by sid descending; a page request names a cursor sid and a direction, and
 * the backend answers one page plus whether more rows lie beyond it.
 * Returned arrays are allocated from the caller's arena.
 */
#ifndef CF_STORE_H
#define CF_STORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../base/cf_arena.h"
#include "../base/cf_err.h"
#include "../core/cf_model.h"

struct cf_store;

enum cf_page_dir { CF_PAGE_FIRST, CF_PAGE_AFTER, CF_PAGE_BEFORE };

struct cf_page_req {
    int size;                      /* 1..1000 */
    enum cf_page_dir dir;
    char cursor[CF_UUID_SIZE];     /* sid named by the PageToken (AFTER/BEFORE) */
};

struct cf_page_res {
    size_t n;      /* items returned */
    bool more;     /* more rows exist beyond this page in the direction of travel */
};

/* Conference list filters; an unset bound is INT64_MIN/INT64_MAX, an unset
 * string is "". Bounds are inclusive µs. */
struct cf_conf_filter {
    const char *friendly_name;
    int status;                    /* enum cf_conf_status, or -1 for any */
    int64_t created_lo, created_hi;
    int64_t updated_lo, updated_hi;
};

/* Participant list filters: -1 any, 0 false, 1 true. Live only unless
 * include_ended; status_completed lists only those who left (history). */
struct cf_part_filter {
    int muted, hold, coaching;
    bool history;                  /* list participants that left instead of live ones */
};

/* Calls list filters ("" / NULL = any). status is a call status: queued,
 * ringing, in-progress, completed, canceled, busy, no-answer, failed. */
struct cf_call_filter {
    const char *status, *to, *from;
};

struct cf_token_row {
    char id[CF_UUID_SIZE];
    char project_id[CF_UUID_SIZE];
    unsigned char hash[32];        /* SHA-256 of the secret */
    int64_t date_created;
};

/* Stored response of an Idempotency-Key. */
struct cf_idem {
    unsigned char body_hash[32];   /* SHA-256 of method, path, query and body */
    int status;
    const char *response;          /* arena-owned JSON */
    size_t response_len;
    int64_t created;
};

/* One outbox row as the webhook worker and the Events API see it. */
struct cf_outbox_row {
    int64_t id;
    char sid[CF_UUID_SIZE];
    char project_id[CF_UUID_SIZE];
    char conference_sid[CF_UUID_SIZE];
    char call_sid[CF_UUID_SIZE];
    char stream[CF_UUID_SIZE];   /* delivery stream (struct cf_event) */
    int64_t seq;
    char name[48];
    char url[CF_URL_MAX + 1];
    char method[8];
    const char *params;          /* arena-owned form-encoded body */
    char state[12];              /* pending delivered failed none */
    int attempts;
    int last_status;             /* HTTP status of the last attempt, 0 = none */
    char last_error[128];
    int64_t next_attempt_at, created, done_at;
};

/* What one delivery attempt came to. */
struct cf_outbox_result {
    int64_t id;
    const char *state;           /* pending (retry later), delivered, failed (given up) */
    int attempts;
    int64_t next_attempt_at;
    int http_status;             /* 0 = no response */
    int64_t latency_us;
    const char *error;           /* NULL = none */
    int64_t at;
};

/* An announcement waiting for (or in) its fetch and playback. */
struct cf_ann_row {
    struct cf_announcement an;
    bool end_after;              /* end the conference once it has played */
    char kind[12];               /* announce, hold (HoldUrl) or wait (WaitUrl) */
    char status[12];             /* queued fetching playing played failed */
};

typedef void (*cf_store_project_cb)(void *ud, const struct cf_project *p, int ntokens);

struct cf_store_ops {
    const char *name;
    void (*close)(struct cf_store *st);

    int (*begin)(struct cf_store *st, bool write);
    int (*commit)(struct cf_store *st);
    void (*rollback)(struct cf_store *st);
    /* Optimistic nesting, for the writer's batches (cf_writer.c). While on,
     * a begin inside a transaction opens no savepoint: its commit costs
     * nothing, and so does its rollback when nothing was written since that
     * begin. A rollback that would have to undo writes cannot: it marks the
     * transaction lost instead, and the outer commit then refuses (rolls
     * back, CF_ESTORE). Turned on and off outside transactions (inside one
     * the call is ignored). */
    void (*set_optimistic)(struct cf_store *st, bool on);
    /* Whether a rollback since the outer begin could not undo its writes:
     * the transaction must be rolled back and its work redone. */
    bool (*lost)(struct cf_store *st);

    /* projects and tokens */
    int (*project_insert)(struct cf_store *st, const struct cf_project *p);
    int (*project_get)(struct cf_store *st, const char *id, struct cf_project *out);
    int (*project_list)(struct cf_store *st, cf_store_project_cb cb, void *ud);
    int (*token_insert)(struct cf_store *st, const struct cf_token_row *t);
    int (*token_revoke)(struct cf_store *st, const char *project_id, const char *token_id);
    /* Fills up to max live token hashes of a project; *n gets the count. */
    int (*token_hashes)(struct cf_store *st, const char *project_id,
                        unsigned char (*hashes)[32], size_t max, size_t *n);

    /* conferences */
    int (*conf_get)(struct cf_store *st, const char *project_id, const char *sid,
                    struct cf_conference *out);
    /* The columns the API shows of a conference, as a list item has them:
     * its settings (callbacks, caps, recording) are left empty. For reads
     * that only answer the conference's JSON. */
    int (*conf_get_public)(struct cf_store *st, const char *project_id, const char *sid,
                           struct cf_conference *out);
    int (*conf_get_live_by_name)(struct cf_store *st, const char *project_id,
                                 const char *name, struct cf_conference *out);
    int (*conf_insert)(struct cf_store *st, const struct cf_conference *c);
    int (*conf_update)(struct cf_store *st, const struct cf_conference *c);
    /* only date_updated */
    int (*conf_touch)(struct cf_store *st, const struct cf_conference *c);
    /* items hold what the API shows of a conference: the callback and
     * recording settings and max_participants are left empty */
    int (*conf_list)(struct cf_store *st, const char *project_id,
                     const struct cf_conf_filter *f, const struct cf_page_req *pg,
                     struct cf_arena *a, struct cf_conference **items,
                     struct cf_page_res *res);

    /* participants */
    int (*part_insert)(struct cf_store *st, const struct cf_participant *p);
    int (*part_update)(struct cf_store *st, const struct cf_participant *p);
    /* only the flags an update changes (muted, hold, coaching, call_sid_to_coach,
     * beep_on_exit, end_on_exit, date_updated): touches no index */
    int (*part_update_flags)(struct cf_store *st, const struct cf_participant *p);
    /* key is a call sid or a label; only live participants unless any_state */
    int (*part_get)(struct cf_store *st, const char *project_id, const char *conf_sid,
                    const char *key, bool any_state, struct cf_participant *out);
    int (*part_list)(struct cf_store *st, const char *project_id, const char *conf_sid,
                     const struct cf_part_filter *f, const struct cf_page_req *pg,
                     struct cf_arena *a, struct cf_participant **items,
                     struct cf_page_res *res);
    /* a call (participant leg) by sid in any state, whatever its conference */
    int (*call_get)(struct cf_store *st, const char *project_id, const char *call_sid,
                    struct cf_participant *out);
    int (*call_list)(struct cf_store *st, const char *project_id, const struct cf_call_filter *f,
                     const struct cf_page_req *pg, struct cf_arena *a,
                     struct cf_participant **items, struct cf_page_res *res);
    /* every participant still being dialled (queued, connecting, ringing), all projects */
    int (*part_dialing)(struct cf_store *st, struct cf_arena *a, struct cf_participant **items,
                        size_t *n);
    /* every live participant of a conference, oldest first */
    int (*part_live)(struct cf_store *st, const char *project_id, const char *conf_sid,
                     struct cf_arena *a, struct cf_participant **items, size_t *n);

    /* conference recordings */
    int (*rec_insert)(struct cf_store *st, const struct cf_recording *r);
    int (*rec_update)(struct cf_store *st, const struct cf_recording *r);
    int (*rec_delete)(struct cf_store *st, const char *project_id, const char *sid);
    /* conf_sid NULL: any conference of the project */
    int (*rec_get)(struct cf_store *st, const char *project_id, const char *conf_sid,
                   const char *sid, struct cf_recording *out);
    /* recordings still running (in-progress or paused) of a conference */
    int (*rec_live)(struct cf_store *st, const char *project_id, const char *conf_sid,
                    struct cf_arena *a, struct cf_recording **items, size_t *n);
    int (*rec_list)(struct cf_store *st, const char *project_id, const char *conf_sid,
                    int64_t created_lo, int64_t created_hi, const struct cf_page_req *pg,
                    struct cf_arena *a, struct cf_recording **items, struct cf_page_res *res);

    /* announcements and the event outbox */
    int (*event_append)(struct cf_store *st, const struct cf_event *ev);
    /* the next SequenceNumber of a conference's events: one past the last
     * event it appended, 0 for none */
    int (*event_next_seq)(struct cf_store *st, const char *conf_sid, int64_t *next);

    /* the webhook worker: the oldest pending event of each delivery stream
     * of each conference, when it is due (a later one of the same stream
     * waits for the earlier to be delivered or given up; other streams do
     * not wait) */
    int (*outbox_due)(struct cf_store *st, int64_t now, size_t max, struct cf_arena *a,
                      struct cf_outbox_row **rows, size_t *n);
    int (*outbox_result)(struct cf_store *st, const struct cf_outbox_result *r);
    /* the Events API: a conference's events in sequence order, after the
     * event after_sid (NULL: from the first) */
    int (*outbox_list)(struct cf_store *st, const char *project_id, const char *conf_sid,
                       const char *after_sid, size_t max, struct cf_arena *a,
                       struct cf_outbox_row **rows, size_t *n, bool *more);
    int (*outbox_get)(struct cf_store *st, const char *project_id, const char *sid,
                      struct cf_arena *a, struct cf_outbox_row *out);
    /* makes a delivered or failed event pending again, due now */
    int (*outbox_redeliver)(struct cf_store *st, const char *project_id, const char *sid,
                            int64_t now);
    int (*outbox_pending_count)(struct cf_store *st, int64_t *n);
    /* live counts: of one project (project_id) or of all (NULL) */
    int (*count_live)(struct cf_store *st, const char *project_id, int64_t *conferences,
                      int64_t *participants);
    /* events given up (state failed), all projects */
    int (*outbox_failed_count)(struct cf_store *st, int64_t *n);

    /* announcements */
    int (*ann_insert)(struct cf_store *st, const struct cf_ann_row *an);
    /* queued announcements, oldest first, marked fetching */
    int (*ann_claim)(struct cf_store *st, size_t max, struct cf_arena *a,
                     struct cf_ann_row **rows, size_t *n);
    int (*ann_get)(struct cf_store *st, const char *sid, struct cf_ann_row *out);
    int (*ann_set_status)(struct cf_store *st, const char *sid, const char *status,
                          const char *reason, int64_t now);
    /* sids of announcements left fetching/playing by a previous run */
    int (*ann_interrupted)(struct cf_store *st, struct cf_arena *a, struct cf_ann_row **rows,
                           size_t *n);
    /* at most max announcements (kind announce) of a conference not yet
     * over (queued, fetching or playing), oldest first: with call_sid NULL
     * every one of the conference's, else that call's. Rows in arena a. */
    int (*ann_active)(struct cf_store *st, const char *conf_sid, const char *call_sid, size_t max,
                      struct cf_arena *a, struct cf_ann_row **rows, size_t *n);

    /* idempotency keys */
    int (*idem_get)(struct cf_store *st, const char *project_id, const char *key,
                    struct cf_arena *a, struct cf_idem *out);
    int (*idem_put)(struct cf_store *st, const char *project_id, const char *key,
                    const struct cf_idem *in);
    /* Claims a key for a request about to run (status 0 = in progress):
     * 0 when claimed, CF_EEXIST when the key is already there. */
    int (*idem_reserve)(struct cf_store *st, const char *project_id, const char *key,
                        const struct cf_idem *in);
    int (*idem_delete)(struct cf_store *st, const char *project_id, const char *key);
    int (*idem_expire)(struct cf_store *st, int64_t before);
};

struct cf_store {
    const struct cf_store_ops *ops;
};

struct cf_store_ckpt;

struct cf_store_opts {
    const char *path;   /* SQLite file */
    bool durable_full;  /* a write is acknowledged only once on disk (synchronous=FULL) */
    int cache_mb;       /* cap on the connection's page cache; 0 = 16 MiB */
    bool no_map;        /* read through the page cache only, not the file map */
    /* Borrowed, may be NULL. Serialises this process's write transactions:
     * a writer waits on the mutex, in order, instead of backing off in
     * SQLite's busy handler (which sleeps 1 to 100 ms between tries). */
    pthread_mutex_t *write_lock;
    /* Borrowed, may be NULL: checkpoints run on this thread instead of on
     * the committing one (see cf_store_ckpt_start). */
    struct cf_store_ckpt *ckpt;
    /* Keep the conferences this connection reads and writes in memory
     * (cf_confcache.h), for the connection that makes most of the writes:
     * its write transactions then read a conference without a search. */
    bool conf_cache;
};

/* The checkpointer: a thread with its own connection that copies the WAL
 * back into the database file when commits report enough new frames, so
 * that no request waits for a checkpoint or its fsyncs. write_lock (may be
 * NULL) is held for a short second pass that lets the WAL start over (see
 * cf_checkpoint.c). passive_frames: the WAL growth that starts a checkpoint
 * (0: 16,384 frames, 64 MiB; the WAL restarts at four times that); the
 * tests make it small. */
int cf_store_ckpt_start(const char *path, pthread_mutex_t *write_lock, int passive_frames,
                        struct cf_store_ckpt **out, struct cf_err *err);
/* Called by a connection after a commit left `frames` frames in the WAL. */
void cf_store_ckpt_notify(struct cf_store_ckpt *c, int frames);
/* Stops the thread (after one last passive checkpoint). NULL is a no-op. */
void cf_store_ckpt_stop(struct cf_store_ckpt *c);
/* What the thread has done so far: checkpoints begun, locked passes run
 * (each lets the WAL start over), pauses made while copying. */
struct cf_store_ckpt_stats {
    uint64_t checkpoints, locked, pauses;
};
void cf_store_ckpt_stats(struct cf_store_ckpt *c, struct cf_store_ckpt_stats *out);

/* Process-wide set-up of the backend, before any connection is opened
 * (main thread, once). */
void cf_store_global_init(void);

/* Opens one connection to the store named by opts, applying migrations when
 * migrate is true. Returns 0 and *out (free with st->ops->close), or an
 * error with err filled. */
int cf_store_open(const struct cf_store_opts *opts, bool migrate, struct cf_store **out,
                  struct cf_err *err);

/* A fixed set of connections shared by threads. get() blocks until one is
 * free; put() returns it. Thread-safe. */
struct cf_store_pool;
int cf_store_pool_create(const struct cf_store_opts *opts, int n, struct cf_store_pool **out,
                         struct cf_err *err);
struct cf_store *cf_store_pool_get(struct cf_store_pool *pool);
void cf_store_pool_put(struct cf_store_pool *pool, struct cf_store *st);
void cf_store_pool_destroy(struct cf_store_pool *pool);

#endif
