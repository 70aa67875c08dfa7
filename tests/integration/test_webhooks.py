"""Status callbacks (issue 4; spec part 0 "Webhooks", §8.4, §8.5, §8.6): conference, call and recording
callbacks as a real receiver on loopback gets them — signed (python3-twilio's RequestValidator, both
headers), with every parameter, in SequenceNumber order per conference even under concurrent changes, retried
with backoff after a 500, surviving a SIGKILL of the server, and refused when the destination is loopback and
loopback is not allowed."""

import os
import re
import signal
import threading
import time

import pytest
import requests
from twilio.request_validator import RequestValidator

from confab_helpers import assert_error, describe, parse_rfc2822, unique_name, wait_for
from webhook_receiver import receiver  # noqa: F401 (the fixture)
from webhook_receiver import (FORM, LOOPBACK_ALLOWED, ServeProcess, assert_in_order, callback_conference,
                              check_conference_event, check_signed, seqs, settled_log)


def signing_key(confab, project=None):
    key = (project or confab.a).signing_key
    assert key, "`confab project create --json` printed no signing_key"
    return key


def check_delivery(confab, hits, url=None, project=None, method="POST"):
    """Every hit is a signed request with the expected method (form body for POST, query for GET)."""
    for h in hits:
        assert h.method == method, f"{h} (want {method})"
        if method == "POST":
            assert h.content_type == FORM, f"Content-Type {h.headers.get('Content-Type')!r} on {h}"
        else:
            assert h.body == b"", f"a GET callback has no body: {h.body[:200]!r}"
        check_signed(h, signing_key(confab, project), url)


# ---- signing ---------------------------------------------------------------------------------------------

def test_spec_signature_vectors():
    """§8.6's vectors (from signalwire-ruby's specs) as python3-twilio's validator computes them: the same
    algorithm the receiver checks every callback with below."""
    v = RequestValidator("qwerty")
    assert v.compute_signature("https://example.com/test", {"foo": "bar"}) == "TR9Skm9jiF4WVRJznU5glK5I83k="
    url = ("https://example.com/test?bodySHA256="
           "8d90d640c6ba47d595ac56203d7f5c6b511be80fdf44a2055acca75a119b9fd2")
    assert v.compute_signature(url, {}) == "zR5Oq4f6cijN5oz5bisiVuxYnTU="
    assert v.validate(url, '{"message": "a post body"}', "zR5Oq4f6cijN5oz5bisiVuxYnTU=")


# ---- conference status callbacks -------------------------------------------------------------------------

def test_default_subscription_is_start_and_end(confab, receiver):
    sid, name, [p1, p2] = callback_conference(confab, receiver)
    start = receiver.wait_event("cb", "conference-start")[0]
    confab.end_conference(sid)
    end = receiver.wait_event("cb", "conference-end")[0]
    hits = receiver.quiet("cb", 0.3)
    assert receiver.events("cb") == ["conference-start", "conference-end"], \
        f"default events are `start end` only: {hits}"
    check_delivery(confab, hits, receiver.url("cb"))
    check_conference_event(start, confab.a, sid, name, "conference-start")
    check_conference_event(end, confab.a, sid, name, "conference-end")
    assert int(end["SequenceNumber"]) > int(start["SequenceNumber"])
    assert end["ReasonConferenceEnded"] == "conference-ended-via-api", end
    assert "CallSidEndingConference" not in end, f"no call ended it: {end}"
    assert parse_rfc2822(end["Timestamp"]) >= parse_rfc2822(start["Timestamp"])


def test_every_participant_event_in_order(confab, receiver):
    sid, name, [host, guest] = callback_conference(
        confab, receiver, events="start end join leave mute hold modify", first={"Label": "host"})
    g, h = guest["call_sid"], host["call_sid"]
    for params in ({"Muted": "true"}, {"Muted": "false"}, {"Hold": "true"}, {"Hold": "false"},
                   {"BeepOnExit": "false"}, {"EndConferenceOnExit": "true"}, {"CallSidToCoach": "host"},
                   {"WaitUrl": receiver.url("wait.xml")}):
        r = confab.update_participant(sid, g, **params)
        assert r.status_code == 200, describe(r)
    confab.kick(sid, g)  # EndConferenceOnExit=true: ends the conference, the host leaves too
    receiver.wait_event("cb", "conference-end")
    hits = receiver.quiet("cb", 0.3)
    check_delivery(confab, hits, receiver.url("cb"))
    got = [x.params for x in hits]
    names = [p["StatusCallbackEvent"] for p in got]
    assert sorted(names[:3]) == ["conference-start", "participant-join", "participant-join"], names
    assert names[3:] == ["participant-mute", "participant-unmute", "participant-hold", "participant-unhold",
                         "participant-modify", "participant-modify", "participant-modify", "participant-modify",
                         "participant-leave", "participant-leave", "conference-end"], names
    s = seqs(got)
    assert s == sorted(set(s)), f"SequenceNumbers not strictly increasing: {s}"

    joins = [p for p in got if p["StatusCallbackEvent"] == "participant-join"]
    assert [p["CallSid"] for p in joins] == [h, g], "the host joined first"
    for p in got:
        ev = p["StatusCallbackEvent"]
        if ev.startswith("participant-"):
            check_conference_event(p, confab.a, sid, name, ev, call=p["CallSid"])
            if p["CallSid"] == h:
                assert p.get("ParticipantLabel") == "host", p
            else:
                assert "ParticipantLabel" not in p, f"an unlabelled participant has no ParticipantLabel: {p}"
        else:
            check_conference_event(p, confab.a, sid, name, ev)
    by = {}
    for p in got[3:]:
        by.setdefault(p["StatusCallbackEvent"], []).append(p)
    assert by["participant-mute"][0]["Muted"] == "true" and by["participant-unmute"][0]["Muted"] == "false"
    assert by["participant-hold"][0]["Hold"] == "true" and by["participant-unhold"][0]["Hold"] == "false"
    m1, m2, m3, m4 = by["participant-modify"]  # BeepOnExit, EndConferenceOnExit, Coaching, WaitUrl
    assert m1["EndConferenceOnExit"] == "false" and m1["Coaching"] == "false", m1
    assert m2["EndConferenceOnExit"] == "true" and m2["Coaching"] == "false", m2
    assert m3["EndConferenceOnExit"] == "true" and m3["Coaching"] == "true", m3
    assert m4["Coaching"] == "true", m4
    for p in got[3:11]:
        assert p["CallSid"] == g and p["StartConferenceOnEnter"] == "true", p
    l1, l2 = by["participant-leave"]
    assert l1["CallSid"] == g and l1["ReasonParticipantLeft"] == "participant_updated_via_api", l1
    assert l2["CallSid"] == h and l2["ReasonParticipantLeft"] == "moderator_ended_conference", l2
    assert l1["ParticipantCallStatus"] == "completed" and l2["ParticipantCallStatus"] == "completed", (l1, l2)
    for p in got:
        if p["StatusCallbackEvent"] != "participant-leave":
            assert "ReasonParticipantLeft" not in p and "ParticipantCallStatus" not in p, p
    end = by["conference-end"][0]
    assert end["ReasonConferenceEnded"] == "participant-with-end-conference-on-exit-kicked", end
    assert end["CallSidEndingConference"] == g, end


