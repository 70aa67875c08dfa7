"""Shared helpers for confab's integration tests.

Everything here talks to the real binary: a ConfabProcess owns one `confab serve` child (and runs the CLI
against the same database), a Confab object is what the tests get from the `confab` fixture: the base URL,
the projects, the database path and request helpers. Nothing here sleeps blindly: waits poll with a deadline.

The spec these tests check is /work/shared/spec/conference-api.md; part 0 wins over everything else.
"""

import datetime as dt
import email.utils
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.parse
import uuid

import requests

LAML = "/api/laml/2010-04-01"
ROOT = "/2010-04-01"
PREFIXES = (LAML, ROOT)

MORE_INFO = "https://developer.signalwire.com/compatibility-api/reference/error-codes"
ERROR_KEYS = {"code", "message", "more_info", "status"}
ENVELOPE_META = {"uri", "first_page_uri", "next_page_uri", "previous_page_uri", "page", "page_size", "start", "end"}
CONFERENCE_KEYS = {
    "sid", "account_sid", "date_created", "date_updated", "friendly_name", "status", "api_version", "region",
    "uri", "subresource_uris", "reason_conference_ended", "call_sid_ending_conference",
}
PARTICIPANT_KEYS = {
    "account_sid", "call_sid", "conference_sid", "label", "muted", "hold", "coaching", "end_conference_on_exit",
    "start_conference_on_enter", "status", "date_created", "date_updated", "uri", "call_sid_to_coach",
}

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
RFC2822_RE = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
    r"\d{2}:\d{2}:\d{2} \+0000$")

DEFAULT_FROM = "+15550001111"
DEFAULT_TO = "+15550002222"
POLL_TIMEOUT = 5.0  # the engine answers "at once"; 5 s leaves room for a slow sanitizer build


class Missing:
    """Marker: leave a parameter out of a request."""


OMIT = Missing()


def unique_name(tag="room"):
    return f"{tag}-{uuid.uuid4().hex[:12]}"


def wait_for(fn, timeout=POLL_TIMEOUT, interval=0.02, what="condition"):
    """Polls fn() until it returns something truthy; returns it. Fails with the last value seen."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = fn()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")
        time.sleep(interval)


def to_micros(when):
    """An aware datetime (or a naive one taken as UTC) to microseconds since the epoch."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    delta = when - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def utc(*args):
    return dt.datetime(*args, tzinfo=dt.timezone.utc)


def parse_rfc2822(value):
    """Checks the exact confab date form and returns an aware UTC datetime."""
    assert isinstance(value, str), f"date is not a string: {value!r}"
    assert RFC2822_RE.match(value), f"date not in 'Ddd, DD Mon YYYY HH:MM:SS +0000' form: {value!r}"
    assert email.utils.parsedate(value) is not None, f"email.utils cannot parse {value!r}"
    parsed = email.utils.parsedate_to_datetime(value)
    # Round trip: catches a wrong weekday, a missing zero pad, "Sept", a non-UTC offset.
    assert email.utils.format_datetime(parsed) == value, f"{value!r} is not a consistent RFC 2822 date"
    return parsed.astimezone(dt.timezone.utc)


def assert_recent(value, slack=120):
    when = parse_rfc2822(value)
    now = dt.datetime.now(dt.timezone.utc)
    assert abs((now - when).total_seconds()) <= slack, f"date {value!r} is not close to now ({now})"
    return when


def assert_uuid(value, what="sid"):
    assert isinstance(value, str) and UUID_RE.match(value), f"{what} is not a lower-case RFC 4122 UUID: {value!r}"


def describe(resp):
    """One line that says what was asked and what came back (for assertion messages)."""
    req = resp.request
    body = req.body
    if isinstance(body, bytes):
        body = body[:300]
    elif isinstance(body, str):
        body = body[:300]
    return f"{req.method} {req.url} body={body!r} -> {resp.status_code} {resp.text[:600]!r}"


