"""Twilio's own Python SDK (Debian python3-twilio 7.7.1) against confab.

`client.api.base_url` points at the server, so the SDK requests `/2010-04-01/Accounts/{project}/…json` (the
root prefix) and follows `next_page_uri` as `base_url + uri`. The project id goes in as the account sid."""

import datetime as dt
import uuid

import pytest

twilio_rest = pytest.importorskip("twilio.rest")
from twilio.base.exceptions import TwilioException, TwilioRestException  # noqa: E402

from confab_helpers import utc  # noqa: E402

ANNOUNCE = "http://localhost:9/announce.xml"


class CountingHttpClient:
    """Wraps the SDK's HTTP client to record the URLs it requested."""

    def __init__(self, inner):
        self.inner = inner
        self.urls = []

    def request(self, method, url, **kw):
        self.urls.append((method, url, kw.get("params")))
        return self.inner.request(method, url, **kw)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def make_client(confab, project):
    client = twilio_rest.Client(project.id, project.token)
    client.api.base_url = confab.base
    client.http_client = CountingHttpClient(client.http_client)
    return client


@pytest.fixture(scope="module")
def sdk(confab):
    """A client on a project that only holds the five listed conferences (never changed by a test)."""
    project = confab.fresh_project()
    return make_client(confab, project), project


@pytest.fixture(scope="module")
def sdk_rw(confab):
    """A client on a project for tests that create and end conferences."""
    project = confab.fresh_project()
    return make_client(confab, project), project


@pytest.fixture(scope="module")
def five(confab, sdk):
    """Five conferences created through the SDK, aged to distinct days of March 2019."""
    client, project = sdk
    made = []
    for day in (1, 2, 3, 4, 5):
        name = f"sdk-{uuid.uuid4().hex[:10]}"
        p = client.conferences(name).participants.create(from_="+15550001111", to="+15550002222")
        confab.wait_participant_status(p.conference_sid, p.call_sid, project=project)
        confab.set_conference_times(p.conference_sid, created=utc(2019, 3, day, 12, 0, 0),
                                    updated=utc(2019, 3, day, 13, 0, 0))
        made.append((p.conference_sid, name, p.call_sid))
    return list(reversed(made))  # newest first


def test_fetch(sdk, five):
    client, project = sdk
    sid, name, _ = five[0]
    conf = client.conferences(sid).fetch()
    assert conf.sid == sid and conf.account_sid == project.id
    assert conf.friendly_name == name
    assert conf.status == "init"
    assert conf.region == "us1" and conf.api_version == "2010-04-01"
    assert conf.date_created == utc(2019, 3, 5, 12, 0, 0)
    assert conf.date_updated == utc(2019, 3, 5, 13, 0, 0)
    assert conf.uri == f"/2010-04-01/Accounts/{project.id}/Conferences/{sid}.json"
    assert conf.subresource_uris["participants"] == \
        f"/2010-04-01/Accounts/{project.id}/Conferences/{sid}/Participants.json"
    assert conf.reason_conference_ended is None and conf.call_sid_ending_conference is None


def test_list_auto_pages(sdk, five):
    client, _ = sdk
    client.http_client.urls.clear()
    got = client.conferences.list(page_size=2)
    assert [c.sid for c in got] == [s for s, _, _ in five]
    gets = [u for m, u, _ in client.http_client.urls if m == "GET"]
    assert len(gets) == 3, f"five items at page_size=2 take three pages: {gets}"
    assert all(u.startswith(f"{client.api.base_url}/2010-04-01/Accounts/") for u in gets), gets
    assert "PageToken=PA" in gets[1] and "PageToken=PA" in gets[2], gets


def test_stream(sdk, five):
    client, _ = sdk
    assert [c.sid for c in client.conferences.stream(page_size=2)] == [s for s, _, _ in five]
    assert [c.sid for c in client.conferences.stream(page_size=2, limit=3)] == [s for s, _, _ in five][:3]


def test_page_objects_walk_both_ways(sdk, five):
    client, _ = sdk
    page = client.conferences.page(page_size=2)
    seen = [[c.sid for c in page]]
    while True:
        page = page.next_page()
        if page is None:
            break
        seen.append([c.sid for c in page])
    assert [s for p in seen for s in p] == [s for s, _, _ in five] and len(seen) == 3
    # Back from the last page, through the SDK's previous_page().
    last = client.conferences.page(page_size=2)
    last = last.next_page().next_page()
    back = last.previous_page()
    assert [c.sid for c in back] == seen[1]
    assert [c.sid for c in back.previous_page()] == seen[0]
    assert back.previous_page().previous_page() is None