def test_repeated_keys_subscribe_only_those_events(confab, receiver):
    sid, name, [a, b] = callback_conference(confab, receiver, events=["join", "leave"])
    confab.end_conference(sid)
    receiver.wait_event("cb", "participant-leave", n=2)
    hits = receiver.quiet("cb", 0.3)
    assert sorted(receiver.events("cb")) == ["participant-join"] * 2 + ["participant-leave"] * 2, hits
    assert receiver.events("cb")[:2] == ["participant-join"] * 2, hits
    s = seqs([x.params for x in hits])
    assert s == sorted(set(s)), s
    for x in hits:
        p = x.params
        check_conference_event(p, confab.a, sid, name, p["StatusCallbackEvent"], call=p["CallSid"])
    leaves = [x.params for x in hits if x.params["StatusCallbackEvent"] == "participant-leave"]
    assert {p["ReasonParticipantLeft"] for p in leaves} == {"conference_ended_via_api"}, leaves


def test_later_participants_callback_params_are_ignored(confab, receiver):
    name = unique_name("wh-later")
    first = confab.create_participant(name, ConferenceStatusCallback=receiver.url("first"),
                                      ConferenceStatusCallbackEvent="join")
    sid = first["conference_sid"]
    second = confab.create_participant(name, ConferenceStatusCallback=receiver.url("second"),
                                       ConferenceStatusCallbackEvent="join leave mute start end",
                                       ConferenceStatusCallbackMethod="GET")
    confab.wait_conference_status(sid, "in-progress")
    r = confab.update_participant(sid, second["call_sid"], Muted="true")
    assert r.status_code == 200, describe(r)
    confab.end_conference(sid)
    joins = receiver.wait_event("first", "participant-join", n=2)
    time.sleep(0.5)
    assert receiver.got("second") == [], f"a later participant's callback was used: {receiver.got('second')}"
    assert receiver.events("first") == ["participant-join"] * 2, receiver.got("first")
    assert [p["CallSid"] for p in joins] == [first["call_sid"], second["call_sid"]]
    check_delivery(confab, receiver.got("first"), receiver.url("first"))


def test_get_method_sends_params_in_the_query(confab, receiver):
    receiver.set("cb", status=204)  # 200 or 204 both count as delivered
    url = receiver.url("cb?tag=a%20b")
    name = unique_name("wh-get")
    p1 = confab.create_participant(name, ConferenceStatusCallback=url, ConferenceStatusCallbackMethod="GET",
                                   ConferenceStatusCallbackEvent="start end")
    sid = p1["conference_sid"]
    confab.create_participant(name)
    receiver.wait_event("cb", "conference-start")
    confab.end_conference(sid)
    receiver.wait_event("cb", "conference-end")
    hits = receiver.quiet("cb", 0.3)
    assert len(hits) == 2, f"a 204 is delivered: no retry: {hits}"
    check_delivery(confab, hits, url, method="GET")
    for h in hits:
        q = dict(h.query)
        assert q.get("tag") == "a b", f"the URL's own query is kept: {h.raw_path}"
        check_conference_event(q, confab.a, sid, name, q["StatusCallbackEvent"])
    log = settled_log(confab, sid)
    done = [e for e in log if e["status"] != "none"]
    assert [e["status"] for e in done] == ["delivered", "delivered"], done
    assert all(e["attempts"] == 1 and e["last_status"] == 204 and e["method"] == "GET" for e in done), done


def test_end_conference_on_exit_participant_hangs_up(confab, receiver):
    sid, name, [boss, other] = callback_conference(confab, receiver, events="leave end",
                                                   first={"EndConferenceOnExit": "true"})
    confab.hangup_call(boss["call_sid"])
    end = receiver.wait_event("cb", "conference-end")[0]
    got = [h.params for h in receiver.quiet("cb", 0.3)]
    assert [p["StatusCallbackEvent"] for p in got] == ["participant-leave"] * 2 + ["conference-end"], got
    assert got[0]["CallSid"] == boss["call_sid"] and got[0]["ReasonParticipantLeft"] == "participant_hung_up"
    assert got[0]["EndConferenceOnExit"] == "true" and got[0]["ParticipantCallStatus"] == "completed", got[0]
    assert got[1]["CallSid"] == other["call_sid"]
    assert got[1]["ReasonParticipantLeft"] == "moderator_ended_conference", got[1]
    check_conference_event(end, confab.a, sid, name, "conference-end")
    assert end["ReasonConferenceEnded"] == "participant-with-end-conference-on-exit-left", end
    assert end["CallSidEndingConference"] == boss["call_sid"], end


