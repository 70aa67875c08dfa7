"""Announcements (issue 4, Build 5 and 6; spec part 0 "Announcements", §8.2): `AnnounceUrl` returns at once,
then the server fetches it (AnnounceMethod POST by default or GET, with the documented parameters, signed),
plays audio or cXML (<Play loop>, <Say>, <Pause length>, <Redirect>; other verbs skipped) for its real
duration through the simulated engine, and reports `announcement-end` or `announcement-fail` with
`ReasonAnnouncementFailed` to a conference callback subscribed with `announcement`. `Status=completed`
together with `AnnounceUrl` ends the conference at once (part 0, "Ending"); the announcement is not played.

The session server runs with --webhook-timeout 6, so the time-out case takes 6 s instead of 30."""

import time

import pytest

from confab_helpers import DEFAULT_FROM, DEFAULT_TO, assert_error, describe, wait_for
from webhook_receiver import receiver  # noqa: F401 (the fixture)
from webhook_receiver import (FORM, callback_conference, check_conference_event, check_signed, cxml, mp3_bytes,
                              wav_bytes)

CONF_PARAMS = {"AccountSid", "ApiVersion", "ConferenceSid", "FriendlyName"}
PART_PARAMS = {"CallSid", "CallStatus", "From", "To", "Direction"}


def announce(confab, sid, **params):
    t0 = time.monotonic()
    r = confab.post(confab.conf_path(sid), data=params)
    took = time.monotonic() - t0
    assert r.status_code == 200, describe(r)
    assert r.json()["sid"] == sid, describe(r)
    return r, took


def check_fetch(confab, hit, sid, name, url, method="POST", participant=None):
    """The announce fetch: the method, the parameters (query for GET, form for POST), signed."""
    assert hit.method == method, f"{hit} (want {method})"
    if method == "POST":
        assert hit.content_type == FORM, hit.headers.get("Content-Type")
        params = dict(hit.form)
    else:
        assert hit.body == b"", hit.body[:200]
        params = dict(hit.query)
    want = CONF_PARAMS | (PART_PARAMS if participant else set())
    assert want <= set(params), f"announce fetch lacks {sorted(want - set(params))}: {params}"
    assert params["AccountSid"] == confab.a.id and params["ApiVersion"] == "2010-04-01", params
    assert params["ConferenceSid"] == sid and params["FriendlyName"] == name, params
    if participant:
        assert params["CallSid"] == participant["call_sid"], params
        assert params["CallStatus"] == "in-progress" and params["Direction"] == "outbound-api", params
        assert params["From"] == DEFAULT_FROM and params["To"] == DEFAULT_TO, params
    else:
        assert "CallSid" not in params, f"a conference-wide announcement names no call: {params}"
    check_signed(hit, confab.a.signing_key, url)
    return params


def check_outcome(confab, p, sid, name, url, event="announcement-end", call=None):
    check_conference_event(p, confab.a, sid, name, event, call=call)
    assert p.get("AnnounceUrl") == url, f"AnnounceUrl {p.get('AnnounceUrl')!r}, want {url!r}: {p}"
    if event == "announcement-end":
        assert "ReasonAnnouncementFailed" not in p, p
    return p


def test_announce_returns_at_once_then_fetches_with_post_and_plays_the_wav(confab, receiver):
    receiver.set("slow.wav", delay=3, body=wav_bytes(2), content_type="audio/wav")
    sid, name, _ = callback_conference(confab, receiver, events="announcement")
    url = receiver.url("slow.wav")
    r, took = announce(confab, sid, AnnounceUrl=url)
    assert took < 1.0, f"the REST call waited {took:.2f}s for the fetch"
    assert r.json()["status"] == "in-progress", describe(r)
    [fetch] = receiver.wait("slow.wav")
    check_fetch(confab, fetch, sid, name, url)
    [end] = receiver.wait("cb", pred=lambda h: h.params.get("StatusCallbackEvent") == "announcement-end",
                          timeout=15)
    check_outcome(confab, end.params, sid, name, url)
    fetch_answered = wait_for(lambda: fetch.answered, what="the WAV sent")
    played = end.arrived - fetch_answered
    assert played >= 1.8, f"a 2-second WAV ended {played:.2f}s after it was fetched"
    assert played < 8, f"a 2-second WAV ended {played:.2f}s after it was fetched"
    assert receiver.events("cb") == ["announcement-end"]
    check_signed(end, confab.a.signing_key, receiver.url("cb"))


