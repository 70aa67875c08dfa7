"""The conference lifecycle of part 0 ("Lifecycle", "Ending"): start, the end reasons with
call_sid_ending_conference, kick (§4.6: 204, empty body), hang-up through the Calls API, ending while a
participant still rings (§8.1), and MaxParticipants."""

import uuid

from confab_helpers import CONFERENCE_KEYS, assert_error, describe, unique_name, wait_for


def assert_ended(confab, sid, reason, call_sid):
    conf = confab.wait_conference_status(sid, "completed")
    assert set(conf) == CONFERENCE_KEYS
    assert conf["reason_conference_ended"] == reason, conf
    assert conf["call_sid_ending_conference"] == call_sid, conf
    assert confab.live_call_sids(sid) == set(), "a completed conference has no live participants"
    return conf


def started(confab, n=2, **params):
    sid, name, parts = confab.new_conference(participants=n, **params)
    confab.wait_conference_status(sid, "in-progress")
    return sid, name, parts


# ---- start ---------------------------------------------------------------------------------------------------

def test_two_connected_participants_start_the_conference(confab):
    name = unique_name("start")
    p1 = confab.create_participant(name)
    p2 = confab.create_participant(name)
    sid = p1["conference_sid"]
    conf = confab.wait_conference_status(sid, "in-progress")
    assert conf["reason_conference_ended"] is None and conf["call_sid_ending_conference"] is None
    for p in (p1, p2):
        assert confab.get_participant(sid, p["call_sid"]).json()["status"] == "in-progress"


# ---- kick ----------------------------------------------------------------------------------------------------

def test_kick_answers_204_empty_and_removes(confab):
    sid, _, [a, b, c] = started(confab, 3)
    r = confab.delete(confab.part_path(sid, a["call_sid"]))
    assert r.status_code == 204, describe(r)
    assert r.content == b"", f"204 must have an empty body: {describe(r)}"
    assert_error(confab.get_participant(sid, a["call_sid"]), 404, 20404)
    assert confab.live_call_sids(sid) == {b["call_sid"], c["call_sid"]}
    conf = confab.fetch_conference(sid)
    assert conf["status"] == "in-progress" and conf["reason_conference_ended"] is None
    # Twice: the participant is gone.
    assert_error(confab.delete(confab.part_path(sid, a["call_sid"])), 404, 20404)


def test_kick_without_json_suffix(confab):
    sid, _, [a, b] = started(confab, 2)
    r = confab.delete(confab.part_path(sid, a["call_sid"], json=False))
    assert r.status_code == 204 and r.content == b"", describe(r)
    assert confab.live_call_sids(sid) == {b["call_sid"]}


def test_kick_unknown_is_404(confab):
    sid, _, _ = confab.new_conference()
    assert_error(confab.delete(confab.part_path(sid, str(uuid.uuid4()))), 404, 20404)
    assert_error(confab.delete(confab.part_path(str(uuid.uuid4()), str(uuid.uuid4()))), 404, 20404)


def test_kick_other_projects_participant_is_404(confab):
    sid, _, [p] = confab.new_conference()
    r = confab.delete(confab.part_path(sid, p["call_sid"], project=confab.b), project=confab.b)
    assert_error(r, 404, 20404)
    assert confab.live_call_sids(sid) == {p["call_sid"]}


def test_kick_last_participant_ends_with_last_participant_kicked(confab):
    sid, _, [a, b] = started(confab, 2)
    confab.kick(sid, a["call_sid"])
    assert confab.fetch_conference(sid)["status"] == "in-progress", "one participant left: it goes on"
    confab.kick(sid, b["call_sid"])
    assert_ended(confab, sid, "last-participant-kicked", b["call_sid"])
    # The kicked calls are over.
    for p in (a, b):
        assert confab.fetch_call(p["call_sid"])["status"] == "completed"


def test_kick_end_conference_on_exit_participant(confab):
    name = unique_name("eoek")
    host = confab.create_participant(name, EndConferenceOnExit="true")
    sid = host["conference_sid"]
    guests = [confab.create_participant(name) for _ in range(2)]
    for p in [host] + guests:
        confab.wait_participant_status(sid, p["call_sid"])
    confab.wait_conference_status(sid, "in-progress")
    confab.kick(sid, host["call_sid"])
    assert_ended(confab, sid, "participant-with-end-conference-on-exit-kicked", host["call_sid"])
    for g in guests:
        assert_error(confab.get_participant(sid, g["call_sid"]), 404, 20404)
        confab.wait_call_status(g["call_sid"], "completed")