def test_list_filters(sdk, five):
    client, _ = sdk
    sids = [s for s, _, _ in five]  # days 5, 4, 3, 2, 1
    assert [c.sid for c in client.conferences.list(friendly_name=five[2][1])] == [five[2][0]]
    assert [c.sid for c in client.conferences.list(status="init")] == sids
    assert client.conferences.list(status="completed") == []
    assert [c.sid for c in client.conferences.list(date_created=dt.date(2019, 3, 3))] == [sids[2]]
    assert [c.sid for c in client.conferences.list(date_created_after=dt.date(2019, 3, 4))] == sids[:2]
    assert [c.sid for c in client.conferences.list(date_created_before=dt.date(2019, 3, 2))] == sids[3:]
    assert [c.sid for c in client.conferences.list(date_created_after=dt.date(2019, 3, 2),
                                                   date_created_before=dt.date(2019, 3, 4),
                                                   page_size=1)] == sids[1:4]
    assert [c.sid for c in client.conferences.list(date_updated=dt.date(2019, 3, 1))] == [sids[4]]
    assert [c.sid for c in client.conferences.list(date_updated_after=dt.date(2019, 3, 5),
                                                   status="init")] == [sids[0]]


def test_update_announce_then_completed(confab, sdk_rw):
    client, project = sdk_rw
    name = f"sdk-upd-{uuid.uuid4().hex[:8]}"
    p1 = client.conferences(name).participants.create(from_="+15550001111", to="+15550002222")
    p2 = client.conferences(name).participants.create(from_="+15550001111", to="+15550003333", muted=True,
                                                      label="bob")
    assert p1.conference_sid == p2.conference_sid
    sid = p1.conference_sid
    confab.wait_conference_status(sid, "in-progress", project=project)

    conf = client.conferences(sid).update(announce_url=ANNOUNCE, announce_method="GET")
    assert conf.sid == sid and conf.status == "in-progress"
    assert conf.reason_conference_ended is None

    conf = client.conferences(sid).update(status="completed")
    assert conf.status == "completed"
    assert conf.reason_conference_ended == "conference-ended-via-api"
    assert conf.call_sid_ending_conference is None
    assert client.conferences(sid).fetch().status == "completed"
    assert client.conferences(sid).participants.list() == []
    with pytest.raises(TwilioRestException) as e:
        client.conferences(sid).participants(p1.call_sid).fetch()
    assert (e.value.status, e.value.code) == (404, 20404)
    with pytest.raises(TwilioRestException) as e:
        client.conferences(sid).update(status="completed")
    assert (e.value.status, e.value.code) == (400, 10000)


def test_participants_create_list_fetch(confab, sdk_rw):
    client, project = sdk_rw
    name = f"sdk-part-{uuid.uuid4().hex[:8]}"
    p = client.conferences(name).participants.create(
        from_="+15550001111", to="+15550002222", label="alice", muted=True, start_conference_on_enter=False,
        end_conference_on_exit=True)
    assert p.status == "queued" and p.label == "alice"
    assert p.muted is True and p.start_conference_on_enter is False and p.end_conference_on_exit is True
    assert p.account_sid == project.id
    assert isinstance(p.date_created, dt.datetime) and p.date_created.tzinfo is not None
    confab.wait_participant_status(p.conference_sid, p.call_sid, project=project)
    listed = client.conferences(p.conference_sid).participants.list()
    assert [x.call_sid for x in listed] == [p.call_sid]
    got = client.conferences(p.conference_sid).participants(p.call_sid).fetch()
    assert got.call_sid == p.call_sid and got.status == "in-progress" and got.muted is True
    assert got.uri == f"/2010-04-01/Accounts/{project.id}/Conferences/{p.conference_sid}/Participants/{p.call_sid}.json"
    assert [x.call_sid for x in client.conferences(p.conference_sid).participants.list(muted=True)] == [p.call_sid]
    assert client.conferences(p.conference_sid).participants.list(muted=False) == []


