"""A database left by an earlier confab is upgraded in place when the server starts: here one at schema 2,
before migration 3 rewrote the announcements' partial index (its condition was a three-term IN list, which
SQLite evaluates through a temporary b-tree at every insert and status change). After the restart the
index has its new condition, the version is the latest, and announcements work through it."""

import os
import sqlite3

import pytest
import requests

from confab_helpers import describe, own_server, unique_name, wait_for
from webhook_receiver import receiver  # noqa: F401 (the fixture)
from webhook_receiver import LOOPBACK_ALLOWED, ServeProcess

OLD_INDEX = ("CREATE INDEX announcements_active ON announcements(status, date_created)"
             " WHERE status IN ('queued', 'fetching', 'playing')")


# Each test below takes a database the current confab made back to what an older one left, so it takes away
# what later migrations added as well: those migrations run again on it (SQLite has no ADD COLUMN IF NOT
# EXISTS), and migration 6 copies the outbox's columns as they are.
# Migration 8 added conferences.trim_silence (ConferenceTrim).
UNDO_8 = "ALTER TABLE conferences DROP COLUMN trim_silence;"
# What a database before schema 9 has instead of the outbox's delivery streams.
UNDO_9 = ("DROP INDEX outbox_pending_stream; ALTER TABLE outbox DROP COLUMN stream;"
          "CREATE INDEX outbox_pending_conf ON outbox(conference_sid, seq) WHERE state = 'pending';")
# Migration 10 added participants.next_cb_seq (call-progress callbacks numbered per call).
UNDO_10 = "ALTER TABLE participants DROP COLUMN next_cb_seq;"
# Migration 11 took the conferences' event counters out of the outbox's UNIQUE (conference_sid, seq) index
# into conference_seqs, rebuilding the outbox without it (an index stands in for the constraint here).
UNDO_11 = ("DROP TABLE conference_seqs;"
           "CREATE UNIQUE INDEX outbox_before_11 ON outbox(conference_sid, seq);")
UNDO_AFTER_7 = UNDO_11 + UNDO_10 + UNDO_9 + UNDO_8


def schema(db):
    with sqlite3.connect(db) as c:
        version = c.execute("PRAGMA user_version").fetchone()[0]
        sql = c.execute("SELECT sql FROM sqlite_master WHERE name = 'announcements_active'").fetchone()[0]
    return version, sql


def join_live(s, acct, name):
    """Adds a participant to a new conference `name` and waits for it to be in progress:
    (conference sid, call sid)."""
    r = s.post(f"{acct}/Conferences/{unique_name(name)}/Participants.json",
               data={"From": "+15550001111", "To": "+15550002222"}, timeout=10)
    assert r.status_code == 201, describe(r)
    sid, call = r.json()["conference_sid"], r.json()["call_sid"]
    wait_for(lambda: s.get(f"{acct}/Conferences/{sid}/Participants/{call}.json", timeout=10)
             .json().get("status") == "in-progress", what="participant in-progress")
    return sid, call


@pytest.mark.slow
def test_a_schema_2_database_is_upgraded_in_place(confab_bin, tmp_root):
    proc, project = own_server(confab_bin, tmp_root, "upgrade")
    db = proc.db_path
    latest, new_sql = schema(db)
    assert latest >= 3 and " IN " not in new_sql, new_sql
    with sqlite3.connect(db) as c:  # back to what confab at schema 2 left
        c.executescript(f"{UNDO_AFTER_7} DROP INDEX announcements_active; {OLD_INDEX}; PRAGMA user_version = 2;")
    assert schema(db) == (2, OLD_INDEX)

    proc.start()
    try:
        acct = f"{proc.base}/api/laml/2010-04-01/Accounts/{project.id}"
        with requests.Session() as s:
            s.auth = project.auth
            sid, _ = join_live(s, acct, "up")
            # loopback is on the default deny list: the fetch is refused at once, and the
            # announcement ends as failed, through the index's claim and status changes
            r = s.post(f"{acct}/Conferences/{sid}.json", data={"AnnounceUrl": "http://127.0.0.1:9/x"},
                       timeout=10)
            assert r.status_code == 200, describe(r)

            def events():
                r = s.get(f"{acct}/Conferences/{sid}/Events.json", params={"PageSize": 100}, timeout=10)
                assert r.status_code == 200, describe(r)
                return [e["event"] for e in r.json()["events"]]
            wait_for(lambda: "announcement-fail" in events(), what="announcement-fail event")
    finally:
        rc = proc.stop()
    assert rc == 0, f"server exited {rc} on SIGTERM\n{proc.stderr_tail()}"
    assert schema(db) == (latest, new_sql)