@pytest.mark.parametrize("how", ["hangup", "kick"])
def test_conference_end_names_the_label_of_the_participant_that_ended_it(confab, receiver, how):
    """§8.4: conference-end carries ParticipantLabelEndingConference when the participant whose leaving
    ended the conference had a label (and not when it had none, or when the API ended it)."""
    label = "boss & co/1"
    sid, name, [boss, other] = callback_conference(confab, receiver, events="end",
                                                   first={"EndConferenceOnExit": "true", "Label": label})
    if how == "kick":
        confab.kick(sid, boss["call_sid"])
    else:
        confab.hangup_call(boss["call_sid"])
    end = receiver.wait_event("cb", "conference-end")[0]
    check_conference_event(end, confab.a, sid, name, "conference-end")
    assert end["CallSidEndingConference"] == boss["call_sid"], end
    assert end["ParticipantLabelEndingConference"] == label, end

    unlabelled = receiver.url("plain")
    sid2, name2, [p1, _] = callback_conference(confab, receiver, cb="plain", events="end",
                                               first={"EndConferenceOnExit": "true"})
    confab.hangup_call(p1["call_sid"])
    end = receiver.wait_event("plain", "conference-end")[0]
    assert end["CallSidEndingConference"] == p1["call_sid"], end
    assert "ParticipantLabelEndingConference" not in end, f"no label, no parameter: {end}"
    check_delivery(confab, receiver.got("plain"), unlabelled)

    sid3, _, _ = callback_conference(confab, receiver, cb="api", events="end",
                                     first={"EndConferenceOnExit": "true", "Label": label})
    confab.end_conference(sid3)
    end = receiver.wait_event("api", "conference-end")[0]
    assert "ParticipantLabelEndingConference" not in end and "CallSidEndingConference" not in end, end


# ---- call status callbacks -------------------------------------------------------------------------------

def check_call_event(p, project, call, status, to, sid):
    for k in ("AccountSid", "CallSid", "CallStatus", "Direction", "From", "To", "CallbackSource",
              "SequenceNumber", "Timestamp"):
        assert k in p, f"call callback lacks {k}: {p}"
    assert p["AccountSid"] == project.id and p["CallSid"] == call, p
    assert p["CallStatus"] == status, f"CallStatus {p['CallStatus']!r}, want {status!r}: {p}"
    assert p["Direction"] == "outbound-api", p
    assert p["From"] == "+15550001111" and p["To"] == to, p
    assert p["CallbackSource"] == "call-progress-events", p
    assert p["SequenceNumber"].isdigit(), p
    if "ConferenceSid" in p:
        assert p["ConferenceSid"] == sid, p
    parse_rfc2822(p["Timestamp"])


def test_call_status_callbacks(confab, receiver):
    name = unique_name("wh-call")
    host = confab.create_participant(name)
    sid = host["conference_sid"]
    confab.wait_participant_status(sid, host["call_sid"])
    every = confab.create_participant(name, StatusCallback=receiver.url("every"),
                                      StatusCallbackEvent="initiated ringing answered completed")
    default = confab.create_participant(name, To="+15550003333", StatusCallback=receiver.url("default"))
    busy = confab.create_participant(name, To="sim:busy", StatusCallback=receiver.url("busy"),
                                     StatusCallbackMethod="GET")
    confab.wait_participant_status(sid, every["call_sid"])
    confab.wait_participant_status(sid, default["call_sid"])
    receiver.wait("every", 3)
    confab.kick(sid, every["call_sid"])
    confab.hangup_call(default["call_sid"])

    hits = receiver.wait("every", 4)
    check_delivery(confab, hits, receiver.url("every"))
    got = [h.params for h in hits]
    assert [p["CallStatus"] for p in got] == ["queued", "ringing", "in-progress", "completed"], got
    for p, st in zip(got, ("queued", "ringing", "in-progress", "completed")):
        check_call_event(p, confab.a, every["call_sid"], st, "+15550002222", sid)
    s = seqs(got)
    assert s == sorted(set(s)), s
    assert got[3]["CallDuration"].isdigit() and got[3]["Duration"].isdigit(), got[3]
    for p in got[:3]:
        assert "CallDuration" not in p, f"only completed carries CallDuration: {p}"

    [d] = receiver.wait("default", 1)
    check_delivery(confab, [d], receiver.url("default"))
    check_call_event(d.params, confab.a, default["call_sid"], "completed", "+15550003333", sid)
    assert d.params["CallDuration"].isdigit(), d.params

    [b] = receiver.wait("busy", 1)
    check_delivery(confab, [b], receiver.url("busy"), method="GET")
    check_call_event(b.params, confab.a, busy["call_sid"], "busy", "sim:busy", sid)
    time.sleep(0.3)
    assert len(receiver.got("default")) == 1 and len(receiver.got("busy")) == 1, \
        "the default StatusCallbackEvent is completed only"
    assert len(receiver.got("every")) == 4


# ---- recording status callbacks --------------------------------------------------------------------------

