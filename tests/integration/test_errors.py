"""Every error row of spec part 0 that the conference resource can produce, and the error body shape:
exactly {code, message, more_info, status}; the message names the parameter."""

import base64
import uuid

import pytest
import requests

from confab_helpers import ROOT, assert_error, describe, unique_name

ANNOUNCE = "http://localhost:9/announce.xml"  # resolves from /etc/hosts, refused at once


@pytest.fixture(scope="module")
def live(confab):
    """A live conference of project a that the error tests must leave untouched."""
    sid, name, _ = confab.new_conference()
    return sid, name


def _unchanged(confab, sid):
    conf = confab.fetch_conference(sid)
    assert conf["status"] == "init" and conf["reason_conference_ended"] is None, conf


# ---------------------------------------------------------------------------------------------------------
# 401 / 20003: missing or bad credentials; an {AccountSid} that is not the authenticated project.


def test_401_cases_share_one_body(confab, live):
    sid, _ = live
    a, b = confab.a, confab.b
    path = confab.conf_path(sid)
    cases = {
        "no credentials": confab.get(path, auth=None),
        "wrong token": confab.get(path, auth=(a.id, b.token)),
        "empty token": confab.get(path, auth=(a.id, "")),
        "unknown project": confab.get(path.replace(a.id, (u := str(uuid.uuid4()))), auth=(u, a.token)),
        "unknown project, own path": confab.get(path, auth=(str(uuid.uuid4()), a.token)),
        "other project's AccountSid": confab.get(confab.conf_path(sid, project=b), auth=a.auth),
        "path of a made-up account": confab.get(path.replace(a.id, str(uuid.uuid4())), auth=a.auth),
        "bearer scheme": confab.get(path, auth=None, headers={"Authorization": f"Bearer {a.token}"}),
        "bad base64": confab.get(path, auth=None, headers={"Authorization": "Basic !!!not-base64!!!"}),
        "no colon": confab.get(path, auth=None, headers={
            "Authorization": "Basic " + base64.b64encode(a.id.encode()).decode()}),
    }
    bodies = {}
    for what, r in cases.items():
        body = assert_error(r, 401, 20003)
        bodies[what] = r.text
        assert body["status"] == 401
    assert len(set(bodies.values())) == 1, f"401 bodies differ: {bodies}"


@pytest.mark.parametrize("method,kind", [("GET", "list"), ("POST", "update"), ("POST", "participant"),
                                         ("GET", "participants")])
def test_other_projects_path_is_401_on_every_route(confab, live, method, kind):
    sid, name = live
    b = confab.b
    path = {"list": confab.confs_path(b), "update": confab.conf_path(sid, b),
            "participant": confab.parts_path(unique_name("x"), b), "participants": confab.parts_path(sid, b)}[kind]
    data = {"Status": "completed"} if kind == "update" else (
        {"From": "+15550001111", "To": "+15550002222"} if kind == "participant" else None)
    r = confab.req(method, path, auth=confab.a.auth, data=data)
    assert_error(r, 401, 20003)
    _unchanged(confab, sid)


def test_missing_credentials_on_post_changes_nothing(confab, live):
    sid, _ = live
    assert_error(confab.post(confab.conf_path(sid), auth=None, data={"Status": "completed"}), 401, 20003)
    name = unique_name("noauth")
    assert_error(confab.post(confab.parts_path(name), auth=None,
                             data={"From": "+15550001111", "To": "+15550002222"}), 401, 20003)
    _unchanged(confab, sid)
    assert confab.list_conferences(FriendlyName=name)["conferences"] == []


# ---------------------------------------------------------------------------------------------------------
# 404 / 20404.


def test_unknown_conference_is_404(confab, live):
    sid, _ = live
    unknown = str(uuid.uuid4())
    assert_error(confab.get(confab.conf_path(unknown)), 404, 20404)
    assert_error(confab.get(confab.conf_path(unknown, prefix=ROOT, json=False)), 404, 20404)
    assert_error(confab.get(confab.conf_path("not-a-sid")), 404, 20404)
    assert_error(confab.post(confab.conf_path(unknown), data={"Status": "completed"}), 404, 20404)
    assert_error(confab.post(confab.conf_path(unknown), data={"AnnounceUrl": ANNOUNCE}), 404, 20404)
    assert_error(confab.get(confab.parts_path(unknown)), 404, 20404)
    assert_error(confab.get(confab.part_path(unknown, str(uuid.uuid4()))), 404, 20404)
    assert_error(confab.get(confab.part_path(sid, str(uuid.uuid4()))), 404, 20404)


# ---------------------------------------------------------------------------------------------------------
# 405 / 20004.