def test_end_conference_on_exit_set_by_update_then_kicked(confab):
    sid, _, [a, b, c] = started(confab, 3)
    r = confab.update_participant(sid, b["call_sid"], EndConferenceOnExit="true")
    assert r.status_code == 200, describe(r)
    confab.kick(sid, b["call_sid"])
    assert_ended(confab, sid, "participant-with-end-conference-on-exit-kicked", b["call_sid"])


def test_kick_only_participant_of_never_started_conference_ends_it(confab):
    """confab's documented decision: a conference that never started also ends when its last one leaves."""
    sid, _, [p] = confab.new_conference()
    assert confab.fetch_conference(sid)["status"] == "init"
    confab.kick(sid, p["call_sid"])
    assert_ended(confab, sid, "last-participant-kicked", p["call_sid"])


def test_kick_in_completed_conference_is_rejected(confab):
    sid, _, [p] = confab.new_conference()
    confab.end_conference(sid)
    r = confab.delete(confab.part_path(sid, p["call_sid"]))
    assert r.status_code in (400, 404), describe(r)
    assert_error(r, r.status_code, 10000 if r.status_code == 400 else 20404)
    conf = confab.fetch_conference(sid)
    assert conf["reason_conference_ended"] == "conference-ended-via-api", "a late kick changes nothing"


# ---- hang up through Calls ---------------------------------------------------------------------------------

def test_end_conference_on_exit_participant_hangs_up(confab):
    name = unique_name("eoel")
    guest = confab.create_participant(name)
    host = confab.create_participant(name, EndConferenceOnExit="true")
    other = confab.create_participant(name)
    sid = guest["conference_sid"]
    for p in (guest, host, other):
        confab.wait_participant_status(sid, p["call_sid"])
    confab.wait_conference_status(sid, "in-progress")
    call = confab.hangup_call(host["call_sid"])
    assert call["sid"] == host["call_sid"] and call["status"] == "completed"
    assert_ended(confab, sid, "participant-with-end-conference-on-exit-left", host["call_sid"])
    for p in (guest, other):
        confab.wait_call_status(p["call_sid"], "completed")


def test_last_participant_hangs_up(confab):
    sid, _, [a, b] = started(confab, 2)
    confab.hangup_call(a["call_sid"])
    assert_error(confab.get_participant(sid, a["call_sid"]), 404, 20404)
    conf = confab.fetch_conference(sid)
    assert conf["status"] == "in-progress" and conf["reason_conference_ended"] is None
    confab.hangup_call(b["call_sid"])
    assert_ended(confab, sid, "last-participant-left", b["call_sid"])


def test_only_participant_of_never_started_conference_hangs_up(confab):
    sid, _, [p] = confab.new_conference()
    confab.hangup_call(p["call_sid"])
    assert_ended(confab, sid, "last-participant-left", p["call_sid"])


def test_api_end_wins_and_later_events_change_nothing(confab):
    sid, _, [a, b] = started(confab, 2)
    conf = confab.end_conference(sid)
    assert conf["reason_conference_ended"] == "conference-ended-via-api"
    assert conf["call_sid_ending_conference"] is None
    for p in (a, b):
        confab.wait_call_status(p["call_sid"], "completed")
    conf = confab.fetch_conference(sid)
    assert conf["reason_conference_ended"] == "conference-ended-via-api" and conf["call_sid_ending_conference"] is None


# ---- ending while a participant still rings -----------------------------------------------------------------

def test_end_while_ringing_cancels_the_call(confab):
    name = unique_name("ringend")
    live = confab.create_participant(name)
    sid = live["conference_sid"]
    confab.wait_participant_status(sid, live["call_sid"])
    ringing = confab.create_participant(name, To="sim:no-answer", Timeout="30")
    confab.wait_participant_status(sid, ringing["call_sid"], "ringing")
    assert confab.fetch_call(ringing["call_sid"])["status"] == "ringing"

    r = confab.post(confab.conf_path(sid), data={"Status": "completed"})
    assert r.status_code == 200, describe(r)
    assert r.json()["status"] == "completed"
    assert r.json()["reason_conference_ended"] == "conference-ended-via-api"
    assert confab.live_call_sids(sid) == set()
    assert_error(confab.get_participant(sid, ringing["call_sid"]), 404, 20404)
    confab.wait_call_status(ringing["call_sid"], "canceled")
    confab.wait_call_status(live["call_sid"], "completed")
    c = confab.fetch_call(ringing["call_sid"])
    assert c["duration"] in (None, "0"), f"a canceled call never connected: {c}"
    assert confab.fetch_conference(sid)["status"] == "completed"