@pytest.mark.parametrize("param,events,want", [
    ("RecordingStatusCallback", "in-progress completed", ["in-progress", "completed"]),
    ("ConferenceRecordingStatusCallback", None, ["completed"]),
])
def test_recording_status_callbacks(confab, receiver, param, events, want):
    first = {"ConferenceRecord": "record-from-start", param: receiver.url("rec")}
    if events:
        first[param.replace("Callback", "CallbackEvent")] = events
    name = unique_name("wh-rec")
    p1 = confab.create_participant(name, **first)
    sid = p1["conference_sid"]
    confab.create_participant(name)
    confab.wait_conference_status(sid, "in-progress")
    rec = confab.wait_recording(sid)
    time.sleep(1.1)  # a recording of at least one second
    confab.end_conference(sid)
    hits = receiver.wait("rec", len(want))
    time.sleep(0.3)
    hits = receiver.got("rec")
    check_delivery(confab, hits, receiver.url("rec"))
    got = [h.params for h in hits]
    assert [p["RecordingStatus"] for p in got] == want, got
    for p in got:
        for k in ("AccountSid", "CallSid", "RecordingSid", "RecordingStatus", "RecordingUrl", "RecordingDuration",
                  "RecordingChannels", "RecordingSource", "RecordingStartTime", "ConferenceSid"):
            assert k in p, f"recording callback lacks {k}: {p}"
        assert p["CallSid"] == "", f"§8.5: SignalWire's CallSid; a conference recording has none: {p}"
        assert p["AccountSid"] == confab.a.id and p["ConferenceSid"] == sid, p
        assert p["RecordingSid"] == rec["sid"], p
        assert p["RecordingChannels"] == "1", p
        assert p["RecordingSource"] == "Conference", f"§8.5: RecordingSource=Conference for conferences: {p}"
        assert p["RecordingDuration"].lstrip("-").isdigit(), p
        parse_rfc2822(p["RecordingStartTime"])
        url = p["RecordingUrl"]
        assert re.match(r"^https?://", url), f"RecordingUrl is not absolute: {url!r}"
        assert url.endswith(f"/2010-04-01/Accounts/{confab.a.id}/Recordings/{rec['sid']}"), url
    done = got[-1]
    assert int(done["RecordingDuration"]) >= 1, done
    path = done["RecordingUrl"][done["RecordingUrl"].index("/2010-04-01/"):]
    r = confab.get(path + ".wav")
    assert r.status_code == 200 and r.content[:4] == b"RIFF", f"RecordingUrl + .wav: {describe(r)}"
    r = confab.get(path)
    assert r.status_code == 200 and r.content[:4] == b"RIFF", f"RecordingUrl as sent: {describe(r)}"
    assert r.headers["Content-Type"].startswith("audio/x-wav"), r.headers


@pytest.mark.parametrize("params,method", [
    ({"RecordingStatusCallbackMethod": "GET"}, "GET"),
    ({"ConferenceRecordingStatusCallbackMethod": "GET"}, "GET"),
    ({"RecordingStatusCallbackMethod": "GET", "ConferenceRecordingStatusCallbackMethod": "POST"}, "POST"),
    ({"RecordingStatusCallbackMethod": "POST", "ConferenceRecordingStatusCallbackMethod": "GET"}, "GET"),
], ids=["recording-get", "conference-get", "both-conference-post-wins", "both-conference-get-wins"])
def test_recording_status_callback_method(confab, receiver, params, method):
    """Either …RecordingStatusCallbackMethod sets the method of the one recording's callback (the one given
    wins, the Conference… one when both are); GET sends the parameters in the query string."""
    name = unique_name("wh-recm")
    p1 = confab.create_participant(name, ConferenceRecord="record-from-start",
                                   RecordingStatusCallback=receiver.url("rec"), **params)
    sid = p1["conference_sid"]
    confab.create_participant(name)
    confab.wait_conference_status(sid, "in-progress")
    rec = confab.wait_recording(sid)
    confab.end_conference(sid)
    hits = receiver.wait("rec", 1)
    time.sleep(0.3)
    hits = receiver.got("rec")
    assert len(hits) == 1, hits
    check_delivery(confab, hits, receiver.url("rec"), method=method)
    p = hits[0].params
    assert p["RecordingSid"] == rec["sid"] and p["RecordingStatus"] == "completed", p
    assert p["ConferenceSid"] == sid and p["AccountSid"] == confab.a.id, p
    if method == "GET":
        assert dict(hits[0].query)["RecordingSid"] == rec["sid"], f"GET carries the query: {hits[0].raw_path}"


@pytest.mark.parametrize("how", ["api", "end-on-exit", "last-left"])
def test_recording_completed_follows_conference_end(confab, receiver, how):
    """§8.1: when the conference ends, the recording status callback follows the conference-end: a higher
    SequenceNumber, and (the outbox delivers a conference's events in order) a later arrival."""
    name = unique_name("wh-recend")
    p1 = confab.create_participant(name, ConferenceRecord="record-from-start",
                                   ConferenceStatusCallback=receiver.url("cb"),
                                   ConferenceStatusCallbackEvent="leave end",
                                   RecordingStatusCallback=receiver.url("rec"),
                                   EndConferenceOnExit="true" if how == "end-on-exit" else "false")
    sid = p1["conference_sid"]
    p2 = confab.create_participant(name)
    confab.wait_conference_status(sid, "in-progress")
    confab.wait_recording(sid)
    if how == "api":
        confab.end_conference(sid)
    elif how == "end-on-exit":
        confab.hangup_call(p1["call_sid"])
    else:
        confab.hangup_call(p1["call_sid"])
        confab.hangup_call(p2["call_sid"])
    end = receiver.wait("cb", pred=lambda h: h.params.get("StatusCallbackEvent") == "conference-end")[0]
    [done] = receiver.wait("rec", 1)
    assert done.params["RecordingStatus"] == "completed", done.params
    assert int(done.params["SequenceNumber"]) > int(end.params["SequenceNumber"]), \
        f"recording completed (seq {done.params['SequenceNumber']}) before conference-end " \
        f"(seq {end.params['SequenceNumber']})"
    assert done.arrived >= end.answered, "the recording callback waited for the conference-end"
    leaves = [h for h in receiver.got("cb") if h.params.get("StatusCallbackEvent") == "participant-leave"]
    assert leaves and all(int(h.params["SequenceNumber"]) < int(end.params["SequenceNumber"]) for h in leaves)



