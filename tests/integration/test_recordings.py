"""Conference recordings (§5, part 0 "Lists", "Ending"; issue 3, Build 4): `ConferenceRecord=record-from-start`
(or `Record=true`) starts a recording when the conference starts; list (DateCreated filters), fetch
(SignalWire's field types), pause/resume/stop with PauseBehavior skip|silence, delete, and the WAV the
simulated engine writes (8 kHz, 16-bit mono silence of the recording's duration)."""

import datetime as dt
import struct
import time
import urllib.parse
import uuid

import pytest

from confab_helpers import (LAML, PREFIXES, ROOT, assert_envelope, assert_error, assert_recent, assert_uuid,
                            describe, parse_rfc2822, split_uri, to_micros, unique_name, utc)

RECORDING_KEYS = {"sid", "account_sid", "api_version", "call_sid", "conference_sid", "channels", "date_created",
                  "date_updated", "start_time", "duration", "price", "price_unit", "status", "source",
                  "error_code", "uri", "media_url"}


@pytest.fixture
def project(confab):
    """Recording lists are per conference, so the shared project `a` does (no fresh project per test)."""
    return confab.a


def recorded_conference(confab, project=None, **record):
    """A started conference whose first participant asked for recording; returns (sid, parts, recording)."""
    record = record or {"ConferenceRecord": "record-from-start"}
    name = unique_name("rec")
    p1 = confab.create_participant(name, project=project, **record)
    sid = p1["conference_sid"]
    confab.wait_participant_status(sid, p1["call_sid"], project=project)
    assert confab.list_recordings(sid, project)["recordings"] == [], "no recording before the conference starts"
    p2 = confab.create_participant(name, project=project)
    confab.wait_conference_status(sid, "in-progress", project=project)
    rec = confab.wait_recording(sid, project)
    return sid, [p1, p2], rec


def check_recording(rec, project, conf_sid, prefix=LAML, status=None):
    missing = RECORDING_KEYS - set(rec)
    assert not missing, f"recording lacks {sorted(missing)}: {rec}"
    assert_uuid(rec["sid"], "sid")
    assert rec["account_sid"] == project.id
    assert rec["api_version"] == "2010-04-01"
    assert rec["call_sid"] is None, "conference recordings have a null call_sid"
    assert rec["conference_sid"] == conf_sid
    assert rec["channels"] == "1", f"SignalWire's channels is the string \"1\": {rec['channels']!r}"
    if "channel" in rec:
        assert rec["channel"] == "1"
    assert_recent(rec["date_created"])
    assert_recent(rec["date_updated"])
    assert_recent(rec["start_time"])
    assert rec["price"] is None or isinstance(rec["price"], (str, int, float))
    assert rec["price_unit"] == "USD"
    assert rec["source"] in ("Conference", "StartConferenceRecording"), rec["source"]
    assert rec["error_code"] is None
    if "encryption_details" in rec:
        assert rec["encryption_details"] is None
    assert rec["uri"] == f"{prefix}/Accounts/{project.id}/Conferences/{conf_sid}/Recordings/{rec['sid']}.json", \
        rec["uri"]
    assert isinstance(rec["media_url"], str) and rec["media_url"], rec["media_url"]
    assert rec["status"] in ("in-progress", "paused", "stopped", "processing", "completed"), rec["status"]
    if status:
        assert rec["status"] == status, rec
    if rec["status"] in ("in-progress", "paused"):
        assert rec["duration"] is None, f"duration is null while recording: {rec['duration']!r}"
    if rec["status"] == "completed":
        assert type(rec["duration"]) is int and rec["duration"] >= 0, \
            f"SignalWire's duration is an integer: {rec['duration']!r}"
    return rec


def set_status(confab, conf, sid, project=None, **params):
    r = confab.post(confab.rec_path(conf, sid, project), project=project, data=params)
    assert r.status_code == 200, describe(r)
    return r.json()


