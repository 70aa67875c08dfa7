/* SPDX-License-Identifier: MIT
 *
 * cf_migrations.c - SQLite schema migrations (see cf_migrations.h).
 *
 * Times are INTEGER microseconds since the Unix epoch (UTC). Every table is
 * scoped by project_id. Lists page by (date_created DESC, sid DESC), so each
 * list filter has an index ending in those two columns; a live conference's
 * name is unique per project through a partial unique index.
 */
#include "cf_migrations.h"

/* The outbox's columns after its id, and its first two indexes, as
 * migration 1 created them; migration 6 rebuilds the table from the same
 * text without AUTOINCREMENT. Migration 1's text is history: these stay as
 * they are, and a later change to the outbox is a migration of its own. */
#define OUTBOX_COLUMNS                                                                   \
    "  project_id TEXT NOT NULL,"                                                        \
    "  conference_sid TEXT NOT NULL,"                                                    \
    "  call_sid TEXT,"                                                                   \
    "  seq INTEGER NOT NULL,"                                                            \
    "  name TEXT NOT NULL,"                                                              \
    "  url TEXT,"                                                                        \
    "  method TEXT,"                                                                     \
    "  params TEXT NOT NULL,"                                                            \
    "  state TEXT NOT NULL,"                                                             \
    "  attempts INTEGER NOT NULL DEFAULT 0,"                                             \
    "  next_attempt_at INTEGER,"                                                         \
    "  last_status INTEGER,"                                                             \
    "  last_error TEXT,"                                                                 \
    "  created INTEGER NOT NULL,"                                                        \
    "  done_at INTEGER,"                                                                 \
    "  UNIQUE (conference_sid, seq));"

/* The outbox's columns by name, as migration 11 copies them. */
#define OUTBOX_NAMES                                                                     \
    "id, project_id, conference_sid, call_sid, seq, name, url, method, params, state,"   \
    " attempts, next_attempt_at, last_status, last_error, created, done_at, stream"

#define OUTBOX_INDEXES                                                                   \
    "CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE state = 'pending';"    \
    "CREATE INDEX outbox_pending_conf ON outbox(conference_sid, seq) WHERE state = 'pending';"

