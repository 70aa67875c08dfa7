"""Issue 7, Build 4: "every route is checked, from the route table, for cross-project access".

Project A owns a live conference with two participants, a completed recording (record-from-start, then
stopped) and its events. For every route of the route table, with GET, POST and DELETE, under both
prefixes:

* project B's credentials on A's path are 401/20003 (part 0: "`{AccountSid}` is not the authenticated
  project"), whatever the method;
* project B's credentials on its own path naming A's resources are 404/20404 ("unknown conference,
  participant, recording, call (or another project's)") for the methods the route has, and 405/20004 for
  the ones it has not (the same answer a made-up id gets, so nothing tells B that A's id exists);
* never a 2xx, never A's data in the answer, and afterwards A's resources are untouched.
"""

import random
import uuid

import pytest

from confab_helpers import LAML, ROOT, assert_error, describe, unique_name
from webhook_receiver import event_log

# The route table (src/api/cf_api.c `routes`, spec §1.1 plus the Calls and Events extensions):
# name -> (path template under {P}/Accounts/{A}, the methods it has)
ROUTES = {
    "conferences": ("/Conferences.json", {"GET"}),
    "conference": ("/Conferences/{C}.json", {"GET", "POST"}),
    "participants": ("/Conferences/{C}/Participants.json", {"GET", "POST"}),
    "participant": ("/Conferences/{C}/Participants/{K}.json", {"GET", "POST", "DELETE"}),
    "recordings": ("/Conferences/{C}/Recordings.json", {"GET"}),
    "recording": ("/Conferences/{C}/Recordings/{R}.json", {"GET", "POST", "DELETE"}),
    "calls": ("/Calls.json", {"GET"}),
    "call": ("/Calls/{K}.json", {"GET", "POST"}),
    "events": ("/Conferences/{C}/Events.json", {"GET"}),
    "event": ("/Conferences/{C}/Events/{E}.json", {"GET", "POST"}),
    "recording_media": ("/Recordings/{R}.wav", {"GET"}),
}
# What a POST carries (a change the route would make if it let B in).
POST_BODY = {
    "conferences": {"FriendlyName": "b-wants-one"},
    "conference": {"Status": "completed"},
    "participants": {"From": "+15550001111", "To": "+15550002222"},
    "participant": {"Muted": "true", "Hold": "true"},
    "recordings": {"Status": "paused"},
    "recording": {"Status": "paused"},
    "calls": {"From": "+15550001111", "To": "+15550002222", "Url": "http://example.com/x"},
    "call": {"Status": "completed"},
    "events": {"Status": "redeliver"},
    "event": {"Status": "redeliver"},
    "recording_media": {"Status": "paused"},
}
METHODS = ("GET", "POST", "DELETE")
PREFIXES = {"laml": LAML, "root": ROOT}
CASES = [(route, method, prefix) for route in ROUTES for method in METHODS for prefix in PREFIXES]
WITH_IDS = [c for c in CASES if "{" in ROUTES[c[0]][0]]
LISTS = [c for c in CASES if "{" not in ROUTES[c[0]][0]]


def case_id(c):
    return f"{c[1]}-{c[0]}-{c[2]}"


@pytest.fixture(scope="module")
def a_world(confab):
    """A's resources: ids C, K (and K2), R, E, and the strings that must never leak to B."""
    a = confab.a
    name = unique_name("xproj")
    from_no = "+1555" + "".join(random.choice("0123456789") for _ in range(7))
    label = unique_name("lbl")
    p1 = confab.create_participant(name, project=a, From=from_no, Label=label,
                                   ConferenceRecord="record-from-start")
    conf = p1["conference_sid"]
    p2 = confab.create_participant(name, project=a, From=from_no)
    confab.wait_participant_status(conf, p1["call_sid"], project=a)
    confab.wait_participant_status(conf, p2["call_sid"], project=a)
    confab.wait_conference_status(conf, "in-progress", project=a)
    rec = confab.wait_recording(conf, a)
    r = confab.post(confab.rec_path(conf, rec["sid"], a), project=a, data={"Status": "stopped"})
    assert r.status_code == 200, describe(r)
    rec = confab.wait_recording_status(conf, rec["sid"], "completed", a)
    events = event_log(confab, conf, a)
    assert events, "A's conference has events"
    ids = {"C": conf, "K": p1["call_sid"], "R": rec["sid"], "E": events[0]["sid"]}
    # Every id is valid for A (so B's 404 means "not yours", not "no such thing").
    for route, (tmpl, methods) in ROUTES.items():
        for prefix in PREFIXES.values():
            path = prefix + f"/Accounts/{a.id}" + tmpl.format(**ids)
            r = confab.get(path, project=a)
            assert r.status_code == 200, f"A's own GET {route}: {describe(r)}"
    secrets = [name, label, from_no, p2["call_sid"]]
    return {"ids": ids, "parts": (p1, p2), "rec": rec, "events": events, "secrets": secrets, "name": name}


