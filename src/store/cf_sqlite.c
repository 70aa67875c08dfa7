/* SPDX-License-Identifier: MIT
 *
 * cf_sqlite.c - the SQLite backend of cf_store.h.
 *
 * One struct sqlite_store per connection, used by one thread at a time
 * (opened with SQLITE_OPEN_NOMUTEX). The database runs in WAL mode:
 * synchronous=NORMAL by default (a committed transaction survives a crash of
 * the process; the last ones may be lost on power failure), FULL when the
 * operator asks for durability=full (fsync at every commit). Write
 * transactions use BEGIN IMMEDIATE so that they never fail with SQLITE_BUSY
 * half way; inside one process they first take the shared write lock of
 * cf_store_opts, so writers queue in order instead of sleeping in the busy
 * handler (which is left for other processes, such as `confab project`).
 * A begin inside an open transaction is a SAVEPOINT. Reads of the database
 * file go through a shared memory map; checkpoints run on the checkpointer
 * thread when there is one (cf_checkpoint.c).
 *
 * Fixed statements are prepared once per connection and reused. List
 * statements depend on which filters are present, so they are built on
 * first use and cached by a key of filter bits and paging direction.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "../base/cf_buf.h"
#include "../base/cf_err.h"
#include "../base/cf_log.h"
#include "../base/cf_mem.h"
#include "../base/cf_time.h"
#include "cf_confcache.h"
#include "cf_migrations.h"
#include "cf_store.h"
#include "cf_pcache.h"
#include "cf_walvfs.h"

enum stmt_id {
    S_BEGIN_R,
    S_BEGIN_W,
    S_COMMIT,
    S_ROLLBACK,
    S_DATA_VERSION,
    S_PROJECT_INSERT,
    S_PROJECT_GET,
    S_PROJECT_LIST,
    S_TOKEN_INSERT,
    S_TOKEN_REVOKE,
    S_TOKEN_HASHES,
    S_CONF_GET,
    S_CONF_GET_PUBLIC,
    S_CONF_GET_LIVE_NAME,
    S_CONF_INSERT,
    S_CONF_UPDATE,
    S_CONF_CURSOR,
    S_CONF_TOUCH,
    S_PART_FLAGS,
    S_PART_INSERT,
    S_PART_UPDATE,
    S_PART_GET,
    S_PART_GET_LABEL,
    S_PART_GET_ANY,
    S_PART_GET_ANY_LABEL,
    S_PART_LIVE,
    S_PART_DIALING,
    S_PART_CURSOR,
    S_CALL_GET,
    S_CALL_CURSOR,
    S_REC_INSERT,
    S_REC_UPDATE,
    S_REC_DELETE,
    S_REC_GET,
    S_REC_LIVE,
    S_REC_CURSOR,
    S_ANN_INSERT,
    S_ANN_CLAIM,
    S_ANN_MARK,
    S_ANN_GET,
    S_ANN_SET,
    S_ANN_INTERRUPTED,
    S_ANN_ACTIVE,
    S_OUT_DUE,
    S_OUT_RESULT,
    S_OUT_ATTEMPT,
    S_OUT_LIST,
    S_OUT_GET,
    S_OUT_REDELIVER,
    S_OUT_PENDING,
    S_OUT_FAILED,
    S_LIVE_CONF,
    S_LIVE_PART,
    S_LIVE_CONF_P,
    S_LIVE_PART_P,
    S_EVENT_APPEND,
    S_EVENT_COUNT,
    S_EVENT_COUNT_ROW,
    S_EVENT_NEXT_SEQ,
    S_IDEM_GET,
    S_IDEM_PUT,
    S_IDEM_EXPIRE,
    S_IDEM_RESERVE,
    S_IDEM_DELETE,
    S_COUNT
};

/* (not conferences.next_seq: unused since schema 4, it keeps its default)
 * A list reads only the first nine, what the API shows of a conference
 * (CONF_LIST_COLS): the other nine cost a list page of 50 ~400 column
 * reads and string copies nobody looks at. */
#define CONF_LIST_COLS                                                                   \
    "sid, project_id, friendly_name, region, status, end_reason, call_sid_ending,"       \
    " date_created, date_updated"
#define CONF_COLS                                                                        \
    CONF_LIST_COLS ", status_callback, status_callback_method,"                          \
    " status_callback_events, max_participants, record_from_start, rec_callback,"           \
    " rec_callback_method, rec_callback_events, trim_silence"

#define PART_COLS                                                                        \
    "call_sid, project_id, conference_sid, label, call_sid_to_coach, from_addr, to_addr," \
    " status, muted, hold, coaching, start_on_enter, end_on_exit, beep_on_exit,"          \
    " leave_reason, call_status, timeout_s, date_created, date_updated, joined_at, left_at,"  \
    " status_callback, status_callback_method, status_callback_events, next_cb_seq"

#define REC_COLS                                                                         \
    "sid, project_id, conference_sid, status, pause_skip, start_time, end_time,"         \
    " skipped_us, paused_since, duration, date_created, date_updated"

#define ANN_COLS                                                                         \
    "sid, project_id, conference_sid, call_sid, url, method, end_after, status,"         \
    " date_created, kind"

#define OUT_COLS                                                                         \
    "id, id, project_id, conference_sid, call_sid, seq, name, url, method, params,"      \
    " state, attempts, last_status, last_error, next_attempt_at, created, done_at, stream"