LIST_SQL = ("SELECT sid, project_id, friendly_name, region, status, end_reason, call_sid_ending,"
            " date_created, date_updated FROM conferences WHERE project_id = ?"
            " ORDER BY date_created DESC, sid DESC LIMIT 51")


def list_plan(c, project_id):
    """SQLite's plan for the unfiltered conference list, as one string."""
    return " ".join(r[3] for r in c.execute("EXPLAIN QUERY PLAN " + LIST_SQL, (project_id,)))


@pytest.mark.slow
def test_a_schema_4_database_gets_the_covering_list_index(confab_bin, tmp_root):
    """Migration 5 replaces conferences_list with conferences_page, which carries the columns a list
    page shows, so SQLite reads a page from the index alone. A database at schema 4 gets it at the next
    start, and lists still come out whole and in order."""
    proc, project = own_server(confab_bin, tmp_root, "upgrade5")
    db = proc.db_path
    with sqlite3.connect(db) as c:
        latest = c.execute("PRAGMA user_version").fetchone()[0]
        assert latest >= 5
        plan = list_plan(c, project.id)
        assert "COVERING INDEX conferences_page" in plan, plan
        c.executescript(UNDO_AFTER_7 + "DROP INDEX conferences_page;"
                        "CREATE INDEX conferences_list ON conferences(project_id, date_created DESC, sid DESC);"
                        "PRAGMA user_version = 4;")

    def indexes():
        with sqlite3.connect(db) as c:
            return {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'index'"
                                            " AND tbl_name = 'conferences'")}
    assert "conferences_list" in indexes() and "conferences_page" not in indexes()

    proc.start()
    try:
        acct = f"{proc.base}/api/laml/2010-04-01/Accounts/{project.id}"
        with requests.Session() as s:
            s.auth = project.auth
            made = []
            for i in range(3):
                r = s.post(f"{acct}/Conferences/{unique_name(f'up5-{i}')}/Participants.json",
                           data={"From": "+15550001111", "To": "+15550002222"}, timeout=10)
                assert r.status_code == 201, describe(r)
                made.append(r.json()["conference_sid"])
            r = s.get(f"{acct}/Conferences.json", params={"PageSize": 2}, timeout=10)
            assert r.status_code == 200, describe(r)
            page1 = r.json()
            r = s.get(f"{proc.base}{page1['next_page_uri']}", timeout=10)
            assert r.status_code == 200, describe(r)
            listed = [c["sid"] for c in page1["conferences"] + r.json()["conferences"]]
            assert listed == made[::-1], (listed, made)
            assert all(c["friendly_name"].startswith("up5-") and c["status"] in ("init", "in-progress")
                       for c in page1["conferences"]), page1
    finally:
        rc = proc.stop()
    assert rc == 0, f"server exited {rc} on SIGTERM\n{proc.stderr_tail()}"
    assert "conferences_page" in indexes() and "conferences_list" not in indexes()
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA user_version").fetchone()[0] == latest
        plan = list_plan(c, project.id)
        assert "COVERING INDEX conferences_page" in plan, plan


OUTBOX_V5 = (
    "CREATE TABLE outbox ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, project_id TEXT NOT NULL, conference_sid TEXT NOT NULL,"
    "  call_sid TEXT, seq INTEGER NOT NULL, name TEXT NOT NULL, url TEXT, method TEXT,"
    "  params TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_at INTEGER, last_status INTEGER, last_error TEXT, created INTEGER NOT NULL,"
    "  done_at INTEGER, UNIQUE (conference_sid, seq));"
    "CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE state = 'pending';"
    "CREATE INDEX outbox_pending_conf ON outbox(conference_sid, seq) WHERE state = 'pending';"
    "CREATE INDEX outbox_failed ON outbox(state) WHERE state = 'failed';")


