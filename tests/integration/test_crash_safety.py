"""Issue 7, Build 3 (crash safety): concurrent writers (participant creates, mute toggles, conference ends)
run against a server that is killed with SIGKILL at random moments and restarted on the same database,
several times. At the end every change acknowledged with a 2xx is there, no outbox event is lost (the
Events API shows every conference's sequence numbers 0..n-1 and every acknowledged mute toggle has its
participant-mute/unmute event) and `PRAGMA integrity_check` says "ok". It runs in both durability modes
(`normal`, the default, and `full`, which syncs the WAL before acknowledging).

The status callback receiver answers 500 to everything, so the outbox events stay pending (nothing is ever
marked delivered and nothing can disappear by being "done").

What a writer knows: a request answered 2xx is acknowledged (the change must survive); a request that got
no answer (the server died under it) has an unknown outcome (it may or may not have been applied); any other
answer is recorded and fails the test (nothing in this workload is legitimately refused)."""

import os
import random
import signal
import sqlite3
import threading
import time

import pytest
import requests

from confab_helpers import DEFAULT_FROM, DEFAULT_TO, LAML, Confab, describe, unique_name
from webhook_receiver import LOOPBACK_ALLOWED, Receiver, ServeProcess, event_log

WRITERS = 4
ROUNDS = 4                    # SIGKILLs
RUN_BETWEEN = (1.0, 2.5)      # seconds of writing before each kill (random)
FINAL_RUN = 1.5               # seconds of writing after the last restart
EVENTS = "start end join leave mute"
SUBSCRIBED = {"conference-start", "conference-end", "participant-join", "participant-leave",
              "participant-mute", "participant-unmute"}


class Unknown(Exception):
    """The request got no answer: its outcome is unknown."""


class World:
    """What the main thread shares with the writers: where the server is, whether it is up."""

    def __init__(self, project, receiver):
        self.project = project
        self.receiver = receiver
        self.base = None
        self.up = threading.Event()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.bad = []          # answers that are neither 2xx nor "no answer" (and timeouts)

    def acct(self):
        return f"{self.base}{LAML}/Accounts/{self.project.id}"