def test_errors_surface_as_twilio_exceptions(sdk, five):
    client, _ = sdk
    with pytest.raises(TwilioRestException) as e:
        client.conferences(str(uuid.uuid4())).fetch()
    assert (e.value.status, e.value.code) == (404, 20404)
    with pytest.raises(TwilioRestException) as e:
        client.conferences(five[0][0]).update(status="in-progress")
    assert (e.value.status, e.value.code) == (400, 21475)
    with pytest.raises(TwilioRestException) as e:
        client.conferences(five[0][0]).update(announce_url="ftp://x")
    assert (e.value.status, e.value.code) == (400, 21402)
    with pytest.raises(TwilioRestException) as e:
        client.conferences(str(uuid.uuid4())).participants.create(from_="+15550001111", to="+15550002222")
    assert (e.value.status, e.value.code) == (404, 20404)


def test_wrong_credentials(confab, sdk, five):
    client, project = sdk
    bad = twilio_rest.Client(project.id, "not-the-token")
    bad.api.base_url = confab.base
    with pytest.raises(TwilioRestException) as e:
        bad.conferences(five[0][0]).fetch()
    assert (e.value.status, e.value.code) == (401, 20003)
    # twilio-python 7.7.1 raises a plain TwilioException for a list page that is not 200.
    with pytest.raises(TwilioException):
        bad.conferences.list(limit=1)


# ---- participants update / delete, calls, recordings (issue 3) ------------------------------------------------

def sdk_conference(confab, client, project, n=2, **first):
    """A started conference made through the SDK; returns (sid, [participant instances])."""
    name = f"sdk-live-{uuid.uuid4().hex[:8]}"
    made = [client.conferences(name).participants.create(from_="+15550001111", to=f"+1555000{4000 + i}",
                                                         **(first if i == 0 else {}))
            for i in range(n)]
    sid = made[0].conference_sid
    for p in made:
        confab.wait_participant_status(sid, p.call_sid, project=project)
    if n >= 2:
        confab.wait_conference_status(sid, "in-progress", project=project)
    return sid, made


def test_participant_update_mute_hold_and_delete(confab, sdk_rw):
    client, project = sdk_rw
    sid, (a, b) = sdk_conference(confab, client, project, n=2, label="alice")
    got = client.conferences(sid).participants(a.call_sid).update(muted=True)
    assert got.call_sid == a.call_sid and got.muted is True and got.hold is False
    got = client.conferences(sid).participants(a.call_sid).update(hold=True, hold_url=ANNOUNCE, hold_method="GET")
    assert got.hold is True and got.muted is True
    got = client.conferences(sid).participants("alice").fetch()
    assert got.call_sid == a.call_sid and got.hold is True and got.muted is True
    assert [x.call_sid for x in client.conferences(sid).participants.list(hold=True)] == [a.call_sid]
    got = client.conferences(sid).participants("alice").update(hold=False, muted=False,
                                                               end_conference_on_exit=True)
    assert got.hold is False and got.muted is False and got.end_conference_on_exit is True
    got = client.conferences(sid).participants(b.call_sid).update(coaching=True, call_sid_to_coach=a.call_sid)
    assert got.coaching is True and got.call_sid_to_coach == a.call_sid
    with pytest.raises(TwilioRestException) as e:
        client.conferences(sid).participants(b.call_sid).update(coaching=True, call_sid_to_coach=str(uuid.uuid4()))
    assert (e.value.status, e.value.code) == (400, 16002)

    assert client.conferences(sid).participants(b.call_sid).delete() is True
    with pytest.raises(TwilioRestException) as e:
        client.conferences(sid).participants(b.call_sid).fetch()
    assert (e.value.status, e.value.code) == (404, 20404)
    assert client.conferences(sid).fetch().status == "in-progress"
    assert client.conferences(sid).participants("alice").delete() is True
    conf = client.conferences(sid).fetch()
    assert conf.status == "completed"
    assert conf.reason_conference_ended == "participant-with-end-conference-on-exit-kicked"
    assert conf.call_sid_ending_conference == a.call_sid
    with pytest.raises(TwilioRestException) as e:
        client.conferences(sid).participants(a.call_sid).update(muted=True)
    assert (e.value.status, e.value.code) == (400, 10000)


