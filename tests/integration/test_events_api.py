"""The delivery log (issue 4, Build 3; a confab extension): `GET …/Conferences/{Sid}/Events` lists a
conference's events in SequenceNumber order with their delivery state, forward paging with PageToken=PA<sid>;
`GET …/Events/{EventSid}` fetches one; `POST …/Events/{EventSid}` with `Status=redeliver` sends it again."""

import urllib.parse

import pytest

from confab_helpers import (LAML, ROOT, assert_envelope, assert_error, assert_recent, assert_uuid, describe,
                            parse_rfc2822, split_uri, wait_for)
from webhook_receiver import receiver  # noqa: F401 (the fixture)
from webhook_receiver import callback_conference, event_log, events_path, settled_log

EVENT_KEYS = {"sid", "sequence_number", "event", "status", "attempts", "last_status", "last_error", "url", "method",
              "parameters", "call_sid", "conference_sid", "account_sid", "date_created", "date_done",
              "next_attempt", "uri"}


@pytest.fixture
def ended(confab, receiver):
    """An ended conference whose callback subscribed `join end` (so start and the leaves are not sent), with
    every subscribed event delivered. Returns (sid, name, participants, receiver)."""
    sid, name, parts = callback_conference(confab, receiver, events="join end", first={"Label": "lead"})
    confab.end_conference(sid)
    receiver.wait_event("cb", "conference-end")
    receiver.quiet("cb", 0.2)
    settled_log(confab, sid)
    return sid, name, parts, receiver


def test_list_shows_every_event_with_its_delivery_state(confab, ended):
    sid, name, [lead, other], rc = ended
    r = confab.get(events_path(confab, sid), params={"PageSize": 1000})
    assert r.status_code == 200, describe(r)
    assert r.headers["Content-Type"].startswith("application/json"), describe(r)
    page = r.json()
    items = assert_envelope(page, "events")
    assert page["next_page_uri"] is None and page["previous_page_uri"] is None, page
    assert page["uri"].startswith(f"{LAML}/Accounts/{confab.a.id}/Conferences/{sid}/Events"), page["uri"]

    names = [e["event"] for e in items]
    assert sorted(names) == sorted(["participant-join", "participant-join", "conference-start",
                                    "participant-leave", "participant-leave", "conference-end"]), names
    assert names[-1] == "conference-end", names
    nums = [e["sequence_number"] for e in items]
    assert all(type(n) is int for n in nums) and nums == sorted(set(nums)), nums

    hits = rc.got("cb")
    delivered = [e for e in items if e["status"] != "none"]
    assert [e["event"] for e in delivered] == ["participant-join", "participant-join", "conference-end"], items
    assert [e["sequence_number"] for e in delivered] == [int(h.params["SequenceNumber"]) for h in hits]
    for e in items:
        assert set(e) == EVENT_KEYS, f"event keys {sorted(e)} != {sorted(EVENT_KEYS)}"
        assert_uuid(e["sid"], "event sid")
        assert e["conference_sid"] == sid and e["account_sid"] == confab.a.id, e
        assert e["uri"] == f"{LAML}/Accounts/{confab.a.id}/Conferences/{sid}/Events/{e['sid']}.json", e["uri"]
        assert_recent(e["date_created"])
        assert isinstance(e["parameters"], dict), e
        p = e["parameters"]
        assert p["StatusCallbackEvent"] == e["event"] and p["ConferenceSid"] == sid, e
        assert p["SequenceNumber"] == str(e["sequence_number"]), e
        if e["event"].startswith("participant-"):
            assert e["call_sid"] in (lead["call_sid"], other["call_sid"]) and p["CallSid"] == e["call_sid"], e
        else:
            assert e["call_sid"] is None, e
        if e["status"] == "none":  # not subscribed: numbered, never sent
            assert e["event"] in ("conference-start", "participant-leave"), e
            assert e["attempts"] == 0 and e["last_status"] is None and e["url"] is None, e
            assert e["date_done"] is None and e["next_attempt"] is None, e
        else:
            assert e["status"] == "delivered", e
            assert e["url"] == rc.url("cb") and e["method"] == "POST", e
            assert e["attempts"] == 1 and e["last_status"] == 200 and e["last_error"] is None, e
            assert e["next_attempt"] is None, e
            assert parse_rfc2822(e["date_done"]) >= parse_rfc2822(e["date_created"]), e
    for e, h in zip(delivered, hits):
        assert e["parameters"] == h.params, f"logged {e['parameters']} but sent {h.params}"


def test_list_prefixes_and_suffix(confab, ended):
    sid = ended[0]
    full = event_log(confab, sid)
    for prefix in (LAML, ROOT):
        for json in (True, False):
            r = confab.get(events_path(confab, sid, prefix=prefix, json=json))
            assert r.status_code == 200, describe(r)
            page = r.json()
            assert [e["sid"] for e in page["events"]] == [e["sid"] for e in full]
            path, _ = split_uri(page["uri"])
            assert path == f"{prefix}/Accounts/{confab.a.id}/Conferences/{sid}/Events" + (".json" if json else "")
            assert all(e["uri"].startswith(f"{prefix}/Accounts/") for e in page["events"]), page["events"]