def test_announce_with_get_puts_the_params_in_the_query(confab, receiver):
    receiver.set("get.wav", body=wav_bytes(0.3), content_type="audio/x-wav")
    sid, name, _ = callback_conference(confab, receiver, events="announcement")
    url = receiver.url("get.wav?campaign=spring")
    announce(confab, sid, AnnounceUrl=url, AnnounceMethod="GET")
    [fetch] = receiver.wait("get.wav")
    params = check_fetch(confab, fetch, sid, name, url, method="GET")
    assert params["campaign"] == "spring", f"the URL's own query is kept: {fetch.raw_path}"
    p = receiver.wait_event("cb", "announcement-end")[0]
    check_outcome(confab, p, sid, name, url)


def test_participant_announcement(confab, receiver):
    receiver.set("p.mp3", body=mp3_bytes(0.5), content_type="audio/mpeg")
    sid, name, [a, b] = callback_conference(confab, receiver, events="announcement")
    url = receiver.url("p.mp3")
    t0 = time.monotonic()
    r = confab.update_participant(sid, b["call_sid"], AnnounceUrl=url)
    assert r.status_code == 200 and time.monotonic() - t0 < 1.0, describe(r)
    assert r.json()["call_sid"] == b["call_sid"], describe(r)
    [fetch] = receiver.wait("p.mp3")
    check_fetch(confab, fetch, sid, name, url, participant=b)
    p = receiver.wait_event("cb", "announcement-end")[0]
    check_outcome(confab, p, sid, name, url, call=b["call_sid"])


def test_cxml_playlist_plays_in_order_for_its_length(confab, receiver):
    receiver.set("dir/ann.xml", content_type="text/xml", body=cxml(
        '<Say voice="woman" language="en-US">hello there</Say><Pause length="1"/>'
        '<Dial>+15550000000</Dial><Play loop="2">clip.wav</Play><Hangup/>'))
    receiver.set("dir/clip.wav", body=wav_bytes(0.8), content_type="audio/wav")
    sid, name, _ = callback_conference(confab, receiver, events="announcement")
    url = receiver.url("dir/ann.xml")
    announce(confab, sid, AnnounceUrl=url)
    [doc] = receiver.wait("dir/ann.xml")
    check_fetch(confab, doc, sid, name, url)
    [end] = receiver.wait("cb", pred=lambda h: h.params.get("StatusCallbackEvent") == "announcement-end",
                          timeout=15)
    check_outcome(confab, end.params, sid, name, url)
    clips = receiver.got("dir/clip.wav")
    assert clips, f"<Play>clip.wav</Play> was not fetched relative to the document: {receiver.got()}"
    for h in clips:
        check_signed(h, confab.a.signing_key, receiver.url("dir/clip.wav"))
    played = end.arrived - doc.answered
    # Say (2 words: at least 1 s) + Pause 1 s + 2 x 0.8 s of WAV; Dial and Hangup skipped
    assert played >= 3.3, f"the playlist ended {played:.2f}s after the markup was fetched (want >= 3.6 s)"
    assert played < 10, f"the playlist ended {played:.2f}s after the markup was fetched"
    assert receiver.events("cb") == ["announcement-end"]


def test_redirect_is_followed(confab, receiver):
    receiver.set("r/one.xml", content_type="application/xml", body=cxml("<Redirect>two.xml</Redirect>"))
    receiver.set("r/two.xml", content_type="text/xml", body=cxml('<Pause length="1"/>'))
    sid, name, _ = callback_conference(confab, receiver, events="announcement")
    url = receiver.url("r/one.xml")
    announce(confab, sid, AnnounceUrl=url)
    p = receiver.wait_event("cb", "announcement-end")[0]
    check_outcome(confab, p, sid, name, url)
    [two] = receiver.got("r/two.xml")
    check_signed(two, confab.a.signing_key, receiver.url("r/two.xml"))
    assert two.arrived >= receiver.got("r/one.xml")[0].arrived


