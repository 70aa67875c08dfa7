"""A webhook receiver on loopback for confab's integration tests (issue 4), and what goes with it.

`Receiver` is a threaded http.server on 127.0.0.1 that records every request it gets (method, path, query,
headers, form body, arrival time, the full URL as it was requested) and answers each path the way a test
configured it: a status (or a list of statuses used up one per request, for "500 twice then 200"), a delay,
a body with its Content-Type (cXML, a WAV made with `wav_bytes`), or no answer at all until the receiver is
closed. Every receiver serves under its own random path prefix, so a callback of an older test that is still
being retried never lands among a newer test's requests even if the port is reused.

`ServeProcess` is a ConfabProcess that passes extra flags to `confab serve` (the session server needs
`--webhook-allow 127.0.0.0/8` to call this receiver; some tests start servers with other flags).

Checks shared by the webhook, announcement and Events API tests live here too: signatures (python3-twilio's
RequestValidator, both headers), the User-Agent, and the common callback parameters (spec §8.4, part 0).
"""

import collections
import datetime as dt
import http.server
import io
import socketserver
import subprocess
import threading
import time
import urllib.parse
import uuid
import wave

import pytest
from twilio.request_validator import RequestValidator

from confab_helpers import ConfabProcess, child_env, describe, free_port, parse_rfc2822, unique_name

LOOPBACK_ALLOWED = ("--webhook-allow", "127.0.0.0/8")
FORM = "application/x-www-form-urlencoded"


# ---- the server under test with extra flags --------------------------------------------------------------