class Writer(threading.Thread):
    def __init__(self, world, idx, seed):
        super().__init__(daemon=True, name=f"writer-{idx}")
        self.w = world
        self.idx = idx
        self.rnd = random.Random(seed)
        self.session = requests.Session()
        self.session.auth = world.project.auth
        self.n_names = 0
        self.live = []         # conferences this writer may still act on (dicts, see new_conf)
        self.confs = []        # every conference this writer touched
        self.parts = []        # every acknowledged participant (dicts, see create)
        self.error = None
        self.counts = {"create": 0, "mute": 0, "end": 0, "unknown": 0}

    # ---- plumbing ----
    def request(self, method, path, data=None):
        self.w.up.wait()
        base = self.w.base
        try:
            r = self.session.request(method, base + path, data=data, timeout=10)
        except requests.Timeout as e:
            with self.w.lock:
                self.w.bad.append(f"{method} {path} {data}: no answer within 10 s ({e})")
            raise Unknown() from e
        except requests.ConnectionError as e:
            # The server died under the request (a kill); wait until it is back.
            self.session.close()
            self.counts["unknown"] += 1
            raise Unknown() from e
        if not (200 <= r.status_code < 300):
            with self.w.lock:
                self.w.bad.append(describe(r))
        return r

    def new_conf(self):
        self.n_names += 1
        c = {"name": f"crash-w{self.idx}-{self.n_names}-{unique_name('c')}", "sid": None, "ended": None,
             "ops": 0}
        self.live.append(c)
        self.confs.append(c)
        return c

    # ---- operations ----
    def create(self):
        if len(self.live) < 2 or self.rnd.random() < 0.2:
            conf = self.new_conf()
        else:
            conf = self.rnd.choice(self.live)
        data = {"From": DEFAULT_FROM, "To": DEFAULT_TO, "ConferenceStatusCallback": self.w.receiver.url("cb"),
                "ConferenceStatusCallbackEvent": EVENTS}
        path = f"{LAML}/Accounts/{self.w.project.id}/Conferences/{conf['name']}/Participants.json"
        try:
            r = self.request("POST", path, data)
        except Unknown:
            conf["ops"] += 1
            return
        conf["ops"] += 1
        if r.status_code != 201:
            return
        body = r.json()
        if conf["sid"] is None:
            conf["sid"] = body["conference_sid"]
        elif conf["sid"] != body["conference_sid"]:
            with self.w.lock:
                self.w.bad.append(f"participant of {conf['name']} landed in conference {body['conference_sid']}, "
                                  f"an earlier one went to {conf['sid']}: {describe(r)}")
        self.parts.append({"call": body["call_sid"], "conf": conf, "muted": bool(body["muted"]),
                           "certain": True, "maybe": set(), "acked": [], "last_unknown": False})
        self.counts["create"] += 1

    def mute(self):
        cands = [p for p in self.parts if p["conf"] in self.live]
        if not cands:
            return self.create()
        p = self.rnd.choice(cands)
        path = f"{LAML}/Accounts/{self.w.project.id}/Conferences/{p['conf']['sid']}/Participants/{p['call']}.json"
        if not p["certain"]:
            # An earlier toggle got no answer: learn what the server has before toggling again.
            try:
                r = self.request("GET", path)
            except Unknown:
                return
            if r.status_code != 200:
                return
            seen = bool(r.json()["muted"])
            if seen not in p["maybe"] | {p["muted"]}:
                with self.w.lock:
                    self.w.bad.append(f"participant {p['call']} shows muted={seen}, but only {p['muted']} "
                                      f"(acknowledged) or {p['maybe']} (unanswered) were ever asked")
            p["muted"], p["certain"], p["maybe"], p["last_unknown"] = seen, True, set(), False
        want = not p["muted"]
        try:
            r = self.request("POST", path, {"Muted": "true" if want else "false"})
        except Unknown:
            p["certain"] = False
            p["maybe"].add(want)
            p["last_unknown"] = True
            return
        if r.status_code != 200:
            return
        if bool(r.json()["muted"]) != want:
            with self.w.lock:
                self.w.bad.append(f"asked Muted={want}, the 200 says muted={r.json()['muted']}: {describe(r)}")
        p["muted"] = want
        p["acked"].append(want)
        p["last_unknown"] = False
        self.counts["mute"] += 1

    def end(self):
        cands = [c for c in self.live if c["sid"] and c["ops"] >= 3]
        if not cands:
            return self.create()
        conf = self.rnd.choice(cands)
        self.live.remove(conf)  # never used again, whatever the answer
        path = f"{LAML}/Accounts/{self.w.project.id}/Conferences/{conf['sid']}.json"
        try:
            r = self.request("POST", path, {"Status": "completed"})
        except Unknown:
            conf["ended"] = "unknown"
            return
        if r.status_code == 200:
            conf["ended"] = "acked"
            self.counts["end"] += 1
            if r.json().get("status") != "completed":
                with self.w.lock:
                    self.w.bad.append(f"end answered 200 without status completed: {describe(r)}")
        else:
            conf["ended"] = "refused"

    def run(self):
        try:
            while not self.w.stop.is_set():
                x = self.rnd.random()
                if x < 0.35:
                    self.create()
                elif x < 0.9:
                    self.mute()
                else:
                    self.end()
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            self.error = e
        finally:
            self.session.close()