static const char *const stmt_sql[S_COUNT] = {
    [S_BEGIN_R] = "BEGIN",
    [S_BEGIN_W] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_DATA_VERSION] = "PRAGMA data_version",
    [S_PROJECT_INSERT] =
        "INSERT INTO projects(id, name, signing_key, date_created) VALUES(?1, ?2, ?3, ?4)",
    [S_PROJECT_GET] = "SELECT id, name, signing_key, date_created FROM projects WHERE id = ?1",
    [S_PROJECT_LIST] =
        "SELECT p.id, p.name, p.signing_key, p.date_created,"
        " (SELECT count(*) FROM api_tokens t WHERE t.project_id = p.id AND t.revoked_at IS NULL)"
        " FROM projects p ORDER BY p.date_created, p.id",
    [S_TOKEN_INSERT] =
        "INSERT INTO api_tokens(id, project_id, hash, date_created) VALUES(?1, ?2, ?3, ?4)",
    [S_TOKEN_REVOKE] = "UPDATE api_tokens SET revoked_at = ?3 WHERE id = ?2 AND project_id = ?1"
                       " AND revoked_at IS NULL",
    [S_TOKEN_HASHES] =
        "SELECT hash FROM api_tokens WHERE project_id = ?1 AND revoked_at IS NULL",
    [S_CONF_GET] = "SELECT " CONF_COLS " FROM conferences WHERE project_id = ?1 AND sid = ?2",
    /* the covering index of schema 7: one search, no visit to the table */
    [S_CONF_GET_PUBLIC] = "SELECT " CONF_LIST_COLS " FROM conferences INDEXED BY conferences_fetch"
                          " WHERE sid = ?2 AND project_id = ?1",
    [S_CONF_GET_LIVE_NAME] = "SELECT " CONF_COLS " FROM conferences WHERE project_id = ?1"
                             " AND friendly_name = ?2 AND status <> 'completed'",
    /* Every statement that writes a conference's row goes through
     * conf_written(), which keeps the writer's
     * copies of conferences (cf_confcache.h) true: a new one must too. */
    [S_CONF_INSERT] = "INSERT INTO conferences(" CONF_COLS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6,"
                      " ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    [S_CONF_UPDATE] = "UPDATE conferences SET friendly_name = ?3, region = ?4, status = ?5,"
                      " end_reason = ?6, call_sid_ending = ?7, date_created = ?8,"
                      " date_updated = ?9, status_callback = ?10,"
                      " status_callback_method = ?11, status_callback_events = ?12,"
                      " max_participants = ?13, record_from_start = ?14, rec_callback = ?15,"
                      " rec_callback_method = ?16, rec_callback_events = ?17,"
                      " trim_silence = ?18 WHERE sid = ?1 AND project_id = ?2",
    [S_CONF_TOUCH] = "UPDATE conferences SET date_updated = ?3 WHERE sid = ?1 AND project_id = ?2",
    [S_PART_FLAGS] = "UPDATE participants SET muted = ?3, hold = ?4, coaching = ?5,"
                     " call_sid_to_coach = ?6, beep_on_exit = ?7, end_on_exit = ?8,"
                     " date_updated = ?9 WHERE call_sid = ?1 AND project_id = ?2",
    [S_CONF_CURSOR] =
        "SELECT date_created FROM conferences WHERE project_id = ?1 AND sid = ?2",
    [S_PART_INSERT] = "INSERT INTO participants(" PART_COLS ", live) VALUES(?1, ?2, ?3, ?4, ?5,"
                      " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,"
                      " ?21, ?23, ?24, ?25, ?26, ?22)",
    [S_PART_UPDATE] = "UPDATE participants SET label = ?4, call_sid_to_coach = ?5,"
                      " from_addr = ?6, to_addr = ?7, status = ?8, muted = ?9, hold = ?10,"
                      " coaching = ?11, start_on_enter = ?12, end_on_exit = ?13,"
                      " beep_on_exit = ?14, leave_reason = ?15, call_status = ?16,"
                      " timeout_s = ?17, date_created = ?18, date_updated = ?19,"
                      " joined_at = ?20, left_at = ?21, live = ?22, status_callback = ?23,"
                      " status_callback_method = ?24, status_callback_events = ?25,"
                      " next_cb_seq = ?26"
                      " WHERE call_sid = ?1 AND project_id = ?2 AND conference_sid = ?3",
    /* a participant is named by its call SID or by its label: the SID
     * first (its primary key), then the label (sq_part_get) */
    [S_PART_GET] = "SELECT " PART_COLS " FROM participants WHERE call_sid = ?3"
                   " AND project_id = ?1 AND conference_sid = ?2 AND live = 1",
    [S_PART_GET_LABEL] = "SELECT " PART_COLS " FROM participants WHERE conference_sid = ?2"
                         " AND label = ?3 AND live = 1 AND project_id = ?1 LIMIT 1",
    [S_PART_GET_ANY] = "SELECT " PART_COLS " FROM participants WHERE call_sid = ?3"
                       " AND project_id = ?1 AND conference_sid = ?2",
    [S_PART_GET_ANY_LABEL] = "SELECT " PART_COLS " FROM participants WHERE project_id = ?1"
                             " AND conference_sid = ?2 AND label = ?3"
                             " ORDER BY live DESC, date_created DESC LIMIT 1",
    [S_PART_LIVE] = "SELECT " PART_COLS " FROM participants WHERE project_id = ?1"
                    " AND conference_sid = ?2 AND live = 1 ORDER BY date_created, call_sid",
    [S_PART_DIALING] = "SELECT " PART_COLS " FROM participants WHERE live = 1"
                       " AND status IN ('queued', 'connecting', 'ringing')",
    [S_PART_CURSOR] = "SELECT date_created FROM participants WHERE project_id = ?1"
                      " AND conference_sid = ?2 AND call_sid = ?3",
    [S_CALL_GET] = "SELECT " PART_COLS " FROM participants WHERE project_id = ?1"
                   " AND call_sid = ?2",
    [S_CALL_CURSOR] = "SELECT date_created FROM participants WHERE project_id = ?1"
                      " AND call_sid = ?2",
    [S_REC_INSERT] = "INSERT INTO recordings(" REC_COLS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7,"
                     " ?8, ?9, ?10, ?11, ?12)",
    [S_REC_UPDATE] = "UPDATE recordings SET status = ?4, pause_skip = ?5, start_time = ?6,"
                     " end_time = ?7, skipped_us = ?8, paused_since = ?9, duration = ?10,"
                     " date_created = ?11, date_updated = ?12"
                     " WHERE sid = ?1 AND project_id = ?2 AND conference_sid = ?3",
    [S_REC_DELETE] = "DELETE FROM recordings WHERE project_id = ?1 AND sid = ?2",
    [S_REC_GET] = "SELECT " REC_COLS " FROM recordings WHERE project_id = ?1"
                  " AND (?2 IS NULL OR conference_sid = ?2) AND sid = ?3",
    [S_REC_LIVE] = "SELECT " REC_COLS " FROM recordings WHERE project_id = ?1"
                   " AND conference_sid = ?2 AND status IN ('in-progress', 'paused')",
    [S_REC_CURSOR] = "SELECT date_created FROM recordings WHERE project_id = ?1"
                     " AND conference_sid = ?2 AND sid = ?3",
    [S_ANN_INSERT] = "INSERT INTO announcements(sid, project_id, conference_sid, call_sid, url,"
                     " method, end_after, date_created, date_updated, kind)"
                     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?8, ?7, ?7, ?9)",
    [S_ANN_CLAIM] = "SELECT " ANN_COLS " FROM announcements INDEXED BY announcements_active"
                    " WHERE (status = 'queued' OR status = 'fetching' OR status = 'playing')"
                    " AND status = 'queued'"
                    " ORDER BY date_created LIMIT ?1",
    [S_ANN_MARK] = "UPDATE announcements SET status = 'fetching' WHERE sid = ?1",
    [S_ANN_GET] = "SELECT " ANN_COLS " FROM announcements WHERE sid = ?1",
    [S_ANN_SET] = "UPDATE announcements SET status = ?2, reason = ?3, date_updated = ?4"
                  " WHERE sid = ?1",
    /* through the partial index of the announcements not yet over (few at
     * any time), not a conference index of its own: every announcement's
     * insert and status changes would write one more entry */
    [S_ANN_ACTIVE] = "SELECT " ANN_COLS " FROM announcements INDEXED BY announcements_active"
                     " WHERE (status = 'queued' OR status = 'fetching' OR status = 'playing')"
                     " AND conference_sid = ?1 AND kind = 'announce'"
                     " AND (?2 IS NULL OR call_sid = ?2) ORDER BY date_created, sid LIMIT ?3",
    [S_ANN_INTERRUPTED] = "SELECT " ANN_COLS " FROM announcements"
                          " WHERE status IN ('fetching', 'playing')",
    /* the head of each stream (outbox_pending_stream answers the NOT
     * EXISTS); a recording callback, numbered in the conference's sequence,
     * also waits for the conference's status callbacks numbered before it
     * (spec §8.1: it follows the conference-end), which never wait for it */
    [S_OUT_DUE] = "SELECT " OUT_COLS " FROM outbox o WHERE state = 'pending'"
                  " AND next_attempt_at <= ?1 AND NOT EXISTS (SELECT 1 FROM outbox p"
                  " WHERE p.state = 'pending' AND p.conference_sid = o.conference_sid"
                  " AND p.stream = o.stream AND p.seq < o.seq)"
                  " AND (o.stream <> '" CF_STREAM_RECORDING "' OR NOT EXISTS (SELECT 1 FROM outbox q"
                  " WHERE q.state = 'pending' AND q.conference_sid = o.conference_sid"
                  " AND q.stream = '" CF_STREAM_CONFERENCE "' AND q.seq < o.seq))"
                  " ORDER BY next_attempt_at LIMIT ?2",
    [S_OUT_RESULT] = "UPDATE outbox SET state = ?2, attempts = ?3, next_attempt_at = ?4,"
                     " last_status = ?5, last_error = ?6,"
                     " done_at = CASE WHEN ?2 = 'pending' THEN NULL ELSE ?7 END WHERE id = ?1",
    [S_OUT_ATTEMPT] = "INSERT INTO outbox_attempts(event_id, at, http_status, latency_us, error)"
                      " VALUES(?1, ?2, ?3, ?4, ?5)",
    /* a conference's events lie between its first and last (conference_seqs),
     * in seq order by id: a walk of the outbox's rows in that range */
    [S_OUT_LIST] = "SELECT " OUT_COLS " FROM outbox"
                   " WHERE id >= max(?3 + 1, (SELECT first_event FROM conference_seqs"
                   " WHERE conference_sid = ?2))"
                   " AND id <= (SELECT last_event FROM conference_seqs WHERE conference_sid = ?2)"
                   " AND conference_sid = ?2 AND project_id = ?1 ORDER BY id LIMIT ?4",
    [S_OUT_GET] = "SELECT " OUT_COLS " FROM outbox WHERE project_id = ?1 AND id = ?2",
    [S_OUT_REDELIVER] = "UPDATE outbox SET state = 'pending', next_attempt_at = ?3, done_at = NULL"
                        " WHERE project_id = ?1 AND id = ?2 AND url IS NOT NULL"
                        " AND state IN ('delivered', 'failed')",
    [S_OUT_PENDING] = "SELECT count(*) FROM outbox WHERE state = 'pending'",
    [S_OUT_FAILED] = "SELECT count(*) FROM outbox INDEXED BY outbox_failed WHERE state = 'failed'",
    /* all projects (metrics), then one project, both on the partial live
     * indexes, which hold the live rows alone: without INDEXED BY the planner
     * scans a covering index of every row (1,000,000 conferences: 0.1 s and
     * 0.3 s per /metrics scrape instead of well under 1 ms) */
    [S_LIVE_CONF] = "SELECT count(*) FROM conferences INDEXED BY conferences_live_name"
                    " WHERE status <> 'completed'",
    [S_LIVE_PART] = "SELECT count(*) FROM participants INDEXED BY participants_live"
                    " WHERE live = 1",
    [S_LIVE_CONF_P] = "SELECT count(*) FROM conferences INDEXED BY conferences_live_name"
                      " WHERE project_id = ?1 AND status <> 'completed'",
    [S_LIVE_PART_P] = "SELECT count(*) FROM participants INDEXED BY participants_live"
                      " WHERE project_id = ?1 AND live = 1",
    [S_EVENT_APPEND] = "INSERT INTO outbox(project_id, conference_sid, seq, name, url, method,"
                       " params, state, next_attempt_at, created, call_sid, stream)"
                       " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?11, ?12)",
    /* the conference's counter, and where its events lie (schema 11) */
    [S_EVENT_COUNT] = "INSERT INTO conference_seqs(conference_sid, next_seq, first_event,"
                      " last_event) VALUES(?1, ?2, ?3, ?3) ON CONFLICT(conference_sid)"
                      " DO UPDATE SET next_seq = excluded.next_seq, last_event = excluded.last_event"
                      " RETURNING id",
    /* ... by its row, known from the writer's copy of the conference */
    [S_EVENT_COUNT_ROW] = "UPDATE conference_seqs SET next_seq = ?2, last_event = ?3 WHERE id = ?1",
    [S_EVENT_NEXT_SEQ] = "SELECT next_seq, id FROM conference_seqs WHERE conference_sid = ?1",
    [S_IDEM_GET] = "SELECT body_hash, status, response, created FROM idempotency_keys"
                   " WHERE project_id = ?1 AND key = ?2",
    [S_IDEM_PUT] = "INSERT OR REPLACE INTO idempotency_keys(project_id, key, body_hash, status,"
                   " response, created) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [S_IDEM_EXPIRE] = "DELETE FROM idempotency_keys WHERE created < ?1",
    [S_IDEM_RESERVE] = "INSERT OR IGNORE INTO idempotency_keys(project_id, key, body_hash, status,"
                       " response, created) VALUES(?1, ?2, ?3, 0, x'', ?4)",
    [S_IDEM_DELETE] = "DELETE FROM idempotency_keys WHERE project_id = ?1 AND key = ?2",
};

#define LIST_CACHE 256
#define MAX_DEPTH 8   /* nested savepoints a connection may hold */
/* Reads of the database file go through a map: every connection shares the
 * kernel's page cache instead of copying pages into its own. Any positive
 * value turns it on; the map is the VFS's and covers the whole file
 * (cf_dbmap.c), where SQLite's own would stop at 2 GiB (Debian's build). */
#define MMAP_SIZE (4LL * 1024 * 1024 * 1024)
#define CONF_CACHE_SLOTS 4096 /* opts->conf_cache: conferences kept (direct-mapped) */

struct list_stmt {
    unsigned key;        /* which list, filters and direction; 0 = empty slot */
    sqlite3_stmt *stmt;
};

struct sqlite_store {
    struct cf_store base; /* must be first */
    sqlite3 *db;
    sqlite3_stmt *stmts[S_COUNT];
    struct list_stmt lists[LIST_CACHE];
    int depth;                   /* open transaction levels: 0 none, 1 BEGIN, >1 savepoints */
    bool locked;                 /* holds write_lock (a write transaction at depth >= 1) */
    pthread_mutex_t *write_lock; /* borrowed, may be NULL */
    struct cf_store_ckpt *ckpt;  /* borrowed, may be NULL */
    sqlite3_stmt *sp[MAX_DEPTH][3]; /* SAVEPOINT, RELEASE, ROLLBACK TO per level */
    bool optimistic;             /* nested begins open no savepoint (set_optimistic); only
                                  * changed at depth 0, so it holds for every level */
    bool lost;                   /* such a level's rollback could not undo its writes */
    int64_t changes_at[MAX_DEPTH]; /* sqlite3_total_changes64 when level i+1 began (0: the
                                    * transaction): whether a rollback undoes writes */
    /* With opts->conf_cache: the conferences this connection read or wrote,
     * served from memory inside its write transactions (confs_ok). Cleared
     * by a rollback that undoes writes, a failed commit, and at a write
     * transaction's begin when data_version shows another connection's
     * commit since the last one. */
    struct cf_confcache *confs;
    bool confs_ok;
    int64_t data_version;
};

static void log_db_error(struct sqlite_store *s, const char *what)
{
    cf_log(CF_LOG_ERROR, NULL, "msg=\"store error\" op=%s sqlite=\"%s\"", what,
           sqlite3_errmsg(s->db));
}

static sqlite3_stmt *stmt(struct sqlite_store *s, enum stmt_id id)
{
    sqlite3_stmt *st = s->stmts[id];
    if (!st) {
        if (sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &s->stmts[id],
                               NULL) != SQLITE_OK) {
            log_db_error(s, "prepare");
            cf_panic("cannot prepare statement %d", (int)id);
        }
        st = s->stmts[id];
    }
    return st;
}

static void done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static void bind_text(sqlite3_stmt *st, int i, const char *z)
{
    sqlite3_bind_text(st, i, z, -1, SQLITE_STATIC); /* borrowed: reset before z dies */
}