# (later migrations add columns: schema 8 the delivery stream)
OUTBOX_V5_COLUMNS = ("id, project_id, conference_sid, call_sid, seq, name, url, method, params, state, attempts,"
                     " next_attempt_at, last_status, last_error, created, done_at")


def outbox_sql(db):
    with sqlite3.connect(db) as c:
        return c.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'outbox'").fetchone()[0]


@pytest.mark.slow
def test_a_schema_5_outbox_is_rebuilt_without_autoincrement(confab_bin, tmp_root):
    """Migration 6 rebuilds the outbox with a plain INTEGER PRIMARY KEY. A database at schema 5 (its
    outbox with AUTOINCREMENT, holding events) keeps every event, with its id and so its sid, and the
    events after the upgrade continue the conference's numbering and the ids."""
    proc, project = own_server(confab_bin, tmp_root, "upgrade6")
    db = proc.db_path

    def acct():  # the port is chosen at each start
        return f"{proc.base}/api/laml/2010-04-01/Accounts/{project.id}"

    def events(s, sid):
        r = s.get(f"{acct()}/Conferences/{sid}/Events.json", params={"PageSize": 100}, timeout=10)
        assert r.status_code == 200, describe(r)
        return r.json()["events"]

    proc.start()
    try:
        with requests.Session() as s:
            s.auth = project.auth
            sid, call = join_live(s, acct(), "up6")
            before = events(s, sid)
            assert before, "the conference has events"
    finally:
        rc = proc.stop()
    assert rc == 0, f"server exited {rc} on SIGTERM\n{proc.stderr_tail()}"
    assert "AUTOINCREMENT" not in outbox_sql(db).upper()

    with sqlite3.connect(db) as c:  # back to the outbox confab at schema 5 left, same rows
        rows = c.execute("SELECT " + OUTBOX_V5_COLUMNS + " FROM outbox ORDER BY id").fetchall()
        c.executescript(UNDO_11 + UNDO_10 + UNDO_8 + "DROP TABLE outbox;" + OUTBOX_V5)
        c.executemany("INSERT INTO outbox VALUES (%s)" % ", ".join("?" * len(rows[0])), rows)
        c.execute("PRAGMA user_version = 5")
        top = c.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").fetchone()[0]
    assert top == rows[-1][0] and "AUTOINCREMENT" in outbox_sql(db).upper()

    proc.start()
    try:
        with requests.Session() as s:
            s.auth = project.auth
            assert events(s, sid) == before
            r = s.post(f"{acct()}/Conferences/{sid}/Participants/{call}.json", data={"Muted": "true"},
                       timeout=10)
            assert r.status_code == 200, describe(r)
            after = events(s, sid)
    finally:
        rc = proc.stop()
    assert rc == 0, f"server exited {rc} on SIGTERM\n{proc.stderr_tail()}"
    assert after[:len(before)] == before
    new = after[len(before):]
    assert [e["sequence_number"] for e in new] == list(range(len(before), len(before) + len(new))), new
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA user_version").fetchone()[0] >= 6
        assert "AUTOINCREMENT" not in outbox_sql(db).upper()
        assert c.execute("SELECT count(*) FROM sqlite_sequence WHERE name = 'outbox'").fetchone()[0] == 0
        ids = [r[0] for r in c.execute("SELECT id FROM outbox ORDER BY id")]
        assert ids[:len(rows)] == [r[0] for r in rows] and ids[len(rows)] == rows[-1][0] + 1, ids
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.slow
def test_a_schema_6_database_gets_the_fetch_index(confab_bin, tmp_root):
    """Migration 7 adds conferences_fetch, the covering index a conference fetch reads alone. A
    database at schema 6 (no such index, conferences in it) answers the same fetches after the
    upgrade, and a change made afterwards (the conference ended) shows in the next fetch."""
    proc, project = own_server(confab_bin, tmp_root, "upgrade7")
    db = proc.db_path

    def acct():  # the port is chosen at each start
        return f"{proc.base}/api/laml/2010-04-01/Accounts/{project.id}"

    def fetch(s, sid):
        r = s.get(f"{acct()}/Conferences/{sid}.json", timeout=10)
        assert r.status_code == 200, describe(r)
        return r.json()

    proc.start()
    try:
        with requests.Session() as s:
            s.auth = project.auth
            live, _ = join_live(s, acct(), "up7a")
            ended, _ = join_live(s, acct(), "up7b")
            r = s.post(f"{acct()}/Conferences/{ended}.json", data={"Status": "completed"}, timeout=10)
            assert r.status_code == 200, describe(r)
            before = {sid: fetch(s, sid) for sid in (live, ended)}
    finally:
        rc = proc.stop()
    assert rc == 0, f"server exited {rc} on SIGTERM\n{proc.stderr_tail()}"
    assert before[live]["status"] != "completed" and before[ended]["status"] == "completed"

    with sqlite3.connect(db) as c:  # back to what confab at schema 6 left
        assert c.execute("PRAGMA user_version").fetchone()[0] >= 7
        c.executescript(UNDO_AFTER_7 + "DROP INDEX conferences_fetch; PRAGMA user_version = 6;")

    proc.start()
    try:
        with requests.Session() as s:
            s.auth = project.auth
            assert {sid: fetch(s, sid) for sid in (live, ended)} == before
            r = s.get(f"{acct()}/Conferences/CF{'0' * 32}.json", timeout=10)
            assert r.status_code == 404, describe(r)
            r = s.post(f"{acct()}/Conferences/{live}.json", data={"Status": "completed"}, timeout=10)
            assert r.status_code == 200, describe(r)
            after = fetch(s, live)
            assert after["status"] == "completed", after
            assert after["reason_conference_ended"] == "conference-ended-via-api", after
            assert after["date_updated"] == r.json()["date_updated"], (after, r.json())
            assert {k: v for k, v in after.items() if k not in ("status", "reason_conference_ended",
                                                                "date_updated")} == \
                {k: v for k, v in before[live].items() if k not in ("status", "reason_conference_ended",
                                                                    "date_updated")}
    finally:
        rc = proc.stop()
    assert rc == 0, f"server exited {rc} on SIGTERM\n{proc.stderr_tail()}"
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA user_version").fetchone()[0] >= 7
        assert c.execute("SELECT count(*) FROM sqlite_master WHERE type = 'index'"
                         " AND name = 'conferences_fetch'").fetchone()[0] == 1
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.slow
def test_a_schema_7_database_gets_the_conference_trim(confab_bin, tmp_root):
    """Migration 8 adds conferences.trim_silence (ConferenceTrim), which the recordings show as `trim`. A
    conference recorded at schema 7 was never asked: after the upgrade its recording shows the default,
    trim-silence; a conference made afterwards keeps what it was given."""
    proc, project = own_server(confab_bin, tmp_root, "upgrade8")
    db = proc.db_path

    def acct():  # the port is chosen at each start
        return f"{proc.base}/api/laml/2010-04-01/Accounts/{project.id}"

    def recorded(s, **params):
        name = unique_name("up8")
        r = s.post(f"{acct()}/Conferences/{name}/Participants.json",
                   data={"From": "+15550001111", "To": "+15550002222", "ConferenceRecord": "true", **params},
                   timeout=10)
        assert r.status_code == 201, describe(r)
        sid = r.json()["conference_sid"]
        r = s.post(f"{acct()}/Conferences/{name}/Participants.json",
                   data={"From": "+15550001111", "To": "+15550003333"}, timeout=10)
        assert r.status_code == 201, describe(r)

        def rec():
            r = s.get(f"{acct()}/Conferences/{sid}/Recordings.json", timeout=10)
            assert r.status_code == 200, describe(r)
            return r.json()["recordings"]
        return sid, wait_for(rec, what="a recording")[0]

    def trim(s, sid, rec_sid):
        r = s.get(f"{acct()}/Conferences/{sid}/Recordings/{rec_sid}.json", timeout=10)
        assert r.status_code == 200, describe(r)
        return r.json()["trim"]

    proc.start()
    try:
        with requests.Session() as s:
            s.auth = project.auth
            old, old_rec = recorded(s, ConferenceTrim="do-not-trim")
    finally:
        rc = proc.stop()
    assert rc == 0, f"server exited {rc} on SIGTERM\n{proc.stderr_tail()}"
    with sqlite3.connect(db) as c:  # back to what confab at schema 7 left
        assert c.execute("PRAGMA user_version").fetchone()[0] >= 8
        c.executescript(UNDO_AFTER_7 + "PRAGMA user_version = 7;")

    proc.start()
    try:
        with requests.Session() as s:
            s.auth = project.auth
            assert trim(s, old, old_rec["sid"]) == "trim-silence", "older conferences take the default"
            new, new_rec = recorded(s, ConferenceTrim="do-not-trim")
            assert new_rec["trim"] == "do-not-trim" and trim(s, new, new_rec["sid"]) == "do-not-trim"
            for sid in (old, new):
                r = s.post(f"{acct()}/Conferences/{sid}.json", data={"Status": "completed"}, timeout=10)
                assert r.status_code == 200, describe(r)
    finally:
        rc = proc.stop()
    assert rc == 0, f"server exited {rc} on SIGTERM\n{proc.stderr_tail()}"
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA user_version").fetchone()[0] >= 8
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.slow
def test_a_schema_8_outbox_gets_delivery_streams(confab_bin, tmp_root, receiver):
    """Migration 9 orders deliveries per stream (the conference's status callbacks, each call's progress
    callbacks, the recording callbacks) instead of per conference: it adds outbox.stream, files the pending
    events of a database at schema 8 into their streams, and replaces the per-conference pending index. A
    call-progress event left pending by a failing receiver then no longer holds the conference's next
    callback."""
    receiver.set("calls", status=500)
    workdir = os.path.join(tmp_root, "upgrade9s")
    os.makedirs(workdir)
    proc = ServeProcess(confab_bin, workdir, os.path.join(workdir, "confab.db"), label="upgrade9s",
                        extra_args=LOOPBACK_ALLOWED)
    project = proc.create_project("upgrade9s")
    db = proc.db_path
    name = unique_name("up8")

    def acct():  # the port is chosen at each start
        return f"{proc.base}/api/laml/2010-04-01/Accounts/{project.id}"

    def add(s, **params):
        r = s.post(f"{acct()}/Conferences/{name}/Participants.json", timeout=10,
                   data={"From": "+15550001111", "To": "+15550002222", **params})
        assert r.status_code == 201, describe(r)
        return r.json()

    proc.start()
    try:
        with requests.Session() as s:
            s.auth = project.auth
            first = add(s, ConferenceStatusCallback=receiver.url("cb"), ConferenceStatusCallbackEvent="join",
                        StatusCallback=receiver.url("calls"), StatusCallbackEvent="initiated")
            receiver.wait("cb", 1)
            receiver.wait("calls", 1)
    finally:
        rc = proc.stop()
    assert rc == 0, f"server exited {rc} on SIGTERM\n{proc.stderr_tail()}"
    sid, call = first["conference_sid"], first["call_sid"]

    with sqlite3.connect(db) as c:  # back to the outbox confab at schema 8 left, the call's event pending
        assert c.execute("PRAGMA user_version").fetchone()[0] >= 9
        assert c.execute("SELECT stream, state FROM outbox WHERE name = 'call-initiated'").fetchall() == \
            [(call, "pending")]
        c.executescript(UNDO_11 + UNDO_10 + UNDO_9 + "PRAGMA user_version = 8;")

    proc.start()
    try:
        with requests.Session() as s:
            s.auth = project.auth
            second = add(s)
            joins = receiver.wait("cb", 2, timeout=5,
                                  pred=lambda h: h.params.get("StatusCallbackEvent") == "participant-join")
            assert [h.params["CallSid"] for h in joins] == [call, second["call_sid"]], joins
            assert receiver.got("calls")[-1].params["CallStatus"] == "queued"
    finally:
        rc = proc.stop()
    assert rc == 0, f"server exited {rc} on SIGTERM\n{proc.stderr_tail()}"
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA user_version").fetchone()[0] >= 9
        assert c.execute("SELECT stream FROM outbox WHERE name = 'call-initiated'").fetchall() == [(call,)]
        assert {r[0] for r in c.execute("SELECT stream FROM outbox WHERE name = 'participant-join'")} == {""}
        names = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'index'"
                                         " AND tbl_name = 'outbox'")}
        assert "outbox_pending_stream" in names and "outbox_pending_conf" not in names, names
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert sid == second["conference_sid"]