def integrity(db_path):
    conn = sqlite3.connect(db_path, timeout=15)
    try:
        return [row[0] for row in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()


@pytest.mark.slow
@pytest.mark.parametrize("durability", ["normal", "full"])
def test_sigkill_under_concurrent_writes_loses_no_acknowledged_change(confab_bin, tmp_root, durability):
    seed = int(os.environ.get("CONFAB_CRASH_SEED", str(random.randrange(1 << 30))))
    rnd = random.Random(seed)
    workdir = os.path.join(tmp_root, unique_name("crash"))
    os.makedirs(workdir)
    db = os.path.join(workdir, "confab.db")
    # --log-level notice (the last one given wins) for the start line that names the mode
    proc = ServeProcess(confab_bin, workdir, db, label="crash",
                        extra_args=[*LOOPBACK_ALLOWED, "--durability", durability, "--log-level", "notice"])
    project = proc.create_project("crash")
    receiver = Receiver()
    receiver.set("cb", status=500)
    world = World(project, receiver)
    writers = [Writer(world, i, rnd.randrange(1 << 30)) for i in range(WRITERS)]
    kills = []
    try:
        proc.start()
        with open(proc.stderr_path, encoding="utf-8", errors="replace") as f:
            assert f"durability={durability}" in f.read(), proc.stderr_tail()
        world.base = proc.base
        world.up.set()
        for w in writers:
            w.start()
        for rnd_no in range(ROUNDS):
            time.sleep(rnd.uniform(*RUN_BETWEEN))
            world.up.clear()                    # writers that finish a request now wait for the restart
            rc = proc.kill()
            assert rc == -signal.SIGKILL, f"round {rnd_no}: server exited {rc} before the kill\n{proc.stderr_tail()}"
            kills.append(sum(sum(w.counts.values()) for w in writers))
            check = integrity(db)
            assert check == ["ok"], f"round {rnd_no} (seed {seed}): integrity_check after SIGKILL: {check}"
            proc.start()
            world.base = proc.base
            world.up.set()
        time.sleep(FINAL_RUN)
        world.stop.set()
        world.up.set()
        for w in writers:
            w.join(timeout=30)
            assert not w.is_alive(), f"{w.name} did not stop"
            assert w.error is None, f"{w.name} crashed: {w.error!r}"

        totals = {k: sum(w.counts[k] for w in writers) for k in writers[0].counts}
        print(f"crash safety: seed {seed}, operations done before each kill {kills}, totals {totals}")
        assert totals["create"] >= 10 and totals["mute"] >= 10 and totals["end"] >= 1, (
            f"the workload did too little to mean anything (seed {seed}): {totals}")
        assert not world.bad, (f"seed {seed}: {len(world.bad)} answer(s) that are neither 2xx nor a dropped "
                               f"connection:\n" + "\n".join(world.bad[:20]))

        api = Confab(proc, project, project, [])
        problems = []
        confs = [c for w in writers for c in w.confs]
        parts = [p for w in writers for p in w.parts]

        # Every acknowledged participant exists (its call, even after it left).
        for p in parts:
            r = api.get(api.call_path(p["call"], project), project=project)
            if r.status_code != 200 or r.json().get("sid") != p["call"]:
                problems.append(f"acknowledged participant {p['call']} (conference {p['conf']['sid']}): "
                                f"{describe(r)}")

        # Ended conferences are completed; the conferences of acknowledged participants exist.
        for c in confs:
            if not c["sid"]:
                continue
            r = api.get(api.conf_path(c["sid"], project), project=project)
            if r.status_code != 200:
                problems.append(f"conference {c['sid']} ({c['name']}) had an acknowledged participant: "
                                f"{describe(r)}")
                continue
            if c["ended"] == "acked" and r.json()["status"] != "completed":
                problems.append(f"conference {c['sid']} ended with a 200 shows status {r.json()['status']!r}")

        # The last acknowledged Muted value of a live participant holds.
        for p in parts:
            if p["conf"]["ended"] is not None:
                continue
            r = api.get(api.part_path(p["conf"]["sid"], p["call"], project), project=project)
            if r.status_code != 200:
                problems.append(f"live participant {p['call']} (conference never ended): {describe(r)}")
                continue
            muted = r.json()["muted"]
            allowed = {p["muted"]} | (p["maybe"] if not p["certain"] else set())
            if muted not in allowed:
                problems.append(f"participant {p['call']}: muted={muted}, expected "
                                f"{p['muted']} (last acknowledged; toggles acknowledged: {p['acked']}, "
                                f"unanswered since: {sorted(p['maybe'])})")

        # No outbox event is lost.
        logs = {}
        for c in confs:
            if not c["sid"]:
                continue
            log = event_log(api, c["sid"], project)
            logs[c["sid"]] = log
            nums = [e["sequence_number"] for e in log]
            if nums != list(range(len(nums))):
                problems.append(f"conference {c['sid']}: event sequence numbers {nums} are not 0..{len(nums) - 1}")
            for e in log:
                if e["event"] in SUBSCRIBED and e["status"] != "pending":
                    problems.append(f"conference {c['sid']}: event {e['sequence_number']} {e['event']} has "
                                    f"status {e['status']!r}; every callback was answered 500, so it must be "
                                    f"pending")
            if c["ended"] == "acked" and "conference-end" not in [e["event"] for e in log]:
                problems.append(f"conference {c['sid']} ended with a 200 has no conference-end event: "
                                f"{[(e['sequence_number'], e['event']) for e in log]}")
        for p in parts:
            if not p["acked"]:
                continue
            seen = [e["event"] == "participant-mute" for e in logs.get(p["conf"]["sid"], [])
                    if e["call_sid"] == p["call"] and e["event"] in ("participant-mute", "participant-unmute")]
            it = iter(seen)
            if not all(any(v == s for s in it) for v in p["acked"]):
                problems.append(f"participant {p['call']}: acknowledged toggles (True = mute) {p['acked']} are not "
                                f"all in its mute/unmute events {seen}")
        assert not problems, (f"seed {seed}, {ROUNDS} SIGKILLs, totals {totals}; {len(problems)} problem(s):\n"
                              + "\n".join(problems[:30]))
    finally:
        world.stop.set()
        world.up.set()
        receiver.close()
        rc = proc.stop()
    assert rc == 0, f"server exited {rc} on SIGTERM\n{proc.stderr_tail()}"
    assert not proc.sanitizer_lines(), proc.sanitizer_lines()
    check = integrity(db)
    assert check == ["ok"], f"PRAGMA integrity_check after the last stop (seed {seed}): {check}"
