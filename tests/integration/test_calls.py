"""The Calls resource, enough to find and hang up conference legs (issue 3, Build 3; part 0 "Lists", "Errors"):
fetch, list with Status/To/From filters and keyset paging (item key `calls`), and update with
Status=completed or canceled."""

import uuid

import pytest

from confab_helpers import (LAML, PREFIXES, ROOT, assert_envelope, assert_error, assert_recent, assert_uuid,
                            describe, parse_rfc2822, split_uri, to_micros, unique_name, utc)

CALL_KEYS = {"sid", "account_sid", "from", "to", "status", "direction", "start_time", "end_time", "duration",
             "date_created", "date_updated", "uri", "api_version"}
CALL_STATUSES = {"queued", "ringing", "in-progress", "completed", "canceled", "busy", "no-answer", "failed"}


def check_call(c, project, prefix=LAML, sid=None, status=None, frm=None, to=None):
    missing = CALL_KEYS - set(c)
    assert not missing, f"call lacks {sorted(missing)}: {c}"
    assert_uuid(c["sid"], "sid")
    if sid:
        assert c["sid"] == sid
    assert c["account_sid"] == project.id
    assert c["status"] in CALL_STATUSES, c["status"]
    if status:
        assert c["status"] == status, c
    if frm:
        assert c["from"] == frm
    if to:
        assert c["to"] == to
    assert c["direction"] == "outbound-api"
    assert c["api_version"] == "2010-04-01"
    assert_recent(c["date_created"])
    assert_recent(c["date_updated"])
    assert parse_rfc2822(c["date_updated"]) >= parse_rfc2822(c["date_created"])
    for k in ("start_time", "end_time"):
        if c[k] is not None:
            assert_recent(c[k])
    if c["duration"] is not None:
        assert isinstance(c["duration"], str) and c["duration"].isdigit(), f"duration: {c['duration']!r}"
    assert c["uri"] == f"{prefix}/Accounts/{project.id}/Calls/{c['sid']}.json", c["uri"]
    return c


def test_fetch_live_call(confab):
    name = unique_name("call")
    p = confab.create_participant(name, From="+15550009001", To="+15550009002")
    sid = p["conference_sid"]
    confab.wait_participant_status(sid, p["call_sid"])
    for prefix in PREFIXES:
        for json_suffix in (True, False):
            r = confab.get(confab.call_path(p["call_sid"], prefix=prefix, json=json_suffix))
            assert r.status_code == 200, describe(r)
            assert r.headers["Content-Type"].startswith("application/json")
            c = check_call(r.json(), confab.a, prefix=prefix, sid=p["call_sid"], status="in-progress",
                           frm="+15550009001", to="+15550009002")
            assert c["start_time"] is not None, "an answered call has a start_time"
            assert c["end_time"] is None and c["duration"] is None, c


def test_hang_up_with_completed(confab):
    sid, _, [p, other] = confab.new_conference(participants=2)
    r = confab.post(confab.call_path(p["call_sid"]), data={"Status": "completed"})
    assert r.status_code == 200, describe(r)
    c = check_call(r.json(), confab.a, sid=p["call_sid"], status="completed")
    assert_error(confab.get_participant(sid, p["call_sid"]), 404, 20404)
    assert confab.live_call_sids(sid) == {other["call_sid"]}

    c = check_call(confab.fetch_call(p["call_sid"]), confab.a, status="completed")
    assert c["start_time"] is not None and c["end_time"] is not None, c
    assert parse_rfc2822(c["end_time"]) >= parse_rfc2822(c["start_time"])
    assert c["duration"] is not None and int(c["duration"]) >= 0, c
    span = (parse_rfc2822(c["end_time"]) - parse_rfc2822(c["start_time"])).total_seconds()
    assert abs(int(c["duration"]) - span) <= 1, c


def test_hang_up_under_root_prefix_without_json(confab):
    sid, _, [p, other] = confab.new_conference(participants=2)
    r = confab.post(confab.call_path(p["call_sid"], prefix=ROOT, json=False), data={"Status": "completed"})
    assert r.status_code == 200, describe(r)
    check_call(r.json(), confab.a, prefix=ROOT, sid=p["call_sid"], status="completed")
    assert confab.live_call_sids(sid) == {other["call_sid"]}


def test_cancel_a_ringing_call(confab):
    name = unique_name("cancel")
    live = confab.create_participant(name)
    sid = live["conference_sid"]
    ring = confab.create_participant(name, To="sim:no-answer", Timeout="30")
    confab.wait_participant_status(sid, ring["call_sid"], "ringing")
    c = check_call(confab.fetch_call(ring["call_sid"]), confab.a, status="ringing")
    assert c["end_time"] is None and c["duration"] is None
    r = confab.post(confab.call_path(ring["call_sid"]), data={"Status": "canceled"})
    assert r.status_code == 200, describe(r)
    check_call(r.json(), confab.a, sid=ring["call_sid"], status="canceled")
    assert_error(confab.get_participant(sid, ring["call_sid"]), 404, 20404)
    assert confab.fetch_call(ring["call_sid"])["status"] == "canceled"
    assert ring["call_sid"] not in confab.live_call_sids(sid)
    assert confab.fetch_conference(sid)["status"] != "completed", "the live participant keeps it going"