@pytest.mark.slow
def test_a_schema_9_database_numbers_call_callbacks_per_call(confab_bin, tmp_root, receiver):
    """Migration 10 numbers a call's progress callbacks per call (SequenceNumber 0, 1, …). A call that is
    live across the upgrade had its earlier callbacks numbered in the conference's sequence; it goes on
    counting from past the last of those, so its receiver never sees a number go back."""
    workdir = os.path.join(tmp_root, "upgrade9")
    os.makedirs(workdir)
    proc = ServeProcess(confab_bin, workdir, os.path.join(workdir, "confab.db"), label="upgrade9",
                        extra_args=LOOPBACK_ALLOWED)
    project = proc.create_project("upgrade9")
    db = proc.db_path

    def acct():
        return f"{proc.base}/api/laml/2010-04-01/Accounts/{project.id}"

    proc.start()
    try:
        with requests.Session() as s:
            s.auth = project.auth
            r = s.post(f"{acct()}/Conferences/{unique_name('up9')}/Participants.json", timeout=10,
                       data={"From": "+15550001111", "To": "+15550002222", "StatusCallback": receiver.url("calls"),
                             "StatusCallbackEvent": "initiated ringing answered completed"})
            assert r.status_code == 201, describe(r)
            sid, call = r.json()["conference_sid"], r.json()["call_sid"]
            receiver.wait("calls", 3)
    finally:
        rc = proc.stop()
    assert rc == 0, f"server exited {rc} on SIGTERM\n{proc.stderr_tail()}"

    with sqlite3.connect(db) as c:  # back to schema 9, where the call's events carried conference numbers
        assert c.execute("PRAGMA user_version").fetchone()[0] >= 10
        assert c.execute("SELECT next_cb_seq FROM participants WHERE call_sid = ?", (call,)).fetchone() == (3,)
        c.executescript(UNDO_11 + UNDO_10 + "PRAGMA user_version = 9;")
        last = c.execute("SELECT max(seq) FROM outbox WHERE call_sid = ? AND name LIKE 'call-%'",
                         (call,)).fetchone()[0]

    proc.start()
    try:
        with requests.Session() as s:
            s.auth = project.auth
            r = s.delete(f"{acct()}/Conferences/{sid}/Participants/{call}.json", timeout=10)
            assert r.status_code == 204, describe(r)
            got = [h.params for h in receiver.wait("calls", 4)]
    finally:
        rc = proc.stop()
    assert rc == 0, f"server exited {rc} on SIGTERM\n{proc.stderr_tail()}"
    assert [p["CallStatus"] for p in got] == ["queued", "ringing", "in-progress", "completed"], got
    assert int(got[3]["SequenceNumber"]) == last + 1, (got, last)
    assert [int(p["SequenceNumber"]) for p in got] == sorted({int(p["SequenceNumber"]) for p in got}), got


