#!/usr/bin/python3
"""Seed a confab database directly with SQL, fast, for the benchmark.

The rows are the ones confab itself writes (compared field by field with rows
the API created through `POST .../Participants.json` and `Status=completed`):

  live conference       status 'in-progress', two live participants (joined),
                        outbox: participant-join, participant-join,
                        conference-start (seq 0..2, state 'none': nobody
                        subscribed), conference_seqs: next_seq 3 and the
                        ids of its first and last events
  completed conference  status 'completed', end_reason
                        'conference-ended-via-api', two participants that left
                        (live 0, status/call_status 'completed'), outbox: the
                        three events above plus participant-leave x2 and
                        conference-end (seq 0..5), next_seq 6

Conferences are created `step_us` apart going back from now, so
(date_created DESC, sid DESC), the order of every list, is the order of the
index i (0 = newest). Live conferences are the newest ones, as in a real
database, where the conferences in progress are the ones made last and the
history behind them only grows; with spread=True (bench/run --live-spread) they
are spread evenly through the history instead, the worst layout for the
store's locality.

The project comes from `confab project create` (which also migrates the
database), so its token is hashed the way the server checks it. For speed the
secondary indexes are dropped during the load and re-created afterwards from
their own stored SQL, which gives the same schema.

Usage as a program (mostly for debugging):
  bench/seed.py --confab build/confab --database DB --live 1000 --completed 9000
prints the project JSON plus the seeded ids' files written next to DB.
"""
import argparse
import json
import os
import sqlite3
import subprocess
import sys
import time
from urllib.parse import quote

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_ts_cache = {}


def rfc2822_q(us):
    """Timestamp= as confab form-encodes it in event params (seconds resolution)."""
    s = us // 1000000
    v = _ts_cache.get(s)
    if v is None:
        t = time.gmtime(s)
        txt = "%s, %02d %s %04d %02d:%02d:%02d +0000" % (
            DAYS[t.tm_wday], t.tm_mday, MONTHS[t.tm_mon - 1], t.tm_year, t.tm_hour, t.tm_min,
            t.tm_sec)
        v = quote(txt, safe="")
        if len(_ts_cache) > 100000:
            _ts_cache.clear()
        _ts_cache[s] = v
    return v


_rand = []