def media_url(confab, rec):
    """The media_url as a path or URL on this server."""
    url = rec["media_url"]
    parts = urllib.parse.urlsplit(url)
    return parts.path + (("?" + parts.query) if parts.query else "")


def get_wav(confab, rec, project=None, path=None):
    r = confab.get(path or media_url(confab, rec), project=project)
    return r


def check_wav(r, duration):
    assert r.status_code == 200, describe(r)
    assert r.headers["Content-Type"].split(";")[0].strip() == "audio/x-wav", r.headers["Content-Type"]
    data = r.content
    assert len(data) >= 44, f"WAV of {len(data)} bytes"
    riff, riff_size, wave = struct.unpack("<4sI4s", data[:12])
    assert riff == b"RIFF" and wave == b"WAVE", data[:12]
    assert riff_size == len(data) - 8, (riff_size, len(data))
    fmt, fmt_size, audio_format, channels, rate, byte_rate, block_align, bits = struct.unpack(
        "<4sIHHIIHH", data[12:36])
    assert fmt == b"fmt " and fmt_size == 16
    assert (audio_format, channels, rate, bits) == (1, 1, 8000, 16), "PCM, mono, 8000 Hz, 16-bit"
    assert byte_rate == 16000 and block_align == 2
    chunk, data_size = struct.unpack("<4sI", data[36:44])
    assert chunk == b"data"
    assert data_size == 16000 * duration, f"data size {data_size} for a {duration} s recording"
    assert len(data) == 44 + data_size, f"file size {len(data)} != 44 + {data_size}"
    assert int(r.headers.get("Content-Length", len(data))) == len(data)
    assert data[44:] == bytes(data_size), "the simulated engine records silence"
    return data_size


# ---- start, list, fetch ------------------------------------------------------------------------------------

@pytest.mark.parametrize("record", [{"ConferenceRecord": "record-from-start"}, {"ConferenceRecord": "true"},
                                    {"Record": "true"}], ids=["record-from-start", "true", "Record"])
def test_recording_starts_with_the_conference(confab, project, record):
    sid, _, rec = recorded_conference(confab, project, **record)
    page = confab.list_recordings(sid, project)
    items = assert_envelope(page, "recordings")
    assert [x["sid"] for x in items] == [rec["sid"]]
    check_recording(items[0], project, sid, status="in-progress")
    assert page["next_page_uri"] is None and page["previous_page_uri"] is None
    path, q = split_uri(page["uri"])
    assert path in (confab.recs_path(sid, project), confab.recs_path(sid, project, json=False)), path
    assert q["PageSize"] == ["50"] and q["Page"] == ["0"]

    for prefix in PREFIXES:
        for json_suffix in (True, False):
            r = confab.get(confab.rec_path(sid, rec["sid"], project, prefix, json=json_suffix), project=project)
            assert r.status_code == 200, describe(r)
            got = check_recording(r.json(), project, sid, prefix=prefix, status="in-progress")
            assert got["sid"] == rec["sid"] and got["duration"] is None
            assert got["start_time"] == rec["start_time"]
    confab.end_conference(sid, project)


@pytest.mark.parametrize("params,trim", [
    ({}, "trim-silence"),
    ({"ConferenceTrim": "do-not-trim"}, "do-not-trim"),
    ({"ConferenceTrim": "trim-silence"}, "trim-silence"),
    ({"Trim": "do-not-trim"}, "do-not-trim"),
    ({"Trim": "do-not-trim", "ConferenceTrim": "trim-silence"}, "trim-silence"),
], ids=["default", "conference-do-not-trim", "conference-trim-silence", "trim", "conference-wins"])
def test_trim_is_the_conferences_setting(confab, project, params, trim):
    """§4.4 / §9: ConferenceTrim (default trim-silence) is the recording's `trim`, in every answer that
    shows the recording; the participant's Trim sets the same (its recording is the conference's)."""
    sid, _, rec = recorded_conference(confab, project, ConferenceRecord="record-from-start", **params)
    assert rec["trim"] == trim, rec
    assert confab.fetch_recording(sid, rec["sid"], project)["trim"] == trim
    assert confab.list_recordings(sid, project)["recordings"][0]["trim"] == trim
    assert set_status(confab, sid, rec["sid"], project, Status="paused")["trim"] == trim
    confab.end_conference(sid, project)
    assert confab.fetch_recording(sid, rec["sid"], project)["trim"] == trim, "kept after the end"


