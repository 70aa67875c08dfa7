"""Issue 7, Build 5 (operator's view): `GET /metrics` in the Prometheus text format (version 0.0.4) —
requests by route and status, a latency histogram, live conferences and participants, outbox depth and
delivery failures, store errors, rate-limited requests — and `GET /health` (liveness and store readiness),
both outside the API's auth, and both on a separate address with `--metrics-listen` (where /metrics leaves
the API listener).

The module starts its own server (so the counters move only by what these tests do) with a receiver on
loopback allowed."""

import math
import os
import re
import threading

import pytest
import requests

from confab_helpers import Confab, describe, free_port, unique_name, wait_for
from webhook_receiver import LOOPBACK_ALLOWED, Receiver, ServeProcess, callback_conference

NAME_RE = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
SAMPLE_RE = re.compile(rf"^({NAME_RE})(?:\{{(.*)\}})?[ \t]+(\S+)(?:[ \t]+(-?\d+))?$")
LABEL_RE = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)')
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


# ---- the text format -------------------------------------------------------------------------------------

class Metrics:
    """A parsed exposition: samples as {(name, frozenset(labels.items())): value}, plus TYPE and HELP."""

    def __init__(self, text):
        self.text = text
        self.samples = {}
        self.types = {}
        self.helps = {}
        for n, line in enumerate(text.split("\n"), 1):
            if line == "" and n == len(text.split("\n")):
                continue
            assert line.strip(), f"line {n}: empty line in the exposition"
            if line.startswith("#"):
                parts = line.split(None, 3)
                if len(parts) >= 3 and parts[1] == "TYPE":
                    assert len(parts) == 4 and parts[3] in TYPES, f"line {n}: bad TYPE line {line!r}"
                    assert parts[2] not in self.types, f"line {n}: second TYPE for {parts[2]}"
                    assert not any(self._family(s[0]) == parts[2] for s in self.samples), (
                        f"line {n}: TYPE for {parts[2]} after its samples")
                    self.types[parts[2]] = parts[3]
                elif len(parts) >= 3 and parts[1] == "HELP":
                    self.helps[parts[2]] = parts[3] if len(parts) > 3 else ""
                continue
            m = SAMPLE_RE.match(line)
            assert m, f"line {n}: not a sample 'name{{labels}} value': {line!r}"
            name, labels_s, value_s = m.group(1), m.group(2), m.group(3)
            labels = {}
            if labels_s:
                pos = 0
                while pos < len(labels_s):
                    lm = LABEL_RE.match(labels_s, pos)
                    assert lm, f"line {n}: bad labels {labels_s!r}"
                    assert lm.group(1) not in labels, f"line {n}: label {lm.group(1)} twice"
                    labels[lm.group(1)] = lm.group(2).replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
                    pos = lm.end()
            try:
                value = float(value_s)
            except ValueError:
                raise AssertionError(f"line {n}: value {value_s!r} is not a number") from None
            key = (name, frozenset(labels.items()))
            assert key not in self.samples, f"line {n}: sample {line!r} appears twice"
            self.samples[key] = value

    def _family(self, name):
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and self.types.get(name[: -len(suffix)]) == "histogram":
                return name[: -len(suffix)]
        return name

    def series(self, name):
        """[(labels dict, value)] of one sample name."""
        return [(dict(k[1]), v) for k, v in self.samples.items() if k[0] == name]

    def value(self, name, default=None, **labels):
        want = frozenset(labels.items())
        for (n, ls), v in self.samples.items():
            if n == name and ls == want:
                return v
        if default is not None:
            return default
        raise AssertionError(f"no sample {name}{labels or ''} in:\n{self.text}")

    def requests_by(self, route, status_class):
        """confab_http_requests_total for a route, summed over the status labels of that class ('2')."""
        return sum(v for ls, v in self.series("confab_http_requests_total")
                   if ls.get("route") == route and str(ls.get("status", "")).startswith(status_class))


def scrape(base):
    r = requests.get(base + "/metrics", timeout=10)
    assert r.status_code == 200, describe(r)
    ctype = r.headers.get("Content-Type", "")
    assert ctype.split(";")[0].strip() == "text/plain" and "version=0.0.4" in ctype.replace(" ", ""), (
        f"Content-Type {ctype!r} (want text/plain; version=0.0.4)")
    return Metrics(r.text)