def new_uuid():
    """A random (version 4) UUID in confab's lower-case text form, fast."""
    if not _rand:
        buf = os.urandom(16 * 4096)
        _rand.extend(buf[k:k + 16] for k in range(0, len(buf), 16))
    b = bytearray(_rand.pop())
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def create_project(confab, db):
    out = subprocess.run([confab, "project", "create", "--name", "bench", "--database", db,
                          "--json", "--log-level", "warn"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def conf_name(i):
    return "bench-%07d" % i


def _event_params(pid, csid, seq, ts_us, name, fname, extra):
    return ("AccountSid=%s&ApiVersion=2010-04-01&ConferenceSid=%s&SequenceNumber=%d"
            "&Timestamp=%s&FriendlyName=%s&StatusCallbackEvent=%s%s"
            % (pid, csid, seq, rfc2822_q(ts_us), fname, name, extra))  # names are url-safe


def _part_extra(call_sid, muted=False):
    return ("&CallSid=%s&Muted=%s&Hold=false&Coaching=false&EndConferenceOnExit=false"
            "&StartConferenceOnEnter=true" % (call_sid, "true" if muted else "false"))


def seed(db, pid, n_live, n_completed, step_us=1000, batch=20000, progress=None, spread=False):
    """Insert n_live + n_completed conferences (see the module doc).

    Returns (conferences, participants): lists in list order (newest first) of
    (sid, status, date_created) and of live (conference_sid, call_sid)."""
    total = n_live + n_completed
    con = sqlite3.connect(db, isolation_level=None)
    # One big transaction without a journal (the file is thrown away if this
    # fails); confab puts the database back in WAL mode when it opens it.
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-2000000")
    con.execute("PRAGMA temp_store=MEMORY")
    con.execute("BEGIN")
    tables = ("conferences", "participants", "outbox")
    idx = con.execute("SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL"
                      " AND tbl_name IN (?,?,?)", tables).fetchall()
    for name, _ in idx:
        con.execute('DROP INDEX "%s"' % name)
    now = int(time.time() * 1e6) - 60 * 1000000
    # conference i is live when its slot says so: the newest, or spread evenly
    live_every = (total / n_live) if n_live else 0
    if spread:
        live_slots = set(int(k * live_every) for k in range(n_live)) if n_live else set()
    else:
        live_slots = set(range(n_live))
    assert len(live_slots) == n_live
    confs, live_parts = [], []
    crow, prow, orow = [], [], []
    sql_c = ("INSERT INTO conferences(sid, project_id, friendly_name, region, status, end_reason,"
             " call_sid_ending, date_created, date_updated, next_seq, status_callback,"
             " status_callback_method, status_callback_events, max_participants,"
             " record_from_start, rec_callback, rec_callback_method, rec_callback_events)"
             " VALUES(?,?,?,'us1',?,?,NULL,?,?,?,NULL,'POST',3,250,0,NULL,NULL,0)")
    sql_p = ("INSERT INTO participants(call_sid, project_id, conference_sid, label,"
             " call_sid_to_coach, from_addr, to_addr, status, live, muted, hold, coaching,"
             " start_on_enter, end_on_exit, beep_on_exit, leave_reason, call_status, timeout_s,"
             " status_callback, status_callback_method, status_callback_events, date_created,"
             " date_updated, joined_at, left_at)"
             " VALUES(?,?,?,NULL,NULL,'+15550001111',?,?,?,0,0,0,1,0,1,?,?,60,NULL,NULL,0,?,?,?,?)")
    sql_o = ("INSERT INTO outbox(id, project_id, conference_sid, call_sid, seq, name, url, method,"
             " params, state, attempts, next_attempt_at, last_status, last_error, created,"
             " done_at) VALUES(?,?,?,?,?,?,NULL,NULL,?,'none',0,?,NULL,NULL,?,NULL)")
    sql_s = ("INSERT INTO conference_seqs(conference_sid, next_seq, first_event, last_event)"
             " VALUES(?,?,?,?)")
    next_id = [con.execute("SELECT coalesce(max(id), 0) + 1 FROM outbox").fetchone()[0]]

    def flush():
        con.executemany(sql_c, crow)
        # in time order, as the server inserts them, so that their rowids
        # grow with time too: the live participants are then the last rows of
        # the table, as in a real database. (Sorted by call_sid, to fill its
        # unique index in sequence, they were spread through the last 40,000
        # rows: each of the 2,000 live ones on a page of its own, where the
        # server's own inserts would have put them on ~100.)
        con.executemany(sql_p, prow)
        # ids in time order, as the server gives them (each conference's
        # events together here); each conference's counter and the range of
        # its events in conference_seqs (schema 11), in the order of their
        # first events, as the server writes them
        seqs = {}
        for k, r in enumerate(orow):
            orow[k] = (next_id[0] + k,) + r
            first, _, _ = seqs.get(r[1], (next_id[0] + k, 0, 0))
            seqs[r[1]] = (first, r[3] + 1, next_id[0] + k)
        next_id[0] += len(orow)
        con.executemany(sql_o, orow)
        con.executemany(sql_s, [(sid, n, first, last) for sid, (first, n, last) in seqs.items()])
        crow.clear(), prow.clear(), orow.clear()

    # insert oldest first so rowids and outbox ids grow with time, as the server's do
    for i in range(total - 1, -1, -1):
        created = now - (i + 1) * step_us
        sid, p1, p2 = new_uuid(), new_uuid(), new_uuid()
        fname = conf_name(i)
        live = i in live_slots
        j1, c2 = created + 15, created + 60
        j2 = c2 + 15
        ended = j2 + 400
        ev = []
        ev.append((p1, "participant-join", j1, _part_extra(p1)))
        ev.append((p2, "participant-join", j2, _part_extra(p2)))
        ev.append((None, "conference-start", j2, ""))
        to1, to2 = "+1555%07d" % (2 * i % 10000000), "+1555%07d" % ((2 * i + 1) % 10000000)
        if live:
            crow.append((sid, pid, fname, "in-progress", None, created, j2, 3))
            prow.append((p1, pid, sid, to1, "in-progress", 1, None, None, created, j1, j1, None))
            prow.append((p2, pid, sid, to2, "in-progress", 1, None, None, c2, j2, j2, None))
            live_parts.append((sid, p1))
            live_parts.append((sid, p2))
        else:
            crow.append((sid, pid, fname, "completed", "conference-ended-via-api", created, ended,
                         6))
            for p, c, j, to in ((p1, created, j1, to1), (p2, c2, j2, to2)):
                prow.append((p, pid, sid, to, "completed", 0, "conference_ended_via_api",
                             "completed", c, ended, j, ended))
            left = ("&ReasonParticipantLeft=conference_ended_via_api"
                    "&ParticipantCallStatus=completed")
            ev.append((p1, "participant-leave", ended, _part_extra(p1) + left))
            ev.append((p2, "participant-leave", ended, _part_extra(p2) + left))
            ev.append((None, "conference-end", ended,
                       "&ReasonConferenceEnded=conference-ended-via-api"
                       "&Reason=conference-ended-via-api"))
        for seq, (csid, name, ts, extra) in enumerate(ev):
            orow.append((pid, sid, csid, seq, name,
                         _event_params(pid, sid, seq, ts, name, fname, extra), ts, ts))
        confs.append((sid, "in-progress" if live else "completed", created))
        if len(crow) >= batch:
            flush()
            if progress:
                progress(total - i, total)
    flush()
    for name, sql in idx:
        con.execute(sql)
    con.execute("COMMIT")
    con.execute("PRAGMA journal_mode=WAL")
    con.close()
    confs.reverse()       # newest first, the list order
    live_parts.reverse()
    return confs, live_parts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--confab", default="build/confab")
    ap.add_argument("--database", required=True)
    ap.add_argument("--live", type=int, default=1000)
    ap.add_argument("--completed", type=int, default=9000)
    ap.add_argument("--spread", action="store_true", help="live conferences spread through the history")
    a = ap.parse_args()
    if os.path.exists(a.database):
        sys.exit("%s exists" % a.database)
    t0 = time.time()
    proj = create_project(a.confab, a.database)
    confs, parts = seed(a.database, proj["project_id"], a.live, a.completed, spread=a.spread)
    print(json.dumps(proj))
    print("seeded %d conferences, %d live participants in %.1f s"
          % (len(confs), len(parts), time.time() - t0), file=sys.stderr)


if __name__ == "__main__":
    main()