@pytest.mark.parametrize("param", ["ConferenceTrim", "Trim"])
def test_bad_trim_is_400(confab, param):
    r = confab.post_participant(unique_name("trimbad"), ConferenceRecord="true", **{param: "trim-everything"})
    assert_error(r, 400, 10000, mentions=param)


def test_no_recording_without_record(confab, project):
    name = unique_name("norec")
    parts = [confab.create_participant(name, project=project, ConferenceRecord=v)
             for v in ("do-not-record", "false")]
    sid = parts[0]["conference_sid"]
    confab.wait_conference_status(sid, "in-progress", project=project)
    time.sleep(0.2)  # give a wrongly started recording a moment to show up
    assert confab.list_recordings(sid, project)["recordings"] == []


def test_no_recording_when_conference_never_starts(confab, project):
    name = unique_name("norecinit")
    p = confab.create_participant(name, project=project, ConferenceRecord="record-from-start")
    sid = p["conference_sid"]
    confab.wait_participant_status(sid, p["call_sid"], project=project)
    confab.end_conference(sid, project)
    assert confab.list_recordings(sid, project)["recordings"] == []


def test_bad_conference_record_is_400(confab):
    r = confab.post_participant(unique_name("recbad"), ConferenceRecord="sometimes")
    assert_error(r, 400, 10000, mentions="ConferenceRecord")
    r = confab.post_participant(unique_name("recbad"), Record="maybe")
    assert_error(r, 400, 10000, mentions="Record")


def test_list_under_root_prefix(confab, project):
    sid, _, rec = recorded_conference(confab, project)
    page = confab.list_recordings(sid, project, prefix=ROOT)
    assert page["uri"].startswith(f"/2010-04-01/Accounts/{project.id}/Conferences/{sid}/Recordings"), page["uri"]
    [got] = assert_envelope(page, "recordings")
    check_recording(got, project, sid, prefix=ROOT)
    confab.end_conference(sid, project)


def test_unknown_recording_and_conference_are_404(confab, project):
    sid, _, rec = recorded_conference(confab, project)
    assert_error(confab.get(confab.rec_path(sid, str(uuid.uuid4()), project), project=project), 404, 20404)
    assert_error(confab.get(confab.recs_path(str(uuid.uuid4()), project), project=project), 404, 20404)
    other, _, _ = confab.new_conference(project=project)
    assert_error(confab.get(confab.rec_path(other, rec["sid"], project), project=project), 404, 20404,)
    assert_error(confab.post(confab.rec_path(sid, str(uuid.uuid4()), project), project=project,
                             data={"Status": "paused"}), 404, 20404)
    assert_error(confab.delete(confab.rec_path(sid, str(uuid.uuid4()), project), project=project), 404, 20404)
    # Another project sees nothing.
    r = confab.get(confab.rec_path(sid, rec["sid"], confab.b), project=confab.b)
    assert_error(r, 404, 20404)
    r = confab.get(confab.media_path(rec["sid"], confab.b), project=confab.b)
    assert_error(r, 404, 20404)
    confab.end_conference(sid, project)


def age_recording(confab, sid, created):
    n = confab.db_exec("UPDATE recordings SET date_created = ? WHERE sid = ?", (to_micros(created), sid))
    assert n == 1, f"no recording row {sid}"