/* Binds "" as NULL: the model writes absent optional strings as "". */
static void bind_text_or_null(sqlite3_stmt *st, int i, const char *z)
{
    if (z && *z)
        sqlite3_bind_text(st, i, z, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void bind_time_or_null(sqlite3_stmt *st, int i, int64_t t)
{
    if (t)
        sqlite3_bind_int64(st, i, t);
    else
        sqlite3_bind_null(st, i);
}

static void col_copy(sqlite3_stmt *st, int i, char *out, size_t size)
{
    const unsigned char *z = sqlite3_column_text(st, i);
    size_t n = z ? (size_t)sqlite3_column_bytes(st, i) : 0;
    if (n >= size) n = size - 1;
    if (n) memcpy(out, z, n);
    out[n] = '\0';
}

/* Runs a statement that returns no rows; returns 0, CF_EEXIST, CF_ESTORE.
 * A write outside a transaction (its own implicit one) takes the write lock
 * like begin(write) does. */
static int exec_stmt(struct sqlite_store *s, sqlite3_stmt *st, const char *what)
{
    bool lock = s->write_lock && !s->locked && s->depth == 0 && !sqlite3_stmt_readonly(st);
    int rc, ret = 0;
    if (lock) pthread_mutex_lock(s->write_lock);
    rc = sqlite3_step(st);
    if (lock) pthread_mutex_unlock(s->write_lock);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        if ((rc & 0xff) == SQLITE_CONSTRAINT) {
            ret = CF_EEXIST;
        } else {
            log_db_error(s, what);
            ret = CF_ESTORE;
        }
    }
    done(st);
    return ret;
}

/* Like exec_stmt, for an UPDATE or DELETE of one row: CF_ENOTFOUND when it
 * matched none. */
static int exec_changed(struct sqlite_store *s, sqlite3_stmt *st, const char *what)
{
    int rc = exec_stmt(s, st, what);
    if (rc == 0 && sqlite3_changes(s->db) == 0) rc = CF_ENOTFOUND;
    return rc;
}

#define S(st) ((struct sqlite_store *)(st))

/* ---- transactions ---- */

/* The savepoint statements of nesting level i (1-based), prepared once. */
static sqlite3_stmt *sp_stmt(struct sqlite_store *s, int level, int which)
{
    static const char *const fmt[3] = {"SAVEPOINT s%d", "RELEASE s%d", "ROLLBACK TO s%d"};
    sqlite3_stmt **slot = &s->sp[level - 1][which];
    if (!*slot) {
        char sql[32];
        snprintf(sql, sizeof sql, fmt[which], level);
        if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL) != SQLITE_OK) {
            log_db_error(s, "prepare");
            cf_panic("cannot prepare '%s'", sql);
        }
    }
    return *slot;
}

static void unlock_writer(struct sqlite_store *s)
{
    if (s->locked && s->write_lock) pthread_mutex_unlock(s->write_lock);
    s->locked = false;
}

/* At a write transaction's begin (the write lock held, so nobody else
 * commits until it ends): whether the conference copies still hold. A
 * failed check leaves the cache unused until the next begin. */
static void confs_check(struct sqlite_store *s)
{
    sqlite3_stmt *st = stmt(s, S_DATA_VERSION);
    int64_t v;
    s->confs_ok = false;
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        cf_confcache_clear(s->confs);
        return;
    }
    v = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (v != s->data_version) cf_confcache_clear(s->confs);
    s->data_version = v;
    s->confs_ok = true;
}

/* Whether the level that began at depth d (0: the transaction) has
 * written anything, which its rollback then undoes. The conference copies
 * go with such a rollback (they may hold one of its writes). */
static bool level_wrote(struct sqlite_store *s, int d)
{
    bool wrote = sqlite3_total_changes64(s->db) != s->changes_at[d];
    if (wrote && s->confs) cf_confcache_clear(s->confs);
    return wrote;
}

static int sq_begin(struct cf_store *base, bool write)
{
    struct sqlite_store *s = S(base);
    int rc;
    if (s->depth > 0) {
        if (s->depth >= MAX_DEPTH) return CF_ESTORE;
        s->changes_at[s->depth] = sqlite3_total_changes64(s->db);
        if (!s->optimistic && exec_stmt(s, sp_stmt(s, s->depth, 0), "savepoint"))
            return CF_ESTORE;
        s->depth++;
        return 0;
    }
    if (write && s->write_lock) {
        pthread_mutex_lock(s->write_lock);
        s->locked = true;
    }
    rc = exec_stmt(s, stmt(s, write ? S_BEGIN_W : S_BEGIN_R), "begin");
    if (rc) {
        unlock_writer(s);
        return CF_ESTORE;
    }
    s->depth = 1;
    s->changes_at[0] = sqlite3_total_changes64(s->db);
    if (s->confs && write) confs_check(s);
    return 0;
}

static int sq_commit(struct cf_store *base)
{
    struct sqlite_store *s = S(base);
    int rc;
    if (s->depth > 1) {
        s->depth--;
        if (s->optimistic) return 0;
        return exec_stmt(s, sp_stmt(s, s->depth, 1), "release") ? CF_ESTORE : 0;
    }
    /* (a transaction holding writes someone meant to undo is never kept) */
    rc = s->lost ? CF_ESTORE : exec_stmt(s, stmt(s, S_COMMIT), "commit");
    if (rc) {
        if (!sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        if (s->confs) cf_confcache_clear(s->confs);
        rc = CF_ESTORE;
    }
    s->confs_ok = false;
    s->depth = 0;
    s->lost = false;
    unlock_writer(s);
    return rc;
}

static void sq_rollback(struct cf_store *base)
{
    struct sqlite_store *s = S(base);
    if (s->depth > 1) {
        bool wrote;
        s->depth--;
        wrote = level_wrote(s, s->depth);
        if (s->optimistic) {
            if (wrote) s->lost = true;
            return;
        }
        (void)exec_stmt(s, sp_stmt(s, s->depth, 2), "rollback to");
        (void)exec_stmt(s, sp_stmt(s, s->depth, 1), "release");
        return;
    }
    if (s->depth == 1) (void)level_wrote(s, 0);
    s->confs_ok = false;
    if (sqlite3_get_autocommit(s->db) == 0) (void)exec_stmt(s, stmt(s, S_ROLLBACK), "rollback");
    s->depth = 0;
    s->lost = false;
    unlock_writer(s);
}

static void sq_set_optimistic(struct cf_store *base, bool on)
{
    struct sqlite_store *s = S(base);
    if (s->depth == 0) s->optimistic = on; /* (inside a transaction: ignored) */
}

static bool sq_lost(struct cf_store *base)
{
    return S(base)->lost;
}

/* ---- projects and tokens ---- */

static int sq_project_insert(struct cf_store *base, const struct cf_project *p)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_PROJECT_INSERT);
    bind_text(st, 1, p->id);
    bind_text(st, 2, p->name);
    bind_text(st, 3, p->signing_key);
    sqlite3_bind_int64(st, 4, p->date_created);
    return exec_stmt(s, st, "project_insert");
}

static void read_project(sqlite3_stmt *st, struct cf_project *out)
{
    col_copy(st, 0, out->id, sizeof out->id);
    col_copy(st, 1, out->name, sizeof out->name);
    col_copy(st, 2, out->signing_key, sizeof out->signing_key);
    out->date_created = sqlite3_column_int64(st, 3);
}

static int step_row(struct sqlite_store *s, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) return 1;
    if (rc == SQLITE_DONE) return 0;
    log_db_error(s, what);
    return CF_ESTORE;
}

/* Reads up to max rows of st into an arena array of `size`-byte items that
 * grows as rows come. */
static int read_all(struct sqlite_store *s, sqlite3_stmt *st, struct cf_arena *a, size_t size,
                    size_t max, void (*read_fn)(sqlite3_stmt *, void *), void **rows, size_t *n)
{
    size_t cap = 16, cnt = 0;
    unsigned char *arr = cf_arena_alloc(a, size * cap);
    int rc = 0;
    while (cnt < max && (rc = step_row(s, st, "read_all")) == 1) {
        if (cnt == cap) {
            unsigned char *bigger = cf_arena_alloc(a, size * cap * 2);
            memcpy(bigger, arr, size * cnt);
            arr = bigger;
            cap *= 2;
        }
        read_fn(st, arr + size * cnt++);
    }
    done(st);
    if (rc < 0) return rc;
    *rows = arr;
    *n = cnt;
    return 0;
}

/* Steps st for one row: read_fn fills out; CF_ENOTFOUND when there is none. */
static int get_one(struct sqlite_store *s, sqlite3_stmt *st, const char *what,
                   void (*read_fn)(sqlite3_stmt *, void *), void *out)
{
    int rc = step_row(s, st, what);
    if (rc == 1) {
        read_fn(st, out);
        rc = 0;
    } else if (rc == 0) {
        rc = CF_ENOTFOUND;
    }
    done(st);
    return rc;
}

/* Runs statement id with its text keys bound as ?1, ?2, ?3, as many as the
 * statement has parameters (a NULL key binds NULL), and reads its one row:
 * 0, CF_ENOTFOUND, CF_ESTORE. What the getters of one row by their keys
 * share. */
static int get_by_keys(struct cf_store *base, enum stmt_id id, const char *what,
                       void (*read_fn)(sqlite3_stmt *, void *), void *out, const char *k1,
                       const char *k2, const char *k3)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, id);
    const char *keys[3] = {k1, k2, k3};
    int n = sqlite3_bind_parameter_count(st);
    for (int i = 0; i < n && i < 3; i++) bind_text(st, i + 1, keys[i]);
    return get_one(s, st, what, read_fn, out);
}

static void read_project_v(sqlite3_stmt *st, void *p) { read_project(st, p); }

static int sq_project_get(struct cf_store *base, const char *id, struct cf_project *out)
{
    return get_by_keys(base, S_PROJECT_GET, "project_get", read_project_v, out, id, NULL, NULL);
}

static int sq_project_list(struct cf_store *base, cf_store_project_cb cb, void *ud)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_PROJECT_LIST);
    int rc;
    while ((rc = step_row(s, st, "project_list")) == 1) {
        struct cf_project p;
        read_project(st, &p);
        cb(ud, &p, sqlite3_column_int(st, 4));
    }
    done(st);
    return rc;
}

static int sq_token_insert(struct cf_store *base, const struct cf_token_row *t)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_TOKEN_INSERT);
    bind_text(st, 1, t->id);
    bind_text(st, 2, t->project_id);
    sqlite3_bind_blob(st, 3, t->hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, t->date_created);
    return exec_stmt(s, st, "token_insert");
}

static int sq_token_revoke(struct cf_store *base, const char *project_id, const char *token_id)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_TOKEN_REVOKE);
    bind_text(st, 1, project_id);
    bind_text(st, 2, token_id);
    sqlite3_bind_int64(st, 3, cf_time_now_us());
    return exec_changed(s, st, "token_revoke");
}

static int sq_token_hashes(struct cf_store *base, const char *project_id,
                           unsigned char (*hashes)[32], size_t max, size_t *n)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_TOKEN_HASHES);
    int rc;
    *n = 0;
    bind_text(st, 1, project_id);
    while ((rc = step_row(s, st, "token_hashes")) == 1) {
        if (*n < max && sqlite3_column_bytes(st, 0) == 32) {
            memcpy(hashes[*n], sqlite3_column_blob(st, 0), 32);
            (*n)++;
        }
    }
    done(st);
    return rc;
}