def test_a_failing_recording_receiver_does_not_hold_the_conference_callbacks(confab, receiver):
    """The recording callbacks wait for the conference's status callbacks numbered before them (above), but
    never the other way: with the recording receiver answering 500, a later participant-mute is delivered."""
    receiver.set("recbad", status=500)
    name = unique_name("wh-recbad")
    p1 = confab.create_participant(name, ConferenceRecord="record-from-start",
                                   ConferenceStatusCallback=receiver.url("cb"),
                                   ConferenceStatusCallbackEvent="mute",
                                   RecordingStatusCallback=receiver.url("recbad"),
                                   RecordingStatusCallbackEvent="in-progress completed")
    sid = p1["conference_sid"]
    confab.create_participant(name)
    confab.wait_conference_status(sid, "in-progress")
    confab.wait_recording(sid)
    receiver.wait("recbad", 1)  # the in-progress callback, failing: it stays pending for a retry
    r = confab.update_participant(sid, p1["call_sid"], Muted="true")
    assert r.status_code == 200, describe(r)
    [mute] = receiver.wait("cb", 1, timeout=5)
    assert mute.params["StatusCallbackEvent"] == "participant-mute", mute.params
    rec_seq = int(receiver.got("recbad")[0].params["SequenceNumber"])
    assert int(mute.params["SequenceNumber"]) > rec_seq, "the mute overtook an earlier, failing recording callback"
    confab.end_conference(sid)


ALL_REC_WORDS = "started in-progress paused resumed stopped completed failed absent"


@pytest.mark.parametrize("param,events", [
    ("RecordingStatusCallbackEvent", ALL_REC_WORDS),
    ("ConferenceRecordingStatusCallbackEvent", ALL_REC_WORDS.split()),
], ids=["space-separated", "repeated-keys"])
def test_recording_events_of_api_pause_resume_stop(confab, receiver, param, events):
    """§4.4's words are all accepted; the server sends what it can produce: in-progress at the start (once,
    for `started` and `in-progress` alike), paused / resumed / stopped when the Recordings API changes the
    recording (a repeat changes nothing and sends nothing), completed when the file is written."""
    name = unique_name("wh-recev")
    p1 = confab.create_participant(name, ConferenceRecord="record-from-start",
                                   ConferenceRecordingStatusCallback=receiver.url("rec"), **{param: events})
    sid = p1["conference_sid"]
    confab.create_participant(name)
    confab.wait_conference_status(sid, "in-progress")
    rec = confab.wait_recording(sid)
    receiver.wait("rec", 1)
    path = confab.rec_path(sid, rec["sid"])
    for status in ("paused", "paused", "in-progress", "in-progress", "stopped"):
        r = confab.post(path, data={"Status": status})
        assert r.status_code == 200, describe(r)
    receiver.wait("rec", 5)
    hits = receiver.quiet("rec", 0.3)
    check_delivery(confab, hits, receiver.url("rec"))
    got = [h.params for h in hits]
    assert [p["RecordingStatus"] for p in got] == ["in-progress", "paused", "resumed", "stopped", "completed"], got
    s = seqs(got)
    assert s == sorted(set(s)), f"increasing SequenceNumbers: {s}"
    for p in got:
        assert p["RecordingSid"] == rec["sid"] and p["ConferenceSid"] == sid, p
        assert p["RecordingUrl"].endswith(f"/Recordings/{rec['sid']}"), p
    assert int(got[3]["RecordingDuration"]) == int(got[4]["RecordingDuration"]), "stopped fixes the duration"
    confab.end_conference(sid)
    time.sleep(0.3)
    assert len(receiver.got("rec")) == 5, "ending the conference after the stop sends nothing more"


def test_recording_events_only_those_subscribed(confab, receiver):
    name = unique_name("wh-recsub")
    p1 = confab.create_participant(name, ConferenceRecord="record-from-start",
                                   RecordingStatusCallback=receiver.url("rec"),
                                   RecordingStatusCallbackEvent="paused stopped")
    sid = p1["conference_sid"]
    confab.create_participant(name)
    confab.wait_conference_status(sid, "in-progress")
    rec = confab.wait_recording(sid)
    for status in ("paused", "in-progress", "stopped"):
        assert confab.post(confab.rec_path(sid, rec["sid"]), data={"Status": status}).status_code == 200
    confab.wait_recording_status(sid, rec["sid"], "completed")
    receiver.wait("rec", 2)
    got = [h.params["RecordingStatus"] for h in receiver.quiet("rec", 0.3)]
    assert got == ["paused", "stopped"], got
    confab.end_conference(sid)


@pytest.mark.parametrize("param", ["RecordingStatusCallbackEvent", "ConferenceRecordingStatusCallbackEvent"])
def test_recording_event_unknown_word_is_400(confab, param):
    r = confab.post_participant(unique_name("wh-recbad"), **{param: "completed sometimes"})
    assert_error(r, 400, 10000, mentions=param)
    assert "resumed" in r.json()["message"], r.json()


# ---- delivery: retries, order under concurrency ----------------------------------------------------------

