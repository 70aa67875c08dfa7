"""Participants, just enough for conferences to exist (§4.1-4.4, part 0 "How conferences come to exist",
"Lifecycle", "Participants"): create (201, queued), list, fetch, flags stored, the init -> in-progress rule."""

import uuid

import pytest

from confab_helpers import (OMIT, PARTICIPANT_KEYS, ROOT, assert_envelope, assert_error, assert_recent,
                            assert_uuid, describe, parse_rfc2822, split_uri, unique_name, utc)

CALLBACK = "http://localhost:9/status"  # resolves from /etc/hosts, refused at once


def check_participant(p, project, prefix="/api/laml/2010-04-01", conf_sid=None, status=None):
    missing = PARTICIPANT_KEYS - set(p)
    assert not missing, f"participant lacks {sorted(missing)}: {p}"
    assert p["account_sid"] == project.id
    assert_uuid(p["call_sid"], "call_sid")
    assert_uuid(p["conference_sid"], "conference_sid")
    if conf_sid:
        assert p["conference_sid"] == conf_sid
    for k in ("muted", "hold", "coaching", "end_conference_on_exit", "start_conference_on_enter"):
        assert type(p[k]) is bool, f"{k} is not a JSON boolean: {p[k]!r}"
    assert p["label"] is None or isinstance(p["label"], str)
    assert p["call_sid_to_coach"] is None
    assert p["status"] in ("queued", "connecting", "ringing", "in-progress"), p["status"]
    if status:
        assert p["status"] == status
    assert_recent(p["date_created"])
    assert_recent(p["date_updated"])
    assert p["uri"] == (f"{prefix}/Accounts/{project.id}/Conferences/{p['conference_sid']}"
                        f"/Participants/{p['call_sid']}.json")
    if "api_version" in p:
        assert p["api_version"] == "2010-04-01"


def test_create_answers_201_queued_with_every_field(confab):
    name = unique_name("part")
    r = confab.post_participant(name, Label="alice")
    assert r.status_code == 201, describe(r)
    assert r.headers["Content-Type"].startswith("application/json")
    p = r.json()
    check_participant(p, confab.a, status="queued")
    assert p["label"] == "alice"
    assert p["muted"] is False and p["hold"] is False and p["coaching"] is False
    assert p["start_conference_on_enter"] is True and p["end_conference_on_exit"] is False
    conf = confab.fetch_conference(p["conference_sid"])
    assert conf["friendly_name"] == name and conf["status"] == "init"

    live = confab.wait_participant_status(p["conference_sid"], p["call_sid"], "in-progress")
    check_participant(live, confab.a, conf_sid=p["conference_sid"], status="in-progress")
    for k in ("call_sid", "label", "muted", "hold", "coaching", "start_conference_on_enter",
              "end_conference_on_exit", "date_created", "uri"):
        assert live[k] == p[k], k


def test_fetch_and_list(confab):
    sid, _, parts = confab.new_conference(participants=2)
    r = confab.get(confab.parts_path(sid))
    assert r.status_code == 200, describe(r)
    page = r.json()
    items = assert_envelope(page, "participants")
    assert {p["call_sid"] for p in items} == {p["call_sid"] for p in parts}
    for p in items:
        check_participant(p, confab.a, conf_sid=sid, status="in-progress")
    path, q = split_uri(page["uri"])
    assert path in (confab.parts_path(sid), confab.parts_path(sid, json=False))
    assert q["PageSize"] == ["50"] and q["Page"] == ["0"]
    for p in parts:
        for json_suffix in (True, False):
            r = confab.get(confab.part_path(sid, p["call_sid"], json=json_suffix))
            assert r.status_code == 200, describe(r)
            assert r.json()["call_sid"] == p["call_sid"]


def test_list_under_root_prefix_uses_root_uris(confab):
    sid, _, parts = confab.new_conference()
    r = confab.get(confab.parts_path(sid, prefix=ROOT, json=False))
    assert r.status_code == 200, describe(r)
    page = r.json()
    assert page["uri"].startswith(f"/2010-04-01/Accounts/{confab.a.id}/Conferences/{sid}/Participants")
    [p] = page["participants"]
    check_participant(p, confab.a, prefix=ROOT, conf_sid=sid)