/* ---- conferences ---- */

/* Columns 0-8 (CONF_LIST_COLS); the settings are left empty. */
static void read_conf_public(sqlite3_stmt *st, struct cf_conference *c)
{
    char buf[64];
    col_copy(st, 0, c->sid, sizeof c->sid);
    col_copy(st, 1, c->project_id, sizeof c->project_id);
    col_copy(st, 2, c->friendly_name, sizeof c->friendly_name);
    col_copy(st, 3, c->region, sizeof c->region);
    col_copy(st, 4, buf, sizeof buf);
    if (cf_conf_status_parse(buf, &c->status)) c->status = CF_CONF_COMPLETED;
    col_copy(st, 5, buf, sizeof buf);
    if (!buf[0] || cf_end_reason_parse(buf, &c->end_reason)) c->end_reason = CF_END_NONE;
    col_copy(st, 6, c->call_sid_ending, sizeof c->call_sid_ending);
    c->date_created = sqlite3_column_int64(st, 7);
    c->date_updated = sqlite3_column_int64(st, 8);
    c->next_seq = CF_SEQ_UNKNOWN; /* the outbox has it: see sq_event_next_seq */
    c->status_callback[0] = c->status_callback_method[0] = '\0';
    c->rec_callback[0] = c->rec_callback_method[0] = '\0';
    c->status_callback_events = c->rec_callback_events = 0;
    c->max_participants = 0;
    c->record_from_start = false;
    c->trim_silence = true;
}

static void read_conf(sqlite3_stmt *st, struct cf_conference *c)
{
    read_conf_public(st, c);
    col_copy(st, 9, c->status_callback, sizeof c->status_callback);
    col_copy(st, 10, c->status_callback_method, sizeof c->status_callback_method);
    c->status_callback_events = (unsigned)sqlite3_column_int(st, 11);
    c->max_participants = sqlite3_column_int(st, 12);
    c->record_from_start = sqlite3_column_int(st, 13) != 0;
    col_copy(st, 14, c->rec_callback, sizeof c->rec_callback);
    col_copy(st, 15, c->rec_callback_method, sizeof c->rec_callback_method);
    c->rec_callback_events = (unsigned)sqlite3_column_int(st, 16);
    c->trim_silence = sqlite3_column_int(st, 17) != 0;
}

static void bind_conf(sqlite3_stmt *st, const struct cf_conference *c)
{
    bind_text(st, 1, c->sid);
    bind_text(st, 2, c->project_id);
    bind_text(st, 3, c->friendly_name);
    bind_text(st, 4, c->region);
    bind_text(st, 5, cf_conf_status_str(c->status));
    bind_text_or_null(st, 6, cf_end_reason_str(c->end_reason));
    bind_text_or_null(st, 7, c->call_sid_ending);
    sqlite3_bind_int64(st, 8, c->date_created);
    sqlite3_bind_int64(st, 9, c->date_updated);
    bind_text_or_null(st, 10, c->status_callback);
    bind_text_or_null(st, 11, c->status_callback_method);
    sqlite3_bind_int(st, 12, (int)c->status_callback_events);
    sqlite3_bind_int(st, 13, c->max_participants);
    sqlite3_bind_int(st, 14, c->record_from_start);
    bind_text_or_null(st, 15, c->rec_callback);
    bind_text_or_null(st, 16, c->rec_callback_method);
    sqlite3_bind_int(st, 17, (int)c->rec_callback_events);
    sqlite3_bind_int(st, 18, c->trim_silence);
}

static void read_conf_v(sqlite3_stmt *st, void *p) { read_conf(st, p); }
static void read_conf_public_v(sqlite3_stmt *st, void *p) { read_conf_public(st, p); }

static int sq_conf_get(struct cf_store *base, const char *project_id, const char *sid,
                       struct cf_conference *out)
{
    struct sqlite_store *s = S(base);
    int rc;
    if (s->confs_ok && cf_confcache_get(s->confs, project_id, sid, out)) return 0;
    rc = get_by_keys(base, S_CONF_GET, "conf_get", read_conf_v, out, project_id, sid, NULL);
    if (rc == 0 && s->confs_ok) cf_confcache_put(s->confs, out);
    return rc;
}

static int sq_conf_get_public(struct cf_store *base, const char *project_id, const char *sid,
                              struct cf_conference *out)
{
    return get_by_keys(base, S_CONF_GET_PUBLIC, "conf_get_public", read_conf_public_v, out,
                       project_id, sid, NULL);
}

static int sq_conf_get_live_by_name(struct cf_store *base, const char *project_id,
                                    const char *name, struct cf_conference *out)
{
    return get_by_keys(base, S_CONF_GET_LIVE_NAME, "conf_get", read_conf_v, out, project_id, name,
                       NULL);
}

/* A conference written, whole or (touched) only its date_updated: its copy
 * becomes what was written (or, if the write failed, goes). Outside a
 * write transaction the copy goes too. */
static int conf_written(struct sqlite_store *s, const struct cf_conference *c, bool touched,
                        int rc)
{
    if (!s->confs) return rc;
    if (rc != 0 || !s->confs_ok)
        cf_confcache_forget(s->confs, c->sid);
    else if (touched)
        cf_confcache_touch(s->confs, c->sid, c->date_updated);
    else
        cf_confcache_put(s->confs, c);
    return rc;
}

static int sq_conf_insert(struct cf_store *base, const struct cf_conference *c)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_CONF_INSERT);
    bind_conf(st, c);
    return conf_written(s, c, false, exec_stmt(s, st, "conf_insert"));
}

static int sq_conf_update(struct cf_store *base, const struct cf_conference *c)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_CONF_UPDATE);
    bind_conf(st, c);
    return conf_written(s, c, false, exec_changed(s, st, "conf_update"));
}

static int sq_conf_touch(struct cf_store *base, const struct cf_conference *c)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_CONF_TOUCH);
    bind_text(st, 1, c->sid);
    bind_text(st, 2, c->project_id);
    sqlite3_bind_int64(st, 3, c->date_updated);
    return conf_written(s, c, true, exec_stmt(s, st, "conf_touch"));
}

static int sq_part_update_flags(struct cf_store *base, const struct cf_participant *p)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_PART_FLAGS);
    bind_text(st, 1, p->call_sid);
    bind_text(st, 2, p->project_id);
    sqlite3_bind_int(st, 3, p->muted);
    sqlite3_bind_int(st, 4, p->hold);
    sqlite3_bind_int(st, 5, p->coaching);
    bind_text_or_null(st, 6, p->call_sid_to_coach);
    sqlite3_bind_int(st, 7, p->beep_on_exit);
    sqlite3_bind_int(st, 8, p->end_on_exit);
    sqlite3_bind_int64(st, 9, p->date_updated);
    return exec_stmt(s, st, "part_update_flags");
}

/* Finds (or builds and caches) the list statement for key; sql_fn writes its SQL. */
static sqlite3_stmt *list_stmt(struct sqlite_store *s, unsigned key,
                               void (*sql_fn)(unsigned key, struct cf_buf *b))
{
    unsigned h = (key * 2654435761u) % LIST_CACHE;
    for (unsigned i = 0; i < LIST_CACHE; i++) {
        struct list_stmt *ls = &s->lists[(h + i) % LIST_CACHE];
        if (ls->key == key) return ls->stmt;
        if (ls->key == 0) {
            struct cf_buf b;
            cf_buf_init(&b, 8192);
            sql_fn(key, &b);
            if (sqlite3_prepare_v3(s->db, cf_buf_str(&b), -1, SQLITE_PREPARE_PERSISTENT,
                                   &ls->stmt, NULL) != SQLITE_OK) {
                log_db_error(s, "prepare list");
                cf_panic("cannot prepare list statement: %s", cf_buf_str(&b));
            }
            cf_buf_cleanup(&b);
            ls->key = key;
            return ls->stmt;
        }
    }
    cf_panic("list statement cache full");
}

/* key bits for conference lists */
enum {
    CK_NAME = 1 << 0,
    CK_STATUS = 1 << 1,
    CK_CLO = 1 << 2,
    CK_CHI = 1 << 3,
    CK_ULO = 1 << 4,
    CK_UHI = 1 << 5,
    CK_AFTER = 1 << 6,
    CK_BEFORE = 1 << 7,
    K_CONF = 1u << 16,
    K_PART = 2u << 16,
    K_CALL = 3u << 16,
    K_REC = 4u << 16
};

/* Parameter numbers: ?1 project, ?2 name, ?3 status, ?4..?7 bounds, ?8 cursor
 * time, ?9 cursor sid, ?10 limit. */
static void conf_list_sql(unsigned key, struct cf_buf *b)
{
    const char *cmp = (key & CK_BEFORE) ? ">" : "<";
    /* A name or status filter goes through its own index. Left to itself,
     * SQLite prefers conferences_page, which covers every column, and
     * filters while it walks it: a page of the few conferences in progress
     * among 100,000 ended ones then reads all the ended ones first (page 1
     * of such a list fell from 10,900 to 7,600/s). */
    const char *by = (key & CK_NAME)     ? " INDEXED BY conferences_name"
                     : (key & CK_STATUS) ? " INDEXED BY conferences_status"
                                         : "";
    cf_buf_printf(b, "SELECT " CONF_LIST_COLS " FROM conferences%s WHERE project_id = ?1", by);
    if (key & CK_NAME) cf_buf_puts(b, " AND friendly_name = ?2");
    if (key & CK_STATUS) cf_buf_puts(b, " AND status = ?3");
    if (key & CK_CLO) cf_buf_puts(b, " AND date_created >= ?4");
    if (key & CK_CHI) cf_buf_puts(b, " AND date_created <= ?5");
    if (key & CK_ULO) cf_buf_puts(b, " AND date_updated >= ?6");
    if (key & CK_UHI) cf_buf_puts(b, " AND date_updated <= ?7");
    if (key & (CK_AFTER | CK_BEFORE)) cf_buf_printf(b, " AND (date_created, sid) %s (?8, ?9)", cmp);
    cf_buf_puts(b, (key & CK_BEFORE) ? " ORDER BY date_created ASC, sid ASC"
                                     : " ORDER BY date_created DESC, sid DESC");
    cf_buf_puts(b, " LIMIT ?10");
}

/* Runs a prepared list statement, filling up to pg->size items of `size`
 * bytes via read_fn, reversing them for BEFORE pages. */
static int run_list(struct sqlite_store *s, sqlite3_stmt *st, const struct cf_page_req *pg,
                    struct cf_arena *a, size_t size, void (*read_fn)(sqlite3_stmt *, void *),
                    void **items, struct cf_page_res *res)
{
    size_t cap = (size_t)pg->size;
    unsigned char *arr = cf_arena_alloc(a, size * (cap ? cap : 1));
    size_t n = 0;
    int rc;
    res->more = false;
    sqlite3_bind_int(st, 10, pg->size + 1);
    while ((rc = step_row(s, st, "list")) == 1) {
        if (n == cap) {
            res->more = true;
            break;
        }
        read_fn(st, arr + n * size);
        n++;
    }
    done(st);
    if (rc < 0) return rc;
    if (pg->dir == CF_PAGE_BEFORE) {
        unsigned char *tmp = cf_arena_alloc(a, size);
        for (size_t i = 0; i < n / 2; i++) {
            memcpy(tmp, arr + i * size, size);
            memcpy(arr + i * size, arr + (n - 1 - i) * size, size);
            memcpy(arr + (n - 1 - i) * size, tmp, size);
        }
    }
    *items = arr;
    res->n = n;
    return 0;
}