@pytest.mark.parametrize("data", [{"Status": "bogus"}, {"Status": "in-progress"}, {"Status": ""}],
                         ids=["bogus", "in-progress", "empty"])
def test_bad_status_is_400(confab, data):
    sid, _, [p] = confab.new_conference()
    r = confab.post(confab.call_path(p["call_sid"]), data=data)
    assert_error(r, 400, 10000, mentions="Status")
    assert confab.fetch_call(p["call_sid"])["status"] == "in-progress"
    assert confab.live_call_sids(sid) == {p["call_sid"]}


def test_unknown_call_is_404(confab):
    unknown = str(uuid.uuid4())
    assert_error(confab.get(confab.call_path(unknown)), 404, 20404)
    assert_error(confab.post(confab.call_path(unknown), data={"Status": "completed"}), 404, 20404)


def test_other_projects_call_is_404(confab):
    sid, _, [p] = confab.new_conference()
    assert_error(confab.get(confab.call_path(p["call_sid"], project=confab.b), project=confab.b), 404, 20404)
    r = confab.post(confab.call_path(p["call_sid"], project=confab.b), project=confab.b,
                    data={"Status": "completed"})
    assert_error(r, 404, 20404)
    assert confab.fetch_call(p["call_sid"])["status"] == "in-progress"


def test_calls_need_auth(confab):
    sid, _, [p] = confab.new_conference()
    assert_error(confab.get(confab.call_path(p["call_sid"]), auth=None), 401, 20003)
    assert_error(confab.get(confab.calls_path(), auth=(confab.a.id, "wrong")), 401, 20003)


def test_calls_delete_is_405(confab):
    sid, _, [p] = confab.new_conference()
    assert_error(confab.delete(confab.call_path(p["call_sid"])), 405, 20004)


# ---- list ----------------------------------------------------------------------------------------------------

def calls_list(confab, project, **query):
    r = confab.get(confab.calls_path(project), project=project, params=query)
    assert r.status_code == 200, describe(r)
    page = r.json()
    return page, assert_envelope(page, "calls")


def test_list_filters_and_paging(confab, project):
    name = unique_name("calls")
    made = []
    for i in range(3):
        p = confab.create_participant(name, project=project, From=f"+1555700000{i}", To=f"+1555800000{i}")
        made.append(p)
    sid = made[0]["conference_sid"]
    for p in made:
        confab.wait_participant_status(sid, p["call_sid"], project=project)
    confab.hangup_call(made[0]["call_sid"], project=project)

    page, items = calls_list(confab, project)
    assert {c["sid"] for c in items} == {p["call_sid"] for p in made}
    for c in items:
        check_call(c, project)
    assert page["next_page_uri"] is None and page["previous_page_uri"] is None
    path, q = split_uri(page["uri"])
    assert path in (confab.calls_path(project), confab.calls_path(project, json=False)), path
    assert q["PageSize"] == ["50"] and q["Page"] == ["0"]

    _, items = calls_list(confab, project, To="+15558000001")
    assert [c["sid"] for c in items] == [made[1]["call_sid"]]
    _, items = calls_list(confab, project, From="+15557000002")
    assert [c["sid"] for c in items] == [made[2]["call_sid"]]
    _, items = calls_list(confab, project, From="+15557000002", To="+15558000001")
    assert items == []
    _, items = calls_list(confab, project, Status="completed")
    assert [c["sid"] for c in items] == [made[0]["call_sid"]]
    _, items = calls_list(confab, project, Status="in-progress")
    assert {c["sid"] for c in items} == {made[1]["call_sid"], made[2]["call_sid"]}
    _, items = calls_list(confab, project, Status="busy")
    assert items == []

    # Keyset paging at PageSize=1, forward then back, with a filter carried in every URI.
    full = [c["sid"] for c in calls_list(confab, project)[1]]
    page, items = calls_list(confab, project, PageSize=1)
    pages = [page]
    while pages[-1]["next_page_uri"]:
        uri = pages[-1]["next_page_uri"]
        _, q = split_uri(uri)
        assert q["PageToken"][0].startswith("PA") and q["PageSize"] == ["1"], uri
        r = confab.get(uri, project=project)
        assert r.status_code == 200, describe(r)
        pages.append(r.json())
        assert len(pages) <= 4
    forward = [c["sid"] for p in pages for c in assert_envelope(p, "calls")]
    assert forward == full and len(forward) == 3
    page = pages[-1]
    back = [c["sid"] for c in page["calls"]]
    while page["previous_page_uri"]:
        r = confab.get(page["previous_page_uri"], project=project)
        assert r.status_code == 200, describe(r)
        page = r.json()
        back = [c["sid"] for c in page["calls"]] + back
        assert len(back) <= 4
    assert back == forward

    page, items = calls_list(confab, project, Status="in-progress", PageSize=1)
    assert len(items) == 1 and page["next_page_uri"]
    _, q = split_uri(page["next_page_uri"])
    assert q["Status"] == ["in-progress"], page["next_page_uri"]
    r = confab.get(page["next_page_uri"], project=project)
    assert r.status_code == 200, describe(r)
    second = r.json()["calls"]
    assert {items[0]["sid"], second[0]["sid"]} == {made[1]["call_sid"], made[2]["call_sid"]}
    assert r.json()["next_page_uri"] is None