def test_date_created_filters(confab, project):
    sid, _, rec = recorded_conference(confab, project)
    today = dt.datetime.now(dt.timezone.utc).date()

    def sids(**q):
        return [x["sid"] for x in confab.list_recordings(sid, project, **q)["recordings"]]

    assert sids(DateCreated=today.isoformat()) == [rec["sid"]]
    assert sids(**{"DateCreated>": today.isoformat()}) == [rec["sid"]]
    assert sids(**{"DateCreated<": today.isoformat()}) == [rec["sid"]]
    assert sids(**{"DateCreated>": (today + dt.timedelta(days=1)).isoformat()}) == []
    assert sids(**{"DateCreated<": (today - dt.timedelta(days=1)).isoformat()}) == []

    age_recording(confab, rec["sid"], utc(2019, 3, 2, 12, 0, 0))
    assert sids(DateCreated="2019-03-02") == [rec["sid"]]
    assert sids(DateCreated="2019-03-01") == []
    assert sids(DateCreated="2019-03-03") == []
    assert sids(**{"DateCreated<": "2019-03-02"}) == [rec["sid"]], "DateCreated< is inclusive"
    assert sids(**{"DateCreated<": "2019-03-01"}) == []
    assert sids(**{"DateCreated>": "2019-03-02"}) == [rec["sid"]], "DateCreated> is inclusive"
    assert sids(**{"DateCreated>": "2019-03-03"}) == []
    assert sids(**{"DateCreated>": "2019-03-01", "DateCreated<": "2019-03-03"}) == [rec["sid"]]
    page = confab.list_recordings(sid, project, DateCreated="2019-03-02", PageSize=1)
    _, q = split_uri(page["uri"])
    assert q["DateCreated"] == ["2019-03-02"] and q["PageSize"] == ["1"], page["uri"]
    _, q = split_uri(confab.list_recordings(sid, project, **{"DateCreated>": "2019-03-01"})["first_page_uri"])
    assert q["DateCreated>"] == ["2019-03-01"]
    for bad in ("2019-3-2", "yesterday", "2019-02-30"):
        r = confab.get(confab.recs_path(sid, project), project=project, params={"DateCreated": bad})
        assert_error(r, 400, 10000, mentions="DateCreated")
    confab.end_conference(sid, project)


# ---- pause / resume / stop ---------------------------------------------------------------------------------

def post_status(confab, conf, sid, **params):
    return confab.post(confab.rec_path(conf, sid), data=params)


@pytest.fixture(scope="module")
def timeline(confab):
    """One shared real-time run for the duration tests (so the deliberate spans are paid once):

    t=0  pause `skip` (PauseBehavior=skip), `silence` (=silence), `default` (none) and `end-paused` (=skip);
         `ended` keeps recording
    t=2  resume `skip` and `silence`; stop `default`; end the conference of `end-paused`
    t=3  stop `skip` and `silence`, then try to resume them (must be 400/10000); end the conference of `ended`
    Returns {case: {"sid", "rec", "responses": {step: Response}, "done": the completed recording}}.
    """
    cases = {}
    for case in ("skip", "silence", "default", "end-paused", "ended"):
        sid, _, rec = recorded_conference(confab)
        cases[case] = {"sid": sid, "rec": rec, "responses": {}}

    def do(case, step, **params):
        c = cases[case]
        c["responses"][step] = post_status(confab, c["sid"], c["rec"]["sid"], **params)

    do("skip", "pause", Status="paused", PauseBehavior="skip")
    do("silence", "pause", Status="paused", PauseBehavior="silence")
    do("default", "pause", Status="paused")
    do("end-paused", "pause", Status="paused", PauseBehavior="skip")
    for case in ("skip", "silence", "default"):
        c = cases[case]
        c["responses"]["fetch-paused"] = confab.get(confab.rec_path(c["sid"], c["rec"]["sid"]))
    time.sleep(2)  # the paused span
    do("skip", "resume", Status="in-progress")
    do("silence", "resume", Status="in-progress")
    do("default", "stop", Status="stopped")
    cases["end-paused"]["responses"]["end"] = confab.post(confab.conf_path(cases["end-paused"]["sid"]),
                                                           data={"Status": "completed"})
    time.sleep(1)  # recorded again
    for case in ("skip", "silence"):
        do(case, "stop", Status="stopped")
        do(case, "resume-after-stop", Status="in-progress")
    cases["ended"]["responses"]["end"] = confab.post(confab.conf_path(cases["ended"]["sid"]),
                                                     data={"Status": "completed"})
    for c in cases.values():
        c["done"] = confab.wait_recording_status(c["sid"], c["rec"]["sid"], "completed")
    yield cases
    for c in cases.values():
        if confab.fetch_conference(c["sid"])["status"] != "completed":
            confab.end_conference(c["sid"])