static int cursor_time(struct sqlite_store *s, sqlite3_stmt *st, int64_t *t)
{
    int rc = step_row(s, st, "cursor");
    if (rc == 1) {
        *t = sqlite3_column_int64(st, 0);
        rc = 0;
    } else if (rc == 0) {
        rc = CF_EINVAL;
    }
    done(st);
    return rc;
}

static int sq_conf_list(struct cf_store *base, const char *project_id,
                        const struct cf_conf_filter *f, const struct cf_page_req *pg,
                        struct cf_arena *a, struct cf_conference **items,
                        struct cf_page_res *res)
{
    struct sqlite_store *s = S(base);
    unsigned key = K_CONF;
    int64_t ct = 0;
    sqlite3_stmt *st;
    int rc;
    if (pg->dir != CF_PAGE_FIRST) {
        sqlite3_stmt *cs = stmt(s, S_CONF_CURSOR);
        bind_text(cs, 1, project_id);
        bind_text(cs, 2, pg->cursor);
        if ((rc = cursor_time(s, cs, &ct))) return rc;
        key |= pg->dir == CF_PAGE_AFTER ? CK_AFTER : CK_BEFORE;
    }
    if (f->friendly_name && f->friendly_name[0]) key |= CK_NAME;
    if (f->status >= 0) key |= CK_STATUS;
    if (f->created_lo != INT64_MIN) key |= CK_CLO;
    if (f->created_hi != INT64_MAX) key |= CK_CHI;
    if (f->updated_lo != INT64_MIN) key |= CK_ULO;
    if (f->updated_hi != INT64_MAX) key |= CK_UHI;
    st = list_stmt(s, key, conf_list_sql);
    bind_text(st, 1, project_id);
    if (key & CK_NAME) bind_text(st, 2, f->friendly_name);
    if (key & CK_STATUS) bind_text(st, 3, cf_conf_status_str((enum cf_conf_status)f->status));
    if (key & CK_CLO) sqlite3_bind_int64(st, 4, f->created_lo);
    if (key & CK_CHI) sqlite3_bind_int64(st, 5, f->created_hi);
    if (key & CK_ULO) sqlite3_bind_int64(st, 6, f->updated_lo);
    if (key & CK_UHI) sqlite3_bind_int64(st, 7, f->updated_hi);
    if (key & (CK_AFTER | CK_BEFORE)) {
        sqlite3_bind_int64(st, 8, ct);
        bind_text(st, 9, pg->cursor);
    }
    return run_list(s, st, pg, a, sizeof **items, read_conf_public_v, (void **)items, res);
}

/* ---- participants ---- */

static void read_part(sqlite3_stmt *st, struct cf_participant *p)
{
    char buf[64];
    col_copy(st, 0, p->call_sid, sizeof p->call_sid);
    col_copy(st, 1, p->project_id, sizeof p->project_id);
    col_copy(st, 2, p->conference_sid, sizeof p->conference_sid);
    col_copy(st, 3, p->label, sizeof p->label);
    col_copy(st, 4, p->call_sid_to_coach, sizeof p->call_sid_to_coach);
    col_copy(st, 5, p->from, sizeof p->from);
    col_copy(st, 6, p->to, sizeof p->to);
    col_copy(st, 7, buf, sizeof buf);
    if (cf_part_status_parse(buf, &p->status)) p->status = CF_PART_COMPLETED;
    p->muted = sqlite3_column_int(st, 8) != 0;
    p->hold = sqlite3_column_int(st, 9) != 0;
    p->coaching = sqlite3_column_int(st, 10) != 0;
    p->start_on_enter = sqlite3_column_int(st, 11) != 0;
    p->end_on_exit = sqlite3_column_int(st, 12) != 0;
    p->beep_on_exit = sqlite3_column_int(st, 13) != 0;
    col_copy(st, 14, buf, sizeof buf);
    if (!buf[0] || cf_leave_reason_parse(buf, &p->leave_reason)) p->leave_reason = CF_LEAVE_NONE;
    col_copy(st, 15, p->call_status, sizeof p->call_status);
    p->timeout_s = sqlite3_column_int(st, 16);
    p->date_created = sqlite3_column_int64(st, 17);
    p->date_updated = sqlite3_column_int64(st, 18);
    p->joined_at = sqlite3_column_int64(st, 19);
    p->left_at = sqlite3_column_int64(st, 20);
    col_copy(st, 21, p->status_callback, sizeof p->status_callback);
    col_copy(st, 22, p->status_callback_method, sizeof p->status_callback_method);
    p->status_callback_events = (unsigned)sqlite3_column_int(st, 23);
    p->next_cb_seq = sqlite3_column_int64(st, 24);
    p->queue_time_ms = -1;
}

static void read_part_v(sqlite3_stmt *st, void *p) { read_part(st, p); }

static void bind_part(sqlite3_stmt *st, const struct cf_participant *p)
{
    bind_text(st, 1, p->call_sid);
    bind_text(st, 2, p->project_id);
    bind_text(st, 3, p->conference_sid);
    bind_text_or_null(st, 4, p->label);
    bind_text_or_null(st, 5, p->call_sid_to_coach);
    bind_text(st, 6, p->from);
    bind_text(st, 7, p->to);
    bind_text(st, 8, cf_part_status_str(p->status));
    sqlite3_bind_int(st, 9, p->muted);
    sqlite3_bind_int(st, 10, p->hold);
    sqlite3_bind_int(st, 11, p->coaching);
    sqlite3_bind_int(st, 12, p->start_on_enter);
    sqlite3_bind_int(st, 13, p->end_on_exit);
    sqlite3_bind_int(st, 14, p->beep_on_exit);
    bind_text_or_null(st, 15, cf_leave_reason_str(p->leave_reason));
    bind_text_or_null(st, 16, p->call_status);
    sqlite3_bind_int(st, 17, p->timeout_s);
    sqlite3_bind_int64(st, 18, p->date_created);
    sqlite3_bind_int64(st, 19, p->date_updated);
    bind_time_or_null(st, 20, p->joined_at);
    bind_time_or_null(st, 21, p->left_at);
    sqlite3_bind_int(st, 22, cf_part_is_live(p->status));
    bind_text_or_null(st, 23, p->status_callback);
    bind_text_or_null(st, 24, p->status_callback_method);
    sqlite3_bind_int(st, 25, (int)p->status_callback_events);
    sqlite3_bind_int64(st, 26, p->next_cb_seq);
}

static int sq_part_insert(struct cf_store *base, const struct cf_participant *p)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_PART_INSERT);
    bind_part(st, p);
    return exec_stmt(s, st, "part_insert");
}

static int sq_part_update(struct cf_store *base, const struct cf_participant *p)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_PART_UPDATE);
    bind_part(st, p);
    return exec_changed(s, st, "part_update");
}

static int sq_part_get(struct cf_store *base, const char *project_id, const char *conf_sid,
                       const char *key, bool any_state, struct cf_participant *out)
{
    struct sqlite_store *s = S(base);
    static const enum stmt_id by[2][2] = {{S_PART_GET, S_PART_GET_LABEL},
                                          {S_PART_GET_ANY, S_PART_GET_ANY_LABEL}};
    int rc = CF_ENOTFOUND;
    for (int i = 0; i < 2 && rc == CF_ENOTFOUND; i++) { /* by call SID, then by label */
        sqlite3_stmt *st = stmt(s, by[any_state][i]);
        bind_text(st, 1, project_id);
        bind_text(st, 2, conf_sid);
        bind_text(st, 3, key);
        rc = get_one(s, st, "part_get", read_part_v, out);
    }
    return rc;
}

enum { PK_MUTED_T = 1 << 0, PK_MUTED_F = 1 << 1, PK_HOLD_T = 1 << 2, PK_HOLD_F = 1 << 3,
       PK_COACH_T = 1 << 4, PK_COACH_F = 1 << 5, PK_HISTORY = 1 << 8 };

/* ?1 project, ?2 conference, ?8 cursor time, ?9 cursor sid, ?10 limit */
static void part_list_sql(unsigned key, struct cf_buf *b)
{
    const char *cmp = (key & CK_BEFORE) ? ">" : "<";
    cf_buf_printf(b, "SELECT " PART_COLS " FROM participants WHERE project_id = ?1"
                     " AND conference_sid = ?2 AND live = %d", (key & PK_HISTORY) ? 0 : 1);
    if (key & PK_MUTED_T) cf_buf_puts(b, " AND muted = 1");
    if (key & PK_MUTED_F) cf_buf_puts(b, " AND muted = 0");
    if (key & PK_HOLD_T) cf_buf_puts(b, " AND hold = 1");
    if (key & PK_HOLD_F) cf_buf_puts(b, " AND hold = 0");
    if (key & PK_COACH_T) cf_buf_puts(b, " AND coaching = 1");
    if (key & PK_COACH_F) cf_buf_puts(b, " AND coaching = 0");
    if (key & (CK_AFTER | CK_BEFORE))
        cf_buf_printf(b, " AND (date_created, call_sid) %s (?8, ?9)", cmp);
    cf_buf_puts(b, (key & CK_BEFORE) ? " ORDER BY date_created ASC, call_sid ASC"
                                     : " ORDER BY date_created DESC, call_sid DESC");
    cf_buf_puts(b, " LIMIT ?10");
}

static int sq_part_list(struct cf_store *base, const char *project_id, const char *conf_sid,
                        const struct cf_part_filter *f, const struct cf_page_req *pg,
                        struct cf_arena *a, struct cf_participant **items,
                        struct cf_page_res *res)
{
    struct sqlite_store *s = S(base);
    unsigned key = K_PART;
    int64_t ct = 0;
    sqlite3_stmt *st;
    int rc;
    if (pg->dir != CF_PAGE_FIRST) {
        sqlite3_stmt *cs = stmt(s, S_PART_CURSOR);
        bind_text(cs, 1, project_id);
        bind_text(cs, 2, conf_sid);
        bind_text(cs, 3, pg->cursor);
        if ((rc = cursor_time(s, cs, &ct))) return rc;
        key |= pg->dir == CF_PAGE_AFTER ? CK_AFTER : CK_BEFORE;
    }
    if (f->muted == 1) key |= PK_MUTED_T;
    if (f->muted == 0) key |= PK_MUTED_F;
    if (f->hold == 1) key |= PK_HOLD_T;
    if (f->hold == 0) key |= PK_HOLD_F;
    if (f->coaching == 1) key |= PK_COACH_T;
    if (f->coaching == 0) key |= PK_COACH_F;
    if (f->history) key |= PK_HISTORY;
    st = list_stmt(s, key, part_list_sql);
    bind_text(st, 1, project_id);
    bind_text(st, 2, conf_sid);
    if (key & (CK_AFTER | CK_BEFORE)) {
        sqlite3_bind_int64(st, 8, ct);
        bind_text(st, 9, pg->cursor);
    }
    return run_list(s, st, pg, a, sizeof **items, read_part_v, (void **)items, res);
}