# ---- MaxParticipants ---------------------------------------------------------------------------------------

def test_max_participants_fails_the_extra_call(confab):
    name = unique_name("max")
    p1 = confab.create_participant(name, MaxParticipants="2")
    sid = p1["conference_sid"]
    confab.wait_participant_status(sid, p1["call_sid"])
    p2 = confab.create_participant(name)
    confab.wait_participant_status(sid, p2["call_sid"])
    r = confab.post_participant(name)
    assert r.status_code == 201, f"the join is accepted, then its call fails: {describe(r)}"
    p3 = r.json()
    assert p3["conference_sid"] == sid
    confab.wait_call_status(p3["call_sid"], "failed")
    assert confab.live_call_sids(sid) == {p1["call_sid"], p2["call_sid"]}
    assert_error(confab.get_participant(sid, p3["call_sid"]), 404, 20404)
    conf = confab.fetch_conference(sid)
    assert conf["status"] == "in-progress", "the failed join does not disturb the conference"


def test_max_participants_out_of_range_is_400(confab):
    for bad in ("1", "251", "x"):
        r = confab.post_participant(unique_name("maxbad"), MaxParticipants=bad)
        assert_error(r, 400, 10000, mentions="MaxParticipants")


def test_max_participants_frees_a_seat_on_leave(confab):
    name = unique_name("maxseat")
    p1 = confab.create_participant(name, MaxParticipants="2")
    sid = p1["conference_sid"]
    p2 = confab.create_participant(name)
    for p in (p1, p2):
        confab.wait_participant_status(sid, p["call_sid"])
    confab.kick(sid, p2["call_sid"])
    p3 = confab.create_participant(name)
    confab.wait_participant_status(sid, p3["call_sid"])
    assert wait_for(lambda: confab.live_call_sids(sid) == {p1["call_sid"], p3["call_sid"]}, what="two live")


def test_kick_a_ringing_participant_cancels_its_call(confab):
    name = unique_name("kickring")
    live = confab.create_participant(name)
    sid = live["conference_sid"]
    ring = confab.create_participant(name, To="sim:no-answer", Timeout="30")
    confab.wait_participant_status(sid, ring["call_sid"], "ringing")
    got = confab.update_participant(sid, ring["call_sid"], Muted="true")
    assert got.status_code == 200 and got.json()["muted"] is True, describe(got)
    confab.kick(sid, ring["call_sid"])
    assert_error(confab.get_participant(sid, ring["call_sid"]), 404, 20404)
    confab.wait_call_status(ring["call_sid"], "canceled")
    assert confab.live_call_sids(sid) == {live["call_sid"]}


def test_hang_up_ringing_call_with_completed(confab):
    name = unique_name("hangring")
    live = confab.create_participant(name)
    sid = live["conference_sid"]
    ring = confab.create_participant(name, To="sim:no-answer", Timeout="30")
    confab.wait_participant_status(sid, ring["call_sid"], "ringing")
    c = confab.hangup_call(ring["call_sid"], status="completed")
    assert c["status"] in ("canceled", "completed"), c
    assert_error(confab.get_participant(sid, ring["call_sid"]), 404, 20404)
    assert confab.live_call_sids(sid) == {live["call_sid"]}


def test_concurrent_kicks_of_the_last_two_end_the_conference_once(confab):
    import threading

    import requests

    for _ in range(3):
        sid, _, parts = started(confab, 2)
        barrier = threading.Barrier(len(parts))
        results = {}

        def kick(p):
            barrier.wait()
            r = requests.delete(confab.base + confab.part_path(sid, p["call_sid"]), auth=confab.a.auth, timeout=15)
            results[p["call_sid"]] = (r.status_code, r.content)

        threads = [threading.Thread(target=kick, args=(p,)) for p in parts]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(v == (204, b"") for v in results.values()), results
        conf = confab.wait_conference_status(sid, "completed")
        assert conf["reason_conference_ended"] == "last-participant-kicked", conf
        assert conf["call_sid_ending_conference"] in {p["call_sid"] for p in parts}, conf
        assert confab.live_call_sids(sid) == set()