# ---- the server --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def ops(confab_bin, tmp_root):
    workdir = os.path.join(tmp_root, unique_name("metrics"))
    os.makedirs(workdir)
    proc = ServeProcess(confab_bin, workdir, os.path.join(workdir, "confab.db"), label="metrics",
                        extra_args=LOOPBACK_ALLOWED)
    a = proc.create_project("metrics-a")
    b = proc.create_project("metrics-b")
    proc.start()
    api = Confab(proc, a, b, [])
    yield api
    api.session.close()
    rc = proc.stop()
    assert rc == 0 and not proc.sanitizer_lines(), f"exit {rc}\n{proc.stderr_tail(60)}"


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


# ---- tests ------------------------------------------------------------------------------------------------

def test_metrics_is_prometheus_text_without_auth(ops):
    ops.new_conference(participants=1)                      # some traffic first
    m = scrape(ops.base)
    for name, kind in (("confab_http_requests_total", "counter"),
                       ("confab_http_request_duration_seconds", "histogram"),
                       ("confab_live_conferences", "gauge"), ("confab_live_participants", "gauge"),
                       ("confab_outbox_pending", "gauge"), ("confab_outbox_failed", "gauge"),
                       ("confab_webhook_deliveries_total", "counter"), ("confab_store_errors_total", "counter"),
                       ("confab_rate_limited_total", "counter"), ("confab_checkpoints_total", "counter"),
                       ("confab_checkpoint_locked_passes_total", "counter"),
                       ("confab_checkpoint_pauses_total", "counter")):
        assert m.types.get(name) == kind, f"# TYPE {name} {kind} missing (types: {m.types})"
    reqs = m.series("confab_http_requests_total")
    assert reqs and all(set(ls) >= {"route", "status"} for ls, _ in reqs), reqs
    for name in ("confab_live_conferences", "confab_live_participants", "confab_outbox_pending",
                 "confab_outbox_failed", "confab_store_errors_total", "confab_rate_limited_total",
                 "confab_checkpoints_total", "confab_checkpoint_locked_passes_total",
                 "confab_checkpoint_pauses_total"):
        v = m.value(name)
        assert v >= 0 and v == int(v), f"{name} = {v}"
    outcomes = {ls.get("outcome") for ls, _ in m.series("confab_webhook_deliveries_total")}
    assert outcomes and None not in outcomes, f"confab_webhook_deliveries_total needs an outcome label: {outcomes}"
    assert m.value("confab_store_errors_total") == 0, "no store error happened"
    assert m.value("confab_checkpoint_locked_passes_total") <= m.value("confab_checkpoints_total")
    # Counters and histograms: every sample of a counter family ends in _total or is a histogram part.
    for (name, _), v in m.samples.items():
        assert not math.isnan(v), name
    # Outside the API's auth: credentials of nobody change nothing.
    r = requests.get(ops.base + "/metrics", auth=("nobody", "nothing"), timeout=10)
    assert r.status_code == 200, describe(r)


def test_latency_histogram_is_consistent(ops):
    sid, _, _ = ops.new_conference(participants=1)
    for _ in range(3):
        ops.fetch_conference(sid)
    m = scrape(ops.base)
    routes = {ls["route"] for ls, _ in m.series("confab_http_request_duration_seconds_count")}
    assert routes, "no histogram series"
    for route in routes:
        buckets = [(ls["le"], v) for ls, v in m.series("confab_http_request_duration_seconds_bucket")
                   if ls.get("route") == route]
        assert buckets, f"route {route}: no _bucket samples"
        les = sorted(buckets, key=lambda x: math.inf if x[0] == "+Inf" else float(x[0]))
        assert les[-1][0] == "+Inf", f"route {route}: no le=\"+Inf\" bucket: {buckets}"
        counts = [v for _, v in les]
        assert counts == sorted(counts), f"route {route}: buckets are not cumulative: {les}"
        count = m.value("confab_http_request_duration_seconds_count", route=route)
        total = m.value("confab_http_request_duration_seconds_sum", route=route)
        assert les[-1][1] == count, f"route {route}: +Inf bucket {les[-1][1]} != _count {count}"
        assert total >= 0, f"route {route}: _sum {total}"
        assert count == m.requests_by(route, ""), (
            f"route {route}: histogram counted {count} requests, confab_http_requests_total "
            f"{m.requests_by(route, '')}")