static int sq_call_get(struct cf_store *base, const char *project_id, const char *call_sid,
                       struct cf_participant *out)
{
    return get_by_keys(base, S_CALL_GET, "call_get", read_part_v, out, project_id, call_sid, NULL);
}

enum { LK_STATUS = 1 << 0, LK_TO = 1 << 1, LK_FROM = 1 << 2 };

/* ?1 project, ?2 status, ?3 to, ?4 from, ?8/?9 cursor, ?10 limit. A call's
 * status is the participant's while live, its final call status after. */
static void call_list_sql(unsigned key, struct cf_buf *b)
{
    const char *cmp = (key & CK_BEFORE) ? ">" : "<";
    cf_buf_puts(b, "SELECT " PART_COLS " FROM participants WHERE project_id = ?1");
    if (key & LK_STATUS)
        cf_buf_puts(b, " AND (CASE WHEN live = 1 THEN status ELSE call_status END) = ?2");
    if (key & LK_TO) cf_buf_puts(b, " AND to_addr = ?3");
    if (key & LK_FROM) cf_buf_puts(b, " AND from_addr = ?4");
    if (key & (CK_AFTER | CK_BEFORE))
        cf_buf_printf(b, " AND (date_created, call_sid) %s (?8, ?9)", cmp);
    cf_buf_puts(b, (key & CK_BEFORE) ? " ORDER BY date_created ASC, call_sid ASC"
                                     : " ORDER BY date_created DESC, call_sid DESC");
    cf_buf_puts(b, " LIMIT ?10");
}

static int sq_call_list(struct cf_store *base, const char *project_id,
                        const struct cf_call_filter *f, const struct cf_page_req *pg,
                        struct cf_arena *a, struct cf_participant **items,
                        struct cf_page_res *res)
{
    struct sqlite_store *s = S(base);
    unsigned key = K_CALL;
    int64_t ct = 0;
    sqlite3_stmt *st;
    int rc;
    if (pg->dir != CF_PAGE_FIRST) {
        sqlite3_stmt *cs = stmt(s, S_CALL_CURSOR);
        bind_text(cs, 1, project_id);
        bind_text(cs, 2, pg->cursor);
        if ((rc = cursor_time(s, cs, &ct))) return rc;
        key |= pg->dir == CF_PAGE_AFTER ? CK_AFTER : CK_BEFORE;
    }
    if (f->status && *f->status) key |= LK_STATUS;
    if (f->to && *f->to) key |= LK_TO;
    if (f->from && *f->from) key |= LK_FROM;
    st = list_stmt(s, key, call_list_sql);
    bind_text(st, 1, project_id);
    if (key & LK_STATUS) bind_text(st, 2, f->status);
    if (key & LK_TO) bind_text(st, 3, f->to);
    if (key & LK_FROM) bind_text(st, 4, f->from);
    if (key & (CK_AFTER | CK_BEFORE)) {
        sqlite3_bind_int64(st, 8, ct);
        bind_text(st, 9, pg->cursor);
    }
    return run_list(s, st, pg, a, sizeof **items, read_part_v, (void **)items, res);
}

static int sq_part_dialing(struct cf_store *base, struct cf_arena *a,
                           struct cf_participant **items, size_t *n)
{
    struct sqlite_store *s = S(base);
    return read_all(s, stmt(s, S_PART_DIALING), a, sizeof **items, 100000, read_part_v,
                    (void **)items, n);
}

static int sq_part_live(struct cf_store *base, const char *project_id, const char *conf_sid,
                        struct cf_arena *a, struct cf_participant **items, size_t *n)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_PART_LIVE);
    bind_text(st, 1, project_id);
    bind_text(st, 2, conf_sid);
    return read_all(s, st, a, sizeof **items, SIZE_MAX, read_part_v, (void **)items, n);
}

/* ---- recordings, announcements, outbox ---- */

static void read_rec(sqlite3_stmt *st, struct cf_recording *r)
{
    char buf[32];
    col_copy(st, 0, r->sid, sizeof r->sid);
    col_copy(st, 1, r->project_id, sizeof r->project_id);
    col_copy(st, 2, r->conference_sid, sizeof r->conference_sid);
    col_copy(st, 3, buf, sizeof buf);
    if (cf_rec_status_parse(buf, &r->status)) r->status = CF_REC_COMPLETED;
    r->pause_skip = sqlite3_column_int(st, 4) != 0;
    r->start_time = sqlite3_column_int64(st, 5);
    r->end_time = sqlite3_column_int64(st, 6);
    r->skipped_us = sqlite3_column_int64(st, 7);
    r->paused_since = sqlite3_column_int64(st, 8);
    r->duration_s = sqlite3_column_type(st, 9) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 9);
    r->date_created = sqlite3_column_int64(st, 10);
    r->date_updated = sqlite3_column_int64(st, 11);
}

static void read_rec_v(sqlite3_stmt *st, void *p) { read_rec(st, p); }

static void bind_rec(sqlite3_stmt *st, const struct cf_recording *r)
{
    bind_text(st, 1, r->sid);
    bind_text(st, 2, r->project_id);
    bind_text(st, 3, r->conference_sid);
    bind_text(st, 4, cf_rec_status_str(r->status));
    sqlite3_bind_int(st, 5, r->pause_skip);
    sqlite3_bind_int64(st, 6, r->start_time);
    bind_time_or_null(st, 7, r->end_time);
    sqlite3_bind_int64(st, 8, r->skipped_us);
    bind_time_or_null(st, 9, r->paused_since);
    if (r->duration_s >= 0)
        sqlite3_bind_int64(st, 10, r->duration_s);
    else
        sqlite3_bind_null(st, 10);
    sqlite3_bind_int64(st, 11, r->date_created);
    sqlite3_bind_int64(st, 12, r->date_updated);
}

static int sq_rec_insert(struct cf_store *base, const struct cf_recording *r)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_REC_INSERT);
    bind_rec(st, r);
    return exec_stmt(s, st, "rec_insert");
}

static int sq_rec_update(struct cf_store *base, const struct cf_recording *r)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_REC_UPDATE);
    bind_rec(st, r);
    return exec_changed(s, st, "rec_update");
}

static int sq_rec_delete(struct cf_store *base, const char *project_id, const char *sid)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_REC_DELETE);
    bind_text(st, 1, project_id);
    bind_text(st, 2, sid);
    return exec_changed(s, st, "rec_delete");
}

static int sq_rec_get(struct cf_store *base, const char *project_id, const char *conf_sid,
                      const char *sid, struct cf_recording *out)
{
    return get_by_keys(base, S_REC_GET, "rec_get", read_rec_v, out, project_id, conf_sid, sid);
}

static int sq_rec_live(struct cf_store *base, const char *project_id, const char *conf_sid,
                       struct cf_arena *a, struct cf_recording **items, size_t *n)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_REC_LIVE);
    bind_text(st, 1, project_id);
    bind_text(st, 2, conf_sid);
    return read_all(s, st, a, sizeof **items, SIZE_MAX, read_rec_v, (void **)items, n);
}

/* ?1 project, ?2 conference, ?4/?5 created bounds, ?8/?9 cursor, ?10 limit */
static void rec_list_sql(unsigned key, struct cf_buf *b)
{
    const char *cmp = (key & CK_BEFORE) ? ">" : "<";
    cf_buf_puts(b, "SELECT " REC_COLS " FROM recordings WHERE project_id = ?1"
                   " AND conference_sid = ?2");
    if (key & CK_CLO) cf_buf_puts(b, " AND date_created >= ?4");
    if (key & CK_CHI) cf_buf_puts(b, " AND date_created <= ?5");
    if (key & (CK_AFTER | CK_BEFORE)) cf_buf_printf(b, " AND (date_created, sid) %s (?8, ?9)", cmp);
    cf_buf_puts(b, (key & CK_BEFORE) ? " ORDER BY date_created ASC, sid ASC"
                                     : " ORDER BY date_created DESC, sid DESC");
    cf_buf_puts(b, " LIMIT ?10");
}

static int sq_rec_list(struct cf_store *base, const char *project_id, const char *conf_sid,
                       int64_t created_lo, int64_t created_hi, const struct cf_page_req *pg,
                       struct cf_arena *a, struct cf_recording **items, struct cf_page_res *res)
{
    struct sqlite_store *s = S(base);
    unsigned key = K_REC;
    int64_t ct = 0;
    sqlite3_stmt *st;
    int rc;
    if (pg->dir != CF_PAGE_FIRST) {
        sqlite3_stmt *cs = stmt(s, S_REC_CURSOR);
        bind_text(cs, 1, project_id);
        bind_text(cs, 2, conf_sid);
        bind_text(cs, 3, pg->cursor);
        if ((rc = cursor_time(s, cs, &ct))) return rc;
        key |= pg->dir == CF_PAGE_AFTER ? CK_AFTER : CK_BEFORE;
    }
    if (created_lo != INT64_MIN) key |= CK_CLO;
    if (created_hi != INT64_MAX) key |= CK_CHI;
    st = list_stmt(s, key, rec_list_sql);
    bind_text(st, 1, project_id);
    bind_text(st, 2, conf_sid);
    if (key & CK_CLO) sqlite3_bind_int64(st, 4, created_lo);
    if (key & CK_CHI) sqlite3_bind_int64(st, 5, created_hi);
    if (key & (CK_AFTER | CK_BEFORE)) {
        sqlite3_bind_int64(st, 8, ct);
        bind_text(st, 9, pg->cursor);
    }
    return run_list(s, st, pg, a, sizeof **items, read_rec_v, (void **)items, res);
}

static void read_ann(sqlite3_stmt *st, struct cf_ann_row *r)
{
    memset(r, 0, sizeof *r);
    col_copy(st, 0, r->an.sid, sizeof r->an.sid);
    col_copy(st, 1, r->an.project_id, sizeof r->an.project_id);
    col_copy(st, 2, r->an.conference_sid, sizeof r->an.conference_sid);
    col_copy(st, 3, r->an.call_sid, sizeof r->an.call_sid);
    col_copy(st, 4, r->an.url, sizeof r->an.url);
    col_copy(st, 5, r->an.method, sizeof r->an.method);
    r->end_after = sqlite3_column_int(st, 6) != 0;
    col_copy(st, 7, r->status, sizeof r->status);
    r->an.date_created = sqlite3_column_int64(st, 8);
    col_copy(st, 9, r->kind, sizeof r->kind);
}

static int sq_ann_insert(struct cf_store *base, const struct cf_ann_row *r)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_ANN_INSERT);
    const struct cf_announcement *an = &r->an;
    bind_text(st, 1, an->sid);
    bind_text(st, 2, an->project_id);
    bind_text(st, 3, an->conference_sid);
    bind_text_or_null(st, 4, an->call_sid);
    bind_text(st, 5, an->url);
    bind_text(st, 6, an->method);
    sqlite3_bind_int64(st, 7, an->date_created);
    sqlite3_bind_int(st, 8, r->end_after);
    bind_text(st, 9, r->kind[0] ? r->kind : "announce");
    return exec_stmt(s, st, "ann_insert");
}

static void read_ann_v(sqlite3_stmt *st, void *p) { read_ann(st, p); }