def assert_error(resp, status, code=None, mentions=None):
    """The error body of spec part 0: exactly {code, message, more_info, status}, status equal to HTTP's."""
    assert resp.status_code == status, f"expected HTTP {status}: {describe(resp)}"
    ctype = resp.headers.get("Content-Type", "")
    assert ctype.startswith("application/json"), f"error Content-Type {ctype!r}: {describe(resp)}"
    body = resp.json()
    assert isinstance(body, dict), describe(resp)
    assert set(body) == ERROR_KEYS, f"error keys {sorted(body)} != {sorted(ERROR_KEYS)}: {describe(resp)}"
    assert body["status"] == status and type(body["status"]) is int, describe(resp)
    assert type(body["code"]) is int, describe(resp)
    if code is not None:
        assert body["code"] == code, f"expected code {code}: {describe(resp)}"
    assert isinstance(body["message"], str) and body["message"].strip(), describe(resp)
    assert body["more_info"] == MORE_INFO, describe(resp)
    if mentions is not None:
        assert mentions in body["message"], f"message should name {mentions!r}: {describe(resp)}"
    return body


def assert_envelope(page, item_key):
    assert set(page) == ENVELOPE_META | {item_key}, f"envelope keys {sorted(page)}"
    for k in ("page", "page_size", "start", "end"):
        assert type(page[k]) is int, f"{k} is not an int: {page[k]!r}"
    for k in ("uri", "first_page_uri"):
        assert isinstance(page[k], str) and page[k].startswith("/"), f"{k}: {page[k]!r}"
    for k in ("next_page_uri", "previous_page_uri"):
        assert page[k] is None or (isinstance(page[k], str) and page[k].startswith("/")), f"{k}: {page[k]!r}"
    assert isinstance(page[item_key], list)
    n = len(page[item_key])
    assert page["start"] == page["page"] * page["page_size"], page
    assert page["end"] == (page["start"] + n - 1 if n else 0), page
    return page[item_key]


def split_uri(uri):
    """('/path', {name: [values]}) for a paging URI, names and values percent-decoded."""
    parts = urllib.parse.urlsplit(uri)
    assert not parts.scheme and not parts.netloc, f"URI must be a path from the host root: {uri!r}"
    return parts.path, urllib.parse.parse_qs(parts.query, keep_blank_values=True)


class Project:
    def __init__(self, data, name):
        self.id = data["project_id"]
        self.token = data["token"]
        self.token_id = data.get("token_id")
        self.signing_key = data.get("signing_key")
        self.name = name

    @property
    def auth(self):
        return (self.id, self.token)

    def __repr__(self):
        return f"<Project {self.name} {self.id}>"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFAB_")}
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:halt_on_error=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    return env


SANITIZER_RE = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|SUMMARY: UndefinedBehavior")

LIVE = []  # every ConfabProcess that has been started, for failure reports