const char *const cf_sqlite_migrations[] = {
    /* 1: the whole first schema */
    "CREATE TABLE projects ("
    "  id TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  signing_key TEXT NOT NULL,"
    "  date_created INTEGER NOT NULL);"

    "CREATE TABLE api_tokens ("
    "  id TEXT PRIMARY KEY,"
    "  project_id TEXT NOT NULL REFERENCES projects(id),"
    "  hash BLOB NOT NULL,"
    "  date_created INTEGER NOT NULL,"
    "  revoked_at INTEGER);"
    "CREATE INDEX api_tokens_project ON api_tokens(project_id) WHERE revoked_at IS NULL;"

    "CREATE TABLE conferences ("
    "  sid TEXT PRIMARY KEY,"
    "  project_id TEXT NOT NULL,"
    "  friendly_name TEXT NOT NULL,"
    "  region TEXT NOT NULL,"
    "  status TEXT NOT NULL,"
    "  end_reason TEXT,"
    "  call_sid_ending TEXT,"
    "  date_created INTEGER NOT NULL,"
    "  date_updated INTEGER NOT NULL,"
    "  next_seq INTEGER NOT NULL DEFAULT 0,"
    "  status_callback TEXT,"
    "  status_callback_method TEXT,"
    "  status_callback_events INTEGER NOT NULL DEFAULT 0,"
    "  max_participants INTEGER NOT NULL DEFAULT 250,"
    "  record_from_start INTEGER NOT NULL DEFAULT 0,"
    "  rec_callback TEXT,"
    "  rec_callback_method TEXT,"
    "  rec_callback_events INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX conferences_list ON conferences(project_id, date_created DESC, sid DESC);"
    "CREATE INDEX conferences_status ON conferences(project_id, status, date_created DESC, sid DESC);"
    "CREATE INDEX conferences_name ON conferences(project_id, friendly_name, date_created DESC, sid DESC);"
    "CREATE INDEX conferences_updated ON conferences(project_id, date_updated);"
    "CREATE UNIQUE INDEX conferences_live_name ON conferences(project_id, friendly_name)"
    "  WHERE status <> 'completed';"

    "CREATE TABLE participants ("
    "  call_sid TEXT PRIMARY KEY,"
    "  project_id TEXT NOT NULL,"
    "  conference_sid TEXT NOT NULL,"
    "  label TEXT,"
    "  call_sid_to_coach TEXT,"
    "  from_addr TEXT NOT NULL,"
    "  to_addr TEXT NOT NULL,"
    "  status TEXT NOT NULL,"
    "  live INTEGER NOT NULL DEFAULT 1,"
    "  muted INTEGER NOT NULL DEFAULT 0,"
    "  hold INTEGER NOT NULL DEFAULT 0,"
    "  coaching INTEGER NOT NULL DEFAULT 0,"
    "  start_on_enter INTEGER NOT NULL DEFAULT 1,"
    "  end_on_exit INTEGER NOT NULL DEFAULT 0,"
    "  beep_on_exit INTEGER NOT NULL DEFAULT 1,"
    "  leave_reason TEXT,"
    "  call_status TEXT,"
    "  timeout_s INTEGER NOT NULL DEFAULT 60,"
    "  status_callback TEXT,"
    "  status_callback_method TEXT,"
    "  status_callback_events INTEGER NOT NULL DEFAULT 0,"
    "  date_created INTEGER NOT NULL,"
    "  date_updated INTEGER NOT NULL,"
    "  joined_at INTEGER,"
    "  left_at INTEGER);"
    "CREATE INDEX participants_list ON participants(project_id, conference_sid, live,"
    "  date_created DESC, call_sid DESC);"
    "CREATE INDEX participants_calls ON participants(project_id, date_created DESC, call_sid DESC);"
    /* A participant is a call leg in a conference: the Calls resource reads
     * the same rows, so calls is a view rather than a second copy. */
    "CREATE VIEW calls AS SELECT call_sid AS sid, project_id, conference_sid,"
    "  from_addr, to_addr, CASE WHEN live = 1 THEN status ELSE call_status END AS status,"
    "  'outbound-api' AS direction, joined_at AS start_time, left_at AS end_time,"
    "  date_created, date_updated FROM participants;"
    "CREATE INDEX participants_live ON participants(project_id) WHERE live = 1;"
    "CREATE UNIQUE INDEX participants_live_label ON participants(conference_sid, label)"
    "  WHERE live = 1 AND label IS NOT NULL;"

    "CREATE TABLE recordings ("
    "  sid TEXT PRIMARY KEY,"
    "  project_id TEXT NOT NULL,"
    "  conference_sid TEXT NOT NULL,"
    "  status TEXT NOT NULL,"
    "  pause_skip INTEGER NOT NULL DEFAULT 0,"
    "  start_time INTEGER NOT NULL,"
    "  end_time INTEGER,"
    "  skipped_us INTEGER NOT NULL DEFAULT 0,"
    "  paused_since INTEGER,"
    "  duration INTEGER,"
    "  date_created INTEGER NOT NULL,"
    "  date_updated INTEGER NOT NULL);"
    "CREATE INDEX recordings_list ON recordings(project_id, conference_sid,"
    "  date_created DESC, sid DESC);"

    "CREATE TABLE announcements ("
    "  sid TEXT PRIMARY KEY,"
    "  project_id TEXT NOT NULL,"
    "  conference_sid TEXT NOT NULL,"
    "  call_sid TEXT,"
    "  url TEXT NOT NULL,"
    "  method TEXT NOT NULL,"
    "  end_after INTEGER NOT NULL DEFAULT 0,"
    "  kind TEXT NOT NULL DEFAULT 'announce',"
    "  status TEXT NOT NULL DEFAULT 'queued',"
    "  reason TEXT,"
    "  date_created INTEGER NOT NULL,"
    "  date_updated INTEGER NOT NULL);"
    "CREATE INDEX announcements_active ON announcements(status, date_created)"
    "  WHERE status IN ('queued', 'fetching', 'playing');"

    /* The event outbox: every event of a conference in SequenceNumber order,
     * written in the transaction that caused it. state: pending (to
     * deliver), delivered, failed (given up), none (nobody subscribed). An
     * event's sid is derived from its id (see cf_sqlite.c), which spares
     * every insert a random-keyed index. */
    "CREATE TABLE outbox ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    OUTBOX_COLUMNS
    OUTBOX_INDEXES

    "CREATE TABLE outbox_attempts ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  event_id INTEGER NOT NULL REFERENCES outbox(id),"
    "  at INTEGER NOT NULL,"
    "  http_status INTEGER,"
    "  latency_us INTEGER,"
    "  error TEXT);"
    "CREATE INDEX outbox_attempts_event ON outbox_attempts(event_id);"

    "CREATE TABLE idempotency_keys ("
    "  project_id TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  body_hash BLOB NOT NULL,"
    "  status INTEGER NOT NULL,"
    "  response BLOB NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  PRIMARY KEY (project_id, key));"
    "CREATE INDEX idempotency_keys_created ON idempotency_keys(created);",
    /* 2: /metrics counts the events given up on; without an index of their
     * own that count read the whole outbox (4 s with 6,000,000 events, on
     * the worker thread that answered the scrape) */
    "CREATE INDEX outbox_failed ON outbox(state) WHERE state = 'failed';",
    /* 3: the same partial index of the announcements not yet over, with its
     * condition as comparisons: SQLite evaluates an IN list of three or more
     * constants through a temporary b-tree it builds at every run of a
     * statement, and every insert or status change of an announcement
     * evaluates this condition (10 % of the writer's time in the
     * conference-update benchmark went to building and freeing them) */
    "DROP INDEX announcements_active;"
    "CREATE INDEX announcements_active ON announcements(status, date_created)"
    "  WHERE status = 'queued' OR status = 'fetching' OR status = 'playing';",
    /* 4: conferences.next_seq is no longer kept (a conference's next
     * SequenceNumber is one past its last event in the outbox), so nothing
     * changes in the tables; the version moves on so that an older confab,
     * which would hand out sequence numbers again from the stale column,
     * refuses the database */
    "SELECT 1;",
    /* 5: the unfiltered list's index carries the columns a list page shows
     * (CONF_LIST_COLS in cf_sqlite.c), so a page is read from the index
     * alone, without a search of the table for each of its rows: CPU per
     * page of 50 ~15 % less (bench/README.md, eighth round). The price is
     * an entry of this index rewritten when one of those columns changes
     * (a status change, an end), where the old index's never was; an
     * update that changes none of them (AnnounceUrl) writes no more. */
    "CREATE INDEX IF NOT EXISTS conferences_page ON conferences(project_id,"
    "  date_created DESC, sid DESC, friendly_name, region, status, end_reason,"
    "  call_sid_ending, date_updated);"
    "DROP INDEX IF EXISTS conferences_list;",
    /* 6: the outbox without AUTOINCREMENT. Events are never deleted, so a
     * plain INTEGER PRIMARY KEY hands out the same ids (one past the
     * largest), and each event insert no longer reads and rewrites the
     * outbox's row of sqlite_sequence (a search of that table per insert and
     * a page of it in every commit). The writer's CPU per participant update
     * fell ~8 % (bench/README.md, tenth round). SQLite cannot drop the
     * keyword in place, so the table is rebuilt (SQLite's documented
     * procedure: new table, copy, drop, rename): ids, and with them the
     * events' sids, are kept. Dropping the old table also drops its row of
     * sqlite_sequence. */
    "CREATE TABLE outbox_new ("
    "  id INTEGER PRIMARY KEY,"
    OUTBOX_COLUMNS
    /* (the same columns in the same order: OUTBOX_COLUMNS) */
    "INSERT INTO outbox_new SELECT * FROM outbox ORDER BY id;"
    "DROP TABLE outbox;"
    "ALTER TABLE outbox_new RENAME TO outbox;"
    OUTBOX_INDEXES
    "CREATE INDEX outbox_failed ON outbox(state) WHERE state = 'failed';",
    /* 7: a conference fetch reads its row from one index: after the sid, the
     * columns the API shows (CONF_LIST_COLS in cf_sqlite.c), so the fetch is
     * one B-tree search instead of two, the sid's index and then the table.
     * With 1,000,000 conferences those are two cold leaf pages per fetch
     * (bench/README.md, twelfth round). An update of the row that sets one
     * of its columns rewrites the entry, in the leaf its sid already names
     * (conf_update sets them all, conf_touch date_updated); a participant's
     * changes and an announcement do not update the conference's row. */
    "CREATE INDEX IF NOT EXISTS conferences_fetch ON conferences(sid, project_id,"
    "  friendly_name, region, status, end_reason, call_sid_ending, date_created,"
    "  date_updated);",
    /* 8: the conference's ConferenceTrim, which its recordings show as
     * `trim`. Conferences made before it were never asked, so they take
     * the default, trim-silence. A setting, not a column the API lists:
     * no index carries it. */
    "ALTER TABLE conferences ADD COLUMN trim_silence INTEGER NOT NULL DEFAULT 1;",
    /* 9: delivery order per stream, not per conference. An event belongs to
     * one stream of its conference: '' the conference's status callbacks, a
     * call sid that call's progress callbacks (StatusCallback), 'rec' the
     * recording status callbacks. Each stream is delivered strictly in seq
     * order, and a stream whose receiver fails no longer holds the others
     * (a participant's StatusCallback answering 500 held the conference's
     * participant-join and conference-start for up to webhook_retry_for).
     * The pending index that finds a stream's oldest event replaces the
     * per-conference one, so an event insert writes as many index entries
     * as before (the entry is longer by the stream: nothing for the
     * conference's events, a call sid for call progress). ADD COLUMN with a
     * constant default rewrites no row; only the pending events are
     * classified (through the pending index): the others are done, and the
     * stream matters only for delivery order. */
    "ALTER TABLE outbox ADD COLUMN stream TEXT NOT NULL DEFAULT '';"
    "UPDATE outbox SET stream = CASE WHEN name = 'recording-status' THEN 'rec'"
    "  ELSE coalesce(call_sid, '') END"
    "  WHERE state = 'pending' AND (name LIKE 'call-%' OR name = 'recording-status');"
    "DROP INDEX IF EXISTS outbox_pending_conf;"
    "CREATE INDEX outbox_pending_stream ON outbox(conference_sid, stream, seq)"
    "  WHERE state = 'pending';",
    /* 10: a call's progress callbacks are numbered per call from 0 (spec
     * §8.4: SignalWire's call status callbacks' SequenceNumber starts at 0),
     * the conference's status callbacks still per conference. The next
     * number lives in the participant's row, which each of those callbacks
     * rewrites anyway (the call's status changes with it): no index and no
     * extra row write. A call still live keeps counting up from past its
     * last number, which was a conference sequence number (found through the
     * (conference_sid, seq) index), so its receiver never sees one go back. */
    "ALTER TABLE participants ADD COLUMN next_cb_seq INTEGER NOT NULL DEFAULT 0;"
    "UPDATE participants SET next_cb_seq = coalesce((SELECT max(o.seq) + 1 FROM outbox o"
    "  WHERE o.conference_sid = participants.conference_sid"
    "  AND o.call_sid = participants.call_sid AND o.name LIKE 'call-%'), 0)"
    "  WHERE live = 1;",
    /* 11: a conference's next SequenceNumber, and where its events lie in
     * the outbox, kept in a narrow table of their own instead of found
     * through the outbox's UNIQUE (conference_sid, seq) index, which every
     * event had to enter in the middle: with many live conferences each
     * event wrote a leaf of its own (~1.4 WAL pages per participant update
     * of ~2.5, the participant's row 1.0). The counters' rows are numbered
     * in the order conferences had their first event, so the live ones sit
     * together at the table's end: a batch of updates rewrites a few pages
     * of them, and finds them through the sid's index, which an update reads
     * but does not write (bench/README.md, fifteenth round). An event's seq
     * and id grow together within its conference, so the Events API reads a
     * conference's events in seq order by id, between its first and last.
     * SQLite cannot drop a table's UNIQUE in place: the outbox is rebuilt
     * (new table, copy, drop, rename), ids kept. */
    "CREATE TABLE conference_seqs ("
    "  id INTEGER PRIMARY KEY,"
    "  conference_sid TEXT NOT NULL UNIQUE,"
    "  next_seq INTEGER NOT NULL,"
    "  first_event INTEGER NOT NULL,"
    "  last_event INTEGER NOT NULL);"
    "INSERT INTO conference_seqs(conference_sid, next_seq, first_event, last_event)"
    "  SELECT conference_sid, max(seq) + 1, min(id), max(id) FROM outbox"
    "  GROUP BY conference_sid ORDER BY min(id);"
    "CREATE TABLE outbox_new ("
    "  id INTEGER PRIMARY KEY,"
    "  project_id TEXT NOT NULL,"
    "  conference_sid TEXT NOT NULL,"
    "  call_sid TEXT,"
    "  seq INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  url TEXT,"
    "  method TEXT,"
    "  params TEXT NOT NULL,"
    "  state TEXT NOT NULL,"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_at INTEGER,"
    "  last_status INTEGER,"
    "  last_error TEXT,"
    "  created INTEGER NOT NULL,"
    "  done_at INTEGER,"
    "  stream TEXT NOT NULL DEFAULT '');"
    "INSERT INTO outbox_new(" OUTBOX_NAMES ") SELECT " OUTBOX_NAMES " FROM outbox ORDER BY id;"
    "DROP TABLE outbox;"
    "ALTER TABLE outbox_new RENAME TO outbox;"
    "CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE state = 'pending';"
    "CREATE INDEX outbox_failed ON outbox(state) WHERE state = 'failed';"
    "CREATE INDEX outbox_pending_stream ON outbox(conference_sid, stream, seq)"
    "  WHERE state = 'pending';",
};

const size_t cf_sqlite_migrations_n = sizeof cf_sqlite_migrations / sizeof cf_sqlite_migrations[0];