static int sq_ann_claim(struct cf_store *base, size_t max, struct cf_arena *a,
                        struct cf_ann_row **rows, size_t *n)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_ANN_CLAIM);
    int rc;
    if ((rc = sq_begin(base, true))) return rc;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
    rc = read_all(s, st, a, sizeof **rows, max, read_ann_v, (void **)rows, n);
    for (size_t i = 0; !rc && i < *n; i++) {
        sqlite3_stmt *m = stmt(s, S_ANN_MARK);
        bind_text(m, 1, (*rows)[i].an.sid);
        rc = exec_stmt(s, m, "ann_mark");
    }
    if (rc) {
        sq_rollback(base);
        return rc;
    }
    return sq_commit(base);
}

static int sq_ann_get(struct cf_store *base, const char *sid, struct cf_ann_row *out)
{
    return get_by_keys(base, S_ANN_GET, "ann_get", read_ann_v, out, sid, NULL, NULL);
}

static int sq_ann_set_status(struct cf_store *base, const char *sid, const char *status,
                             const char *reason, int64_t now)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_ANN_SET);
    bind_text(st, 1, sid);
    bind_text(st, 2, status);
    bind_text_or_null(st, 3, reason);
    sqlite3_bind_int64(st, 4, now);
    return exec_stmt(s, st, "ann_set_status");
}

static int sq_ann_interrupted(struct cf_store *base, struct cf_arena *a, struct cf_ann_row **rows,
                              size_t *n)
{
    struct sqlite_store *s = S(base);
    return read_all(s, stmt(s, S_ANN_INTERRUPTED), a, sizeof **rows, 1024, read_ann_v,
                    (void **)rows, n);
}

static int sq_ann_active(struct cf_store *base, const char *conf_sid, const char *call_sid,
                         size_t max, struct cf_arena *a, struct cf_ann_row **rows, size_t *n)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_ANN_ACTIVE);
    bind_text(st, 1, conf_sid);
    bind_text_or_null(st, 2, call_sid);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
    return read_all(s, st, a, sizeof **rows, max, read_ann_v, (void **)rows, n);
}

static int sq_event_append(struct cf_store *base, const struct cf_event *ev)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_EVENT_APPEND);
    int64_t id, next, row;
    int rc;
    bind_text(st, 1, ev->project_id);
    bind_text(st, 2, ev->conference_sid);
    sqlite3_bind_int64(st, 3, ev->seq);
    bind_text(st, 4, ev->name);
    bind_text_or_null(st, 5, ev->url);
    bind_text_or_null(st, 6, ev->method);
    bind_text(st, 7, ev->params ? ev->params : "");
    bind_text(st, 8, ev->url[0] ? "pending" : "none");
    sqlite3_bind_int64(st, 9, ev->created);
    bind_text_or_null(st, 11, ev->call_sid);
    bind_text(st, 12, ev->stream);
    if ((rc = exec_stmt(s, st, "event_append"))) return rc;
    id = sqlite3_last_insert_rowid(s->db);
    /* the counter: through its row when the conference's copy knows it (no
     * search of the sid's index), else an upsert that tells the row */
    if (s->confs_ok && cf_confcache_seq(s->confs, ev->conference_sid, &next, &row)) {
        st = stmt(s, S_EVENT_COUNT_ROW);
        sqlite3_bind_int64(st, 1, row);
        sqlite3_bind_int64(st, 2, ev->seq + 1);
        sqlite3_bind_int64(st, 3, id);
        if ((rc = exec_stmt(s, st, "event_count"))) return rc;
        if (sqlite3_changes(s->db) != 1) { /* (never: the copies are kept exact) */
            cf_log(CF_LOG_ERROR, NULL, "msg=\"store: a conference's counter row was not found\"");
            return CF_ESTORE;
        }
    } else {
        st = stmt(s, S_EVENT_COUNT);
        bind_text(st, 1, ev->conference_sid);
        sqlite3_bind_int64(st, 2, ev->seq + 1);
        sqlite3_bind_int64(st, 3, id);
        rc = step_row(s, st, "event_count"); /* its RETURNING row: the change is made */
        row = rc == 1 ? sqlite3_column_int64(st, 0) : 0;
        done(st);
        if (rc != 1) return CF_ESTORE;
    }
    if (s->confs_ok) cf_confcache_set_seq(s->confs, ev->conference_sid, ev->seq + 1, row);
    return 0;
}

/* A conference's counter is a row of its own in conference_seqs (schema 11),
 * written with each event (sq_event_append) and read once per use-case. Not
 * in the conference's row: that cost every event a rewrite of a wide row,
 * a WAL page per conference in each write batch (schema 4 took it out); nor
 * the last entry of an index of the outbox by (conference_sid, seq), which
 * every event had to enter in the middle (schema 11 dropped it). */
static int sq_event_next_seq(struct cf_store *base, const char *conf_sid, int64_t *next)
{
    struct sqlite_store *s = S(base);
    int64_t row;
    if (s->confs_ok && cf_confcache_seq(s->confs, conf_sid, next, &row)) return 0;
    sqlite3_stmt *st = stmt(s, S_EVENT_NEXT_SEQ);
    bind_text(st, 1, conf_sid);
    int rc = step_row(s, st, "event_next_seq");
    if (rc == 1 && s->confs_ok)
        cf_confcache_set_seq(s->confs, conf_sid, sqlite3_column_int64(st, 0),
                             sqlite3_column_int64(st, 1));
    if (rc >= 0) {
        *next = rc == 1 ? sqlite3_column_int64(st, 0) : 0; /* no row: no event yet */
        rc = 0;
    }
    done(st);
    return rc;
}

/* ---- the outbox, for the webhook worker and the Events API ---- */

/* An event's sid is its id in UUID form, "00000000-0000-4000-8000-" + 12
 * hex digits: unique, and no second index to keep. */
static void event_sid(int64_t id, char out[CF_UUID_SIZE])
{
    snprintf(out, CF_UUID_SIZE, "00000000-0000-4000-8000-%012llx",
             (unsigned long long)id & 0xffffffffffffULL);
}

static int64_t event_id(const char *sid)
{
    static const char prefix[] = "00000000-0000-4000-8000-";
    int64_t id = 0;
    if (strlen(sid) != CF_UUID_LEN || strncasecmp(sid, prefix, sizeof prefix - 1) != 0) return -1;
    for (const char *p = sid + sizeof prefix - 1; *p; p++) {
        int v = *p >= '0' && *p <= '9' ? *p - '0'
              : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
              : *p >= 'A' && *p <= 'F' ? *p - 'A' + 10 : -1;
        if (v < 0) return -1;
        id = id * 16 + v;
    }
    return id;
}

static void read_out(sqlite3_stmt *st, struct cf_outbox_row *r, struct cf_arena *a)
{
    const unsigned char *params = sqlite3_column_text(st, 9);
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    event_sid(r->id, r->sid);
    col_copy(st, 2, r->project_id, sizeof r->project_id);
    col_copy(st, 3, r->conference_sid, sizeof r->conference_sid);
    col_copy(st, 4, r->call_sid, sizeof r->call_sid);
    r->seq = sqlite3_column_int64(st, 5);
    col_copy(st, 6, r->name, sizeof r->name);
    col_copy(st, 7, r->url, sizeof r->url);
    col_copy(st, 8, r->method, sizeof r->method);
    r->params = cf_arena_strndup(a, params ? (const char *)params : "",
                                 params ? (size_t)sqlite3_column_bytes(st, 9) : 0);
    col_copy(st, 10, r->state, sizeof r->state);
    r->attempts = sqlite3_column_int(st, 11);
    r->last_status = sqlite3_column_int(st, 12);
    col_copy(st, 13, r->last_error, sizeof r->last_error);
    r->next_attempt_at = sqlite3_column_int64(st, 14);
    r->created = sqlite3_column_int64(st, 15);
    r->done_at = sqlite3_column_int64(st, 16);
    col_copy(st, 17, r->stream, sizeof r->stream);
}

static int read_outs(struct sqlite_store *s, sqlite3_stmt *st, struct cf_arena *a, size_t max,
                     struct cf_outbox_row **rows, size_t *n, bool *more)
{
    struct cf_outbox_row *arr = cf_arena_alloc(a, sizeof *arr * (max ? max : 1));
    size_t cnt = 0;
    int rc;
    if (more) *more = false;
    while ((rc = step_row(s, st, "outbox")) == 1) {
        if (cnt == max) {
            if (more) *more = true;
            break;
        }
        read_out(st, &arr[cnt++], a);
    }
    done(st);
    if (rc < 0) return rc;
    *rows = arr;
    *n = cnt;
    return 0;
}

static int sq_outbox_due(struct cf_store *base, int64_t now, size_t max, struct cf_arena *a,
                         struct cf_outbox_row **rows, size_t *n)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_OUT_DUE);
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
    return read_outs(s, st, a, max, rows, n, NULL);
}

static int sq_outbox_result(struct cf_store *base, const struct cf_outbox_result *r)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_OUT_RESULT);
    int rc;
    sqlite3_bind_int64(st, 1, r->id);
    bind_text(st, 2, r->state);
    sqlite3_bind_int(st, 3, r->attempts);
    sqlite3_bind_int64(st, 4, r->next_attempt_at);
    if (r->http_status) sqlite3_bind_int(st, 5, r->http_status);
    else sqlite3_bind_null(st, 5);
    bind_text_or_null(st, 6, r->error);
    sqlite3_bind_int64(st, 7, r->at);
    if ((rc = sq_begin(base, true))) {
        done(st);
        return rc;
    }
    if ((rc = exec_stmt(s, st, "outbox_result"))) goto fail;
    st = stmt(s, S_OUT_ATTEMPT);
    sqlite3_bind_int64(st, 1, r->id);
    sqlite3_bind_int64(st, 2, r->at);
    if (r->http_status) sqlite3_bind_int(st, 3, r->http_status);
    else sqlite3_bind_null(st, 3);
    sqlite3_bind_int64(st, 4, r->latency_us);
    bind_text_or_null(st, 5, r->error);
    if ((rc = exec_stmt(s, st, "outbox_attempt"))) goto fail;
    return sq_commit(base);
fail:
    sq_rollback(base);
    return rc;
}

static int sq_outbox_list(struct cf_store *base, const char *project_id, const char *conf_sid,
                          const char *after_sid, size_t max, struct cf_arena *a,
                          struct cf_outbox_row **rows, size_t *n, bool *more)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_OUT_LIST);
    int64_t after = after_sid ? event_id(after_sid) : 0;
    if (after < 0) return CF_ENOTFOUND;
    bind_text(st, 1, project_id);
    bind_text(st, 2, conf_sid);
    sqlite3_bind_int64(st, 3, after);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)max + 1);
    return read_outs(s, st, a, max, rows, n, more);
}

static int sq_outbox_get(struct cf_store *base, const char *project_id, const char *sid,
                         struct cf_arena *a, struct cf_outbox_row *out)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_OUT_GET);
    int64_t id = event_id(sid);
    int rc;
    if (id < 0) return CF_ENOTFOUND;
    bind_text(st, 1, project_id);
    sqlite3_bind_int64(st, 2, id);
    rc = step_row(s, st, "outbox_get");
    if (rc == 1) {
        read_out(st, out, a);
        rc = 0;
    } else if (rc == 0) {
        rc = CF_ENOTFOUND;
    }
    done(st);
    return rc;
}

