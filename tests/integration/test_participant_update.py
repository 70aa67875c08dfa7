"""Participant update (§4.5, §8.3, part 0 "Errors"), addressing by Label (§4.3), the Muted/Hold/Coaching list
filters with keyset paging (§4.2, part 0 "Lists") and the participant history extension (`Status=completed`)."""

import uuid

import pytest

from confab_helpers import (PARTICIPANT_KEYS, ROOT, assert_envelope, assert_error, assert_recent, assert_uuid,
                            describe, parse_rfc2822, split_uri, to_micros, unique_name, utc)

URL = "http://localhost:9/hold.xml"  # resolves from /etc/hosts, refused at once


def update(confab, conf, call, **params):
    r = confab.update_participant(conf, call, **params)
    assert r.status_code == 200, describe(r)
    assert r.headers["Content-Type"].startswith("application/json"), describe(r)
    p = r.json()
    assert not PARTICIPANT_KEYS - set(p), f"participant lacks {sorted(PARTICIPANT_KEYS - set(p))}: {p}"
    return p


def fetched(confab, conf, call):
    r = confab.get_participant(conf, call)
    assert r.status_code == 200, describe(r)
    return r.json()


def listed(confab, conf, call):
    r = confab.get(confab.parts_path(conf))
    assert r.status_code == 200, describe(r)
    [p] = [x for x in r.json()["participants"] if x["call_sid"] == call]
    return p


# ---- Muted / Hold / Announce / Wait / BeepOnExit -----------------------------------------------------------

def test_mute_and_unmute(confab):
    sid, _, [p, other] = confab.new_conference(participants=2)
    call = p["call_sid"]
    got = update(confab, sid, call, Muted="true")
    assert got["call_sid"] == call and got["conference_sid"] == sid and got["muted"] is True
    assert got["status"] == "in-progress" and got["hold"] is False
    assert parse_rfc2822(got["date_updated"]) >= parse_rfc2822(got["date_created"])
    assert fetched(confab, sid, call)["muted"] is True and listed(confab, sid, call)["muted"] is True
    assert confab.live_call_sids(sid, Muted="true") == {call}
    assert update(confab, sid, call, Muted="FALSE")["muted"] is False
    assert fetched(confab, sid, call)["muted"] is False
    assert confab.live_call_sids(sid, Muted="true") == set()
    assert fetched(confab, sid, other["call_sid"])["muted"] is False, "the other participant is untouched"


def age_participant(confab, call, created=None, updated=None):
    sets, args = [], []
    if created is not None:
        sets.append("date_created = ?")
        args.append(to_micros(created))
    if updated is not None:
        sets.append("date_updated = ?")
        args.append(to_micros(updated))
    assert confab.db_exec(f"UPDATE participants SET {', '.join(sets)} WHERE call_sid = ?", (*args, call)) == 1


def test_update_moves_date_updated(confab):
    sid, _, [p] = confab.new_conference()
    age_participant(confab, p["call_sid"], created=utc(2001, 1, 1), updated=utc(2001, 1, 2))
    before = fetched(confab, sid, p["call_sid"])
    assert before["date_updated"] == "Tue, 02 Jan 2001 00:00:00 +0000", before
    got = update(confab, sid, p["call_sid"], EndConferenceOnExit="true")
    assert_recent(got["date_updated"])
    assert got["date_created"] == "Mon, 01 Jan 2001 00:00:00 +0000"
    assert_recent(fetched(confab, sid, p["call_sid"])["date_updated"])


def test_update_with_json_body(confab):
    sid, _, [p] = confab.new_conference()
    r = confab.update_participant(sid, p["call_sid"], json_body=True, Muted=True, Hold=True)
    assert r.status_code == 200, describe(r)
    assert r.json()["muted"] is True and r.json()["hold"] is True
    r = confab.update_participant(sid, p["call_sid"], json_body=True, Muted=False)
    assert r.status_code == 200, describe(r)
    assert r.json()["muted"] is False and r.json()["hold"] is True


