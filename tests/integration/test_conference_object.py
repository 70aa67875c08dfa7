"""The conference object (spec part 0 "Conference object", §3.1, §2.6) and the path prefixes (part 0
"Paths", §2.1): every field, its type and format, under both prefixes, with and without `.json`."""

import pytest

from confab_helpers import (CONFERENCE_KEYS, LAML, PREFIXES, ROOT, assert_error, assert_recent, assert_uuid,
                            describe, parse_rfc2822, unique_name, utc)


def check_conference(conf, project, prefix, sid=None, name=None, status=None):
    assert set(conf) == CONFERENCE_KEYS, f"conference keys {sorted(conf)} != {sorted(CONFERENCE_KEYS)}"
    assert_uuid(conf["sid"])
    if sid is not None:
        assert conf["sid"] == sid
    assert conf["account_sid"] == project.id
    if name is not None:
        assert conf["friendly_name"] == name
    assert isinstance(conf["friendly_name"], str)
    if status is not None:
        assert conf["status"] == status
    assert conf["status"] in ("init", "in-progress", "completed")
    assert conf["api_version"] == "2010-04-01"
    assert conf["region"] == "us1"
    parse_rfc2822(conf["date_created"])
    parse_rfc2822(conf["date_updated"])
    base = f"{prefix}/Accounts/{project.id}/Conferences/{conf['sid']}"
    assert conf["uri"] == base + ".json"
    assert conf["subresource_uris"] == {
        "participants": base + "/Participants.json",
        "recordings": base + "/Recordings.json",
    }
    if conf["status"] != "completed":
        assert conf["reason_conference_ended"] is None
        assert conf["call_sid_ending_conference"] is None


def test_new_conference_has_every_field(confab):
    name = unique_name("object")
    p = confab.create_participant(name)
    sid = p["conference_sid"]
    assert_uuid(sid, "conference_sid")
    r = confab.get(confab.conf_path(sid))
    assert r.status_code == 200, describe(r)
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    conf = r.json()
    check_conference(conf, confab.a, LAML, sid=sid, name=name, status="init")
    created = assert_recent(conf["date_created"])
    updated = assert_recent(conf["date_updated"])
    assert updated >= created
    # Exact JSON types: null, not missing and not "".
    assert "reason_conference_ended" in conf and conf["reason_conference_ended"] is None
    assert "call_sid_ending_conference" in conf and conf["call_sid_ending_conference"] is None


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("json_suffix", [True, False], ids=["json", "bare"])
def test_fetch_under_every_prefix(confab, prefix, json_suffix):
    sid, name, _ = confab.new_conference(wait=False)
    r = confab.get(confab.conf_path(sid, prefix=prefix, json=json_suffix))
    assert r.status_code == 200, describe(r)
    assert r.headers["Content-Type"].startswith("application/json")
    check_conference(r.json(), confab.a, prefix, sid=sid, name=name)


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("json_suffix", [True, False], ids=["json", "bare"])
def test_update_under_every_prefix(confab, prefix, json_suffix):
    sid, name, _ = confab.new_conference(wait=False)
    r = confab.post(confab.conf_path(sid, prefix=prefix, json=json_suffix),
                    data={"AnnounceUrl": "http://localhost:9/announce.xml", "AnnounceMethod": "GET"})
    assert r.status_code == 200, describe(r)
    check_conference(r.json(), confab.a, prefix, sid=sid, name=name)


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("json_suffix", [True, False], ids=["json", "bare"])
def test_list_under_every_prefix(confab, prefix, json_suffix):
    sid, name, _ = confab.new_conference(wait=False)
    r = confab.get(confab.confs_path(prefix=prefix, json=json_suffix), params={"FriendlyName": name})
    assert r.status_code == 200, describe(r)
    page = r.json()
    assert [c["sid"] for c in page["conferences"]] == [sid]
    check_conference(page["conferences"][0], confab.a, prefix, sid=sid, name=name)
    # Paging URIs are paths from the host root under the prefix the request came in on.
    for key in ("uri", "first_page_uri"):
        assert page[key].split("?")[0] in (confab.confs_path(prefix=prefix, json=True),
                                           confab.confs_path(prefix=prefix, json=False)), page[key]


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("json_suffix", [True, False], ids=["json", "bare"])
def test_participant_create_under_every_prefix(confab, prefix, json_suffix):
    name = unique_name("prefix")
    r = confab.post_participant(name, prefix=prefix, path_json=json_suffix)
    assert r.status_code == 201, describe(r)
    p = r.json()
    conf_sid = p["conference_sid"]
    assert p["uri"] == f"{prefix}/Accounts/{confab.a.id}/Conferences/{conf_sid}/Participants/{p['call_sid']}.json"
    conf = confab.fetch_conference(conf_sid, prefix=prefix)
    check_conference(conf, confab.a, prefix, sid=conf_sid, name=name)


def test_dates_render_from_stored_microseconds(confab):
    """Stored UTC microseconds render as RFC 2822 with three-letter English names (never "Sept") and a
    zero-padded day; sub-second parts are dropped, not rounded into the next second."""
    sid, _, _ = confab.new_conference()
    confab.set_conference_times(sid, created=utc(2018, 9, 24, 21, 0, 0, 999_999),
                                updated=utc(2021, 6, 1, 4, 5, 6, 0))
    conf = confab.fetch_conference(sid)
    assert conf["date_created"] == "Mon, 24 Sep 2018 21:00:00 +0000"
    assert conf["date_updated"] == "Tue, 01 Jun 2021 04:05:06 +0000"
    r = confab.get(confab.confs_path(), params={"FriendlyName": conf["friendly_name"]})
    listed = r.json()["conferences"]
    assert [c["date_created"] for c in listed] == ["Mon, 24 Sep 2018 21:00:00 +0000"]


def test_friendly_name_with_special_characters_round_trips(confab):
    name = "Team Sync #1 & ü = 100% (ok)"
    name = f"{name} {unique_name()}"
    p = confab.create_participant(name)
    conf = confab.fetch_conference(p["conference_sid"])
    assert conf["friendly_name"] == name
    page = confab.list_conferences(FriendlyName=name)
    assert [c["sid"] for c in page["conferences"]] == [p["conference_sid"]]


def test_friendly_name_length_limit(confab):
    ok = (unique_name("n") + "x" * 128)[:128]
    p = confab.create_participant(ok)
    assert confab.fetch_conference(p["conference_sid"])["friendly_name"] == ok
    too_long = ok + "y"
    r = confab.post_participant(too_long)
    assert_error(r, 400, 10000)
    assert confab.list_conferences(FriendlyName=too_long)["conferences"] == []


def test_root_prefix_object_uses_root_uris(confab):
    sid, _, _ = confab.new_conference(wait=False)
    conf = confab.fetch_conference(sid, prefix=ROOT)
    assert conf["uri"] == f"/2010-04-01/Accounts/{confab.a.id}/Conferences/{sid}.json"
    assert not conf["uri"].startswith("/api/laml")
    assert conf["subresource_uris"]["participants"].startswith("/2010-04-01/Accounts/")