def check_steps(case, project, expect):
    for step, status in expect.items():
        r = case["responses"][step]
        assert r.status_code == 200, f"{step}: {describe(r)}"
        check_recording(r.json(), project, case["sid"], status=status)


def check_done(confab, case, project):
    done = case["done"]
    check_recording(done, project, case["sid"], status="completed")
    assert done["end_time"] is not None
    assert parse_rfc2822(done["end_time"]) >= parse_rfc2822(done["start_time"])
    check_wav(get_wav(confab, done, project), done["duration"])
    return done


@pytest.mark.parametrize("behavior", ["skip", "silence"])
def test_pause_resume_stop(confab, project, timeline, behavior):
    case = timeline[behavior]
    check_steps(case, project, {"pause": "paused", "fetch-paused": "paused", "resume": "in-progress",
                                "stop": "stopped"})
    assert_error(case["responses"]["resume-after-stop"], 400, 10000)
    done = check_done(confab, case, project)
    if behavior == "skip":
        assert 0 <= done["duration"] <= 2, f"about 1 s recorded outside the 2 s skipped pause: {done}"
    else:
        assert 2 <= done["duration"] <= 4, f"about 3 s with the 2 s paused span as silence: {done}"
    for status in ("paused", "in-progress", "stopped"):
        assert_error(post_status(confab, case["sid"], done["sid"], Status=status), 400, 10000)
    assert confab.fetch_conference(case["sid"])["status"] == "in-progress", "stopping does not end the conference"
    confab.end_conference(case["sid"])
    assert confab.fetch_recording(case["sid"], done["sid"])["duration"] == done["duration"], \
        "ending the conference leaves a finished recording alone"


def test_pause_default_behavior_is_silence(confab, project, timeline):
    case = timeline["default"]
    check_steps(case, project, {"pause": "paused", "fetch-paused": "paused", "stop": "stopped"})
    done = check_done(confab, case, project)
    assert 1 <= done["duration"] <= 3, f"the 2 s pause counts with the default PauseBehavior: {done}"


def test_ending_while_paused_with_skip(confab, project, timeline):
    case = timeline["end-paused"]
    check_steps(case, project, {"pause": "paused"})
    assert case["responses"]["end"].status_code == 200, describe(case["responses"]["end"])
    done = check_done(confab, case, project)
    assert 0 <= done["duration"] <= 1, f"nearly everything was a skipped pause: {done}"


def test_ending_the_conference_completes_the_recording(confab, project, timeline):
    case = timeline["ended"]
    assert case["responses"]["end"].status_code == 200, describe(case["responses"]["end"])
    done = check_done(confab, case, project)
    assert 2 <= done["duration"] <= 4, f"about 3 s were recorded: {done}"
    # Recordings outlive their conference in the list, and cannot change any more.
    assert [x["sid"] for x in confab.list_recordings(case["sid"])["recordings"]] == [done["sid"]]
    assert_error(post_status(confab, case["sid"], done["sid"], Status="paused"), 400, 10000)