def path_of(confab, route, owner, prefix, ids):
    return PREFIXES[prefix] + f"/Accounts/{owner.id}" + ROUTES[route][0].format(**ids)


def send(confab, method, path, route, auth):
    data = POST_BODY[route] if method == "POST" else None
    return confab.req(method, path, auth=auth, data=data)


def no_leak(r, world, also=()):
    text = r.text
    for s in list(world["secrets"]) + list(also):
        assert s not in text, f"A's {s!r} is in the answer to B: {describe(r)}"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_b_on_a_path_is_401(confab, a_world, case):
    route, method, prefix = case
    a, b = confab.a, confab.b
    r = send(confab, method, path_of(confab, route, a, prefix, a_world["ids"]), route, b.auth)
    assert_error(r, 401, 20003)
    no_leak(r, a_world)


@pytest.mark.parametrize("case", WITH_IDS, ids=case_id)
def test_b_naming_a_resources_on_its_own_path_is_404(confab, a_world, case):
    route, method, prefix = case
    b = confab.b
    ids = a_world["ids"]
    r = send(confab, method, path_of(confab, route, b, prefix, ids), route, b.auth)
    if method in ROUTES[route][1]:
        assert_error(r, 404, 20404)
    else:
        assert_error(r, 405, 20004)
    no_leak(r, a_world, also=[confab.a.id])
    # A made-up id gets the same answer: nothing tells B that A's ids exist.
    made_up = {k: str(uuid.uuid4()) for k in ids}
    r2 = send(confab, method, path_of(confab, route, b, prefix, made_up), route, b.auth)
    assert (r2.status_code, r2.json().get("code")) == (r.status_code, r.json().get("code")), (
        f"A's ids answer {r.status_code}/{r.json().get('code')}, made-up ids {describe(r2)}")


@pytest.mark.parametrize("case", LISTS, ids=case_id)
def test_b_own_lists_hold_nothing_of_a(confab, a_world, case):
    route, method, prefix = case
    b = confab.b
    r = send(confab, method, path_of(confab, route, b, prefix, {}), route, b.auth)
    if method not in ROUTES[route][1]:
        assert_error(r, 405, 20004)
    else:
        assert r.status_code == 200, describe(r)
        ids = a_world["ids"]
        for s in (ids["C"], ids["K"], confab.a.id):
            assert s not in r.text, f"A's {s} is in B's list: {describe(r)}"
    no_leak(r, a_world)


def test_a_is_untouched(confab, a_world):
    """Runs after the cases above (file order): nothing B sent changed A's resources."""
    a = confab.a
    ids = a_world["ids"]
    conf = confab.fetch_conference(ids["C"], a)
    assert conf["status"] == "in-progress", conf
    live = confab.live_call_sids(ids["C"], a)
    assert live == {p["call_sid"] for p in a_world["parts"]}, live
    for p in a_world["parts"]:
        r = confab.get_participant(ids["C"], p["call_sid"], a)
        assert r.status_code == 200, describe(r)
        assert r.json()["muted"] is False and r.json()["hold"] is False, r.json()
    rec = confab.fetch_recording(ids["C"], ids["R"], a)
    assert rec["status"] == "completed", rec
    r = confab.get(confab.media_path(ids["R"], a), project=a)
    assert r.status_code == 200, describe(r)
    call = confab.fetch_call(ids["K"], a)
    assert call["status"] not in ("completed", "canceled", "failed"), call
    events = event_log(confab, ids["C"], a)
    before = {e["sid"]: (e["status"], e["attempts"]) for e in a_world["events"]}
    assert [e["sid"] for e in events] == list(before), "B's requests added or removed events of A's conference"
    b_confs = confab.list_conferences(confab.b, PageSize=1000)["conferences"]
    assert all(c["friendly_name"] not in (ids["C"], a_world["name"], "b-wants-one") for c in b_confs), (
        f"B's refused requests made conferences: {[c['friendly_name'] for c in b_confs]}")
