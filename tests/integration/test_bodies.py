"""Request bodies and parameter values at their edges (spec part 0, "Bodies" and the error table; §4.4):
an empty body under a JSON Content-Type is no parameters (an SDK's DELETE), multipart bodies are refused
rather than misread, text that is not UTF-8 is refused wherever it comes from (form, query, path), whole
JSON numbers written with a fraction count as integers, date filters reach before 1970, the create
parameters confab does not act on are still checked against their documented values, and a
`Status=canceled` hang-up leaves a connected call alone."""

import pytest
import requests

from confab_helpers import DEFAULT_FROM, DEFAULT_TO, assert_error, describe, unique_name

JSON_TYPE = {"Content-Type": "application/json"}


def _session_like_signalwire(confab):
    """A session configured as signalwire-python's REST client is: the JSON Content-Type on every request."""
    s = requests.Session()
    s.auth = confab.a.auth
    s.headers.update(JSON_TYPE)
    return s


def test_empty_body_with_json_content_type_is_no_parameters(confab):
    sid, _, [p, other] = confab.new_conference(participants=2)
    s = _session_like_signalwire(confab)
    base = confab.base
    # DELETE without a body: 204, and the participant is gone
    r = s.delete(base + confab.part_path(sid, p["call_sid"]))
    assert r.status_code == 204, describe(r)
    assert_error(confab.get_participant(sid, p["call_sid"]), 404, 20404)
    # POST with an empty JSON body: an empty update (200, the current object)
    r = s.post(base + confab.conf_path(sid), data=b"")
    assert r.status_code == 200, describe(r)
    assert r.json()["sid"] == sid
    r = s.post(base + confab.conf_path(sid), data=b"  \r\n ")
    assert r.status_code == 200, describe(r)
    # an unknown participant is 404, not a body error
    r = s.delete(base + confab.part_path(sid, "CA" + "0" * 32))
    assert_error(r, 404, 20404)
    # a body that is not an object is still malformed
    assert_error(s.post(base + confab.conf_path(sid), data=b"[]"), 400, 10000)
    assert confab.live_call_sids(sid) == {other["call_sid"]}


def test_multipart_body_is_refused_and_changes_nothing(confab):
    sid, _, [p] = confab.new_conference(participants=1, Muted="true")
    r = confab.post(confab.part_path(sid, p["call_sid"]), files={"Muted": (None, "false")})
    assert r.request.headers["Content-Type"].startswith("multipart/form-data")
    assert_error(r, 400, 10000, mentions="multipart")
    assert confab.get_participant(sid, p["call_sid"]).json()["muted"] is True
    r = confab.post(confab.conf_path(sid), files={"Status": (None, "completed")})
    assert_error(r, 400, 10000)
    assert confab.fetch_conference(sid)["status"] != "completed"


@pytest.mark.parametrize("raw", ["x%FFy", "x%C3%28y", "%ED%A0%80", "%C0%AF"],
                         ids=["ff", "bad-continuation", "surrogate", "overlong"])
