"""Concurrency (issue 7, Build 2): 16 client threads hammer one server for about ten seconds with every kind
of write and read that crosses threads inside it (HTTP workers, the store pool, the engine's event thread,
the webhook outbox worker and its fetches of announcements, the recording writer), then SIGTERM: the server
must exit 0 and its stderr must hold no sanitizer report.

Besides the API listener the server runs the separate metrics listener (`metrics_listen`), an HTTPS
listener (`tls_cert`, when `openssl` can make a throw-away certificate) whose certificate is reloaded with
SIGHUP twice a second during the run, and a rate limit high enough never to refuse (so that every request
goes through the limiter's buckets).

The server is this test's own, started from $CONFAB_TSAN_BIN when it is set (`make test-tsan` builds
build/tsan/confab and sets it, with TSAN_OPTIONS=halt_on_error=0 so that every race is reported), else from
$CONFAB_BIN (the ASan + UBSan build under `make test`). Its stderr is kept in the test's temp dir
(CONFAB_KEEP_TMP=1 keeps the dir even when the test passes).

What the threads do is random but seeded (CONFAB_CONCURRENCY_SEED, default 7; the seed is in the failure
message) over a few conference names per project, so that the same conferences are created, muted, kicked,
announced to, recorded and ended from several threads at once. Expected refusals of a racing request (404
for a participant another thread kicked, 400 for a conference another thread ended) are fine; a 5xx, a
connection error or a request that takes longer than the client time-out is not."""

import collections
import os
import random
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import pytest
import requests
import urllib3

from confab_helpers import LAML, SANITIZER_RE, describe, free_port, unique_name
from webhook_receiver import LOOPBACK_ALLOWED, Receiver, ServeProcess, cxml

THREADS = 16
DURATION = float(os.environ.get("CONFAB_CONCURRENCY_SECONDS", "10"))
NAMES_PER_PROJECT = 4
CLIENT_TIMEOUT = 30  # seconds; a sanitizer build under 16 threads is slow, but never this slow
EVENTS = "start end join leave mute hold modify speaker announcement"
OK = {200, 201, 204}
REFUSED = {400, 404}  # the resource changed under us: another thread ended, kicked or stopped it
REPORT_RE = re.compile(r"WARNING: ThreadSanitizer|" + SANITIZER_RE.pattern)


def server_binary():
    path = os.environ.get("CONFAB_TSAN_BIN") or os.environ.get("CONFAB_BIN") or "/work/main/build/asan/confab"
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(f"confab binary {path} does not exist; `make tsan` (CONFAB_TSAN_BIN) or `make asan` "
                    f"(CONFAB_BIN) builds one", pytrace=False)
    return path


