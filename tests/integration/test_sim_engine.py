"""The simulated engine's scripted outcomes (issue 3, Build 5): a `To` of `sim:busy`, `sim:failed`,
`sim:no-answer` (rings for the call's Timeout) or `sim:hangup-after=N` (answered, then hangs up after N s);
anything else is answered. Time is real time, so the timed cases check both sides of the deadline."""

import time

import pytest

from confab_helpers import assert_error, unique_name


def beside_a_live_participant(confab, **params):
    """Creates a normal participant, then one with params; returns (conference sid, live one, scripted one)."""
    name = unique_name("sim")
    live = confab.create_participant(name)
    sid = live["conference_sid"]
    confab.wait_participant_status(sid, live["call_sid"])
    scripted = confab.create_participant(name, **params)
    assert scripted["conference_sid"] == sid and scripted["status"] == "queued"
    return sid, live, scripted


@pytest.fixture(scope="module", autouse=True)
def no_answer(confab):
    """Starts the sim:no-answer call (Timeout=5, the minimum) when the module starts, so its 5 s of ringing
    pass while the other tests run; test_no_answer_rings_for_its_timeout (last in the file) checks the end."""
    t0 = time.monotonic()
    sid, live, p = beside_a_live_participant(confab, To="sim:no-answer", Timeout="5")
    ringing = confab.wait_participant_status(sid, p["call_sid"], "ringing")
    call = confab.fetch_call(p["call_sid"])
    return {"t0": t0, "sid": sid, "live": live, "p": p, "ringing": ringing, "call": call}


@pytest.mark.parametrize("to,status", [("sim:busy", "busy"), ("sim:failed", "failed")])
def test_failing_outcomes(confab, to, status):
    sid, live, p = beside_a_live_participant(confab, To=to)
    c = confab.wait_call_status(p["call_sid"], status)
    assert c["to"] == to and c["end_time"] is not None
    assert c["duration"] in (None, "0"), c
    assert confab.live_call_sids(sid) == {live["call_sid"]}
    assert_error(confab.get_participant(sid, p["call_sid"]), 404, 20404)
    conf = confab.fetch_conference(sid)
    assert conf["status"] == "init", "a call that never connected neither starts nor ends the conference"
    assert confab.fetch_call(live["call_sid"])["status"] == "in-progress"


def test_hangup_after(confab):
    name = unique_name("simhang")
    live = confab.create_participant(name)
    sid = live["conference_sid"]
    t0 = time.monotonic()
    p = confab.create_participant(name, To="sim:hangup-after=1")
    confab.wait_participant_status(sid, p["call_sid"], "in-progress")  # answered at once, ends after ~1 s
    confab.wait_conference_status(sid, "in-progress")
    c = confab.wait_call_status(p["call_sid"], "completed", timeout=6)
    elapsed = time.monotonic() - t0
    assert elapsed >= 0.9, f"the call ended after {elapsed:.2f}s, before its 1 s"
    assert c["duration"] in ("0", "1", "2"), c
    assert_error(confab.get_participant(sid, p["call_sid"]), 404, 20404)
    conf = confab.fetch_conference(sid)
    assert conf["status"] == "in-progress", "one participant still there"
    confab.hangup_call(live["call_sid"])
    conf = confab.wait_conference_status(sid, "completed")
    assert conf["reason_conference_ended"] == "last-participant-left"


def test_hangup_after_as_last_participant_ends_the_conference(confab):
    name = unique_name("simlast")
    a = confab.create_participant(name)
    sid = a["conference_sid"]
    b = confab.create_participant(name, To="sim:hangup-after=1")
    confab.wait_conference_status(sid, "in-progress")
    confab.kick(sid, a["call_sid"])
    conf = confab.wait_conference_status(sid, "completed", timeout=6)
    assert conf["reason_conference_ended"] == "last-participant-left"
    assert conf["call_sid_ending_conference"] == b["call_sid"]


@pytest.mark.parametrize("to,status", [("sim:busy", "busy"), ("sim:failed", "failed")])
def test_only_participant_failing_ends_the_never_started_conference(confab, to, status):
    """confab's documented decision: a conference that never started ends when its last participant goes."""
    p = confab.create_participant(unique_name("simonly"), To=to)
    sid = p["conference_sid"]
    confab.wait_call_status(p["call_sid"], status)
    conf = confab.wait_conference_status(sid, "completed")
    assert conf["reason_conference_ended"] == "last-participant-left", conf
    assert conf["call_sid_ending_conference"] == p["call_sid"], conf
    r = confab.get(confab.parts_path(sid), params={"Status": "completed"})
    assert r.status_code == 200
    [gone] = r.json()["participants"]
    assert gone["call_sid"] == p["call_sid"] and gone["status"] == "failed", gone


def test_failed_end_conference_on_exit_call_does_not_end_it(confab):
    """A call that never connected never was in the conference, so it cannot leave it."""
    sid, live, p = beside_a_live_participant(confab, To="sim:busy", EndConferenceOnExit="true")
    confab.wait_call_status(p["call_sid"], "busy")
    conf = confab.fetch_conference(sid)
    assert conf["status"] == "init" and conf["reason_conference_ended"] is None, conf
    assert confab.live_call_sids(sid) == {live["call_sid"]}


@pytest.mark.parametrize("to", ["+15550004444", "sip:alice@example.invalid", "client:bob", "sim:anything-else",
                                "sim:hangup-after=x"])
def test_everything_else_is_answered(confab, to):
    sid, live, p = beside_a_live_participant(confab, To=to)
    got = confab.wait_participant_status(sid, p["call_sid"], "in-progress")
    assert got["status"] == "in-progress"
    c = confab.fetch_call(p["call_sid"])
    assert c["status"] == "in-progress" and c["to"] == to
    confab.wait_conference_status(sid, "in-progress")


@pytest.mark.parametrize("timeout", ["4", "601", "soon"])
def test_timeout_out_of_range_is_400(confab, timeout):
    r = confab.post_participant(unique_name("timeout"), To="sim:no-answer", Timeout=timeout)
    assert_error(r, 400, 10000, mentions="Timeout")


def test_no_answer_rings_for_its_timeout(confab, no_answer):
    sid, live, p = no_answer["sid"], no_answer["live"], no_answer["p"]
    assert no_answer["ringing"]["status"] == "ringing"
    assert no_answer["call"]["status"] == "ringing", no_answer["call"]
    confab.wait_call_status(p["call_sid"], "no-answer", timeout=12)
    elapsed = time.monotonic() - no_answer["t0"]
    assert elapsed >= 4.5, f"no-answer came after {elapsed:.2f}s, before the 5 s Timeout"
    assert confab.live_call_sids(sid) == {live["call_sid"]}
    assert_error(confab.get_participant(sid, p["call_sid"]), 404, 20404)
    assert confab.fetch_conference(sid)["status"] == "init"