# The outbox as schema 10 had it: migration 6's table (UNIQUE (conference_sid, seq)) with migration 9's stream.
OUTBOX_V10 = (
    "CREATE TABLE outbox ("
    "  id INTEGER PRIMARY KEY, project_id TEXT NOT NULL, conference_sid TEXT NOT NULL,"
    "  call_sid TEXT, seq INTEGER NOT NULL, name TEXT NOT NULL, url TEXT, method TEXT,"
    "  params TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_at INTEGER, last_status INTEGER, last_error TEXT, created INTEGER NOT NULL,"
    "  done_at INTEGER, stream TEXT NOT NULL DEFAULT '', UNIQUE (conference_sid, seq));"
    "CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE state = 'pending';"
    "CREATE INDEX outbox_failed ON outbox(state) WHERE state = 'failed';"
    "CREATE INDEX outbox_pending_stream ON outbox(conference_sid, stream, seq) WHERE state = 'pending';")


@pytest.mark.slow
def test_a_schema_10_outbox_gives_its_counters_to_conference_seqs(confab_bin, tmp_root):
    """Migration 11 keeps each conference's next SequenceNumber, and the range of its events, in
    conference_seqs, and rebuilds the outbox without its UNIQUE (conference_sid, seq) index. A database at
    schema 10 holding two conferences' interleaved events keeps every event (ids, sids, order); the Events
    API lists each conference's events as before, page by page; and new events go on numbering each
    conference from past its last."""
    proc, project = own_server(confab_bin, tmp_root, "upgrade11")
    db = proc.db_path

    def acct():  # the port is chosen at each start
        return f"{proc.base}/api/laml/2010-04-01/Accounts/{project.id}"

    def events(s, sid, size=100):
        got, url, params = [], f"{acct()}/Conferences/{sid}/Events.json", {"PageSize": size}
        while url:
            r = s.get(url, params=params, timeout=10)
            assert r.status_code == 200, describe(r)
            got += r.json()["events"]
            url, params = r.json()["next_page_uri"] and f"{proc.base}{r.json()['next_page_uri']}", None
        return got

    def mute(s, sid, call, on):
        r = s.post(f"{acct()}/Conferences/{sid}/Participants/{call}.json", data={"Muted": on}, timeout=10)
        assert r.status_code == 200, describe(r)

    proc.start()
    try:
        with requests.Session() as s:
            s.auth = project.auth
            a, call_a = join_live(s, acct(), "up11a")
            b, call_b = join_live(s, acct(), "up11b")
            for on in ("true", "false", "true"):  # interleaved in the outbox
                mute(s, a, call_a, on)
                mute(s, b, call_b, on)
            before = {sid: events(s, sid) for sid in (a, b)}
            assert events(s, a, size=2) == before[a]
    finally:
        rc = proc.stop()
    assert rc == 0, f"server exited {rc} on SIGTERM\n{proc.stderr_tail()}"
    assert all(len(v) >= 4 for v in before.values()), before

    with sqlite3.connect(db) as c:  # back to the outbox confab at schema 10 left, same rows
        assert c.execute("PRAGMA user_version").fetchone()[0] >= 11
        assert "UNIQUE" not in outbox_sql(db).upper()
        seqs = dict(((r[0], r[1:]) for r in c.execute(
            "SELECT conference_sid, next_seq, first_event, last_event FROM conference_seqs")))
        rows = c.execute("SELECT " + OUTBOX_V5_COLUMNS + ", stream FROM outbox ORDER BY id").fetchall()
        c.executescript("DROP TABLE conference_seqs; DROP TABLE outbox;" + OUTBOX_V10)
        c.executemany("INSERT INTO outbox VALUES (%s)" % ", ".join("?" * len(rows[0])), rows)
        c.execute("PRAGMA user_version = 10")
    assert "UNIQUE" in outbox_sql(db).upper()

    proc.start()
    try:
        with requests.Session() as s:
            s.auth = project.auth
            assert {sid: events(s, sid) for sid in (a, b)} == before
            assert events(s, b, size=1) == before[b]
            mute(s, a, call_a, "false")
            after = events(s, a)
            assert events(s, b) == before[b]
    finally:
        rc = proc.stop()
    assert rc == 0, f"server exited {rc} on SIGTERM\n{proc.stderr_tail()}"
    assert after[:len(before[a])] == before[a]
    new = after[len(before[a]):]
    assert [e["sequence_number"] for e in new] == [len(before[a])], new
    with sqlite3.connect(db) as c:
        assert c.execute("PRAGMA user_version").fetchone()[0] >= 11
        assert "UNIQUE" not in outbox_sql(db).upper()
        got = dict(((r[0], r[1:]) for r in c.execute(
            "SELECT conference_sid, next_seq, first_event, last_event FROM conference_seqs")))
        assert got[b] == seqs[b], (got, seqs)
        assert got[a][0] == seqs[a][0] + 1 and got[a][1] == seqs[a][1] and got[a][2] > seqs[a][2], (got, seqs)
        ids = [r[0] for r in c.execute("SELECT id FROM outbox ORDER BY id")]
        assert ids[:len(rows)] == [r[0] for r in rows], ids
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