def test_redirect_loop_stops_after_five_hops(confab, receiver):
    receiver.set("loop.xml", content_type="text/xml", body=cxml("<Redirect>loop.xml</Redirect>"))
    sid, name, _ = callback_conference(confab, receiver, events="announcement")
    url = receiver.url("loop.xml")
    announce(confab, sid, AnnounceUrl=url)
    p = receiver.wait_event("cb", "announcement-fail")[0]
    check_outcome(confab, p, sid, name, url, event="announcement-fail")
    assert p.get("ReasonAnnouncementFailed"), p
    n = len(receiver.got("loop.xml"))
    assert 2 <= n <= 6, f"a <Redirect> loop was fetched {n} times (at most 5 hops after the first fetch)"


@pytest.mark.parametrize("rule,reason", [
    ({"status": 404, "body": "nope"}, "http-404"),
    ({"body": "hello", "content_type": "text/html"}, "invalid-markup"),
    ({"body": "<Response><Say>hi</Response", "content_type": "text/xml"}, "invalid-markup"),
    ({"body": b"this is not audio at all", "content_type": "audio/wav"}, "unsupported-media"),
], ids=["404", "html", "malformed-xml", "not-audio"])
def test_announcement_fail(confab, receiver, rule, reason):
    receiver.set("bad", **rule)
    sid, name, _ = callback_conference(confab, receiver, events="announcement")
    url = receiver.url("bad")
    announce(confab, sid, AnnounceUrl=url)
    receiver.wait("bad")
    p = receiver.wait_event("cb", "announcement-fail")[0]
    check_outcome(confab, p, sid, name, url, event="announcement-fail")
    assert p.get("ReasonAnnouncementFailed") == reason, f"want reason {reason!r}: {p}"
    receiver.quiet("cb", 0.2)
    assert receiver.events("cb") == ["announcement-fail"]
    assert confab.fetch_conference(sid)["status"] == "in-progress", "a failed announcement ends nothing"


def test_announcement_fetch_timeout(confab, receiver):
    """A server that never answers: the fetch gives up after webhook_timeout and the announcement fails
    with ReasonAnnouncementFailed=timeout; the REST call did not wait for any of it."""
    receiver.set("slow", hang=True)
    sid, name, _ = callback_conference(confab, receiver, events="announcement")
    url = receiver.url("slow")
    _, took = announce(confab, sid, AnnounceUrl=url)
    assert took < 1.0, f"the REST call waited {took:.1f}s for the fetch"
    t0 = time.monotonic()
    p = receiver.wait_event("cb", "announcement-fail", timeout=20)[0]
    waited = time.monotonic() - t0
    check_outcome(confab, p, sid, name, url, event="announcement-fail")
    assert p.get("ReasonAnnouncementFailed") == "timeout", p
    assert 4.0 <= waited <= 15.0, f"the fetch gave up after {waited:.1f}s (webhook_timeout is 6 s)"