@pytest.mark.parametrize("data,name", [
    ({"Status": "bogus"}, "Status"),
    ({}, "Status"),
    ({"Status": "completed"}, "Status"),
    ({"Status": "paused", "PauseBehavior": "rewind"}, "PauseBehavior"),
], ids=["bogus", "missing", "completed", "bad-pause-behavior"])
def test_bad_update_is_400(confab, project, data, name):
    sid, _, rec = recorded_conference(confab, project)
    r = confab.post(confab.rec_path(sid, rec["sid"], project), project=project, data=data)
    assert_error(r, 400, 10000, mentions=name)
    assert confab.fetch_recording(sid, rec["sid"], project)["status"] == "in-progress"
    confab.end_conference(sid, project)


def test_last_participant_leaving_completes_the_recording(confab, project):
    sid, parts, rec = recorded_conference(confab, project)
    for p in parts:
        confab.hangup_call(p["call_sid"], project=project)
    confab.wait_conference_status(sid, "completed", project=project)
    done = confab.wait_recording_status(sid, rec["sid"], "completed", project)
    assert type(done["duration"]) is int


# ---- Twilio.CURRENT ---------------------------------------------------------------------------------------

CURRENT = "Twilio.CURRENT"


def test_twilio_current_names_the_running_recording(confab, project):
    """§2.5, §5.2: `Twilio.CURRENT` in place of the recording sid, on fetch and update, is the conference's
    current recording (in progress or paused); 404 / 20404 when it has none."""
    sid, _, rec = recorded_conference(confab, project)
    for prefix in PREFIXES:
        for json_suffix in (True, False):
            r = confab.get(confab.rec_path(sid, CURRENT, project, prefix, json=json_suffix), project=project)
            assert r.status_code == 200, describe(r)
            got = check_recording(r.json(), project, sid, prefix=prefix, status="in-progress")
            assert got["sid"] == rec["sid"], got
            assert got["uri"].endswith(f"/Recordings/{rec['sid']}.json"), "the uri names the real sid"
    got = set_status(confab, sid, CURRENT, project, Status="paused", PauseBehavior="skip")
    assert got["sid"] == rec["sid"] and got["status"] == "paused", got
    assert confab.fetch_recording(sid, CURRENT, project)["sid"] == rec["sid"], "a paused one is current"
    got = set_status(confab, sid, CURRENT, project, Status="in-progress")
    assert got["sid"] == rec["sid"] and got["status"] == "in-progress", got
    got = set_status(confab, sid, CURRENT, project, Status="stopped")
    assert got["sid"] == rec["sid"] and got["status"] == "stopped", got
    assert confab.fetch_recording(sid, rec["sid"], project)["status"] in ("stopped", "completed")

    # nothing is running any more
    r = confab.get(confab.rec_path(sid, CURRENT, project), project=project)
    assert_error(r, 404, 20404, mentions="current recording")
    r = confab.post(confab.rec_path(sid, CURRENT, project), project=project, data={"Status": "paused"})
    assert_error(r, 404, 20404, mentions="current recording")
    # a conference that never recorded; another project; an unknown conference
    other, _, _ = confab.new_conference(project=project)
    assert_error(confab.get(confab.rec_path(other, CURRENT, project), project=project), 404, 20404)
    assert_error(confab.get(confab.rec_path(sid, CURRENT, confab.b), project=confab.b), 404, 20404)
    assert_error(confab.get(confab.rec_path(str(uuid.uuid4()), CURRENT, project), project=project), 404, 20404)
    # bad values are still refused before anything is looked up
    r = confab.post(confab.rec_path(sid, CURRENT, project), project=project, data={"Status": "bogus"})
    assert_error(r, 400, 10000, mentions="Status")
    confab.end_conference(sid, project)
    confab.end_conference(other, project)