def test_request_counters_move(ops):
    sid, _, _ = ops.new_conference(participants=1)
    before = scrape(ops.base)
    for _ in range(3):
        ops.fetch_conference(sid)
    r = ops.get(ops.conf_path("00000000-0000-4000-8000-000000000000"))
    assert r.status_code == 404, describe(r)
    after = scrape(ops.base)
    routes = {ls["route"] for ls, _ in after.series("confab_http_requests_total")}
    grew = {rt: after.requests_by(rt, "2") - before.requests_by(rt, "2") for rt in routes}
    conf_routes = [rt for rt, d in grew.items() if d == 3]
    assert len(conf_routes) == 1 and "conference" in conf_routes[0], (
        f"3 conference fetches: the 2xx counters grew by {grew} (want one conference route grown by 3)")
    rt = conf_routes[0]
    assert after.requests_by(rt, "4") - before.requests_by(rt, "4") == 1, (
        f"one 404 fetch: route {rt} 4xx went {before.requests_by(rt, '4')} -> {after.requests_by(rt, '4')}")
    c0 = before.value("confab_http_request_duration_seconds_count", 0, route=rt)
    c1 = after.value("confab_http_request_duration_seconds_count", route=rt)
    assert c1 - c0 == 4, f"route {rt}: the histogram counted {c1 - c0} of 4 requests"


def test_live_gauges_move(ops):
    before = scrape(ops.base)
    sid, _, parts = ops.new_conference(participants=2)
    mid = scrape(ops.base)
    assert mid.value("confab_live_participants") >= 2
    assert mid.value("confab_live_participants") - before.value("confab_live_participants") == 2, (
        before.value("confab_live_participants"), mid.value("confab_live_participants"))
    assert mid.value("confab_live_conferences") - before.value("confab_live_conferences") == 1, (
        before.value("confab_live_conferences"), mid.value("confab_live_conferences"))
    ops.end_conference(sid)
    after = wait_for(lambda: (lambda m: m.value("confab_live_participants") ==
                              before.value("confab_live_participants") and m)(scrape(ops.base)),
                     what="live participants back after the end")
    assert after.value("confab_live_conferences") == before.value("confab_live_conferences")


def test_outbox_gauges_and_delivery_counters_move(ops, receiver):
    receiver.set("fail", status=500)
    before = scrape(ops.base)
    # One conference whose callbacks succeed, one whose callbacks fail (and stay pending, retried).
    callback_conference(ops, receiver, n=1, cb="ok", events="join")
    receiver.wait_event("ok", "participant-join")
    callback_conference(ops, receiver, n=1, cb="fail", events="join")
    receiver.wait_event("fail", "participant-join")

    def moved():
        m = scrape(ops.base)
        d = lambda o: (m.value("confab_webhook_deliveries_total", 0, outcome=o)  # noqa: E731
                       - before.value("confab_webhook_deliveries_total", 0, outcome=o))
        ok = d("delivered") >= 1 and d("failed_attempt") >= 1 and m.value("confab_outbox_pending") >= 1
        return ok and m

    try:
        wait_for(moved, timeout=5, what="delivery counters and outbox depth")
    except AssertionError:
        m = scrape(ops.base)
        raise AssertionError("after one delivered and one failed callback: "
                             + "; ".join(f"{ls} {v}" for ls, v in m.series("confab_webhook_deliveries_total"))
                             + f"; outbox_pending {m.value('confab_outbox_pending')} "
                             f"(before: {before.series('confab_webhook_deliveries_total')})") from None