def test_calls_fetch_and_hang_up(confab, sdk_rw):
    client, project = sdk_rw
    sid, (a, b) = sdk_conference(confab, client, project, n=2)
    call = client.calls(a.call_sid).fetch()
    assert call.sid == a.call_sid and call.account_sid == project.id
    assert call.status == "in-progress" and call.direction == "outbound-api"
    assert call.from_ == "+15550001111" and call.to == "+15550004000"
    assert isinstance(call.start_time, dt.datetime) and call.end_time is None and call.duration is None
    assert call.uri == f"/2010-04-01/Accounts/{project.id}/Calls/{a.call_sid}.json"

    call = client.calls(a.call_sid).update(status="completed")
    assert call.sid == a.call_sid and call.status == "completed"
    fetched = client.calls(a.call_sid).fetch()
    assert fetched.status == "completed" and isinstance(fetched.end_time, dt.datetime)
    assert fetched.duration is not None and int(fetched.duration) >= 0
    with pytest.raises(TwilioRestException) as e:
        client.conferences(sid).participants(a.call_sid).fetch()
    assert (e.value.status, e.value.code) == (404, 20404)

    client.calls(b.call_sid).update(status="completed")
    conf = client.conferences(sid).fetch()
    assert conf.status == "completed" and conf.reason_conference_ended == "last-participant-left"
    assert conf.call_sid_ending_conference == b.call_sid
    with pytest.raises(TwilioRestException) as e:
        client.calls(str(uuid.uuid4())).fetch()
    assert (e.value.status, e.value.code) == (404, 20404)


def test_calls_list(confab):
    project = confab.fresh_project()
    client = make_client(confab, project)
    sid, made = sdk_conference(confab, client, project, n=3)
    client.calls(made[0].call_sid).update(status="completed")
    got = client.calls.list(page_size=1)
    assert sorted(c.sid for c in got) == sorted(p.call_sid for p in made)
    gets = [u for m, u, _ in client.http_client.urls if m == "GET" and "/Calls" in u]
    assert len(gets) >= 3 and "PageToken=PA" in gets[-1], gets
    assert [c.sid for c in client.calls.list(status="completed")] == [made[0].call_sid]
    assert sorted(c.sid for c in client.calls.list(status="in-progress")) == \
        sorted(p.call_sid for p in made[1:])
    assert [c.sid for c in client.calls.list(to="+15550004002")] == [made[2].call_sid]
    assert sorted(c.sid for c in client.calls.list(from_="+15550001111")) == sorted(p.call_sid for p in made)


def test_recordings_list_fetch_update_delete(confab, sdk_rw):
    client, project = sdk_rw
    sid, _ = sdk_conference(confab, client, project, n=2, conference_record="record-from-start")
    confab.wait_recording(sid, project)
    recs = client.conferences(sid).recordings.list()
    assert len(recs) == 1
    rec = recs[0]
    assert rec.conference_sid == sid and rec.account_sid == project.id and rec.status == "in-progress"
    assert rec.channels == 1 and rec.call_sid is None and rec.duration is None
    assert isinstance(rec.start_time, dt.datetime) and rec.start_time.tzinfo is not None
    assert rec.uri == f"/2010-04-01/Accounts/{project.id}/Conferences/{sid}/Recordings/{rec.sid}.json"
    got = client.conferences(sid).recordings(rec.sid).fetch()
    assert got.sid == rec.sid and got.status == "in-progress"
    today = dt.datetime.now(dt.timezone.utc).date()
    assert [r.sid for r in client.conferences(sid).recordings.list(date_created=today)] == [rec.sid]
    assert client.conferences(sid).recordings.list(date_created_before=today - dt.timedelta(days=1)) == []

    got = client.conferences(sid).recordings(rec.sid).update(status="paused", pause_behavior="skip")
    assert got.sid == rec.sid and got.status == "paused"
    got = client.conferences(sid).recordings(rec.sid).update(status="in-progress")
    assert got.status == "in-progress"
    got = client.conferences(sid).recordings(rec.sid).update(status="stopped")
    assert got.status == "stopped"
    done = confab.wait_recording_status(sid, rec.sid, "completed", project)
    got = client.conferences(sid).recordings(rec.sid).fetch()
    assert got.status == "completed" and int(got.duration) == done["duration"]
    with pytest.raises(TwilioRestException) as e:
        client.conferences(sid).recordings(rec.sid).update(status="paused")
    assert (e.value.status, e.value.code) == (400, 10000)

    assert client.conferences(sid).recordings(rec.sid).delete() is True
    with pytest.raises(TwilioRestException) as e:
        client.conferences(sid).recordings(rec.sid).fetch()
    assert (e.value.status, e.value.code) == (404, 20404)
    assert client.conferences(sid).recordings.list() == []
    client.conferences(sid).update(status="completed")