@pytest.mark.parametrize("method,target", [
    ("DELETE", "item"), ("PUT", "item"), ("PATCH", "item"),
    ("POST", "list"), ("DELETE", "list"), ("PUT", "list"),
])
def test_method_not_allowed(confab, live, method, target):
    sid, _ = live
    for path in ((confab.conf_path(sid), confab.conf_path(sid, prefix=ROOT, json=False)) if target == "item"
                 else (confab.confs_path(), confab.confs_path(prefix=ROOT, json=False))):
        r = confab.req(method, path, data={"Status": "completed"})
        assert_error(r, 405, 20004)
    _unchanged(confab, sid)


# ---------------------------------------------------------------------------------------------------------
# Conference update validation.


@pytest.mark.parametrize("status", ["in-progress", "init", "bogus"])
def test_status_other_than_completed_is_21475(confab, live, status):
    sid, _ = live
    assert_error(confab.post(confab.conf_path(sid), data={"Status": status}), 400, 21475, mentions="Status")
    _unchanged(confab, sid)


@pytest.mark.parametrize("url", ["ftp://x", "notaurl", "/relative/announce.xml", "http://",
                                 "javascript:alert(1)", "http://example.com:99999/x", "http://example.com:0/x",
                                 "http://example.com:8o/x", "http://[::1/x", "http://[::1]x/y"])
def test_bad_announce_url_is_21402(confab, live, url):
    sid, _ = live
    assert_error(confab.post(confab.conf_path(sid), data={"AnnounceUrl": url}), 400, 21402, mentions="AnnounceUrl")
    _unchanged(confab, sid)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "FETCH"])
def test_bad_announce_method_is_13221(confab, live, method):
    sid, _ = live
    r = confab.post(confab.conf_path(sid), data={"AnnounceUrl": ANNOUNCE, "AnnounceMethod": method})
    assert_error(r, 400, 13221, mentions="AnnounceMethod")
    _unchanged(confab, sid)


def test_bad_announce_method_alone_is_13221(confab, live):
    sid, _ = live
    assert_error(confab.post(confab.conf_path(sid), data={"AnnounceMethod": "PUT"}), 400, 13221)


# ---------------------------------------------------------------------------------------------------------
# Other invalid values: 400 / 10000.


@pytest.mark.parametrize("param", ["Muted", "StartConferenceOnEnter", "EndConferenceOnExit"])
@pytest.mark.parametrize("value", ["maybe", "1"])
def test_bad_boolean_is_10000(confab, param, value):
    name = unique_name("badbool")
    r = confab.post_participant(name, **{param: value})
    assert_error(r, 400, 10000, mentions=param)
    assert confab.list_conferences(FriendlyName=name)["conferences"] == [], "nothing is created on a 400"


def test_participant_url_and_method_params_validated(confab):
    name = unique_name("badcb")
    assert_error(confab.post_participant(name, StatusCallback="notaurl"), 400, 21402, mentions="StatusCallback")
    assert_error(confab.post_participant(name, StatusCallback=ANNOUNCE, StatusCallbackMethod="PUT"), 400, 13221,
                 mentions="StatusCallbackMethod")
    assert confab.list_conferences(FriendlyName=name)["conferences"] == []


@pytest.mark.parametrize("value", ["bogus", "ended", "INIT-"])
def test_bad_status_filter_is_10000(confab, value):
    assert_error(confab.get(confab.confs_path(), params={"Status": value}), 400, 10000, mentions="Status")


@pytest.mark.parametrize("key", ["DateCreated", "DateCreated<", "DateCreated>", "DateUpdated", "DateUpdated<",
                                 "DateUpdated>"])
@pytest.mark.parametrize("value", ["notadate", "2021-13-01", "2021-02-30", "20210101", "2021-01-01T00:00:00Z"])
def test_bad_date_filter_is_10000(confab, key, value):
    assert_error(confab.get(confab.confs_path(), params={key: value}), 400, 10000,
                 mentions=key.rstrip("<>"))


# ---------------------------------------------------------------------------------------------------------
# Paging errors.


@pytest.mark.parametrize("token", ["garbage", "PAnot-a-uuid", "PX" + str(uuid.uuid4()), "PA", "PB",
                                   "pa" + str(uuid.uuid4())])
def test_bad_page_token_is_21481(confab, token):
    assert_error(confab.get(confab.confs_path(), params={"PageToken": token, "Page": 1}), 400, 21481)


@pytest.mark.parametrize("page", ["1", "2"])
def test_page_without_token_is_54453(confab, page):
    assert_error(confab.get(confab.confs_path(), params={"Page": page}), 400, 54453)