@pytest.mark.parametrize("params", [
    {"Hold": "true"},
    {"Hold": "true", "HoldUrl": URL},
    {"Hold": "true", "HoldUrl": URL, "HoldMethod": "GET"},
    {"Hold": "true", "HoldUrl": "https://localhost:9/music.mp3", "HoldMethod": "POST"},
], ids=["plain", "url", "url-get", "url-post"])
def test_hold_and_unhold(confab, params):
    sid, _, [p, _other] = confab.new_conference(participants=2)
    call = p["call_sid"]
    got = update(confab, sid, call, **params)
    assert got["hold"] is True and got["muted"] is False
    assert fetched(confab, sid, call)["hold"] is True and listed(confab, sid, call)["hold"] is True
    assert confab.live_call_sids(sid, Hold="true") == {call}
    assert update(confab, sid, call, Hold="false")["hold"] is False
    assert fetched(confab, sid, call)["hold"] is False
    assert confab.live_call_sids(sid, Hold="true") == set()


@pytest.mark.parametrize("params,code,name", [
    ({"Hold": "true", "HoldUrl": "ftp://localhost/x"}, 21402, "HoldUrl"),
    ({"Hold": "true", "HoldUrl": "not a url"}, 21402, "HoldUrl"),
    ({"Hold": "true", "HoldUrl": URL, "HoldMethod": "PUT"}, 13221, "HoldMethod"),
    ({"AnnounceUrl": "localhost/announce"}, 21402, "AnnounceUrl"),
    ({"AnnounceUrl": URL, "AnnounceMethod": "DELETE"}, 13221, "AnnounceMethod"),
    ({"WaitUrl": "mailto:x@example.com"}, 21402, "WaitUrl"),
    ({"WaitUrl": URL, "WaitMethod": "PATCH"}, 13221, "WaitMethod"),
    ({"Muted": "maybe"}, 10000, "Muted"),
    ({"Hold": "yes"}, 10000, "Hold"),
    ({"BeepOnExit": "sometimes"}, 10000, "BeepOnExit"),
    ({"EndConferenceOnExit": "2"}, 10000, "EndConferenceOnExit"),
    ({"Coaching": "perhaps"}, 10000, "Coaching"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_invalid_update_values(confab, params, code, name):
    sid, _, [p] = confab.new_conference()
    before = fetched(confab, sid, p["call_sid"])
    r = confab.update_participant(sid, p["call_sid"], **params)
    assert_error(r, 400, code, mentions=name)
    after = fetched(confab, sid, p["call_sid"])
    for k in ("muted", "hold", "coaching", "end_conference_on_exit", "call_sid_to_coach"):
        assert after[k] == before[k], f"a rejected update changed {k}"


@pytest.mark.parametrize("params", [
    {"AnnounceUrl": URL},
    {"AnnounceUrl": URL, "AnnounceMethod": "GET"},
    {"AnnounceUrl": "https://localhost:9/a.mp3", "AnnounceMethod": "POST"},
    {"WaitUrl": URL},
    {"WaitUrl": URL, "WaitMethod": "GET"},
    {"WaitUrl": ""},
    {"BeepOnExit": "true"},
    {"BeepOnExit": "false"},
    {"Beep": "false"},
], ids=["announce", "announce-get", "announce-post", "wait", "wait-get", "wait-empty", "beep-on-exit",
        "no-beep-on-exit", "legacy-beep"])
def test_accepted_updates_answer_the_current_object(confab, params):
    sid, _, [p, _other] = confab.new_conference(participants=2)
    before = fetched(confab, sid, p["call_sid"])
    got = update(confab, sid, p["call_sid"], **params)
    assert got["call_sid"] == p["call_sid"] and got["status"] == "in-progress"
    for k in ("muted", "hold", "coaching", "end_conference_on_exit", "start_conference_on_enter", "label",
              "call_sid_to_coach", "date_created", "uri"):
        assert got[k] == before[k], k


def test_end_conference_on_exit_alone_sticks(confab):
    """twilio-go#259: users saw EndConferenceOnExit ignored when sent alone. It must stick here."""
    sid, _, [p, _other] = confab.new_conference(participants=2)
    call = p["call_sid"]
    assert p["end_conference_on_exit"] is False
    got = update(confab, sid, call, EndConferenceOnExit="true")
    assert got["end_conference_on_exit"] is True
    assert fetched(confab, sid, call)["end_conference_on_exit"] is True
    assert listed(confab, sid, call)["end_conference_on_exit"] is True
    assert update(confab, sid, call, EndConferenceOnExit="false")["end_conference_on_exit"] is False
    assert fetched(confab, sid, call)["end_conference_on_exit"] is False
    assert listed(confab, sid, call)["end_conference_on_exit"] is False


def test_update_of_unknown_participant_is_404(confab):
    sid, _, _ = confab.new_conference()
    assert_error(confab.update_participant(sid, str(uuid.uuid4()), Muted="true"), 404, 20404)
    assert_error(confab.update_participant(sid, "no-such-label", Muted="true"), 404, 20404)
    assert_error(confab.update_participant(str(uuid.uuid4()), str(uuid.uuid4()), Muted="true"), 404, 20404)


def test_update_of_other_projects_participant_is_404(confab):
    sid, _, [p] = confab.new_conference()
    r = confab.post(confab.part_path(sid, p["call_sid"], project=confab.b), project=confab.b,
                    data={"Muted": "true"})
    assert_error(r, 404, 20404)
    assert fetched(confab, sid, p["call_sid"])["muted"] is False


def test_update_of_participant_of_completed_conference_is_400_10000(confab):
    sid, _, [p, _other] = confab.new_conference(participants=2)
    confab.end_conference(sid)
    assert_error(confab.update_participant(sid, p["call_sid"], Muted="true"), 400, 10000)
    assert_error(confab.update_participant(sid, p["call_sid"], EndConferenceOnExit="true"), 400, 10000)


# ---- Coaching ----------------------------------------------------------------------------------------------

def test_coaching_by_sid_and_clear(confab):
    sid, _, [coach, target, _third] = confab.new_conference(participants=3)
    got = update(confab, sid, coach["call_sid"], Coaching="true", CallSidToCoach=target["call_sid"])
    assert got["coaching"] is True and got["call_sid_to_coach"] == target["call_sid"]
    f = fetched(confab, sid, coach["call_sid"])
    assert f["coaching"] is True and f["call_sid_to_coach"] == target["call_sid"]
    assert confab.live_call_sids(sid, Coaching="true") == {coach["call_sid"]}
    assert coach["call_sid"] not in confab.live_call_sids(sid, Coaching="false")

    # "Barge" per the legacy SW docs: an empty CallSidToCoach clears.
    got = update(confab, sid, coach["call_sid"], Muted="false", Coaching="false", CallSidToCoach="")
    assert got["coaching"] is False and got["call_sid_to_coach"] is None
    f = fetched(confab, sid, coach["call_sid"])
    assert f["coaching"] is False and f["call_sid_to_coach"] is None
    assert confab.live_call_sids(sid, Coaching="true") == set()


def test_empty_call_sid_to_coach_alone_clears(confab):
    sid, _, [coach, target] = confab.new_conference(participants=2)
    update(confab, sid, coach["call_sid"], Coaching="true", CallSidToCoach=target["call_sid"])
    got = update(confab, sid, coach["call_sid"], CallSidToCoach="")
    assert got["coaching"] is False and got["call_sid_to_coach"] is None
    f = fetched(confab, sid, coach["call_sid"])
    assert f["coaching"] is False and f["call_sid_to_coach"] is None


def test_coaching_target_by_label_stores_the_call_sid(confab):
    name = unique_name("coachlbl")
    coach = confab.create_participant(name, Label="coach")
    agent = confab.create_participant(name, Label="agent")
    sid = coach["conference_sid"]
    for p in (coach, agent):
        confab.wait_participant_status(sid, p["call_sid"])
    got = update(confab, sid, "coach", Coaching="true", CallSidToCoach="agent")
    assert got["call_sid"] == coach["call_sid"]
    assert got["coaching"] is True and got["call_sid_to_coach"] == agent["call_sid"]
    assert fetched(confab, sid, coach["call_sid"])["call_sid_to_coach"] == agent["call_sid"]


def test_call_sid_to_coach_alone_sets_coaching(confab):
    """§4.4: coaching defaults to false unless call_sid_to_coach is set."""
    sid, _, [coach, target] = confab.new_conference(participants=2)
    got = update(confab, sid, coach["call_sid"], CallSidToCoach=target["call_sid"])
    assert got["call_sid_to_coach"] == target["call_sid"] and got["coaching"] is True


def test_coaching_validation_16002(confab):
    sid, _, [coach, target] = confab.new_conference(participants=2)
    other_sid, _, [stranger] = confab.new_conference()
    bad_targets = [
        str(uuid.uuid4()),            # no such call
        "no-such-label",              # no such label
        coach["call_sid"],            # itself
        stranger["call_sid"],         # a participant of another conference
    ]
    for bad in bad_targets:
        r = confab.update_participant(sid, coach["call_sid"], Coaching="true", CallSidToCoach=bad)
        assert_error(r, 400, 16002)
        r = confab.update_participant(sid, coach["call_sid"], CallSidToCoach=bad)
        assert_error(r, 400, 16002)
    # Coaching=true without any CallSidToCoach (none sent, none stored).
    assert_error(confab.update_participant(sid, coach["call_sid"], Coaching="true"), 400, 16002)
    f = fetched(confab, sid, coach["call_sid"])
    assert f["coaching"] is False and f["call_sid_to_coach"] is None, "rejected updates change nothing"
    assert confab.live_call_sids(other_sid) == {stranger["call_sid"]}


def test_coaching_target_must_be_live(confab):
    sid, _, [coach, gone, _third] = confab.new_conference(participants=3)
    confab.kick(sid, gone["call_sid"])
    r = confab.update_participant(sid, coach["call_sid"], Coaching="true", CallSidToCoach=gone["call_sid"])
    assert_error(r, 400, 16002)


# ---- Label addressing --------------------------------------------------------------------------------------

def test_label_addresses_fetch_update_delete(confab):
    name = unique_name("label")
    alice = confab.create_participant(name, Label="alice")
    bob = confab.create_participant(name, Label="bob")
    sid = alice["conference_sid"]
    assert alice["label"] == "alice"
    for p in (alice, bob):
        confab.wait_participant_status(sid, p["call_sid"])

    for json_suffix in (True, False):
        r = confab.get(confab.part_path(sid, "alice", json=json_suffix))
        assert r.status_code == 200, describe(r)
        got = r.json()
        assert got["call_sid"] == alice["call_sid"] and got["label"] == "alice"
        assert_uuid(got["call_sid"], "call_sid")
        assert got["uri"].endswith(f"/Participants/{alice['call_sid']}.json"), got["uri"]

    got = update(confab, sid, "alice", Muted="true")
    assert got["call_sid"] == alice["call_sid"] and got["muted"] is True and got["label"] == "alice"
    assert fetched(confab, sid, alice["call_sid"])["muted"] is True
    assert fetched(confab, sid, "bob")["muted"] is False

    confab.kick(sid, "alice")
    assert_error(confab.get_participant(sid, "alice"), 404, 20404)
    assert_error(confab.get_participant(sid, alice["call_sid"]), 404, 20404)
    assert confab.live_call_sids(sid) == {bob["call_sid"]}


def test_label_under_root_prefix(confab):
    name = unique_name("labelroot")
    p = confab.create_participant(name, Label="carol")
    sid = p["conference_sid"]
    confab.wait_participant_status(sid, p["call_sid"])
    r = confab.get(confab.part_path(sid, "carol", prefix=ROOT, json=False))
    assert r.status_code == 200, describe(r)
    assert r.json()["call_sid"] == p["call_sid"]
    assert r.json()["uri"] == f"/2010-04-01/Accounts/{confab.a.id}/Conferences/{sid}/Participants/{p['call_sid']}.json"


# ---- list filters with keyset paging -----------------------------------------------------------------------

def walk(confab, conf, **query):
    """Walks a participant list at PageSize=1 forward to the end, then back to the start."""
    full = confab.get(confab.parts_path(conf), params=dict(query)).json()["participants"]
    r = confab.get(confab.parts_path(conf), params={**query, "PageSize": 1})
    assert r.status_code == 200, describe(r)
    pages = [r.json()]
    while pages[-1]["next_page_uri"]:
        uri = pages[-1]["next_page_uri"]
        _, q = split_uri(uri)
        for k, v in query.items():
            assert q.get(k) == [v], f"next_page_uri lost the filter {k}: {uri}"
        assert q["PageSize"] == ["1"] and q["PageToken"][0].startswith("PA"), uri
        r = confab.get(uri)
        assert r.status_code == 200, describe(r)
        pages.append(r.json())
        assert len(pages) <= len(full) + 1, "paging does not end"
    forward = []
    for i, page in enumerate(pages):
        items = assert_envelope(page, "participants")
        assert page["page"] == i and page["page_size"] == 1
        assert (page["previous_page_uri"] is None) == (i == 0), page
        forward += [p["call_sid"] for p in items]
    assert forward == [p["call_sid"] for p in full], "pages at size 1 must give the list's own order"

    back = []
    page = pages[-1]
    back += [p["call_sid"] for p in page["participants"]]
    while page["previous_page_uri"]:
        uri = page["previous_page_uri"]
        _, q = split_uri(uri)
        for k, v in query.items():
            assert q.get(k) == [v], f"previous_page_uri lost the filter {k}: {uri}"
        assert q["PageToken"][0].startswith("PB"), uri
        r = confab.get(uri)
        assert r.status_code == 200, describe(r)
        page = r.json()
        back = [p["call_sid"] for p in page["participants"]] + back
        assert len(back) <= len(full) + 1
    assert back == forward, "walking back with previous_page_uri gives the same items"
    return forward


def test_list_is_newest_first(confab):
    sid, _, parts = confab.new_conference(participants=3)
    for day, p in zip((3, 1, 2), parts):
        age_participant(confab, p["call_sid"], created=utc(2019, 3, day))
    want = [parts[0]["call_sid"], parts[2]["call_sid"], parts[1]["call_sid"]]
    assert walk(confab, sid) == want


def test_filters_muted_hold_coaching_page_both_ways(confab):
    name = unique_name("filters")
    target = confab.create_participant(name)
    sid = target["conference_sid"]
    others = [confab.create_participant(name) for _ in range(3)]
    for p in [target] + others:
        confab.wait_participant_status(sid, p["call_sid"])
    for p in others:
        update(confab, sid, p["call_sid"], Muted="true", Hold="true", Coaching="true",
               CallSidToCoach=target["call_sid"])
    three = {p["call_sid"] for p in others}
    for key in ("Muted", "Hold", "Coaching"):
        got = walk(confab, sid, **{key: "true"})
        assert len(got) == 3 and set(got) == three, key
        assert walk(confab, sid, **{key: "false"}) == [target["call_sid"]], key
    assert walk(confab, sid, Muted="true", Hold="true", Coaching="true") and \
        set(walk(confab, sid, Muted="true", Coaching="true")) == three
    assert walk(confab, sid, Muted="false", Hold="true") == []
    assert_error(confab.get(confab.parts_path(sid), params={"Coaching": "maybe"}), 400, 10000, mentions="Coaching")
    assert_error(confab.get(confab.parts_path(sid), params={"Hold": "maybe"}), 400, 10000, mentions="Hold")


# ---- history extension -------------------------------------------------------------------------------------

def test_history_lists_participants_that_left(confab):
    name = unique_name("history")
    stay = confab.create_participant(name)
    sid = stay["conference_sid"]
    leave = confab.create_participant(name)
    hung = confab.create_participant(name)
    for p in (stay, leave, hung):
        confab.wait_participant_status(sid, p["call_sid"])
    confab.kick(sid, leave["call_sid"])
    confab.hangup_call(hung["call_sid"])

    assert confab.live_call_sids(sid) == {stay["call_sid"]}, "the default list is live only"
    r = confab.get(confab.parts_path(sid), params={"Status": "completed"})
    assert r.status_code == 200, describe(r)
    page = r.json()
    items = assert_envelope(page, "participants")
    assert {p["call_sid"] for p in items} == {leave["call_sid"], hung["call_sid"]}
    for p in items:
        assert p["status"] == "completed" and p["conference_sid"] == sid
    _, q = split_uri(page["uri"])
    assert q.get("Status") == ["completed"], page["uri"]

    # It works on a completed conference too, and then holds everyone.
    confab.end_conference(sid)
    assert confab.live_call_sids(sid) == set()
    r = confab.get(confab.parts_path(sid), params={"Status": "completed"})
    assert r.status_code == 200, describe(r)
    items = r.json()["participants"]
    assert {p["call_sid"] for p in items} == {stay["call_sid"], leave["call_sid"], hung["call_sid"]}
    assert all(p["status"] == "completed" for p in items), items
    # Still not fetchable one by one (participants are live only).
    assert_error(confab.get_participant(sid, stay["call_sid"]), 404, 20404)


def test_history_pages(confab):
    sid, _, parts = confab.new_conference(participants=3)
    confab.end_conference(sid)
    got = walk(confab, sid, Status="completed")
    assert sorted(got) == sorted(p["call_sid"] for p in parts)


def test_history_bad_status_is_400(confab):
    sid, _, _ = confab.new_conference()
    assert_error(confab.get(confab.parts_path(sid), params={"Status": "bogus"}), 400, 10000, mentions="Status")


# ---- coaching at create (§4.4: Coaching is false unless CallSidToCoach is given; true needs CallSidToCoach) ---

def test_create_with_call_sid_to_coach(confab):
    name = unique_name("coachcreate")
    agent = confab.create_participant(name, Label="agent")
    sid = agent["conference_sid"]
    confab.wait_participant_status(sid, agent["call_sid"])
    r = confab.post_participant(name, Coaching="true", CallSidToCoach=agent["call_sid"])
    assert r.status_code == 201, describe(r)
    coach = r.json()
    assert coach["coaching"] is True and coach["call_sid_to_coach"] == agent["call_sid"], coach
    got = confab.wait_participant_status(sid, coach["call_sid"])
    assert got["coaching"] is True and got["call_sid_to_coach"] == agent["call_sid"], got
    assert confab.live_call_sids(sid, Coaching="true") == {coach["call_sid"]}

    r = confab.post_participant(name, CallSidToCoach="agent")  # by label, Coaching left to its default
    assert r.status_code == 201, describe(r)
    assert r.json()["coaching"] is True and r.json()["call_sid_to_coach"] == agent["call_sid"], r.json()


def test_create_with_bad_coaching_is_400_16002(confab):
    name = unique_name("coachbad")
    agent = confab.create_participant(name)
    sid = agent["conference_sid"]
    confab.wait_participant_status(sid, agent["call_sid"])
    for params in ({"Coaching": "true"}, {"Coaching": "true", "CallSidToCoach": str(uuid.uuid4())},
                   {"CallSidToCoach": "no-such-label"}):
        r = confab.post_participant(name, **params)
        assert_error(r, 400, 16002)
    assert confab.live_call_sids(sid) == {agent["call_sid"]}, "a rejected create adds nobody"


def test_status_in_progress_is_the_live_list(confab):
    sid, _, [a, b] = confab.new_conference(participants=2)
    confab.kick(sid, a["call_sid"])
    assert confab.live_call_sids(sid, Status="in-progress") == {b["call_sid"]}