def test_text_that_is_not_utf8_is_refused(confab, raw):
    name = unique_name("utf8")
    # a form value
    body = f"From={DEFAULT_FROM}&To={DEFAULT_TO}&Label={raw}"
    r = confab.post(confab.parts_path(name), data=body,
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_error(r, 400, 10000, mentions="Label")
    # a query filter
    r = confab.get(confab.confs_path() + "?FriendlyName=" + raw)
    assert_error(r, 400, 10000, mentions="FriendlyName")
    # the conference name in the path
    path = confab.parts_path(name).replace(name, name + raw)  # the escape as sent, not encoded again
    r = confab.post(path, data={"From": DEFAULT_FROM, "To": DEFAULT_TO})
    assert_error(r, 400, 10000, mentions="UTF-8")
    # nothing was created under either name
    assert confab.list_conferences(FriendlyName=name)["conferences"] == []


def test_utf8_names_and_labels_still_work(confab):
    name = unique_name("caf\u00e9 \U0001F600")
    p = confab.create_participant(name, Label="r\u00e9union")
    assert p["label"] == "r\u00e9union"
    page = confab.list_conferences(FriendlyName=name)
    assert [c["friendly_name"] for c in page["conferences"]] == [name]


@pytest.mark.parametrize("value,want", [(30.0, 30), ("3e1", 30), ("6E+1", 60)])
def test_whole_json_numbers_with_a_fraction_are_integers(confab, value, want):
    name = unique_name("num")
    raw = '{"From": "%s", "To": "%s", "Timeout": %s, "MaxParticipants": 10.0}' % (DEFAULT_FROM, DEFAULT_TO, value)
    r = confab.post(confab.parts_path(name), data=raw.encode(), headers=JSON_TYPE)
    assert r.status_code == 201, describe(r)
    bad = '{"From": "%s", "To": "%s", "Timeout": 30.5}' % (DEFAULT_FROM, DEFAULT_TO)
    assert_error(confab.post(confab.parts_path(name), data=bad.encode(), headers=JSON_TYPE), 400, 10000,
                 mentions="Timeout")


@pytest.mark.parametrize("flt", ["DateCreated>", "DateCreated<", "DateCreated", "DateUpdated>"])
def test_date_filters_before_1970(confab, flt):
    sid, name, _ = confab.new_conference()
    r = confab.get(confab.confs_path(), params={flt: "1900-01-01", "FriendlyName": name})
    assert r.status_code == 200, describe(r)
    got = [c["sid"] for c in r.json()["conferences"]]
    assert got == ([sid] if flt.endswith(">") else []), (flt, got)
    r = confab.get(confab.confs_path(), params={flt: "0001-01-01", "FriendlyName": name})
    assert r.status_code == 200, describe(r)
    assert_error(confab.get(confab.confs_path(), params={flt: "0000-01-01"}), 400, 10000)
    assert_error(confab.get(confab.confs_path(), params={flt: "1900-02-29"}), 400, 10000)


@pytest.mark.parametrize("param,bad,good", [
    ("EarlyMedia", "maybe", "false"),
    ("Region", "zz1", "ie1"),
    ("ConferenceTrim", "zz", "do-not-trim"),
    ("Trim", "trim", "trim-silence"),
    ("JitterBufferSize", "huge", "small"),
    ("RecordingChannels", "stereo", "dual"),
    ("RecordingTrack", "sideways", "inbound"),
    ("MachineDetection", "Maybe", "DetectMessageEnd"),
    ("TimeLimit", "0", "3600"),
    ("MachineDetectionTimeout", "2", "30"),
    ("MachineDetectionSpeechThreshold", "999", "2400"),
    ("MachineDetectionSpeechEndThreshold", "5001", "1200"),
    ("MachineDetectionSilenceTimeout", "abc", "5000"),
    ("CallerDisplayName", "x", "Front desk"),
])
def test_unused_create_parameters_are_checked(confab, param, bad, good):
    name = unique_name("unused")
    r = confab.post(confab.parts_path(name), data={"From": DEFAULT_FROM, "To": DEFAULT_TO, param: bad})
    assert_error(r, 400, 10000, mentions=param)
    assert confab.list_conferences(FriendlyName=name)["conferences"] == [], "a refused create stored something"
    r = confab.post(confab.parts_path(name), data={"From": DEFAULT_FROM, "To": DEFAULT_TO, param: good})
    assert r.status_code == 201, describe(r)


def test_unused_create_urls_and_methods_are_checked(confab):
    name = unique_name("unused")
    base = {"From": DEFAULT_FROM, "To": DEFAULT_TO}
    assert_error(confab.post(confab.parts_path(name), data={**base, "AmdStatusCallback": "nope"}), 400, 21402)
    assert_error(confab.post(confab.parts_path(name), data={**base, "AmdStatusCallbackMethod": "PUT"}), 400, 13221)
    assert_error(confab.post(confab.parts_path(name), data={**base, "ClientNotificationUrl": "ftp://x"}), 400, 21402)


def test_participant_list_echoes_the_default_status_filter(confab):
    sid, _, _ = confab.new_conference(participants=1)
    r = confab.get(confab.parts_path(sid), params={"Status": "in-progress", "PageSize": 1})
    assert r.status_code == 200, describe(r)
    page = r.json()
    for key in ("uri", "first_page_uri"):
        assert "Status=in-progress" in page[key], (key, page[key])


def test_cancel_leaves_a_connected_call_alone(confab):
    sid, _, [p, other] = confab.new_conference(participants=2)
    r = confab.post(confab.call_path(p["call_sid"]), data={"Status": "canceled"})
    assert r.status_code == 200, describe(r)
    assert r.json()["status"] == "in-progress", r.json()
    assert confab.live_call_sids(sid) == {p["call_sid"], other["call_sid"]}
    assert confab.get_participant(sid, p["call_sid"]).status_code == 200