def test_participant_paging(confab):
    sid, _, parts = confab.new_conference(participants=3)
    page = confab.get(confab.parts_path(sid), params={"PageSize": 2}).json()
    first = assert_envelope(page, "participants")
    assert len(first) == 2 and page["next_page_uri"] and page["previous_page_uri"] is None
    _, q = split_uri(page["next_page_uri"])
    assert q["PageToken"] == ["PA" + first[-1]["call_sid"]] and q["Page"] == ["1"]
    r = confab.get(page["next_page_uri"])
    assert r.status_code == 200, describe(r)
    page2 = r.json()
    second = assert_envelope(page2, "participants")
    assert len(second) == 1 and page2["next_page_uri"] is None
    assert {p["call_sid"] for p in first + second} == {p["call_sid"] for p in parts}


def test_flags_are_stored(confab):
    name = unique_name("flags")
    p = confab.create_participant(name, Muted="true", StartConferenceOnEnter="false", EndConferenceOnExit="true",
                                  Label="host")
    assert p["muted"] is True and p["start_conference_on_enter"] is False
    assert p["end_conference_on_exit"] is True and p["label"] == "host"
    got = confab.wait_participant_status(p["conference_sid"], p["call_sid"])
    assert got["muted"] is True and got["start_conference_on_enter"] is False
    assert got["end_conference_on_exit"] is True and got["label"] == "host"


@pytest.mark.parametrize("value,expected", [("TRUE", True), ("True", True), ("tRuE", True), ("FALSE", False),
                                            ("False", False)])
def test_booleans_in_any_letter_case(confab, value, expected):
    p = confab.create_participant(unique_name("case"), Muted=value, EndConferenceOnExit=value)
    assert p["muted"] is expected and p["end_conference_on_exit"] is expected


def test_json_body_create(confab):
    name = unique_name("json")
    r = confab.post_participant(name, json_body=True, Muted=True, StartConferenceOnEnter=False,
                                EndConferenceOnExit=True, Timeout=30, Label="j")
    assert r.status_code == 201, describe(r)
    p = r.json()
    check_participant(p, confab.a, status="queued")
    assert p["muted"] is True and p["start_conference_on_enter"] is False and p["end_conference_on_exit"] is True
    assert p["label"] == "j"
    assert confab.fetch_conference(p["conference_sid"])["friendly_name"] == name
    r = confab.post_participant(unique_name("json"), json_body=True, Muted="maybe")
    assert_error(r, 400, 10000, mentions="Muted")
    r = confab.post_participant(unique_name("json"), json_body=True, To=OMIT)
    assert_error(r, 400, mentions="To")


def test_other_documented_parameters_accepted(confab):
    name = unique_name("params")
    data = [("From", "+15550001111"), ("To", "sip:alice@example.invalid"),
            ("StatusCallback", CALLBACK), ("StatusCallbackMethod", "GET"),
            ("StatusCallbackEvent", "initiated"), ("StatusCallbackEvent", "ringing"),
            ("StatusCallbackEvent", "answered"), ("StatusCallbackEvent", "completed"),
            ("Timeout", "30"), ("Record", "false"), ("Beep", "onEnter"), ("WaitMethod", "GET"),
            ("EarlyMedia", "true"), ("MaxParticipants", "10"), ("ConferenceTrim", "do-not-trim"),
            ("ConferenceStatusCallbackEvent", "start end join leave"), ("RecordingChannels", "mono"),
            ("Region", "us1"), ("JitterBufferSize", "small"), ("CallerId", "+15550003333"),
            ("TimeLimit", "600"), ("Trim", "trim-silence"), ("SomethingUndocumented", "ignored")]
    r = confab.post(confab.parts_path(name), data=data)
    assert r.status_code == 201, describe(r)
    check_participant(r.json(), confab.a, status="queued")