static int sq_outbox_redeliver(struct cf_store *base, const char *project_id, const char *sid,
                               int64_t now)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_OUT_REDELIVER);
    int64_t id = event_id(sid);
    int rc;
    if (id < 0) return CF_ENOTFOUND;
    bind_text(st, 1, project_id);
    sqlite3_bind_int64(st, 2, id);
    sqlite3_bind_int64(st, 3, now);
    rc = exec_stmt(s, st, "outbox_redeliver");
    if (rc == 0 && sqlite3_changes(s->db) == 0) rc = CF_ESTATE;
    return rc;
}

static int sq_outbox_pending_count(struct cf_store *base, int64_t *n)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_OUT_PENDING);
    int rc = step_row(s, st, "outbox_pending");
    if (rc == 1) {
        *n = sqlite3_column_int64(st, 0);
        rc = 0;
    }
    done(st);
    return rc;
}

static int count_one(struct sqlite_store *s, enum stmt_id id, const char *project_id, int64_t *n)
{
    sqlite3_stmt *st = stmt(s, id);
    int rc;
    if (id == S_LIVE_CONF_P || id == S_LIVE_PART_P) bind_text(st, 1, project_id);
    rc = step_row(s, st, "count");
    if (rc == 1) {
        *n = sqlite3_column_int64(st, 0);
        rc = 0;
    }
    done(st);
    return rc;
}

static int sq_count_live(struct cf_store *base, const char *project_id, int64_t *conferences,
                         int64_t *participants)
{
    struct sqlite_store *s = S(base);
    int rc = count_one(s, project_id ? S_LIVE_CONF_P : S_LIVE_CONF, project_id, conferences);
    if (!rc) rc = count_one(s, project_id ? S_LIVE_PART_P : S_LIVE_PART, project_id, participants);
    return rc;
}

static int sq_outbox_failed_count(struct cf_store *base, int64_t *n)
{
    return count_one(S(base), S_OUT_FAILED, NULL, n);
}

/* ---- idempotency ---- */

static int sq_idem_get(struct cf_store *base, const char *project_id, const char *key,
                       struct cf_arena *a, struct cf_idem *out)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_IDEM_GET);
    int rc;
    bind_text(st, 1, project_id);
    bind_text(st, 2, key);
    rc = step_row(s, st, "idem_get");
    if (rc == 1) {
        size_t n = (size_t)sqlite3_column_bytes(st, 2);
        if (sqlite3_column_bytes(st, 0) == 32) memcpy(out->body_hash, sqlite3_column_blob(st, 0), 32);
        out->status = sqlite3_column_int(st, 1);
        out->response = cf_arena_strndup(a, n ? sqlite3_column_blob(st, 2) : "", n);
        out->response_len = n;
        out->created = sqlite3_column_int64(st, 3);
        rc = 0;
    } else if (rc == 0) {
        rc = CF_ENOTFOUND;
    }
    done(st);
    return rc;
}

static int sq_idem_put(struct cf_store *base, const char *project_id, const char *key,
                       const struct cf_idem *in)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_IDEM_PUT);
    bind_text(st, 1, project_id);
    bind_text(st, 2, key);
    sqlite3_bind_blob(st, 3, in->body_hash, 32, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, in->status);
    sqlite3_bind_blob(st, 5, in->response, (int)in->response_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, in->created);
    return exec_stmt(s, st, "idem_put");
}

static int sq_idem_reserve(struct cf_store *base, const char *project_id, const char *key,
                           const struct cf_idem *in)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_IDEM_RESERVE);
    int rc;
    bind_text(st, 1, project_id);
    bind_text(st, 2, key);
    sqlite3_bind_blob(st, 3, in->body_hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, in->created);
    rc = exec_stmt(s, st, "idem_reserve");
    if (rc == 0 && sqlite3_changes(s->db) == 0) rc = CF_EEXIST;
    return rc;
}

static int sq_idem_delete(struct cf_store *base, const char *project_id, const char *key)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_IDEM_DELETE);
    bind_text(st, 1, project_id);
    bind_text(st, 2, key);
    return exec_stmt(s, st, "idem_delete");
}

static int sq_idem_expire(struct cf_store *base, int64_t before)
{
    struct sqlite_store *s = S(base);
    sqlite3_stmt *st = stmt(s, S_IDEM_EXPIRE);
    sqlite3_bind_int64(st, 1, before);
    return exec_stmt(s, st, "idem_expire");
}

/* ---- open/close and migrations ---- */

static void sq_close(struct cf_store *base)
{
    struct sqlite_store *s = S(base);
    if (!s) return;
    for (int i = 0; i < S_COUNT; i++) sqlite3_finalize(s->stmts[i]);
    for (int i = 0; i < LIST_CACHE; i++) sqlite3_finalize(s->lists[i].stmt);
    for (int i = 0; i < MAX_DEPTH; i++)
        for (int j = 0; j < 3; j++) sqlite3_finalize(s->sp[i][j]);
    if (s->depth > 0 && !sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    unlock_writer(s);
    sqlite3_close(s->db);
    cf_confcache_free(s->confs);
    cf_free(s);
}

/* After each commit (SQLite calls this with the write lock released).
 * With a checkpointer the work goes to its thread; without one (the
 * command-line tools) the committing connection checkpoints itself:
 * passively past 1000 frames, with RESTART past 8192 (32 MiB), which waits
 * for readers to move on so that the WAL starts again from its beginning. */
static int wal_hook(void *ud, sqlite3 *db, const char *name, int frames)
{
    struct sqlite_store *s = ud;
    if (s->ckpt) {
        cf_store_ckpt_notify(s->ckpt, frames);
    } else if (frames >= 8192) {
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
    } else if (frames >= 1000) {
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    }
    return SQLITE_OK;
}

static const struct cf_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .set_optimistic = sq_set_optimistic,
    .lost = sq_lost,
    .project_insert = sq_project_insert,
    .project_get = sq_project_get,
    .project_list = sq_project_list,
    .token_insert = sq_token_insert,
    .token_revoke = sq_token_revoke,
    .token_hashes = sq_token_hashes,
    .conf_get = sq_conf_get,
    .conf_get_public = sq_conf_get_public,
    .conf_get_live_by_name = sq_conf_get_live_by_name,
    .conf_insert = sq_conf_insert,
    .conf_update = sq_conf_update,
    .conf_touch = sq_conf_touch,
    .part_update_flags = sq_part_update_flags,
    .conf_list = sq_conf_list,
    .part_insert = sq_part_insert,
    .part_update = sq_part_update,
    .part_get = sq_part_get,
    .part_list = sq_part_list,
    .part_live = sq_part_live,
    .part_dialing = sq_part_dialing,
    .call_get = sq_call_get,
    .call_list = sq_call_list,
    .rec_insert = sq_rec_insert,
    .rec_update = sq_rec_update,
    .rec_delete = sq_rec_delete,
    .rec_get = sq_rec_get,
    .rec_live = sq_rec_live,
    .rec_list = sq_rec_list,
    .ann_insert = sq_ann_insert,
    .ann_claim = sq_ann_claim,
    .ann_get = sq_ann_get,
    .ann_set_status = sq_ann_set_status,
    .ann_interrupted = sq_ann_interrupted,
    .ann_active = sq_ann_active,
    .outbox_due = sq_outbox_due,
    .outbox_result = sq_outbox_result,
    .outbox_list = sq_outbox_list,
    .outbox_get = sq_outbox_get,
    .outbox_redeliver = sq_outbox_redeliver,
    .outbox_pending_count = sq_outbox_pending_count,
    .outbox_failed_count = sq_outbox_failed_count,
    .count_live = sq_count_live,
    .event_append = sq_event_append,
    .event_next_seq = sq_event_next_seq,
    .idem_get = sq_idem_get,
    .idem_put = sq_idem_put,
    .idem_expire = sq_idem_expire,
    .idem_reserve = sq_idem_reserve,
    .idem_delete = sq_idem_delete,
};

static int migrate(sqlite3 *db, struct cf_err *err)
{
    sqlite3_stmt *st = NULL;
    int version = 0, rc = 0;
    char *msg = NULL;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK) {
        rc = cf_err_set(err, CF_ESTORE, "cannot lock the database for migration: %s", msg);
        goto out;
    }
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version > (int)cf_sqlite_migrations_n) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        rc = cf_err_set(err, CF_ESTORE,
                        "the database has schema version %d, newer than this confab (%zu)",
                        version, cf_sqlite_migrations_n);
        goto out;
    }
    for (size_t i = (size_t)version; i < cf_sqlite_migrations_n; i++) {
        char pragma[64];
        if (sqlite3_exec(db, cf_sqlite_migrations[i], NULL, NULL, &msg) != SQLITE_OK) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            rc = cf_err_set(err, CF_ESTORE, "migration %zu failed: %s", i + 1, msg);
            goto out;
        }
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %zu", i + 1);
        sqlite3_exec(db, pragma, NULL, NULL, NULL);
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
        rc = cf_err_set(err, CF_ESTORE, "cannot commit migrations: %s", msg);
out:
    sqlite3_free(msg);
    return rc;
}

void cf_store_global_init(void)
{
    /* no global mutex around every allocation for memory statistics that
     * nothing reads */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    if (cf_pcache_install())
        cf_log(CF_LOG_WARN, NULL, "msg=\"page cache layer unavailable; SQLite's own in use\"");
    if (cf_walvfs_register())
        cf_log(CF_LOG_WARN, NULL, "msg=\"WAL write gathering unavailable; SQLite's own VFS in use\"");
}

int cf_store_open(const struct cf_store_opts *opts, bool do_migrate, struct cf_store **out,
                  struct cf_err *err)
{
    struct sqlite_store *s = cf_calloc(1, sizeof *s);
    char pragmas[320];
    char *msg = NULL;
    int rc = 0;
    s->base.ops = &sqlite_ops;
    if (sqlite3_open_v2(opts->path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        rc = cf_err_set(err, CF_ESTORE, "cannot open database '%s': %s", opts->path,
                        s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 10000);
    s->write_lock = opts->write_lock;
    s->ckpt = opts->ckpt;
    sqlite3_wal_hook(s->db, wal_hook, s);
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA journal_mode = WAL; PRAGMA synchronous = %s; PRAGMA foreign_keys = OFF;"
             " PRAGMA cache_size = -%d; PRAGMA temp_store = MEMORY;"
             " PRAGMA mmap_size = %lld;",
             opts->durable_full ? "FULL" : "NORMAL", opts->cache_mb > 0 ? opts->cache_mb * 1024 : 16000,
             opts->no_map ? 0LL : (long long)MMAP_SIZE);
    if (sqlite3_exec(s->db, pragmas, NULL, NULL, &msg) != SQLITE_OK) {
        rc = cf_err_set(err, CF_ESTORE, "cannot configure database '%s': %s", opts->path, msg);
        sqlite3_free(msg);
        goto fail;
    }
    if (do_migrate && (rc = migrate(s->db, err))) goto fail;
    if (opts->conf_cache) s->confs = cf_confcache_new(CONF_CACHE_SLOTS);
    *out = &s->base;
    return 0;
fail:
    sq_close(&s->base);
    return rc;
}