def test_twilio_current_through_the_twilio_sdk(confab, project):
    """twilio-python sends the literal in the path: `recordings("Twilio.CURRENT").update(...)`."""
    twilio_rest = pytest.importorskip("twilio.rest")
    from twilio.base.exceptions import TwilioRestException
    sid, _, rec = recorded_conference(confab, project)
    client = twilio_rest.Client(project.id, project.token)
    client.api.base_url = confab.base
    got = client.conferences(sid).recordings(CURRENT).update(status="paused")
    assert got.sid == rec["sid"] and got.status == "paused"
    assert client.conferences(sid).recordings(CURRENT).fetch().sid == rec["sid"]
    confab.end_conference(sid, project)
    with pytest.raises(TwilioRestException) as e:
        client.conferences(sid).recordings(CURRENT).update(status="in-progress")
    assert (e.value.status, e.value.code) == (404, 20404)


# ---- the audio -----------------------------------------------------------------------------------------------

def test_wav_under_both_prefixes_and_auth(confab, project):
    sid, _, rec = recorded_conference(confab, project)
    set_status(confab, sid, rec["sid"], project, Status="stopped")
    done = confab.wait_recording_status(sid, rec["sid"], "completed", project)
    assert media_url(confab, done).endswith(f"/Recordings/{rec['sid']}.wav"), done["media_url"]
    for prefix in PREFIXES:
        check_wav(confab.get(confab.media_path(rec["sid"], project, prefix=prefix), project=project),
                  done["duration"])
    check_wav(get_wav(confab, done, project), done["duration"])
    assert_error(confab.get(confab.media_path(rec["sid"], project), auth=None), 401, 20003)
    assert_error(confab.get(confab.media_path(rec["sid"], project), auth=(project.id, "wrong")), 401, 20003)
    assert_error(confab.get(confab.media_path(str(uuid.uuid4()), project), project=project), 404, 20404)
    confab.end_conference(sid, project)


def test_audio_without_extension_is_wav_and_mp3_is_a_clear_404(confab, project):
    """Twilio's RecordingUrl convention: the URL without an extension (what the recording callbacks send)
    answers the audio as WAV, under both prefixes, with the .wav route's auth rules; .mp3 is not offered
    and says so; .json and other extensions name nothing at this path."""
    sid, _, rec = recorded_conference(confab, project)
    set_status(confab, sid, rec["sid"], project, Status="stopped")
    done = confab.wait_recording_status(sid, rec["sid"], "completed", project)
    for prefix in PREFIXES:
        bare = confab.media_path(rec["sid"], project, prefix=prefix)[:-len(".wav")]
        check_wav(confab.get(bare, project=project), done["duration"])
        head = confab.req("HEAD", bare, project=project)
        assert head.status_code == 200 and head.headers["Content-Type"].startswith("audio/x-wav"), describe(head)
        assert_error(confab.get(bare + ".mp3", project=project), 404, 20404, mentions="WAV")
        assert_error(confab.get(bare + ".ogg", project=project), 404, 20404)
    bare = confab.media_path(rec["sid"], project)[:-len(".wav")]
    assert_error(confab.get(bare, project=project, auth=None), 401, 20003)
    assert_error(confab.get(bare, project=project, auth=(project.id, "wrong")), 401, 20003)
    assert_error(confab.get(bare.replace(project.id, confab.b.id), project=confab.b), 404, 20404)
    assert_error(confab.get(bare + ".mp3", project=project, auth=None), 401, 20003)
    unknown = confab.media_path(str(uuid.uuid4()), project)[:-len(".wav")]
    assert_error(confab.get(unknown, project=project), 404, 20404)
    assert_error(confab.get(unknown + ".mp3", project=project), 404, 20404)
    assert_error(confab.post(bare, project=project), 405, 20004)
    confab.end_conference(sid, project)


# ---- delete --------------------------------------------------------------------------------------------------