class ServeProcess(ConfabProcess):
    """`confab serve` with extra flags (the same start/ready logic as ConfabProcess.start)."""

    def __init__(self, binary, workdir, db_path, label="confab", extra_args=()):
        super().__init__(binary, workdir, db_path, label=label)
        self.extra_args = list(extra_args)

    def start(self, timeout=30):
        last_err = None
        for _ in range(3):  # a port picked free can be taken before the server binds it
            self.port = free_port()
            self.base = f"http://127.0.0.1:{self.port}"
            with open(self.stderr_path, "ab") as err, open(self.stdout_path, "ab") as out:
                self.proc = subprocess.Popen(
                    [self.binary, "serve", "--listen", f"127.0.0.1:{self.port}", "--database", self.db_path,
                     "--log-level", "warn", *self.extra_args],
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


# ---- media ------------------------------------------------------------------------------------------------

def wav_bytes(seconds, rate=8000):
    """A mono 16-bit PCM WAV of silence lasting `seconds`."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\x00\x00" * int(round(seconds * rate)))
    return buf.getvalue()


def mp3_bytes(seconds):
    """MPEG-1 layer III frames (128 kbit/s, 44.1 kHz, 417 bytes and 1152 samples each) lasting ~`seconds`."""
    frame = bytes([0xFF, 0xFB, 0x90, 0x00]) + bytes(413)
    return frame * max(1, int(round(seconds * 44100 / 1152)))


def cxml(inner):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Response>' + inner + "</Response>").encode()


# ---- the receiver -----------------------------------------------------------------------------------------

class Hit:
    """One request as the receiver got it."""

    def __init__(self, handler, body, arrived):
        self.method = handler.command
        self.raw_path = handler.path                       # path + query as requested
        parts = urllib.parse.urlsplit(handler.path)
        self.path = urllib.parse.unquote(parts.path)
        self.query_string = parts.query
        self.query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        self.headers = handler.headers                     # case-insensitive
        self.body = body
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        self.content_type = ctype
        self.form = (urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
                     if body and ctype == FORM else [])
        self.url = "http://" + (self.headers.get("Host") or "") + handler.path
        self.arrived = arrived                             # time.monotonic() when the request was read
        self.answered = None                               # time.monotonic() when the answer began to be written
        self.name = None                                   # path below the receiver's prefix

    @property
    def params(self):
        """The form body of a POST or the query of a GET, as a dict (the last value of a repeated name)."""
        pairs = self.form if self.method == "POST" else self.query
        return dict(pairs)

    def __repr__(self):
        p = self.params
        what = p.get("StatusCallbackEvent") or p.get("CallStatus") or p.get("RecordingStatus") or ""
        return f"<{self.method} {self.raw_path} {what} seq={p.get('SequenceNumber')}>"


class Rule:
    def __init__(self, status=200, delay=0.0, body=b"", content_type="text/plain", statuses=(), hang=False,
                 headers=None):
        self.status = status
        self.delay = delay
        self.body = body if isinstance(body, bytes) else body.encode()
        self.content_type = content_type
        self.statuses = collections.deque(statuses)
        self.hang = hang
        self.headers = headers or {}


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class Receiver:
    def __init__(self, host="127.0.0.1"):
        self.prefix = "/r" + uuid.uuid4().hex[:12]
        self.hits = []
        self.strays = []            # requests outside this receiver's prefix (an older test's retries)
        self.rules = {}
        self.cond = threading.Condition()
        self.closing = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                hit = Hit(self, body, time.monotonic())
                rule = receiver._record(hit)
                if rule.hang:
                    receiver.closing.wait()
                    return
                if rule.delay:
                    receiver.closing.wait(rule.delay)
                with receiver.cond:
                    status = rule.statuses.popleft() if rule.statuses else rule.status
                body = b"" if status == 204 else rule.body
                # taken before the answer goes out: once it is out the server may act on it at once
                t_answer = time.monotonic()
                try:
                    self.send_response(status)
                    if status != 204:
                        self.send_header("Content-Type", rule.content_type)
                        self.send_header("Content-Length", str(len(body)))
                    for k, v in rule.headers.items():
                        self.send_header(k, v)
                    self.send_header("Connection", "close")
                    self.end_headers()
                    if body and self.command != "HEAD":
                        self.wfile.write(body)
                    self.wfile.flush()
                except OSError:
                    pass
                self.close_connection = True
                with receiver.cond:
                    hit.answered = t_answer
                    receiver.cond.notify_all()

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _any

        self._server = _Server((host, 0), Handler)
        self.host = host
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    # ---- configuration ----
    def url(self, name, host=None):
        """The absolute URL of `name` (a path below this receiver's prefix, may carry a query)."""
        return f"http://{host or self.host}:{self.port}{self.prefix}/{name}"

    def set(self, name, **rule):
        """Configures how `name` answers (see Rule); unconfigured names answer 200 with an empty body."""
        with self.cond:
            self.rules[name] = Rule(**rule)

    def _record(self, hit):
        with self.cond:
            if hit.path.startswith(self.prefix + "/"):
                hit.name = hit.path[len(self.prefix) + 1:]
                self.hits.append(hit)
                rule = self.rules.get(hit.name) or Rule()
            else:
                self.strays.append(hit)
                rule = Rule(status=410)
            self.cond.notify_all()
            return rule

    # ---- looking at what came ----
    def got(self, name=None):
        with self.cond:
            return [h for h in self.hits if name is None or h.name == name]

    def wait(self, name=None, n=1, timeout=10.0, pred=None, what=None):
        """Waits until at least n requests to `name` (matching pred, if given) have arrived; returns all of them."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                hits = [h for h in self.hits if (name is None or h.name == name) and (pred is None or pred(h))]
                if len(hits) >= n:
                    return hits
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {n} request(s) to {name!r}"
                        f"{' (' + what + ')' if what else ''}; got {hits}; all requests: {self.hits}")
                self.cond.wait(min(left, 0.1))

    def wait_event(self, name, event, n=1, timeout=10.0):
        """Waits for n callbacks to `name` whose StatusCallbackEvent is `event`; returns their params dicts."""
        hits = self.wait(name, n, timeout, pred=lambda h: h.params.get("StatusCallbackEvent") == event,
                         what=event)
        return [h.params for h in hits]

    def events(self, name):
        """The StatusCallbackEvent values that arrived at `name`, in arrival order."""
        return [h.params.get("StatusCallbackEvent") for h in self.got(name)]

    def quiet(self, name=None, seconds=0.5):
        """Returns the requests to `name` once none has arrived for `seconds` (the outbox has drained)."""
        last = -1
        while True:
            hits = self.got(name)
            if len(hits) == last:
                return hits
            last = len(hits)
            time.sleep(seconds)

    def close(self):
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()


# ---- checks -----------------------------------------------------------------------------------------------

def check_signed(hit, signing_key, url=None):
    """Both signature headers verify with python3-twilio's RequestValidator and the project's signing key;
    the User-Agent names confab. url is the URL the test configured (compared to what was requested)."""
    if url is not None:
        assert hit.url.split("?")[0] == url.split("?")[0], f"requested {hit.url!r}, configured {url!r}"
    ua = hit.headers.get("User-Agent") or ""
    assert ua.startswith("confab/"), f"User-Agent {ua!r} does not start with 'confab/' ({hit})"
    validator = RequestValidator(signing_key)
    params = dict(hit.form) if hit.method == "POST" else {}
    for header in ("X-SignalWire-Signature", "X-Twilio-Signature"):
        sig = hit.headers.get(header)
        assert sig, f"{header} missing on {hit} (headers: {dict(hit.headers)})"
        assert validator.validate(hit.url, params, sig), (
            f"{header}={sig!r} does not verify for {hit.method} {hit.url} params={params} "
            f"(expected {validator.compute_signature(hit.url, params)!r})")


COMMON = {"AccountSid", "ApiVersion", "ConferenceSid", "FriendlyName", "SequenceNumber", "Timestamp",
          "StatusCallbackEvent"}
PARTICIPANT = {"CallSid", "Muted", "Hold", "Coaching", "EndConferenceOnExit", "StartConferenceOnEnter"}


def check_conference_event(p, project, conf_sid, name, event, call=None):
    """The parameters every conference status callback carries (§8.4), and the participant ones."""
    missing = COMMON - set(p)
    assert not missing, f"{event} lacks {sorted(missing)}: {p}"
    assert p["StatusCallbackEvent"] == event, p
    assert p["AccountSid"] == project.id, p
    assert p["ApiVersion"] == "2010-04-01", p
    assert p["ConferenceSid"] == conf_sid, p
    assert p["FriendlyName"] == name, p
    assert p["SequenceNumber"].isdigit(), f"SequenceNumber is not an integer: {p['SequenceNumber']!r}"
    ts = parse_rfc2822(p["Timestamp"])
    assert abs((dt.datetime.now(dt.timezone.utc) - ts).total_seconds()) < 120, p["Timestamp"]
    if call is not None:
        missing = PARTICIPANT - set(p)
        assert not missing, f"{event} lacks {sorted(missing)}: {p}"
        assert p["CallSid"] == call, p
        for k in ("Muted", "Hold", "Coaching", "EndConferenceOnExit", "StartConferenceOnEnter"):
            assert p[k] in ("true", "false"), f"{k}={p[k]!r} is not \"true\"/\"false\": {p}"
    return p


def seqs(params_list):
    return [int(p["SequenceNumber"]) for p in params_list]


def assert_in_order(hits):
    """Per conference, the SequenceNumbers arrive in order; a repeat is the same event again (a retry)."""
    last = {}
    for h in hits:
        p = h.params
        conf, seq = p.get("ConferenceSid"), int(p["SequenceNumber"])
        if conf in last:
            prev_seq, prev_hit = last[conf]
            assert seq >= prev_seq, f"conference {conf}: SequenceNumber {seq} arrived after {prev_seq}: {hits}"
            if seq == prev_seq:
                assert h.form == prev_hit.form and h.query == prev_hit.query, \
                    f"two different callbacks carry SequenceNumber {seq}: {prev_hit.params} / {p}"
        last[conf] = (seq, h)



# ---- fixtures and conference helpers ---------------------------------------------------------------------

@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def callback_conference(confab, receiver, n=2, cb="cb", events=None, method=None, project=None, first=None,
                        name=None):
    """A conference whose first participant subscribes `receiver`'s `cb` path (events: a space-separated
    string, a list for repeated keys, or None for the default); with n >= 2 it is in-progress on return.
    Returns (conference sid, friendly name, [participants])."""
    name = name or unique_name("wh")
    params = {"ConferenceStatusCallback": receiver.url(cb)}
    if events is not None:
        params["ConferenceStatusCallbackEvent"] = events
    if method is not None:
        params["ConferenceStatusCallbackMethod"] = method
    params.update(first or {})
    parts = [confab.create_participant(name, project=project, **params)]
    parts += [confab.create_participant(name, project=project) for _ in range(n - 1)]
    sid = parts[0]["conference_sid"]
    for p in parts:
        confab.wait_participant_status(sid, p["call_sid"], project=project)
    if n >= 2:
        confab.wait_conference_status(sid, "in-progress", project=project)
    return sid, name, parts


def events_path(confab, conf, project=None, prefix=None, json=True, event=None):
    kw = {} if prefix is None else {"prefix": prefix}
    base = confab.conf_path(conf, project, json=False, **kw) + "/Events"
    if event is not None:
        base += "/" + urllib.parse.quote(event, safe="")
    return base + (".json" if json else "")


def event_log(confab, conf, project=None, page_size=1000):
    """Every event of a conference from the Events API (following next_page_uri)."""
    items = []
    r = confab.get(events_path(confab, conf, project), project=project, params={"PageSize": page_size})
    while True:
        assert r.status_code == 200, f"list events: {describe(r)}"
        page = r.json()
        items += page["events"]
        if not page.get("next_page_uri"):
            return items
        r = confab.get(page["next_page_uri"], project=project)


def wait_log(confab, conf, pred, project=None, timeout=10.0, what="event log condition"):
    """Polls the Events API until pred(list of events) is truthy; returns the list."""
    deadline = time.monotonic() + timeout
    while True:
        items = event_log(confab, conf, project)
        if pred(items):
            return items
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; event log: "
                                 + "; ".join(f"{e['sequence_number']} {e['event']} {e['status']} "
                                             f"attempts={e['attempts']} err={e['last_error']}" for e in items))
        time.sleep(0.05)


def settled_log(confab, conf, project=None, timeout=10.0):
    """The event log once no subscribed event is pending any more (the receiver may see an event a moment
    before the server has recorded the answer)."""
    return wait_log(confab, conf, lambda items: all(e["status"] != "pending" for e in items), project, timeout,
                    what="no pending event")