HOSTILE = {
    "doctype-entities": ('<?xml version="1.0"?><!DOCTYPE Response [<!ENTITY a "aaaaaaaaaa">'
                         '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
                         '<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><Response><Say>&d;&d;&d;</Say></Response>'),
    "external-entity": ('<?xml version="1.0"?><!DOCTYPE Response [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                        '<Response><Say>&x;</Say></Response>'),
    "deep": "<Response>" + "<Pause>" * 200 + "</Pause>" * 200 + "</Response>",
    "many-elements": "<Response>" + "<Hangup/>" * 5000 + "</Response>",
    "huge": "<Response><!-- " + "x" * (1 << 20) + ' --><Pause length="1"/></Response>',
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_markup_fails_cleanly(confab, receiver, kind):
    """Markup past the parser's caps (size, depth, element count) or with a DTD/entities is refused: the
    announcement fails, nothing is expanded or loaded, and the server goes on (the session's sanitizer
    check covers the rest)."""
    receiver.set("evil.xml", content_type="text/xml", body=HOSTILE[kind])
    sid, name, _ = callback_conference(confab, receiver, events="announcement")
    url = receiver.url("evil.xml")
    announce(confab, sid, AnnounceUrl=url)
    p = receiver.wait_event("cb", "announcement-fail", timeout=10)[0]
    check_outcome(confab, p, sid, name, url, event="announcement-fail")
    assert p.get("ReasonAnnouncementFailed"), p
    assert confab.fetch_conference(sid)["status"] == "in-progress"


def test_hold_url_is_fetched_signed_with_get_by_default(confab, receiver):
    receiver.set("hold.xml", content_type="text/xml", body=cxml('<Play loop="0">music.wav</Play>'))
    receiver.set("music.wav", content_type="audio/wav", body=wav_bytes(0.5))
    sid, name, [a, b] = confab.new_conference(participants=2)
    url = receiver.url("hold.xml")
    r = confab.update_participant(sid, b["call_sid"], Hold="true", HoldUrl=url)
    assert r.status_code == 200 and r.json()["hold"] is True, describe(r)
    [fetch] = receiver.wait("hold.xml")[:1]
    assert fetch.method == "GET", f"HoldMethod defaults to GET (§8.3): {fetch}"
    check_signed(fetch, confab.a.signing_key, url)
    receiver.wait("music.wav")
    r = confab.update_participant(sid, b["call_sid"], Hold="false")
    assert r.status_code == 200 and r.json()["hold"] is False, describe(r)
    confab.end_conference(sid)


def test_wait_url_is_fetched_while_the_conference_waits(confab, receiver):
    receiver.set("wait.xml", content_type="text/xml", body=cxml('<Pause length="1"/>'))
    url = receiver.url("wait.xml")
    sid, name, [a] = confab.new_conference(participants=1, WaitUrl=url, WaitMethod="POST")
    [fetch] = receiver.wait("wait.xml")[:1]
    assert fetch.method == "POST", fetch
    check_signed(fetch, confab.a.signing_key, url)
    assert confab.fetch_conference(sid)["status"] == "init"
    confab.end_conference(sid)


def test_status_completed_with_announce_ends_at_once(confab, receiver):
    """Part 0, "Ending": Status=completed ends the conference in one transaction and answers the final
    object, AnnounceUrl or not; the announcement is not fetched (nobody is left to hear it)."""
    receiver.set("bye.xml", content_type="text/xml", body=cxml('<Pause length="2"/>'))
    sid, name, parts = callback_conference(confab, receiver, events="announcement end")
    url = receiver.url("bye.xml")
    r, took = announce(confab, sid, Status="completed", AnnounceUrl=url)
    body = r.json()
    assert body["status"] == "completed", body
    assert body["reason_conference_ended"] == "conference-ended-via-api", body
    assert body["call_sid_ending_conference"] is None, body
    assert confab.live_call_sids(sid) == set()
    receiver.wait_event("cb", "conference-end")
    got = [h.params for h in receiver.quiet("cb", 0.3)]
    assert [p["StatusCallbackEvent"] for p in got] == ["conference-end"], got
    assert receiver.got("bye.xml") == [], "the announcement of an ended conference was fetched"
    # a bad AnnounceUrl is still refused, and changes nothing
    sid2, _, _ = callback_conference(confab, receiver, cb="cb2", events="end")
    bad = confab.post(confab.conf_path(sid2), data={"Status": "completed", "AnnounceUrl": "ftp://x/y"})
    assert_error(bad, 400, 21402)
    assert confab.fetch_conference(sid2)["status"] == "in-progress"
    confab.end_conference(sid2)


# ---- what the signature covers (spec §8.6): the URL as requested ------------------------------------------

def test_signature_leaves_out_userinfo_and_fragment(confab, receiver):
    """`http://u:p@host/path?z=1#frag`: libcurl sends u:p as Basic credentials and never sends the fragment,
    so the receiver sees `http://host/path?z=1`; the signature must verify against that URL (python3-twilio's
    RequestValidator, as an application validates it), not against the configured one."""
    import base64
    receiver.set("cred.wav", body=wav_bytes(0.3), content_type="audio/wav")
    receiver.set("cred-get.wav", body=wav_bytes(0.3), content_type="audio/wav")
    sid, name, _ = callback_conference(confab, receiver, events="announcement")
    bare = receiver.url("cred.wav")
    url = bare.replace("http://", "http://u:p@") + "?z=1#frag"
    announce(confab, sid, AnnounceUrl=url)
    [fetch] = receiver.wait("cred.wav")
    assert fetch.url == bare + "?z=1", fetch.url
    assert fetch.headers.get("Authorization") == "Basic " + base64.b64encode(b"u:p").decode(), fetch.headers
    check_fetch(confab, fetch, sid, name, bare + "?z=1")
    p = receiver.wait_event("cb", "announcement-end")[0]
    check_outcome(confab, p, sid, name, url)

    # GET: the parameters go into the query, before the fragment (which is not sent)
    bare = receiver.url("cred-get.wav")
    url = bare.replace("http://", "http://u:p@") + "?z=1#frag"
    announce(confab, sid, AnnounceUrl=url, AnnounceMethod="GET")
    [fetch] = receiver.wait("cred-get.wav")
    assert fetch.url.startswith(bare + "?z=1&"), fetch.url
    params = check_fetch(confab, fetch, sid, name, bare, method="GET")
    assert params["z"] == "1", params
    receiver.wait_event("cb", "announcement-end", n=2)


# ---- HTTP redirects of a fetch: followed here, each hop signed for its own URL ---------------------------

@pytest.mark.parametrize("status", [307, 308])
def test_http_307_308_keep_the_post_and_its_params_signed_for_the_new_url(confab, receiver, status):
    receiver.set("moved", status=status, headers={"Location": "there/new.wav"})
    receiver.set("there/new.wav", body=wav_bytes(0.3), content_type="audio/wav")
    sid, name, _ = callback_conference(confab, receiver, events="announcement")
    url = receiver.url("moved")
    announce(confab, sid, AnnounceUrl=url)
    [first] = receiver.wait("moved")
    check_fetch(confab, first, sid, name, url)
    [hop] = receiver.wait("there/new.wav")
    # the same method and body, and a signature for the new URL (check_signed validates against hop.url)
    params = check_fetch(confab, hop, sid, name, receiver.url("there/new.wav"))
    assert hop.form == first.form, (hop.form, first.form)
    assert params["ConferenceSid"] == sid
    p = receiver.wait_event("cb", "announcement-end")[0]
    check_outcome(confab, p, sid, name, url)


@pytest.mark.parametrize("status", [301, 302, 303])
def test_http_301_302_303_turn_the_post_into_a_get_with_the_params_signed(confab, receiver, status):
    target = receiver.url("new.wav?k=v")
    receiver.set("old", status=status, headers={"Location": target})
    receiver.set("new.wav", body=wav_bytes(0.3), content_type="audio/wav")
    sid, name, [a, b] = callback_conference(confab, receiver, events="announcement")
    url = receiver.url("old")
    r = confab.update_participant(sid, b["call_sid"], AnnounceUrl=url)
    assert r.status_code == 200, describe(r)
    [first] = receiver.wait("old")
    check_fetch(confab, first, sid, name, url, participant=b)
    [hop] = receiver.wait("new.wav")
    params = check_fetch(confab, hop, sid, name, target, method="GET", participant=b)
    assert params["k"] == "v", f"the Location's own query is kept: {hop.raw_path}"
    assert {k: v for k, v in params.items() if k != "k"} == dict(first.form), (params, first.form)
    p = receiver.wait_event("cb", "announcement-end")[0]
    check_outcome(confab, p, sid, name, url, call=b["call_sid"])


def test_http_redirect_of_a_get_follows_the_location_as_given(confab, receiver):
    target = receiver.url("g2.wav?only=this")
    receiver.set("g1", status=302, headers={"Location": target})
    receiver.set("g2.wav", body=wav_bytes(0.3), content_type="audio/wav")
    sid, name, _ = callback_conference(confab, receiver, events="announcement")
    url = receiver.url("g1")
    announce(confab, sid, AnnounceUrl=url, AnnounceMethod="GET")
    [first] = receiver.wait("g1")
    check_fetch(confab, first, sid, name, url, method="GET")
    [hop] = receiver.wait("g2.wav")
    assert hop.method == "GET" and hop.query == [("only", "this")], hop.raw_path
    check_signed(hop, confab.a.signing_key, target)
    receiver.wait_event("cb", "announcement-end")


def test_http_redirect_loop_fails_after_five_redirects(confab, receiver):
    receiver.set("spin", status=302, headers={"Location": "spin"})
    sid, name, _ = callback_conference(confab, receiver, events="announcement")
    url = receiver.url("spin")
    announce(confab, sid, AnnounceUrl=url)
    p = receiver.wait_event("cb", "announcement-fail")[0]
    check_outcome(confab, p, sid, name, url, event="announcement-fail")
    assert p["ReasonAnnouncementFailed"] == "too-many-redirects", p
    hits = receiver.got("spin")
    assert len(hits) == 6, f"the first request and 5 redirects: {hits}"
    for h in hits:
        check_signed(h, confab.a.signing_key, url)
    assert [h.method for h in hits] == ["POST"] + ["GET"] * 5, hits


# ---- announcements cut short: an outcome at the moment they are cut, in order --------------------------

def test_conference_ending_mid_play_fails_the_announcement_before_conference_end(confab, receiver):
    """An AnnounceUrl still playing when the conference ends (Status=completed) reports announcement-fail
    with ReasonAnnouncementFailed=conference-ended, before conference-end, and never an announcement-end."""
    receiver.set("long.wav", body=wav_bytes(3), content_type="audio/wav")
    sid, name, _ = callback_conference(confab, receiver, events="announcement end")
    url = receiver.url("long.wav")
    announce(confab, sid, AnnounceUrl=url)
    [fetch] = receiver.wait("long.wav")
    answered = wait_for(lambda: fetch.answered, what="the WAV sent")
    time.sleep(max(0.0, answered + 0.8 - time.monotonic()))  # measured and handed to the engine by now
    confab.end_conference(sid)
    receiver.wait_event("cb", "conference-end")
    time.sleep(max(0.0, answered + 4.0 - time.monotonic()))  # past the WAV's end
    got = [h.params for h in receiver.quiet("cb", 0.3)]
    assert [p["StatusCallbackEvent"] for p in got] == ["announcement-fail", "conference-end"], got
    check_outcome(confab, got[0], sid, name, url, event="announcement-fail")
    assert got[0]["ReasonAnnouncementFailed"] == "conference-ended", got[0]
    assert int(got[0]["SequenceNumber"]) < int(got[1]["SequenceNumber"]), got


def test_conference_ending_while_the_announcement_is_fetched(confab, receiver):
    """Ended while its fetch is still running: announcement-fail (conference-ended) before conference-end,
    and when the fetch comes back later nothing is played and nothing more is reported."""
    receiver.set("late.wav", delay=1.5, body=wav_bytes(0.5), content_type="audio/wav")
    sid, name, _ = callback_conference(confab, receiver, events="announcement end")
    url = receiver.url("late.wav")
    announce(confab, sid, AnnounceUrl=url)
    [fetch] = receiver.wait("late.wav")
    confab.end_conference(sid)
    receiver.wait_event("cb", "conference-end")
    wait_for(lambda: fetch.answered, what="the late WAV sent")
    time.sleep(1.5)
    got = [h.params for h in receiver.quiet("cb", 0.3)]
    assert [p["StatusCallbackEvent"] for p in got] == ["announcement-fail", "conference-end"], got
    check_outcome(confab, got[0], sid, name, url, event="announcement-fail")
    assert got[0]["ReasonAnnouncementFailed"] == "conference-ended", got[0]


def test_participant_kicked_mid_play_fails_its_announcement_at_once(confab, receiver):
    """A participant announcement whose participant is kicked while it plays reports announcement-fail with
    ReasonAnnouncementFailed=participant-left at that moment, before the participant-leave, and never an
    announcement-end seconds later as if it had played to the end."""
    receiver.set("mine.wav", body=wav_bytes(3), content_type="audio/wav")
    sid, name, [a, b, c] = callback_conference(confab, receiver, n=3, events="announcement leave")
    url = receiver.url("mine.wav")
    r = confab.update_participant(sid, b["call_sid"], AnnounceUrl=url)
    assert r.status_code == 200, describe(r)
    [fetch] = receiver.wait("mine.wav")
    answered = wait_for(lambda: fetch.answered, what="the WAV sent")
    time.sleep(max(0.0, answered + 0.8 - time.monotonic()))
    kicked = time.monotonic()
    confab.kick(sid, b["call_sid"])
    fail = receiver.wait("cb", pred=lambda h: h.params.get("StatusCallbackEvent") == "announcement-fail")[0]
    assert fail.arrived - kicked < 1.5, f"announcement-fail came {fail.arrived - kicked:.2f}s after the kick"
    receiver.wait_event("cb", "participant-leave")
    time.sleep(max(0.0, answered + 4.0 - time.monotonic()))  # past the WAV's end
    got = [h.params for h in receiver.quiet("cb", 0.3)]
    assert [p["StatusCallbackEvent"] for p in got] == ["announcement-fail", "participant-leave"], got
    check_outcome(confab, got[0], sid, name, url, event="announcement-fail", call=b["call_sid"])
    assert got[0]["ReasonAnnouncementFailed"] == "participant-left", got[0]
    assert got[1]["CallSid"] == b["call_sid"], got[1]
    assert confab.fetch_conference(sid)["status"] == "in-progress"
