"""Update a conference (§3.4, part 0 "Ending", "Announcements"): Status=completed ends it in one step and
takes the live participants out; AnnounceUrl/AnnounceMethod answer with the current object."""

import pytest

from confab_helpers import (CONFERENCE_KEYS, PREFIXES, ROOT, assert_envelope, assert_error, assert_recent,
                            describe, parse_rfc2822, utc)

ANNOUNCE = "http://localhost:9/announce.xml"  # resolves from /etc/hosts, refused at once


def test_status_completed_ends_live_participants(confab):
    sid, name, parts = confab.new_conference(participants=2)
    confab.wait_conference_status(sid, "in-progress")
    confab.set_conference_times(sid, updated=utc(2001, 1, 1))
    r = confab.post(confab.conf_path(sid), data={"Status": "completed"})
    assert r.status_code == 200, describe(r)
    conf = r.json()
    assert set(conf) == CONFERENCE_KEYS
    assert conf["sid"] == sid and conf["friendly_name"] == name
    assert conf["status"] == "completed"
    assert conf["reason_conference_ended"] == "conference-ended-via-api"
    assert conf["call_sid_ending_conference"] is None
    assert_recent(conf["date_updated"])  # it was aged to 2001 just before
    assert conf["region"] == "us1" and conf["api_version"] == "2010-04-01"

    # Participants are live only: an empty page, and 404 for each one.
    for prefix in PREFIXES:
        r = confab.get(confab.parts_path(sid, prefix=prefix))
        assert r.status_code == 200, describe(r)
        page = r.json()
        assert assert_envelope(page, "participants") == []
        assert page["start"] == 0 and page["end"] == 0 and page["next_page_uri"] is None
    for p in parts:
        assert_error(confab.get_participant(sid, p["call_sid"]), 404, 20404)

    fetched = confab.fetch_conference(sid)
    assert fetched["status"] == "completed"
    assert fetched["reason_conference_ended"] == "conference-ended-via-api"
    assert fetched["call_sid_ending_conference"] is None
    listed = confab.list_conferences(FriendlyName=name, Status="completed")["conferences"]
    assert [c["sid"] for c in listed] == [sid]
    assert listed[0]["reason_conference_ended"] == "conference-ended-via-api"


def test_status_completed_on_init_conference(confab):
    sid, _, parts = confab.new_conference()
    assert confab.fetch_conference(sid)["status"] == "init"
    conf = confab.end_conference(sid)
    assert conf["status"] == "completed"
    assert conf["reason_conference_ended"] == "conference-ended-via-api"
    assert confab.get(confab.parts_path(sid)).json()["participants"] == []
    assert_error(confab.get_participant(sid, parts[0]["call_sid"]), 404, 20404)


def test_status_completed_under_root_prefix_without_json(confab):
    sid, _, _ = confab.new_conference()
    r = confab.post(confab.conf_path(sid, prefix=ROOT, json=False), data={"Status": "completed"})
    assert r.status_code == 200, describe(r)
    assert r.json()["status"] == "completed"
    assert r.json()["uri"] == f"/2010-04-01/Accounts/{confab.a.id}/Conferences/{sid}.json"


def test_update_of_completed_conference_is_400_10000(confab):
    sid, _, _ = confab.new_conference()
    confab.end_conference(sid)
    assert_error(confab.post(confab.conf_path(sid), data={"Status": "completed"}), 400, 10000)
    assert_error(confab.post(confab.conf_path(sid), data={"AnnounceUrl": ANNOUNCE}), 400, 10000)
    conf = confab.fetch_conference(sid)
    assert conf["status"] == "completed" and conf["reason_conference_ended"] == "conference-ended-via-api"


@pytest.mark.parametrize("params", [
    {"AnnounceUrl": ANNOUNCE, "AnnounceMethod": "GET"},
    {"AnnounceUrl": ANNOUNCE, "AnnounceMethod": "POST"},
    {"AnnounceUrl": "https://localhost:9/a.mp3"},
], ids=["GET", "POST", "default-method"])
def test_announce_returns_current_object(confab, params):
    sid, name, _ = confab.new_conference(participants=2)
    before = confab.wait_conference_status(sid, "in-progress")
    r = confab.post(confab.conf_path(sid), data=params)
    assert r.status_code == 200, describe(r)
    conf = r.json()
    assert set(conf) == CONFERENCE_KEYS
    for k in ("sid", "account_sid", "friendly_name", "status", "date_created", "uri", "subresource_uris",
              "region", "api_version"):
        assert conf[k] == before[k], k
    assert conf["status"] == "in-progress"
    assert conf["reason_conference_ended"] is None and conf["call_sid_ending_conference"] is None
    # The conference is still live.
    assert confab.fetch_conference(sid)["status"] == "in-progress"
    assert len(confab.get(confab.parts_path(sid)).json()["participants"]) == 2


def test_empty_update_returns_current_object(confab):
    sid, _, _ = confab.new_conference()
    before = confab.fetch_conference(sid)
    r = confab.post(confab.conf_path(sid), data={})
    assert r.status_code == 200, describe(r)
    assert r.json() == before


def test_unknown_parameters_are_ignored(confab):
    sid, _, _ = confab.new_conference()
    before = confab.fetch_conference(sid)
    r = confab.post(confab.conf_path(sid), data={"Foo": "bar", "FriendlyName": "renamed?"})
    assert r.status_code == 200, describe(r)
    assert r.json()["friendly_name"] == before["friendly_name"]
    assert r.json()["status"] == before["status"]


def test_json_body_update(confab):
    sid, _, _ = confab.new_conference()
    r = confab.post(confab.conf_path(sid), json={"AnnounceUrl": ANNOUNCE, "AnnounceMethod": "GET"})
    assert r.status_code == 200, describe(r)
    assert r.json()["status"] == "init"
    r = confab.post(confab.conf_path(sid), json={"Status": "completed"})
    assert r.status_code == 200, describe(r)
    assert r.json()["status"] == "completed"
    assert r.json()["reason_conference_ended"] == "conference-ended-via-api"
    assert_error(confab.post(confab.conf_path(sid), json={"Status": "completed"}), 400, 10000)


def test_json_body_errors_match_form_errors(confab):
    sid, _, _ = confab.new_conference()
    assert_error(confab.post(confab.conf_path(sid), json={"Status": "in-progress"}), 400, 21475)
    assert_error(confab.post(confab.conf_path(sid), json={"AnnounceUrl": "notaurl"}), 400, 21402)
    assert_error(confab.post(confab.conf_path(sid), json={"AnnounceUrl": ANNOUNCE, "AnnounceMethod": "PUT"}),
                 400, 13221)


def test_name_is_free_again_after_completion(confab):
    sid, name, _ = confab.new_conference()
    same = confab.create_participant(name)
    assert same["conference_sid"] == sid, "a live conference name is unique per project"
    confab.end_conference(sid)
    fresh = confab.create_participant(name)
    assert fresh["conference_sid"] != sid
    conf = confab.fetch_conference(fresh["conference_sid"])
    assert conf["status"] == "init" and conf["friendly_name"] == name
    assert confab.fetch_conference(sid)["status"] == "completed"


def test_date_updated_moves_on_completion_only_forward(confab):
    sid, _, _ = confab.new_conference()
    created = parse_rfc2822(confab.fetch_conference(sid)["date_created"])
    conf = confab.end_conference(sid)
    assert parse_rfc2822(conf["date_updated"]) >= created
    assert parse_rfc2822(conf["date_created"]) == created