def test_health(ops):
    r = requests.get(ops.base + "/health", timeout=10)
    assert r.status_code == 200, describe(r)
    body = r.json()
    assert isinstance(body, dict) and body.get("status") == "ok", body
    r = requests.get(ops.base + "/health", auth=("nobody", "nothing"), timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "ok", describe(r)


def test_health_and_metrics_on_the_session_server(confab):
    r = requests.get(confab.base + "/health", timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "ok", describe(r)
    scrape(confab.base)


@pytest.mark.slow
def test_metrics_listen_moves_metrics_off_the_api_listener(confab_bin, tmp_root):
    workdir = os.path.join(tmp_root, unique_name("mlisten"))
    os.makedirs(workdir)
    last = None
    for _ in range(3):
        mport = free_port()
        proc = ServeProcess(confab_bin, workdir, os.path.join(workdir, "confab.db"), label="mlisten",
                            extra_args=("--metrics-listen", f"127.0.0.1:{mport}"))
        if not os.path.exists(os.path.join(workdir, "confab.db")):
            project = proc.create_project("mlisten")
        try:
            proc.start()
            break
        except AssertionError as e:   # the picked port was taken
            last = e
    else:
        raise last
    try:
        mbase = f"http://127.0.0.1:{mport}"
        api = Confab(proc, project, project, [])
        for _ in range(2):
            api.list_conferences()
        m = scrape(mbase)
        assert m.requests_by("conferences", "2") >= 2 or any(
            "conference" in ls["route"] and v >= 2 for ls, v in m.series("confab_http_requests_total")), (
            f"the metrics listener does not count the API listener's requests:\n{m.text}")
        r = requests.get(mbase + "/health", timeout=10)
        assert r.status_code == 200 and r.json()["status"] == "ok", describe(r)
        r = requests.get(proc.base + "/metrics", timeout=10)
        assert r.status_code == 404, f"/metrics on the API listener with --metrics-listen: {describe(r)}"
        r = requests.get(mbase + api.confs_path(), auth=project.auth, timeout=10)
        assert r.status_code == 404, f"the metrics listener serves the API: {describe(r)}"
        r = api.get(api.confs_path())
        assert r.status_code == 200, describe(r)
    finally:
        rc = proc.stop()
    assert rc == 0 and not proc.sanitizer_lines(), proc.stderr_tail()


def test_a_request_that_undoes_writes_redoes_its_batch_and_changes_nothing(ops):
    """The writer runs a batch without a savepoint per request first; a request that must undo what it
    wrote (a participant create that made its conference, then found CallSidToCoach unknown) has the batch
    run again with savepoints. Its 400 changes nothing, the requests beside it keep what they wrote, and
    confab_write_batches_redone_total counts the batch."""
    sid, _, parts = ops.new_conference(participants=3)
    calls = [p["call_sid"] for p in parts]
    missing = "CA00000000000000000000000000000000"

    def failing_create():
        name = unique_name("undone")
        r = requests.post(ops.base + ops.parts_path(name), auth=ops.a.auth, timeout=15,
                          data={"From": "+15550001111", "To": "+15550002222", "CallSidToCoach": missing})
        assert r.status_code == 400 and r.json().get("code") == 16002, describe(r)
        return name

    before = scrape(ops.base)
    name = failing_create()                                     # alone: its batch is redone once
    mid = scrape(ops.base)
    assert (mid.value("confab_write_batches_redone_total") -
            before.value("confab_write_batches_redone_total")) == 1, mid.text
    assert ops.list_conferences(FriendlyName=name)["conferences"] == [], "the undone conference exists"

    # After a redo the writer runs its next 16 batches (REDO_SAFE in cf_writer.c) with savepoints
    # from the start, and a failing request in one of those is not redone: spend them on writes of
    # their own (one at a time, so each is a batch), so that the concurrent phase below runs
    # optimistically again.
    for i in range(17):
        r = requests.post(ops.base + ops.part_path(sid, calls[0]), auth=ops.a.auth,
                          data={"Muted": "true" if i % 2 else "false"}, timeout=15)
        assert r.status_code == 200, describe(r)

    # ... and among concurrent updates, which all land
    results, names = [], []

    def mute(call, value):
        r = requests.post(ops.base + ops.part_path(sid, call), auth=ops.a.auth, data={"Muted": value},
                          timeout=15)
        results.append((call, value, r.status_code))

    threads = []
    for i in range(30):
        call = calls[i % 3]
        threads.append(threading.Thread(target=mute, args=(call, "true" if i < 27 else "false")))
        if i % 10 == 5:
            threads.append(threading.Thread(target=lambda: names.append(failing_create())))
    for t in threads[:-3]:
        t.start()
    for t in threads[:-3]:
        t.join()
    for t in threads[-3:]:                                      # the last update of each participant
        t.start()
        t.join()
    assert all(code == 200 for _, _, code in results), results
    assert len(names) == 3
    for name in names:
        assert ops.list_conferences(FriendlyName=name)["conferences"] == [], name
    for call in calls:
        got = ops.get_participant(sid, call).json()
        assert got["muted"] is False, got
    after = scrape(ops.base)
    assert after.value("confab_write_batches_redone_total") >= mid.value("confab_write_batches_redone_total") + 1