def test_same_name_joins_the_live_conference(confab):
    name = unique_name("join")
    p1 = confab.create_participant(name)
    p2 = confab.create_participant(name)
    p3 = confab.create_participant(p1["conference_sid"])  # by sid
    assert p1["conference_sid"] == p2["conference_sid"] == p3["conference_sid"]
    assert len({p1["call_sid"], p2["call_sid"], p3["call_sid"]}) == 3
    assert [c["sid"] for c in confab.list_conferences(FriendlyName=name)["conferences"]] == [p1["conference_sid"]]


def test_create_on_completed_sid_is_400_10000(confab):
    sid, name, _ = confab.new_conference()
    confab.end_conference(sid)
    assert_error(confab.post_participant(sid), 400, 10000)
    assert confab.get(confab.parts_path(sid)).json()["participants"] == []


def test_create_on_unknown_sid_is_404_20404(confab):
    unknown = str(uuid.uuid4())
    assert_error(confab.post_participant(unknown), 404, 20404)
    assert confab.list_conferences(FriendlyName=unknown)["conferences"] == [], "a UUID is not taken as a name"


@pytest.mark.parametrize("omit", [("From",), ("To",), ("From", "To")])
def test_create_without_from_or_to_is_400(confab, omit):
    name = unique_name("req")
    r = confab.post_participant(name, **{k: OMIT for k in omit})
    assert_error(r, 400, 10000, mentions=omit[0])
    assert confab.list_conferences(FriendlyName=name)["conferences"] == []


def test_lifecycle_init_to_in_progress(confab):
    name = unique_name("life")
    p1 = confab.create_participant(name)
    sid = p1["conference_sid"]
    confab.wait_participant_status(sid, p1["call_sid"])
    assert confab.fetch_conference(sid)["status"] == "init", "one participant does not start a conference"
    confab.set_conference_times(sid, updated=utc(2001, 1, 1))
    p2 = confab.create_participant(name)
    assert p2["conference_sid"] == sid
    confab.wait_participant_status(sid, p2["call_sid"])
    conf = confab.wait_conference_status(sid, "in-progress")
    assert_recent(conf["date_updated"])  # the transition moved date_updated off the aged value
    assert conf["reason_conference_ended"] is None and conf["call_sid_ending_conference"] is None


def test_no_start_without_start_conference_on_enter(confab):
    name = unique_name("nostart")
    waiting = [confab.create_participant(name, StartConferenceOnEnter="false") for _ in range(2)]
    sid = waiting[0]["conference_sid"]
    for p in waiting:
        confab.wait_participant_status(sid, p["call_sid"])
    assert confab.fetch_conference(sid)["status"] == "init", \
        "two connected participants without StartConferenceOnEnter=true must not start the conference"
    host = confab.create_participant(name, StartConferenceOnEnter="true")
    confab.wait_participant_status(sid, host["call_sid"])
    confab.wait_conference_status(sid, "in-progress")


def test_list_filters_muted_and_hold(confab):
    name = unique_name("filter")
    muted = confab.create_participant(name, Muted="true")
    loud = confab.create_participant(name)
    sid = muted["conference_sid"]
    for p in (muted, loud):
        confab.wait_participant_status(sid, p["call_sid"])

    def calls(**q):
        r = confab.get(confab.parts_path(sid), params=q)
        assert r.status_code == 200, describe(r)
        return {p["call_sid"] for p in r.json()["participants"]}

    assert calls(Muted="true") == {muted["call_sid"]}
    assert calls(Muted="false") == {loud["call_sid"]}
    assert calls(Hold="false") == {muted["call_sid"], loud["call_sid"]}
    assert calls(Hold="true") == set()
    assert_error(confab.get(confab.parts_path(sid), params={"Muted": "maybe"}), 400, 10000, mentions="Muted")


def test_participant_dates_are_rfc2822(confab):
    p = confab.create_participant(unique_name("dates"))
    assert parse_rfc2822(p["date_created"]) <= parse_rfc2822(p["date_updated"])