class Hammer:
    """Shared state of the client threads: what exists (as far as the clients know) and what came back."""

    def __init__(self, server, projects, receiver, seed, metrics_base, tls_base):
        self.base = server.base
        self.metrics_base = metrics_base   # the separate metrics listener
        self.tls_base = tls_base           # the HTTPS listener, or None
        self.projects = projects
        self.receiver = receiver
        self.seed = seed
        self.names = {p.id: [unique_name(f"cc{i}") for i in range(NAMES_PER_PROJECT)] for p in projects}
        self.lock = threading.Lock()
        self.calls = collections.defaultdict(list)      # conference sid -> [call sid] created by us
        self.confs = collections.defaultdict(set)       # project id -> {conference sid}
        self.counts = collections.Counter()              # (op, status) -> n
        self.failures = []                               # unexpected answers, first few kept in full
        self.stop_at = 0.0

    # ---- bookkeeping ----
    def note(self, op, r, conf=None):
        with self.lock:
            self.counts[(op, r.status_code)] += 1
            if r.status_code not in OK | REFUSED and len(self.failures) < 20:
                self.failures.append(f"{op}: {describe(r)}")
            # A 400 on a conference or its participant is (nearly always) a conference another thread ended:
            # forget it, so that most requests meet live conferences and race each other there.
            if conf is not None and (r.status_code == 400 or (op == "end" and r.status_code == 200)):
                self.confs_done(conf)

    def confs_done(self, conf):
        for sids in self.confs.values():
            sids.discard(conf)

    def note_error(self, op, e):
        with self.lock:
            self.counts[(op, "error")] += 1
            if len(self.failures) < 20:
                self.failures.append(f"{op}: {type(e).__name__}: {e}")

    def pick_conf(self, rnd, project):
        with self.lock:
            sids = sorted(self.confs[project.id])
        return rnd.choice(sids) if sids else None

    def pick_call(self, rnd, project):
        with self.lock:
            sids = sorted(self.confs[project.id])
            if not sids:
                return None, None
            conf = rnd.choice(sids)
            calls = self.calls[conf]
            return conf, (rnd.choice(calls) if calls else None)

    # ---- paths ----
    def acct(self, project):
        return f"{self.base}{LAML}/Accounts/{project.id}"

    # ---- operations: each makes one or two requests and records the answers ----
    def op_create(self, s, rnd, project):
        name = rnd.choice(self.names[project.id])
        data = {"From": "+15550001111", "To": "+15550002222",
                "ConferenceStatusCallback": self.receiver.url("cb"),
                "ConferenceStatusCallbackEvent": EVENTS}
        if rnd.random() < 0.5:
            data["ConferenceRecord"] = "record-from-start"
        if rnd.random() < 0.2:
            data["Muted"] = "true"
        if rnd.random() < 0.1:
            data["EndConferenceOnExit"] = "true"
        r = s.post(f"{self.acct(project)}/Conferences/{name}/Participants.json", data=data,
                   auth=project.auth, timeout=CLIENT_TIMEOUT)
        self.note("create", r)
        if r.status_code == 201:
            body = r.json()
            with self.lock:
                self.confs[project.id].add(body["conference_sid"])
                self.calls[body["conference_sid"]].append(body["call_sid"])

    def op_mute(self, s, rnd, project):
        conf, call = self.pick_call(rnd, project)
        if call is None:
            return
        field = rnd.choice(["Muted", "Hold"])
        r = s.post(f"{self.acct(project)}/Conferences/{conf}/Participants/{call}.json",
                   data={field: rnd.choice(["true", "false"])}, auth=project.auth, timeout=CLIENT_TIMEOUT)
        self.note("mute", r, conf)

    def op_kick(self, s, rnd, project):
        conf, call = self.pick_call(rnd, project)
        if call is None:
            return
        r = s.delete(f"{self.acct(project)}/Conferences/{conf}/Participants/{call}.json", auth=project.auth,
                     timeout=CLIENT_TIMEOUT)
        self.note("kick", r, conf)

    def op_end(self, s, rnd, project):
        conf = self.pick_conf(rnd, project)
        if conf is None:
            return
        r = s.post(f"{self.acct(project)}/Conferences/{conf}.json", data={"Status": "completed"},
                   auth=project.auth, timeout=CLIENT_TIMEOUT)
        self.note("end", r, conf)

    def op_list(self, s, rnd, project):
        which = rnd.randrange(4)
        if which == 0:
            r = s.get(f"{self.acct(project)}/Conferences.json", params={"Status": "in-progress", "PageSize": 50},
                      auth=project.auth, timeout=CLIENT_TIMEOUT)
        elif which == 1:
            r = s.get(f"{self.acct(project)}/Conferences.json", params={"PageSize": 20}, auth=project.auth,
                      timeout=CLIENT_TIMEOUT)
        else:
            conf = self.pick_conf(rnd, project)
            if conf is None:
                return
            what = "Participants" if which == 2 else "Events"
            r = s.get(f"{self.acct(project)}/Conferences/{conf}/{what}.json", auth=project.auth,
                      timeout=CLIENT_TIMEOUT)
        self.note("list", r)

    def op_announce(self, s, rnd, project):
        conf, call = self.pick_call(rnd, project)
        if conf is None:
            return
        data = {"AnnounceUrl": self.receiver.url(rnd.choice(["announce.xml", "announce-slow.xml"])),
                "AnnounceMethod": rnd.choice(["GET", "POST"])}
        if call is not None and rnd.random() < 0.3:
            url = f"{self.acct(project)}/Conferences/{conf}/Participants/{call}.json"
        else:
            url = f"{self.acct(project)}/Conferences/{conf}.json"
        r = s.post(url, data=data, auth=project.auth, timeout=CLIENT_TIMEOUT)
        self.note("announce", r, conf)

    def op_recording(self, s, rnd, project):
        conf = self.pick_conf(rnd, project)
        if conf is None:
            return
        r = s.get(f"{self.acct(project)}/Conferences/{conf}/Recordings.json", auth=project.auth,
                  timeout=CLIENT_TIMEOUT)
        self.note("recordings", r)
        if r.status_code != 200 or not r.json()["recordings"]:
            return
        rec = rnd.choice(r.json()["recordings"])["sid"]
        data = rnd.choice([{"Status": "paused"}, {"Status": "paused", "PauseBehavior": "skip"},
                           {"Status": "in-progress"}, {"Status": "stopped"}])
        r = s.post(f"{self.acct(project)}/Conferences/{conf}/Recordings/{rec}.json", data=data,
                   auth=project.auth, timeout=CLIENT_TIMEOUT)
        self.note("recording-update", r)

    def op_scrape(self, s, rnd, project):
        base = rnd.choice([self.base, self.metrics_base])   # /health is on both listeners
        path = "/metrics" if base == self.metrics_base and rnd.random() < 0.7 else "/health"
        r = s.get(base + path, timeout=CLIENT_TIMEOUT)
        self.note("scrape", r)

    def op_tls(self, s, rnd, project):
        """A fresh TLS connection each time (a handshake reads the certificate SIGHUP swaps)."""
        if self.tls_base is None:
            return
        if rnd.random() < 0.5:
            r = requests.get(self.tls_base + "/health", verify=False, timeout=CLIENT_TIMEOUT)
        else:
            r = requests.get(f"{self.tls_base}{LAML}/Accounts/{project.id}/Conferences.json",
                             params={"PageSize": 5}, auth=project.auth, verify=False, timeout=CLIENT_TIMEOUT)
        self.note("tls", r)

    # Creates dominate so that there is always something to mute, kick and end.
    OPS = [(op_create, 30), (op_mute, 14), (op_kick, 10), (op_end, 6), (op_list, 14), (op_announce, 8),
           (op_recording, 12), (op_scrape, 6), (op_tls, 4)]

    def run(self, index):
        rnd = random.Random(self.seed * 1000 + index)
        ops, weights = zip(*self.OPS)
        with requests.Session() as s:
            while time.monotonic() < self.stop_at:
                op = rnd.choices(ops, weights)[0]
                project = rnd.choice(self.projects)
                try:
                    op(self, s, rnd, project)
                except requests.RequestException as e:
                    self.note_error(op.__name__[3:], e)