@pytest.mark.parametrize("size", ["0", "1001", "-1"])
def test_bad_page_size_is_54454(confab, size):
    assert_error(confab.get(confab.confs_path(), params={"PageSize": size}), 400, 54454, mentions="PageSize")


def test_page_errors_on_participant_list(confab, live):
    sid, _ = live
    assert_error(confab.get(confab.parts_path(sid), params={"PageSize": 0}), 400, 54454)
    assert_error(confab.get(confab.parts_path(sid), params={"Page": 2}), 400, 54453)
    assert_error(confab.get(confab.parts_path(sid), params={"PageToken": "garbage", "Page": 1}), 400, 21481)


# ---------------------------------------------------------------------------------------------------------
# Caps: body 64 KiB (413), 100 parameters and 4 KiB per value (400); never silently truncated.


def form_body_of_len(n, chunk=4000):
    parts = []
    i = 0
    while True:
        cur = len("&".join(parts))
        prefix = f"x{i:02d}="
        room = n - cur - (1 if parts else 0) - len(prefix)
        if room <= chunk:
            assert room >= 0
            parts.append(prefix + "a" * room)
            break
        parts.append(prefix + "a" * chunk)
        i += 1
    body = "&".join(parts)
    assert len(body) == n and len(parts) <= 100
    return body


def _post_raw(confab, path, body, ctype="application/x-www-form-urlencoded"):
    # A fresh connection: the server may close it after refusing a large body.
    return requests.post(confab.base + path, data=body.encode() if isinstance(body, str) else body,
                         auth=confab.a.auth, headers={"Content-Type": ctype}, timeout=15)


def test_body_at_cap_is_accepted(confab, live):
    sid, _ = live
    r = _post_raw(confab, confab.conf_path(sid), form_body_of_len(65536))
    assert r.status_code == 200, describe(r)
    _unchanged(confab, sid)


def test_body_over_cap_is_413(confab, live):
    sid, _ = live
    r = _post_raw(confab, confab.conf_path(sid), form_body_of_len(65537))
    assert_error(r, 413, 10000)
    r = _post_raw(confab, confab.conf_path(sid), "Status=completed&" + form_body_of_len(65537 - 17))
    assert_error(r, 413, 10000)
    _unchanged(confab, sid)


def test_json_body_over_cap_is_413(confab, live):
    sid, _ = live
    body = '{"Status":"completed","Pad":"' + "a" * 70_000 + '"}'
    assert_error(_post_raw(confab, confab.conf_path(sid), body, "application/json"), 413, 10000)
    _unchanged(confab, sid)


def test_parameter_count_cap(confab, live):
    sid, _ = live
    ok = "&".join(f"p{i}=1" for i in range(100))
    r = _post_raw(confab, confab.conf_path(sid), ok)
    assert r.status_code == 200, describe(r)
    over = "Status=completed&" + "&".join(f"p{i}=1" for i in range(100))
    assert_error(_post_raw(confab, confab.conf_path(sid), over), 400, 10000)
    _unchanged(confab, sid)


def test_value_length_cap(confab, live):
    sid, _ = live
    r = _post_raw(confab, confab.conf_path(sid), "Pad=" + "a" * 4096)
    assert r.status_code == 200, describe(r)
    assert_error(_post_raw(confab, confab.conf_path(sid), "Status=completed&Pad=" + "a" * 4097), 400, 10000)
    assert_error(_post_raw(confab, confab.conf_path(sid), "Status=completed&Pad=" + "%41" * 4097), 400, 10000)
    _unchanged(confab, sid)


def test_query_caps(confab):
    assert_error(confab.get(confab.confs_path(), params={"FriendlyName": "a" * 4097}), 400, 10000)
    assert_error(confab.get(confab.confs_path(), params={f"q{i}": "1" for i in range(101)}), 400, 10000)


# ---------------------------------------------------------------------------------------------------------
# Malformed bodies: 400 / 10000.


@pytest.mark.parametrize("body,ctype", [
    ("{not json", "application/json"),
    ("[1, 2]", "application/json"),
    ('{"Status": {"nested": true}}', "application/json"),
    ('{"Status": "completed"} trailing', "application/json"),
    ("Status=%ZZ", "application/x-www-form-urlencoded"),
], ids=["json-syntax", "json-array", "json-nested", "json-trailing", "form-bad-escape"])
def test_malformed_body_is_10000(confab, live, body, ctype):
    sid, _ = live
    assert_error(_post_raw(confab, confab.conf_path(sid), body, ctype), 400, 10000)
    _unchanged(confab, sid)