def test_receiver_failing_twice_gets_the_event_three_times_then_the_next(confab, receiver):
    receiver.set("cb", statuses=[500, 500], status=200)
    name = unique_name("wh-retry")
    p1 = confab.create_participant(name, ConferenceStatusCallback=receiver.url("cb"),
                                   ConferenceStatusCallbackEvent="join")
    sid = p1["conference_sid"]
    receiver.wait("cb", 1)
    p2 = confab.create_participant(name)  # its join waits behind the first one
    hits = receiver.wait("cb", 4, timeout=15)
    hits = receiver.quiet("cb", 0.3)
    assert len(hits) == 4, hits
    first, second, third, nxt = hits
    assert first.form == second.form == third.form, "a retry sends the same event again"
    assert first.params["CallSid"] == p1["call_sid"] and nxt.params["CallSid"] == p2["call_sid"], hits
    assert int(nxt.params["SequenceNumber"]) > int(first.params["SequenceNumber"])
    gap1, gap2 = second.arrived - first.answered, third.arrived - second.answered
    assert 0.7 <= gap1 <= 2.5, f"first retry after {gap1:.2f}s (want ~1 s ±25%)"
    assert 1.45 <= gap2 <= 4.0, f"second retry after {gap2:.2f}s (want ~2 s ±25%)"
    assert nxt.arrived >= third.answered, "the next event waited for the earlier one"
    check_delivery(confab, hits, receiver.url("cb"))
    log = [e for e in settled_log(confab, sid) if e["status"] != "none"]
    assert [e["event"] for e in log] == ["participant-join"] * 2, log
    assert log[0]["status"] == "delivered" and log[0]["attempts"] == 3 and log[0]["last_status"] == 200, log[0]
    assert log[1]["status"] == "delivered" and log[1]["attempts"] == 1, log[1]