def make_certificate(tmp):
    """A throw-away self-signed certificate for 127.0.0.1, or None without openssl."""
    cert, key = os.path.join(tmp, "tls.crt"), os.path.join(tmp, "tls.key")
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                        "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert],
                       check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return cert, key


def sighup_every(server, seconds, stop):
    """Reloads the certificate over and over while the clients run."""
    while not stop.wait(seconds):
        if server.proc is not None and server.proc.poll() is None:
            server.proc.send_signal(signal.SIGHUP)


@pytest.mark.slow
def test_sixteen_threads_of_mixed_writes_leave_no_sanitizer_report(monkeypatch):
    # Every race, not only the first, when the caller has not chosen TSAN_OPTIONS (child_env passes it on).
    if "TSAN_OPTIONS" not in os.environ:
        monkeypatch.setenv("TSAN_OPTIONS", "halt_on_error=0 second_deadlock_stack=1")
    binary = server_binary()
    seed = int(os.environ.get("CONFAB_CONCURRENCY_SEED", "7"))
    tmp = tempfile.mkdtemp(prefix="confab-cc-")
    receiver = Receiver()
    # A short announcement: two verbs the simulated engine plays for real (a second of pause, a <Say>).
    receiver.set("announce.xml", body=cxml('<Say>concurrency</Say><Pause length="1"/>'),
                 content_type="application/xml")
    receiver.set("announce-slow.xml", delay=0.3, body=cxml('<Pause length="1"/>'), content_type="application/xml")
    metrics_port = free_port()
    extra = [*LOOPBACK_ALLOWED, "--metrics-listen", f"127.0.0.1:{metrics_port}",
             "--rate-limit", "1000000", "--rate-burst", "1000000"]
    certificate = make_certificate(tmp)
    tls_base = None
    if certificate:
        tls_port = free_port()
        extra += ["--tls-listen", f"127.0.0.1:{tls_port}", "--tls-cert", certificate[0],
                  "--tls-key", certificate[1]]
        tls_base = f"https://127.0.0.1:{tls_port}"
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    server = ServeProcess(binary, tmp, os.path.join(tmp, "confab.db"), label="concurrency", extra_args=extra)
    stop_hup = threading.Event()
    passed = False
    try:
        projects = [server.create_project("cc-a"), server.create_project("cc-b")]
        server.start(timeout=60)
        hammer = Hammer(server, projects, receiver, seed, f"http://127.0.0.1:{metrics_port}", tls_base)
        hammer.stop_at = time.monotonic() + DURATION
        threads = [threading.Thread(target=hammer.run, args=(i,), name=f"hammer-{i}") for i in range(THREADS)]
        hup = threading.Thread(target=sighup_every, args=(server, 0.5, stop_hup), name="sighup", daemon=True)
        for t in threads:
            t.start()
        if tls_base:
            hup.start()
        for t in threads:
            t.join(DURATION + 4 * CLIENT_TIMEOUT)
        stop_hup.set()
        if tls_base:
            hup.join()
        assert not any(t.is_alive() for t in threads), "a client thread is stuck on a request"
        # SIGTERM at once: callbacks are still being delivered and announcements fetched and played, so the
        # shutdown runs while every thread of the server is busy (the drain is part of what is tested).
        rc = server.stop(timeout=60)
        reports = [ln.rstrip() for ln in server.stderr_tail(100000).splitlines() if REPORT_RE.search(ln)]
        summary = ", ".join(f"{op} {st}: {n}" for (op, st), n in sorted(hammer.counts.items(), key=str))
        print(f"\nconcurrency ({binary}, seed {seed}): {summary}; callbacks {len(receiver.got('cb'))}, "
              f"announcement fetches {len(receiver.got('announce.xml')) + len(receiver.got('announce-slow.xml'))}")
        assert rc == 0 and not reports, (
            f"confab serve ({binary}) exited {rc} on SIGTERM (want 0) with {len(reports)} sanitizer report "
            f"line(s): {reports[:20]}\nfull stderr: {server.stderr_path}\nrequests (seed {seed}): {summary}\n"
            f"--- stderr tail ---\n{server.stderr_tail(200)}")
        assert not hammer.failures, f"unexpected answers (seed {seed}):\n" + "\n".join(hammer.failures)
        created = hammer.counts[("create", 201)]
        assert created >= 20, f"only {created} participants were created in {DURATION}s: {summary}"
        for op in ("mute", "kick", "end", "list", "announce", "recordings", "scrape") + (("tls",) if tls_base else ()):
            assert any(o == op and st in OK for (o, st) in hammer.counts), \
                f"no {op} request succeeded (seed {seed}): {summary}"
        assert receiver.got("cb"), "no conference status callback arrived"
        assert receiver.got("announce.xml") or receiver.got("announce-slow.xml"), "no announcement was fetched"
        passed = True
    finally:
        stop_hup.set()
        receiver.close()
        if server.proc is not None and server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()
        if passed and not os.environ.get("CONFAB_KEEP_TMP"):
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"\nconcurrency test temp dir kept: {tmp}")