def test_delete_removes_recording_and_audio(confab, project):
    sid, _, rec = recorded_conference(confab, project)
    set_status(confab, sid, rec["sid"], project, Status="stopped")
    done = confab.wait_recording_status(sid, rec["sid"], "completed", project)
    check_wav(confab.get(confab.media_path(rec["sid"], project), project=project), done["duration"])

    r = confab.delete(confab.rec_path(sid, rec["sid"], project), project=project)
    assert r.status_code == 204, describe(r)
    assert r.content == b"", f"204 must have an empty body: {describe(r)}"
    assert_error(confab.get(confab.rec_path(sid, rec["sid"], project), project=project), 404, 20404)
    assert_error(confab.get(confab.media_path(rec["sid"], project), project=project), 404, 20404)
    assert confab.list_recordings(sid, project)["recordings"] == []
    assert_error(confab.delete(confab.rec_path(sid, rec["sid"], project), project=project), 404, 20404)
    confab.end_conference(sid, project)


def test_delete_a_running_recording(confab, project):
    sid, _, rec = recorded_conference(confab, project)
    r = confab.delete(confab.rec_path(sid, rec["sid"], project, json=False), project=project)
    assert r.status_code == 204 and r.content == b"", describe(r)
    assert_error(confab.get(confab.rec_path(sid, rec["sid"], project), project=project), 404, 20404)
    confab.end_conference(sid, project)
    time.sleep(0.2)  # the engine must not bring the audio back
    assert confab.list_recordings(sid, project)["recordings"] == []
    assert_error(confab.get(confab.media_path(rec["sid"], project), project=project), 404, 20404)


def test_delete_from_other_project_is_404(confab, project):
    sid, _, rec = recorded_conference(confab, project)
    r = confab.delete(confab.rec_path(sid, rec["sid"], confab.b), project=confab.b)
    assert_error(r, 404, 20404)
    assert confab.fetch_recording(sid, rec["sid"], project)["status"] == "in-progress"
    confab.end_conference(sid, project)


def test_list_paging_errors(confab, project):
    sid, _, rec = recorded_conference(confab, project)
    path = confab.recs_path(sid, project)
    assert_error(confab.get(path, project=project, params={"PageSize": 0}), 400, 54454)
    assert_error(confab.get(path, project=project, params={"PageSize": 1001}), 400, 54454)
    assert_error(confab.get(path, project=project, params={"Page": 1}), 400, 54453)
    assert_error(confab.get(path, project=project, params={"PageToken": "PAnot-a-recording"}), 400, 21481)
    page = confab.list_recordings(sid, project, PageSize=1)
    assert [x["sid"] for x in assert_envelope(page, "recordings")] == [rec["sid"]]
    assert page["next_page_uri"] is None and page["previous_page_uri"] is None
    confab.end_conference(sid, project)


def test_update_with_json_body_and_date_updated(confab, project):
    sid, _, rec = recorded_conference(confab, project)
    confab.db_exec("UPDATE recordings SET date_updated = ? WHERE sid = ?", (to_micros(utc(2001, 1, 1)), rec["sid"]))
    r = confab.post(confab.rec_path(sid, rec["sid"], project), project=project,
                    json={"Status": "paused", "PauseBehavior": "skip"})
    assert r.status_code == 200, describe(r)
    assert r.json()["status"] == "paused"
    assert_recent(r.json()["date_updated"])
    r = confab.post(confab.rec_path(sid, rec["sid"], project, prefix=ROOT, json=False), project=project,
                    json={"Status": "in-progress"})
    assert r.status_code == 200, describe(r)
    assert r.json()["status"] == "in-progress"
    assert r.json()["uri"].startswith("/2010-04-01/"), r.json()["uri"]
    confab.end_conference(sid, project)


def test_recordings_methods(confab, project):
    sid, _, rec = recorded_conference(confab, project)
    assert_error(confab.post(confab.recs_path(sid, project), project=project, data={"Status": "paused"}), 405, 20004)
    assert_error(confab.delete(confab.recs_path(sid, project), project=project), 405, 20004)
    assert_error(confab.req("PUT", confab.rec_path(sid, rec["sid"], project), project=project), 405, 20004)
    assert_error(confab.post(confab.media_path(rec["sid"], project), project=project), 405, 20004)
    confab.end_conference(sid, project)