class ConfabProcess:
    """One `confab serve` child on a free loopback port, plus the CLI on the same database."""

    def __init__(self, binary, workdir, db_path, label="confab"):
        self.binary = binary
        self.workdir = workdir
        self.db_path = db_path
        self.label = label
        self.stderr_path = os.path.join(workdir, f"{label}.stderr")
        self.stdout_path = os.path.join(workdir, f"{label}.stdout")
        self.proc = None
        self.port = None
        self.base = None
        self._saved_tail = None  # stderr read when the process ended (the temp dir may be gone later)
        LIVE.append(self)

    def cli(self, *args, check=True):
        res = subprocess.run([self.binary, *args], capture_output=True, text=True, timeout=60, env=child_env())
        if check and res.returncode != 0:
            raise AssertionError(f"`confab {' '.join(args)}` exited {res.returncode}\nstdout: {res.stdout}\n"
                                 f"stderr: {res.stderr[-4000:]}")
        return res

    def create_project(self, name):
        res = self.cli("project", "create", "--name", name, "--database", self.db_path, "--json")
        try:
            data = json.loads(res.stdout)
        except ValueError as e:
            raise AssertionError(f"`confab project create --json` printed no JSON object: {res.stdout!r}") from e
        for k in ("project_id", "token_id", "token", "signing_key"):
            assert k in data, f"`project create --json` lacks {k}: {data}"
        return Project(data, name)

    def start(self, timeout=30):
        last_err = None
        for _ in range(3):  # a port picked free can be taken before the server binds it
            self.port = free_port()
            self.base = f"http://127.0.0.1:{self.port}"
            with open(self.stderr_path, "ab") as err, open(self.stdout_path, "ab") as out:
                self.proc = subprocess.Popen(
                    [self.binary, "serve", "--listen", f"127.0.0.1:{self.port}", "--database", self.db_path,
                     "--log-level", "warn"],
                    stdout=out, stderr=err, env=child_env(), cwd=self.workdir)
            try:
                self._wait_ready(timeout)
                return self
            except AssertionError as e:
                last_err = e
                if self.proc.poll() is None:
                    self.proc.kill()
                    self.proc.wait()
        raise AssertionError(f"{last_err}\n--- confab stderr ---\n{self.stderr_tail()}")

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"confab serve exited {self.proc.returncode} before it was ready")
            try:
                if requests.get(self.base + "/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise AssertionError(f"confab serve did not answer GET /health with 200 within {timeout}s")

    def stop(self, timeout=30):
        """SIGTERM; returns the exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"confab did not exit within {timeout}s of SIGTERM\n{self.stderr_tail()}")
        self._saved_tail = self.stderr_tail(200)
        return rc

    def kill(self, timeout=30):
        """SIGKILL at once; returns the exit code (-SIGKILL when it was still running)."""
        os.kill(self.proc.pid, signal.SIGKILL)
        return self.proc.wait(timeout=timeout)

    def stderr_tail(self, lines=60):
        try:
            with open(self.stderr_path, "r", errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            if self._saved_tail is not None:
                return "".join(self._saved_tail.splitlines(keepends=True)[-lines:])
            return "(no stderr file)"

    def sanitizer_lines(self):
        try:
            with open(self.stderr_path, "r", errors="replace") as f:
                return [ln.rstrip() for ln in f if SANITIZER_RE.search(ln)]
        except OSError:
            return []


def own_server(binary, tmp_root, name):
    """A server of a test's own on a fresh database under tmp_root/name, with one project named name, not yet
    started: (ConfabProcess, Project)."""
    workdir = os.path.join(tmp_root, name)
    os.makedirs(workdir)
    proc = ConfabProcess(binary, workdir, os.path.join(workdir, "confab.db"), label=name)
    return proc, proc.create_project(name)


class Confab:
    """What the tests get: a running server, its projects, its database, and request helpers.

    Paths are built with the LaML prefix unless a test passes prefix=ROOT. The project defaults to `a`.
    """

    def __init__(self, process, a, b, pool):
        self.process = process
        self.base = process.base
        self.db_path = process.db_path
        self.a = a
        self.b = b
        self._pool = pool
        self.session = requests.Session()

    # ---- projects -------------------------------------------------------------------------------------
    def fresh_project(self):
        """A project no other test uses (for lists whose whole content a test must know)."""
        if self._pool:
            return self._pool.pop()
        return self.process.create_project(unique_name("extra"))

    # ---- paths ----------------------------------------------------------------------------------------
    def account_path(self, project=None, prefix=LAML):
        return f"{prefix}/Accounts/{(project or self.a).id}"

    def confs_path(self, project=None, prefix=LAML, json=True):
        return self.account_path(project, prefix) + "/Conferences" + (".json" if json else "")

    def conf_path(self, sid, project=None, prefix=LAML, json=True):
        return (self.account_path(project, prefix) + "/Conferences/" + urllib.parse.quote(sid, safe="")
                + (".json" if json else ""))

    def parts_path(self, conf, project=None, prefix=LAML, json=True):
        return (self.account_path(project, prefix) + "/Conferences/" + urllib.parse.quote(conf, safe="")
                + "/Participants" + (".json" if json else ""))

    def part_path(self, conf, call, project=None, prefix=LAML, json=True):
        return (self.account_path(project, prefix) + "/Conferences/" + urllib.parse.quote(conf, safe="")
                + "/Participants/" + urllib.parse.quote(call, safe="") + (".json" if json else ""))

    def calls_path(self, project=None, prefix=LAML, json=True):
        return self.account_path(project, prefix) + "/Calls" + (".json" if json else "")

    def call_path(self, sid, project=None, prefix=LAML, json=True):
        return (self.account_path(project, prefix) + "/Calls/" + urllib.parse.quote(sid, safe="")
                + (".json" if json else ""))

    def recs_path(self, conf, project=None, prefix=LAML, json=True):
        return (self.account_path(project, prefix) + "/Conferences/" + urllib.parse.quote(conf, safe="")
                + "/Recordings" + (".json" if json else ""))

    def rec_path(self, conf, sid, project=None, prefix=LAML, json=True):
        return (self.account_path(project, prefix) + "/Conferences/" + urllib.parse.quote(conf, safe="")
                + "/Recordings/" + urllib.parse.quote(sid, safe="") + (".json" if json else ""))

    def media_path(self, sid, project=None, prefix=ROOT):
        return self.account_path(project, prefix) + "/Recordings/" + urllib.parse.quote(sid, safe="") + ".wav"

    # ---- raw requests ---------------------------------------------------------------------------------
    def req(self, method, path, project=None, auth="default", **kw):
        if auth == "default":
            auth = (project or self.a).auth
        kw.setdefault("timeout", 15)
        return self.session.request(method, self.base + path, auth=auth, **kw)

    def get(self, path, project=None, **kw):
        return self.req("GET", path, project=project, **kw)

    def post(self, path, project=None, **kw):
        return self.req("POST", path, project=project, **kw)

    # ---- participants / conferences -------------------------------------------------------------------
    def post_participant(self, conf, project=None, prefix=LAML, json_body=False, headers=None, path_json=True,
                         **params):
        body = {"From": DEFAULT_FROM, "To": DEFAULT_TO}
        body.update(params)
        body = {k: v for k, v in body.items() if v is not OMIT}
        path = self.parts_path(conf, project, prefix, json=path_json)
        if json_body:
            return self.post(path, project=project, json=body, headers=headers)
        return self.post(path, project=project, data=body, headers=headers)

    def create_participant(self, conf, project=None, prefix=LAML, **params):
        r = self.post_participant(conf, project=project, prefix=prefix, **params)
        assert r.status_code == 201, f"create participant: {describe(r)}"
        return r.json()

    def get_participant(self, conf, call, project=None):
        return self.get(self.part_path(conf, call, project), project=project)

    def wait_participant_status(self, conf, call, status="in-progress", project=None, timeout=POLL_TIMEOUT):
        seen = {}

        def check():
            r = self.get_participant(conf, call, project)
            seen["last"] = (r.status_code, r.text[:300])
            return r.status_code == 200 and r.json()["status"] == status and r.json()

        try:
            return wait_for(check, timeout, what=f"participant {call} status {status}")
        except AssertionError as e:
            raise AssertionError(f"{e}; last response {seen.get('last')}") from None

    def fetch_conference(self, sid, project=None, prefix=LAML):
        r = self.get(self.conf_path(sid, project, prefix), project=project)
        assert r.status_code == 200, f"fetch conference: {describe(r)}"
        return r.json()

    def wait_conference_status(self, sid, status, project=None, timeout=POLL_TIMEOUT):
        return wait_for(lambda: (lambda c: c["status"] == status and c)(self.fetch_conference(sid, project)),
                        timeout, what=f"conference {sid} status {status}")

    def new_conference(self, project=None, name=None, participants=1, wait=True, **params):
        """Creates a conference through participant create; returns (conference_sid, name, [participants]).

        With wait=True every participant is in-progress on return (so nothing changes the row afterwards
        unless the test acts)."""
        name = name or unique_name()
        made = [self.create_participant(name, project=project, **params) for _ in range(participants)]
        sid = made[0]["conference_sid"]
        assert all(p["conference_sid"] == sid for p in made), made
        if wait:
            made = [self.wait_participant_status(sid, p["call_sid"], project=project) for p in made]
        return sid, name, made

    def list_conferences(self, project=None, prefix=LAML, **query):
        r = self.get(self.confs_path(project, prefix), project=project, params=query)
        assert r.status_code == 200, f"list conferences: {describe(r)}"
        return r.json()

    def end_conference(self, sid, project=None):
        r = self.post(self.conf_path(sid, project), project=project, data={"Status": "completed"})
        assert r.status_code == 200, f"end conference: {describe(r)}"
        return r.json()

    def delete(self, path, project=None, **kw):
        return self.req("DELETE", path, project=project, **kw)

    def update_participant(self, conf, call, project=None, json_body=False, **params):
        """POST …/Participants/{call}; returns the response (the caller checks it)."""
        path = self.part_path(conf, call, project)
        if json_body:
            return self.post(path, project=project, json=params)
        return self.post(path, project=project, data=params)

    def kick(self, conf, call, project=None):
        r = self.delete(self.part_path(conf, call, project), project=project)
        assert r.status_code == 204, f"kick participant: {describe(r)}"
        assert r.content == b"", f"a 204 has no body: {describe(r)}"
        return r

    def fetch_call(self, sid, project=None, prefix=LAML):
        r = self.get(self.call_path(sid, project, prefix), project=project)
        assert r.status_code == 200, f"fetch call: {describe(r)}"
        return r.json()

    def hangup_call(self, sid, project=None, status="completed"):
        r = self.post(self.call_path(sid, project), project=project, data={"Status": status})
        assert r.status_code == 200, f"hang up call: {describe(r)}"
        return r.json()

    def wait_call_status(self, sid, status, project=None, timeout=POLL_TIMEOUT):
        seen = {}

        def check():
            c = self.fetch_call(sid, project)
            seen["last"] = c.get("status")
            return c["status"] == status and c

        try:
            return wait_for(check, timeout, what=f"call {sid} status {status}")
        except AssertionError as e:
            raise AssertionError(f"{e}; last call status {seen.get('last')!r}") from None

    def live_call_sids(self, conf, project=None, **query):
        r = self.get(self.parts_path(conf, project), project=project, params=query)
        assert r.status_code == 200, f"list participants: {describe(r)}"
        return {p["call_sid"] for p in r.json()["participants"]}

    def list_recordings(self, conf, project=None, prefix=LAML, **query):
        r = self.get(self.recs_path(conf, project, prefix), project=project, params=query)
        assert r.status_code == 200, f"list recordings: {describe(r)}"
        return r.json()

    def fetch_recording(self, conf, sid, project=None, prefix=LAML):
        r = self.get(self.rec_path(conf, sid, project, prefix), project=project)
        assert r.status_code == 200, f"fetch recording: {describe(r)}"
        return r.json()

    def wait_recording(self, conf, project=None, timeout=POLL_TIMEOUT):
        """Polls the conference's recordings list until it holds one; returns that recording."""
        return wait_for(lambda: (lambda items: items and items[0])(self.list_recordings(conf, project)["recordings"]),
                        timeout, what=f"a recording of conference {conf}")

    def wait_recording_status(self, conf, sid, status, project=None, timeout=POLL_TIMEOUT):
        return wait_for(lambda: (lambda x: x["status"] == status and x)(self.fetch_recording(conf, sid, project)),
                        timeout, what=f"recording {sid} status {status}")

    # ---- database -------------------------------------------------------------------------------------
    def db_exec(self, sql, args=()):
        conn = sqlite3.connect(self.db_path, timeout=15)
        try:
            conn.execute("PRAGMA busy_timeout = 15000")
            cur = conn.execute(sql, args)
            conn.commit()
            return cur.rowcount
        finally:
            conn.close()

    def set_conference_times(self, sid, created=None, updated=None):
        """Ages a conference row (dates are aware datetimes or naive UTC)."""
        sets, args = [], []
        if created is not None:
            sets.append("date_created = ?")
            args.append(to_micros(created))
        if updated is not None:
            sets.append("date_updated = ?")
            args.append(to_micros(updated))
        n = self.db_exec(f"UPDATE conferences SET {', '.join(sets)} WHERE sid = ?", (*args, sid))
        assert n == 1, f"no conference row {sid} in the database"