def test_order_under_concurrent_changes(confab, receiver):
    # (a conference's backlog drains at a few events a second, so the subscription is kept small)
    sid, name, parts = callback_conference(confab, receiver, n=5, events="mute end")
    base, auth = confab.base, confab.a.auth
    errors = []

    def flip(call):
        with requests.Session() as s:
            for i in range(4):
                r = s.post(base + confab.part_path(sid, call), auth=auth, timeout=15,
                           data={"Muted": "true" if i % 2 == 0 else "false"})
                if r.status_code != 200:
                    errors.append(describe(r))

    threads = [threading.Thread(target=flip, args=(p["call_sid"],)) for p in parts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    confab.end_conference(sid)
    receiver.wait_event("cb", "conference-end", timeout=20)
    hits = receiver.quiet("cb", 0.3)
    got = [h.params for h in hits]
    s = seqs(got)
    assert s == sorted(set(s)), f"SequenceNumbers not strictly increasing in arrival order: {s}"
    log = settled_log(confab, sid)
    ls = [e["sequence_number"] for e in log]
    assert ls == sorted(set(ls)), f"the Events API is not in sequence order: {ls}"
    subscribed = [e for e in log if e["status"] != "none"]
    assert all(e["status"] == "delivered" for e in subscribed), subscribed
    assert [e["sequence_number"] for e in subscribed] == s, \
        "the receiver got exactly the subscribed events of the log, no gaps"
    for e, p in zip(subscribed, got):
        assert e["parameters"] == p, (e, p)
    counts = {}
    for p in got:
        counts[p["StatusCallbackEvent"]] = counts.get(p["StatusCallbackEvent"], 0) + 1
    assert counts == {"participant-mute": 10, "participant-unmute": 10, "conference-end": 1}, counts
    for part in parts:
        mine = [p for p in got if p.get("CallSid") == part["call_sid"] and "mute" in p["StatusCallbackEvent"]]
        assert [p["StatusCallbackEvent"] for p in mine] == ["participant-mute", "participant-unmute"] * 2, mine
        assert [p["Muted"] for p in mine] == ["true", "false"] * 2, mine
    check_delivery(confab, hits[:3], receiver.url("cb"))


# ---- servers of their own: SIGKILL, address guard --------------------------------------------------------

def own_server(confab_bin, tmp_root, label, extra):
    workdir = os.path.join(tmp_root, label)
    os.makedirs(workdir)
    proc = ServeProcess(confab_bin, workdir, os.path.join(workdir, "confab.db"), label=label, extra_args=extra)
    project = proc.create_project(label)
    proc.start()
    return proc, project


class Api:
    """The few calls the own-server tests make."""

    def __init__(self, proc, project):
        self.proc, self.project = proc, project
        self.s = requests.Session()
        self.s.auth = project.auth

    @property
    def acct(self):
        return f"{self.proc.base}/api/laml/2010-04-01/Accounts/{self.project.id}"

    def participant(self, name, **params):
        r = self.s.post(f"{self.acct}/Conferences/{name}/Participants.json", timeout=15,
                        data={"From": "+15550001111", "To": "+15550002222", **params})
        assert r.status_code == 201, describe(r)
        return r.json()

    def wait_live(self, sid, call):
        wait_for(lambda: self.s.get(f"{self.acct}/Conferences/{sid}/Participants/{call}.json", timeout=15)
                 .json().get("status") == "in-progress", what="participant in-progress")

    def end(self, sid):
        r = self.s.post(f"{self.acct}/Conferences/{sid}.json", data={"Status": "completed"}, timeout=15)
        assert r.status_code == 200, describe(r)

    def events(self, sid):
        r = self.s.get(f"{self.acct}/Conferences/{sid}/Events.json", params={"PageSize": 1000}, timeout=15)
        assert r.status_code == 200, describe(r)
        return r.json()["events"]


def stop_clean(proc):
    rc = proc.stop()
    assert rc == 0, f"{proc.label} exited {rc} on SIGTERM\n{proc.stderr_tail()}"
    assert not proc.sanitizer_lines(), proc.sanitizer_lines()


@pytest.mark.slow
def test_sigkill_with_undelivered_events_then_restart_delivers_all(confab_bin, tmp_root, receiver):
    receiver.set("cb", status=500)
    proc, project = own_server(confab_bin, tmp_root, "wh-sigkill", LOOPBACK_ALLOWED)
    try:
        api = Api(proc, project)
        confs = []
        for i in range(2):
            name = unique_name(f"kill{i}")
            a = api.participant(name, ConferenceStatusCallback=receiver.url("cb"),
                                ConferenceStatusCallbackEvent="start end join leave")
            b = api.participant(name)
            confs.append((a["conference_sid"], a, b))
        for sid, a, b in confs:
            api.wait_live(sid, a["call_sid"])
            api.wait_live(sid, b["call_sid"])
        api.end(confs[0][0])
        expect = {}
        for sid, _, _ in confs:
            want = 6 if sid == confs[0][0] else 3  # 2 joins + start (+ 2 leaves + end)
            log = wait_for(lambda: (lambda l: len([e for e in l if e["status"] != "none"]) >= want and l)(
                api.events(sid)), what=f"{want} subscribed events of {sid}")
            subscribed = [e for e in log if e["status"] != "none"]
            assert all(e["status"] == "pending" for e in subscribed), subscribed
            expect[sid] = {e["sequence_number"]: e["parameters"] for e in subscribed}
        # each conference's first event has been tried (and refused with a 500)
        receiver.wait("cb", pred=lambda h: h.params.get("ConferenceSid") == confs[1][0])
        receiver.wait("cb", pred=lambda h: h.params.get("ConferenceSid") == confs[0][0])
        before = receiver.got("cb")
        for sid in expect:
            tried = {int(h.params["SequenceNumber"]) for h in before if h.params["ConferenceSid"] == sid}
            assert tried == {min(expect[sid])}, \
                f"only the first event of {sid} may be tried while it fails: tried {tried}, events {expect[sid]}"
        os.kill(proc.proc.pid, signal.SIGKILL)
        assert proc.proc.wait(timeout=30) == -signal.SIGKILL
        receiver.set("cb", status=200)
        n_before = len(receiver.got("cb"))
        proc.start()

        def all_arrived():
            ok = [h for h in receiver.got("cb")[n_before:]]
            seen = {(h.params["ConferenceSid"], int(h.params["SequenceNumber"])) for h in ok}
            return all((sid, q) in seen for sid in expect for q in expect[sid])

        wait_for(all_arrived, timeout=20, interval=0.1, what="every event after the restart")
        after = receiver.got("cb")[n_before:]
        assert_in_order(after)
        for h in after:
            p = h.params
            assert expect[p["ConferenceSid"]][int(p["SequenceNumber"])] == p, f"delivered {p}, logged differently"
        check_signed(after[0], project.signing_key, receiver.url("cb"))
        for sid in expect:
            wait_for(lambda: all(e["status"] in ("delivered", "none") for e in api.events(sid)),
                     what=f"events of {sid} marked delivered")
    finally:
        stop_clean(proc)


REFUSAL = re.compile(r"refus|den(y|ied)|not allowed|forbidden|block|guard", re.I)


@pytest.mark.slow
def test_loopback_and_private_destinations_are_refused_by_default(confab_bin, tmp_root, receiver):
    proc, project = own_server(confab_bin, tmp_root, "wh-guard", ("--webhook-retry-for", "0"))
    try:
        api = Api(proc, project)
        urls = [receiver.url("ip"), receiver.url("name", host="localhost"), "http://10.11.12.13:8080/cb",
                "http://192.168.0.1/cb"]
        sids = []
        for url in urls:
            name = unique_name("guard")
            a = api.participant(name, ConferenceStatusCallback=url, ConferenceStatusCallbackEvent="join")
            api.participant(name)  # its join is tried once the first one is given up
            sids.append(a["conference_sid"])
        for sid, url in zip(sids, urls):
            log = wait_for(lambda: (lambda l: len([e for e in l if e["status"] == "failed"]) == 2 and l)(
                api.events(sid)), what=f"both join events for {url} given up")
            log = [e for e in log if e["status"] != "none"]
            assert len(log) == 2, log
            for e in log:
                assert e["event"] == "participant-join" and e["url"] == url, e
                assert e["attempts"] >= 1 and e["last_error"], e
                assert REFUSAL.search(e["last_error"]), f"last_error does not mention the refusal: {e}"
                assert e["date_done"] is not None and e["next_attempt"] is None, e
        time.sleep(0.3)
        assert receiver.got() == [] and receiver.strays == [], \
            f"a refused destination was reached: {receiver.got()} {receiver.strays}"
    finally:
        stop_clean(proc)


# ---- signing: the URL as requested -----------------------------------------------------------------------

@pytest.mark.parametrize("method", ["POST", "GET"])
def test_callback_signature_leaves_out_userinfo_and_fragment(confab, receiver, method):
    """A status callback URL with `user:pass@` and a `#fragment`: the request carries the credentials as
    Basic auth, the parameters (GET) go into the query before the fragment, and the signature verifies
    against the URL the receiver saw (§8.6), without the credentials and without the fragment."""
    import base64
    bare = receiver.url("cb")
    url = bare.replace("http://", "http://us%40r:p%3Ass@") + "?tag=x#frag"
    sid, name, _ = callback_conference(confab, receiver, events="start", method=method,
                                       first={"ConferenceStatusCallback": url})
    [hit] = receiver.wait("cb")
    assert hit.url.split("?")[0] == bare and hit.query[0] == ("tag", "x"), hit.url
    assert hit.headers.get("Authorization") == "Basic " + base64.b64encode(b"us@r:p:ss").decode(), hit.headers
    check_delivery(confab, [hit], bare, method=method)
    check_conference_event(hit.params, confab.a, sid, name, "conference-start")


@pytest.mark.parametrize("status,method", [(307, "POST"), (302, "GET")])
def test_callback_redirect_is_followed_and_signed_for_the_new_url(confab, receiver, status, method):
    """A status callback answered with a redirect is delivered to the Location, signed for that URL: 307
    keeps the POST and its body; 302 turns it into a GET with the parameters in the query."""
    receiver.set("cb", status=status, headers={"Location": receiver.url("cb2")})
    sid, name, _ = callback_conference(confab, receiver, events="start")
    [first] = receiver.wait("cb")
    [hop] = receiver.wait("cb2")
    check_delivery(confab, [first], receiver.url("cb"))
    check_delivery(confab, [hop], receiver.url("cb2"), method=method)
    assert hop.params == first.params, (hop.params, first.params)
    check_conference_event(hop.params, confab.a, sid, name, "conference-start")
    [e] = [e for e in settled_log(confab, sid) if e["status"] != "none"]
    assert e["status"] == "delivered" and e["attempts"] == 1 and e["last_status"] == 200, e


# ---- delivery streams: a failing receiver holds only its own stream --------------------------------------

def test_a_failing_call_progress_receiver_does_not_hold_the_conference_callbacks(confab, receiver):
    """Order is kept per stream — the conference's status callbacks (SequenceNumber order), each call's
    progress callbacks, the recording callbacks — so a participant's StatusCallback answering 500 delays
    only that call's callbacks: the conference's participant-join and conference-start go out meanwhile,
    and the call's own callbacks still arrive in order once its receiver recovers."""
    receiver.set("calls", statuses=[500, 500, 500], status=200)  # fails ~1 + 2 + 4 s, then recovers
    name = unique_name("wh-streams")
    p1 = confab.create_participant(name, ConferenceStatusCallback=receiver.url("cb"),
                                   ConferenceStatusCallbackEvent="start join",
                                   StatusCallback=receiver.url("calls"),
                                   StatusCallbackEvent="initiated ringing answered")
    sid = p1["conference_sid"]
    p2 = confab.create_participant(name)
    conf_hits = receiver.wait("cb", 3, timeout=5)
    first_ok = [h for h in receiver.got("calls")[3:]]
    assert not first_ok or first_ok[0].arrived > conf_hits[-1].arrived, \
        f"the conference's callbacks waited for the call's receiver to recover: {conf_hits} {receiver.got('calls')}"
    assert len(receiver.got("calls")) <= 3, receiver.got("calls")
    events = [h.params["StatusCallbackEvent"] for h in conf_hits]
    assert sorted(events) == ["conference-start", "participant-join", "participant-join"], events
    s = seqs([h.params for h in conf_hits])
    assert s == sorted(set(s)), f"the conference's callbacks are in SequenceNumber order: {s}"

    calls = receiver.wait("calls", 6, timeout=20)
    got = [h.params for h in calls]
    assert [p["CallStatus"] for p in got] == ["queued"] * 4 + ["ringing", "in-progress"], got
    assert got[0] == got[1] == got[2] == got[3], "a retry sends the same event again"
    assert all(p["CallSid"] == p1["call_sid"] for p in got), got
    check_delivery(confab, calls + conf_hits)
    log = [e for e in settled_log(confab, sid, timeout=15) if e["status"] != "none"]
    assert all(e["status"] == "delivered" for e in log), log
    assert [e["attempts"] for e in log if e["event"].startswith("call-")] == [4, 1, 1], log
    assert p2["conference_sid"] == sid


def test_call_progress_sequence_numbers_count_per_call_from_0(confab, receiver):
    """§8.4: SignalWire numbers a call's status callbacks from 0 (SequenceNumber, per call), while the
    conference's status callbacks keep the conference's numbering. The Events API's sequence_number stays
    the event's place in the conference's log."""
    every = "initiated ringing answered completed"
    name = unique_name("wh-callseq")
    a = confab.create_participant(name, ConferenceStatusCallback=receiver.url("cb"),
                                  ConferenceStatusCallbackEvent="start end join leave",
                                  StatusCallback=receiver.url("a"), StatusCallbackEvent=every)
    sid = a["conference_sid"]
    confab.wait_participant_status(sid, a["call_sid"])
    b = confab.create_participant(name, StatusCallback=receiver.url("b"), StatusCallbackEvent=every)
    confab.wait_participant_status(sid, b["call_sid"])
    confab.end_conference(sid)
    for path, part in (("a", a), ("b", b)):
        got = [h.params for h in receiver.wait(path, 4)]
        assert [p["CallStatus"] for p in got] == ["queued", "ringing", "in-progress", "completed"], got
        assert seqs(got) == [0, 1, 2, 3], f"call {path}: SequenceNumber per call from 0: {seqs(got)}"
        assert all(p["CallSid"] == part["call_sid"] for p in got), got
    receiver.wait_event("cb", "conference-end")
    conf = [h.params for h in receiver.quiet("cb", 0.3)]
    assert len(conf) == 6, conf
    log = settled_log(confab, sid)
    by_seq = {e["sequence_number"]: e for e in log}
    for p in conf:  # the conference's callbacks: their place in the conference's log
        assert by_seq[int(p["SequenceNumber"])]["event"] == p["StatusCallbackEvent"], (p, log)
    nums = [e["sequence_number"] for e in log]
    assert nums == list(range(len(log))), nums
    calls = [e for e in log if e["event"].startswith("call-")]
    assert len(calls) == 8, calls
    for part in (a, b):
        mine = [e for e in calls if e["call_sid"] == part["call_sid"]]
        assert [e["parameters"]["SequenceNumber"] for e in mine] == ["0", "1", "2", "3"], mine