def test_forward_paging(confab, ended):
    sid = ended[0]
    full = event_log(confab, sid)
    assert len(full) == 6
    seen, uri, pages = [], events_path(confab, sid), 0
    params = {"PageSize": 4}
    while uri:
        r = confab.get(uri, params=params)
        params = None
        assert r.status_code == 200, describe(r)
        page = r.json()
        items = assert_envelope(page, "events")
        assert page["page_size"] == 4 and page["page"] == pages, page
        seen += items
        pages += 1
        uri = page["next_page_uri"]
        if uri:
            path, q = split_uri(uri)
            assert q["PageToken"] == ["PA" + items[-1]["sid"]], uri
            assert q["PageSize"] == ["4"], uri
    assert pages == 2
    assert [e["sid"] for e in seen] == [e["sid"] for e in full]
    r = confab.get(events_path(confab, sid), params={"PageSize": 2, "Page": 1, "PageToken": "PA" + full[1]["sid"]})
    assert r.status_code == 200, describe(r)
    assert [e["sid"] for e in r.json()["events"]] == [e["sid"] for e in full[2:4]]


@pytest.mark.parametrize("token", ["PAnot-an-event", "XX123", "PA"])
def test_bad_page_token_is_400(confab, ended, token):
    r = confab.get(events_path(confab, ended[0]), params={"PageToken": token, "Page": 1})
    assert_error(r, 400, 21481)


def test_page_token_of_another_conference_is_400(confab, ended, receiver):
    other, _, _ = callback_conference(confab, receiver, n=1, cb="other", events="join")
    receiver.wait_event("other", "participant-join")
    [ev] = event_log(confab, other)
    r = confab.get(events_path(confab, ended[0]), params={"PageToken": "PA" + ev["sid"], "Page": 1})
    assert_error(r, 400, 21481)


def test_fetch_one_event(confab, ended):
    sid = ended[0]
    full = event_log(confab, sid)
    for e in full:
        for json in (True, False):
            r = confab.get(events_path(confab, sid, event=e["sid"], json=json))
            assert r.status_code == 200, describe(r)
            assert r.json() == e
    r = confab.get(events_path(confab, sid, prefix=ROOT, event=full[0]["sid"]))
    assert r.status_code == 200 and r.json()["uri"].startswith(ROOT + "/"), describe(r)


def test_unknown_events_and_conferences_are_404(confab, ended, receiver):
    sid = ended[0]
    ev = event_log(confab, sid)[0]
    other, _, _ = callback_conference(confab, receiver, n=1, cb="other", events="join")
    assert_error(confab.get(events_path(confab, sid, event="00000000-0000-4000-8000-000000000000")), 404, 20404)
    assert_error(confab.get(events_path(confab, other, event=ev["sid"])), 404, 20404)  # another conference's
    assert_error(confab.get(events_path(confab, "00000000-0000-4000-8000-000000000000")), 404, 20404)
    b = confab.b
    assert_error(confab.get(events_path(confab, sid, project=b), project=b), 404, 20404)
    assert_error(confab.get(events_path(confab, sid, project=b, event=ev["sid"]), project=b), 404, 20404)
    r = confab.post(events_path(confab, sid, event="00000000-0000-4000-8000-000000000000"),
                    data={"Status": "redeliver"})
    assert_error(r, 404, 20404)
    r = confab.post(events_path(confab, sid, project=b, event=ev["sid"]), project=b, data={"Status": "redeliver"})
    assert_error(r, 404, 20404)
    r = confab.get(events_path(confab, sid), auth=("nobody", "nothing"))
    assert_error(r, 401, 20003)


def test_redeliver_sends_the_event_again(confab, ended):
    sid, _, _, rc = ended
    log = event_log(confab, sid)
    join = next(e for e in log if e["status"] == "delivered")
    before = len(rc.got("cb"))
    r = confab.post(events_path(confab, sid, event=join["sid"]), data={"Status": "redeliver"})
    assert r.status_code == 200, describe(r)
    body = r.json()
    assert set(body) == EVENT_KEYS and body["sid"] == join["sid"], body
    again = rc.wait("cb", before + 1)[before:]
    assert len(again) == 1, again
    assert again[0].form == rc.got("cb")[0].form, "the same event, the same parameters (SequenceNumber too)"
    e = wait_for(lambda: (lambda x: x["status"] == "delivered" and x)(
        confab.get(events_path(confab, sid, event=join["sid"])).json()), what="the redelivered event delivered")
    assert e["attempts"] >= 1 and e["last_status"] == 200 and e["last_error"] is None, e
    rc.quiet("cb", 0.3)
    assert len(rc.got("cb")) == before + 1, "only that event goes out again"


@pytest.mark.parametrize("data", [{"Status": "completed"}, {"Status": "Redeliver "}, {"Status": ""}, {}])
def test_redeliver_needs_status_redeliver(confab, ended, data):
    sid = ended[0]
    ev = event_log(confab, sid)[0]
    r = confab.post(events_path(confab, sid, event=ev["sid"]), data=data)
    assert_error(r, 400)
    assert event_log(confab, sid)[0] == ev, "a refused request changes nothing"


def test_events_of_a_conference_without_callback(confab):
    sid, _, _ = confab.new_conference(participants=2)
    confab.end_conference(sid)
    log = event_log(confab, sid)
    assert sorted(e["event"] for e in log) == sorted(["participant-join", "participant-join", "conference-start",
                                                      "participant-leave", "participant-leave",
                                                      "conference-end"]), log
    assert {e["status"] for e in log} == {"none"}, log
    q = urllib.parse.quote
    assert all(e["uri"].endswith(f"/Events/{q(e['sid'])}.json") for e in log)