def test_list_under_root_prefix(confab, project):
    sid, _, [p] = confab.new_conference(project=project)
    r = confab.get(confab.calls_path(project, prefix=ROOT, json=False), project=project)
    assert r.status_code == 200, describe(r)
    page = r.json()
    [c] = assert_envelope(page, "calls")
    check_call(c, project, prefix=ROOT, sid=p["call_sid"])
    assert page["uri"].startswith(f"/2010-04-01/Accounts/{project.id}/Calls"), page["uri"]


def test_list_errors(confab):
    assert_error(confab.get(confab.calls_path(), params={"Status": "bogus"}), 400, 10000, mentions="Status")
    assert_error(confab.get(confab.calls_path(), params={"PageSize": 0}), 400, 54454)
    assert_error(confab.get(confab.calls_path(), params={"Page": 1}), 400, 54453)
    assert_error(confab.get(confab.calls_path(), params={"PageToken": "PAnot-a-call"}), 400, 21481)


@pytest.mark.parametrize("flt", ["StartTime", "StartTime>", "StartTime<", "EndTime", "EndTime>", "EndTime<",
                                 "ParentCallSid"])
def test_filters_confab_lacks_are_refused_not_ignored(confab, flt):
    """Twilio's other Calls filters (twilio-python's start_time_after=, parent_call_sid=, ...): ignoring one
    would answer every call as if it matched; confab says it cannot filter so."""
    value = "CA" + "0" * 32 if flt == "ParentCallSid" else "2030-01-01"
    assert_error(confab.get(confab.calls_path(), params={flt: value}), 400, 10000, mentions=flt)


def test_call_has_subresource_uris(confab):
    sid, _, [p] = confab.new_conference(participants=1)
    c = confab.fetch_call(p["call_sid"])
    assert c["subresource_uris"] == {"recordings": c["uri"][:-len(".json")] + "/Recordings.json"}, c
    page = confab.get(confab.calls_path(), params={"PageSize": 1}).json()
    assert set(page["calls"][0]["subresource_uris"]) == {"recordings"}, page["calls"][0]


def test_list_is_per_project(confab, project):
    confab.new_conference(project=project)
    own = {c["sid"] for c in calls_list(confab, project)[1]}
    assert len(own) == 1
    other = {c["sid"] for c in calls_list(confab, confab.b)[1]}
    assert not own & other


def test_plus_in_filters_survives_paging_uris(confab, project):
    """E.164 numbers carry a '+': the paging URIs must percent-encode it, or a follow-up GET reads a space."""
    name = unique_name("plus")
    made = [confab.create_participant(name, project=project, From="+15557771111", To="+15558882222")
            for _ in range(2)]
    confab.create_participant(name, project=project, From="+15557770000", To="+15558880000")
    page, items = calls_list(confab, project, To="+15558882222", From="+15557771111", PageSize=1)
    assert len(items) == 1 and page["next_page_uri"], page
    _, q = split_uri(page["next_page_uri"])
    assert q["To"] == ["+15558882222"] and q["From"] == ["+15557771111"], page["next_page_uri"]
    r = confab.get(page["next_page_uri"], project=project)
    assert r.status_code == 200, describe(r)
    second = r.json()["calls"]
    assert {items[0]["sid"], second[0]["sid"]} == {p["call_sid"] for p in made}
    r = confab.get(page["first_page_uri"], project=project)
    assert r.status_code == 200, describe(r)
    assert [c["sid"] for c in r.json()["calls"]] == [items[0]["sid"]], describe(r)


def test_hang_up_with_json_body(confab):
    sid, _, [p, other] = confab.new_conference(participants=2)
    r = confab.post(confab.call_path(p["call_sid"]), json={"Status": "completed"})
    assert r.status_code == 200, describe(r)
    assert r.json()["status"] == "completed"
    assert confab.live_call_sids(sid) == {other["call_sid"]}


def test_calls_list_methods(confab):
    assert_error(confab.delete(confab.calls_path()), 405, 20004)
    assert_error(confab.req("PUT", confab.calls_path()), 405, 20004)


def test_list_is_newest_first(confab, project):
    sid, _, parts = confab.new_conference(project=project, participants=3)
    for day, p in zip((2, 3, 1), parts):
        n = confab.db_exec("UPDATE participants SET date_created = ? WHERE call_sid = ?",
                           (to_micros(utc(2019, 3, day)), p["call_sid"]))
        assert n == 1
    _, items = calls_list(confab, project)
    assert [c["sid"] for c in items] == [parts[1]["call_sid"], parts[0]["call_sid"], parts[2]["call_sid"]]
    assert items[0]["date_created"] == "Sun, 03 Mar 2019 00:00:00 +0000"
